//! The shared tenant selection (`--tenant`, `--exclude`, `--all`): the same flags, the same
//! resolution and the same errors in every fleet command.

use crate::common::Env;
use sqlx::PgPool;

/// The platforms named in a JSON list of rows (or of `key` in an object holding the list).
fn platforms(v: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("a JSON array: {v}"))
        .iter()
        .map(|r| r["platform"].as_str().expect("platform").to_string())
        .collect();
    names.sort();
    names
}

async fn fleet(env: &Env) {
    env.init().await;
    env.tenant("Acme", "acme").await;
    env.tenant("Beta", "beta").await;
}

#[sqlx::test(migrations = false)]
async fn migrate_takes_the_selection_before_its_subcommand(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env).await;
    let status = |args: Vec<&'static str>| {
        let env = &env;
        async move {
            let mut a = args.clone();
            a.extend(["-o", "json"]);
            let r = env.run(&a).await;
            r.ok();
            platforms(&r.json())
        }
    };
    // The case: `status` is the subcommand, not a second tenant.
    assert_eq!(
        status(vec!["migrate", "--tenant", "acme", "status"]).await,
        ["Acme"]
    );
    assert_eq!(
        status(vec!["migrate", "status", "--tenant", "acme"]).await,
        ["Acme"]
    );
    // A comma list, a repeated flag, and --exclude (with or without --all).
    assert_eq!(
        status(vec!["migrate", "status", "--tenant", "acme,beta"]).await,
        ["Acme", "Beta"]
    );
    assert_eq!(
        status(vec![
            "migrate", "status", "--tenant", "acme", "--tenant", "1"
        ])
        .await,
        ["Acme", "Host"]
    );
    assert_eq!(
        status(vec!["migrate", "status", "--exclude", "host,BETA"]).await,
        ["Acme"]
    );
    assert_eq!(
        status(vec!["migrate", "--all", "--exclude", "acme", "status"]).await,
        ["Beta", "Host"]
    );
    // Flags of the run itself before a subcommand are refused, not silently dropped.
    env.run(&["migrate", "--dry-run", "rollback", "--to", "0"])
        .await
        .code(2)
        .stderr_has("`--dry-run` before `rollback` belongs to `migrate` itself");
    // --all with --tenant is a contradiction.
    env.run(&["migrate", "status", "--all", "--tenant", "acme"])
        .await
        .code(2);
}

#[sqlx::test(migrations = false)]
async fn a_near_miss_is_refused_with_a_suggestion_before_anything_changes(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env).await;
    let before = env.registry_snapshot().await;
    for args in [
        vec!["migrate", "--tenant", "acme,acm"],
        vec!["migrate", "--tenant", "acm", "status"],
        vec!["migrate", "verify", "--exclude", "acm"],
        vec![
            "migrate", "rollback", "--to", "0", "--tenant", "acm", "--yes",
        ],
        vec!["backup", "acme", "--tenant", "acm"],
        vec!["backup", "verify", "--tenant", "acm"],
        vec!["cleanup", "acm", "--yes"],
        vec!["report", "query", "--sql", "select 1", "--tenant", "acm"],
        vec!["report", "sizes", "--exclude", "acm"],
        vec!["report", "backups", "--tenant", "acm"],
        // One rule for a single NAME too (issue 28.9): these said exit 1 and no suggestion.
        vec!["restore", "acm", "--yes"],
        vec!["provision", "acm"],
        vec!["platform", "show", "acm"],
        vec!["platform", "delete", "acm", "--yes"],
        vec!["platform", "maintenance", "acm", "on"],
        vec![
            "platform",
            "set-domain",
            "acm",
            "--domain",
            "acm.test",
            "--yes",
        ],
        vec!["platform", "retry", "acm"],
        vec!["backup", "list", "acm"],
    ] {
        let r = env.run(&args).await;
        let shown = args.join(" ");
        assert_eq!(r.code, 2, "`{shown}`:\n{}", r.stderr);
        assert_eq!(
            r.stderr, "error: platform `acm` not found\n(hint: did you mean `Acme`?)\n",
            "`{shown}`"
        );
        assert!(r.stdout.is_empty(), "`{shown}` printed:\n{}", r.stdout);
    }
    // A mistyped subcommand is not read as a platform without saying so.
    for (args, meant) in [
        (&["backup", "lst"][..], "backup list"),
        (&["backup", "verfy"], "backup verify"),
        (&["provision", "pol"], "provision pool"),
    ] {
        let r = env.run(args).await;
        r.code(2);
        assert_eq!(
            r.stderr,
            format!(
                "error: platform `{}` not found\n(hint: did you mean the subcommand `tenantctl \
                 {meant}`? (`{}` was read as a platform))\n",
                args[1], args[1]
            ),
            "{args:?}"
        );
    }
    // Far from every name: no guess, the usual pointer.
    env.run(&["backup", "--tenant", "zzzzzz"])
        .await
        .code(2)
        .stderr_has("`tenantctl platform list` shows the platforms");
    assert_eq!(env.registry_snapshot().await, before);
    assert!(
        !env.backups().exists() || std::fs::read_dir(env.backups()).unwrap().next().is_none(),
        "a refused run wrote backups"
    );
}

