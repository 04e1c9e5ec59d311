//! Faults on Citus (issue 14): a worker stopped during `migrate`. Uses the test bed's SPARE
//! worker (TENANTCTL_TEST_CITUS_SPARE), which is in no other test's cluster: this test adds it
//! to its own database, places tenants on it, stops it and starts it again. Tests that stop
//! the spare take it with `citus::take_spare`, which holds `pg_advisory_lock(14015)` on the
//! coordinator for as long as it lives, so they never overlap. Skipped with the rest of the Citus group.

use crate::citus::{cluster, place, take_spare};
use crate::common::copy_sample_migrations;
use serde_json::Value;
use sqlx::AssertSqlSafe;

fn rows(v: &Value) -> Vec<Value> {
    v["tenant_migrations"]["tenants"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A data migration (no DDL): it touches only the tenant's own node.
const DATA_MIGRATION: &str =
    "INSERT INTO settings (key, value) VALUES ('fault.test', '\"on\"'::jsonb);\n";

/// A worker stopped during `migrate`: the tenants on it fail, each naming the worker, the
/// others are migrated, exit 3; once it is back, a rerun completes them. (A migration with
/// DDL fails on every distributed tenant while any worker is down, since Citus keeps the
/// tables' metadata on every node: those failures name the worker too.)
#[tokio::test]
async fn a_stopped_worker_fails_its_tenants_naming_it_and_a_rerun_completes_them() {
    let Some(mut c) = cluster(Some(false)).await else {
        return;
    };
    // The spare is ours alone for the duration, added to this test's database.
    let Some(spare) = take_spare(&c).await else {
        return;
    };

    let dir = c.env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    c.env
        .set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap());
    c.env.init().await;
    let names = ["T1", "T2", "T3", "T4"];
    let mut schemas = Vec::new();
    for n in names {
        schemas.push(c.env.tenant(n, &n.to_lowercase()).await);
    }
    for s in &schemas[..2] {
        place(&c, s, &spare.node).await;
        assert_eq!(c.node_of(s, "posts").await, spare.node);
    }
    for s in &schemas[2..] {
        if c.node_of(s, "posts").await == spare.node {
            place(&c, s, &c.workers[0]).await;
        }
        assert_ne!(c.node_of(s, "posts").await, spare.node);
    }
    std::fs::write(dir.join("20990101000001_fault.up.sql"), DATA_MIGRATION).unwrap();

    spare.stop();
    let r = c.env.run(&["migrate", "-o", "json"]).await;
    r.code(3);
    let v = r.json();
    let rows = rows(&v);
    for (name, schema) in names.iter().zip(&schemas) {
        let row = rows
            .iter()
            .find(|r| r["platform"] == *name)
            .unwrap_or_else(|| panic!("no row for {name}: {v}"));
        if c.node_of(schema, "posts").await == spare.node {
            assert_eq!(row["outcome"], "failed", "{row}");
            let error = row["error"].as_str().unwrap();
            assert!(
                error.contains(&format!("worker {} unreachable", spare.node)),
                "{error}"
            );
        } else {
            assert_eq!(row["outcome"], "migrated", "{row}");
            assert!(c.env.versions(schema).await.contains(&20990101000001));
        }
    }
    // The human summary names the node too.
    let human = c.env.run(&["migrate", "status"]).await;
    assert!(
        human
            .stdout
            .contains(&format!("worker {} unreachable", spare.node)),
        "{}",
        human.stdout
    );

    spare.start();
    let r = c.env.run(&["migrate", "-o", "json"]).await;
    r.ok();
    for schema in &schemas {
        assert!(c.env.versions(schema).await.contains(&20990101000001));
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{schema}\".settings WHERE key = 'fault.test'"
        )))
        .fetch_one(&c.env.pool)
        .await
        .unwrap();
        assert_eq!(n, 1, "{schema}");
    }
    // Leave the spare out of the cluster's way: nothing else uses this database.
    drop(spare);
}

