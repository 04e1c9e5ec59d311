//! `tenantctl platform ...`: create, list, show and change platforms in the registry; `retry`
//! and `delete` have files of their own.

mod delete;
mod retry;

pub use delete::{Delete, Deleted};
pub use retry::Retry;

use super::Ctx;
use crate::config::Settings;
use crate::error::Result;
use crate::output::{Out, Tabular, Term, duration, human_bytes};
use crate::registry::domains::DomainStatus;
use crate::registry::store::{self, NewPlatform, PlatformInput};
use crate::registry::{Platform, ProvisionStatus};
use chrono::Utc;
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{Cell, Color};
use serde::{Deserialize, Serialize};

#[derive(Debug, Subcommand)]
pub enum PlatformCmd {
    /// Register a new platform (its schema name is generated unless --schema is given)
    Create(Create),
    /// List platforms with their address, schema, status, last backup and size
    List(List),
    /// Show one platform in full, with its domain history
    Show(Show),
    /// Change where a platform is served; a custom domain once it is proven (served at the
    /// old address until then); the old address redirects for `domain_redirect_days` (30) days
    SetDomain(SetDomain),
    /// Free an old address before its redirect window ends, so another platform can take it
    /// (its redirect stops)
    ReleaseDomain(ReleaseDomain),
    /// Queue the provisioning of failed or stuck platforms again
    Retry(Retry),
    /// Delete a platform: drop its schema and its registry row in one transaction
    Delete(Delete),
    /// Put a platform in maintenance (serve answers 503, no request touches its schema) or
    /// take it out
    Maintenance(Maintenance),
    /// Check now that a platform owns its custom domain (a TXT record, or the token on the
    /// owner's web server), and the address it waits to move to; serve routes a custom domain
    /// only while it is verified
    VerifyDomain(VerifyDomain),
    /// Citus: move a platform's schema to another node (served throughout; 503 with --block-writes)
    Move(super::placement::Move),
}

impl PlatformCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            PlatformCmd::Create(c) => c.run(ctx).await,
            PlatformCmd::List(c) => c.run(ctx).await,
            PlatformCmd::Show(c) => c.run(ctx).await,
            PlatformCmd::SetDomain(c) => c.run(ctx).await,
            PlatformCmd::ReleaseDomain(c) => c.run(ctx).await,
            PlatformCmd::Retry(c) => c.run(ctx).await,
            PlatformCmd::Delete(c) => c.run(ctx).await,
            PlatformCmd::Maintenance(c) => c.run(ctx).await,
            PlatformCmd::VerifyDomain(c) => c.run(ctx).await,
            PlatformCmd::Move(c) => c.run(ctx).await,
        }
    }
}

/// A platform as the commands print it: every registry field, plus where it is served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformView {
    #[serde(flatten)]
    pub platform: Platform,
    /// The host name it is served at (`sub.domain`, `domain`, or `sub.<base domain>`).
    pub address: Option<String>,
    /// The link to it (`url_scheme://address/`), or its own URL for external platforms.
    pub link: Option<String>,
    /// Whether `status` calls its backup stale (completed platforms only): the last backup, or
    /// its provisioning when it has none, is older than `status.backup_warn_age` (24 h).
    pub backup_stale: bool,
    /// Whether it has been `provisioning` longer than `provision.stuck_after` (its run died;
    /// `platform retry` recovers it).
    #[serde(default)]
    pub stuck: bool,
    /// On Citus (absent without it): the `host:port` of the node holding its distributed
    /// schema; null when the schema is local to the coordinator (or there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<Option<String>>,
    /// For a custom domain, with `domains.verify` (absent otherwise): `verified`, `failing`
    /// (proof missing, still served during `domains.lost_after`), `lost` or `unverified` (not
    /// served).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_status: Option<DomainStatus>,
    /// The address it moves to once that is proven (`platform set-domain`); it is served at
    /// `address` until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_address: Option<String>,
}

