//! `tenantctl migrate`, `migrate status`, `migrate rollback` and `migrate verify`, run the way
//! an operator runs them, against a fresh database per test. Each bad-input and fault case of
//! issue 3 has its test: a migration failing in one tenant, a syntax error, a table locked by
//! an application transaction (lock_timeout), a schema dropped by hand, a missing migrations
//! directory, a changed (checksum) migration, and a run killed mid-way.

use crate::common::{Env, Run, copy_sample_migrations, finish, signal};
use serde_json::Value;
use sqlx::PgPool;
use std::path::PathBuf;
use std::time::Duration;

/// The newest version of the embedded sample set.
const SAMPLE_LATEST: i64 = 20260101000010;
/// The version of the migrations the tests add.
const NEW: i64 = 20260201000001;
const ADD_SUMMARY_UP: &str = "ALTER TABLE posts ADD COLUMN summary text;\nCREATE INDEX posts_summary_idx ON posts (summary);\n";
const ADD_SUMMARY_DOWN: &str =
    "DROP INDEX posts_summary_idx;\nALTER TABLE posts DROP COLUMN summary;\n";

/// The advisory-lock class of tenantctl (`db::locks::CLASS`).
const CLASS: i32 = tenantctl::db::locks::CLASS;

/// The sample set plus one migration `NEW` named `name`, in the test's directory.
fn set_with(env: &Env, name: &str, up: &str, down: &str) -> PathBuf {
    let dir = env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    std::fs::write(dir.join(format!("{NEW}_{name}.up.sql")), up).unwrap();
    std::fs::write(dir.join(format!("{NEW}_{name}.down.sql")), down).unwrap();
    dir
}

/// `init` and `n` provisioned tenants T1..Tn (plus the host platform, also a tenant).
async fn fleet(pool: PgPool, n: usize) -> (Env, Vec<(String, String)>) {
    let env = Env::new(pool);
    env.init().await;
    let tenants = env.tenants("T", n).await;
    (env, tenants)
}

async fn has_column(env: &Env, schema: &str, table: &str, column: &str) -> bool {
    sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns \
         WHERE table_schema = $1 AND table_name = $2 AND column_name = $3)",
    )
    .bind(schema)
    .bind(table)
    .bind(column)
    .fetch_one(&env.pool)
    .await
    .unwrap()
}

async fn has_table(env: &Env, schema: &str, table: &str) -> bool {
    sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2)",
    )
    .bind(schema)
    .bind(table)
    .fetch_one(&env.pool)
    .await
    .unwrap()
}

/// Every completed tenant schema (the host's too).
async fn all_schemas(env: &Env) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT schema_name FROM public.platforms WHERE provision_status = 'completed' \
         AND NOT external ORDER BY id",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap()
}

/// A post titled `title` in the tenant's first community.
async fn add_post(env: &Env, schema: &str, title: &str) {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO \"{schema}\".posts (community_id, title) \
         SELECT id, $1 FROM \"{schema}\".communities ORDER BY id LIMIT 1"
    )))
    .bind(title)
    .execute(&env.pool)
    .await
    .unwrap();
}

/// The tenant rows of a run's JSON, by tenant name.
fn rows(v: &Value) -> Vec<Value> {
    v["tenant_migrations"]["tenants"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn row<'a>(rows: &'a [Value], tenant: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["platform"] == tenant)
        .unwrap_or_else(|| panic!("no row for {tenant} in {rows:?}"))
}

/// `migrate status -o json`, checking that the stored status equals what each schema holds.
async fn status(env: &Env, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["migrate", "status", "-o", "json"];
    args.extend_from_slice(extra);
    let r = env.run(&args).await;
    r.ok();
    let v = r.json();
    let rows = v.as_array().expect("a list").clone();
    for s in &rows {
        assert_eq!(
            s["recorded_version"], s["version"],
            "tenantctl.tenant_migrations disagrees with the schema: {s}"
        );
    }
    rows
}

#[sqlx::test(migrations = false)]
async fn registry_first_then_every_tenant_and_a_noop_changes_nothing(pool: PgPool) {
    let env = Env::new(pool);
    // A fresh database: the registry migrations run first, then the (no) tenants.
    let r = env.run(&["migrate", "-o", "json"]).await;
    r.ok();
    let v = r.json();
    assert_eq!(
        v["registry"]["applied"].as_array().unwrap().len() as i64,
        tenantctl::registry::migrations::migrator()
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .count() as i64
    );
    assert_eq!(v["tenant_migrations"]["totals"]["tenants"], 0);

    env.init().await;
    let tenants = env.tenants("T", 3).await;
    // Provisioning recorded the status already.
    for s in status(&env, &[]).await {
        assert_eq!(s["version"], SAMPLE_LATEST);
        assert_eq!(s["state"], "up_to_date");
    }
    let before = env.registry_snapshot().await;
    let r = env.run(&["migrate", "-o", "json"]).await;
    r.ok();
    let v = r.json();
    assert_eq!(v["registry"]["applied"], serde_json::json!([]));
    assert_eq!(v["tenant_migrations"]["totals"]["tenants"], 4);
    assert_eq!(v["tenant_migrations"]["totals"]["unchanged"], 4);
    assert_eq!(rows(&v), Vec::<Value>::new());
    assert_eq!(env.registry_snapshot().await, before);
    for (_, schema) in &tenants {
        assert_eq!(env.versions(schema).await.len(), 10);
    }
    // The human summary, with the registry's line as a note on stderr; `-q` (errors only)
    // leaves the note out and keeps the result.
    let summary = "4 tenant(s): 0 migrated, 4 up to date, 0 failed (latest version 20260101000010)";
    env.run(&["migrate"])
        .await
        .ok()
        .stdout_has(summary)
        .stderr_has("registry: up to date");
    let r = env.run(&["migrate", "-q"]).await;
    r.ok().stdout_has(summary);
    assert_eq!(r.stderr, "", "-q prints no notes");
}

#[sqlx::test(migrations = false)]
async fn a_new_migration_reaches_every_tenant_and_status_follows(pool: PgPool) {
    let (env, tenants) = fleet(pool, 4).await;
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let dir = dir.to_str().unwrap();

    // Before: every tenant is behind by one.
    let behind = status(&env, &["--tenant-migrations", dir, "--behind"]).await;
    assert_eq!(behind.len(), 5);
    assert!(
        behind
            .iter()
            .all(|s| s["pending"] == 1 && s["state"] == "behind")
    );

    // The stored status only routes the work; make it wrong in every way it can be: stale
    // (T1), missing (T2), claiming the newest version (T3). The schemas stay the truth.
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM public.platforms WHERE name IN ('T1', 'T2', 'T3') ORDER BY id",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE tenantctl.tenant_migrations SET version = 20260101000005 WHERE platform_id = $1",
    )
    .bind(ids[0])
    .execute(&env.pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM tenantctl.tenant_migrations WHERE platform_id = $1")
        .bind(ids[1])
        .execute(&env.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE tenantctl.tenant_migrations SET version = $2, latest_version = $2, \
         pending_count = 0 WHERE platform_id = $1",
    )
    .bind(ids[2])
    .bind(NEW)
    .execute(&env.pool)
    .await
    .unwrap();
    let r = env
        .run(&[
            "migrate",
            "--tenant-migrations",
            dir,
            "--jobs",
            "3",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    let v = r.json();
    let rows = rows(&v);
    assert_eq!(rows.len(), 5);
    for (name, schema) in &tenants {
        let row = row(&rows, name);
        assert_eq!(row["outcome"], "migrated");
        assert_eq!(row["from"], SAMPLE_LATEST);
        assert_eq!(row["to"], NEW);
        assert_eq!(row["versions"], serde_json::json!([NEW]));
        assert!(has_column(&env, schema, "posts", "summary").await);
        assert_eq!(env.versions(schema).await.last(), Some(&NEW));
    }
    for s in status(&env, &["--tenant-migrations", dir]).await {
        assert_eq!(s["version"], NEW);
        assert_eq!(s["pending"], 0);
        assert!(s["last_success_at"].is_string());
    }
    assert!(
        status(&env, &["--tenant-migrations", dir, "--behind"])
            .await
            .is_empty()
    );
    // Run again: nothing to do.
    let v = env
        .run(&["migrate", "--tenant-migrations", dir, "-o", "json"])
        .await
        .json();
    assert_eq!(v["tenant_migrations"]["totals"]["unchanged"], 5);
}

#[sqlx::test(migrations = false)]
async fn one_failing_tenant_does_not_stop_the_others_and_exits_3(pool: PgPool) {
    let (env, tenants) = fleet(pool, 3).await;
    let (bad_name, bad_schema) = tenants[1].clone();
    add_post(&env, &bad_schema, "bad").await;
    // Two statements: the first works everywhere, the second fails on T2's data.
    let dir = set_with(
        &env,
        "posts_rules",
        "ALTER TABLE posts ADD COLUMN summary text;\n\
         ALTER TABLE posts ADD CONSTRAINT posts_title_not_bad CHECK (title <> 'bad');\n",
        "ALTER TABLE posts DROP CONSTRAINT posts_title_not_bad;\nALTER TABLE posts DROP COLUMN summary;\n",
    );
    let dir = dir.to_str().unwrap();
    let r = env
        .run(&["migrate", "--tenant-migrations", dir, "-o", "json"])
        .await;
    r.code(3).stderr_has("1 of 4 tenants failed");
    let v = r.json();
    let rows = rows(&v);
    let bad = row(&rows, &bad_name);
    assert_eq!(bad["outcome"], "failed");
    assert_eq!(bad["to"], SAMPLE_LATEST);
    let error = bad["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("migration {NEW} (posts rules) failed"))
            && error.contains("posts_title_not_bad"),
        "{error}"
    );
    // Fully at the old version: not even the first statement stayed.
    assert!(!has_column(&env, &bad_schema, "posts", "summary").await);
    assert_eq!(env.versions(&bad_schema).await.last(), Some(&SAMPLE_LATEST));
    for (name, schema) in tenants.iter().filter(|(n, _)| *n != bad_name) {
        assert_eq!(row(&rows, name)["outcome"], "migrated");
        assert!(has_column(&env, schema, "posts", "summary").await);
    }
    let st = status(&env, &["--tenant-migrations", dir]).await;
    let s = row(&st, &bad_name);
    assert_eq!(s["version"], SAMPLE_LATEST);
    assert!(
        s["last_error"]
            .as_str()
            .unwrap()
            .contains("posts_title_not_bad")
    );
    // The human summary names the tenant and the error.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE \"{bad_schema}\".posts SET title = 'fine' WHERE title = 'bad'"
    )))
    .execute(&env.pool)
    .await
    .unwrap();
    let r = env
        .run(&["migrate", "--tenant-migrations", dir, "-o", "json"])
        .await;
    r.ok();
    let v = r.json();
    assert_eq!(v["tenant_migrations"]["totals"]["changed"], 1);
    assert_eq!(row(&self::rows(&v), &bad_name)["outcome"], "migrated");
    let st = status(&env, &["--tenant-migrations", dir]).await;
    assert_eq!(row(&st, &bad_name)["last_error"], Value::Null);
}

