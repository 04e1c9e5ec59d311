//! The setup wizard in a browser (issue 26, page 4): `/console/setup` (a browser asking
//! `/setup` for HTML is sent here; the JSON API of [`crate::serve::setup`] stays as it is).
//!
//! A name, a subdomain or a custom domain (its availability checked as it is typed, by the
//! console's script asking [`available`], which answers what `/setup/domain-available` does;
//! without the script, the form's answer says it), then a progress page that follows the
//! provisioning (a `<meta refresh>`: no script needed); a failure shows the error in full and a
//! retry button (the platform exists anyway); success sends the browser to the new platform's
//! own address. The same library calls as `platform create` (`registry::store::create`,
//! `provision::start`) and `platform retry` (`jobs::recovery::retry`).
//!
//! On an empty registry the first platform is the host platform, provisioned while the request
//! waits (`init`'s path: `provision::provision_now`), since there is nothing else to serve yet.
//!
//! Who: admins, and organizers (an account made from an invitation link), whose new platform
//! becomes theirs (they are its organizer). Viewers may not create anything (403). Every
//! creation and retry is in the audit log.

use super::accounts;
use super::page::{self, Chrome, Flash, Nav, Page};
use super::session::Viewer;
use crate::error::Error;
use crate::registry::store::{self, NewPlatform, PlatformInput};
use crate::registry::{Platform, ProvisionStatus, audit};
use crate::rules::RetryPolicy;
use crate::serve::setup::{self, PlatformStatus};
use crate::serve::state::App;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/setup", get(form).post(create))
        .route("/setup/available", get(available))
        .route("/setup/{id}", get(progress))
        .route("/setup/{id}/retry", post(retry))
}

/// How often the progress page reloads itself.
const FOLLOW_SECS: u32 = 2;

/// Whether this user may create platforms: admins and organizers.
#[allow(clippy::result_large_err)]
fn may_create(viewer: &Viewer) -> Result<(), Response> {
    if viewer.is_admin() || !viewer.is_operator() {
        Ok(())
    } else {
        Err(page::forbidden(viewer))
    }
}

/// What the form holds (kept when it comes back with an error).
#[derive(Debug, Default, Deserialize)]
struct SetupForm {
    #[serde(default)]
    name: String,
    /// `subdomain` or `domain`.
    #[serde(default)]
    address_kind: String,
    #[serde(default)]
    subdomain: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    contact_email: String,
}

#[derive(Template)]
#[template(path = "wizard.html")]
struct WizardPage {
    chrome: Chrome,
    /// The first platform of an empty registry: it becomes the host platform.
    first: bool,
    /// The parent of subdomains (`None`: only custom domains).
    base: Option<String>,
    form: SetupForm,
    /// What is wrong with the form, and which field.
    error: Option<String>,
    field: String,
}

impl Page for WizardPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

impl WizardPage {
    fn domain_chosen(&self) -> bool {
        self.form.address_kind == "domain" || self.base.is_none()
    }
}

/// The base domain and whether the registry is empty.
async fn context(app: &App) -> Result<(Option<String>, bool), Error> {
    let mut conn = app.registry.acquire().await?;
    let base = store::base_domain(&mut conn, app.base_domain.as_deref()).await?;
    // language=PostgreSQL
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM public.platforms)")
        .fetch_one(&mut *conn)
        .await?;
    Ok((base, empty))
}

