//! `tenantctl status`: the fleet on one screen, `--check` for monitoring (one line, exit code
//! 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), `--format prometheus` for the node_exporter textfile
//! collector.

use super::Ctx;
use crate::error::{Error, Result};
use crate::output::{Format, Out, duration, human_bytes};
use crate::report::builtin::BackupState;
use crate::report::fleet::{self, Check, FleetStatus, PluginState, Thresholds};
use crate::report::metrics;
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use comfy_table::Color;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Rows shown per section of the status screen; `report ...` lists them all.
const SHOWN: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// The screen for people (the same as `--output table`, which is the documented way)
    #[value(hide = true)]
    Human,
    /// The snapshot and the verdict as JSON (the same as `--output json`, which is the
    /// documented way)
    #[value(hide = true)]
    Json,
    /// Prometheus text exposition (version 0.0.4)
    Prometheus,
}

#[derive(Debug, Args)]
pub struct Status {
    /// One summary line and the monitoring-plugin exit status (0 OK, 1 WARNING, 2 CRITICAL,
    /// 3 UNKNOWN), judged against the status.* thresholds in the configuration
    #[arg(long, conflicts_with_all = ["format", "write"])]
    pub check: bool,
    /// Another document instead of the status screen: `prometheus` for the metrics exposition
    /// (`--output` still chooses table or json for the screen)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<StatusFormat>,
    /// Write the result to FILE atomically (a temporary file renamed into place), as the
    /// node_exporter textfile collector needs, instead of to stdout
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
}

#[derive(Serialize)]
struct StatusJson<'a> {
    #[serde(flatten)]
    status: &'a FleetStatus,
    check: &'a Check,
}

impl Status {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        if self.check {
            return self.check(ctx).await;
        }
        let pool = ctx.registry().await?;
        let snap = fleet::collect(pool, ctx.settings()).await?;
        let check = fleet::status_check(&snap, &Thresholds::from_settings(ctx.settings()));
        let format = self.format.unwrap_or(match ctx.out.format {
            Format::Json => StatusFormat::Json,
            _ => StatusFormat::Human,
        });
        let text = match format {
            StatusFormat::Prometheus => metrics::render(&snap)?,
            StatusFormat::Json => {
                let mut t = serde_json::to_string_pretty(&StatusJson {
                    status: &snap,
                    check: &check,
                })
                .map_err(anyhow::Error::from)?;
                t.push('\n');
                t
            }
            StatusFormat::Human => {
                let out = match &self.write {
                    // Plain text in a file: no colours.
                    Some(_) => Out {
                        format: Format::Table,
                        term: crate::output::Term::none(),
                        quiet: ctx.out.quiet,
                    },
                    None => ctx.out,
                };
                format!("{}\n", render_fleet_text(&out, &snap, &check))
            }
        };
        match &self.write {
            Some(path) => write_atomically(path, text.as_bytes()),
            None => crate::output::write_stdout(text.as_bytes()),
        }
    }

    async fn check(&self, ctx: &Ctx) -> Result<()> {
        let snap = async {
            let pool = ctx.registry().await?;
            fleet::collect(pool, ctx.settings()).await
        }
        .await;
        let (level, line) = match snap {
            Ok(s) => {
                let c = fleet::status_check(&s, &Thresholds::from_settings(ctx.settings()));
                (c.level, c.line(&s))
            }
            // The database being down is an emergency, not a question mark.
            Err(e @ Error::Unreachable { .. }) => {
                (PluginState::Critical, format!("TENANTCTL CRITICAL - {e}"))
            }
            Err(e) => (
                PluginState::Unknown,
                format!("TENANTCTL UNKNOWN - {}", crate::error::shown(&e)),
            ),
        };
        // The exit status is the check's answer: a reader that went away loses the line, never
        // turns CRITICAL into 0.
        match ctx.out.line(&line) {
            Ok(()) | Err(Error::StdoutClosed) => {}
            Err(e) => return Err(e),
        }
        match level {
            PluginState::Ok => Ok(()),
            other => Err(Error::Silent(other as u8)),
        }
    }
}

/// Whether a raw command line asks for `status --check`, so that an error before the check
/// can run (a wrong flag, a bad configuration) is still answered the monitoring-plugin way.
pub fn is_check_invocation<I, S>(args: I) -> bool
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let (mut status, mut check) = (false, false);
    for a in args {
        match a.as_ref().to_str() {
            Some("status") => status = true,
            Some("--check") => check = true,
            _ => {}
        }
    }
    status && check
}

