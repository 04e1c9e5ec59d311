//! Custom-domain ownership (issue 15.6). A platform's own domain — an address that is not the
//! base domain nor under it — is served only once proven, so nobody can register someone
//! else's domain and squat it. The challenge (token and proof) lives in
//! `tenantctl.domain_verifications`, made by a trigger whenever a platform gets an address
//! (migration `20261202000806`). Two proofs, either one:
//! - DNS: a TXT record `_tenantctl-challenge.<address>` whose value is the token;
//! - HTTP: `http://<address>/.well-known/tenantctl-challenge/<token>` answers the proof —
//!   which serve does by itself for that address, so pointing the domain at serve proves it.
//!
//! Lookups go to `domains.dns_server` (default: the system's resolv.conf) through
//! hickory-resolver; the HTTP check connects to the address that DNS server gives, on
//! `domains.http_port`. `domains.verify = false` turns all of this off.

use super::Platform;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::rules::naming;
use chrono::{DateTime, Utc};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use serde::Serialize;
use sqlx::PgPool;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The path serve answers the HTTP challenge under (followed by the token).
pub const CHALLENGE_PATH: &str = "/.well-known/tenantctl-challenge/";
/// The label of the TXT record, in front of the address.
pub const TXT_LABEL: &str = "_tenantctl-challenge";

const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether `address`, the platform's, needs proof: it is the platform's own domain and
/// neither the base domain nor a name under it. The host platform (whose domain is the base
/// unless `base_domain` says otherwise) is the operator's own.
pub fn needs_verification(p: &Platform, address: &str, base: Option<&str>) -> bool {
    if p.host || p.external || p.domain.is_none() {
        return false;
    }
    match base {
        Some(b) => address != b && !address.ends_with(&format!(".{b}")),
        None => true,
    }
}

/// One row of `tenantctl.domain_verifications`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Challenge {
    pub platform_id: i64,
    pub domain: String,
    pub token: String,
    pub proof: String,
    pub verified_at: Option<DateTime<Utc>>,
    pub method: Option<String>,
    pub last_error: Option<String>,
}

const CHALLENGE_COLUMNS: &str =
    "platform_id, domain, token, proof, verified_at, method, last_error";

/// Every challenge (serve's map is built from them).
pub async fn all<'e>(db: impl sqlx::PgExecutor<'e>) -> sqlx::Result<Vec<Challenge>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CHALLENGE_COLUMNS} FROM tenantctl.domain_verifications"
    )))
    .fetch_all(db)
    .await
}

/// The challenge of `address` for platform `id`, made if the trigger has not (a row written
/// before the migration, say).
pub async fn challenge(pool: &PgPool, id: i64, address: &str) -> Result<Challenge> {
    let random = || {
        format!(
            "{:032x}{:032x}",
            rand::random::<u128>(),
            rand::random::<u128>()
        )
    };
    // language=PostgreSQL
    sqlx::query(
        "INSERT INTO tenantctl.domain_verifications (platform_id, domain, token, proof) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (platform_id, domain) DO NOTHING",
    )
    .bind(id)
    .bind(address)
    .bind(random())
    .bind(random())
    .execute(pool)
    .await?;
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CHALLENGE_COLUMNS} FROM tenantctl.domain_verifications \
         WHERE platform_id = $1 AND domain = $2"
    )))
    .bind(id)
    .bind(address)
    .fetch_one(pool)
    .await?)
}

/// The TXT record to publish.
#[derive(Debug, Clone, Serialize)]
pub struct TxtRecord {
    pub name: String,
    pub value: String,
}

word_enum! {
    "domain verification status",
    /// Where a platform's address is in its verification.
    pub enum DomainStatus {
        /// Proven (or served before verification existed).
        Verified = "verified",
        /// Not proven yet: not served.
        Unverified = "unverified",
        /// No custom domain (a subdomain of the base domain, or no address).
        NotNeeded = "not_needed",
        /// `domains.verify = false`: served as it is.
        Off = "off",
    }
}

/// What `platform verify-domain` reports. Field names are stable.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub platform: String,
    pub platform_id: i64,
    pub address: Option<String>,
    pub status: DomainStatus,
    /// `dns`, `http` or `existing` (served before verification existed).
    pub method: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    pub token: Option<String>,
    pub dns: Option<TxtRecord>,
    /// Where the HTTP challenge is fetched (serve answers it once the domain points at it).
    pub http_url: Option<String>,
    /// Why the checks failed, when unverified.
    pub error: Option<String>,
}

impl Verification {
    pub fn is_ok(&self) -> bool {
        self.status != DomainStatus::Unverified
    }
}