#[sqlx::test(migrations = false)]
async fn a_syntax_error_leaves_every_schema_at_the_old_version(pool: PgPool) {
    let (env, tenants) = fleet(pool, 2).await;
    let dir = set_with(
        &env,
        "broken",
        "CREATE TABLE half_done (id int);\nALTER TABLE posts ADD COLUMN summary text;\nALTR TABLE posts DROP COLUMN title;\n",
        "DROP TABLE half_done;\n",
    );
    let r = env
        .run(&["migrate", "--tenant-migrations", dir.to_str().unwrap()])
        .await;
    r.code(3)
        .stderr_has("3 of 3 tenants failed")
        .stdout_has("syntax error at or near \"ALTR\" (at line 3)")
        .stdout_has("0 migrated, 0 up to date, 3 failed");
    for (_, schema) in &tenants {
        assert!(!has_table(&env, schema, "half_done").await);
        assert!(!has_column(&env, schema, "posts", "summary").await);
        assert_eq!(env.versions(schema).await.last(), Some(&SAMPLE_LATEST));
    }
}

/// An application transaction that holds `mode` on `schema.table` until it ends.
async fn app_locks(
    env: &Env,
    schema: &str,
    table: &str,
    mode: &str,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut app = env.pool.begin().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "LOCK TABLE \"{schema}\".\"{table}\" IN {mode} MODE"
    )))
    .execute(&mut *app)
    .await
    .unwrap();
    app
}

/// `migrate -o json` with the set in `dir` and a 300 ms lock_timeout.
async fn migrate_json_with_lock_timeout(env: &Env, dir: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "migrate",
        "--tenant-migrations",
        dir,
        "--lock-timeout",
        "300ms",
        "--lock-retries",
        "0",
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    env.run(&args).await
}

#[sqlx::test(migrations = false)]
async fn a_table_locked_by_the_application_fails_only_that_tenant(pool: PgPool) {
    let (env, tenants) = fleet(pool, 2).await;
    let (locked_name, locked_schema) = tenants[0].clone();
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let dir = dir.to_str().unwrap();
    // An application transaction reading posts holds its lock until it ends.
    let app = app_locks(&env, &locked_schema, "posts", "ACCESS SHARE").await;
    let r = migrate_json_with_lock_timeout(&env, dir, &[]).await;
    r.code(3);
    let v = r.json();
    let rows = rows(&v);
    let locked = row(&rows, &locked_name);
    assert_eq!(locked["outcome"], "failed");
    assert!(
        locked["error"].as_str().unwrap().contains("lock timeout"),
        "{locked}"
    );
    assert!(!has_column(&env, &locked_schema, "posts", "summary").await);
    assert!(has_column(&env, &tenants[1].1, "posts", "summary").await);
    // The configured lock_timeout applies too, and the next run finishes the job.
    app.commit().await.unwrap();
    env.run_with(
        &["migrate", "--tenant-migrations", dir],
        &[("TENANTCTL_LOCK_TIMEOUT", "2s")],
    )
    .await
    .ok()
    .stdout_has("1 migrated, 2 up to date");
    assert!(has_column(&env, &locked_schema, "posts", "summary").await);
}

/// The tracking table is read with COPY; when that COPY fails (here: its table is locked), sqlx
/// leaves the connection out of step with the server. The worker must close it and go on with
/// a new one: with one job, the tenants after the failed one run on that same worker.
#[sqlx::test(migrations = false)]
async fn a_locked_tracking_table_fails_that_tenant_and_the_worker_goes_on(pool: PgPool) {
    let (env, tenants) = fleet(pool, 3).await;
    let (locked_name, locked_schema) = tenants[0].clone();
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let dir = dir.to_str().unwrap();
    let app = app_locks(&env, &locked_schema, "_sqlx_migrations", "ACCESS EXCLUSIVE").await;
    let r = migrate_json_with_lock_timeout(&env, dir, &["--jobs", "1"]).await;
    r.code(3);
    let v = r.json();
    let rows = rows(&v);
    let locked = row(&rows, &locked_name);
    assert_eq!(locked["outcome"], "failed");
    let error = locked["error"].as_str().unwrap();
    assert!(
        error.contains("could not read the tracking table") && error.contains("lock timeout"),
        "{locked}"
    );
    assert!(!has_column(&env, &locked_schema, "posts", "summary").await);
    for (name, schema) in &tenants[1..] {
        assert_eq!(row(&rows, name)["outcome"], "migrated", "{v}");
        assert!(has_column(&env, schema, "posts", "summary").await);
        assert_eq!(env.versions(schema).await.last(), Some(&NEW));
    }
    app.rollback().await.unwrap();
    env.run(&["migrate", "--tenant-migrations", dir])
        .await
        .ok()
        .stdout_has("1 migrated, 3 up to date");
    assert_eq!(env.versions(&locked_schema).await.last(), Some(&NEW));
}

#[sqlx::test(migrations = false)]
async fn a_tenant_being_provisioned_or_restored_is_not_migrated_at_the_same_time(pool: PgPool) {
    let (env, tenants) = fleet(pool, 2).await;
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let id: i64 = sqlx::query_scalar("SELECT id FROM public.platforms WHERE name = $1")
        .bind(&tenants[0].0)
        .fetch_one(&env.pool)
        .await
        .unwrap();
    // The per-platform lock provisioning holds for its whole transaction.
    let mut other = env.pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(tenantctl::db::locks::PlatformLock::CLASS)
        .bind(id as i32)
        .execute(&mut *other)
        .await
        .unwrap();
    let r = env
        .run(&[
            "migrate",
            "--tenant-migrations",
            dir.to_str().unwrap(),
            "--lock-timeout",
            "300ms",
            "--lock-retries",
            "0",
            "-o",
            "json",
        ])
        .await;
    r.code(3);
    let v = r.json();
    let busy = row(&rows(&v), &tenants[0].0).clone();
    assert!(
        busy["error"].as_str().unwrap().contains("platform is busy"),
        "{busy}"
    );
    assert!(!has_column(&env, &tenants[0].1, "posts", "summary").await);
    other.rollback().await.unwrap();
}

/// Issue 15.3: a lock timeout is tried again (`--lock-retries`, default 3), other errors are
/// not, and the summary says how many tries each tenant took.
#[sqlx::test(migrations = false)]
async fn a_lock_timeout_is_tried_again_and_the_summary_counts_the_tries(pool: PgPool) {
    let (env, tenants) = fleet(pool, 2).await;
    let (locked_name, locked_schema) = tenants[0].clone();
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let dir = dir.to_str().unwrap();
    let args = [
        "migrate",
        "--tenant-migrations",
        dir,
        "--lock-timeout",
        "300ms",
    ];
    let waiting = format!(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = to_regclass('\"{locked_schema}\".posts')"
    );
    let waiters = |pool: PgPool, sql: String| async move {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .fetch_one(&pool)
            .await
            .unwrap()
    };

    // --lock-retries 0: the locked tenant fails at its first timeout.
    let app = app_locks(&env, &locked_schema, "posts", "ACCESS SHARE").await;
    let mut no_retry = args.to_vec();
    no_retry.extend(["--lock-retries", "0"]);
    let r = env.run(&no_retry).await;
    r.code(3).stdout_has("tries");
    let mut json = no_retry.clone();
    json.extend(["-o", "json"]);
    let r = env.run(&json).await;
    r.code(3);
    let v = r.json();
    let locked = row(&rows(&v), &locked_name).clone();
    assert_eq!(locked["outcome"], "failed", "{locked}");
    assert_eq!(locked["tries"], 1, "{locked}");

    // The reader lets go after the first timeout: the tenant succeeds on its second try.
    let release = async {
        let started = std::time::Instant::now();
        while waiters(env.pool.clone(), waiting.clone()).await == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "migrate never waited"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        while waiters(env.pool.clone(), waiting.clone()).await > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        app.commit().await.unwrap();
    };
    let mut json = args.to_vec();
    json.extend(["-o", "json"]);
    let (r, ()) = tokio::join!(env.run(&json), release);
    r.ok();
    let v = r.json();
    let locked = row(&rows(&v), &locked_name).clone();
    assert_eq!(locked["outcome"], "migrated", "{locked}");
    assert_eq!(locked["tries"], 2, "{locked}");
    assert!(has_column(&env, &locked_schema, "posts", "summary").await);

    // Other errors are not tried again.
    std::fs::write(
        std::path::Path::new(dir).join("20260301000001_broken.sql"),
        "ALTR TABLE posts;\n",
    )
    .unwrap();
    let r = env
        .run(&["migrate", "--tenant-migrations", dir, "-o", "json"])
        .await;
    r.code(3);
    for (name, _) in &tenants {
        let failed = row(&rows(&r.json()), name).clone();
        assert_eq!(failed["outcome"], "failed", "{failed}");
        assert_eq!(failed["tries"], 1, "{failed}");
    }
}

