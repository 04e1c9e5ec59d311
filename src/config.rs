//! Configuration: environment (`TENANTCTL_*`, and `DATABASE_URL`) > file (`--config` or
//! `TENANTCTL_CONFIG`, else `./tenantctl.toml`, else `/etc/tenantctl/tenantctl.toml`) >
//! defaults, resolved by [`Config::resolve`] together with the global flags (`--database-url`,
//! `--output`, `--log-format`). A command's own flags (`--jobs`, `--keep-daily`...) are
//! optional and fall back to the resolved setting in that command's handler.
//!
//! [`KEYS`] is the single source of truth: each key's name, kind, default, environment variable
//! and meaning. The defaults, the environment lookup, `config show` and the configuration
//! reference in the docs all come from it (a test checks the docs name every key).

pub mod job_kinds;

use crate::error::{Error, Result};
use crate::rules::{RetryPolicy, SchemaName};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where a value came from, in rising precedence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "name")]
pub enum Source {
    Default,
    File(String),
    Env(String),
    Flag(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "file {p}"),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag(v) => write!(f, "flag {v}"),
        }
    }
}

/// How a key's value is written and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    /// A string that is masked in `config show` (URLs have only their password masked).
    Secret,
    Int,
    Float,
    Bool,
    /// `30s`, `10m`, `24h`, `7d` (humantime).
    Duration,
    /// One of the listed words.
    Enum(&'static [&'static str]),
}

pub struct Key {
    /// Dotted name: `backup.s3_bucket` is `[backup] s3_bucket = ...` in the file.
    pub name: &'static str,
    pub kind: Kind,
    /// The default as a TOML literal (`4`, `"30s"`, `true`); `None`: unset unless given.
    pub default: Option<&'static str>,
    /// An extra environment variable read after `TENANTCTL_<NAME>` (only `DATABASE_URL`).
    pub alt_env: Option<&'static str>,
    pub help: &'static str,
}

const fn key(
    name: &'static str,
    kind: Kind,
    default: Option<&'static str>,
    help: &'static str,
) -> Key {
    Key {
        name,
        kind,
        default,
        alt_env: None,
        help,
    }
}

