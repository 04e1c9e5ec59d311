//! The schema gate: how "no request touches this schema" is made true, not just likely.
//!
//! A `serve` request transaction touches its tenant's tables with the ordinary ACCESS SHARE
//! locks every query takes (fast-path locks, no shared state between requests), under a short
//! `lock_timeout` (see `serve::request_tx`). Closing the gate of a schema — what
//! `platform maintenance NAME on` does, and what restore or migrate-host-to-schema do while
//! they rebuild a schema — locks every table of the schema ACCESS EXCLUSIVE in one
//! transaction: that waits for the requests in flight to finish, and every request that
//! reaches a table meanwhile fails its lock wait after the short timeout and gets 503. The
//! in-memory maintenance flag answers 503 without any SQL at all; the gate covers the moments
//! the flag cannot: requests already running when the flag is set, and the instant between
//! the registry change and the NOTIFY reaching each `serve`.
//!
//! (A shared advisory lock per request was the first design: correct, but every request of a
//! tenant then contends for one lock-table entry, which cost about 30% of the throughput at 16
//! connections.)

use super::{Ident, LOCK_NOT_AVAILABLE, SchemaName, set_lock_timeout};
use crate::error::{Error, Result};
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use std::time::Duration;

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
    // At least 1 ms: a `lock_timeout` of zero would wait forever.
    set_lock_timeout(&mut tx, wait.max(Duration::from_millis(1))).await?;
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
