//! Backups and restores of distributed tenants on Citus (issue 14): a restore brings a
//! distributed tenant back distributed, on the node it was on (or the one `--node` names), its
//! triggers working, and atomically. Uses the cluster of `citus.rs`; skipped the same way.

use crate::citus::{Cluster, cluster, comment, make_post};
use crate::common::Env;
use sqlx::AssertSqlSafe;

/// The other worker than `node`.
fn other(c: &Cluster, node: &str) -> String {
    c.workers
        .iter()
        .find(|w| *w != node)
        .expect("two workers")
        .clone()
}

/// Move `schema` to `node` the way an operator would.
async fn move_to(c: &Cluster, schema: &str, node: &str) {
    let (host, port) = node.rsplit_once(':').unwrap();
    sqlx::query(
        "SELECT citus_schema_move($1::regnamespace, $2, $3, shard_transfer_mode => 'block_writes')",
    )
    .bind(schema)
    .bind(host)
    .bind(port.parse::<i32>().unwrap())
    .execute(&c.env.pool)
    .await
    .unwrap();
}

/// The one manifest of `schema` in the local backup folder, as JSON, with its path.
fn manifest(env: &Env, schema: &str) -> (std::path::PathBuf, serde_json::Value) {
    let dir = env.backups().join(schema);
    let mut found: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    found.sort();
    let p = found.pop().expect("a manifest");
    let v = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    (p, v)
}

/// Schemas left aside by a restore.
async fn leftovers(c: &Cluster) -> Vec<String> {
    c.env
        .schemas()
        .await
        .into_iter()
        .filter(|s| s.starts_with("tctl_"))
        .collect()
}

#[tokio::test]
async fn restore_brings_a_distributed_tenant_back_distributed_on_its_node() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    c.env.init().await;
    let schema = c.env.tenant("Acme", "acme").await;
    make_post(&c, &schema).await;
    assert_eq!(comment(&c, &schema, 2).await, 2);
    let first = c.node_of(&schema, "posts").await;
    c.env.run(&["backup", "Acme"]).await.ok();
    // The manifest records the node.
    let (_, m) = manifest(&c.env, &schema);
    assert_eq!(m["node"], first.as_str(), "{m}");
    assert_eq!(comment(&c, &schema, 1).await, 3);

    // The tenant moved since: it comes back where it is now, not where Citus would put it.
    let second = other(&c, &first);
    move_to(&c, &schema, &second).await;
    let r = c
        .env
        .run(&["restore", "Acme", "--latest", "--yes", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["node"], second.as_str(), "{}", r.stdout);
    assert!(c.distributed_schemas().await.contains(&schema));
    for t in ["posts", "comments", "_sqlx_migrations"] {
        assert!(c.citus_tables(&schema).await.iter().any(|x| x == t), "{t}");
        assert_eq!(c.node_of(&schema, t).await, second, "{t}");
    }
    // The backup's rows, and the counter trigger fires on the worker.
    assert_eq!(comment(&c, &schema, 0).await, 2);
    assert_eq!(comment(&c, &schema, 1).await, 3);
    assert_eq!(leftovers(&c).await, Vec::<String>::new());
    // The coordinator keeps only shells: the restored rows are on the worker alone.
    let local: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT pg_relation_size('\"{schema}\".comments')"
    )))
    .fetch_one(&c.env.pool)
    .await
    .unwrap();
    assert_eq!(local, 0, "rows left on the coordinator");
    let st = c.env.run(&["status", "-o", "json"]).await;
    assert_eq!(st.json()["citus"]["local_tenants"], 0, "{}", st.stdout);

    // `--node` names another worker: it goes there.
    let r = c
        .env
        .run(&[
            "restore", "Acme", "--latest", "--yes", "--node", &first, "-o", "json",
        ])
        .await;
    r.ok();
    assert_eq!(r.json()["node"], first.as_str());
    assert_eq!(c.node_of(&schema, "posts").await, first);
    assert_eq!(comment(&c, &schema, 1).await, 3);
}

