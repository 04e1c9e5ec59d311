//! The job queue and the worker: queued provisioning, retries with backoff, faults (a failing
//! migration, a killed worker, a deleted platform), two workers sharing the queue, recovery.

use crate::common::{Env, copy_sample_migrations, finish, signal};
use serde_json::Value;
use sqlx::PgPool;

async fn scalar_i64(env: &Env, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

/// A copy of the sample migrations plus one more, in the scratch directory, used by every later
/// command.
fn with_extra_migration(env: &mut Env, up: &str) -> std::path::PathBuf {
    let dir = env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    std::fs::write(dir.join("20990101000001_extra.up.sql"), up).unwrap();
    std::fs::write(
        dir.join("20990101000001_extra.down.sql"),
        "DROP TABLE IF EXISTS extra;\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap().to_string();
    env.set("TENANTCTL_TENANT_MIGRATIONS_DIR", &d);
    dir
}

#[sqlx::test(migrations = false)]
async fn create_queues_a_job_that_the_worker_provisions(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let acme = env.create("Acme", "acme").await;
    assert_eq!(acme["provision_status"], "pending");
    let job = acme["job_id"].as_i64().expect("job id printed");
    assert_eq!(acme["from_pool"], false);
    let text = env
        .run(&[
            "platform",
            "create",
            "--name",
            "Beta",
            "--subdomain",
            "beta",
        ])
        .await;
    text.ok().stdout_has("provisioning queued as job");

    let r = env.run(&["worker", "--once", "-o", "json"]).await;
    r.ok();
    let summary = r.json();
    assert_eq!(summary["jobs"], 2);
    assert_eq!(summary["completed"], 2);

    for name in ["acme", "beta"] {
        let p = env.show(name).await;
        assert_eq!(p["provision_status"], "completed", "{p}");
        assert!(
            env.schemas()
                .await
                .contains(&p["schema"].as_str().unwrap().to_string())
        );
    }
    let status: String = sqlx::query_scalar("SELECT status FROM tenantctl.jobs WHERE id = $1")
        .bind(job)
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(status, "completed");
    // Every attempt is recorded: start, end, outcome, who ran it.
    let rows: Vec<(String, String, String, bool, Option<i64>)> = sqlx::query_as(
        "SELECT platform_name, via, outcome, finished_at >= started_at, job_id \
         FROM tenantctl.provision_attempts ORDER BY id",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0].0, "Host");
    assert_eq!(rows[0].1, "sync");
    assert_eq!((rows[1].0.as_str(), rows[1].1.as_str()), ("Acme", "job"));
    assert!(rows.iter().all(|r| r.2 == "completed" && r.3));
    assert_eq!(rows[1].4, Some(job));

    // The queue is drained: another run does nothing.
    let again = env.run(&["worker", "--once", "-o", "json"]).await;
    again.ok();
    assert_eq!(again.json()["jobs"], 0);
}

#[sqlx::test(migrations = false)]
async fn a_job_for_an_already_provisioned_platform_is_a_no_op(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    // The synchronous flow: create (queues a job), then provision now.
    let schema = env.tenant("Acme", "acme").await;
    let live = scalar_i64(
        &env,
        "SELECT count(*) FROM tenantctl.jobs WHERE status IN ('scheduled', 'available', 'running', 'retryable')",
    )
    .await;
    assert_eq!(live, 0, "the synchronous provision finished the queued job");
    // A job queued anyway (a race with a retry) succeeds without touching the schema.
    let cfg =
        tenantctl::config::Config::resolve(&Default::default(), &Default::default(), &[]).unwrap();
    let policy = tenantctl::rules::RetryPolicy::from_settings(&cfg.settings.provision);
    let p = tenantctl::registry::store::find(&env.pool, "acme")
        .await
        .unwrap();
    let q = tenantctl::jobs::queue::enqueue_provision(&env.pool, &p, &policy)
        .await
        .unwrap();
    assert!(q.created);
    let tables_before = scalar_i64(
        &env,
        &format!("SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}'"),
    )
    .await;
    let r = env.run(&["worker", "--once", "-o", "json"]).await;
    r.ok();
    assert_eq!(r.json()["already_completed"], 1);
    let job = tenantctl::jobs::queue::get(&env.pool, q.job_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, tenantctl::jobs::queue::JobStatus::Completed);
    let tables_after = scalar_i64(
        &env,
        &format!("SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}'"),
    )
    .await;
    assert_eq!(tables_before, tables_after);
}

#[sqlx::test(migrations = false)]
async fn failed_runs_back_off_3s_then_9s_and_keep_their_tenant(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    with_extra_migration(
        &mut env,
        "CREATE TABLE extra (id int);\nSELECT * FROM no_such_table;\n",
    );
    let acme = env.create("Acme", "acme").await;
    let job = acme["job_id"].as_i64().unwrap();
    let schema = acme["schema"].as_str().unwrap().to_string();

    env.run(&["worker", "--once"]).await.ok();
    // First run failed: retried in 3 s (provision.backoff_base), the platform pending again with
    // the error shown, no schema left.
    let (status, attempts, wait): (String, i32, f64) = sqlx::query_as(
        "SELECT status, attempts, extract(epoch FROM run_at - updated_at)::float8 FROM tenantctl.jobs WHERE id = $1",
    )
    .bind(job)
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), attempts, wait), ("retryable", 1, 3.0));
    let p = env.show("acme").await;
    assert_eq!(p["provision_status"], "pending");
    assert!(
        p["provision_error"]
            .as_str()
            .unwrap()
            .contains("no_such_table")
    );
    assert!(!env.schemas().await.contains(&schema));

    // Time passes; the second run waits 9 s after it fails.
    sqlx::query("UPDATE tenantctl.jobs SET run_at = now() WHERE id = $1")
        .bind(job)
        .execute(&env.pool)
        .await
        .unwrap();
    env.run(&["worker", "--once"]).await.ok();
    let (attempts, wait): (i32, f64) = sqlx::query_as(
        "SELECT attempts, extract(epoch FROM run_at - updated_at)::float8 FROM tenantctl.jobs WHERE id = $1",
    )
    .bind(job)
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!((attempts, wait), (2, 9.0));
    // Both attempts were for the same tenant.
    let tenants: Vec<(i64, String)> = sqlx::query_as(
        "SELECT DISTINCT platform_id, schema_name FROM tenantctl.provision_attempts WHERE job_id = $1",
    )
    .bind(job)
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(
        tenants,
        vec![(acme["platform_id"].as_i64().unwrap(), schema)]
    );
}

