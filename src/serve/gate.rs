//! The tenant gate: how "no request touches its schema" is made true, not just likely.
//!
//! Every request transaction takes a *shared* transaction-level advisory lock on its platform's
//! gate (without waiting) right after setting its `search_path`. Whoever must keep requests
//! out of a schema — `platform maintenance NAME on`, and restore or migrate-host-to-schema
//! while they rebuild a schema — takes the gate *exclusively*: that waits for the requests in
//! flight to finish, and every request that comes while it is held fails its try-lock and
//! gets 503. The in-memory maintenance flag answers 503 without any SQL at all; the gate
//! covers the moments the flag cannot: requests already running when the flag is set, and the
//! instant between the registry change and the NOTIFY reaching each `serve`.

#[cfg(doc)]
use crate::db;
use crate::db::SchemaName;
use crate::db::locks::CLASS;
use crate::error::{Error, Result};
use crate::registry::{PLATFORM_COLUMNS, Platform};
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres, Transaction};
use std::time::Duration;

/// The advisory-lock class of tenant gates (next to `db::locks`' classes `CLASS`, `CLASS + 1`).
pub const GATE_CLASS: i32 = CLASS + 7;

/// Begin a request transaction for a tenant: `search_path` set transaction-locally, then the
/// gate entered shared. `Ok(None)`: the gate is closed (maintenance, restore), and the
/// transaction is already rolled back.
///
/// Same effect as [`db::begin_tenant`], in one round trip instead of two and without a
/// prepared statement: `BEGIN; SET LOCAL search_path TO "schema"` goes as one simple query
/// (the schema reaches SQL text only as `SchemaName::sql()`), which also works on a
/// transaction-mode PgBouncer that cannot keep named prepared statements. `persistent`:
/// whether the gate query may be a named prepared statement (see `serve.statement_cache`).
pub async fn begin_request(
    pool: &PgPool,
    platform_id: i64,
    schema: &SchemaName,
    extension_schema: Option<&SchemaName>,
    persistent: bool,
) -> Result<Option<Transaction<'static, Postgres>>> {
    let mut tx = pool
        .begin_with(AssertSqlSafe(format!(
            "BEGIN; SET LOCAL search_path TO {}",
            schema.search_path(extension_schema)
        )))
        .await?;
    if try_enter(&mut tx, platform_id, persistent).await? {
        Ok(Some(tx))
    } else {
        tx.rollback().await?;
        Ok(None)
    }
}

/// Enter a platform's gate for the rest of this transaction; `false` when it is closed.
pub async fn try_enter(
    conn: &mut PgConnection,
    platform_id: i64,
    persistent: bool,
) -> Result<bool> {
    // language=PostgreSQL
    let open: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock_shared($1, $2)")
        .bind(GATE_CLASS)
        .bind(platform_id as i32)
        .persistent(persistent)
        .fetch_one(conn)
        .await?;
    Ok(open)
}

/// Close a platform's gate for the rest of this transaction, waiting for the requests in
/// flight to finish (bounded by the connection's `lock_timeout`). For restore and the like:
/// hold it while the schema is rebuilt.
pub async fn close_xact(conn: &mut PgConnection, platform_id: i64) -> Result<()> {
    // language=PostgreSQL
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(GATE_CLASS)
        .bind(platform_id as i32)
        .execute(conn)
        .await?;
    Ok(())
}

/// Close a platform's gate on this session, waiting at most `wait` for the requests in flight;
/// `false` when they did not finish in time. Open it again with [`open_session`] (or by closing
/// the connection).
pub async fn close_session(
    conn: &mut PgConnection,
    platform_id: i64,
    wait: Duration,
) -> Result<bool> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        // language=PostgreSQL
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(GATE_CLASS)
            .bind(platform_id as i32)
            .fetch_one(&mut *conn)
            .await?;
        if got {
            return Ok(true);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn open_session(conn: &mut PgConnection, platform_id: i64) -> Result<()> {
    // language=PostgreSQL
    sqlx::query("SELECT pg_advisory_unlock($1, $2)")
        .bind(GATE_CLASS)
        .bind(platform_id as i32)
        .execute(conn)
        .await?;
    Ok(())
}

/// How long `maintenance on` keeps the gate closed after setting the flag: longer than it
/// takes a `serve` to hear the NOTIFY and reload, so that afterwards the flag alone keeps
/// requests out.
pub const SETTLE: Duration = Duration::from_secs(2);

/// How long `maintenance on` waits for requests in flight.
pub const DRAIN_WAIT: Duration = Duration::from_secs(30);

/// What `set_maintenance` did.
#[derive(Debug, Clone)]
pub struct MaintenanceChange {
    pub platform: Platform,
    /// The flag was already as asked (the reason may still have changed).
    pub unchanged: bool,
}

/// Put a platform in maintenance, or take it out. Turning it on commits the flag (the NOTIFY
/// reaches every `serve`), then closes the gate: this waits for the requests in flight and
/// holds new ones off until every `serve` has reloaded. When it returns, no request touches
/// the schema.
pub async fn set_maintenance(
    pool: &PgPool,
    platform: &Platform,
    on: bool,
    reason: Option<&str>,
    drain_wait: Duration,
    settle: Duration,
) -> Result<MaintenanceChange> {
    let reason = if on { reason } else { None };
    let unchanged = platform.maintenance == on && platform.maintenance_reason.as_deref() == reason;
    let updated = if unchanged {
        platform.clone()
    } else {
        // language=PostgreSQL
        let sql = format!(
            "UPDATE public.platforms SET maintenance = $2, maintenance_reason = $3, updated_at = now() \
             WHERE id = $1 RETURNING {PLATFORM_COLUMNS}"
        );
        let updated: Option<Platform> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(platform.id)
            .bind(on)
            .bind(reason)
            .fetch_optional(pool)
            .await?;
        updated.ok_or_else(|| crate::registry::store::not_found(&platform.name))?
    };
    let unchanged = platform.maintenance == on;
    if on {
        let mut conn = pool.acquire().await?;
        if !close_session(&mut conn, platform.id, drain_wait).await? {
            return Err(Error::Busy(format!(
                "platform `{}` is in maintenance now, but requests started before were still running after {}",
                platform.name,
                humantime::format_duration(drain_wait)
            ))
            .hint("they finish on their own; run the command again to wait for them"));
        }
        tokio::time::sleep(settle).await;
        open_session(&mut conn, platform.id).await?;
    }
    Ok(MaintenanceChange {
        platform: updated,
        unchanged,
    })
}
