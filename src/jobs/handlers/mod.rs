//! The handlers of the application's kinds of job (issue 25): `webhook` (a signed POST),
//! `command` (a program, no shell), `sql` (a function in the tenant's schema) and `mail` (the
//! application's templates over SMTP). Each gets one [`Attempt`](super::handler::Attempt) and
//! answers an [`Outcome`](super::handler::Outcome); the worker does the bookkeeping.
//!
//! What they share: the platform as they hand it on, the tenant's schema (validated again
//! here: a handler that reaches SQL sets it with `SET LOCAL` only), and bounded excerpts of
//! what the other side said.

pub mod command;
pub mod mail;
pub mod sql;
pub mod webhook;

use super::handler::{Attempt, Outcome};
use crate::error::Result;
use crate::notify::Tenant;
use crate::rules::SchemaName;
use serde_json::{Value, json};
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, Postgres};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// The platform as a handler hands it on: `{id, name, schema, domain, url}`, where `url` is
/// the base of the tenant's links on its own address (`https://acme.org`, no trailing `/`).
pub fn platform_json(t: &Tenant) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "schema": t.schema,
        "domain": t.address,
        "url": base_url(t),
    })
}

/// The base URL of the tenant's links, without the trailing `/`.
pub fn base_url(t: &Tenant) -> Option<String> {
    t.link
        .as_deref()
        .map(|l| l.trim_end_matches('/').to_string())
}

/// The tenant's schema, validated, or the outcome of a job whose platform has none (an
/// external platform): discarded, naming the platform.
pub fn schema_of(t: &Tenant, handler: &str) -> Result<SchemaName, Outcome> {
    let Some(raw) = t.schema.as_deref() else {
        return Err(Outcome::Discard {
            error: format!(
                "platform {} ({}) has no schema, which a {handler} job runs in",
                t.id, t.name
            ),
        });
    };
    SchemaName::parse(raw).map_err(|e| Outcome::Discard {
        error: format!("platform {} ({}): {e}", t.id, t.name),
    })
}

/// At most `limit` bytes of `bytes` as text for an error message: lossy UTF-8, control
/// characters other than newline and tab shown escaped, and `…` where it was cut.
pub fn excerpt(bytes: &[u8], limit: usize, cut_front: bool) -> String {
    let cut = bytes.len() > limit;
    let part = match (cut, cut_front) {
        (false, _) => bytes,
        (true, true) => &bytes[bytes.len() - limit..],
        (true, false) => &bytes[..limit],
    };
    let text = String::from_utf8_lossy(part);
    let mut out = String::with_capacity(text.len() + 2);
    if cut && cut_front {
        out.push('…');
    }
    for c in text.trim_matches(|c: char| c.is_whitespace()).chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if cut && !cut_front {
        out.push('…');
    }
    out
}

/// How long a tenant schema that passed the trust check (`db::trust`) is taken as trusted by
/// this worker without checking again. The check reads `pg_proc` and `pg_class`, which have no
/// index on the schema: across thousands of tenants it costs more than a small job. A role
/// given CREATE on a schema is noticed within this time.
pub const TRUST_TTL: Duration = Duration::from_secs(60);

static TRUSTED: LazyLock<Mutex<HashMap<String, Instant>>> = LazyLock::new(Default::default);

fn trusted_recently(schema: &SchemaName) -> bool {
    let map = TRUSTED.lock().unwrap_or_else(|e| e.into_inner());
    map.get(schema.as_str())
        .is_some_and(|at| at.elapsed() < TRUST_TTL)
}

fn remember_trusted(schema: &SchemaName) {
    let mut map = TRUSTED.lock().unwrap_or_else(|e| e.into_inner());
    map.insert(schema.as_str().to_string(), Instant::now());
}

fn forget_trusted(schema: &SchemaName) {
    let mut map = TRUSTED.lock().unwrap_or_else(|e| e.into_inner());
    map.remove(schema.as_str());
}

/// A transaction in one tenant's schema: `BEGIN; SET LOCAL search_path ...; SET LOCAL
/// statement_timeout ...` as one simple query (so a transaction-mode PgBouncer takes it too),
/// and everything after it in unnamed statements. Dropped while open (an attempt cancelled half
/// way), its connection is closed instead of going back to the pool, so no later borrower
/// inherits the transaction or its search_path.
pub(crate) struct TenantTx {
    conn: PoolConnection<Postgres>,
    open: bool,
}

