//! Pipes and terminals: a reader that closes the pipe early, tables on terminals of odd sizes,
//! colour and log settings from the environment, and empty results.

use crate::common::Env;
use sqlx::PgPool;

/// Run `tenantctl ARGS` with stdout a pipe whose reader is already gone (what `| head -1` does
/// once it has its line): the first write fails with EPIPE, every time.
async fn with_closed_stdout(env: &Env, args: &[&str]) -> (i32, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut cmd = env.command(args);
    // NOTE: not `output()`, which would replace this stdout with a pipe of its own.
    cmd.stdout(writer);
    let out = cmd
        .spawn()
        .expect("tenantctl starts")
        .wait_with_output()
        .await
        .expect("tenantctl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `set -o pipefail; tenantctl ... | head -1` must not fail: a closed stdout ends the command
/// quietly with exit 0 (as ripgrep does), whatever the command.
#[sqlx::test(migrations = false)]
async fn a_closed_stdout_ends_quietly_with_exit_0(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    for args in [
        &["platform", "list", "-o", "json"][..],
        &["platform", "list"],
        &["completions", "bash"],
        &["config", "show"],
        &["report", "query", "--sql", "select 1 as one", "-o", "csv"],
        &["status"],
    ] {
        let (code, stderr) = with_closed_stdout(&env, args).await;
        assert_eq!(code, 0, "{args:?} exit {code}, stderr:\n{stderr}");
        assert_eq!(stderr, "", "{args:?} printed on stderr");
    }
}

/// The same through a real shell with `set -o pipefail`, where `head -1` closes the pipe while
/// a result far bigger than the pipe's buffer is still being written.
#[sqlx::test(migrations = false)]
async fn pipefail_with_head_succeeds(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let script = format!(
        "set -o pipefail; '{}' report query -o csv --sql 'select g from generate_series(1, 200000) g' | head -1",
        crate::common::BIN
    );
    let r = env.run_program("bash", &["-c", &script]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout.lines().count(), 1, "{r:?}");
    assert_eq!(r.stderr, "");
}

/// `tenantctl ARGS` on a pseudo-terminal (util-linux `script`) with colour on, after `stty`
/// sets its size (`None`: left at 0×0, as `script` without a terminal and some `docker exec -t`
/// report). Returns the screen without escape sequences.
async fn on_terminal(env: &Env, size: Option<(u16, u16)>, args: &str) -> String {
    on_terminal_with(env, size, args, &[]).await
}

async fn on_terminal_with(
    env: &Env,
    size: Option<(u16, u16)>,
    args: &str,
    extra: &[(&str, &str)],
) -> String {
    let stty = match size {
        Some((rows, cols)) => format!("stty rows {rows} cols {cols}; "),
        None => String::new(),
    };
    let command = format!("{stty}stty size; '{}' {args}", crate::common::BIN);
    let mut cmd = env.program("script");
    cmd.args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("COLUMNS");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("`script` (util-linux) runs");
    let screen = strip_ansi(&String::from_utf8_lossy(&out.stdout));
    assert!(out.status.success(), "{args}:\n{screen}");
    let expect_size = match size {
        Some((rows, cols)) => format!("{rows} {cols}"),
        None => "0 0".into(),
    };
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|l| l.trim() == expect_size),
        "the terminal is not {expect_size}:\n{screen}"
    );
    screen
}

/// The text without ANSI escape sequences.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else if c != '\r' {
            out.push(c);
        }
    }
    out
}

/// Platforms whose names, addresses and schema names are long enough to overflow 120 columns.
async fn long_names(env: &Env) -> Vec<(String, String, String)> {
    let mut made = Vec::new();
    for i in 1..=2 {
        let name = format!("Northwind Community Association Number {i}");
        let sub = format!("northwind-community-association-number-{i}");
        let v = env.create(&name, &sub).await;
        made.push((
            name,
            format!("{sub}.example.test"),
            v["schema"].as_str().expect("schema").to_string(),
        ));
    }
    made
}

