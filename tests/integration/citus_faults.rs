//! Faults on Citus (issue 14): a worker stopped during `migrate`. Uses the test bed's SPARE
//! worker (TENANTCTL_TEST_CITUS_SPARE), which is in no other test's cluster: this test adds it
//! to its own database, places tenants on it, stops it and starts it again. Tests that stop
//! the spare hold `pg_advisory_lock(14015)` on the coordinator for their whole duration, so
//! they never overlap. Skipped with the rest of the Citus group.

use crate::citus::{Cluster, cluster, connect};
use crate::common::copy_sample_migrations;
use serde_json::Value;
use sqlx::{AssertSqlSafe, Connection};

/// The spare worker, stopped by [`Spare::stop`] and started again when dropped (also when the
/// test fails), with the options `start_citus` gave it.
struct Spare {
    node: String,
    data: String,
    stopped: bool,
}

impl Spare {
    fn from_env() -> Option<Spare> {
        Some(Spare {
            node: std::env::var("TENANTCTL_TEST_CITUS_SPARE").ok()?,
            data: std::env::var("TENANTCTL_TEST_CITUS_SPARE_DATA").ok()?,
            stopped: false,
        })
    }

    fn pg_ctl(&self, args: &[&str]) {
        let bindir = std::env::var("PG_BINDIR").unwrap_or_else(|_| {
            let out = std::process::Command::new("pg_config")
                .arg("--bindir")
                .output()
                .expect("pg_config");
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        });
        let pg_ctl = format!("{bindir}/pg_ctl");
        let as_root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let mut cmd = if as_root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--", &pg_ctl]);
            c
        } else {
            std::process::Command::new(&pg_ctl)
        };
        let out = cmd
            .args(["-D", &self.data])
            .args(args)
            .output()
            .expect("pg_ctl runs");
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn stop(&mut self) {
        self.stopped = true;
        self.pg_ctl(&["-m", "immediate", "stop"]);
    }

    fn start(&mut self) {
        if !self.stopped {
            return;
        }
        let dir = std::path::Path::new(&self.data)
            .parent()
            .expect("the spare's folder")
            .to_str()
            .unwrap()
            .to_string();
        let port = self.node.rsplit_once(':').unwrap().1;
        let opts = format!(
            "-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c shared_preload_libraries=citus -c wal_level=logical -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_locks_per_transaction=512 -c shared_buffers=64MB"
        );
        let log = format!("{dir}/server.log");
        self.pg_ctl(&["-l", &log, "-w", "-t", "60", "-o", &opts, "start"]);
        self.stopped = false;
    }
}

impl Drop for Spare {
    fn drop(&mut self) {
        if self.stopped {
            self.start();
        }
    }
}

/// Add the spare to `c`'s database (with the extension), as `citus.rs` adds the workers.
async fn add_spare(c: &Cluster, spare: &str) {
    let mut u = url::Url::parse(&c.env.url).unwrap();
    let (host, port) = spare.rsplit_once(':').unwrap();
    u.set_host(Some(host)).unwrap();
    u.set_port(Some(port.parse().unwrap())).unwrap();
    let mut admin = u.clone();
    admin.set_path("/postgres");
    let a = connect(admin.as_str()).await;
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {}", c.db)))
        .execute(&a)
        .await
        .expect("create database on the spare");
    a.close().await;
    let p = connect(u.as_str()).await;
    sqlx::raw_sql("CREATE EXTENSION citus")
        .execute(&p)
        .await
        .unwrap();
    p.close().await;
    // Adding a node alters the cluster-wide role on each worker: take turns (see citus.rs).
    let base = std::env::var("TENANTCTL_TEST_CITUS_URL").unwrap();
    let mut turn = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query("SELECT pg_advisory_lock(14014)")
        .execute(&mut turn)
        .await
        .unwrap();
    sqlx::query("SELECT citus_add_node($1, $2)")
        .bind(host)
        .bind(port.parse::<i32>().unwrap())
        .execute(&c.env.pool)
        .await
        .expect("add the spare");
    turn.close().await.unwrap();
}

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
    let Some(mut spare) = Spare::from_env() else {
        eprintln!("skipped: TENANTCTL_TEST_CITUS_SPARE is not set");
        return;
    };
    // The spare is ours alone for the duration.
    let base = std::env::var("TENANTCTL_TEST_CITUS_URL").unwrap();
    let mut turn = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query("SELECT pg_advisory_lock(14015)")
        .execute(&mut turn)
        .await
        .unwrap();
    add_spare(&c, &spare.node).await;

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
    let (host, port) = spare.node.rsplit_once(':').unwrap();
    for s in &schemas[..2] {
        sqlx::query(
            "SELECT citus_schema_move($1::regnamespace, $2, $3, shard_transfer_mode => 'block_writes')",
        )
        .bind(s)
        .bind(host)
        .bind(port.parse::<i32>().unwrap())
        .execute(&c.env.pool)
        .await
        .or_else(|e| {
            // Citus may have placed it there already.
            if e.to_string().contains("same node") {
                Ok(Default::default())
            } else {
                Err(e)
            }
        })
        .unwrap();
        assert_eq!(c.node_of(s, "posts").await, spare.node);
    }
    for s in &schemas[2..] {
        let moved_off = c.node_of(s, "posts").await;
        if moved_off == spare.node {
            let to = c.workers[0].clone();
            let (h, p) = to.rsplit_once(':').unwrap();
            sqlx::query(
                "SELECT citus_schema_move($1::regnamespace, $2, $3, shard_transfer_mode => 'block_writes')",
            )
            .bind(s)
            .bind(h)
            .bind(p.parse::<i32>().unwrap())
            .execute(&c.env.pool)
            .await
            .unwrap();
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
    turn.close().await.unwrap();
}
