//! The conventions every command keeps when it runs with no terminal (cron, CI, a pipe): no
//! escape codes, no prompt, and with `--output json` a JSON document on stdout.

use crate::common::Env;
use sqlx::PgPool;

/// One invocation: its arguments, and the output modes to run it in (`false` table, `true`
/// `--output json`; commands that change something run in one mode only).
struct Case {
    args: Vec<String>,
    modes: &'static [bool],
    /// Exit codes that are fine here (0, or a documented refusal / partial outcome).
    ok: &'static [i32],
}

const BOTH: &[bool] = &[false, true];
const TABLE: &[bool] = &[false];
const JSON: &[bool] = &[true];

fn case(args: &[&str], modes: &'static [bool], ok: &'static [i32]) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        modes,
        ok,
    }
}

/// Every command, in an order that works on a fleet of Host, Acme and Beta.
fn cases(latest: &str) -> Vec<Case> {
    vec![
        case(
            &[
                "init",
                "--non-interactive",
                "--name",
                "Host",
                "--domain",
                "example.test",
            ],
            BOTH,
            &[0],
        ),
        case(&["config", "show"], BOTH, &[0]),
        case(&["platform", "list"], BOTH, &[0]),
        case(&["platform", "show", "acme"], BOTH, &[0]),
        case(
            &[
                "platform",
                "create",
                "--name",
                "Gamma",
                "--subdomain",
                "gamma",
            ],
            JSON,
            &[0],
        ),
        case(
            &[
                "platform",
                "create",
                "--name",
                "Delta",
                "--subdomain",
                "delta",
            ],
            TABLE,
            &[0],
        ),
        case(&["platform", "maintenance", "gamma", "on"], JSON, &[0]),
        case(&["platform", "maintenance", "gamma", "off"], TABLE, &[0]),
        case(
            &[
                "platform",
                "set-domain",
                "gamma",
                "--domain",
                "gamma.test",
                "--yes",
            ],
            JSON,
            &[0],
        ),
        case(
            &[
                "platform",
                "set-domain",
                "delta",
                "--domain",
                "delta.test",
                "--yes",
            ],
            TABLE,
            &[0],
        ),
        case(&["worker", "--once"], BOTH, &[0]),
        case(&["provision", "gamma"], BOTH, &[0]),
        case(&["provision", "pool", "--size", "0"], BOTH, &[0]),
        case(&["platform", "retry", "--all-failed"], BOTH, &[0]),
        case(&["migrate"], BOTH, &[0]),
        case(&["migrate", "--dry-run"], BOTH, &[0]),
        case(&["migrate", "status"], BOTH, &[0]),
        case(&["migrate", "verify"], BOTH, &[0]),
        case(
            &[
                "migrate", "rollback", "--to", latest, "--tenant", "acme", "--yes",
            ],
            BOTH,
            &[0],
        ),
        case(&["backup", "acme"], BOTH, &[0]),
        case(&["backup", "--all"], BOTH, &[0]),
        case(&["backup", "list", "acme"], BOTH, &[0]),
        case(&["backup", "list"], BOTH, &[0]),
        case(&["backup", "verify", "acme", "--latest"], BOTH, &[0]),
        case(&["restore", "acme", "--latest", "--yes"], BOTH, &[0]),
        case(&["cleanup", "--all", "--dry-run"], BOTH, &[0]),
        case(
            &[
                "report",
                "query",
                "--sql",
                "select count(*) as n from posts",
            ],
            BOTH,
            &[0],
        ),
        case(&["report", "sizes"], BOTH, &[0]),
        case(&["report", "provisioning"], BOTH, &[0]),
        case(&["report", "provisioning", "--by", "day"], BOTH, &[0]),
        case(&["report", "backups"], BOTH, &[0]),
        case(&["report", "history"], BOTH, &[0]),
        case(&["status"], BOTH, &[0]),
        case(&["status", "--check"], TABLE, &[0, 1, 2]),
        case(&["status", "--format", "prometheus"], TABLE, &[0]),
        case(&["migrate-host-to-schema", "--dry-run"], BOTH, &[4]),
        case(&["platform", "delete", "gamma", "--yes"], JSON, &[0]),
        case(&["platform", "delete", "delta", "--yes"], TABLE, &[0]),
        case(&["completions", "bash"], TABLE, &[0]),
    ]
}

/// A fleet of Host, Acme and Beta, and the newest migration version.
async fn fleet(env: &Env) -> String {
    env.init().await;
    env.tenant("Acme", "acme").await;
    env.tenant("Beta", "beta").await;
    tenantctl::migrate::MigrationSet::embedded()
        .latest()
        .unwrap()
        .to_string()
}

