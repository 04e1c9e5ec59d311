//! `/setup/*` and `/metrics` are not open to whoever reaches serve (issue 15.7): setup is off
//! unless configured, `token` mode wants the bearer token, creations are rate limited per
//! address (429 + Retry-After) and capped by the platforms still pending; `/metrics` needs its
//! token or lives on its own listener.

use crate::common::Env;
use crate::serve::app;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tenantctl::serve::{self, App};
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

/// One request from `peer`, with extra headers.
async fn request(
    app: &Arc<App>,
    method: &str,
    uri: &str,
    peer: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "example.test");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let mut req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let peer: SocketAddr = peer.parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    let resp = serve::router(app.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Answer {
        status,
        headers,
        body,
    }
}

async fn create(app: &Arc<App>, peer: &str, headers: &[(&str, &str)], sub: &str) -> Answer {
    request(
        app,
        "POST",
        "/setup/platforms",
        peer,
        headers,
        Some(json!({"name": sub, "subdomain": sub})),
    )
    .await
}

async fn build_error(env: &Env, vars: &[(&str, &str)]) -> String {
    let mut e = std::collections::BTreeMap::new();
    e.insert("DATABASE_URL".to_string(), env.url.clone());
    for (k, v) in vars {
        e.insert(k.to_string(), v.to_string());
    }
    let o = tenantctl::config::Overrides {
        no_config: true,
        ..Default::default()
    };
    let config = tenantctl::config::Config::resolve(&o, &e, &[]).expect("config");
    serve::build(
        &config.settings,
        env.pool.clone(),
        serve::ServeOptions::default(),
    )
    .await
    .expect_err("serve refuses to build")
    .to_string()
}

#[sqlx::test(migrations = false)]
async fn setup_is_off_unless_configured(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let app = app(&env, &[]).await;
    let before = env.registry_snapshot().await;
    for (method, uri) in [
        ("POST", "/setup/platforms"),
        ("GET", "/setup/platforms/1"),
        ("GET", "/setup/domain-available?subdomain=acme"),
    ] {
        let body = (method == "POST").then(|| json!({"name": "Acme", "subdomain": "acme"}));
        let a = request(&app, method, uri, "192.0.2.1:4000", &[], body).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{uri}: {}", a.body);
        assert_eq!(a.body["error"], "setup_disabled", "{uri}");
        assert!(
            a.body["message"].as_str().unwrap().contains("serve.setup"),
            "{}",
            a.body
        );
    }
    assert_eq!(env.registry_snapshot().await, before);
    // `off` said explicitly is the same.
    let app = crate::serve::app(&env, &[("TENANTCTL_SERVE_SETUP", "off")]).await;
    let a = create(&app, "192.0.2.1:4000", &[], "acme").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = false)]
