//! Issue 18.2: serve's request connections are tenant-affine. A tenant's requests land on the
//! backend its name ranks first, and then on the backends that have served it; when those are
//! busy a request waits for one of them at most `serve.affinity_wait` before it takes a free
//! one (with `0s`, never while one sits idle), and a backend over the memory limit is
//! replaced. What a request ran on is read from the answer itself: the tenant's `communities`
//! becomes a view whose `name` is `pg_backend_pid()`.

use crate::common::Env;
use crate::serve::{METRICS, app, get, metrics};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tenantctl::db::SchemaName;
use tenantctl::serve::App;
use tenantctl::serve::slots::SlotTx;

/// What a tenant's communities answer as `name`: the pid of the backend that read them.
const PID: &str = "pg_backend_pid()::text";
/// ... or the request statements prepared on that backend (their texts, joined).
const STATEMENTS: &str = "(SELECT coalesce(string_agg(statement, ' | ' ORDER BY statement), '') \
     FROM pg_prepared_statements WHERE statement LIKE '%FROM communities%')";

/// Make a tenant's communities a view whose `name` is `name`, evaluated on the backend that
/// reads them.
async fn name_view(pool: &PgPool, schema: &str, name: &str) {
    let s = SchemaName::parse(schema).unwrap().sql();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER TABLE {s}.communities RENAME TO communities_data; \
         CREATE VIEW {s}.communities AS SELECT id, slug, {name} AS name, \
         description, visibility, created_at, archived_at FROM {s}.communities_data;"
    )))
    .execute(pool)
    .await
    .unwrap();
}

/// `n` tenants `T0..` whose communities answer `name` (see [`name_view`]); (host, schema) each.
async fn fleet_naming(env: &Env, n: usize, name: &str) -> Vec<(String, String)> {
    env.init().await;
    let mut out = Vec::new();
    for i in 0..n {
        let schema = env.tenant(&format!("T{i}"), &format!("t{i}")).await;
        name_view(&env.pool, &schema, name).await;
        out.push((format!("t{i}.example.test"), schema));
    }
    out
}

/// `n` tenants `T0..` with pid views.
async fn fleet(env: &Env, n: usize) -> Vec<(String, String)> {
    fleet_naming(env, n, PID).await
}

/// One tenant with a pid view, served on 3 slots with the given `serve.affinity_wait`:
/// (app, host, schema).
async fn one_tenant_on_3_slots(env: &Env, wait: &str) -> (Arc<App>, String, String) {
    let (host, schema) = fleet(env, 1).await.remove(0);
    let app = app(
        env,
        &[
            ("TENANTCTL_SERVE_POOL_SIZE", "3"),
            ("TENANTCTL_SERVE_AFFINITY_WAIT", wait),
            METRICS,
        ],
    )
    .await;
    (app, host, schema)
}

