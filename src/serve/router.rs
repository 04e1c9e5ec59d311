//! The router: every route and the handler it goes to, and the front layer every request
//! passes first (Host check, tenant resolution, redirects, maintenance, tracing span, metrics).
//!
//! The only room that knows the handlers (api, setup, system, and the console's when it
//! comes). May import them, state, reply, guard, host, resolve and metrics; nothing in serve
//! imports it but `serve` itself.

use super::host::{self, RequestHost};
use super::reply::{error, maintenance};
use super::resolve::Resolution;
use super::state::{App, UnknownHost};
use super::{api, console, setup, system};
use crate::config::ConsoleMode;
use crate::registry::domains;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self as mw, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;
use std::time::Instant;
use tracing::{Instrument, field};

/// Which part of the application a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    /// `/healthz`, `/readyz`, `/metrics`: no tenant.
    System,
    /// `/setup/*`: the registry, never a tenant schema.
    Setup,
    /// `/_bench/fixed/*`: the benchmark floor (only when enabled).
    Bench,
    /// `/.well-known/tenantctl-challenge/<token>`: serve's answer that a verified domain still
    /// points here (never answered for an unverified one: `registry::domains`).
    Challenge,
    /// `/console`, `/console/*`: the web console, on the host platform's own address only.
    Console,
    /// Everything else: resolved to a tenant first.
    Tenant,
}

pub const BENCH_PREFIX: &str = "/_bench/fixed";

fn area(path: &str, bench: bool) -> Area {
    match path {
        "/healthz" | "/readyz" | "/metrics" | "/tls/allowed" => Area::System,
        p if p.starts_with(domains::CHALLENGE_PATH) => Area::Challenge,
        p if p == "/setup" || p.starts_with("/setup/") => Area::Setup,
        p if p == console::PREFIX || p.starts_with("/console/") => Area::Console,
        p if bench && p.starts_with(BENCH_PREFIX) => Area::Bench,
        _ => Area::Tenant,
    }
}

/// The router with its front layer.
pub fn router(app: Arc<App>) -> Router {
    let mut r = Router::new()
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics_text))
        .route("/tls/allowed", get(system::tls_allowed))
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
    if app.settings.serve.console == ConsoleMode::On {
        r = console::mount(r);
    }
    r.fallback(fallback)
        .layer(mw::from_fn_with_state(app.clone(), front))
        .with_state(app)
}

/// The router of `serve.metrics_listen`: `/metrics` alone (with its token, if one is set).
pub fn metrics_router(app: Arc<App>) -> Router {
    Router::new()
        .route("/metrics", get(system::own_metrics))
        .fallback(fallback)
        .with_state(app)
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
                if let Some(to_wizard) = setup::browser_redirect(&app, &req) {
                    return to_wizard;
                }
                return match app.guard.setup(&req) {
                    Some(refused) => refused,
                    None => next.run(req).await,
                };
            }
            Area::System | Area::Bench => return next.run(req).await,
            Area::Console => {
                // Only on the host platform's own address: a tenant's Host never reaches it.
                let own = matches!(&host.name, host::HostName::Domain(n)
                    if app.resolver.current().console_address() == Some(n.as_str()));
                return if app.settings.serve.console == ConsoleMode::On && own {
                    next.run(req).await
                } else {
                    error(StatusCode::NOT_FOUND, "not_found", "no such route")
                };
            }
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
        assert_eq!(area("/console", false), Area::Console);
        assert_eq!(area("/console/login", false), Area::Console);
        assert_eq!(area("/consoles", false), Area::Tenant);
    }
}
