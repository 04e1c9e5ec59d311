//! `tenantctl provision NAME|ID`: provision a platform's schema synchronously.
//! `tenantctl provision pool --size N`: keep N spare schemas ready for instant creation.

use super::Ctx;
use super::platform::PlatformView;
use crate::error::{Error, Result};
use crate::provision::{self, OnFailure, ProvisionOutcome, Provisioner, pool};
use crate::registry::store;
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Provision {
    /// The platform, by name or id (a platform named `pool`: give its id)
    #[arg(value_name = "NAME|ID", required = true)]
    pub platform: Option<String>,
    #[command(subcommand)]
    pub sub: Option<ProvisionSub>,
}

#[derive(Debug, Subcommand)]
pub enum ProvisionSub {
    /// Keep N spare schemas migrated and seeded with neutral data, so `platform create` claims
    /// one by renaming it (ready in milliseconds); the worker refills the pool
    Pool(PoolArgs),
}

#[derive(Debug, Args)]
pub struct PoolArgs {
    /// Spare schemas to keep: missing ones are built, extra ones dropped, old ones migrated
    /// [config: provision.pool_size] [default: 0]
    #[arg(long, value_name = "N")]
    pub size: Option<usize>,
}

impl Provision {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        match (self.sub, self.platform) {
            (Some(ProvisionSub::Pool(p)), _) => p.run(ctx).await,
            (None, Some(name)) => provision_now(ctx, &name).await,
            (None, None) => Err(Error::Usage("name the platform to provision".into())),
        }
    }
}

async fn provision_now(ctx: &Ctx, key: &str) -> Result<()> {
    let pool = ctx.registry().await?;
    crate::registry::tenants::check_subcommand_typo(
        pool,
        std::slice::from_ref(&key.to_string()),
        "provision",
        &crate::registry::tenants::subcommand_names::<ProvisionSub>(),
    )
    .await?;
    let platform = store::find(pool, key).await?;
    let prov = Provisioner::from_settings(ctx.settings()).await?;
    let spinner = ctx.out.spinner(&format!("provisioning {}", platform.name));
    let attempted =
        provision::provision_now(pool, &prov, ctx.settings(), &platform, OnFailure::Announce).await;
    spinner.finish_and_clear();
    ctx.note_failed_deliveries(&attempted.deliveries);
    let outcome = attempted.result?;
    let base = ctx.base_domain().await?;
    let view = PlatformView::new(outcome.platform().clone(), base.as_deref(), ctx.settings());
    ctx.out.one(&view, || match &outcome {
        ProvisionOutcome::Provisioned(p) => format!(
            "provisioned `{}` (schema {}){}",
            p.name,
            p.schema_str().unwrap_or("-"),
            view.link
                .as_deref()
                .map(|u| format!(", served at {u}"))
                .unwrap_or_default()
        ),
        ProvisionOutcome::AlreadyCompleted(p) => {
            format!("`{}` is already provisioned; nothing changed", p.name)
        }
    })
}

impl PoolArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let size = self.size.unwrap_or(ctx.settings().provision.pool_size);
        let db = ctx.registry().await?;
        let prov = Provisioner::from_settings(ctx.settings()).await?;
        let spinner = ctx.out.spinner(&format!("filling the warm pool to {size}"));
        let report = pool::fill(db, &prov, size).await;
        spinner.finish_and_clear();
        let report = report?;
        ctx.out.one(&report, || {
            format!(
                "warm pool: {} spare schema(s) ready ({} built, {} migrated, {} dropped)",
                report.ready, report.created, report.migrated, report.dropped
            )
        })
    }
}
