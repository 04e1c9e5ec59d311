//! `tenantctl cleanup [NAME... | --all] [--dry-run]`: delete the backups the retention rule
//! (the last N, N daily/weekly/monthly/yearly, all within a duration; restic-forget semantics,
//! UTC) does not keep.

use super::Ctx;
use super::select::TenantArgs;
use crate::backup::cleanup::{self, Row};
use crate::backup::retention::{Policy, Within};
use crate::backup::storage;
use crate::db::locks::{RunLock, RunLockGuard};
use crate::error::{Error, Result};
use crate::output::{Tabular, Term, human_bytes};
use crate::registry::store;
use crate::registry::tenants::Wanted;
use clap::Args;
use comfy_table::{Cell, Color};
use serde::Serialize;
use std::time::Duration;

/// Leftovers of interrupted runs older than this are removed.
const LEFTOVER_AGE: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Args)]
pub struct Cleanup {
    /// Platforms whose backups to thin out, by name or id (like --tenant)
    #[arg(
        value_name = "NAME|ID",
        required_unless_present_any = ["all", "tenants", "old_schemas"],
        conflicts_with = "all"
    )]
    pub platforms: Vec<String>,
    /// Which tenants (`--all`: every platform with a schema, and the backups of `public`)
    #[command(flatten)]
    pub select: TenantArgs,
    /// Instead of backups: drop the schemas `restore --keep-old` kept (`tctl_old_*`, listed by
    /// `status`), after confirmation
    #[arg(long, conflicts_with_all = [
        "platforms", "all", "tenants", "keep_last", "keep_daily", "keep_weekly", "keep_monthly",
        "keep_yearly", "keep_within",
    ])]
    pub old_schemas: bool,
    /// Print every backup with keep or delete and the reason; delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// The newest N backups to keep, however old [config: backup.keep_last] [default: 0]
    #[arg(long, value_name = "N")]
    pub keep_last: Option<usize>,
    /// Days with backups to keep the newest of [config: backup.keep_daily] [default: 7]
    #[arg(long, value_name = "N")]
    pub keep_daily: Option<usize>,
    /// ISO weeks to keep the newest of [config: backup.keep_weekly] [default: 4]
    #[arg(long, value_name = "N")]
    pub keep_weekly: Option<usize>,
    /// Months to keep the newest of [config: backup.keep_monthly] [default: 12]
    #[arg(long, value_name = "N")]
    pub keep_monthly: Option<usize>,
    /// Years to keep the newest of [config: backup.keep_yearly] [default: 0]
    #[arg(long, value_name = "N")]
    pub keep_yearly: Option<usize>,
    /// Keep every backup newer than the newest one minus DURATION, as restic writes it:
    /// 1y5m7d2h (years, months, days, hours) [config: backup.keep_within]
    #[arg(long, value_name = "DURATION", value_parser = parse_within)]
    pub keep_within: Option<Within>,
}

