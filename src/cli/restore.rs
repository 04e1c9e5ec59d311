//! `tenantctl restore NAME [--backup ID | --latest] [--keep-old]`: replace a platform's schema
//! with one of its backups, atomically.

use super::Ctx;
use crate::backup::manifest;
use crate::backup::restore::Restorer;
use crate::backup::storage;
use crate::error::{Error, Result};
use crate::output::{duration, human_bytes};
use crate::registry::store;
use chrono::Utc;
use clap::Args;

#[derive(Debug, Args)]
pub struct Restore {
    /// The platform, by name or id
    #[arg(value_name = "NAME|ID")]
    pub platform: String,
    /// The backup to restore (`tenantctl backup list NAME` shows them)
    #[arg(long, value_name = "ID", conflicts_with = "latest")]
    pub backup: Option<String>,
    /// The newest backup (the default)
    #[arg(long)]
    pub latest: bool,
    /// Keep the replaced schema under a new name (printed) instead of dropping it
    #[arg(long)]
    pub keep_old: bool,
    /// On Citus: the worker to restore the tenant onto [default: the node it is on, or the
    /// one its backup records]
    #[arg(long, value_name = "HOST:PORT")]
    pub node: Option<String>,
}

impl Restore {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        if let Some(id) = &self.backup {
            manifest::validate_id(id)?;
        }
        if let Some(node) = &self.node
            && crate::db::citus::parse_node(node).is_none()
        {
            return Err(Error::Usage(format!(
                "`--node {node}` is not HOST:PORT (a worker as `SELECT * FROM citus_get_active_worker_nodes()` lists it)"
            )));
        }
        let pool = ctx.registry().await?;
        if let Some(node) = &self.node {
            check_node(pool, node).await?;
        }
        let p = store::find(pool, &self.platform).await?;
        if p.external {
            return Err(Error::Usage(format!(
                "platform `{}` is external: it has no schema to restore",
                p.name
            )));
        }
        let schema = p.require_schema()?;
        let storage = storage::from_settings(&ctx.settings().backup).await?;
        storage.check().await?;
        let m = manifest::pick(storage.as_ref(), schema.as_str(), self.backup.as_deref()).await?;
        let mut restorer = Restorer::from_settings(pool, storage.clone(), ctx.settings()).await?;
        restorer.node = self.node.clone();
        // A backup newer than what reads it is refused before the question (and again by
        // `Restorer::restore`, for library callers).
        restorer.check_versions(&m).await?;
        // On Citus, a worker that is down fails it here, named, before the plan is shown.
        restorer.check_node(schema.as_str()).await?;

        // What will be lost, before asking.
        let name = schema.as_str().to_string();
        let current = if crate::db::schema_exists(pool, &schema).await? {
            let sizes =
                crate::backup::dump::schema_sizes(pool, std::slice::from_ref(&name)).await?;
            Some(sizes.get(&name).copied().flatten())
        } else {
            None
        };
        let now = Utc::now();
        ctx.out.note(&format!(
            "backup {} of `{}` (schema {}): taken {} UTC, {} ago; {}, {} tables, {} rows, migration {}",
            m.id,
            p.name,
            schema,
            m.taken_at.format("%Y-%m-%d %H:%M:%S"),
            duration::age(now - m.taken_at),
            human_bytes(m.size_bytes as i64),
            m.row_counts.len(),
            m.total_rows(),
            m.migration_version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "none".into())
        ));
        match current {
            Some(size) => ctx.out.note(&format!(
                "it replaces the current schema ({} now; last backup {}): every change since {} UTC is lost{}",
                size.map(human_bytes).unwrap_or_else(|| "size unknown: a table is locked".into()),
                p.last_backup_at
                    .map(|t| format!("{} ago", duration::age(now - t)))
                    .unwrap_or_else(|| "never".into()),
                m.taken_at.format("%Y-%m-%d %H:%M:%S"),
                if self.keep_old {
                    "; the current schema is kept under a new name"
                } else {
                    ""
                }
            )),
            None => ctx.out.note(&format!(
                "schema {schema} does not exist now; it is created from the backup"
            )),
        }
        ctx.confirm(&format!("restore `{}` from backup {}?", p.name, m.id))
            .await?;

        let spinner = ctx
            .out
            .spinner(&format!("restoring {} from {}", p.name, m.id));
        let res = restorer.restore(&p, &m, self.keep_old).await;
        spinner.finish_and_clear();
        let report = res?;
        let detail = serde_json::json!({"backup": m.id, "keep_old": self.keep_old});
        super::console::record(pool, ctx, "platform.restore", Some((p.id, &p.name)), detail).await;
        // The schema is now at the backup's migration version: newer migrations are pending.
        if let Ok(set) =
            crate::migrate::MigrationSet::load(ctx.settings().tenant_migrations_dir.as_ref()).await
            && let Some(newest) = set.ups().map(|m| m.version).max()
            && m.migration_version.is_none_or(|v| v < newest)
        {
            ctx.out.note(&format!(
                "the restored schema is at migration {}, the migration set at {newest}: run `tenantctl migrate`",
                m.migration_version
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "none".into())
            ));
        }
        ctx.out.one(&report, || {
            let mut s = format!(
                "restored `{}` from backup {} ({} tables, {} rows) in {}",
                report.platform_name,
                report.backup_id,
                report.tables,
                report.rows,
                duration::elapsed_ms(report.duration_ms)
            );
            if let Some(node) = &report.node {
                s.push_str(&format!("\nthe tenant is distributed, on worker {node}"));
            }
            if let Some(old) = &report.kept_old_as {
                s.push_str(&format!(
                    "\nthe replaced schema is kept as {old}; drop it with `DROP SCHEMA {old} CASCADE` when done"
                ));
            }
            s
        })
    }
}

/// `--node` names a worker of the cluster, and the database has Citus: otherwise a usage error
/// (exit 2), before anything changes.
async fn check_node(pool: &sqlx::PgPool, node: &str) -> Result<()> {
    if !crate::db::citus::present() {
        return Err(Error::Usage(format!(
            "`--node {node}` needs Citus, and the database has no `citus` extension"
        )));
    }
    let mut conn = pool.acquire().await?;
    let workers = crate::db::citus::workers(&mut conn).await?;
    if !workers.iter().any(|w| w == node) {
        return Err(Error::Usage(format!(
            "node `{node}` is not a worker of the cluster (workers: {})",
            if workers.is_empty() {
                "none".to_string()
            } else {
                workers.join(", ")
            }
        )));
    }
    Ok(())
}