impl PlatformView {
    pub fn new(platform: Platform, base: Option<&str>, settings: &Settings) -> PlatformView {
        let address = platform.address(base);
        let link = match (&platform.url, &address) {
            (Some(u), _) if platform.external => Some(u.clone()),
            (_, Some(a)) => Some(format!("{}://{a}/", settings.url_scheme)),
            (Some(u), None) => Some(u.clone()),
            (None, None) => None,
        };
        let backup_stale = !platform.external
            && platform.provision_status == ProvisionStatus::Completed
            && crate::report::builtin::backup_state_of(
                platform.last_backup_at,
                platform.provisioned_at.unwrap_or(platform.created_at),
                Utc::now(),
                *settings.status.backup_warn_age,
                *settings.status.backup_crit_age,
            ) != crate::report::builtin::BackupState::Ok;
        let stuck = platform.provision_status == ProvisionStatus::Provisioning
            && (Utc::now() - platform.updated_at)
                .to_std()
                .is_ok_and(|age| age > *settings.provision.stuck_after);
        PlatformView {
            platform,
            address,
            link,
            backup_stale,
            stuck,
            node: None,
            domain_status: None,
            pending_address: None,
        }
    }

    /// The address cell: the address, marked when its domain is not proven (or lost).
    /// `url`: show an external platform's URL when it has no address.
    fn address_cell(&self, term: &Term, url: bool) -> Cell {
        let shown = self
            .address
            .as_deref()
            .or(self.platform.url.as_deref().filter(|_| url))
            .unwrap_or("-");
        let pending = self
            .pending_address
            .as_ref()
            .map(|a| format!(" (moving to {a} once proven)"))
            .unwrap_or_default();
        match self.domain_status {
            Some(s @ (DomainStatus::Unverified | DomainStatus::Lost)) => colored(
                term,
                format!("! {shown} ({s}: not served){pending}"),
                Color::Red,
            ),
            Some(DomainStatus::Failing) => colored(
                term,
                format!("! {shown} (proof failing){pending}"),
                Color::Yellow,
            ),
            _ if !pending.is_empty() => colored(term, format!("{shown}{pending}"), Color::Yellow),
            _ => Cell::new(shown),
        }
    }
}

/// Fill in each view's domain status and pending address (see [`PlatformView`]).
pub async fn attach_domains(
    pool: &sqlx::PgPool,
    settings: &Settings,
    base: Option<&str>,
    views: &mut [PlatformView],
) -> Result<()> {
    if !settings.domains.verify {
        return Ok(());
    }
    let all = crate::registry::domains::all(pool).await?;
    for v in views {
        let p = &v.platform;
        v.pending_address = all
            .iter()
            .find(|c| c.platform_id == p.id && c.pending)
            .map(|c| c.domain.clone());
        v.domain_status = v.address.as_deref().and_then(|a| {
            if !crate::registry::domains::needs_verification(p, a, base) {
                return None;
            }
            Some(
                all.iter()
                    .find(|c| c.platform_id == p.id && !c.pending && c.domain == a)
                    .map_or(DomainStatus::Unverified, |c| c.status()),
            )
        });
    }
    Ok(())
}

/// On Citus, fill in each view's node (see [`PlatformView::node`]); nothing without it.
pub async fn attach_nodes(pool: &sqlx::PgPool, views: &mut [PlatformView]) -> Result<()> {
    if !crate::db::citus::present() {
        return Ok(());
    }
    let placed = {
        let mut conn = pool.acquire().await?;
        crate::placement::node_by_schema(&mut conn).await?
    };
    for v in views {
        v.node = Some(
            v.platform
                .schema_str()
                .and_then(|s| placed.get(s))
                .map(ToString::to_string),
        );
    }
    Ok(())
}

/// The schema cell: the schema, and on Citus the node it is on (`@ host:port`, or
/// `(coordinator)` for a local schema).
fn schema_cell(v: &PlatformView) -> String {
    let schema = v.platform.schema_str().unwrap_or("-");
    match (&v.node, &v.platform.schema_name) {
        (Some(Some(node)), _) => format!("{schema} @ {node}"),
        (Some(None), Some(_)) => format!("{schema} (coordinator)"),
        _ => schema.to_string(),
    }
}

/// `maintenance 2h 5m` (how long, when known).
fn maintenance_age(p: &Platform) -> String {
    match p.maintenance_since {
        Some(t) => format!("maintenance {}", duration::age(Utc::now() - t)),
        None => "maintenance".into(),
    }
}

fn status_color(s: ProvisionStatus) -> Color {
    match s {
        ProvisionStatus::Pending => Color::Yellow,
        ProvisionStatus::Provisioning => Color::Cyan,
        ProvisionStatus::Completed => Color::Green,
        ProvisionStatus::Failed => Color::Red,
    }
}

fn colored(term: &Term, text: impl ToString, color: Color) -> Cell {
    let c = Cell::new(text);
    if term.color { c.fg(color) } else { c }
}

