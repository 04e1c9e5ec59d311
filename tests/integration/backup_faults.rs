//! Bad backups and failures half-way: a corrupt or truncated dump, a manifest whose checksum
//! does not match, a dump of another schema, a full disk, SIGKILL during backup and during
//! restore. In every case the tenant keeps its data and nothing half-done looks like a backup.

use crate::backup::{dump_path, fleet, id_of, manifest_path, read_manifest};
use crate::common::Env;
use serde_json::Value;
use sha2::Digest;
use sqlx::PgPool;
use std::time::Duration;

/// Rewrite a manifest's fields.
fn edit_manifest(env: &Env, schema: &str, id: &str, f: impl FnOnce(&mut Value)) {
    let mut m = read_manifest(env, schema, id);
    f(&mut m);
    std::fs::write(
        manifest_path(env, schema, id),
        serde_json::to_vec(&m).unwrap(),
    )
    .unwrap();
}

/// Make the manifest match whatever the dump file now holds (as if it had been written so).
fn reseal(env: &Env, schema: &str, id: &str) {
    let bytes = std::fs::read(dump_path(env, schema, id)).unwrap();
    edit_manifest(env, schema, id, |m| {
        m["sha256"] = Value::from(hex::encode(sha2::Sha256::digest(&bytes)));
        m["size_bytes"] = Value::from(bytes.len());
    });
}

/// What a user checks after a failed restore: same rows, same registry, no stray schema,
/// not left in maintenance.
async fn unchanged(env: &Env, schema: &str, people: i64, registry: &[String]) {
    assert_eq!(env.count(schema, "people").await, people);
    assert_eq!(env.registry_snapshot().await, registry);
    assert!(!env.schemas().await.iter().any(|s| s.starts_with("tctl_")));
}

