//! The prefixes of the schema names tenantctl makes itself, declared once: the code that makes
//! a name ([`names`](super::names)), the checks that find leftovers (`doctor`, `status`) and the
//! rule that keeps platforms off these names ([`naming`](super::naming)) all read this list.
//! It imports nothing.

/// A schema `restore` moved the live schema to: `tctl_old_<platform id>_<UTC time>`, dropped
/// when the restore succeeds, kept with `--keep-old`.
pub const OLD_PREFIX: &str = "tctl_old_";
/// A scratch schema of `backup verify` (`tctl_verify_<platform id>_<hex>`) or `migrate verify`
/// (`tctl_verify_<hex>`), dropped when the check ends.
pub const VERIFY_PREFIX: &str = "tctl_verify_";
/// The prefix `migrate verify` used for its scratch schemas before it took [`VERIFY_PREFIX`]:
/// an interrupted run of an older version may have left one, so it is still recognised.
pub const LEGACY_VERIFY_PREFIX: &str = "tenantctl_verify_";
/// A warm-pool spare: `_tenantctl_pool_<8 hex>`, fully migrated, renamed when a platform
/// claims it.
pub const POOL_PREFIX: &str = "_tenantctl_pool_";

/// Schemas tenantctl creates for a while and drops again (a crash may leave one behind).
pub const SCRATCH_PREFIXES: &[&str] = &[OLD_PREFIX, VERIFY_PREFIX, LEGACY_VERIFY_PREFIX];

/// Every prefix of a name tenantctl makes itself; a platform's own schema should start with
/// none of them.
pub const RESERVED_PREFIXES: &[&str] =
    &[OLD_PREFIX, VERIFY_PREFIX, LEGACY_VERIFY_PREFIX, POOL_PREFIX];

/// The reserved prefix `name` starts with, if any.
pub fn reserved_prefix(name: &str) -> Option<&'static str> {
    RESERVED_PREFIXES
        .iter()
        .copied()
        .find(|p| name.starts_with(p))
}

/// A `LIKE` pattern matching every name with this prefix (`_` and `%` escaped).
pub fn like_prefix(prefix: &str) -> String {
    let escaped = prefix
        .replace('\\', "\\\\")
        .replace('_', "\\_")
        .replace('%', "\\%");
    format!("{escaped}%")
}

/// `LIKE` patterns for [`SCRATCH_PREFIXES`], for `nspname LIKE ANY($1)`.
pub fn scratch_like_patterns() -> Vec<String> {
    SCRATCH_PREFIXES.iter().map(|p| like_prefix(p)).collect()
}
