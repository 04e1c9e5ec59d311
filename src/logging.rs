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
        builder
            .fmt_fields(escaped_fields())
            .with_ansi(color)
            .try_init()
    };
}

/// How text log lines write an event's message and fields: control characters (a newline, a
/// carriage return, an escape) and the line and paragraph separators escaped (`\n`,
/// `\u{2028}`), so a value that holds one (a platform name from the registry, which only
/// limits its length) cannot forge a log line or recolour the terminal. JSON lines escape by
/// themselves.
pub fn escaped_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + 'static {
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
        let text = format!("{value:?}");
        let text = escape_controls(&text);
        if field.name() == "message" {
            w.write_str(&text)
        } else {
            write!(w, "{}={text}", field.name())
        }
    })
    .delimited(" ")
}

/// `s` with its control characters and line/paragraph separators escaped as Rust writes them.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    fn escape(c: char) -> bool {
        c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
    }
    if !s.chars().any(escape) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| {
            if escape(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
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

    /// A writer the test reads back.
    #[derive(Clone, Default)]
    struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A name with a newline from the registry stays on its log line (issue 28.11).
    #[test]
    fn a_value_cannot_forge_a_log_line() {
        let buf = Buf::default();
        let out = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || buf.clone())
            .with_ansi(false)
            .without_time()
            .with_target(false)
            .fmt_fields(super::escaped_fields())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let name = "Acme\nERROR fake: all tenants dropped\u{1b}[2J\u{2028}";
            tracing::warn!(platform = %name, "backing up {}\r", name);
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            " WARN backing up Acme\\nERROR fake: all tenants dropped\\u{1b}[2J\\u{2028}\\r \
             platform=Acme\\nERROR fake: all tenants dropped\\u{1b}[2J\\u{2028}\n"
        );
    }

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