#[sqlx::test(migrations = false)]
async fn every_command_behaves_in_a_pipe(pool: PgPool) {
    let env = Env::new(pool);
    let latest = fleet(&env).await;
    for c in &cases(&latest) {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        for &json in c.modes {
            let mut all = args.clone();
            if json {
                all.extend(["--output", "json"]);
            }
            let r = env.run(&all).await;
            let shown = all.join(" ");
            assert!(
                c.ok.contains(&r.code),
                "`tenantctl {shown}` exited {}\nstdout:\n{}\nstderr:\n{}",
                r.code,
                r.stdout,
                r.stderr
            );
            assert!(
                !r.stdout.contains('\u{1b}'),
                "`{shown}`: escape codes on stdout"
            );
            assert!(
                !r.stderr.contains('\u{1b}'),
                "`{shown}`: escape codes on stderr"
            );
            for prompt in ["[y/N]", "[Y/n]", "(y/n)"] {
                assert!(
                    !r.stderr.contains(prompt) && !r.stdout.contains(prompt),
                    "`{shown}` prompted"
                );
            }
            if json {
                serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap_or_else(|e| {
                    panic!(
                        "`tenantctl {shown}`: stdout is not JSON ({e}):\n{}",
                        r.stdout
                    )
                });
            }
        }
    }
}

/// Keys no JSON document uses any more, and what replaced them (docs/conventions.md).
const RETIRED: &[(&str, &str)] = &[
    ("platform_name", "platform"),
    ("tenant", "platform"),
    ("tenant_name", "platform"),
    ("schema_name", "schema"),
];

/// Where `v` breaks the vocabulary: retired keys anywhere; `name`/`id` in an object about a
/// platform; `id` in an object about a backup; `platform_id` without `platform`; a `platform`
/// that is not a name.
fn vocabulary_problems(v: &serde_json::Value, path: &str, problems: &mut Vec<String>) {
    match v {
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                vocabulary_problems(item, &format!("{path}[{i}]"), problems);
            }
        }
        serde_json::Value::Object(o) => {
            for (old, new) in RETIRED {
                if o.contains_key(*old) {
                    problems.push(format!("{path}.{old} (use `{new}`)"));
                }
            }
            let about_platform = ["platform", "platform_id", "schema", "provision_status"]
                .iter()
                .any(|k| o.contains_key(*k));
            if about_platform {
                for k in ["name", "id"] {
                    if o.contains_key(k) {
                        problems.push(format!(
                            "{path}.{k} in an object about a platform (use `platform`/`platform_id`)"
                        ));
                    }
                }
            }
            if o.contains_key("platform_id") && !o.contains_key("platform") {
                problems.push(format!("{path}: `platform_id` without `platform`"));
            }
            if let Some(p) = o.get("platform")
                && !(p.is_string() || p.is_null())
            {
                problems.push(format!("{path}.platform is not a name: {p}"));
            }
            let about_backup = o.contains_key("backup_id")
                || (o.contains_key("sha256") && o.contains_key("taken_at"));
            if about_backup && o.contains_key("id") {
                problems.push(format!(
                    "{path}.id in an object about a backup (use `backup_id`)"
                ));
            }
            if about_backup && !o.contains_key("backup_id") {
                problems.push(format!("{path}: a backup without `backup_id`"));
            }
            if about_backup && o.contains_key("platform") && !o.contains_key("platform_id") {
                problems.push(format!("{path}: a platform's backup without `platform_id`"));
            }
            for (k, item) in o {
                vocabulary_problems(item, &format!("{path}.{k}"), problems);
            }
        }
        _ => {}
    }
}

#[test]
fn the_vocabulary_check_catches_the_retired_names() {
    let bad = serde_json::json!([
        {"id": 1, "name": "Acme", "schema_name": "tenant_acme", "provision_status": "completed"},
        {"platform_name": "Acme", "schema": "tenant_acme"},
        {"tenant": "Acme"},
        {"id": "20260101T000000.000Z", "sha256": "ab", "taken_at": "2026-01-01T00:00:00Z"},
        {"platform_id": 1},
        {"platform": {"name": "Acme"}},
        {"platform": "Acme", "schema": "tenant_acme", "backup_id": "x", "reason": "daily"},
    ]);
    let mut problems = Vec::new();
    vocabulary_problems(&bad, "$", &mut problems);
    assert_eq!(problems.len(), 10, "{problems:#?}");
    let good = serde_json::json!({"tenants": [
        {"platform_id": 1, "platform": "Acme", "schema": "tenant_acme", "backup_id": "x",
         "sha256": "ab", "taken_at": "2026-01-01T00:00:00Z"},
        {"job_id": 3, "platform": null},
    ]});
    let mut problems = Vec::new();
    vocabulary_problems(&good, "$", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Every command's `--output json` names platforms, schemas and backups the one way
/// docs/conventions.md promises.
#[sqlx::test(migrations = false)]
async fn every_json_output_speaks_one_vocabulary(pool: PgPool) {
    let env = Env::new(pool);
    let latest = fleet(&env).await;
    let mut problems = Vec::new();
    for c in &cases(&latest) {
        let mut args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        args.extend(["--output", "json"]);
        let r = env.run(&args).await;
        let shown = args.join(" ");
        assert!(
            c.ok.contains(&r.code),
            "`tenantctl {shown}` exited {}\nstderr:\n{}",
            r.code,
            r.stderr
        );
        // Commands with no JSON form (completions, prometheus, --check) print something else.
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&r.stdout) else {
            assert!(!c.modes.contains(&true), "`{shown}`: stdout is not JSON");
            continue;
        };
        vocabulary_problems(&v, &format!("`{shown}`: $"), &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
