//! `tenantctl migrate`: registry migrations first, then the tenant migrations across every
//! provisioned tenant schema in parallel; `migrate status`, `migrate rollback --to VERSION` and
//! `migrate verify`. The work is done by `crate::migrate` (fleet, status, verify), the tenants
//! are chosen by `crate::registry::tenants` and the run lock is `crate::db::locks`; this file
//! parses, resolves flags against the configuration, and prints.

use super::Ctx;
use super::select::TenantArgs;
use crate::db::{self, locks::RunLock, locks::RunLockGuard};
use crate::error::{Error, Result};
use crate::migrate::MigrationSet;
use crate::migrate::fleet::{self, Canary, Options, Report, TenantRun};
use crate::output::{Format, Tabular, Term};
use crate::registry::migrations;
use crate::registry::tenants::Wanted;
use crate::registry::tenants::{self, Selection};
use clap::{ArgAction, Args, Subcommand};
use comfy_table::Cell;
use serde::Serialize;
use sqlx::PgPool;
use std::path::PathBuf;
use std::time::Duration;

mod rollback;
mod run;
mod status;
mod verify;

pub use rollback::*;
pub use run::*;
pub use status::*;
pub use verify::*;

// NOTE: not `args_conflicts_with_subcommands`: clap would then read `status` in
// `migrate --tenant acme status` as a stray value. `run` refuses run flags before a
// subcommand instead, and hands the tenant selection down.
#[derive(Debug, Args)]
pub struct Migrate {
    #[command(subcommand)]
    pub command: Option<MigrateCmd>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum MigrateCmd {
    /// Apply the pending migrations: the same as plain `migrate` (sqlx-cli's `migrate run`)
    Run(RunArgs),
    /// Show each tenant's applied version, pending count, drift and last error
    #[command(visible_alias = "info")]
    Status(StatusArgs),
    /// Run down migrations until the tenants are at VERSION, or without --to revert the newest
    /// applied migration (asks for confirmation)
    #[command(visible_alias = "revert")]
    Rollback(RollbackArgs),
    /// Write a new reversible migration pair `<version>_<NAME>.up.sql`/`.down.sql` into the
    /// tenant migrations folder
    Add(super::migrate_add::Add),
    /// Compare each tenant schema's structure with a reference built from the migration set
    Verify(VerifyArgs),
}

/// The tenant selection of a migrate command, checked against what migrating needs.
async fn selection(select: &TenantArgs, pool: &PgPool) -> Result<Selection> {
    select
        .resolve(pool, &[], Wanted::Provisioned, "migrate")
        .await
}

/// Which tenant migration set.
#[derive(Debug, Clone, Default, Args)]
pub struct SetOpts {
    /// Directory of tenant migrations (sqlx format) [env: TENANTCTL_TENANT_MIGRATIONS_DIR]
    /// [config: tenant_migrations_dir] [default: the embedded sample set]
    #[arg(long, value_name = "DIR")]
    pub tenant_migrations: Option<PathBuf>,
}

impl SetOpts {
    async fn load(&self, ctx: &Ctx) -> Result<MigrationSet> {
        let dir = self
            .tenant_migrations
            .as_ref()
            .or(ctx.settings().tenant_migrations_dir.as_ref());
        MigrationSet::load(dir).await
    }
}

/// How much at once, and how long to wait for a table lock.
#[derive(Debug, Clone, Default, Args)]
pub struct ParallelOpts {
    /// Tenant schemas worked on at once [env: TENANTCTL_PARALLEL_MIGRATION_THREADS]
    /// [config: parallel_migration_threads] [default: 4]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// lock_timeout of each tenant's transaction: a table locked longer fails that tenant
    /// instead of hanging the run (0s waits forever) [env: TENANTCTL_LOCK_TIMEOUT]
    /// [config: lock_timeout] [default: 5s]
    #[arg(long, value_name = "DURATION", value_parser = crate::output::duration::parse)]
    pub lock_timeout: Option<Duration>,
}

impl ParallelOpts {
    fn jobs(&self, ctx: &Ctx) -> usize {
        let (jobs, source) = match self.jobs {
            Some(j) => (j as usize, "flag --jobs".to_string()),
            None => (
                ctx.settings().parallel_migration_threads.clamp(1, 256),
                ctx.config
                    .values
                    .get("parallel_migration_threads")
                    .map(|r| r.source.to_string())
                    .unwrap_or_else(|| "default".into()),
            ),
        };
        tracing::debug!(jobs, %source, "parallel tenant migrations");
        jobs
    }

