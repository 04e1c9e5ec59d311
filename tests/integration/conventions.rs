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

#[sqlx::test(migrations = false)]
async fn every_command_behaves_in_a_pipe(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    env.tenant("Beta", "beta").await;
    let latest = tenantctl::migrate::MigrationSet::embedded()
        .latest()
        .unwrap()
        .to_string();
    let cases = vec![
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
                "migrate", "rollback", "--to", &latest, "--tenant", "acme", "--yes",
            ],
            BOTH,
            &[0],
        ),
        case(&["backup", "acme"], BOTH, &[0]),
        case(&["backup", "--all"], BOTH, &[0]),
        case(&["backup", "list", "acme"], BOTH, &[0]),
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
    ];
    for c in &cases {
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
