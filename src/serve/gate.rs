//! The tenant gate: how "no request touches its schema" is made true, not just likely.
//!
//! Every request transaction takes a *shared* transaction-level advisory lock on its schema's
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
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres};
use std::time::Duration;

/// The advisory-lock class of tenant gates (next to `db::locks`' classes `CLASS`, `CLASS + 1`).
/// `tenantctl.enter_gate()` (migration `20261126000710`) has the number written out.
pub const GATE_CLASS: i32 = CLASS + 7;

/// The SQLSTATE `tenantctl.enter_gate()` raises when the gate is closed.
pub const GATE_CLOSED: &str = "TCG01";

/// A request's transaction on a pooled connection: `search_path` set transaction-locally and
/// the gate entered shared, in one round trip — the effect of [`db::begin_tenant`] plus the
/// gate, without a prepared statement: `BEGIN; SET LOCAL search_path TO "schema";
/// SELECT tenantctl.enter_gate()` goes as one simple query (which a transaction-mode PgBouncer
/// before 1.21 also takes). The schema reaches SQL text only as `SchemaName::sql()`, and no
/// value at all does: the gate is keyed by the schema just set (`current_schema()`).
///
/// It ends with [`commit`](Self::commit) or [`rollback`](Self::rollback). Dropped while open
/// — a request future cancelled half-way, a panic — its connection is closed instead of going
/// back to the pool, so no later borrower can inherit the transaction or its `search_path`.
/// (sqlx's own `Transaction` would hand back a connection whose `BEGIN ...` failed or was
/// cancelled after it ran: its rollback-on-drop only counts transactions it saw begin.)
#[derive(Debug)]
pub struct RequestTx {
    conn: PoolConnection<Postgres>,
    open: bool,
}

impl RequestTx {
    /// Begin a tenant's request transaction; `Ok(None)`: the gate is closed (maintenance,
    /// restore), nothing else happened.
    pub async fn begin(
        pool: &PgPool,
        schema: &SchemaName,
        extension_schema: Option<&SchemaName>,
    ) -> Result<Option<RequestTx>> {
        let statement = format!(
            "BEGIN; SET LOCAL search_path TO {}; SELECT tenantctl.enter_gate()",
            schema.search_path(extension_schema)
        );
        match RequestTx::begin_with(pool, statement).await {
            Ok(tx) => Ok(Some(tx)),
            Err(Error::Db(e)) if crate::error::sqlstate(&e).as_deref() == Some(GATE_CLOSED) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// A plain transaction (the benchmark floor: same machinery, no switch, no gate).
    pub async fn begin_plain(pool: &PgPool) -> Result<RequestTx> {
        RequestTx::begin_with(pool, "BEGIN".to_string()).await
    }

    async fn begin_with(pool: &PgPool, statement: String) -> Result<RequestTx> {
        let mut conn = pool.acquire().await?;
        match sqlx::raw_sql(AssertSqlSafe(statement))
            .execute(&mut *conn)
            .await
        {
            Ok(_) => Ok(RequestTx { conn, open: true }),
            Err(e) => {
                // The BEGIN may have run before a later statement failed: end it here.
                // language=PostgreSQL
                if sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.is_err() {
                    conn.close_on_drop();
                }
                Err(e.into())
            }
        }
    }

    /// The connection, inside the transaction.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.conn
    }

    pub async fn commit(mut self) -> Result<()> {
        // language=PostgreSQL
        let r = sqlx::raw_sql("COMMIT").execute(&mut *self.conn).await;
        if r.is_ok() {
            self.open = false;
        }
        r.map(|_| ()).map_err(Into::into)
    }

    pub async fn rollback(mut self) -> Result<()> {
        // language=PostgreSQL
        let r = sqlx::raw_sql("ROLLBACK").execute(&mut *self.conn).await;
        if r.is_ok() {
            self.open = false;
        }
        r.map(|_| ()).map_err(Into::into)
    }
}

impl Drop for RequestTx {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}

// language=PostgreSQL
const KEY: &str = "hashtext($1)";

/// Close a schema's gate for the rest of this transaction, waiting for the requests in flight
/// to finish (bounded by the connection's `lock_timeout`). For restore and the like: hold it
/// while the schema is rebuilt, and requests get 503 meanwhile.
pub async fn close_xact(conn: &mut PgConnection, schema: &SchemaName) -> Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT pg_advisory_xact_lock($2, {KEY})"
    )))
    .bind(schema.as_str())
    .bind(GATE_CLASS)
    .execute(conn)
    .await?;
    Ok(())
}

/// Close a schema's gate on this session, waiting at most `wait` for the requests in flight;
/// `false` when they did not finish in time. Open it again with [`open_session`] (or by closing
/// the connection).
pub async fn close_session(
    conn: &mut PgConnection,
    schema: &SchemaName,
    wait: Duration,
) -> Result<bool> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let got: bool = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT pg_try_advisory_lock($2, {KEY})"
        )))
        .bind(schema.as_str())
        .bind(GATE_CLASS)
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

pub async fn open_session(conn: &mut PgConnection, schema: &SchemaName) -> Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT pg_advisory_unlock($2, {KEY})"
    )))
    .bind(schema.as_str())
    .bind(GATE_CLASS)
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
        let schema = platform.require_schema()?;
        let mut conn = pool.acquire().await?;
        if !close_session(&mut conn, &schema, drain_wait).await? {
            return Err(Error::Busy(format!(
                "platform `{}` is in maintenance now, but requests started before were still running after {}",
                platform.name,
                humantime::format_duration(drain_wait)
            ))
            .hint("they finish on their own; run the command again to wait for them"));
        }
        tokio::time::sleep(settle).await;
        open_session(&mut conn, &schema).await?;
    }
    Ok(MaintenanceChange {
        platform: updated,
        unchanged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migration_uses_the_same_lock_class_and_sqlstate() {
        let sql = include_str!("../../migrations/registry/20261126000710_serve_notify.up.sql");
        assert!(
            sql.contains(&format!("pg_try_advisory_xact_lock_shared({GATE_CLASS}, ")),
            "enter_gate() must use GATE_CLASS = {GATE_CLASS}"
        );
        assert!(sql.contains(&format!("ERRCODE = '{GATE_CLOSED}'")));
    }
}