fn parse_within(s: &str) -> std::result::Result<Within, String> {
    s.parse()
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

/// One schema kept by `restore --keep-old` and what `cleanup --old-schemas` does with it.
#[derive(Debug, Clone, Serialize)]
pub struct OldSchemaRow {
    pub schema: String,
    pub platform: Option<String>,
    pub platform_id: Option<i64>,
    pub kept_at: Option<chrono::DateTime<chrono::Utc>>,
    pub size_bytes: i64,
    /// `drop` (dry run), `dropped` or `failed`.
    pub action: &'static str,
    pub error: Option<String>,
}

impl Tabular for OldSchemaRow {
    fn headers() -> Vec<&'static str> {
        vec!["schema", "platform", "kept", "size", "action", "error"]
    }

    fn row(&self, term: &Term) -> Vec<Cell> {
        let action = match (self.action, term.color) {
            ("failed", true) => Cell::new(self.action).fg(Color::Red),
            (_, true) => Cell::new(self.action).fg(Color::Yellow),
            _ => Cell::new(self.action),
        };
        vec![
            Cell::new(&self.schema),
            Cell::new(self.platform.as_deref().unwrap_or("-")),
            Cell::new(
                self.kept_at
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::new(human_bytes(self.size_bytes)),
            action,
            Cell::new(self.error.as_deref().unwrap_or("")),
        ]
    }
}

impl Cleanup {
    /// `cleanup --old-schemas`: drop what `restore --keep-old` kept, each schema in its own
    /// transaction (waiting at most `lock_timeout` for sessions still reading it).
    async fn old_schemas(&self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let mut rows: Vec<OldSchemaRow> = crate::report::fleet::old_schemas(pool)
            .await?
            .into_iter()
            .map(|o| OldSchemaRow {
                schema: o.schema,
                platform: o.platform,
                platform_id: o.platform_id,
                kept_at: o.kept_at,
                size_bytes: o.size_bytes,
                action: "drop",
                error: None,
            })
            .collect();
        if rows.is_empty() {
            ctx.out.note("no schemas kept by `restore --keep-old`");
            return ctx.out.list(&rows);
        }
        if self.dry_run {
            return ctx.out.list(&rows);
        }
        let total: i64 = rows.iter().map(|r| r.size_bytes).sum();
        ctx.confirm(&format!(
            "drop {} schema{} kept by restore --keep-old ({}: {})? Their data is gone for good",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            human_bytes(total),
            rows.iter()
                .map(|r| r.schema.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .await?;
        let lock_timeout = *ctx.settings().lock_timeout;
        for r in rows.iter_mut() {
            let res = async {
                let schema = crate::db::SchemaName::parse(&r.schema)?;
                let mut tx = pool.begin().await?;
                crate::db::set_lock_timeout(&mut tx, lock_timeout).await?;
                // Never a platform's schema, whatever its name says (issue 27.10); checked
                // again here, under the registry row's lock, in the dropping transaction.
                // language=PostgreSQL
                let live: Option<String> = sqlx::query_scalar(
                    "SELECT name FROM public.platforms WHERE schema_name = $1 FOR SHARE",
                )
                .bind(schema.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(p) = live {
                    return Err(Error::Refused(format!(
                        "schema `{schema}` is platform `{p}`'s schema, not a leftover; not dropped"
                    )));
                }
                // language=PostgreSQL
                let sql = format!("DROP SCHEMA {} CASCADE", schema.sql());
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok::<(), Error>(())
            }
            .await;
            match res {
                Ok(()) => r.action = "dropped",
                Err(e) => {
                    r.action = "failed";
                    r.error = Some(e.to_string());
                }
            }
        }
        ctx.out.list(&rows)?;
        let failed = rows.iter().filter(|r| r.action == "failed").count();
        if failed > 0 {
            return Err(Error::Partial {
                failed,
                total: rows.len(),
            });
        }
        Ok(())
    }

    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        if self.old_schemas {
            return self.old_schemas(ctx).await;
        }
        let s = &ctx.settings().backup;
        let within = match (self.keep_within, &s.keep_within) {
            (Some(w), _) => Some(w),
            (None, Some(text)) => Some(
                text.parse::<Within>()
                    .map_err(|e| Error::Config(format!("backup.keep_within: {e}")))?,
            ),
            (None, None) => None,
        };
        let policy = Policy {
            last: self.keep_last.unwrap_or(s.keep_last),
            daily: self.keep_daily.unwrap_or(s.keep_daily),
            weekly: self.keep_weekly.unwrap_or(s.keep_weekly),
            monthly: self.keep_monthly.unwrap_or(s.keep_monthly),
            yearly: self.keep_yearly.unwrap_or(s.keep_yearly),
            within,
        };
        if policy.keeps_nothing() {
            return Err(Error::Usage(
                "the retention policy keeps nothing (every --keep-* is 0)".into(),
            )
            .hint("keep at least one period, e.g. `--keep-daily 1`"));
        }
        let pool = ctx.registry().await?;
        let selection = self
            .select
            .resolve(pool, &self.platforms, Wanted::WithSchema, "clean up")
            .await?;
        let platforms = store::list(pool)
            .await?
            .into_iter()
            .filter(|p| !p.external && p.schema_name.is_some() && selection.admits(p.id))
            .collect();
        let storage = storage::from_settings(s).await?;
        storage.check_writable().await?;
        let lock = if self.dry_run {
            None
        } else {
            Some(RunLockGuard::try_acquire(pool, RunLock::Backup).await?)
        };
        let res = self.work(ctx, policy, platforms, storage, pool).await;
        if let Some(l) = lock {
            let _ = l.release().await;
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
                    cleanup::plan(
                        storage.as_ref(),
                        Some(p.id),
                        &p.name,
                        schema.as_str(),
                        policy,
                    )
                    .await?,
                ),
                Ok(None) => {}
                // Its backups are never looked for under a name that breaks the rules.
                Err(bad) => {
                    invalid += 1;
                    let mut row = Row::new(
                        Some(p.id),
                        &bad.platform,
                        &bad.schema,
                        "-",
                        None,
                        None,
                        "failed",
                        vec!["invalid schema name".into()],
                    );
                    row.error = Some(bad.error);
                    rows.push(row)
                }
            }
        }
        if self.select.all {
            // Backups of `public` (`backup --public`) follow the same policy.
            rows.extend(cleanup::plan(storage.as_ref(), None, "public", "public", policy).await?);
        }
        let doomed = rows.iter().filter(|r| r.action == "delete").count();
        let leftovers = storage.sweep(LEFTOVER_AGE, true).await?;
        if self.dry_run {
            for l in &leftovers {
                ctx.out.note(&format!("would remove leftover {l}"));
            }
            ctx.out.list_or(&rows, "no backups to keep or delete")?;
            // As the real run would end: the rows it could not handle fail it.
            return partial(&rows, doomed + invalid);
        }
        if doomed > 0 {
            let tenants = rows
                .iter()
                .filter(|r| r.action == "delete")
                .map(|r| &r.schema)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            ctx.confirm(&format!(
                "delete {doomed} backup{} of {tenants} platform{} (policy: {policy})?",
                if doomed == 1 { "" } else { "s" },
                if tenants == 1 { "" } else { "s" },
            ))
            .await?;
            cleanup::execute(storage.as_ref(), pool, &mut rows).await?;
        }
        for l in storage.sweep(LEFTOVER_AGE, false).await? {
            ctx.out.note(&format!("removed leftover {l}"));
        }
        ctx.out.list_or(&rows, "no backups to keep or delete")?;
        partial(&rows, doomed + invalid)
    }
}

/// Exit 3 when some rows failed (a schema name that breaks the rules, a delete that did not
/// happen), with a dry run too: it lists the same failures the real run would end with.
fn partial(rows: &[Row], total: usize) -> Result<()> {
    let failed = rows.iter().filter(|r| r.action == "failed").count();
    if failed > 0 {
        return Err(Error::Partial { failed, total });
    }
    Ok(())
}
