//! Registry queries: creating, finding, listing, deleting platforms and changing their domains.

use super::{PLATFORM_COLUMNS, Platform, ProvisionStatus, address_of};
use crate::db::{SchemaName, locks::PlatformLock};
use crate::error::{Error, Result, constraint};
use crate::rules::naming::{self, ValidationError};
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use std::str::FromStr;

/// What an operator asks for, as typed.
#[derive(Debug, Clone, Default)]
pub struct PlatformInput {
    pub name: String,
    pub subdomain: Option<String>,
    pub domain: Option<String>,
    pub host: bool,
    pub external: bool,
    pub url: Option<String>,
    pub schema_name: Option<String>,
    pub contact_email: Option<String>,
}

/// A platform request that passed every rule; only this reaches SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlatform {
    pub name: String,
    pub subdomain: Option<String>,
    /// Normalised (lower case, punycode).
    pub domain: Option<String>,
    pub host: bool,
    pub external: bool,
    pub url: Option<String>,
    /// An explicit schema name; `None` generates one (or none, for external platforms).
    pub schema_name: Option<SchemaName>,
    pub contact_email: Option<String>,
}

impl NewPlatform {
    /// Check every field, in the order an operator reads them. Pure: no SQL has run.
    pub fn validate(input: PlatformInput) -> Result<NewPlatform, ValidationError> {
        naming::validate_platform_name(&input.name)?;
        if let Some(s) = &input.subdomain {
            naming::validate_subdomain(s)?;
        }
        let domain = input
            .domain
            .as_deref()
            .map(naming::normalize_domain)
            .transpose()?;
        if let Some(s) = &input.schema_name {
            naming::validate_platform_schema(s)?;
        }
        let schema_name = input
            .schema_name
            .as_deref()
            .map(SchemaName::parse)
            .transpose()?;
        let url = input.url.as_deref().map(validate_url).transpose()?;
        let contact_email = input
            .contact_email
            .as_deref()
            .map(validate_email)
            .transpose()?;
        if input.external {
            if input.host {
                return Err(ValidationError::new(
                    "platform",
                    &input.name,
                    "the host platform cannot be external",
                ));
            }
            if schema_name.is_some() {
                return Err(ValidationError::new(
                    "schema name",
                    input.schema_name.as_deref().unwrap_or(""),
                    "external platforms have no schema",
                ));
            }
            if url.is_none() && domain.is_none() {
                return Err(ValidationError::new(
                    "platform",
                    &input.name,
                    "an external platform needs --url or --domain",
                ));
            }
        } else if input.subdomain.is_none() && domain.is_none() {
            return Err(ValidationError::new(
                "platform",
                &input.name,
                "needs --domain or --subdomain (where it is served)",
            ));
        }
        Ok(NewPlatform {
            name: input.name,
            subdomain: input.subdomain,
            domain,
            host: input.host,
            external: input.external,
            url,
            schema_name,
            contact_email,
        })
    }
}

/// An http(s) URL with a host.
pub fn validate_url(raw: &str) -> Result<String, ValidationError> {
    let u = url::Url::parse(raw)
        .map_err(|e| ValidationError::new("url", raw, format!("is not a URL ({e})")))?;
    if !matches!(u.scheme(), "http" | "https") || !u.has_host() {
        return Err(ValidationError::new(
            "url",
            raw,
            "must be an http:// or https:// URL with a host",
        ));
    }
    Ok(u.to_string())
}

/// A mail address lettre can send to.
pub fn validate_email(raw: &str) -> Result<String, ValidationError> {
    lettre::Address::from_str(raw)
        .map(|a| a.to_string())
        .map_err(|e| {
            ValidationError::new("contact email", raw, format!("is not a mail address ({e})"))
        })
}

fn select(filter: &str) -> String {
    format!("SELECT {PLATFORM_COLUMNS} FROM public.platforms {filter}")
}

