//! `serve` at the router level (`tower::ServiceExt::oneshot`) against a real database: host
//! parsing and resolution, isolation, redirects, maintenance and the gate, setup routes,
//! readiness and metrics. The real process behind PgBouncer is in `serve_e2e.rs`.

use crate::common::Env;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::Value;
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tenantctl::config::{Config, Overrides};
use tenantctl::serve::{self, App, ServeOptions};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// The application for this test's database, configured by `TENANTCTL_*` pairs.
pub async fn app(env: &Env, vars: &[(&str, &str)]) -> Arc<App> {
    let mut e = BTreeMap::new();
    e.insert("DATABASE_URL".to_string(), env.url.clone());
    e.insert("TENANTCTL_URL_SCHEME".to_string(), "http".to_string());
    for (k, v) in vars {
        e.insert(k.to_string(), v.to_string());
    }
    let o = Overrides {
        no_config: true,
        ..Overrides::default()
    };
    let config = Config::resolve(&o, &e, &[]).expect("config");
    serve::build(&config.settings, env.pool.clone(), ServeOptions::default())
        .await
        .expect("serve builds")
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Send one request through the router; `hosts`: the Host header values (any number).
pub async fn send(
    app: &Arc<App>,
    method: &str,
    uri: &str,
    hosts: &[&[u8]],
    body: Option<Value>,
) -> Answer {
    send_with(app, method, uri, hosts, &[], body).await
}

/// [`send`] with more headers.
pub async fn send_with(
    app: &Arc<App>,
    method: &str,
    uri: &str,
    hosts: &[&[u8]],
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut b = Request::builder().method(method).uri(uri);
    for h in hosts {
        b = b.header(header::HOST, *h);
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let resp = serve::router(app.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Answer {
        status,
        headers,
        body,
    }
}

pub async fn get(app: &Arc<App>, host: &str, uri: &str) -> Answer {
    send(app, "GET", uri, &[host.as_bytes()], None).await
}

/// `GET /setup/platforms/{id}` as its claimant, with the `claim_token` its creation answered.
pub async fn setup_status(app: &Arc<App>, id: i64, claim: &str) -> Answer {
    send_with(
        app,
        "GET",
        &format!("/setup/platforms/{id}"),
        &[b"example.test"],
        &[("tenantctl-claim", claim)],
        None,
    )
    .await
}

/// The claim token of platform `name`, made here for a platform not created through /setup
/// (as if it had been).
pub async fn claim_of(env: &Env, name: &str) -> (i64, String) {
    let token = format!("test-claim-{name}");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tenantctl.setup_claims (platform_id, token_hash) \
         SELECT id, sha256(convert_to($2, 'UTF8')) FROM public.platforms WHERE name = $1 \
         ON CONFLICT (platform_id) DO UPDATE SET token_hash = EXCLUDED.token_hash RETURNING platform_id",
    )
    .bind(name)
    .bind(&token)
    .fetch_one(&env.pool)
    .await
    .unwrap();
    (id, token)
}

/// The `serve.metrics_token` of the tests that read `/metrics` (`serve_setup.rs` tests the
/// token itself).
pub const METRICS: (&str, &str) = ("TENANTCTL_SERVE_METRICS_TOKEN", "test-scrape");

/// `GET /metrics` with the token of [`METRICS`].
pub async fn metrics(app: &Arc<App>) -> Answer {
    let req = Request::builder()
        .uri("/metrics")
        .header(header::HOST, "localhost")
        .header(header::AUTHORIZATION, format!("Bearer {}", METRICS.1))
        .body(Body::empty())
        .unwrap();
    let resp = serve::router(app.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: Value::String(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// `domains.verify = false`, for the tests that serve custom domains nobody proved (proofs
/// are `domains.rs`'s).
pub const UNVERIFIED_DOMAINS: (&str, &str) = ("TENANTCTL_DOMAINS_VERIFY", "false");

/// `serve.setup = "open"`, for the tests of what the setup routes do.
pub const SETUP_OPEN: (&str, &str) = ("TENANTCTL_SERVE_SETUP", "open");

/// Put `n` published posts titled `<marker> post <i>` into a tenant schema.
pub async fn seed_posts(pool: &PgPool, schema: &str, marker: &str, n: usize) {
    let s = tenantctl::db::SchemaName::parse(schema).unwrap();
    for i in 0..n {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {}.posts (community_id, title, body, published_at) \
             SELECT id, $1, $2, now() FROM {}.communities ORDER BY id LIMIT 1",
            s.sql(),
            s.sql()
        )))
        .bind(format!("{marker} post {i}"))
        .bind(format!("written in {marker}"))
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Make reading a tenant's communities take `secs` (a view that sleeps over the table), to
/// hold a request inside its transaction; its table locks are the ordinary ones.
pub async fn slow_communities(pool: &PgPool, schema: &str, secs: f64) {
    let s = tenantctl::db::SchemaName::parse(schema).unwrap().sql();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER TABLE {s}.communities RENAME TO communities_data; \
         CREATE VIEW {s}.communities AS SELECT c.* FROM {s}.communities_data c \
         CROSS JOIN LATERAL (SELECT pg_sleep({secs})) z;"
    )))
    .execute(pool)
    .await
    .unwrap();
}

/// The community names and post titles of an answer.
pub fn names(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["communities", "posts"] {
        if let Some(rows) = body[key].as_array() {
            for r in rows {
                let v = r.get("name").or_else(|| r.get("title")).unwrap();
                out.push(v.as_str().unwrap().to_string());
            }
        }
    }
    out
}

/// Three tenants (Acme, Beta, Gamma) under example.test, each with posts naming it.
async fn fleet(env: &Env) -> Vec<(String, String)> {
    env.init().await;
    let mut out = Vec::new();
    for (name, sub) in [("Acme", "acme"), ("Beta", "beta"), ("Gamma", "gamma")] {
        let schema = env.tenant(name, sub).await;
        seed_posts(&env.pool, &schema, name, 3).await;
        out.push((name.to_string(), schema));
    }
    out
}

#[sqlx::test(migrations = false)]
async fn each_host_reaches_only_its_own_rows(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env).await;
    let app = app(&env, &[]).await;
    for (name, host) in [
        ("Acme", "acme.example.test"),
        ("Acme", "ACME.example.test"),
        ("Acme", "Acme.Example.Test.:8080"),
        ("Acme", "acme.example.test:"),
        ("Beta", "BETA.EXAMPLE.TEST"),
        ("Beta", "beta.example.test.:443"),
        ("Gamma", "gamma.example.test"),
        ("Host", "example.test"),
    ] {
        let a = get(&app, host, "/api/communities").await;
        assert_eq!(a.status, StatusCode::OK, "{host}: {}", a.body);
        assert_eq!(names(&a.body), vec![format!("{name} Community")], "{host}");
        let a = get(&app, host, "/api/posts?limit=100").await;
        assert_eq!(a.status, StatusCode::OK, "{host}: {}", a.body);
        let titles = names(&a.body);
        if name == "Host" {
            assert!(titles.is_empty(), "{titles:?}");
        } else {
            assert_eq!(titles.len(), 3, "{host}: {titles:?}");
            assert!(
                titles
                    .iter()
                    .all(|t| t.starts_with(&format!("{name} post "))),
                "{host}: {titles:?}"
            );
        }
    }
    let a = get(&app, "acme.example.test", "/api/posts?limit=2").await;
    assert_eq!(names(&a.body), vec!["Acme post 2", "Acme post 1"]);
}

