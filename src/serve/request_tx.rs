//! A `serve` request's transaction: the tenant's `search_path` and the short request
//! `lock_timeout` set transaction-locally with its `BEGIN`, on a connection that is closed
//! rather than handed back if the request is dropped half-way. One type for both places a
//! request connection comes from: a sqlx pool (the fixed-schema benchmark floor) and serve's
//! own slots ([`super::slots::SlotTx`]). The short lock
//! timeout is what makes the schema gate ([`crate::db::gate`]) work: a request that meets a
//! closed gate fails its lock wait quickly and answers 503.

use crate::db::{self, SchemaName};
use crate::error::Result;
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres};
use std::future::Future;
use std::time::Duration;

/// How long a request waits for a lock on a tenant table before it answers 503: a closed
/// gate (or a migration's DDL) answers quickly instead of piling requests up.
pub const REQUEST_LOCK_TIMEOUT: Duration = Duration::from_millis(250);

/// Where a request transaction's connection comes from: a sqlx pool, or serve's slots
/// ([`super::slots::Slots`], which pick one by `key`, the tenant's schema).
pub trait Source {
    type Conn: Held;
    fn take(&self, key: Option<&str>) -> impl Future<Output = Result<Self::Conn>> + Send;
}

/// A borrowed connection that can be told to close instead of going back where it came from.
pub trait Held: Send {
    fn conn(&mut self) -> &mut PgConnection;
    fn close_on_drop(&mut self);
}

impl Source for PgPool {
    type Conn = PoolConnection<Postgres>;
    async fn take(&self, _key: Option<&str>) -> Result<Self::Conn> {
        Ok(self.acquire().await?)
    }
}

impl Held for PoolConnection<Postgres> {
    fn conn(&mut self) -> &mut PgConnection {
        self
    }
    fn close_on_drop(&mut self) {
        PoolConnection::close_on_drop(self);
    }
}

/// A request's transaction: `search_path` set transaction-locally, in the same round trip as
/// `BEGIN` — the effect of `BEGIN` then [`crate::db::set_tenant`] without a prepared statement: `BEGIN;
/// SET LOCAL search_path TO "schema"` goes as one simple query (which a transaction-mode
/// PgBouncer before 1.21 also takes), with `SET LOCAL lock_timeout = '250ms'` added behind a
/// pooler. The schema reaches SQL text only as `SchemaName::sql()`.
///
/// It ends with [`commit`](Self::commit) or [`rollback`](Self::rollback). Dropped while open
/// — a request future cancelled half-way, a panic — its connection is closed instead of going
/// back to the pool or slot, so no later borrower can inherit the transaction or its
/// `search_path`. (sqlx's own `Transaction` would hand back a connection whose `BEGIN ...`
/// failed or was cancelled after it ran: its rollback-on-drop only counts transactions it saw
/// begin.)
#[derive(Debug)]
pub struct RequestTx<C: Held = PoolConnection<Postgres>> {
    conn: C,
    open: bool,
}

impl<C: Held> RequestTx<C> {
    /// Begin a tenant's request transaction. `lock_timeout_set` says the connection already
    /// has the request lock timeout as its own default (a startup option of a direct
    /// connection, see [`REQUEST_LOCK_TIMEOUT`]); otherwise — behind a transaction-mode pooler,
    /// where a connection's settings cannot be trusted — it is set here, transaction-locally.
    pub async fn begin<S: Source<Conn = C>>(
        source: &S,
        schema: &SchemaName,
        extension_schema: Option<&SchemaName>,
        lock_timeout_set: bool,
    ) -> Result<Self> {
        let tenant = db::set_tenant_statement(schema, extension_schema);
        let statement = if lock_timeout_set {
            format!("BEGIN; {tenant}")
        } else {
            format!(
                "BEGIN; {tenant}; {}",
                db::set_lock_timeout_statement(REQUEST_LOCK_TIMEOUT)
            )
        };
        Self::begin_with(source, Some(schema.as_str()), statement).await
    }

    /// A plain transaction (the benchmark floor: same machinery, no switch).
    pub async fn begin_plain<S: Source<Conn = C>>(source: &S) -> Result<Self> {
        Self::begin_with(source, None, "BEGIN".to_string()).await
    }

    /// Begin with `statement` (a `BEGIN` and settings) on a connection for `key`. The
    /// connection is owned by the `RequestTx` before the statement is sent: a request cancelled
    /// while it is on the wire closes the connection (see `Drop`) instead of handing a
    /// connection that may be inside a transaction back.
    #[doc(hidden)]
    pub async fn begin_with<S: Source<Conn = C>>(
        source: &S,
        key: Option<&str>,
        statement: String,
    ) -> Result<Self> {
        let conn = source.take(key).await?;
        let mut tx = RequestTx { conn, open: true };
        match sqlx::raw_sql(AssertSqlSafe(statement))
            .execute(tx.conn.conn())
            .await
        {
            Ok(_) => Ok(tx),
            Err(e) => {
                // The BEGIN may have run before a later statement failed: end it here. When
                // that fails too, `open` stays set and the connection is closed on drop.
                // language=PostgreSQL
                if sqlx::raw_sql("ROLLBACK")
                    .execute(tx.conn.conn())
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
        self.conn.conn()
    }

    /// What holds the connection (a slot's [`super::slots::Lease`] knows its slot).
    pub fn held(&self) -> &C {
        &self.conn
    }

    pub async fn commit(self) -> Result<()> {
        // language=PostgreSQL
        self.end("COMMIT").await
    }

    pub async fn rollback(self) -> Result<()> {
        // language=PostgreSQL
        self.end("ROLLBACK").await
    }

    async fn end(mut self, statement: &'static str) -> Result<()> {
        let r = sqlx::raw_sql(statement).execute(self.conn.conn()).await;
        if r.is_ok() {
            self.open = false;
        }
        r.map(|_| ()).map_err(Into::into)
    }
}

impl<C: Held> Drop for RequestTx<C> {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}
