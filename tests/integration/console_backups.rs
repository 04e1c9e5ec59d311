//! The console's backups page and setup wizard in a real browser (issue 26, pages 3 and 4):
//! back up now, download and compare the SHA-256, restore refused with a wrong name and done
//! with the right one; the wizard end to end (availability as typed, progress, redirect, a
//! failure and its retry), and without JavaScript; an organizer meets 404 on another platform's
//! backups.
//!
//! With `TENANTCTL_SCREENSHOTS=DIR` the tests save the screenshots of docs/console.md there.

use crate::backup::fleet;
use crate::browser::{Browser, Console, account, set_password};
use crate::common::Env;
use fantoccini::Locator;
use serde_json::json;
use sqlx::PgPool;
use std::time::Duration;
use tenantctl::backup::manifest;
use tenantctl::backup::storage::local::Local;
use tenantctl::registry::audit::Actor;
use tenantctl::registry::store;
use tenantctl::serve::console::accounts::{self, Role};

const PASSWORD: &str = "correct horse battery staple";

/// Save a screenshot for the docs when asked to (`TENANTCTL_SCREENSHOTS=docs`).
async fn screenshot(b: &Browser, name: &str) {
    let Ok(dir) = std::env::var("TENANTCTL_SCREENSHOTS") else {
        return;
    };
    let png = b.client.screenshot().await.expect("screenshot");
    std::fs::write(std::path::Path::new(&dir).join(name), png).expect("screenshot written");
}