/// Every configuration key tenantctl knows.
pub const KEYS: &[Key] = &[
    Key {
        name: "database_url",
        kind: Kind::Secret,
        default: None,
        alt_env: Some("DATABASE_URL"),
        help: "PostgreSQL connection URL of the database holding the registry and the tenant schemas",
    },
    key(
        "output",
        Kind::Enum(crate::output::Format::WORDS),
        Some("\"table\""),
        "result format: table for people, json (or csv for lists) for pipelines",
    ),
    key(
        "log_format",
        Kind::Enum(LogFormat::WORDS),
        Some("\"text\""),
        "log line format on stderr",
    ),
    key(
        "connect_timeout",
        Kind::Duration,
        Some("\"10s\""),
        "how long to wait for a database connection",
    ),
    key(
        "sslmode",
        Kind::Enum(&["disable", "prefer", "require", "verify-ca", "verify-full"]),
        None,
        "TLS to PostgreSQL, as libpq's sslmode (prefer and require encrypt without checking the certificate; verify-ca checks its chain, verify-full also the host name); a parameter in the database URL wins; unset: the URL's, PGSSLMODE or prefer",
    ),
    key(
        "sslrootcert",
        Kind::Str,
        None,
        "file of the CA certificates that verify-ca and verify-full trust (only these); unset or `system`: the system's roots",
    ),
    key(
        "sslcert",
        Kind::Str,
        None,
        "client certificate file for PostgreSQL's `cert` authentication (with sslkey)",
    ),
    key(
        "sslkey",
        Kind::Str,
        None,
        "private key file of sslcert (PEM, no passphrase, mode 0600)",
    ),
    key(
        "tenant_migrations_dir",
        Kind::Str,
        None,
        "directory of the application's tenant migrations (sqlx format); unset: the embedded sample set",
    ),
    key(
        "seeds_dir",
        Kind::Str,
        None,
        "directory of seed SQL files run in a new tenant schema; unset: the embedded seeds",
    ),
    key(
        "extension_schema",
        Kind::Str,
        None,
        "shared schema for extension objects, put on every tenant's search_path after the tenant schema",
    ),
    key(
        "base_domain",
        Kind::Str,
        None,
        "parent domain for subdomain-only platforms; unset: the host platform's domain",
    ),
    key(
        "url_scheme",
        Kind::Enum(UrlScheme::WORDS),
        Some("\"https\""),
        "scheme of the tenant links tenantctl prints and mails",
    ),
    key(
        "lock_timeout",
        Kind::Duration,
        Some("\"5s\""),
        "lock_timeout for each migration statement, so a busy table fails the tenant instead of hanging",
    ),
    key(
        "lock_retries",
        Kind::Int,
        Some("3"),
        "how often a tenant whose migration met a lock timeout is tried again (1 s, 2 s, 4 s, ... with jitter)",
    ),
    key(
        "parallel_migration_threads",
        Kind::Int,
        Some("4"),
        "tenant schemas migrated at once",
    ),
    key(
        "domain_redirect_days",
        Kind::Int,
        Some("30"),
        "days an old domain keeps redirecting after `platform set-domain`",
    ),
    key(
        "provision.max_attempts",
        Kind::Int,
        Some("5"),
        "retries of a failed provisioning job before it fails for good (5: after 3s, 9s, 27s, 81s, 243s)",
    ),
    key(
        "provision.backoff_base",
        Kind::Duration,
        Some("\"3s\""),
        "delay before the first retry; each further retry waits backoff_factor times longer",
    ),
    key(
        "provision.backoff_factor",
        Kind::Int,
        Some("3"),
        "growth of the retry delay (3 gives 3s, 9s, 27s, 81s, 243s)",
    ),
    key(
        "provision.stuck_after",
        Kind::Duration,
        Some("\"10m\""),
        "a platform provisioning longer than this, with no run holding it, is reported as stuck (and its job requeued by workers)",
    ),
    key(
        "provision.pool_size",
        Kind::Int,
        Some("0"),
        "spare pre-provisioned schemas the worker keeps ready (`platform create` claims one by renaming it)",
    ),
    key(
        "worker.concurrency",
        Kind::Int,
        Some("1"),
        "jobs one worker runs at once",
    ),
    key(
        "worker.poll_interval",
        Kind::Duration,
        Some("\"1s\""),
        "how often an idle worker looks for jobs (it is also woken by NOTIFY)",
    ),
    key(
        "jobs.per_tenant_concurrency",
        Kind::Int,
        Some("0"),
        "most jobs of one platform running at once across all workers (0: no cap; platforms take turns either way)",
    ),
    key(
        "jobs.keep_completed",
        Kind::Duration,
        Some("\"24h\""),
        "completed and cancelled jobs are deleted this long after they finished (with their attempts)",
    ),
    key(
        "jobs.keep_discarded",
        Kind::Duration,
        Some("\"7d\""),
        "discarded jobs are deleted this long after they finished (with their attempts)",
    ),
    key(
        "jobs.abandon_after",
        Kind::Duration,
        Some("\"1m\""),
        "a running job whose worker sent no heartbeat for this long is taken again, its attempt marked abandoned (heartbeats every quarter of it)",
    ),
    key(
        "jobs.enqueue_role",
        Kind::Str,
        None,
        "the application's database role: `init` and `migrate` grant it EXECUTE on tenantctl.enqueue(); unset: no grant",
    ),
    key(
        "notify.smtp_host",
        Kind::Str,
        None,
        "SMTP server for notifications; unset: no mail",
    ),
    key("notify.smtp_port", Kind::Int, Some("25"), "SMTP port"),
    key(
        "notify.smtp_tls",
        Kind::Enum(SmtpTls::WORDS),
        Some("\"none\""),
        "SMTP transport security",
    ),
    key("notify.smtp_username", Kind::Str, None, "SMTP user name"),
    key("notify.smtp_password", Kind::Secret, None, "SMTP password"),
    key(
        "notify.from",
        Kind::Str,
        Some("\"tenantctl <tenantctl@localhost>\""),
        "From address of notification mail",
    ),
    key(
        "notify.admin_email",
        Kind::Str,
        None,
        "administrators' address for failure notices (backups, provisioning)",
    ),
    key(
        "notify.webhook_url",
        Kind::Secret,
        None,
        "URL that receives each notification event as a JSON POST",
    ),
    key(
        "mail.templates_dir",
        Kind::Str,
        None,
        "directory of the application's mail templates for the mail handler (NAME.subject, NAME.txt, NAME.html; minijinja) and its named read-only queries (NAME.sql)",
    ),
    key(
        "mail.from",
        Kind::Str,
        None,
        "From of the application's mail, a template over the platform (`{{ platform.name }} <no-reply@{{ platform.domain }}>`); a kind's own `from` wins; unset: notify.from",
    ),
    key(
        "mail.reply_to",
        Kind::Str,
        None,
        "Reply-To of the application's mail, a template like mail.from; a kind's own `reply_to` wins; unset: none",
    ),
    key(
        "backup.storage",
        Kind::Enum(StorageKind::WORDS),
        Some("\"local\""),
        "where backups go",
    ),
    key(
        "backup.local_dir",
        Kind::Str,
        Some("\"/var/lib/tenantctl/backups\""),
        "directory for local backups",
    ),
    key("backup.s3_bucket", Kind::Str, None, "S3 bucket for backups"),
    key(
        "backup.s3_prefix",
        Kind::Str,
        Some("\"tenantctl\""),
        "key prefix inside the bucket",
    ),
    key(
        "backup.s3_region",
        Kind::Str,
        Some("\"us-east-1\""),
        "S3 region",
    ),
    key(
        "backup.s3_endpoint",
        Kind::Str,
        None,
        "endpoint of an S3-compatible server (MinIO and the like)",
    ),
    key(
        "backup.s3_sse",
        Kind::Str,
        None,
        "server-side encryption: AES256 or aws:kms",
    ),
    key(
        "backup.s3_part_size_mib",
        Kind::Int,
        Some("8"),
        "S3 multipart part size in MiB (at least 5); grows by this much every 1,000 parts",
    ),
    key(
        "backup.jobs",
        Kind::Int,
        Some("2"),
        "pg_dump processes run at once",
    ),
    key(
        "backup.lock_wait_timeout",
        Kind::Duration,
        Some("\"60s\""),
        "how long pg_dump waits for a table lock (a running migration) before that dump fails",
    ),
    key(
        "backup.batch_size",
        Kind::Int,
        Some("0"),
        "tenant schemas one pg_dump dumps together (one snapshot, one catalog read), split into one archive each; 0: as few batches as the lock table allows (what other sessions hold and a quarter for the server aside), at least one per job",
    ),
    key(
        "backup.keep_last",
        Kind::Int,
        Some("0"),
        "retention: the newest backups to keep, however old",
    ),
    key(
        "backup.keep_daily",
        Kind::Int,
        Some("7"),
        "retention: days with backups to keep the newest of",
    ),
    key(
        "backup.keep_weekly",
        Kind::Int,
        Some("4"),
        "retention: ISO weeks to keep the newest of",
    ),
    key(
        "backup.keep_monthly",
        Kind::Int,
        Some("12"),
        "retention: months to keep the newest of",
    ),
    key(
        "backup.keep_yearly",
        Kind::Int,
        Some("0"),
        "retention: years to keep the newest of",
    ),
    key(
        "backup.keep_within",
        Kind::Str,
        None,
        "retention: keep every backup newer than the newest one minus this, as restic writes it (1y5m7d2h: years, months, days, hours)",
    ),
    key(
        "backup.growth_warn_factor",
        Kind::Float,
        Some("2.0"),
        "warn when a schema grew more than this factor since its last backup",
    ),
    key(
        "backup.pg_bin_dir",
        Kind::Str,
        None,
        "directory of pg_dump and pg_restore; unset: found on PATH",
    ),
    key(
        "report.timeout",
        Kind::Duration,
        Some("\"30s\""),
        "statement_timeout of each tenant's report query",
    ),
    key(
        "report.jobs",
        Kind::Int,
        Some("4"),
        "tenant schemas queried at once",
    ),
    key(
        "report.batch_size",
        Kind::Int,
        Some("50"),
        "tenant schemas sent per round trip by `report query` (each still in its own read-only transaction); 1 sends one at a time",
    ),
    key(
        "status.backup_warn_age",
        Kind::Duration,
        Some("\"24h\""),
        "status --check: WARNING when a platform's last backup is older",
    ),
    key(
        "status.backup_crit_age",
        Kind::Duration,
        Some("\"7d\""),
        "status --check: CRITICAL when a platform's last backup is older",
    ),
    key(
        "status.maintenance_warn",
        Kind::Duration,
        Some("\"1h\""),
        "status --check: WARNING when a platform has been in maintenance longer (a killed restore leaves it there)",
    ),
    key(
        "status.failed_warn",
        Kind::Int,
        Some("1"),
        "status --check: WARNING at this many failed platforms",
    ),
    key(
        "status.failed_crit",
        Kind::Int,
        Some("5"),
        "status --check: CRITICAL at this many failed platforms",
    ),
    key(
        "status.queue_warn",
        Kind::Int,
        Some("50"),
        "status --check: WARNING at this queue depth",
    ),
    key(
        "status.queue_crit",
        Kind::Int,
        Some("500"),
        "status --check: CRITICAL at this queue depth (0: never)",
    ),
    key(
        "status.queue_age_warn",
        Kind::Duration,
        Some("\"10m\""),
        "status --check: WARNING when the oldest ready job has waited this long (0s: never)",
    ),
    key(
        "status.queue_age_crit",
        Kind::Duration,
        Some("\"1h\""),
        "status --check: CRITICAL when the oldest ready job has waited this long (0s: never)",
    ),
    key(
        "status.discarded_warn",
        Kind::Int,
        Some("0"),
        "status --check: WARNING at this many jobs discarded (failed for good) in the last 24 h, all kinds (0: never)",
    ),
    key(
        "status.stuck_warn",
        Kind::Int,
        Some("1"),
        "status --check: WARNING at this many platforms provisioning longer than provision.stuck_after (0: never)",
    ),
    key(
        "status.stuck_crit",
        Kind::Int,
        Some("0"),
        "status --check: CRITICAL at this many stuck platforms (0: never)",
    ),
    key(
        "status.behind_warn",
        Kind::Int,
        Some("1"),
        "status --check: WARNING at this many tenants behind the migration set or whose last migration failed (0: never)",
    ),
    key(
        "status.behind_crit",
        Kind::Int,
        Some("0"),
        "status --check: CRITICAL at this many tenants behind on migrations (0: never)",
    ),
    key(
        "serve.listen",
        Kind::Str,
        Some("\"127.0.0.1:8080\""),
        "address `serve` listens on",
    ),
    key(
        "serve.unknown_host",
        Kind::Enum(UnknownHost::WORDS),
        Some("\"not_found\""),
        "answer to a Host that is no platform's: 404, or a redirect to the host platform",
    ),
    key(
        "serve.refresh_interval",
        Kind::Duration,
        Some("\"30s\""),
        "periodic refresh of the resolution map (besides LISTEN/NOTIFY)",
    ),
    Key {
        name: "serve.database_url",
        kind: Kind::Secret,
        default: None,
        alt_env: None,
        help: "database URL for request traffic, e.g. a PgBouncer in transaction mode; unset: database_url (which `serve` keeps for LISTEN and the registry)",
    },
    key(
        "serve.pool_size",
        Kind::Int,
        Some("16"),
        "connections of the request pool",
    ),
    key(
        "serve.statement_cache",
        Kind::Int,
        None,
        "prepared statements cached per request-pool connection, per tenant while the tenants one connection serves fit (with serve.affinity on, about 2 × tenants ÷ serve.pool_size; otherwise every tenant); 0: unnamed statements only, which PgBouncer before 1.21 in transaction mode needs; unset: 0 when serve.database_url is set, else 1024",
    ),
    key(
        "serve.affinity",
        Kind::Enum(&["on", "off"]),
        Some("\"on\""),
        "on: each tenant's requests keep to the request connections its name ranks first (rendezvous hashing), spilling over to any free one when those are busy, so each backend caches a share of the fleet; off: any free connection. Behind a transaction-mode pooler it cannot reach the server connections",
    ),
    key(
        "serve.affinity_wait",
        Kind::Duration,
        Some("\"5ms\""),
        "how long a request waits for a busy request connection whose backend has served its tenant before it takes a free one that has not (whose caches are cold for it); 0s: never wait while a connection is free",
    ),
    key(
        "serve.backend_memory_limit_mib",
        Kind::Int,
        Some("32"),
        "replace a request connection whose backend holds more than this many MiB (its pg_backend_memory_contexts; needs superuser or pg_read_all_stats); 0: never. Not checked behind a pooler (serve.database_url reaching a server on another port than it dials)",
    ),
    key(
        "serve.backend_memory_check_every",
        Kind::Int,
        Some("500"),
        "requests between two memory samples of a request connection's backend",
    ),
    key(
        "serve.retry_after",
        Kind::Duration,
        Some("\"30s\""),
        "Retry-After of the 503 a platform in maintenance (or unavailable) answers",
    ),
    key(
        "serve.shutdown_timeout",
        Kind::Duration,
        Some("\"30s\""),
        "on SIGTERM/SIGINT, how long requests in flight may take to finish",
    ),
    key(
        "serve.setup",
        Kind::Enum(SetupMode::WORDS),
        Some("\"off\""),
        "the /setup/* routes that create platforms: off (404), token (a bearer token, serve.setup_token), or open to anyone who reaches serve",
    ),
    key(
        "serve.setup_token",
        Kind::Secret,
        None,
        "the bearer token /setup/* wants when serve.setup = \"token\"",
    ),
    key(
        "serve.setup_rate",
        Kind::Int,
        Some("10"),
        "platforms one client address may create through /setup per hour (a token bucket: that many at once, then one per 1/N hour); 0: no limit",
    ),
    key(
        "serve.setup_max_pending",
        Kind::Int,
        Some("100"),
        "/setup refuses to create a platform (503) while this many platforms are pending or provisioning; 0: no cap",
    ),
    key(
        "serve.metrics_listen",
        Kind::Str,
        None,
        "a separate address for /metrics, like 127.0.0.1:9464 (then the public listener does not serve it)",
    ),
    key(
        "serve.metrics_token",
        Kind::Secret,
        None,
        "the bearer token /metrics wants; with neither this nor serve.metrics_listen, /metrics is not served",
    ),
    key(
        "serve.console",
        Kind::Enum(ConsoleMode::WORDS),
        Some("\"off\""),
        "the web console under /console: off (404), or on, answered only on the host platform's own address (or on serve.console_listen), never on a tenant's",
    ),
    key(
        "serve.console_listen",
        Kind::Str,
        None,
        "a separate address for the console, like 127.0.0.1:8081 (it answers there whatever the Host, and still on the host platform's address)",
    ),
    key(
        "serve.console_url",
        Kind::Str,
        None,
        "the console's address as its users reach it, for the links `console user add` and `console invite` give out, like https://example.org/console; unset: url_scheme://<host platform's address>/console",
    ),
    key(
        "serve.console_idle_timeout",
        Kind::Duration,
        Some("\"30m\""),
        "a console session unused this long ends",
    ),
    key(
        "serve.console_session_lifetime",
        Kind::Duration,
        Some("\"12h\""),
        "a console session ends this long after its login, used or not",
    ),
    key(
        "serve.console_login_rate",
        Kind::Int,
        Some("10"),
        "console login attempts one client address may make per minute (then 429 until its bucket refills); 0: no limit",
    ),
    key(
        "serve.console_account_login_rate",
        Kind::Int,
        Some("5"),
        "console login attempts on one account per minute, from any address; 0: no limit",
    ),
    key(
        "serve.console_secure_cookie",
        Kind::Bool,
        None,
        "mark the console's cookies Secure (sent over HTTPS only); unset: when url_scheme is https (serve behind a TLS proxy)",
    ),
    key(
        "domains.verify",
        Kind::Bool,
        Some("true"),
        "serve a platform's own domain (not a subdomain of the base domain) only once its ownership is proven (`platform verify-domain`); false for closed deployments",
    ),
    key(
        "domains.dns_server",
        Kind::Str,
        None,
        "DNS server for domain verification, IP[:PORT]; unset: the system's (/etc/resolv.conf)",
    ),
    key(
        "domains.http_port",
        Kind::Int,
        Some("80"),
        "port the HTTP challenge is fetched on at the domain's address",
    ),
    key(
        "domains.check_interval",
        Kind::Duration,
        Some("\"5m\""),
        "how often the worker checks the domains not yet verified (and whether a verified one is due again)",
    ),
    key(
        "domains.recheck_interval",
        Kind::Duration,
        Some("\"1h\""),
        "how often a verified domain is checked again: its proof must still be there",
    ),
    key(
        "domains.lost_after",
        Kind::Duration,
        Some("\"24h\""),
        "a verified domain whose proof fails every check for this long is lost (no longer served, no certificate); shorter failures are a warning (DNS flaps); 0s: lost at the first failure",
    ),
    key(
        "domains.claim_ttl",
        Kind::Duration,
        Some("\"72h\""),
        "an address claimed but not proven for this long no longer blocks another platform: the next create or set-domain for it takes it over",
    ),
    key(
        "host_migration.backup_max_age",
        Kind::Duration,
        Some("\"24h\""),
        "migrate-host-to-schema: the newest backup must be younger than this",
    ),
    key(
        "citus.distribute_tenants",
        Kind::Bool,
        Some("true"),
        "with the citus extension in the database: create each new tenant schema as a distributed schema (placed whole on one worker); false keeps them on the coordinator",
    ),
];

