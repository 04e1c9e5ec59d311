//! The command line: clap definitions, one file per command family with its args beside its
//! handler; the global options; and [`Ctx`], what every handler gets (settings, output,
//! confirmation policy, the database pool). A handler fills its unset flags from the settings,
//! calls library code and prints the outcome. Some handlers still hold library code and SQL of
//! their own (`migrate`, `cleanup`, `complete`).

pub mod backup;
pub mod cleanup;
pub mod complete;
pub mod config;
pub mod console;
pub mod doctor;
pub mod examples;
pub mod generate;
pub mod host_migration;
pub mod init;
pub mod init_wizard;
pub mod jobs;
pub mod migrate;
pub mod migrate_add;
pub mod placement;
pub mod platform;
pub mod provision;
pub mod report;
pub mod restore;
pub mod select;
pub mod serve;
pub mod status;
pub mod worker;

use crate::config::{Config, LogFormat, Overrides, Settings};
use crate::error::Result;
use crate::output::{Format, Out, Term};
use clap::{Args, Parser, Subcommand};
use sqlx::PgPool;
use std::path::PathBuf;

pub const AFTER_HELP: &str = "\
Exit status:
  0   success
  1   failure
  2   usage error or invalid input; nothing ran
  3   partial failure: some tenants failed, the rest were done
  4   refused: confirmation missing or a pre-flight check failed
  5   busy: another run holds the lock
  69  database or storage unreachable

Environment:
  DATABASE_URL, TENANTCTL_DATABASE_URL  database URL (the flag wins)
  TENANTCTL_<KEY>                        any configuration key, e.g. TENANTCTL_BACKUP_JOBS=4
  TENANTCTL_CONFIG                       configuration file
  TENANTCTL_LOG, RUST_LOG                log filter (tracing EnvFilter syntax), overrides -v/-q
  TENANTCTL_JSON_VERSION                 refuse to run unless the JSON contract is this version
  TENANTCTL_CONFIRM=yes                  confirm destructive commands, like --yes (also CONFIRM=yes)
  NO_COLOR, TERM=dumb                    no colour in tables and log lines";

/// Parse the command line (with every command's examples in its `--help`), or print the help
/// or the usage error and exit.
pub fn parse() -> Cli {
    try_parse().unwrap_or_else(|e| e.exit())
}

/// Parse the command line (with every command's examples in its `--help`); the error is
/// clap's, formatted against the command, for the caller to print (or answer otherwise, as
/// `status --check` does).
pub fn try_parse() -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut cmd = examples::command();
    let matches = cmd.try_get_matches_from_mut(std::env::args_os())?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// `tenantctl --version`: the release and the JSON contract version
/// ([`crate::output::JSON_VERSION`]).
pub const LONG_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (JSON output version 1)");

/// tenantctl: run PostgreSQL schema-per-tenant multi-tenancy.
#[derive(Debug, Parser)]
#[command(name = "tenantctl", version, long_version = LONG_VERSION, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalOpts {
    /// PostgreSQL URL of the database with the registry and the tenant schemas
    /// [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]
    #[arg(long, global = true, value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then
    /// /etc/tenantctl/tenantctl.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Read no configuration file
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,

    /// Result format: table for people (wide: every column), json for pipelines, csv for
    /// lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]
    #[arg(long, short = 'o', global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<Format>,

    /// More log detail on stderr (-v info, -vv debug, -vvv trace)
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Less log detail on stderr (-q errors only, -qq nothing)
    #[arg(long, short = 'q', global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,

    /// Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Answer yes to confirmations of destructive commands (also: TENANTCTL_CONFIRM=yes)
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,
}

impl GlobalOpts {
    /// What the command line says about configuration, for [`Config::load`].
    pub fn overrides(&self) -> Overrides {
        let mut flags = Vec::new();
        if let Some(url) = &self.database_url {
            flags.push((
                "database_url",
                toml::Value::String(url.clone()),
                "--database-url".to_string(),
            ));
        }
        if let Some(f) = self.output {
            flags.push((
                "output",
                toml::Value::String(f.as_str().to_string()),
                "--output".to_string(),
            ));
        }
        if let Some(f) = self.log_format {
            flags.push((
                "log_format",
                toml::Value::String(f.as_str().to_string()),
                "--log-format".to_string(),
            ));
        }
        Overrides {
            config_file: self.config.clone(),
            no_config: self.no_config,
            flags,
        }
    }

    /// `--yes`, or a confirmation in the environment ([`confirmed_by_env`]).
    pub fn assume_yes(&self) -> bool {
        self.yes
            || confirmed_by_env(
                std::env::var("TENANTCTL_CONFIRM").ok().as_deref(),
                std::env::var("CONFIRM").ok().as_deref(),
            )
    }
}