    fn lock_timeout(&self, ctx: &Ctx) -> Duration {
        self.lock_timeout.unwrap_or(*ctx.settings().lock_timeout)
    }
}

/// Retries after lock timeouts.
#[derive(Debug, Clone, Default, Args)]
pub struct LockRetryOpts {
    /// Try a tenant again up to N times when its transaction meets a lock timeout (SQLSTATE
    /// 55P03), waiting 1 s, 2 s, 4 s, ... (with jitter) in between; other errors fail at once
    /// [env: TENANTCTL_LOCK_RETRIES] [config: lock_retries] [default: 3]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=20))]
    pub lock_retries: Option<u32>,
}

impl LockRetryOpts {
    fn get(&self, ctx: &Ctx) -> u32 {
        self.lock_retries.unwrap_or(ctx.settings().lock_retries)
    }
}

/// A pool with a connection per job, plus one for planning and one for bookkeeping.
async fn pool_for(ctx: &Ctx, jobs: usize) -> Result<PgPool> {
    db::connect(ctx.settings(), db::pool_size(jobs, 2)).await
}

impl Migrate {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let parent = self.run.select.clone();
        match self.command {
            None => self.run.run(ctx).await,
            Some(MigrateCmd::Run(mut c)) => {
                self.run.check_no_run_flags("run")?;
                c.select.merge(parent);
                c.run(ctx).await
            }
            Some(MigrateCmd::Add(c)) => c.run(ctx).await,
            Some(MigrateCmd::Status(mut c)) => {
                self.run.check_no_run_flags("status")?;
                c.select.merge(parent);
                c.run(ctx).await
            }
            Some(MigrateCmd::Rollback(mut c)) => {
                self.run.check_no_run_flags("rollback")?;
                c.select.merge(parent);
                c.run(ctx).await
            }
            Some(MigrateCmd::Verify(mut c)) => {
                self.run.check_no_run_flags("verify")?;
                c.select.merge(parent);
                c.run(ctx).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::migrate::{Migration, MigrationType};

    fn m(version: i64, kind: MigrationType, sql: &str, no_tx: bool) -> Migration {
        Migration::new(
            version,
            format!("m{version}").into(),
            kind,
            sqlx::SqlSafeStr::into_sql_str(sqlx::AssertSqlSafe(sql.to_string())),
            no_tx,
        )
    }

    #[test]
    fn rollback_refuses_to_pass_a_no_transaction_down_migration() {
        use MigrationType::{ReversibleDown, ReversibleUp};
        let set = MigrationSet::from_migrations(
            "test",
            vec![
                m(1, ReversibleUp, "-- 1", false),
                m(1, ReversibleDown, "-- 1 down", false),
                m(
                    2,
                    ReversibleUp,
                    "CREATE INDEX CONCURRENTLY i ON t (x)",
                    true,
                ),
                m(2, ReversibleDown, "DROP INDEX CONCURRENTLY i", true),
            ],
        );
        let e = check_rollback_target(&set, 1).unwrap_err();
        assert_eq!(e.exit_code(), crate::exit_code::USAGE);
        assert!(
            e.to_string()
                .contains("the down migration of 2 (m2) is marked `-- no-transaction`"),
            "{e}"
        );
        assert!(check_rollback_target(&set, 2).is_ok());
    }
}
