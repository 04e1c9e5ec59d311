//! The axum application: shared state, the router, and the front layer every request passes
//! first (Host check, tenant resolution, redirects, maintenance, tracing span, metrics).

use super::guard::Guard;
use super::host::{self, RequestHost};
use super::metrics::{self, Metrics};
use super::resolve::{Resolution, Resolver, Tenant};
use super::{api, setup};
use crate::db::SchemaName;
use crate::output::duration;
use crate::registry::domains;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self as mw, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::{Instrument, field};

pub use crate::config::UnknownHost;

/// The benchmark-only floor: one schema, fixed on its own pool's connections (see
/// `serve --bench-fixed-schema`).
#[derive(Debug, Clone)]
pub struct FixedSchema {
    pub pool: PgPool,
    pub schema: SchemaName,
}

/// Everything a request can reach.
#[derive(Debug)]
pub struct App {
    /// Request traffic (tenant transactions), on tenant-affine connection slots; may be a
    /// PgBouncer in transaction mode.
    pub requests: Arc<super::slots::Slots>,
    /// Whether request queries may be named prepared statements (`serve.statement_cache` > 0);
    /// otherwise they use the unnamed statement, which lives only inside its transaction.
    pub persistent: bool,
    /// Whether the request connections have the request lock timeout as their own default
    /// (direct connections); otherwise each request transaction sets it.
    pub lock_timeout_set: bool,
    /// The request pool's statement cache per connection (`serve.statement_cache`).
    pub statement_cache: usize,
    /// The registry, directly: setup routes, readiness, and the resolver's reloads.
    pub registry: PgPool,
    pub resolver: Arc<Resolver>,
    pub metrics: Arc<Metrics>,
    pub unknown_host: UnknownHost,
    /// `http` or `https`, for redirects.
    pub url_scheme: String,
    pub retry_after: Duration,
    pub extension_schema: Option<SchemaName>,
    /// The configured `base_domain`, as typed (setup routes normalise it like the CLI).
    pub base_domain: Option<String>,
    /// The settings serve started with (the fleet metrics of `/metrics` read them).
    pub settings: crate::config::Settings,
    pub fixed: Option<FixedSchema>,
    /// Who may reach `/setup/*` and `/metrics` (`serve.setup`, `serve.metrics_*`).
    pub guard: Guard,
}

impl App {
    /// Advice when the tenants one request connection serves outgrow its statement cache:
    /// request statements are then shared by all tenants and planned again whenever a
    /// connection changes tenant (see [`Self::stmts`]). `None` while they fit.
    pub fn shared_statements_advice(&self) -> Option<String> {
        let fleet = self.resolver.served();
        let per = self.requests.tenants_per_connection(fleet);
        let q = super::api::QUERIES;
        if !self.persistent || per * q <= self.statement_cache {
            return None;
        }
        let raise = if per < fleet {
            // With affinity: a larger pool gives each connection a smaller share.
            let pool = (2 * fleet * q).div_ceil(self.statement_cache.max(1));
            format!(
                "serve.pool_size to {pool} or serve.statement_cache to {}",
                per * q
            )
        } else {
            format!("serve.statement_cache to {}", per * q)
        };
        Some(format!(
            "{fleet} tenants, about {per} per request connection: their {} request statements do not fit serve.statement_cache ({}), so every tenant shares one text, planned again whenever a connection changes tenant; raise {raise}",
            per * q,
            self.statement_cache
        ))
    }

    /// How this request's queries are sent. Statements are per tenant while the queries of
    /// the tenants one connection serves fit in its statement cache (with affinity a share of
    /// the fleet, see [`super::slots::Slots::tenants_per_connection`]); beyond that, one text
    /// for all (re-planned when a connection changes tenant) beats a cache that evicts, which
    /// costs a round trip (Close) and a full plan per request.
    pub fn stmts<'a>(&self, tenant: Option<&'a SchemaName>) -> super::api::Stmts<'a> {
        let served = self.requests.tenants_per_connection(self.resolver.served());
        let fits = served * super::api::QUERIES <= self.statement_cache;
        // Shared, except for a tenant whose result types differ (see `plans`).
        let own = || tenant.is_some_and(|t| self.resolver.plans.is_apart(t));
        let tag = if self.persistent && (fits || own()) {
            tenant
        } else {
            None
        };
        super::api::Stmts {
            persistent: self.persistent,
            tag,
            generation: if self.persistent {
                self.resolver.plans.get(tag)
            } else {
                0
            },
        }
    }
}