async fn render_form(
    app: &App,
    viewer: &Viewer,
    form: SetupForm,
    error: Option<(String, String)>,
) -> Response {
    let (base, first) = match context(app).await {
        Ok(c) => c,
        Err(e) => return page::failure(&e),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (error, field) = match error {
        Some((e, f)) => (Some(e), f),
        None => (None, String::new()),
    };
    let chrome = Chrome::load(app, viewer, "Set up a platform", Nav::Platforms).await;
    page::render_status(
        status,
        &WizardPage {
            chrome,
            first,
            base,
            form,
            error,
            field,
        },
    )
}

async fn form(State(app): State<Arc<App>>, viewer: Viewer) -> Response {
    if let Err(r) = may_create(&viewer) {
        return r;
    }
    render_form(&app, &viewer, SetupForm::default(), None).await
}

#[derive(Debug, Deserialize)]
struct AvailableQuery {
    domain: Option<String>,
    subdomain: Option<String>,
}

/// The availability of an address, for the form's script: the JSON `/setup/domain-available`
/// answers, for a logged-in user (that route may be off: `serve.setup`).
async fn available(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    Query(q): Query<AvailableQuery>,
) -> Response {
    if let Err(r) = may_create(&viewer) {
        return r;
    }
    let domain = q.domain.as_deref().filter(|d| !d.trim().is_empty());
    let subdomain = q.subdomain.as_deref().filter(|s| !s.trim().is_empty());
    match setup::availability(&app, domain, subdomain).await {
        Ok(a) => Json(a).into_response(),
        Err(Error::Invalid(v)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({"available": false, "reason": v.to_string()})),
        )
            .into_response(),
        Err(Error::Usage(m)) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"available": false, "reason": m})),
        )
            .into_response(),
        Err(e) => page::failure(&e),
    }
}

fn blank(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

async fn create(State(app): State<Arc<App>>, viewer: Viewer, Form(f): Form<SetupForm>) -> Response {
    if let Err(r) = may_create(&viewer) {
        return r;
    }
    let (base, first) = match context(&app).await {
        Ok(c) => c,
        Err(e) => return page::failure(&e),
    };
    let use_domain = f.address_kind == "domain" || base.is_none();
    let input = PlatformInput {
        name: f.name.trim().to_string(),
        subdomain: if use_domain {
            None
        } else {
            blank(&f.subdomain)
        },
        domain: if use_domain { blank(&f.domain) } else { None },
        contact_email: blank(&f.contact_email),
        host: first,
        ..PlatformInput::default()
    };
    if input.subdomain.is_none() && input.domain.is_none() {
        let field = if use_domain { "domain" } else { "subdomain" };
        return render_form(
            &app,
            &viewer,
            f,
            Some((format!("Give the platform a {field}."), field.to_string())),
        )
        .await;
    }
    let new = match NewPlatform::validate(input) {
        Ok(n) => n,
        Err(v) => {
            let field = v.field.to_string();
            return render_form(&app, &viewer, f, Some((v.to_string(), field))).await;
        }
    };
    let created = match store::create(
        &app.registry,
        &new,
        app.base_domain.as_deref(),
        store::Claims::new(&app.settings),
    )
    .await
    {
        Ok(p) => p,
        Err(e) => {
            return match form_error(&e) {
                Some((msg, field)) => render_form(&app, &viewer, f, Some((msg, field))).await,
                None => page::failure(&e),
            };
        }
    };
    // Who made it (an organizer's becomes theirs), in one transaction with its audit row.
    let recorded = async {
        let mut tx = app.registry.begin().await?;
        if !viewer.is_operator() {
            accounts::add_organizer(&mut tx, viewer.id, created.id).await?;
        }
        audit::record(
            &mut tx,
            &viewer.actor(),
            "platform.create",
            Some((created.id, &created.name)),
            serde_json::json!({
                "subdomain": created.subdomain,
                "domain": created.domain,
                "host": created.host,
                "via": "setup wizard",
            }),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, Error>(())
    }
    .await;
    if let Err(e) = recorded {
        return page::failure(&e);
    }
    let to = format!("/console/setup/{}", created.id);
    if let Err(e) = start(&app, created).await {
        // The platform exists; its page offers the retry.
        tracing::error!(error = %crate::error::Shown(&e), "console: platform created but its provisioning did not start");
    }
    page::see_other(&to)
}

/// Start the provisioning: the host platform now (there is nothing else to serve it yet),
/// others as `platform create` does (a warm-pool spare, else a queued job).
async fn start(app: &App, p: Platform) -> Result<(), Error> {
    if p.host {
        let prov = crate::provision::Provisioner::from_settings(&app.settings).await?;
        let attempted = crate::provision::provision_now(
            &app.registry,
            &prov,
            &app.settings,
            &p,
            crate::provision::OnFailure::Quiet,
        )
        .await;
        return attempted.result.map(|_| ());
    }
    let base = {
        let mut conn = app.registry.acquire().await?;
        store::base_domain(&mut conn, app.base_domain.as_deref()).await?
    };
    crate::provision::start(&app.registry, &app.settings, p, base.as_deref()).await?;
    Ok(())
}

/// A creation refused for what the form holds: the message and its field.
fn form_error(e: &Error) -> Option<(String, String)> {
    match e {
        Error::Invalid(v) => Some((v.to_string(), v.field.to_string())),
        Error::Conflict(m) | Error::Usage(m) => {
            let field = if m.contains("domain") || m.contains("address") {
                "address"
            } else {
                "name"
            };
            Some((m.clone(), field.to_string()))
        }
        Error::Hinted { source, .. } => form_error(source),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "wizard_progress.html")]
struct ProgressPage {
    chrome: Chrome,
    s: PlatformStatus,
    /// Words for where it is.
    stage: String,
    follow: Option<u32>,
    failed: bool,
    can_retry: bool,
}

impl Page for ProgressPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

/// The platform of a wizard page, or the page that answers instead (404: not this user's).
#[allow(clippy::result_large_err)]
async fn platform(app: &App, viewer: &Viewer, id: &str) -> Result<Platform, Response> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(page::not_found(viewer));
    };
    if !viewer.can_see(id) {
        return Err(page::not_found(viewer));
    }
    match store::get(&app.registry, id).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(page::not_found(viewer)),
        Err(e) => Err(page::failure(&e)),
    }
}

