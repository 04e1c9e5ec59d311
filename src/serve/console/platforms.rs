//! The platforms page (issue 26.1): every platform the viewer may see, with a status badge
//! (a word and a colour), address, provisioned at, last backup (a warning past
//! `status.backup_warn_age`), schema size, and node on Citus; sorted (`aria-sort`), filtered and
//! paged by the server ([`queries::platforms`]). A retry button on failed platforms only, and
//! a bulk retry of the selection or of every failed platform matching the filter, after a
//! confirmation page that says how many: each through `platform retry`'s own library call
//! ([`recovery::retry`]), each recorded in the audit log.
//!
//! Also the small pieces the other platform pages share: times as `<time datetime>` (the
//! script shows them in the reader's time zone), sizes, badges, query strings.

use super::page::{self, Chrome, Flash, Nav, Page};
use super::queries::{self, Badge, Filter, ListQuery, SortKey};
use super::session::{Viewer, urlencoding};
use crate::jobs::recovery::{self, Retried};
use crate::registry::Platform;
use crate::registry::audit;
use crate::rules::RetryPolicy;
use crate::serve::state::App;
use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/platforms", get(list))
        .route("/platforms/retry", get(confirm_bulk).post(bulk_retry))
        .route("/platforms/{id}/retry", post(retry_one))
}

/// A time as the pages show it: the machine-readable UTC instant and a UTC text the script
/// replaces with the reader's local time.
#[derive(Debug, Clone)]
pub struct When {
    pub iso: String,
    pub text: String,
}

impl When {
    pub fn of(t: DateTime<Utc>) -> When {
        When {
            iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            text: t.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }

    pub fn opt(t: Option<DateTime<Utc>>) -> Option<When> {
        t.map(When::of)
    }
}

/// A schema size for people.
pub fn size(bytes: Option<i64>) -> String {
    bytes.map_or_else(|| "—".to_string(), crate::output::human_bytes)
}

/// One row of the list.
struct Row {
    id: i64,
    name: String,
    address: String,
    badge: &'static str,
    /// Why: the maintenance reason or the provisioning error's first line.
    why: Option<String>,
    provisioned: Option<When>,
    last_backup: Option<When>,
    /// Completed and no backup within the warning age (or none ever).
    backup_stale: bool,
    size: String,
    node: Option<String>,
    failed: bool,
    can_change: bool,
}

/// A sortable header.
struct Header {
    key: &'static str,
    label: &'static str,
    /// `ascending`, `descending` or `none` (`aria-sort`).
    aria: &'static str,
    href: String,
}

#[derive(Template)]
#[template(path = "platforms.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    headers: Vec<Header>,
    text: String,
    state: String,
    states: &'static [&'static str],
    total: i64,
    page: u32,
    pages: u32,
    prev: Option<String>,
    next: Option<String>,
    /// The filter as hidden fields for the bulk forms.
    filter_query: String,
    citus: bool,
    /// Failed platforms matching the filter (for "retry all N").
    failed_matching: i64,
    can_retry: bool,
}

impl Page for ListPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

/// The list's query string.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    dir: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

impl ListParams {
    /// What the list asks for; unknown values fall back to the defaults (a stale bookmark still
    /// shows the list).
    fn query(&self) -> ListQuery {
        let sort = self
            .sort
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(SortKey::Name);
        ListQuery {
            filter: self.filter(),
            sort,
            descending: self.dir.as_deref() == Some("desc"),
            page: self
                .page
                .as_deref()
                .and_then(|p| p.parse().ok())
                .unwrap_or(1)
                .max(1),
            per_page: PER_PAGE,
        }
    }

    fn filter(&self) -> Filter {
        Filter {
            state: self.state.as_deref().and_then(|s| s.parse().ok()),
            text: self
                .q
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| t.chars().take(200).collect()),
        }
    }
}

pub const PER_PAGE: u32 = 50;