#[tokio::test]
async fn restore_of_a_dropped_tenant_uses_the_manifests_node_and_old_manifests_still_restore() {
    let Some(c) = cluster(Some(true)).await else {
        return;
    };
    c.env.init().await;
    let schema = c.env.tenant("Acme", "acme").await;
    make_post(&c, &schema).await;
    assert_eq!(comment(&c, &schema, 2).await, 2);
    let mut node = c.node_of(&schema, "posts").await;
    // Twice, so that at least once Citus would place a new schema elsewhere.
    for _ in 0..2 {
        c.env.run(&["backup", "Acme"]).await.ok();
        assert_eq!(manifest(&c.env, &schema).1["node"], node.as_str());
        c.env
            .sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .await;
        let r = c
            .env
            .run(&["restore", "Acme", "--latest", "--yes", "-o", "json"])
            .await;
        r.ok();
        assert_eq!(r.json()["replaced"], false);
        assert_eq!(r.json()["node"], node.as_str());
        assert_eq!(c.node_of(&schema, "posts").await, node);
        assert_eq!(comment(&c, &schema, 0).await, 2);
        let next = other(&c, &node);
        move_to(&c, &schema, &next).await;
        node = next;
    }

    // A manifest written before the `node` field: restored, distributed (Citus places it).
    c.env.run(&["backup", "Acme"]).await.ok();
    let (path, mut m) = manifest(&c.env, &schema);
    m.as_object_mut().unwrap().remove("node").unwrap();
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    c.env
        .sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await;
    let r = c
        .env
        .run(&["restore", "Acme", "--latest", "--yes", "-o", "json"])
        .await;
    r.ok();
    let at = r.json()["node"].as_str().unwrap().to_string();
    assert!(c.workers.contains(&at), "{at}");
    assert!(c.distributed_schemas().await.contains(&schema));
    assert_eq!(comment(&c, &schema, 1).await, 3);
}

/// A restore that fails after the dump is loaded and distributed (here: the registry's
/// migration-status row is locked past the lock timeout, in its last step) leaves the old
/// distributed schema exactly as it was, on its node.
#[tokio::test]
async fn a_failed_restore_leaves_the_old_distributed_tenant_intact() {
    let Some(mut c) = cluster(Some(false)).await else {
        return;
    };
    c.env.set("TENANTCTL_LOCK_TIMEOUT", "2s");
    c.env.init().await;
    let schema = c.env.tenant("Acme", "acme").await;
    make_post(&c, &schema).await;
    assert_eq!(comment(&c, &schema, 2).await, 2);
    c.env.run(&["backup", "Acme"]).await.ok();
    assert_eq!(comment(&c, &schema, 1).await, 3);
    let node = c.node_of(&schema, "posts").await;
    let before = c.citus_tables(&schema).await;

    let mut blocker = c.env.pool.begin().await.unwrap();
    let locked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM tenantctl.tenant_migrations m \
         JOIN public.platforms p ON p.id = m.platform_id WHERE p.name = 'Acme' FOR UPDATE OF m) x",
    )
    .fetch_one(&mut *blocker)
    .await
    .unwrap();
    assert_eq!(locked, 1, "the tenant's migration status row");
    let r = c.env.run(&["restore", "Acme", "--latest", "--yes"]).await;
    blocker.rollback().await.unwrap();
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("lock"), "{}", r.stderr);

    assert!(c.distributed_schemas().await.contains(&schema));
    assert_eq!(c.citus_tables(&schema).await, before);
    assert_eq!(c.node_of(&schema, "posts").await, node);
    assert_eq!(
        comment(&c, &schema, 0).await,
        3,
        "the data since the backup"
    );
    assert_eq!(comment(&c, &schema, 1).await, 4, "the trigger fires");
    assert_eq!(leftovers(&c).await, Vec::<String>::new());
    let show = c.env.show("Acme").await;
    assert_eq!(show["maintenance"], false, "{show}");
    // And once the lock is gone, the same restore works.
    c.env
        .run(&["restore", "Acme", "--latest", "--yes"])
        .await
        .ok();
    assert_eq!(comment(&c, &schema, 0).await, 2);
}

#[tokio::test]
async fn restore_node_must_be_a_worker_of_the_cluster() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    c.env.init().await;
    let schema = c.env.tenant("Acme", "acme").await;
    c.env.run(&["backup", "Acme"]).await.ok();
    let node = c.node_of(&schema, "posts").await;
    let before = c.env.data_fingerprint().await;
    let r = c
        .env
        .run(&["restore", "Acme", "--yes", "--node", "127.0.0.1:1"])
        .await;
    r.code(2)
        .stderr_has("node `127.0.0.1:1` is not a worker of the cluster (workers: ");
    let r = c
        .env
        .run(&["restore", "Acme", "--yes", "--node", "worker-one"])
        .await;
    r.code(2).stderr_has("`--node worker-one` is not HOST:PORT");
    assert_eq!(c.env.data_fingerprint().await, before);
    assert_eq!(c.node_of(&schema, "posts").await, node);
}

#[sqlx::test(migrations = false)]
async fn restore_node_without_citus_is_a_usage_error(pool: sqlx::PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    env.run(&["backup", "Acme"]).await.ok();
    let before = env.data_fingerprint().await;
    let r = env
        .run(&["restore", "Acme", "--yes", "--node", "127.0.0.1:5432"])
        .await;
    r.code(2).stderr_has(
        "`--node 127.0.0.1:5432` needs Citus, and the database has no `citus` extension",
    );
    assert_eq!(env.data_fingerprint().await, before);
}