/// Indexes of `schema`: (name, valid).
async fn indexes(env: &Env, schema: &str) -> Vec<(String, bool)> {
    sqlx::query_as(
        "SELECT c.relname::text, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(&env.pool)
    .await
    .unwrap()
}

/// Issue 15.2: a `-- no-transaction` migration builds its indexes concurrently, one statement
/// at a time, after the migrations before it committed in their own transaction; when it fails
/// it leaves no invalid index, the tenant is marked failed at that version, and a rerun
/// completes.
#[sqlx::test(migrations = false)]
async fn a_no_transaction_migration_builds_indexes_concurrently_and_leaves_no_invalid_one(
    pool: PgPool,
) {
    let (env, tenants) = fleet(pool, 2).await;
    let (dup_name, dup_schema) = tenants[0].clone();
    for (_, schema) in &tenants {
        let titles = if *schema == dup_schema {
            "('a'), ('b'), ('a')"
        } else {
            "('a'), ('b')"
        };
        env.sql(&format!(
            "INSERT INTO \"{schema}\".posts (community_id, title, body) \
             SELECT (SELECT min(id) FROM \"{schema}\".communities), t, 'x' FROM (VALUES {titles}) v (t)"
        ))
        .await;
    }
    const IDX: i64 = 20260201000002;
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    std::fs::write(
        dir.join(format!("{IDX}_posts_title_idx.up.sql")),
        "-- no-transaction\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_title_idx ON posts (title);\n\
         -- one title per post; a statement of its own\n\
         CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS posts_title_key ON posts (title);\n",
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{IDX}_posts_title_idx.down.sql")),
        "DROP INDEX posts_title_key;\nDROP INDEX posts_title_idx;\n",
    )
    .unwrap();
    let dir = dir.to_str().unwrap();

    let r = env
        .run(&["migrate", "--tenant-migrations", dir, "-o", "json"])
        .await;
    r.code(3);
    let v = r.json();
    let rows = rows(&v);
    let dup = row(&rows, &dup_name);
    assert_eq!(dup["outcome"], "failed", "{dup}");
    let error = dup["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("migration {IDX} (posts title idx) failed"))
            && error.contains("could not create unique index")
            && error.contains("statement 2 of 2")
            && error.contains("dropped the invalid index(es) it left: posts_title_key"),
        "{error}"
    );
    // The transactional migration before it committed on its own.
    assert_eq!(dup["from"], SAMPLE_LATEST, "{dup}");
    assert_eq!(dup["to"], NEW, "{dup}");
    assert_eq!(dup["versions"], serde_json::json!([NEW]), "{dup}");
    assert!(has_column(&env, &dup_schema, "posts", "summary").await);
    assert_eq!(env.versions(&dup_schema).await.last(), Some(&NEW));
    // No invalid index is left; the first statement's index stays.
    let idx = indexes(&env, &dup_schema).await;
    assert!(idx.iter().all(|(_, valid)| *valid), "{idx:?}");
    assert!(idx.contains(&("posts_title_idx".into(), true)), "{idx:?}");
    assert!(!idx.iter().any(|(n, _)| n == "posts_title_key"), "{idx:?}");
    let (version, last_error): (Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT s.version, s.last_error FROM tenantctl.tenant_migrations s \
         JOIN public.platforms p ON p.id = s.platform_id WHERE p.name = $1",
    )
    .bind(&dup_name)
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(version, Some(NEW));
    assert!(last_error.unwrap().contains(&IDX.to_string()));
    for (name, schema) in &tenants[1..] {
        let ok = row(&rows, name);
        assert_eq!(ok["outcome"], "migrated", "{ok}");
        assert_eq!(ok["versions"], serde_json::json!([NEW, IDX]), "{ok}");
        assert_eq!(env.versions(schema).await.last(), Some(&IDX));
        assert!(
            indexes(&env, schema)
                .await
                .contains(&("posts_title_key".into(), true))
        );
    }

    // Fixed data, and the rerun completes.
    env.sql(&format!(
        "DELETE FROM \"{dup_schema}\".posts WHERE id = (SELECT max(id) FROM \"{dup_schema}\".posts WHERE title = 'a')"
    ))
    .await;
    env.run(&["migrate", "--tenant-migrations", dir])
        .await
        .ok()
        .stdout_has("1 migrated");
    assert_eq!(env.versions(&dup_schema).await.last(), Some(&IDX));
    let idx = indexes(&env, &dup_schema).await;
    assert!(idx.contains(&("posts_title_key".into(), true)), "{idx:?}");
    assert!(idx.iter().all(|(_, valid)| *valid), "{idx:?}");

    // A new tenant gets the same set in its provisioning transaction (CONCURRENTLY buys nothing
    // in a schema nobody sees yet).
    let r = env
        .run(&[
            "platform",
            "create",
            "--name",
            "Fresh",
            "--subdomain",
            "fresh",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    let fresh = r.json()["schema"].as_str().unwrap().to_string();
    env.run_with(
        &["provision", "Fresh"],
        &[("TENANTCTL_TENANT_MIGRATIONS_DIR", dir)],
    )
    .await
    .ok();
    assert_eq!(env.versions(&fresh).await.last(), Some(&IDX));
    assert!(
        indexes(&env, &fresh)
            .await
            .contains(&("posts_title_key".into(), true))
    );
}

#[sqlx::test(migrations = false)]
async fn a_schema_dropped_by_hand_is_reported_and_the_rest_migrate(pool: PgPool) {
    let (env, tenants) = fleet(pool, 2).await;
    let (gone_name, gone_schema) = tenants[0].clone();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA \"{gone_schema}\" CASCADE"
    )))
    .execute(&env.pool)
    .await
    .unwrap();
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let dir = dir.to_str().unwrap();
    let r = env
        .run(&["migrate", "--tenant-migrations", dir, "-o", "json"])
        .await;
    r.code(3);
    let v = r.json();
    let rows = rows(&v);
    assert_eq!(
        row(&rows, &gone_name)["error"],
        format!("schema `{gone_schema}` does not exist (dropped by hand?)")
    );
    assert!(has_column(&env, &tenants[1].1, "posts", "summary").await);
    // Nothing was created in its place.
    assert!(!env.schemas().await.contains(&gone_schema));
    let st = status(&env, &["--tenant-migrations", dir, "--behind"]).await;
    assert_eq!(st.len(), 1);
    assert_eq!(st[0]["state"], "missing");
    // verify says so too.
    env.run(&["migrate", "verify", "--tenant-migrations", dir])
        .await
        .code(3)
        .stdout_has("does not exist");
}

#[sqlx::test(migrations = false)]
async fn a_missing_migrations_directory_is_a_usage_error_and_nothing_runs(pool: PgPool) {
    let env = Env::new(pool);
    let schemas = env.schemas().await;
    let r = env
        .run(&[
            "migrate",
            "--tenant-migrations",
            "/nonexistent/tenant-migrations",
        ])
        .await;
    r.code(2)
        .stderr_has("tenant migrations directory `/nonexistent/tenant-migrations` does not exist");
    // Not even the registry was created.
    assert_eq!(env.schemas().await, schemas);
    let r = env
        .run_with(
            &["migrate", "status"],
            &[("TENANTCTL_TENANT_MIGRATIONS_DIR", "/nonexistent/m")],
        )
        .await;
    r.code(2).stderr_has("`/nonexistent/m` does not exist");
}

