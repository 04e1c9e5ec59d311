//! The output contract seen from a pipeline (issue 28.12): a format a command cannot print is
//! refused, empty and failed results say what happened, and bad values are explained in words.

use crate::common::Env;
use sqlx::PgPool;

/// `-o csv` (or `TENANTCTL_OUTPUT=csv`) to a command that prints a screen or a report of
/// checks is a usage error, not the human table with exit 0.
#[sqlx::test(migrations = false)]
async fn a_format_a_command_cannot_print_is_refused(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    for (args, name) in [
        (&["status", "-o", "csv"][..], "status"),
        (&["doctor", "-o", "csv"], "doctor"),
        (&["rebalance", "--dry-run", "-o", "csv"], "rebalance"),
    ] {
        let r = env.run(args).await;
        r.code(2);
        assert_eq!(r.stdout, "", "{args:?}");
        assert_eq!(
            r.stderr,
            format!(
                "error: `{name}` cannot print csv (from flag --output): it prints a table or json\n\
                 (hint: use `--output table` or `--output json`)\n"
            ),
            "{args:?}"
        );
    }
    let r = env
        .run_with(&["status"], &[("TENANTCTL_OUTPUT", "csv")])
        .await;
    r.code(2)
        .stderr_has("`status` cannot print csv (from env TENANTCTL_OUTPUT)");
    // Lists still print CSV, and `status --format prometheus` is another document.
    env.run(&["platform", "list", "-o", "csv"])
        .await
        .ok()
        .stdout_has("platform_id,");
    env.run(&["status", "--format", "prometheus", "-o", "csv"])
        .await
        .ok()
        .stdout_has("# TYPE");
}

/// A filter that matches nothing on a healthy fleet says so, rather than suggest `init`.
#[sqlx::test(migrations = false)]
async fn an_empty_filter_says_nothing_matches(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let r = env.run(&["platform", "list", "--status", "failed"]).await;
    r.ok();
    assert_eq!(
        r.stdout,
        "no platform has status failed (1 platform in other statuses)\n"
    );
    let r = env
        .run(&["platform", "list", "--status", "failed", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.stdout, "[]\n");
}

/// A platform never backed up is stale by one rule everywhere: counted from its provisioning,
/// so a tenant made a minute ago is stale neither in `platform list` nor in `status`, and one
/// provisioned two days ago is stale in both.
#[sqlx::test(migrations = false)]
async fn never_backed_up_is_stale_by_the_same_rule_everywhere(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    let stale_of = |list: &serde_json::Value, name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["platform"] == name)
            .unwrap_or_else(|| panic!("{name} in {list}"))["backup_stale"]
            .clone()
    };
    let in_status = |status: &serde_json::Value, name: &str| {
        status["backups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["platform"] == name && b["state"] != "ok")
    };
    let list = env.run(&["platform", "list", "-o", "json"]).await.json();
    let status = env.run(&["status", "-o", "json"]).await.json();
    assert_eq!(stale_of(&list, "Acme"), false, "{list}");
    assert!(!in_status(&status, "Acme"), "{status}");

    env.sql(
        "UPDATE public.platforms SET provisioned_at = now() - interval '2 days', \
         created_at = now() - interval '2 days' WHERE name = 'Acme'",
    )
    .await;
    let list = env.run(&["platform", "list", "-o", "json"]).await.json();
    let status = env.run(&["status", "-o", "json"]).await.json();
    assert_eq!(stale_of(&list, "Acme"), true, "{list}");
    assert!(in_status(&status, "Acme"), "{status}");
}

/// Values that do not parse are explained: what was expected, not a parser's position, and a
/// URL parameter without sqlx's doubled wrapping.
#[sqlx::test(migrations = false)]
async fn bad_values_are_explained_in_words(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let r = env.run(&["backup", "--stale", "acme"]).await;
    r.code(2);
    assert_eq!(
        r.stderr,
        "error: invalid value 'acme' for '--stale [<AGE>]': expected a duration like 90s, 10m, \
         24h or 7d (a name after --stale is read as its AGE: write --stale last, or give AGE)\n\n\
         For more information, try '--help'.\n"
    );
    let r = env
        .run(&["report", "provisioning", "--since", "3 fortnights"])
        .await;
    r.code(2).stderr_has(
        "`fortnights` is not a unit of time; expected a duration like 90s, 10m, 24h or 7d",
    );

    let url = format!("{}?sslmode=bogus", env.url);
    let r = env.run(&["--database-url", &url, "platform", "list"]).await;
    r.code(2);
    assert!(
        !r.stderr.contains("error with configuration"),
        "{}",
        r.stderr
    );
    r.stderr_has(
        "sslmode `bogus` is not one of disable, allow, prefer, require, verify-ca, verify-full",
    );
}