/// `q=…&state=…` of a filter (empty parts left out).
fn filter_query(f: &Filter) -> String {
    let mut parts = Vec::new();
    if let Some(t) = &f.text {
        parts.push(format!("q={}", urlencoding(t)));
    }
    if let Some(s) = f.state {
        parts.push(format!("state={s}"));
    }
    parts.join("&")
}

fn list_href(f: &Filter, sort: SortKey, descending: bool, page: u32) -> String {
    let mut u = format!("/console/platforms?sort={sort}");
    if descending {
        u.push_str("&dir=desc");
    }
    let fq = filter_query(f);
    if !fq.is_empty() {
        u.push('&');
        u.push_str(&fq);
    }
    if page > 1 {
        u.push_str(&format!("&page={page}"));
    }
    u
}

fn headers(q: &ListQuery) -> Vec<Header> {
    [
        (SortKey::Name, "Name"),
        (SortKey::Status, "Status"),
        (SortKey::Provisioned, "Provisioned"),
        (SortKey::LastBackup, "Last backup"),
        (SortKey::Size, "Size"),
    ]
    .into_iter()
    .map(|(key, label)| {
        let current = q.sort == key;
        // A click on the current column turns it round; a new column starts ascending, except
        // size, where the largest first is what one looks for.
        let descending = if current {
            !q.descending
        } else {
            key == SortKey::Size
        };
        Header {
            key: key.as_str(),
            label,
            aria: match (current, q.descending) {
                (false, _) => "none",
                (true, false) => "ascending",
                (true, true) => "descending",
            },
            href: list_href(&q.filter, key, descending, 1),
        }
    })
    .collect()
}

/// The Citus node of each schema, when the registry is a Citus coordinator.
async fn nodes(app: &App) -> BTreeMap<String, String> {
    if !crate::db::citus::present() {
        return BTreeMap::new();
    }
    let Ok(mut conn) = app.registry.acquire().await else {
        return BTreeMap::new();
    };
    match crate::placement::node_by_schema(&mut conn).await {
        Ok(m) => m.into_iter().map(|(s, n)| (s, n.to_string())).collect(),
        Err(e) => {
            tracing::warn!(error = %crate::error::Shown(&e), "console: could not read the Citus placement");
            BTreeMap::new()
        }
    }
}

fn first_line(s: &str) -> String {
    let l = s.lines().next().unwrap_or_default();
    l.chars().take(160).collect()
}

fn row(app: &App, viewer: &Viewer, p: &Platform, nodes: &BTreeMap<String, String>) -> Row {
    let badge = Badge::of(p);
    let warn = *app.settings.status.backup_warn_age;
    let backup_stale = p.provision_status == crate::registry::ProvisionStatus::Completed
        && !p.external
        && p.last_backup_at
            .is_none_or(|t| chrono::Duration::from_std(warn).is_ok_and(|w| t < Utc::now() - w));
    Row {
        id: p.id,
        name: p.name.clone(),
        address: p
            .address(app.base_domain.as_deref())
            .or_else(|| p.url.clone())
            .unwrap_or_default(),
        badge: badge.as_str(),
        why: if p.maintenance {
            p.maintenance_reason.clone()
        } else if badge == Badge::Failed {
            p.provision_error.as_deref().map(first_line)
        } else {
            None
        },
        provisioned: When::opt(p.provisioned_at),
        last_backup: When::opt(p.last_backup_at),
        backup_stale,
        size: size(p.schema_size_bytes),
        node: p.schema_str().and_then(|s| nodes.get(s).cloned()),
        failed: badge == Badge::Failed,
        can_change: viewer.can_change(p.id),
    }
}

