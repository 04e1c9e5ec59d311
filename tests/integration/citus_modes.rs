//! Citus (issue 14): what a tenant migration may not do there and how `migrate verify` says
//! so, and every main command behaving the same whatever the database-level
//! `citus.enable_schema_based_sharding`. Skipped with the rest of the Citus group.

use crate::citus::{cluster, comment, make_post};
use crate::common::copy_sample_migrations;

/// A foreign key from a tenant table to `public.platforms`: a plain schema takes it, a
/// distributed one does not. `migrate verify` says so before `migrate` fails on every tenant.
#[tokio::test]
async fn migrate_verify_flags_a_migration_citus_refuses_in_a_distributed_schema() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    let dir = c.env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    let mut c = c;
    c.env
        .set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap());
    c.env.init().await;
    let a = c.env.tenant("Acme", "acme").await;
    c.env.run(&["migrate", "verify"]).await.ok();
    std::fs::write(
        dir.join("20990101000001_platform_refs.up.sql"),
        "CREATE TABLE platform_refs (id bigint PRIMARY KEY, platform_id bigint REFERENCES public.platforms (id));\n",
    )
    .unwrap();
    let r = c.env.run(&["migrate", "verify"]).await;
    r.code(1)
        .stderr_has(
            "migration 20990101000001 (platform refs) fails in a distributed schema (Citus): ",
        )
        .stderr_has("may only reference its own schema");
    let r = c.env.run(&["migrate", "verify", "-o", "json"]).await;
    let v = r.json();
    assert!(
        v["distributed_error"]
            .as_str()
            .is_some_and(|e| e.contains("20990101000001")),
        "{v}"
    );
    // What verify foresaw: migrate fails the tenant, which stays as it was.
    let before = c.env.versions(&a).await;
    let r = c.env.run(&["migrate"]).await;
    assert_ne!(r.code, 0, "{r:?}");
    assert_eq!(c.env.versions(&a).await, before);
    // Without the foreign key, the set passes again.
    std::fs::remove_file(dir.join("20990101000001_platform_refs.up.sql")).unwrap();
    c.env.run(&["migrate", "verify"]).await.ok();
}

/// init, provision, migrate, backup, restore, report and status give the same outcome with
/// the database-level setting on, off, or unset.
#[tokio::test]
async fn every_command_behaves_the_same_whatever_the_database_setting() {
    let mut seen = Vec::new();
    for sharding in [Some(true), Some(false), None] {
        let Some(c) = cluster(sharding).await else {
            return;
        };
        let dir = c.env.path().join("tenant-migrations");
        copy_sample_migrations(&dir);
        let mut c = c;
        c.env
            .set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap());
        c.env.init().await;
        let schema = c.env.tenant("Acme", "acme").await;
        make_post(&c, &schema).await;
        assert_eq!(comment(&c, &schema, 2).await, 2);
        std::fs::write(
            dir.join("20990101000001_tags.up.sql"),
            "CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE INDEX tags_name_idx ON tags (name);\n",
        )
        .unwrap();
        let m = c.env.run(&["migrate", "-o", "json"]).await;
        m.ok();
        c.env.run(&["backup", "Acme"]).await.ok();
        assert_eq!(comment(&c, &schema, 1).await, 3);
        let r = c
            .env
            .run(&["restore", "Acme", "--latest", "--yes", "-o", "json"])
            .await;
        r.ok();
        assert_eq!(comment(&c, &schema, 0).await, 2);
        let q = c
            .env
            .run(&[
                "report",
                "query",
                "-o",
                "json",
                "--sql",
                "select count(*) as n from comments",
            ])
            .await;
        q.ok();
        let st = c.env.run(&["status", "-o", "json"]).await;
        st.ok();
        let citus = st.json()["citus"].clone();
        let distributed = c.distributed_schemas().await;
        let outcome = (
            distributed.contains(&schema),
            distributed
                .iter()
                .any(|s| s == "tenantctl" || s == "public"),
            c.citus_tables(&schema).await,
            c.env.versions(&schema).await,
            r.json()["node"].is_string(),
            q.json()["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| (x["platform"].to_string(), x["n"].to_string()))
                .collect::<Vec<_>>(),
            citus["local_tenants"].clone(),
            citus["distributed_tenants"].clone(),
        );
        seen.push((sharding, outcome));
    }
    for (sharding, outcome) in &seen[1..] {
        assert_eq!(
            outcome, &seen[0].1,
            "setting {sharding:?} vs {:?}",
            seen[0].0
        );
    }
    let first = &seen[0].1;
    assert!(first.0, "the tenant is distributed");
    assert!(!first.1, "tenantctl and public stay local");
    assert!(first.2.contains(&"tags".to_string()));
}
