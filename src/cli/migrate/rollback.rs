//! `tenantctl migrate rollback`: a step back (or to a version) for the selected tenants.

use super::*;

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
    pub(super) async fn run(self, ctx: &Ctx) -> Result<()> {
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
