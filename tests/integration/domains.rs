//! Custom-domain ownership (issue 15.6): a platform's own domain is served only once proven,
//! by a DNS TXT record or an HTTP challenge that serve answers, checked by `platform
//! verify-domain` against a real DNS server (dnsmasq on loopback); Caddy's `ask` endpoint
//! agrees with what is routed.

use crate::common::{Dns, Env};
use crate::serve::{app, get};
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
    // Verified stays verified without asking DNS again.
    drop(right);
    env.run(&["platform", "verify-domain", "Shop"])
        .await
        .ok()
        .stdout_has("verified");

    // A new domain is a new proof.
    env.run(&[
        "platform",
        "set-domain",
        "Shop",
        "--domain",
        "shop2.test",
        "--yes",
    ])
    .await
    .ok();
    app.resolver.refresh(&env.pool, "test").await.unwrap();
    assert_eq!(
        get(&app, "shop2.test", "/api/communities").await.status,
        StatusCode::NOT_FOUND
    );
    let r = env
        .run(&["platform", "verify-domain", "Shop", "--output", "json"])
        .await;
    r.code(1);
    assert_ne!(r.json()["token"], token.as_str());
}

#[sqlx::test(migrations = false)]
async fn the_http_challenge_is_answered_by_serve_itself(pool: PgPool) {
    let mut env = Env::new(pool);
    shop(&env).await;
    let app = app(&env, &[]).await;
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
    let (token, proof): (String, String) = sqlx::query_as(
        "SELECT token, proof FROM tenantctl.domain_verifications v \
         JOIN public.platforms p ON p.id = v.platform_id WHERE p.name = 'Shop'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    let a = get(
        &app,
        "shop.test",
        &format!("/.well-known/tenantctl-challenge/{token}"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body.as_str().unwrap(), proof);
    for (host, path) in [
        (
            "shop.test",
            "/.well-known/tenantctl-challenge/other".to_string(),
        ),
        (
            "example.test",
            format!("/.well-known/tenantctl-challenge/{token}"),
        ),
    ] {
        assert_eq!(get(&app, host, &path).await.status, StatusCode::NOT_FOUND);
    }

    // shop.test points elsewhere (nothing listens there): not proven.
    let elsewhere = Dns::start(&[], &[("shop.test", "127.0.0.9")]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &elsewhere.server())
        .set("TENANTCTL_DOMAINS_HTTP_PORT", &port.to_string());
    env.run(&["platform", "verify-domain", "Shop"])
        .await
        .code(1);
    // shop.test points at this serve: proven by the answer serve gives.
    let here = Dns::start(&[], &[("shop.test", "127.0.0.1")]);
    env.set("TENANTCTL_DOMAINS_DNS_SERVER", &here.server());
    let r = env
        .run(&["platform", "verify-domain", "Shop", "--output", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["method"], "http");
    // serve hears of it (NOTIFY) and routes the domain.
    let client = tenantctl::tls::http_client().build().unwrap();
    let mut status = 0;
    for _ in 0..200 {
        status = client
            .get(format!("http://127.0.0.1:{port}/api/communities"))
            .header("host", "shop.test")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, 200);
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
    let a = get(&app, "example.test", &format!("/setup/platforms/{id}")).await;
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
