//! Backups against the server's lock table (issue 18): batches sized from what the lock table
//! really holds. These tests start a small PostgreSQL cluster of their own, because the lock
//! table's size is fixed when a server starts and the shared test server's is large.

use crate::backup::fleet;
use crate::common::Env;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A throwaway PostgreSQL cluster with a small lock table, stopped when dropped.
struct SmallCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    url: String,
}

fn pg_bindir() -> PathBuf {
    if let Ok(d) = std::env::var("PG_BINDIR") {
        return PathBuf::from(d);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (scripts/test installs it)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("an initdb under /usr/lib/postgresql")
}

/// Run a command as the cluster's owner: `postgres` when the tests run as root (PostgreSQL
/// refuses to run as root).
fn as_owner(program: &Path, args: &[&str]) -> std::process::Output {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let mut cmd = if root {
        let mut line = shell_quote(&program.to_string_lossy());
        for a in args {
            line.push(' ');
            line.push_str(&shell_quote(a));
        }
        let mut c = Command::new("su");
        c.args(["postgres", "-s", "/bin/sh", "-c", &line]);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    };
    cmd.stdin(Stdio::null())
        .output()
        .expect("the PostgreSQL tool runs")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl SmallCluster {
    fn start(max_locks_per_transaction: u32, max_connections: u32) -> SmallCluster {
        let dir = tempfile::tempdir().expect("cluster dir");
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o777),
        )
        .unwrap();
        let bin = pg_bindir();
        let data = dir.path().join("data");
        let out = as_owner(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        );
        assert!(out.status.success(), "initdb: {out:?}");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections={max_connections} -c max_locks_per_transaction={max_locks_per_transaction}",
            dir.path().display()
        );
        let log = dir.path().join("server.log");
        let out = as_owner(
            &bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "120",
                "-o",
                &opts,
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {out:?}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        SmallCluster {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            dir,
            bin,
        }
    }
}

impl Drop for SmallCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = as_owner(
            &self.bin.join("pg_ctl"),
            &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
        );
    }
}

/// Issue 18: a lock table too small for the fleet still backs up every tenant, in batches that
/// fit it, and says once which setting to raise; `doctor` says so too.
#[tokio::test]
async fn a_small_lock_table_backs_up_every_tenant_in_batches_and_warns_once() {
    // 10 x 20 = 200 slots by the settings: a quarter kept for the server, pg_dump's own catalog
    // locks, and the budget is its floor, 64 relations (three sample tenants) per pg_dump.
    let cluster = SmallCluster::start(10, 20);
    let pool = sqlx::PgPool::connect(&cluster.url).await.unwrap();
    let mut env = Env {
        pool,
        url: cluster.url.clone(),
        dir: tempfile::tempdir().unwrap(),
        env: Vec::new(),
    };
    env.set("TENANTCTL_BACKUP_JOBS", "1");
    let tenants: Vec<(String, String)> = (1..=7)
        .map(|i| (format!("T{i}"), format!("tenant_t{i}")))
        .collect();
    let refs: Vec<(&str, &str)> = tenants
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    fleet(&env, &refs).await;

    let r = env.run(&["backup", "--all", "-o", "json"]).await;
    r.ok();
    let out = r.json();
    let all = out.as_array().unwrap();
    // Every tenant, the host too, each in a batch of at most three sample schemas.
    assert_eq!(all.len(), 8, "{out}");
    for o in all {
        assert_eq!(o["status"], "ok", "{o}");
        let batch = o["batch_schemas"].as_u64().unwrap();
        assert!((1..=3).contains(&batch), "{o}");
    }
    let batches: u64 = all
        .iter()
        .map(|o| 1.0 / o["batch_schemas"].as_f64().unwrap())
        .sum::<f64>()
        .round() as u64;
    assert!(batches >= 3, "{batches} batches: {out}");
    // Said once, with the setting to raise.
    assert_eq!(
        r.stderr
            .matches("raise max_locks_per_transaction to")
            .count(),
        1,
        "{}",
        r.stderr
    );
    r.stderr_has("pg_dump runs, each reading the whole catalog");
    // Each archive restores on its own.
    let dump = std::fs::read_dir(env.backups().join("tenant_t4"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "dump"))
        .unwrap();
    let listed = env
        .run_program("pg_restore", &["--list", dump.to_str().unwrap()])
        .await;
    listed.ok().stdout_has("TABLE DATA tenant_t4 posts");
    assert!(!listed.stdout.contains("tenant_t3"), "{}", listed.stdout);

    // doctor sees the same.
    let r = env.run(&["doctor", "-o", "json"]).await;
    let report: Value = r.json();
    let lock = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "lock-table")
        .unwrap()
        .clone();
    // FAIL here: by the settings alone (10 x 20 slots) not even pg_dump's own catalog locks fit.
    assert_ne!(lock["status"], "PASS", "{lock}");
    assert!(
        lock["detail"]
            .as_str()
            .unwrap()
            .contains("a backup of every tenant takes 3 pg_dump run(s)"),
        "{lock}"
    );
    assert!(
        lock["fix"]
            .as_str()
            .unwrap()
            .contains("raise max_locks_per_transaction to"),
        "{lock}"
    );

    // A configured batch size is the operator's choice: no advice then.
    let r = env
        .run_with(
            &["backup", "--all", "-o", "json"],
            &[("TENANTCTL_BACKUP_BATCH_SIZE", "2")],
        )
        .await;
    r.ok();
    assert!(
        !r.stderr.contains("max_locks_per_transaction"),
        "{}",
        r.stderr
    );
}
