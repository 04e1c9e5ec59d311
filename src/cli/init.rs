//! `tenantctl init`: apply the registry migrations, create the host platform and provision it.
//! On a terminal it is a wizard (see `init_wizard`); `--non-interactive` takes the flags.
//! Idempotent: a second run says what exists and changes nothing.

use super::Ctx;
use super::init_wizard::{self, AddressCheck, Defaults};
use super::platform::PlatformView;
use crate::error::{Error, Result};
use crate::provision::{self, OnFailure, Provisioner};
use crate::registry::store::{self, NewPlatform, PlatformInput};
use crate::registry::{Platform, ProvisionStatus, migrations};
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

impl Init {
    /// When `--domain` or `--subdomain` asks for another address than the existing host
    /// platform's: a warning saying what differs and the command that changes it (init itself
    /// never moves a platform).
    fn address_differs(&self, h: &Platform) -> Result<Option<String>> {
        let domain = match &self.domain {
            Some(d) => Some(crate::rules::naming::normalize_domain(d)?),
            None => None,
        };
        if let Some(s) = &self.subdomain {
            crate::rules::naming::validate_subdomain(s)?;
        }
        let mut differs = Vec::new();
        if let Some(d) = &domain
            && h.domain.as_deref() != Some(d.as_str())
        {
            differs.push(format!(
                "its domain is `{}`, not `{d}` (--domain)",
                h.domain.as_deref().unwrap_or("(none)")
            ));
        }
        if let Some(s) = &self.subdomain
            && h.subdomain.as_deref() != Some(s.as_str())
        {
            differs.push(format!(
                "its subdomain is `{}`, not `{s}` (--subdomain)",
                h.subdomain.as_deref().unwrap_or("(none)")
            ));
        }
        if differs.is_empty() {
            return Ok(None);
        }
        let new_domain = domain.or_else(|| h.domain.clone());
        let new_sub = self.subdomain.clone().or_else(|| h.subdomain.clone());
        let fix = match new_domain {
            Some(d) => {
                let mut cmd = format!(
                    "tenantctl platform set-domain {} --domain {}",
                    shell_word(&h.name),
                    shell_word(&d)
                );
                if let Some(s) = new_sub {
                    cmd.push_str(&format!(" --subdomain {}", shell_word(&s)));
                }
                format!("to move it, run `{cmd}`")
            }
            None => "to move it, run `tenantctl platform set-domain` with its new --domain".into(),
        };
        Ok(Some(format!(
            "warning: the host platform `{}` exists already and init does not change it: {}; {fix}",
            h.name,
            differs.join(", ")
        )))
    }
}

/// `word` as one shell word: as is when it is plain, else single-quoted.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,:/@+=".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// What `init` did, for `--output json`.
#[derive(Debug, Serialize)]
pub struct InitReport {
    pub registry_migrations_applied: Vec<i64>,
    pub host_created: bool,
    pub host_provisioned: bool,
    /// What init did about PUBLIC's CREATE on schema `public` (issue 27.7): `revoked`, `kept`
    /// (tenantctl's role may not revoke it; `doctor` says how), or `none` (not granted).
    pub public_create: &'static str,
    pub host: PlatformView,
}

