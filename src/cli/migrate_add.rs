//! `tenantctl migrate add NAME`: sqlx-cli's `migrate add -r`, for the tenant migrations folder.
//! The files are written by [`crate::migrate::add`]; this file picks the folder.

use super::Ctx;
use crate::error::{Error, Result};
use crate::migrate::add;
use crate::output::Format;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct Add {
    /// The migration's name: lower-case letters, digits and underscores (e.g. add_posts_index)
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The tenant migrations folder to write into [env: TENANTCTL_TENANT_MIGRATIONS_DIR]
    /// [config: tenant_migrations_dir]
    #[arg(long, visible_alias = "tenant-migrations", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `migrate add --output json`.
#[derive(Debug, Serialize)]
pub struct AddedJson {
    pub version: i64,
    pub up: String,
    pub down: String,
}

impl Add {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        add::validate_name(&self.name)?;
        let Some(dir) = self
            .dir
            .as_ref()
            .or(ctx.settings().tenant_migrations_dir.as_ref())
        else {
            return Err(Error::Usage(
                "no tenant migrations folder is configured: the embedded sample set is in use, and it cannot be changed".into(),
            )
            .hint("set `tenant_migrations_dir` in tenantctl.toml (or TENANTCTL_TENANT_MIGRATIONS_DIR), or pass --dir DIR"));
        };
        let a = add::add(dir, &self.name, chrono::Utc::now())?;
        if ctx.out.format == Format::Json {
            return ctx.out.json(&AddedJson {
                version: a.version,
                up: a.up.display().to_string(),
                down: a.down.display().to_string(),
            });
        }
        ctx.out.line(&a.up.display().to_string())?;
        ctx.out.line(&a.down.display().to_string())?;
        ctx.out.note(&format!(
            "added migration {}; write its SQL, then `tenantctl migrate --dry-run`",
            a.version
        ));
        Ok(())
    }
}
