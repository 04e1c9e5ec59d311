//! A `serve` request's transaction: the tenant's `search_path` and the short request
//! `lock_timeout` set transaction-locally with its `BEGIN`, on a connection that is closed
//! rather than handed back to the pool if the request is dropped half-way. The short lock
//! timeout is what makes the schema gate ([`crate::db::gate`]) work: a request that meets a
//! closed gate fails its lock wait quickly and answers 503.

use crate::db::{self, SchemaName};
use crate::error::Result;
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres};
use std::time::Duration;

/// How long a request waits for a lock on a tenant table before it answers 503: a closed
/// gate (or a migration's DDL) answers quickly instead of piling requests up.
pub const REQUEST_LOCK_TIMEOUT: Duration = Duration::from_millis(250);

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
        let tenant = db::set_tenant_statement(schema, extension_schema);
        let statement = if lock_timeout_set {
            format!("BEGIN; {tenant}")
        } else {
            format!(
                "BEGIN; {tenant}; {}",
                db::set_lock_timeout_statement(REQUEST_LOCK_TIMEOUT)
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