#[sqlx::test(migrations = false)]
async fn unicode_domains_match_in_any_spelling(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "München",
        "--domain",
        "münchen.test",
    ])
    .await
    .ok();
    env.run(&["provision", "München"]).await.ok();
    let app = app(&env, &[UNVERIFIED_DOMAINS]).await;
    for host in [
        "münchen.test",
        "MÜNCHEN.test",
        "xn--mnchen-3ya.test",
        "XN--MNCHEN-3YA.TEST.",
    ] {
        let a = send(&app, "GET", "/api/communities", &[host.as_bytes()], None).await;
        assert_eq!(a.status, StatusCode::OK, "{host}: {}", a.body);
        assert_eq!(names(&a.body), vec!["München Community"], "{host}");
    }
}

#[sqlx::test(migrations = false)]
async fn bad_hosts_get_400_and_no_data(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env).await;
    let app = app(&env, &[]).await;
    let long = format!("{}.example.test", "a".repeat(300));
    let absurd = format!("acme.example.test{}", ".x".repeat(50_000));
    let cases: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("missing", vec![]),
        (
            "duplicated",
            vec![b"acme.example.test".to_vec(), b"beta.example.test".to_vec()],
        ),
        (
            "duplicated, same value",
            vec![b"acme.example.test".to_vec(), b"acme.example.test".to_vec()],
        ),
        (
            "port not a number",
            vec![b"acme.example.test:http".to_vec()],
        ),
        ("port too big", vec![b"acme.example.test:65536".to_vec()]),
        ("two ports", vec![b"acme.example.test:80:80".to_vec()]),
        ("two trailing dots", vec![b"acme.example.test..".to_vec()]),
        ("empty label", vec![b"acme..example.test".to_vec()]),
        ("underscore", vec![b"ac_me.example.test".to_vec()]),
        ("user info", vec![b"beta@acme.example.test".to_vec()]),
        // A Cyrillic `а` in `acme`: a look-alike, never a platform.
        (
            "mixed scripts",
            vec!["аcme.example.test".as_bytes().to_vec()],
        ),
        ("not utf-8", vec![b"acme\xff.example.test".to_vec()]),
        ("long label", vec![long.into_bytes()]),
        ("absurd length", vec![absurd.into_bytes()]),
        ("empty", vec![b"".to_vec()]),
    ];
    for (what, hosts) in &cases {
        let hosts: Vec<&[u8]> = hosts.iter().map(|h| h.as_slice()).collect();
        for path in ["/api/communities", "/setup/platforms/1"] {
            let a = send(&app, "GET", path, &hosts, None).await;
            assert_eq!(
                a.status,
                StatusCode::BAD_REQUEST,
                "{what} {path}: {}",
                a.body
            );
            assert_eq!(a.body["error"], "bad_host", "{what}");
            assert!(a.body.get("communities").is_none());
        }
    }
    // An absolute-form target naming another tenant than the Host header: refused.
    let a = send(
        &app,
        "GET",
        "http://beta.example.test/api/posts",
        &[b"acme.example.test"],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("beta.example.test")
    );
    // The same host in another spelling is fine, and serves that host only.
    let a = send(
        &app,
        "GET",
        "http://BETA.example.test./api/posts",
        &[b"beta.example.test:80"],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(names(&a.body).iter().all(|t| t.starts_with("Beta ")));
}

