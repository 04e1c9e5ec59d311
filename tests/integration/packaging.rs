//! Operator packaging: the committed completions, man pages and configuration reference match
//! what the current CLI generates; they work in the tools that read them; the systemd units
//! verify.

use crate::common::BIN;
use std::path::Path;
use std::process::Command;
use tenantctl::cli::generate;

#[test]
fn committed_generated_files_match_the_cli() {
    let root = generate::repo_root();
    let mut stale = Vec::new();
    for (rel, text) in generate::all_files() {
        match std::fs::read_to_string(root.join(&rel)) {
            Ok(committed) if committed == text => {}
            _ => stale.push(rel),
        }
    }
    // And no leftover page of a command that no longer exists.
    let expected: Vec<String> = generate::man_pages().into_iter().map(|(n, _)| n).collect();
    for e in std::fs::read_dir(root.join("man")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if !expected.contains(&name) {
            stale.push(format!("man/{name} (no such command)"));
        }
    }
    assert!(
        stale.is_empty(),
        "generated files differ from the CLI: {stale:?}\nrun `cargo run -- generate` and commit"
    );
}

#[test]
fn completions_command_prints_the_committed_script() {
    for (shell, file) in [
        ("bash", "tenantctl.bash"),
        ("zsh", "_tenantctl"),
        ("fish", "tenantctl.fish"),
    ] {
        let out = Command::new(BIN)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let committed =
            std::fs::read_to_string(generate::repo_root().join("completions").join(file)).unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap().trim_end(),
            committed.trim_end(),
            "{shell}"
        );
    }
}

// Completion in real shells: tests/integration/completion.rs.

#[test]
fn man_pages_render_with_exit_codes_and_environment() {
    let root = generate::repo_root();
    let page = root.join("man/tenantctl.1");
    let out = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("`man` is installed (scripts/test installs man-db)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Justified text spreads words apart; compare with white space folded.
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "EXIT STATUS",
        "ENVIRONMENT",
        "DATABASE_URL",
        "CONFIRM=yes",
        "database or storage unreachable",
    ] {
        assert!(text.contains(needle), "man page lacks {needle}");
    }
    for (code, meaning) in tenantctl::exit_code::TABLE {
        assert!(text.contains(meaning), "man page lacks exit code {code}");
    }
    // Every page exists for every visible command, and each names its command.
    for (name, _) in generate::man_pages() {
        let p = root.join("man").join(&name);
        let out = Command::new("man")
            .arg("-l")
            .arg(&p)
            .env("MANPAGER", "cat")
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}");
        let command = name.trim_end_matches(".1");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(command),
            "{name}"
        );
    }
}

#[test]
fn configuration_reference_names_every_key() {
    let doc = std::fs::read_to_string(generate::repo_root().join("docs/configuration.md")).unwrap();
    for k in tenantctl::config::KEYS {
        assert!(
            doc.contains(&format!("| `{}` |", k.name)),
            "docs/configuration.md lacks {}",
            k.name
        );
        assert!(
            doc.contains(&tenantctl::config::env_var(k.name)),
            "{}",
            k.name
        );
    }
}

#[test]
fn systemd_units_verify() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze is not installed here; unit verification skipped");
        return;
    };
    assert!(version.status.success());
    let dir = tempfile::tempdir().unwrap();
    let units = generate::repo_root().join("contrib/systemd");
    let mut names = Vec::new();
    for e in std::fs::read_dir(&units).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.ends_with(".service") || name.ends_with(".timer")) {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.contains("NoNewPrivileges=yes") || name.ends_with(".timer"),
            "{name} is not hardened"
        );
        std::fs::write(
            dir.path().join(&name),
            text.replace("/usr/local/bin/tenantctl", BIN),
        )
        .unwrap();
        names.push(name);
    }
    assert!(names.iter().any(|n| n == "tenantctl-worker.service"));
    assert!(names.iter().any(|n| n == "tenantctl-serve.service"));
    let paths: Vec<_> = names.iter().map(|n| dir.path().join(n)).collect();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg("--man=no")
        .args(&paths)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify:\n{stderr}"
    );
    let _ = Path::new(BIN);
}
