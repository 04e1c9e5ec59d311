//! Backups to a local folder: taking them (one tenant, the fleet in batches, stale ones),
//! listing, fetching, verifying, restoring, retention, and the automation rules (lock,
//! notification, growth warning). S3 is in `backup_s3.rs`, faults in `backup_faults.rs`.

use crate::common::Env;
use serde_json::Value;
use sqlx::PgPool;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// `init` plus tenants with fixed schema names, provisioned.
pub async fn fleet(env: &Env, tenants: &[(&str, &str)]) {
    env.init().await;
    for (name, schema) in tenants {
        let sub = name.to_lowercase();
        env.run(&[
            "platform",
            "create",
            "--name",
            name,
            "--subdomain",
            &sub,
            "--schema",
            schema,
        ])
        .await
        .ok();
        env.run(&["provision", name]).await.ok();
    }
}

pub fn manifest_path(env: &Env, schema: &str, id: &str) -> std::path::PathBuf {
    env.backups().join(schema).join(format!("{id}.json"))
}

pub fn dump_path(env: &Env, schema: &str, id: &str) -> std::path::PathBuf {
    env.backups().join(schema).join(format!("{id}.dump"))
}

pub fn read_manifest(env: &Env, schema: &str, id: &str) -> Value {
    serde_json::from_slice(&std::fs::read(manifest_path(env, schema, id)).unwrap()).unwrap()
}

/// The one backup id in a `backup -o json` summary for `schema`.
pub fn id_of(summary: &Value, schema: &str) -> String {
    summary
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["schema"] == schema)
        .unwrap_or_else(|| panic!("{schema} not in {summary}"))["backup_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{schema} has no backup id: {summary}"))
        .to_string()
}

/// The tenant schemas `pg_restore --list` names in a dump (every schema here is `tenant_*`).
pub async fn schemas_in_dump(env: &Env, dump: &Path) -> Vec<String> {
    let r = env
        .run_program("pg_restore", &["--list", dump.to_str().unwrap()])
        .await;
    r.ok();
    let mut out: Vec<String> = r
        .stdout
        .lines()
        .filter(|l| !l.starts_with(';'))
        .flat_map(|l| l.split_whitespace())
        .filter(|w| w.starts_with("tenant_"))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn exact_counts(env: &Env, schema: &str) -> serde_json::Map<String, Value> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND relkind = 'r' ORDER BY 1",
    )
    .bind(schema)
    .fetch_all(&env.pool)
    .await
    .unwrap();
    let mut m = serde_json::Map::new();
    for t in tables {
        m.insert(t.clone(), Value::from(env.count(schema, &t).await));
    }
    m
}

#[sqlx::test(migrations = false)]
async fn a_backup_holds_exactly_its_schema_with_a_complete_manifest(pool: PgPool) {
    let env = Env::new(pool);
    // `tenant_t1` is a prefix of `tenant_t10`: the pattern must not pick that up.
    fleet(&env, &[("T1", "tenant_t1"), ("T10", "tenant_t10")]).await;
    env.fill("tenant_t1", 50, 100).await;
    let r = env.run(&["backup", "T1", "-o", "json"]).await;
    r.ok();
    let summary = r.json();
    assert_eq!(summary.as_array().unwrap().len(), 1);
    assert_eq!(summary[0]["status"], "ok");
    let id = id_of(&summary, "tenant_t1");

    let dump = dump_path(&env, "tenant_t1", &id);
    assert_eq!(schemas_in_dump(&env, &dump).await, ["tenant_t1"]);
    assert!(!env.backups().join("tenant_t10").exists());

    let m = read_manifest(&env, "tenant_t1", &id);
    let bytes = std::fs::read(&dump).unwrap();
    use sha2::Digest;
    assert_eq!(m["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
    assert_eq!(m["size_bytes"], bytes.len());
    assert_eq!(m["schema"], "tenant_t1");
    assert_eq!(m["platform_name"], "T1");
    assert_eq!(m["id"], id);
    assert!(m["taken_at"].as_str().unwrap().ends_with('Z'));
    assert!(m["pg_dump_version"].as_str().unwrap().starts_with("15"));
    assert!(m["server_version"].as_str().unwrap().starts_with("15"));
    let latest = tenantctl::migrate::MigrationSet::embedded()
        .ups()
        .map(|m| m.version)
        .max();
    assert_eq!(m["migration_version"].as_i64(), latest);
    assert_eq!(
        m["row_counts"].as_object().unwrap(),
        &exact_counts(&env, "tenant_t1").await
    );

    // Private files and folders.
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dump), 0o600);
    assert_eq!(mode(&manifest_path(&env, "tenant_t1", &id)), 0o600);
    assert_eq!(mode(&env.backups().join("tenant_t1")), 0o700);

    // The registry knows.
    let (last, size): (Option<chrono::DateTime<chrono::Utc>>, Option<i64>) = sqlx::query_as(
        "SELECT last_backup_at, schema_size_bytes FROM public.platforms WHERE name = 'T1'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(
        last.unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        chrono::DateTime::parse_from_rfc3339(m["taken_at"].as_str().unwrap())
            .unwrap()
            .to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    );
    let real: i64 = sqlx::query_scalar(
        "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c JOIN pg_namespace n \
         ON n.oid = c.relnamespace WHERE n.nspname = 'tenant_t1' AND c.relkind = 'r'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(size, Some(real));
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tenantctl.backups WHERE schema_name = 'tenant_t1' AND backup_id = $1 AND sha256 = $2",
    )
    .bind(&id)
    .bind(m["sha256"].as_str().unwrap())
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(recorded, 1);

    // Listed, and fetched with its checksum verified.
    let l = env.run(&["backup", "list", "T1", "-o", "json"]).await;
    l.ok();
    let rows = l.json();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["backup_id"], id);
    assert_eq!(rows[0]["sha256"], m["sha256"]);
    assert_eq!(rows[0]["migration_version"], m["migration_version"]);
    assert!(rows[0]["problem"].is_null());
    let to = env.path().join("copy.dump");
    env.run(&["backup", "get", "T1", &id, "--to", to.to_str().unwrap()])
        .await
        .ok();
    assert_eq!(std::fs::read(&to).unwrap(), bytes);
}