/// The environment variable of a key: `TENANTCTL_` and the upper-cased name, dots as `_`.
pub fn env_var(name: &str) -> String {
    format!("TENANTCTL_{}", name.to_ascii_uppercase().replace('.', "_"))
}

pub fn find_key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

/// A duration value written as `30s`, `10m`, `24h`, `7d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s)
            .map(Dur)
            .map_err(serde::de::Error::custom)
    }
}

impl std::ops::Deref for Dur {
    type Target = Duration;
    fn deref(&self) -> &Duration {
        &self.0
    }
}

word_enum! {
    "log format",
    /// `log_format` (and `--log-format`): how log lines on stderr are written.
    #[derive(clap::ValueEnum)]
    pub enum LogFormat {
        Text = "text",
        Json = "json",
    }
}

word_enum! {
    "URL scheme",
    /// `url_scheme`: the scheme of the links tenantctl gives out (`url_scheme://address/`).
    pub enum UrlScheme {
        Https = "https",
        Http = "http",
    }
}

word_enum! {
    "SMTP TLS mode",
    /// `notify.smtp_tls`: how mail reaches the SMTP server.
    pub enum SmtpTls {
        /// Plain SMTP.
        None = "none",
        /// Plain, then STARTTLS (required).
        Starttls = "starttls",
        /// TLS from the first byte.
        Tls = "tls",
    }
}

