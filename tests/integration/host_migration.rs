//! migrate-host-to-schema against legacy data in public: related tables, a few thousand rows,
//! sequences in use.

use crate::common::Env;
use sqlx::{AssertSqlSafe, PgPool};
use tenantctl::db::locks::{RunLock, RunLockGuard};

const TABLES: &[&str] = &[
    "people",
    "communities",
    "roles",
    "memberships",
    "role_assignments",
    "posts",
    "comments",
    "reactions",
    "settings",
    "notifications",
];

/// The sample schema, created in public the way a pre-tenancy application had it, with rows.
async fn legacy(env: &Env) {
    let set = tenantctl::migrate::MigrationSet::embedded();
    let mut tx = env.pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('search_path', 'public', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    for m in set.ups() {
        sqlx::raw_sql(m.sql.clone())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::raw_sql(
        "INSERT INTO people (email, display_name) SELECT 'person' || i || '@legacy.test', 'Person ' || i FROM generate_series(1, 1000) i;
         INSERT INTO communities (name, slug) SELECT 'Community ' || i, 'community-' || i FROM generate_series(1, 20) i;
         INSERT INTO memberships (community_id, person_id) SELECT 1 + (i % 20), i FROM generate_series(1, 1000) i;
         INSERT INTO posts (community_id, author_id, title, body) SELECT 1 + (i % 20), 1 + (i % 1000), 'Post ' || i, 'Body ' || i FROM generate_series(1, 1500) i;
         INSERT INTO comments (post_id, author_id, body) SELECT 1 + (i % 1500), 1 + (i % 1000), 'Comment ' || i FROM generate_series(1, 3000) i;",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A fingerprint of a table's rows.
async fn fingerprint(pool: &PgPool, schema: &str, table: &str) -> String {
    sqlx::query_scalar::<_, String>(AssertSqlSafe(format!(
        "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \"{schema}\".\"{table}\" t"
    )))
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn fingerprints(pool: &PgPool, schema: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in TABLES {
        out.push(format!("{t}={}", fingerprint(pool, schema, t).await));
    }
    out
}

async fn host_schema(env: &Env) -> String {
    sqlx::query_scalar("SELECT schema_name FROM public.platforms WHERE host")
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

async fn fresh_backup_record(env: &Env) {
    sqlx::query(
        "INSERT INTO tenantctl.backups (platform_name, schema_name, backup_id, storage, location, taken_at, size_bytes, sha256) \
         VALUES ('public', 'public', 'b1', 'local', '/tmp/x', now() - interval '1 hour', 1, 'x')",
    )
    .execute(&env.pool)
    .await
    .unwrap();
}

/// Legacy data in public, then `init` (which provisions and seeds the host schema).
async fn setup(pool: PgPool) -> Env {
    let env = Env::new(pool);
    legacy(&env).await;
    env.init().await;
    env
}

#[sqlx::test(migrations = false)]
async fn copies_everything_verified_and_drops_public_only_when_asked(pool: PgPool) {
    let env = setup(pool).await;
    // The pre-flight wants a fresh backup of public: take one for real.
    env.run(&["backup", "--public"]).await.ok();
    let schema = host_schema(&env).await;
    let public_before = fingerprints(&env.pool, "public").await;
    let tenant_before = fingerprints(&env.pool, &schema).await;

    // Dry run: the checks and the plan, nothing changes.
    let r = env
        .run(&["migrate-host-to-schema", "--dry-run", "--truncate-targets"])
        .await;
    r.ok().stdout_has("PASS").stdout_has("plan (dry run");
    let order: Vec<usize> = ["people", "posts", "comments"]
        .iter()
        .map(|t| r.stdout.find(&format!(" {t} ")).unwrap())
        .collect();
    assert!(order[0] < order[1] && order[1] < order[2], "{}", r.stdout);
    assert_eq!(fingerprints(&env.pool, &schema).await, tenant_before);

    // No CONFIRM=yes: refused, exit 4, nothing changed.
    env.run(&["migrate-host-to-schema", "--truncate-targets"])
        .await
        .code(4)
        .stderr_has("requires TENANTCTL_CONFIRM=yes");
    assert_eq!(fingerprints(&env.pool, &schema).await, tenant_before);

    let r = env
        .run_with(
            &["migrate-host-to-schema", "--truncate-targets", "-o", "json"],
            &[("CONFIRM", "yes")],
        )
        .await;
    r.ok();
    let v = r.json();
    let copied = v["tables"].as_array().unwrap();
    assert_eq!(copied.len(), TABLES.len());
    for t in copied {
        assert_eq!(t["status"], "verified");
        assert_eq!(t["rows_public"], t["rows_copied"]);
    }
    // Counts and contents equal, table by table; public untouched.
    assert_eq!(fingerprints(&env.pool, &schema).await, public_before);
    assert_eq!(fingerprints(&env.pool, "public").await, public_before);
    // Foreign keys hold.
    let orphans: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT (SELECT count(*) FROM \"{schema}\".comments c LEFT JOIN \"{schema}\".posts p ON p.id = c.post_id WHERE p.id IS NULL) \
              + (SELECT count(*) FROM \"{schema}\".posts p LEFT JOIN \"{schema}\".communities c ON c.id = p.community_id WHERE c.id IS NULL)"
    )))
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
    // The trigger-maintained counter was copied, not recomputed twice.
    let total: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT sum(comments_count)::int8 FROM \"{schema}\".posts"
    )))
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(total, 3000);
    // A new row gets an id past the copied ones.
    let id: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "INSERT INTO \"{schema}\".people (email, display_name) VALUES ('new@tenant.test', 'New') RETURNING id"
    )))
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(id > 1000, "{id}");
    let maintenance: bool =
        sqlx::query_scalar("SELECT maintenance FROM public.platforms WHERE host")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert!(!maintenance);

    // Drop: its own confirmation, re-verified, then gone (the registry stays).
    env.run(&["migrate-host-to-schema", "--drop-public"])
        .await
        .code(4);
    assert!(env.schemas().await.contains(&"public".to_string()));
    let r = env
        .run_with(
            &["migrate-host-to-schema", "--drop-public"],
            &[("CONFIRM", "yes")],
        )
        .await;
    r.ok().stdout_has("dropped 10 public table(s)");
    let left: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(left, vec!["platforms"]);
}

