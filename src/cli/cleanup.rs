//! `tenantctl cleanup [NAME... | --all] [--dry-run]`: delete the backups the retention rule
//! (N daily + N weekly + N monthly, restic-forget semantics, UTC) does not keep.

use super::Ctx;
use super::backup::{resolve_any, run_lock};
use crate::backup::cleanup::{self, Row};
use crate::backup::retention::Policy;
use crate::backup::storage;
use crate::error::{Error, Result};
use crate::output::{Tabular, Term, human_bytes};
use crate::registry::store;
use clap::Args;
use comfy_table::{Cell, Color};
use std::time::Duration;

/// Leftovers of interrupted runs older than this are removed.
const LEFTOVER_AGE: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Args)]
pub struct Cleanup {
    /// Platforms whose backups to thin out, by name or id
    #[arg(
        value_name = "NAME|ID",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub platforms: Vec<String>,
    /// Every platform with a schema, and the backups of `public`
    #[arg(long)]
    pub all: bool,
    /// Print every backup with keep or delete and the reason; delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Days with backups to keep the newest of [config: backup.keep_daily] [default: 7]
    #[arg(long, value_name = "N")]
    pub keep_daily: Option<usize>,
    /// ISO weeks to keep the newest of [config: backup.keep_weekly] [default: 4]
    #[arg(long, value_name = "N")]
    pub keep_weekly: Option<usize>,
    /// Months to keep the newest of [config: backup.keep_monthly] [default: 12]
    #[arg(long, value_name = "N")]
    pub keep_monthly: Option<usize>,
}

impl Tabular for Row {
    fn headers() -> Vec<&'static str> {
        vec!["platform", "schema", "backup", "size", "action", "reason"]
    }

    fn row(&self, term: &Term) -> Vec<Cell> {
        let color = match self.action {
            "keep" => Color::Green,
            "delete" | "deleted" => Color::Yellow,
            _ => Color::Red,
        };
        let action = if term.color {
            Cell::new(self.action).fg(color)
        } else {
            Cell::new(self.action)
        };
        vec![
            Cell::new(&self.platform_name),
            Cell::new(&self.schema),
            Cell::new(&self.backup_id),
            Cell::new(
                self.size_bytes
                    .map(|b| human_bytes(b as i64))
                    .unwrap_or_else(|| "-".into()),
            ),
            action,
            Cell::new(match &self.error {
                Some(e) => format!("{}: {e}", self.reason),
                None => self.reason.clone(),
            }),
        ]
    }
}

impl Cleanup {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let s = &ctx.settings().backup;
        let policy = Policy {
            daily: self.keep_daily.unwrap_or(s.keep_daily),
            weekly: self.keep_weekly.unwrap_or(s.keep_weekly),
            monthly: self.keep_monthly.unwrap_or(s.keep_monthly),
        };
        let pool = ctx.registry().await?;
        let platforms = if self.all {
            store::list(pool)
                .await?
                .into_iter()
                .filter(|p| p.schema_name.is_some())
                .collect()
        } else {
            resolve_any(pool, &self.platforms).await?
        };
        let storage = storage::from_settings(s).await?;
        storage.check().await?;
        let lock = if self.dry_run {
            None
        } else {
            Some(run_lock(pool).await?)
        };
        let res = self.work(ctx, policy, platforms, storage, pool).await;
        if let Some(l) = lock {
            l.release().await;
        }
        res
    }

    async fn work(
        &self,
        ctx: &Ctx,
        policy: Policy,
        platforms: Vec<crate::registry::Platform>,
        storage: std::sync::Arc<dyn storage::Storage>,
        pool: &sqlx::PgPool,
    ) -> Result<()> {
        let mut rows: Vec<Row> = Vec::new();
        let mut invalid = 0;
        for p in &platforms {
            match p.tenant_schema() {
                Ok(Some(schema)) => rows.extend(
                    cleanup::plan(storage.as_ref(), &p.name, schema.as_str(), policy).await?,
                ),
                Ok(None) => {}
                // Its backups are never looked for under a name that breaks the rules.
                Err(bad) => {
                    invalid += 1;
                    rows.push(Row {
                        platform_name: bad.platform,
                        schema: bad.schema,
                        backup_id: "-".into(),
                        taken_at: None,
                        size_bytes: None,
                        action: "failed",
                        reason: "invalid schema name".into(),
                        error: Some(bad.error),
                    })
                }
            }
        }
        if self.all {
            // Backups of `public` (`backup --public`) follow the same policy.
            rows.extend(cleanup::plan(storage.as_ref(), "public", "public", policy).await?);
        }
        let doomed = rows.iter().filter(|r| r.action == "delete").count();
        let leftovers = storage.sweep(LEFTOVER_AGE, true).await?;
        if self.dry_run {
            for l in &leftovers {
                ctx.out.note(&format!("would remove leftover {l}"));
            }
            return ctx.out.list(&rows);
        }
        if doomed > 0 {
            let tenants = rows
                .iter()
                .filter(|r| r.action == "delete")
                .map(|r| &r.schema)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            ctx.confirm(&format!(
                "delete {doomed} backup{} of {tenants} platform{} (policy: {} daily, {} weekly, {} monthly)?",
                if doomed == 1 { "" } else { "s" },
                if tenants == 1 { "" } else { "s" },
                policy.daily,
                policy.weekly,
                policy.monthly
            ))
            .await?;
            cleanup::execute(storage.as_ref(), pool, &mut rows).await?;
        }
        for l in storage.sweep(LEFTOVER_AGE, false).await? {
            ctx.out.note(&format!("removed leftover {l}"));
        }
        ctx.out.list(&rows)?;
        let failed = rows.iter().filter(|r| r.action == "failed").count();
        if failed > 0 {
            return Err(Error::Partial {
                failed,
                total: doomed + invalid,
            });
        }
        Ok(())
    }
}
