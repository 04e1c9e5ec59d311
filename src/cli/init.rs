//! `tenantctl init`: apply the registry migrations, create the host platform and provision it.
//! Idempotent: a second run says what exists and changes nothing.

use super::Ctx;
use super::platform::PlatformView;
use crate::error::{Error, Result};
use crate::provision::{self, Provisioner};
use crate::registry::store::{self, NewPlatform, PlatformInput};
use crate::registry::{ProvisionStatus, migrations};
use clap::Args;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct Init {
    /// Take every answer from the flags; never prompt (CI, scripts)
    #[arg(long)]
    pub non_interactive: bool,
    /// Name of the host platform
    #[arg(long)]
    pub name: Option<String>,
    /// Domain of the host platform (the parent of tenants' subdomains)
    #[arg(long)]
    pub domain: Option<String>,
    /// Subdomain of the host platform (under --domain or `base_domain`)
    #[arg(long)]
    pub subdomain: Option<String>,
    /// Address for provisioning notifications
    #[arg(long, value_name = "EMAIL")]
    pub contact_email: Option<String>,
}

/// What `init` did, for `--output json`.
#[derive(Debug, Serialize)]
pub struct InitReport {
    pub registry_migrations_applied: Vec<i64>,
    pub host_created: bool,
    pub host_provisioned: bool,
    pub host: PlatformView,
}

impl Init {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        if !self.non_interactive && !ctx.term().interactive() {
            return Err(Error::Usage(
                "no terminal to ask on: pass --non-interactive with --name and --domain (or --subdomain)".into(),
            ));
        }
        // Validate what we were given before touching the database.
        let input = PlatformInput {
            name: self.name.clone().unwrap_or_default(),
            subdomain: self.subdomain.clone(),
            domain: self.domain.clone(),
            host: true,
            contact_email: self.contact_email.clone(),
            ..PlatformInput::default()
        };
        let wanted = if self.name.is_some() {
            Some(NewPlatform::validate(input)?)
        } else {
            None
        };
        let pool = ctx.pool().await?;
        let applied = migrations::run(pool).await?;
        let existing = {
            let mut conn = pool.acquire().await?;
            store::host(&mut conn).await?
        };
        let (host, created) = match existing {
            Some(h) => {
                if let Some(w) = &wanted
                    && !w.name.eq_ignore_ascii_case(&h.name)
                {
                    ctx.out.note(&format!(
                        "warning: the host platform is `{}` already; --name `{}` ignored",
                        h.name, w.name
                    ));
                }
                (h, false)
            }
            None => {
                let Some(w) = wanted else {
                    return Err(Error::Usage(
                        "no host platform yet: pass --name and --domain (or --subdomain)".into(),
                    ));
                };
                (
                    store::create(pool, &w, ctx.settings().base_domain.as_deref()).await?,
                    true,
                )
            }
        };
        let mut provisioned = false;
        let host = if host.provision_status == ProvisionStatus::Completed {
            host
        } else {
            let prov = Provisioner::from_settings(ctx.settings()).await?;
            let spinner = ctx.out.spinner(&format!("provisioning {}", host.name));
            let out = provision::provision(pool, &prov, &host).await;
            spinner.finish_and_clear();
            provisioned = true;
            out?.platform().clone()
        };
        let base = ctx.base_domain().await?;
        let report = InitReport {
            registry_migrations_applied: applied,
            host_created: created,
            host_provisioned: provisioned,
            host: PlatformView::new(host, base.as_deref(), ctx.settings()),
        };
        ctx.out.one(&report, || {
            let h = &report.host;
            let mut lines = Vec::new();
            if report.registry_migrations_applied.is_empty() {
                lines.push("registry: up to date".to_string());
            } else {
                lines.push(format!(
                    "registry: applied {} migration(s)",
                    report.registry_migrations_applied.len()
                ));
            }
            if report.host_created {
                lines.push(format!("host platform `{}` created", h.platform.name));
            } else {
                lines.push(format!(
                    "host platform `{}` exists already",
                    h.platform.name
                ));
            }
            if report.host_provisioned {
                lines.push(format!(
                    "schema {} provisioned",
                    h.platform.schema_name.as_deref().unwrap_or("-")
                ));
            }
            if !report.host_created
                && !report.host_provisioned
                && report.registry_migrations_applied.is_empty()
            {
                lines.push("nothing changed".into());
            }
            if let Some(url) = &h.link {
                lines.push(format!("served at {url}"));
            }
            lines.join("\n")
        })
    }
}
