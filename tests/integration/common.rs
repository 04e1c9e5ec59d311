//! The test harness: every test gets its own fresh database (`#[sqlx::test]`), and runs the
//! real `tenantctl` binary against it the way an operator would, with no terminal.

#![allow(dead_code)]

use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_tenantctl");

/// One test's world: its database, a scratch directory (the working directory of every
/// command, so no stray tenantctl.toml is read) and extra environment.
pub struct Env {
    pub pool: PgPool,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

/// What a command did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    #[track_caller]
    pub fn json_as<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout does not parse ({e}):\n{}", self.stdout))
    }
}

/// The URL of the database a `#[sqlx::test]` pool points at.
pub fn url_of(pool: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set by scripts/test");
    let db = pool
        .connect_options()
        .get_database()
        .expect("test database")
        .to_string();
    let mut u = url::Url::parse(&base).expect("DATABASE_URL parses");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

impl Env {
    pub fn new(pool: PgPool) -> Env {
        let url = url_of(&pool);
        Env {
            pool,
            url,
            dir: tempfile::tempdir().expect("scratch dir"),
            env: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Add an environment variable for every later command.
    pub fn set(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Run `tenantctl ARGS` with no terminal and only this test's environment.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[]).await
    }

    pub async fn run_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Run {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, _) in std::env::vars() {
            if k.starts_with("TENANTCTL_")
                || k == "DATABASE_URL"
                || k == "CONFIRM"
                || k == "NO_COLOR"
            {
                cmd.env_remove(&k);
            }
        }
        cmd.env("DATABASE_URL", &self.url).env(
            "TENANTCTL_BACKUP_LOCAL_DIR",
            self.dir.path().join("backups"),
        );
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let out = cmd.output().await.expect("tenantctl runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `init` with a host platform `Host` at `example.test`.
    pub async fn init(&self) -> Run {
        let r = self
            .run(&[
                "init",
                "--non-interactive",
                "--name",
                "Host",
                "--domain",
                "example.test",
            ])
            .await;
        r.ok();
        r
    }

    /// Create a platform under the host's domain and provision it; returns its schema name.
    pub async fn tenant(&self, name: &str, subdomain: &str) -> String {
        let r = self
            .run(&[
                "platform",
                "create",
                "--name",
                name,
                "--subdomain",
                subdomain,
                "--output",
                "json",
            ])
            .await;
        r.ok();
        let v = r.json();
        let schema = v["schema_name"].as_str().expect("schema name").to_string();
        self.run(&["provision", name]).await.ok();
        schema
    }

    /// Every row of the registry, as text, for "nothing changed" checks.
    pub async fn registry_snapshot(&self) -> Vec<String> {
        sqlx::query_scalar::<_, String>(
            "SELECT row_to_json(p)::text FROM public.platforms p ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap_or_default()
    }

    /// The non-system schemas of the database.
    pub async fn schemas(&self) -> Vec<String> {
        sqlx::query_scalar::<_, String>(
            "SELECT nspname::text FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
             AND nspname <> 'information_schema' ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await
        .expect("schemas")
    }

    /// Write a file in the scratch directory.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        p
    }
}

/// Copy the embedded sample tenant migrations into `dir` (to add or break one in a test).
pub fn copy_sample_migrations(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/tenant");
    for e in std::fs::read_dir(src).expect("sample migrations") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
    }
}

// ---- Helpers for the migrate tests ----

impl Env {
    /// `tenantctl ARGS` started in the background with the same environment as [`Env::run`],
    /// for tests that kill it or make it wait.
    pub fn spawn(&self, args: &[&str], extra: &[(&str, &str)]) -> tokio::process::Child {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, _) in std::env::vars() {
            if k.starts_with("TENANTCTL_")
                || k == "DATABASE_URL"
                || k == "CONFIRM"
                || k == "NO_COLOR"
            {
                cmd.env_remove(&k);
            }
        }
        cmd.env("DATABASE_URL", &self.url).env(
            "TENANTCTL_BACKUP_LOCAL_DIR",
            self.dir.path().join("backups"),
        );
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.spawn().expect("tenantctl starts")
    }

    /// `n` platforms `<prefix>1`..`<prefix>n` under the host's domain, provisioned with the
    /// embedded migration set through the library (much faster than two commands each).
    /// Needs `init` first. Returns (name, schema) pairs, by id.
    pub async fn tenants(&self, prefix: &str, n: usize) -> Vec<(String, String)> {
        use tenantctl::registry::store::{self, NewPlatform, PlatformInput};
        let prov = tenantctl::provision::Provisioner {
            set: tenantctl::migrate::MigrationSet::embedded(),
            seeds: tenantctl::provision::Seeds::embedded(),
            extension_schema: None,
            base_domain: None,
        };
        let mut out = Vec::with_capacity(n);
        for i in 1..=n {
            let name = format!("{prefix}{i}");
            let new = NewPlatform::validate(PlatformInput {
                name: name.clone(),
                subdomain: Some(format!("{}-{i}", prefix.to_lowercase())),
                ..PlatformInput::default()
            })
            .expect("valid platform");
            let p = store::create(&self.pool, &new, None)
                .await
                .expect("platform created");
            let done = tenantctl::provision::provision(&self.pool, &prov, &p)
                .await
                .expect("provisioned");
            let schema = done.platform().schema_name.clone().expect("schema");
            out.push((name, schema));
        }
        out
    }

    /// The versions recorded in a schema's tracking table, oldest first (empty when the
    /// schema or its table is missing).
    pub async fn versions(&self, schema: &str) -> Vec<i64> {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
            "SELECT version FROM \"{schema}\"._sqlx_migrations ORDER BY version"
        )))
        .fetch_all(&self.pool)
        .await
        .unwrap_or_default()
    }
}

/// Wait for a spawned command and collect what it did.
pub async fn finish(child: tokio::process::Child) -> Run {
    let out = child.wait_with_output().await.expect("tenantctl ran");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
