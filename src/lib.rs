//! tenantctl: PostgreSQL schema-per-tenant multi-tenancy for operators.
//!
//! `main.rs` parses, resolves the configuration, installs logging, calls [`run`] and maps its
//! error to an exit code; everything else is library code that tests call directly.

#[macro_use]
mod words;

pub mod atomic_file;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod doctor;
pub mod error;
pub mod exit_code;
pub mod host_migration;
pub mod jobs;
pub mod logging;
pub mod migrate;
pub mod notify;
pub mod output;
pub mod placement;
pub mod provision;
pub mod registry;
pub mod report;
pub mod rules;
pub mod serve;
pub mod tls;

pub use error::{Error, Result};

use cli::{Cli, Ctx};
use config::Config;
use output::Term;

/// Run a parsed command line with its resolved configuration: refuse first when
/// `TENANTCTL_JSON_VERSION` asks for another JSON contract, then dispatch the command. Each call
/// builds its own context and connects its own pool, so it can be called more than once (see
/// the test below).
pub async fn run(cli: Cli, config: Config) -> Result<()> {
    tls::install_default_provider();
    output::check_json_version(std::env::var("TENANTCTL_JSON_VERSION").ok().as_deref())?;
    cli.command.check_format(&config)?;
    let ctx = Ctx::new(config, &cli.global, Term::detect());
    cli::dispatch(cli.command, &ctx).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[tokio::test]
    async fn run_can_be_called_more_than_once() {
        for _ in 0..2 {
            let cli = Cli::try_parse_from(["tenantctl", "--no-config", "config", "show"]).unwrap();
            let config =
                Config::resolve(&cli.global.overrides(), &Default::default(), &[]).unwrap();
            run(cli, config).await.unwrap();
        }
    }
}