#[sqlx::test(migrations = false)]
async fn a_migration_failing_half_way_fails_for_good_then_retry_after_the_fix_completes(
    pool: PgPool,
) {
    let mut env = Env::new(pool);
    env.init().await;
    let dir = with_extra_migration(
        &mut env,
        "CREATE TABLE extra (id int);\nSELECT * FROM no_such_table;\n",
    );
    env.set("TENANTCTL_PROVISION_MAX_ATTEMPTS", "2")
        .set("TENANTCTL_PROVISION_BACKOFF_BASE", "0s");
    let acme = env.create("Acme", "acme").await;
    let schema = acme["schema"].as_str().unwrap().to_string();
    let job = acme["job_id"].as_i64().unwrap();

    let r = env
        .run(&[
            "worker",
            "--once",
            "-v",
            "--log-format",
            "json",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    let s = r.json();
    // Three attempts, each ending before the next starts: none finds the platform still
    // locked by the one before (released), which would end `--once` with the job unfinished.
    assert_eq!(
        (
            s["retried"].clone(),
            s["failed"].clone(),
            s["released"].clone()
        ),
        (Value::from(2), Value::from(1), Value::from(0))
    );

    let p = env.show("acme").await;
    assert_eq!(p["provision_status"], "failed");
    let err = p["provision_error"].as_str().unwrap();
    assert!(
        err.contains("migration 20990101000001 (extra) failed") && err.contains("no_such_table"),
        "{err}"
    );
    assert!(!env.schemas().await.contains(&schema), "schema left behind");
    let (status, attempts, last_error): (String, i32, String) =
        sqlx::query_as("SELECT status, attempts, last_error FROM tenantctl.jobs WHERE id = $1")
            .bind(job)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("discarded", 3));
    assert!(last_error.contains("no_such_table"));
    let failed = scalar_i64(
        &env,
        "SELECT count(*) FROM tenantctl.provision_attempts WHERE platform_name = 'Acme' AND outcome = 'failed' AND error LIKE '%no_such_table%'",
    )
    .await;
    assert_eq!(failed, 3);
    // The list shows it failed; the table for people too.
    env.run(&["platform", "list", "--status", "failed"])
        .await
        .ok()
        .stdout_has("Acme");

    // Every log line of the job names its platform and schema (the job's span).
    let mut job_lines = 0;
    for line in r.stderr.lines().filter(|l| l.starts_with('{')) {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["span"]["name"] == "job" {
            job_lines += 1;
            assert_eq!(v["span"]["platform"], "Acme", "{line}");
            assert_eq!(v["span"]["schema"], schema.as_str(), "{line}");
        } else {
            let msg = v["message"].as_str().unwrap_or("");
            assert!(
                !msg.contains("provision") || msg.contains("worker"),
                "job log line without its span: {line}"
            );
        }
    }
    assert!(job_lines >= 9, "{}", r.stderr);

    // Fix the migration; retry; the worker completes it.
    std::fs::write(
        dir.join("20990101000001_extra.up.sql"),
        "CREATE TABLE extra (id int);\n",
    )
    .unwrap();
    let r = env.run(&["platform", "retry", "acme", "-o", "json"]).await;
    r.ok();
    let rows = r.json();
    assert_eq!(rows[0]["action"], "queued");
    assert_eq!(rows[0]["was"], "failed");
    assert_eq!(env.show("acme").await["provision_status"], "pending");
    env.run(&["worker", "--once"]).await.ok();
    let p = env.show("acme").await;
    assert_eq!(p["provision_status"], "completed");
    assert_eq!(p["provision_error"], Value::Null);
    assert!(env.schemas().await.contains(&schema));
}

#[sqlx::test(migrations = false)]
async fn retry_all_failed_and_refusals(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    let dir = with_extra_migration(&mut env, "SELECT * FROM no_such_table;\n");
    env.set("TENANTCTL_PROVISION_MAX_ATTEMPTS", "0");
    env.create("Acme", "acme").await;
    env.create("Beta", "beta").await;
    env.run(&["worker", "--once"]).await.ok();
    env.run(&[
        "platform",
        "create",
        "--name",
        "Ext",
        "--external",
        "--url",
        "https://ext.example.net",
    ])
    .await
    .ok();
    // Nothing given: a usage error. Unknown: not found. External: refused. Completed: a no-op.
    env.run(&["platform", "retry"]).await.code(2);
    env.run(&["platform", "retry", "nope"])
        .await
        .code(2)
        .stderr_has("platform `nope` not found");
    env.run(&["platform", "retry", "ext"])
        .await
        .code(2)
        .stderr_has("external");
    env.run(&["platform", "retry", "host"])
        .await
        .ok()
        .stdout_has("already provisioned");
    let schemas = env.schemas().await;
    env.run(&["provision", "Ext"])
        .await
        .code(2)
        .stderr_has("external");
    assert_eq!(env.schemas().await, schemas);

    std::fs::write(
        dir.join("20990101000001_extra.up.sql"),
        "CREATE TABLE extra (id int);\n",
    )
    .unwrap();
    let r = env
        .run(&["platform", "retry", "--all-failed", "-o", "json"])
        .await;
    r.ok();
    let rows = r.json();
    let names: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["platform"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Acme", "Beta"]);
    // Retrying again while queued keeps the one live job.
    let r = env
        .run(&["platform", "retry", "acme", "beta", "-o", "json"])
        .await;
    r.ok();
    assert!(
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["action"] == "already_queued")
    );
    env.run(&["worker", "--once"]).await.ok();
    for n in ["acme", "beta"] {
        assert_eq!(env.show(n).await["provision_status"], "completed");
    }
    env.run(&["platform", "retry", "--all-failed"])
        .await
        .ok()
        .stdout_has("nothing to retry");
    // A mix of good and bad names: per-platform rows and exit 3.
    env.run(&["platform", "retry", "acme", "nope"])
        .await
        .code(3)
        .stderr_has("nope: not found");
}

#[sqlx::test(migrations = false)]
async fn a_deleted_platforms_job_fails_clearly_and_touches_no_schema(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let acme = env.create("Acme", "acme").await;
    let job = acme["job_id"].as_i64().unwrap();
    let schema = env.tenant("Beta", "beta").await;

    // Destructive: refused without confirmation; the host is never deleted.
    let before = env.registry_snapshot().await;
    env.run(&["platform", "delete", "beta"])
        .await
        .code(4)
        .stderr_has("--yes");
    env.run(&["platform", "delete", "host", "--yes"])
        .await
        .code(4)
        .stderr_has("host platform");
    assert_eq!(env.registry_snapshot().await, before);
    let r = env
        .run(&["platform", "delete", "beta", "--yes", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["schema_dropped"], true);
    assert!(!env.schemas().await.contains(&schema));
    env.run(&["platform", "show", "beta"]).await.code(2);

    // `platform delete` cancels the platform's waiting jobs in its own transaction.
    env.run(&["platform", "delete", "acme", "--yes"]).await.ok();
    let (status, error): (String, String) =
        sqlx::query_as("SELECT status, last_error FROM tenantctl.jobs WHERE id = $1")
            .bind(job)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(status, "cancelled");
    assert!(
        error.contains("platform `Acme`") && error.contains("was deleted"),
        "{error}"
    );
    // A row deleted behind tenantctl's back: the worker finds the platform gone and says so.
    let gamma = env.create("Gamma", "gamma").await;
    let job = gamma["job_id"].as_i64().unwrap();
    env.sql("DELETE FROM public.platforms WHERE name = 'Gamma'")
        .await;
    let schemas = env.schemas().await;
    let r = env.run(&["worker", "--once", "-o", "json"]).await;
    r.ok();
    assert_eq!(
        (r.json()["jobs"].clone(), r.json()["failed"].clone()),
        (1.into(), 1.into())
    );
    let (status, error): (String, String) =
        sqlx::query_as("SELECT status, last_error FROM tenantctl.jobs WHERE id = $1")
            .bind(job)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(status, "discarded");
    assert!(
        error.contains("platform `Gamma`") && error.contains("was deleted"),
        "{error}"
    );
    assert_eq!(env.schemas().await, schemas);
}

#[sqlx::test(migrations = false)]
async fn two_workers_never_provision_a_platform_twice(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    for i in 0..20 {
        env.create(&format!("P{i:02}"), &format!("p{i:02}")).await;
    }
    let a = env.spawn(&["worker", "--once", "--jobs", "2", "--id", "a", "-o", "json"]);
    let b = env.spawn(&["worker", "--once", "--jobs", "2", "--id", "b", "-o", "json"]);
    let (a, b) = (finish(a).await, finish(b).await);
    a.ok();
    b.ok();
    let jobs = a.json()["jobs"].as_i64().unwrap() + b.json()["jobs"].as_i64().unwrap();
    assert_eq!(jobs, 20);
    let completed = scalar_i64(
        &env,
        "SELECT count(*) FROM public.platforms WHERE provision_status = 'completed' AND NOT host",
    )
    .await;
    assert_eq!(completed, 20);
    // One attempt per platform, one run per job.
    let most = scalar_i64(
        &env,
        "SELECT max(n) FROM (SELECT count(*) AS n FROM tenantctl.provision_attempts WHERE via = 'job' GROUP BY platform_id) x",
    )
    .await;
    assert_eq!(most, 1);
    let attempts = scalar_i64(
        &env,
        "SELECT count(*) FROM tenantctl.provision_attempts WHERE via = 'job'",
    )
    .await;
    assert_eq!(attempts, 20);
    let runs = scalar_i64(
        &env,
        "SELECT sum(attempts) FROM tenantctl.jobs WHERE status = 'completed'",
    )
    .await;
    assert_eq!(runs, 20);
}

#[sqlx::test(migrations = false)]
async fn sigkill_mid_provision_leaves_nothing_half_built_and_recovery_completes(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    let dir = with_extra_migration(
        &mut env,
        "CREATE TABLE extra (id int);\nSELECT pg_sleep(2);\n",
    );
    env.set("TENANTCTL_PROVISION_STUCK_AFTER", "1s");
    let acme = env.create("Acme", "acme").await;
    let beta = env.create("Beta", "beta").await;
    let worker = env.spawn(&["worker", "--concurrency", "2"]);
    // Mid-migration: both builds are inside the slow migration.
    env.eventually(
        "both platforms mid-migration",
        30,
        "SELECT count(*) = 2 FROM pg_stat_activity WHERE datname = current_database() \
         AND state = 'active' AND query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()",
    )
    .await;
    signal(&worker, "KILL");
    finish(worker).await;
    // The server ends the dead session's transaction; until then the lock is held.
    let locks = format!(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = {} \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
        i64::from(tenantctl::db::locks::PlatformLock::CLASS)
    );
    env.eventually("the killed sessions to end", 30, &locks)
        .await;
    let schemas = env.schemas().await;
    for p in [&acme, &beta] {
        assert!(
            !schemas.contains(&p["schema"].as_str().unwrap().to_string()),
            "half-built schema"
        );
    }
    // Stuck: flagged in the list (JSON and the table) and by the library call.
    let list = env.run(&["platform", "list", "-o", "json"]).await;
    list.ok();
    let rows = list.json();
    let stuck: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["stuck"] == true)
        .map(|p| p["platform"].as_str().unwrap())
        .collect();
    assert_eq!(stuck, vec!["Acme", "Beta"], "{rows:#}");
    env.run(&["platform", "list"])
        .await
        .ok()
        .stdout_has("! provisioning (stuck)");
    assert_eq!(env.show("acme").await["stuck"], true);
    env.run(&["platform", "show", "acme"])
        .await
        .ok()
        .stdout_has("! provisioning (stuck)");
    let lib = tenantctl::jobs::stuck_platforms(&env.pool, std::time::Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(lib.len(), 2);

    // `retry` recovers Acme; the worker's own stuck detection recovers Beta's job.
    std::fs::write(
        dir.join("20990101000001_extra.up.sql"),
        "CREATE TABLE extra (id int);\n",
    )
    .unwrap();
    let r = env.run(&["platform", "retry", "acme", "-o", "json"]).await;
    r.ok();
    assert_eq!(r.json()[0]["was"], "provisioning");
    let s = env.run(&["worker", "--once", "-o", "json"]).await;
    s.ok();
    let s = s.json();
    assert_eq!(s["recovered"], 1, "{s}");
    assert_eq!(s["completed"], 2, "{s}");
    for name in ["acme", "beta"] {
        let p = env.show(name).await;
        assert_eq!(p["provision_status"], "completed");
        assert_eq!(p["stuck"], false);
    }
    let abandoned: String = sqlx::query_scalar(
        "SELECT last_error FROM tenantctl.jobs WHERE platform_id = $1 AND status = 'discarded'",
    )
    .bind(acme["platform_id"].as_i64().unwrap())
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(abandoned.contains("abandoned"), "{abandoned}");
}

#[sqlx::test(migrations = false)]
async fn sigterm_finishes_the_job_in_progress_and_wait_waits(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    with_extra_migration(
        &mut env,
        "CREATE TABLE extra (id int);\nSELECT pg_sleep(1);\n",
    );
    env.create("Acme", "acme").await;
    let worker = env.spawn(&["worker", "-o", "json"]);
    env.eventually(
        "the job to be mid-migration",
        30,
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
         AND state = 'active' AND query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid())",
    )
    .await;
    signal(&worker, "TERM");
    let r = finish(worker).await;
    r.ok().stderr_has("finishing the jobs in progress");
    assert_eq!(r.json()["completed"], 1);
    assert_eq!(env.show("acme").await["provision_status"], "completed");

    // A worker in the background that polls only once an hour: NOTIFY wakes it, and
    // `create --wait` returns once it is done.
    env.set("TENANTCTL_WORKER_POLL_INTERVAL", "1h");
    let worker = env.spawn(&["worker"]);
    env.eventually(
        "the worker to LISTEN",
        30,
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
         AND query LIKE 'LISTEN%tenantctl_jobs%')",
    )
    .await;
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        env.run(&[
            "platform",
            "create",
            "--name",
            "Beta",
            "--subdomain",
            "beta",
            "--wait",
            "-o",
            "json",
        ]),
    )
    .await
    .expect("NOTIFY did not wake the idle worker");
    r.ok();
    assert_eq!(r.json()["provision_status"], "completed");
    signal(&worker, "INT");
    finish(worker).await.ok();
}

