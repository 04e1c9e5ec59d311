//! One integration binary, a module per command family. Each test gets its own database.

mod common;

mod cli;
mod packaging;
mod platform;
mod provision;
