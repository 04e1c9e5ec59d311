//! tenantctl: PostgreSQL schema-per-tenant multi-tenancy for operators.
//!
//! `main.rs` parses and calls [`run`]; everything else is library code that tests call directly.

pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod doctor;
pub mod error;
pub mod exit_code;
pub mod host_migration;
pub mod logging;
pub mod migrate;
pub mod notify;
pub mod output;
pub mod provision;
pub mod registry;
pub mod report;
pub mod serve;
pub mod tls;

pub use error::{Error, Result};

use cli::{Cli, Ctx};
use config::Config;
use output::Term;

/// Run a parsed command line with resolved configuration. Can be called more than once.
pub async fn run(cli: Cli, config: Config) -> Result<()> {
    tls::install_default_provider();
    output::check_json_version(std::env::var("TENANTCTL_JSON_VERSION").ok().as_deref())?;
    let ctx = Ctx::new(config, &cli.global, Term::detect());
    cli::dispatch(cli.command, &ctx).await
}