#[sqlx::test(migrations = false)]
async fn unknown_hosts_get_404_or_go_to_the_host_platform(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env).await;
    let strict = app(&env, &[]).await;
    for host in [
        "nobody.example.test",
        "acme.example.test.evil.org",
        "x.acme.example.test",
        "127.0.0.1:8080",
        "localhost",
        "[::1]:8080",
        "example.org",
    ] {
        let a = get(&strict, host, "/api/communities").await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{host}: {}", a.body);
        assert_eq!(a.body["error"], "unknown_host");
    }
    let redirect = app(&env, &[("TENANTCTL_SERVE_UNKNOWN_HOST", "redirect")]).await;
    let a = get(&redirect, "nobody.example.test:8080", "/api/posts?limit=1").await;
    assert_eq!(a.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(a.location(), "http://example.test:8080/");
    assert!(a.body.is_null());
    // Known hosts are unaffected.
    let a = get(&redirect, "acme.example.test", "/api/communities").await;
    assert_eq!(names(&a.body), vec!["Acme Community"]);
}

#[sqlx::test(migrations = false)]
async fn old_domains_redirect_with_path_and_query_until_they_expire(pool: PgPool) {
    let mut env = Env::new(pool);
    // Moves and redirects of a closed deployment: a custom domain moves at once only without
    // verification (with it, `set-domain` waits for the proof: domains.rs).
    env.set("TENANTCTL_DOMAINS_VERIFY", "false");
    fleet(&env).await;
    env.run(&[
        "platform",
        "set-domain",
        "acme",
        "--domain",
        "acme.org",
        "--yes",
    ])
    .await
    .ok();
    let app = app(&env, &[UNVERIFIED_DOMAINS]).await;
    let a = get(
        &app,
        "ACME.example.test:8443",
        "/api/posts?limit=2&x=%C3%A9",
    )
    .await;
    assert_eq!(a.status, StatusCode::PERMANENT_REDIRECT, "{}", a.body);
    assert_eq!(
        a.location(),
        "http://acme.org:8443/api/posts?limit=2&x=%C3%A9"
    );
    let a = get(&app, "acme.org", "/api/communities").await;
    assert_eq!(names(&a.body), vec!["Acme Community"]);

    // Moved again: the first old address now points to the newest one.
    env.run(&[
        "platform",
        "set-domain",
        "acme",
        "--domain",
        "acme.net",
        "--yes",
    ])
    .await
    .ok();
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    assert_eq!(
        get(&app, "acme.example.test", "/").await.location(),
        "http://acme.net/"
    );
    assert_eq!(
        get(&app, "acme.org", "/a?b").await.location(),
        "http://acme.net/a?b"
    );

    // Expired: no longer redirects, even before the next reload.
    sqlx::query("UPDATE tenantctl.domain_history SET expires_at = now() - interval '1 second'")
        .execute(&env.pool)
        .await
        .unwrap();
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    assert_eq!(
        get(&app, "acme.example.test", "/").await.status,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrations = false)]