async fn progress(State(app): State<Arc<App>>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let p = match platform(&app, &viewer, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let can_retry = viewer.can_change(p.id);
    let s = match setup::status_of(&app, p).await {
        Ok(s) => s,
        Err(e) => return page::failure(&e),
    };
    if s.ready
        && let Some(url) = &s.url
    {
        return page::see_other(url);
    }
    let failed = s.provision_status == ProvisionStatus::Failed;
    let stage = match (s.provision_status, &s.job) {
        (ProvisionStatus::Completed, _) if s.maintenance => {
            "Provisioned; the platform is in maintenance.".to_string()
        }
        (ProvisionStatus::Completed, _) => {
            "Provisioned. Its custom domain must be proven before it is served there.".to_string()
        }
        (ProvisionStatus::Failed, _) => "Provisioning failed.".to_string(),
        (_, Some(j)) if j.attempts == 0 => "Queued: waiting for a worker to take it.".to_string(),
        (_, Some(j)) => match &j.last_error {
            Some(e) if j.status.as_str() != "running" => format!(
                "Attempt {} failed; it is tried again shortly. ({e})",
                j.attempts
            ),
            _ => format!("Provisioning (attempt {}).", j.attempts),
        },
        (_, None) => "Provisioning.".to_string(),
    };
    let follow = matches!(
        s.provision_status,
        ProvisionStatus::Pending | ProvisionStatus::Provisioning
    )
    .then_some(FOLLOW_SECS);
    let chrome = Chrome::load(
        &app,
        &viewer,
        format!("Setting up {}", s.name),
        Nav::Platforms,
    )
    .await;
    page::render(&ProgressPage {
        chrome,
        stage,
        follow,
        failed,
        can_retry,
        s,
    })
}

async fn retry(State(app): State<Arc<App>>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let p = match platform(&app, &viewer, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = viewer.require_change(p.id) {
        return r;
    }
    let to = format!("/console/setup/{}", p.id);
    let policy = RetryPolicy::from_settings(&app.settings.provision);
    let done = async {
        let r = if p.host {
            start(&app, p.clone()).await.map(|_| None)
        } else {
            crate::jobs::recovery::retry(&app.registry, &p, &policy)
                .await
                .map(Some)
        }?;
        audit::record_alone(
            &app.registry,
            &viewer.actor(),
            "platform.retry",
            Some((p.id, &p.name)),
            serde_json::json!({ "via": "setup wizard", "job_id": r.as_ref().and_then(|r| r.job_id) }),
        )
        .await?;
        Ok::<_, Error>(r)
    }
    .await;
    match done {
        Ok(Some(r)) if !r.action.ok() => page::redirect_with(
            &app,
            &to,
            Flash::error(format!("Not retried: {}", r.message)),
        ),
        Ok(_) => page::redirect_with(&app, &to, Flash::ok("Provisioning queued again.")),
        Err(e) => page::redirect_with(
            &app,
            &to,
            Flash::error(format!("Retry failed: {}", crate::error::cause_chain(&e))),
        ),
    }
}
