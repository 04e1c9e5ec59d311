//! The operators' dashboard (issue 26.5): platforms stuck in provisioning flagged at the top,
//! provisioning success and failure over 24 h / 7 d / 30 d, failed provisions per day as an
//! inline SVG ([`super::trend`]), the mean provision time with the anomalies, the largest
//! schemas, stale backups, queue depth and workers seen ([`queries::dashboard`]); and the
//! provision history of a date range as CSV, streamed (organizers get their own platforms').

use super::page::{self, Chrome, Nav, Page};
use super::platforms::{When, size};
use super::queries::{self, Outcomes};
use super::session::Viewer;
use super::trend;
use crate::output::duration;
use crate::serve::state::App;
use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/dashboard", get(show))
        .route("/dashboard/history.csv", get(history_csv))
}

struct Window {
    label: &'static str,
    completed: i64,
    failed: i64,
    /// Failed share, in percent, one decimal.
    failure_rate: String,
}

impl Window {
    fn of(label: &'static str, o: Outcomes) -> Window {
        let total = o.completed + o.failed;
        Window {
            label,
            completed: o.completed,
            failed: o.failed,
            failure_rate: if total == 0 {
                "—".into()
            } else {
                format!("{:.1} %", 100.0 * o.failed as f64 / total as f64)
            },
        }
    }
}

struct Named {
    id: Option<i64>,
    name: String,
    value: String,
    when: Option<When>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    stuck: Vec<Named>,
    windows: Vec<Window>,
    trend_svg: String,
    mean: Option<String>,
    slow: Vec<Named>,
    largest: Vec<Named>,
    stale: Vec<Named>,
    stale_count: i64,
    backup_warn: String,
    queued: i64,
    waiting: i64,
    running: i64,
    workers: i64,
    from: String,
    to: String,
}

impl Page for DashboardPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

async fn show(State(app): State<Arc<App>>, viewer: Viewer) -> Response {
    if !viewer.is_operator() {
        return page::not_found(&viewer);
    }
    let warn = *app.settings.status.backup_warn_age;
    let d = match queries::dashboard(&app.registry, warn).await {
        Ok(d) => d,
        Err(e) => return page::failure(&e),
    };
    let today = Utc::now().date_naive();
    let p = DashboardPage {
        chrome: Chrome::load(&app, &viewer, "Dashboard", Nav::Dashboard).await,
        stuck: d
            .stuck
            .iter()
            .map(|p| Named {
                id: Some(p.id),
                name: p.name.clone(),
                value: String::new(),
                when: Some(When::of(p.updated_at)),
            })
            .collect(),
        windows: vec![
            Window::of("24 hours", d.day),
            Window::of("7 days", d.week),
            Window::of("30 days", d.month),
        ],
        trend_svg: trend::bars("Failed provisions per day", &d.failures_per_day),
        mean: d.mean_provision.map(duration::span),
        slow: d
            .slow
            .iter()
            .map(|s| Named {
                id: s.platform_id,
                name: s.platform.clone(),
                value: duration::span(s.duration),
                when: Some(When::of(s.started_at)),
            })
            .collect(),
        largest: d
            .largest
            .iter()
            .map(|r| Named {
                id: Some(r.platform_id),
                name: r.platform.clone(),
                value: size(r.schema_size_bytes),
                when: None,
            })
            .collect(),
        stale: d
            .stale_backups
            .iter()
            .map(|r| Named {
                id: Some(r.platform_id),
                name: r.platform.clone(),
                value: String::new(),
                when: When::opt(r.last_backup_at),
            })
            .collect(),
        stale_count: d.stale_backup_count,
        backup_warn: duration::span(warn),
        queued: d.queued,
        waiting: d.waiting,
        running: d.running,
        workers: d.workers,
        from: (today - chrono::Duration::days(30)).to_string(),
        to: today.to_string(),
    };
    page::render(&p)
}

#[derive(Debug, Deserialize)]
pub struct Range {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// The longest range one export covers.
const MAX_DAYS: i64 = 366;

fn bad_request(text: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_string(),
    )
        .into_response()
}

/// Parse and check a range: dates as `YYYY-MM-DD`, `to` not before `from`, at most a year.
pub fn range(
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), String> {
    let day = |s: Option<&str>, default: NaiveDate, what: &str| match s
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Ok(default),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| format!("`{what}` must be a date like 2026-12-31")),
    };
    let to = day(to, today, "to")?;
    let from = day(from, to - chrono::Duration::days(30), "from")?;
    if to < from {
        return Err("the range ends before it starts".into());
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(format!("a range covers at most {MAX_DAYS} days"));
    }
    Ok((from, to))
}

/// The provision history of a date range as CSV: every attempt the viewer may see, oldest
/// first, built as the database streams it.
async fn history_csv(
    State(app): State<Arc<App>>,
    viewer: Viewer,
    Query(r): Query<Range>,
) -> Response {
    let (from, to) = match range(r.from.as_deref(), r.to.as_deref(), Utc::now().date_naive()) {
        Ok(r) => r,
        Err(e) => return bad_request(&e),
    };
    let scope = viewer.platform_scope();
    // NOTE: streamed in chunks, so a year of attempts never sits in memory whole; a client
    // that goes away stops the query.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(8);
    let pool = app.registry.clone();
    tokio::spawn(async move {
        let emit = |chunk: Vec<u8>| {
            let tx = tx.clone();
            async move { tx.send(Ok(bytes::Bytes::from(chunk))).await.is_ok() }
        };
        if let Err(e) = queries::history_csv(&pool, scope.as_deref(), from, to, emit).await {
            tracing::error!(error = %crate::error::Shown(&e), "console: the CSV export failed midway");
            let _ = tx
                .send(Err(std::io::Error::other("the export failed midway")))
                .await;
        }
    });
    let mut rx = rx;
    let body = Body::from_stream(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    let name = format!("provision-history-{from}-to-{to}.csv");
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ranges() {
        let today = d("2026-12-07");
        assert_eq!(range(None, None, today), Ok((d("2026-11-07"), today)));
        assert_eq!(
            range(Some("2026-12-01"), Some("2026-12-02"), today),
            Ok((d("2026-12-01"), d("2026-12-02")))
        );
        assert_eq!(
            range(Some("2026-12-03"), Some("2026-12-02"), today),
            Err("the range ends before it starts".into())
        );
        assert!(
            range(Some("12/03/2026"), None, today)
                .unwrap_err()
                .contains("`from`")
        );
        assert!(
            range(Some("2024-01-01"), None, today)
                .unwrap_err()
                .contains("366")
        );
    }
}
