//! `tenantctl report ...`: a read-only query across tenant schemas, and the built-in reports
//! (sizes, provisioning, backups, provision history).

use super::Ctx;
use super::select::TenantArgs;
use crate::config::Source;
use crate::error::{Error, Result};
use crate::output::{Format, Out, duration, human_bytes};
use crate::registry::store;
use crate::registry::tenants::Wanted;
use crate::report::builtin::{self, SizeSort};
use crate::report::{present, query};
use clap::{ArgGroup, Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Above this many tenants `report query` warns about the cost of a fan-out.
pub const FAN_OUT_WARN: usize = 10;

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Run one read-only query in every completed tenant schema (or those chosen); rows gain
    /// `platform` and `schema` columns
    Query(Query),
    /// Schema size per platform (tables, TOAST and indexes), table count and row estimate
    Sizes(Sizes),
    /// Provisioning success rate, failures, average and p95 time, stuck platforms, recent errors
    Provisioning(Provisioning),
    /// Age of each platform's last backup (flagged over status.backup_warn_age and
    /// backup_crit_age) and backup sizes
    Backups(Backups),
    /// Provision attempts between two dates, as CSV for analysis
    History(History),
}

impl ReportCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            ReportCmd::Query(c) => c.run(ctx).await,
            ReportCmd::Sizes(c) => c.run(ctx).await,
            ReportCmd::Provisioning(c) => c.run(ctx).await,
            ReportCmd::Backups(c) => c.run(ctx).await,
            ReportCmd::History(c) => c.run(ctx).await,
        }
    }
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["sql", "file"])))]
pub struct Query {
    /// The query: one SELECT, VALUES, TABLE or WITH … SELECT, with table names unqualified
    /// (each tenant's schema is alone on the search_path)
    #[arg(long, value_name = "TEXT")]
    pub sql: Option<String>,
    /// Read the query from a file (`-`: standard input)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub select: TenantArgs,
    /// Tenant schemas queried at once [env: TENANTCTL_REPORT_JOBS] [config: report.jobs]
    /// [default: 4]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// statement_timeout of each tenant's query, like 30s or 2m; 0 for none
    /// [env: TENANTCTL_REPORT_TIMEOUT] [config: report.timeout] [default: 30s]
    #[arg(long, value_name = "DURATION", value_parser = crate::output::duration::parse)]
    pub timeout: Option<Duration>,
    /// Sum the numeric columns across tenants, grouped by the other columns, with a `tenants`
    /// column counting the tenants in each group
    #[arg(long)]
    pub aggregate: bool,
}

impl Query {
    fn text(&self) -> Result<String> {
        if let Some(s) = &self.sql {
            return Ok(s.clone());
        }
        let path = self.file.as_ref().expect("clap requires --sql or --file");
        if path.as_os_str() == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
            return Ok(s);
        }
        std::fs::read_to_string(path)
            .map_err(|e| Error::Usage(format!("cannot read query file `{}`: {e}", path.display())))
    }

    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let sql = query::normalize(&self.text()?)?;
        let s = ctx.settings();
        let jobs = self.jobs.unwrap_or(s.report.jobs);
        if jobs == 0 {
            return Err(Error::Usage("--jobs must be at least 1".into()));
        }
        let timeout = self.timeout.unwrap_or(*s.report.timeout);
        let opts = query::Options {
            timeout,
            jobs,
            batch_size: s.report.batch_size.max(1),
            extension_schema: s.extension_schema.clone(),
        };
        let registry = ctx.registry().await?;
        let selection = self
            .select
            .resolve(registry, &[], Wanted::Provisioned, "query")
            .await?;
        let platforms = store::list(registry).await?;
        let (targets, invalid) = query::select_targets(&platforms, &selection)?;
        if targets.is_empty() {
            ctx.out.note("no completed tenant schemas to query");
        } else if targets.len() > FAN_OUT_WARN {
            ctx.out.note(&format!(
                "warning: querying {} tenant schemas, {jobs} at a time, each with a {} timeout: \
                 a fan-out costs at least one statement per schema and grows with the fleet; \
                 narrow it with --tenant/--exclude, tune --jobs/--timeout, and see \
                 docs/cross-tenant-operations.md for when to move to a search index",
                targets.len(),
                duration::setting(timeout)
            ));
        }
        // A pool of its own, sized for --jobs (the shared pool is sized from the config).
        let pool = crate::db::connect_with_options(s, crate::db::pool_size(jobs, 1), |o| {
            // The statements are the operator's; a slow one is reported per tenant, not logged.
            sqlx::ConnectOptions::disable_statement_logging(o)
        })
        .await?;
        let progress = ctx.out.progress(targets.len() as u64, "querying");
        let run = query::run(&pool, &sql, targets, &opts, &progress).await;
        progress.finish_and_clear();
        pool.close().await;
        let run = run?;
        let elapsed = run.elapsed;
        let mut shown = present::present(run, self.aggregate)?;
        shown.add_invalid(invalid);
        present::print(&ctx.out, &shown)?;
        for line in present::summary(&shown, elapsed) {
            ctx.out.note(&line);
        }
        if !shown.errors.is_empty() {
            return Err(Error::Partial {
                failed: shown.errors.len(),
                total: shown.tenants,
            });
        }
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct Sizes {
    /// Order of the rows
    #[arg(long, value_enum, default_value = "size")]
    pub sort: SizeSort,
    /// Only the first N rows
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub select: TenantArgs,
}

