//! The routes that serve for itself, not for a tenant: `/healthz`, `/readyz` (both databases,
//! the registry's migrations, the resolution map), `/metrics` (serve's own series, then the
//! fleet's) and `/tls/allowed` (the front proxy's on-demand TLS question).
//!
//! Handlers only: the router routes them. May import state, reply, host, resolve, metrics and
//! slots, and the library.

use super::host;
use super::metrics;
use super::reply::error;
use super::resolve::Resolution;
use super::slots::{SlotTx, Slots};
use super::state::App;
use crate::output::duration;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

/// `/metrics` on `serve.metrics_listen` (with its token, if one is set).
pub async fn own_metrics(State(app): State<Arc<App>>, req: Request) -> Response {
    match app.guard.own_metrics(&req) {
        Some(refused) => refused,
        None => metrics_text(State(app)).await,
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct AllowedQuery {
    pub domain: Option<String>,
}

/// For on-demand TLS in a front proxy (Caddy's `on_demand_tls { ask URL }`): 200 when serve
/// routes `domain` to a platform (verified, when verification is on), 404 otherwise, so the
/// proxy asks a CA for a certificate only for names that are really served here.
pub async fn tls_allowed(
    State(app): State<Arc<App>>,
    q: Result<axum::extract::Query<AllowedQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(domain) = q.ok().and_then(|axum::extract::Query(q)| q.domain) else {
        return error(StatusCode::BAD_REQUEST, "bad_request", "give `domain=`");
    };
    let host = match host::parse_host(domain.as_bytes()) {
        Ok(h) => h,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_host", e.to_string()),
    };
    match app.resolver.current().resolve(&host, chrono::Utc::now()) {
        Resolution::Tenant(_) | Resolution::Maintenance(_) => {
            (StatusCode::OK, Json(json!({ "allowed": true }))).into_response()
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "not_served",
            format!("no platform is served at `{}`", host.name.as_str()),
        ),
    }
}

pub async fn healthz() -> Response {
    (StatusCode::OK, Json(json!({ "status": "ok" }))).into_response()
}

/// Serve's own metrics, then the fleet gauges `tenantctl status --format prometheus` writes
/// (both Prometheus text 0.0.4, which concatenates). A failed fleet scrape still answers with
/// serve's metrics and is logged.
pub async fn metrics_text(State(app): State<Arc<App>>) -> Response {
    let mut body = app.metrics.encode();
    match crate::report::metrics::scrape(&app.registry, &app.settings).await {
        Ok(fleet) => body.push_str(&fleet),
        Err(e) => tracing::warn!(error = %crate::error::Shown(&e), "fleet metrics not collected"),
    }
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], body).into_response()
}

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Await a readiness probe for at most [`CHECK_TIMEOUT`]; the error as the check reports it.
async fn within_check_timeout<E: std::fmt::Display>(
    probe: impl std::future::Future<Output = Result<(), E>>,
) -> Result<(), String> {
    match tokio::time::timeout(CHECK_TIMEOUT, probe).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "no answer within {}",
            duration::span(CHECK_TIMEOUT)
        )),
    }
}

async fn check_db(pool: &PgPool) -> Result<(), String> {
    let probe = async {
        // In a transaction, so it works the same through a transaction-mode pooler.
        let mut tx = pool.begin().await?;
        // language=PostgreSQL
        sqlx::query_scalar::<_, i32>("SELECT 1")
            .persistent(false)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await
    };
    within_check_timeout(probe).await
}

/// [`check_db`] on a request slot (any free one).
async fn check_slots(slots: &Arc<Slots>) -> Result<(), String> {
    let probe = async {
        let mut tx = SlotTx::begin_with(slots, None, "BEGIN".to_string()).await?;
        // language=PostgreSQL
        sqlx::query_scalar::<_, i32>("SELECT 1")
            .persistent(false)
            .fetch_one(tx.conn())
            .await?;
        tx.commit().await
    };
    within_check_timeout(probe).await
}

/// Ready when both databases answer, the registry is migrated and the map is loaded.
pub async fn readyz(State(app): State<Arc<App>>) -> Response {
    let (registry_db, requests_db) =
        tokio::join!(check_db(&app.registry), check_slots(&app.requests));
    let migrated = if registry_db.is_ok() {
        match tokio::time::timeout(
            CHECK_TIMEOUT,
            crate::registry::migrations::pending(&app.registry),
        )
        .await
        {
            Ok(Ok(p)) if p.is_empty() => Ok(()),
            Ok(Ok(p)) => Err(format!("{} registry migration(s) pending", p.len())),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer".to_string()),
        }
    } else {
        Err("database unreachable".to_string())
    };
    let loaded = if app.resolver.is_loaded() {
        Ok(())
    } else {
        Err("the resolution map is not loaded yet".to_string())
    };
    let show = |r: &Result<(), String>| match r {
        Ok(()) => "ok".to_string(),
        Err(e) => e.clone(),
    };
    let ready = registry_db.is_ok() && requests_db.is_ok() && migrated.is_ok() && loaded.is_ok();
    let body = json!({
        "ready": ready,
        "checks": {
            "database": show(&registry_db),
            "request_database": show(&requests_db),
            "registry": show(&migrated),
            "resolution": show(&loaded),
        },
        "served": app.resolver.current().len(),
        "notifications": if app.resolver.notifications_seen() { "ok" } else { "unverified" },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
