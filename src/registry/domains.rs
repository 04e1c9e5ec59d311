//! Custom-domain ownership (issues 15.6, 27). A platform's own domain — an address that is not
//! the base domain nor under it — is served only once proven, so nobody can register someone
//! else's domain and squat it. The challenge (token and proof) lives in
//! `tenantctl.domain_verifications`, made by a trigger whenever a platform gets an address
//! (migrations `20261202000806`, `20261207000100`).
//!
//! What proves ownership is something only the owner can place, for the per-claim token:
//! - DNS: a TXT record `_tenantctl-challenge.<address>` whose value is the token;
//! - HTTP: `http://<address>/.well-known/tenantctl-challenge/<token>` answers the token —
//!   served by the owner's own web server, where the name points before it is moved to serve.
//!   serve never answers the token: an answer from serve would prove only that the name points
//!   at serve (a wildcard record, a leftover record of a customer who left), not who owns it.
//!
//! A verified domain is checked again every `domains.recheck_interval` (the worker) and by
//! every `platform verify-domain`. A domain proven by DNS needs its TXT record to stay; one
//! proven by HTTP (or served before verification existed, `existing`) passes with the TXT
//! record, the owner's file, or serve's own answer at the name (serve answers the secret
//! `proof`, never shown to anyone, for verified addresses only): that the name still points at
//! this service. A failing check starts a grace period (`domains.lost_after`, DNS flaps): the
//! domain stays served and `status --check` warns; once every check has failed for that long it
//! is lost (no longer routed, no certificate, critical) until it is proven again.
//!
//! An address that waits for its first proof is a claim; a claim older than
//! `domains.claim_ttl` no longer blocks another platform, and a proven pending claim
//! (`platform set-domain`) takes an address over from an unproven one (`store::check_available`).
//!
//! Lookups go to `domains.dns_server` (default: the system's resolv.conf) through
//! hickory-resolver; the HTTP check connects to the address that DNS server gives, on
//! `domains.http_port`. `domains.verify = false` turns all of this off.

use super::Platform;
pub use super::claims::{claim_ttl, needs_verification, outside_base};
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
    pub last_checked_at: Option<DateTime<Utc>>,
    /// The first failed check in a row of a verified domain.
    pub failing_since: Option<DateTime<Utc>>,
    pub lost_at: Option<DateTime<Utc>>,
    /// An address the platform moves to once proven (`platform set-domain`).
    pub pending: bool,
    pub new_domain: Option<String>,
    pub new_subdomain: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Challenge {
    pub fn status(&self) -> DomainStatus {
        match (self.verified_at, self.failing_since, self.lost_at) {
            (Some(_), Some(_), _) => DomainStatus::Failing,
            (Some(_), None, _) => DomainStatus::Verified,
            (None, _, Some(_)) => DomainStatus::Lost,
            (None, _, None) => DomainStatus::Unverified,
        }
    }
}

const CHALLENGE_COLUMNS: &str = "platform_id, domain, token, proof, verified_at, method, last_error, \
     last_checked_at, failing_since, lost_at, pending, new_domain, new_subdomain, created_at";

/// Every challenge (serve's map is built from them).
pub async fn all<'e>(db: impl sqlx::PgExecutor<'e>) -> sqlx::Result<Vec<Challenge>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CHALLENGE_COLUMNS} FROM tenantctl.domain_verifications"
    )))
    .fetch_all(db)
    .await
}

/// The challenges of one platform: its current address and the pending one, if any.
pub async fn of_platform<'e>(
    db: impl sqlx::PgExecutor<'e>,
    platform_id: i64,
) -> sqlx::Result<Vec<Challenge>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CHALLENGE_COLUMNS} FROM tenantctl.domain_verifications \
         WHERE platform_id = $1 ORDER BY pending, domain"
    )))
    .bind(platform_id)
    .fetch_all(db)
    .await
}

fn random_secret() -> String {
    format!(
        "{:032x}{:032x}",
        rand::random::<u128>(),
        rand::random::<u128>()
    )
}

