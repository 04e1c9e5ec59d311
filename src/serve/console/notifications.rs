//! The notification center (issue 26.6): each user's notifications (an organizer's platforms'
//! provisioning failed and completed; failed backups and lost domains for operators), newest
//! first, unread ones marked; mark one or all read; the unread count in every page's header.
//! Reads are per user; a "provisioning failed" one is read for everybody once its retry is
//! attempted (see [`crate::registry::notifications`]).

use super::page::{self, Chrome, Flash, Nav, Page};
use super::platforms::When;
use super::session::Viewer;
use crate::registry::notifications::{self, Notification, Reader};
use crate::serve::state::App;
use askama::Template;
use axum::Router;
use axum::extract::{Query, RawForm, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/notifications", get(show))
        .route("/notifications/read", post(mark_read))
}

const PAGE_ROWS: i64 = 50;

fn reader<'a>(viewer: &Viewer, scope: &'a Option<Vec<i64>>) -> Reader<'a> {
    Reader {
        user_id: viewer.id,
        platforms: scope.as_deref(),
    }
}

struct Row {
    id: i64,
    kind: &'static str,
    platform_id: Option<i64>,
    platform: String,
    message: String,
    detail: Option<String>,
    at: When,
    read: bool,
    resolved: bool,
}

impl Row {
    fn of(n: Notification) -> Row {
        Row {
            id: n.id,
            kind: n.kind.as_str(),
            platform_id: n.platform_id,
            platform: n.platform_name,
            message: n.message,
            detail: n.detail,
            at: When::of(n.created_at),
            read: n.read,
            resolved: n.resolved_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    unread_only: bool,
    older: Option<String>,
}

impl Page for NotificationsPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    unread: Option<String>,
    #[serde(default)]
    before: Option<i64>,
}

async fn show(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    Query(q): Query<ListParams>,
) -> Response {
    let scope = viewer.platform_scope();
    let unread_only = q.unread.as_deref() == Some("1");
    let mut rows = match notifications::list(
        &app.registry,
        reader(&viewer, &scope),
        unread_only,
        q.before,
        PAGE_ROWS + 1,
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return page::failure(&e),
    };
    let more = rows.len() as i64 > PAGE_ROWS;
    rows.truncate(PAGE_ROWS as usize);
    let older = more.then(|| {
        format!(
            "/console/notifications?{}before={}",
            if unread_only { "unread=1&" } else { "" },
            rows.last().map_or(0, |r| r.id)
        )
    });
    let p = NotificationsPage {
        chrome: Chrome::load(&app, &viewer, "Notifications", Nav::Notifications).await,
        rows: rows.into_iter().map(Row::of).collect(),
        unread_only,
        older,
    };
    page::render(&p)
}

/// Mark read: the ids given (`id`, repeated), or all (`all=1`).
async fn mark_read(State(app): State<Arc<App>>, viewer: Viewer, RawForm(raw): RawForm) -> Response {
    let mut ids = Vec::new();
    let mut all = false;
    for (k, v) in url::form_urlencoded::parse(&raw) {
        match &*k {
            "id" => ids.extend(v.parse::<i64>().ok()),
            "all" => all = v == "1",
            _ => {}
        }
    }
    let scope = viewer.platform_scope();
    let which = (!all).then_some(ids.as_slice());
    match notifications::mark_read(&app.registry, reader(&viewer, &scope), which).await {
        Ok(n) => page::redirect_with(
            &app,
            "/console/notifications",
            Flash::ok(format!(
                "{n} notification{} marked read.",
                if n == 1 { "" } else { "s" }
            )),
        ),
        Err(e) => page::failure(&e),
    }
}
