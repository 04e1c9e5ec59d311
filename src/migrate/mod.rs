//! Tenant migrations: loading a migration set (embedded sample or an application's directory),
//! the tracking table, and planning (what a schema needs, pure). The one-schema [`runner`]
//! works inside the caller's transaction, with the tenant's schema alone on the
//! transaction-local `search_path`, so a schema is never left half-migrated and no statement
//! can fall through to `public`.
//!
//! Each tenant schema tracks its own versions in `<schema>._sqlx_migrations`, in sqlx's format
//! (version, description, checksum, ...), so sqlx-cli can read it too. We do not use sqlx's
//! `Migrator::run` for tenants: it takes one advisory lock per database (every schema would
//! wait on every other) and commits per migration outside our transaction.
//!
//! Around it: [`crate::registry::tenants`] says which tenant schemas a fleet command covers
//! (what this module walks), [`catalog`] reads
//! many schemas' applied versions in a few batched queries, [`fleet`] migrates and rolls back
//! every tenant in parallel through the runner, [`no_tx`] holds the rules of `--
//! no-transaction` migrations, [`status`] keeps
//! `tenantctl.tenant_migrations` equal to what the schemas hold, [`verify`] compares each
//! tenant's catalog with a reference built from the set. The run lock is
//! [`crate::db::locks::RunLockGuard`].

pub mod add;
pub mod catalog;
pub mod fleet;
pub mod no_tx;
pub mod runner;
pub mod set;
pub mod status;
pub mod verify;

pub use set::MigrationSet;

use crate::db::{Ident, SchemaName};
use crate::error::{Error, Result};
use sqlx::{AssertSqlSafe, PgConnection};

/// The tracking table's name inside each tenant schema.
pub const TRACKING_TABLE: &str = "_sqlx_migrations";

/// `"schema"."_sqlx_migrations"`.
pub fn tracking(schema: &SchemaName) -> String {
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
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await?;
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
        .persistent(false)
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
    /// Versions recorded with `success = false` (sqlx's mark of a failed, possibly partial run
    /// outside tenantctl); never written by tenantctl itself.
    pub dirty: Vec<i64>,
    /// The highest applied version, if any.
    pub current: Option<i64>,
}

impl Plan {
    /// The first reason this schema must not be migrated automatically, if any.
    pub fn blocker(&self, set: &MigrationSet) -> Option<MigrationError> {
        if let Some(&version) = self.dirty.first() {
            return Some(MigrationError::Dirty { version });
        }
        if let Some(&version) = self.drift.first() {
            return Some(MigrationError::Drift {
                version,
                description: set
                    .up(version)
                    .map(|m| m.description.to_string())
                    .unwrap_or_default(),
            });
        }
        if !self.unknown.is_empty() {
            return Some(MigrationError::Unknown {
                versions: self.unknown.clone(),
            });
        }
        None
    }
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
        if !a.success {
            p.dirty.push(a.version);
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
    #[error(
        "drift: migration {version} ({description}) was changed after it was applied (checksum differs); not re-run"
    )]
    Drift { version: i64, description: String },
    #[error(
        "migration {version} is recorded as failed in the tracking table (a run outside tenantctl?); repair the schema by hand"
    )]
    Dirty { version: i64 },
    #[error(
        "the schema has applied migration(s) {} that this migration set does not have (applied by a newer release?)",
        join(.versions)
    )]
    Unknown { versions: Vec<i64> },
    #[error("migration {version} has no down migration; cannot roll back past it")]
    NoDown { version: i64 },
    #[error("schema `{0}` does not exist (dropped by hand?)")]
    MissingSchema(String),
    #[error("platform is busy: another run (provisioning, restore, ...) holds its lock")]
    Busy,
    /// The schema holds (or may get) code of a role weaker than tenantctl's (issue 27.6).
    #[error("{0}")]
    Untrusted(String),
    /// Reading the tracking table failed; the connection is out of step (see
    /// [`runner::read_applied_by_copy`]) and must be closed.
    #[error("could not read the tracking table: {}", crate::error::describe(.0))]
    Read(sqlx::Error),
    #[error("{}", crate::error::describe(.0))]
    Db(#[from] sqlx::Error),
}

