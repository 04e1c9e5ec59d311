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
use crate::migrate::status::{self, State};
use crate::migrate::verify::{self, VerifyReport};
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

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Only the registry migrations (public.platforms and the tenantctl schema)
    #[arg(long, conflicts_with_all = ["tenants_only", "tenants", "exclude", "all", "canary", "canary_tenants", "tenant_migrations"])]
    pub registry_only: bool,
    /// Only the tenant migrations (the registry must be migrated already)
    #[arg(long)]
    pub tenants_only: bool,
    #[command(flatten)]
    pub select: TenantArgs,
    #[command(flatten)]
    pub set: SetOpts,
    #[command(flatten)]
    pub parallel: ParallelOpts,
    #[command(flatten)]
    pub retries: LockRetryOpts,
    /// Say what would run where; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Exit at once (status 5) when another migrate run holds the lock, instead of waiting
    #[arg(long)]
    pub no_wait: bool,
    /// Migrate N tenants first (the first N, by id, with something pending) and stop before
    /// the rest if any of them fails
    #[arg(long, value_name = "N", conflicts_with = "canary_tenants",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub canary: Option<u32>,
    /// Migrate these tenants first and stop before the rest if any of them fails (repeat the
    /// flag or give a comma list)
    #[arg(long, value_name = "NAME", value_delimiter = ',', action = ArgAction::Append)]
    pub canary_tenants: Vec<String>,
}

impl RunArgs {
    /// Flags of a run given before a subcommand (`migrate --dry-run rollback`): refused
    /// rather than silently ignored. The tenant selection is handed down instead.
    fn check_no_run_flags(&self, sub: &str) -> Result<()> {
        let given = [
            (self.registry_only, "--registry-only"),
            (self.tenants_only, "--tenants-only"),
            (self.dry_run, "--dry-run"),
            (self.no_wait, "--no-wait"),
            (self.canary.is_some(), "--canary"),
            (!self.canary_tenants.is_empty(), "--canary-tenants"),
            (self.set.tenant_migrations.is_some(), "--tenant-migrations"),
            (self.parallel.jobs.is_some(), "--jobs"),
            (self.parallel.lock_timeout.is_some(), "--lock-timeout"),
        ];
        match given.iter().find(|(set, _)| *set) {
            Some((_, flag)) => Err(Error::Usage(format!(
                "`{flag}` before `{sub}` belongs to `migrate` itself"
            ))
            .hint(format!(
                "put it after the subcommand: `tenantctl migrate {sub} {flag} ...`"
            ))),
            None => Ok(()),
        }
    }
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

/// What the registry part of a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegistryOutcome {
    /// Registry migrations applied by this run.
    pub applied: Vec<i64>,
    /// With --dry-run: the registry migrations that would be applied.
    pub pending: Vec<i64>,
}

/// The JSON of `migrate` (and `migrate rollback`). Field names are stable.
#[derive(Debug, Serialize)]
pub struct RunOutput<'a> {
    pub dry_run: bool,
    /// `null` with --tenants-only.
    pub registry: Option<RegistryOutcome>,
    /// `null` with --registry-only.
    pub tenant_migrations: Option<TenantsOutput<'a>>,
}

#[derive(Debug, Serialize)]
pub struct TenantsOutput<'a> {
    /// `embedded` or the directory.
    pub source: &'a str,
    pub latest_version: Option<i64>,
    #[serde(flatten)]
    pub report: &'a Report,
}

impl RunArgs {
    async fn run(self, ctx: &Ctx) -> Result<()> {
        // Everything that can be checked without the database is checked first: nothing runs
        // when the migration directory is missing or broken.
        let set = if self.registry_only {
            None
        } else {
            Some(self.set.load(ctx).await?)
        };
        let jobs = self.parallel.jobs(ctx);
        let pool = pool_for(ctx, jobs).await?;
        // The run lock's own connection opens while the targets are resolved.
        let lock_conn = async {
            match self.dry_run {
                true => Ok(None),
                false => RunLockGuard::connect(&pool).await.map(Some),
            }
        };
        let (lock_conn, targets) = tokio::join!(lock_conn, self.targets(&pool, set.is_some()));
        let (filter, canary) = targets?;
        let guard = match lock_conn? {
            None => None,
            Some(conn) => {
                let out = ctx.out;
                Some(
                    RunLockGuard::acquire_on(conn, RunLock::Migrate, !self.no_wait, |m| {
                        out.note(m)
                    })
                    .await?,
                )
            }
        };
        let res = self
            .migrate(ctx, &pool, set.as_ref(), filter, canary, jobs)
            .await;
        if let Some(g) = guard {
            g.release().await?;
        }
        res
    }

