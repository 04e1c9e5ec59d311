//! What the console's backups page stands on: backup and restore as jobs done by `tenantctl
//! worker`, the restore preview (tables and rows now vs in the backup), a download streamed with
//! its checksum checked, and each backup's last verification.

use crate::backup::{dump_path, fleet, id_of};
use crate::common::Env;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tenantctl::backup::catalog::{self, Verified};
use tenantctl::backup::storage::local::Local;
use tenantctl::backup::{download, job, manifest, preview};
use tenantctl::registry::store;

async fn back_up(env: &Env, name: &str, schema: &str) -> String {
    let r = env.run(&["backup", name, "-o", "json"]).await;
    r.ok();
    id_of(&r.json(), schema)
}

#[sqlx::test(migrations = false)]
async fn the_restore_preview_shows_every_table_now_and_in_the_backup(pool: PgPool) {
    let env = Env::new(pool.clone());
    fleet(&env, &[("Acme", "tenant_acme")]).await;
    env.fill("tenant_acme", 12, 40).await;
    let people = env.count("tenant_acme", "people").await as u64;
    let id = back_up(&env, "Acme", "tenant_acme").await;
    // Since the backup: rows gone, a table added.
    env.sql(
        "DELETE FROM tenant_acme.people WHERE id IN (SELECT id FROM tenant_acme.people ORDER BY id LIMIT 5); \
         CREATE TABLE tenant_acme.scratch (x int); INSERT INTO tenant_acme.scratch VALUES (1), (2)",
    )
    .await;

    let storage = Local::new(env.backups());
    let p = store::find(&pool, "Acme").await.unwrap();
    let m = manifest::pick(&storage, "tenant_acme", Some(&id))
        .await
        .unwrap();
    let pv = preview::restore_preview(&pool, &p, &m).await.unwrap();
    assert!(pv.schema_exists && !pv.estimated, "{pv:?}");
    assert_eq!(pv.backup_id, id);
    let row = |t: &str| pv.tables.iter().find(|r| r.table == t).cloned();
    let people_row = row("people").expect("people listed");
    assert_eq!(people_row.now, Some(people - 5));
    assert_eq!(people_row.in_backup, Some(people));
    assert_eq!(people_row.change(), "more rows");
    let scratch = row("scratch").expect("the new table listed");
    assert_eq!((scratch.now, scratch.in_backup), (Some(2), None));
    assert_eq!(scratch.change(), "dropped");
    // Every table of the backup is there with the manifest's count, and the totals add up.
    for (t, n) in &m.row_counts {
        assert_eq!(row(t).and_then(|r| r.in_backup), Some(*n), "{t}");
    }
    assert_eq!(pv.rows_in_backup, m.total_rows());
    assert_eq!(
        pv.rows_now,
        pv.tables.iter().filter_map(|r| r.now).sum::<u64>()
    );
    assert_eq!(pv.migration_now, m.migration_version);
    assert!(pv.schema_size_bytes.is_some_and(|s| s > 0));
}

