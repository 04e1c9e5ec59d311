//! Logging to stderr with tracing: text or JSON, level from -v/-q or `TENANTCTL_LOG`.

use tracing_subscriber::EnvFilter;

/// Install the global subscriber. Safe to call twice (the second call does nothing).
pub fn init(verbose: u8, quiet: u8, json: bool, color: bool) {
    let level = match (quiet, verbose) {
        (q, _) if q >= 2 => "off",
        (1, _) => "error",
        (_, 0) => "warn",
        (_, 1) => "info",
        (_, 2) => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_env("TENANTCTL_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("warn,tenantctl={level}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.with_ansi(color).try_init()
    };
}
