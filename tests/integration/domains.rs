//! Custom-domain ownership (issues 15.6, 27): a platform's own domain is served only while
//! proven, by a DNS TXT record or the token on the owner's own web server (never by serve's
//! answer), checked by `platform verify-domain` and the worker against a real DNS server
//! (dnsmasq on loopback); Caddy's `ask` endpoint agrees with what is routed.

use crate::common::{Dns, Env};
use crate::serve::{app, get, send};
use axum::http::StatusCode;
use sqlx::PgPool;
use std::time::Duration;
use tenantctl::serve;

/// `Shop` at the custom domain `shop.test`, provisioned.
async fn shop(env: &Env) {
    env.init().await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "Shop",
        "--domain",
        "shop.test",
    ])
    .await
    .ok();
    env.run(&["provision", "Shop"]).await.ok();
}

async fn ask(app: &std::sync::Arc<serve::App>, domain: &str) -> StatusCode {
    get(app, "localhost", &format!("/tls/allowed?domain={domain}"))
        .await
        .status
}

#[sqlx::test(migrations = false)]
async fn a_custom_domain_is_served_once_its_txt_record_proves_it(pool: PgPool) {
    let mut env = Env::new(pool);
    shop(&env).await;
    env.tenant("Acme", "acme").await;
    let app = app(&env, &[]).await;
    // Unproven: not routed, and no certificate for it.
    let a = get(&app, "shop.test", "/api/communities").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
    assert_eq!(a.body["error"], "unknown_host");
    assert_eq!(ask(&app, "shop.test").await, StatusCode::NOT_FOUND);
    // A subdomain of the host domain needs no proof; an unknown name gets no certificate.
    assert_eq!(
        get(&app, "acme.example.test", "/api/communities")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(ask(&app, "acme.example.test").await, StatusCode::OK);
    assert_eq!(ask(&app, "example.test").await, StatusCode::OK);
    assert_eq!(ask(&app, "nobody.test").await, StatusCode::NOT_FOUND);
    assert_eq!(ask(&app, "bad_name").await, StatusCode::BAD_REQUEST);

    // No record yet: not verified (exit 1), and it says what to publish.
    let empty = Dns::start(&[], &[]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &empty.server());
    let r = env
        .run(&["platform", "verify-domain", "Shop", "--output", "json"])
        .await;
    r.code(1);
    let v = r.json();
    assert_eq!(v["platform"], "Shop");
    assert_eq!(v["address"], "shop.test");
    assert_eq!(v["status"], "unverified");
    // Said in words, not as a Rust debug dump of the DNS query (issue 28.12).
    let error = v["error"].as_str().unwrap();
    assert!(
        error.starts_with("DNS: no TXT record `_tenantctl-challenge.shop.test` (")
            && !error.contains("Query {")
            && !error.contains("name: "),
        "{error}"
    );
    assert_eq!(v["dns"]["name"], "_tenantctl-challenge.shop.test");
    let token = v["token"].as_str().unwrap().to_string();
    assert_eq!(v["dns"]["value"], token.as_str());
    assert!(token.len() >= 32, "{token}");
    let r = env.run(&["platform", "verify-domain", "Shop"]).await;
    r.code(1)
        .stderr_has("_tenantctl-challenge.shop.test")
        .stderr_has(&token);

    // Someone else's token in the record proves nothing.
    let wrong = Dns::start(&[("_tenantctl-challenge.shop.test", "not-the-token")], &[]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &wrong.server());
    env.run(&["platform", "verify-domain", "Shop"])
        .await
        .code(1);

    let right = Dns::start(&[("_tenantctl-challenge.shop.test", &token)], &[]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &right.server());
    let r = env
        .run(&["platform", "verify-domain", "Shop", "--output", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["status"], "verified");
    assert_eq!(r.json()["method"], "dns");
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    let a = get(&app, "shop.test", "/api/communities").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(ask(&app, "shop.test").await, StatusCode::OK);
    // verify-domain looks again: with the record gone the proof is failing (still served
    // during `domains.lost_after`).
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &empty.server());
    let r = env
        .run(&["platform", "verify-domain", "Shop", "--output", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["status"], "failing");
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &right.server());

    // A new domain is a new proof; until it is proven the old one stays served.
    env.run(&[
        "platform",
        "set-domain",
        "Shop",
        "--domain",
        "shop2.test",
        "--yes",
    ])
    .await
    .ok()
    .stdout_has("stays at shop.test until shop2.test is proven");
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    assert_eq!(
        get(&app, "shop2.test", "/api/communities").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "shop.test", "/api/communities").await.status,
        StatusCode::OK
    );
    let r = env
        .run(&["platform", "verify-domain", "Shop", "--output", "json"])
        .await;
    r.code(1);
    assert_eq!(r.json()["address"], "shop2.test");
    assert_eq!(r.json()["serving"], "shop.test");
    assert_ne!(r.json()["token"], token.as_str());
}