#[sqlx::test(migrations = false)]
async fn a_changed_migration_is_drift_reported_and_never_rerun(pool: PgPool) {
    let (env, tenants) = fleet(pool, 2).await;
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    // Someone edits an applied migration.
    let edited = dir.join("20260101000010_create_notifications.up.sql");
    let mut text = std::fs::read_to_string(&edited).unwrap();
    text.push_str("\nCREATE INDEX notifications_kind_idx ON notifications (kind);\n");
    std::fs::write(&edited, text).unwrap();
    let dir = dir.to_str().unwrap();
    let installed = |schema: String| {
        let pool = env.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
                "SELECT version || ' ' || installed_on::text FROM \"{schema}\"._sqlx_migrations ORDER BY version"
            )))
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let before = installed(tenants[0].1.clone()).await;
    let r = env
        .run(&["migrate", "--tenant-migrations", dir, "-o", "json"])
        .await;
    r.code(3).stderr_has("3 of 3 tenants failed");
    for row in rows(&r.json()) {
        assert_eq!(
            row["error"],
            "drift: migration 20260101000010 (create notifications) was changed after it was applied (checksum differs); not re-run"
        );
    }
    // Not re-run, and the new migration was not applied on top of it either.
    assert_eq!(installed(tenants[0].1.clone()).await, before);
    for (_, schema) in &tenants {
        assert!(!has_column(&env, schema, "posts", "summary").await);
    }
    let st = status(&env, &["--tenant-migrations", dir]).await;
    for s in &st {
        assert_eq!(s["state"], "drift");
        assert_eq!(s["drift_versions"], serde_json::json!([SAMPLE_LATEST]));
    }
    // verify names the changed migration.
    let r = env
        .run(&[
            "migrate",
            "verify",
            "--tenant-migrations",
            dir,
            "-o",
            "json",
        ])
        .await;
    r.code(3);
    let v = r.json();
    let d = &v["drifted"][0]["differences"][0];
    assert_eq!(d["kind"], "migration");
    assert_eq!(d["change"], "changed");
}

#[sqlx::test(migrations = false)]
async fn a_run_killed_mid_way_is_finished_by_the_next_with_nothing_applied_twice(pool: PgPool) {
    let (env, _) = fleet(pool, 9).await;
    // Not idempotent on purpose: applied twice, the audit table would hold two rows (or the
    // CREATE TABLE would fail).
    let dir = set_with(
        &env,
        "slow_audit",
        "CREATE TABLE migration_audit (at timestamptz NOT NULL DEFAULT clock_timestamp());\n\
         INSERT INTO migration_audit DEFAULT VALUES;\n\
         ALTER TABLE posts ADD COLUMN summary text;\n\
         SELECT pg_sleep(0.4);\n",
        "DROP TABLE migration_audit;\nALTER TABLE posts DROP COLUMN summary;\n",
    );
    let dir = dir.to_str().unwrap().to_string();
    let schemas = all_schemas(&env).await;
    let mut child = env.spawn_with(
        &["migrate", "--tenant-migrations", &dir, "--jobs", "2"],
        &[],
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if at_version(&env, &schemas, NEW).await >= 2 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the run never got going"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap(); // SIGKILL
    let exit = child.wait().await.unwrap();
    assert!(!exit.success());
    let after_kill = at_version(&env, &schemas, NEW).await;
    assert!(
        after_kill < schemas.len(),
        "the run finished before it was killed; nothing was tested"
    );
    // Every schema is at one version or the other, never in between.
    for s in &schemas {
        let at_new = env.versions(s).await.contains(&NEW);
        assert_eq!(has_table(&env, s, "migration_audit").await, at_new, "{s}");
        assert_eq!(has_column(&env, s, "posts", "summary").await, at_new, "{s}");
    }

    env.run(&["migrate", "--tenant-migrations", &dir, "--jobs", "2"])
        .await
        .ok()
        .stdout_has(&format!(
            "{} migrated, {after_kill} up to date, 0 failed",
            schemas.len() - after_kill
        ));
    for s in &schemas {
        let versions = env.versions(s).await;
        assert_eq!(versions.iter().filter(|&&v| v == NEW).count(), 1, "{s}");
        let audits: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{s}\".migration_audit"
        )))
        .fetch_one(&env.pool)
        .await
        .unwrap();
        assert_eq!(audits, 1, "{s} ran the migration {audits} times");
    }
    for s in status(&env, &["--tenant-migrations", &dir]).await {
        assert_eq!(s["version"], NEW);
    }
}

/// How many of `schemas` have applied `version`.
async fn at_version(env: &Env, schemas: &[String], version: i64) -> usize {
    let mut n = 0;
    for s in schemas {
        if env.versions(s).await.contains(&version) {
            n += 1;
        }
    }
    n
}

/// The schema's DDL as pg_dump prints it.
async fn dump(env: &Env, schema: &str) -> String {
    let out = tokio::process::Command::new("pg_dump")
        .args(["--schema-only", "--no-owner", "--strict-names", "-n"])
        .arg(format!("\"{schema}\""))
        .arg("--dbname")
        .arg(&env.url)
        .output()
        .await
        .expect("pg_dump runs (it is on PATH when the tests run via scripts/test)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // pg_dump 15.14+ brackets its output with a random `\restrict` key.
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Equal dumps, or the lines that differ.
#[track_caller]
fn same_dump(actual: &str, expected: &str) {
    if actual != expected {
        let a: std::collections::BTreeSet<&str> = actual.lines().collect();
        let e: std::collections::BTreeSet<&str> = expected.lines().collect();
        panic!(
            "the schema differs\nonly now: {:#?}\nonly before: {:#?}",
            a.difference(&e).collect::<Vec<_>>(),
            e.difference(&a).collect::<Vec<_>>()
        );
    }
}

#[sqlx::test(migrations = false)]
async fn up_down_up_gives_the_same_catalog(pool: PgPool) {
    let (env, tenants) = fleet(pool, 1).await;
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let dir = dir.to_str().unwrap();
    let schema = tenants[0].1.clone();
    let t = tenants[0].0.as_str();
    env.run(&["migrate", "--tenant-migrations", dir]).await.ok();
    let up = dump(&env, &schema).await;
    assert!(up.contains("posts_summary_idx") && up.contains("CREATE TABLE"));

    // Without confirmation and without a terminal: refused, nothing changed.
    let r = env
        .run(&[
            "migrate",
            "rollback",
            "--to",
            "0",
            "--tenant",
            t,
            "--tenant-migrations",
            dir,
        ])
        .await;
    r.code(4)
        .stderr_has("pass --yes or set TENANTCTL_CONFIRM=yes");
    same_dump(&dump(&env, &schema).await, &up);

    // All the way down (CONFIRM=yes), then up again.
    env.run_with(
        &[
            "migrate",
            "rollback",
            "--to",
            "0",
            "--tenant",
            t,
            "--tenant-migrations",
            dir,
        ],
        &[("CONFIRM", "yes")],
    )
    .await
    .ok()
    .stdout_has("1 rolled back");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = $1")
            .bind(&schema)
            .fetch_all(&env.pool)
            .await
            .unwrap();
    assert_eq!(tables, vec!["_sqlx_migrations".to_string()]);
    assert_eq!(env.versions(&schema).await, Vec::<i64>::new());
    assert_eq!(
        row(&status(&env, &["--tenant-migrations", dir]).await, t)["version"],
        Value::Null
    );
    env.run(&["migrate", "--tenant-migrations", dir, "--tenant", t])
        .await
        .ok();
    same_dump(&dump(&env, &schema).await, &up);

    // Part of the way down and up again, with --yes.
    env.run(&[
        "migrate",
        "rollback",
        "--to",
        "20260101000005",
        "--tenant-migrations",
        dir,
        "--yes",
        "--tenant",
        t,
    ])
    .await
    .ok();
    assert_eq!(env.versions(&schema).await.last(), Some(&20260101000005));
    assert!(!has_table(&env, &schema, "posts").await);
    env.run(&["migrate", "--tenant-migrations", dir]).await.ok();
    same_dump(&dump(&env, &schema).await, &up);
    // The rest of the fleet was never touched by the targeted rollbacks.
    assert!(has_column(&env, &all_schemas(&env).await[0], "posts", "summary").await);
}

#[sqlx::test(migrations = false)]
async fn rollback_checks_its_target_before_any_sql(pool: PgPool) {
    let (env, tenants) = fleet(pool, 1).await;
    env.run(&["migrate", "rollback", "--to", "123", "--yes"])
        .await
        .code(2)
        .stderr_has("version 123 is not in the migration set");
    // A migration without a down file cannot be rolled back past.
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    std::fs::remove_file(dir.join(format!("{NEW}_posts_summary.down.sql"))).unwrap();
    std::fs::rename(
        dir.join(format!("{NEW}_posts_summary.up.sql")),
        dir.join(format!("{NEW}_posts_summary.sql")),
    )
    .unwrap();
    let dir = dir.to_str().unwrap();
    env.run(&["migrate", "--tenant-migrations", dir]).await.ok();
    env.run(&[
        "migrate",
        "rollback",
        "--to",
        &SAMPLE_LATEST.to_string(),
        "--tenant-migrations",
        dir,
        "--yes",
    ])
    .await
    .code(2)
    .stderr_has(&format!(
        "migration {NEW} (posts summary) has no down migration"
    ));
    assert!(has_column(&env, &tenants[0].1, "posts", "summary").await);
    // A dry run says what would happen and changes nothing.
    let r = env
        .run(&[
            "migrate",
            "rollback",
            "--to",
            "20260101000009",
            "--dry-run",
            "-o",
            "json",
        ])
        .await;
    r.code(3);
    // (embedded set: the tenants are ahead of it by NEW, which it does not know)
    let v = r.json();
    assert_eq!(v["tenant_migrations"]["totals"]["failed"], 2);
    assert_eq!(env.versions(&tenants[0].1).await.last(), Some(&NEW));
}

/// Issue 27.14: a run killed during `CREATE INDEX CONCURRENTLY` leaves an INVALID index that
/// nothing drops. The rerun drops it and builds it again: with `IF NOT EXISTS` it no longer
/// records the version over the broken index, without it no longer fails "already exists".
/// `doctor` names such indexes meanwhile.
#[sqlx::test(migrations = false)]
async fn an_invalid_index_left_by_a_killed_build_is_built_again_by_the_rerun(pool: PgPool) {
    let (env, tenants) = fleet(pool, 2).await;
    let (quiet, broken) = (&tenants[0].1, &tenants[1].1);
    // What a killed build leaves: an index PostgreSQL marks INVALID, made here the way a
    // failing build makes one (a duplicate under a unique index, a division by zero).
    for (schema, index) in [
        (
            quiet,
            format!("posts_title_key ON \"{quiet}\".posts (title)"),
        ),
        (
            broken,
            format!("posts_body_idx ON \"{broken}\".posts ((1 / (length(body) - 1)))"),
        ),
    ] {
        env.sql(&format!(
            "INSERT INTO \"{schema}\".posts (community_id, title, body) \
             SELECT (SELECT min(id) FROM \"{schema}\".communities), 'same', 'x' FROM generate_series(1, 2)"
        ))
        .await;
        let unique = if index.starts_with("posts_title") {
            "UNIQUE "
        } else {
            ""
        };
        let failed = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE {unique}INDEX CONCURRENTLY {index}"
        )))
        .execute(&env.pool)
        .await;
        assert!(failed.is_err(), "{failed:?}");
        env.sql(&format!(
            "DELETE FROM \"{schema}\".posts WHERE title = 'same'"
        ))
        .await;
    }
    assert!(
        indexes(&env, quiet)
            .await
            .contains(&("posts_title_key".into(), false))
    );
    assert!(
        indexes(&env, broken)
            .await
            .contains(&("posts_body_idx".into(), false))
    );
    let r = env.run(&["doctor", "-o", "json"]).await;
    let v = r.json();
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "invalid-index")
        .unwrap_or_else(|| panic!("no invalid-index check: {v}"))
        .clone();
    assert_eq!(check["status"], "WARN", "{check}");
    let detail = check["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("{quiet}.posts_title_key"))
            && detail.contains(&format!("{broken}.posts_body_idx")),
        "{detail}"
    );

    let dir = env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    std::fs::write(
        dir.join(format!("{NEW}_posts_indexes.up.sql")),
        "-- no-transaction\n\
         CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS posts_title_key ON posts (title);\n\
         CREATE INDEX CONCURRENTLY posts_body_idx ON posts (body);\n",
    )
    .unwrap();
    env.run(&["migrate", "--tenant-migrations", dir.to_str().unwrap()])
        .await
        .ok();
    for (_, schema) in &tenants {
        assert_eq!(env.versions(schema).await.last(), Some(&NEW));
        let idx = indexes(&env, schema).await;
        assert!(idx.iter().all(|(_, valid)| *valid), "{schema}: {idx:?}");
        assert!(idx.contains(&("posts_title_key".into(), true)), "{idx:?}");
        assert!(idx.contains(&("posts_body_idx".into(), true)), "{idx:?}");
    }
    // The rebuilt index is the migration's, not the broken one's.
    let def: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT pg_get_indexdef('\"{broken}\".posts_body_idx'::regclass)"
    )))
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(def.ends_with("(body)"), "{def}");
    // Issue 27.15: verify builds its reference the way provisioning builds a schema, without
    // `CONCURRENTLY` in a transaction nobody sees.
    env.run(&[
        "migrate",
        "verify",
        "--tenant-migrations",
        dir.to_str().unwrap(),
    ])
    .await
    .ok()
    .stdout_has("all 3 tenant schema(s) match the migration set");
    let r = env.run(&["doctor", "-o", "json"]).await;
    let v = r.json();
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["check"] == "invalid-index" && c["status"] == "PASS"),
        "{v}"
    );
}