/// Whether the environment confirms destructive commands: `TENANTCTL_CONFIRM=yes`, the
/// namespaced form pipelines should use, or `CONFIRM=yes`. A set `TENANTCTL_CONFIRM` decides
/// alone, so `TENANTCTL_CONFIRM=no` keeps a `CONFIRM=yes` exported for another tool from
/// confirming tenantctl's commands.
pub fn confirmed_by_env(tenantctl_confirm: Option<&str>, confirm: Option<&str>) -> bool {
    let yes = |v: &str| v.trim().eq_ignore_ascii_case("yes");
    match tenantctl_confirm.filter(|v| !v.trim().is_empty()) {
        Some(v) => yes(v),
        None => confirm.is_some_and(yes),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up: apply the registry migrations, create and provision the host platform
    Init(init::Init),
    /// Create, list, show and change platforms
    #[command(subcommand)]
    Platform(platform::PlatformCmd),
    /// Provision a platform's schema now (create, migrate, seed), waiting for the outcome;
    /// `provision pool` keeps the warm pool of spare schemas
    Provision(provision::Provision),
    /// Run provisioning jobs from the queue (until SIGTERM, or with --once until it is empty)
    Worker(worker::Worker),
    /// The job queue by hand: enqueue, list, show, retry, discard, cancel, stats, schedules
    #[command(subcommand)]
    Jobs(jobs::JobsCmd),
    /// Apply registry migrations, then tenant migrations across every tenant schema
    Migrate(migrate::Migrate),
    /// Move the host platform's legacy data from public into its schema (pre-flight checks,
    /// TENANTCTL_CONFIRM=yes, one verified transaction)
    MigrateHostToSchema(host_migration::MigrateHostToSchema),
    /// Back up tenant schemas (pg_dump, to a folder or S3); list, fetch and verify backups
    Backup(backup::Backup),
    /// Replace a platform's schema with one of its backups, atomically
    Restore(restore::Restore),
    /// Delete the backups the retention rule does not keep (7 daily, 4 weekly, 12 monthly)
    Cleanup(cleanup::Cleanup),
    /// Show the effective configuration
    #[command(subcommand)]
    Config(config::ConfigCmd),
    /// Ask every tenant schema a read-only question, and the built-in reports (sizes,
    /// provisioning, backups, history)
    #[command(subcommand)]
    Report(report::ReportCmd),
    /// The fleet on one screen; `--check` for monitoring, `--format prometheus` for metrics
    Status(status::Status),
    /// Check the installation (privileges, ownership, client tools, lock table, pooler, clock,
    /// stray schemas): PASS/WARN/FAIL with the fix; exit 0/1/2 as `status --check`
    Doctor(doctor::Doctor),
    /// Citus: plan moves that even out bytes per node and run them, one tenant at a time
    /// (`--dry-run` prints the plan)
    Rebalance(placement::Rebalance),
    /// Citus: turn local tenant schemas into distributed ones, placed on the workers
    Distribute(placement::Distribute),
    /// Serve HTTP: each request reaches its tenant's schema, by Host header
    Serve(serve::Serve),
    /// The web console's accounts: add operators, invite organizers, disable, end sessions
    #[command(subcommand)]
    Console(console::ConsoleCmd),
    /// The audit log: every change made in the console or by the CLI, who made it and when
    Audit(console::Audit),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(generate::Completions),
    /// Write the generated completions, man pages and configuration reference
    #[command(hide = true)]
    Generate(generate::Generate),
}

impl Command {
    /// The command's name, when it cannot print CSV (`None` when it can, or when it prints no
    /// result the format applies to). CSV is for lists; a screen, a report of checks or a plan
    /// is a table or JSON.
    fn without_csv(&self) -> Option<&'static str> {
        match self {
            // `--format prometheus` is another document, which `--output` does not choose;
            // `--check` is one line for a monitoring plugin.
            Command::Status(s) if s.format.is_none() && !s.check => Some("status"),
            Command::Doctor(_) => Some("doctor"),
            Command::Rebalance(_) => Some("rebalance"),
            Command::Distribute(_) => Some("distribute"),
            Command::MigrateHostToSchema(_) => Some("migrate-host-to-schema"),
            Command::Migrate(m) if matches!(m.command, Some(migrate::MigrateCmd::Add(_))) => {
                Some("migrate add")
            }
            _ => None,
        }
    }

    /// Refuse, before anything runs, a result format the command cannot print (exit 2), rather
    /// than print another one with exit 0 to a pipeline that asked for CSV.
    pub fn check_format(&self, config: &Config) -> Result<()> {
        if config.settings.output != Format::Csv {
            return Ok(());
        }
        let Some(name) = self.without_csv() else {
            return Ok(());
        };
        let from = config
            .values
            .get("output")
            .map(|r| format!(" (from {})", r.source))
            .unwrap_or_default();
        Err(crate::error::Error::Usage(format!(
            "`{name}` cannot print csv{from}: it prints a table or json"
        ))
        .hint("use `--output table` or `--output json`"))
    }

    /// Commands that handle SIGINT/SIGTERM themselves (finishing their work: the worker its
    /// jobs, serve its requests), so `main` must not end the process on Ctrl-C.
    pub fn handles_signals(&self) -> bool {
        matches!(self, Command::Worker(_) | Command::Serve(_))
    }
}