/// Which part of the application a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    /// `/healthz`, `/readyz`, `/metrics`: no tenant.
    System,
    /// `/setup/*`: the registry, never a tenant schema.
    Setup,
    /// `/_bench/fixed/*`: the benchmark floor (only when enabled).
    Bench,
    /// `/.well-known/tenantctl-challenge/<token>`: the HTTP proof of an unverified domain.
    Challenge,
    /// Everything else: resolved to a tenant first.
    Tenant,
}

pub const BENCH_PREFIX: &str = "/_bench/fixed";

fn area(path: &str, bench: bool) -> Area {
    match path {
        "/healthz" | "/readyz" | "/metrics" | "/tls/allowed" => Area::System,
        p if p.starts_with(domains::CHALLENGE_PATH) => Area::Challenge,
        p if p == "/setup" || p.starts_with("/setup/") => Area::Setup,
        p if bench && p.starts_with(BENCH_PREFIX) => Area::Bench,
        _ => Area::Tenant,
    }
}

/// The router with its front layer.
pub fn router(app: Arc<App>) -> Router {
    let mut r = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/tls/allowed", get(tls_allowed))
        .route("/setup/platforms", post(setup::create))
        .route("/setup/platforms/{id}", get(setup::show))
        .route("/setup/domain-available", get(setup::domain_available))
        .route("/api/communities", get(api::communities))
        .route("/api/posts", get(api::posts));
    if app.fixed.is_some() {
        r = r
            .route(
                &format!("{BENCH_PREFIX}/api/communities"),
                get(api::fixed_communities),
            )
            .route(&format!("{BENCH_PREFIX}/api/posts"), get(api::fixed_posts))
            .route(
                &format!("{BENCH_PREFIX}/bare/api/communities"),
                get(api::fixed_bare_communities),
            );
    }
    r.fallback(fallback)
        .layer(mw::from_fn_with_state(app.clone(), front))
        .with_state(app)
}

/// The router of `serve.metrics_listen`: `/metrics` alone (with its token, if one is set).
pub fn metrics_router(app: Arc<App>) -> Router {
    Router::new()
        .route("/metrics", get(own_metrics))
        .fallback(fallback)
        .with_state(app)
}

async fn own_metrics(State(app): State<Arc<App>>, req: Request) -> Response {
    match app.guard.own_metrics(&req) {
        Some(refused) => refused,
        None => metrics_text(State(app)).await,
    }
}

/// A JSON error: `{"error": code, "message": text}` plus extra fields.
pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": code, "message": message.into() })),
    )
        .into_response()
}

async fn fallback() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// Where a redirect goes: `scheme://address[:port]` + path and query.
fn location(app: &App, address: &str, host: &RequestHost, path_and_query: &str) -> String {
    match host.port {
        Some(p) => format!("{}://{address}:{p}{path_and_query}", app.url_scheme),
        None => format!("{}://{address}{path_and_query}", app.url_scheme),
    }
}

fn redirect(status: StatusCode, to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (status, [(header::LOCATION, v)]).into_response(),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "redirect target is not a valid header value",
        ),
    }
}

