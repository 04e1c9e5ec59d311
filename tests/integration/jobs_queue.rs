//! The application's jobs in the queue (issue 25): `tenantctl.enqueue` from a role of the
//! application's, inside its own transaction and through PgBouncer; fairness across platforms;
//! the platform read before each attempt; retries, abandonment, pruning.

use crate::common::Env;
use async_trait::async_trait;
use serde_json::json;
use sqlx::{Connection, PgPool};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tenantctl::config::{Config, Overrides};
use tenantctl::jobs::handler::{Attempt, Handler, Outcome};
use tenantctl::jobs::worker::{self, AppKind, WorkerOptions};
use tokio_util::sync::CancellationToken;

async fn scalar(env: &Env, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

/// Platforms straight into the registry, provisioned as far as the queue can tell (a schema,
/// `completed`): the jobs here never touch their tables. Returns their ids.
async fn platforms(env: &Env, names: &[&str]) -> Vec<i64> {
    let mut ids = Vec::new();
    for n in names {
        let schema = format!("tenant_{n}_jobs");
        env.sql(&format!("CREATE SCHEMA {schema}")).await;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO public.platforms (name, subdomain, schema_name, provision_status, provisioned_at) \
             VALUES ($1, $1, $2, 'completed', now()) RETURNING id",
        )
        .bind(n)
        .bind(&schema)
        .fetch_one(&env.pool)
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

fn settings(env: &Env) -> tenantctl::config::Settings {
    let mut e = std::collections::BTreeMap::new();
    e.insert("DATABASE_URL".to_string(), env.url.clone());
    e.insert("TENANTCTL_DOMAINS_VERIFY".to_string(), "false".to_string());
    let o = Overrides {
        no_config: true,
        ..Overrides::default()
    };
    Config::resolve(&o, &e, &[]).expect("config").settings
}

/// A handler that does nothing but count, or answers what it is told.
struct Fixed {
    calls: AtomicUsize,
    answer: Outcome,
}

impl Fixed {
    fn new(answer: Outcome) -> Arc<Fixed> {
        Arc::new(Fixed {
            calls: AtomicUsize::new(0),
            answer,
        })
    }
}

#[async_trait]
impl Handler for Fixed {
    async fn perform(&self, _: Attempt<'_>) -> tenantctl::error::Result<Outcome> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.answer.clone())
    }
}

fn options(env: &Env, concurrency: usize, once: bool) -> WorkerOptions {
    let mut o = WorkerOptions::from_settings(&settings(env), "test:1".into(), concurrency, once);
    o.poll_interval = Duration::from_millis(50);
    o
}

async fn run_once(env: &Env, kinds: Vec<AppKind>) -> worker::Summary {
    worker::run_with(
        env.pool.clone(),
        Vec::new(),
        kinds,
        &settings(env),
        options(env, 2, true),
        CancellationToken::new(),
    )
    .await
    .unwrap()
}

async fn job(env: &Env, id: i64) -> (String, i32, Option<String>) {
    sqlx::query_as("SELECT status, attempts, last_error FROM tenantctl.jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

async fn attempts(env: &Env, id: i64) -> Vec<(i32, String, Option<String>, bool)> {
    sqlx::query_as(
        "SELECT attempt, outcome, error, duration IS NOT NULL FROM tenantctl.job_attempts \
         WHERE job_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&env.pool)
    .await
    .unwrap()
}

/// The application's role enqueues through the function only; the tenant is the schema at the
/// head of its search_path; a rolled-back transaction leaves no job; no tenant is an error.
#[sqlx::test(migrations = false)]
async fn the_applications_role_enqueues_in_its_own_transaction(pool: PgPool) {
    let mut env = Env::new(pool);
    // Roles are cluster-wide: one per test database.
    let db: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let role = format!("app_{}", &db[db.len().saturating_sub(12)..])
        .replace('-', "_")
        .to_lowercase();
    env.sql(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD 'app-secret'"
    ))
    .await;
    env.set("TENANTCTL_JOBS_ENQUEUE_ROLE", &role);
    env.init().await;
    let ids = platforms(&env, &["acme", "beta"]).await;
    env.sql(&format!(
        "GRANT USAGE ON SCHEMA tenant_acme_jobs, tenant_beta_jobs TO {role}"
    ))
    .await;

    let mut url = url::Url::parse(&env.url).unwrap();
    url.set_username(&role).unwrap();
    url.set_password(Some("app-secret")).unwrap();
    let mut app = sqlx::PgConnection::connect(url.as_str()).await.unwrap();

    // In the tenant's transaction: no platform passed.
    let mut tx = app.begin().await.unwrap();
    sqlx::query("SET LOCAL search_path TO tenant_beta_jobs")
        .execute(&mut *tx)
        .await
        .unwrap();
    let id: i64 = sqlx::query_scalar("SELECT tenantctl.enqueue('mail.welcome', $1)")
        .bind(json!({"person": 7}))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let again: i64 =
        sqlx::query_scalar("SELECT tenantctl.enqueue('mail.welcome', '{}', unique_key => 'p7')")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let same: i64 = sqlx::query_scalar(
        "SELECT tenantctl.enqueue('mail.welcome', '{\"x\": 1}', unique_key => 'p7')",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(again, same, "a live duplicate key returns the live job");
    assert_ne!(id, again);
    tx.commit().await.unwrap();
    let (platform, schema, status, payload): (i64, String, String, serde_json::Value) =
        sqlx::query_as(
            "SELECT platform_id, schema_name, status, payload FROM tenantctl.jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(
        (platform, schema.as_str(), status.as_str()),
        (ids[1], "tenant_beta_jobs", "available")
    );
    assert_eq!(payload, json!({"person": 7}));

    // Rolled back with the caller's transaction: no job.
    let before = scalar(&env, "SELECT count(*) FROM tenantctl.jobs").await;
    let mut tx = app.begin().await.unwrap();
    let _: i64 = sqlx::query_scalar("SELECT tenantctl.enqueue('mail', '{}', platform => 'acme')")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(
        scalar(&env, "SELECT count(*) FROM tenantctl.jobs").await,
        before
    );

    // No tenant: an error that says so, never `public`.
    let err = sqlx::query_scalar::<_, i64>("SELECT tenantctl.enqueue('mail', '{}')")
        .fetch_one(&mut app)
        .await
        .unwrap_err();
    let msg = err.as_database_error().unwrap().message().to_string();
    assert!(
        msg.starts_with("no tenant for this job: no platform given and the head of search_path is"),
        "{msg}"
    );
    // Bad input, named by the rule it broke.
    for (sql, wanted) in [
        (
            "SELECT tenantctl.enqueue('Mail', '{}', 'acme')",
            "invalid job kind 'Mail'",
        ),
        (
            "SELECT tenantctl.enqueue('mail', '{}', 'nobody')",
            "no platform 'nobody'",
        ),
        (
            "SELECT tenantctl.enqueue('mail', NULL, 'acme')",
            "job payload must not be NULL",
        ),
        (
            "SELECT tenantctl.enqueue('provision', '{}', 'acme')",
            "tenantctl's own",
        ),
        (
            "SELECT tenantctl.enqueue('mail', '{}', 'acme', max_attempts => 0)",
            "max_attempts must be at least 1",
        ),
    ] {
        let err = sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut app)
            .await
            .unwrap_err();
        let msg = err.as_database_error().unwrap().message().to_string();
        assert!(msg.contains(wanted), "{sql}: {msg}");
    }
    // The role has no rights on the queue's table itself: the function's rules are the way in.
    let err = sqlx::query(
        "INSERT INTO tenantctl.jobs (kind, platform_id, platform_name) VALUES ('mail', 1, 'x')",
    )
    .execute(&mut app)
    .await
    .unwrap_err();
    assert!(
        err.as_database_error()
            .unwrap()
            .message()
            .contains("permission denied"),
        "{err}"
    );
    // Scheduled for later: `scheduled`, not claimable yet.
    let later: i64 = sqlx::query_scalar(
        "SELECT tenantctl.enqueue('mail', '{}', 'acme', run_at => now() + interval '1 hour')",
    )
    .fetch_one(&mut app)
    .await
    .unwrap();
    assert_eq!(job(&env, later).await.0, "scheduled");
    app.close().await.unwrap();
}

/// Through PgBouncer in transaction mode: the tenant comes from `SET LOCAL` in the same
/// transaction and does not leak into the next transaction on the same server connection.
#[sqlx::test(migrations = false)]
async fn enqueue_through_pgbouncer_keeps_the_tenant_to_its_transaction(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let ids = platforms(&env, &["acme"]).await;
    let mut conn = sqlx::PgConnection::connect(&env.pgbouncer_url())
        .await
        .unwrap();
    // The simple protocol: PgBouncer in transaction mode keeps no prepared statement.
    sqlx::raw_sql(
        "BEGIN; SET LOCAL search_path TO tenant_acme_jobs; \
         SELECT tenantctl.enqueue('report.daily', '{\"day\": \"2026-12-07\"}'); COMMIT;",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let err = sqlx::raw_sql("SELECT tenantctl.enqueue('report.daily', '{}')")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no tenant for this job"), "{err}");
    conn.close().await.unwrap();
    let rows: Vec<(Option<i64>, String)> =
        sqlx::query_as("SELECT platform_id, kind FROM tenantctl.jobs WHERE kind <> 'provision'")
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(rows, vec![(Some(ids[0]), "report.daily".to_string())]);
}

/// Issue 25's fairness: A queues 100,000 jobs, then B 10; all of B's finish while A still has
/// more than 90% queued. (The first-in-first-out claim ran B's after all of A's.)
#[sqlx::test(migrations = false)]
async fn a_flood_from_one_platform_does_not_starve_another(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let ids = platforms(&env, &["flood", "small"]).await;
    env.sql(&format!(
        "INSERT INTO tenantctl.jobs (kind, platform_id, platform_name, schema_name, status) \
         SELECT 'noop', {}, 'flood', 'tenant_flood_jobs', 'available' FROM generate_series(1, 100000); \
         ANALYZE tenantctl.jobs",
        ids[0]
    ))
    .await;
    let b: Vec<i64> = sqlx::query_scalar(
        "SELECT tenantctl.enqueue('noop', jsonb_build_object('n', i), 'small') FROM generate_series(1, 10) i",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    let noop = Fixed::new(Outcome::Completed);
    let stop = CancellationToken::new();
    let (db, st, opts, kinds, until) = (
        env.pool.clone(),
        settings(&env),
        options(&env, 4, false),
        vec![AppKind::new("noop", noop.clone())],
        stop.clone(),
    );
    let w = tokio::spawn(
        async move { worker::run_with(db, Vec::new(), kinds, &st, opts, until).await },
    );
    let started = std::time::Instant::now();
    loop {
        let done = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM tenantctl.jobs WHERE id = ANY($1) AND status = 'completed'",
        )
        .bind(&b)
        .fetch_one(&env.pool)
        .await
        .unwrap();
        if done == 10 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "B's jobs still not done: {done}/10 after 120 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let a_waiting = scalar(
        &env,
        &format!(
            "SELECT count(*) FROM tenantctl.jobs WHERE platform_id = {} AND status = 'available'",
            ids[0]
        ),
    )
    .await;
    stop.cancel();
    let summary = w.await.unwrap().unwrap();
    assert!(a_waiting > 90_000, "A has only {a_waiting} queued");
    assert!(summary.completed >= 10, "{summary:?}");
    // Each of B's jobs: one attempt, completed, by this worker.
    for id in &b {
        let a = attempts(&env, *id).await;
        assert_eq!(
            a,
            vec![(1, "completed".to_string(), None, true)],
            "job {id}"
        );
    }
}

/// The per-platform cap holds across claims: with a cap of 1 and two slots, one platform's
/// second job is not claimed while its first runs; another platform's is.
#[sqlx::test(migrations = false)]
async fn the_per_platform_cap_passes_over_a_busy_platform(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let ids = platforms(&env, &["one", "two"]).await;
    for (id, name) in [(ids[0], "one"), (ids[0], "one"), (ids[1], "two")] {
        sqlx::query(
            "INSERT INTO tenantctl.jobs (kind, platform_id, platform_name, schema_name) VALUES ('noop', $1, $2, 'x')",
        )
        .bind(id)
        .bind(name)
        .execute(&env.pool)
        .await
        .unwrap();
    }
    use tenantctl::jobs::queue::claim_fair;
    let first = claim_fair(&env.pool, "w", None, 1).await.unwrap().unwrap();
    assert_eq!(first.platform_id, Some(ids[0]));
    // After `one`, `two` comes next; then `one` is at its cap, so nothing.
    let second = claim_fair(&env.pool, "w", first.platform_id, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.platform_id, Some(ids[1]));
    assert_eq!(
        claim_fair(&env.pool, "w", second.platform_id, 1)
            .await
            .unwrap(),
        None
    );
    // Without a cap the second job of `one` is taken.
    let third = claim_fair(&env.pool, "w", second.platform_id, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(third.platform_id, Some(ids[0]));
}

/// Before each attempt the platform is read from the job row: deleted or failed platforms'
/// jobs are discarded naming id, name and schema, without running; a platform in maintenance
/// gets its job back later, the attempt not counted.
#[sqlx::test(migrations = false)]
async fn each_attempt_reads_its_platform_first(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let ids = platforms(&env, &["gone", "broken", "resting"]).await;
    let mut jobs = Vec::new();
    for name in ["gone", "broken", "resting"] {
        let id: i64 = sqlx::query_scalar("SELECT tenantctl.enqueue('noop', '{}', $1)")
            .bind(name)
            .fetch_one(&env.pool)
            .await
            .unwrap();
        jobs.push(id);
    }
    // Behind tenantctl's back (`platform delete` would have cancelled the job).
    env.sql(&format!(
        "DELETE FROM public.platforms WHERE id = {}; \
         UPDATE public.platforms SET provision_status = 'failed' WHERE id = {}; \
         UPDATE public.platforms SET maintenance = true, maintenance_reason = 'restore' WHERE id = {}",
        ids[0], ids[1], ids[2]
    ))
    .await;
    let noop = Fixed::new(Outcome::Completed);
    run_once(&env, vec![AppKind::new("noop", noop.clone())]).await;
    assert_eq!(noop.calls.load(Ordering::SeqCst), 0, "no handler ran");
    let (status, _, error) = job(&env, jobs[0]).await;
    assert_eq!(status, "discarded");
    let error = error.unwrap();
    assert!(
        error.contains(&format!(
            "platform `gone` (id {}, schema tenant_gone_jobs) was deleted",
            ids[0]
        )),
        "{error}"
    );
    let (status, _, error) = job(&env, jobs[1]).await;
    assert_eq!(status, "discarded");
    assert!(error.unwrap().contains("its provisioning failed"));
    let (status, attempts_now, _) = job(&env, jobs[2]).await;
    assert_eq!((status.as_str(), attempts_now), ("scheduled", 0));
    let a = attempts(&env, jobs[2]).await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].1, "released");
    assert!(
        a[0].2
            .as_deref()
            .unwrap()
            .contains("in maintenance (restore)")
    );
    assert_eq!(attempts(&env, jobs[0]).await[0].1, "discarded");
}

/// A failing handler's job is retried with backoff (or when the handler says) and discarded
/// after its last attempt; each attempt has its row. A permanent failure discards at once.
#[sqlx::test(migrations = false)]
async fn retries_then_discards_after_the_last_attempt(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    platforms(&env, &["acme"]).await;
    let id: i64 =
        sqlx::query_scalar("SELECT tenantctl.enqueue('flaky', '{}', 'acme', max_attempts => 2)")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    let flaky = Fixed::new(Outcome::Retry {
        error: "503 from the application".into(),
        after: Some(Duration::from_secs(42)),
    });
    let kinds = || vec![AppKind::new("flaky", flaky.clone())];
    run_once(&env, kinds()).await;
    let (status, n, error) = job(&env, id).await;
    assert_eq!((status.as_str(), n), ("retryable", 1));
    assert_eq!(error.as_deref(), Some("503 from the application"));
    // Retry-After honoured: 42 s, not the kind's 3 s.
    let wait: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM run_at - updated_at)::float8 FROM tenantctl.jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!((wait - 42.0).abs() < 0.5, "{wait}");
    env.sql(&format!(
        "UPDATE tenantctl.jobs SET run_at = now() WHERE id = {id}"
    ))
    .await;
    run_once(&env, kinds()).await;
    let (status, n, error) = job(&env, id).await;
    assert_eq!((status.as_str(), n), ("discarded", 2));
    assert!(error.unwrap().contains("(attempt 2 of 2, the last)"));
    let outcomes: Vec<String> = attempts(&env, id).await.into_iter().map(|a| a.1).collect();
    assert_eq!(outcomes, vec!["retry", "discarded"]);

    let id: i64 = sqlx::query_scalar("SELECT tenantctl.enqueue('picky', '{}', 'acme')")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let picky = Fixed::new(Outcome::Discard {
        error: "422: unknown person".into(),
    });
    run_once(&env, vec![AppKind::new("picky", picky)]).await;
    assert_eq!(job(&env, id).await.0, "discarded");
    // A kind no worker knows is discarded with a pointer to the configuration.
    let id: i64 = sqlx::query_scalar("SELECT tenantctl.enqueue('nobody.knows', '{}', 'acme')")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    run_once(&env, Vec::new()).await;
    let (status, _, error) = job(&env, id).await;
    assert_eq!(status, "discarded");
    assert!(error.unwrap().contains("[jobs.kinds.nobody.knows]"));
}

/// A killed worker's job (its heartbeat stopped) is taken again and its attempt marked
/// abandoned; finished jobs are pruned after their keep time, with their attempts.
#[sqlx::test(migrations = false)]
async fn abandoned_jobs_come_back_and_finished_ones_are_pruned(pool: PgPool) {
    use tenantctl::jobs::queue;
    let env = Env::new(pool);
    env.init().await;
    platforms(&env, &["acme"]).await;
    let id: i64 = sqlx::query_scalar("SELECT tenantctl.enqueue('noop', '{}', 'acme')")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let claimed = queue::claim_fair(&env.pool, "dead:1", None, 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, id);
    queue::start_attempt(&env.pool, &claimed, "dead:1")
        .await
        .unwrap();
    // A live worker's heartbeat keeps it.
    assert_eq!(queue::heartbeat(&env.pool, "dead:1").await.unwrap(), 1);
    assert!(
        queue::requeue_abandoned(&env.pool, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );
    env.sql("UPDATE tenantctl.jobs SET heartbeat_at = now() - interval '2 minutes'")
        .await;
    assert_eq!(
        queue::requeue_abandoned(&env.pool, Duration::from_secs(60))
            .await
            .unwrap(),
        vec![id]
    );
    let a = attempts(&env, id).await;
    assert_eq!(a[0].1, "abandoned");
    let noop = Fixed::new(Outcome::Completed);
    run_once(&env, vec![AppKind::new("noop", noop)]).await;
    let (status, n, _) = job(&env, id).await;
    assert_eq!((status.as_str(), n), ("completed", 2));

    // Pruning: a completed job older than keep_completed and a discarded one older than
    // keep_discarded go, with their attempts; younger ones stay.
    env.sql(
        "INSERT INTO tenantctl.jobs (kind, platform_name, status, finished_at) VALUES \
         ('noop', 'x', 'completed', now() - interval '25 hours'), \
         ('noop', 'x', 'discarded', now() - interval '25 hours'), \
         ('noop', 'x', 'discarded', now() - interval '8 days'), \
         ('noop', 'x', 'cancelled', now() - interval '2 days')",
    )
    .await;
    env.sql(&format!(
        "UPDATE tenantctl.jobs SET finished_at = now() - interval '2 days' WHERE id = {id}"
    ))
    .await;
    let p = queue::prune(
        &env.pool,
        Duration::from_secs(24 * 3600),
        Duration::from_secs(7 * 24 * 3600),
        2,
    )
    .await
    .unwrap();
    assert_eq!((p.completed, p.discarded), (3, 1));
    assert_eq!(
        scalar(
            &env,
            "SELECT count(*) FROM tenantctl.jobs WHERE kind = 'noop'"
        )
        .await,
        1,
        "the discarded job of 25 hours ago stays"
    );
    assert_eq!(
        scalar(&env, "SELECT count(*) FROM tenantctl.job_attempts").await,
        0
    );
}