/// Tables on a terminal: a 0×0 terminal is no limit (the table does not collapse into
/// one-letter columns), and at 120 columns the identifiers shown stay whole on one line, the
/// table within the width (the least needed columns left out, here the schema too).
#[sqlx::test(migrations = false)]
async fn tables_on_a_0x0_and_a_120_column_terminal(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let made = long_names(&env).await;
    for size in [None, Some((40, 120))] {
        let screen = on_terminal(&env, size, "platform list").await;
        if size.is_some() {
            assert!(widest(&screen) <= 120, "wider than 120:\n{screen}");
        }
        for (name, address, schema) in &made {
            let shown = match size {
                None => vec![name, address, schema],
                Some(_) => vec![name, address],
            };
            for id in shown {
                assert!(
                    screen.lines().any(|l| l.contains(id.as_str())),
                    "{size:?}: `{id}` is not whole on one line:\n{screen}"
                );
            }
        }
        for header in ["status", "completed"] {
            assert!(
                screen.contains(header),
                "{size:?}: `{header}` is broken up:\n{screen}"
            );
        }
    }
    // With no limit the table is as wide as its content: one line per platform.
    let screen = on_terminal(&env, None, "platform list").await;
    let body: Vec<&str> = screen.lines().filter(|l| l.starts_with('│')).collect();
    assert_eq!(body.len(), 1 + 3, "header and three platforms:\n{screen}");
}

/// The widest line of a table on a screen, in characters (notes and summaries around it wrap
/// like any text).
fn widest(screen: &str) -> usize {
    screen
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '├', '└']))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
}

/// At 80 columns a table fits (issue 28.7: `platform list` was 125 wide): the least needed
/// columns are left out, and said so on stderr, identifiers stay whole; `-o wide` shows every
/// column.
#[sqlx::test(migrations = false)]
async fn tables_fit_an_80_column_terminal_and_wide_shows_every_column(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let made = long_names(&env).await;
    let screen = on_terminal(&env, Some((40, 80)), "platform list").await;
    assert!(widest(&screen) <= 80, "wider than 80:\n{screen}");
    for (name, _, _) in &made {
        assert!(
            screen.lines().any(|l| l.contains(name.as_str())),
            "`{name}` is not whole on one line:\n{screen}"
        );
    }
    assert!(
        screen.contains("`-o wide` shows every column"),
        "no word of the columns left out:\n{screen}"
    );
    let wide = on_terminal(&env, Some((40, 80)), "platform list -o wide").await;
    for header in ["address", "schema", "provisioned", "last backup", "size"] {
        assert!(wide.contains(header), "-o wide lacks `{header}`:\n{wide}");
    }
    for (name, address, schema) in &made {
        for id in [name, address, schema] {
            assert!(
                wide.lines().any(|l| l.contains(id.as_str())),
                "-o wide: `{id}` is not whole:\n{wide}"
            );
        }
    }

    // The other tables of an ordinary fleet fit too.
    env.tenant("Acme", "acme").await;
    env.run(&["backup", "acme"]).await.ok();
    for args in [
        "platform list",
        "migrate status",
        "backup list",
        "backup list acme",
        "report sizes",
        "report backups",
        "cleanup --all --dry-run",
        "config show",
        "status",
    ] {
        let screen = on_terminal(&env, Some((40, 80)), args).await;
        assert!(widest(&screen) <= 80, "`{args}` wider than 80:\n{screen}");
    }
}

/// At 60 columns `migrate status` keeps each version whole (the value `rollback --to` takes).
#[sqlx::test(migrations = false)]
async fn a_narrow_terminal_never_splits_a_version(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    let latest = tenantctl::migrate::MigrationSet::embedded()
        .latest()
        .unwrap()
        .to_string();
    let screen = on_terminal(&env, Some((40, 60)), "migrate status").await;
    assert!(
        screen.lines().any(|l| l.contains(&latest)),
        "version {latest} is split:\n{screen}"
    );
}

