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

/// The CLI's account commands: a link printed once (its token stored only hashed), the list,
/// disable ending sessions, and every change in `tenantctl audit` with the OS user.
#[sqlx::test(migrations = false)]
async fn console_accounts_from_the_cli(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    env.set("USER", "alice");
    let r = env
        .run(&[
            "console",
            "user",
            "add",
            "Ops@Example.test",
            "--role",
            "admin",
            "--output",
            "json",
        ])
        .await;
    r.ok();
    let v = r.json();
    let link = v["link"].as_str().unwrap().to_string();
    assert!(
        link.starts_with("http://example.test/console/password/")
            || link.starts_with("https://example.test/console/password/"),
        "{link}"
    );
    let token = link.rsplit('/').next().unwrap();
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tenantctl.console_invites WHERE convert_from(token_hash, 'SQL_ASCII') LIKE '%' || $1 || '%'",
    )
    .bind(token)
    .fetch_one(&env.pool)
    .await
    .unwrap_or(0);
    assert_eq!(stored, 0, "the token is not stored as such");
    // The same email in another case is the same account.
    env.run(&[
        "console",
        "user",
        "add",
        "ops@example.test",
        "--role",
        "viewer",
    ])
    .await
    .code(1)
    .stderr_has("console user `ops@example.test` exists already");
    env.run(&["console", "user", "add", "not-an-email", "--role", "admin"])
        .await
        .code(2);
    env.run(&[
        "console",
        "user",
        "add",
        "o@example.test",
        "--role",
        "organizer",
    ])
    .await
    .code(2)
    .stderr_has("console invite");
    crate::browser::set_password(&env, token, "correct horse battery").await;
    // The link works once.
    let hash = tenantctl::serve::console::accounts::hash_password("another long password")
        .await
        .unwrap();
    assert!(
        tenantctl::serve::console::accounts::use_link(&env.pool, token, &hash, None)
            .await
            .unwrap()
            .is_none()
    );
    env.tenant("Acme", "acme").await;
    let r = env
        .run(&[
            "console",
            "invite",
            "org@example.test",
            "--platform",
            "Acme",
            "--output",
            "json",
        ])
        .await;
    r.ok();
    assert!(
        r.json()["link"]
            .as_str()
            .unwrap()
            .contains("/console/password/")
    );
    let r = env
        .run(&["console", "user", "list", "--output", "json"])
        .await;
    r.ok();
    let users = r.json();
    let users = users.as_array().unwrap();
    // The invited organizer has no account until the link is used.
    assert_eq!(users.len(), 1);
    let ops = users
        .iter()
        .find(|u| u["email"] == "Ops@Example.test")
        .unwrap();
    assert_eq!(ops["role"], "admin");
    assert_eq!(ops["password_set"], true);
    // Disabling ends sessions at once.
    sqlx::query(
        "INSERT INTO tenantctl.console_sessions (id_hash, user_id, expires_at)
         SELECT '\\x00'::bytea, id, now() + interval '1 hour' FROM tenantctl.console_users
         WHERE lower(email) = 'ops@example.test'",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    env.run(&["console", "user", "disable", "ops@example.test"])
        .await
        .ok()
        .stderr_has("its sessions have ended");
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM tenantctl.console_sessions")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    env.run(&["platform", "maintenance", "Acme", "on", "--reason", "disk"])
        .await
        .ok();
    let r = env.run(&["audit", "--output", "json"]).await;
    r.ok();
    let rows = r.json();
    let actions: Vec<(String, String, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"].as_str().unwrap().to_string(),
                e["via"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        "console.user.add",
        "console.invite",
        "console.user.disable",
        "platform.create",
        "platform.maintenance.on",
    ] {
        assert!(
            actions
                .iter()
                .any(|(a, who, via)| a == want && who == "alice" && via == "cli"),
            "{want} by alice via cli in {actions:?}"
        );
    }
    let r = env
        .run(&["audit", "--platform", "acme", "--output", "json"])
        .await;
    r.ok();
    assert!(
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["platform"] == "Acme")
    );
}

