//! `tenantctl migrate`: registry migrations first, then the tenant migrations.

use super::Ctx;
use crate::db;
use crate::error::{Error, Result};
use crate::migrate::{self, MigrationSet};
use crate::registry::{ProvisionStatus, migrations, store};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct Migrate {
    /// Only the registry migrations (public.platforms and the tenantctl schema)
    #[arg(long, conflicts_with = "tenants_only")]
    pub registry_only: bool,
    /// Only the tenant migrations
    #[arg(long)]
    pub tenants_only: bool,
    /// Directory of tenant migrations [config: tenant_migrations_dir] [default: the embedded
    /// sample set]
    #[arg(long, value_name = "DIR")]
    pub tenant_migrations: Option<PathBuf>,
}

impl Migrate {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.pool().await?;
        if !self.tenants_only {
            let applied = migrations::run(pool).await?;
            ctx.out.note(&format!(
                "registry: {}",
                if applied.is_empty() {
                    "up to date".to_string()
                } else {
                    format!("applied {}", applied.len())
                }
            ));
        }
        if self.registry_only {
            return Ok(());
        }
        migrations::ensure_current(pool).await?;
        let dir = self
            .tenant_migrations
            .as_ref()
            .or(ctx.settings().tenant_migrations_dir.as_ref());
        let set = MigrationSet::load(dir).await?;
        let ext = db::extension_schema(ctx.settings())?;
        let platforms = store::list_by_status(pool, ProvisionStatus::Completed).await?;
        let mut failed = 0;
        let mut total = 0;
        for p in platforms.iter().filter(|p| !p.external) {
            total += 1;
            let schema = p.require_schema()?;
            let mut tx = db::begin_tenant(pool, &schema, ext.as_ref()).await?;
            match migrate::apply_pending(&mut tx, &schema, &set).await {
                Ok(v) => {
                    tx.commit().await?;
                    ctx.out.note(&format!("{}: applied {}", p.name, v.len()));
                }
                Err(e) => {
                    failed += 1;
                    ctx.out.note(&format!("{}: failed: {e}", p.name));
                }
            }
        }
        if failed > 0 {
            return Err(Error::Partial { failed, total });
        }
        Ok(())
    }
}