/// The challenge of `address` for platform `id`, made if the trigger has not (a row written
/// before the migration, say).
pub async fn challenge(pool: &PgPool, id: i64, address: &str) -> Result<Challenge> {
    // language=PostgreSQL
    sqlx::query(
        "INSERT INTO tenantctl.domain_verifications (platform_id, domain, token, proof) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (platform_id, domain) DO NOTHING",
    )
    .bind(id)
    .bind(address)
    .bind(random_secret())
    .bind(random_secret())
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

/// Record that platform `id` moves to `address` (`domain`, `subdomain`) once it is proven; it
/// replaces an earlier pending address. The platform keeps being served where it is.
pub async fn set_pending(
    pool: &PgPool,
    id: i64,
    address: &str,
    domain: &str,
    subdomain: Option<&str>,
) -> Result<Challenge> {
    let mut tx = pool.begin().await?;
    // language=PostgreSQL
    sqlx::query(
        "DELETE FROM tenantctl.domain_verifications WHERE platform_id = $1 AND pending AND domain <> $2",
    )
    .bind(id)
    .bind(address)
    .execute(&mut *tx)
    .await?;
    let c = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO tenantctl.domain_verifications \
           (platform_id, domain, token, proof, pending, new_domain, new_subdomain) \
         VALUES ($1, $2, $3, $4, true, $5, $6) \
         ON CONFLICT (platform_id, domain) DO UPDATE SET new_domain = $5, new_subdomain = $6 \
         RETURNING {CHALLENGE_COLUMNS}"
    )))
    .bind(id)
    .bind(address)
    .bind(random_secret())
    .bind(random_secret())
    .bind(domain)
    .bind(subdomain)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(c)
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
        /// Proven (or served before verification existed), and its proof still found.
        Verified = "verified",
        /// Proven, but the last checks did not find the proof: still served during the grace
        /// period (`domains.lost_after`).
        Failing = "failing",
        /// Was proven, then its proof was gone for longer than the grace period: not served.
        Lost = "lost",
        /// Not proven yet: not served.
        Unverified = "unverified",
        /// No custom domain (a subdomain of the base domain, or no address).
        NotNeeded = "not_needed",
        /// `domains.verify = false`: served as it is.
        Off = "off",
    }
}

impl DomainStatus {
    /// Whether serve routes an address in this state.
    pub fn served(self) -> bool {
        !matches!(self, DomainStatus::Lost | DomainStatus::Unverified)
    }
}

/// What `platform verify-domain` reports. Field names are stable.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub platform: String,
    pub platform_id: i64,
    /// The address checked: the pending one when the platform waits to move (see `serving`).
    pub address: Option<String>,
    pub status: DomainStatus,
    /// `dns`, `http` or `existing` (served before verification existed).
    pub method: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    /// Since when the proof of a verified domain is missing (`failing`).
    pub failing_since: Option<DateTime<Utc>>,
    pub token: Option<String>,
    pub dns: Option<TxtRecord>,
    /// Where the owner's web server answers the token (before the name points at serve).
    pub http_url: Option<String>,
    /// Why the checks failed, when unverified.
    pub error: Option<String>,
    /// With a pending address: where the platform is served until it is proven.
    pub serving: Option<String>,
    /// The pending address was proven by this check and the platform now is served there.
    pub switched: bool,
}

