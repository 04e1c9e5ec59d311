//! `tenantctl platform delete`: drop a platform's schema and its registry row (the SQL is
//! `registry::store::delete`).

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::registry::store;
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct Delete {
    /// The platform, by name or id
    #[arg(value_name = "NAME|ID")]
    pub platform: String,
}

/// `platform delete --output json`.
#[derive(Debug, Serialize)]
pub struct Deleted {
    #[serde(rename = "platform_id")]
    pub id: i64,
    #[serde(rename = "platform")]
    pub name: String,
    #[serde(rename = "schema")]
    pub schema_name: Option<String>,
    /// Whether a schema existed and was dropped.
    pub schema_dropped: bool,
}

impl Delete {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let p = store::find(pool, &self.platform).await?;
        if p.host {
            return Err(Error::Refused(format!(
                "platform `{}` is the host platform; it cannot be deleted",
                p.name
            )));
        }
        // A schema name that breaks the rules (edited by hand) is never used in SQL: only the
        // registry row goes.
        let (schema, what) = match p.tenant_schema() {
            Ok(Some(s)) => {
                let what = format!(
                    "delete platform `{}` and drop its schema `{s}` with all its data",
                    p.name
                );
                (Some(s), what)
            }
            Ok(None) => (None, format!("delete the external platform `{}`", p.name)),
            Err(bad) => (
                None,
                format!(
                    "delete the registry row of platform `{}` ({}; no schema is dropped)",
                    p.name, bad.error
                ),
            ),
        };
        ctx.confirm(&what).await?;
        let dropped = store::delete(pool, &p, schema.as_ref()).await?;
        let detail = serde_json::json!({"schema": p.schema_str(), "schema_dropped": dropped});
        crate::cli::console::record(pool, ctx, "platform.delete", Some((p.id, &p.name)), detail)
            .await;
        let out = Deleted {
            id: p.id,
            name: p.name.clone(),
            schema_name: p.schema_str().map(str::to_string),
            schema_dropped: dropped,
        };
        ctx.out.one(&out, || {
            format!(
                "deleted platform `{}`{}",
                out.name,
                if dropped {
                    format!(
                        " and dropped schema {}",
                        out.schema_name.as_deref().unwrap_or("-")
                    )
                } else {
                    String::new()
                }
            )
        })
    }
}