async fn collect(
    s: impl futures::Stream<Item = std::io::Result<bytes::Bytes>>,
) -> (Vec<u8>, Option<std::io::Error>) {
    let mut s = std::pin::pin!(s);
    let mut out = Vec::new();
    while let Some(item) = s.next().await {
        match item {
            Ok(b) => out.extend_from_slice(&b),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

#[sqlx::test(migrations = false)]
async fn a_download_is_the_dump_its_manifest_describes_or_is_cut(pool: PgPool) {
    let env = Env::new(pool.clone());
    fleet(&env, &[("Acme", "tenant_acme")]).await;
    // Big enough for several chunks: the check must hold the last one back.
    env.fill("tenant_acme", 2_000, 600).await;
    let id = back_up(&env, "Acme", "tenant_acme").await;
    let storage = Local::new(env.backups());
    let m = manifest::pick(&storage, "tenant_acme", Some(&id))
        .await
        .unwrap();
    assert!(m.size_bytes > 600_000, "{}", m.size_bytes);

    let (got, err) = collect(download::open_checked(&storage, &m).await.unwrap()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(got.len() as u64, m.size_bytes);
    assert_eq!(hex::encode(Sha256::digest(&got)), m.sha256);
    assert_eq!(download::file_name(&m), format!("Acme-{id}.dump"));

    // One byte changed on disk after the backup: the receiver never gets the whole file.
    let path = dump_path(&env, "tenant_acme", &id);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let (got, err) = collect(download::open_checked(&storage, &m).await.unwrap()).await;
    let err = err.expect("the stream is cut");
    assert!(err.to_string().contains("the manifest says"), "{err}");
    assert!(
        (got.len() as u64) < m.size_bytes,
        "{} bytes sent",
        got.len()
    );
}

#[sqlx::test(migrations = false)]
async fn a_verification_is_recorded_for_the_backups_page(pool: PgPool) {
    let env = Env::new(pool.clone());
    fleet(&env, &[("Acme", "tenant_acme")]).await;
    let id = back_up(&env, "Acme", "tenant_acme").await;
    let storage = Local::new(env.backups());
    let p = store::find(&pool, "Acme").await.unwrap();
    let listed = catalog::of_platform(&pool, &storage, &p).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].backup_id, id);
    assert_eq!(listed[0].verified, Verified::Never);
    assert!(listed[0].usable() && !listed[0].future);

    env.run(&["backup", "verify", "Acme", &id]).await.ok();
    let listed = catalog::of_platform(&pool, &storage, &p).await.unwrap();
    assert!(
        matches!(listed[0].verified, Verified::Ok { .. }),
        "{:?}",
        listed[0].verified
    );

    // A damaged dump verifies as failed, with why.
    let path = dump_path(&env, "tenant_acme", &id);
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    env.run(&["backup", "verify", "Acme", &id]).await.code(1);
    let listed = catalog::of_platform(&pool, &storage, &p).await.unwrap();
    match &listed[0].verified {
        Verified::Failed { problems, .. } => {
            assert!(problems.contains("checksum mismatch"), "{problems}")
        }
        other => panic!("{other:?}"),
    }
}

async fn job_row(pool: &PgPool, id: i64) -> (String, i32, Option<String>) {
    sqlx::query_as("SELECT status, attempts, last_error FROM tenantctl.jobs WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn back_up_now_then_restore_are_jobs_the_worker_does(pool: PgPool) {
    let env = Env::new(pool.clone());
    fleet(&env, &[("Acme", "tenant_acme")]).await;
    env.fill("tenant_acme", 25, 40).await;
    let people = env.count("tenant_acme", "people").await;
    let p = store::find(&pool, "Acme").await.unwrap();

    // Asking twice while the first waits gives the same job.
    let first = job::enqueue_backup(&pool, &p).await.unwrap();
    let again = job::enqueue_backup(&pool, &p).await.unwrap();
    assert!(first.created && !again.created);
    assert_eq!(first.job_id, again.job_id);
    env.run(&["worker", "--once"]).await.ok();
    assert_eq!(job_row(&pool, first.job_id).await.0, "completed");
    let storage = Local::new(env.backups());
    let listed = catalog::of_platform(&pool, &storage, &p).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let id = listed[0].backup_id.clone();
    let m = manifest::pick(&storage, "tenant_acme", Some(&id))
        .await
        .unwrap();
    assert_eq!(m.row_counts["people"], people as u64);

    // Rows lost since: the restore job brings them back.
    env.sql("DELETE FROM tenant_acme.people").await;
    let restore = job::enqueue_restore(
        &pool,
        &p,
        &job::RestorePayload {
            backup_id: id.clone(),
            keep_old: false,
        },
    )
    .await
    .unwrap();
    env.run(&["worker", "--once"]).await.ok();
    let (status, attempts, error) = job_row(&pool, restore.job_id).await;
    assert_eq!((status.as_str(), attempts), ("completed", 1), "{error:?}");
    assert_eq!(env.count("tenant_acme", "people").await, people);
    let p = store::find(&pool, "Acme").await.unwrap();
    assert!(!p.maintenance, "{:?}", p.maintenance_reason);
}

#[sqlx::test(migrations = false)]
async fn a_failed_restore_job_changes_nothing_and_is_not_tried_again(pool: PgPool) {
    let env = Env::new(pool.clone());
    fleet(&env, &[("Acme", "tenant_acme")]).await;
    env.fill("tenant_acme", 5, 40).await;
    env.run(&["backup", "Acme"]).await.ok();
    let before = tenant_data(&env).await;
    let p = store::find(&pool, "Acme").await.unwrap();
    // A well-formed id that names no backup.
    let queued = job::enqueue_restore(
        &pool,
        &p,
        &job::RestorePayload {
            backup_id: "20200101T000000.000Z".into(),
            keep_old: false,
        },
    )
    .await
    .unwrap();
    env.run(&["worker", "--once"]).await.ok();
    let (status, attempts, error) = job_row(&pool, queued.job_id).await;
    assert_eq!((status.as_str(), attempts), ("discarded", 1));
    let error = error.unwrap();
    assert!(
        error.contains("20200101T000000.000Z")
            && error.contains("not found")
            && error.contains("nothing was changed"),
        "{error}"
    );
    assert_eq!(tenant_data(&env).await, before);
    let p = store::find(&pool, "Acme").await.unwrap();
    assert!(!p.maintenance);

    // A payload without a usable id is refused before it reaches storage.
    sqlx::query(
        "INSERT INTO tenantctl.jobs (kind, platform_id, platform_name, schema_name, payload, status) \
         VALUES ('restore', $1, 'Acme', 'tenant_acme', '{\"backup_id\": \"../../etc/passwd\"}', 'available')",
    )
    .bind(p.id)
    .execute(&pool)
    .await
    .unwrap();
    env.run(&["worker", "--once"]).await.ok();
    let (status, error): (String, Option<String>) = sqlx::query_as(
        "SELECT status, last_error FROM tenantctl.jobs WHERE kind = 'restore' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(status, "discarded");
    assert!(error.unwrap().contains("is not a backup id"));
    assert_eq!(tenant_data(&env).await, before);
}

/// Everything in the tenant's schema (relations, rows, sequences), for "nothing changed".
async fn tenant_data(env: &Env) -> Vec<String> {
    env.data_fingerprint()
        .await
        .into_iter()
        .filter(|l| l.starts_with("tenant_acme."))
        .collect()
}