#[sqlx::test(migrations = false)]
async fn the_fleet_is_dumped_in_batches_and_each_tenant_restores_alone(pool: PgPool) {
    let env = Env::new(pool);
    fleet(
        &env,
        &[("A", "tenant_a"), ("B", "tenant_b"), ("C", "tenant_c")],
    )
    .await;
    env.fill("tenant_a", 20, 64).await;
    env.fill("tenant_b", 30, 64).await;
    // Batches of two: the host and three tenants make two pg_dump runs.
    let r = env
        .run(&["backup", "--all", "--batch-size", "2", "-o", "json"])
        .await;
    r.ok();
    let s = r.json();
    let rows = s.as_array().unwrap();
    assert_eq!(rows.len(), 4, "{s}");
    assert!(rows.iter().all(|o| o["status"] == "ok"), "{s}");
    let mut batch_sizes: Vec<i64> = rows
        .iter()
        .map(|o| o["batch_schemas"].as_i64().unwrap())
        .collect();
    batch_sizes.sort();
    assert_eq!(batch_sizes, [2, 2, 2, 2]);

    // Each per-tenant dump is a standalone archive of its own schema.
    for schema in ["tenant_a", "tenant_b", "tenant_c"] {
        let id = id_of(&s, schema);
        assert_eq!(
            schemas_in_dump(&env, &dump_path(&env, schema, &id)).await,
            [schema]
        );
        assert_eq!(
            read_manifest(&env, schema, &id)["row_counts"]
                .as_object()
                .unwrap(),
            &exact_counts(&env, schema).await
        );
    }

    // Change two tenants, restore one: only that one goes back.
    let b_people = env.count("tenant_b", "people").await;
    let c_people = env.count("tenant_c", "people").await;
    env.fill("tenant_b", 5, 10).await;
    env.fill("tenant_c", 7, 10).await;
    env.run(&["backup", "verify", "B"]).await.ok();
    let r = env
        .run(&["restore", "B", "--latest", "--yes", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["replaced"], true);
    assert_eq!(env.count("tenant_b", "people").await, b_people);
    assert_eq!(env.count("tenant_c", "people").await, c_people + 7);
    assert!(!env.schemas().await.iter().any(|s| s.starts_with("tctl_")));
    let (maintenance, status): (bool, String) = sqlx::query_as(
        "SELECT maintenance, provision_status FROM public.platforms WHERE name = 'B'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(!maintenance);
    assert_eq!(status, "completed");
}

#[sqlx::test(migrations = false)]
async fn stale_picks_only_tenants_without_a_recent_backup(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a"), ("B", "tenant_b")]).await;
    env.run(&["backup", "--all"]).await.ok();
    let r = env
        .run(&["backup", "--all", "--stale", "24h", "-o", "json"])
        .await;
    r.ok().stderr_has("nothing to back up");
    assert_eq!(r.json(), serde_json::json!([]));
    sqlx::query(
        "UPDATE public.platforms SET last_backup_at = now() - interval '2 days' WHERE name = 'B'",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let r = env
        .run(&["backup", "--all", "--stale", "24h", "-o", "json"])
        .await;
    r.ok();
    let s = r.json();
    assert_eq!(s.as_array().unwrap().len(), 1, "{s}");
    assert_eq!(s[0]["platform"], "B");
    assert_eq!(
        std::fs::read_dir(env.backups().join("tenant_b"))
            .unwrap()
            .count(),
        4,
        "two backups of B, each a dump and a manifest"
    );
}

#[sqlx::test(migrations = false)]
async fn restore_asks_first_then_replaces_or_keeps_the_old_schema(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    env.run(&["backup", "A"]).await.ok();
    env.fill("tenant_a", 3, 10).await;
    let before = env.count("tenant_a", "people").await;
    let snapshot = env.registry_snapshot().await;

    // No terminal, no --yes: refused, nothing changed, and it said what would be lost.
    let r = env.run(&["restore", "A"]).await;
    r.code(4)
        .stderr_has("it replaces the current schema")
        .stderr_has("is lost")
        .stderr_has("pass --yes or set TENANTCTL_CONFIRM=yes");
    assert_eq!(env.count("tenant_a", "people").await, before);
    assert_eq!(env.registry_snapshot().await, snapshot);

    // CONFIRM=yes and --keep-old: the old schema stays under the printed name.
    let r = env
        .run_with(
            &["restore", "A", "--keep-old", "-o", "json"],
            &[("CONFIRM", "yes")],
        )
        .await;
    r.ok();
    let old = r.json()["kept_old_as"].as_str().unwrap().to_string();
    assert_eq!(env.count("tenant_a", "people").await, before - 3);
    assert_eq!(env.count(&old, "people").await, before);

    // A schema that is gone altogether comes back too.
    sqlx::query("DROP SCHEMA tenant_a CASCADE")
        .execute(&env.pool)
        .await
        .unwrap();
    let r = env.run(&["restore", "A", "--yes", "-o", "json"]).await;
    r.ok();
    assert_eq!(r.json()["replaced"], false);
    assert_eq!(env.count("tenant_a", "people").await, before - 3);
}

#[sqlx::test(migrations = false)]
async fn verify_restores_out_of_sight_and_reports_mismatches(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a"), ("B", "tenant_b")]).await;
    env.fill("tenant_a", 10, 10).await;
    let r = env.run(&["backup", "--all", "-o", "json"]).await;
    r.ok();
    let id = id_of(&r.json(), "tenant_a");
    let before = env.schemas().await;
    let r = env.run(&["backup", "verify", "A", &id, "-o", "json"]).await;
    r.ok();
    let v = r.json();
    assert_eq!(v[0]["ok"], true, "{v}");
    assert_eq!(
        v[0]["rows"].as_u64(),
        Some(
            exact_counts(&env, "tenant_a")
                .await
                .values()
                .map(|v| v.as_u64().unwrap())
                .sum()
        )
    );
    assert_eq!(env.schemas().await, before, "no scratch schema stays");

    // Every tenant's latest, or a sample of them.
    let r = env.run(&["backup", "verify", "--all", "-o", "json"]).await;
    r.ok();
    assert_eq!(r.json().as_array().unwrap().len(), 3);
    let r = env
        .run(&["backup", "verify", "--all", "--sample", "2", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json().as_array().unwrap().len(), 2);

    // A manifest that promises other row counts does not verify.
    let p = manifest_path(&env, "tenant_a", &id);
    let mut m: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    m["row_counts"]["people"] = Value::from(m["row_counts"]["people"].as_u64().unwrap() + 1);
    std::fs::write(&p, serde_json::to_vec(&m).unwrap()).unwrap();
    let r = env.run(&["backup", "verify", "A", "--latest"]).await;
    r.code(1).stderr_has("does not verify").stdout_has("FAILED");
    let r = env.run(&["backup", "verify", "--all"]).await;
    r.code(3);
}

/// Write a copy of backup `id` as if taken at `at`.
fn backdate(env: &Env, schema: &str, id: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let new_id = tenantctl::backup::manifest::backup_id(at);
    let mut m = read_manifest(env, schema, id);
    m["id"] = Value::from(new_id.clone());
    m["taken_at"] = Value::from(at.to_rfc3339());
    m["dump"] = Value::from(format!("{new_id}.dump"));
    std::fs::copy(dump_path(env, schema, id), dump_path(env, schema, &new_id)).unwrap();
    std::fs::write(
        manifest_path(env, schema, &new_id),
        serde_json::to_vec(&m).unwrap(),
    )
    .unwrap();
    new_id
}

#[sqlx::test(migrations = false)]
async fn cleanup_keeps_what_the_policy_says_and_never_the_newest(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let newest = id_of(&r.json(), "tenant_a");
    let taken: chrono::DateTime<chrono::Utc> = read_manifest(&env, "tenant_a", &newest)["taken_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = chrono::Utc::now();
    let days = |d: i64| now - chrono::Duration::days(d);
    // Same day as the newest (the older one loses), 3 days, 40 days and 400 days back.
    let same_day = backdate(
        &env,
        "tenant_a",
        &newest,
        taken - chrono::Duration::milliseconds(1),
    );
    let d3 = backdate(&env, "tenant_a", &newest, days(3));
    let d40 = backdate(&env, "tenant_a", &newest, days(40));
    let d400 = backdate(&env, "tenant_a", &newest, days(400));
    // A half-written file of a killed run, a day and a half old.
    let stale_tmp = env.backups().join("tenant_a").join(".x.dump.tmp-1-2");
    std::fs::write(&stale_tmp, b"half").unwrap();
    env.run_program(
        "touch",
        &["-d", "36 hours ago", stale_tmp.to_str().unwrap()],
    )
    .await
    .ok();

    let r = env
        .run(&[
            "cleanup",
            "A",
            "--dry-run",
            "--keep-daily",
            "2",
            "--keep-weekly",
            "0",
            "--keep-monthly",
            "0",
            "-o",
            "json",
        ])
        .await;
    r.ok().stderr_has("would remove leftover");
    let plan = r.json();
    let action = |id: &str| {
        plan.as_array()
            .unwrap()
            .iter()
            .find(|r| r["backup_id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {plan}"))["action"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(action(&newest), "keep");
    assert_eq!(action(&same_day), "delete");
    assert_eq!(action(&d3), "keep");
    assert_eq!(action(&d40), "delete");
    assert_eq!(action(&d400), "delete");
    assert!(
        plan.as_array()
            .unwrap()
            .iter()
            .any(|r| r["reason"] == "newest, daily"),
        "{plan}"
    );
    assert_eq!(
        std::fs::read_dir(env.backups().join("tenant_a"))
            .unwrap()
            .count(),
        11,
        "dry run deletes nothing"
    );

    // Without confirmation: refused.
    env.run(&[
        "cleanup",
        "A",
        "--keep-daily",
        "2",
        "--keep-weekly",
        "0",
        "--keep-monthly",
        "0",
    ])
    .await
    .code(4);
    // Default policy: 7 daily keeps all four days; monthly adds nothing new; the same-day
    // older one goes.
    let r = env.run(&["cleanup", "--all", "--yes", "-o", "json"]).await;
    r.ok();
    let ids: Vec<String> = {
        let l = env.run(&["backup", "list", "A", "-o", "json"]).await;
        l.ok();
        l.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["backup_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids, [newest.clone(), d3.clone(), d40.clone(), d400.clone()]);
    assert!(!stale_tmp.exists(), "the leftover of a killed run is gone");

    // A policy that keeps nothing is refused; one day keeps only the newest.
    env.run(&[
        "cleanup",
        "A",
        "--yes",
        "--keep-daily",
        "0",
        "--keep-weekly",
        "0",
        "--keep-monthly",
        "0",
    ])
    .await
    .code(2);
    env.run(&[
        "cleanup",
        "A",
        "--yes",
        "--keep-daily",
        "1",
        "--keep-weekly",
        "0",
        "--keep-monthly",
        "0",
    ])
    .await
    .ok();
    let l = env.run(&["backup", "list", "A", "-o", "json"]).await;
    l.ok();
    assert_eq!(l.json().as_array().unwrap().len(), 1);
    assert_eq!(l.json()[0]["backup_id"], newest);
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tenantctl.backups WHERE schema_name = 'tenant_a'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(rows, 1);
}

#[sqlx::test(migrations = false)]
async fn runs_do_not_overlap_and_failures_reach_the_administrators(pool: PgPool) {
    let mut env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a"), ("B", "tenant_b")]).await;

    // Another run holds the lock: a timer-started run exits 5 at once.
    let mut holder = env.pool.acquire().await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1, $2)")
        .bind(tenantctl::db::locks::CLASS)
        .bind(tenantctl::db::locks::RunLock::Backup as i32)
        .execute(&mut *holder)
        .await
        .unwrap();
    env.run(&["backup", "--all"])
        .await
        .code(5)
        .stderr_has("holds the backup lock");
    env.run(&["cleanup", "--all", "--yes"]).await.code(5);
    sqlx::query("SELECT pg_advisory_unlock_all()")
        .execute(&mut *holder)
        .await
        .unwrap();
    drop(holder);

    // One tenant's schema is gone: the others are backed up, exit 3, and without a mail
    // server the notice goes to the log.
    sqlx::query("DROP SCHEMA tenant_b CASCADE")
        .execute(&env.pool)
        .await
        .unwrap();
    env.set("TENANTCTL_BACKUP_GROWTH_WARN_FACTOR", "1000");
    let r = env.run(&["backup", "--all", "-o", "json"]).await;
    r.code(3)
        .stderr_has("backups failed")
        .stderr_has("tenant_b")
        .stderr_has("1 of 3 tenants failed");
    let s = r.json();
    let b = s
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["schema"] == "tenant_b")
        .unwrap();
    assert_eq!(b["status"], "failed");
    assert!(
        b["error"].as_str().unwrap().contains("does not exist"),
        "{b}"
    );
    assert!(
        s.as_array()
            .unwrap()
            .iter()
            .filter(|o| o["status"] == "ok")
            .count()
            == 2
    );
}

#[sqlx::test(migrations = false)]
async fn a_tenant_that_fails_its_batch_fails_alone(pool: PgPool) {
    let mut env = Env::new(pool);
    fleet(
        &env,
        &[("A", "tenant_a"), ("B", "tenant_b"), ("C", "tenant_c")],
    )
    .await;
    // A migration holds B's table exclusively: pg_dump of any batch with B gives up after
    // the lock wait timeout; the batch is then split until B is alone. One batch of all four
    // makes the halves [A, B] and [C, host], then [A] and [B].
    let mut tx = env.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE tenant_b.posts IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await
        .unwrap();
    env.set("TENANTCTL_BACKUP_LOCK_WAIT_TIMEOUT", "1s");
    let r = env
        .run(&["backup", "--all", "--batch-size", "4", "-o", "json"])
        .await;
    r.code(3);
    tx.rollback().await.unwrap();
    let s = r.json();
    for o in s.as_array().unwrap() {
        if o["schema"] == "tenant_b" {
            assert_eq!(o["status"], "failed", "{s}");
            // pg_dump gives up on the lock: "canceling statement due to statement timeout".
            assert!(
                o["error"].as_str().unwrap().contains("pg_dump failed"),
                "{s}"
            );
        } else {
            assert_eq!(o["status"], "ok", "{s}");
            let want = if o["schema"] == "tenant_a" { 1 } else { 2 };
            assert_eq!(
                o["batch_schemas"], want,
                "dumped in a half of the batch: {s}"
            );
        }
    }
    assert!(
        !env.backups().join("tenant_b").exists()
            || std::fs::read_dir(env.backups().join("tenant_b"))
                .unwrap()
                .next()
                .is_none()
    );
    // Once the lock is gone, B backs up in one batch with the others.
    let r = env.run(&["backup", "--all", "-o", "json"]).await;
    r.ok();
}

#[sqlx::test(migrations = false)]
async fn a_schema_that_grew_past_the_factor_is_warned_about(pool: PgPool) {
    let mut env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    env.run(&["backup", "A"]).await.ok();
    env.fill("tenant_a", 2000, 1000).await;
    env.set("TENANTCTL_BACKUP_GROWTH_WARN_FACTOR", "1.5");
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok().stderr_has("schema grew");
    assert!(
        r.json()[0]["warning"]
            .as_str()
            .unwrap()
            .contains("since its last backup")
    );
    // No growth since: no warning.
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    assert!(r.json()[0]["warning"].is_null());
}

#[sqlx::test(migrations = false)]
async fn bad_input_is_refused_before_anything_runs(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    env.run(&["backup"]).await.code(2);
    env.run(&["backup", "A", "--all"]).await.code(2);
    env.run(&["backup", "nobody"])
        .await
        .code(2)
        .stderr_has("platform `nobody` not found");
    env.run(&["backup", "get", "A", "../../etc/passwd", "--to", "x"])
        .await
        .code(2)
        .stderr_has("is not a backup id");
    env.run(&["restore", "A", "--backup", "20990101T000000.000Z", "--yes"])
        .await
        .code(1)
        .stderr_has("not found");
    env.run(&["restore", "A", "--yes"])
        .await
        .code(1)
        .stderr_has("has no backups");
    assert!(!env.backups().join("tenant_a").exists());
}

#[sqlx::test(migrations = false)]
async fn public_is_backed_up_for_the_host_migration(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    sqlx::query("CREATE TABLE public.legacy_posts (id int PRIMARY KEY, title text)")
        .execute(&env.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO public.legacy_posts SELECT g, 't' || g FROM generate_series(1, 42) g")
        .execute(&env.pool)
        .await
        .unwrap();
    let r = env.run(&["backup", "--public", "-o", "json"]).await;
    r.ok();
    let id = id_of(&r.json(), "public");
    let m = read_manifest(&env, "public", &id);
    assert_eq!(m["row_counts"]["legacy_posts"], 42);
    assert_eq!(m["platform_id"], 0);
    assert_eq!(
        schemas_in_dump(&env, &dump_path(&env, "public", &id)).await,
        Vec::<String>::new()
    );
    let listing = env
        .run_program(
            "pg_restore",
            &["--list", dump_path(&env, "public", &id).to_str().unwrap()],
        )
        .await;
    assert!(
        listing.stdout.contains("TABLE DATA public legacy_posts"),
        "{}",
        listing.stdout
    );
    // What `migrate-host-to-schema` looks for: a recent row for schema `public`.
    let (n, platform): (i64, Option<i64>) = sqlx::query_as(
        "SELECT count(*), max(platform_id) FROM tenantctl.backups WHERE schema_name = 'public' AND taken_at > now() - interval '1 hour'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!((n, platform), (1, None));
    let l = env.run(&["backup", "list", "--public", "-o", "json"]).await;
    l.ok();
    assert_eq!(l.json()[0]["backup_id"], id);
    let to = env.path().join("public.dump");
    env.run(&[
        "backup",
        "get",
        "--public",
        &id,
        "--to",
        to.to_str().unwrap(),
    ])
    .await
    .ok();
    assert!(to.exists());
    // The tenant's own backups and the registry row of A are untouched by it.
    assert!(!env.backups().join("tenant_a").exists());
    env.run(&["backup", "--public", "A"]).await.code(2);
}

#[sqlx::test(migrations = false)]
async fn restoring_an_older_backup_brings_the_migration_status_along(pool: PgPool) {
    let mut env = Env::new(pool);
    fleet(&env, &[("A", "t_a")]).await;
    env.run(&["backup", "A"]).await.ok();
    // A new migration, applied after the backup.
    let dir = env.path().join("tenant-migrations");
    crate::common::copy_sample_migrations(&dir);
    std::fs::write(
        dir.join("20990101000001_flag.up.sql"),
        "ALTER TABLE posts ADD COLUMN flagged boolean NOT NULL DEFAULT false;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("20990101000001_flag.down.sql"),
        "ALTER TABLE posts DROP COLUMN flagged;\n",
    )
    .unwrap();
    env.set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap());
    env.run(&["migrate"]).await.ok();
    let status = |r: &crate::common::Run| -> Value {
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["platform"] == "A")
            .unwrap()
            .clone()
    };
    let before = status(env.run(&["migrate", "status", "-o", "json"]).await.ok());
    assert_eq!(before["version"], 20990101000001_i64);
    assert_eq!(before["recorded_version"], 20990101000001_i64);

    env.run(&["restore", "A", "--latest", "--yes"]).await.ok();
    let after = status(env.run(&["migrate", "status", "-o", "json"]).await.ok());
    assert_eq!(after["state"], "behind", "{after}");
    assert_eq!(after["version"], after["recorded_version"], "{after}");
    assert_ne!(after["version"], 20990101000001_i64);
    // And `migrate` brings it forward again.
    env.run(&["migrate"]).await.ok();
    let again = status(env.run(&["migrate", "status", "-o", "json"]).await.ok());
    assert_eq!(again["version"], 20990101000001_i64);
}

/// The command lines of every running process whose command line mentions `needle`.
fn cmdlines_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in dir.flatten() {
        if let Ok(raw) = std::fs::read(e.path().join("cmdline")) {
            let line = String::from_utf8_lossy(&raw).replace('\0', " ");
            if line.contains(needle) {
                found.push(line);
            }
        }
    }
    found
}

/// Issue 15.13: a database password, in the user part of the URL or as `?password=`, never
/// reaches a child process's command line (what `ps` shows every user): pg_dump gets its
/// connection from the environment. A role with a password (the test server trusts loopback,
/// so the password is carried, not checked), and a pg_dump that takes a second, so the test
/// sees it running in /proc.
#[sqlx::test(migrations = false)]
async fn passwords_never_reach_pg_dump_argv(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    let db: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let role = format!("pw_{}", &db[db.len().saturating_sub(20)..]).to_lowercase();
    let password = "Pw-h6-SeCrEt-4711";
    env.sql(&format!(
        "DROP ROLE IF EXISTS \"{role}\"; CREATE ROLE \"{role}\" LOGIN SUPERUSER PASSWORD '{password}'"
    ))
    .await;
    // pg_dump (and the others) through a wrapper that waits a second first.
    let bin = env.path().join("pgbin");
    std::fs::create_dir_all(&bin).unwrap();
    let real = std::env::var("PG_BINDIR").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    for tool in ["pg_dump", "pg_restore"] {
        let p = bin.join(tool);
        std::fs::write(
            &p,
            format!("#!/bin/sh\nsleep 1\nexec {real}/{tool} \"$@\"\n"),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    env.set("TENANTCTL_BACKUP_PG_BIN_DIR", bin.to_str().unwrap());
    let base = url::Url::parse(&env.url).unwrap();
    let host = base.host_str().unwrap().to_string();
    let port = base.port().unwrap_or(5432);
    let urls = [
        format!("postgres://{role}:{password}@{host}:{port}/{db}"),
        format!("postgres://{role}@{host}:{port}/{db}?password={password}&sslmode=disable"),
    ];
    let marker = bin.join("pg_dump").to_string_lossy().into_owned();
    for url in &urls {
        let child = env.spawn_with(&["backup", "--all"], &[("DATABASE_URL", url)]);
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            let now = cmdlines_with(&marker);
            if !now.is_empty() {
                seen.extend(now);
                // And once more when pg_dump itself runs (after the wrapper's exec).
                tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
                seen.extend(cmdlines_with("--format=custom"));
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let r = crate::common::finish(child).await;
        r.ok();
        assert!(!seen.is_empty(), "pg_dump was never seen running");
        for line in &seen {
            assert!(!line.contains(password), "password in argv: {line}");
        }
        assert!(!r.stderr.contains(password) && !r.stdout.contains(password));
    }
    env.sql(&format!("DROP ROLE IF EXISTS \"{role}\"")).await;
}

/// Issue 15.8: a backup dated in the future (clock skew, a copied manifest) never counts as the
/// newest: retention keeps today's real backup, and the future one is flagged.
#[sqlx::test(migrations = false)]
async fn a_future_dated_backup_never_counts_as_the_newest(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let real = id_of(&r.json(), "tenant_a");
    let now = chrono::Utc::now();
    let earlier = backdate(&env, "tenant_a", &real, now - chrono::Duration::days(2));
    let future = backdate(&env, "tenant_a", &real, now + chrono::Duration::days(3));
    let policy = [
        "--keep-daily",
        "1",
        "--keep-weekly",
        "0",
        "--keep-monthly",
        "0",
    ];
    let mut args = vec!["cleanup", "A", "--dry-run", "-o", "json"];
    args.extend(policy);
    let r = env.run(&args).await;
    r.ok();
    let plan = r.json();
    let row = |id: &str| {
        plan.as_array()
            .unwrap()
            .iter()
            .find(|r| r["backup_id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {plan}"))
            .clone()
    };
    assert_eq!(row(&real)["action"], "keep", "{plan}");
    assert_eq!(row(&real)["reason"], "newest, daily", "{plan}");
    assert_eq!(row(&earlier)["action"], "delete", "{plan}");
    assert_eq!(row(&future)["action"], "keep", "{plan}");
    assert_eq!(row(&future)["reason"], "future-dated", "{plan}");

    let mut args = vec!["cleanup", "A", "--yes"];
    args.extend(policy);
    env.run(&args).await.ok();
    let l = env.run(&["backup", "list", "A", "-o", "json"]).await;
    l.ok();
    let listed = l.json();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["backup_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [future.as_str(), real.as_str()]);
    assert_eq!(listed[0]["future"], true);
    assert_eq!(listed[1]["future"], false);
    let l = env.run(&["backup", "list", "A"]).await;
    l.ok().stdout_has("in the future");

    // `restore`/`verify` "latest" is the newest backup that is not in the future.
    let r = env.run(&["backup", "verify", "A", "-o", "json"]).await;
    r.ok();
    assert_eq!(r.json()[0]["backup_id"], real.as_str());

    // `status` flags it, and its date never makes the platform look freshly backed up.
    sqlx::query(
        "INSERT INTO tenantctl.backups (platform_id, platform_name, schema_name, backup_id, storage, \
         location, taken_at, size_bytes, sha256) SELECT id, name, schema_name, $1, 'local', 'x', \
         now() + interval '3 days', 1, 'x' FROM public.platforms WHERE name = 'A'",
    )
    .bind(&future)
    .execute(&env.pool)
    .await
    .unwrap();
    env.sql(
        "UPDATE tenantctl.backups SET taken_at = now() - interval '3 days' WHERE backup_id <> (SELECT max(backup_id) FROM tenantctl.backups); \
         UPDATE public.platforms SET last_backup_at = now() + interval '3 days' WHERE name = 'A'",
    )
    .await;
    let s = env.run(&["status", "-o", "json"]).await;
    s.ok();
    let b = s.json()["backups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["platform"] == "A")
        .cloned()
        .unwrap();
    assert_eq!(b["future_backups"], 1, "{b}");
    assert_eq!(b["state"], "stale", "{b}");
    env.run(&["status"])
        .await
        .ok()
        .stdout_has("dated in the future");

    // A policy that keeps nothing is refused, as restic refuses it.
    env.run(&[
        "cleanup",
        "A",
        "--yes",
        "--keep-daily",
        "0",
        "--keep-weekly",
        "0",
        "--keep-monthly",
        "0",
    ])
    .await
    .code(2)
    .stderr_has("keeps nothing");
}

/// Issue 16.11: restic's `--keep-last`, `--keep-yearly` and `--keep-within` (counted back from
/// the newest backup), also from the configuration; `backup list` without a name lists every
/// platform's backups.
#[sqlx::test(migrations = false)]
async fn cleanup_knows_keep_last_yearly_and_within_and_list_shows_the_fleet(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a"), ("B", "tenant_b")]).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let newest = id_of(&r.json(), "tenant_a");
    let taken: chrono::DateTime<chrono::Utc> = read_manifest(&env, "tenant_a", &newest)["taken_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let h = |n: i64| taken - chrono::Duration::hours(n);
    let h30 = backdate(&env, "tenant_a", &newest, h(30));
    let h50 = backdate(&env, "tenant_a", &newest, h(50));
    let y1 = backdate(
        &env,
        "tenant_a",
        &newest,
        taken - chrono::Duration::days(400),
    );
    let y1b = backdate(
        &env,
        "tenant_a",
        &newest,
        taken - chrono::Duration::days(410),
    );
    env.run(&["backup", "B"]).await.ok();

    let plan = |extra: &'static [&'static str]| {
        let env = &env;
        async move {
            let mut args = vec![
                "cleanup",
                "A",
                "--dry-run",
                "-o",
                "json",
                "--keep-daily",
                "0",
                "--keep-weekly",
                "0",
                "--keep-monthly",
                "0",
            ];
            args.extend(extra);
            let r = env.run(&args).await;
            r.ok();
            let mut kept: Vec<(String, String)> = r
                .json()
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["action"] == "keep")
                .map(|r| {
                    (
                        r["backup_id"].as_str().unwrap().to_string(),
                        r["reason"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            kept.sort();
            kept
        }
    };
    let pair = |id: &str, why: &str| (id.to_string(), why.to_string());
    assert_eq!(
        plan(&["--keep-last", "2"]).await,
        [pair(&h30, "last"), pair(&newest, "newest, last")]
    );
    // Within 2 days of the newest backup (not of now): 30 h back is in, 50 h back is out.
    assert_eq!(
        plan(&["--keep-within", "2d"]).await,
        [pair(&h30, "within"), pair(&newest, "newest, within")]
    );
    // Yearly: the newest of this year and of the year before that have backups.
    let yearly = plan(&["--keep-yearly", "2"]).await;
    use chrono::Datelike;
    if h(50).year() == taken.year() {
        // (Not in the first days of January, when 50 hours back is last year.)
        assert!(yearly.contains(&pair(&y1, "yearly")), "{yearly:?}");
        assert!(!yearly.iter().any(|(id, _)| id == &y1b || id == &h50));
    }
    // The same from the configuration file; a bad duration there or on the command line is a
    // usage error naming the format.
    env.write(
        "tenantctl.toml",
        "[backup]\nkeep_within = \"1d7h\"\nkeep_last = 0\n",
    );
    assert_eq!(
        plan(&[]).await,
        [pair(&h30, "within"), pair(&newest, "newest, within")]
    );
    env.run(&["cleanup", "A", "--dry-run", "--keep-within", "2w"])
        .await
        .code(2)
        .stderr_has("1y5m7d2h");
    env.write("tenantctl.toml", "[backup]\nkeep_within = \"soon\"\n");
    env.run(&["cleanup", "A", "--dry-run"])
        .await
        .code(2)
        .stderr_has("backup.keep_within");
    std::fs::remove_file(env.path().join("tenantctl.toml")).unwrap();

    // `backup list` without a name: every platform's backups, each row naming its platform.
    let r = env.run(&["backup", "list", "-o", "json"]).await;
    r.ok();
    let rows = r.json();
    let of = |p: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["platform"] == p)
            .count()
    };
    assert_eq!(
        (of("A"), of("B"), rows.as_array().unwrap().len()),
        (5, 1, 6)
    );
    assert_eq!(rows[0]["schema"], "tenant_a");
    let r = env.run(&["backup", "list"]).await;
    r.ok()
        .stdout_has("platform")
        .stderr_has("6 backups of 2 platforms");
}

/// Issue 16.12: the monthly `verify --all --sample N` samples among platforms that have
/// backups; a platform never backed up is reported apart, not as a failure.
#[sqlx::test(migrations = false)]
async fn verify_samples_only_backed_up_platforms(pool: PgPool) {
    let env = Env::new(pool);
    fleet(
        &env,
        &[("A", "tenant_a"), ("B", "tenant_b"), ("New", "tenant_new")],
    )
    .await;
    env.run(&["backup", "A"]).await.ok();
    env.run(&["backup", "B"]).await.ok();
    let r = env
        .run(&["backup", "verify", "--all", "--sample", "5", "-o", "json"])
        .await;
    r.ok()
        .stderr_has("never backed up (not verified): Host, New");
    let names = |r: &crate::common::Run| -> Vec<String> {
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["platform"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&r), ["A", "B"]);
    for _ in 0..3 {
        let r = env
            .run(&["backup", "verify", "--all", "--sample", "1", "-o", "json"])
            .await;
        r.ok();
        let got = names(&r);
        assert!(got == ["A"] || got == ["B"], "{got:?}");
    }
    // Without --sample too; a backup that does not verify still fails the run.
    env.run(&["backup", "verify", "--all"]).await.ok();
    let dump = std::fs::read_dir(env.backups().join("tenant_b"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "dump"))
        .unwrap();
    let mut bytes = std::fs::read(&dump).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&dump, bytes).unwrap();
    env.run(&["backup", "verify", "--all"]).await.code(3);
}

/// Issue 15.9: an archive newer than the local pg_restore or the target server can read is
/// refused (exit 4) before anything changes, naming both versions; a newer archive format is
/// "written by a newer pg_dump", not "damaged".
#[sqlx::test(migrations = false)]
async fn restore_refuses_an_archive_newer_than_what_reads_it(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let id = id_of(&r.json(), "tenant_a");
    env.fill("tenant_a", 3, 10).await;
    let before = env.count("tenant_a", "people").await;
    let snapshot = env.registry_snapshot().await;
    let local = env.run_program("pg_restore", &["--version"]).await;
    let local_major = local
        .stdout
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .to_string();
    let path = manifest_path(&env, "tenant_a", &id);
    let original = std::fs::read(&path).unwrap();
    let forge = |field: &str, value: &str| {
        let mut m: Value = serde_json::from_slice(&original).unwrap();
        m[field] = Value::from(value);
        std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    };
    let unchanged = |r: &crate::common::Run| {
        assert!(!r.stderr.contains("damaged"), "{}", r.stderr);
        assert!(!r.stderr.contains("maintenance"), "{}", r.stderr);
    };

    // A dump by pg_dump 99 cannot be read by this pg_restore.
    forge("pg_dump_version", "99.1");
    let r = env.run(&["restore", "A", "--yes"]).await;
    r.code(4)
        .stderr_has("written by pg_dump 99.1")
        .stderr_has(&format!("pg_restore {local_major}."))
        .stderr_has("nothing was changed");
    unchanged(&r);
    assert_eq!(env.count("tenant_a", "people").await, before);
    assert_eq!(env.registry_snapshot().await, snapshot);
    // verify says so too, as a failed verification.
    env.run(&["backup", "verify", "A"])
        .await
        .code(1)
        .stdout_has("written by pg_dump 99.1");

    // A dump of a PostgreSQL 99 server does not go into this older server.
    forge("server_version", "99.0 (Debian 99.0-1)");
    let r = env.run(&["restore", "A", "--yes"]).await;
    r.code(4)
        .stderr_has("dumped from PostgreSQL 99.0")
        .stderr_has(&format!("PostgreSQL {local_major}."));
    unchanged(&r);

    // The archive header itself says a newer format: refused as newer, not as damaged.
    std::fs::write(&path, &original).unwrap();
    let dump = dump_path(&env, "tenant_a", &id);
    let mut bytes = std::fs::read(&dump).unwrap();
    assert_eq!(&bytes[..5], b"PGDMP");
    bytes[6] = 99;
    std::fs::write(&dump, &bytes).unwrap();
    use sha2::Digest;
    let mut m: Value = serde_json::from_slice(&original).unwrap();
    m["sha256"] = Value::from(hex::encode(sha2::Sha256::digest(&bytes)));
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    let r = env.run(&["restore", "A", "--yes"]).await;
    r.code(4)
        .stderr_has("written by a newer pg_dump")
        .stderr_has("archive version 1.99");
    unchanged(&r);
    assert_eq!(env.count("tenant_a", "people").await, before);
    assert_eq!(env.registry_snapshot().await, snapshot);
}

/// Issue 15.11: a tenant whose tables use a type or a function of another schema backs up with
/// a warning, and its manifest records the schemas it needs.
#[sqlx::test(migrations = false)]
async fn a_tenant_using_another_schemas_objects_is_warned_about(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a"), ("B", "tenant_b")]).await;
    env.sql(
        "CREATE SCHEMA shared_types; CREATE TYPE shared_types.mood AS ENUM ('ok', 'meh');
         CREATE SCHEMA shared_fns;
         CREATE FUNCTION shared_fns.default_mood() RETURNS text LANGUAGE sql AS $$ SELECT 'ok' $$;
         ALTER TABLE tenant_a.people ADD COLUMN mood shared_types.mood;
         ALTER TABLE tenant_a.people ADD COLUMN mood_text text DEFAULT shared_fns.default_mood();",
    )
    .await;
    let r = env.run(&["backup", "--all", "-o", "json"]).await;
    r.ok().stderr_has("shared_fns, shared_types");
    let out = r.json();
    let of = |schema: &str| {
        out.as_array()
            .unwrap()
            .iter()
            .find(|o| o["schema"] == schema)
            .unwrap()
            .clone()
    };
    let w = of("tenant_a")["warning"].as_str().unwrap().to_string();
    assert!(
        w.contains("uses objects of schema(s) shared_fns, shared_types"),
        "{w}"
    );
    assert!(of("tenant_b")["warning"].is_null(), "{out}");
    let m = read_manifest(&env, "tenant_a", &id_of(&out, "tenant_a"));
    assert_eq!(
        m["depends_on_schemas"],
        serde_json::json!(["shared_fns", "shared_types"])
    );
    let m = read_manifest(&env, "tenant_b", &id_of(&out, "tenant_b"));
    assert_eq!(m["depends_on_schemas"], serde_json::json!([]));
    // Where a needed schema is missing, restore refuses before anything changes.
    env.sql("ALTER SCHEMA shared_fns RENAME TO shared_fns_elsewhere")
        .await;
    let snapshot = env.registry_snapshot().await;
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("uses objects of schema(s) shared_fns that this database lacks");
    assert_eq!(env.registry_snapshot().await, snapshot);
    env.run(&["restore", "B", "--yes"]).await.ok();
}

/// Issue 17: a pg_dump newer than the archive reader must not stop backups. A pg_dump "from
/// the future" (the real one, its archive header saying 1.17) makes tenantctl warn, naming the
/// version, and store one archive per schema as pg_dump wrote it.
#[sqlx::test(migrations = false)]
async fn an_archive_newer_than_the_reader_falls_back_to_one_dump_per_schema(pool: PgPool) {
    let mut env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a"), ("B", "tenant_b")]).await;
    env.fill("tenant_a", 3, 10).await;
    let real = std::process::Command::new("sh")
        .args(["-c", "command -v pg_dump"])
        .output()
        .unwrap();
    let real = String::from_utf8(real.stdout).unwrap().trim().to_string();
    assert!(!real.is_empty(), "pg_dump on PATH");
    let bin = tempfile::tempdir().unwrap();
    let wrapper = bin.path().join("pg_dump");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/bash\n\
             # The real pg_dump, its archive version (bytes 6 and 7) raised to 1.17.\n\
             set -o pipefail\n\
             if [ \"$1\" = --version ]; then exec {real} \"$@\"; fi\n\
             {real} \"$@\" | {{ dd bs=1 count=5 status=none; dd bs=1 count=2 status=none >/dev/null; printf '\\001\\021'; cat; }}\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.set("TENANTCTL_BACKUP_PG_BIN_DIR", bin.path().to_str().unwrap());

    let r = env.run(&["backup", "A", "B", "-o", "json"]).await;
    r.ok()
        .stderr_has("archive version 1.17")
        .stderr_has("falling back to one pg_dump per schema");
    let summary = r.json();
    for schema in ["tenant_a", "tenant_b"] {
        let id = id_of(&summary, schema);
        let dump = dump_path(&env, schema, &id);
        let mut bytes = std::fs::read(&dump).unwrap();
        assert_eq!(&bytes[..7], b"PGDMP\x01\x11", "stored as pg_dump wrote it");
        let m = read_manifest(&env, schema, &id);
        use sha2::Digest;
        assert_eq!(m["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
        assert_eq!(m["size_bytes"], bytes.len());
        assert_eq!(m["archive_version"], "1.17");
        assert!(
            m["pg_dump_version"].as_str().unwrap().starts_with("15"),
            "{m}"
        );
        // With the true version back (pg_dump 15 writes 1.14), pg_restore reads exactly this
        // one schema: a per-schema dump, not a batch.
        bytes[6] = 14;
        let real_version = bin.path().join(format!("{schema}.dump"));
        std::fs::write(&real_version, &bytes).unwrap();
        assert_eq!(schemas_in_dump(&env, &real_version).await, [schema]);
    }
}

/// Issue 29: every pg_dump runs with tenantctl's session settings (`enable_mergejoin = off`,
/// which keeps pg_dump's own catalog queries linear on a grown fleet), and an operator's own
/// `PGOPTIONS` still reaches the server beside them: here a time zone, which shows in the
/// dumped rows.
#[sqlx::test(migrations = false)]
async fn pg_dump_runs_with_our_settings_and_the_operators_pgoptions(pool: PgPool) {
    let mut env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    // pg_dump through a wrapper that first asks the server, with pg_dump's own environment,
    // what its session's settings are.
    let bin = env.path().join("pgbin");
    std::fs::create_dir_all(&bin).unwrap();
    let real = std::env::var("PG_BINDIR").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into());
    let seen = env.path().join("seen.txt");
    std::fs::write(
        bin.join("pg_dump"),
        format!(
            "#!/bin/sh\n[ \"$1\" = --version ] || {real}/psql -XAtq -c \"SELECT current_setting('enable_mergejoin') || ' ' || current_setting('TimeZone')\" >>{} || exit 1\nexec {real}/pg_dump \"$@\"\n",
            seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("pg_dump"), std::fs::Permissions::from_mode(0o755)).unwrap();
    env.set("TENANTCTL_BACKUP_PG_BIN_DIR", bin.to_str().unwrap());

    let r = env
        .run_with(
            &["backup", "A", "-o", "json"],
            &[("PGOPTIONS", "-c TimeZone=Asia/Kathmandu")],
        )
        .await;
    r.ok();
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap().trim(),
        "off Asia/Kathmandu"
    );
    // The rows were dumped in the operator's time zone (+05:45), so pg_dump's own session had it.
    let id = id_of(&r.json(), "tenant_a");
    let script = env
        .run_program(
            "pg_restore",
            &[
                "--file=-",
                dump_path(&env, "tenant_a", &id).to_str().unwrap(),
            ],
        )
        .await;
    script.ok();
    assert!(script.stdout.contains("+05:45"), "{}", script.stdout);
}