#[sqlx::test(migrations = false)]
async fn every_fleet_family_reads_the_same_flags(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env).await;
    let json = |r: crate::common::Run| {
        r.ok();
        r.json()
    };
    // backup: positional names and --tenant together; --all minus --exclude.
    let v = json(
        env.run(&["backup", "acme", "--tenant", "beta", "-o", "json"])
            .await,
    );
    assert_eq!(platforms(&v), ["Acme", "Beta"]);
    let v = json(
        env.run(&["backup", "--all", "--exclude", "acme,beta", "-o", "json"])
            .await,
    );
    assert_eq!(platforms(&v), ["Host"]);
    // backup verify: a comma list.
    let v = json(
        env.run(&["backup", "verify", "--tenant", "acme,beta", "-o", "json"])
            .await,
    );
    assert_eq!(platforms(&v), ["Acme", "Beta"]);
    // cleanup: --tenant alone.
    let v = json(
        env.run(&["cleanup", "--tenant", "beta", "--dry-run", "-o", "json"])
            .await,
    );
    assert_eq!(platforms(&v), ["Beta"]);
    // report query and a built-in report.
    let v = json(
        env.run(&[
            "report",
            "query",
            "--sql",
            "select 1 as one",
            "--tenant",
            "acme",
            "--tenant",
            "beta",
            "-o",
            "json",
        ])
        .await,
    );
    assert_eq!(platforms(&v["rows"]), ["Acme", "Beta"]);
    let v = json(
        env.run(&["report", "sizes", "--exclude", "host", "-o", "json"])
            .await,
    );
    assert_eq!(platforms(&v), ["Acme", "Beta"]);
    let v = json(
        env.run(&["report", "backups", "--tenant", "acme", "-o", "json"])
            .await,
    );
    assert_eq!(platforms(&v), ["Acme"]);
}

/// `--stale [AGE]` means the same in `backup` and `report backups`; `--jobs` is the worker's
/// flag too, `--concurrency` its alias.
#[sqlx::test(migrations = false)]
async fn shared_flags_mean_the_same_everywhere(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env).await;
    env.run(&["backup", "acme"]).await.ok();
    // Beta: provisioned two days ago and never backed up.
    sqlx::query(
        "UPDATE public.platforms SET provisioned_at = now() - interval '2 days' WHERE name = 'Beta'",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let json = |r: crate::common::Run| {
        r.ok();
        r.json()
    };
    // Without AGE: older than status.backup_warn_age (24h); with AGE: older than AGE.
    // `report` counts a platform never backed up from its provisioning, as `status` does.
    for (stale, want) in [
        (vec!["--stale"], vec!["Beta"]),
        (vec!["--stale", "1h"], vec!["Beta"]),
        (vec!["--stale", "3d"], vec![]),
    ] {
        let mut args = vec!["report", "backups"];
        args.extend(&stale);
        args.extend(["-o", "json"]);
        assert_eq!(platforms(&json(env.run(&args).await)), want, "{args:?}");
    }
    // `backup` backs up every platform never backed up, whatever AGE.
    let v = json(env.run(&["backup", "--all", "--stale", "-o", "json"]).await);
    assert_eq!(platforms(&v), ["Beta", "Host"]);
    let v = json(
        env.run(&["backup", "--all", "--stale", "1h", "-o", "json"])
            .await,
    );
    assert_eq!(platforms(&v), Vec::<String>::new());
    env.run(&["backup", "--all", "--stale", "soon"])
        .await
        .code(2)
        .stderr_has("expected a duration like 90s, 10m, 24h or 7d");
    for jobs in [["--jobs", "2"], ["--concurrency", "2"]] {
        let mut args = vec!["worker", "--once"];
        args.extend(jobs);
        env.run(&args).await.ok();
    }
    env.run(&["worker", "--once", "--jobs", "0"])
        .await
        .code(2)
        .stderr_has("--jobs must be at least 1");
}
