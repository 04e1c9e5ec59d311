//! One integration binary, a module per command family. Each test gets its own database.

mod common;

mod cli;
mod notify;
mod platform;
mod pool;
mod provision;
mod wizard;
mod worker;