/// Issue 27.16: Ctrl-C while a tenant's migration waits for a table lock. tenantctl exits at
/// once, and the server must not go on waiting with its statement (for ever here, with
/// `--lock-timeout 0`), holding the platform's lock and queueing readers behind it.
#[sqlx::test(migrations = false)]
async fn ctrl_c_cancels_the_statement_waiting_on_the_server(pool: PgPool) {
    let (env, tenants) = fleet(pool, 1).await;
    let schema = &tenants[0].1;
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let app = app_locks(&env, schema, "posts", "ACCESS SHARE").await;
    let child = env.spawn(&[
        "migrate",
        "--tenant-migrations",
        dir.to_str().unwrap(),
        "--lock-timeout",
        "0",
    ]);
    // language=PostgreSQL
    const WAITING: &str = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name = 'tenantctl' AND state = 'active' AND wait_event_type = 'Lock'";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while sqlx::query_scalar::<_, i64>(WAITING)
        .fetch_one(&env.pool)
        .await
        .unwrap()
        == 0
    {
        assert!(tokio::time::Instant::now() < deadline, "it never waited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signal(&child, "INT");
    let r = finish(child).await;
    r.code(130).stderr_has("interrupted");
    // Promptly: no statement of it left waiting, and no lock of tenantctl's held.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let waiting: i64 = sqlx::query_scalar(WAITING)
            .fetch_one(&env.pool)
            .await
            .unwrap();
        let locks: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
             AND classid IN ($1::bigint::oid, $2::bigint::oid)",
        )
        .bind(CLASS as i64)
        .bind(CLASS as i64 + 1)
        .fetch_one(&env.pool)
        .await
        .unwrap();
        if waiting == 0 && locks == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{waiting} statement(s) still waiting, {locks} advisory lock(s) still held"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.rollback().await.unwrap();
    assert!(!has_column(&env, schema, "posts", "summary").await);
}

/// Wait until `n` other sessions are trying to take the run lock (the last statement of
/// each names an advisory lock, and the test's own session holds it).
async fn run_lock_waiters(env: &Env, n: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = 'tenantctl' AND query LIKE 'SELECT pg_%advisory_lock($1, $2)'",
        )
        .fetch_one(&env.pool)
        .await
        .unwrap();
        if waiting >= n {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "they never waited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Issue 27.13: a second run waiting for the run lock must not hold a snapshot while it waits,
/// or every `CREATE INDEX CONCURRENTLY` of the run that holds the lock waits for it and times
/// out. Two runs queue behind the test's lock; whichever gets it first builds the index in
/// every tenant while the other waits, and both succeed.
#[sqlx::test(migrations = false)]
async fn a_run_waiting_for_the_lock_does_not_hold_up_a_concurrent_index_build(pool: PgPool) {
    let (env, tenants) = fleet(pool, 3).await;
    let dir = env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    std::fs::write(
        dir.join(format!("{NEW}_posts_title_idx.up.sql")),
        "-- no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS posts_title_idx ON posts (title);\n",
    )
    .unwrap();
    let dir = dir.to_str().unwrap();
    let mut holder = env.pool.acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1, 1)")
        .bind(CLASS)
        .execute(&mut *holder)
        .await
        .unwrap();
    let args = [
        "migrate",
        "--tenant-migrations",
        dir,
        "--lock-timeout",
        "2s",
        "--lock-retries",
        "0",
        "-o",
        "json",
    ];
    let first = env.spawn(&args);
    let second = env.spawn(&args);
    run_lock_waiters(&env, 2).await;
    sqlx::query("SELECT pg_advisory_unlock($1, 1)")
        .bind(CLASS)
        .execute(&mut *holder)
        .await
        .unwrap();
    let (a, b) = tokio::join!(finish(first), finish(second));
    for r in [&a, &b] {
        r.ok();
        for t in rows(&r.json()) {
            assert_ne!(t["outcome"], "failed", "{t}");
        }
    }
    let migrated: usize = [&a, &b]
        .iter()
        .map(|r| {
            rows(&r.json())
                .iter()
                .filter(|t| t["outcome"] == "migrated")
                .count()
        })
        .sum();
    assert_eq!(migrated, tenants.len() + 1, "{}\n{}", a.stdout, b.stdout);
    for schema in all_schemas(&env).await {
        assert_eq!(env.versions(&schema).await.last(), Some(&NEW));
        assert!(
            indexes(&env, &schema)
                .await
                .contains(&("posts_title_idx".into(), true))
        );
    }
}

#[sqlx::test(migrations = false)]
async fn a_second_run_waits_for_the_lock_or_exits_5_with_no_wait(pool: PgPool) {
    let (env, _) = fleet(pool, 1).await;
    let mut holder = env.pool.acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1, 1)")
        .bind(CLASS)
        .execute(&mut *holder)
        .await
        .unwrap();
    let before = env.registry_snapshot().await;
    env.run(&["migrate", "--no-wait"])
        .await
        .code(5)
        .stderr_has("another `migrate` run holds the lock (pid ");
    env.run(&["migrate", "rollback", "--to", "0", "--no-wait", "--yes"])
        .await
        .code(5);
    assert_eq!(env.registry_snapshot().await, before);
    assert_eq!(env.versions(&all_schemas(&env).await[1]).await.len(), 10);

    let child = env.spawn_with(&["migrate"], &[]);
    run_lock_waiters(&env, 1).await;
    sqlx::query("SELECT pg_advisory_unlock($1, 1)")
        .bind(CLASS)
        .execute(&mut *holder)
        .await
        .unwrap();
    let r: Run = finish(child).await;
    r.ok()
        .stderr_has("waiting for it to finish (pass --no-wait to exit instead)")
        .stdout_has("2 up to date");
}

