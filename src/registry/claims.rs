//! The rules of a domain claim that the registry's store and the domain checks both read:
//! which address needs proof and how long an unproven claim holds it. Pure: no I/O.

use super::Platform;
use crate::config::Settings;
use std::time::Duration;

/// Whether `address`, the platform's, needs proof: it is the platform's own domain and
/// neither the base domain nor a name under it. The host platform (whose domain is the base
/// unless `base_domain` says otherwise) is the operator's own.
pub fn needs_verification(p: &Platform, address: &str, base: Option<&str>) -> bool {
    if p.host || p.external || p.domain.is_none() {
        return false;
    }
    outside_base(address, base)
}

/// Whether `address` is neither the base domain nor under it.
pub fn outside_base(address: &str, base: Option<&str>) -> bool {
    match base {
        Some(b) => address != b && !address.ends_with(&format!(".{b}")),
        None => true,
    }
}

/// How long an unproven claim blocks others; `None` with verification off (nothing is a claim).
pub fn claim_ttl(settings: &Settings) -> Option<Duration> {
    settings.domains.verify.then(|| *settings.domains.claim_ttl)
}