    /// The tenants this run targets (`--tenant`, `--exclude`) and its canaries; names that
    /// are not (migratable) tenants are an error here, before any migration runs.
    async fn targets(&self, pool: &PgPool, tenants: bool) -> Result<(Selection, Canary)> {
        let mut filter = Selection::default();
        let mut canary = Canary::None;
        if tenants && registry_exists(pool).await? {
            filter = selection(&self.select, pool).await?;
            if let Some(n) = self.canary {
                canary = Canary::First(n as usize);
            } else if !self.canary_tenants.is_empty() {
                let named = crate::registry::tenants::resolve(
                    pool,
                    &self.canary_tenants,
                    &[],
                    Wanted::Provisioned,
                    "migrate",
                )
                .await?;
                canary = Canary::Named(named.only.unwrap_or_default());
            }
        } else if !self.select.tenants.is_empty() || !self.canary_tenants.is_empty() {
            return Err(crate::registry::store::not_found(
                self.select
                    .tenants
                    .first()
                    .or(self.canary_tenants.first())
                    .map(String::as_str)
                    .unwrap_or_default(),
            ));
        }
        Ok((filter, canary))
    }

    async fn migrate(
        &self,
        ctx: &Ctx,
        pool: &PgPool,
        set: Option<&MigrationSet>,
        filter: Selection,
        canary: Canary,
        jobs: usize,
    ) -> Result<()> {
        let registry = if self.tenants_only {
            None
        } else if self.dry_run {
            let pending: Vec<i64> = migrations::pending(pool)
                .await?
                .into_iter()
                .map(|(v, _)| v)
                .collect();
            ctx.out.note(&match pending.len() {
                0 => "registry: up to date".to_string(),
                n => format!("registry: would apply {n} migration(s)"),
            });
            Some(RegistryOutcome {
                applied: Vec::new(),
                pending,
            })
        } else {
            // Asking first costs one statement; sqlx's migrator costs several even when there is
            // nothing to do.
            let applied = if migrations::pending(pool).await?.is_empty() {
                Vec::new()
            } else {
                migrations::run(pool).await?
            };
            if let Some(role) = &ctx.settings().jobs.enqueue_role {
                crate::jobs::queue::grant_enqueue(pool, role).await?;
            }
            ctx.out.note(&match applied.len() {
                0 => "registry: up to date".to_string(),
                n => format!("registry: applied {n} migration(s)"),
            });
            Some(RegistryOutcome {
                applied,
                pending: Vec::new(),
            })
        };
        let Some(set) = set else {
            return print_run(ctx, self.dry_run, registry, None, false);
        };
        if self.tenants_only {
            migrations::ensure_current(pool).await?;
        } else if self.dry_run && !registry_exists(pool).await? {
            // A dry run on a database without a registry: no tenants yet.
            let report = Report::default();
            return print_run(
                ctx,
                true,
                registry,
                Some(TenantsOutput {
                    source: &set.source,
                    latest_version: set.latest(),
                    report: &report,
                }),
                false,
            );
        }
        let opts = Options {
            jobs,
            lock_timeout: self.parallel.lock_timeout(ctx),
            dry_run: self.dry_run,
            filter,
            extension_schema: ctx.settings().extension_schema.clone(),
            lock_retries: self.retries.get(ctx),
        };
        if self.dry_run && canary != Canary::None {
            ctx.out
                .note("dry run: canaries are picked when the run is real; listing every tenant");
        }
        // The count is only for the bar; without a terminal there is none.
        let total = if ctx.term().stderr {
            tenants::count(pool, &opts.filter).await?
        } else {
            0
        };
        let pb = ctx.out.progress(
            total,
            if self.dry_run {
                "planning"
            } else {
                "migrating tenants"
            },
        );
        let on_done = |run: &TenantRun| {
            pb.inc(1);
            if run.outcome == fleet::MigrateOutcome::Failed {
                pb.suspend(|| {
                    crate::output::to_stderr(&format!(
                        "{}: failed: {}",
                        run.tenant,
                        run.error.as_deref().unwrap_or("")
                    ))
                });
            }
        };
        let report = fleet::migrate(pool, set, &opts, &canary, &on_done).await;
        pb.finish_and_clear();
        let report = report?;
        print_run(
            ctx,
            self.dry_run,
            registry,
            Some(TenantsOutput {
                source: &set.source,
                latest_version: set.latest(),
                report: &report,
            }),
            false,
        )?;
        outcome(&report, false)
    }
}