async fn list(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    Query(params): Query<ListParams>,
) -> Response {
    let q = params.query();
    let scope = viewer.platform_scope();
    let found = queries::platforms(&app.registry, scope.as_deref(), &q).await;
    let page_rows = match found {
        Ok(p) => p,
        Err(e) => return page::failure(&e),
    };
    let failed_filter = Filter {
        state: Some(Badge::Failed),
        text: q.filter.text.clone(),
    };
    // Failed platforms matching the filter (none when the filter asks for another state).
    let failed_matching = match q.filter.state {
        Some(s) if s != Badge::Failed => 0,
        _ => match queries::count(&app.registry, scope.as_deref(), &failed_filter).await {
            Ok(n) => n,
            Err(e) => return page::failure(&e),
        },
    };
    let nodes = nodes(&app).await;
    let pages = page_rows.pages();
    let rows: Vec<Row> = page_rows
        .platforms
        .iter()
        .map(|p| row(&app, &viewer, p, &nodes))
        .collect();
    let can_retry = viewer.is_admin() || rows.iter().any(|r| r.failed && r.can_change);
    let p = ListPage {
        chrome: Chrome::load(&app, &viewer, "Platforms", Nav::Platforms).await,
        headers: headers(&q),
        text: q.filter.text.clone().unwrap_or_default(),
        state: q.filter.state.map(|s| s.to_string()).unwrap_or_default(),
        states: Badge::WORDS,
        total: page_rows.total,
        page: page_rows.page,
        pages,
        prev: (q.page > 1).then(|| list_href(&q.filter, q.sort, q.descending, q.page - 1)),
        next: (q.page < pages).then(|| list_href(&q.filter, q.sort, q.descending, q.page + 1)),
        filter_query: filter_query(&q.filter),
        citus: !nodes.is_empty(),
        failed_matching,
        can_retry,
        rows,
    };
    page::render(&p)
}

/// What a bulk retry covers: the selected ids, or every failed platform matching the filter.
#[derive(Debug, Default)]
struct Bulk {
    ids: Vec<i64>,
    all: bool,
    filter: Filter,
    confirmed: bool,
}

/// Read a bulk form or query string (`id` repeats, so serde's maps do not fit).
fn bulk_of(raw: &[u8]) -> Bulk {
    let mut b = Bulk::default();
    let mut text = None;
    for (k, v) in url::form_urlencoded::parse(raw) {
        match &*k {
            "id" => {
                if let Ok(id) = v.parse() {
                    b.ids.push(id);
                }
            }
            "all" => b.all = v == "1",
            "confirm" => b.confirmed = v == "yes",
            "q" => text = Some(v.into_owned()),
            "state" => b.filter.state = v.parse().ok(),
            _ => {}
        }
    }
    b.filter.text = text
        .map(|t| t.trim().chars().take(200).collect::<String>())
        .filter(|t| !t.is_empty());
    b.ids.sort_unstable();
    b.ids.dedup();
    b
}

/// The failed platforms a bulk retry would retry, within the viewer's reach.
async fn bulk_targets(app: &App, viewer: &Viewer, b: &Bulk) -> crate::error::Result<Vec<Platform>> {
    let scope = viewer.platform_scope();
    let only = (!b.all).then_some(b.ids.as_slice());
    let mut targets =
        queries::failed_matching(&app.registry, scope.as_deref(), &b.filter, only).await?;
    targets.retain(|p| viewer.can_change(p.id));
    Ok(targets)
}

#[derive(Template)]
#[template(path = "platforms_retry.html")]
struct ConfirmPage {
    chrome: Chrome,
    count: usize,
    names: Vec<String>,
    more: usize,
    ids: Vec<i64>,
    all: bool,
    text: String,
    state: String,
    back: String,
}

impl Page for ConfirmPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