/// The provision attempt rows of a platform: (outcome, error), oldest first.
async fn attempts_of(env: &Env, name: &str) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT outcome, error FROM tenantctl.provision_attempts WHERE platform_name = $1 ORDER BY id",
    )
    .bind(name)
    .fetch_all(&env.pool)
    .await
    .unwrap()
}

/// Issue 15.12: a worker killed with SIGKILL leaves its attempt row `running`; when its job is
/// requeued the row is closed as abandoned, so `status` stops counting a run that is gone.
#[sqlx::test(migrations = false)]
async fn sigkill_closes_the_abandoned_attempt_when_its_job_is_requeued(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    let dir = with_extra_migration(
        &mut env,
        "CREATE TABLE extra (id int);\nSELECT pg_sleep(30);\n",
    );
    env.set("TENANTCTL_PROVISION_STUCK_AFTER", "1s");
    env.create("Acme", "acme").await;
    let worker = env.spawn(&["worker"]);
    env.eventually(
        "the build inside the slow migration",
        30,
        "SELECT count(*) = 1 FROM pg_stat_activity WHERE datname = current_database() \
         AND state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()",
    )
    .await;
    signal(&worker, "KILL");
    finish(worker).await;
    // The server notices the dead client and ends its session (the lock goes with it).
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() \
         AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let locks = format!(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = {} \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
        i64::from(tenantctl::db::locks::PlatformLock::CLASS)
    );
    env.eventually("the killed session to end", 30, &locks)
        .await;
    assert_eq!(attempts_of(&env, "Acme").await[0].0, "running");
    let st = env.run(&["status", "-o", "json"]).await;
    st.ok();
    assert_eq!(st.json()["provision"]["running"], 1);

    std::fs::write(
        dir.join("20990101000001_extra.up.sql"),
        "CREATE TABLE extra (id int);\n",
    )
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let s = env.run(&["worker", "--once", "-o", "json"]).await;
    s.ok();
    let s = s.json();
    assert_eq!(
        (s["recovered"].clone(), s["completed"].clone()),
        (1.into(), 1.into()),
        "{s}"
    );
    let rows = attempts_of(&env, "Acme").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "failed");
    assert!(
        rows[0]
            .1
            .as_deref()
            .unwrap()
            .contains("abandoned: its worker stopped during the run"),
        "{rows:?}"
    );
    assert_eq!(rows[1].0, "completed");
    let st = env.run(&["status", "-o", "json"]).await;
    st.ok();
    assert_eq!(st.json()["provision"]["running"], 0);
}