/// Find a platform by id (all digits) or by name (case-insensitive).
pub async fn find_opt(conn: &mut PgConnection, key: &str) -> Result<Option<Platform>> {
    let p = if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
        let id: i64 = key
            .parse()
            .map_err(|_| Error::Usage(format!("platform id `{key}` is out of range")))?;
        sqlx::query_as::<_, Platform>(AssertSqlSafe(select("WHERE id = $1")))
            .bind(id)
            .fetch_optional(conn)
            .await?
    } else {
        sqlx::query_as::<_, Platform>(AssertSqlSafe(select("WHERE lower(name) = lower($1)")))
            .bind(key)
            .fetch_optional(conn)
            .await?
    };
    Ok(p)
}

/// Like [`find_opt`], for a name or id given on the command line: no such platform is
/// [`super::suggest::unknown_platform`] (exit 2, with the nearest name), as for `--tenant`.
pub async fn find(pool: &PgPool, key: &str) -> Result<Platform> {
    let mut conn = pool.acquire().await?;
    match find_opt(&mut conn, key).await? {
        Some(p) => Ok(p),
        None => Err(unknown(&mut conn, key).await?),
    }
}

/// The error for `key`, given on the command line, that is no platform (see [`find`]).
pub async fn unknown(conn: &mut PgConnection, key: &str) -> Result<Error> {
    // language=PostgreSQL
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM public.platforms ORDER BY id")
        .fetch_all(conn)
        .await?;
    Ok(super::suggest::unknown_platform(
        key,
        names.iter().map(String::as_str),
    ))
}