impl Tabular for PlatformView {
    fn headers() -> Vec<&'static str> {
        vec![
            "id",
            "name",
            "address",
            "schema",
            "status",
            "provisioned",
            "last backup",
            "size",
        ]
    }

    /// On a narrow terminal the name and status stay; `platform show` has the rest.
    fn drop_order() -> Option<Vec<&'static str>> {
        Some(vec![
            "size",
            "provisioned",
            "last backup",
            "schema",
            "address",
        ])
    }

    fn row(&self, term: &Term) -> Vec<Cell> {
        let p = &self.platform;
        let mut name = p.name.clone();
        if p.host {
            name.push_str(" (host)");
        }
        if p.external {
            name.push_str(" (external)");
        }
        let backup = match p.last_backup_at {
            Some(t) => format!("{} ago", duration::age(Utc::now() - t)),
            None if p.external => "-".into(),
            None => "never".into(),
        };
        let backup = if self.backup_stale {
            colored(term, format!("! {backup}"), Color::Yellow)
        } else {
            Cell::new(backup)
        };
        vec![
            Cell::new(p.id),
            Cell::new(name),
            self.address_cell(term, true),
            Cell::new(schema_cell(self)),
            if self.stuck {
                colored(
                    term,
                    format!("! {} (stuck)", p.provision_status),
                    Color::Red,
                )
            } else if p.maintenance {
                colored(
                    term,
                    format!("! {} ({})", p.provision_status, maintenance_age(p)),
                    Color::Yellow,
                )
            } else {
                colored(term, p.provision_status, status_color(p.provision_status))
            },
            Cell::new(
                p.provisioned_at
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            backup,
            Cell::new(
                p.schema_size_bytes
                    .map(human_bytes)
                    .unwrap_or_else(|| "-".into()),
            ),
        ]
    }
}

#[derive(Debug, Args)]
pub struct Create {
    /// Display name, unique regardless of case (1-100 characters, not all digits)
    #[arg(long)]
    pub name: String,
    /// Subdomain (one label: a-z, 0-9, single hyphens): served at SUBDOMAIN.DOMAIN, or under
    /// the base domain when no --domain is given
    #[arg(long)]
    pub subdomain: Option<String>,
    /// Custom domain, like community.example.org (lower-cased; unicode becomes punycode)
    #[arg(long)]
    pub domain: Option<String>,
    /// This is the host platform (at most one); its domain is the base for subdomains
    #[arg(long)]
    pub host: bool,
    /// Hosted elsewhere: registered with its --url or --domain, no schema
    #[arg(long)]
    pub external: bool,
    /// URL of an external platform
    #[arg(long)]
    pub url: Option<String>,
    /// Schema name instead of the generated `tenant_<subdomain or name>_<6 hex>`
    #[arg(long, value_name = "NAME")]
    pub schema: Option<String>,
    /// Address for provisioning notifications
    #[arg(long, value_name = "EMAIL")]
    pub contact_email: Option<String>,
    /// Wait until the queued provisioning has finished (a worker runs it)
    #[arg(long)]
    pub wait: bool,
    /// With --wait: how long at most (`kubectl wait --timeout`; 0 looks once). Past it, exit 1
    /// naming where the job is; the platform stays created and its job queued
    #[arg(
        long,
        value_name = "DURATION",
        requires = "wait",
        default_value = "5m",
        value_parser = humantime::parse_duration
    )]
    pub timeout: std::time::Duration,
}

/// `platform create --output json`: the platform, and how its provisioning started.
#[derive(Debug, Serialize)]
pub struct Created {
    #[serde(flatten)]
    pub view: PlatformView,
    /// The queued provisioning job, if one was queued.
    pub job_id: Option<i64>,
    /// Whether its schema was claimed from the warm pool (it is completed already).
    pub from_pool: bool,
}