/// Answer a `status --check` that could not run: UNKNOWN (3) with the reason (its first
/// line, without clap's `error: `) as the one line on stdout (issue 15.17).
pub fn unknown(reason: &str) -> std::process::ExitCode {
    let first = reason
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("cannot run the check");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // A monitoring plugin's one line; a closed stdout loses it, and the exit status still says.
    let _ = crate::output::write_stdout(format!("TENANTCTL UNKNOWN - {first}\n").as_bytes());
    std::process::ExitCode::from(PluginState::Unknown as u8)
}

/// Write `bytes` to `path` whole or not at all ([`crate::atomic_file`]): a reader (the
/// textfile collector) sees the old file or the new one, never half.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.file_name().is_none() {
        return Err(Error::Usage(format!(
            "`{}` is not a file name",
            path.display()
        )));
    }
    crate::atomic_file::write(path, bytes).map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("cannot write `{}`: {e}", path.display()),
        ))
    })
}

/// The fleet status as text for people: the overview, then one section per concern (only
/// those with something to say, besides a few "none" lines), then the problems.
pub fn render_fleet_text(out: &Out, s: &FleetStatus, check: &Check) -> String {
    let now = Utc::now();
    [
        overview(s, check),
        provisioning_section(out, s, now),
        missing_schemas_section(out, s),
        maintenance_section(out, s),
        old_schemas_section(out, s, now),
        invalid_section(out, s),
        backups_section(out, s),
        migrations_section(out, s),
        queue_section(out, s),
        problems_section(check),
    ]
    .concat()
    .trim_end()
    .to_string()
}

/// The overall level and the platforms by provisioning state.
fn overview(s: &FleetStatus, check: &Check) -> String {
    let p = &s.platforms;
    format!(
        "overall: {}\n\nplatforms: {} ({} completed, {} failed, {} pending, {} provisioning; {} external)\n",
        check.level.as_str(),
        p.total,
        p.completed,
        p.failed,
        p.pending,
        p.provisioning,
        p.external
    )
}

/// Platforms stuck in provisioning, and failed ones with their errors.
fn provisioning_section(out: &Out, s: &FleetStatus, now: DateTime<Utc>) -> String {
    let mut text = String::new();
    if let Some(c) = &s.citus {
        text.push_str(&format!(
            "citus: {} tenant schema(s) distributed, {} on the coordinator; new tenants {}; \
             tenantctl sets citus.enable_unsafe_triggers for its own tenant DDL (database default: {}; \
             trigger functions must touch only their own tenant schema)\n",
            c.distributed_tenants,
            c.local_tenants,
            if c.distribute_new_tenants { "distributed" } else { "on the coordinator" },
            if c.unsafe_triggers_default { "on" } else { "off" },
        ));
        if !c.nodes.is_empty() {
            let mut t = out.table(&["node", "tenants", "bytes", "balance"]);
            for n in &c.nodes {
                t.add_row(vec![
                    out.cell(n.node.to_string(), None),
                    out.cell(n.tenants, None),
                    out.cell(
                        n.bytes
                            .map(human_bytes)
                            .unwrap_or_else(|| "unknown (a node down?)".into()),
                        None,
                    ),
                    match &n.imbalance {
                        Some(why) => out.cell(format!("! unbalanced: {why}"), Some(Color::Yellow)),
                        None => out.cell("ok", None),
                    },
                ]);
            }
            text.push_str(&format!(
                "tenants per node (unbalanced: a node with no tenants while another has two or more, or over {}× the mean weight, bytes plus 100 MiB per tenant; `tenantctl rebalance` evens them out):\n{t}\n\n",
                crate::placement::IMBALANCE_FACTOR
            ));
        }
    }
    let stuck_after = duration::setting(std::time::Duration::from_secs_f64(s.stuck_after_seconds));
    if s.stuck.is_empty() {
        text.push_str(&format!("stuck (provisioning > {stuck_after}): none\n"));
    } else {
        let mut t = out.table(&["platform", "schema", "provisioning for"]);
        for x in s.stuck.iter().take(SHOWN) {
            t.add_row(vec![
                out.cell(&x.platform, None),
                out.cell(x.schema.as_deref().unwrap_or("-"), None),
                out.cell(duration::age(now - x.since), Some(Color::Yellow)),
            ]);
        }
        text.push_str(&format!(
            "\nstuck (provisioning > {stuck_after}): {}\n{t}\n",
            s.stuck.len()
        ));
    }
    if !s.failed.is_empty() {
        let mut t = out.table(&["platform", "failed", "error"]);
        for x in s.failed.iter().take(SHOWN) {
            t.add_row(vec![
                out.cell(&x.platform, None),
                out.cell(format!("{} ago", duration::age(now - x.failed_at)), None),
                out.cell(x.error.as_deref().unwrap_or("-"), Some(Color::Red)),
            ]);
        }
        text.push_str(&format!("\nfailed: {}\n{t}\n", s.failed.len()));
    }
    text
}

