//! The registry through the binary: init, platform create/list/show/set-domain, bad input.

use crate::common::Env;
use serde_json::Value;
use sqlx::PgPool;
use tenantctl::registry::{PLATFORM_COLUMNS, Platform};

async fn db_platforms(pool: &PgPool) -> Vec<Platform> {
    sqlx::query_as::<_, Platform>(sqlx::AssertSqlSafe(format!(
        "SELECT {PLATFORM_COLUMNS} FROM public.platforms ORDER BY id"
    )))
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = false)]
async fn init_creates_and_provisions_the_host_and_is_idempotent(pool: PgPool) {
    let env = Env::new(pool);
    let r = env.init().await;
    r.stdout_has("host platform `Host` created")
        .stdout_has("served at https://example.test/");
    let host = &db_platforms(&env.pool).await[0];
    assert!(host.host);
    assert_eq!(host.provision_status.as_str(), "completed");
    assert!(host.provisioned_at.is_some());
    let schema = host.schema_str().unwrap().to_string();
    assert!(schema.starts_with("tenant_host_"), "{schema}");
    assert!(env.schemas().await.contains(&schema));
    // Only the registry lands in public; the bookkeeping is in `tenantctl`.
    let public: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(public, vec!["platforms"]);

    let before = env.registry_snapshot().await;
    let schemas = env.schemas().await;
    let again = env
        .run(&[
            "init",
            "--non-interactive",
            "--name",
            "Host",
            "--domain",
            "example.test",
            "-o",
            "json",
        ])
        .await;
    again.ok();
    let v = again.json();
    assert_eq!(v["host_created"], false);
    assert_eq!(v["host_provisioned"], false);
    assert_eq!(v["registry_migrations_applied"], Value::Array(vec![]));
    assert_eq!(env.registry_snapshot().await, before);
    assert_eq!(env.schemas().await, schemas);
}