impl Verification {
    pub fn is_ok(&self) -> bool {
        self.status.served()
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

/// What the HTTP check found at the challenge URL.
#[derive(Debug, PartialEq, Eq)]
enum HttpAnswer {
    /// The token: the owner's own server answers it.
    Token,
    /// serve's own answer for a verified address: the name still points at this service.
    StillHere,
}

async fn check_http(
    r: &TokioResolver,
    address: &str,
    port: u16,
    token: &str,
    proof: &str,
) -> std::result::Result<HttpAnswer, String> {
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
    match body.trim() {
        b if status.is_success() && b == token => Ok(HttpAnswer::Token),
        b if status.is_success() && b == proof => Ok(HttpAnswer::StillHere),
        _ => Err(format!(
            "{url} ({ip}) answered {status} without the token (the owner's web server must answer it)"
        )),
    }
}

fn challenge_url(address: &str, port: u16, token: &str) -> String {
    if port == 80 {
        format!("http://{address}{CHALLENGE_PATH}{token}")
    } else {
        format!("http://{address}:{port}{CHALLENGE_PATH}{token}")
    }
}

/// Look for the proof of `c` now. A first proof is the token (TXT, or the owner's web
/// server); a verified domain keeps the kind of proof it was verified with, except that one
/// proven over HTTP (or `existing`) may now point at serve (see the module's note).
async fn look(
    r: &TokioResolver,
    settings: &Settings,
    c: &Challenge,
) -> std::result::Result<&'static str, String> {
    let dns = match check_dns(r, &c.domain, &c.token).await {
        Ok(()) => return Ok("dns"),
        Err(e) => e,
    };
    let was = c.verified_at.map(|_| c.method.as_deref().unwrap_or("dns"));
    if was == Some("dns") {
        return Err(format!(
            "DNS: {dns} (proven by DNS: the TXT record must stay)"
        ));
    }
    match check_http(r, &c.domain, settings.domains.http_port, &c.token, &c.proof).await {
        Ok(HttpAnswer::Token) => Ok("http"),
        Ok(HttpAnswer::StillHere) if was == Some("existing") => Ok("existing"),
        Ok(HttpAnswer::StillHere) if was == Some("http") => Ok("http"),
        // Only a verified address gets serve's answer; this is not one (any more).
        Ok(HttpAnswer::StillHere) => Err(format!("DNS: {dns}; HTTP: not the token")),
        Err(http) => Err(format!("DNS: {dns}; HTTP: {http}")),
    }
}

/// Check `c` now and record the outcome (see the module's note for the grace period).
pub async fn check_one(
    pool: &PgPool,
    settings: &Settings,
    r: &TokioResolver,
    c: &Challenge,
) -> Result<Challenge> {
    let outcome = look(r, settings, c).await;
    let updated: Option<Challenge> = match &outcome {
        Ok(method) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE tenantctl.domain_verifications \
                 SET verified_at = coalesce(verified_at, now()), method = $3, last_checked_at = now(), \
                     last_error = NULL, failing_since = NULL, lost_at = NULL \
                 WHERE platform_id = $1 AND domain = $2 RETURNING {CHALLENGE_COLUMNS}"
            )))
            .bind(c.platform_id)
            .bind(&c.domain)
            .bind(*method)
            .fetch_optional(pool)
            .await?
        }
        // All right-hand sides see the row as it was.
        Err(e) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE tenantctl.domain_verifications \
                 SET last_checked_at = now(), last_error = $3, \
                     failing_since = CASE WHEN verified_at IS NULL THEN NULL \
                                          ELSE coalesce(failing_since, now()) END, \
                     lost_at = CASE WHEN verified_at IS NOT NULL \
                                     AND now() - coalesce(failing_since, now()) >= make_interval(secs => $4) \
                                THEN now() ELSE lost_at END, \
                     verified_at = CASE WHEN verified_at IS NOT NULL \
                                         AND now() - coalesce(failing_since, now()) >= make_interval(secs => $4) \
                                    THEN NULL ELSE verified_at END \
                 WHERE platform_id = $1 AND domain = $2 RETURNING {CHALLENGE_COLUMNS}"
            )))
            .bind(c.platform_id)
            .bind(&c.domain)
            .bind(e)
            .bind(settings.domains.lost_after.as_secs_f64())
            .fetch_optional(pool)
            .await?
        }
    };
    let updated = updated.unwrap_or_else(|| c.clone());
    if c.verified_at.is_some() && updated.lost_at.is_some() && updated.verified_at.is_none() {
        tracing::warn!(domain = %c.domain, platform_id = c.platform_id, error = ?outcome.err(),
            "a verified domain lost its proof: no longer served");
    }
    Ok(updated)
}

impl Verification {
    fn of(p: &Platform, address: Option<String>) -> Verification {
        Verification {
            platform: p.name.clone(),
            platform_id: p.id,
            address,
            status: DomainStatus::NotNeeded,
            method: None,
            verified_at: None,
            failing_since: None,
            token: None,
            dns: None,
            http_url: None,
            error: None,
            serving: None,
            switched: false,
        }
    }

    fn fill(&mut self, settings: &Settings, c: &Challenge) {
        self.address = Some(c.domain.clone());
        self.status = c.status();
        self.method = c.method.clone();
        self.verified_at = c.verified_at;
        self.failing_since = c.failing_since;
        self.token = Some(c.token.clone());
        self.dns = Some(TxtRecord {
            name: format!("{TXT_LABEL}.{}", c.domain),
            value: c.token.clone(),
        });
        self.http_url = Some(challenge_url(
            &c.domain,
            settings.domains.http_port,
            &c.token,
        ));
        self.error = match self.status {
            DomainStatus::Verified => None,
            _ => c.last_error.clone(),
        };
    }
}