/// Completed platforms whose schema is gone.
fn missing_schemas_section(out: &Out, s: &FleetStatus) -> String {
    let mut text = String::new();
    if !s.missing_schemas.is_empty() {
        let mut t = out.table(&["platform", "schema"]);
        for m in s.missing_schemas.iter().take(SHOWN) {
            t.add_row(vec![
                out.cell(&m.platform, None),
                out.cell(&m.schema, Some(Color::Red)),
            ]);
        }
        text.push_str(&format!(
            "\ncompleted platforms whose schema is missing: {}\n{t}\n",
            s.missing_schemas.len()
        ));
    }
    text
}

/// Platforms in maintenance (serve answers 503), long ones in yellow.
fn maintenance_section(out: &Out, s: &FleetStatus) -> String {
    let mut text = String::new();
    if s.maintenance.is_empty() {
        text.push_str("maintenance: none\n");
    } else {
        let warn = std::time::Duration::from_secs_f64(s.maintenance_warn_seconds);
        let mut t = out.table(&["platform", "in maintenance for", "reason"]);
        for m in s.maintenance.iter().take(SHOWN) {
            let long = m.age_seconds.is_none_or(|a| a as f64 > warn.as_secs_f64());
            t.add_row(vec![
                out.cell(&m.platform, None),
                out.cell(
                    m.age_seconds
                        .map(|a| duration::age(chrono::Duration::seconds(a)))
                        .unwrap_or_else(|| "unknown".into()),
                    long.then_some(Color::Yellow),
                ),
                out.cell(m.reason.as_deref().unwrap_or("-"), None),
            ]);
        }
        text.push_str(&format!(
            "\nmaintenance: {} (serve answers 503; `tenantctl platform maintenance NAME off` ends it)\n{t}\n",
            s.maintenance.len()
        ));
    }
    text
}

/// Schemas `restore --keep-old` kept.
fn old_schemas_section(out: &Out, s: &FleetStatus, now: DateTime<Utc>) -> String {
    let mut text = String::new();
    if s.old_schemas.is_empty() {
        text.push_str("schemas kept by restore --keep-old: none\n");
    } else {
        let mut t = out.table(&["schema", "platform", "kept", "size"]);
        for o in s.old_schemas.iter().take(SHOWN) {
            t.add_row(vec![
                out.cell(&o.schema, None),
                out.cell(o.platform.as_deref().unwrap_or("-"), None),
                out.cell(
                    o.kept_at
                        .map(|k| format!("{} ago", duration::age(now - k)))
                        .unwrap_or_else(|| "-".into()),
                    None,
                ),
                out.cell(human_bytes(o.size_bytes), None),
            ]);
        }
        text.push_str(&format!(
            "\nschemas kept by restore --keep-old: {} (`tenantctl cleanup --old-schemas` drops them)\n{t}\n",
            s.old_schemas.len()
        ));
    }
    text
}

/// Platforms whose schema name is invalid.
fn invalid_section(out: &Out, s: &FleetStatus) -> String {
    let mut text = String::new();
    if !s.invalid.is_empty() {
        let mut t = out.table(&["platform", "schema", "error"]);
        for b in s.invalid.iter().take(SHOWN) {
            t.add_row(vec![
                out.cell(&b.platform, None),
                out.cell(&b.schema, None),
                out.cell(&b.error, Some(Color::Yellow)),
            ]);
        }
        text.push_str(&format!(
            "\nplatforms with an invalid schema name: {} (every fleet command reports them as failed; fix the row or `tenantctl platform delete` it)\n{t}\n",
            s.invalid.len()
        ));
    }
    text
}

/// Backup counts against the thresholds, backups dated in the future, then the stale and
/// critical platforms.
fn backups_section(out: &Out, s: &FleetStatus) -> String {
    let mut text = String::new();
    let stale = s.backups_in(BackupState::Stale).count();
    let crit = s.backups_in(BackupState::Critical).count();
    let age = |secs: f64| duration::setting(std::time::Duration::from_secs_f64(secs));
    text.push_str(&format!(
        "\nbackups: {stale} stale (> {}), {crit} critical (> {}) of {}\n",
        age(s.backup_warn_seconds),
        age(s.backup_crit_seconds),
        s.backups.len()
    ));
    let future: Vec<_> = s.backups.iter().filter(|b| b.future_backups > 0).collect();
    if !future.is_empty() {
        let mut t = out.table(&["platform", "backups dated in the future"]);
        for b in future.iter().take(SHOWN) {
            t.add_row(vec![
                out.cell(&b.platform, None),
                out.cell(b.future_backups, Some(Color::Yellow)),
            ]);
        }
        text.push_str(&format!(
            "backups dated in the future (clock skew? never counted as the last backup): {} platform(s)\n{t}\n",
            future.len()
        ));
    }
    let bad: Vec<_> = s
        .backups
        .iter()
        .filter(|b| b.state != BackupState::Ok)
        .collect();
    if !bad.is_empty() {
        let mut t = out.table(&["platform", "last backup", "state", "last size"]);
        for b in bad.iter().take(SHOWN) {
            let when = duration::age(chrono::Duration::seconds(b.age_seconds));
            let (state, color) = match b.state {
                BackupState::Critical => ("critical", Color::Red),
                _ => ("stale", Color::Yellow),
            };
            t.add_row(vec![
                out.cell(&b.platform, None),
                out.cell(
                    if b.never {
                        format!("never (provisioned {when} ago)")
                    } else {
                        format!("{when} ago")
                    },
                    None,
                ),
                out.cell(state, Some(color)),
                out.cell(
                    b.last_size_bytes
                        .map(human_bytes)
                        .unwrap_or_else(|| "-".into()),
                    None,
                ),
            ]);
        }
        text.push_str(&format!("{t}\n"));
        if bad.len() > SHOWN {
            text.push_str(&format!(
                "… and {} more (`tenantctl report backups --stale`)\n",
                bad.len() - SHOWN
            ));
        }
    }
    text
}

