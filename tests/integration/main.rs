//! One integration binary, a module per command family. Each test gets its own database.

mod common;

mod cli;
mod platform;
mod provision;
mod serve;
mod serve_e2e;