impl Create {
    pub fn input(&self) -> PlatformInput {
        PlatformInput {
            name: self.name.clone(),
            subdomain: self.subdomain.clone(),
            domain: self.domain.clone(),
            host: self.host,
            external: self.external,
            url: self.url.clone(),
            schema_name: self.schema.clone(),
            contact_email: self.contact_email.clone(),
        }
    }

    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        // Validation first: bad input never reaches the database.
        let new = NewPlatform::validate(self.input())?;
        let pool = ctx.registry().await?;
        let p = store::create(
            pool,
            &new,
            ctx.settings().base_domain.as_deref(),
            store::Claims::new(ctx.settings()),
        )
        .await?;
        let detail = serde_json::json!({"domain": p.domain, "subdomain": p.subdomain, "external": p.external});
        super::console::record(pool, ctx, "platform.create", Some((p.id, &p.name)), detail).await;
        let base = ctx.base_domain().await?;
        let mut started = crate::provision::start(pool, ctx.settings(), p, base.as_deref()).await?;
        ctx.note_failed_deliveries(&started.deliveries);
        let failed = if let (true, Some(job)) = (self.wait, started.job_id) {
            // Said on every output: a spinner on a terminal, a note elsewhere (a pipe, CI).
            let what = format!(
                "waiting up to {} for job {job}: provisioning `{}` (a `tenantctl worker` runs it)",
                duration::setting(self.timeout),
                crate::rules::naming::shown(&started.platform.name)
            );
            let spinner = ctx.out.spinner(&what);
            if spinner.is_hidden() {
                ctx.out.note(&what);
            }
            let waited = started.wait(pool, Some(self.timeout)).await;
            spinner.finish_and_clear();
            waited?
        } else {
            None
        };
        let mut view = PlatformView::new(started.platform, base.as_deref(), ctx.settings());
        attach_domains(
            pool,
            ctx.settings(),
            base.as_deref(),
            std::slice::from_mut(&mut view),
        )
        .await?;
        let created = Created {
            view,
            job_id: started.job_id,
            from_pool: started.from_pool,
        };
        ctx.out.one(&created, || {
            let view = &created.view;
            let p = &view.platform;
            let mut s = format!(
                "created platform `{}` (id {}){}",
                p.name,
                p.id,
                p.schema_str()
                    .map(|s| format!(", schema {s}"))
                    .unwrap_or_default()
            );
            s.push_str(&created.provisioning_note());
            if created.view.domain_status == Some(DomainStatus::Unverified) {
                s.push_str(&format!(
                    "\n{} is not served until it is proven: `tenantctl platform verify-domain {}` says how",
                    created.view.address.as_deref().unwrap_or("-"),
                    created.view.platform.name
                ));
            }
            s
        })?;
        failed.map_or(Ok(()), Err)
    }
}

impl Created {
    /// The line `platform create` adds about provisioning.
    fn provisioning_note(&self) -> String {
        let p = &self.view.platform;
        let served = self
            .view
            .link
            .as_deref()
            .map(|l| format!(", served at {l}"))
            .unwrap_or_default();
        match (self.from_pool, self.job_id, p.provision_status) {
            (true, _, _) => format!("\nprovisioned from the warm pool{served}"),
            (_, Some(_), ProvisionStatus::Completed) => format!("\nprovisioned{served}"),
            (_, Some(_), ProvisionStatus::Failed) => {
                format!(
                    "\nprovisioning failed: {}",
                    p.provision_error.as_deref().unwrap_or("-")
                )
            }
            (_, Some(id), _) => format!(
                "\nprovisioning queued as job {id}; a `tenantctl worker` runs it (or `tenantctl provision {}` now)",
                p.id
            ),
            (_, None, ProvisionStatus::Pending) => {
                format!(
                    "\nnext: `tenantctl provision {}` creates its schema",
                    p.name
                )
            }
            _ => String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    Name,
    Status,
    Size,
    Created,
}

#[derive(Debug, Args)]
pub struct List {
    /// Order of the rows (size: largest first)
    #[arg(long, value_enum, default_value = "created")]
    pub sort: SortKey,
    /// Only platforms in this provision status
    #[arg(long, value_enum)]
    pub status: Option<ProvisionStatus>,
}

impl List {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let mut platforms = store::list(pool).await?;
        let registered = platforms.len();
        if let Some(s) = self.status {
            platforms.retain(|p| p.provision_status == s);
        }
        match self.sort {
            SortKey::Name => platforms.sort_by_key(|p| p.name.to_lowercase()),
            SortKey::Status => platforms.sort_by_key(|p| (p.provision_status.as_str(), p.id)),
            SortKey::Size => platforms
                .sort_by_key(|p| (std::cmp::Reverse(p.schema_size_bytes.unwrap_or(-1)), p.id)),
            SortKey::Created => platforms.sort_by_key(|p| (p.created_at, p.id)),
        }
        let base = ctx.base_domain().await?;
        // Stuck: provisioning too long *and* nobody holds it (a slow live run is not stuck).
        let stuck: Vec<i64> =
            crate::jobs::stuck_platforms(pool, *ctx.settings().provision.stuck_after)
                .await?
                .iter()
                .map(|p| p.id)
                .collect();
        let mut views: Vec<PlatformView> = platforms
            .into_iter()
            .map(|p| {
                let mut v = PlatformView::new(p, base.as_deref(), ctx.settings());
                v.stuck = stuck.contains(&v.platform.id);
                v
            })
            .collect();
        attach_nodes(pool, &mut views).await?;
        attach_domains(pool, ctx.settings(), base.as_deref(), &mut views).await?;
        let empty = match self.status {
            Some(s) if registered > 0 => format!(
                "no platform has status {s} ({registered} platform{} in other statuses)",
                if registered == 1 { "" } else { "s" }
            ),
            _ => "no platforms (hint: run `tenantctl init`)".to_string(),
        };
        ctx.out.list_or(&views, &empty)
    }
}

#[derive(Debug, Args)]
pub struct Show {
    /// The platform, by name or id
    #[arg(value_name = "NAME|ID")]
    pub platform: String,
}

/// `platform show --output json`: the platform and its domain history.
#[derive(Debug, Serialize, Deserialize)]
pub struct ShowJson {
    #[serde(flatten)]
    pub view: PlatformView,
    pub domain_history: Vec<store::DomainChange>,
}

impl Show {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let p = store::find(pool, &self.platform).await?;
        let history = store::domain_history(pool, p.id).await?;
        let base = ctx.base_domain().await?;
        let mut view = PlatformView::new(p, base.as_deref(), ctx.settings());
        // A slow live run is not stuck: stuck also needs nobody holding the platform.
        view.stuck = view.stuck
            && !crate::jobs::recovery::is_being_provisioned(pool, view.platform.id).await?;
        attach_nodes(pool, std::slice::from_mut(&mut view)).await?;
        attach_domains(
            pool,
            ctx.settings(),
            base.as_deref(),
            std::slice::from_mut(&mut view),
        )
        .await?;
        let out = ShowJson {
            view,
            domain_history: history,
        };
        ctx.out.one(&out, || render_show(&ctx.out, &out))
    }
}

