//! `tenantctl migrate-host-to-schema`: move the host platform's legacy data out of `public`.

use super::Ctx;
use crate::db::locks::{RunLock, RunLockGuard};
use crate::error::{Error, Result};
use crate::host_migration::{self as hm, Check, Options, Plan, TableResult};
use crate::output::{Tabular, Term};
use crate::registry::maintenance;
use clap::Args;
use comfy_table::{Cell, Color};
use serde::Serialize;
use sqlx::PgPool;

#[derive(Debug, Args)]
pub struct MigrateHostToSchema {
    /// Run the pre-flight checks and print the plan (tables in dependency order, row counts);
    /// change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Copy only these public tables (comma-separated) [default: every public table but the
    /// registry and migration bookkeeping]
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub tables: Option<Vec<String>>,
    /// Empty target tables that already hold rows (the seed rows of a freshly provisioned host
    /// schema), inside the copy transaction
    #[arg(long)]
    pub truncate_targets: bool,
    /// The later, separate step: re-verify the last copy and drop its public tables (asks again)
    #[arg(long, conflicts_with_all = ["dry_run", "tables", "truncate_targets"])]
    pub drop_public: bool,
}

/// `--output json`: the checks, the plan and what was copied (or dropped).
#[derive(Debug, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub checks: Vec<Check>,
    pub plan: Option<Plan>,
    pub tables: Vec<TableResult>,
    pub public_dropped: bool,
}

impl Tabular for Check {
    fn headers() -> Vec<&'static str> {
        vec!["check", "result", "detail"]
    }
    fn row(&self, term: &Term) -> Vec<Cell> {
        let (text, color) = if self.ok {
            ("PASS", Color::Green)
        } else {
            ("FAIL", Color::Red)
        };
        let result = if term.color {
            Cell::new(text).fg(color)
        } else {
            Cell::new(text)
        };
        vec![Cell::new(&self.name), result, Cell::new(&self.detail)]
    }
}

impl Tabular for TableResult {
    fn headers() -> Vec<&'static str> {
        vec!["table", "rows in public", "rows copied", "status"]
    }
    fn row(&self, _term: &Term) -> Vec<Cell> {
        vec![
            Cell::new(&self.table),
            Cell::new(self.rows_public),
            Cell::new(self.rows_copied),
            Cell::new(&self.status),
        ]
    }
}

impl MigrateHostToSchema {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let lock = RunLockGuard::try_acquire(pool, RunLock::HostMigration).await?;
        let res = if self.drop_public {
            self.drop_public_tables(ctx, pool).await
        } else {
            self.copy(ctx, pool).await
        };
        let _ = lock.release().await;
        res
    }

    async fn copy(self, ctx: &Ctx, pool: &PgPool) -> Result<()> {
        let opts = Options {
            tables: self.tables.clone(),
            truncate_targets: self.truncate_targets,
        };
        let pre = hm::preflight(pool, ctx.settings(), &opts).await?;
        let json = ctx.out.format != crate::output::Format::Table;
        if !json {
            ctx.out.line("pre-flight checks:")?;
            ctx.out.list(&pre.checks)?;
        }
        let mut report = Report {
            dry_run: self.dry_run,
            checks: pre.checks.clone(),
            plan: pre.plan.clone(),
            tables: Vec::new(),
            public_dropped: false,
        };
        if !pre.passed() {
            if json {
                ctx.out.json(&report)?;
            }
            let failed: Vec<String> = pre.failures().iter().map(|c| c.name.clone()).collect();
            return Err(Error::Refused(format!(
                "pre-flight check(s) failed: {}; nothing was changed",
                failed.join(", ")
            )));
        }
        let plan = pre.plan.clone().expect("passed checks have a plan");
        let host = pre.host.clone().expect("passed checks have a host");
        if self.dry_run {
            if json {
                return ctx.out.json(&report);
            }
            let mut t = ctx.out.table(&[
                "order",
                "table",
                "rows in public",
                "rows in target",
                "depends on",
            ]);
            for (i, tp) in plan.tables.iter().enumerate() {
                t.add_row(vec![
                    (i + 1).to_string(),
                    tp.table.clone(),
                    tp.rows.to_string(),
                    tp.target_rows.to_string(),
                    tp.depends_on.join(", "),
                ]);
            }
            ctx.out.line(&format!(
                "\nplan (dry run, nothing changed): copy into {}\n{t}",
                plan.schema
            ))?;
            return Ok(());
        }

        gate(
            ctx,
            &format!(
                "copy {} public table(s) ({} rows) into schema {} of `{}`",
                plan.tables.len(),
                plan.tables.iter().map(|t| t.rows).sum::<i64>(),
                plan.schema,
                plan.platform
            ),
        )
        .await?;
        // The flag alone: the copy's own transaction closes the schema's gate.
        maintenance::set_flag(pool, host.id, true, Some("migrate-host-to-schema")).await?;
        let copied = hm::copy(pool, ctx.settings(), &host, &plan, &opts).await;
        maintenance::set_flag(pool, host.id, false, None).await?;
        report.tables = copied?;
        if json {
            return ctx.out.json(&report);
        }
        ctx.out
            .line("\ncopied in one transaction, verified before commit:")?;
        ctx.out.list(&report.tables)?;
        ctx.out.note(
            "the public tables are still there; once the application runs on the tenant schema, `TENANTCTL_CONFIRM=yes tenantctl migrate-host-to-schema --drop-public` removes them",
        );
        Ok(())
    }

    async fn drop_public_tables(self, ctx: &Ctx, pool: &PgPool) -> Result<()> {
        let Some((id, schema, tables, dropped)) = hm::last_copy(pool).await? else {
            return Err(Error::Refused(
                "no copy has been recorded: run `migrate-host-to-schema` first".into(),
            ));
        };
        if dropped {
            ctx.out
                .note("the public tables of the last copy were dropped already; nothing to do");
            return Ok(());
        }
        let schema = crate::db::SchemaName::parse(&schema)?;
        let verified = hm::reverify(pool, &schema, &tables).await?;
        let json = ctx.out.format != crate::output::Format::Table;
        if !json {
            ctx.out.line("re-verification of the copied tables:")?;
            ctx.out.list(&verified)?;
        }
        let bad: Vec<&TableResult> = verified.iter().filter(|t| t.status != "verified").collect();
        if !bad.is_empty() {
            return Err(Error::Refused(format!(
                "re-verification failed for {}; nothing was dropped",
                bad.iter()
                    .map(|t| t.table.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        gate(
            ctx,
            &format!(
                "drop {} public table(s) for good ({})",
                verified.len(),
                verified
                    .iter()
                    .map(|t| t.table.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .await?;
        hm::drop_public(pool, id, &verified).await?;
        if json {
            return ctx.out.json(&Report {
                dry_run: false,
                checks: Vec::new(),
                plan: None,
                tables: verified,
                public_dropped: true,
            });
        }
        ctx.out
            .line(&format!("dropped {} public table(s)", verified.len()))
    }
}

/// This command changes the host platform's data: it needs TENANTCTL_CONFIRM=yes (or
/// CONFIRM=yes, or --yes) always, and
/// on a terminal it asks as well.
async fn gate(ctx: &Ctx, action: &str) -> Result<()> {
    if !ctx.assume_yes {
        return Err(Error::Refused(format!(
            "refusing to {action}: migrate-host-to-schema requires TENANTCTL_CONFIRM=yes in the environment (or --yes); nothing was changed"
        )));
    }
    if ctx.term().interactive() {
        crate::output::confirm(ctx.term(), false, &format!("{action}?")).await?;
    }
    Ok(())
}
