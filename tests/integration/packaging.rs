//! Operator packaging: the committed completions, man pages and configuration reference match
//! what the current CLI generates; they work in the tools that read them; the systemd units
//! verify; the shipped cron and systemd command lines run on a fresh install.

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

/// The words of a cron line after its five time fields and its user: the command.
fn cron_command(line: &str) -> Option<&str> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let first = line.split_whitespace().next()?;
    if first.contains('=') {
        return None; // SHELL=, PATH=, MAILTO=
    }
    let mut rest = line;
    for _ in 0..6 {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace)?;
        rest = &rest[end..];
    }
    Some(rest.trim())
}

/// The owner (uid, gid) of `tenantctl` in a scratch root's /etc/passwd.
fn scratch_user(root: &Path) -> (u32, u32) {
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    let line = passwd
        .lines()
        .find(|l| l.starts_with("tenantctl:"))
        .expect("systemd-sysusers created the tenantctl user");
    let f: Vec<&str> = line.split(':').collect();
    (f[2].parse().unwrap(), f[3].parse().unwrap())
}

/// Issue 15.18: the shipped cron file works on a fresh install. Install it the way
/// contrib/cron/README.md says into a scratch root (the sysusers user, the tmpfiles
/// directories, the env file), then run every line as cron would (`/bin/sh -c`, cron's PATH,
/// as the tenantctl user when the test runs as root), paths moved into the scratch root: each
/// exits 0 and writes its log. And a missing log directory does not stop a job.
#[sqlx::test(migrations = false)]
async fn cron_lines_run_on_a_fresh_install(pool: sqlx::PgPool) {
    use std::os::unix::fs::PermissionsExt;
    let env = crate::common::Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    for tool in ["systemd-sysusers", "systemd-tmpfiles", "setpriv"] {
        if Command::new(tool).arg("--version").output().is_err() {
            eprintln!("{tool} is not installed here; cron install test skipped");
            return;
        }
    }
    let repo = generate::repo_root();
    let scratch = tempfile::tempdir().unwrap();
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = scratch.path();
    let sh = |args: &[&str]| {
        let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::create_dir_all(root.join("etc/cron.d")).unwrap();
    let r = root.to_str().unwrap();
    sh(&[
        "systemd-sysusers",
        &format!("--root={r}"),
        repo.join("contrib/systemd/tenantctl.sysusers.conf")
            .to_str()
            .unwrap(),
    ]);
    sh(&[
        "systemd-tmpfiles",
        "--create",
        &format!("--root={r}"),
        repo.join("contrib/cron/tenantctl.tmpfiles.conf")
            .to_str()
            .unwrap(),
    ]);
    std::fs::copy(
        repo.join("contrib/cron/tenantctl"),
        root.join("etc/cron.d/tenantctl"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("etc/tenantctl")).unwrap();
    std::fs::write(
        root.join("etc/tenantctl/env"),
        format!(
            "DATABASE_URL={}\nTENANTCTL_BACKUP_LOCAL_DIR={r}/var/lib/tenantctl/backups\n",
            env.url
        ),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("usr/local/bin")).unwrap();
    std::os::unix::fs::symlink(BIN, root.join("usr/local/bin/tenantctl")).unwrap();

    let cron = std::fs::read_to_string(root.join("etc/cron.d/tenantctl")).unwrap();
    let cron_path = cron
        .lines()
        .find_map(|l| l.strip_prefix("PATH="))
        .expect("the cron file sets PATH");
    let as_user = nix_is_root();
    let (uid, gid) = scratch_user(root);
    let run = |command: &str| {
        let command = command
            .replace("/etc/tenantctl", &format!("{r}/etc/tenantctl"))
            .replace("/var/log/tenantctl", &format!("{r}/var/log/tenantctl"));
        let mut c = if as_user {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={uid}"),
                &format!("--regid={gid}"),
                "--clear-groups",
                "/bin/sh",
            ]);
            c
        } else {
            Command::new("/bin/sh")
        };
        let out = c
            .arg("-c")
            .arg(&command)
            .env_clear()
            .env("PATH", format!("{r}/usr/local/bin:{cron_path}"))
            .env("HOME", root.join("var/lib/tenantctl"))
            .env("LOGNAME", "tenantctl")
            .env("SHELL", "/bin/sh")
            .current_dir(root.join("var/lib/tenantctl"))
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let lines: Vec<&str> = cron.lines().filter_map(cron_command).collect();
    assert_eq!(lines.len(), 3, "backup, cleanup, verify: {lines:?}");
    for line in &lines {
        let (code, stdout, stderr) = run(line);
        assert_eq!(code, 0, "{line}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(stdout.is_empty(), "the summary goes to the log: {stdout}");
    }
    for log in ["backup.log", "cleanup.log", "verify.log"] {
        let text = std::fs::read_to_string(root.join("var/log/tenantctl").join(log))
            .unwrap_or_else(|e| panic!("{log}: {e}"));
        assert!(!text.trim().is_empty(), "{log} is empty");
    }
    let backups = std::fs::read_dir(root.join("var/lib/tenantctl/backups"))
        .unwrap()
        .count();
    assert!(backups > 0, "the backup line wrote backups");

    // Without the log directory the job still runs; its summary goes to cron's mail (stdout).
    std::fs::remove_dir_all(root.join("var/log/tenantctl")).unwrap();
    let (code, stdout, stderr) = run(&lines[0].replace("--stale 20h", "--stale 0s"));
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("Acme"), "{stdout}");
}

/// Issue 15.18: each systemd unit's ExecStart runs as written (binary path substituted; serve
/// on a free port instead of 8080): the oneshot jobs exit 0, serve and the worker start and
/// stop cleanly on SIGTERM.
#[sqlx::test(migrations = false)]
async fn systemd_exec_lines_run(pool: sqlx::PgPool) {
    let mut env = crate::common::Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    env.set("TENANTCTL_SERVE_REFRESH_INTERVAL", "1s");
    let units = generate::repo_root().join("contrib/systemd");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut seen = Vec::new();
    for name in [
        "tenantctl-backup.service",
        "tenantctl-cleanup.service",
        "tenantctl-worker.service",
        "tenantctl-serve.service",
    ] {
        let text = std::fs::read_to_string(units.join(name)).unwrap();
        let exec = text
            .lines()
            .find_map(|l| l.strip_prefix("ExecStart="))
            .unwrap_or_else(|| panic!("{name} has an ExecStart"));
        let exec = exec.replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
        let words: Vec<&str> = exec.split_whitespace().collect();
        assert_eq!(words[0], "/usr/local/bin/tenantctl", "{name}");
        let oneshot = text.contains("Type=oneshot");
        if oneshot {
            let r = env.run(&words[1..]).await;
            assert_eq!(r.code, 0, "{name}: {r:?}");
        } else {
            let child = env.spawn(&words[1..]);
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            if name.contains("serve") {
                let reached = tokio::net::TcpStream::connect(("127.0.0.1", port)).await;
                assert!(reached.is_ok(), "{name} listens on {port}");
            }
            crate::common::signal(&child, "TERM");
            let r = crate::common::finish(child).await;
            assert_eq!(r.code, 0, "{name}: {r:?}");
        }
        seen.push(name);
    }
    assert_eq!(seen.len(), 4);
}

fn nix_is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}