/// Whether `public.platforms` exists (a fresh database has no registry yet).
async fn registry_exists(pool: &PgPool) -> Result<bool> {
    // language=PostgreSQL
    Ok(
        sqlx::query_scalar("SELECT to_regclass('public.platforms') IS NOT NULL")
            .fetch_one(pool)
            .await?,
    )
}

/// The exit status of a run: 0, 3 when some tenants failed, 1 when a canary failed.
fn outcome(report: &Report, rollback: bool) -> Result<()> {
    if report.canary_failed {
        return Err(Error::Other(anyhow::anyhow!(
            "a canary tenant failed: the other {} tenant(s) were not migrated",
            report.totals.not_started
        ))
        .hint("fix the failure shown above, then run `tenantctl migrate` again"));
    }
    if report.totals.failed > 0 {
        return Err(Error::Partial {
            failed: report.totals.failed,
            total: report.totals.tenants,
        }
        .hint(if rollback {
            "each failed tenant is still at its old version; `tenantctl migrate status` shows them"
        } else {
            "each failed tenant is still at its old version; fix the cause and run `tenantctl migrate` again (it only touches tenants with pending work)"
        }));
    }
    Ok(())
}

fn print_run(
    ctx: &Ctx,
    dry_run: bool,
    registry: Option<RegistryOutcome>,
    tenants: Option<TenantsOutput<'_>>,
    rollback: bool,
) -> Result<()> {
    if ctx.out.format == Format::Json {
        return ctx.out.json(&RunOutput {
            dry_run,
            registry,
            tenant_migrations: tenants,
        });
    }
    let Some(t) = tenants else {
        return Ok(());
    };
    let r = t.report;
    if !r.tenants.is_empty() {
        if ctx.out.format == Format::Csv {
            ctx.out.csv(&r.tenants)?;
        } else {
            ctx.out.list(&r.tenants)?;
        }
    }
    if ctx.out.format == Format::Csv {
        return Ok(());
    }
    let latest = t
        .latest_version
        .map(|v| v.to_string())
        .unwrap_or_else(|| "-".into());
    let verb = match (rollback, dry_run) {
        (false, false) => "migrated",
        (false, true) => "would migrate",
        (true, false) => "rolled back",
        (true, true) => "would roll back",
    };
    let mut line = format!(
        "{} tenant(s): {} {verb}, {} {}, {} failed",
        r.totals.tenants,
        r.totals.changed,
        r.totals.unchanged,
        if rollback { "unchanged" } else { "up to date" },
        r.totals.failed
    );
    if r.totals.not_started > 0 {
        line.push_str(&format!(", {} not started", r.totals.not_started));
    }
    if !rollback {
        line.push_str(&format!(" (latest version {latest})"));
    }
    ctx.out.line(&line)
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub select: TenantArgs,
    #[command(flatten)]
    pub set: SetOpts,
    /// Only tenants not at the latest version (something pending, or no schema)
    #[arg(long)]
    pub behind: bool,
}

