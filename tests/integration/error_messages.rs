//! The error messages operators meet first, pinned like help text: the exact stderr and exit
//! code of the real binary, one snapshot each (`snapshots/errors/`). A change of wording shows
//! up in review as a changed snapshot, not as a substring test that still passes.

use crate::common::Env;
use sqlx::PgPool;

/// One case: a name for its snapshot, the arguments, and extra environment.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const fn case(name: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        args,
        env: &[],
    }
}

/// A server nobody listens on (port 1 on loopback refuses at once).
const UNREACHABLE: &str = "postgres://tenantctl@127.0.0.1:1/nowhere";

/// Before `init`: the registry does not exist yet.
const BEFORE_INIT: &[Case] = &[
    case("registry-missing-status", &["status"]),
    case("registry-missing-platform-list", &["platform", "list"]),
];

/// After `init` and one platform `Acme` (subdomain `acme`).
const AFTER_INIT: &[Case] = &[
    case(
        "name-bad-subdomain",
        &[
            "platform",
            "create",
            "--name",
            "Beta",
            "--subdomain",
            "Bad_Sub",
        ],
    ),
    case(
        "name-empty",
        &["platform", "create", "--name", "", "--subdomain", "beta"],
    ),
    case(
        "name-bad-domain",
        &[
            "platform",
            "create",
            "--name",
            "Beta",
            "--domain",
            "not a domain",
        ],
    ),
    case(
        "name-taken",
        &[
            "platform",
            "create",
            "--name",
            "Acme2",
            "--subdomain",
            "acme",
        ],
    ),
    case("unknown-platform-show", &["platform", "show", "nosuch"]),
    case("unknown-platform-provision", &["provision", "nosuch"]),
    case("unknown-platform-backup", &["backup", "nosuch"]),
    case(
        "unknown-platform-delete",
        &["platform", "delete", "nosuch", "--yes"],
    ),
    case("confirm-missing-delete", &["platform", "delete", "Acme"]),
    case("restore-no-backups", &["restore", "Acme"]),
    case(
        "rollback-unknown-version",
        &["migrate", "rollback", "--all", "--to", "1", "--yes"],
    ),
    case("usage-typo-subcommand", &["platfrom", "list"]),
    case(
        "usage-bad-output",
        &["platform", "list", "--output", "yaml"],
    ),
    case("usage-no-platform", &["platform", "show"]),
    Case {
        name: "unreachable-status",
        args: &["status"],
        env: &[("DATABASE_URL", UNREACHABLE)],
    },
    Case {
        name: "unreachable-migrate",
        args: &["migrate", "run"],
        env: &[("DATABASE_URL", UNREACHABLE)],
    },
];

/// Cases with a bad `tenantctl.toml` in the working directory.
const BAD_CONFIG: &[(&str, &str)] = &[
    ("config-unknown-key", "paralel_migration_threads = 4\n"),
    (
        "config-wrong-type",
        "parallel_migration_threads = \"many\"\n",
    ),
    ("config-not-toml", "parallel_migration_threads = \n"),
];

fn pinned(env: &Env, name: &str, code: i32, stderr: &str) {
    // The test's own database and scratch directory are the only text that differs per run.
    let mut text = stderr
        .replace(&env.url, "[DATABASE_URL]")
        .replace(&env.path().display().to_string(), "[DIR]");
    // A schema's random suffix, and how many registry migrations there are today.
    if let Some(i) = text.find("tenant_acme_") {
        text.replace_range(i + 12..i + 18, "[suffix]");
    }
    if let Some(i) = text.find(" registry migration(s) pending") {
        let start = text[..i].rfind('(').expect("a count in parentheses") + 1;
        text.replace_range(start..i, "[N]");
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/errors");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, format!("exit code: {code}\n{text}")));
}

#[sqlx::test(migrations = false)]
async fn the_first_errors_an_operator_meets_read_as_pinned(pool: PgPool) {
    let env = Env::new(pool);
    let mut failed = Vec::new();
    let mut check = |env: &Env, name: &str, r: crate::common::Run| {
        if r.code == 0 {
            failed.push(format!("{name}: succeeded\n{}", r.stdout));
        }
        assert!(
            r.stdout.is_empty(),
            "{name}: an error writes nothing on stdout: {}",
            r.stdout
        );
        pinned(env, name, r.code, &r.stderr);
    };
    for c in BEFORE_INIT {
        let r = env.run_with(c.args, c.env).await;
        check(&env, c.name, r);
    }
    env.init().await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "Acme",
        "--subdomain",
        "acme",
    ])
    .await
    .ok();
    for c in AFTER_INIT {
        let r = env.run_with(c.args, c.env).await;
        check(&env, c.name, r);
    }
    for (name, toml) in BAD_CONFIG {
        env.write("tenantctl.toml", toml);
        let r = env.run(&["config", "show"]).await;
        check(&env, name, r);
    }
    assert!(failed.is_empty(), "{failed:#?}");
}