fn resolver(settings: &Settings) -> Result<TokioResolver> {
    let mut builder = match settings.domains.dns_server.as_deref() {
        Some(s) => {
            let addr: SocketAddr = s
                .parse()
                .or_else(|_| s.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| {
                    Error::Usage(format!(
                        "invalid `domains.dns_server` `{}`: expected IP or IP:PORT, like 127.0.0.1:53",
                        naming::shown(s)
                    ))
                })?;
            let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
            for c in &mut ns.connections {
                c.port = addr.port();
            }
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![ns]),
                TokioRuntimeProvider::default(),
            )
        }
        None => TokioResolver::builder_tokio().map_err(|e| {
            Error::Other(anyhow::anyhow!(
                "cannot read the system's DNS configuration: {e}"
            ))
        })?,
    };
    let o = builder.options_mut();
    o.timeout = Duration::from_secs(3);
    o.attempts = 2;
    // A check must see the record as published now.
    o.cache_size = 0;
    builder
        .build()
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot set up DNS lookups: {e}")))
}

fn fqdn(name: &str) -> String {
    format!("{name}.")
}

async fn check_dns(
    r: &TokioResolver,
    address: &str,
    token: &str,
) -> std::result::Result<(), String> {
    let name = format!("{TXT_LABEL}.{address}");
    let lookup = r
        .txt_lookup(fqdn(&name))
        .await
        .map_err(|e| format!("no TXT record `{name}` ({})", dns_failure(&e)))?;
    let values: Vec<String> = lookup
        .answers()
        .iter()
        .filter_map(|rec| match &rec.data {
            RData::TXT(t) => Some(
                t.txt_data
                    .iter()
                    .map(|part| String::from_utf8_lossy(part).into_owned())
                    .collect::<String>(),
            ),
            _ => None,
        })
        .collect();
    if values.iter().any(|v| v.trim() == token) {
        Ok(())
    } else {
        Err(format!(
            "TXT record `{name}` does not hold the token ({} value(s) found)",
            values.len()
        ))
    }
}

/// A failed lookup in words: hickory's own text prints the query as a Rust debug dump.
fn dns_failure(e: &hickory_resolver::net::NetError) -> String {
    use hickory_resolver::net::NetError;
    match e {
        e if e.is_nx_domain() => "the name does not exist".into(),
        e if e.is_no_records_found() => "the name has no record of that type".into(),
        NetError::Timeout => "the DNS server did not answer in time".into(),
        NetError::NoConnections => "no DNS server could be reached".into(),
        NetError::Io(io) => format!("cannot reach the DNS server: {io}"),
        other => other.to_string(),
    }
}

async fn check_http(
    r: &TokioResolver,
    address: &str,
    port: u16,
    token: &str,
    proof: &str,
) -> std::result::Result<(), String> {
    let ips = r
        .lookup_ip(fqdn(address))
        .await
        .map_err(|e| format!("`{address}` has no address ({})", dns_failure(&e)))?;
    let ip = ips
        .iter()
        .next()
        .ok_or_else(|| format!("`{address}` has no address"))?;
    let url = challenge_url(address, port, token);
    let client = crate::tls::http_client()
        .resolve(address, SocketAddr::new(ip, port))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(CHECK_TIMEOUT)
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("{url} ({ip}): {e}"))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if status.is_success() && body.trim() == proof {
        Ok(())
    } else {
        Err(format!(
            "{url} ({ip}) answered {status} without the proof: does the domain point at this service?"
        ))
    }
}

fn challenge_url(address: &str, port: u16, token: &str) -> String {
    if port == 80 {
        format!("http://{address}{CHALLENGE_PATH}{token}")
    } else {
        format!("http://{address}:{port}{CHALLENGE_PATH}{token}")
    }
}