async fn post(
    app: &std::sync::Arc<tenantctl::serve::App>,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> axum::response::Response {
    let mut b = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::HOST, "example.test")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    serve::router(app.clone())
        .oneshot(b.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap()
}

/// A POST without the token, with another's token, or from another origin is refused before
/// any handler runs; logins are rate limited per account.
#[sqlx::test(migrations = false)]
async fn console_posts_need_token_and_origin(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    account(
        &env,
        "ada@example.test",
        Role::Admin,
        "correct horse battery",
    )
    .await;
    let on = app(
        &env,
        &[
            ("TENANTCTL_SERVE_CONSOLE", "on"),
            ("TENANTCTL_SERVE_CONSOLE_ACCOUNT_LOGIN_RATE", "3"),
        ],
    )
    .await;
    let seed = "a".repeat(43);
    let cookie = format!("tenantctl_console_pre={seed}");
    let token = tenantctl::serve::console::csrf::token_for(&seed);
    let good = format!("csrf={token}&email=ada%40example.test&password=correct+horse+battery");
    // No token; another seed's token; a cross-site Origin; Sec-Fetch-Site cross-site.
    let r = post(
        &on,
        "/console/login",
        &[("cookie", &cookie)],
        "email=ada%40example.test&password=x",
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let other = tenantctl::serve::console::csrf::token_for("b");
    let r = post(
        &on,
        "/console/login",
        &[("cookie", &cookie)],
        &format!("csrf={other}&email=a&password=b"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(
        &on,
        "/console/login",
        &[("cookie", &cookie), ("origin", "https://evil.test")],
        &good,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(
        &on,
        "/console/login",
        &[("cookie", &cookie), ("sec-fetch-site", "cross-site")],
        &good,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The right token from the console's own origin logs in: a new session cookie, HttpOnly,
    // SameSite=Strict, path /console.
    let r = post(
        &on,
        "/console/login",
        &[
            ("cookie", &cookie),
            ("origin", "http://example.test"),
            ("sec-fetch-site", "same-origin"),
        ],
        &good,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set: Vec<String> = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("tenantctl_console="))
        .expect("a session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    assert!(session.contains("Path=/console"), "{session}");
    assert!(!session.contains("Secure"), "plain http here: {session}");
    // Per account: 3 attempts a minute, then 429 even with the right password.
    let wrong = format!("csrf={token}&email=ADA%40example.test&password=wrong+password+here");
    for _ in 0..2 {
        let r = post(&on, "/console/login", &[("cookie", &cookie)], &wrong).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = post(&on, "/console/login", &[("cookie", &cookie)], &good).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key(header::RETRY_AFTER));
}

/// Behind TLS (url_scheme https) the session cookie is Secure.
#[sqlx::test(migrations = false)]
async fn console_cookie_secure_behind_tls(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    account(
        &env,
        "ada@example.test",
        Role::Admin,
        "correct horse battery",
    )
    .await;
    let on = app(
        &env,
        &[
            ("TENANTCTL_SERVE_CONSOLE", "on"),
            ("TENANTCTL_SERVE_CONSOLE_SECURE_COOKIE", "true"),
        ],
    )
    .await;
    let seed = "c".repeat(43);
    let token = tenantctl::serve::console::csrf::token_for(&seed);
    let r = post(
        &on,
        "/console/login",
        &[("cookie", &format!("tenantctl_console_pre={seed}"))],
        &format!("csrf={token}&email=ada%40example.test&password=correct+horse+battery"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("tenantctl_console="))
        .unwrap();
    assert!(session.contains("Secure"), "{session}");
}

/// In Chromium: a form on another site that posts to the console is refused (and changes
/// nothing); a disabled account's open session ends at its next page; an idle session expires.
#[sqlx::test(migrations = false)]
async fn console_sessions_in_a_browser(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    account(
        &env,
        "ada@example.test",
        Role::Admin,
        "correct horse battery",
    )
    .await;
    let c = Console::start(&env, &[("TENANTCTL_SERVE_CONSOLE_IDLE_TIMEOUT", "3s")]).await;
    let b = Browser::start().await;
    let base = c.url("");
    b.login(&base, "ada@example.test", "correct horse battery")
        .await;

    // Another site (the main listener's address is another origin to the browser) with a
    // form that logs the user out of the console.
    let evil = format!(
        "data:text/html,<form id=f method=post action='{base}/console/logout'><input name=csrf value=x></form><script>document.getElementById('f').submit()</script>"
    );
    b.goto(&evil).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let page = b.source().await;
    assert!(
        page.contains("another site") || page.contains("Refused"),
        "{page}"
    );
    b.goto(&c.url("/console/platforms")).await;
    b.wait_path("/console/platforms").await;

    // A disabled account's session ends at once.
    env.run(&["console", "user", "disable", "ada@example.test"])
        .await
        .ok();
    b.goto(&c.url("/console/platforms")).await;
    b.wait_path("/console/login?next=%2Fconsole%2Fplatforms")
        .await;
    env.run(&["console", "user", "enable", "ada@example.test"])
        .await
        .ok();

    // Idle for longer than serve.console_idle_timeout: logged out.
    b.login(&base, "ada@example.test", "correct horse battery")
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    b.goto(&c.url("/console/audit")).await;
    b.wait_path("/console/login?next=%2Fconsole%2Faudit").await;
    b.close().await;
}