#[sqlx::test(migrations = false)]
async fn a_failure_half_way_leaves_both_sides_as_they_were(pool: PgPool) {
    let env = setup(pool).await;
    fresh_backup_record(&env).await;
    let schema = host_schema(&env).await;
    // comments are copied late; this constraint rejects some of them.
    sqlx::raw_sql(AssertSqlSafe(format!(
        "ALTER TABLE \"{schema}\".comments ADD CONSTRAINT no_nines CHECK (body NOT LIKE '%9')"
    )))
    .execute(&env.pool)
    .await
    .unwrap();
    let public_before = fingerprints(&env.pool, "public").await;
    let tenant_before = fingerprints(&env.pool, &schema).await;
    env.run_with(
        &["migrate-host-to-schema", "--truncate-targets"],
        &[("CONFIRM", "yes")],
    )
    .await
    .code(1)
    .stderr_has("copying table comments failed")
    .stderr_has("no_nines")
    .stderr_has("nothing changed");
    assert_eq!(fingerprints(&env.pool, "public").await, public_before);
    assert_eq!(fingerprints(&env.pool, &schema).await, tenant_before);
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM tenantctl.host_migrations")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(runs, 0);
    let maintenance: bool =
        sqlx::query_scalar("SELECT maintenance FROM public.platforms WHERE host")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert!(!maintenance);
}

