//! One platform's backups (issue 26, page 3): every backup with its time, size, last
//! verification and a future-dated flag; "back up now"; the download; the restore behind a
//! confirmation page.
//!
//! Backing up and restoring are jobs ([`crate::backup::job`]) done by `tenantctl worker`; the
//! page lists the platform's latest ones and, while one is live, reloads itself every few
//! seconds (a `<meta refresh>`: no script needed). A download streams the dump from storage
//! through this handler only, checked against its manifest on the way
//! ([`crate::backup::download`]). A restore shows what it would replace (tables and row counts
//! now and in the backup, [`crate::backup::preview`]) and wants the platform's name typed.
//!
//! Who: anyone who can see the platform sees its backups and may download them (operators see
//! every platform, organizers their own; for anybody else the platform, its backups and its
//! jobs are 404); backing up and restoring are changes (admins and the platform's organizers).
//! Every change, and every download, is in the audit log.

use super::page::{self, Chrome, Flash, Nav, Page};
use super::session::Viewer;
use crate::backup::catalog::{self, Entry, Verified};
use crate::backup::download;
use crate::backup::job::{self, JobLine, RestorePayload};
use crate::backup::preview::{self, Preview};
use crate::backup::storage::{self, Storage};
use crate::error::Error;
use crate::output::human_bytes;
use crate::registry::{Platform, audit, store};
use crate::serve::state::App;
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/platforms/{id}/backups", get(list).post(back_up_now))
        .route("/platforms/{id}/backups/{backup}/download", get(download))
        .route(
            "/platforms/{id}/backups/{backup}/restore",
            get(confirm_restore).post(restore),
        )
}

/// How often a page with a live job reloads itself.
const FOLLOW_SECS: u32 = 3;

/// The platform of a request, or the page that answers instead: 404 when it does not exist
/// or is not this user's to see (the same page either way), and for an external platform
/// (no schema, no backups).
#[allow(clippy::result_large_err)]
async fn platform(app: &App, viewer: &Viewer, id: &str) -> Result<Platform, Response> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(page::not_found(viewer));
    };
    if !viewer.can_see(id) {
        return Err(page::not_found(viewer));
    }
    match store::get(&app.registry, id).await {
        Ok(Some(p)) if !p.external && p.schema_name.is_some() => Ok(p),
        Ok(_) => Err(page::not_found(viewer)),
        Err(e) => Err(page::failure(&e)),
    }
}

async fn open_storage(app: &App) -> Result<Arc<dyn Storage>, Error> {
    storage::from_settings(&app.settings.backup).await
}