impl From<MigrationError> for Error {
    fn from(e: MigrationError) -> Self {
        match e {
            MigrationError::Db(d) | MigrationError::Read(d) => Error::Db(d),
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

fn join(versions: &[i64]) -> String {
    versions
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl MigrationError {
    /// Whether a lock wait timed out (SQLSTATE 55P03: a table or the platform's lock held
    /// longer than `lock_timeout`): the one failure worth trying again.
    pub fn is_lock_timeout(&self) -> bool {
        match self {
            MigrationError::Busy => true,
            MigrationError::Failed { sqlstate, .. } => sqlstate.as_deref() == Some("55P03"),
            MigrationError::Db(e) => crate::error::sqlstate(e).as_deref() == Some("55P03"),
            _ => false,
        }
    }

    /// Whether the database went away (the run should stop rather than blame each tenant).
    pub fn is_connection_error(&self) -> bool {
        matches!(self, MigrationError::Db(e) | MigrationError::Read(e) if crate::error::is_connection_error(e))
    }
}

/// The versions to revert to bring a schema down to `to` (newest first): every applied version
/// above `to`. Each needs a down migration in the set and an unchanged up migration.
pub fn revert_plan(
    set: &MigrationSet,
    applied: &[Applied],
    to: i64,
) -> std::result::Result<Vec<i64>, MigrationError> {
    let p = plan(set, applied);
    if let Some(&version) = p.dirty.first() {
        return Err(MigrationError::Dirty { version });
    }
    let mut versions: Vec<i64> = applied
        .iter()
        .map(|a| a.version)
        .filter(|&v| v > to)
        .collect();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    let unknown: Vec<i64> = versions
        .iter()
        .copied()
        .filter(|v| p.unknown.contains(v))
        .collect();
    if !unknown.is_empty() {
        return Err(MigrationError::Unknown { versions: unknown });
    }
    for &v in &versions {
        if p.drift.contains(&v) {
            return Err(MigrationError::Drift {
                version: v,
                description: set
                    .up(v)
                    .map(|m| m.description.to_string())
                    .unwrap_or_default(),
            });
        }
        if set.down(v).is_none() {
            return Err(MigrationError::NoDown { version: v });
        }
    }
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::migrate::{Migration, MigrationType};

    fn m(version: i64, kind: MigrationType, sql: &str) -> Migration {
        Migration::new(
            version,
            format!("m{version}").into(),
            kind,
            sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(sql.to_string())),
            false,
        )
    }

    /// Versions 1..=3, reversible.
    fn set() -> MigrationSet {
        let mut v = Vec::new();
        for i in 1..=3 {
            v.push(m(i, MigrationType::ReversibleUp, &format!("-- up {i}")));
            v.push(m(i, MigrationType::ReversibleDown, &format!("-- down {i}")));
        }
        MigrationSet::from_migrations("test", v)
    }

    fn applied_from(set: &MigrationSet, versions: &[i64]) -> Vec<Applied> {
        versions
            .iter()
            .map(|&v| Applied {
                version: v,
                description: format!("m{v}"),
                checksum: set
                    .up(v)
                    .map(|m| m.checksum.to_vec())
                    .unwrap_or_else(|| vec![0; 48]),
                success: true,
            })
            .collect()
    }

    #[test]
    fn plan_finds_pending_drift_unknown_and_dirty() {
        let s = set();
        let p = plan(&s, &[]);
        assert_eq!(p.pending, vec![1, 2, 3]);
        assert_eq!(p.current, None);
        assert!(p.blocker(&s).is_none());

        let p = plan(&s, &applied_from(&s, &[1, 2, 3]));
        assert!(p.pending.is_empty() && p.drift.is_empty() && p.unknown.is_empty());
        assert_eq!(p.current, Some(3));

        // Out of order: 2 pending below the current version is still pending.
        let p = plan(&s, &applied_from(&s, &[1, 3]));
        assert_eq!(p.pending, vec![2]);

        let mut a = applied_from(&s, &[1, 2]);
        a[1].checksum = vec![1; 48];
        let p = plan(&s, &a);
        assert_eq!(p.drift, vec![2]);
        assert_eq!(p.pending, vec![3]);
        assert!(matches!(
            p.blocker(&s),
            Some(MigrationError::Drift { version: 2, .. })
        ));

        let p = plan(&s, &applied_from(&s, &[1, 2, 3, 9]));
        assert_eq!(p.unknown, vec![9]);
        assert!(matches!(
            p.blocker(&s),
            Some(MigrationError::Unknown { .. })
        ));
        assert!(p.blocker(&s).unwrap().to_string().contains("9"));

        let mut a = applied_from(&s, &[1]);
        a[0].success = false;
        let p = plan(&s, &a);
        assert_eq!(p.dirty, vec![1]);
        assert_eq!(p.current, None);
        assert!(matches!(
            p.blocker(&s),
            Some(MigrationError::Dirty { version: 1 })
        ));
    }

    #[test]
    fn revert_plan_goes_newest_first_and_refuses_what_it_cannot_undo() {
        let s = set();
        let all = applied_from(&s, &[1, 2, 3]);
        assert_eq!(revert_plan(&s, &all, 1).unwrap(), vec![3, 2]);
        assert_eq!(revert_plan(&s, &all, 0).unwrap(), vec![3, 2, 1]);
        assert_eq!(revert_plan(&s, &all, 3).unwrap(), Vec::<i64>::new());
        assert_eq!(
            revert_plan(&s, &applied_from(&s, &[1]), 2).unwrap(),
            Vec::<i64>::new()
        );

        let unknown = applied_from(&s, &[1, 2, 3, 7]);
        assert!(matches!(
            revert_plan(&s, &unknown, 1),
            Err(MigrationError::Unknown { versions }) if versions == vec![7]
        ));
        // Unknown versions at or below the target do not matter.
        let mut changed = applied_from(&s, &[1, 2, 3]);
        changed[2].checksum = vec![1; 48];
        assert!(matches!(
            revert_plan(&s, &changed, 1),
            Err(MigrationError::Drift { version: 3, .. })
        ));
        assert_eq!(revert_plan(&s, &changed, 3).unwrap(), Vec::<i64>::new());

        let simple = MigrationSet::from_migrations(
            "simple",
            vec![
                m(1, MigrationType::ReversibleUp, "-- 1"),
                m(1, MigrationType::ReversibleDown, "-- 1 down"),
                m(2, MigrationType::Simple, "-- 2"),
            ],
        );
        let a = applied_from(&simple, &[1, 2]);
        assert!(matches!(
            revert_plan(&simple, &a, 0),
            Err(MigrationError::NoDown { version: 2 })
        ));
    }
}