/// A platform that was there and is gone (deleted by another run meanwhile): exit 1.
pub fn not_found(key: &str) -> Error {
    Error::NotFound(format!("platform `{}` not found", naming::shown(key)))
        .hint("`tenantctl platform list` shows the platforms")
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Option<Platform>> {
    Ok(
        sqlx::query_as::<_, Platform>(AssertSqlSafe(select("WHERE id = $1")))
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Every platform, by id.
pub async fn list(pool: &PgPool) -> Result<Vec<Platform>> {
    Ok(
        sqlx::query_as::<_, Platform>(AssertSqlSafe(select("ORDER BY id")))
            .fetch_all(pool)
            .await?,
    )
}

/// Platforms in one status, by id.
pub async fn list_by_status(pool: &PgPool, status: ProvisionStatus) -> Result<Vec<Platform>> {
    Ok(sqlx::query_as::<_, Platform>(AssertSqlSafe(select(
        "WHERE provision_status = $1 ORDER BY id",
    )))
    .bind(status.as_str())
    .fetch_all(pool)
    .await?)
}

pub async fn host(conn: &mut PgConnection) -> Result<Option<Platform>> {
    Ok(
        sqlx::query_as::<_, Platform>(AssertSqlSafe(select("WHERE host")))
            .fetch_optional(conn)
            .await?,
    )
}

/// The parent domain of subdomain-only platforms: `base_domain` from the config, else the host
/// platform's domain.
pub async fn base_domain(
    conn: &mut PgConnection,
    configured: Option<&str>,
) -> Result<Option<String>> {
    if let Some(b) = configured {
        return Ok(Some(naming::normalize_domain(b).map_err(|mut e| {
            e.field = "base_domain";
            e
        })?));
    }
    Ok(host(conn).await?.and_then(|h| h.domain))
}

// language=PostgreSQL
const ADDRESS_SQL: &str = "CASE WHEN subdomain IS NOT NULL AND domain IS NOT NULL THEN subdomain || '.' || domain \
     WHEN domain IS NOT NULL THEN domain \
     WHEN subdomain IS NOT NULL AND $2::text IS NOT NULL THEN subdomain || '.' || $2::text END";

/// The platform (other than `except`) already served at `address`, if any.
pub async fn address_holder(
    conn: &mut PgConnection,
    address: &str,
    base: Option<&str>,
    except: Option<i64>,
) -> Result<Option<Platform>> {
    let sql = select(&format!(
        "WHERE lower({ADDRESS_SQL}) = lower($1) AND id IS DISTINCT FROM $3 LIMIT 1"
    ));
    Ok(sqlx::query_as::<_, Platform>(AssertSqlSafe(sql))
        .bind(address)
        .bind(base)
        .bind(except)
        .fetch_optional(conn)
        .await?)
}

/// How an address held by another platform's unproven claim (a custom domain never proven, or
/// lost) is treated (issue 27.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claims {
    /// A new address for a platform now (`platform create`, `/setup`, `set-domain` of an
    /// address that needs no proof): an unproven claim older than `ttl` gives way (its platform
    /// loses the address); a younger one, or any with `ttl` `None` (verification off), refuses.
    New { ttl: Option<std::time::Duration> },
    /// A pending address (`set-domain` of a custom domain): it only waits for its proof, so an
    /// unproven claim does not stand in its way (nothing changes for the holder yet).
    Pending,
    /// A pending address just proven: it takes over from any unproven claim.
    Proven,
}

impl Claims {
    /// [`Claims::New`] with `domains.claim_ttl` (no expiry with verification off).
    pub fn new(settings: &crate::config::Settings) -> Claims {
        Claims::New {
            ttl: super::claims::claim_ttl(settings),
        }
    }

    pub fn proven() -> Claims {
        Claims::Proven
    }
}

/// When `holder`'s claim on `address` started (its challenge, or when it was lost), if its
/// address is a custom domain that is not proven now.
pub async fn unproven_since(
    conn: &mut PgConnection,
    holder: &Platform,
    address: &str,
    base: Option<&str>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    if !super::claims::needs_verification(holder, address, base) {
        return Ok(None);
    }
    // language=PostgreSQL
    Ok(sqlx::query_scalar(
        "SELECT coalesce(lost_at, created_at) FROM tenantctl.domain_verifications \
         WHERE platform_id = $1 AND domain = lower($2) AND NOT pending AND verified_at IS NULL",
    )
    .bind(holder.id)
    .bind(address)
    .fetch_optional(conn)
    .await?)
}

/// Whether an unproven claim that started at `since` has expired after `ttl`.
pub fn claim_expired(
    since: chrono::DateTime<chrono::Utc>,
    ttl: Option<std::time::Duration>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    ttl.and_then(|t| chrono::Duration::from_std(t).ok())
        .is_some_and(|t| since + t <= now)
}

/// Whether an address is free, and if not, who holds it. Used by `platform create`, the setup
/// wizard and `/setup/domain-available`. An old address in its redirect window is not free
/// (see [`reservation`]). An unproven claim is treated by `claims`; one that gives way loses
/// its address here (on `conn`).
pub async fn check_available(
    conn: &mut PgConnection,
    address: &str,
    base: Option<&str>,
    except: Option<i64>,
    claims: Claims,
) -> Result<()> {
    if let Some(holder) = address_holder(conn, address, base, except).await? {
        let Some(since) = unproven_since(conn, &holder, address, base).await? else {
            return Err(Error::Conflict(format!(
                "`{address}` is already the address of platform `{}`",
                holder.name
            )));
        };
        let take = match claims {
            Claims::Pending => false,
            Claims::Proven => true,
            Claims::New { ttl } => {
                if !claim_expired(since, ttl, chrono::Utc::now()) {
                    let frees = ttl
                        .and_then(|t| chrono::Duration::from_std(t).ok())
                        .map(|t| (since + t).format("%Y-%m-%d %H:%M UTC").to_string());
                    return Err(Error::Conflict(format!(
                        "`{address}` is claimed by platform `{}` but not proven{}",
                        holder.name,
                        frees
                            .map(|f| format!(": the claim expires at {f} (`domains.claim_ttl`)"))
                            .unwrap_or_default()
                    ))
                    .hint(
                        "an existing platform may claim it now with `tenantctl platform set-domain`: \
                         whoever proves it first (TXT record) takes it",
                    ));
                }
                true
            }
        };
        if take {
            // language=PostgreSQL
            sqlx::query(
                "UPDATE public.platforms SET domain = NULL, subdomain = NULL, updated_at = now() WHERE id = $1",
            )
            .bind(holder.id)
            .execute(&mut *conn)
            .await?;
            tracing::warn!(platform = %holder.name, address = %address,
                "an unproven claim gave way: the platform has no address now");
        }
    }
    if let Some(r) = reservation(conn, address, except).await? {
        return Err(r.error());
    }
    Ok(())
}

/// An old address in its redirect window (`tenantctl.domain_history`): requests for it are
/// redirected to its platform's new address until `expires_at`, so nobody else may take it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Reservation {
    pub address: String,
    pub platform_id: i64,
    pub platform: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl Reservation {
    /// The day it frees, as operators read it.
    pub fn frees_on(&self) -> String {
        self.expires_at.format("%Y-%m-%d").to_string()
    }

    /// The refusal of a platform that wants this address.
    pub fn error(&self) -> Error {
        Error::Conflict(format!(
            "`{}` is reserved until {} (UTC): it redirects to platform `{}`'s new address",
            self.address,
            self.frees_on(),
            self.platform
        ))
        .hint(format!(
            "`tenantctl platform release-domain {}` frees it now (its redirect stops)",
            self.address
        ))
    }
}

// language=PostgreSQL
const RESERVATION_SQL: &str = "SELECT h.old_address AS address, h.platform_id, p.name AS platform, h.expires_at \
     FROM tenantctl.domain_history h JOIN public.platforms p ON p.id = h.platform_id \
     WHERE lower(h.old_address) = lower($1) AND h.expires_at > now()";

/// The redirect window holding `address` for a platform other than `except`, if any (the
/// latest to expire).
pub async fn reservation(
    conn: &mut PgConnection,
    address: &str,
    except: Option<i64>,
) -> Result<Option<Reservation>> {
    let sql = format!(
        "{RESERVATION_SQL} AND h.platform_id IS DISTINCT FROM $2 ORDER BY h.expires_at DESC LIMIT 1"
    );
    Ok(sqlx::query_as::<_, Reservation>(AssertSqlSafe(sql))
        .bind(address)
        .bind(except)
        .fetch_optional(conn)
        .await?)
}

/// End the redirect window of an old address now (`platform release-domain`): its history row
/// stays, expired, and the address is free. `None` when it is not reserved.
pub async fn release_domain(pool: &PgPool, address: &str) -> Result<Option<Reservation>> {
    let mut tx = pool.begin().await?;
    let found = sqlx::query_as::<_, Reservation>(AssertSqlSafe(format!(
        "{RESERVATION_SQL} ORDER BY h.expires_at DESC LIMIT 1 FOR UPDATE OF h"
    )))
    .bind(address)
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_some() {
        // language=PostgreSQL
        sqlx::query(
            "UPDATE tenantctl.domain_history SET expires_at = now() \
             WHERE lower(old_address) = lower($1) AND expires_at > now()",
        )
        .bind(address)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(found)
}

/// How many times a generated schema name is drawn again after a collision.
const SCHEMA_NAME_ATTEMPTS: usize = 8;

/// Insert a validated platform. Checks run first so the errors are clear; the unique indexes
/// still decide under concurrency, and a generated schema name that collides is drawn again.
pub async fn create(
    pool: &PgPool,
    new: &NewPlatform,
    configured_base: Option<&str>,
    claims: Claims,
) -> Result<Platform> {
    let mut conn = pool.acquire().await?;
    let base = base_domain(&mut conn, configured_base).await?;
    let address = if new.host {
        // The host's own domain is the base for everybody else.
        address_of(
            new.subdomain.as_deref(),
            new.domain.as_deref(),
            configured_base,
        )
    } else {
        address_of(
            new.subdomain.as_deref(),
            new.domain.as_deref(),
            base.as_deref(),
        )
    };
    if !new.external && address.is_none() {
        return Err(Error::Usage(format!(
            "subdomain `{}` needs a parent domain: give the host platform a domain, set `base_domain`, or pass --domain",
            new.subdomain.as_deref().unwrap_or_default()
        )));
    }
    if find_opt(&mut conn, &new.name).await?.is_some() {
        return Err(Error::Conflict(format!(
            "a platform named `{}` exists already",
            new.name
        )));
    }
    if new.host
        && let Some(h) = host(&mut conn).await?
    {
        return Err(Error::Conflict(format!(
            "platform `{}` is already the host platform; there is at most one",
            h.name
        )));
    }
    if let Some(addr) = &address {
        check_available(&mut conn, addr, base.as_deref(), None, claims).await?;
    }
    if let Some(s) = &new.schema_name
        && crate::db::schema_exists(pool, s).await?
    {
        return Err(Error::Conflict(format!(
            "schema `{s}` exists already; tenantctl creates each tenant schema itself"
        )));
    }

    let status = if new.external {
        ProvisionStatus::Completed
    } else {
        ProvisionStatus::Pending
    };
    let mut last_err = None;
    for _ in 0..SCHEMA_NAME_ATTEMPTS {
        let schema = if new.external {
            None
        } else {
            Some(match &new.schema_name {
                Some(s) => s.as_str().to_string(),
                None => naming::generate_schema_name(
                    new.subdomain.as_deref(),
                    &new.name,
                    rand::random::<u32>(),
                ),
            })
        };
        // language=PostgreSQL
        let sql = format!(
            "INSERT INTO public.platforms (name, host, external, url, domain, subdomain, schema_name, provision_status, contact_email) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {PLATFORM_COLUMNS}"
        );
        let res = sqlx::query_as::<_, Platform>(AssertSqlSafe(sql))
            .bind(&new.name)
            .bind(new.host)
            .bind(new.external)
            .bind(&new.url)
            .bind(&new.domain)
            .bind(&new.subdomain)
            .bind(&schema)
            .bind(status.as_str())
            .bind(&new.contact_email)
            .fetch_one(&mut *conn)
            .await;
        match res {
            Ok(p) => return Ok(p),
            Err(e)
                if constraint(&e) == Some("platforms_schema_name_key")
                    && new.schema_name.is_none() =>
            {
                last_err = Some(e);
                continue;
            }
            Err(e) => return Err(conflict_from(e, new)),
        }
    }
    Err(Error::Db(last_err.expect("at least one attempt")))
}

/// Turn a unique violation into a message an operator understands.
fn conflict_from(e: sqlx::Error, new: &NewPlatform) -> Error {
    match constraint(&e) {
        Some("platforms_name_key") => {
            Error::Conflict(format!("a platform named `{}` exists already", new.name))
        }
        Some("platforms_one_host") => {
            Error::Conflict("there is already a host platform; there is at most one".into())
        }
        Some("platforms_subdomain_domain_key") => {
            taken_meanwhile(new.subdomain.as_deref(), new.domain.as_deref())
        }
        Some("platforms_schema_name_key") => Error::Conflict(format!(
            "schema `{}` already belongs to another platform",
            new.schema_name.as_ref().map(|s| s.as_str()).unwrap_or("?")
        )),
        _ => Error::Db(e),
    }
}

/// The address check passed, then another platform took the address before the insert (two
/// creates at once): say which address, in words.
fn taken_meanwhile(subdomain: Option<&str>, domain: Option<&str>) -> Error {
    let address = match (subdomain, domain) {
        (Some(s), Some(d)) => format!("`{}.{}`", naming::shown(s), naming::shown(d)),
        (None, Some(d)) => format!("`{}`", naming::shown(d)),
        (Some(s), None) => format!("subdomain `{}` of the base domain", naming::shown(s)),
        (None, None) => "the same address".into(),
    };
    Error::Conflict(format!(
        "another platform was created at {address} at the same time"
    ))
    .hint("`tenantctl platform list` shows which; choose another address")
}

/// Change where a platform is served. The old address goes into `tenantctl.domain_history`
/// with an expiry, for redirects. One transaction. A custom domain that needs proof goes
/// through `registry::domains::set_pending` first; this runs once it is proven.
pub async fn set_domain_with(
    pool: &PgPool,
    platform: &Platform,
    domain: Option<String>,
    subdomain: Option<String>,
    configured_base: Option<&str>,
    redirect_days: i64,
    claims: Claims,
) -> Result<Platform> {
    let mut tx = pool.begin().await?;
    // Serialise concurrent changes of this platform.
    // language=PostgreSQL
    sqlx::query("SELECT 1 FROM public.platforms WHERE id = $1 FOR UPDATE")
        .bind(platform.id)
        .execute(&mut *tx)
        .await?;
    let base = base_domain(&mut tx, configured_base).await?;
    let old = platform.address(base.as_deref());
    let new_base = if platform.host {
        configured_base.map(str::to_string)
    } else {
        base.clone()
    };
    let Some(new) = address_of(subdomain.as_deref(), domain.as_deref(), new_base.as_deref()) else {
        return Err(Error::Usage(
            "a subdomain alone needs a parent domain: pass --domain".into(),
        ));
    };
    check_available(&mut tx, &new, base.as_deref(), Some(platform.id), claims).await?;
    // language=PostgreSQL
    let sql = format!(
        "UPDATE public.platforms SET domain = $2, subdomain = $3, updated_at = now() WHERE id = $1 RETURNING {PLATFORM_COLUMNS}"
    );
    let updated = sqlx::query_as::<_, Platform>(AssertSqlSafe(sql))
        .bind(platform.id)
        .bind(&domain)
        .bind(&subdomain)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match constraint(&e) {
            Some("platforms_subdomain_domain_key") => {
                Error::Conflict(format!("`{new}` is already used by another platform"))
            }
            _ => Error::Db(e),
        })?;
    if let Some(old) = old
        && old != new
    {
        // language=PostgreSQL
        sqlx::query(
            "INSERT INTO tenantctl.domain_history (platform_id, old_domain, old_subdomain, old_address, new_address, expires_at) \
             VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6::int))",
        )
        .bind(platform.id)
        .bind(&platform.domain)
        .bind(&platform.subdomain)
        .bind(&old)
        .bind(&new)
        .bind(redirect_days as i32)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(updated)
}

/// One entry of a platform's domain history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct DomainChange {
    pub old_address: String,
    pub new_address: Option<String>,
    pub changed_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

pub async fn domain_history(pool: &PgPool, platform_id: i64) -> Result<Vec<DomainChange>> {
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, DomainChange>(
        "SELECT old_address, new_address, changed_at, expires_at FROM tenantctl.domain_history \
         WHERE platform_id = $1 ORDER BY changed_at DESC, id DESC",
    )
    .bind(platform_id)
    .fetch_all(pool)
    .await?)
}

/// Drop the platform's schema (when given) and delete its registry row in one transaction,
/// under the platform's provisioning lock (a platform being provisioned right now is refused as
/// busy). `true` if a schema existed and was dropped. Its waiting jobs are cancelled in the same
/// transaction; a job running now finds the platform gone at its next attempt.
pub async fn delete(pool: &PgPool, p: &Platform, schema: Option<&SchemaName>) -> Result<bool> {
    let mut tx = pool.begin().await?;
    if !PlatformLock::of(p.id).try_lock_xact(&mut tx).await? {
        return Err(Error::Busy(format!(
            "platform `{}` is being provisioned right now; try again when it has finished",
            p.name
        )));
    }
    let mut dropped = false;
    if let Some(s) = schema {
        // language=PostgreSQL
        dropped =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
                .bind(s.as_str())
                .fetch_one(&mut *tx)
                .await?;
        // language=PostgreSQL
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", s.sql());
        sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    // The queue's table, not the queue's code: the registry sits below the jobs' room.
    // language=PostgreSQL
    let cancelled = sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'cancelled', last_error = $2, finished_at = now(), updated_at = now() \
         WHERE platform_id = $1 AND status IN ('scheduled', 'available', 'retryable')",
    )
    .bind(p.id)
    .bind(format!("cancelled: platform `{}` was deleted", p.name))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // language=PostgreSQL
    let gone = sqlx::query("DELETE FROM public.platforms WHERE id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    if gone.rows_affected() == 0 {
        return Err(not_found(&p.id.to_string()));
    }
    tx.commit().await?;
    tracing::info!(platform = %p.name, schema = ?p.schema_str(), jobs_cancelled = cancelled, "platform deleted");
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A concurrent create's conflict names the address in words (issue 28.11), not as
    /// `Some("samesub") with domain None`.
    #[test]
    fn a_lost_race_for_an_address_is_said_in_words() {
        let text = |s, d| taken_meanwhile(s, d).render().unwrap();
        assert_eq!(
            text(Some("samesub"), None),
            "error: another platform was created at subdomain `samesub` of the base domain at \
             the same time\n(hint: `tenantctl platform list` shows which; choose another address)"
        );
        assert!(text(Some("a"), Some("b.test")).contains("at `a.b.test` at the same time"));
        assert!(text(None, Some("b.test")).contains("at `b.test` at the same time"));
        assert_eq!(
            taken_meanwhile(None, Some("b.test")).exit_code(),
            crate::exit_code::FAILURE
        );
    }

    fn input(name: &str) -> PlatformInput {
        PlatformInput {
            name: name.into(),
            subdomain: Some("acme".into()),
            ..PlatformInput::default()
        }
    }

    #[test]
    fn validation_normalises_and_checks_combinations() {
        let p = NewPlatform::validate(PlatformInput {
            domain: Some("Acme.EXAMPLE.org".into()),
            ..input("Acme")
        })
        .unwrap();
        assert_eq!(p.domain.as_deref(), Some("acme.example.org"));

        let e = NewPlatform::validate(PlatformInput {
            subdomain: None,
            ..input("Acme")
        })
        .unwrap_err();
        assert!(e.rule.contains("--domain or --subdomain"));

        let e = NewPlatform::validate(PlatformInput {
            external: true,
            subdomain: None,
            ..input("Ext")
        })
        .unwrap_err();
        assert!(e.rule.contains("--url or --domain"));

        let e = NewPlatform::validate(PlatformInput {
            external: true,
            host: true,
            url: Some("https://x.org".into()),
            ..input("Ext")
        })
        .unwrap_err();
        assert!(e.rule.contains("cannot be external"));

        let e = NewPlatform::validate(PlatformInput {
            url: Some("ftp://x.org".into()),
            ..input("A")
        })
        .unwrap_err();
        assert_eq!(e.field, "url");

        let e = NewPlatform::validate(PlatformInput {
            contact_email: Some("not an address".into()),
            ..input("A")
        })
        .unwrap_err();
        assert_eq!(e.field, "contact email");

        let e = NewPlatform::validate(PlatformInput {
            schema_name: Some("pg_toast".into()),
            ..input("A")
        })
        .unwrap_err();
        assert_eq!(e.field, "schema name");
    }

    #[test]
    fn addresses() {
        assert_eq!(
            address_of(Some("a"), Some("b.org"), Some("x.org")).as_deref(),
            Some("a.b.org")
        );
        assert_eq!(
            address_of(None, Some("b.org"), Some("x.org")).as_deref(),
            Some("b.org")
        );
        assert_eq!(
            address_of(Some("a"), None, Some("x.org")).as_deref(),
            Some("a.x.org")
        );
        assert_eq!(address_of(Some("a"), None, None), None);
    }
}