async fn routes_and_parameters(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env).await;
    let app = app(&env, &[]).await;
    for bad in ["0", "101", "ten", "-1", ""] {
        let a = get(
            &app,
            "acme.example.test",
            &format!("/api/posts?limit={bad}"),
        )
        .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(a.body["error"], "bad_request");
    }
    let a = get(&app, "acme.example.test", "/no/such/route").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.body["error"], "not_found");
    let a = send(&app, "POST", "/api/posts", &[b"acme.example.test"], None).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    // The benchmark floor does not exist unless asked for.
    let a = get(&app, "acme.example.test", "/_bench/fixed/api/posts").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = false)]
async fn a_missing_tenant_table_fails_loudly_and_never_falls_through_to_public(pool: PgPool) {
    let env = Env::new(pool);
    let tenants = fleet(&env).await;
    // Legacy tables of the same names in public, as before migrate-host-to-schema.
    sqlx::raw_sql(
        "CREATE TABLE public.communities (id bigint, slug text, name text, description text, \
         visibility text, created_at timestamptz, archived_at timestamptz); \
         INSERT INTO public.communities VALUES (1, 'leak', 'LEAK from public', NULL, 'public', now(), NULL);",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let app = app(&env, &[]).await;
    let acme = &tenants[0].1;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP TABLE \"{acme}\".communities CASCADE"
    )))
    .execute(&env.pool)
    .await
    .unwrap();
    let a = get(&app, "acme.example.test", "/api/communities").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
    assert_eq!(a.body["error"], "unavailable");
    assert!(a.headers.contains_key(header::RETRY_AFTER));
    assert!(!a.body.to_string().contains("LEAK"));
    // The others are untouched.
    let a = get(&app, "beta.example.test", "/api/communities").await;
    assert_eq!(names(&a.body), vec!["Beta Community"]);
}