async fn setup_token_mode_wants_the_bearer_token(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    // `token` without a token is a configuration error, not an open door.
    let e = build_error(&env, &[("TENANTCTL_SERVE_SETUP", "token")]).await;
    assert!(e.contains("serve.setup_token"), "{e}");

    let app = app(
        &env,
        &[
            ("TENANTCTL_SERVE_SETUP", "token"),
            ("TENANTCTL_SERVE_SETUP_TOKEN", "correct horse battery"),
        ],
    )
    .await;
    let before = env.registry_snapshot().await;
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Bearer correct horse batter"),
        Some("Basic correct horse battery"),
        Some("correct horse battery"),
    ] {
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", *a)).collect();
        let a = create(&app, "192.0.2.1:4000", &headers, "acme").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{auth:?}: {}", a.body);
        assert_eq!(a.headers[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(a.body["error"], "unauthorized");
        let a = request(
            &app,
            "GET",
            "/setup/domain-available?subdomain=acme",
            "192.0.2.1:4000",
            &headers,
            None,
        )
        .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{auth:?}");
    }
    assert_eq!(env.registry_snapshot().await, before);
    let good = [("authorization", "Bearer correct horse battery")];
    let a = create(&app, "192.0.2.1:4000", &good, "acme").await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    let claim = a.body["claim_token"].as_str().unwrap().to_string();
    let a = request(
        &app,
        "GET",
        &format!("/setup/platforms/{id}"),
        "192.0.2.1:4000",
        &[good[0], ("tenantctl-claim", &claim)],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["name"], "acme");
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let a = create(
        &app,
        "192.0.2.1:4000",
        &[("authorization", "bearer correct horse battery")],
        "beta",
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}

/// Issue 27.5: ids are sequential, so `GET /setup/platforms/{id}` answers only to whoever
/// created the platform there (the `claim_token` of its creation), never for a platform made by
/// the CLI, and never with another claimant's token; all three look alike (404).
#[sqlx::test(migrations = false)]
async fn setup_status_answers_only_its_claimant(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Cli", "cli").await;
    let app = app(&env, &[crate::serve::SETUP_OPEN]).await;
    let mine = create(&app, "192.0.2.1:4000", &[], "mine").await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.body);
    let theirs = create(&app, "192.0.2.2:4000", &[], "theirs").await;
    let (mine_id, mine_claim) = (
        mine.body["id"].as_i64().unwrap(),
        mine.body["claim_token"].as_str().unwrap().to_string(),
    );
    let theirs_id = theirs.body["id"].as_i64().unwrap();
    let cli_id: i64 = sqlx::query_scalar("SELECT id FROM public.platforms WHERE name = 'Cli'")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let get = |id: i64, claim: Option<&str>| {
        let app = app.clone();
        let claim = claim.map(str::to_string);
        async move {
            let headers: Vec<(&str, &str)> = claim
                .as_deref()
                .map(|c| vec![("tenantctl-claim", c)])
                .unwrap_or_default();
            request(
                &app,
                "GET",
                &format!("/setup/platforms/{id}"),
                "192.0.2.3:4000",
                &headers,
                None,
            )
            .await
        }
    };
    let a = get(mine_id, Some(&mine_claim)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["name"], "mine");
    for (id, claim) in [
        (mine_id, None),
        (mine_id, Some("0".repeat(64))),
        (theirs_id, Some(mine_claim.clone())),
        (cli_id, Some(mine_claim.clone())),
        (cli_id, None),
        (999_999, Some(mine_claim.clone())),
    ] {
        let a = get(id, claim.as_deref()).await;
        assert_eq!(
            a.status,
            StatusCode::NOT_FOUND,
            "{id} {claim:?}: {}",
            a.body
        );
        assert_eq!(a.body["error"], "not_found");
        assert!(a.body["name"].is_null() && a.body["schema_name"].is_null());
    }
}

#[sqlx::test(migrations = false)]
async fn setup_creations_are_rate_limited_per_address(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let app = app(
        &env,
        &[
            ("TENANTCTL_SERVE_SETUP", "open"),
            ("TENANTCTL_SERVE_SETUP_RATE", "2"),
        ],
    )
    .await;
    for sub in ["one", "two"] {
        let a = create(&app, "192.0.2.1:4000", &[], sub).await;
        assert_eq!(a.status, StatusCode::CREATED, "{sub}: {}", a.body);
    }
    let before = env.registry_snapshot().await;
    // The same address from another port is the same client.
    let a = create(&app, "192.0.2.1:5000", &[], "three").await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
    assert_eq!(a.body["error"], "rate_limited");
    let retry: u64 = a.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // Two an hour: the next one frees in about half an hour.
    assert!((1_500..=1_800).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        env.registry_snapshot().await,
        before,
        "a refused create wrote"
    );
    // Asking about an address is not a creation, and another client is not limited.
    let a = request(
        &app,
        "GET",
        "/setup/domain-available?subdomain=three",
        "192.0.2.1:4000",
        &[],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let a = create(&app, "[2001:db8::7]:4000", &[], "three").await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}

#[sqlx::test(migrations = false)]
async fn setup_refuses_past_the_pending_cap(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let app = app(
        &env,
        &[
            ("TENANTCTL_SERVE_SETUP", "open"),
            ("TENANTCTL_SERVE_SETUP_MAX_PENDING", "2"),
        ],
    )
    .await;
    for (i, sub) in ["one", "two"].iter().enumerate() {
        let a = create(&app, &format!("192.0.2.{}:4000", i + 1), &[], sub).await;
        assert_eq!(a.status, StatusCode::CREATED, "{sub}: {}", a.body);
    }
    let before = env.registry_snapshot().await;
    let a = create(&app, "192.0.2.9:4000", &[], "three").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
    assert_eq!(a.body["error"], "too_many_pending");
    assert!(a.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(env.registry_snapshot().await, before);
    // Once one is provisioned there is room again.
    env.run(&["provision", "one"]).await.ok();
    let a = create(&app, "192.0.2.9:4000", &[], "three").await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}

#[sqlx::test(migrations = false)]
async fn metrics_need_their_token_or_their_own_listener(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let peer = "192.0.2.1:4000";
    // Nothing configured: not on the public listener.
    let app = app(&env, &[]).await;
    let a = request(&app, "GET", "/metrics", peer, &[], None).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("serve.metrics_listen"),
        "{}",
        a.body
    );

    let app = crate::serve::app(&env, &[("TENANTCTL_SERVE_METRICS_TOKEN", "scrape-me")]).await;
    for auth in [None, Some("Bearer nope")] {
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", *a)).collect();
        let a = request(&app, "GET", "/metrics", peer, &headers, None).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(!a.body.to_string().contains("tenantctl_serve"));
    }
    let a = request(
        &app,
        "GET",
        "/metrics",
        peer,
        &[("authorization", "Bearer scrape-me")],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.body
            .as_str()
            .unwrap()
            .contains("tenantctl_serve_resolution_entries"),
        "{}",
        a.body
    );

    // Its own listener: there it answers (no token asked), the public one does not serve it.
    let app = crate::serve::app(&env, &[("TENANTCTL_SERVE_METRICS_LISTEN", "127.0.0.1:0")]).await;
    let public = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let private = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (public_addr, private_addr) = (public.local_addr().unwrap(), private.local_addr().unwrap());
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(serve::serve(
        app,
        public,
        Some(private),
        Duration::from_secs(30),
        Duration::from_secs(1),
        stop.clone().cancelled_owned(),
    ));
    let client = tenantctl::tls::http_client().build().unwrap();
    let r = client
        .get(format!("http://{public_addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = client
        .get(format!("http://{private_addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("tenantctl_serve_resolution_entries")
    );
    // Only metrics there.
    let r = client
        .get(format!("http://{private_addr}/setup/platforms/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    stop.cancel();
    server.await.unwrap().unwrap();
}
