//! The audit log page (`/console/audit`, issue 26.7), for operators: every change made in the
//! console or by the CLI, newest first, filtered by platform, person and action. Organizers
//! get the same 404 as for anything else not theirs.

use super::page::{self, Chrome, Nav, Page};
use super::session::{Viewer, urlencoding};
use crate::registry::audit::{self, Filter};
use crate::serve::state::App;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use std::sync::Arc;

const PAGE_ROWS: i64 = 100;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/audit", get(show))
}

struct Row {
    at_iso: String,
    at_text: String,
    actor: String,
    via: String,
    action: String,
    platform: Option<String>,
    address: Option<String>,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<Row>,
    filter_platform: String,
    filter_actor: String,
    filter_action: String,
    filtered: bool,
    older: Option<String>,
}

impl Page for AuditPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    platform: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    before: Option<i64>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

async fn show(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    Query(q): Query<AuditQuery>,
) -> Response {
    if !viewer.is_operator() {
        return page::not_found(&viewer);
    }
    let f = Filter {
        platform: non_empty(&q.platform),
        actor: non_empty(&q.actor),
        action: non_empty(&q.action),
        since: None,
        before: q.before,
        limit: PAGE_ROWS + 1,
    };
    let mut rows = match audit::list(&app.registry, &f).await {
        Ok(r) => r,
        Err(e) => return page::db_failure(&e),
    };
    let more = rows.len() as i64 > PAGE_ROWS;
    rows.truncate(PAGE_ROWS as usize);
    let older = more.then(|| {
        let mut u = String::from("/console/audit?");
        for (k, v) in [
            ("platform", &f.platform),
            ("actor", &f.actor),
            ("action", &f.action),
        ] {
            if let Some(v) = v {
                u.push_str(&format!("{k}={}&", urlencoding(v)));
            }
        }
        u.push_str(&format!("before={}", rows.last().map_or(0, |r| r.id)));
        u
    });
    let entries = rows
        .into_iter()
        .map(|e| Row {
            at_iso: e.at.to_rfc3339(),
            at_text: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor: e.actor,
            via: e.via,
            action: e.action,
            platform: e.platform,
            address: e.address,
            detail: match &e.detail {
                serde_json::Value::Object(m) if m.is_empty() => String::new(),
                other => other.to_string(),
            },
        })
        .collect();
    let p = AuditPage {
        chrome: Chrome::load(&app, &viewer, "Audit log", Nav::Audit).await,
        entries,
        filtered: f.platform.is_some() || f.actor.is_some() || f.action.is_some(),
        filter_platform: f.platform.unwrap_or_default(),
        filter_actor: f.actor.unwrap_or_default(),
        filter_action: f.action.unwrap_or_default(),
        older,
    };
    page::render(&p)
}
