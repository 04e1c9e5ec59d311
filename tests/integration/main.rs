//! One integration binary, a module per command family. Each test gets its own database.

mod common;

mod backup;
mod backup_faults;
mod backup_s3;
mod backup_scale;
mod bad_rows;
mod citus;
mod citus_placement;
mod cli;
mod completion;
mod conventions;
mod doctor;
mod domains;
mod help;
mod host_migration;
mod migrate;
mod notify;
mod packaging;
mod platform;
mod pool;
mod provision;
mod report;
mod select;
mod serve;
mod serve_affinity;
mod serve_e2e;
mod serve_setup;
mod status;
mod terminal;
mod tls;
mod wizard;
mod worker;
