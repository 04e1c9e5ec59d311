//! Synchronous provisioning: one transaction, nothing left behind on failure, retry works.

use crate::common::{Env, copy_sample_migrations};
use sqlx::PgPool;

#[sqlx::test(migrations = false)]
async fn provision_creates_migrates_and_seeds_one_schema(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let schema = env.tenant("Acme Corp", "acme").await;
    let p = env
        .run(&["platform", "show", "acme corp", "-o", "json"])
        .await;
    p.ok();
    let v = p.json();
    assert_eq!(v["provision_status"], "completed");
    assert!(v["provisioned_at"].is_string());

    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = $1 ORDER BY 1",
    )
    .bind(&schema)
    .fetch_all(&env.pool)
    .await
    .unwrap();
    for t in [
        "_sqlx_migrations",
        "communities",
        "people",
        "posts",
        "settings",
    ] {
        assert!(tables.iter().any(|x| x == t), "{t} missing from {tables:?}");
    }
    // Seeds read the platform's facts from settings.
    let community: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT name FROM \"{schema}\".communities"
    )))
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(community, "Acme Corp Community");
    let applied: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM \"{schema}\"._sqlx_migrations WHERE success"
    )))
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(
        applied as usize,
        tenantctl::migrate::MigrationSet::embedded().len()
    );

    // A second provision is a no-op.
    env.run(&["provision", "acme corp"])
        .await
        .ok()
        .stdout_has("already provisioned");
}

#[sqlx::test(migrations = false)]
async fn a_failing_migration_leaves_no_schema_and_retry_completes(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    let dir = env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    // Half-way through: a statement that works, then one that fails.
    std::fs::write(
        dir.join("20990101000001_broken.up.sql"),
        "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("20990101000001_broken.down.sql"),
        "DROP TABLE half_done;\n",
    )
    .unwrap();
    env.set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap());
    let r = env
        .run(&[
            "platform",
            "create",
            "--name",
            "Acme",
            "--subdomain",
            "acme",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    let schema = r.json()["schema"].as_str().unwrap().to_string();

    env.run(&["provision", "acme"])
        .await
        .code(1)
        .stderr_has("migration 20990101000001 (broken) failed")
        .stderr_has("no_such_table");
    assert!(!env.schemas().await.contains(&schema), "schema left behind");
    let v = env
        .run(&["platform", "show", "acme", "-o", "json"])
        .await
        .json();
    assert_eq!(v["provision_status"], "failed");
    assert!(
        v["provision_error"]
            .as_str()
            .unwrap()
            .contains("no_such_table")
    );

    // Fix the migration and retry.
    std::fs::write(
        dir.join("20990101000001_broken.up.sql"),
        "CREATE TABLE half_done (id int);\n",
    )
    .unwrap();
    env.run(&["provision", "acme"]).await.ok();
    assert!(env.schemas().await.contains(&schema));
    let v = env
        .run(&["platform", "show", "acme", "-o", "json"])
        .await
        .json();
    assert_eq!(v["provision_status"], "completed");
    assert_eq!(v["provision_error"], serde_json::Value::Null);
}

/// Provisioning runs migrations through the same runner as `migrate`, so its errors say the
/// same: PostgreSQL's message with the line in the migration file, and what a lock timeout
/// means.
#[sqlx::test(migrations = false)]
async fn a_failing_migration_says_its_line_and_a_lock_timeout_like_migrate_does(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    let dir = env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    let up = dir.join("20990101000001_broken.up.sql");
    std::fs::write(
        &up,
        "CREATE TABLE half_done (id int);\nALTER TABLE posts ADD COLUMN summary text;\nALTR TABLE posts DROP COLUMN title;\n",
    )
    .unwrap();
    env.set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap());
    env.run(&[
        "platform",
        "create",
        "--name",
        "Acme",
        "--subdomain",
        "acme",
    ])
    .await
    .ok();
    let syntax =
        "migration 20990101000001 (broken) failed: syntax error at or near \"ALTR\" (at line 3)";
    env.run(&["provision", "acme"])
        .await
        .code(1)
        .stderr_has(syntax);
    let error = provision_error(&env, "acme").await;
    assert!(error.contains(syntax), "{error}");

    // A table the migration needs, locked by an application transaction.
    sqlx::query("CREATE TABLE public.shared_lookup (id int)")
        .execute(&env.pool)
        .await
        .unwrap();
    std::fs::write(
        &up,
        "SET LOCAL lock_timeout = '200ms';\nLOCK TABLE public.shared_lookup IN ACCESS EXCLUSIVE MODE;\n",
    )
    .unwrap();
    let mut app = env.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE public.shared_lookup IN ACCESS SHARE MODE")
        .execute(&mut *app)
        .await
        .unwrap();
    let note = "(another transaction holds a lock this migration needs; lock_timeout expired)";
    env.run(&["provision", "acme"])
        .await
        .code(1)
        .stderr_has("canceling statement due to lock timeout")
        .stderr_has(note);
    let error = provision_error(&env, "acme").await;
    assert!(error.contains(note), "{error}");
    app.rollback().await.unwrap();
}

async fn provision_error(env: &Env, platform: &str) -> String {
    env.run(&["platform", "show", platform, "-o", "json"])
        .await
        .json()["provision_error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[sqlx::test(migrations = false)]
async fn tenant_tables_never_fall_through_to_public(pool: PgPool) {
    let env = Env::new(pool);
    // A legacy `posts` table in public with a different shape must not satisfy tenant SQL.
    sqlx::raw_sql(
        "CREATE TABLE public.posts (legacy_id int); INSERT INTO public.posts VALUES (1);",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    env.init().await;
    let schema = env.tenant("Acme", "acme").await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM public.posts")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let cols: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'posts'",
    )
    .bind(&schema)
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert!(cols.iter().any(|c| c == "community_id"), "{cols:?}");

    // A tenant transaction sees only its own schema: `public` is not on the search path.
    let s = tenantctl::db::SchemaName::parse(&schema).unwrap();
    let mut tx = env.pool.begin().await.unwrap();
    tenantctl::db::set_tenant(&mut tx, &s, None).await.unwrap();
    let err = sqlx::query("SELECT * FROM platforms")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    drop(tx);
    // The search path does not outlive the transaction on the pooled connection.
    let path: String = sqlx::query_scalar("SHOW search_path")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert!(!path.contains(&schema), "{path}");
}

#[sqlx::test(migrations = false)]
async fn external_platforms_are_not_provisioned(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
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
    let schemas = env.schemas().await;
    env.run(&["provision", "Ext"])
        .await
        .code(2)
        .stderr_has("external");
    assert_eq!(env.schemas().await, schemas);
}