#[sqlx::test(migrations = false)]
async fn a_failing_canary_stops_the_run_before_the_rest(pool: PgPool) {
    let (env, tenants) = fleet(pool, 3).await;
    let (canary, canary_schema) = tenants[1].clone();
    add_post(&env, &canary_schema, "bad").await;
    let dir = set_with(
        &env,
        "posts_rules",
        "ALTER TABLE posts ADD CONSTRAINT posts_title_not_bad CHECK (title <> 'bad');\n",
        "ALTER TABLE posts DROP CONSTRAINT posts_title_not_bad;\n",
    );
    let dir = dir.to_str().unwrap();
    let r = env
        .run(&[
            "migrate",
            "--tenant-migrations",
            dir,
            "--canary-tenants",
            &canary,
            "-o",
            "json",
        ])
        .await;
    r.code(1)
        .stderr_has("a canary tenant failed: the other 3 tenant(s) were not migrated");
    let v = r.json();
    assert_eq!(v["tenant_migrations"]["canary_failed"], true);
    assert_eq!(v["tenant_migrations"]["totals"]["not_started"], 3);
    assert_eq!(rows(&v).len(), 1);
    for s in all_schemas(&env).await {
        assert_eq!(env.versions(&s).await.last(), Some(&SAMPLE_LATEST), "{s}");
    }

    // --canary N: the first N tenants with work go first, then the rest.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM \"{canary_schema}\".posts"
    )))
    .execute(&env.pool)
    .await
    .unwrap();
    let r = env
        .run(&[
            "migrate",
            "--tenant-migrations",
            dir,
            "--canary",
            "2",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    let v = r.json();
    assert_eq!(
        v["tenant_migrations"]["canaries"].as_array().unwrap().len(),
        2
    );
    assert_eq!(v["tenant_migrations"]["totals"]["changed"], 4);
    let rows = rows(&v);
    assert!(rows[0]["canary"].as_bool().unwrap() && rows[1]["canary"].as_bool().unwrap());
    assert!(!rows[2]["canary"].as_bool().unwrap());
}

#[sqlx::test(migrations = false)]
async fn filters_and_dry_run_choose_what_runs_where(pool: PgPool) {
    let (env, tenants) = fleet(pool, 3).await;
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let dir = dir.to_str().unwrap();

    // --dry-run: what would run where; nothing changes.
    let r = env
        .run(&[
            "migrate",
            "--tenant-migrations",
            dir,
            "--dry-run",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    let v = r.json();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["tenant_migrations"]["totals"]["changed"], 4);
    assert!(
        rows(&v)
            .iter()
            .all(|r| r["outcome"] == "would_migrate" && r["versions"] == serde_json::json!([NEW]))
    );
    for s in all_schemas(&env).await {
        assert_eq!(env.versions(&s).await.last(), Some(&SAMPLE_LATEST));
    }

    // --tenant: only those.
    let v = env
        .run(&[
            "migrate",
            "--tenant-migrations",
            dir,
            "--tenant",
            &tenants[0].0,
            "-o",
            "json",
        ])
        .await
        .json();
    assert_eq!(v["tenant_migrations"]["totals"]["tenants"], 1);
    assert!(has_column(&env, &tenants[0].1, "posts", "summary").await);
    assert!(!has_column(&env, &tenants[1].1, "posts", "summary").await);

    // --exclude: everybody else (a comma list).
    env.run(&[
        "migrate",
        "--tenant-migrations",
        dir,
        "--exclude",
        &format!("{},Host", tenants[1].0),
    ])
    .await
    .ok()
    .stdout_has("1 migrated, 1 up to date");
    assert!(has_column(&env, &tenants[2].1, "posts", "summary").await);
    assert!(!has_column(&env, &tenants[1].1, "posts", "summary").await);

    // Unknown names are errors, not silently ignored.
    env.run(&["migrate", "--tenant", "nosuch"])
        .await
        .code(2)
        .stderr_has("platform `nosuch` not found");
    env.run(&["migrate", "--exclude", "nosuch"])
        .await
        .code(2)
        .stderr_has("platform `nosuch` not found");
    env.run(&[
        "platform",
        "create",
        "--name",
        "Pending",
        "--subdomain",
        "pending",
    ])
    .await
    .ok();
    env.run(&["migrate", "--tenant", "Pending"])
        .await
        .code(2)
        .stderr_has("platform `Pending` is not provisioned");
    // --registry-only touches no tenant.
    env.run(&["migrate", "--registry-only", "--tenant-migrations", dir])
        .await
        .code(2);
    let r = env.run(&["migrate", "--registry-only", "-o", "json"]).await;
    r.ok();
    assert_eq!(r.json()["tenant_migrations"], Value::Null);
    assert!(!has_column(&env, &tenants[1].1, "posts", "summary").await);
}

#[sqlx::test(migrations = false)]
async fn tenants_only_needs_a_migrated_registry(pool: PgPool) {
    let env = Env::new(pool);
    env.run(&["migrate", "--tenants-only"])
        .await
        .code(1)
        .stderr_has("the registry is not migrated")
        .stderr_has("tenantctl migrate --registry-only");
    env.run(&["migrate", "--registry-only"]).await.ok();
    env.run(&["migrate", "--tenants-only", "-o", "json"])
        .await
        .ok();
}

#[sqlx::test(migrations = false)]
async fn verify_lists_the_tenant_with_a_hand_made_hotfix(pool: PgPool) {
    let (env, tenants) = fleet(pool, 3).await;
    env.run(&["migrate", "verify"])
        .await
        .ok()
        .stdout_has("all 4 tenant schema(s) match the migration set");
    let (name, schema) = tenants[2].clone();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE INDEX posts_hotfix_idx ON \"{schema}\".posts (title);\n\
         ALTER TABLE \"{schema}\".people ALTER COLUMN bio SET NOT NULL;\n\
         DROP INDEX \"{schema}\".reactions_person_idx;"
    )))
    .execute(&env.pool)
    .await
    .unwrap();
    let r = env.run(&["migrate", "verify", "-o", "json"]).await;
    r.code(3);
    let v = r.json();
    assert_eq!(v["checked"], 4);
    let drifted = v["drifted"].as_array().unwrap();
    assert_eq!(drifted.len(), 1);
    assert_eq!(drifted[0]["platform"], name);
    let diffs: Vec<(String, String, String)> = drifted[0]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["change"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
                d["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        diffs,
        vec![
            ("changed".into(), "column".into(), "people.bio".into()),
            ("extra".into(), "index".into(), "posts_hotfix_idx".into()),
            (
                "missing".into(),
                "index".into(),
                "reactions_person_idx".into()
            ),
        ]
    );
    // The table names the tenant and the objects.
    env.run(&["migrate", "verify"])
        .await
        .code(3)
        .stdout_has("posts_hotfix_idx")
        .stdout_has("1 of 4 tenant schema(s) differ from the migration set");
    // A tenant that is merely behind has not drifted.
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let dir = dir.to_str().unwrap();
    env.run(&[
        "migrate",
        "--tenant-migrations",
        dir,
        "--tenant",
        &tenants[0].0,
    ])
    .await
    .ok();
    let v = env
        .run(&[
            "migrate",
            "verify",
            "--tenant-migrations",
            dir,
            "-o",
            "json",
        ])
        .await
        .json();
    assert_eq!(v["drifted"].as_array().unwrap().len(), 1);
    // Nothing of the reference is left behind.
    assert!(
        !env.schemas()
            .await
            .iter()
            .any(|s| tenantctl::rules::names::reserved_prefix(s).is_some())
    );
}

#[sqlx::test(migrations = false)]
async fn a_progress_bar_on_a_terminal_and_none_in_a_pipe(pool: PgPool) {
    let (env, _) = fleet(pool, 2).await;
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let dir = dir.to_str().unwrap();
    // In a pipe: the summary, no bar.
    let r = env
        .run(&["migrate", "--tenant-migrations", dir, "--dry-run"])
        .await;
    r.ok().stdout_has("3 would migrate");
    assert!(!r.stderr.contains("planning ["), "{}", r.stderr);
    // On a terminal (util-linux `script` gives the command a pty): the bar, then the summary.
    let script = "/usr/bin/script";
    assert!(
        std::path::Path::new(script).exists(),
        "this test needs {script} (util-linux) to run tenantctl on a terminal"
    );
    let out = tokio::process::Command::new(script)
        .args(["-qec"])
        .arg(format!(
            "'{}' migrate --tenant-migrations '{dir}'",
            crate::common::BIN
        ))
        .arg("/dev/null")
        .current_dir(env.path())
        .env("DATABASE_URL", &env.url)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .output()
        .await
        .expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("migrating tenants ["), "{text}");
    assert!(
        text.contains("3 migrated, 0 up to date, 0 failed"),
        "{text}"
    );
}

