//! One platform's page (issue 26.2): its state and why, its provisioning attempts with each
//! error in full, and while it provisions a progress indicator with the estimated completion
//! ([`queries::eta`]: queue position and recent attempts' durations), updated live
//! ([`super::live`], and a plain refresh without JavaScript); its address and the domain's
//! verification state with the TXT and HTTP instructions; maintenance and why; a retry button
//! when it failed.
//!
//! By id or by name in the URL; a platform outside the viewer's scope is the same 404 as one
//! that does not exist.

use super::page::{self, Chrome, Nav, Page};
use super::platforms::{When, size};
use super::queries::{self, AttemptRow, Badge, Eta};
use super::session::Viewer;
use crate::output::duration;
use crate::registry::domains::{self, CHALLENGE_PATH, TXT_LABEL};
use crate::registry::{Platform, ProvisionStatus};
use crate::serve::state::App;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/platforms/{key}", get(show))
}

/// How many attempts the page lists.
const ATTEMPTS: i64 = 100;

struct AttemptView {
    attempt: i32,
    job_id: Option<i64>,
    via: String,
    worker: String,
    started: When,
    finished: Option<When>,
    took: String,
    outcome: String,
    error: Option<String>,
    notify_error: Option<String>,
}

impl AttemptView {
    fn of(a: AttemptRow) -> AttemptView {
        AttemptView {
            attempt: a.attempt,
            job_id: a.job_id,
            took: a.duration().map(duration::span).unwrap_or_default(),
            via: a.via,
            worker: a.worker.unwrap_or_default(),
            started: When::of(a.started_at),
            finished: When::opt(a.finished_at),
            outcome: a.outcome,
            error: a.error,
            notify_error: a.notify_error,
        }
    }
}

/// The progress of a live provisioning.
pub struct Progress {
    pub running: bool,
    pub ahead: i64,
    pub workers: i64,
    pub eta: Option<When>,
    /// The recent attempts' mean, in words.
    pub mean: Option<String>,
}

impl Progress {
    pub fn of(e: Eta) -> Progress {
        Progress {
            running: e.running,
            ahead: e.ahead,
            workers: e.workers,
            eta: When::opt(e.at),
            mean: e.mean.map(duration::span),
        }
    }
}

/// One address and its proof.
struct DomainView {
    address: String,
    /// The state's word (`verified`, `failing`, `lost`, `unverified`).
    status: String,
    served: bool,
    pending: bool,
    method: Option<String>,
    verified_at: Option<When>,
    last_checked: Option<When>,
    error: Option<String>,
    txt_name: String,
    txt_value: String,
    http_path: String,
    http_body: String,
}

#[derive(Template)]
#[template(path = "platform.html")]
struct PlatformPage {
    chrome: Chrome,
    id: i64,
    name: String,
    badge: &'static str,
    address: String,
    schema: String,
    external: bool,
    host: bool,
    error: Option<String>,
    created: When,
    provisioned: Option<When>,
    last_backup: Option<When>,
    size: String,
    maintenance: bool,
    maintenance_reason: Option<String>,
    maintenance_since: Option<When>,
    progress: Option<Progress>,
    attempts: Vec<AttemptView>,
    domains: Vec<DomainView>,
    can_change: bool,
    failed: bool,
    live: bool,
}

impl Page for PlatformPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

/// The platform `key` (id or name) names, if the viewer may see it.
pub async fn find(app: &App, viewer: &Viewer, key: &str) -> crate::error::Result<Option<Platform>> {
    let scope = viewer.platform_scope();
    queries::platform(&app.registry, scope.as_deref(), key).await
}

async fn show(State(app): State<Arc<App>>, viewer: Viewer, Path(key): Path<String>) -> Response {
    let p = match find(&app, &viewer, &key).await {
        Ok(Some(p)) => p,
        Ok(None) => return page::not_found(&viewer),
        Err(e) => return page::failure(&e),
    };
    let live = matches!(
        p.provision_status,
        ProvisionStatus::Pending | ProvisionStatus::Provisioning
    );
    let progress = if live {
        match queries::eta(&app.registry, p.id).await {
            Ok(e) => e.map(Progress::of),
            Err(e) => return page::failure(&e),
        }
    } else {
        None
    };
    let attempts = match queries::attempts(&app.registry, p.id, ATTEMPTS).await {
        Ok(a) => a.into_iter().map(AttemptView::of).collect(),
        Err(e) => return page::failure(&e),
    };
    let challenges = match domains::of_platform(&app.registry, p.id).await {
        Ok(c) => c,
        Err(e) => return page::db_failure(&e),
    };
    let domains = challenges
        .into_iter()
        .map(|c| {
            let status = c.status();
            DomainView {
                txt_name: format!("{TXT_LABEL}.{}", c.domain),
                txt_value: c.token.clone(),
                http_path: format!("{CHALLENGE_PATH}{}", c.token),
                http_body: c.proof.clone(),
                address: c.domain,
                status: status.to_string(),
                served: status.served(),
                pending: c.pending,
                method: c.method,
                verified_at: When::opt(c.verified_at),
                last_checked: When::opt(c.last_checked_at),
                error: c.last_error,
            }
        })
        .collect();
    let badge = Badge::of(&p);
    let page = PlatformPage {
        chrome: Chrome::load(&app, &viewer, p.name.clone(), Nav::Platforms).await,
        id: p.id,
        badge: badge.as_str(),
        address: p
            .address(app.base_domain.as_deref())
            .or_else(|| p.url.clone())
            .unwrap_or_default(),
        schema: p.schema_str().unwrap_or_default().to_string(),
        external: p.external,
        host: p.host,
        error: p.provision_error.clone().filter(|_| badge == Badge::Failed),
        created: When::of(p.created_at),
        provisioned: When::opt(p.provisioned_at),
        last_backup: When::opt(p.last_backup_at),
        size: size(p.schema_size_bytes),
        maintenance: p.maintenance,
        maintenance_reason: p.maintenance_reason.clone(),
        maintenance_since: When::opt(p.maintenance_since),
        progress,
        attempts,
        domains,
        can_change: viewer.can_change(p.id),
        failed: p.provision_status == ProvisionStatus::Failed,
        live,
        name: p.name,
    };
    page::render(&page)
}
