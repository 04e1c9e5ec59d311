//! One integration binary, a module per command family. Each test gets its own database.

mod common;

mod cli;
mod host_migration;
mod platform;
mod provision;
mod report;
mod status;
