//! Dynamic shell completion (clap_complete's `CompleteEnv`): the shell's registration script
//! calls `COMPLETE=<shell> tenantctl -- <words>` on every TAB, and this module answers from the
//! clap definitions plus the registry: platform names wherever a command takes a platform, and
//! backup ids for `restore --backup` and `backup get|verify NAME ID`.
//!
//! Completion must never be slow or noisy: the registry is asked with one connection and a
//! short overall deadline ([`DEADLINE`]); any failure (no database configured, unreachable,
//! registry not migrated) gives no candidates and prints nothing (no logging is set up on this
//! path, and errors are dropped).
//!
//! Which arguments complete what is decided here in one place, by the arguments' value names,
//! so the command files stay plain clap: a platform is `NAME|ID`, or `NAME` on a flag whose
//! long name is in [`PLATFORM_FLAGS`]; a backup is `ID` under `restore` and `backup`.

use super::Cli;
use clap::CommandFactory;
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, CompletionCandidate};
use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
use std::ffi::OsString;
use std::time::Duration;

/// The most one TAB waits for the registry (connect and query together).
pub const DEADLINE: Duration = Duration::from_millis(1500);

/// Flags whose `NAME` values are platforms (the others, like `platform create --schema NAME`,
/// are new names).
pub const PLATFORM_FLAGS: &[&str] = &["tenant", "exclude", "canary-tenants", "only"];

/// The environment variable of clap_complete's protocol.
pub const VAR: &str = "COMPLETE";

/// Answer a completion request and exit, if this process is one (`COMPLETE` is set); return
/// otherwise. Call it first thing in `main`, before anything writes to stdout.
pub fn handle_request() {
    clap_complete::CompleteEnv::with_factory(command)
        .var(VAR)
        .complete();
}

/// The CLI as completion sees it: the real definitions, with registry-backed candidates.
pub fn command() -> clap::Command {
    let cmd = Cli::command();
    // NOTE: clap_complete offers a hidden subcommand when it is the only match (`tenantctl
    // ge<TAB>`); `generate` is for the repository's own build, so completion never sees its
    // name. This command is only ever used to complete, never to parse a real run.
    let cmd = cmd.mut_subcommand("generate", |s| s.name(" generate"));
    with_candidates(cmd, "")
}

fn with_candidates(cmd: clap::Command, parent: &str) -> clap::Command {
    let path = format!("{parent} {}", cmd.get_name()).trim().to_string();
    let under_backup = path == "tenantctl restore" || path.starts_with("tenantctl backup");
    let cmd = cmd.mut_args(|a| {
        let names: Vec<String> = a
            .get_value_names()
            .map(|v| v.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        let is_platform = names.first().is_some_and(|n| n == "NAME|ID")
            || (names.first().is_some_and(|n| n == "NAME")
                && a.get_long().is_some_and(|l| PLATFORM_FLAGS.contains(&l)));
        let is_backup = under_backup
            && (names.first().is_some_and(|n| n == "ID") || a.get_long() == Some("backup"));
        if is_platform {
            a.add(ArgValueCompleter::new(platform_candidates))
        } else if is_backup {
            a.add(ArgValueCandidates::new(backup_candidates))
        } else if names == ["NAME", "ID"] {
            // `backup get NAME ID`: a platform, then one of its backups.
            a.add(ArgValueCompleter::new(platform_or_backup_candidates))
        } else {
            a
        }
    });
    let path2 = path.clone();
    cmd.mut_subcommands(move |s| with_candidates(s, &path2))
}

/// The words being completed (after clap_complete's `--`), from this process's arguments.
fn words() -> Vec<OsString> {
    let args: Vec<OsString> = std::env::args_os().collect();
    match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].to_vec(),
        None => Vec::new(),
    }
}

/// What the words say so far, parsed leniently (the word under the cursor may be half typed).
fn parsed() -> Option<clap::ArgMatches> {
    let words = words();
    if words.is_empty() {
        return None;
    }
    Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(words)
        .ok()
}

/// `--database-url`, `--config` and `--no-config` from the words, then the environment and the
/// file as a real run would resolve them.
fn settings(m: Option<&clap::ArgMatches>) -> Option<crate::config::Settings> {
    let mut o = crate::config::Overrides::default();
    if let Some(m) = m {
        if let Ok(Some(url)) = m.try_get_one::<String>("database_url") {
            o.flags.push((
                "database_url",
                toml::Value::String(url.clone()),
                "--database-url".into(),
            ));
        }
        if let Ok(Some(file)) = m.try_get_one::<std::path::PathBuf>("config") {
            o.config_file = Some(file.clone());
        }
        o.no_config = m.try_get_one::<bool>("no_config").ok().flatten() == Some(&true);
    }
    crate::config::Config::load(&o).ok().map(|c| c.settings)
}

