//! What the console's platform pages, dashboard and notification center read (issue 26): the
//! platform list's sorting, filtering, paging and scope; attempts and the estimate; the
//! dashboard's figures; the CSV export; notifications written by real provisioning outcomes and
//! read after a retry.

use crate::common::{Env, copy_sample_migrations};
use chrono::{NaiveDate, Utc};
use sqlx::PgPool;
use std::time::Duration;
use tenantctl::registry::notifications::{self, Reader};
use tenantctl::serve::console::queries::{self, Badge, Filter, ListQuery, SortKey};

async fn registry(pool: &PgPool) {
    tenantctl::registry::migrations::run(pool).await.unwrap();
}

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
        .unwrap();
}

/// Six platforms: sizes, backups and states that sort differently by each key.
async fn six(pool: &PgPool) -> Vec<i64> {
    registry(pool).await;
    exec(
        pool,
        "INSERT INTO public.platforms (name, subdomain, schema_name, provision_status, schema_size_bytes, \
                                       last_backup_at, provisioned_at, maintenance, maintenance_reason) VALUES \
         ('Acme', 'acme', 'acme', 'completed', 5000000, now() - interval '1 day', now() - interval '9 days', false, NULL), \
         ('beta', 'beta', 'beta', 'failed', NULL, NULL, NULL, false, NULL), \
         ('Gamma', 'gamma', 'gamma', 'completed', 3000000000, now() - interval '20 days', now() - interval '30 days', false, NULL), \
         ('delta_50%', 'delta', 'delta', 'provisioning', NULL, NULL, NULL, false, NULL), \
         ('Epsilon', 'eps', 'eps', 'completed', 100, now() - interval '2 days', now() - interval '3 days', true, 'restore'), \
         ('Zeta', 'zeta', 'zeta', 'failed', 7, NULL, NULL, false, NULL)",
    )
    .await;
    sqlx::query_scalar("SELECT id FROM public.platforms ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

fn names(page: &queries::PlatformPage) -> Vec<&str> {
    page.platforms.iter().map(|p| p.name.as_str()).collect()
}

async fn list(pool: &PgPool, scope: Option<&[i64]>, q: ListQuery) -> queries::PlatformPage {
    queries::platforms(pool, scope, &q).await.unwrap()
}

#[sqlx::test(migrations = false)]
async fn platform_list_sorts_filters_pages_and_scopes_on_the_server(pool: PgPool) {
    let ids = six(&pool).await;
    let q = |sort, descending| ListQuery {
        sort,
        descending,
        ..ListQuery::default()
    };
    // Name: case-insensitive.
    let p = list(&pool, None, q(SortKey::Name, false)).await;
    assert_eq!(
        names(&p),
        ["Acme", "beta", "delta_50%", "Epsilon", "Gamma", "Zeta"]
    );
    assert_eq!(p.total, 6);
    // Size, largest first; platforms never measured last in either direction.
    let p = list(&pool, None, q(SortKey::Size, true)).await;
    assert_eq!(
        names(&p),
        ["Gamma", "Acme", "Epsilon", "Zeta", "beta", "delta_50%"]
    );
    let p = list(&pool, None, q(SortKey::Size, false)).await;
    assert_eq!(
        names(&p),
        ["Zeta", "Epsilon", "Acme", "Gamma", "beta", "delta_50%"]
    );
    // Last backup, oldest first: the stalest on top, never backed up at the end.
    let p = list(&pool, None, q(SortKey::LastBackup, false)).await;
    assert_eq!(&names(&p)[..3], ["Gamma", "Epsilon", "Acme"]);
    // Status: what needs attention first (failed, provisioning, pending, maintenance, done).
    let p = list(&pool, None, q(SortKey::Status, false)).await;
    assert_eq!(
        names(&p),
        ["beta", "Zeta", "delta_50%", "Epsilon", "Acme", "Gamma"]
    );

    // Filter by state: maintenance wins over its provisioning status.
    let by_state = |s| ListQuery {
        filter: Filter {
            state: Some(s),
            text: None,
        },
        ..ListQuery::default()
    };
    assert_eq!(
        names(&list(&pool, None, by_state(Badge::Failed)).await),
        ["beta", "Zeta"]
    );
    assert_eq!(
        names(&list(&pool, None, by_state(Badge::Completed)).await),
        ["Acme", "Gamma"]
    );
    assert_eq!(
        names(&list(&pool, None, by_state(Badge::Maintenance)).await),
        ["Epsilon"]
    );
    // Text: any case, in name or address; `%` and `_` are letters, not wildcards.
    let by_text = |t: &str| ListQuery {
        filter: Filter {
            state: None,
            text: Some(t.into()),
        },
        ..ListQuery::default()
    };
    assert_eq!(names(&list(&pool, None, by_text("GAM")).await), ["Gamma"]);
    assert_eq!(
        names(&list(&pool, None, by_text("50%")).await),
        ["delta_50%"]
    );
    assert_eq!(names(&list(&pool, None, by_text("%")).await), ["delta_50%"]);
    assert_eq!(list(&pool, None, by_text("_")).await.total, 1);
    assert_eq!(list(&pool, None, by_text("  ")).await.total, 6);

    // Pages of 4: the second has the rest; past the end, empty with the total still right.
    let page = |n| ListQuery {
        page: n,
        per_page: 4,
        ..ListQuery::default()
    };
    let p2 = list(&pool, None, page(2)).await;
    assert_eq!(names(&p2), ["Gamma", "Zeta"]);
    assert_eq!((p2.total, p2.pages()), (6, 2));
    let p9 = list(&pool, None, page(9)).await;
    assert!(p9.platforms.is_empty());
    assert_eq!(p9.total, 6);

    // An organizer's scope: only its platforms, whatever the filter.
    let mine = [ids[1], ids[2]];
    let p = list(&pool, Some(&mine), ListQuery::default()).await;
    assert_eq!(names(&p), ["beta", "Gamma"]);
    assert_eq!(p.total, 2);
    assert_eq!(
        names(&list(&pool, Some(&mine), by_state(Badge::Failed)).await),
        ["beta"]
    );
    assert_eq!(list(&pool, Some(&[]), ListQuery::default()).await.total, 0);

    // One platform by id or name, only within scope.
    let by = |key: String, scope: Option<&'static [i64]>| {
        let pool = pool.clone();
        async move { queries::platform(&pool, scope, &key).await.unwrap() }
    };
    assert_eq!(by("GAMMA".into(), None).await.unwrap().id, ids[2]);
    assert_eq!(by(ids[0].to_string(), None).await.unwrap().name, "Acme");
    let scope: &'static [i64] = Box::leak(Box::new(mine));
    assert!(by("acme".into(), Some(scope)).await.is_none());
    assert!(by(ids[0].to_string(), Some(scope)).await.is_none());
    assert_eq!(by("beta".into(), Some(scope)).await.unwrap().id, ids[1]);

    // Bulk retry's selection: failed only, within the filter, scope and selection.
    let failed = queries::failed_matching(&pool, None, &Filter::default(), None)
        .await
        .unwrap();
    assert_eq!(failed.len(), 2);
    let f = Filter {
        state: None,
        text: Some("zet".into()),
    };
    let failed = queries::failed_matching(&pool, None, &f, None)
        .await
        .unwrap();
    assert_eq!(failed[0].name, "Zeta");
    assert_eq!(failed.len(), 1);
    let picked = [ids[0], ids[1]];
    let failed = queries::failed_matching(&pool, None, &Filter::default(), Some(&picked))
        .await
        .unwrap();
    assert_eq!(failed.len(), 1, "Acme is not failed");
    assert!(
        queries::failed_matching(&pool, Some(&[ids[0]]), &Filter::default(), None)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Attempts of a made-up history: `n` completed ones of `secs` each, days ago.
async fn history(pool: &PgPool, platform: &str, outcome: &str, secs: i64, days_ago: &[i64]) {
    for d in days_ago {
        sqlx::query(
            "INSERT INTO tenantctl.provision_attempts (platform_id, platform_name, schema_name, via, worker, \
                                                        started_at, finished_at, outcome, error) \
             SELECT id, name, schema_name, 'job', 'w1', now() - make_interval(days => $2::int), \
                    now() - make_interval(days => $2::int) + make_interval(secs => $3), $4, \
                    CASE WHEN $4 = 'failed' THEN 'relation \"x\" does not exist' END \
             FROM public.platforms WHERE name = $1",
        )
        .bind(platform)
        .bind(*d as i32)
        .bind(secs as f64)
        .bind(outcome)
        .execute(pool)
        .await
        .unwrap();
    }
}

#[sqlx::test(migrations = false)]
async fn dashboard_counts_windows_trend_anomalies_sizes_backups_and_queue(pool: PgPool) {
    let ids = six(&pool).await;
    // 12 quick completed attempts, one very slow one yesterday, failures on 3 days.
    history(
        &pool,
        "Acme",
        "completed",
        2,
        &[0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12],
    )
    .await;
    history(&pool, "Gamma", "completed", 600, &[1]).await;
    history(&pool, "beta", "failed", 1, &[0, 0, 3, 20, 40]).await;
    // A queued and a running job; a stuck platform: delta, provisioning for an hour.
    exec(
        &pool,
        "INSERT INTO tenantctl.jobs (platform_id, platform_name, schema_name, status, locked_by) \
         SELECT id, name, schema_name, CASE WHEN name = 'Zeta' THEN 'available' ELSE 'running' END, \
                CASE WHEN name = 'Zeta' THEN NULL ELSE 'w2' END \
         FROM public.platforms WHERE name IN ('Zeta', 'Acme'); \
         UPDATE public.platforms SET updated_at = now() - interval '1 hour' WHERE name = 'delta_50%'",
    )
    .await;

    let d = queries::dashboard(&pool, Duration::from_secs(7 * 86400))
        .await
        .unwrap();
    assert_eq!((d.day.completed, d.day.failed), (1, 2));
    assert_eq!((d.week.completed, d.week.failed), (8, 3));
    assert_eq!(
        (d.month.completed, d.month.failed),
        (13, 4),
        "40 days ago is out"
    );
    // 30 days, today last; the two failures of today and one three days ago.
    assert_eq!(d.failures_per_day.len(), 30);
    let today = Utc::now().date_naive();
    assert_eq!(d.failures_per_day.last().unwrap(), &(today, 2));
    let three = today - chrono::Duration::days(3);
    assert!(d.failures_per_day.contains(&(three, 1)));
    assert_eq!(d.failures_per_day.iter().map(|x| x.1).sum::<i64>(), 4);
    // The slow attempt stands out of the usual 2 s.
    assert_eq!(d.slow.len(), 1);
    assert_eq!(d.slow[0].platform, "Gamma");
    assert!(d.mean_provision.unwrap() > Duration::from_secs(2));
    // Largest schemas, and completed tenants whose last backup is older than 7 days or none.
    assert_eq!(d.largest[0].platform, "Gamma");
    assert_eq!(d.largest.len(), 4);
    assert_eq!(d.stale_backup_count, 1);
    assert_eq!(d.stale_backups[0].platform, "Gamma");
    assert_eq!((d.queued, d.running), (1, 1));
    assert_eq!(d.waiting, 0);
    assert_eq!(
        d.workers, 1,
        "w2 running now (the made-up attempts have no job attempts)"
    );
    assert_eq!(d.stuck.len(), 1);
    assert_eq!(d.stuck[0].id, ids[3]);

    // The attempts of one platform, newest first, errors in full.
    let beta = queries::attempts(&pool, ids[1], 100).await.unwrap();
    assert_eq!(beta.len(), 5);
    assert!(beta[0].started_at >= beta[4].started_at);
    assert_eq!(
        beta[0].error.as_deref(),
        Some("relation \"x\" does not exist")
    );
}

#[sqlx::test(migrations = false)]
async fn the_estimate_follows_the_queue_position_and_recent_durations(pool: PgPool) {
    let ids = six(&pool).await;
    // No live job: no estimate.
    assert!(queries::eta(&pool, ids[5]).await.unwrap().is_none());
    exec(
        &pool,
        "INSERT INTO tenantctl.jobs (platform_id, platform_name, schema_name, run_at) \
         SELECT id, name, schema_name, now() - make_interval(secs => 10 - id::int) \
         FROM public.platforms WHERE name IN ('beta', 'Zeta', 'delta_50%') ORDER BY id",
    )
    .await;
    // No history yet: queued, with its position, but no time.
    let e = queries::eta(&pool, ids[5]).await.unwrap().unwrap();
    assert!(!e.running);
    assert_eq!(e.ahead, 2);
    assert_eq!(e.at, None);
    // Attempts of 60 s lately, by one worker: two ahead, so three minutes from now.
    history(&pool, "Acme", "completed", 60, &[0, 0, 0]).await;
    let e = queries::eta(&pool, ids[5]).await.unwrap().unwrap();
    assert_eq!(e.workers, 1);
    assert_eq!(e.mean, Some(Duration::from_secs(60)));
    let left = (e.at.unwrap() - Utc::now()).num_seconds();
    assert!((175..=181).contains(&left), "{left}");
    // Running now: due a minute after it started.
    exec(
        &pool,
        "UPDATE tenantctl.jobs SET status = 'running', locked_by = 'w1', locked_at = now() - interval '20 seconds' \
         WHERE platform_name = 'Zeta'",
    )
    .await;
    let e = queries::eta(&pool, ids[5]).await.unwrap().unwrap();
    assert!(e.running);
    let left = (e.at.unwrap() - Utc::now()).num_seconds();
    assert!((38..=41).contains(&left), "{left}");
}

/// The CSV export of a range, its chunks joined.
async fn csv_of(
    pool: &PgPool,
    scope: Option<&[i64]>,
    from: NaiveDate,
    to: NaiveDate,
) -> (u64, Vec<u8>) {
    let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let o = out.clone();
    let n = queries::history_csv(pool, scope, from, to, move |chunk| {
        o.lock().unwrap().extend_from_slice(&chunk);
        async { true }
    })
    .await
    .unwrap();
    let bytes = out.lock().unwrap().clone();
    (n, bytes)
}

#[sqlx::test(migrations = false)]
async fn csv_export_holds_the_attempts_of_the_range_within_scope(pool: PgPool) {
    let ids = six(&pool).await;
    history(&pool, "Acme", "completed", 3, &[1, 2, 10]).await;
    history(&pool, "beta", "failed", 1, &[1]).await;
    // A name a spreadsheet would run as a formula.
    exec(
        &pool,
        "UPDATE tenantctl.provision_attempts SET error = '=HYPERLINK(\"http://evil\")' WHERE outcome = 'failed'",
    )
    .await;
    let today = Utc::now().date_naive();
    let from = today - chrono::Duration::days(2);
    let (n, out) = csv_of(&pool, None, from, today).await;
    assert_eq!(n, 3);
    let mut r = csv::Reader::from_reader(out.as_slice());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        queries::HISTORY_HEADER
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[0][2], "Acme", "oldest first: two days ago");
    assert_eq!(&rows[0][11], "completed");
    assert_eq!(&rows[0][10], "3.000");
    let failed = rows.iter().find(|r| &r[11] == "failed").unwrap();
    assert_eq!(&failed[2], "beta");
    assert_eq!(&failed[12], "'=HYPERLINK(\"http://evil\")");
    // An organizer's export holds only its platforms.
    let (n, _) = csv_of(&pool, Some(&[ids[1]]), from, today).await;
    assert_eq!(n, 1);
    // A range ending before it starts is refused.
    let bad = queries::history_csv(
        &pool,
        None,
        today,
        NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
        |_| async { true },
    )
    .await
    .unwrap_err();
    assert!(bad.to_string().contains("ends"), "{bad}");
}

/// A real provisioning failure leaves a notification for the platform's organizers and the
/// operators; `platform retry` (the console's bulk retry calls the same function) marks it read
/// for everybody; the completion tells the organizers only.
#[sqlx::test(migrations = false)]
async fn provisioning_notifications_are_read_once_the_retry_is_attempted(pool: PgPool) {
    let mut env = Env::new(pool.clone());
    env.init().await;
    let dir = env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    let extra = dir.join("20990101000001_extra.up.sql");
    std::fs::write(&extra, "SELECT * FROM no_such_table;\n").unwrap();
    std::fs::write(dir.join("20990101000001_extra.down.sql"), "SELECT 1;\n").unwrap();
    env.set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap());
    env.set("TENANTCTL_PROVISION_MAX_ATTEMPTS", "0");
    let acme = env.create("Acme", "acme").await["platform_id"]
        .as_i64()
        .unwrap();
    let beta = env.create("Beta", "beta").await["platform_id"]
        .as_i64()
        .unwrap();
    env.run(&["worker", "--once"]).await.ok();

    let operator = Reader {
        user_id: 1,
        platforms: None,
    };
    let acme_organizer = [acme];
    let organizer = Reader {
        user_id: 2,
        platforms: Some(&acme_organizer),
    };
    let ops = notifications::list(&pool, operator, false, None, 50)
        .await
        .unwrap();
    assert_eq!(ops.len(), 2, "{ops:?}");
    assert!(ops.iter().all(|n| !n.read));
    assert!(
        ops[0].detail.as_deref().unwrap().contains("no_such_table"),
        "{ops:?}"
    );
    let mine = notifications::list(&pool, organizer, false, None, 50)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1, "only Acme's: {mine:?}");
    assert_eq!(mine[0].platform_id, Some(acme));
    assert_eq!(mine[0].message, "provisioning of Acme failed");
    assert_eq!(
        notifications::unread_count(&pool, organizer).await.unwrap(),
        1
    );

    // The operator reads Beta's: read for the operator only.
    let beta_note = ops.iter().find(|n| n.platform_id == Some(beta)).unwrap().id;
    assert_eq!(
        notifications::mark_read(&pool, operator, Some(&[beta_note]))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        notifications::unread_count(&pool, operator).await.unwrap(),
        1
    );
    // Another user's id is not the organizer's to read.
    assert_eq!(
        notifications::mark_read(&pool, organizer, Some(&[beta_note]))
            .await
            .unwrap(),
        0
    );

    // Fix, retry Acme: its failure is read for everybody at once.
    std::fs::write(&extra, "SELECT 1;\n").unwrap();
    env.run(&["platform", "retry", "acme"]).await.ok();
    assert_eq!(
        notifications::unread_count(&pool, organizer).await.unwrap(),
        0
    );
    assert_eq!(
        notifications::unread_count(&pool, operator).await.unwrap(),
        0
    );
    let mine = notifications::list(&pool, organizer, false, None, 50)
        .await
        .unwrap();
    assert!(mine[0].read && mine[0].resolved_at.is_some());

    // Completed: the organizer hears of it, the operators do not.
    env.run(&["worker", "--once"]).await.ok();
    let mine = notifications::list(&pool, organizer, true, None, 50)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].message, "Acme is provisioned");
    assert_eq!(
        notifications::unread_count(&pool, operator).await.unwrap(),
        0
    );
    assert_eq!(
        notifications::mark_read(&pool, organizer, None)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        notifications::unread_count(&pool, organizer).await.unwrap(),
        0
    );
}