impl StatusArgs {
    async fn run(self, ctx: &Ctx) -> Result<()> {
        let set = self.set.load(ctx).await?;
        let pool = ctx.registry().await?;
        let filter = selection(&self.select, pool).await?;
        let rows = status::status(pool, &set, &filter, self.behind).await?;
        let latest = set
            .latest()
            .map(|v| v.to_string())
            .unwrap_or_else(|| "-".into());
        let empty = if self.behind {
            format!("no tenant is behind (latest version {latest})")
        } else {
            "no tenants".to_string()
        };
        ctx.out.list_or(&rows, &empty)?;
        if ctx.out.format == Format::Table && !rows.is_empty() {
            let count = |s: State| rows.iter().filter(|r| r.state == s).count();
            ctx.out.note(&format!(
                "{} tenant(s){}: {} up to date, {} behind, {} drift, {} missing{} (latest version {latest})",
                rows.len(),
                if self.behind { " behind" } else { "" },
                count(State::UpToDate),
                count(State::Behind),
                count(State::Drift),
                count(State::Missing),
                match count(State::Invalid) {
                    0 => String::new(),
                    n => format!(", {n} with an invalid schema name"),
                },
            ));
        }
        let invalid = rows.iter().filter(|r| r.state == State::Invalid).count();
        if invalid > 0 {
            return Err(Error::Partial {
                failed: invalid,
                total: rows.len(),
            }
            .hint("a registry row's schema name breaks the naming rules (edited by hand?): fix the row, or remove it with `tenantctl platform delete`"));
        }
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The version to go back to: every applied migration above it is reverted (0: all)
    /// [default: one step: the newest migration applied in any of the tenants is reverted]
    #[arg(long, value_name = "VERSION")]
    pub to: Option<i64>,
    #[command(flatten)]
    pub select: TenantArgs,
    #[command(flatten)]
    pub set: SetOpts,
    #[command(flatten)]
    pub parallel: ParallelOpts,
    #[command(flatten)]
    pub retries: LockRetryOpts,
    /// Say what would be reverted where; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Exit at once (status 5) when another migrate run holds the lock, instead of waiting
    #[arg(long)]
    pub no_wait: bool,
}

impl RollbackArgs {
    async fn run(self, ctx: &Ctx) -> Result<()> {
        let set = self.set.load(ctx).await?;
        if let Some(to) = self.to {
            check_rollback_target(&set, to)?;
        }
        let jobs = self.parallel.jobs(ctx);
        let pool = pool_for(ctx, jobs).await?;
        migrations::ensure_current(&pool).await?;
        let filter = selection(&self.select, &pool).await?;
        let to = match self.to {
            Some(to) => to,
            None => {
                // sqlx's `migrate revert`: one step back, from the newest applied migration.
                let to = one_step_back(&set, fleet::newest_applied(&pool, &filter).await?);
                check_rollback_target(&set, to)?;
                to
            }
        };
        let mut opts = Options {
            jobs,
            lock_timeout: self.parallel.lock_timeout(ctx),
            dry_run: true,
            filter,
            extension_schema: ctx.settings().extension_schema.clone(),
            lock_retries: self.retries.get(ctx),
        };
        let plan = fleet::rollback(&pool, &set, &opts, to, &|_| {}).await?;
        let print = |report: &Report, dry_run: bool| {
            print_run(
                ctx,
                dry_run,
                None,
                Some(TenantsOutput {
                    source: &set.source,
                    latest_version: set.latest(),
                    report,
                }),
                true,
            )
        };
        if self.dry_run || plan.totals.changed == 0 {
            print(&plan, self.dry_run)?;
            return outcome(&plan, true);
        }
        let reverts: usize = plan
            .tenants
            .iter()
            .filter(|r| r.outcome == fleet::MigrateOutcome::WouldRollBack)
            .map(|r| r.versions.len())
            .sum();
        ctx.confirm(&format!(
            "roll back {} tenant schema(s) to version {}, reverting {reverts} migration(s)",
            plan.totals.changed, to
        ))
        .await?;
        drop(plan);

        let out = ctx.out;
        let guard =
            RunLockGuard::acquire(&pool, RunLock::Migrate, !self.no_wait, |m| out.note(m)).await?;
        opts.dry_run = false;
        let total = tenants::count(&pool, &opts.filter).await?;
        let pb = ctx.out.progress(total, "rolling back");
        let report = fleet::rollback(&pool, &set, &opts, to, &|_| pb.inc(1)).await;
        pb.finish_and_clear();
        guard.release().await?;
        let report = report?;
        print(&report, false)?;
        outcome(&report, true)
    }
}

/// The target of a one-step revert: the set's version just below `newest` (0 when `newest` is
/// the first). With nothing applied anywhere, the set's latest: nothing to revert.
pub fn one_step_back(set: &MigrationSet, newest: Option<i64>) -> i64 {
    let Some(newest) = newest else {
        return set.latest().unwrap_or(0);
    };
    set.ups()
        .map(|m| m.version)
        .filter(|&v| v < newest)
        .max()
        .unwrap_or(0)
}

/// `--to` must be 0 or a version of the set, and everything above it must be reversible:
/// checked before any SQL.
pub fn check_rollback_target(set: &MigrationSet, to: i64) -> Result<()> {
    if to < 0 || (to != 0 && set.up(to).is_none()) {
        let first = set.ups().next().map(|m| m.version).unwrap_or_default();
        return Err(Error::Usage(format!(
            "version {to} is not in the migration set ({}: {} migrations, {first} to {})",
            set.source,
            set.len(),
            set.latest().unwrap_or_default()
        ))
        .hint(
            "pass 0 to revert everything, or one of the versions `tenantctl migrate status` shows",
        ));
    }
    if let Some(m) = set
        .ups()
        .filter_map(|m| set.down(m.version))
        .find(|d| d.version > to && d.no_tx)
    {
        return Err(Error::Usage(format!(
            "the down migration of {} ({}) is marked `-- no-transaction`: `migrate rollback` runs down migrations in a transaction",
            m.version, m.description
        ))
        .hint("run its statements by hand per tenant, or give it a down migration that can run in a transaction"));
    }
    if let Some(m) = set
        .ups()
        .find(|m| m.version > to && set.down(m.version).is_none())
    {
        return Err(Error::Usage(format!(
            "migration {} ({}) has no down migration: cannot roll back past it",
            m.version, m.description
        )));
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub select: TenantArgs,
    #[command(flatten)]
    pub set: SetOpts,
    #[command(flatten)]
    pub parallel: ParallelOpts,
}

/// One line of `migrate verify`'s table.
#[derive(Debug, Serialize)]
struct VerifyRow {
    #[serde(rename = "platform")]
    tenant: String,
    change: String,
    object: String,
    expected: String,
    actual: String,
}

impl Tabular for VerifyRow {
    fn headers() -> Vec<&'static str> {
        vec!["tenant", "change", "object", "expected", "actual"]
    }

    fn row(&self, _: &Term) -> Vec<Cell> {
        vec![
            Cell::new(&self.tenant),
            Cell::new(&self.change),
            Cell::new(&self.object),
            Cell::new(&self.expected),
            Cell::new(&self.actual),
        ]
    }
}

fn verify_rows(report: &VerifyReport) -> Vec<VerifyRow> {
    let mut rows = Vec::new();
    for d in &report.drifted {
        if let Some(e) = &d.error {
            rows.push(VerifyRow {
                tenant: d.tenant.clone(),
                change: "error".into(),
                object: format!("schema {}", d.schema),
                expected: String::new(),
                actual: e.clone(),
            });
        }
        for x in &d.differences {
            rows.push(VerifyRow {
                tenant: d.tenant.clone(),
                change: x.change.as_str().into(),
                object: format!("{} {}", x.kind, x.name),
                expected: x.expected.clone().unwrap_or_default(),
                actual: x.actual.clone().unwrap_or_default(),
            });
        }
    }
    rows
}

impl VerifyArgs {
    async fn run(self, ctx: &Ctx) -> Result<()> {
        let set = self.set.load(ctx).await?;
        let jobs = self.parallel.jobs(ctx);
        let pool = pool_for(ctx, jobs).await?;
        migrations::ensure_current(&pool).await?;
        let filter = selection(&self.select, &pool).await?;
        let total = tenants::count(&pool, &filter).await?;
        let pb = ctx.out.progress(total, "verifying");
        let ext = ctx.settings().extension_schema.clone();
        let report = verify::verify(
            &pool,
            &set,
            ext.as_ref(),
            &filter,
            jobs,
            self.parallel.lock_timeout(ctx),
            &|| pb.inc(1),
        )
        .await;
        pb.finish_and_clear();
        let report = report?;
        match ctx.out.format {
            Format::Json => ctx.out.json(&report)?,
            _ => {
                let rows = verify_rows(&report);
                if !rows.is_empty() {
                    ctx.out.list(&rows)?;
                }
                if ctx.out.format == Format::Table {
                    ctx.out.line(&if report.drifted.is_empty() {
                        format!(
                            "all {} tenant schema(s) match the migration set",
                            report.checked
                        )
                    } else {
                        format!(
                            "{} of {} tenant schema(s) differ from the migration set",
                            report.drifted.len(),
                            report.checked
                        )
                    })?;
                }
            }
        }
        if let Some(why) = &report.distributed_error {
            return Err(Error::Other(anyhow::anyhow!("{why}")).hint(
                "a tenant migration on Citus may only reference its own schema: no foreign key to `public` or another schema (docs/scale-out.md)",
            ));
        }
        if report.drifted.is_empty() {
            Ok(())
        } else {
            Err(Error::Partial {
                failed: report.drifted.len(),
                total: report.checked,
            }
            .hint("a hand-made change is best turned into a migration (or undone by hand); `extra` objects are in the tenant only"))
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
