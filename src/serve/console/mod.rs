//! The web console (issue 26): server-rendered pages under `/console`, answered only on the
//! host platform's own address (the router's front layer checks the Host) or on
//! `serve.console_listen`; sessions in the registry database, CSRF on every POST, a strict
//! CSP, assets in the binary.
//!
//! Its handlers live here and only [`super::router`] routes them. It may import serve's state
//! ([`super::state::App`]) and replies ([`super::reply`]) and the library the CLI calls (long
//! actions become jobs for `tenantctl worker`); nothing else in serve imports it.
//!
//! The rooms: [`session`] (the logged-in [`Viewer`]), [`csrf`], [`auth`] (login, logout, the
//! set-password page), [`accounts`] (the accounts the CLI manages), [`page`] (layout, render,
//! flash, error pages), [`assets`]; the pages, each a `routes()` merged by [`router`]:
//! [`platforms`], [`platform`], [`dashboard`], [`notifications`], [`live`] (the platform
//! pages), [`backups`], [`wizard`], and [`audit`].

pub mod accounts;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod csrf;
pub mod dashboard;
pub mod live;
pub mod notifications;
pub mod page;
pub mod platform;
pub mod platforms;
pub mod queries;
pub mod session;
pub mod trend;
pub mod wizard;

pub use session::Viewer;

use crate::serve::state::App;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self as mw, Next};
use axum::response::Response;
use axum::routing::get;
use std::sync::Arc;

/// Where the console is mounted.
pub const PREFIX: &str = "/console";

/// The policy of every console response: nothing but the console's own script, styles and
/// forms; no frames; no inline script.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The console's routes (to be nested under [`PREFIX`]), with their CSRF check and security
/// headers.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(home))
        .route("/assets/{file}", get(assets::serve))
        .merge(auth::routes())
        .merge(audit::routes())
        // The platform pages.
        .merge(platforms::routes())
        .merge(platform::routes())
        .merge(dashboard::routes())
        .merge(notifications::routes())
        .merge(live::routes())
        // Backups and the setup wizard.
        .merge(backups::routes())
        .merge(wizard::routes())
        .fallback(not_found)
        .layer(mw::from_fn(csrf::guard))
        .layer(mw::from_fn(security_headers))
}

/// Mount the console on `r` under [`PREFIX`] (`/console/` too, which a nested router does
/// not match).
pub fn mount(r: Router<Arc<App>>) -> Router<Arc<App>> {
    r.route("/console/", get(home)).nest(PREFIX, router())
}

/// The router of `serve.console_listen`: the console alone, whatever the Host.
pub fn listener_router(app: Arc<App>) -> Router {
    mount(Router::new().route("/", get(|| async { page::see_other("/console/") }))).with_state(app)
}

async fn home(_viewer: Viewer) -> Response {
    page::see_other("/console/platforms")
}

async fn not_found(viewer: Viewer) -> Response {
    page::not_found(&viewer)
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    // Pages show who is logged in and what they may see: no shared cache keeps them.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}