/// The migration set's latest version and the tenants behind it.
fn migrations_section(out: &Out, s: &FleetStatus) -> String {
    let mut text = String::new();
    let m = &s.migrations;
    let behind: Vec<_> = m.behind().collect();
    match (&m.set_error, m.latest_version) {
        (Some(e), _) => text.push_str(&format!("\nmigrations: set unavailable: {e}\n")),
        (None, latest) => text.push_str(&format!(
            "\nmigrations: latest {}; {} of {} tenant(s) behind\n",
            latest.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
            behind.len(),
            m.tenants.len()
        )),
    }
    if !behind.is_empty() {
        let mut t = out.table(&["platform", "version", "behind", "last error"]);
        for b in behind.iter().take(SHOWN) {
            t.add_row(vec![
                out.cell(&b.platform, None),
                out.cell(
                    b.version
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "none".into()),
                    None,
                ),
                out.cell(b.lag, Some(Color::Yellow)),
                out.cell(b.last_error.as_deref().unwrap_or(""), Some(Color::Red)),
            ]);
        }
        text.push_str(&format!("{t}\n"));
    }
    text
}

/// The job queue (and per kind: waiting, the oldest ready job, failures of the last 24 h) and
/// the provision attempts.
fn queue_section(out: &Out, s: &FleetStatus) -> String {
    let mut text = String::new();
    let q = &s.queue;
    text.push_str(&format!(
        "\nqueue: {} queued ({} ready{}), {} running, {} failed\n",
        q.queued,
        q.ready,
        q.oldest_ready_seconds
            .map(|x| format!(
                ", oldest waiting {}",
                duration::age(chrono::Duration::seconds(x as i64))
            ))
            .unwrap_or_default(),
        q.running,
        q.failed
    ));
    let busy: Vec<_> = q
        .kinds
        .iter()
        .filter(|k| k.waiting() + k.running + k.discarded_recent + k.attempts_failed > 0)
        .collect();
    if !busy.is_empty() {
        let mut t = out.table(&[
            "kind",
            "waiting",
            "ready",
            "running",
            "oldest",
            "failed 24h",
            "discarded 24h",
        ]);
        for k in busy.iter().take(SHOWN) {
            t.add_row(vec![
                out.cell(&k.group, None),
                out.cell(k.waiting(), None),
                out.cell(k.ready, None),
                out.cell(k.running, None),
                out.cell(
                    k.oldest_ready_seconds
                        .map(|x| duration::age(chrono::Duration::seconds(x as i64)))
                        .unwrap_or_default(),
                    None,
                ),
                out.cell(
                    k.attempts_failed,
                    (k.attempts_failed > 0).then_some(Color::Yellow),
                ),
                out.cell(
                    k.discarded_recent,
                    (k.discarded_recent > 0).then_some(Color::Red),
                ),
            ]);
        }
        text.push_str(&format!("{t}\n"));
        if busy.len() > SHOWN {
            text.push_str(&format!(
                "({} more kinds: `tenantctl jobs stats`)\n",
                busy.len() - SHOWN
            ));
        }
    }
    text.push_str(&format!(
        "provision attempts: {} completed, {} failed, {} running\n",
        s.provision.completed, s.provision.failed, s.provision.running
    ));
    text
}

/// What `status --check` would report, one line each.
fn problems_section(check: &Check) -> String {
    let mut text = String::new();
    if !check.problems.is_empty() {
        text.push_str("\nproblems:\n");
        for (l, p) in &check.problems {
            text.push_str(&format!("  {:<8} {p}\n", l.as_str()));
        }
    }
    text
}
