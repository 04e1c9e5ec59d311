//! The web console's foundation (issue 26): where it answers, its headers, sessions, CSRF and
//! Origin checks, accounts; in a real browser where a person would notice.

use crate::browser::{Browser, Console, account};
use crate::common::Env;
use crate::serve::app;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sqlx::PgPool;
use tenantctl::serve::console::accounts::Role;
use tenantctl::serve::{self};
use tower::ServiceExt;

async fn get(
    app: &std::sync::Arc<tenantctl::serve::App>,
    host: &str,
    path: &str,
) -> axum::response::Response {
    let req = Request::builder()
        .uri(path)
        .header(header::HOST, host)
        .body(Body::empty())
        .unwrap();
    serve::router(app.clone()).oneshot(req).await.unwrap()
}

/// The console answers on the host platform's own address only: a tenant's Host, an unknown
/// one or an IP address get 404, and with `serve.console` off nobody gets it.
#[sqlx::test(migrations = false)]
async fn console_only_on_the_host_address(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    let on = app(&env, &[("TENANTCTL_SERVE_CONSOLE", "on")]).await;
    let r = get(&on, "example.test", "/console/login").await;
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.headers()[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
    for host in ["acme.example.test", "127.0.0.1", "nowhere.test"] {
        let r = get(&on, host, "/console/login").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{host}");
    }
    // The tenant's own routes are untouched.
    assert_eq!(
        get(&on, "acme.example.test", "/api/communities")
            .await
            .status(),
        StatusCode::OK
    );
    let off = app(&env, &[]).await;
    assert_eq!(
        get(&off, "example.test", "/console/login").await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Assets carry their digest in the name and may be cached for a year; pages link them.
#[sqlx::test(migrations = false)]
async fn console_assets_cached_long(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let on = app(&env, &[("TENANTCTL_SERVE_CONSOLE", "on")]).await;
    let css = tenantctl::serve::console::assets::css_path();
    let r = get(&on, "example.test", css).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
    let r = get(&on, "example.test", "/console/assets/console-0000.css").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = get(&on, "example.test", "/console/login").await;
    let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains(css), "{html}");
    assert!(!html.contains("<script>"), "no inline script: {html}");
}

/// In Chromium: the console sends to the login page, a login shows the navigation, logout
/// ends the session (the next page asks for a login again).
#[sqlx::test(migrations = false)]
async fn console_login_and_logout_in_a_browser(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    account(
        &env,
        "ada@example.test",
        Role::Admin,
        "correct horse battery",
    )
    .await;
    let c = Console::start(&env, &[]).await;
    let b = Browser::start().await;
    let base = c.url("");
    b.goto(&c.url("/console/")).await;
    b.wait_path("/console/login").await;
    b.login(&base, "ada@example.test", "correct horse battery")
        .await;
    let nav = b.text("nav.main a[href='/console/platforms']").await;
    assert_eq!(nav.as_deref(), Some("Platforms"));
    assert_eq!(
        b.text("#user-email").await.as_deref(),
        Some("ada@example.test")
    );
    assert!(b.text("#platforms").await.unwrap().contains("Host"));
    b.click("#logout").await;
    b.wait_path("/console/login").await;
    assert!(b.source().await.contains("You are logged out."));
    b.goto(&c.url("/console/platforms")).await;
    b.wait_path("/console/login?next=%2Fconsole%2Fplatforms")
        .await;
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM tenantctl.console_sessions")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0, "logout ends the session in the registry");
    b.close().await;
}