/// Two new migrations at once go through the fast path (one statement records both) and land
/// in order, recorded with their checksums; a second run has nothing to do.
#[sqlx::test(migrations = false)]
async fn two_new_migrations_at_once_are_applied_and_recorded_in_order(pool: PgPool) {
    let (env, tenants) = fleet(pool, 2).await;
    // The first one takes a while: each tracking row must carry its own migration's time.
    let slow_up = format!("{ADD_SUMMARY_UP}SELECT pg_sleep(0.15);\n");
    let dir = set_with(&env, "posts_summary", &slow_up, ADD_SUMMARY_DOWN);
    let second = NEW + 1;
    std::fs::write(
        dir.join(format!("{second}_posts_teaser.up.sql")),
        "ALTER TABLE posts ADD COLUMN teaser text;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{second}_posts_teaser.down.sql")),
        "ALTER TABLE posts DROP COLUMN teaser;\n",
    )
    .unwrap();
    let dir = dir.to_str().unwrap();
    let r = env
        .run(&["migrate", "--tenant-migrations", dir, "-o", "json"])
        .await;
    r.ok();
    let v = r.json();
    let rows = rows(&v);
    for (name, schema) in &tenants {
        let row = row(&rows, name);
        assert_eq!(row["outcome"], "migrated", "{row}");
        assert_eq!(row["versions"], serde_json::json!([NEW, second]));
        assert!(has_column(&env, schema, "posts", "summary").await);
        assert!(has_column(&env, schema, "posts", "teaser").await);
        let versions = env.versions(schema).await;
        assert_eq!(&versions[versions.len() - 2..], &[NEW, second]);
        let recorded: Vec<(i64, String, bool, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT version, description, success, execution_time FROM \"{schema}\"._sqlx_migrations \
             WHERE version >= $1 ORDER BY version"
        )))
        .bind(NEW)
        .fetch_all(&env.pool)
        .await
        .unwrap();
        assert_eq!(recorded.len(), 2);
        assert_eq!(
            (recorded[0].0, recorded[0].1.as_str(), recorded[0].2),
            (NEW, "posts summary", true)
        );
        assert_eq!(
            (recorded[1].0, recorded[1].1.as_str(), recorded[1].2),
            (second, "posts teaser", true)
        );
        assert!(recorded[0].3 >= 150_000_000, "{recorded:?}");
        assert!(
            recorded[1].3 > 0 && recorded[1].3 < 150_000_000,
            "{recorded:?}"
        );
    }
    // Recorded with the files' checksums: verify and a second run agree nothing is off.
    let again = env
        .run(&["migrate", "--tenant-migrations", dir, "-o", "json"])
        .await;
    again.ok();
    // Every tenant, the host included, unchanged.
    assert_eq!(
        again.json()["tenant_migrations"]["totals"]["unchanged"],
        tenants.len() + 1
    );
    for s in status(&env, &["--tenant-migrations", dir]).await {
        assert_eq!(s["version"], second);
        assert_eq!(s["state"], "up_to_date", "{s}");
        assert_eq!(s["drift_versions"], serde_json::json!([]));
    }
}

// ---- sqlx-cli's names (issue 16, item 11) ----

#[sqlx::test(migrations = false)]
async fn sqlx_cli_names_run_info_and_revert_one_step(pool: PgPool) {
    let (env, tenants) = fleet(pool, 2).await;
    let dir = set_with(&env, "posts_summary", ADD_SUMMARY_UP, ADD_SUMMARY_DOWN);
    let dir = dir.to_str().unwrap();
    let (t1, s1) = (&tenants[0].0, &tenants[0].1);
    let s2 = &tenants[1].1;

    // `migrate run` is plain `migrate`, flags and all.
    env.run(&["migrate", "run", "--tenant", t1, "--tenant-migrations", dir])
        .await
        .ok()
        .stdout_has("1 migrated");
    assert_eq!(env.versions(s1).await.last(), Some(&NEW));
    assert_eq!(env.versions(s2).await.last(), Some(&SAMPLE_LATEST));

    // `migrate info` is `migrate status`.
    let info = env
        .run(&["migrate", "info", "--tenant-migrations", dir, "-o", "json"])
        .await;
    info.code(0);
    let status = env
        .run(&[
            "migrate",
            "status",
            "--tenant-migrations",
            dir,
            "-o",
            "json",
        ])
        .await;
    assert_eq!(info.json(), status.json());

    // `migrate revert` without --to: one step back from the newest applied migration, asked
    // for like any rollback.
    env.run(&["migrate", "revert", "--tenant-migrations", dir])
        .await
        .code(4);
    assert_eq!(env.versions(s1).await.last(), Some(&NEW));
    env.run(&["migrate", "revert", "--tenant-migrations", dir, "--yes"])
        .await
        .ok()
        .stdout_has("1 rolled back");
    assert_eq!(env.versions(s1).await.last(), Some(&SAMPLE_LATEST));
    assert!(!has_column(&env, s1, "posts", "summary").await);
    // The tenant that never had it is untouched.
    assert_eq!(env.versions(s2).await.len(), 10);

    // Again: now every tenant is at the sample's latest, so each goes back one.
    env.run(&["migrate", "revert", "--tenant-migrations", dir, "--yes"])
        .await
        .ok();
    for s in [s1, s2] {
        assert_eq!(env.versions(s).await.last(), Some(&20260101000009));
    }
    // A migration without a down file: refused before any SQL, like `rollback --to`.
    std::fs::remove_file(std::path::Path::new(dir).join("20260101000009_create_settings.down.sql"))
        .unwrap();
    env.run(&["migrate", "revert", "--tenant-migrations", dir, "--yes"])
        .await
        .code(2)
        .stderr_has("has no down migration");
    assert_eq!(env.versions(s1).await.last(), Some(&20260101000009));
}

#[sqlx::test(migrations = false)]
async fn migrate_add_writes_a_reversible_pair_with_the_next_version(pool: PgPool) {
    let (mut env, tenants) = fleet(pool, 1).await;
    // Only the embedded set: nowhere to write.
    env.run(&["migrate", "add", "add_posts_index"])
        .await
        .code(2)
        .stderr_has("no tenant migrations folder is configured")
        .stderr_has("tenant_migrations_dir");

    let dir = env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    let before = std::fs::read_dir(&dir).unwrap().count();
    env.run(&[
        "migrate",
        "add",
        "Add Posts-Index",
        "--dir",
        dir.to_str().unwrap(),
    ])
    .await
    .code(2)
    .stderr_has("lower-case letters, digits and underscores")
    .stderr_has("try `add_posts_index`");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), before);

    // The folder from the configuration (here its environment variable).
    env.set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap());
    let r = env
        .run(&["migrate", "add", "add_posts_index", "-o", "json"])
        .await;
    r.ok();
    let v = r.json();
    let version = v["version"].as_i64().unwrap();
    let now: i64 = chrono::Utc::now()
        .format("%Y%m%d%H%M%S")
        .to_string()
        .parse()
        .unwrap();
    assert!(
        version > SAMPLE_LATEST && (now - version).abs() < 100,
        "{v}"
    );
    let up = dir.join(format!("{version}_add_posts_index.up.sql"));
    let down = dir.join(format!("{version}_add_posts_index.down.sql"));
    assert_eq!(v["up"], up.to_str().unwrap());
    assert!(up.is_file() && down.is_file());

    // A folder whose newest version is ahead of the clock: the new one still sorts last.
    std::fs::write(dir.join("20990101000000_future.up.sql"), "SELECT 1;\n").unwrap();
    std::fs::write(dir.join("20990101000000_future.down.sql"), "SELECT 1;\n").unwrap();
    env.run(&["migrate", "add", "after_future"])
        .await
        .ok()
        .stdout_has("20990101000001_after_future.up.sql");

    // What it wrote is a set tenantctl runs, and reverts.
    std::fs::write(&up, "ALTER TABLE posts ADD COLUMN summary text;\n").unwrap();
    std::fs::write(&down, "ALTER TABLE posts DROP COLUMN summary;\n").unwrap();
    env.run(&["migrate"]).await.ok();
    let schema = &tenants[0].1;
    assert!(has_column(&env, schema, "posts", "summary").await);
    assert_eq!(env.versions(schema).await.last(), Some(&20990101000001));
    env.run(&["migrate", "rollback", "--to", &version.to_string(), "--yes"])
        .await
        .ok();
    env.run(&["migrate", "revert", "--yes"]).await.ok();
    assert_eq!(env.versions(schema).await.last(), Some(&SAMPLE_LATEST));
    assert!(!has_column(&env, schema, "posts", "summary").await);
}