#[sqlx::test(migrations = false)]
async fn a_platform_deleted_or_failed_while_requests_are_in_flight(pool: PgPool) {
    let env = Env::new(pool);
    let tenants = fleet(&env).await;
    sqlx::raw_sql(
        "CREATE TABLE public.communities (id bigint, slug text, name text, description text, \
         visibility text, created_at timestamptz, archived_at timestamptz); \
         INSERT INTO public.communities VALUES (1, 'leak', 'LEAK from public', NULL, 'public', now(), NULL);",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let app = app(&env, &[("TENANTCTL_SERVE_POOL_SIZE", "8")]).await;
    let stop = CancellationToken::new();
    let refresher = app
        .resolver
        .spawn(env.pool.clone(), Duration::from_secs(3600), stop.clone());

    let deleted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let app = app.clone();
        let deleted = deleted.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut after = 0;
            let mut round = 0;
            // Until well after the deletion (bounded: 2,000 rounds at most).
            while after < 30 && round < 2000 {
                if deleted.load(std::sync::atomic::Ordering::Acquire) {
                    after += 1;
                }
                round += 1;
                let mut batch = Vec::new();
                for (name, host) in [("Acme", "acme.example.test"), ("Beta", "beta.example.test")] {
                    let app = app.clone();
                    batch.push(tokio::spawn(async move {
                        (name, get(&app, host, "/api/communities").await)
                    }));
                }
                for b in batch {
                    let (name, a) = b.await.unwrap();
                    seen.push((round, name, a.status, a.body));
                }
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    // Acme fails (as a re-provision would mark it), then is deleted with its schema.
    sqlx::query("UPDATE public.platforms SET provision_status = 'failed' WHERE name = 'Acme'")
        .execute(&env.pool)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    sqlx::query("UPDATE public.platforms SET provision_status = 'completed' WHERE name = 'Acme'")
        .execute(&env.pool)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let acme = &tenants[0].1;
    let mut tx = env.pool.begin().await.unwrap();
    sqlx::query("DELETE FROM public.platforms WHERE name = 'Acme'")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{acme}\" CASCADE"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Once the NOTIFY has been heard, every later request must say 404.
    tokio::time::sleep(Duration::from_millis(200)).await;
    deleted.store(true, std::sync::atomic::Ordering::Release);
    let seen = load.await.unwrap();
    stop.cancel();
    refresher.await.unwrap();

    let mut acme_answers = BTreeMap::new();
    for (_, name, status, body) in &seen {
        let text = body.to_string();
        assert!(!text.contains("LEAK"), "{name}: {text}");
        if *name == "Beta" {
            assert_eq!(*status, StatusCode::OK, "{text}");
            assert_eq!(names(body), vec!["Beta Community"]);
        } else {
            match *status {
                StatusCode::OK => assert_eq!(names(body), vec!["Acme Community"]),
                StatusCode::NOT_FOUND => assert_eq!(body["error"], "unknown_host", "{text}"),
                StatusCode::SERVICE_UNAVAILABLE => assert_eq!(body["error"], "unavailable"),
                other => panic!("acme answered {other}: {text}"),
            }
            *acme_answers.entry(status.as_u16()).or_insert(0) += 1;
        }
    }
    // It was served, then failed (unknown), then gone for good.
    assert!(acme_answers.contains_key(&200), "{acme_answers:?}");
    assert!(acme_answers.contains_key(&404), "{acme_answers:?}");
    let (_, _, last_status, _) = seen.iter().rev().find(|s| s.1 == "Acme").unwrap();
    assert_eq!(*last_status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = false)]
async fn a_new_platform_is_served_once_the_notify_arrives(pool: PgPool) {
    let mut env = Env::new(pool);
    // Moves and redirects of a closed deployment: a custom domain moves at once only without
    // verification (with it, `set-domain` waits for the proof: domains.rs).
    env.set("TENANTCTL_DOMAINS_VERIFY", "false");
    env.init().await;
    let app = app(&env, &[METRICS]).await;
    let stop = CancellationToken::new();
    // The periodic reload is an hour away: only a NOTIFY can bring the new platform in.
    let refresher = app
        .resolver
        .spawn(env.pool.clone(), Duration::from_secs(3600), stop.clone());
    let mut waited = 0;
    while !app.resolver.notifications_seen() && waited < 200 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        waited += 1;
    }
    assert!(
        app.resolver.notifications_seen(),
        "LISTEN never heard its own ping"
    );
    assert_eq!(
        get(&app, "fresh.example.test", "/api/communities")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    env.tenant("Fresh", "fresh").await;
    let mut status = StatusCode::NOT_FOUND;
    for _ in 0..200 {
        status = get(&app, "fresh.example.test", "/api/communities")
            .await
            .status;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, StatusCode::OK);
    // A domain change moves it, and the old address redirects.
    env.run(&[
        "platform",
        "set-domain",
        "fresh",
        "--domain",
        "fresh.org",
        "--yes",
    ])
    .await
    .ok();
    let mut a = get(&app, "fresh.example.test", "/x").await;
    for _ in 0..200 {
        if a.status == StatusCode::PERMANENT_REDIRECT {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
        a = get(&app, "fresh.example.test", "/x").await;
    }
    assert_eq!(a.location(), "http://fresh.org/x");
    stop.cancel();
    refresher.await.unwrap();
    let metrics = metrics(&app).await;
    let text = metrics.body.as_str().unwrap().to_string();
    assert!(
        text.contains(
            "tenantctl_serve_resolution_refreshes_total{trigger=\"notify\",result=\"ok\"}"
        ),
        "{text}"
    );
}

#[sqlx::test(migrations = false)]
async fn maintenance_answers_503_and_waits_for_requests_in_flight(pool: PgPool) {
    let env = Env::new(pool);
    let tenants = fleet(&env).await;
    let app = app(&env, &[("TENANTCTL_SERVE_RETRY_AFTER", "2m"), SETUP_OPEN]).await;
    let stop = CancellationToken::new();
    let refresher = app
        .resolver
        .spawn(env.pool.clone(), Duration::from_secs(3600), stop.clone());

    // A request in flight, held inside its transaction for 1.5 s.
    let acme = &tenants[0].1;
    slow_communities(&env.pool, acme, 1.5).await;
    let in_flight = {
        let app = app.clone();
        tokio::spawn(async move {
            let a = get(&app, "acme.example.test", "/api/communities").await;
            (a, tokio::time::Instant::now())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let run = env
        .run(&[
            "platform",
            "maintenance",
            "acme",
            "on",
            "--reason",
            "restoring last night's backup",
        ])
        .await;
    let maintenance_done = tokio::time::Instant::now();
    let (answer, request_done) = in_flight.await.unwrap();
    run.ok().stdout_has("no request touches schema");
    // The request that was running finished normally; maintenance waited for it.
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(names(&answer.body), vec!["Acme Community"]);
    assert!(request_done <= maintenance_done);

    let a = get(&app, "acme.example.test", "/api/communities").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.headers[header::RETRY_AFTER], "120");
    assert_eq!(a.body["error"], "maintenance");
    assert_eq!(a.body["reason"], "restoring last night's backup");
    assert_eq!(
        get(&app, "beta.example.test", "/api/communities")
            .await
            .status,
        StatusCode::OK
    );
    // Setup still answers about it: it never needs the tenant schema.
    let (id, claim) = claim_of(&env, "Acme").await;
    let a = send_with(
        &app,
        "GET",
        &format!("/setup/platforms/{id}"),
        &[b"acme.example.test"],
        &[("tenantctl-claim", &claim)],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["maintenance"], true);
    assert_eq!(a.body["ready"], false);

    env.run(&["platform", "maintenance", "acme", "off"])
        .await
        .ok()
        .stdout_has("served again");
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..200 {
        status = get(&app, "acme.example.test", "/api/communities")
            .await
            .status;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, StatusCode::OK);
    stop.cancel();
    refresher.await.unwrap();
}

#[sqlx::test(migrations = false)]
async fn a_closed_gate_keeps_requests_out_even_before_the_map_knows(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env).await;
    let app = app(&env, &[]).await;
    let schema: String =
        sqlx::query_scalar("SELECT schema_name FROM public.platforms WHERE name = 'Acme'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    let schema = tenantctl::db::SchemaName::parse(&schema).unwrap();
    // What restore does while it rebuilds a schema.
    let mut tx = env.pool.begin().await.unwrap();
    tenantctl::db::gate::close_xact(&mut tx, &schema)
        .await
        .unwrap();
    let a = get(&app, "acme.example.test", "/api/communities").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
    assert_eq!(a.body["error"], "unavailable");
    assert!(a.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(
        get(&app, "beta.example.test", "/api/communities")
            .await
            .status,
        StatusCode::OK
    );
    tx.rollback().await.unwrap();
    assert_eq!(
        get(&app, "acme.example.test", "/api/communities")
            .await
            .status,
        StatusCode::OK
    );
}

#[sqlx::test(migrations = false)]
async fn maintenance_refuses_bad_input(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.run(&["platform", "maintenance", "nope", "on"])
        .await
        .code(2)
        .stderr_has("platform `nope` not found");
    env.run(&["platform", "maintenance", "host", "sideways"])
        .await
        .code(2);
    env.run(&["platform", "maintenance", "host", "off", "--reason", "x"])
        .await
        .code(2)
        .stderr_has("--reason goes with `on`");
    env.run(&["platform", "maintenance", "host", "on", "--reason", "a\nb"])
        .await
        .code(2);
    let before = env.registry_snapshot().await;
    env.run(&["platform", "maintenance", "host", "off"])
        .await
        .ok()
        .stdout_has("was not in maintenance");
    assert_eq!(env.registry_snapshot().await, before);
}

#[sqlx::test(migrations = false)]
async fn setup_routes_work_on_the_registry(pool: PgPool) {
    let env = Env::new(pool);
    let tenants = fleet(&env).await;
    let app = app(&env, &[SETUP_OPEN]).await;
    // Whatever the Host — a tenant's, an unknown one — setup is the registry's.
    for host in ["acme.example.test", "nobody.example.test", "127.0.0.1:8080"] {
        let a = get(&app, host, "/setup/domain-available?subdomain=acme").await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(a.body["available"], false);
        assert_eq!(a.body["address"], "acme.example.test");
        assert!(
            !a.body.to_string().contains("Acme"),
            "names the holder: {}",
            a.body
        );
    }
    // Setup keeps working when the tenant schema behind the Host is gone.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{}\" CASCADE",
        tenants[0].1
    )))
    .execute(&env.pool)
    .await
    .unwrap();
    let a = get(
        &app,
        "acme.example.test",
        "/setup/domain-available?domain=Free.Example.TEST",
    )
    .await;
    assert_eq!(a.body["available"], true, "{}", a.body);
    assert_eq!(a.body["address"], "free.example.test");
    let a = get(
        &app,
        "x.test",
        "/setup/domain-available?domain=bad_domain.test",
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.body["field"], "domain");
    let a = get(&app, "x.test", "/setup/domain-available").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);

    let a = send(
        &app,
        "POST",
        "/setup/platforms",
        &[b"example.test"],
        Some(serde_json::json!({"name": "Delta", "subdomain": "delta", "contact_email": "ops@delta.test"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    assert_eq!(a.location(), format!("/setup/platforms/{id}"));
    assert_eq!(a.body["provision_status"], "pending");
    assert_eq!(a.body["address"], "delta.example.test");
    assert_eq!(a.body["url"], "http://delta.example.test/");
    assert_eq!(a.body["ready"], false);
    assert_eq!(a.body["job"]["status"], "available");
    let jobs: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT kind, platform_id FROM tenantctl.jobs WHERE status = 'available' ORDER BY id",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(jobs, vec![("provision".to_string(), Some(id))]);
    let schemas_before = env.schemas().await;

    let claim = a.body["claim_token"].as_str().unwrap().to_string();
    assert!(claim.len() >= 32, "{claim}");
    let a = setup_status(&app, id, &claim).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["name"], "Delta");
    assert!(a.body["claim_token"].is_null(), "shown once: {}", a.body);
    // Provisioned (here by hand, as the worker would): ready, and served.
    env.run(&["provision", "delta"]).await.ok();
    let a = setup_status(&app, id, &claim).await;
    assert_eq!(a.body["provision_status"], "completed");
    assert_eq!(a.body["ready"], true);
    assert!(env.schemas().await.len() > schemas_before.len());

    for (body, status, field) in [
        (
            serde_json::json!({"name": "Delta", "subdomain": "delta2"}),
            StatusCode::CONFLICT,
            None,
        ),
        (
            serde_json::json!({"name": "Other", "subdomain": "delta"}),
            StatusCode::CONFLICT,
            None,
        ),
        (
            serde_json::json!({"name": "Bad", "subdomain": "Bad_Sub"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("subdomain"),
        ),
        (
            serde_json::json!({"name": "Bad", "domain": "https://x.test"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("domain"),
        ),
        (
            serde_json::json!({"name": "Bad"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("platform"),
        ),
        (
            serde_json::json!({"name": "Bad", "subdomain": "bad", "host": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
        (
            serde_json::json!({"subdomain": "bad"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        ),
    ] {
        let before = env.registry_snapshot().await;
        let a = send(
            &app,
            "POST",
            "/setup/platforms",
            &[b"example.test"],
            Some(body.clone()),
        )
        .await;
        assert_eq!(a.status, status, "{body}: {}", a.body);
        if let Some(f) = field {
            assert_eq!(a.body["field"], f, "{body}: {}", a.body);
        }
        assert_eq!(env.registry_snapshot().await, before, "{body}");
    }
    let a = send(&app, "POST", "/setup/platforms", &[b"example.test"], None).await;
    assert!(a.status.is_client_error());
    for (id, status) in [
        ("999999", StatusCode::NOT_FOUND),
        ("abc", StatusCode::BAD_REQUEST),
        ("99999999999999999999", StatusCode::BAD_REQUEST),
    ] {
        let a = setup_status(&app, 0, "x").await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        let a = send_with(
            &app,
            "GET",
            &format!("/setup/platforms/{id}"),
            &[b"example.test"],
            &[("tenantctl-claim", &claim)],
            None,
        )
        .await;
        assert_eq!(a.status, status, "{id}");
    }
}

#[sqlx::test(migrations = false)]
async fn readiness_health_and_metrics(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env).await;
    let app = app(&env, &[METRICS]).await;
    let a = get(&app, "localhost", "/healthz").await;
    assert_eq!(a.status, StatusCode::OK);
    let a = get(&app, "10.0.0.1:8080", "/readyz").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["ready"], true);
    assert_eq!(a.body["served"], 4);

    get(&app, "acme.example.test", "/api/communities").await;
    get(&app, "acme.example.test", "/api/communities").await;
    get(&app, "nobody.example.test", "/api/communities").await;
    let a = metrics(&app).await;
    assert_eq!(
        a.headers[header::CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = a.body.as_str().unwrap();
    let acme: String =
        sqlx::query_scalar("SELECT schema_name FROM public.platforms WHERE name = 'Acme'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    for needle in [
        format!("tenantctl_serve_requests_total{{tenant=\"{acme}\",status=\"200\"}} 2"),
        "tenantctl_serve_requests_total{tenant=\"\",status=\"404\"} 1".to_string(),
        format!("tenantctl_serve_request_duration_seconds_count{{tenant=\"{acme}\"}} 2"),
        "tenantctl_serve_resolution_entries 4".to_string(),
        "tenantctl_serve_resolution_refreshes_total{trigger=\"startup\",result=\"ok\"} 1"
            .to_string(),
        // The fleet gauges of `status --format prometheus`, on the same page.
        "tenantctl_platforms{status=\"completed\"} 4".to_string(),
    ] {
        assert!(text.contains(&needle), "missing {needle}\n{text}");
    }

    // A registry migration missing: not ready, and it says why.
    sqlx::query(
        "DELETE FROM tenantctl.registry_migrations WHERE version = (SELECT max(version) FROM tenantctl.registry_migrations)",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let a = get(&app, "localhost", "/readyz").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.body["ready"], false);
    assert_eq!(
        a.body["checks"]["registry"],
        "1 registry migration(s) pending"
    );
    assert_eq!(a.body["checks"]["database"], "ok");
}

#[sqlx::test(migrations = false)]
async fn an_unmigrated_registry_starts_not_ready(pool: PgPool) {
    let env = Env::new(pool);
    let app = app(&env, &[]).await;
    let a = get(&app, "localhost", "/readyz").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{}", a.body);
    assert_eq!(
        a.body["checks"]["resolution"],
        "the resolution map is not loaded yet"
    );
    assert_eq!(
        get(&app, "acme.example.test", "/api/communities")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    env.init().await;
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    let a = get(&app, "localhost", "/readyz").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

/// A request cancelled while its `BEGIN ...` is on the wire (the client went away) must not
/// hand a connection that is inside a transaction back to the pool: the next request would
/// run in that transaction.
#[sqlx::test(migrations = false)]
async fn a_request_cancelled_while_beginning_leaves_no_transaction_in_the_pool(pool: PgPool) {
    let env = Env::new(pool);
    let requests = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&env.url)
        .await
        .unwrap();
    let begin = serve::request_tx::RequestTx::begin_with(
        &requests,
        None,
        "BEGIN; SELECT pg_sleep(1)".to_string(),
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(200), begin)
            .await
            .is_err(),
        "the begin was still running when it was cancelled"
    );
    // The one connection of the pool, whichever it is now, is not inside the transaction
    // that began a second ago.
    let mut conn = requests.acquire().await.unwrap();
    let age: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM clock_timestamp() - xact_start)::float8 \
         FROM pg_stat_activity WHERE pid = pg_backend_pid()",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let own = age < 0.15;
    assert!(
        own,
        "the pool handed out a connection inside a transaction begun {age:.3} s ago"
    );
    drop(conn);
    // And no session of this database is left idle in a transaction.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let stuck: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(stuck, 0);
}

/// Issue 15.5: the setup wizard sees an old address in its redirect window as taken, and
/// cannot create a platform on it.
#[sqlx::test(migrations = false)]
async fn setup_sees_a_domain_in_its_redirect_window_as_reserved(pool: PgPool) {
    let mut env = Env::new(pool);
    // Moves and redirects of a closed deployment: a custom domain moves at once only without
    // verification (with it, `set-domain` waits for the proof: domains.rs).
    env.set("TENANTCTL_DOMAINS_VERIFY", "false");
    env.init().await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "Acme",
        "--domain",
        "acme.test",
    ])
    .await
    .ok();
    env.run(&[
        "platform",
        "set-domain",
        "Acme",
        "--domain",
        "acme.org",
        "--yes",
    ])
    .await
    .ok();
    let app = app(&env, &[SETUP_OPEN]).await;
    let a = get(
        &app,
        "example.test",
        "/setup/domain-available?domain=acme.test",
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["available"], false, "{}", a.body);
    let reason = a.body["reason"].as_str().unwrap();
    assert!(reason.starts_with("reserved until 20"), "{reason}");
    assert!(
        !a.body.to_string().contains("Acme"),
        "names the holder: {}",
        a.body
    );

    let a = send(
        &app,
        "POST",
        "/setup/platforms",
        &[b"example.test"],
        Some(serde_json::json!({"name": "Squat", "domain": "acme.test"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    assert!(
        a.body["message"]
            .as_str()
            .unwrap()
            .contains("reserved until"),
        "{}",
        a.body
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM public.platforms WHERE name = 'Squat'")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}