/// Run `f` on a fresh single-threaded runtime in its own thread (the caller may already be
/// inside `main`'s runtime), within [`DEADLINE`]; `None` on any failure or timeout.
fn within_deadline<T: Send>(f: impl AsyncFnOnce() -> crate::error::Result<T> + Send) -> Option<T> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                tokio::time::timeout(DEADLINE, f())
                    .await
                    .ok()
                    .and_then(|r| r.ok())
            })
        })
        .join()
        .ok()
        .flatten()
    })
}

/// One connection to the registry database, for completion only.
async fn connect(settings: &crate::config::Settings) -> crate::error::Result<sqlx::PgConnection> {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    let url = settings
        .database_url
        .as_deref()
        .ok_or_else(|| crate::error::Error::Usage("no database".into()))?;
    let opts = sqlx::postgres::PgConnectOptions::from_str(url)
        .map_err(|e| crate::error::Error::Usage(e.to_string()))?
        .application_name("tenantctl-complete")
        .disable_statement_logging();
    Ok(opts.connect().await?)
}

/// A platform as it can be typed: its name when that needs no quoting in a shell, else its id
/// (every command takes either), with the name as the description.
fn platform_candidate(id: i64, name: &str, status: &str) -> CompletionCandidate {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.+@%".contains(c));
    if plain {
        CompletionCandidate::new(name).help(Some(status.to_string().into()))
    } else {
        CompletionCandidate::new(id.to_string()).help(Some(format!("{name} ({status})").into()))
    }
}

/// Whether a candidate (a name, or the id of a name a shell would split) is offered for the
/// half-typed `current`: it starts with it in any case, as every command matches names
/// (`restore ac<TAB>` offers `Acme`).
pub fn matches(candidate: &str, current: &str) -> bool {
    candidate
        .to_lowercase()
        .starts_with(&current.to_lowercase())
}

/// The platforms for the half-typed `current` (after the last comma of a `--tenant` list,
/// which clap_complete splits off and puts back).
fn platform_candidates(current: &std::ffi::OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    all_platforms()
        .into_iter()
        .map(|(id, name, status)| platform_candidate(id, &name, &status))
        .filter(|c| matches(&c.get_value().to_string_lossy(), &current))
        .collect()
}

/// Every platform: (id, name, status), by name.
fn all_platforms() -> Vec<(i64, String, String)> {
    let Some(settings) = settings(parsed().as_ref()) else {
        return Vec::new();
    };
    within_deadline(async || {
        let mut conn = connect(&settings).await?;
        // language=PostgreSQL
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, name, provision_status::text FROM public.platforms ORDER BY lower(name)",
        )
        .fetch_all(&mut conn)
        .await?;
        Ok(rows)
    })
    .unwrap_or_default()
}

/// The platform the words name for a backup argument: `restore NAME`, `backup verify NAME`,
/// `backup get NAME ID`.
fn platform_in(m: &clap::ArgMatches) -> Option<String> {
    let mut cur = m;
    while let Some((_, sub)) = cur.subcommand() {
        cur = sub;
    }
    if let Ok(Some(p)) = cur.try_get_one::<String>("platform") {
        return Some(p.clone());
    }
    if let Ok(Some(mut args)) = cur.try_get_many::<String>("args") {
        return args.next().cloned();
    }
    None
}

fn backup_candidates() -> Vec<CompletionCandidate> {
    let m = parsed();
    let Some(platform) = m.as_ref().and_then(platform_in) else {
        return Vec::new();
    };
    let Some(settings) = settings(m.as_ref()) else {
        return Vec::new();
    };
    within_deadline(async || {
        let mut conn = connect(&settings).await?;
        // language=PostgreSQL
        let schema: Option<String> = sqlx::query_scalar(
            "SELECT schema_name FROM public.platforms \
             WHERE lower(name) = lower($1) OR id::text = $1 LIMIT 1",
        )
        .bind(&platform)
        .fetch_optional(&mut conn)
        .await?
        .flatten();
        let Some(schema) = schema else {
            return Ok(Vec::new());
        };
        let storage = crate::backup::storage::from_settings(&settings.backup).await?;
        let listed = crate::backup::manifest::list(storage.as_ref(), &schema).await?;
        Ok(listed
            .iter()
            .map(|l| {
                let help = match l.ok() {
                    Some(m) => format!("taken {} UTC", m.taken_at.format("%Y-%m-%d %H:%M")),
                    None => l.problem().unwrap_or_default(),
                };
                CompletionCandidate::new(&l.id).help(Some(help.into()))
            })
            .collect())
    })
    .unwrap_or_default()
}

