//! `tenantctl provision NAME|ID`: provision a platform's schema synchronously.

use super::Ctx;
use super::platform::PlatformView;
use crate::error::Result;
use crate::provision::{self, Outcome, Provisioner};
use crate::registry::store;
use clap::Args;

#[derive(Debug, Args)]
pub struct Provision {
    /// The platform, by name or id
    #[arg(value_name = "NAME|ID")]
    pub platform: String,
}

impl Provision {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let platform = store::find(pool, &self.platform).await?;
        let prov = Provisioner::from_settings(ctx.settings()).await?;
        let spinner = ctx.out.spinner(&format!("provisioning {}", platform.name));
        let outcome = provision::provision(pool, &prov, &platform).await;
        spinner.finish_and_clear();
        let outcome = outcome?;
        let base = ctx.base_domain().await?;
        let view = PlatformView::new(outcome.platform().clone(), base.as_deref(), ctx.settings());
        ctx.out.one(&view, || match &outcome {
            Outcome::Provisioned(p) => format!(
                "provisioned `{}` (schema {}){}",
                p.name,
                p.schema_name.as_deref().unwrap_or("-"),
                view.link
                    .as_deref()
                    .map(|u| format!(", served at {u}"))
                    .unwrap_or_default()
            ),
            Outcome::AlreadyCompleted(p) => {
                format!("`{}` is already provisioned; nothing changed", p.name)
            }
        })
    }
}
