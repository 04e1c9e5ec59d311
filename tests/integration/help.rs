//! Help pages (issue 16, item 10): every command's `--help` ends with examples that parse, and
//! each page is an insta snapshot (tests/integration/snapshots/help/), so a change to any help
//! text shows in review. The pages are taken from the real binary with no terminal (so no
//! colour) and `COLUMNS=100` (clap's width without a terminal), the same on every machine.

use crate::common::BIN;
use tenantctl::cli::examples;

/// Every visible command's path (`""` for `tenantctl` itself).
fn paths() -> Vec<String> {
    fn walk(c: &clap::Command, path: &str, out: &mut Vec<String>) {
        out.push(path.to_string());
        for s in c.get_subcommands() {
            if s.is_hide_set() || s.get_name() == "help" {
                continue;
            }
            walk(s, format!("{path} {}", s.get_name()).trim(), out);
        }
    }
    let mut out = Vec::new();
    walk(&examples::command(), "", &mut out);
    out
}

/// A command line of the examples, split as a shell would (single quotes only).
fn split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[test]
fn every_command_has_examples_and_each_parses() {
    let paths = paths();
    for path in &paths {
        let Some(examples) = examples::of(path) else {
            panic!("`tenantctl {path}` has no examples in src/cli/examples.rs");
        };
        assert!(
            (2..=3).contains(&examples.len()),
            "`tenantctl {path}`: two or three examples"
        );
        for (what, line) in examples {
            assert!(!what.is_empty());
            // `source <(tenantctl completions bash)`: the command inside.
            let line = line
                .strip_prefix("source <(")
                .and_then(|l| l.strip_suffix(')'))
                .unwrap_or(line);
            let words = split(line);
            assert_eq!(words[0], "tenantctl", "{line}");
            if let Err(e) = examples::command().try_get_matches_from(&words) {
                panic!("the example `{line}` does not parse:\n{e}");
            }
        }
    }
    // No examples of a command that no longer exists.
    for (path, _) in examples::EXAMPLES {
        assert!(paths.contains(&path.to_string()), "no command `{path}`");
    }
}

/// At 80 columns no example is broken mid-command (issue 28.10: `status --help` was below about
/// 110): each shows whole, long ones continued with ` \` as a shell reads them.
#[test]
fn examples_are_whole_on_an_80_column_terminal() {
    for path in paths() {
        let mut args: Vec<&str> = path.split_whitespace().collect();
        args.push("--help");
        let out = std::process::Command::new(BIN)
            .args(&args)
            .env("COLUMNS", "80")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let examples = examples::help_text(examples::of(&path).unwrap());
        assert!(
            text.contains(&examples),
            "`tenantctl {path} --help` at 80 columns:\n{text}"
        );
    }
}

#[test]
fn help_pages_match_their_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/help");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for path in paths() {
            let mut args: Vec<&str> = path.split_whitespace().collect();
            args.push("--help");
            let out = std::process::Command::new(BIN)
                .args(&args)
                .env("COLUMNS", "100")
                .env("NO_COLOR", "1")
                .env_remove("CLICOLOR_FORCE")
                .output()
                .unwrap();
            assert!(out.status.success(), "{path}");
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(!text.contains('\u{1b}'), "colour in `{path} --help`");
            assert!(text.contains("\nExamples:\n"), "`{path} --help`");
            let name = if path.is_empty() {
                "tenantctl".to_string()
            } else {
                format!("tenantctl-{}", path.replace(' ', "-"))
            };
            insta::assert_snapshot!(name, text);
        }
    });
}

#[test]
fn man_pages_have_the_examples() {
    let root = tenantctl::cli::generate::repo_root();
    for (name, roff) in tenantctl::cli::generate::man_pages() {
        assert!(roff.contains(".SH EXAMPLES"), "{name} has no EXAMPLES");
    }
    // As `man` shows it.
    let out = std::process::Command::new("man")
        .arg("-l")
        .arg(root.join("man/tenantctl-restore.1"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("`man` is installed (scripts/test installs man-db)");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let examples = text
        .split("EXAMPLES")
        .nth(1)
        .and_then(|t| t.split("EXIT STATUS").next())
        .unwrap_or_default();
    for (what, line) in examples::of("restore").unwrap() {
        assert!(examples.contains(what) && examples.contains(line), "{text}");
    }
}

/// `man tenantctl-doctor` and `man tenantctl-status` give their own exit codes (issue 28.10):
/// doctor's 1 is WARN and 2 FAIL, not "failure" and "usage"; status lists --check's 3.
#[test]
fn man_pages_give_each_command_its_own_exit_codes() {
    let pages: std::collections::BTreeMap<String, String> =
        tenantctl::cli::generate::man_pages().into_iter().collect();
    let exit_status = |name: &str| {
        pages[name]
            .split("EXIT STATUS")
            .nth(1)
            .and_then(|t| t.split(".SH ENVIRONMENT").next())
            .unwrap_or_else(|| panic!("{name} has no EXIT STATUS"))
            .to_string()
    };
    let doctor = exit_status("tenantctl-doctor.1");
    assert!(
        doctor.contains("at least one check warned (WARN)")
            && doctor.contains("at least one check failed (FAIL)")
            && !doctor.contains("usage error or invalid input; nothing ran"),
        "{doctor}"
    );
    let status = exit_status("tenantctl-status.1");
    assert!(
        status.contains("UNKNOWN") && status.contains("CRITICAL"),
        "{status}"
    );
}

/// The daily backup's `--stale` is a little under the period everywhere it is recommended:
/// with 24h a tenant backed up a few minutes later yesterday is skipped today (issue 28.10).
#[test]
fn no_page_recommends_a_stale_age_that_skips_a_day() {
    let root = tenantctl::cli::generate::repo_root();
    let mut files = vec![root.join("README.md"), root.join("src/cli/examples.rs")];
    for dir in ["docs", "contrib/systemd", "contrib/cron", "man"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(
            !text.contains("--stale 24h") && !text.contains("stale 24h"),
            "{} recommends --stale 24h",
            f.display()
        );
    }
}
