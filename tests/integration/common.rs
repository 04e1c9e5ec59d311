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

// ---- backups (issue 5) ----

/// The S3 server `scripts/test` starts; a test that needs it fails (not skips) without it.
pub fn s3_endpoint() -> String {
    std::env::var("TENANTCTL_TEST_S3_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "TENANTCTL_TEST_S3_ENDPOINT is not set: run the S3 tests via scripts/test, which starts an S3 server (moto) on loopback"
        )
    })
}

/// Credentials and settings every S3 client in the tests uses (moto takes any key).
pub const S3_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

/// An S3 client for `endpoint`, the way tenantctl configures one.
pub async fn s3_client(endpoint: &str) -> aws_sdk_s3::Client {
    let creds = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "tests");
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(endpoint)
        .force_path_style(true)
        .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// A fresh bucket of this test's own.
pub async fn s3_bucket(endpoint: &str) -> String {
    let name = format!("t-{}", uuid::Uuid::new_v4().simple());
    s3_client(endpoint)
        .await
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("create bucket");
    name
}

impl Env {
    /// Point this test's tenantctl at S3 (`endpoint`, a new bucket, `prefix`); returns the bucket.
    pub async fn use_s3(&mut self, endpoint: &str, prefix: &str) -> String {
        let bucket = s3_bucket(endpoint).await;
        for (k, v) in S3_ENV {
            self.set(k, v);
        }
        self.set("TENANTCTL_BACKUP_STORAGE", "s3")
            .set("TENANTCTL_BACKUP_S3_BUCKET", &bucket)
            .set("TENANTCTL_BACKUP_S3_ENDPOINT", endpoint)
            .set("TENANTCTL_BACKUP_S3_PREFIX", prefix);
        bucket
    }

    /// A command for `program` with this test's environment (what `run` gives tenantctl).
    pub fn command(&self, program: &str) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(program);
        cmd.current_dir(self.dir.path())
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
        cmd
    }

    /// Run any program (`prlimit`, `aws`, `pg_restore`) with this test's environment.
    pub async fn run_program(&self, program: &str, args: &[&str]) -> Run {
        let out = self
            .command(program)
            .args(args)
            .output()
            .await
            .unwrap_or_else(|e| panic!("{program} runs: {e}"));
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Start `tenantctl ARGS` without waiting (to kill it half-way).
    pub fn spawn(&self, args: &[&str]) -> tokio::process::Child {
        let mut cmd = self.command(BIN);
        cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
        cmd.spawn().expect("tenantctl starts")
    }

    /// The local backup folder.
    pub fn backups(&self) -> PathBuf {
        self.dir.path().join("backups")
    }

    /// A platform's schema name, from the registry.
    pub async fn schema_of(&self, name: &str) -> String {
        sqlx::query_scalar("SELECT schema_name FROM public.platforms WHERE lower(name) = lower($1)")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .expect("platform exists")
    }

    /// Rows in `schema.table`.
    pub async fn count(&self, schema: &str, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{schema}\".\"{table}\""
        )))
        .fetch_one(&self.pool)
        .await
        .expect("count")
    }

    /// Add `rows` people to a tenant, each with about `bio_bytes` of hard-to-compress text.
    pub async fn fill(&self, schema: &str, rows: i64, bio_bytes: i64) {
        let chunks = (bio_bytes / 32).max(1);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO \"{schema}\".people (email, display_name, bio) \
             SELECT 'fill' || g || '-' || md5(random()::text) || '@example.org', 'Person ' || g, \
                    (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, $2) i) \
             FROM generate_series(1, $1) g"
        )))
        .bind(rows)
        .bind(chunks)
        .execute(&self.pool)
        .await
        .expect("fill");
    }
}