/// The front layer: runs before routing, for every request.
async fn front(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        host = field::Empty,
        tenant = field::Empty,
        schema = field::Empty,
    );
    let mut tenant_label = String::new();
    let response = async {
        let host = match host::request_host(req.headers(), req.uri(), req.version()) {
            Ok(h) => h,
            Err(e) => return error(StatusCode::BAD_REQUEST, "bad_host", e.to_string()),
        };
        span.record("host", field::display(&host));
        match area(req.uri().path(), app.fixed.is_some()) {
            Area::System if req.uri().path() == "/metrics" => {
                return match app.guard.public_metrics(&req) {
                    Some(refused) => refused,
                    None => next.run(req).await,
                };
            }
            Area::Setup => {
                return match app.guard.setup(&req) {
                    Some(refused) => refused,
                    None => next.run(req).await,
                };
            }
            Area::System | Area::Bench => return next.run(req).await,
            Area::Challenge => {
                let token = &req.uri().path()[domains::CHALLENGE_PATH.len()..];
                return match app.resolver.current().challenge(&host, token) {
                    Some(proof) => (
                        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                        proof.to_string(),
                    )
                        .into_response(),
                    None => error(
                        StatusCode::NOT_FOUND,
                        "not_found",
                        "no challenge of that token for this host",
                    ),
                };
            }
            Area::Tenant => {}
        }
        match app.resolver.current().resolve(&host, chrono::Utc::now()) {
            Resolution::Tenant(t) => {
                span.record("tenant", t.name.as_str());
                span.record("schema", t.schema.as_str());
                tenant_label = t.schema.as_str().to_string();
                req.extensions_mut().insert(t);
                next.run(req).await
            }
            Resolution::Maintenance(t) => {
                span.record("tenant", t.name.as_str());
                span.record("schema", t.schema.as_str());
                tenant_label = t.schema.as_str().to_string();
                maintenance(&t)
            }
            Resolution::Moved { to } => {
                let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str());
                redirect(
                    StatusCode::PERMANENT_REDIRECT,
                    &location(&app, &to, &host, path_and_query),
                )
            }
            Resolution::Unknown { host_address } => match (app.unknown_host, host_address) {
                (UnknownHost::Redirect, Some(h)) if h != host.name.as_str() => {
                    // Temporary: an unknown host may become a platform any minute.
                    redirect(
                        StatusCode::TEMPORARY_REDIRECT,
                        &location(&app, &h, &host, "/"),
                    )
                }
                _ => error(
                    StatusCode::NOT_FOUND,
                    "unknown_host",
                    format!("no platform is served at `{}`", host.name.as_str()),
                ),
            },
        }
    }
    .instrument(span.clone())
    .await;
    let mut response = response;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(app.retry_after.as_secs().max(1)),
        );
    }
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    app.metrics.observe(&tenant_label, status, elapsed);
    tracing::info!(parent: &span, status, elapsed_us = elapsed.as_micros() as u64, "answered");
    response
}

pub fn maintenance(t: &Tenant) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({
            "error": "maintenance",
            "message": format!("`{}` is down for maintenance", t.name),
            "reason": t.maintenance_reason,
        })),
    )
        .into_response()
}

#[derive(Debug, serde::Deserialize)]
pub struct AllowedQuery {
    pub domain: Option<String>,
}

/// For on-demand TLS in a front proxy (Caddy's `on_demand_tls { ask URL }`): 200 when serve
/// routes `domain` to a platform (verified, when verification is on), 404 otherwise, so the
/// proxy asks a CA for a certificate only for names that are really served here.
async fn tls_allowed(
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

async fn healthz() -> Response {
    (StatusCode::OK, Json(json!({ "status": "ok" }))).into_response()
}

/// Serve's own metrics, then the fleet gauges `tenantctl status --format prometheus` writes
/// (both Prometheus text 0.0.4, which concatenates). A failed fleet scrape still answers with
/// serve's metrics and is logged.
async fn metrics_text(State(app): State<Arc<App>>) -> Response {
    let mut body = app.metrics.encode();
    match crate::report::metrics::scrape(&app.registry, &app.settings).await {
        Ok(fleet) => body.push_str(&fleet),
        Err(e) => tracing::warn!(error = %e, "fleet metrics not collected"),
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
async fn check_slots(slots: &Arc<super::slots::Slots>) -> Result<(), String> {
    let probe = async {
        let mut tx = super::slots::SlotTx::begin_with(slots, None, "BEGIN".to_string()).await?;
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
async fn readyz(State(app): State<Arc<App>>) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas() {
        assert_eq!(area("/healthz", false), Area::System);
        assert_eq!(area("/metrics", false), Area::System);
        assert_eq!(area("/setup", false), Area::Setup);
        assert_eq!(area("/setup/platforms/1", false), Area::Setup);
        assert_eq!(area("/setupx", false), Area::Tenant);
        assert_eq!(area("/api/posts", false), Area::Tenant);
        assert_eq!(area("/_bench/fixed/api/posts", false), Area::Tenant);
        assert_eq!(area("/_bench/fixed/api/posts", true), Area::Bench);
        assert_eq!(area("/healthz/x", false), Area::Tenant);
        assert_eq!(
            area("/.well-known/tenantctl-challenge/abc", false),
            Area::Challenge
        );
        assert_eq!(area("/tls/allowed", false), Area::System);
    }
}