word_enum! {
    "backup storage",
    /// `backup.storage`: where backups go.
    pub enum StorageKind {
        /// `backup.local_dir`.
        Local = "local",
        /// `backup.s3_bucket`.
        S3 = "s3",
    }
}

word_enum! {
    "unknown-host answer",
    /// `serve.unknown_host`: what to answer for a host that is no platform's.
    pub enum UnknownHost {
        /// 404.
        NotFound = "not_found",
        /// 307 to the host platform's address (404 when there is none).
        Redirect = "redirect",
    }
}

word_enum! {
    "console mode",
    /// `serve.console`: whether serve answers the web console under `/console`.
    pub enum ConsoleMode {
        /// Not served (404).
        Off = "off",
        /// Served on the host platform's address and `serve.console_listen`.
        On = "on",
    }
}

word_enum! {
    "setup mode",
    /// `serve.setup`: who may reach the `/setup/*` routes that create platforms.
    pub enum SetupMode {
        /// Nobody (404).
        Off = "off",
        /// Whoever has `serve.setup_token`.
        Token = "token",
        /// Anyone who reaches serve.
        Open = "open",
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database_url: Option<String>,
    pub output: crate::output::Format,
    pub log_format: LogFormat,
    pub connect_timeout: Dur,
    pub sslmode: Option<String>,
    pub sslrootcert: Option<String>,
    pub sslcert: Option<String>,
    pub sslkey: Option<String>,
    pub tenant_migrations_dir: Option<PathBuf>,
    pub seeds_dir: Option<PathBuf>,
    /// Validated when the configuration is resolved, so a bad name fails every command before it
    /// connects.
    pub extension_schema: Option<SchemaName>,
    pub base_domain: Option<String>,
    pub url_scheme: UrlScheme,
    pub lock_timeout: Dur,
    pub lock_retries: u32,
    pub parallel_migration_threads: usize,
    pub domain_redirect_days: i64,
    pub provision: ProvisionSettings,
    pub worker: WorkerSettings,
    pub jobs: JobsSettings,
    pub notify: NotifySettings,
    pub mail: MailSettings,
    /// `[jobs.kinds.NAME]`, checked when the file is read (`job_kinds`); only the file sets
    /// them.
    #[serde(skip)]
    pub job_kinds: BTreeMap<String, job_kinds::KindSettings>,
    pub backup: BackupSettings,
    pub report: ReportSettings,
    pub status: StatusSettings,
    pub serve: ServeSettings,
    pub domains: DomainSettings,
    pub host_migration: HostMigrationSettings,
    pub citus: CitusSettings,
    /// `[jobs.schedules.NAME]` tables, checked when the file is read (not flat keys: see
    /// [`NAMED_SECTIONS`]).
    #[serde(skip)]
    pub schedules: Vec<crate::rules::schedule::Schedule>,
}

impl Settings {
    /// The TLS keys (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`) as libpq parameters of each
    /// database URL that does not name them itself, so every connection (sqlx and pg_dump
    /// alike) reads them from the one place it reads everything else.
    fn apply_tls_keys(&mut self) {
        let params = [
            ("sslmode", self.sslmode.clone()),
            ("sslrootcert", self.sslrootcert.clone()),
            ("sslcert", self.sslcert.clone()),
            ("sslkey", self.sslkey.clone()),
        ];
        for url in [&mut self.database_url, &mut self.serve.database_url]
            .into_iter()
            .flatten()
        {
            *url = with_default_params(url, &params);
        }
    }
}

/// `url` with each `(name, value)` added as a query parameter unless it has that parameter
/// already (under libpq's or sqlx's spelling). A URL that does not parse is left as it is,
/// for the connect code to report.
pub fn with_default_params(url: &str, params: &[(&str, Option<String>)]) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return url.to_string();
    };
    let spellings = |name: &str| -> &'static [&'static str] {
        match name {
            "sslmode" => &["sslmode", "ssl-mode"],
            "sslrootcert" => &["sslrootcert", "ssl-root-cert", "ssl-ca"],
            "sslcert" => &["sslcert", "ssl-cert"],
            "sslkey" => &["sslkey", "ssl-key"],
            _ => &[],
        }
    };
    let present: Vec<String> = u.query_pairs().map(|(k, _)| k.into_owned()).collect();
    let missing: Vec<(&str, &str)> = params
        .iter()
        .filter_map(|(k, v)| Some((*k, v.as_deref()?)))
        .filter(|(k, _)| {
            !present
                .iter()
                .any(|p| p == k || spellings(k).contains(&p.as_str()))
        })
        .collect();
    if missing.is_empty() {
        return url.to_string();
    }
    u.query_pairs_mut().extend_pairs(missing);
    u.to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainSettings {
    pub verify: bool,
    pub dns_server: Option<String>,
    pub http_port: u16,
    pub check_interval: Dur,
    pub recheck_interval: Dur,
    pub lost_after: Dur,
    pub claim_ttl: Dur,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionSettings {
    pub max_attempts: u32,
    pub backoff_base: Dur,
    pub backoff_factor: u32,
    pub stuck_after: Dur,
    pub pool_size: usize,
}

impl RetryPolicy {
    /// Provisioning's retry schedule, from `provision.max_attempts`, `provision.backoff_base`
    /// and `provision.backoff_factor`.
    pub fn from_settings(s: &ProvisionSettings) -> RetryPolicy {
        RetryPolicy {
            retries: s.max_attempts,
            base: *s.backoff_base,
            factor: s.backoff_factor,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    pub concurrency: usize,
    pub poll_interval: Dur,
}

/// The queue's settings (`[jobs]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsSettings {
    pub per_tenant_concurrency: u32,
    pub keep_completed: Dur,
    pub keep_discarded: Dur,
    pub abandon_after: Dur,
    pub enqueue_role: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub from: String,
    pub admin_email: Option<String>,
    pub webhook_url: Option<String>,
}

/// `[mail]`: the application's mail (the mail handler of `[jobs.kinds.NAME]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub templates_dir: Option<PathBuf>,
    pub from: Option<String>,
    pub reply_to: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSettings {
    pub storage: StorageKind,
    pub local_dir: PathBuf,
    pub s3_bucket: Option<String>,
    pub s3_prefix: String,
    pub s3_region: String,
    pub s3_endpoint: Option<String>,
    pub s3_sse: Option<String>,
    pub s3_part_size_mib: usize,
    pub jobs: usize,
    pub batch_size: usize,
    pub lock_wait_timeout: Dur,
    pub keep_last: usize,
    pub keep_daily: usize,
    pub keep_weekly: usize,
    pub keep_monthly: usize,
    pub keep_yearly: usize,
    pub keep_within: Option<String>,
    pub growth_warn_factor: f64,
    pub pg_bin_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    pub timeout: Dur,
    pub jobs: usize,
    pub batch_size: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSettings {
    pub backup_warn_age: Dur,
    pub backup_crit_age: Dur,
    pub maintenance_warn: Dur,
    pub failed_warn: i64,
    pub failed_crit: i64,
    pub queue_warn: i64,
    pub queue_crit: i64,
    pub queue_age_warn: Dur,
    pub queue_age_crit: Dur,
    pub discarded_warn: i64,
    pub stuck_warn: i64,
    pub stuck_crit: i64,
    pub behind_warn: i64,
    pub behind_crit: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSettings {
    pub listen: String,
    pub unknown_host: UnknownHost,
    pub refresh_interval: Dur,
    pub database_url: Option<String>,
    pub pool_size: u32,
    pub statement_cache: Option<usize>,
    pub affinity: String,
    pub affinity_wait: Dur,
    pub backend_memory_limit_mib: u64,
    pub backend_memory_check_every: u32,
    pub retry_after: Dur,
    pub shutdown_timeout: Dur,
    pub setup: SetupMode,
    pub setup_token: Option<String>,
    pub setup_rate: u32,
    pub setup_max_pending: i64,
    pub metrics_listen: Option<String>,
    pub metrics_token: Option<String>,
    pub console: ConsoleMode,
    pub console_listen: Option<String>,
    pub console_url: Option<String>,
    pub console_idle_timeout: Dur,
    pub console_session_lifetime: Dur,
    pub console_login_rate: u32,
    pub console_account_login_rate: u32,
    pub console_secure_cookie: Option<bool>,
}

/// The request pool's statement cache on a direct connection: room for the API's statements of
/// 512 tenants, each keeping its own plans (see `serve::App::stmts`). With tenant affinity a
/// connection serves about 2 × fleet ÷ pool size tenants: 5,000 tenants on 32 connections fit.
pub const DIRECT_STATEMENT_CACHE: usize = 1024;

impl ServeSettings {
    /// The request pool's statement cache: as configured, else none behind a pooler
    /// (`serve.database_url` set: PgBouncer before 1.21 cannot keep named statements) and
    /// [`DIRECT_STATEMENT_CACHE`] on a direct connection.
    pub fn statement_cache(&self) -> usize {
        self.statement_cache
            .unwrap_or(if self.database_url.is_some() {
                0
            } else {
                DIRECT_STATEMENT_CACHE
            })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostMigrationSettings {
    pub backup_max_age: Dur,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitusSettings {
    pub distribute_tenants: bool,
}

/// One resolved value and where it came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub value: toml::Value,
    pub source: Source,
}

/// The effective configuration: typed settings plus the value and source of every key set.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    pub values: BTreeMap<&'static str, Resolved>,
    /// The file that was read, if any.
    pub file: Option<PathBuf>,
}

/// What the command line says about configuration.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config FILE` (or `TENANTCTL_CONFIG`): must exist.
    pub config_file: Option<PathBuf>,
    /// `--no-config`: read no file.
    pub no_config: bool,
    /// Values given by flags: (key, value, flag spelling).
    pub flags: Vec<(&'static str, toml::Value, String)>,
}

/// The files looked for when `--config` is not given, in order.
pub fn default_config_files() -> Vec<PathBuf> {
    vec![
        PathBuf::from("tenantctl.toml"),
        PathBuf::from("/etc/tenantctl/tenantctl.toml"),
    ]
}

impl Config {
    /// Resolve from the process environment and the default file locations.
    pub fn load(overrides: &Overrides) -> Result<Config> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        Config::resolve(overrides, &env, &default_config_files())
    }

    /// Resolve with an explicit environment and search list (tests call this directly): the
    /// defaults, then the file, the environment and the flags each over what came before.
    pub fn resolve(
        overrides: &Overrides,
        env: &BTreeMap<String, String>,
        search: &[PathBuf],
    ) -> Result<Config> {
        let mut values = defaults();
        let file = config_file(overrides, env, search)?;
        let mut named = toml::Table::new();
        if let Some(path) = &file {
            named = set_from_file(&mut values, path)?;
        }
        set_from_env(&mut values, env)?;
        set_from_flags(&mut values, overrides)?;
        let mut settings = typed(&values)?;
        settings.apply_tls_keys();
        if let (Some(path), Some(kinds)) = (&file, named.get("jobs.kinds")) {
            let shown = path.display().to_string();
            let toml::Value::Table(kinds) = kinds else {
                return Err(Error::Config(format!(
                    "`jobs.kinds` in config file `{shown}` must hold tables, one per kind: `[jobs.kinds.NAME]`"
                )));
            };
            settings.job_kinds = job_kinds::parse_all(kinds, &shown)?;
            check_mail_kinds(&settings, &shown)?;
        }
        settings.schedules = schedules(named.get("jobs.schedules"), file.as_deref())?;
        Ok(Config {
            settings,
            values,
            file,
        })
    }

    /// Rows for `config show`: key, value (secrets masked), source.
    pub fn show(&self) -> Vec<ShownKey> {
        KEYS.iter()
            .map(|k| {
                let (value, source) = match self.values.get(k.name) {
                    Some(r) => (Some(display_value(k, &r.value)), r.source.to_string()),
                    None => (None, "unset".to_string()),
                };
                ShownKey {
                    key: k.name,
                    value,
                    source,
                    env: env_var(k.name),
                }
            })
            .collect()
    }
}

/// Every key's default, where it has one.
fn defaults() -> BTreeMap<&'static str, Resolved> {
    KEYS.iter()
        .filter_map(|k| {
            let lit = k.default?;
            let value = parse_literal(lit).unwrap_or_else(|| panic!("bad default for {}", k.name));
            Some((
                k.name,
                Resolved {
                    value,
                    source: Source::Default,
                },
            ))
        })
        .collect()
}

/// The file to read: none with `--no-config`; `--config` or `TENANTCTL_CONFIG`, which must
/// exist; else the first of `search` that does.
fn config_file(
    overrides: &Overrides,
    env: &BTreeMap<String, String>,
    search: &[PathBuf],
) -> Result<Option<PathBuf>> {
    if overrides.no_config {
        return Ok(None);
    }
    let explicit = overrides
        .config_file
        .clone()
        .or_else(|| env.get("TENANTCTL_CONFIG").map(PathBuf::from));
    match explicit {
        Some(path) if !path.is_file() => Err(Error::Config(format!(
            "config file `{}` does not exist",
            path.display()
        ))),
        Some(path) => Ok(Some(path)),
        None => Ok(search.iter().find(|p| p.is_file()).cloned()),
    }
}

/// Sections whose tables the operator names (`[jobs.kinds.NAME]`, `[jobs.schedules.NAME]`):
/// taken out of the file whole before its keys are checked against [`KEYS`], and parsed by
/// their own rules (from the file only, not the environment).
const NAMED_SECTIONS: &[&str] = &["jobs.kinds", "jobs.schedules"];

/// `[jobs.schedules.NAME]`, each checked by [`crate::rules::schedule::Schedule::from_toml`].
fn schedules(
    section: Option<&toml::Value>,
    file: Option<&Path>,
) -> Result<Vec<crate::rules::schedule::Schedule>> {
    let shown = file.map(|p| p.display().to_string()).unwrap_or_default();
    let Some(section) = section else {
        return Ok(Vec::new());
    };
    let toml::Value::Table(table) = section else {
        return Err(Error::Config(format!(
            "`jobs.schedules` in config file `{shown}` must hold tables (`[jobs.schedules.NAME]`)"
        )));
    };
    let mut out = Vec::new();
    for (name, v) in table {
        let toml::Value::Table(t) = v else {
            return Err(Error::Config(format!(
                "`jobs.schedules.{name}` in config file `{shown}` must be a table (`[jobs.schedules.{name}]`)"
            )));
        };
        let s = crate::rules::schedule::Schedule::from_toml(name, t)
            .map_err(|e| Error::Config(format!("{e} in config file `{shown}`")))?;
        out.push(s);
    }
    Ok(out)
}

/// Take the named sections (`section.name`) out of the file's table, by dotted name.
fn take_named(table: &mut toml::Table) -> toml::Table {
    let mut out = toml::Table::new();
    for dotted in NAMED_SECTIONS {
        let (section, leaf) = dotted
            .split_once('.')
            .expect("a named section is `section.name`");
        if let Some(toml::Value::Table(t)) = table.get_mut(section)
            && let Some(v) = t.remove(leaf)
        {
            out.insert(dotted.to_string(), v);
        }
    }
    out
}

/// A mail kind needs the templates and an SMTP server; say so when the file is read.
fn check_mail_kinds(settings: &Settings, file: &str) -> Result<()> {
    for k in settings.job_kinds.values() {
        if !matches!(k.handler, job_kinds::HandlerSettings::Mail(_)) {
            continue;
        }
        let missing = if settings.mail.templates_dir.is_none() {
            "`mail.templates_dir` (where its templates are)"
        } else if settings.notify.smtp_host.is_none() {
            "`notify.smtp_host` (the SMTP server it sends through)"
        } else {
            continue;
        };
        return Err(Error::Config(format!(
            "`jobs.kinds.{}` in config file `{file}`: a mail handler needs {missing}, which is not set",
            k.name
        )));
    }
    Ok(())
}

/// Every key the file sets; an unknown key or a value of the wrong kind is an error. Returns
/// the named sections ([`NAMED_SECTIONS`]) by dotted name, for their own parsers.
fn set_from_file(
    values: &mut BTreeMap<&'static str, Resolved>,
    path: &Path,
) -> Result<toml::Table> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read config file `{}`: {e}", path.display())))?;
    let mut table: toml::Table = toml::from_str(&text).map_err(|e| {
        Error::Config(format!(
            "config file `{}` is not valid TOML: {e}",
            path.display()
        ))
    })?;
    let shown = path.display().to_string();
    let named = take_named(&mut table);
    let mut flat = Vec::new();
    flatten("", &toml::Value::Table(table), &mut flat);
    for (name, value) in flat {
        let Some(k) = find_key(&name) else {
            return Err(Error::Config(format!(
                "unknown key `{name}` in config file `{shown}` (see `tenantctl config show` for the keys)"
            )));
        };
        let value = check_value(k, value, &Source::File(shown.clone()))?;
        values.insert(
            k.name,
            Resolved {
                value,
                source: Source::File(shown.clone()),
            },
        );
    }
    Ok(named)
}

/// Every key set in the environment: its `TENANTCTL_` variable, else its other name
/// (`DATABASE_URL`).
fn set_from_env(
    values: &mut BTreeMap<&'static str, Resolved>,
    env: &BTreeMap<String, String>,
) -> Result<()> {
    for k in KEYS {
        let primary = env_var(k.name);
        let found = env.get(&primary).map(|v| (primary.clone(), v)).or_else(|| {
            k.alt_env
                .and_then(|a| env.get(a).map(|v| (a.to_string(), v)))
        });
        if let Some((var, raw)) = found {
            let source = Source::Env(var);
            let value = value_from_str(k, raw, &source)?;
            values.insert(k.name, Resolved { value, source });
        }
    }
    Ok(())
}

/// The keys the global flags set.
fn set_from_flags(
    values: &mut BTreeMap<&'static str, Resolved>,
    overrides: &Overrides,
) -> Result<()> {
    for (name, value, flag) in &overrides.flags {
        let k = find_key(name).expect("flag overrides name known keys");
        let source = Source::Flag(flag.clone());
        let value = check_value(k, value.clone(), &source)?;
        values.insert(k.name, Resolved { value, source });
    }
    Ok(())
}

/// The resolved values as typed [`Settings`] (every section present, empty when nothing in it
/// is set, so its keys without a default read as unset).
fn typed(values: &BTreeMap<&'static str, Resolved>) -> Result<Settings> {
    // The naming rule's own error (`invalid schema name ...`), not serde's wording of it.
    if let Some(toml::Value::String(raw)) = values.get("extension_schema").map(|r| &r.value) {
        SchemaName::parse(raw)?;
    }
    let mut root = toml::Table::new();
    for (name, r) in values {
        insert_dotted(&mut root, name, r.value.clone());
    }
    for section in [
        "provision",
        "worker",
        "jobs",
        "notify",
        "mail",
        "backup",
        "report",
        "status",
        "serve",
        "domains",
        "host_migration",
        "citus",
    ] {
        root.entry(section)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    }
    toml::Value::Table(root)
        .try_into()
        .map_err(|e| Error::Config(format!("invalid configuration: {e}")))
}

#[derive(Debug, Clone, Serialize)]
pub struct ShownKey {
    pub key: &'static str,
    pub value: Option<String>,
    pub source: String,
    pub env: String,
}

fn display_value(k: &Key, v: &toml::Value) -> String {
    let text = match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if k.kind == Kind::Secret {
        mask_secret(&text)
    } else {
        text
    }
}

/// Mask a secret for display: a URL is redacted by [`mask_url`]; anything else is `****`.
pub fn mask_secret(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(u) if u.has_host() => redact_url(u),
        _ if text.is_empty() => String::new(),
        _ => "****".to_string(),
    }
}

/// Query parameters whose values are secrets: libpq's `password` and `sslpassword`, and the
/// usual names of tokens in webhook URLs.
const SECRET_PARAMS: &[&str] = &[
    "password",
    "sslpassword",
    "pass",
    "passwd",
    "pwd",
    "secret",
    "token",
    "access_token",
    "api_key",
    "apikey",
    "key",
    "sig",
    "signature",
];

/// Mask every secret in a URL for messages: the password of the user part and the value of
/// any secret query parameter (`postgres://user:****@host/db?password=****`). The one
/// redaction every printed URL goes through (`config show`, errors, logs, tool command lines).
pub fn mask_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(u) => redact_url(u),
        Err(_) => "<unparseable URL>".to_string(),
    }
}

