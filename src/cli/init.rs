//! `tenantctl init`: apply the registry migrations, create the host platform and provision it.
//! On a terminal it is a wizard (see `init_wizard`); `--non-interactive` takes the flags.
//! Idempotent: a second run says what exists and changes nothing.

use super::Ctx;
use super::init_wizard::{self, AddressCheck, Defaults};
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

impl Init {
    /// The wizard's questions, with the flags as initial answers and the addresses in use read
    /// once for the as-you-type check.
    async fn ask(&self, pool: &sqlx::PgPool) -> Result<NewPlatform> {
        let base = {
            let mut conn = pool.acquire().await?;
            store::base_domain(&mut conn, None).await?
        };
        let check = AddressCheck {
            taken: store::list(pool)
                .await?
                .into_iter()
                .filter_map(|p| {
                    p.address(base.as_deref())
                        .map(|a| (a.to_ascii_lowercase(), p.name))
                })
                .collect(),
        };
        let defaults = Defaults {
            name: self.name.clone(),
            domain: self.domain.clone(),
            subdomain: self.subdomain.clone(),
            contact_email: self.contact_email.clone(),
        };
        tokio::task::spawn_blocking(move || init_wizard::ask(&check, &defaults))
            .await
            .map_err(anyhow::Error::from)?
    }
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
        // The wizard takes the flags as initial answers and validates what it is given.
        let wanted = if self.non_interactive && self.name.is_some() {
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
                let w = if self.non_interactive {
                    let Some(w) = wanted else {
                        return Err(Error::Usage(
                            "no host platform yet: pass --name and --domain (or --subdomain)"
                                .into(),
                        ));
                    };
                    w
                } else {
                    self.ask(pool).await?
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
            let what = format!(
                "provisioning {}: schema {}, {} migration(s), {} seed file(s)",
                host.name,
                host.schema_name.as_deref().unwrap_or("-"),
                prov.set.len(),
                prov.seeds.files.len()
            );
            let done = loop {
                let spinner = ctx.out.spinner(&what);
                let out = provision::provision(pool, &prov, &host).await;
                spinner.finish_and_clear();
                match out {
                    Ok(o) => break o,
                    // The wizard offers to try again; the platform exists either way.
                    Err(e) if !self.non_interactive && ctx.term().interactive() => {
                        let msg = provision::cause_chain(&e);
                        let again =
                            tokio::task::spawn_blocking(move || init_wizard::ask_retry(&msg))
                                .await
                                .unwrap_or(false);
                        if !again {
                            return Err(e.hint(format!(
                                "fix the cause, then `tenantctl provision {}` (or `tenantctl init` again)",
                                host.id
                            )));
                        }
                    }
                    Err(e) => return Err(e),
                }
            };
            provisioned = true;
            if let provision::Outcome::Provisioned(p) = &done {
                let d = crate::provision::announce::announce(
                    pool,
                    &crate::notify::Notifier::new(ctx.settings()),
                    ctx.settings(),
                    p,
                    &crate::notify::ProvisionEvent::Completed,
                )
                .await;
                super::provision::note_failed_deliveries(ctx, &d);
            }
            done.platform().clone()
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