/// The token of the challenge of `address` (its current or pending claim).
async fn token_of(env: &Env, address: &str) -> String {
    sqlx::query_scalar("SELECT token FROM tenantctl.domain_verifications WHERE domain = $1")
        .bind(address)
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

async fn verified(env: &Env, address: &str) -> bool {
    sqlx::query_scalar(
        "SELECT verified_at IS NOT NULL FROM tenantctl.domain_verifications WHERE domain = $1",
    )
    .bind(address)
    .fetch_one(&env.pool)
    .await
    .unwrap()
}

/// serve on a loopback port: (port, stop, the server task).
async fn listen(
    app: &std::sync::Arc<serve::App>,
) -> (
    u16,
    tokio_util::sync::CancellationToken,
    tokio::task::JoinHandle<tenantctl::error::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(serve::serve(
        app.clone(),
        listener,
        None,
        Duration::from_secs(30),
        Duration::from_secs(1),
        stop.clone().cancelled_owned(),
    ));
    (port, stop, server)
}

/// Issue 27.1: a name that already points at serve (here a wildcard `*.shop-a.test` of a
/// verified `shop-a.test`) proved itself, since serve handed out the HTTP proof. A stranger's
/// claim on `www.shop-a.test` must stay unproven after the worker's check and the operator's,
/// not routed, with no certificate.
#[sqlx::test(migrations = false)]
async fn a_name_that_points_at_serve_cannot_be_taken_by_a_stranger(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "ShopA",
        "--domain",
        "shop-a.test",
    ])
    .await
    .ok();
    env.run(&["provision", "ShopA"]).await.ok();
    let owner = token_of(&env, "shop-a.test").await;
    let txt = Dns::start(&[("_tenantctl-challenge.shop-a.test", &owner)], &[]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &txt.server());
    env.run(&["platform", "verify-domain", "ShopA"]).await.ok();

    let app = app(&env, &[crate::serve::SETUP_OPEN]).await;
    let (port, stop, server) = listen(&app).await;
    // shop-a.test and every name under it point at this serve.
    let wildcard = Dns::start_with(&[], &[], &[("shop-a.test", "127.0.0.1")]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &wildcard.server())
        .set("TENANTCTL_DOMAINS_HTTP_PORT", &port.to_string());
    let a = send(
        &app,
        "POST",
        "/setup/platforms",
        &[b"example.test"],
        Some(serde_json::json!({"name": "Stranger", "domain": "www.shop-a.test"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let stranger = token_of(&env, "www.shop-a.test").await;

    // The worker provisions it and checks the domain; the operator checks it too.
    env.run(&["worker", "--once"]).await.ok();
    env.run(&["platform", "verify-domain", "Stranger"])
        .await
        .code(1);
    assert!(!verified(&env, "www.shop-a.test").await);
    // serve does not answer the stranger's challenge, at the name or anywhere.
    let client = tenantctl::tls::http_client().build().unwrap();
    let r = client
        .get(format!(
            "http://127.0.0.1:{port}/.well-known/tenantctl-challenge/{stranger}"
        ))
        .header("host", "www.shop-a.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    let a = get(&app, "www.shop-a.test", "/api/communities").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
    assert_eq!(ask(&app, "www.shop-a.test").await, StatusCode::NOT_FOUND);
    assert_eq!(ask(&app, "shop-a.test").await, StatusCode::OK);
    stop.cancel();
    server.await.unwrap().unwrap();
}

/// Issue 27.2: a verified domain is checked again; without its proof it is failing (served,
/// a warning) and after `domains.lost_after` lost (not served, no certificate, critical),
/// until it is proven again.
#[sqlx::test(migrations = false)]
async fn a_verified_domain_whose_proof_is_gone_is_lost_after_the_grace_period(pool: PgPool) {
    let mut env = Env::new(pool);
    shop(&env).await;
    let token = token_of(&env, "shop.test").await;
    let right = Dns::start(&[("_tenantctl-challenge.shop.test", &token)], &[]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &right.server());
    env.run(&["platform", "verify-domain", "Shop"]).await.ok();
    let app = app(&env, &[]).await;
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    assert_eq!(ask(&app, "shop.test").await, StatusCode::OK);

    // The record is removed and the name points elsewhere.
    let gone = Dns::start(&[], &[("shop.test", "127.0.0.9")]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &gone.server())
        .set("TENANTCTL_DOMAINS_RECHECK_INTERVAL", "0s")
        .set("TENANTCTL_DOMAINS_LOST_AFTER", "1h");
    env.run(&["worker", "--once"]).await.ok();
    let failing: bool = sqlx::query_scalar(
        "SELECT failing_since IS NOT NULL AND verified_at IS NOT NULL          FROM tenantctl.domain_verifications WHERE domain = 'shop.test'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(failing, "the worker looked again");
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    assert_eq!(ask(&app, "shop.test").await, StatusCode::OK, "grace period");
    env.run(&["status", "--check"])
        .await
        .code(1)
        .stdout_has("custom domain(s) failing");
    env.run(&["platform", "list"])
        .await
        .ok()
        .stdout_has("shop.test (proof failing)");

    // Past the grace period: lost.
    env.set("TENANTCTL_DOMAINS_LOST_AFTER", "0s");
    env.run(&["worker", "--once"]).await.ok();
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    assert_eq!(
        get(&app, "shop.test", "/api/communities").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(ask(&app, "shop.test").await, StatusCode::NOT_FOUND);
    env.run(&["status", "--check"])
        .await
        .code(2)
        .stdout_has("lost their proof");
    env.run(&["platform", "list"])
        .await
        .ok()
        .stdout_has("shop.test (lost: not served)");
    let r = env
        .run(&["platform", "show", "Shop", "--output", "json"])
        .await;
    assert_eq!(r.json()["domain_status"], "lost");
    env.run(&["platform", "verify-domain", "Shop"])
        .await
        .code(1)
        .stdout_has("is lost");

    // The record is back: proven again, and served.
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &right.server());
    env.run(&["platform", "verify-domain", "Shop"]).await.ok();
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    assert_eq!(ask(&app, "shop.test").await, StatusCode::OK);
}

/// Issue 27.3: moving a platform to a custom domain keeps it served at its old address until
/// the new one is proven; then it moves, and the old address redirects.
#[sqlx::test(migrations = false)]
async fn set_domain_keeps_the_old_address_until_the_new_one_is_proven(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    let app = app(&env, &[]).await;
    let empty = Dns::start(&[], &[]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &empty.server());
    let r = env
        .run(&[
            "platform",
            "set-domain",
            "Acme",
            "--domain",
            "acme.org",
            "--yes",
            "--output",
            "json",
        ])
        .await;
    r.ok();
    let v = r.json();
    assert_eq!(v["address"], "acme.example.test", "{v}");
    assert_eq!(v["pending_address"], "acme.org", "{v}");
    assert_eq!(v["verification"]["status"], "unverified", "{v}");
    let token = v["verification"]["token"].as_str().unwrap().to_string();
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    assert_eq!(
        get(&app, "acme.example.test", "/api/communities")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&app, "acme.org", "/api/communities").await.status,
        StatusCode::NOT_FOUND
    );
    env.run(&["platform", "list"])
        .await
        .ok()
        .stdout_has("acme.example.test (moving to acme.org once proven)");

    // Proven: the worker moves it; the old address redirects.
    let right = Dns::start(&[("_tenantctl-challenge.acme.org", &token)], &[]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &right.server());
    env.run(&["worker", "--once"]).await.ok();
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    assert_eq!(
        get(&app, "acme.org", "/api/communities").await.status,
        StatusCode::OK
    );
    let a = get(&app, "acme.example.test", "/api/communities").await;
    assert_eq!(a.status, StatusCode::PERMANENT_REDIRECT, "{}", a.body);
    assert!(a.location().contains("acme.org"), "{}", a.location());
    let r = env
        .run(&["platform", "show", "Acme", "--output", "json"])
        .await;
    let v = r.json();
    assert_eq!(v["address"], "acme.org");
    assert_eq!(v["domain_status"], "verified");
    assert!(v["pending_address"].is_null(), "{v}");
    assert_eq!(v["domain_history"][0]["old_address"], "acme.example.test");
}

/// Issue 27.4: an unproven claim does not block the real owner for ever: it expires after
/// `domains.claim_ttl`, and a proven claim takes the address over at any time.
#[sqlx::test(migrations = false)]
async fn an_unproven_claim_expires_and_a_proven_one_takes_over(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    let create = |name: &'static str, domain: &'static str| {
        ["platform", "create", "--name", name, "--domain", domain]
    };
    env.run(&create("Squatter", "shop.test")).await.ok();
    // Within the claim's time: refused, saying until when.
    env.run(&create("Owner", "shop.test"))
        .await
        .code(1)
        .stderr_has("claimed by platform `Squatter` but not proven")
        .stderr_has("domains.claim_ttl");
    let app = app(&env, &[crate::serve::SETUP_OPEN]).await;
    let a = get(
        &app,
        "example.test",
        "/setup/domain-available?domain=shop.test",
    )
    .await;
    assert_eq!(a.body["available"], false, "{}", a.body);

    // A proven claim takes it over at once: an existing platform claims it and proves it.
    env.tenant("Owner", "owner").await;
    let empty = Dns::start(&[], &[]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &empty.server());
    env.run(&[
        "platform",
        "set-domain",
        "Owner",
        "--domain",
        "shop.test",
        "--yes",
    ])
    .await
    .ok();
    let token: String = sqlx::query_scalar(
        "SELECT token FROM tenantctl.domain_verifications v JOIN public.platforms p          ON p.id = v.platform_id WHERE p.name = 'Owner' AND v.pending",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    let right = Dns::start(&[("_tenantctl-challenge.shop.test", &token)], &[]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &right.server());
    let r = env
        .run(&["platform", "verify-domain", "Owner", "--output", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["switched"], true, "{}", r.json());
    let domains: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, domain FROM public.platforms WHERE name IN ('Owner', 'Squatter') ORDER BY name")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(
        domains,
        vec![
            ("Owner".to_string(), Some("shop.test".to_string())),
            ("Squatter".to_string(), None)
        ]
    );

    // An expired claim gives way to a new platform (the CLI and /setup alike).
    env.run(&create("Squatter2", "other.test")).await.ok();
    let app = crate::serve::app(
        &env,
        &[
            crate::serve::SETUP_OPEN,
            ("TENANTCTL_DOMAINS_CLAIM_TTL", "0s"),
        ],
    )
    .await;
    let a = get(
        &app,
        "example.test",
        "/setup/domain-available?domain=other.test",
    )
    .await;
    assert_eq!(a.body["available"], true, "{}", a.body);
    env.run_with(
        &create("Owner2", "other.test"),
        &[("TENANTCTL_DOMAINS_CLAIM_TTL", "0s")],
    )
    .await
    .ok();
    let d: Option<String> =
        sqlx::query_scalar("SELECT domain FROM public.platforms WHERE name = 'Squatter2'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(d, None);
}

/// The HTTP proof is the token on the owner's own web server, where the name points before
/// it is moved to serve; once it points at serve, the re-check finds serve's own answer (the
/// name still points here) and the domain stays verified; pointed elsewhere, it is failing.
#[sqlx::test(migrations = false)]
async fn the_owners_web_server_proves_a_domain_over_http(pool: PgPool) {
    let mut env = Env::new(pool);
    shop(&env).await;
    let token = token_of(&env, "shop.test").await;
    let app = app(&env, &[]).await;
    let (port, stop, server) = listen(&app).await;
    // The owner's web server, on another loopback address, answers the token.
    let own = tokio::net::TcpListener::bind(("127.0.0.2", port))
        .await
        .unwrap();
    let body = token.clone();
    let router = axum::Router::new().route(
        &format!("/.well-known/tenantctl-challenge/{token}"),
        axum::routing::get(move || async move { body }),
    );
    let owner = tokio::spawn(async move { axum::serve(own, router).await });
    // Pointing at serve proves nothing.
    let at_serve = Dns::start(&[], &[("shop.test", "127.0.0.1")]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &at_serve.server())
        .set("TENANTCTL_DOMAINS_HTTP_PORT", &port.to_string());
    env.run(&["platform", "verify-domain", "Shop"])
        .await
        .code(1)
        .stderr_has("without the token");
    let at_owner = Dns::start(&[], &[("shop.test", "127.0.0.2")]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &at_owner.server());
    let r = env
        .run(&["platform", "verify-domain", "Shop", "--output", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["method"], "http");
    // Moved to serve: still verified, by serve's own answer at the name.
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &at_serve.server());
    let r = env
        .run(&["platform", "verify-domain", "Shop", "--output", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["status"], "verified", "{}", r.json());
    assert_eq!(r.json()["method"], "http");
    // Pointed elsewhere: failing.
    let elsewhere = Dns::start(&[], &[("shop.test", "127.0.0.9")]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &elsewhere.server());
    let r = env
        .run(&["platform", "verify-domain", "Shop", "--output", "json"])
        .await;
    assert_eq!(r.json()["status"], "failing", "{}", r.json());
    owner.abort();
    stop.cancel();
    server.await.unwrap().unwrap();
}

#[sqlx::test(migrations = false)]
async fn closed_deployments_can_turn_verification_off(pool: PgPool) {
    let env = Env::new(pool);
    shop(&env).await;
    let app = app(&env, &[("TENANTCTL_DOMAINS_VERIFY", "false")]).await;
    assert_eq!(
        get(&app, "shop.test", "/api/communities").await.status,
        StatusCode::OK
    );
    assert_eq!(ask(&app, "shop.test").await, StatusCode::OK);
    env.run_with(
        &["platform", "verify-domain", "Shop"],
        &[("TENANTCTL_DOMAINS_VERIFY", "false")],
    )
    .await
    .ok()
    .stdout_has("verification is off");
    env.tenant("Acme", "acme").await;
    env.run(&["platform", "verify-domain", "Acme"])
        .await
        .ok()
        .stdout_has("needs no verification");
}

#[sqlx::test(migrations = false)]
async fn the_worker_verifies_pending_domains_by_itself(pool: PgPool) {
    let mut env = Env::new(pool);
    shop(&env).await;
    let token: String = sqlx::query_scalar(
        "SELECT token FROM tenantctl.domain_verifications v \
         JOIN public.platforms p ON p.id = v.platform_id WHERE p.name = 'Shop'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    let dns = Dns::start(&[("_tenantctl-challenge.shop.test", &token)], &[]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &dns.server())
        .set("TENANTCTL_DOMAINS_CHECK_INTERVAL", "1s");
    let worker = env.spawn(&["worker"]);
    env.eventually(
        "the worker verified shop.test",
        30,
        "SELECT verified_at IS NOT NULL FROM tenantctl.domain_verifications WHERE domain = 'shop.test'",
    )
    .await;
    crate::common::signal(&worker, "TERM");
    crate::common::finish(worker).await;
}

#[sqlx::test(migrations = false)]
async fn the_setup_wizard_shows_how_to_prove_a_custom_domain(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let app = app(&env, &[crate::serve::SETUP_OPEN]).await;
    let a = crate::serve::send(
        &app,
        "POST",
        "/setup/platforms",
        &[b"example.test"],
        Some(serde_json::json!({"name": "Shop", "domain": "Shop.test"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let claim = a.body["claim_token"].as_str().unwrap().to_string();
    let token: String = sqlx::query_scalar(
        "SELECT token FROM tenantctl.domain_verifications WHERE domain = 'shop.test'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    let proof = &a.body["domain_verification"];
    assert_eq!(proof["status"], "unverified");
    assert_eq!(proof["txt_name"], "_tenantctl-challenge.shop.test");
    assert_eq!(proof["txt_value"], token.as_str());
    assert_eq!(
        proof["http_path"],
        format!("/.well-known/tenantctl-challenge/{token}")
    );
    // Provisioned but unproven: not ready, since serve does not route it.
    env.run(&["provision", "Shop"]).await.ok();
    let id = a.body["id"].as_i64().unwrap();
    let a = crate::serve::setup_status(&app, id, claim.as_str()).await;
    assert_eq!(a.body["provision_status"], "completed");
    assert_eq!(a.body["ready"], false);
    // A subdomain needs no proof.
    let a = crate::serve::send(
        &app,
        "POST",
        "/setup/platforms",
        &[b"example.test"],
        Some(serde_json::json!({"name": "Acme", "subdomain": "acme"})),
    )
    .await;
    assert!(a.body["domain_verification"].is_null(), "{}", a.body);
}
