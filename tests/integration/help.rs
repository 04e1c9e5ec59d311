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
