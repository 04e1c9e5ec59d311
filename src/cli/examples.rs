//! The EXAMPLES of every command: the two or three lines an operator actually types, shown at
//! the end of `--help` (clap's `after_long_help`) and as the EXAMPLES section of the man pages.
//! Kept in one table so they read as one voice; a test parses every example with the real CLI
//! and fails when a visible command has none.

use super::Cli;
use clap::CommandFactory;

/// (command path without `tenantctl`, [(what it does, the command line)]).
pub const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "",
        &[
            (
                "set up: the registry and the host platform",
                "tenantctl init --non-interactive --name Example --domain example.org",
            ),
            (
                "a tenant at acme.example.org, provisioned now",
                "tenantctl platform create --name Acme --subdomain acme --wait",
            ),
            (
                "on every deploy: the registry, then every tenant schema",
                "tenantctl migrate",
            ),
        ],
    ),
    (
        "init",
        &[
            ("ask for each answer on a terminal", "tenantctl init"),
            (
                "scripts and CI: every answer from the flags",
                "tenantctl init --non-interactive --name Example --domain example.org",
            ),
        ],
    ),
    (
        "platform",
        &[
            ("every platform", "tenantctl platform list"),
            ("one platform's details", "tenantctl platform show acme"),
        ],
    ),
    (
        "platform create",
        &[
            (
                "served at acme.example.org; waits for the worker to provision it",
                "tenantctl platform create --name Acme --subdomain acme --wait",
            ),
            (
                "on a domain of its own",
                "tenantctl platform create --name Beta --domain community.beta.org",
            ),
        ],
    ),
    (
        "platform list",
        &[
            ("every platform", "tenantctl platform list"),
            (
                "the failed ones, for a script",
                "tenantctl platform list --status failed -o json",
            ),
            (
                "largest schemas first",
                "tenantctl platform list --sort size",
            ),
        ],
    ),
    (
        "platform show",
        &[
            ("by name", "tenantctl platform show acme"),
            ("by id, as JSON", "tenantctl platform show 42 -o json"),
        ],
    ),
    (
        "platform retry",
        &[
            ("provision acme again", "tenantctl platform retry acme"),
            (
                "every failed or stuck platform, and wait",
                "tenantctl platform retry --all-failed --wait",
            ),
        ],
    ),
    (
        "platform set-domain",
        &[
            (
                "move acme to acme.org once proven (until then the old address serves)",
                "tenantctl platform set-domain acme --domain acme.org --yes",
            ),
            (
                "a subdomain under another domain",
                "tenantctl platform set-domain acme --domain example.net --subdomain acme",
            ),
        ],
    ),
    (
        "platform verify-domain",
        &[
            (
                "check acme's custom domain (and the one it moves to) now",
                "tenantctl platform verify-domain acme",
            ),
            (
                "the token and both ways to prove it, for a script",
                "tenantctl platform verify-domain acme --output json",
            ),
        ],
    ),
    (
        "platform release-domain",
        &[
            (
                "free an old address before its redirect window ends",
                "tenantctl platform release-domain old.acme.org",
            ),
            (
                "the same from a script",
                "tenantctl platform release-domain old.acme.org --yes",
            ),
        ],
    ),
    (
        "platform maintenance",
        &[
            (
                "close acme's schema to requests",
                "tenantctl platform maintenance acme on --reason upgrade",
            ),
            ("open it again", "tenantctl platform maintenance acme off"),
        ],
    ),
    (
        "platform move",
        &[
            (
                "acme's schema to another worker (logical replication, served throughout)",
                "tenantctl platform move acme --to 10.0.0.12:5432",
            ),
            (
                "the same, with writes blocked during the copy",
                "tenantctl platform move acme --to 10.0.0.12:5432 --block-writes --yes",
            ),
        ],
    ),
    (
        "platform delete",
        &[
            (
                "drop acme's schema and registry row (asks first)",
                "tenantctl platform delete acme",
            ),
            ("in a script", "tenantctl platform delete acme --yes"),
        ],
    ),
    (
        "provision",
        &[
            (
                "create, migrate and seed acme's schema now",
                "tenantctl provision acme",
            ),
            (
                "keep three spare schemas ready",
                "tenantctl provision pool --size 3",
            ),
        ],
    ),
    (
        "provision pool",
        &[
            (
                "keep three spare schemas ready",
                "tenantctl provision pool --size 3",
            ),
            (
                "drop every spare schema",
                "tenantctl provision pool --size 0",
            ),
        ],
    ),
    (
        "worker",
        &[
            ("as a service, until SIGTERM", "tenantctl worker"),
            (
                "from cron: the ready jobs, then exit",
                "tenantctl worker --once",
            ),
        ],
    ),
    (
        "migrate",
        &[
            (
                "the registry, then every tenant schema",
                "tenantctl migrate",
            ),
            (
                "five tenants first; stop if one fails",
                "tenantctl migrate --canary 5",
            ),
            ("what would run where", "tenantctl migrate --dry-run"),
        ],
    ),
    (
        "migrate run",
        &[
            ("the same as `tenantctl migrate`", "tenantctl migrate run"),
            (
                "only some tenants",
                "tenantctl migrate run --tenant acme --tenant beta",
            ),
        ],
    ),
    (
        "migrate status",
        &[
            ("every tenant's version", "tenantctl migrate status"),
            (
                "who is not at the latest",
                "tenantctl migrate status --behind",
            ),
        ],
    ),
    (
        "migrate rollback",
        &[
            (
                "one step back (sqlx-cli: migrate revert)",
                "tenantctl migrate revert --yes",
            ),
            (
                "acme back to a version",
                "tenantctl migrate rollback --to 20260101000008 --tenant acme",
            ),
            (
                "what would be reverted where",
                "tenantctl migrate rollback --to 0 --dry-run",
            ),
        ],
    ),
    (
        "migrate verify",
        &[
            (
                "who drifted from the migrations",
                "tenantctl migrate verify",
            ),
            ("one tenant", "tenantctl migrate verify --tenant acme"),
        ],
    ),
    (
        "migrate add",
        &[
            (
                "a new reversible pair in the configured folder",
                "tenantctl migrate add posts_summary",
            ),
            (
                "in a folder of your choice",
                "tenantctl migrate add posts_summary --dir ./migrations/tenant",
            ),
        ],
    ),
    (
        "migrate-host-to-schema",
        &[
            (
                "the pre-flight checks and the plan",
                "tenantctl migrate-host-to-schema --dry-run",
            ),
            (
                "copy, verified, in one transaction",
                "tenantctl migrate-host-to-schema --yes",
            ),
            (
                "later: drop the copied public tables",
                "tenantctl migrate-host-to-schema --drop-public",
            ),
        ],
    ),
    (
        "backup",
        &[
            ("one platform", "tenantctl backup acme"),
            (
                "nightly: those not backed up since last night (24h would skip a day)",
                "tenantctl backup --all --stale 20h",
            ),
            ("the registry in public", "tenantctl backup --public"),
        ],
    ),
    (
        "backup list",
        &[
            ("acme's backups, newest first", "tenantctl backup list acme"),
            ("for a script", "tenantctl backup list acme -o json"),
        ],
    ),
    (
        "backup get",
        &[
            (
                "download acme's newest dump, checksum verified",
                "tenantctl backup get acme latest --to ./acme.dump",
            ),
            (
                "a given backup, into a folder",
                "tenantctl backup get acme 20260301T020000.000Z --to /tmp",
            ),
        ],
    ),
    (
        "backup verify",
        &[
            (
                "test-restore acme's latest backup",
                "tenantctl backup verify acme",
            ),
            (
                "monthly: ten platforms at random",
                "tenantctl backup verify --all --sample 10",
            ),
        ],
    ),
    (
        "restore",
        &[
            (
                "acme's newest backup (asks first)",
                "tenantctl restore acme",
            ),
            (
                "a given backup, keeping the replaced schema",
                "tenantctl restore acme --backup 20260301T020000.000Z --keep-old",
            ),
            (
                "on Citus: onto a given worker",
                "tenantctl restore acme --node 10.0.0.12:5432",
            ),
        ],
    ),
    (
        "cleanup",
        &[
            (
                "what the retention rule would delete",
                "tenantctl cleanup --all --dry-run",
            ),
            ("delete it", "tenantctl cleanup --all --yes"),
            (
                "a shorter rule for one platform",
                "tenantctl cleanup acme --keep-daily 3 --keep-monthly 6 --yes",
            ),
        ],
    ),
    (
        "config",
        &[
            (
                "every key's value and where it came from",
                "tenantctl config show",
            ),
            ("for a script", "tenantctl config show -o json"),
        ],
    ),
    (
        "config show",
        &[
            (
                "every key's value and where it came from",
                "tenantctl config show",
            ),
            (
                "with another file",
                "tenantctl --config /etc/tenantctl/staging.toml config show",
            ),
        ],
    ),
    (
        "jobs",
        &[
            ("what is waiting, per kind", "tenantctl jobs stats"),
            (
                "the failures of one tenant",
                "tenantctl jobs list --tenant acme --state discarded",
            ),
        ],
    ),
    (
        "jobs enqueue",
        &[
            (
                "one job for one tenant",
                "tenantctl jobs enqueue send-digest --tenant acme --payload '{\"week\": 49}'",
            ),
            (
                "one per tenant, tonight; again later is a no-op while it waits",
                "tenantctl jobs enqueue reindex --all --at '2026-12-08 02:00' --unique-key nightly",
            ),
        ],
    ),
    (
        "jobs list",
        &[
            ("the newest 50", "tenantctl jobs list"),
            (
                "waiting mail jobs, as JSON",
                "tenantctl jobs list --kind mail --state live -o json",
            ),
        ],
    ),
    (
        "jobs show",
        &[
            ("one job and its attempts", "tenantctl jobs show 42"),
            (
                "its payload, for a script",
                "tenantctl jobs show 42 -o json",
            ),
        ],
    ),
    (
        "jobs retry",
        &[
            ("one job, now", "tenantctl jobs retry 42"),
            (
                "every discarded webhook job of one tenant",
                "tenantctl jobs retry --kind webhook --tenant acme --state discarded",
            ),
        ],
    ),
    (
        "jobs discard",
        &[
            ("one job", "tenantctl jobs discard 42"),
            (
                "what would go, then do it",
                "tenantctl jobs discard --kind import --dry-run",
            ),
        ],
    ),
    (
        "jobs cancel",
        &[
            ("one job", "tenantctl jobs cancel 42"),
            (
                "a tenant's waiting jobs, in a script",
                "tenantctl jobs cancel --tenant acme --yes",
            ),
        ],
    ),
    (
        "jobs stats",
        &[
            (
                "per kind, attempts of the last hour",
                "tenantctl jobs stats",
            ),
            (
                "per tenant, over a day",
                "tenantctl jobs stats --by tenant --since 1d",
            ),
        ],
    ),
    (
        "jobs schedules",
        &[
            (
                "the schedules and their next slot",
                "tenantctl jobs schedules",
            ),
            ("for a script", "tenantctl jobs schedules -o json"),
        ],
    ),
    (
        "report",
        &[
            (
                "ask every tenant schema",
                "tenantctl report query --sql 'select count(*) as posts from posts'",
            ),
            ("schema sizes", "tenantctl report sizes"),
        ],
    ),
    (
        "report query",
        &[
            (
                "one row per tenant",
                "tenantctl report query --sql 'select count(*) as posts from posts'",
            ),
            (
                "summed over the fleet",
                "tenantctl report query --sql 'select count(*) as posts from posts' --aggregate",
            ),
            (
                "from a file, as CSV",
                "tenantctl report query --file active-users.sql -o csv",
            ),
        ],
    ),
    (
        "report sizes",
        &[
            ("largest first", "tenantctl report sizes"),
            (
                "the ten largest, as JSON",
                "tenantctl report sizes --limit 10 -o json",
            ),
        ],
    ),
    (
        "report provisioning",
        &[
            ("the last 30 days", "tenantctl report provisioning"),
            (
                "per day over a week",
                "tenantctl report provisioning --since 7d --by day",
            ),
        ],
    ),
    (
        "report backups",
        &[
            ("every platform's last backup", "tenantctl report backups"),
            ("only the stale ones", "tenantctl report backups --stale"),
        ],
    ),
    (
        "report history",
        &[
            ("the last 30 days", "tenantctl report history"),
            (
                "one month, as CSV",
                "tenantctl report history --from 2026-03-01 --to 2026-03-31 -o csv",
            ),
        ],
    ),
    (
        "doctor",
        &[
            ("after install and before an upgrade", "tenantctl doctor"),
            (
                "revoke PUBLIC's CREATE on `public`",
                "tenantctl doctor --fix --yes",
            ),
            ("for a pipeline", "tenantctl doctor --output json"),
        ],
    ),
    (
        "status",
        &[
            ("the fleet on one screen", "tenantctl status"),
            ("for a monitoring plugin", "tenantctl status --check"),
            (
                "for node_exporter's textfile collector",
                "tenantctl status --format prometheus --write /var/lib/node_exporter/textfile_collector/tenantctl.prom",
            ),
        ],
    ),
    (
        "rebalance",
        &[
            (
                "what it would move, changing nothing",
                "tenantctl rebalance --dry-run",
            ),
            (
                "move tenants until the nodes are even",
                "tenantctl rebalance --yes",
            ),
        ],
    ),
    (
        "distribute",
        &[
            (
                "place one tenant that still lives on the coordinator",
                "tenantctl distribute acme",
            ),
            (
                "a fleet that grew up on one server, after adding the workers",
                "tenantctl distribute --all --yes",
            ),
        ],
    ),
    (
        "serve",
        &[
            ("on the default address", "tenantctl serve"),
            ("behind a proxy", "tenantctl serve --listen 127.0.0.1:8080"),
        ],
    ),
    (
        "console",
        &[
            (
                "the first administrator: prints a one-time link to set a password",
                "tenantctl console user add ops@example.org --role admin",
            ),
            (
                "an organizer of one platform, the link by mail",
                "tenantctl console invite ann@acme.example --platform Acme --mail",
            ),
        ],
    ),
    (
        "console user",
        &[
            ("every account", "tenantctl console user list"),
            (
                "someone who left: their sessions end now",
                "tenantctl console user disable bob@example.org",
            ),
        ],
    ),
    (
        "console user add",
        &[
            (
                "an administrator (changes anything)",
                "tenantctl console user add ops@example.org --role admin",
            ),
            (
                "a read-only operator, the link by mail",
                "tenantctl console user add audit@example.org --role viewer --mail",
            ),
        ],
    ),
    (
        "console user list",
        &[
            ("as a table", "tenantctl console user list"),
            ("for a script", "tenantctl console user list --output json"),
        ],
    ),
    (
        "console user disable",
        &[
            (
                "someone who left: their sessions end now",
                "tenantctl console user disable bob@example.org",
            ),
            (
                "without the note on stderr",
                "tenantctl -q console user disable bob@example.org",
            ),
        ],
    ),
    (
        "console user enable",
        &[
            (
                "back from leave",
                "tenantctl console user enable bob@example.org",
            ),
            (
                "without the note on stderr",
                "tenantctl -q console user enable bob@example.org",
            ),
        ],
    ),
    (
        "console user reset",
        &[
            (
                "a forgotten password: a new one-time link",
                "tenantctl console user reset ann@acme.example",
            ),
            (
                "the link by mail",
                "tenantctl console user reset ann@acme.example --mail",
            ),
        ],
    ),
    (
        "console invite",
        &[
            (
                "prints a one-time link to give the organizer",
                "tenantctl console invite ann@acme.example --platform Acme",
            ),
            (
                "the link by mail",
                "tenantctl console invite ann@acme.example --platform Acme --mail",
            ),
        ],
    ),
    (
        "console sessions",
        &[
            (
                "log one account out everywhere",
                "tenantctl console sessions revoke ann@acme.example",
            ),
            (
                "log everyone out",
                "tenantctl console sessions revoke --all",
            ),
        ],
    ),
    (
        "console sessions revoke",
        &[
            (
                "log one account out everywhere",
                "tenantctl console sessions revoke ann@acme.example",
            ),
            (
                "log everyone out (after a leaked cookie, say)",
                "tenantctl console sessions revoke --all",
            ),
        ],
    ),
    (
        "audit",
        &[
            ("the latest changes", "tenantctl audit"),
            (
                "one platform over the last week",
                "tenantctl audit --platform Acme --since 7d",
            ),
            (
                "console account changes, for a script",
                "tenantctl audit --action console.user --output json",
            ),
        ],
    ),
    (
        "completions",
        &[
            ("in ~/.bashrc", "source <(tenantctl completions bash)"),
            (
                "in ~/.zshrc, after compinit",
                "source <(tenantctl completions zsh)",
            ),
        ],
    ),
];

