//! Conventions of the command line itself: help, configuration, errors and exit codes.

use crate::common::{BIN, Env};
use clap::CommandFactory;
use sqlx::PgPool;
use tenantctl::cli::Cli;

#[test]
fn every_option_and_command_has_help() {
    let cmd = Cli::command();
    cmd.clone().debug_assert();
    fn walk(c: &clap::Command, path: &str) {
        for a in c.get_arguments() {
            if a.is_hide_set() || ["help", "version"].contains(&a.get_id().as_str()) {
                continue;
            }
            assert!(
                a.get_help()
                    .is_some_and(|h| !h.to_string().trim().is_empty()),
                "`{path}` option `{}` has no help",
                a.get_id()
            );
        }
        for s in c.get_subcommands() {
            if s.get_name() == "help" {
                continue;
            }
            assert!(
                s.get_about().is_some(),
                "`{path} {}` has no description",
                s.get_name()
            );
            walk(s, &format!("{path} {}", s.get_name()));
        }
    }
    walk(&cmd, "tenantctl");
}

#[tokio::test]
async fn help_describes_platform_commands() {
    let out = tokio::process::Command::new(BIN)
        .args(["platform", "--help"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for sub in ["create", "list", "show", "set-domain"] {
        assert!(text.contains(sub), "{text}");
    }
    let out = tokio::process::Command::new(BIN)
        .args(["--help"])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Exit status:") && text.contains("69  database or storage unreachable"),
        "{text}"
    );
}

#[test]
fn the_readme_exit_code_table_matches_the_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (code, meaning) in tenantctl::exit_code::TABLE {
        let row = format!("| {code} | {meaning} |");
        assert!(readme.contains(&row), "README lacks the row `{row}`");
    }
    let help = tenantctl::cli::AFTER_HELP;
    for (code, meaning) in tenantctl::exit_code::TABLE {
        assert!(
            help.contains(&format!("{code:<3} {meaning}")),
            "--help lacks exit code {code}"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn unreachable_database_is_exit_69_with_a_masked_url(pool: PgPool) {
    let env = Env::new(pool);
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("postgres://admin:s3cret@127.0.0.1:{port}/db");
    let r = env.run(&["platform", "list", "--database-url", &url]).await;
    r.code(69);
    assert!(!r.stderr.contains("s3cret"), "{}", r.stderr);
    r.stderr_has(&format!(
        "cannot reach database at postgres://admin:****@127.0.0.1:{port}/db"
    ));
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);

    env.run(&["platform", "list", "--database-url", "not a url"])
        .await
        .code(2)
        .stderr_has("invalid database URL");
}

#[sqlx::test(migrations = false)]
async fn config_show_reports_values_and_sources(pool: PgPool) {
    let mut env = Env::new(pool);
    env.write(
        "tenantctl.toml",
        "parallel_migration_threads = 7\n[backup]\nkeep_daily = 3\n[notify]\nsmtp_password = \"hunter2\"\n",
    );
    env.set("TENANTCTL_BACKUP_KEEP_DAILY", "5");
    let url = "postgres://u:pw@127.0.0.1:1/x";
    let r = env
        .run(&["config", "show", "-o", "json", "--database-url", url])
        .await;
    r.ok();
    let rows = r.json();
    let get = |k: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == k)
            .unwrap()
            .clone()
    };
    assert_eq!(get("parallel_migration_threads")["value"], "7");
    assert_eq!(
        get("parallel_migration_threads")["source"],
        "file tenantctl.toml"
    );
    assert_eq!(get("backup.keep_daily")["value"], "5");
    assert_eq!(
        get("backup.keep_daily")["source"],
        "env TENANTCTL_BACKUP_KEEP_DAILY"
    );
    assert_eq!(
        get("database_url")["value"],
        "postgres://u:****@127.0.0.1:1/x"
    );
    assert_eq!(get("database_url")["source"], "flag --database-url");
    assert_eq!(get("notify.smtp_password")["value"], "****");
    assert_eq!(get("report.jobs")["source"], "default");
    assert!(!r.stdout.contains("hunter2") && !r.stdout.contains(":pw@"));

    // --no-config ignores the file.
    let r = env
        .run(&["config", "show", "-o", "json", "--no-config"])
        .await;
    r.ok();
    let rows = r.json();
    let threads = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "parallel_migration_threads")
        .unwrap();
    assert_eq!(threads["source"], "default");

    // A bad file is a usage error that names the key.
    env.write("bad.toml", "[backup]\nkeep_dialy = 1\n");
    env.run(&["config", "show", "--config", "bad.toml"])
        .await
        .code(2)
        .stderr_has("unknown key `backup.keep_dialy`");
}