/// Wait until `css` matches an element (a page that reloads itself), up to `secs`.
async fn wait_for(b: &Browser, css: &str, secs: u64) {
    for _ in 0..secs * 10 {
        if b.client.find(Locator::Css(css)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "no `{css}` after {secs} s at {}:\n{}",
        b.path().await,
        b.source().await
    );
}

/// Fetch a URL inside the browser (its session, its cookies) and hash what arrives.
async fn fetch_in_browser(b: &Browser, url: &str) -> serde_json::Value {
    b.client
        .execute_async(
            "const [u, done] = arguments;
             fetch(u, {credentials: 'same-origin'}).then(async r => {
               const body = await r.arrayBuffer();
               const h = await crypto.subtle.digest('SHA-256', body);
               done({status: r.status, length: body.byteLength,
                     disposition: r.headers.get('content-disposition'),
                     cache: r.headers.get('cache-control'),
                     sha256: Array.from(new Uint8Array(h)).map(x => x.toString(16).padStart(2, '0')).join('')});
             }).catch(e => done({error: String(e)}));",
            vec![json!(url)],
        )
        .await
        .expect("fetch runs")
}

#[sqlx::test(migrations = false)]
async fn back_up_download_and_restore_in_a_browser(pool: PgPool) {
    let env = Env::new(pool.clone());
    fleet(
        &env,
        &[("Acme", "tenant_acme"), ("Globex", "tenant_globex")],
    )
    .await;
    env.fill("tenant_acme", 40, 64).await;
    let people = env.count("tenant_acme", "people").await;
    account(&env, "admin@example.test", Role::Admin, PASSWORD).await;
    let console = Console::start(&env, &[]).await;
    let b = Browser::start().await;
    b.login(&console.url(""), "admin@example.test", PASSWORD)
        .await;
    let p = store::find(&pool, "Acme").await.unwrap();
    let page = format!("/console/platforms/{}/backups", p.id);
    b.goto(&console.url(&page)).await;
    assert!(
        b.text("#no-backups").await.is_some(),
        "{}",
        b.source().await
    );

    // Back up now: a job; the page follows it until the worker has done it.
    b.click("#backup-now").await;
    b.wait_path(&page).await;
    assert!(b.text("#following").await.is_some());
    env.run(&["worker", "--once"]).await.ok();
    wait_for(&b, "#backups tbody tr[data-backup]", 15).await;
    screenshot(&b, "console-backups.png").await;
    let storage = Local::new(env.backups());
    let id = manifest::list(&storage, "tenant_acme").await.unwrap()[0]
        .id
        .clone();
    let m = manifest::pick(&storage, "tenant_acme", Some(&id))
        .await
        .unwrap();

    // Download through the console: the bytes are the manifest's.
    let href = b
        .client
        .find(Locator::Css("#backups a.download"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let got = fetch_in_browser(&b, &href).await;
    assert_eq!(got["status"], 200, "{got}");
    assert_eq!(got["sha256"], m.sha256.as_str(), "{got}");
    assert_eq!(got["length"], m.size_bytes, "{got}");
    assert_eq!(
        got["disposition"],
        format!("attachment; filename=\"Acme-{id}.dump\"").as_str()
    );
    assert_eq!(got["cache"], "no-store");

    // Rows lost since the backup; the restore page shows it.
    env.sql("DELETE FROM tenant_acme.people").await;
    b.click("#backups a.restore").await;
    wait_for(&b, "#restore-preview", 5).await;
    let row = b
        .text("#restore-preview tr[data-table=\"people\"]")
        .await
        .unwrap();
    assert!(
        row.contains(&format!("0 {people}")) || row.contains(&format!("0\t{people}")),
        "{row}"
    );
    assert!(
        b.text("#restore-warning")
            .await
            .unwrap()
            .contains("current data of Acme will be lost")
    );
    screenshot(&b, "console-restore.png").await;

    // A wrong name: refused, nothing queued.
    b.fill("#confirm-name", "acme").await;
    b.click("#restore-confirm").await;
    wait_for(&b, "#name-error", 5).await;
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tenantctl.jobs WHERE kind = 'restore'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(queued, 0);
    assert_eq!(env.count("tenant_acme", "people").await, 0);

    // The right one: queued, done by the worker, the rows are back.
    b.fill("#confirm-name", "Acme").await;
    b.click("#restore-confirm").await;
    b.wait_path(&page).await;
    env.run(&["worker", "--once"]).await.ok();
    assert_eq!(env.count("tenant_acme", "people").await, people);
    wait_for(&b, "#backup-jobs tr[data-status=\"completed\"]", 10).await;
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM tenantctl.audit_log WHERE platform_id = $1 AND via = 'console' ORDER BY id",
    )
    .bind(p.id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        vec!["backup.start", "backup.download", "backup.restore"]
    );
    b.close().await;
}

#[sqlx::test(migrations = false)]
async fn an_organizer_meets_404_on_another_platforms_backups(pool: PgPool) {
    let env = Env::new(pool.clone());
    fleet(
        &env,
        &[("Acme", "tenant_acme"), ("Globex", "tenant_globex")],
    )
    .await;
    env.run(&["backup", "Globex"]).await.ok();
    let acme = store::find(&pool, "Acme").await.unwrap();
    let globex = store::find(&pool, "Globex").await.unwrap();
    // An organizer of Acme, from an invitation link.
    match accounts::invite(&pool, "org@acme.test", &acme, &Actor::cli())
        .await
        .unwrap()
    {
        accounts::Invited::Link(link) => {
            set_password(&env, &link.token, PASSWORD).await;
        }
        other => panic!("{other:?}"),
    }
    let storage = Local::new(env.backups());
    let id = manifest::list(&storage, "tenant_globex").await.unwrap()[0]
        .id
        .clone();
    let console = Console::start(&env, &[]).await;
    let b = Browser::start().await;
    b.login(&console.url(""), "org@acme.test", PASSWORD).await;
    // Their own platform's page answers.
    let own = fetch_in_browser(&b, &format!("/console/platforms/{}/backups", acme.id)).await;
    assert_eq!(own["status"], 200, "{own}");
    for path in [
        format!("/console/platforms/{}/backups", globex.id),
        format!("/console/platforms/{}/backups/{id}/download", globex.id),
        format!("/console/platforms/{}/backups/{id}/restore", globex.id),
        "/console/platforms/999999/backups".to_string(),
    ] {
        let got = fetch_in_browser(&b, &path).await;
        assert_eq!(got["status"], 404, "{path}: {got}");
    }
    b.close().await;
}

#[sqlx::test(migrations = false)]
async fn the_wizard_checks_the_address_as_typed_follows_provisioning_and_redirects(pool: PgPool) {
    let env = Env::new(pool.clone());
    fleet(&env, &[("Acme", "tenant_acme")]).await;
    account(&env, "admin@example.test", Role::Admin, PASSWORD).await;
    let console = Console::start(&env, &[]).await;
    let b = Browser::start_with(&[&to_serve(&console)]).await;
    b.login(&console.url(""), "admin@example.test", PASSWORD)
        .await;
    // A browser asking the host's /setup for a page is sent to the wizard; a script asking for
    // JSON still gets the API.
    let html = raw_get(console.addr, "/setup", "text/html,application/xhtml+xml").await;
    assert!(html.starts_with("HTTP/1.1 303"), "{html}");
    assert!(
        html.to_lowercase().contains("location: /console/setup\r\n"),
        "{html}"
    );
    let json = raw_get(console.addr, "/setup", "application/json").await;
    assert!(!json.starts_with("HTTP/1.1 303"), "{json}");
    b.goto(&console.url("/console/setup")).await;
    b.fill("#name", "Initech").await;
    // Availability as typed: a taken subdomain, then a free one.
    b.fill("#subdomain", "acme").await;
    wait_until_text(&b, "#availability", "another platform").await;
    b.fill("#subdomain", "initech").await;
    wait_until_text(&b, "#availability", "initech.example.test is available").await;
    screenshot(&b, "console-wizard.png").await;
    b.click("#create").await;
    let p = wait_platform(&pool, "Initech").await;
    b.wait_path(&format!("/console/setup/{}", p.id)).await;
    assert!(
        b.text("#setup-stage").await.unwrap().contains("Queued"),
        "{:?}",
        b.text("#setup-stage").await
    );
    assert!(b.text("#setup-bar").await.is_some());
    // The worker provisions it; the page follows and then takes the browser to its address.
    env.run(&["worker", "--once"]).await.ok();
    for _ in 0..100 {
        let u = b.client.current_url().await.unwrap();
        if u.host_str() == Some("initech.example.test") {
            let audit: Vec<String> =
                sqlx::query_scalar("SELECT action FROM tenantctl.audit_log WHERE platform_id = $1")
                    .bind(p.id)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            assert_eq!(audit, vec!["platform.create"]);
            b.close().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "not redirected: at {}",
        b.client.current_url().await.unwrap()
    );
}

/// The platforms' addresses (`*.example.test`) lead the browser to serve's main listener, so
/// the wizard's final redirect lands on the new platform as served.
fn to_serve(console: &Console) -> String {
    format!(
        "--host-resolver-rules=MAP *.example.test 127.0.0.1:{}",
        console.addr.port()
    )
}

async fn wait_until_text(b: &Browser, css: &str, want: &str) {
    for _ in 0..100 {
        if b.text(css).await.is_some_and(|t| t.contains(want)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("`{css}` never said `{want}`: {:?}", b.text(css).await);
}

async fn wait_platform(pool: &PgPool, name: &str) -> tenantctl::registry::Platform {
    for _ in 0..100 {
        if let Ok(p) = store::find(pool, name).await {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("platform {name} was not created");
}

#[sqlx::test(migrations = false)]
async fn the_wizard_works_without_javascript_and_retries_a_failure(pool: PgPool) {
    let env = Env::new(pool.clone());
    fleet(&env, &[("Acme", "tenant_acme")]).await;
    account(&env, "admin@example.test", Role::Admin, PASSWORD).await;
    // One run per provisioning job: the failure below is final at once.
    let console = Console::start(&env, &[("TENANTCTL_PROVISION_MAX_ATTEMPTS", "0")]).await;
    let b =
        Browser::start_with(&["--blink-settings=scriptEnabled=false", &to_serve(&console)]).await;
    b.login(&console.url(""), "admin@example.test", PASSWORD)
        .await;
    b.goto(&console.url("/console/setup")).await;
    // A taken address: the form's answer says it, nothing is created.
    b.fill("#name", "Hooli").await;
    b.fill("#subdomain", "acme").await;
    b.click("#create").await;
    wait_for(&b, "#form-error", 5).await;
    assert!(store::find(&pool, "Hooli").await.is_err());
    b.fill("#subdomain", "hooli").await;
    b.click("#create").await;
    let p = wait_platform(&pool, "Hooli").await;
    let progress = format!("/console/setup/{}", p.id);
    b.wait_path(&progress).await;
    // The worker meets a broken migration set: the only attempt fails.
    let broken = env.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("20260101000001_bad.up.sql"),
        "SELECT * FROM no_such_table;",
    )
    .unwrap();
    std::fs::write(broken.join("20260101000001_bad.down.sql"), "").unwrap();
    env.run_with(
        &["worker", "--once"],
        &[("TENANTCTL_TENANT_MIGRATIONS_DIR", broken.to_str().unwrap())],
    )
    .await;
    assert_eq!(
        store::find(&pool, "Hooli").await.unwrap().provision_status,
        tenantctl::registry::ProvisionStatus::Failed
    );
    // Without script the page reloads itself (meta refresh) and shows the error and a retry.
    wait_for(&b, "#setup-error", 15).await;
    assert!(
        b.text("#setup-error")
            .await
            .unwrap()
            .contains("no_such_table"),
        "{:?}",
        b.text("#setup-error").await
    );
    b.click("#setup-retry").await;
    b.wait_path(&progress).await;
    env.run(&["worker", "--once"]).await.ok();
    for _ in 0..100 {
        let u = b.client.current_url().await.unwrap();
        if u.host_str() == Some("hooli.example.test") {
            b.close().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "not redirected: at {}",
        b.client.current_url().await.unwrap()
    );
}

/// One GET to serve's main listener with the host platform's Host; the raw answer's head.
async fn raw_get(addr: std::net::SocketAddr, path: &str, accept: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!(
            "GET {path} HTTP/1.1\r\nHost: example.test\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}