/// `backup get NAME ID`: platforms for the first value, backups for the second (the word
/// under the cursor is among the parsed values, half typed or empty).
fn platform_or_backup_candidates(current: &std::ffi::OsStr) -> Vec<CompletionCandidate> {
    let values = parsed()
        .and_then(|m| {
            let mut cur = m;
            while let Some((_, sub)) = cur.remove_subcommand() {
                cur = sub;
            }
            cur.try_get_many::<String>("args")
                .ok()
                .flatten()
                .map(|v| v.count())
        })
        .unwrap_or(0);
    if values >= 2 {
        let current = current.to_string_lossy();
        backup_candidates()
            .into_iter()
            .filter(|c| c.get_value().to_string_lossy().starts_with(&*current))
            .collect()
    } else {
        platform_candidates(current)
    }
}

/// The registration script of a shell, calling `tenantctl` on the PATH: what
/// `tenantctl completions SHELL` prints and `completions/` holds.
pub fn registration(shell: clap_complete::Shell) -> String {
    let completer: &dyn EnvCompleter = match shell {
        clap_complete::Shell::Bash => &Bash,
        clap_complete::Shell::Zsh => &Zsh,
        clap_complete::Shell::Fish => &Fish,
        clap_complete::Shell::Elvish => &Elvish,
        clap_complete::Shell::PowerShell => &Powershell,
        _ => &Bash,
    };
    let mut buf = Vec::new();
    completer
        .write_registration(VAR, "tenantctl", "tenantctl", "tenantctl", &mut buf)
        .expect("writing to memory cannot fail");
    let mut text = String::from_utf8(buf).expect("registration scripts are UTF-8");
    if shell == clap_complete::Shell::Zsh {
        // tenantctl matches platform names in any case (`restore ac<TAB>` offers `Acme`);
        // zsh would drop such a candidate again unless told to match case-insensitively.
        text = text.replace(
            "_describe -V 'values' other\n",
            "_describe -V 'values' other -M 'm:{[:lower:][:upper:]}={[:upper:][:lower:]}'\n",
        );
        // Installed in $fpath as `_tenantctl`, the file is autoloaded as that function on the
        // first TAB: complete that TAB too, not only the ones after it.
        text.push_str(
            "if [ \"$funcstack[1]\" = \"_tenantctl\" ]; then\n    _clap_dynamic_completer_tenantctl \"$@\"\nfi\n",
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which arguments complete from the registry, found by walking the completion command.
    fn completed(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            if a.get::<ArgValueCandidates>().is_some() || a.get::<ArgValueCompleter>().is_some() {
                out.push(format!("{path} {}", a.get_id()));
            }
        }
        for s in cmd.get_subcommands() {
            completed(s, &format!("{path} {}", s.get_name()), out);
        }
    }

    #[test]
    fn platform_and_backup_arguments_complete_and_new_names_do_not() {
        let mut got = Vec::new();
        completed(&command(), "tenantctl", &mut got);
        for want in [
            "tenantctl restore platform",
            "tenantctl restore backup",
            "tenantctl platform show platform",
            "tenantctl platform delete platform",
            "tenantctl migrate tenants",
            "tenantctl migrate exclude",
            "tenantctl migrate rollback tenants",
            "tenantctl backup platforms",
            "tenantctl backup verify id",
            "tenantctl backup get args",
            "tenantctl cleanup platforms",
            "tenantctl provision platform",
            "tenantctl report query tenants",
        ] {
            assert!(
                got.iter().any(|g| g == want),
                "{want} does not complete: {got:#?}"
            );
        }
        for not in [
            "tenantctl platform create name",
            "tenantctl platform create schema",
            "tenantctl init name",
            "tenantctl migrate add name",
        ] {
            assert!(!got.contains(&not.to_string()), "{not} completes");
        }
    }

    #[test]
    fn platform_names_match_in_any_case() {
        assert!(matches("Acme", "ac"));
        assert!(matches("acme", "AC"));
        assert!(matches("31", "3"));
        assert!(!matches("Zeta", "ac"));
        assert!(matches("Zeta", ""));
    }

    #[test]
    fn zsh_matches_candidates_in_any_case() {
        let zsh = registration(clap_complete::Shell::Zsh);
        assert!(
            zsh.contains(
                "_describe -V 'values' other -M 'm:{[:lower:][:upper:]}={[:upper:][:lower:]}'"
            ),
            "{zsh}"
        );
    }
}
