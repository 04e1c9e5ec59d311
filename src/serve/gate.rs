//! The tenant gate: how "no request touches its schema" is made true, not just likely.
//!
//! A request transaction touches its tenant's tables with the ordinary ACCESS SHARE locks every
//! query takes (fast-path locks, no shared state between requests), under a short
//! `lock_timeout` ([`REQUEST_LOCK_TIMEOUT`]). Closing the gate of a schema — what
//! `platform maintenance NAME on` does, and what restore or migrate-host-to-schema can do while
//! they rebuild a schema — locks every table of the schema ACCESS EXCLUSIVE in one transaction:
//! that waits for the requests in flight to finish, and every request that reaches a table
//! meanwhile fails its lock wait after the short timeout and gets 503. The in-memory
//! maintenance flag answers 503 without any SQL at all; the gate covers the moments the flag
//! cannot: requests already running when the flag is set, and the instant between the registry
//! change and the NOTIFY reaching each `serve`.
//!
//! (A shared advisory lock per request was the first design: correct, but every request of a
//! tenant then contends for one lock-table entry, which cost about 30% of the throughput at 16
//! connections.)

use crate::db::{Ident, SchemaName};
use crate::error::{Error, Result};
use crate::registry::{PLATFORM_COLUMNS, Platform};
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres};
use std::time::Duration;

/// How long a request waits for a lock on a tenant table before it answers 503: a closed
/// gate (or a migration's DDL) answers quickly instead of piling requests up.
pub const REQUEST_LOCK_TIMEOUT: &str = "250ms";

/// The SQLSTATE of a lock wait that timed out (`lock_not_available`).
pub const LOCK_NOT_AVAILABLE: &str = "55P03";

/// A request's transaction on a pooled connection: `search_path` set transaction-locally, in
/// the same round trip as `BEGIN` — the effect of [`crate::db::begin_tenant`] without a
/// prepared statement: `BEGIN; SET LOCAL search_path TO "schema"` goes as one simple query
/// (which a transaction-mode PgBouncer before 1.21 also takes), with `SET LOCAL lock_timeout =
/// '250ms'` added behind a pooler. The schema reaches SQL text only as `SchemaName::sql()`.
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
    /// Begin a tenant's request transaction. `lock_timeout_set` says the connection already
    /// has the request lock timeout as its own default (a startup option of a direct
    /// connection, see [`REQUEST_LOCK_TIMEOUT`]); otherwise — behind a transaction-mode pooler,
    /// where a connection's settings cannot be trusted — it is set here, transaction-locally.
    pub async fn begin(
        pool: &PgPool,
        schema: &SchemaName,
        extension_schema: Option<&SchemaName>,
        lock_timeout_set: bool,
    ) -> Result<RequestTx> {
        let path = schema.search_path(extension_schema);
        let statement = if lock_timeout_set {
            format!("BEGIN; SET LOCAL search_path TO {path}")
        } else {
            format!(
                "BEGIN; SET LOCAL search_path TO {path}; SET LOCAL lock_timeout = '{REQUEST_LOCK_TIMEOUT}'"
            )
        };
        RequestTx::begin_with(pool, statement).await
    }

    /// A plain transaction (the benchmark floor: same machinery, no switch).
    pub async fn begin_plain(pool: &PgPool) -> Result<RequestTx> {
        RequestTx::begin_with(pool, "BEGIN".to_string()).await
    }

    /// Begin with `statement` (a `BEGIN` and settings). The connection is owned by the
    /// `RequestTx` before the statement is sent: a request cancelled while it is on the wire
    /// closes the connection (see `Drop`) instead of handing a connection that may be inside a
    /// transaction back to the pool.
    #[doc(hidden)]
    pub async fn begin_with(pool: &PgPool, statement: String) -> Result<RequestTx> {
        let conn = pool.acquire().await?;
        let mut tx = RequestTx { conn, open: true };
        match sqlx::raw_sql(AssertSqlSafe(statement))
            .execute(&mut *tx.conn)
            .await
        {
            Ok(_) => Ok(tx),
            Err(e) => {
                // The BEGIN may have run before a later statement failed: end it here. When
                // that fails too, `open` stays set and the connection is closed on drop.
                // language=PostgreSQL
                if sqlx::raw_sql("ROLLBACK")
                    .execute(&mut *tx.conn)
                    .await
                    .is_ok()
                {
                    tx.open = false;
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

/// The tables of a schema, each as `"schema"."table"`.
async fn tables(conn: &mut PgConnection, schema: &SchemaName) -> Result<Vec<String>> {
    // language=PostgreSQL
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1",
    )
    .bind(schema.as_str())
    .fetch_all(conn)
    .await?;
    names
        .iter()
        .map(|t| Ok(schema.qualify(&Ident::parse(t)?)))
        .collect()
}

/// Close a schema's gate for the rest of this transaction: lock all its tables ACCESS
/// EXCLUSIVE, waiting for the requests in flight (bounded by this transaction's
/// `lock_timeout`). Requests get 503 until the transaction ends. For restore and the like:
/// call it first in the transaction that rebuilds the schema.
pub async fn close_xact(conn: &mut PgConnection, schema: &SchemaName) -> Result<()> {
    let tables = tables(&mut *conn, schema).await?;
    if tables.is_empty() {
        return Ok(());
    }
    sqlx::raw_sql(AssertSqlSafe(format!(
        "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
        tables.join(", ")
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// Close a schema's gate for `hold`, waiting at most `wait` for the requests in flight;
/// `false` (and nothing held) when they did not finish in time.
pub async fn close_for(
    pool: &PgPool,
    schema: &SchemaName,
    wait: Duration,
    hold: Duration,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    // language=PostgreSQL
    sqlx::query("SELECT set_config('lock_timeout', $1, true)")
        .bind(format!("{}ms", wait.as_millis().max(1)))
        .execute(&mut *tx)
        .await?;
    match close_xact(&mut tx, schema).await {
        Ok(()) => {}
        Err(Error::Db(e)) if crate::error::sqlstate(&e).as_deref() == Some(LOCK_NOT_AVAILABLE) => {
            let _ = tx.rollback().await;
            return Ok(false);
        }
        Err(e) => return Err(e),
    }
    tokio::time::sleep(hold).await;
    tx.commit().await?;
    Ok(true)
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
        if !close_for(pool, &schema, drain_wait, settle).await? {
            return Err(Error::Busy(format!(
                "platform `{}` is in maintenance now, but requests started before were still running after {}",
                platform.name,
                humantime::format_duration(drain_wait)
            ))
            .hint("they finish on their own; run the command again to wait for them"));
        }
    }
    Ok(MaintenanceChange {
        platform: updated,
        unchanged,
    })
}
