//! Logging to stderr with tracing: text or JSON, level from -v/-q, or a filter from
//! `TENANTCTL_LOG` (or `RUST_LOG`, which `TENANTCTL_LOG` wins over).

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
    let directives = filter_directives(
        std::env::var("TENANTCTL_LOG").ok(),
        std::env::var("RUST_LOG").ok(),
    )
    .unwrap_or_else(|| format!("warn,tenantctl={level}"));
    let filter = EnvFilter::try_new(&directives)
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

/// The log filter the environment asks for: `TENANTCTL_LOG`, else `RUST_LOG` (what every Rust
/// tool honours), else none (then -v/-q decide). An empty value counts as unset.
pub fn filter_directives(
    tenantctl_log: Option<String>,
    rust_log: Option<String>,
) -> Option<String> {
    [tenantctl_log, rust_log]
        .into_iter()
        .flatten()
        .find(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::filter_directives;

    #[test]
    fn tenantctl_log_wins_over_rust_log() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(filter_directives(None, None), None);
        assert_eq!(filter_directives(None, s("debug")), s("debug"));
        assert_eq!(filter_directives(s("trace"), None), s("trace"));
        assert_eq!(filter_directives(s("trace"), s("debug")), s("trace"));
        assert_eq!(filter_directives(s(""), s("debug")), s("debug"));
    }
}