/// The confirmation page of a bulk retry: how many, and which (the first ones).
async fn confirm_bulk(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Response {
    let b = bulk_of(raw.unwrap_or_default().as_bytes());
    let targets = match bulk_targets(&app, &viewer, &b).await {
        Ok(t) => t,
        Err(e) => return page::failure(&e),
    };
    const SHOWN: usize = 20;
    let back = {
        let fq = filter_query(&b.filter);
        if fq.is_empty() {
            "/console/platforms".to_string()
        } else {
            format!("/console/platforms?{fq}")
        }
    };
    let p = ConfirmPage {
        chrome: Chrome::load(&app, &viewer, "Retry failed platforms", Nav::Platforms).await,
        count: targets.len(),
        names: targets.iter().take(SHOWN).map(|p| p.name.clone()).collect(),
        more: targets.len().saturating_sub(SHOWN),
        ids: if b.all {
            Vec::new()
        } else {
            targets.iter().map(|p| p.id).collect()
        },
        all: b.all,
        text: b.filter.text.clone().unwrap_or_default(),
        state: b.filter.state.map(|s| s.to_string()).unwrap_or_default(),
        back,
    };
    page::render(&p)
}

use axum::extract::RawQuery;

/// Retry one platform through `platform retry`'s library call, and record it.
async fn retry_and_record(
    app: &App,
    viewer: &Viewer,
    p: &Platform,
) -> crate::error::Result<Retried> {
    let policy = RetryPolicy::from_settings(&app.settings.provision);
    let r = recovery::retry(&app.registry, p, &policy).await?;
    let detail = serde_json::json!({
        "was": r.was.as_str(),
        "action": r.action,
        "job_id": r.job_id,
    });
    if let Err(e) = audit::record_alone(
        &app.registry,
        &viewer.actor(),
        "platform.retry",
        Some((p.id, &p.name)),
        detail,
    )
    .await
    {
        tracing::error!(platform = %p.name, error = %crate::error::Shown(&e), "console: the retry's audit row was not written");
    }
    Ok(r)
}

/// Do a confirmed bulk retry.
async fn bulk_retry(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    RawForm(raw): RawForm,
) -> Response {
    let b = bulk_of(&raw);
    if !b.confirmed {
        return page::see_other("/console/platforms");
    }
    let targets = match bulk_targets(&app, &viewer, &b).await {
        Ok(t) => t,
        Err(e) => return page::failure(&e),
    };
    if targets.is_empty() {
        return page::redirect_with(
            &app,
            "/console/platforms",
            Flash::info("No failed platform matched; nothing was retried."),
        );
    }
    let (mut queued, mut other) = (0usize, Vec::new());
    for p in &targets {
        match retry_and_record(&app, &viewer, p).await {
            Ok(r) if r.action.ok() => queued += 1,
            Ok(r) => other.push(format!("{}: {}", r.platform, r.message)),
            Err(e) => other.push(format!("{}: {}", p.name, crate::error::Shown(&e))),
        }
    }
    let flash = if other.is_empty() {
        Flash::ok(format!(
            "{queued} platform(s) queued for provisioning again."
        ))
    } else {
        Flash::error(format!(
            "{queued} queued; {} not: {}",
            other.len(),
            other.join("; ")
        ))
    };
    page::redirect_with(&app, "/console/platforms?state=failed", flash)
}

#[derive(Deserialize)]
pub struct Back {
    #[serde(default)]
    back: Option<String>,
}

/// Retry one failed platform (the row's button and the platform page's).
async fn retry_one(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(back): Form<Back>,
) -> Response {
    let scope = viewer.platform_scope();
    let p = match queries::platform(&app.registry, scope.as_deref(), &id.to_string()).await {
        Ok(Some(p)) => p,
        Ok(None) => return page::not_found(&viewer),
        Err(e) => return page::failure(&e),
    };
    if let Err(r) = viewer.require_change(p.id) {
        return r;
    }
    let to = back
        .back
        .as_deref()
        .and_then(page::safe_next)
        .map_or_else(|| format!("/console/platforms/{}", p.id), str::to_string);
    match retry_and_record(&app, &viewer, &p).await {
        Ok(r) if r.action.ok() => {
            page::redirect_with(&app, &to, Flash::ok(format!("{}: {}", p.name, r.message)))
        }
        Ok(r) => page::redirect_with(
            &app,
            &to,
            Flash::error(format!("{}: {}", p.name, r.message)),
        ),
        Err(e) => page::failure(&e),
    }
}