/// Everything a command needs: settings, output, confirmation policy, and a lazily connected
/// database pool.
pub struct Ctx {
    pub config: Config,
    pub out: Out,
    pub assume_yes: bool,
    pool: tokio::sync::OnceCell<PgPool>,
}

impl Ctx {
    pub fn new(config: Config, global: &GlobalOpts, term: Term) -> Ctx {
        let mut format = config.settings.output;
        let mut term = term;
        if format == Format::Wide {
            // Every column, as wide as its content: a table that is not fitted to a width.
            format = Format::Table;
            term.width = None;
        }
        crate::db::citus::set_distribute_tenants(config.settings.citus.distribute_tenants);
        Ctx {
            out: Out {
                format,
                term,
                quiet: global.quiet > 0,
            },
            assume_yes: global.assume_yes(),
            config,
            pool: tokio::sync::OnceCell::new(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.config.settings
    }

    pub fn term(&self) -> &Term {
        &self.out.term
    }

    /// The database pool, connected on first use, for a command that runs no tasks side by
    /// side: room for the few queries it overlaps (serve's resolver, listener and setup share
    /// it), as many as every command had with the default settings.
    pub async fn pool(&self) -> Result<&PgPool> {
        self.pool_sized(crate::db::pool_size(4, 2)).await
    }

    /// The database pool, connected on first use with `size` connections (from
    /// [`crate::db::pool_size`]): a command that runs tasks side by side asks for its size
    /// before anything else opens the pool, and then uses this one pool throughout.
    pub async fn pool_sized(&self, size: u32) -> Result<&PgPool> {
        self.pool
            .get_or_try_init(|| async {
                tracing::debug!(max_connections = size, "database pool");
                crate::db::connect(self.settings(), size).await
            })
            .await
    }

    /// The pool, after checking the registry is migrated.
    pub async fn registry(&self) -> Result<&PgPool> {
        self.registry_sized(crate::db::pool_size(4, 2)).await
    }

    /// [`Ctx::registry`] with `size` connections (see [`Ctx::pool_sized`]).
    pub async fn registry_sized(&self, size: u32) -> Result<&PgPool> {
        let pool = self.pool_sized(size).await?;
        crate::registry::migrations::ensure_current(pool).await?;
        Ok(pool)
    }

    /// Confirm a destructive step (see [`crate::output::confirm`]).
    pub async fn confirm(&self, prompt: &str) -> Result<()> {
        crate::output::confirm(self.term(), self.assume_yes, prompt).await
    }

    /// The base domain for subdomain-only platforms.
    pub async fn base_domain(&self) -> Result<Option<String>> {
        let pool = self.pool().await?;
        let mut conn = pool.acquire().await?;
        crate::registry::store::base_domain(&mut conn, self.settings().base_domain.as_deref()).await
    }

    /// Warn of the notifications that were not delivered (the provisioning itself stands).
    pub fn note_failed_deliveries(&self, deliveries: &[crate::notify::Delivery]) {
        for d in deliveries.iter().filter(|d| !d.ok) {
            self.out.note(&format!(
                "warning: {} notification to {} not delivered: {}",
                d.channel,
                d.target,
                d.error.as_deref().unwrap_or("failed")
            ));
        }
    }
}

/// Run the parsed command.
pub async fn dispatch(command: Command, ctx: &Ctx) -> Result<()> {
    match command {
        Command::Init(c) => c.run(ctx).await,
        Command::Platform(c) => c.run(ctx).await,
        Command::Provision(c) => c.run(ctx).await,
        Command::Worker(c) => c.run(ctx).await,
        Command::Jobs(c) => c.run(ctx).await,
        Command::Migrate(c) => c.run(ctx).await,
        Command::MigrateHostToSchema(c) => c.run(ctx).await,
        Command::Backup(c) => c.run(ctx).await,
        Command::Restore(c) => c.run(ctx).await,
        Command::Cleanup(c) => c.run(ctx).await,
        Command::Config(c) => c.run(ctx).await,
        Command::Report(c) => c.run(ctx).await,
        Command::Status(c) => c.run(ctx).await,
        Command::Doctor(c) => c.run(ctx).await,
        Command::Rebalance(c) => c.run(ctx).await,
        Command::Distribute(c) => c.run(ctx).await,
        Command::Serve(c) => c.run(ctx).await,
        Command::Console(c) => c.run(ctx).await,
        Command::Audit(c) => c.run(ctx).await,
        Command::Completions(c) => c.run(ctx).await,
        Command::Generate(c) => c.run(ctx).await,
    }
}