fn when(t: DateTime<Utc>) -> (String, String) {
    (
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// One row of the backups table.
struct Row {
    id: String,
    taken_iso: String,
    taken_text: String,
    size: String,
    rows: String,
    verified: String,
    verified_class: &'static str,
    future: bool,
    problem: Option<String>,
    usable: bool,
}

impl Row {
    fn new(e: &Entry) -> Row {
        let (taken_iso, taken_text) = e.taken_at.map(when).unwrap_or_default();
        let (verified, verified_class) = match &e.verified {
            Verified::Never => ("not verified".to_string(), "muted"),
            Verified::Ok { at } => (format!("verified {}", when(*at).1), "ok"),
            Verified::Failed { at, problems } => (
                format!("verification failed {}: {problems}", when(*at).1),
                "error",
            ),
        };
        Row {
            id: e.backup_id.clone(),
            taken_iso,
            taken_text,
            size: e
                .size_bytes
                .map(|b| human_bytes(b as i64))
                .unwrap_or_else(|| "-".into()),
            rows: e.rows.map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
            verified,
            verified_class,
            future: e.future,
            problem: e.problem.clone(),
            usable: e.usable(),
        }
    }
}

/// One job line of the page.
struct JobRow {
    id: i64,
    what: String,
    status: String,
    attempts: i32,
    error: Option<String>,
    created_iso: String,
    created_text: String,
}

impl JobRow {
    fn new(j: &JobLine) -> JobRow {
        let (created_iso, created_text) = when(j.created_at);
        JobRow {
            id: j.id,
            what: match (j.kind.as_str(), &j.backup_id) {
                ("restore", Some(b)) => format!("restore from {b}"),
                (k, _) => k.to_string(),
            },
            status: j.status.clone(),
            attempts: j.attempts,
            error: j.last_error.clone(),
            created_iso,
            created_text,
        }
    }
}

#[derive(Template)]
#[template(path = "backups.html")]
struct BackupsPage {
    chrome: Chrome,
    platform_id: i64,
    platform: String,
    can_change: bool,
    rows: Vec<Row>,
    jobs: Vec<JobRow>,
    /// Seconds between reloads while a job is live.
    follow: Option<u32>,
    /// Storage could not be read (the log has why).
    storage_error: Option<String>,
    storage: String,
}

impl Page for BackupsPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

async fn list(State(app): State<Arc<App>>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let p = match platform(&app, &viewer, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (rows, storage_error, storage) = match open_storage(&app).await {
        Ok(s) => match catalog::of_platform(&app.registry, s.as_ref(), &p).await {
            Ok(entries) => (entries.iter().map(Row::new).collect(), None, s.describe()),
            Err(e) => {
                tracing::error!(platform = %p.name, error = %crate::error::Shown(&e), "console: cannot list backups");
                (
                    Vec::new(),
                    Some("The backups cannot be listed right now: storage did not answer (the server's log says why).".to_string()),
                    s.describe(),
                )
            }
        },
        Err(e) => {
            tracing::error!(error = %crate::error::Shown(&e), "console: backup storage unusable");
            (
                Vec::new(),
                Some("Backup storage is not usable (the server's log says why).".to_string()),
                String::new(),
            )
        }
    };
    let jobs = match job::recent(&app.registry, p.id, 5).await {
        Ok(j) => j,
        Err(e) => return page::failure(&e),
    };
    let follow = jobs.iter().any(JobLine::live).then_some(FOLLOW_SECS);
    let chrome = Chrome::load(
        &app,
        &viewer,
        format!("Backups of {}", p.name),
        Nav::Platforms,
    )
    .await;
    page::render(&BackupsPage {
        chrome,
        platform_id: p.id,
        platform: p.name.clone(),
        can_change: viewer.can_change(p.id),
        rows,
        jobs: jobs.iter().map(JobRow::new).collect(),
        follow,
        storage_error,
        storage,
    })
}

async fn back_up_now(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    let p = match platform(&app, &viewer, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = viewer.require_change(p.id) {
        return r;
    }
    let back = format!("/console/platforms/{}/backups", p.id);
    if p.provision_status != crate::registry::ProvisionStatus::Completed {
        return page::redirect_with(
            &app,
            &back,
            Flash::error(format!(
                "`{}` is {}, not provisioned: there is nothing to back up yet.",
                p.name,
                p.provision_status.as_str()
            )),
        );
    }
    // NOTE: the queue commits the job in its own transaction; the audit row follows it.
    let queued = async {
        let job_id = job::enqueue_backup(&app.registry, &p).await?.job_id;
        audit::record_alone(
            &app.registry,
            &viewer.actor(),
            "backup.start",
            Some((p.id, &p.name)),
            serde_json::json!({ "job_id": job_id }),
        )
        .await?;
        Ok::<_, Error>(job_id)
    }
    .await;
    match queued {
        Ok(job_id) => page::redirect_with(
            &app,
            &back,
            Flash::ok(format!(
                "Backup queued (job {job_id}); this page follows it until it is done."
            )),
        ),
        Err(e) => page::failure(&e),
    }
}

async fn download(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    Path((id, backup)): Path<(String, String)>,
) -> Response {
    let p = match platform(&app, &viewer, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let storage = match open_storage(&app).await {
        Ok(s) => s,
        Err(e) => return page::failure(&e),
    };
    let m = match catalog::usable(storage.as_ref(), &p, &backup).await {
        Ok(m) => m,
        Err(e) => return backup_error(&viewer, &e),
    };
    let stream = match download::open_checked(storage.as_ref(), &m).await {
        Ok(s) => s,
        Err(e) => return backup_error(&viewer, &e),
    };
    // Who took a copy of a tenant's data is worth knowing, though it changes nothing.
    if let Err(e) = audit::record_alone(
        &app.registry,
        &viewer.actor(),
        "backup.download",
        Some((p.id, &p.name)),
        serde_json::json!({ "backup_id": m.id, "sha256": m.sha256, "size_bytes": m.size_bytes }),
    )
    .await
    {
        return page::db_failure(&e);
    }
    let name = download::file_name(&m);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .expect("a file name of [A-Za-z0-9._-] is a header value");
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::CONTENT_LENGTH, HeaderValue::from(m.size_bytes)),
            (
                header::HeaderName::from_static("x-checksum-sha256"),
                HeaderValue::from_str(&m.sha256).unwrap_or(HeaderValue::from_static("")),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// A backup that cannot be used: missing (404), damaged or unreadable (409, saying why), or a
/// failure (logged).
fn backup_error(viewer: &Viewer, e: &Error) -> Response {
    match e {
        Error::Hinted { source, .. } => backup_error(viewer, source),
        Error::NotFound(_) | Error::Usage(_) | Error::Invalid(_) => page::not_found(viewer),
        Error::Refused(why) => page::message(
            viewer,
            StatusCode::CONFLICT,
            "This backup cannot be used",
            why,
        ),
        other => page::failure(other),
    }
}

#[derive(Template)]
#[template(path = "restore.html")]
struct RestorePage {
    chrome: Chrome,
    platform_id: i64,
    platform: String,
    backup_id: String,
    taken_text: String,
    future: bool,
    p: Preview,
    size_now: String,
    backup_size: String,
    last_backup: String,
    /// What was typed, when it was wrong.
    typed: String,
    wrong_name: bool,
}

impl Page for RestorePage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

impl RestorePage {
    fn num(n: &Option<u64>) -> String {
        n.map(|n| n.to_string()).unwrap_or_else(|| "-".into())
    }
}

/// The confirmation page (`typed`: a wrong name typed before).
async fn confirmation(
    app: &App,
    viewer: &Viewer,
    p: &Platform,
    backup: &str,
    typed: Option<String>,
) -> Response {
    let storage = match open_storage(app).await {
        Ok(s) => s,
        Err(e) => return page::failure(&e),
    };
    let m = match catalog::usable(storage.as_ref(), p, backup).await {
        Ok(m) => m,
        Err(e) => return backup_error(viewer, &e),
    };
    let pv = match preview::restore_preview(&app.registry, p, &m).await {
        Ok(pv) => pv,
        Err(e) => return page::failure(&e),
    };
    let chrome = Chrome::load(app, viewer, format!("Restore {}", p.name), Nav::Platforms).await;
    let wrong_name = typed.is_some();
    let tpl = RestorePage {
        chrome,
        platform_id: p.id,
        platform: p.name.clone(),
        backup_id: m.id.clone(),
        taken_text: when(m.taken_at).1,
        future: m.taken_at > Utc::now(),
        size_now: pv
            .schema_size_bytes
            .map(human_bytes)
            .unwrap_or_else(|| "-".into()),
        backup_size: human_bytes(m.size_bytes as i64),
        last_backup: p
            .last_backup_at
            .map(|t| when(t).1)
            .unwrap_or_else(|| "never".into()),
        p: pv,
        typed: typed.unwrap_or_default(),
        wrong_name,
    };
    if wrong_name {
        page::render_status(StatusCode::UNPROCESSABLE_ENTITY, &tpl)
    } else {
        page::render(&tpl)
    }
}

async fn confirm_restore(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    Path((id, backup)): Path<(String, String)>,
) -> Response {
    let p = match platform(&app, &viewer, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = viewer.require_change(p.id) {
        return r;
    }
    confirmation(&app, &viewer, &p, &backup, None).await
}

#[derive(Debug, Deserialize)]
struct RestoreForm {
    #[serde(default)]
    confirm_name: String,
}

/// Whether the typed confirmation names the platform: exactly its name, apart from spaces at
/// either end (a name is compared as typed: `acme` does not confirm `Acme`).
pub fn confirms(typed: &str, name: &str) -> bool {
    !name.is_empty() && typed.trim() == name
}

async fn restore(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    Path((id, backup)): Path<(String, String)>,
    Form(form): Form<RestoreForm>,
) -> Response {
    let p = match platform(&app, &viewer, &id).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = viewer.require_change(p.id) {
        return r;
    }
    if !confirms(&form.confirm_name, &p.name) {
        let typed: String = form.confirm_name.chars().take(200).collect();
        return confirmation(&app, &viewer, &p, &backup, Some(typed)).await;
    }
    // The backup exists and its manifest reads, before the job is queued.
    let storage = match open_storage(&app).await {
        Ok(s) => s,
        Err(e) => return page::failure(&e),
    };
    let m = match catalog::usable(storage.as_ref(), &p, &backup).await {
        Ok(m) => m,
        Err(e) => return backup_error(&viewer, &e),
    };
    let payload = RestorePayload {
        backup_id: m.id.clone(),
        keep_old: false,
    };
    let queued = async {
        let job_id = job::enqueue_restore(&app.registry, &p, &payload)
            .await?
            .job_id;
        audit::record_alone(
            &app.registry,
            &viewer.actor(),
            "backup.restore",
            Some((p.id, &p.name)),
            serde_json::json!({ "job_id": job_id, "backup_id": m.id, "taken_at": m.taken_at }),
        )
        .await?;
        Ok::<_, Error>(job_id)
    }
    .await;
    match queued {
        Ok(job_id) => page::redirect_with(
            &app,
            &format!("/console/platforms/{}/backups", p.id),
            Flash::ok(format!(
                "Restore of backup {} queued (job {job_id}); `{}` is in maintenance while it runs. This page follows it.",
                m.id, p.name
            )),
        ),
        Err(e) => page::failure(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::confirms;

    #[test]
    fn only_the_exact_name_confirms() {
        assert!(confirms("Acme", "Acme"));
        assert!(confirms("  Acme \n", "Acme"));
        assert!(!confirms("acme", "Acme"));
        assert!(!confirms("Acm", "Acme"));
        assert!(!confirms("", "Acme"));
        assert!(!confirms("", ""));
    }
}