impl Sizes {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let selection = self
            .select
            .resolve(pool, &[], Wanted::WithSchema, "report on")
            .await?;
        let mut rows = builtin::sizes(pool, self.sort).await?;
        rows.retain(|r| selection.admits(r.platform_id));
        let total: i64 = rows.iter().map(|r| r.total_bytes).sum();
        let count = rows.len();
        if let Some(n) = self.limit {
            rows.truncate(n);
        }
        ctx.out.list_or(&rows, "no tenant schemas")?;
        if ctx.out.format == Format::Table && count > 0 {
            ctx.out.note(&format!(
                "{} in {count} tenant schema(s) (live sizes from the catalog)",
                human_bytes(total)
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    /// One row per UTC day
    Day,
}

#[derive(Debug, Args)]
pub struct Provisioning {
    /// The window to report on, like 30d or 12h
    #[arg(long, value_name = "DURATION", value_parser = crate::output::duration::parse, default_value = "30d")]
    pub since: Duration,
    /// Per day over the window (failures, average provision time, and a trend line)
    #[arg(long, value_enum)]
    pub by: Option<By>,
}

impl Provisioning {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        match self.by {
            Some(By::Day) => {
                let days = (self.since.as_secs().div_ceil(86_400)).clamp(1, 3660) as u32;
                let rows = builtin::by_day(pool, days).await?;
                ctx.out.list(&rows)?;
                if ctx.out.format == Format::Table {
                    ctx.out.line("")?;
                    for line in builtin::trend_lines(&rows) {
                        ctx.out.line(&line)?;
                    }
                }
                Ok(())
            }
            None => {
                let report =
                    builtin::provisioning(pool, self.since, *ctx.settings().provision.stuck_after)
                        .await?;
                ctx.out.one(&report, || report.human(&ctx.out))
            }
        }
    }
}

#[derive(Debug, Args)]
pub struct Backups {
    /// Only platforms whose backup is older than AGE (e.g. 24h; never backed up: counted from
    /// provisioning, as `status` does) [default AGE: status.backup_warn_age]
    #[arg(long, value_name = "AGE", value_parser = super::backup::parse_age, num_args = 0..=1)]
    pub stale: Option<Option<Duration>>,
    #[command(flatten)]
    pub select: TenantArgs,
}

impl Backups {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let s = &ctx.settings().status;
        let selection = self
            .select
            .resolve(pool, &[], Wanted::WithSchema, "report on")
            .await?;
        let mut rows = builtin::backups(pool, *s.backup_warn_age, *s.backup_crit_age).await?;
        rows.retain(|r| selection.admits(r.platform_id));
        match self.stale {
            Some(None) => rows.retain(|r| r.state != builtin::BackupState::Ok),
            Some(Some(age)) => rows.retain(|r| r.age_seconds as u64 > age.as_secs()),
            None => {}
        }
        let empty = if self.stale.is_some() {
            format!(
                "no stale (> {}) or critical (> {}) backups",
                duration::setting(*s.backup_warn_age),
                duration::setting(*s.backup_crit_age),
            )
        } else {
            "no tenants".to_string()
        };
        ctx.out.list_or(&rows, &empty)?;
        if ctx.out.format == Format::Table && !rows.is_empty() {
            let count = |st| rows.iter().filter(|r| r.state == st).count();
            ctx.out.note(&format!(
                "{} stale (> {}), {} critical (> {})",
                count(builtin::BackupState::Stale),
                duration::setting(*s.backup_warn_age),
                count(builtin::BackupState::Critical),
                duration::setting(*s.backup_crit_age),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct History {
    /// First day (YYYY-MM-DD, UTC) or time (RFC 3339) [default: 30 days ago]
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day, included (YYYY-MM-DD), or an exclusive RFC 3339 time [default: now]
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
}

impl History {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let to = match &self.to {
            Some(t) => builtin::parse_bound(t, true)?,
            None => chrono::Utc::now() + chrono::Duration::seconds(1),
        };
        let from = match &self.from {
            Some(f) => builtin::parse_bound(f, false)?,
            None => chrono::Utc::now() - chrono::Duration::days(30),
        };
        if from >= to {
            return Err(Error::Usage(format!(
                "--from ({}) must be before --to ({})",
                from.to_rfc3339(),
                to.to_rfc3339()
            )));
        }
        let pool = ctx.registry().await?;
        let rows = builtin::history(pool, from, to).await?;
        // CSV unless a format was asked for.
        let explicit = ctx
            .config
            .values
            .get("output")
            .is_some_and(|r| r.source != Source::Default);
        let out = if explicit {
            ctx.out
        } else {
            Out {
                format: Format::Csv,
                ..ctx.out
            }
        };
        if out.format == Format::Csv {
            let bytes = builtin::history_csv(&rows)?;
            crate::output::write_stdout(&bytes)?;
        } else {
            let empty = format!(
                "no provision attempts from {} to {}",
                from.to_rfc3339(),
                to.to_rfc3339()
            );
            out.list_or(&rows, &empty)?;
        }
        if !(rows.is_empty() && out.format == Format::Table) {
            ctx.out.note(&format!(
                "{} provision attempt(s) from {} to {}",
                rows.len(),
                from.to_rfc3339(),
                to.to_rfc3339()
            ));
        }
        Ok(())
    }
}
