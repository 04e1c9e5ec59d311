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
        let mut cmd = self.command(args);
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
        let schema = v["schema"].as_str().expect("schema name").to_string();
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

/// Quote an identifier for test SQL (the library's own quoting is private on purpose).
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl Env {
    /// Run fixture SQL (several statements allowed) against the test database.
    pub async fn sql(&self, sql: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("fixture SQL failed ({e}):\n{sql}"));
    }

    /// Everything stored in the database, as text, for "nothing was written anywhere" checks:
    /// every relation of every non-system schema, the content of every table, and every
    /// sequence's position.
    pub async fn data_fingerprint(&self) -> Vec<String> {
        let mut out: Vec<String> = sqlx::query_scalar(
            "SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await
        .expect("relations");
        let tables: Vec<(String, String)> = sqlx::query_as(
            "SELECT schemaname::text, tablename::text FROM pg_tables \
             WHERE schemaname NOT LIKE 'pg\\_%' AND schemaname <> 'information_schema' ORDER BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await
        .expect("tables");
        for (s, t) in tables {
            let sql = format!(
                "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {}.{} x",
                quote_ident(&s),
                quote_ident(&t)
            );
            let h: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&self.pool)
                .await
                .expect("table hash");
            out.push(format!("{s}.{t} = {h}"));
        }
        let seqs: Vec<String> = sqlx::query_scalar(
            "SELECT schemaname || '.' || sequencename || '=' || coalesce(last_value::text, 'unused') \
             FROM pg_sequences ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await
        .expect("sequences");
        out.extend(seqs);
        out
    }

    /// Register platforms straight in the registry as completed, each with a hand-made schema
    /// holding a `posts` table with `posts` rows: a fast fleet for fan-out tests (real
    /// provisioning runs the whole sample set per tenant). Returns the schema names.
    pub async fn fake_fleet(&self, prefix: &str, n: usize, posts: usize) -> Vec<String> {
        let mut schemas = Vec::new();
        for i in 0..n {
            let schema = format!("tenant_{prefix}_{i:04}");
            self.sql(&format!(
                "CREATE SCHEMA {s};
                 CREATE TABLE {s}.posts (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, title text NOT NULL);
                 INSERT INTO {s}.posts (title) SELECT 'post ' || g FROM generate_series(1, {posts}) g;
                 INSERT INTO public.platforms (name, subdomain, schema_name, provision_status, provisioned_at)
                 VALUES ('{prefix} {i:04}', '{prefix}-{i}', '{schema}', 'completed', now());",
                s = quote_ident(&schema)
            ))
            .await;
            schemas.push(schema);
        }
        schemas
    }
}
/// A `tenantctl ARGS` command set up like [`Env::run`] (no terminal, this test's environment),
/// for processes a test starts in the background and signals (workers).
impl Env {
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = self.program(BIN);
        cmd.args(args);
        cmd
    }

    /// A command for any `program` (`aws`, `pg_restore`, `prlimit`) with this test's
    /// environment, no terminal, killed when dropped.
    pub fn program(&self, program: &str) -> tokio::process::Command {
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
                || k == "RUST_LOG"
            {
                cmd.env_remove(&k);
            }
        }
        cmd.env("DATABASE_URL", &self.url).env(
            "TENANTCTL_BACKUP_LOCAL_DIR",
            self.dir.path().join("backups"),
        );
        // Domain checks ask the test bed's DNS server, never the machine's resolver.
        if let Ok(port) = std::env::var("TENANTCTL_TEST_DNS_PORT") {
            cmd.env("TENANTCTL_DOMAINS_DNS_SERVER", format!("127.0.0.1:{port}"));
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Start `tenantctl ARGS` in the background.
    pub fn spawn(&self, args: &[&str]) -> tokio::process::Child {
        self.spawn_with(args, &[])
    }

    /// Start `tenantctl ARGS` in the background with extra environment (killed when dropped).
    pub fn spawn_with(&self, args: &[&str], extra: &[(&str, &str)]) -> tokio::process::Child {
        let mut cmd = self.command(args);
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.spawn().expect("tenantctl starts")
    }

    /// `platform create --name NAME --subdomain SUB` (no provisioning run); returns the JSON.
    pub async fn create(&self, name: &str, subdomain: &str) -> serde_json::Value {
        let r = self
            .run(&[
                "platform",
                "create",
                "--name",
                name,
                "--subdomain",
                subdomain,
                "-o",
                "json",
            ])
            .await;
        r.ok();
        r.json()
    }

    /// `platform show NAME -o json`.
    pub async fn show(&self, name: &str) -> serde_json::Value {
        let r = self.run(&["platform", "show", name, "-o", "json"]).await;
        r.ok();
        r.json()
    }

    /// Wait (polling, at most `secs` seconds) until `sql` returns true; panics naming `what`.
    pub async fn eventually(&self, what: &str, secs: u64, sql: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let ok: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
                .fetch_one(&self.pool)
                .await
                .unwrap_or(false);
            if ok {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "gave up waiting for {what}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// Send a signal (`TERM`, `KILL`, ...) to a child process.
pub fn signal(child: &tokio::process::Child, sig: &str) {
    let pid = child.id().expect("child is running");
    let ok = std::process::Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "kill -{sig} {pid} failed");
}

/// A child's exit code and output, after it ended.
pub async fn finish(child: tokio::process::Child) -> Run {
    let out = child.wait_with_output().await.expect("child output");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The SMTP server `scripts/test` starts: (port, Maildir).
pub fn smtp_server() -> (String, PathBuf) {
    let port = std::env::var("TENANTCTL_TEST_SMTP_PORT").unwrap_or_else(|_| {
        panic!("TENANTCTL_TEST_SMTP_PORT is not set: run the tests via scripts/test, which starts the SMTP server")
    });
    let dir = std::env::var("TENANTCTL_TEST_SMTP_MAILDIR").unwrap_or_else(|_| {
        panic!("TENANTCTL_TEST_SMTP_MAILDIR is not set: run the tests via scripts/test, which starts the SMTP server")
    });
    (port, PathBuf::from(dir))
}

/// One message the SMTP server received.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The messages in the Maildir addressed to `to`.
pub fn mails_to(maildir: &Path, to: &str) -> Vec<Mail> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(maildir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                    .unwrap_or("")
                    .trim()
                    .to_string()
            };
            let m = Mail {
                to: header("To"),
                subject: header("Subject"),
                body: body.to_string(),
            };
            if m.to.eq_ignore_ascii_case(to) {
                out.push(m);
            }
        }
    }
    out
}

/// A mail address unique to this test run, so tests sharing the SMTP server find their own
/// messages.
pub fn unique_address(pool: &PgPool, local: &str, domain: &str) -> String {
    let db = pool
        .connect_options()
        .get_database()
        .unwrap_or("db")
        .to_string();
    let run = format!("{:032x}", rand::random::<u128>());
    format!(
        "{local}+{}{}@{domain}",
        db.replace(['_', '-'], "")
            .chars()
            .take(20)
            .collect::<String>(),
        &run[..8]
    )
}

impl Env {
    /// This test's database through the PgBouncer that `scripts/test` starts (transaction
    /// pooling). Fails, not skips, when it is not there.
    pub fn pgbouncer_url(&self) -> String {
        let base = std::env::var("TENANTCTL_TEST_PGBOUNCER_URL").expect(
            "TENANTCTL_TEST_PGBOUNCER_URL is not set: run the tests via `scripts/test`, which starts PgBouncer",
        );
        let db = self
            .pool
            .connect_options()
            .get_database()
            .expect("test database")
            .to_string();
        let mut u = url::Url::parse(&base).expect("TENANTCTL_TEST_PGBOUNCER_URL parses");
        u.set_path(&format!("/{db}"));
        u.to_string()
    }
}

// ---- Helpers for the migrate tests ----

impl Env {
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
            let p = store::create(&self.pool, &new, None, store::Claims::New { ttl: None })
                .await
                .expect("platform created");
            let done = tenantctl::provision::provision(&self.pool, &prov, &p)
                .await
                .expect("provisioned");
            let schema = done.platform().schema_str().expect("schema").to_string();
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
        .http_client(tenantctl::tls::aws_http_client())
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
    let name = format!("t-{:032x}", rand::random::<u128>());
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

    /// Run any program (`prlimit`, `aws`, `pg_restore`) with this test's environment.
    pub async fn run_program(&self, program: &str, args: &[&str]) -> Run {
        let out = self
            .program(program)
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

/// A DNS server of this test's own: dnsmasq (which `start_dns` in scripts/lib/services.sh
/// installs) on a free loopback port, answering only the records given, stopped on drop.
/// dnsmasq re-reads hosts files on SIGHUP but never its TXT records (`--txt-record` is
/// configuration, which SIGHUP does not reload), so a test that needs records starts its own
/// server rather than rewriting the shared one under the other tests' feet.
pub struct Dns {
    child: std::process::Child,
    pub port: u16,
}

impl Dns {
    /// `txt`: (name, value) TXT records; `a`: (name, IPv4 address) A records.
    pub fn start(txt: &[(&str, &str)], a: &[(&str, &str)]) -> Dns {
        Dns::start_with(txt, a, &[])
    }

    /// [`Dns::start`], plus `wildcard`: (domain, IPv4 address), an A record for the domain and
    /// every name under it (`*.domain`).
    pub fn start_with(txt: &[(&str, &str)], a: &[(&str, &str)], wildcard: &[(&str, &str)]) -> Dns {
        let bin = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("dnsmasq is missing: run the tests via scripts/test (start_dns installs it)");
        for _ in 0..20 {
            let port = {
                let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                s.local_addr().unwrap().port()
            };
            let mut cmd = std::process::Command::new(bin);
            cmd.args([
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--bind-interfaces",
                "--listen-address=127.0.0.1",
                "--pid-file=",
                "--user=",
                "--local=/#/",
            ])
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
            for (name, value) in txt {
                // No shell here: quotes would be part of the value.
                cmd.arg(format!("--txt-record={name},{value}"));
            }
            for (name, ip) in a {
                cmd.arg(format!("--host-record={name},{ip}"));
            }
            for (domain, ip) in wildcard {
                cmd.arg(format!("--address=/{domain}/{ip}"));
            }
            let mut child = cmd.spawn().expect("dnsmasq starts");
            // Listening once the port is taken (or gone: another process took it first).
            for _ in 0..100 {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if std::net::UdpSocket::bind(("127.0.0.1", port)).is_err() {
                    return Dns { child, port };
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("dnsmasq did not start");
    }

    /// The value of `domains.dns_server` that reaches it.
    pub fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