/// A verified domain lost after its failed checks tells its organizers and the operators; proven
/// again, the notice is read.
#[sqlx::test(migrations = false)]
async fn a_lost_domain_is_a_notification_until_proven_again(pool: PgPool) {
    registry(&pool).await;
    exec(
        &pool,
        "INSERT INTO public.platforms (name, domain, schema_name) VALUES ('Acme', 'acme.example.org', 'acme'); \
         UPDATE tenantctl.domain_verifications SET verified_at = now(), method = 'dns'",
    )
    .await;
    let operator = Reader {
        user_id: 1,
        platforms: None,
    };
    assert_eq!(
        notifications::unread_count(&pool, operator).await.unwrap(),
        0
    );
    exec(
        &pool,
        "UPDATE tenantctl.domain_verifications SET verified_at = NULL, lost_at = now(), \
                last_error = 'no TXT record'",
    )
    .await;
    let n = notifications::list(&pool, operator, true, None, 10)
        .await
        .unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(
        n[0].message,
        "acme.example.org lost its verification and is no longer served"
    );
    assert_eq!(n[0].detail.as_deref(), Some("no TXT record"));
    exec(
        &pool,
        "UPDATE tenantctl.domain_verifications SET verified_at = now(), lost_at = NULL",
    )
    .await;
    assert_eq!(
        notifications::unread_count(&pool, operator).await.unwrap(),
        0
    );
}