/// Issue 15.12: an error that no retry can fix (here a schema name that breaks the rules, a
/// registry row edited by hand) fails the job at its first run instead of five backoffs later.
#[sqlx::test(migrations = false)]
async fn a_permanent_error_fails_the_job_at_once(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    env.set("TENANTCTL_PROVISION_BACKOFF_BASE", "0s");
    let acme = env.create("Acme", "acme").await;
    let job = acme["job_id"].as_i64().unwrap();
    env.sql(
        "ALTER TABLE public.platforms DROP CONSTRAINT platforms_schema_name_check;
         UPDATE public.platforms SET schema_name = 'Bad;Name' WHERE name = 'Acme';",
    )
    .await;
    let r = env.run(&["worker", "--once", "-o", "json"]).await;
    r.ok();
    let s = r.json();
    assert_eq!(
        (s["jobs"].clone(), s["retried"].clone(), s["failed"].clone()),
        (1.into(), 0.into(), 1.into()),
        "{s}"
    );
    let (status, attempts, last_error): (String, i32, String) =
        sqlx::query_as("SELECT status, attempts, last_error FROM tenantctl.jobs WHERE id = $1")
            .bind(job)
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("discarded", 1));
    assert!(
        last_error.contains("invalid schema name `Bad;Name`"),
        "{last_error}"
    );
    let p = env.show("acme").await;
    assert_eq!(p["provision_status"], "failed");
    assert!(
        p["provision_error"]
            .as_str()
            .unwrap()
            .contains("invalid schema name")
    );
    let rows = attempts_of(&env, "Acme").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "failed");
}

/// Issue 15.12: the summary line adds up: a job put back because its platform was busy is
/// counted too.
#[sqlx::test(migrations = false)]
async fn the_worker_summary_adds_up_with_a_busy_platform(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let acme = env.create("Acme", "acme").await;
    env.create("Beta", "beta").await;
    // Another session holds Acme's provisioning lock.
    let mut holder = env.pool.acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1, $2)")
        .bind(tenantctl::db::locks::PlatformLock::CLASS)
        .bind(acme["platform_id"].as_i64().unwrap() as i32)
        .execute(&mut *holder)
        .await
        .unwrap();
    let r = env.run(&["worker", "--once"]).await;
    r.ok();
    let line = r.stdout.trim();
    assert!(
        line.contains("2 job(s): 1 completed, 0 already provisioned, 0 retrying, 0 failed, 1 put back (platform busy)"),
        "{line}"
    );
    drop(holder);
}
