//! Generated artefacts: shell completions, man pages and the configuration reference, all from
//! the clap definitions and the config key table. The files are committed (`completions/`,
//! `man/`, `docs/configuration.md`); a test fails when they differ from what the current CLI
//! generates, and `tenantctl generate` rewrites them.

use super::Ctx;
use crate::config::{KEYS, Kind, env_var};
use crate::error::Result;
use crate::exit_code;
use clap::{Args, ValueEnum};
use clap_complete::Shell;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct Completions {
    /// The shell to print a completion script for
    #[arg(value_enum)]
    pub shell: Shell,
}

impl Completions {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let text = completion(self.shell);
        ctx.out.line(text.trim_end())
    }
}

#[derive(Debug, Args)]
pub struct Generate {
    /// The repository root to write completions/, man/ and docs/configuration.md under
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub out_dir: PathBuf,
}

impl Generate {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let files = all_files();
        for (rel, text) in &files {
            let path = self.out_dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, text)?;
        }
        ctx.out.note(&format!(
            "wrote {} files under {}",
            files.len(),
            self.out_dir.display()
        ));
        Ok(())
    }
}

/// The completion file name of each shell, as installed by packages.
pub fn completion_file(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "tenantctl.bash",
        Shell::Zsh => "_tenantctl",
        Shell::Fish => "tenantctl.fish",
        Shell::Elvish => "tenantctl.elv",
        Shell::PowerShell => "_tenantctl.ps1",
        _ => "tenantctl.completion",
    }
}

/// The completion script for one shell: clap_complete's dynamic registration, which asks
/// `tenantctl` itself on every TAB (so platform names and backup ids come from the registry;
/// see `cli::complete`).
pub fn completion(shell: Shell) -> String {
    super::complete::registration(shell)
}

/// Every generated file: (path relative to the repository root, contents).
pub fn all_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for shell in Shell::value_variants() {
        files.push((
            format!("completions/{}", completion_file(*shell)),
            completion(*shell),
        ));
    }
    for (name, text) in man_pages() {
        files.push((format!("man/{name}"), text));
    }
    files.push(("docs/configuration.md".into(), config_reference()));
    files
}

/// `tenantctl.1` and one page per (visible) subcommand, each with EXIT STATUS and ENVIRONMENT.
pub fn man_pages() -> Vec<(String, String)> {
    let mut cmd = super::examples::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, &mut pages);
    pages.sort();
    pages
}

fn collect(cmd: &clap::Command, pages: &mut Vec<(String, String)>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, pages);
    }
    let man = clap_mangen::Man::new(cmd.clone()).manual("tenantctl manual");
    let mut out: Vec<u8> = Vec::new();
    let render = |out: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        if cmd.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(out)?;
        }
        if cmd.has_subcommands() {
            man.render_subcommands_section(out)?;
        }
        out.extend_from_slice(extra_sections(cmd).as_bytes());
        if cmd.get_version().is_some() {
            man.render_version_section(out)?;
        }
        Ok(())
    };
    render(&mut out).expect("rendering to memory cannot fail");
    pages.push((
        man.get_filename(),
        String::from_utf8(out).expect("man pages are UTF-8"),
    ));
}