#[sqlx::test(migrations = false)]
async fn list_json_round_trips_every_field(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "Acme",
        "--subdomain",
        "acme",
        "--contact-email",
        "ops@acme.test",
    ])
    .await
    .ok();
    env.run(&[
        "platform",
        "create",
        "--name",
        "Blog",
        "--domain",
        "Blog.Example.ORG",
    ])
    .await
    .ok();
    env.run(&[
        "platform",
        "create",
        "--name",
        "Ext",
        "--external",
        "--url",
        "https://ext.example.net/",
    ])
    .await
    .ok();
    let r = env.run(&["platform", "list", "--output", "json"]).await;
    r.ok();
    let listed: Vec<Platform> = r.json_as();
    assert_eq!(listed, db_platforms(&env.pool).await);
    let v = r.json();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let addr: Vec<&str> = rows
        .iter()
        .map(|r| r["address"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        addr,
        vec!["example.test", "acme.example.test", "blog.example.org", "-"]
    );
    assert_eq!(rows[1]["provision_status"], "pending");
    assert_eq!(rows[1]["contact_email"], "ops@acme.test");
    assert_eq!(rows[3]["schema"], Value::Null);
    assert_eq!(rows[3]["url"], "https://ext.example.net/");
    // Never backed up, provisioned a moment ago: not stale yet, as `status` says (one rule).
    assert_eq!(rows[0]["backup_stale"], false);

    // The table for people names the same platforms, and has no escape codes in a pipe.
    let t = env.run(&["platform", "list", "--sort", "name"]).await;
    t.ok();
    assert!(!t.stdout.contains('\u{1b}'));
    let order: Vec<usize> = ["Acme", "Blog", "Ext", "Host"]
        .iter()
        .map(|n| t.stdout.find(n).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", t.stdout);
    // A completed platform provisioned two days ago and never backed up is stale.
    env.sql("UPDATE public.platforms SET provisioned_at = now() - interval '2 days' WHERE host")
        .await;
    let t = env.run(&["platform", "list", "--sort", "name"]).await;
    assert!(
        t.stdout.contains("! never"),
        "stale backup mark:\n{}",
        t.stdout
    );
}

#[sqlx::test(migrations = false)]
async fn hostile_input_is_refused_and_nothing_is_written(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let before = env.registry_snapshot().await;
    let schemas = env.schemas().await;
    let long = "a".repeat(64);
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            "--subdomain",
            "acme'; DROP TABLE platforms; --",
            "invalid subdomain",
        ),
        ("--subdomain", "ac\"me", "invalid subdomain"),
        ("--subdomain", "acme;", "invalid subdomain"),
        ("--subdomain", "аcme", "invalid subdomain"),
        ("--subdomain", &long, "at most 63 bytes"),
        ("--subdomain", "ACME", "must be lower case"),
        (
            "--subdomain",
            "Acme_Co",
            "must be lower case (try `acme-co`)",
        ),
        ("--subdomain", "", "must not be empty"),
        ("--domain", "pаypal.com", "mixes"),
        ("--domain", "https://acme.test", "without a scheme"),
        ("--domain", "acme.test:8080", "port"),
        ("--domain", "acme.test.", "end with a dot"),
        ("--domain", "acme", "two labels"),
        ("--domain", "ac'me.test", "invalid domain"),
        ("--schema", "pg_toast", "must not start with `pg_`"),
        ("--schema", "public", "is reserved"),
        ("--schema", "tenantctl", "is reserved"),
        ("--schema", "Tenant", "must be lower case (try `tenant`)"),
        ("--schema", "1acme", "must start with a-z"),
        (
            "--schema",
            "x\"; drop schema public cascade; --",
            "invalid schema name",
        ),
        ("--schema", &long, "at most 63 bytes"),
        ("--schema", "", "must not be empty"),
        ("--name", "", "must not be empty"),
        ("--name", "12345", "all digits"),
        ("--name", "bad\nname", "control"),
    ];
    for (flag, value, rule) in cases {
        let mut args = vec!["platform", "create"];
        if flag != "--name" {
            args.extend(["--name", "Hostile"]);
        }
        if flag != "--subdomain" {
            args.extend(["--subdomain", "hostile"]);
        }
        args.extend([flag, value]);
        let r = env.run(&args).await;
        assert_eq!(
            r.code, 2,
            "{flag} {value:?} was not refused:\n{}{}",
            r.stdout, r.stderr
        );
        assert!(
            r.stderr.contains(rule),
            "{flag} {value:?}: stderr lacks {rule:?}:\n{}",
            r.stderr
        );
        assert_eq!(
            r.stderr.trim().lines().count(),
            1,
            "one-line error:\n{}",
            r.stderr
        );
    }
    assert_eq!(env.registry_snapshot().await, before);
    assert_eq!(env.schemas().await, schemas);
}

#[sqlx::test(migrations = false)]
async fn conflicts_are_refused(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "Acme",
        "--domain",
        "acme.test",
    ])
    .await
    .ok();
    let before = env.registry_snapshot().await;

    env.run(&[
        "platform",
        "create",
        "--name",
        "Second",
        "--domain",
        "second.test",
        "--host",
    ])
    .await
    .code(1)
    .stderr_has("`Host` is already the host platform");
    env.run(&[
        "platform",
        "create",
        "--name",
        "Other",
        "--domain",
        "ACME.test",
    ])
    .await
    .code(1)
    // Acme has not proven acme.test: a claim, refused until it expires (domains.claim_ttl).
    .stderr_has("`acme.test` is claimed by platform `Acme` but not proven");
    env.run(&[
        "platform",
        "create",
        "--name",
        "ACME",
        "--domain",
        "acme2.test",
    ])
    .await
    .code(1)
    .stderr_has("a platform named `ACME` exists already");
    // `www` under the host's domain is `www.example.test`: a custom domain of that name collides.
    env.run(&["platform", "create", "--name", "Www", "--subdomain", "www"])
        .await
        .ok();
    env.run(&[
        "platform",
        "create",
        "--name",
        "Www2",
        "--domain",
        "www.example.test",
    ])
    .await
    .code(1)
    .stderr_has("already the address of platform `Www`");
    let after = env.registry_snapshot().await;
    assert_eq!(after.len(), before.len() + 1);
}