/// The examples of the command at `path` (`""` for `tenantctl` itself).
pub fn of(path: &str) -> Option<&'static [(&'static str, &'static str)]> {
    EXAMPLES.iter().find(|(p, _)| *p == path).map(|(_, e)| *e)
}

/// The examples as the end of `--help` shows them. A command line too long for an 80-column
/// terminal is continued with ` \` before an option, as a shell reads it, so clap never wraps
/// it mid-command (a pasted half fails).
pub fn help_text(examples: &[(&str, &str)]) -> String {
    let lines: Vec<String> = examples
        .iter()
        .map(|(what, line)| format!("  # {what}\n  {}", continued(line, HELP_WIDTH - 2)))
        .collect();
    format!("Examples:\n{}", lines.join("\n\n"))
}

/// The width `--help`'s examples fit in (a terminal's usual 80 columns).
pub const HELP_WIDTH: usize = 80;

/// `line` broken before options (outside quotes) into lines of at most `width` characters
/// each with its ` \`, the later ones indented by two; a part with no option to break before
/// stays whole.
pub fn continued(line: &str, width: usize) -> String {
    // The places an option starts: a space, outside single quotes, before `-`.
    let mut parts: Vec<&str> = Vec::new();
    let (mut start, mut quoted) = (0, false);
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' => quoted = !quoted,
            b' ' if !quoted && bytes.get(i + 1) == Some(&b'-') => {
                parts.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&line[start..]);
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for part in parts {
        // Room for the indent of a continued line and the trailing ` \`.
        let room = (if out.is_empty() { width } else { width - 2 }) - 2;
        if !cur.is_empty() && cur.chars().count() + 1 + part.chars().count() > room {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(part);
    }
    out.push(cur);
    out.join(" \\\n    ")
}

/// The CLI with every command's examples as its `after_long_help` (and the root's exit status
/// and environment after them): what `main` parses with and the man pages are made from.
pub fn command() -> clap::Command {
    add(Cli::command(), "")
}

fn add(cmd: clap::Command, path: &str) -> clap::Command {
    let mut cmd = cmd;
    if let Some(examples) = of(path) {
        let mut text = help_text(examples);
        if path.is_empty() {
            text = format!("{text}\n\n{}", super::AFTER_HELP);
        }
        cmd = cmd.after_long_help(text);
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub_path = format!("{path} {name}").trim().to_string();
        cmd = cmd.mut_subcommand(&name, |s| add(s, &sub_path));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_examples_are_continued_before_an_option() {
        assert_eq!(continued("tenantctl status", 78), "tenantctl status");
        let line = "tenantctl status --format prometheus --write /var/lib/node_exporter/textfile_collector/tenantctl.prom";
        assert_eq!(
            continued(line, 78),
            "tenantctl status --format prometheus \\\n    --write /var/lib/node_exporter/textfile_collector/tenantctl.prom"
        );
        // Never inside quotes.
        let q = "tenantctl report query --sql 'select count(*) from posts --x -y' --jobs 8";
        assert_eq!(
            continued(q, 40),
            "tenantctl report query \\\n    --sql 'select count(*) from posts --x -y' \\\n    --jobs 8"
        );
    }

    #[test]
    fn every_example_fits_an_80_column_terminal() {
        for (path, examples) in EXAMPLES {
            for line in help_text(examples).lines() {
                assert!(
                    line.chars().count() <= HELP_WIDTH,
                    "`tenantctl {path}` --help: {line:?} is wider than {HELP_WIDTH}"
                );
            }
        }
    }
}