/// Files in a schema's backup folder that look like backups (not dot-temporaries).
fn visible(env: &Env, schema: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.backups().join(schema))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[sqlx::test(migrations = false)]
async fn a_truncated_or_corrupt_dump_is_refused_and_nothing_changes(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    env.fill("tenant_a", 200, 200).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let id = id_of(&r.json(), "tenant_a");
    env.fill("tenant_a", 5, 10).await;
    let people = env.count("tenant_a", "people").await;
    let registry = env.registry_snapshot().await;
    let dump = dump_path(&env, "tenant_a", &id);
    let good = std::fs::read(&dump).unwrap();

    // Truncated: the checksum says so before anything is touched.
    std::fs::write(&dump, &good[..good.len() / 2]).unwrap();
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("checksum mismatch");
    unchanged(&env, "tenant_a", people, &registry).await;
    env.run(&["backup", "verify", "A"])
        .await
        .code(1)
        .stderr_has("checksum mismatch");
    let to = env.path().join("got.dump");
    env.run(&["backup", "get", "A", &id, "--to", to.to_str().unwrap()])
        .await
        .code(4);
    assert!(!to.exists());
    assert_eq!(
        std::fs::read_dir(env.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
            .count(),
        0
    );

    // Truncated and a manifest to match (damaged when it was written): the archive check
    // still refuses it.
    reseal(&env, "tenant_a", &id);
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("damaged");
    unchanged(&env, "tenant_a", people, &registry).await;

    // Corrupt compressed table data, resealed: refused too.
    let mut bad = good.clone();
    let n = bad.len();
    for b in &mut bad[n - 200..n - 100] {
        *b ^= 0x5a;
    }
    std::fs::write(&dump, &bad).unwrap();
    reseal(&env, "tenant_a", &id);
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("damaged");
    unchanged(&env, "tenant_a", people, &registry).await;

    // Corrupt SQL in the table of contents (the archive's structure is fine): pg_restore's
    // script fails inside the transaction, which rolls back with the old schema in place.
    let mut bad = good.clone();
    let at = bad
        .windows(13)
        .position(|w| w == b"CREATE TABLE ")
        .expect("a CREATE TABLE in the TOC");
    bad[at..at + 6].copy_from_slice(b"CRAETE");
    std::fs::write(&dump, &bad).unwrap();
    reseal(&env, "tenant_a", &id);
    let r = env.run(&["restore", "A", "--yes"]).await;
    r.code(1).stderr_has("CRAETE");
    unchanged(&env, "tenant_a", people, &registry).await;
    env.run(&["backup", "verify", "A"]).await.code(1);

    // The intact dump with its true manifest still restores.
    std::fs::write(&dump, &good).unwrap();
    reseal(&env, "tenant_a", &id);
    env.run(&["restore", "A", "--yes"]).await.ok();
    assert_eq!(env.count("tenant_a", "people").await, people - 5);
}

#[sqlx::test(migrations = false)]
async fn a_manifest_checksum_mismatch_or_another_schemas_dump_is_refused(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a"), ("B", "tenant_b")]).await;
    env.fill("tenant_b", 30, 10).await;
    let r = env.run(&["backup", "--all", "-o", "json"]).await;
    r.ok();
    let a = id_of(&r.json(), "tenant_a");
    let b = id_of(&r.json(), "tenant_b");
    let people = env.count("tenant_a", "people").await;
    let registry = env.registry_snapshot().await;

    edit_manifest(&env, "tenant_a", &a, |m| {
        m["sha256"] = Value::from("0".repeat(64));
    });
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("checksum mismatch");
    unchanged(&env, "tenant_a", people, &registry).await;

    // B's dump in A's place, with checksum and row counts to match: it holds the wrong schema.
    std::fs::copy(
        dump_path(&env, "tenant_b", &b),
        dump_path(&env, "tenant_a", &a),
    )
    .unwrap();
    let b_manifest = read_manifest(&env, "tenant_b", &b);
    edit_manifest(&env, "tenant_a", &a, |m| {
        m["row_counts"] = b_manifest["row_counts"].clone();
    });
    reseal(&env, "tenant_a", &a);
    env.run(&["restore", "A", "--yes"])
        .await
        .code(4)
        .stderr_has("the dump holds schema `tenant_b`, not `tenant_a`");
    unchanged(&env, "tenant_a", people, &registry).await;
    env.run(&["backup", "verify", "A"])
        .await
        .code(1)
        .stderr_has("tenant_b");
    assert_eq!(
        env.count("tenant_b", "people").await,
        b_manifest["row_counts"]["people"].as_i64().unwrap()
    );
}

#[sqlx::test(migrations = false)]
async fn a_full_disk_fails_the_backup_and_leaves_no_file(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let first = id_of(&r.json(), "tenant_a");
    env.fill("tenant_a", 500, 2000).await;
    // No file may grow past 300 kB: the dump of A (about 1 MB now) cannot be written.
    let bin = crate::common::BIN;
    let r = env
        .run_program(
            "prlimit",
            &["--fsize=300000", "--", bin, "backup", "A", "-o", "json"],
        )
        .await;
    r.code(1).stderr_has("File too large");
    assert_eq!(r.json()[0]["status"], "failed");
    assert_eq!(
        std::fs::read_dir(env.backups().join("tenant_a"))
            .unwrap()
            .count(),
        2,
        "only the first backup's two files, no temporary left"
    );
    assert_eq!(
        visible(&env, "tenant_a"),
        [format!("{first}.dump"), format!("{first}.json")]
    );
    let l = env.run(&["backup", "list", "A", "-o", "json"]).await;
    l.ok();
    assert_eq!(l.json().as_array().unwrap().len(), 1);
    // With room again it works.
    env.run(&["backup", "A"]).await.ok();
}

#[sqlx::test(migrations = false)]
async fn sigkill_during_backup_leaves_nothing_that_looks_like_a_backup(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let first = id_of(&r.json(), "tenant_a");
    env.fill("tenant_a", 4000, 4000).await;
    let people = env.count("tenant_a", "people").await;

    let mut child = env.spawn(&["backup", "A"]);
    let dir = env.backups().join("tenant_a");
    let started = std::time::Instant::now();
    loop {
        let writing = std::fs::read_dir(&dir).unwrap().flatten().any(|e| {
            e.file_name().to_string_lossy().contains(".tmp-")
                && e.metadata().is_ok_and(|m| m.len() > 0)
        });
        if writing {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the backup ended before it could be killed; give tenant_a more data"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no dump started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    // What remains is the first backup and at most a dot-temporary, which nothing lists.
    assert_eq!(
        visible(&env, "tenant_a"),
        [format!("{first}.dump"), format!("{first}.json")]
    );
    let l = env.run(&["backup", "list", "A", "-o", "json"]).await;
    l.ok();
    assert_eq!(l.json().as_array().unwrap().len(), 1);
    assert_eq!(env.count("tenant_a", "people").await, people);
    // pg_dump goes away with its reader (SIGPIPE at its next write).
    let started = std::time::Instant::now();
    loop {
        let dumping: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tenantctl-pg_dump' \
             AND datname = current_database()",
        )
        .fetch_one(&env.pool)
        .await
        .unwrap();
        if dumping == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "pg_dump outlived tenantctl"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A rerun works, and that backup restores.
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    env.run(&["backup", "verify", "A"]).await.ok();
}

#[sqlx::test(migrations = false)]
async fn sigkill_during_restore_keeps_the_old_data_and_a_rerun_works(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[("A", "tenant_a")]).await;
    env.fill("tenant_a", 4000, 4000).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    let backed_up = env.count("tenant_a", "people").await;
    env.fill("tenant_a", 3, 10).await;
    let people = env.count("tenant_a", "people").await;

    let mut child = env.spawn(&["restore", "A", "--yes"]);
    let started = std::time::Instant::now();
    loop {
        // The restore is copying rows inside its transaction.
        let copying: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tenantctl-restore' \
             AND query LIKE 'COPY %' AND state = 'active'",
        )
        .fetch_one(&env.pool)
        .await
        .unwrap();
        if copying > 0 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the restore ended before it could be killed; give tenant_a more data"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no restore started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    // The server notices the dead connection and rolls its transaction back.
    let started = std::time::Instant::now();
    loop {
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tenantctl-restore'",
        )
        .fetch_one(&env.pool)
        .await
        .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the restore's session stays"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        env.count("tenant_a", "people").await,
        people,
        "the old data is all there"
    );
    assert!(!env.schemas().await.iter().any(|s| s.starts_with("tctl_")));
    // The platform stays in maintenance, saying why, until a restore completes.
    let (m, reason): (bool, Option<String>) = sqlx::query_as(
        "SELECT maintenance, maintenance_reason FROM public.platforms WHERE name = 'A'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(m);
    assert!(reason.unwrap().starts_with("tenantctl restore:"));

    env.run(&["restore", "A", "--yes"]).await.ok();
    assert_eq!(env.count("tenant_a", "people").await, backed_up);
    let (m, reason): (bool, Option<String>) = sqlx::query_as(
        "SELECT maintenance, maintenance_reason FROM public.platforms WHERE name = 'A'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!(!m);
    assert!(reason.is_none());
}