impl TenantTx {
    pub(crate) async fn begin(
        a: &Attempt<'_>,
        schema: &SchemaName,
        extension_schema: Option<&SchemaName>,
        read_only: bool,
    ) -> Result<TenantTx> {
        let conn = a.pool.acquire().await?;
        let mut tx = TenantTx { conn, open: true };
        // language=PostgreSQL
        let begin = format!(
            "{}; {}; SET LOCAL statement_timeout = '{}ms'",
            if read_only {
                "BEGIN READ ONLY"
            } else {
                "BEGIN"
            },
            crate::db::set_tenant_statement(schema, extension_schema),
            a.timeout.as_millis().max(1)
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(begin))
            .execute(&mut *tx.conn)
            .await?;
        Ok(tx)
    }

    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.conn
    }

    /// The job and its tenant as transaction-local settings the SQL can read
    /// (`current_setting('tenantctl.payload')::jsonb`, `tenantctl.job_id`, `tenantctl.kind`,
    /// `tenantctl.attempt`, `tenantctl.platform_id`, `tenantctl.platform_name`,
    /// `tenantctl.platform_domain`, `tenantctl.platform_url`), and in the same round trip the
    /// trust check of the schema (`db::trust`): `Some(refusal)` when code there could run
    /// with tenantctl's privileges. A schema that passed is not checked again for
    /// [`TRUST_TTL`].
    pub(crate) async fn settings(
        &mut self,
        a: &Attempt<'_>,
        schema: &SchemaName,
    ) -> Result<Option<String>> {
        let recently = trusted_recently(schema);
        let check = if recently {
            // Same parameters either way; NULL: no reasons.
            "NULLIF($9::text, $9::text)".to_string()
        } else {
            crate::db::trust::untrusted_sql("$9")
        };
        // language=PostgreSQL
        let sql = format!(
            "SELECT set_config('tenantctl.job_id', $1, true), set_config('tenantctl.kind', $2, true), \
                    set_config('tenantctl.attempt', $3, true), set_config('tenantctl.platform_id', $4, true), \
                    set_config('tenantctl.platform_name', $5, true), set_config('tenantctl.platform_domain', $6, true), \
                    set_config('tenantctl.platform_url', $7, true), set_config('tenantctl.payload', $8, true), {check}"
        );
        let row: (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
        ) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .persistent(false)
            .bind(a.job_id.to_string())
            .bind(a.kind)
            .bind(a.attempt.to_string())
            .bind(a.tenant.id.to_string())
            .bind(&a.tenant.name)
            .bind(a.tenant.address.as_deref().unwrap_or(""))
            .bind(base_url(a.tenant).unwrap_or_default())
            .bind(a.payload.to_string())
            .bind(schema.as_str())
            .fetch_one(&mut *self.conn)
            .await?;
        match row.8 {
            Some(r) => {
                forget_trusted(schema);
                Ok(Some(crate::db::trust::refusal(schema, &r)))
            }
            None => {
                if !recently {
                    remember_trusted(schema);
                }
                Ok(None)
            }
        }
    }

    pub(crate) async fn commit(self) -> Result<()> {
        self.end("COMMIT").await
    }

    pub(crate) async fn rollback(self) -> Result<()> {
        self.end("ROLLBACK").await
    }

    async fn end(mut self, statement: &'static str) -> Result<()> {
        sqlx::raw_sql(statement).execute(&mut *self.conn).await?;
        self.open = false;
        Ok(())
    }
}

impl Drop for TenantTx {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}

/// A database error of the application's SQL as an attempt's error: the server's words, its
/// SQLSTATE, and "timed out" for `statement_timeout`.
pub(crate) fn sql_error(what: &str, e: &sqlx::Error, timeout: Duration) -> String {
    let code = e
        .as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned());
    match code.as_deref() {
        Some("57014") => format!(
            "{what} did not finish within {} (statement_timeout)",
            humantime::format_duration(timeout)
        ),
        Some(c) => format!("{what} failed: {} (SQLSTATE {c})", crate::error::shown(e)),
        None => format!("{what} failed: {}", crate::error::shown(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded_and_escaped() {
        assert_eq!(excerpt(b"  hello\n", 100, false), "hello");
        assert_eq!(excerpt(b"abcdef", 3, false), "abc…");
        assert_eq!(excerpt(b"abcdef", 3, true), "…def");
        assert_eq!(excerpt(b"a\x1b[31mb", 100, false), "a\\u{1b}[31mb");
        // A cut through a multi-byte character stays valid text.
        let s = excerpt("ééé".as_bytes(), 3, false);
        assert!(s.starts_with('é'), "{s}");
    }
}
