//! Tenant migrations: loading a migration set (embedded sample or an application's directory)
//! and the one-schema runner. The runner works inside the caller's transaction, with the
//! tenant's schema alone on the transaction-local `search_path`, so a schema is never left
//! half-migrated and no statement can fall through to `public`.
//!
//! Each tenant schema tracks its own versions in `<schema>._sqlx_migrations`, in sqlx's format
//! (version, description, checksum, ...), so sqlx-cli can read it too. We do not use sqlx's
//! `Migrator::run` for tenants: it takes one advisory lock per database (every schema would
//! wait on every other) and commits per migration outside our transaction.

pub mod set;

pub use set::MigrationSet;

use crate::db::{Ident, SchemaName};
use crate::error::{Error, Result};
use sqlx::migrate::Migration;
use sqlx::{AssertSqlSafe, PgConnection};
use std::time::Instant;

/// The tracking table's name inside each tenant schema.
pub const TRACKING_TABLE: &str = "_sqlx_migrations";

fn tracking(schema: &SchemaName) -> String {
    schema.qualify(&Ident::parse(TRACKING_TABLE).expect("constant identifier"))
}

/// One row of a schema's tracking table.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Applied {
    pub version: i64,
    pub description: String,
    pub checksum: Vec<u8>,
    pub success: bool,
}

/// Create the schema's tracking table if it is missing (sqlx's layout).
pub async fn ensure_tracking_table(conn: &mut PgConnection, schema: &SchemaName) -> Result<()> {
    // language=PostgreSQL
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {} (
            version BIGINT PRIMARY KEY,
            description TEXT NOT NULL,
            installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
            success BOOLEAN NOT NULL,
            checksum BYTEA NOT NULL,
            execution_time BIGINT NOT NULL
        )",
        tracking(schema)
    );
    sqlx::query(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    Ok(())
}

/// The versions a schema has applied, oldest first. A schema without a tracking table has
/// applied nothing.
pub async fn applied(conn: &mut PgConnection, schema: &SchemaName) -> Result<Vec<Applied>> {
    // language=PostgreSQL
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2)",
    )
    .bind(schema.as_str())
    .bind(TRACKING_TABLE)
    .fetch_one(&mut *conn)
    .await?;
    if !exists {
        return Ok(Vec::new());
    }
    // language=PostgreSQL
    let sql = format!(
        "SELECT version, description, checksum, success FROM {} ORDER BY version",
        tracking(schema)
    );
    Ok(sqlx::query_as::<_, Applied>(AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?)
}

/// What a schema needs, compared with a migration set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Up migrations not applied yet, in order.
    pub pending: Vec<i64>,
    /// Applied versions whose file changed since (checksum differs): reported, never re-run.
    pub drift: Vec<i64>,
    /// Applied versions the set does not know (applied by a newer set, or files removed).
    pub unknown: Vec<i64>,
    /// The highest applied version, if any.
    pub current: Option<i64>,
}

/// Compare applied rows with the set. Pure.
pub fn plan(set: &MigrationSet, applied: &[Applied]) -> Plan {
    let mut p = Plan {
        current: applied
            .iter()
            .filter(|a| a.success)
            .map(|a| a.version)
            .max(),
        ..Plan::default()
    };
    for m in set.ups() {
        match applied.iter().find(|a| a.version == m.version) {
            None => p.pending.push(m.version),
            Some(a) if a.checksum != *m.checksum => p.drift.push(m.version),
            Some(_) => {}
        }
    }
    for a in applied {
        if set.up(a.version).is_none() {
            p.unknown.push(a.version);
        }
    }
    p
}

/// Errors of one schema's migration, with the version that failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("migration {version} ({description}) failed: {message}")]
    Failed {
        version: i64,
        description: String,
        message: String,
        sqlstate: Option<String>,
    },
    #[error("migration {version} was changed after it was applied (checksum differs); not re-run")]
    Drift { version: i64 },
    #[error("schema `{0}` does not exist")]
    MissingSchema(String),
    #[error("{0}")]
    Db(#[from] sqlx::Error),
}

impl From<MigrationError> for Error {
    fn from(e: MigrationError) -> Self {
        match e {
            MigrationError::Db(d) => Error::Db(d),
            other => Error::Other(anyhow::anyhow!(other.to_string())),
        }
    }
}

impl From<Error> for MigrationError {
    fn from(e: Error) -> Self {
        match e {
            Error::Db(d) => MigrationError::Db(d),
            other => MigrationError::Db(sqlx::Error::Protocol(other.to_string())),
        }
    }
}

/// Apply one up migration inside the caller's transaction (search_path already set to the
/// tenant), and record it.
pub async fn apply_one(
    conn: &mut PgConnection,
    schema: &SchemaName,
    m: &Migration,
) -> std::result::Result<(), MigrationError> {
    let started = Instant::now();
    sqlx::raw_sql(m.sql.clone())
        .execute(&mut *conn)
        .await
        .map_err(|e| failed(m, e))?;
    // language=PostgreSQL
    let sql = format!(
        "INSERT INTO {} (version, description, success, checksum, execution_time) VALUES ($1, $2, TRUE, $3, $4)",
        tracking(schema)
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(m.version)
        .bind(m.description.as_ref())
        .bind(m.checksum.as_ref())
        .bind(started.elapsed().as_nanos() as i64)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Run the down migration of `version` inside the caller's transaction and forget the version.
pub async fn revert_one(
    conn: &mut PgConnection,
    schema: &SchemaName,
    down: &Migration,
) -> std::result::Result<(), MigrationError> {
    sqlx::raw_sql(down.sql.clone())
        .execute(&mut *conn)
        .await
        .map_err(|e| failed(down, e))?;
    // language=PostgreSQL
    let sql = format!("DELETE FROM {} WHERE version = $1", tracking(schema));
    sqlx::query(AssertSqlSafe(sql))
        .bind(down.version)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn failed(m: &Migration, e: sqlx::Error) -> MigrationError {
    let (message, sqlstate) = match &e {
        sqlx::Error::Database(db) => (db.message().to_string(), db.code().map(|c| c.into_owned())),
        other => (other.to_string(), None),
    };
    MigrationError::Failed {
        version: m.version,
        description: m.description.to_string(),
        message,
        sqlstate,
    }
}

/// Bring one schema to the newest version of `set` inside the caller's transaction, whose
/// search_path must already be the tenant's. Refuses on drift. Returns the versions applied.
pub async fn apply_pending(
    conn: &mut PgConnection,
    schema: &SchemaName,
    set: &MigrationSet,
) -> std::result::Result<Vec<i64>, MigrationError> {
    ensure_tracking_table(conn, schema).await?;
    let applied = applied(conn, schema).await?;
    let p = plan(set, &applied);
    if let Some(&version) = p.drift.first() {
        return Err(MigrationError::Drift { version });
    }
    for v in &p.pending {
        let m = set.up(*v).expect("planned from the set");
        apply_one(conn, schema, m).await?;
    }
    Ok(p.pending)
}