/// Check platform `p`'s domain now (DNS first, then HTTP) unless it is verified already, and
/// record the outcome.
pub async fn verify(pool: &PgPool, settings: &Settings, p: &Platform) -> Result<Verification> {
    let base = {
        let mut conn = pool.acquire().await?;
        super::store::base_domain(&mut conn, settings.base_domain.as_deref()).await?
    };
    let address = p.address(base.as_deref());
    let mut v = Verification {
        platform: p.name.clone(),
        platform_id: p.id,
        address: address.clone(),
        status: DomainStatus::NotNeeded,
        method: None,
        verified_at: None,
        token: None,
        dns: None,
        http_url: None,
        error: None,
    };
    let Some(address) = address else {
        return Ok(v);
    };
    if !needs_verification(p, &address, base.as_deref()) {
        return Ok(v);
    }
    if !settings.domains.verify {
        v.status = DomainStatus::Off;
        return Ok(v);
    }
    let c = challenge(pool, p.id, &address).await?;
    v.token = Some(c.token.clone());
    v.dns = Some(TxtRecord {
        name: format!("{TXT_LABEL}.{address}"),
        value: c.token.clone(),
    });
    v.http_url = Some(challenge_url(
        &address,
        settings.domains.http_port,
        &c.token,
    ));
    if c.verified_at.is_some() {
        v.status = DomainStatus::Verified;
        v.method = c.method;
        v.verified_at = c.verified_at;
        return Ok(v);
    }
    let r = resolver(settings)?;
    let outcome = match check_dns(&r, &address, &c.token).await {
        Ok(()) => Ok("dns"),
        Err(dns) => {
            match check_http(&r, &address, settings.domains.http_port, &c.token, &c.proof).await {
                Ok(()) => Ok("http"),
                Err(http) => Err(format!("DNS: {dns}; HTTP: {http}")),
            }
        }
    };
    match outcome {
        Ok(method) => {
            // language=PostgreSQL
            let at: DateTime<Utc> = sqlx::query_scalar(
                "UPDATE tenantctl.domain_verifications \
                 SET verified_at = now(), method = $3, last_checked_at = now(), last_error = NULL \
                 WHERE platform_id = $1 AND domain = $2 RETURNING verified_at",
            )
            .bind(p.id)
            .bind(&address)
            .bind(method)
            .fetch_one(pool)
            .await?;
            v.status = DomainStatus::Verified;
            v.method = Some(method.to_string());
            v.verified_at = Some(at);
        }
        Err(e) => {
            // language=PostgreSQL
            sqlx::query(
                "UPDATE tenantctl.domain_verifications \
                 SET last_checked_at = now(), last_error = $3 \
                 WHERE platform_id = $1 AND domain = $2",
            )
            .bind(p.id)
            .bind(&address)
            .bind(&e)
            .execute(pool)
            .await?;
            v.status = DomainStatus::Unverified;
            v.error = Some(e);
        }
    }
    Ok(v)
}

/// The worker's round: check every platform whose domain is not verified yet. Returns how
/// many were checked and how many are verified now.
pub async fn verify_pending(pool: &PgPool, settings: &Settings) -> Result<(usize, usize)> {
    if !settings.domains.verify {
        return Ok((0, 0));
    }
    let platforms: Vec<Platform> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM public.platforms p WHERE EXISTS (SELECT 1 FROM tenantctl.domain_verifications v \
         WHERE v.platform_id = p.id AND v.verified_at IS NULL) ORDER BY id",
        super::PLATFORM_COLUMNS
            .split(", ")
            .map(|c| format!("p.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    )))
    .fetch_all(pool)
    .await?;
    let (mut checked, mut verified) = (0, 0);
    for p in &platforms {
        let v = verify(pool, settings, p).await?;
        if matches!(v.status, DomainStatus::Unverified | DomainStatus::Verified) {
            checked += 1;
        }
        if v.status == DomainStatus::Verified {
            verified += 1;
        }
    }
    Ok((checked, verified))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(host: bool, sub: Option<&str>, domain: Option<&str>) -> Platform {
        Platform {
            host,
            domain: domain.map(str::to_string),
            subdomain: sub.map(str::to_string),
            ..Platform::detached(1, "P", Some("tenant_p".into()))
        }
    }

    #[test]
    fn only_addresses_outside_the_base_need_proof() {
        let base = Some("example.org");
        let custom = platform(false, None, Some("shop.net"));
        assert!(needs_verification(&custom, "shop.net", base));
        assert!(needs_verification(&custom, "shop.net", None));
        let sub = platform(false, Some("acme"), None);
        assert!(!needs_verification(&sub, "acme.example.org", base));
        // A domain that is the base, or under it, is the operator's.
        let under = platform(false, Some("forum"), Some("example.org"));
        assert!(!needs_verification(&under, "forum.example.org", base));
        let deep = platform(false, None, Some("x.example.org"));
        assert!(!needs_verification(&deep, "x.example.org", base));
        // A look-alike suffix is not under the base.
        let fake = platform(false, None, Some("evilexample.org"));
        assert!(needs_verification(&fake, "evilexample.org", base));
        assert!(!needs_verification(
            &platform(true, None, Some("host.net")),
            "host.net",
            base
        ));
    }

    #[test]
    fn the_challenge_url_omits_the_default_port() {
        assert_eq!(
            challenge_url("shop.net", 80, "t"),
            "http://shop.net/.well-known/tenantctl-challenge/t"
        );
        assert_eq!(
            challenge_url("shop.net", 8080, "t"),
            "http://shop.net:8080/.well-known/tenantctl-challenge/t"
        );
    }
}