/// Log lines on a terminal are coloured, except with `TERM=dumb` or `NO_COLOR` (and, as
/// before, never in a pipe).
#[sqlx::test(migrations = false)]
async fn log_colour_honours_term_dumb_and_no_color(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let logs = "platform list >/dev/null";
    let raw = |extra: Vec<(&'static str, &'static str)>| {
        let env = &env;
        async move {
            let command = format!("'{}' {logs}", crate::common::BIN);
            let mut cmd = env.program("script");
            cmd.args(["-qec", &command, "/dev/null"])
                .env("TENANTCTL_LOG", "debug");
            for (k, v) in extra {
                cmd.env(k, v);
            }
            let out = cmd.output().await.expect("`script` (util-linux) runs");
            assert!(out.status.success());
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    let xterm = raw(vec![("TERM", "xterm")]).await;
    assert!(xterm.contains("DEBUG"), "{xterm}");
    assert!(xterm.contains('\u{1b}'), "colour on a terminal:\n{xterm}");
    for extra in [
        vec![("TERM", "dumb")],
        vec![("TERM", "xterm"), ("NO_COLOR", "1")],
    ] {
        let screen = raw(extra.clone()).await;
        assert!(screen.contains("DEBUG"), "{extra:?}: {screen}");
        assert!(!screen.contains('\u{1b}'), "{extra:?}: colour:\n{screen}");
    }
    // In a pipe: never.
    let r = env
        .run_with(&["platform", "list"], &[("TENANTCTL_LOG", "debug")])
        .await;
    assert!(
        r.stderr.contains("DEBUG") && !r.stderr.contains('\u{1b}'),
        "{}",
        r.stderr
    );
}

/// `RUST_LOG` sets the log filter like `TENANTCTL_LOG`; `TENANTCTL_LOG` wins when both are set.
#[sqlx::test(migrations = false)]
async fn rust_log_is_honoured_and_tenantctl_log_wins(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let r = env
        .run_with(&["platform", "list"], &[("RUST_LOG", "debug")])
        .await;
    r.ok().stderr_has("DEBUG");
    let r = env
        .run_with(
            &["platform", "list"],
            &[("RUST_LOG", "debug"), ("TENANTCTL_LOG", "error")],
        )
        .await;
    r.ok();
    assert!(!r.stderr.contains("DEBUG"), "{}", r.stderr);
    // Neither: -v/-q decide (warnings only by default).
    let r = env.run(&["platform", "list"]).await;
    r.ok();
    assert_eq!(r.stderr, "");
}

/// An empty result is the one-line summary on stdout, never a header with no rows, with `-q`
/// too; JSON gives `[]`.
#[sqlx::test(migrations = false)]
async fn empty_results_print_their_summary_not_a_bare_header(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    let latest = {
        let r = env.run(&["migrate", "status", "-o", "json"]).await;
        r.ok();
        r.json()[0]["version"].clone()
    };
    let cases: [(&[&str], String); 3] = [
        (
            &["platform", "retry", "--all-failed"],
            "no failed or stuck platforms; nothing to retry".into(),
        ),
        (
            &["migrate", "status", "--behind"],
            format!("no tenant is behind (latest version {latest})"),
        ),
        (
            &[
                "report",
                "query",
                "--sql",
                "select 1 from posts where false",
            ],
            "no rows".into(),
        ),
    ];
    for (args, summary) in &cases {
        for quiet in [false, true] {
            let mut a = args.to_vec();
            if quiet {
                a.push("-q");
            }
            let r = env.run(&a).await;
            r.ok();
            assert_eq!(r.stdout, format!("{summary}\n"), "{a:?}");
            if quiet {
                assert_eq!(r.stderr, "", "{a:?}");
            }
        }
    }
    for args in [
        &["platform", "retry", "--all-failed", "-o", "json"][..],
        &["migrate", "status", "--behind", "-o", "json"],
    ] {
        let r = env.run(args).await;
        r.ok();
        assert_eq!(r.json(), serde_json::json!([]), "{args:?}");
    }
}