impl Init {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let wanted = self.check_input(ctx)?;
        let pool = ctx.pool().await?;
        let applied = migrations::run(pool).await?;
        if let Some(role) = &ctx.settings().jobs.enqueue_role {
            crate::jobs::queue::grant_enqueue(pool, role).await?;
        }
        let public_create = crate::doctor::close_public_create(pool).await?;
        let (host, created) = self.find_or_create_host(ctx, pool, wanted).await?;
        let (host, provisioned) = self.provision_host(ctx, pool, host).await?;
        let base = ctx.base_domain().await?;
        let report = InitReport {
            registry_migrations_applied: applied,
            host_created: created,
            host_provisioned: provisioned,
            public_create,
            host: PlatformView::new(host, base.as_deref(), ctx.settings()),
        };
        ctx.out.one(&report, || report.text())
    }

    /// Refuse to run without a terminal to ask on unless `--non-interactive`, and validate the
    /// flags before the database is touched. `Some`: the host platform the flags describe
    /// (`--non-interactive` with `--name`); the wizard takes the flags as initial answers and
    /// validates what it is given.
    fn check_input(&self, ctx: &Ctx) -> Result<Option<NewPlatform>> {
        if !self.non_interactive && !ctx.term().interactive() {
            return Err(Error::Usage(
                "no terminal to ask on: pass --non-interactive with --name and --domain (or --subdomain)".into(),
            ));
        }
        if !self.non_interactive {
            return Ok(None);
        }
        if let Some(d) = &self.domain {
            crate::rules::naming::normalize_domain(d)?;
        }
        if let Some(s) = &self.subdomain {
            crate::rules::naming::validate_subdomain(s)?;
        }
        if self.name.is_none() {
            return Ok(None);
        }
        Ok(Some(NewPlatform::validate(PlatformInput {
            name: self.name.clone().unwrap_or_default(),
            subdomain: self.subdomain.clone(),
            domain: self.domain.clone(),
            host: true,
            contact_email: self.contact_email.clone(),
            ..PlatformInput::default()
        })?))
    }

    /// The host platform as it exists (with a warning where the flags ask for another name or
    /// address: init never changes it), or a new one from the flags or the wizard. `true`:
    /// created now.
    async fn find_or_create_host(
        &self,
        ctx: &Ctx,
        pool: &sqlx::PgPool,
        wanted: Option<NewPlatform>,
    ) -> Result<(Platform, bool)> {
        let existing = {
            let mut conn = pool.acquire().await?;
            store::host(&mut conn).await?
        };
        if let Some(h) = existing {
            if let Some(w) = &wanted
                && !w.name.eq_ignore_ascii_case(&h.name)
            {
                ctx.out.note(&format!(
                    "warning: the host platform is `{}` already; --name `{}` ignored",
                    h.name, w.name
                ));
            }
            if let Some(text) = self.address_differs(&h)? {
                ctx.out.note(&text);
            }
            return Ok((h, false));
        }
        let w = if self.non_interactive {
            wanted.ok_or_else(|| {
                Error::Usage(
                    "no host platform yet: pass --name and --domain (or --subdomain)".into(),
                )
            })?
        } else {
            self.ask(pool).await?
        };
        let created = store::create(
            pool,
            &w,
            ctx.settings().base_domain.as_deref(),
            store::Claims::new(ctx.settings()),
        )
        .await?;
        Ok((created, true))
    }

    /// Provision the host platform unless it is completed; after a failure on a terminal, the
    /// wizard offers to try again (the platform exists either way). `true`: provisioned now.
    async fn provision_host(
        &self,
        ctx: &Ctx,
        pool: &sqlx::PgPool,
        host: Platform,
    ) -> Result<(Platform, bool)> {
        if host.provision_status == ProvisionStatus::Completed {
            return Ok((host, false));
        }
        let prov = Provisioner::from_settings(ctx.settings()).await?;
        let what = format!(
            "provisioning {}: schema {}, {} migration(s), {} seed file(s)",
            host.name,
            host.schema_str().unwrap_or("-"),
            prov.set.len(),
            prov.seeds.files.len()
        );
        loop {
            let spinner = ctx.out.spinner(&what);
            // NOTE: quiet on failure: init has never announced one (its wizard may try again).
            let attempted =
                provision::provision_now(pool, &prov, ctx.settings(), &host, OnFailure::Quiet)
                    .await;
            spinner.finish_and_clear();
            ctx.note_failed_deliveries(&attempted.deliveries);
            match attempted.result {
                Ok(done) => return Ok((done.platform().clone(), true)),
                Err(e) if !self.non_interactive && ctx.term().interactive() => {
                    let msg = crate::error::cause_chain(&e);
                    let again = tokio::task::spawn_blocking(move || init_wizard::ask_retry(&msg))
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
        }
    }
}

impl InitReport {
    /// The human summary: what changed, or that nothing did.
    fn text(&self) -> String {
        let h = &self.host;
        let mut lines = Vec::new();
        if self.registry_migrations_applied.is_empty() {
            lines.push("registry: up to date".to_string());
        } else {
            lines.push(format!(
                "registry: applied {} migration(s)",
                self.registry_migrations_applied.len()
            ));
        }
        if self.host_created {
            lines.push(format!("host platform `{}` created", h.platform.name));
        } else {
            lines.push(format!(
                "host platform `{}` exists already",
                h.platform.name
            ));
        }
        if self.host_provisioned {
            lines.push(format!(
                "schema {} provisioned",
                h.platform.schema_str().unwrap_or("-")
            ));
        }
        match self.public_create {
            "revoked" => lines.push(
                "revoked CREATE on schema public from PUBLIC (granted to every role by PostgreSQL 14 and older: any role could plant functions there, CVE-2018-1058)".into(),
            ),
            "kept" => lines.push(
                "warning: every role may CREATE in schema public and tenantctl's role may not revoke it: run `REVOKE CREATE ON SCHEMA public FROM PUBLIC` as the database owner (see `tenantctl doctor`)".into(),
            ),
            _ => {}
        }
        if !self.host_created
            && !self.host_provisioned
            && self.registry_migrations_applied.is_empty()
            && self.public_create != "revoked"
        {
            lines.push("nothing changed".into());
        }
        if let Some(url) = &h.link {
            lines.push(format!("served at {url}"));
        }
        lines.join("\n")
    }
}
