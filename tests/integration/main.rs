//! One integration binary, a module per command family. Each test gets its own database.

mod common;

mod backup;
mod backup_faults;
mod backup_s3;
mod cli;
mod conventions;
mod domains;
mod host_migration;
mod migrate;
mod notify;
mod packaging;
mod platform;
mod pool;
mod provision;
mod report;
mod serve;
mod serve_e2e;
mod serve_setup;
mod status;
mod wizard;
mod worker;