/// Check platform `p`'s domain now, a real lookup whether it is verified already or not, and
/// record the outcome. With a pending address (`platform set-domain`), that one is checked too
/// and reported, and once proven the platform moves there (its old address redirects).
pub async fn verify(pool: &PgPool, settings: &Settings, p: &Platform) -> Result<Verification> {
    let base = {
        let mut conn = pool.acquire().await?;
        super::store::base_domain(&mut conn, settings.base_domain.as_deref()).await?
    };
    let address = p.address(base.as_deref());
    let mut v = Verification::of(p, address.clone());
    if !settings.domains.verify {
        if address
            .as_deref()
            .is_some_and(|a| needs_verification(p, a, base.as_deref()))
        {
            v.status = DomainStatus::Off;
        }
        return Ok(v);
    }
    let r = resolver(settings)?;
    if let Some(a) = &address
        && needs_verification(p, a, base.as_deref())
    {
        let c = challenge(pool, p.id, a).await?;
        let c = check_one(pool, settings, &r, &c).await?;
        v.fill(settings, &c);
    }
    let pending = of_platform(pool, p.id)
        .await?
        .into_iter()
        .find(|c| c.pending);
    let Some(pending) = pending else {
        return Ok(v);
    };
    let c = check_one(pool, settings, &r, &pending).await?;
    let mut pv = Verification::of(p, None);
    pv.fill(settings, &c);
    pv.serving = address.clone();
    if c.verified_at.is_some() {
        match switch(pool, settings, p, &c).await {
            Ok(()) => {
                pv.switched = true;
                pv.serving = None;
            }
            Err(e) => {
                let msg = format!("proven, but the switch failed: {e}");
                // language=PostgreSQL
                sqlx::query(
                    "UPDATE tenantctl.domain_verifications SET last_error = $3 \
                     WHERE platform_id = $1 AND domain = $2",
                )
                .bind(p.id)
                .bind(&c.domain)
                .bind(&msg)
                .execute(pool)
                .await?;
                pv.status = DomainStatus::Unverified;
                pv.error = Some(msg);
            }
        }
    }
    Ok(pv)
}

/// Move platform `p` to its proven pending address: the old address redirects for
/// `domain_redirect_days`; an unproven claim of another platform on it gives way; other
/// platforms' pending claims on it are dropped.
async fn switch(pool: &PgPool, settings: &Settings, p: &Platform, c: &Challenge) -> Result<()> {
    let domain = c
        .new_domain
        .clone()
        .ok_or_else(|| Error::Other(anyhow::anyhow!("pending row without a domain")))?;
    super::store::set_domain_with(
        pool,
        p,
        Some(domain),
        c.new_subdomain.clone(),
        settings.base_domain.as_deref(),
        settings.domain_redirect_days,
        super::store::Claims::proven(),
    )
    .await?;
    // language=PostgreSQL
    sqlx::query(
        "DELETE FROM tenantctl.domain_verifications WHERE pending AND lower(domain) = lower($1) AND platform_id <> $2",
    )
    .bind(&c.domain)
    .bind(p.id)
    .execute(pool)
    .await?;
    tracing::info!(platform = %p.name, address = %c.domain, "pending address proven: the platform moved there");
    Ok(())
}

/// What a round of the worker's domain check did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub checked: usize,
    pub verified: usize,
    pub failing: usize,
    pub lost: usize,
}

/// The worker's round: check every claim not proven yet (current or pending address), and
/// every verified domain not checked for `domains.recheck_interval`.
pub async fn check_due(pool: &PgPool, settings: &Settings) -> Result<Round> {
    let mut round = Round::default();
    if !settings.domains.verify {
        return Ok(round);
    }
    // language=PostgreSQL
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT platform_id FROM tenantctl.domain_verifications \
         WHERE verified_at IS NULL \
            OR last_checked_at IS NULL \
            OR last_checked_at <= now() - make_interval(secs => $1) \
            OR failing_since IS NOT NULL \
         ORDER BY platform_id",
    )
    .bind(settings.domains.recheck_interval.as_secs_f64())
    .fetch_all(pool)
    .await?;
    for id in ids {
        let Some(p) = super::store::get(pool, id).await? else {
            continue;
        };
        let v = verify(pool, settings, &p).await?;
        match v.status {
            DomainStatus::NotNeeded | DomainStatus::Off => continue,
            DomainStatus::Verified => round.verified += 1,
            DomainStatus::Failing => round.failing += 1,
            DomainStatus::Lost => round.lost += 1,
            DomainStatus::Unverified => {}
        }
        round.checked += 1;
    }
    Ok(round)
}

/// One round of the worker's domain check ([`check_due`]), logged; a failed round is logged
/// and the next one tries again.
pub async fn check_round(pool: &PgPool, settings: &Settings) {
    match check_due(pool, settings).await {
        Ok(r) if r.failing > 0 || r.lost > 0 => tracing::warn!(
            checked = r.checked,
            verified = r.verified,
            failing = r.failing,
            lost = r.lost,
            "checked the custom domains: some lost their proof"
        ),
        Ok(r) if r.checked > 0 => tracing::info!(
            checked = r.checked,
            verified = r.verified,
            "checked the custom domains"
        ),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %crate::error::cause_chain(&e), "domain check round failed")
        }
    }
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
