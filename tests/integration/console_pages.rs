//! The console's platform pages in Chromium (issue 26): retry only on failed platforms and bulk
//! retry after a confirmation that says how many, sorting by size, all without JavaScript; a
//! notification read after its retry; the CSV export's rows; an organizer on another
//! platform's URLs gets 404.

use crate::browser::{Browser, Console, account, set_password};
use crate::common::Env;
use fantoccini::Locator;
use sqlx::PgPool;
use tenantctl::registry::audit::Actor;
use tenantctl::serve::console::accounts::{self, Invited, Role};

const PASSWORD: &str = "correct horse battery";

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
        .unwrap();
}

async fn id_of(pool: &PgPool, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM public.platforms WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn status_of(pool: &PgPool, name: &str) -> String {
    sqlx::query_scalar("SELECT provision_status FROM public.platforms WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Beside the host: three completed platforms of known sizes and three failed ones (a failed
/// platform's retry only queues a job, so no schema is needed).
async fn fleet(env: &Env) {
    exec(
        &env.pool,
        "INSERT INTO public.platforms (name, subdomain, schema_name, provision_status, schema_size_bytes, \
                                       provision_error, provisioned_at, last_backup_at) VALUES \
         ('Small', 'small', 'small', 'completed', 1048576, NULL, now(), now()), \
         ('Huge', 'huge', 'huge', 'completed', 5368709120, NULL, now(), now() - interval '30 days'), \
         ('Middle', 'middle', 'middle', 'completed', 524288000, NULL, now(), now()), \
         ('Fail-A', 'fail-a', 'fail_a', 'failed', NULL, 'relation \"x\" does not exist', NULL, NULL), \
         ('Fail-B', 'fail-b', 'fail_b', 'failed', NULL, 'disk full', NULL, NULL), \
         ('Fail-C', 'fail-c', 'fail_c', 'failed', NULL, 'disk full', NULL, NULL)",
    )
    .await;
}

/// The names of the list's rows, in order.
async fn rows(b: &Browser) -> Vec<String> {
    let mut out = Vec::new();
    for tr in b
        .client
        .find_all(Locator::Css("#platforms tbody tr[data-platform]"))
        .await
        .unwrap()
    {
        out.push(tr.attr("data-platform").await.unwrap().unwrap());
    }
    out
}

/// With JavaScript off: the list, its retry buttons (failed rows only), sorting by size, the
/// bulk retry of a selection and of all failed matching a filter, each after a confirmation
/// page that says how many; every retry in the audit log.
#[sqlx::test(migrations = false)]
async fn platforms_retry_only_failed_bulk_retry_and_sort_by_size_without_javascript(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    fleet(&env).await;
    account(&env, "ada@example.test", Role::Admin, PASSWORD).await;
    let c = Console::start(&env, &[]).await;
    let b = Browser::start_with(&["--blink-settings=scriptEnabled=false"]).await;
    let base = c.url("");
    b.login(&base, "ada@example.test", PASSWORD).await;

    // Retry buttons and checkboxes on the failed rows only; every row has its badge's word.
    let mut with_retry = Vec::new();
    for tr in b
        .client
        .find_all(Locator::Css("#platforms tbody tr[data-platform]"))
        .await
        .unwrap()
    {
        let name = tr.attr("data-platform").await.unwrap().unwrap();
        let badge = tr
            .find(Locator::Css(".badge"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let has_button = tr.find(Locator::Css("button.retry")).await.is_ok();
        let has_box = tr.find(Locator::Css("input[type=checkbox]")).await.is_ok();
        assert_eq!(has_button, badge == "failed", "{name}: {badge}");
        assert_eq!(has_box, badge == "failed", "{name}: {badge}");
        if has_button {
            with_retry.push(name);
        }
    }
    assert_eq!(with_retry, ["Fail-A", "Fail-B", "Fail-C"]);
    // The 30-day-old backup is flagged.
    let huge = b
        .client
        .find(Locator::Css("tr[data-platform='Huge']"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(huge.contains("stale") && huge.contains("5.0 GiB"), "{huge}");

    // Sort by size: largest first, then a second click turns it round; aria-sort follows.
    b.click("th[data-sort='size'] a").await;
    b.wait_path("/console/platforms?sort=size&dir=desc").await;
    assert_eq!(&rows(&b).await[..3], ["Huge", "Middle", "Small"]);
    let th = b
        .client
        .find(Locator::Css("th[data-sort='size']"))
        .await
        .unwrap();
    assert_eq!(
        th.attr("aria-sort").await.unwrap().as_deref(),
        Some("descending")
    );
    let name_th = b
        .client
        .find(Locator::Css("th[data-sort='name']"))
        .await
        .unwrap();
    assert_eq!(
        name_th.attr("aria-sort").await.unwrap().as_deref(),
        Some("none")
    );
    b.click("th[data-sort='size'] a").await;
    b.wait_path("/console/platforms?sort=size").await;
    assert_eq!(&rows(&b).await[..3], ["Small", "Middle", "Huge"]);

    // Bulk retry of a selection: the confirmation says how many; nothing changes before it.
    b.goto(&c.url("/console/platforms")).await;
    for name in ["Fail-A", "Fail-C"] {
        b.click(&format!("tr[data-platform='{name}'] input[type=checkbox]"))
            .await;
    }
    b.click("#retry-selected").await;
    let confirm = b.text("#retry-count").await.unwrap();
    assert!(confirm.contains("2 failed platforms"), "{confirm}");
    assert_eq!(status_of(&env.pool, "Fail-A").await, "failed");
    b.click("#confirm-retry").await;
    b.wait_path("/console/platforms?state=failed").await;
    assert!(
        b.text(".flash")
            .await
            .unwrap()
            .contains("2 platform(s) queued")
    );
    assert_eq!(status_of(&env.pool, "Fail-A").await, "pending");
    assert_eq!(status_of(&env.pool, "Fail-C").await, "pending");
    assert_eq!(status_of(&env.pool, "Fail-B").await, "failed");
    assert_eq!(rows(&b).await, ["Fail-B"]);

    // All failed matching a filter ("fail"): one left.
    b.goto(&c.url("/console/platforms?q=fail")).await;
    let all = b.text("#retry-all").await.unwrap();
    assert!(
        all.contains("Retry all 1 failed matching this filter"),
        "{all}"
    );
    b.click("#retry-all").await;
    assert!(
        b.text("#retry-count")
            .await
            .unwrap()
            .contains("1 failed platform")
    );
    b.click("#confirm-retry").await;
    b.wait_path("/console/platforms?state=failed").await;
    assert_eq!(status_of(&env.pool, "Fail-B").await, "pending");
    assert!(b.text("#platforms-empty").await.is_some());

    let (audited, jobs): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM tenantctl.audit_log WHERE action = 'platform.retry' AND actor = 'ada@example.test'), \
                (SELECT count(*) FROM tenantctl.jobs WHERE status = 'available')",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!((audited, jobs), (3, 3));
    b.close().await;
}

/// An organizer: sees only their platform; another platform's page is 404 by id and by name,
/// and so is its retry; their failure notification is read once they retry it.
#[sqlx::test(migrations = false)]
async fn organizer_sees_own_platform_notification_read_after_retry_others_404(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    fleet(&env).await;
    // Fail-A fails again (the trigger writes the notification).
    exec(
        &env.pool,
        "UPDATE public.platforms SET provision_status = 'provisioning' WHERE name = 'Fail-A'; \
         UPDATE public.platforms SET provision_status = 'failed', provision_error = 'disk full' WHERE name = 'Fail-A'",
    )
    .await;
    let mine = tenantctl::registry::store::find(&env.pool, "Fail-A")
        .await
        .unwrap();
    let link = match accounts::invite(&env.pool, "org@example.test", &mine, &Actor::cli())
        .await
        .unwrap()
    {
        Invited::Link(l) => l,
        Invited::Added { .. } => panic!("a new account"),
    };
    set_password(&env, &link.token, PASSWORD).await;
    let c = Console::start(&env, &[]).await;
    let b = Browser::start().await;
    b.login(&c.url(""), "org@example.test", PASSWORD).await;
    assert_eq!(rows(&b).await, ["Fail-A"]);
    assert_eq!(b.text("#unread-count").await.as_deref(), Some("1"));

    // Other platforms: 404 by id and by name, page and retry alike.
    let other = id_of(&env.pool, "Fail-B").await;
    for path in [
        format!("/console/platforms/{other}"),
        "/console/platforms/Fail-B".to_string(),
        "/console/platforms/fail-b".to_string(),
        "/console/platforms/Host".to_string(),
    ] {
        let r = reqwest_get(&b, &c.url(&path)).await;
        assert_eq!(r.0, 404, "{path}");
        assert!(!r.1.contains("disk full"), "{path}");
    }
    // A forged retry of another platform, with this session's own CSRF token.
    b.goto(&c.url("/console/platforms")).await;
    let csrf = b
        .client
        .find(Locator::Css("input[name=csrf]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    let forged = reqwest_post(
        &b,
        &c.url(&format!("/console/platforms/{other}/retry")),
        &c.url(""),
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(forged, 404);
    assert_eq!(status_of(&env.pool, "Fail-B").await, "failed");

    // The notification, then the retry from the platform's own page.
    b.click("nav.main a[href='/console/notifications']").await;
    let item = b.text("#notifications li").await.unwrap();
    assert!(item.contains("provisioning of Fail-A failed"), "{item}");
    assert!(item.contains("disk full"), "{item}");
    b.goto(&c.url("/console/platforms/fail-a")).await;
    assert_eq!(b.text("#platform-status").await.as_deref(), Some("failed"));
    assert!(
        b.text("#failure-error")
            .await
            .unwrap()
            .contains("disk full")
    );
    b.click("#retry").await;
    b.wait_path(&format!("/console/platforms/{}", mine.id))
        .await;
    assert_eq!(b.text("#unread-count").await.as_deref(), Some("0"));
    assert_eq!(b.text("#platform-status").await.as_deref(), Some("pending"));
    b.goto(&c.url("/console/notifications")).await;
    let read = b
        .client
        .find(Locator::Css("#notifications li"))
        .await
        .unwrap()
        .attr("data-read")
        .await
        .unwrap();
    assert_eq!(read.as_deref(), Some("true"));
    // The times are shown in the reader's time zone by the script (no "UTC" left).
    let t = b.text("#notifications li time").await.unwrap();
    assert!(!t.contains("UTC"), "{t}");
    b.close().await;
}

/// The session cookie of the browser, for requests it cannot make itself.
async fn cookie_header(b: &Browser) -> String {
    b.client
        .get_all_cookies()
        .await
        .unwrap()
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn reqwest_get(b: &Browser, url: &str) -> (u16, String) {
    let r = tenantctl::tls::http_client()
        .build()
        .unwrap()
        .get(url)
        .header("cookie", cookie_header(b).await)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn reqwest_post(b: &Browser, url: &str, origin: &str, form: &[(&str, &str)]) -> u16 {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    tenantctl::tls::http_client()
        .build()
        .unwrap()
        .post(url)
        .header("cookie", cookie_header(b).await)
        .header("origin", origin.trim_end_matches('/'))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The dashboard's CSV export: the attempts of the range, in rows a spreadsheet reads.
#[sqlx::test(migrations = false)]
async fn csv_export_of_the_dashboard_holds_the_ranges_attempts(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    fleet(&env).await;
    exec(
        &env.pool,
        "DELETE FROM tenantctl.provision_attempts; \
         INSERT INTO tenantctl.provision_attempts (platform_id, platform_name, schema_name, started_at, finished_at, outcome, error) \
         SELECT id, name, schema_name, now() - interval '1 day', now() - interval '1 day' + interval '4 seconds', \
                CASE WHEN provision_status = 'failed' THEN 'failed' ELSE 'completed' END, provision_error \
         FROM public.platforms WHERE name <> 'Host'; \
         INSERT INTO tenantctl.provision_attempts (platform_id, platform_name, schema_name, started_at, outcome) \
         SELECT id, name, schema_name, now() - interval '90 days', 'completed' FROM public.platforms WHERE name = 'Small'",
    )
    .await;
    account(&env, "ada@example.test", Role::Admin, PASSWORD).await;
    let c = Console::start(&env, &[]).await;
    let b = Browser::start().await;
    b.login(&c.url(""), "ada@example.test", PASSWORD).await;
    b.goto(&c.url("/console/dashboard")).await;
    assert!(b.text("#outcomes").await.unwrap().contains("24 hours"));
    assert!(b.source().await.contains("<svg class=\"trend\""));
    // The form's own dates: the last 30 days.
    let from = b
        .client
        .find(Locator::Css("#from"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let to = b
        .client
        .find(Locator::Css("#to"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let url = c.url(&format!(
        "/console/dashboard/history.csv?from={from}&to={to}"
    ));
    let r = tenantctl::tls::http_client()
        .build()
        .unwrap()
        .get(&url)
        .header("cookie", cookie_header(&b).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"provision-history-{from}-to-{to}.csv\"")
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        records.len(),
        6,
        "the 90-day-old attempt is outside: {body}"
    );
    let failed: Vec<&str> = records
        .iter()
        .filter(|r| &r[11] == "failed")
        .map(|r| &r[2])
        .collect();
    assert_eq!(failed.len(), 3);
    assert!(records.iter().all(|r| &r[10] == "4.000"), "{body}");
    // A bad range is refused with the rule.
    let (status, text) = reqwest_get(
        &b,
        &c.url("/console/dashboard/history.csv?from=2026-12-05&to=2026-12-01"),
    )
    .await;
    assert_eq!(
        (status, text.as_str()),
        (400, "the range ends before it starts")
    );
    b.close().await;
}