fn render_show(out: &Out, s: &ShowJson) -> String {
    let p = &s.view.platform;
    let mut t = out.table(&["field", "value"]);
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let time = |v: Option<chrono::DateTime<Utc>>| {
        v.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_else(|| "-".into())
    };
    let rows: Vec<(&str, Cell)> = vec![
        ("id", Cell::new(p.id)),
        ("name", Cell::new(&p.name)),
        ("host", Cell::new(p.host)),
        ("external", Cell::new(p.external)),
        ("address", s.view.address_cell(&out.term, false)),
        ("link", Cell::new(opt(&s.view.link))),
        ("url", Cell::new(opt(&p.url))),
        ("domain", Cell::new(opt(&p.domain))),
        ("subdomain", Cell::new(opt(&p.subdomain))),
        ("schema", Cell::new(p.schema_str().unwrap_or("-"))),
    ];
    let mut rows = rows;
    if let Some(d) = s.view.domain_status {
        rows.push(("domain status", Cell::new(d)));
    }
    if let Some(a) = &s.view.pending_address {
        rows.push((
            "pending address",
            Cell::new(format!(
                "{a} (not proven yet: served at the address above until it is)"
            )),
        ));
    }
    if let Some(node) = &s.view.node {
        rows.push((
            "node",
            Cell::new(
                node.clone()
                    .unwrap_or_else(|| "coordinator (not distributed)".into()),
            ),
        ));
    }
    rows.extend(vec![
        (
            "status",
            if s.view.stuck {
                colored(
                    &out.term,
                    format!("! {} (stuck)", p.provision_status),
                    Color::Red,
                )
            } else {
                colored(
                    &out.term,
                    p.provision_status,
                    status_color(p.provision_status),
                )
            },
        ),
        (
            "maintenance",
            if p.maintenance {
                colored(
                    &out.term,
                    format!(
                        "yes{}: {}",
                        p.maintenance_since
                            .map(|t| format!(
                                ", for {} (since {})",
                                duration::age(Utc::now() - t),
                                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                            ))
                            .unwrap_or_default(),
                        p.maintenance_reason.as_deref().unwrap_or("no reason given")
                    ),
                    Color::Yellow,
                )
            } else {
                Cell::new("no")
            },
        ),
        ("provision error", Cell::new(opt(&p.provision_error))),
        ("provisioned at", Cell::new(time(p.provisioned_at))),
        ("last backup", Cell::new(time(p.last_backup_at))),
        (
            "schema size",
            Cell::new(
                p.schema_size_bytes
                    .map(human_bytes)
                    .unwrap_or_else(|| "-".into()),
            ),
        ),
        ("contact email", Cell::new(opt(&p.contact_email))),
        ("created at", Cell::new(time(Some(p.created_at)))),
        ("updated at", Cell::new(time(Some(p.updated_at)))),
    ]);
    for (k, v) in rows {
        t.add_row(vec![Cell::new(k), v]);
    }
    let mut text = t.to_string();
    if !s.domain_history.is_empty() {
        let mut h = out.table(&["old address", "new address", "changed", "redirects until"]);
        for c in &s.domain_history {
            h.add_row(vec![
                c.old_address.clone(),
                c.new_address.clone().unwrap_or_default(),
                c.changed_at.format("%Y-%m-%d %H:%M").to_string(),
                c.expires_at.format("%Y-%m-%d %H:%M").to_string(),
            ]);
        }
        text.push_str("\n\ndomain history:\n");
        text.push_str(&h.to_string());
    }
    text
}