/// Issue 27.11: restore and `backup verify` of a tenant whose worker is down stop before
/// anything starts (before the restore's plan is shown), naming the worker, and change
/// nothing; once it is back, the restore works.
#[tokio::test]
async fn restore_and_verify_name_the_tenants_worker_when_it_is_down() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    let Some(spare) = take_spare(&c).await else {
        return;
    };
    c.env.init().await;
    let schema = c.env.tenant("Acme", "acme").await;
    place(&c, &schema, &spare.node).await;
    c.env.run(&["backup", "Acme"]).await.ok();
    let before = c.env.registry_snapshot().await;

    spare.stop();
    let r = c.env.run(&["restore", "Acme", "--latest", "--yes"]).await;
    r.code(69)
        .stderr_has(&format!("cannot reach Citus worker at {}", spare.node))
        .stderr_has("nothing was changed");
    assert!(
        !r.stderr.contains("it replaces the current schema"),
        "the plan was shown first: {}",
        r.stderr
    );
    let r = c.env.run(&["backup", "verify", "Acme"]).await;
    r.code(1)
        .stderr_has(&format!("worker {} unreachable", spare.node));
    assert!(
        !r.stderr.contains("connection to the remote node"),
        "{}",
        r.stderr
    );
    spare.start();
    assert_eq!(c.env.registry_snapshot().await, before);
    assert!(
        c.env
            .schemas()
            .await
            .iter()
            .all(|s| !s.starts_with("tctl_")),
        "a schema was left aside"
    );
    c.env
        .run(&["restore", "Acme", "--latest", "--yes"])
        .await
        .ok();
    c.env.run(&["backup", "verify", "Acme"]).await.ok();
    assert_eq!(c.node_of(&schema, "posts").await, spare.node);
    drop(spare);
}

/// Issue 27.11: `platform move --block-writes` killed after Citus moved the schema, before it
/// took the tenant out of maintenance (here: its last UPDATE is held on a row lock, then the
/// process is killed and its connection dies with it). The rerun finds the tenant on the
/// target already, takes it out of maintenance and says so.
#[tokio::test]
async fn a_rerun_of_a_killed_blocking_move_takes_the_tenant_out_of_maintenance() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    c.env.init().await;
    let schema = c.env.tenant("Acme", "acme").await;
    let from = c.node_of(&schema, "posts").await;
    let to = c.workers.iter().find(|w| **w != from).unwrap().clone();
    let args = [
        "platform",
        "move",
        "Acme",
        "--to",
        to.as_str(),
        "--block-writes",
        "--yes",
    ];
    let child = c.env.spawn(&args);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let flag = || async {
        sqlx::query_scalar::<_, bool>(
            "SELECT maintenance FROM public.platforms WHERE name = 'Acme'",
        )
        .fetch_one(&c.env.pool)
        .await
        .unwrap()
    };
    while !flag().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never in maintenance"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // Hold the row: the UPDATE that ends the maintenance waits for it.
    let mut row = c.env.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM public.platforms WHERE name = 'Acme' FOR UPDATE")
        .execute(&mut *row)
        .await
        .unwrap();
    let pid = loop {
        let pid: Option<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = 'tenantctl' AND wait_event_type = 'Lock' \
             AND query LIKE 'UPDATE public.platforms SET maintenance%'",
        )
        .fetch_optional(&c.env.pool)
        .await
        .unwrap();
        if let Some(pid) = pid {
            break pid;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the move never ended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(
        c.node_of(&schema, "posts").await,
        to,
        "Citus finished the move"
    );
    crate::common::signal(&child, "KILL");
    let _ = crate::common::finish(child).await;
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .execute(&c.env.pool)
        .await
        .unwrap();
    row.rollback().await.unwrap();
    assert!(flag().await, "left in maintenance");

    let r = c.env.run(&args).await;
    r.ok()
        .stderr_has("already on")
        .stderr_has("took it out of the maintenance");
    assert!(!flag().await, "still in maintenance");
    assert_eq!(c.node_of(&schema, "posts").await, to);
    // An operator's own maintenance is theirs: a move leaves it on.
    c.env
        .run(&["platform", "maintenance", "Acme", "on", "--reason", "audit"])
        .await
        .ok();
    c.env
        .run(&[
            "platform",
            "move",
            "Acme",
            "--to",
            from.as_str(),
            "--block-writes",
            "--yes",
        ])
        .await
        .ok();
    assert!(flag().await, "the operator's maintenance was taken off");
}