#[sqlx::test(migrations = false)]
async fn each_failed_precondition_is_refused_with_its_reason(pool: PgPool) {
    let env = setup(pool).await;
    let schema = host_schema(&env).await;
    let tenant_before = fingerprints(&env.pool, &schema).await;
    let confirm = [("CONFIRM", "yes")];

    // No recent backup.
    env.run_with(&["migrate-host-to-schema", "--truncate-targets"], &confirm)
        .await
        .code(4)
        .stdout_has("FAIL")
        .stderr_has("recent backup");
    // An old backup is not enough either.
    sqlx::query(
        "INSERT INTO tenantctl.backups (platform_name, schema_name, backup_id, storage, location, taken_at, size_bytes, sha256) \
         VALUES ('public', 'public', 'old', 'local', '/tmp/x', now() - interval '3 days', 1, 'x')",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    env.run_with(&["migrate-host-to-schema", "--truncate-targets"], &confirm)
        .await
        .code(4)
        .stderr_has("recent backup");
    fresh_backup_record(&env).await;

    // The seeded host schema is not empty.
    env.run_with(&["migrate-host-to-schema"], &confirm)
        .await
        .code(4)
        .stderr_has("target tables empty");

    // A queued job.
    sqlx::query("INSERT INTO tenantctl.jobs (kind, platform_id, platform_name) VALUES ('provision', 1, 'Host')")
        .execute(&env.pool)
        .await
        .unwrap();
    env.run_with(&["migrate-host-to-schema", "--truncate-targets"], &confirm)
        .await
        .code(4)
        .stderr_has("no jobs queued or running");
    sqlx::query("DELETE FROM tenantctl.jobs")
        .execute(&env.pool)
        .await
        .unwrap();

    // A public table without a covering counterpart; --tables leaves it out.
    sqlx::raw_sql("CREATE TABLE public.legacy_audit (id int, what text); ALTER TABLE public.people ADD COLUMN nickname text;")
        .execute(&env.pool)
        .await
        .unwrap();
    let r = env
        .run_with(&["migrate-host-to-schema", "--truncate-targets"], &confirm)
        .await;
    r.code(4).stderr_has("tenant tables cover public tables");
    assert!(
        r.stdout.contains("legacy_audit: no table of that name"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("column nickname is missing"),
        "{}",
        r.stdout
    );
    assert_eq!(fingerprints(&env.pool, &schema).await, tenant_before);

    env.run_with(
        &[
            "migrate-host-to-schema",
            "--truncate-targets",
            "--tables",
            "communities,posts",
            "--dry-run",
        ],
        &confirm,
    )
    .await
    .ok();
    env.run(&["migrate-host-to-schema", "--tables", "nope"])
        .await
        .code(2)
        .stderr_has("not in public: nope");
    assert_eq!(fingerprints(&env.pool, &schema).await, tenant_before);
}

/// Issue 15.16: `--truncate-targets` empties the targets together with the tenant tables that
/// reference them when those are empty, and refuses in the pre-flight, naming the table, when
/// one of them holds rows.
#[sqlx::test(migrations = false)]
async fn truncate_targets_takes_empty_referencing_tables_along_and_refuses_full_ones(pool: PgPool) {
    let env = setup(pool).await;
    fresh_backup_record(&env).await;
    let schema = host_schema(&env).await;
    let confirm = [("CONFIRM", "yes")];
    // The seeded communities and roles are referenced by memberships, posts and
    // role_assignments, which are not copied here.
    let only = [
        "migrate-host-to-schema",
        "--truncate-targets",
        "--tables",
        "communities,roles",
    ];

    // A post in the host schema: emptying communities would take it along. Refused up front.
    sqlx::raw_sql(AssertSqlSafe(format!(
        "INSERT INTO \"{schema}\".people (email, display_name) VALUES ('a@host.test', 'A');
         INSERT INTO \"{schema}\".posts (community_id, author_id, title) \
         SELECT c.id, p.id, 'kept' FROM \"{schema}\".communities c, \"{schema}\".people p LIMIT 1;"
    )))
    .execute(&env.pool)
    .await
    .unwrap();
    let before = fingerprints(&env.pool, &schema).await;
    let r = env.run_with(&only, &confirm).await;
    r.code(4).stdout_has("FAIL");
    assert!(
        r.stdout.contains(&format!("{schema}.posts (1 rows)")),
        "{}",
        r.stdout
    );
    assert_eq!(fingerprints(&env.pool, &schema).await, before);

    // Without it, the empty referencing tables are emptied along and the copy succeeds.
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DELETE FROM \"{schema}\".posts; DELETE FROM \"{schema}\".people;"
    )))
    .execute(&env.pool)
    .await
    .unwrap();
    let r = env.run_with(&only, &[("CONFIRM", "yes")]).await;
    r.ok();
    assert_eq!(
        fingerprint(&env.pool, &schema, "communities").await,
        fingerprint(&env.pool, "public", "communities").await
    );
    assert_eq!(
        fingerprint(&env.pool, &schema, "roles").await,
        fingerprint(&env.pool, "public", "roles").await
    );
}

/// Whether some session holds the run lock `key` of tenantctl's class.
async fn run_lock_held(pool: &PgPool, key: i32) -> bool {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2)",
    )
    .bind(i64::from(tenantctl::db::locks::CLASS))
    .bind(i64::from(key))
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The run lock lives on a connection of its own and goes with its guard. It used to be held
/// on a pooled connection that went back to the pool still holding it: the next run (another
/// process) was refused as busy although nothing ran.
#[sqlx::test(migrations = false)]
async fn the_run_lock_names_its_holder_and_goes_with_its_guard(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let key = RunLock::HostMigration as i32;
    let guard = RunLockGuard::try_acquire(&env.pool, RunLock::HostMigration)
        .await
        .unwrap();
    assert!(run_lock_held(&env.pool, key).await);
    env.run(&["migrate-host-to-schema", "--dry-run"])
        .await
        .code(5)
        .stderr_has("another migrate-host-to-schema run holds the lock (pid ");
    drop(guard);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while run_lock_held(&env.pool, key).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the run lock is still held after its guard was dropped"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = env.run(&["migrate-host-to-schema", "--dry-run"]).await;
    assert_ne!(r.code, 5, "{}", r.stderr);
}