#[derive(Debug, Args)]
#[command(after_help = "\
An address under the base domain changes at once. A custom domain must be proven first
(`domains.verify`): the platform stays served at its current address until a TXT record
`_tenantctl-challenge.DOMAIN` holds the token this command prints; the worker (every
`domains.check_interval`) or `platform verify-domain` then moves it there. Either way the old
address then redirects to the new one for `domain_redirect_days` (30) days.")]
pub struct SetDomain {
    /// The platform, by name or id
    #[arg(value_name = "NAME|ID")]
    pub platform: String,
    /// The new domain (the platform is then served at [SUBDOMAIN.]DOMAIN)
    #[arg(long)]
    pub domain: String,
    /// A subdomain under the new domain; without it the platform is served at DOMAIN itself
    #[arg(long)]
    pub subdomain: Option<String>,
}

/// `platform set-domain --output json`: the platform (with `pending_address` while the new
/// address waits for its proof) and, then, how to prove it.
#[derive(Debug, Serialize)]
pub struct DomainSet {
    #[serde(flatten)]
    pub view: PlatformView,
    /// The check of the new address, when it needs proof.
    pub verification: Option<crate::registry::domains::Verification>,
}

impl SetDomain {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        use crate::registry::domains;
        let domain = crate::rules::naming::normalize_domain(&self.domain)?;
        if let Some(s) = &self.subdomain {
            crate::rules::naming::validate_subdomain(s)?;
        }
        let pool = ctx.registry().await?;
        let p = store::find(pool, &self.platform).await?;
        let base = ctx.base_domain().await?;
        let old = p.address(base.as_deref());
        let new = crate::registry::address_of(self.subdomain.as_deref(), Some(&domain), None)
            .expect("domain given");
        if old.as_deref() == Some(new.as_str()) {
            ctx.out.note(&format!(
                "`{}` is already served at {new}; nothing changed",
                p.name
            ));
            return Ok(());
        }
        let settings = ctx.settings();
        let needs_proof = settings.domains.verify
            && !p.host
            && !p.external
            && domains::outside_base(&new, base.as_deref());
        let claims = if needs_proof {
            store::Claims::Pending
        } else {
            store::Claims::new(settings)
        };
        {
            let mut conn = pool.acquire().await?;
            // Only a check here (`Pending` writes nothing): a claim gives way in the change.
            store::check_available(
                &mut conn,
                &new,
                base.as_deref(),
                Some(p.id),
                store::Claims::Pending,
            )
            .await?;
        }
        let days = settings.domain_redirect_days;
        let from = old.as_deref().unwrap_or("no address");
        if needs_proof {
            ctx.confirm(&format!(
                "move `{}` from {from} to {new} once {new} is proven? (it stays at {from} until then; the old address then redirects for {days} days)",
                p.name,
            ))
            .await?;
            domains::set_pending(pool, p.id, &new, &domain, self.subdomain.as_deref()).await?;
            // A real lookup now: a record published beforehand moves it at once.
            let v = domains::verify(pool, settings, &p).await?;
            let updated = store::get(pool, p.id).await?.unwrap_or(p);
            let mut view = PlatformView::new(updated, base.as_deref(), settings);
            attach_domains(
                pool,
                settings,
                base.as_deref(),
                std::slice::from_mut(&mut view),
            )
            .await?;
            let out = DomainSet {
                view,
                verification: Some(v),
            };
            let v = out.verification.as_ref().expect("set");
            return ctx.out.one(&out, || {
                if v.switched {
                    return format!(
                        "`{}` proved {new} and is now served there; {from} redirects there for {days} days",
                        out.view.platform.name
                    );
                }
                let (name, value) = v
                    .dns
                    .as_ref()
                    .map(|d| (d.name.clone(), d.value.clone()))
                    .unwrap_or_default();
                format!(
                    "`{}` stays at {from} until {new} is proven; then it moves there and {from} redirects for {days} days\n\
                     prove it with a DNS TXT record `{name}` holding `{value}`\n\
                     the worker checks every `domains.check_interval`; `tenantctl platform verify-domain {}` checks now",
                    out.view.platform.name, out.view.platform.name
                )
            });
        }
        ctx.confirm(&format!(
            "move `{}` from {from} to {new}? (the old address redirects for {days} days)",
            p.name,
        ))
        .await?;
        let updated = store::set_domain_with(
            pool,
            &p,
            Some(domain),
            self.subdomain.clone(),
            settings.base_domain.as_deref(),
            days,
            claims,
        )
        .await?;
        let detail = serde_json::json!({"from": p.address(settings.base_domain.as_deref()), "domain": updated.domain, "subdomain": updated.subdomain});
        super::console::record(
            pool,
            ctx,
            "platform.set_domain",
            Some((p.id, &p.name)),
            detail,
        )
        .await;
        let base = ctx.base_domain().await?;
        let mut view = PlatformView::new(updated, base.as_deref(), settings);
        attach_domains(
            pool,
            settings,
            base.as_deref(),
            std::slice::from_mut(&mut view),
        )
        .await?;
        let out = DomainSet {
            view,
            verification: None,
        };
        ctx.out.one(&out, || {
            format!(
                "`{}` is now served at {}; {} redirects there for {days} days",
                out.view.platform.name,
                out.view.address.as_deref().unwrap_or("-"),
                old.as_deref().unwrap_or("the old address")
            )
        })
    }
}