/// EXAMPLES (the command's own), then EXIT STATUS, ENVIRONMENT and SEE ALSO, the same on
/// every page.
fn extra_sections(cmd: &clap::Command) -> String {
    use roff::{Roff, bold, roman};
    let mut r = Roff::new();
    let path = cmd
        .get_bin_name()
        .unwrap_or(cmd.get_name())
        .trim_start_matches("tenantctl")
        .trim();
    if let Some(examples) = super::examples::of(path) {
        r.control("SH", ["EXAMPLES"]);
        for (what, line) in examples {
            r.control("PP", []);
            r.text([roman(format!("{what}:"))]);
            r.control("RS", ["4"]);
            r.control("EX", []);
            r.text([bold(*line)]);
            r.control("EE", []);
            r.control("RE", []);
        }
    }
    r.control("SH", ["EXIT STATUS"]);
    let table = if path == "doctor" {
        exit_code::DOCTOR
    } else {
        exit_code::TABLE
    };
    for (code, meaning) in table {
        r.control("TP", []);
        r.text([bold(code.to_string())]);
        r.text([roman(meaning.to_string())]);
    }
    if path == "status" {
        r.control("PP", []);
        r.text([roman("With --check (the monitoring-plugin convention):")]);
        for (code, meaning) in exit_code::STATUS_CHECK {
            r.control("TP", []);
            r.text([bold(code.to_string())]);
            r.text([roman(meaning.to_string())]);
        }
    } else if path != "doctor" {
        r.control("PP", []);
        r.text([roman(
            "status --check follows the monitoring-plugin convention instead: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; doctor exits 0 PASS, 1 WARN, 2 FAIL.",
        )]);
    }
    r.control("SH", ["ENVIRONMENT"]);
    for (var, meaning) in [
        (
            "DATABASE_URL, TENANTCTL_DATABASE_URL",
            "PostgreSQL URL of the database (the --database-url flag wins)",
        ),
        (
            "TENANTCTL_<KEY>",
            "any configuration key, dots as underscores: TENANTCTL_BACKUP_JOBS=4 sets backup.jobs",
        ),
        ("TENANTCTL_CONFIG", "the configuration file"),
        (
            "TENANTCTL_LOG, RUST_LOG",
            "log filter in tracing EnvFilter syntax; overrides -v and -q (TENANTCTL_LOG wins over RUST_LOG)",
        ),
        (
            "TENANTCTL_CONFIRM=yes, CONFIRM=yes",
            "confirm destructive commands when there is no terminal, like --yes; pipelines should use TENANTCTL_CONFIRM (CONFIRM may be meant for another tool; a set TENANTCTL_CONFIRM decides alone)",
        ),
        ("NO_COLOR, TERM=dumb", "no colour in tables and log lines"),
    ] {
        r.control("TP", []);
        r.text([bold(var)]);
        r.text([roman(meaning)]);
    }
    r.control("SH", ["FILES"]);
    r.control("TP", []);
    r.text([bold("./tenantctl.toml, /etc/tenantctl/tenantctl.toml")]);
    r.text([roman(
        "configuration, read in this order unless --config or --no-config is given; see docs/configuration.md",
    )]);
    if cmd.get_name() != "tenantctl" {
        r.control("SH", ["SEE ALSO"]);
        r.text([bold("tenantctl"), roman("(1)")]);
    }
    r.to_roff()
}

/// docs/configuration.md: every key, its environment variable, default and meaning.
pub fn config_reference() -> String {
    let mut s = String::from(
        "# Configuration reference\n\n\
         <!-- Generated by `tenantctl generate` from src/config.rs; do not edit by hand. -->\n\n\
         Precedence: command-line flags > environment > configuration file > defaults.\n\n\
         - The file is `--config FILE` (or `TENANTCTL_CONFIG`), else `./tenantctl.toml`, else\n  \
         `/etc/tenantctl/tenantctl.toml`; `--no-config` reads none. Unknown keys are an error.\n\
         - Keys with a dot live in a TOML table: `backup.keep_daily = 7` is `keep_daily = 7` under\n  \
         `[backup]`.\n\
         - Every key can be set in the environment as `TENANTCTL_` + the key in upper case with dots\n  \
         as underscores; `database_url` also reads `DATABASE_URL`.\n\
         - Durations are written like `30s`, `10m`, `24h`, `7d`.\n\
         - `tenantctl config show` prints every key's effective value (secrets masked) and its source.\n\n\
         | key | environment | default | meaning |\n| --- | --- | --- | --- |\n",
    );
    for k in KEYS {
        let mut env = format!("`{}`", env_var(k.name));
        if let Some(alt) = k.alt_env {
            env.push_str(&format!(", `{alt}`"));
        }
        let default = match k.default {
            Some(d) => format!("`{}`", d.trim_matches('"')),
            None => "unset".into(),
        };
        let kind = match k.kind {
            Kind::Str => String::new(),
            Kind::Secret => " (secret: masked in `config show`)".into(),
            Kind::Int => " (whole number)".into(),
            Kind::Float => " (number)".into(),
            Kind::Bool => " (true or false)".into(),
            Kind::Duration => " (duration)".into(),
            Kind::Enum(words) => format!(" (one of: {})", words.join(", ")),
        };
        s.push_str(&format!(
            "| `{}` | {env} | {default} | {}{kind} |\n",
            k.name, k.help
        ));
    }
    s
}

/// Where the repository keeps the generated files (for the drift test).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