#[sqlx::test(migrations = false)]
async fn tables_have_no_colour_in_a_pipe_even_without_no_color(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let r = env.run(&["platform", "list"]).await;
    r.ok();
    assert!(!r.stdout.contains('\u{1b}'), "{}", r.stdout);
    assert!(!r.stderr.contains('\u{1b}'), "{}", r.stderr);
}

/// Issue 15.13: a password given as `?password=` (or `sslpassword=`) in the URL is masked like
/// one in the user part, in `config show` (table and JSON) and in error messages.
#[sqlx::test(migrations = false)]
async fn url_parameter_passwords_are_masked_everywhere(pool: PgPool) {
    let env = Env::new(pool);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!(
        "postgres://admin@127.0.0.1:{port}/db?sslmode=disable&password=Sup3rSecretPw&sslpassword=KeyPw77"
    );
    for args in [
        vec!["config", "show", "--database-url", &url],
        vec!["config", "show", "-o", "json", "--database-url", &url],
    ] {
        let r = env.run(&args).await;
        r.ok();
        for secret in ["Sup3rSecretPw", "KeyPw77"] {
            assert!(!r.stdout.contains(secret), "{secret} in {}", r.stdout);
        }
        r.stdout_has("password=****");
        r.stdout_has("sslmode=disable");
    }
    // The same through the environment and the serve URL key.
    let r = env
        .run_with(
            &["config", "show", "-o", "json"],
            &[
                ("DATABASE_URL", &url),
                ("TENANTCTL_SERVE_DATABASE_URL", &url),
            ],
        )
        .await;
    r.ok();
    assert!(!r.stdout.contains("Sup3rSecretPw"), "{}", r.stdout);
    // An error message that shows the URL.
    let r = env.run(&["platform", "list", "--database-url", &url]).await;
    r.code(69);
    assert!(!r.stderr.contains("Sup3rSecretPw"), "{}", r.stderr);
    assert!(!r.stderr.contains("KeyPw77"), "{}", r.stderr);
    r.stderr_has("password=****");
}

/// Issue 15.14: a role or database that does not exist is not "unreachable" (exit 69, which
/// retry-on-69 wrappers retry forever) but a failure (exit 1) that says what is wrong; a
/// malformed URL is a usage error (exit 2) that shows the right form; 69 stays for a server
/// that cannot be reached.
#[sqlx::test(migrations = false)]
async fn a_missing_role_or_database_is_a_failure_that_says_so(pool: PgPool) {
    let env = Env::new(pool);
    let base = url::Url::parse(&env.url).unwrap();
    let mut no_db = base.clone();
    no_db.set_path("/no_such_database_h6");
    let r = env
        .run(&["platform", "list", "--database-url", no_db.as_str()])
        .await;
    r.code(1);
    r.stderr_has("database \"no_such_database_h6\" does not exist");
    assert!(!r.stderr.contains("cannot reach"), "{}", r.stderr);
    r.stderr_has("hint:");

    let mut no_role = base.clone();
    no_role.set_username("no_such_role_h6").unwrap();
    let r = env
        .run(&["platform", "list", "--database-url", no_role.as_str()])
        .await;
    r.code(1);
    r.stderr_has("role \"no_such_role_h6\" does not exist");
    assert!(!r.stderr.contains("cannot reach"), "{}", r.stderr);

    for bad in [
        "postgres://tenantctl@localhost:notaport/app",
        "mysql://tenantctl@localhost/app",
        "localhost:5432/app",
    ] {
        let r = env.run(&["platform", "list", "--database-url", bad]).await;
        r.code(2);
        r.stderr_has("invalid database URL");
        r.stderr_has("postgres://user[:password]@host[:port]/database");
    }
}
