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