fn redact_url(mut u: url::Url) -> String {
    if u.password().is_some() {
        let _ = u.set_password(Some("****"));
    }
    let secret = |k: &str| SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str());
    if u.query_pairs().any(|(k, _)| secret(&k)) {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret(&k) {
                    "****".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

fn parse_literal(lit: &str) -> Option<toml::Value> {
    let t: toml::Table = toml::from_str(&format!("v = {lit}")).ok()?;
    t.get("v").cloned()
}

fn flatten(prefix: &str, v: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if matches!(v, toml::Value::Table(_)) {
                    flatten(&name, v, out);
                } else {
                    out.push((name, v.clone()));
                }
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

fn insert_dotted(root: &mut toml::Table, name: &str, value: toml::Value) {
    match name.split_once('.') {
        None => {
            root.insert(name.to_string(), value);
        }
        Some((section, rest)) => {
            let entry = root
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(t) = entry {
                insert_dotted(t, rest, value);
            }
        }
    }
}

fn bad(k: &Key, shown: &str, source: &Source, expected: &str) -> Error {
    Error::Config(format!(
        "invalid value `{shown}` for `{}` (from {source}): expected {expected}",
        k.name
    ))
}

fn expected(kind: Kind) -> String {
    match kind {
        Kind::Str | Kind::Secret => "a string".into(),
        Kind::Int => "a whole number".into(),
        Kind::Float => "a number".into(),
        Kind::Bool => "true or false".into(),
        Kind::Duration => "a duration such as 30s, 10m, 24h or 7d".into(),
        Kind::Enum(words) => format!("one of {}", words.join(", ")),
    }
}

/// Check a value from the file or a flag against the key's kind.
fn check_value(k: &Key, v: toml::Value, source: &Source) -> Result<toml::Value> {
    let shown = match (&v, k.kind) {
        (_, Kind::Secret) => "****".to_string(),
        (toml::Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    };
    let ok = match (k.kind, &v) {
        (Kind::Str | Kind::Secret, toml::Value::String(_)) => true,
        (Kind::Int, toml::Value::Integer(i)) => *i >= 0,
        (Kind::Float, toml::Value::Float(_)) => true,
        (Kind::Float, toml::Value::Integer(i)) => {
            return Ok(toml::Value::Float(*i as f64));
        }
        (Kind::Bool, toml::Value::Boolean(_)) => true,
        (Kind::Duration, toml::Value::String(s)) => humantime::parse_duration(s).is_ok(),
        (Kind::Enum(words), toml::Value::String(s)) => words.contains(&s.as_str()),
        _ => false,
    };
    if ok {
        Ok(v)
    } else {
        Err(bad(k, &shown, source, &expected(k.kind)))
    }
}

/// Parse an environment value by the key's kind.
fn value_from_str(k: &Key, raw: &str, source: &Source) -> Result<toml::Value> {
    let shown = if k.kind == Kind::Secret { "****" } else { raw };
    let v = match k.kind {
        Kind::Str | Kind::Secret | Kind::Duration | Kind::Enum(_) => {
            toml::Value::String(raw.to_string())
        }
        Kind::Int => toml::Value::Integer(
            raw.trim()
                .parse::<i64>()
                .map_err(|_| bad(k, shown, source, &expected(k.kind)))?,
        ),
        Kind::Float => toml::Value::Float(
            raw.trim()
                .parse::<f64>()
                .map_err(|_| bad(k, shown, source, &expected(k.kind)))?,
        ),
        Kind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => toml::Value::Boolean(true),
            "0" | "false" | "no" | "off" => toml::Value::Boolean(false),
            _ => return Err(bad(k, shown, source, &expected(k.kind))),
        },
    };
    check_value(k, v, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_schema_is_parsed_once_here() {
        let ok = Config::resolve(
            &Overrides::default(),
            &env(&[("TENANTCTL_EXTENSION_SCHEMA", "extensions")]),
            &[],
        )
        .unwrap();
        assert_eq!(
            ok.settings
                .extension_schema
                .as_ref()
                .map(SchemaName::as_str),
            Some("extensions")
        );
        let e = Config::resolve(
            &Overrides::default(),
            &env(&[("TENANTCTL_EXTENSION_SCHEMA", "public")]),
            &[],
        )
        .unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");
        assert!(
            e.to_string().starts_with("invalid schema name `public`"),
            "{e}"
        );
    }

    #[test]
    fn the_default_retry_schedule_is_3_9_27_81_243() {
        let c = Config::resolve(&Overrides::default(), &Default::default(), &[]).unwrap();
        let p = RetryPolicy::from_settings(&c.settings.provision);
        let secs = |v: &[u64]| {
            v.iter()
                .map(|s| Duration::from_secs(*s))
                .collect::<Vec<_>>()
        };
        assert_eq!(p.schedule(), secs(&[3, 9, 27, 81, 243]));
        assert_eq!(p.total_runs(), 6);
        assert_eq!(p.delay_after(0), None);
        assert_eq!(p.delay_after(5), Some(Duration::from_secs(243)));
        assert_eq!(p.delay_after(6), None);
    }

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let p = dir.path().join("tenantctl.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn defaults_resolve() {
        let c = Config::resolve(&Overrides::default(), &env(&[]), &[]).unwrap();
        assert_eq!(c.settings.parallel_migration_threads, 4);
        assert_eq!(*c.settings.report.timeout, Duration::from_secs(30));
        assert_eq!(c.settings.backup.keep_monthly, 12);
        assert_eq!(c.values["output"].source, Source::Default);
        assert!(c.settings.database_url.is_none());
    }

    #[test]
    fn schedules_are_named_tables_read_and_checked_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            &dir,
            "[backup]\njobs = 2\n[jobs.schedules.nightly]\npreset = \"daily-backup\"\n[jobs.schedules.digest]\nkind = \"mail\"\nevery = \"1h\"\n[jobs.schedules.digest.payload]\ntemplate = \"digest\"\n",
        );
        let c = Config::resolve(
            &Overrides::default(),
            &env(&[]),
            std::slice::from_ref(&file),
        )
        .unwrap();
        let names: Vec<&str> = c
            .settings
            .schedules
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["digest", "nightly"]);
        assert_eq!(c.settings.schedules[0].payload["template"], "digest");
        assert_eq!(c.settings.backup.jobs, 2);

        let bad = write(
            &dir,
            "[jobs.schedules.nightly]\nkind = \"backup\"\nevery = \"7h\"\n",
        );
        let e = Config::resolve(&Overrides::default(), &env(&[]), std::slice::from_ref(&bad))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`jobs.schedules.nightly.every`"), "{e}");
        assert!(e.contains("does not divide a day evenly"), "{e}");
    }

    #[test]
    fn precedence_flag_over_env_over_file_over_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            &dir,
            "parallel_migration_threads = 8\nlock_timeout = \"9s\"\n[backup]\nkeep_daily = 3\njobs = 5\n",
        );
        let e = env(&[
            ("TENANTCTL_BACKUP_KEEP_DAILY", "2"),
            ("TENANTCTL_LOCK_TIMEOUT", "1s"),
        ]);
        let o = Overrides {
            flags: vec![(
                "lock_timeout",
                toml::Value::String("2s".into()),
                "--lock-timeout".into(),
            )],
            ..Overrides::default()
        };
        let c = Config::resolve(&o, &e, std::slice::from_ref(&file)).unwrap();
        assert_eq!(c.settings.parallel_migration_threads, 8);
        assert_eq!(
            c.values["parallel_migration_threads"].source,
            Source::File(file.display().to_string())
        );
        assert_eq!(c.settings.backup.keep_daily, 2);
        assert_eq!(
            c.values["backup.keep_daily"].source,
            Source::Env("TENANTCTL_BACKUP_KEEP_DAILY".into())
        );
        assert_eq!(c.settings.backup.jobs, 5);
        assert_eq!(*c.settings.lock_timeout, Duration::from_secs(2));
        assert_eq!(
            c.values["lock_timeout"].source,
            Source::Flag("--lock-timeout".into())
        );
    }

    #[test]
    fn tls_keys_become_url_parameters_unless_the_url_has_them() {
        let vars = env(&[
            ("DATABASE_URL", "postgres://u@h/db?ssl-mode=disable"),
            ("TENANTCTL_SSLMODE", "verify-full"),
            ("TENANTCTL_SSLROOTCERT", "/etc/ca.pem"),
            ("TENANTCTL_SERVE_DATABASE_URL", "postgres://u@pooler/db"),
        ]);
        let c = Config::resolve(&Overrides::default(), &vars, &[]).unwrap();
        assert_eq!(
            c.settings.database_url.as_deref(),
            Some("postgres://u@h/db?ssl-mode=disable&sslrootcert=%2Fetc%2Fca.pem")
        );
        assert_eq!(
            c.settings.serve.database_url.as_deref(),
            Some("postgres://u@pooler/db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem")
        );
        let bad = env(&[("TENANTCTL_SSLMODE", "sometimes")]);
        let e = Config::resolve(&Overrides::default(), &bad, &[]).unwrap_err();
        assert!(e.to_string().contains("sslmode"), "{e}");
    }

    #[test]
    fn database_url_from_either_variable() {
        let c = Config::resolve(
            &Overrides::default(),
            &env(&[("DATABASE_URL", "postgres://a:secret@h/db")]),
            &[],
        )
        .unwrap();
        assert_eq!(
            c.settings.database_url.as_deref(),
            Some("postgres://a:secret@h/db")
        );
        let shown = c.show();
        let row = shown.iter().find(|r| r.key == "database_url").unwrap();
        assert_eq!(row.value.as_deref(), Some("postgres://a:****@h/db"));
        assert_eq!(row.source, "env DATABASE_URL");
        let c = Config::resolve(
            &Overrides::default(),
            &env(&[
                ("DATABASE_URL", "postgres://h/one"),
                ("TENANTCTL_DATABASE_URL", "postgres://h/two"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(c.settings.database_url.as_deref(), Some("postgres://h/two"));
    }

    #[test]
    fn url_secrets_are_masked_in_the_user_part_and_the_query() {
        assert_eq!(
            mask_url("postgres://u:pw@h:5432/db?sslmode=require&password=x%26y&PassWord=z"),
            "postgres://u:****@h:5432/db?sslmode=require&password=****&PassWord=****"
        );
        assert_eq!(
            mask_url("postgres://u@h/db?sslpassword=k"),
            "postgres://u@h/db?sslpassword=****"
        );
        assert_eq!(mask_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            mask_secret("https://hooks.example/x?token=abc&a=1"),
            "https://hooks.example/x?token=****&a=1"
        );
        assert_eq!(mask_secret("hunter2"), "****");
        assert_eq!(mask_url("not a url"), "<unparseable URL>");
    }

    #[test]
    fn secrets_are_masked() {
        let c = Config::resolve(
            &Overrides::default(),
            &env(&[("TENANTCTL_NOTIFY_SMTP_PASSWORD", "hunter2")]),
            &[],
        )
        .unwrap();
        let row = c
            .show()
            .into_iter()
            .find(|r| r.key == "notify.smtp_password")
            .unwrap();
        assert_eq!(row.value.as_deref(), Some("****"));
    }

    #[test]
    fn bad_values_name_the_key_and_source() {
        let err = Config::resolve(
            &Overrides::default(),
            &env(&[("TENANTCTL_SERVE_UNKNOWN_HOST", "teapot")]),
            &[],
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "invalid value `teapot` for `serve.unknown_host` (from env TENANTCTL_SERVE_UNKNOWN_HOST): expected one of not_found, redirect"
        );
        let err = Config::resolve(
            &Overrides::default(),
            &env(&[("TENANTCTL_REPORT_JOBS", "many")]),
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("expected a whole number"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = write(&dir, "lock_timeout = \"soon\"\n");
        let err = Config::resolve(&Overrides::default(), &env(&[]), &[file])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`lock_timeout`") && err.contains("duration"),
            "{err}"
        );
    }

    #[test]
    fn enum_settings_are_typed_and_offer_their_words() {
        let c = Config::resolve(
            &Overrides::default(),
            &env(&[
                ("TENANTCTL_SERVE_SETUP", "open"),
                ("TENANTCTL_BACKUP_STORAGE", "s3"),
                ("TENANTCTL_SERVE_UNKNOWN_HOST", "redirect"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(c.settings.serve.setup, SetupMode::Open);
        assert_eq!(c.settings.backup.storage, StorageKind::S3);
        assert_eq!(c.settings.serve.unknown_host, UnknownHost::Redirect);
        assert_eq!(c.settings.output, crate::output::Format::Table);
        assert_eq!(c.settings.log_format, LogFormat::Text);
        assert_eq!(c.settings.url_scheme, UrlScheme::Https);
        assert_eq!(c.settings.notify.smtp_tls, SmtpTls::None);
        assert_eq!(
            find_key("serve.setup").unwrap().kind,
            Kind::Enum(&["off", "token", "open"])
        );
    }

    #[test]
    fn job_kinds_come_from_the_file_beside_the_jobs_keys() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            &dir,
            "[jobs.kinds.hook]\nhandler = \"webhook\"\nurl = \"https://app.test/jobs\"\nsecret_env = \"APP_SECRET\"\n",
        );
        let c = Config::resolve(&Overrides::default(), &env(&[]), &[file]).unwrap();
        assert_eq!(c.settings.job_kinds["hook"].handler.word(), "webhook");
        let file = write(&dir, "[jobs]\nkinds = 3\n");
        let err = Config::resolve(&Overrides::default(), &env(&[]), &[file])
            .unwrap_err()
            .to_string();
        assert!(err.contains("jobs.kinds"), "{err}");
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(&dir, "[backup]\nkeep_dialy = 3\n");
        let err = Config::resolve(&Overrides::default(), &env(&[]), &[file])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key `backup.keep_dialy`"), "{err}");
    }

    #[test]
    fn explicit_missing_file_is_an_error_and_no_config_skips_files() {
        let o = Overrides {
            config_file: Some(PathBuf::from("/nonexistent/t.toml")),
            ..Overrides::default()
        };
        assert!(Config::resolve(&o, &env(&[]), &[]).is_err());
        let dir = tempfile::tempdir().unwrap();
        let file = write(&dir, "parallel_migration_threads = 9\n");
        let o = Overrides {
            no_config: true,
            ..Overrides::default()
        };
        let c = Config::resolve(&o, &env(&[]), &[file]).unwrap();
        assert_eq!(c.settings.parallel_migration_threads, 4);
        assert!(c.file.is_none());
    }

    #[test]
    fn every_key_has_a_unique_name_and_valid_default() {
        let mut names: Vec<_> = KEYS.iter().map(|k| k.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KEYS.len());
        for k in KEYS {
            if let Some(d) = k.default {
                let v = parse_literal(d).expect(k.name);
                check_value(k, v, &Source::Default).expect(k.name);
            }
        }
    }
}
