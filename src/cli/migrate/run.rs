//! `tenantctl migrate run`: the registry, then every selected tenant, and the summary.

use super::*;

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
    pub(super) fn check_no_run_flags(&self, sub: &str) -> Result<()> {
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
    pub(super) async fn run(self, ctx: &Ctx) -> Result<()> {
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
pub(super) fn outcome(report: &Report, rollback: bool) -> Result<()> {
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

pub(super) fn print_run(
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