/// Issue 27.6: a role that may create objects in a tenant schema plants `btrim(varchar)` there;
/// a migration that retypes a column re-checks a CHECK calling `btrim(display_name)`, which now
/// resolves to the planted function. Before, it ran as tenantctl's role (a superuser here) and
/// made the planting role a superuser. Now the tenant is refused, naming the role and the
/// function, nothing runs, `doctor` names the role, and once that is repaired it migrates.
#[sqlx::test(migrations = false)]
async fn code_another_role_put_in_a_tenant_schema_never_runs_as_tenantctl(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let acme = env.tenant("Acme", "acme").await;
    let db: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let role = format!("app_{}", &db[db.len().saturating_sub(20)..]).to_lowercase();
    let q = crate::common::quote_ident;
    env.sql(&format!(
        "DROP ROLE IF EXISTS {r}; CREATE ROLE {r} NOLOGIN NOSUPERUSER; \
         GRANT USAGE, CREATE ON SCHEMA {s} TO {r}; \
         SET ROLE {r}; \
         CREATE FUNCTION {s}.btrim(varchar) RETURNS text LANGUAGE plpgsql AS $f$ \
         BEGIN EXECUTE 'ALTER ROLE {r} SUPERUSER'; RETURN pg_catalog.btrim($1::text); END $f$; \
         RESET ROLE;",
        r = q(&role),
        s = q(&acme)
    ))
    .await;
    let dir = env.path().join("tenant-migrations");
    crate::common::copy_sample_migrations(&dir);
    std::fs::write(
        dir.join("20300101000000_widen_display_name.up.sql"),
        "ALTER TABLE people ALTER COLUMN display_name TYPE varchar(200);\n",
    )
    .unwrap();
    let dir = dir.to_str().unwrap();
    let superuser = async || -> bool {
        sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = $1")
            .bind(&role)
            .fetch_one(&env.pool)
            .await
            .unwrap()
    };
    let r = env
        .run_with(
            &["migrate", "--all"],
            &[("TENANTCTL_TENANT_MIGRATIONS_DIR", dir)],
        )
        .await;
    assert_ne!(r.code, 0, "{r:?}");
    assert!(!superuser().await, "the planted function ran as tenantctl");
    r.stderr_has(&format!("refusing to run code in schema `{acme}`"))
        .stderr_has(&format!("role {role} may create objects in it"))
        .stderr_has(&format!(
            "function {acme}.btrim(character varying) belongs to role {role}"
        ));
    let version: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT max(version) FROM {}._sqlx_migrations",
        q(&acme)
    )))
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(version, Some(SAMPLE_LATEST));
    // Reports refuse the schema the same way.
    let r = env
        .run(&[
            "report",
            "query",
            "--sql",
            "SELECT count(*) FROM people",
            "-o",
            "json",
        ])
        .await;
    assert_ne!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("refusing to run code") || r.stderr.contains("refusing to run code"),
        "{r:?}"
    );
    // doctor names the role.
    let r = env.run(&["doctor", "-o", "json"]).await;
    assert!(r.stdout.contains("tenant-code"), "{r:?}");
    assert!(
        r.stdout
            .contains(&format!("role {role} may create objects in it")),
        "{r:?}"
    );

    // Repaired: the function goes, the grant is revoked; the migration runs.
    env.sql(&format!(
        "DROP FUNCTION {s}.btrim(varchar); REVOKE CREATE ON SCHEMA {s} FROM {r}; DROP OWNED BY {r}; DROP ROLE {r}",
        r = q(&role),
        s = q(&acme)
    ))
    .await;
    env.run_with(
        &["migrate", "--all"],
        &[("TENANTCTL_TENANT_MIGRATIONS_DIR", dir)],
    )
    .await
    .ok();
}

/// Issue 29: the fingerprint finds a schema's objects through pg_depend's index, not by scanning
/// pg_class, pg_type, pg_proc and pg_constraint per tenant. It must read exactly what the scan
/// read: here every kind of object, one moved in and one moved out by SET SCHEMA, beside a
/// second schema holding objects of the same names.
#[sqlx::test(migrations = false)]
async fn the_fingerprint_reads_exactly_what_a_scan_of_the_catalog_reads(pool: PgPool) {
    let objects = r#"
        CREATE SCHEMA fp_a; CREATE SCHEMA fp_b;
        SET search_path = fp_a;
        CREATE TYPE mood AS ENUM ('a', 'b');
        CREATE DOMAIN posint AS int CHECK (VALUE > 0) NOT NULL;
        CREATE TYPE pair AS (x int, y text);
        CREATE TYPE fr AS RANGE (subtype = float8);
        CREATE TABLE people (id bigserial PRIMARY KEY, name text NOT NULL DEFAULT 'x' CHECK (length(name) < 100),
            m mood, n posint, g int GENERATED ALWAYS AS (n * 2) STORED,
            idn int GENERATED BY DEFAULT AS IDENTITY, c text COLLATE "C");
        CREATE TABLE posts (id serial PRIMARY KEY, person_id bigint REFERENCES people (id), body text,
            UNIQUE (person_id, body));
        CREATE INDEX posts_body ON posts (lower(body));
        ALTER TABLE posts ADD CONSTRAINT body_len CHECK (length(body) < 1000) NOT VALID;
        CREATE VIEW v AS SELECT id, name FROM people;
        CREATE MATERIALIZED VIEW mv AS SELECT count(*) FROM posts;
        CREATE INDEX mv_i ON mv (count);
        CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + 1';
        CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = fp_a
            AS 'BEGIN RETURN NEW; END';
        CREATE TRIGGER tg BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION trg();
        CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';
        CREATE TABLE parted (id int, k int) PARTITION BY RANGE (k);
        CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
        CREATE SEQUENCE s1;
        CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY);
        CREATE TABLE leaves (id int PRIMARY KEY);
        SET search_path = fp_b;
        CREATE TABLE people (id int PRIMARY KEY, extra text);
        CREATE TYPE arrives AS ENUM ('z');
        CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a';
        ALTER TABLE fp_a.leaves SET SCHEMA fp_b;
        ALTER TYPE fp_b.arrives SET SCHEMA fp_a;
    "#;
    sqlx::raw_sql(objects).execute(&pool).await.unwrap();
    // The query as it was: each catalog filtered by its namespace column.
    let scan = r#"
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = $1)
SELECT kind, name, detail FROM (
    SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          WHEN 'f' THEN 'foreign table' END AS kind,
           c.relname::text AS name,
           CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true)
                WHEN c.relkind = 'p' THEN 'partitioned by ' || pg_get_partkeydef(c.oid)
                ELSE '' END AS detail
    FROM pg_class c JOIN ns ON c.relnamespace = ns.oid
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relname <> '_sqlx_migrations'
  UNION ALL
    SELECT 'column', c.relname || '.' || a.attname,
           format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
           || CASE a.attidentity WHEN 'a' THEN ' generated always as identity'
                                 WHEN 'd' THEN ' generated by default as identity' ELSE '' END
           || CASE WHEN a.attgenerated = 's' THEN ' generated always as (' || pg_get_expr(d.adbin, d.adrelid, true) || ') stored'
                   WHEN d.adbin IS NOT NULL THEN ' default ' || pg_get_expr(d.adbin, d.adrelid, true)
                   ELSE '' END
           || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                   THEN ' collate ' || co.collname ELSE '' END
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN ns ON c.relnamespace = ns.oid
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
      AND c.relname <> '_sqlx_migrations'
  UNION ALL
    SELECT 'index', i.relname, pg_get_indexdef(i.oid, 0, true)
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class c ON c.oid = x.indrelid
    JOIN ns ON c.relnamespace = ns.oid
    WHERE c.relname <> '_sqlx_migrations'
  UNION ALL
    SELECT 'constraint', coalesce(c.relname, ty.typname) || '.' || k.conname,
           pg_get_constraintdef(k.oid, true)
    FROM pg_constraint k
    JOIN ns ON k.connamespace = ns.oid
    LEFT JOIN pg_class c ON c.oid = k.conrelid
    LEFT JOIN pg_type ty ON ty.oid = k.contypid
    WHERE coalesce(c.relname, '') <> '_sqlx_migrations'
  UNION ALL
    SELECT 'trigger', c.relname || '.' || tg.tgname, pg_get_triggerdef(tg.oid, true)
    FROM pg_trigger tg
    JOIN pg_class c ON c.oid = tg.tgrelid
    JOIN ns ON c.relnamespace = ns.oid
    WHERE NOT tg.tgisinternal
  UNION ALL
    SELECT 'function', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
           p.prokind::text || ' returns ' || coalesce(pg_get_function_result(p.oid), '-')
           || ' language ' || l.lanname || ' ' || p.provolatile::text
           || CASE WHEN p.prosecdef THEN ' security definer' ELSE '' END
           || coalesce(' set ' || array_to_string(p.proconfig, ', '), '')
           || ' body md5 ' || md5(coalesce(p.prosrc, ''))
    FROM pg_proc p
    JOIN ns ON p.pronamespace = ns.oid
    JOIN pg_language l ON l.oid = p.prolang
  UNION ALL
    SELECT 'type', t.typname,
           CASE t.typtype
             WHEN 'e' THEN 'enum (' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                                        FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
             WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod)
                           || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
             WHEN 'r' THEN 'range'
             ELSE 'composite' END
    FROM pg_type t
    JOIN ns ON t.typnamespace = ns.oid
    WHERE t.typtype IN ('e', 'd', 'r')
       OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
) f
ORDER BY kind, name, detail
"#;
    for schema in ["fp_a", "fp_b"] {
        let name = tenantctl::db::SchemaName::parse(schema).unwrap();
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SET LOCAL search_path = {schema}"
        )))
        .execute(&mut *tx)
        .await
        .unwrap();
        let ours = tenantctl::migrate::verify::fingerprint(&mut tx, &name)
            .await
            .unwrap();
        let scanned: Vec<(String, String, String)> = sqlx::query_as(scan)
            .bind(schema)
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        let ours: Vec<(String, String, String)> = ours
            .into_iter()
            .map(|o| (o.kind, o.name, o.detail))
            .collect();
        assert_eq!(ours, scanned, "{schema}");
        assert!(
            ours.len() > if schema == "fp_a" { 50 } else { 5 },
            "{ours:?}"
        );
    }
}