#[derive(Debug, Args)]
pub struct ReleaseDomain {
    /// The old address (`acme.example.org`), as `platform show` lists it in the domain history
    #[arg(value_name = "DOMAIN")]
    pub domain: String,
}

/// `platform release-domain --output json`.
#[derive(Debug, Serialize)]
pub struct Released {
    pub address: String,
    pub platform: String,
    pub platform_id: i64,
    /// When the redirect window would have ended.
    pub reserved_until: chrono::DateTime<Utc>,
}

impl ReleaseDomain {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let address = crate::rules::naming::normalize_domain(&self.domain)?;
        let pool = ctx.registry().await?;
        let found = {
            let mut conn = pool.acquire().await?;
            store::reservation(&mut conn, &address, None).await?
        };
        let Some(r) = found else {
            return Err(crate::error::Error::NotFound(format!(
                "`{address}` is not reserved: no platform's redirect window holds it"
            ))
            .hint("`tenantctl platform show NAME` lists a platform's old addresses"));
        };
        ctx.confirm(&format!(
            "release `{address}` now? requests for it stop redirecting to platform `{}` (reserved until {}), and any platform may take it",
            r.platform,
            r.frees_on()
        ))
        .await?;
        let Some(r) = store::release_domain(pool, &address).await? else {
            return Err(crate::error::Error::NotFound(format!(
                "`{address}` is not reserved any more (it expired or was released meanwhile)"
            )));
        };
        let out = Released {
            address: r.address.clone(),
            platform: r.platform.clone(),
            platform_id: r.platform_id,
            reserved_until: r.expires_at,
        };
        ctx.out.one(&out, || {
            format!(
                "released `{}`: it no longer redirects to platform `{}` and is free to take",
                out.address, out.platform
            )
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Args)]
pub struct Maintenance {
    /// The platform, by name or id
    #[arg(value_name = "NAME|ID")]
    pub platform: String,
    /// `on`: serve answers 503 with Retry-After and waits for requests in flight; `off`:
    /// serve it again
    #[arg(value_enum)]
    pub state: OnOff,
    /// Why, shown to users in the 503 answer (with `on`)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
}

impl Maintenance {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let on = self.state == OnOff::On;
        if let Some(r) = &self.reason {
            if !on {
                return Err(crate::error::Error::Usage("--reason goes with `on`".into()));
            }
            if r.chars().count() > 500 || r.chars().any(char::is_control) {
                return Err(crate::error::Error::Usage(
                    "--reason must be at most 500 characters, without control characters".into(),
                ));
            }
        }
        let pool = ctx.registry().await?;
        let p = store::find(pool, &self.platform).await?;
        if p.external {
            return Err(crate::error::Error::Usage(format!(
                "platform `{}` is external: serve does not serve it",
                p.name
            )));
        }
        let change = crate::registry::maintenance::set_and_drain(
            pool,
            &p,
            on,
            self.reason.as_deref(),
            crate::registry::maintenance::DRAIN_WAIT,
            crate::registry::maintenance::SETTLE,
        )
        .await?;
        if !change.unchanged {
            let action = if on {
                "platform.maintenance.on"
            } else {
                "platform.maintenance.off"
            };
            let detail = serde_json::json!({"reason": self.reason});
            super::console::record(pool, ctx, action, Some((p.id, &p.name)), detail).await;
        }
        let base = ctx.base_domain().await?;
        let view = PlatformView::new(change.platform, base.as_deref(), ctx.settings());
        ctx.out.one(&view, || {
            let name = &view.platform.name;
            match (on, change.unchanged) {
                (true, false) => format!(
                    "`{name}` is in maintenance: serve answers 503, and no request touches schema {}",
                    view.platform.schema_str().unwrap_or("-")
                ),
                (true, true) => format!("`{name}` was already in maintenance"),
                (false, false) => format!("`{name}` is served again"),
                (false, true) => format!("`{name}` was not in maintenance; nothing changed"),
            }
        })
    }
}