/// The backend pid that served one request for `host`.
async fn served_by(app: &Arc<App>, host: &str) -> i32 {
    let a = get(app, host, "/api/communities").await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["communities"][0]["name"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// `tenantctl_serve_<name>` from `/metrics` (0 when absent).
async fn metric(app: &Arc<App>, series: &str) -> f64 {
    let text = metrics(app).await.body.as_str().unwrap().to_string();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

async fn alive(pool: &PgPool, pid: i32) -> bool {
    sqlx::query_scalar("SELECT count(*) = 1 FROM pg_stat_activity WHERE pid = $1")
        .bind(pid)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_tenant_keeps_to_the_backend_it_ranks_first(pool: PgPool) {
    let env = Env::new(pool);
    let tenants = fleet(&env, 6).await;
    let app = app(&env, &[("TENANTCTL_SERVE_POOL_SIZE", "4"), METRICS]).await;
    let mut by_slot = std::collections::BTreeMap::new();
    for round in 0..5 {
        for (host, schema) in &tenants {
            let pid = served_by(&app, host).await;
            let first = app.requests.ranking(schema)[0];
            // Every request of a tenant on the backend of its first-ranked slot, and tenants
            // sharing a first slot share its backend.
            let seen = *by_slot.entry(first).or_insert(pid);
            assert_eq!(seen, pid, "round {round}: {host} left its slot {first}");
        }
    }
    let pids: std::collections::BTreeSet<i32> = by_slot.values().copied().collect();
    assert_eq!(
        pids.len(),
        by_slot.len(),
        "one backend per slot: {by_slot:?}"
    );
    // Each tenant's first request is its backend's first for it (cold), the other four warm.
    assert_eq!(picks(&app).await, (24.0, 0.0, 6.0));
}

/// The picks so far: (warm, waited, cold).
async fn picks(app: &Arc<App>) -> (f64, f64, f64) {
    let p = |pick: &str| format!("tenantctl_serve_connection_picks_total{{pick=\"{pick}\"}}");
    (
        metric(app, &p("warm")).await,
        metric(app, &p("waited")).await,
        metric(app, &p("cold")).await,
    )
}

/// The backend pid that served one request for `host`, and how long the request took.
async fn timed(app: &Arc<App>, host: &str) -> (i32, Duration) {
    let t = std::time::Instant::now();
    let pid = served_by(app, host).await;
    (pid, t.elapsed())
}

#[sqlx::test(migrations = false)]
async fn a_busy_warm_backend_is_waited_for_briefly_then_a_cold_free_one_is_taken(pool: PgPool) {
    let env = Env::new(pool);
    // A long wait, so the test can tell waiting from not.
    let (app, host, schema) = one_tenant_on_3_slots(&env, "2s").await;
    let s = SchemaName::parse(&schema).unwrap();
    let (own, _) = timed(&app, &host).await;
    let own_slot = app.requests.ranking(&schema)[0];
    assert_eq!(app.requests.states()[own_slot].pid, own);
    // Its only warm backend busy (a request of it in flight): the next request waits for it,
    // then takes a free cold one.
    let held = SlotTx::begin(&app.requests, &s, None, true).await.unwrap();
    assert_eq!(held.slot(), own_slot);
    let (spilled, took) = timed(&app, &host).await;
    assert_ne!(spilled, own);
    assert!(
        took >= Duration::from_millis(1900),
        "took a cold backend after {took:?}, before serve.affinity_wait"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    // Now two backends have served it: with its first one busy, the other is taken at once.
    let (again, took) = timed(&app, &host).await;
    assert_eq!(again, spilled);
    assert!(
        took < Duration::from_millis(1500),
        "waited {took:?} with a warm backend free"
    );
    // Both warm backends busy: a request waits, and takes the first of them to come free,
    // not the cold one that is free all along.
    let second = SlotTx::begin(&app.requests, &s, None, true).await.unwrap();
    assert_eq!(app.requests.states()[second.slot()].pid, spilled);
    let waiting = tokio::spawn({
        let app = app.clone();
        let host = host.clone();
        async move { timed(&app, &host).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "took the cold backend at once");
    held.rollback().await.unwrap();
    let (pid, took) = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("answered once its warm backend came free")
        .unwrap();
    assert_eq!(pid, own);
    assert!(
        took < Duration::from_millis(1700),
        "waited out the whole {took:?}"
    );
    second.rollback().await.unwrap();
    // Cold: the first request and the one that waited in vain.
    assert_eq!(
        picks(&app).await.1,
        1.0,
        "one request got its warm backend by waiting"
    );
    assert_eq!(picks(&app).await.2, 2.0);
}

#[sqlx::test(migrations = false)]
async fn with_no_affinity_wait_a_busy_slot_spills_over_at_once_and_waits_only_when_all_are_busy(
    pool: PgPool,
) {
    let env = Env::new(pool);
    let (app, host, schema) = one_tenant_on_3_slots(&env, "0s").await;
    let own = served_by(&app, &host).await;
    let s = SchemaName::parse(&schema).unwrap();
    // The tenant's own slot busy (a request of it in flight): the next one goes elsewhere at
    // once.
    let held = SlotTx::begin(&app.requests, &s, None, true).await.unwrap();
    assert_eq!(held.slot(), app.requests.ranking(&schema)[0]);
    let spilled = tokio::time::timeout(Duration::from_millis(1500), served_by(&app, &host))
        .await
        .expect("a request waited behind a busy connection while others were free");
    assert_ne!(spilled, own);
    assert_eq!(picks(&app).await, (1.0, 0.0, 2.0));
    // All three busy: a request waits, and takes the first slot that comes free.
    let second = SlotTx::begin(&app.requests, &s, None, true).await.unwrap();
    let third = SlotTx::begin(&app.requests, &s, None, true).await.unwrap();
    let waiting = tokio::spawn({
        let app = app.clone();
        let host = host.clone();
        async move { served_by(&app, &host).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "answered with every connection busy"
    );
    let freed = second.slot();
    second.rollback().await.unwrap();
    let pid = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("answered once a connection came free")
        .unwrap();
    assert_eq!(pid, app.requests.states()[freed].pid);
    held.rollback().await.unwrap();
    third.rollback().await.unwrap();
    // Free again: back on its own backend.
    assert_eq!(served_by(&app, &host).await, own);
}

#[sqlx::test(migrations = false)]
async fn a_backend_over_the_memory_limit_is_replaced(pool: PgPool) {
    let env = Env::new(pool);
    let tenants = fleet(&env, 1).await;
    let host = &tenants[0].0;
    // Under the limit: the same backend every time.
    let roomy = app(
        &env,
        &[
            ("TENANTCTL_SERVE_POOL_SIZE", "1"),
            ("TENANTCTL_SERVE_BACKEND_MEMORY_LIMIT_MIB", "1000"),
            ("TENANTCTL_SERVE_BACKEND_MEMORY_CHECK_EVERY", "1"),
        ],
    )
    .await;
    let first = served_by(&roomy, host).await;
    assert_eq!(served_by(&roomy, host).await, first);
    assert!(roomy.requests.states()[0].memory_bytes > 0, "sampled");
    // Over it (any backend holds more than 1 MiB): a new backend after every sample, the old
    // one gone.
    let tight = app(
        &env,
        &[
            ("TENANTCTL_SERVE_POOL_SIZE", "1"),
            ("TENANTCTL_SERVE_BACKEND_MEMORY_LIMIT_MIB", "1"),
            ("TENANTCTL_SERVE_BACKEND_MEMORY_CHECK_EVERY", "2"),
            METRICS,
        ],
    )
    .await;
    let a = served_by(&tight, host).await;
    assert_eq!(served_by(&tight, host).await, a, "sampled every 2 requests");
    let b = served_by(&tight, host).await;
    assert_ne!(a, b, "the backend over the limit served again");
    assert!(
        !alive(&env.pool, a).await,
        "the replaced backend is still connected"
    );
    assert_eq!(
        metric(&tight, "tenantctl_serve_backend_recycles_total").await,
        1.0
    );
}

/// The same guarantee as `RequestTx`'s on a pool: a request cancelled while its
/// `BEGIN ...` is on the wire closes its connection instead of leaving it in the slot.
#[sqlx::test(migrations = false)]
async fn a_request_cancelled_while_beginning_leaves_no_transaction_in_its_slot(pool: PgPool) {
    let env = Env::new(pool);
    let tenants = fleet(&env, 1).await;
    let app = app(&env, &[("TENANTCTL_SERVE_POOL_SIZE", "1")]).await;
    let before = served_by(&app, &tenants[0].0).await;
    let begin = SlotTx::begin_with(
        &app.requests,
        Some(&tenants[0].1),
        "BEGIN; SELECT pg_sleep(1)".to_string(),
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(200), begin)
            .await
            .is_err()
    );
    let after = served_by(&app, &tenants[0].0).await;
    assert_ne!(
        before, after,
        "the slot kept the connection of the cancelled begin"
    );
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

#[sqlx::test(migrations = false)]
async fn tenants_keep_their_own_plans_while_one_connections_share_of_them_fits(pool: PgPool) {
    let env = Env::new(pool);
    let tenants = fleet_naming(&env, 6, STATEMENTS).await;
    // Room for 4 tenants' statements (2 each) per connection. With affinity a connection of 4
    // serves about 2 × 7 ÷ 4 = 4 of the 7 platforms served (the host's included): each gets
    // statements of its own. Without, every connection may serve all 7, which do not fit: one
    // text for all.
    let statements = |app: Arc<App>, host: String| async move {
        let a = get(&app, &host, "/api/communities").await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.body["communities"][0]["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (affinity, own) in [("on", true), ("off", false)] {
        let app = app(
            &env,
            &[
                ("TENANTCTL_SERVE_POOL_SIZE", "4"),
                ("TENANTCTL_SERVE_STATEMENT_CACHE", "8"),
                ("TENANTCTL_SERVE_AFFINITY", affinity),
            ],
        )
        .await;
        // Serve says at startup when they do not fit, and what to raise.
        match app.shared_statements_advice() {
            None => assert!(own),
            Some(advice) => {
                assert!(!own);
                assert!(
                    advice.contains("7 tenants, about 7 per request connection")
                        && advice.contains("raise serve.statement_cache to 14"),
                    "{advice}"
                );
            }
        }
        for (host, schema) in &tenants {
            // The second request finds the statement its first one prepared.
            statements(app.clone(), host.clone()).await;
            let seen = statements(app.clone(), host.clone()).await;
            let tag = format!("/* {} */", SchemaName::parse(schema).unwrap().sql());
            assert_eq!(
                seen.contains(&tag),
                own,
                "affinity {affinity}: {host} ran on a backend with: {seen}"
            );
            assert!(seen.contains("FROM communities"), "{seen}");
        }
    }
}

/// Issue 27.17: statements shared by all tenants (5 tenants and the host, a pool of 2, room
/// for 2 statements per connection), and one tenant whose `posts.title` and
/// `communities.name` are `varchar(200)`, not `text`: a connection moving between it and the
/// others met "cached plan must not change result type" again and again, and a retry that met
/// it too was a 500. The differing tenant gets statements of its own: every request is 200.
#[sqlx::test(migrations = false)]
async fn a_tenant_whose_result_types_differ_does_not_fail_on_shared_statements(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let mut hosts = Vec::new();
    for i in 0..5 {
        let schema = env.tenant(&format!("T{i}"), &format!("t{i}")).await;
        crate::serve::seed_posts(&env.pool, &schema, &format!("t{i}"), 3).await;
        if i == 2 {
            let s = SchemaName::parse(&schema).unwrap().sql();
            env.sql(&format!(
                "ALTER TABLE {s}.posts ALTER COLUMN title TYPE varchar(200); \
                 ALTER TABLE {s}.communities ALTER COLUMN name TYPE varchar(200)"
            ))
            .await;
        }
        hosts.push(format!("t{i}.example.test"));
    }
    let app = app(
        &env,
        &[
            ("TENANTCTL_SERVE_POOL_SIZE", "2"),
            ("TENANTCTL_SERVE_STATEMENT_CACHE", "2"),
        ],
    )
    .await;
    assert!(
        app.shared_statements_advice().is_some(),
        "statements are shared"
    );
    // 4 clients, each going round the tenants and both routes.
    let mut clients = Vec::new();
    for c in 0..4 {
        let (app, hosts) = (app.clone(), hosts.clone());
        clients.push(tokio::spawn(async move {
            let mut failed = Vec::new();
            let until = tokio::time::Instant::now() + Duration::from_secs(6);
            let mut i = c;
            let mut n = 0;
            while tokio::time::Instant::now() < until {
                let host = &hosts[i % hosts.len()];
                let uri = if i % 2 == 0 {
                    "/api/posts"
                } else {
                    "/api/communities"
                };
                let a = get(&app, host, uri).await;
                if a.status != 200 {
                    failed.push(format!("{host}{uri}: {} {}", a.status, a.body));
                }
                i += 1;
                n += 1;
            }
            (n, failed)
        }));
    }
    let mut total = 0;
    for c in clients {
        let (n, failed) = c.await.unwrap();
        total += n;
        assert!(
            failed.is_empty(),
            "{} failed: {:?}",
            failed.len(),
            &failed[..failed.len().min(5)]
        );
    }
    assert!(total > 100, "{total} requests");
}