#[sqlx::test(migrations = false)]
async fn explicit_schema_names_are_used(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let r = env
        .run(&[
            "platform",
            "create",
            "--name",
            "Acme",
            "--subdomain",
            "acme",
            "--schema",
            "acme_custom",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    assert_eq!(r.json()["schema"], "acme_custom");
    env.run(&[
        "platform",
        "create",
        "--name",
        "Dup",
        "--subdomain",
        "dup",
        "--schema",
        "acme_custom",
    ])
    .await
    .code(1)
    .stderr_has("acme_custom");
}

#[sqlx::test(migrations = false)]
async fn set_domain_confirms_records_history_and_refuses_taken_domains(pool: PgPool) {
    let mut env = Env::new(pool);
    // Moves and redirects of a closed deployment: a custom domain moves at once only without
    // verification (with it, `set-domain` waits for the proof: domains.rs).
    env.set("TENANTCTL_DOMAINS_VERIFY", "false");
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
    env.run(&[
        "platform",
        "create",
        "--name",
        "Other",
        "--domain",
        "other.test",
    ])
    .await
    .ok();
    let before = env.registry_snapshot().await;

    // No terminal, no --yes: refused with exit 4, nothing changed.
    env.run(&["platform", "set-domain", "Acme", "--domain", "acme.org"])
        .await
        .code(4)
        .stderr_has("--yes or set TENANTCTL_CONFIRM=yes");
    assert_eq!(env.registry_snapshot().await, before);

    // Taken by another platform (any case): refused before asking.
    env.run(&[
        "platform",
        "set-domain",
        "Acme",
        "--domain",
        "OTHER.test",
        "--yes",
    ])
    .await
    .code(1)
    // `Other` holds it as an unproven claim (verification is on here): it blocks others for
    // `domains.claim_ttl` (issue 27.4).
    .stderr_has("is claimed by platform `Other` but not proven");
    assert_eq!(env.registry_snapshot().await, before);

    let r = env
        .run_with(
            &[
                "platform",
                "set-domain",
                "Acme",
                "--domain",
                "Acme.ORG",
                "-o",
                "json",
            ],
            &[("CONFIRM", "yes")],
        )
        .await;
    r.ok();
    assert_eq!(r.json()["address"], "acme.org");
    let r = env.run(&["platform", "show", "acme", "-o", "json"]).await;
    r.ok();
    let v = r.json();
    assert_eq!(v["domain"], "acme.org");
    assert_eq!(v["subdomain"], Value::Null);
    let h = &v["domain_history"][0];
    assert_eq!(h["old_address"], "acme.example.test");
    assert_eq!(h["new_address"], "acme.org");
    let days: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expires_at - changed_at)::float8 / 86400 FROM tenantctl.domain_history",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert!((days - 30.0).abs() < 0.01, "{days}");
}

#[sqlx::test(migrations = false)]
async fn show_finds_by_name_or_id_and_names_unknown_platforms(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let by_id = env.run(&["platform", "show", "1", "-o", "json"]).await;
    by_id.ok();
    let by_name = env.run(&["platform", "show", "HOST", "-o", "json"]).await;
    by_name.ok();
    assert_eq!(by_id.json(), by_name.json());
    let text = env.run(&["platform", "show", "host"]).await;
    text.ok().stdout_has("example.test").stdout_has("completed");
    env.run(&["platform", "show", "nope"])
        .await
        .code(2)
        .stderr_has("platform `nope` not found")
        .stderr_has("hint:");
}

#[sqlx::test(migrations = false)]
async fn commands_before_init_say_how_to_set_up(pool: PgPool) {
    let env = Env::new(pool);
    env.run(&["platform", "list"])
        .await
        .code(1)
        .stderr_has("the registry is not migrated")
        .stderr_has("tenantctl migrate --registry-only");
    env.run(&["migrate", "--registry-only"]).await.ok();
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT IN ('public', 'tenantctl', 'pg_catalog', 'information_schema', 'pg_toast')",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(tables, 0, "registry migrations touched another schema");
    env.run(&["platform", "list", "-o", "json"]).await.ok();
}

/// `init` on an existing host with another `--domain` changes nothing, says what differs and
/// prints the command that moves it, which works as printed.
#[sqlx::test(migrations = false)]
async fn init_with_another_domain_says_what_differs_and_how_to_move(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let before = env.registry_snapshot().await;
    let r = env
        .run(&[
            "init",
            "--non-interactive",
            "--name",
            "Host",
            "--domain",
            "Other.TEST",
        ])
        .await;
    r.ok()
        .stderr_has("its domain is `example.test`, not `other.test` (--domain)")
        .stderr_has("`tenantctl platform set-domain Host --domain other.test`");
    assert_eq!(
        env.registry_snapshot().await,
        before,
        "init changed nothing"
    );
    let start = r.stderr.find("`tenantctl ").expect("a command") + "`tenantctl ".len();
    let cmd = &r.stderr[start..];
    let cmd = &cmd[..cmd.find('`').expect("the command's end")];
    // The same address: no warning.
    let again = env.init().await;
    assert!(!again.stderr.contains("warning"), "{}", again.stderr);
    // The printed command, run as printed (with --yes: no terminal here).
    let args: Vec<&str> = cmd.split(' ').chain(["--yes"]).collect();
    env.run(&args).await.ok();
    assert_eq!(env.show("Host").await["domain"], "other.test");
}

/// Issue 15.5: a platform's old address stays reserved for its redirect window; another
/// platform cannot claim it (create or set-domain) until it expires or is released.
#[sqlx::test(migrations = false)]
async fn an_old_domain_is_reserved_for_its_redirect_window_until_released(pool: PgPool) {
    let mut env = Env::new(pool);
    // Moves and redirects of a closed deployment: a custom domain moves at once only without
    // verification (with it, `set-domain` waits for the proof: domains.rs).
    env.set("TENANTCTL_DOMAINS_VERIFY", "false");
    env.init().await;
    for args in [
        ["--name", "Acme", "--domain", "acme.test"],
        ["--name", "Beta", "--domain", "beta.test"],
    ] {
        let mut a = vec!["platform", "create"];
        a.extend_from_slice(&args);
        env.run(&a).await.ok();
    }
    env.run(&[
        "platform",
        "set-domain",
        "Acme",
        "--domain",
        "acme.org",
        "--yes",
    ])
    .await
    .ok();
    let frees: String = sqlx::query_scalar(
        "SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM tenantctl.domain_history",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();

    // Neither a new platform nor another one's set-domain gets it.
    let before = env.registry_snapshot().await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "Squat",
        "--domain",
        "ACME.test",
    ])
    .await
    .code(1)
    .stderr_has(&format!(
        "`acme.test` is reserved until {frees} (UTC): it redirects to platform `Acme`'s new address"
    ))
    .stderr_has("tenantctl platform release-domain acme.test");
    env.run(&[
        "platform",
        "set-domain",
        "Beta",
        "--domain",
        "acme.test",
        "--yes",
    ])
    .await
    .code(1)
    .stderr_has(&format!("reserved until {frees}"));
    assert_eq!(env.registry_snapshot().await, before);
    // Its own platform may move back.
    // (checked last: it would end the reservation)

    // Releasing is destructive (the redirect stops): refused without confirmation.
    env.run(&["platform", "release-domain", "acme.test"])
        .await
        .code(4);
    env.run(&["platform", "release-domain", "nothing.test", "--yes"])
        .await
        .code(1)
        .stderr_has("`nothing.test` is not reserved");
    let r = env
        .run(&[
            "platform",
            "release-domain",
            "Acme.Test",
            "--yes",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    let v = r.json();
    assert_eq!(v["address"], "acme.test");
    assert_eq!(v["platform"], "Acme");
    env.run(&[
        "platform",
        "create",
        "--name",
        "Squat",
        "--domain",
        "acme.test",
    ])
    .await
    .ok();
}

#[sqlx::test(migrations = false)]
async fn a_platform_may_take_back_its_own_reserved_domain(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "Acme",
        "--domain",
        "acme.test",
    ])
    .await
    .ok();
    env.run(&[
        "platform",
        "set-domain",
        "Acme",
        "--domain",
        "acme.org",
        "--yes",
    ])
    .await
    .ok();
    env.run(&[
        "platform",
        "set-domain",
        "Acme",
        "--domain",
        "acme.test",
        "--yes",
    ])
    .await
    .ok();
}
