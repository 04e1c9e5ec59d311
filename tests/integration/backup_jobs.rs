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
use tenantctl::backup::{download, manifest, preview};
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