#[derive(Debug, Args)]
pub struct VerifyDomain {
    /// The platform, by name or id
    #[arg(value_name = "NAME|ID")]
    pub platform: String,
}

impl VerifyDomain {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let p = store::find(pool, &self.platform).await?;
        let v = crate::registry::domains::verify(pool, ctx.settings(), &p).await?;
        let address = v.address.clone().unwrap_or_else(|| "-".into());
        let since = |t: Option<chrono::DateTime<Utc>>| {
            t.map(|t| duration::age(Utc::now() - t))
                .unwrap_or_else(|| "-".into())
        };
        ctx.out.one(&v, || {
            let mut s = match v.status {
                DomainStatus::Verified if v.switched => format!(
                    "`{address}` is verified for `{}` ({}): it is served there now, and its old address redirects",
                    v.platform,
                    v.method.as_deref().unwrap_or("-")
                ),
                DomainStatus::Verified => format!(
                    "`{}` is verified for `{}` ({})",
                    address,
                    v.platform,
                    v.method.as_deref().unwrap_or("-")
                ),
                DomainStatus::Failing => format!(
                    "`{address}` is verified for `{}`, but its proof has been missing for {}: it is lost (no longer served) once that reaches `domains.lost_after` ({})",
                    v.platform,
                    since(v.failing_since),
                    humantime::format_duration(*ctx.settings().domains.lost_after)
                ),
                DomainStatus::Lost => format!(
                    "`{address}` is lost: its proof is gone, so it is not served; prove it again"
                ),
                DomainStatus::Off => format!(
                    "domain verification is off (`domains.verify = false`): `{address}` is served as it is"
                ),
                DomainStatus::NotNeeded => format!(
                    "`{}` needs no verification: it is not a custom domain",
                    address
                ),
                DomainStatus::Unverified => format!("`{address}` is not verified yet"),
            };
            if let Some(at) = &v.serving {
                s.push_str(&format!(
                    "\n`{}` is served at {at} until `{address}` is proven",
                    v.platform
                ));
            }
            s
        })?;
        if v.status == DomainStatus::Failing {
            ctx.out.note(&format!(
                "checked now: {}",
                v.error.as_deref().unwrap_or("-")
            ));
        }
        if v.is_ok() {
            return Ok(());
        }
        if let (Some(dns), Some(url)) = (&v.dns, &v.http_url) {
            ctx.out.note(&format!(
                "prove that `{address}` belongs to `{}`, either way:\n  \
                 - DNS: a TXT record `{}` with the value `{}` (keep it: it is checked again)\n  \
                 - HTTP, while `{address}` still points at your own web server: make {url} answer `{}`\n\
                 checked now: {}\n\
                 the worker checks again every `domains.check_interval`; or run this command again",
                v.platform,
                dns.name,
                dns.value,
                dns.value,
                v.error.as_deref().unwrap_or("-"),
            ));
        }
        Err(crate::error::Error::Silent(crate::exit_code::FAILURE))
    }
}
