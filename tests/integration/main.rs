//! One integration binary, a module per command family. Each test gets its own database.

mod common;

mod backup;
mod backup_faults;
mod backup_s3;
mod cli;
mod platform;
mod provision;
