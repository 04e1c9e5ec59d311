//! `tenantctl jobs ...`: the application's queue by hand. Enqueue for one tenant or all (through
//! the SQL function applications call), list and show jobs with their attempts, retry, discard
//! or cancel one or many (many confirm first), the queue's figures per kind or tenant, and the
//! configured schedules.

use super::Ctx;
use super::select::TenantArgs;
use crate::error::{Error, Result};
use crate::jobs::manage::{self, Action, Filter, JobRow, NewJob};
use crate::jobs::schedules;
use crate::jobs::stats::{self, GroupBy, GroupStats};
use crate::output::{Out, Tabular, Term, duration};
use crate::registry::tenants::Wanted;
use chrono::{DateTime, NaiveDateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{Cell, Color};
use serde::Serialize;
use std::io::Read;
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub enum JobsCmd {
    /// Queue a job of KIND for a tenant (or one per tenant with --all), as an application
    /// would with `SELECT tenantctl.enqueue(...)`
    Enqueue(Enqueue),
    /// The newest jobs, filtered by state, kind and tenant
    List(List),
    /// One job: its tenant, state, payload and every attempt
    Show(Show),
    /// Run failed (or chosen) jobs again now, each for the tenant on its row
    Retry(Change),
    /// Give up on waiting jobs: they will not run (kept with the failures)
    Discard(Change),
    /// Withdraw waiting jobs: they will not run
    Cancel(Change),
    /// Jobs per kind (or tenant) and state, the oldest ready job's wait, recent attempts
    Stats(Stats),
    /// The configured schedules ([jobs.schedules.NAME]), their next slot and the last enqueued
    Schedules(Schedules),
}

impl JobsCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            JobsCmd::Enqueue(c) => c.run(ctx).await,
            JobsCmd::List(c) => c.run(ctx).await,
            JobsCmd::Show(c) => c.run(ctx).await,
            JobsCmd::Retry(c) => c.run(ctx, Action::Retry).await,
            JobsCmd::Discard(c) => c.run(ctx, Action::Discard).await,
            JobsCmd::Cancel(c) => c.run(ctx, Action::Cancel).await,
            JobsCmd::Stats(c) => c.run(ctx).await,
            JobsCmd::Schedules(c) => c.run(ctx).await,
        }
    }
}

/// A job state on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    Scheduled,
    Available,
    Running,
    Retryable,
    Completed,
    Discarded,
    Cancelled,
    /// scheduled, available, running and retryable: every job that will still run
    Live,
}

/// The `--state` values as the table's words (`live` spelled out), or `None` for all.
fn states(args: &[StateArg]) -> Option<Vec<String>> {
    if args.is_empty() {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for a in args {
        let words: &[&str] = match a {
            StateArg::Scheduled => &["scheduled"],
            StateArg::Available => &["available"],
            StateArg::Running => &["running"],
            StateArg::Retryable => &["retryable"],
            StateArg::Completed => &["completed"],
            StateArg::Discarded => &["discarded"],
            StateArg::Cancelled => &["cancelled"],
            StateArg::Live => manage::LIVE,
        };
        for w in words {
            if !out.iter().any(|o| o == w) {
                out.push(w.to_string());
            }
        }
    }
    Some(out)
}

/// What a kind's name may be: it is a key of the configuration and a label of the metrics.
fn check_kind(kind: &str) -> Result<()> {
    let ok = kind.len() <= 63
        && kind.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && kind.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "job kind `{}` is not allowed: a lowercase letter, then up to 62 lowercase letters, digits, `_`, `-` or `.`",
            crate::rules::naming::shown(kind)
        )))
    }
}

/// `--at`: an RFC 3339 time, `YYYY-MM-DD HH:MM[:SS]` in UTC, or a duration from now (`10m`).
pub fn parse_at(text: &str, now: DateTime<Utc>) -> std::result::Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(n.and_utc());
        }
    }
    let after = t.strip_prefix("in ").unwrap_or(t);
    match humantime::parse_duration(after) {
        Ok(d) => chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| now.checked_add_signed(d))
            .ok_or_else(|| format!("`{text}` is too far away")),
        Err(_) => Err(format!(
            "`{text}` is not a time: expected 2026-12-08T03:00:00Z, `2026-12-08 03:00` (UTC) or a delay like 10m"
        )),
    }
}

/// `--payload`: JSON text, `@FILE`, or `-` for standard input.
fn read_payload(arg: &str) -> Result<serde_json::Value> {
    let (text, from) = if arg == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            Error::Usage(format!("cannot read the payload from standard input: {e}"))
        })?;
        (s, "standard input".to_string())
    } else if let Some(path) = arg.strip_prefix('@') {
        let s = std::fs::read_to_string(path)
            .map_err(|e| Error::Usage(format!("cannot read the payload file `{path}`: {e}")))?;
        (s, format!("file `{path}`"))
    } else {
        (arg.to_string(), "--payload".to_string())
    };
    serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!("the payload from {from} is not JSON: {e}"))
            .hint("quote it for the shell: --payload '{\"user_id\": 42}'")
    })
}

#[derive(Debug, Args)]
pub struct Enqueue {
    /// The kind of job (a [jobs.kinds.NAME] of the configuration, or a built-in kind)
    #[arg(value_name = "KIND")]
    pub kind: String,
    #[command(flatten)]
    pub select: TenantArgs,
    /// The job's data: JSON text, @FILE, or - for standard input [default: {}]
    #[arg(long, value_name = "JSON")]
    pub payload: Option<String>,
    /// When it may run: 2026-12-08T03:00:00Z, `2026-12-08 03:00` (UTC) or a delay like 10m
    /// [default: now]
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// At most one live job of this kind per tenant and key: a duplicate returns the live
    /// job's id
    #[arg(long, value_name = "KEY")]
    pub unique_key: Option<String>,
    /// Smaller runs first [default: 0]
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = clap::value_parser!(i32).range(-32768..=32767))]
    pub priority: Option<i32>,
    /// Attempts before it is discarded [default: the kind's]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(1..=1000))]
    pub max_attempts: Option<i32>,
}

impl Tabular for manage::EnqueuedJob {
    fn headers() -> Vec<&'static str> {
        vec!["job", "platform", "created"]
    }
    fn row(&self, _term: &Term) -> Vec<Cell> {
        vec![
            Cell::new(self.job_id),
            Cell::new(&self.platform),
            Cell::new(if self.created {
                "yes"
            } else {
                "no: a live job holds the key"
            }),
        ]
    }
}

impl Enqueue {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        check_kind(&self.kind)?;
        if self.select.tenants.is_empty() && !self.select.all {
            return Err(Error::Usage(
                "say which tenant the job is for: `--tenant NAME` (or `--all` for one job per tenant)"
                    .into(),
            ));
        }
        let payload = match &self.payload {
            Some(p) => read_payload(p)?,
            None => serde_json::json!({}),
        };
        let run_at = self
            .at
            .as_deref()
            .map(|t| parse_at(t, Utc::now()).map_err(|e| Error::Usage(format!("--at: {e}"))))
            .transpose()?;
        if let Some(k) = &self.unique_key
            && k.trim().is_empty()
        {
            return Err(Error::Usage("--unique-key must not be empty".into()));
        }
        let pool = ctx.registry().await?;
        let selection = self
            .select
            .resolve(pool, &[], Wanted::Provisioned, "enqueue a job for")
            .await?;
        let platforms = manage::tenants(pool, &selection).await?;
        if platforms.is_empty() {
            return Err(
                Error::NotFound("no provisioned tenant to enqueue for".into())
                    .hint("`tenantctl platform list` shows the platforms and their status"),
            );
        }
        let job = NewJob {
            kind: self.kind.clone(),
            payload,
            run_at,
            unique_key: self.unique_key.clone(),
            priority: self.priority,
            max_attempts: self.max_attempts,
        };
        let made = manage::enqueue(pool, &job, &platforms).await?;
        let created = made.iter().filter(|m| m.created).count();
        if made.len() == 1 {
            let m = &made[0];
            return ctx.out.one(m, || {
                if m.created {
                    format!("job {} queued: {} for {}", m.job_id, self.kind, m.platform)
                } else {
                    format!(
                        "job {} already live for its unique key ({} for {}); nothing new queued",
                        m.job_id, self.kind, m.platform
                    )
                }
            });
        }
        ctx.out.list(&made)?;
        ctx.out.note(&format!(
            "{created} job(s) of kind {} queued for {} tenant(s){}",
            self.kind,
            made.len(),
            if created < made.len() {
                format!("; {} already live for their key", made.len() - created)
            } else {
                String::new()
            }
        ));
        Ok(())
    }
}

/// Flags that pick jobs by state, kind and tenant.
#[derive(Debug, Clone, Args)]
pub struct JobFilter {
    /// Only jobs in this state (repeat or comma list; `live`: every job that will still run)
    #[arg(long, value_enum, value_name = "STATE", value_delimiter = ',')]
    pub state: Vec<StateArg>,
    /// Only jobs of this kind (repeat or comma list)
    #[arg(long, value_name = "KIND", value_delimiter = ',')]
    pub kind: Vec<String>,
    #[command(flatten)]
    pub select: TenantArgs,
}

impl JobFilter {
    async fn resolve(&self, ctx: &Ctx, ids: Vec<i64>, verb: &str) -> Result<Filter> {
        for k in &self.kind {
            check_kind(k)?;
        }
        let pool = ctx.registry().await?;
        let selection = self
            .select
            .resolve(pool, &[], Wanted::WithSchema, verb)
            .await?;
        Ok(Filter {
            ids,
            states: states(&self.state),
            kinds: (!self.kind.is_empty()).then(|| self.kind.clone()),
            selection,
        })
    }
}

#[derive(Debug, Args)]
pub struct List {
    #[command(flatten)]
    pub filter: JobFilter,
    /// Show at most N jobs, the newest first
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: i64,
}

fn state_color(state: &str) -> Option<Color> {
    match state {
        "discarded" => Some(Color::Red),
        "retryable" => Some(Color::Yellow),
        "running" => Some(Color::Cyan),
        "completed" => Some(Color::Green),
        _ => None,
    }
}

/// When a job runs or ran, in words: `in 5m`, `5m ago`.
fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if t > now {
        format!("in {}", duration::age(t - now))
    } else {
        format!("{} ago", duration::age(now - t))
    }
}

fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > max {
        format!("{}…", line.chars().take(max).collect::<String>())
    } else if text.lines().nth(1).is_some() {
        format!("{line} …")
    } else {
        line.to_string()
    }
}

impl Tabular for JobRow {
    fn headers() -> Vec<&'static str> {
        vec![
            "job",
            "kind",
            "platform",
            "state",
            "attempt",
            "run at",
            "last error",
        ]
    }
    fn row(&self, term: &Term) -> Vec<Cell> {
        let now = Utc::now();
        let out = Out {
            format: crate::output::Format::Table,
            term: *term,
            quiet: false,
        };
        let run = match self.status.as_str() {
            "completed" | "discarded" | "cancelled" => self
                .finished_at
                .map(|f| format!("ended {}", when(f, now)))
                .unwrap_or_default(),
            "running" => self
                .locked_by
                .as_deref()
                .map(|w| format!("on {w}"))
                .unwrap_or_default(),
            _ => when(self.run_at, now),
        };
        vec![
            Cell::new(self.id),
            Cell::new(&self.kind),
            Cell::new(self.platform_name.as_deref().unwrap_or("-")),
            out.cell(&self.status, state_color(&self.status)),
            Cell::new(match self.max_attempts {
                Some(m) => format!("{}/{m}", self.attempts),
                None => self.attempts.to_string(),
            }),
            Cell::new(run),
            Cell::new(
                self.last_error
                    .as_deref()
                    .map(|e| first_line(e, 80))
                    .unwrap_or_default(),
            ),
        ]
    }
    fn drop_order() -> Option<Vec<&'static str>> {
        Some(vec!["last error", "run at", "attempt"])
    }
}

impl List {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        if self.limit < 1 {
            return Err(Error::Usage("--limit must be at least 1".into()));
        }
        let filter = self.filter.resolve(ctx, Vec::new(), "list jobs of").await?;
        let pool = ctx.registry().await?;
        let rows = manage::list(pool, &filter, self.limit).await?;
        if rows.len() as i64 == self.limit {
            ctx.out.note(&format!(
                "(the newest {} shown; `--limit` shows more)",
                self.limit
            ));
        }
        ctx.out.list_or(&rows, "no jobs match")
    }
}

#[derive(Debug, Args)]
pub struct Show {
    /// The job's id
    #[arg(value_name = "ID")]
    pub id: i64,
}

impl Show {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let d = manage::show(pool, self.id).await?;
        ctx.out.one(&d, || render_show(&ctx.out, &d))
    }
}

fn render_show(out: &Out, d: &manage::JobDetail) -> String {
    let j = &d.job;
    let now = Utc::now();
    let mut t = format!(
        "job {}: {} for platform {}{}{}\n",
        j.id,
        j.kind,
        j.platform_name.as_deref().unwrap_or("-"),
        j.platform_id
            .map(|i| format!(" (id {i}"))
            .unwrap_or_default(),
        match (j.platform_id, &j.schema_name) {
            (Some(_), Some(s)) => format!(", schema {s})"),
            (Some(_), None) => ")".into(),
            _ => String::new(),
        }
    );
    let of = j
        .max_attempts
        .map(|m| format!(" of {m}"))
        .unwrap_or_else(|| " (the kind's limit)".into());
    let state = match j.status.as_str() {
        "running" => format!(
            "running: attempt {}{of}{}{}",
            j.attempts,
            j.locked_by
                .as_deref()
                .map(|w| format!(" on worker {w}"))
                .unwrap_or_default(),
            j.heartbeat_at
                .map(|h| format!(", last heartbeat {}", when(h, now)))
                .unwrap_or_default()
        ),
        "completed" | "discarded" | "cancelled" => format!(
            "{} after {} attempt(s){}",
            j.status,
            j.attempts,
            j.finished_at
                .map(|f| format!(", {}", when(f, now)))
                .unwrap_or_default()
        ),
        s => format!(
            "{s}: {} attempt(s) made{of}, runs {}",
            j.attempts,
            when(j.run_at, now)
        ),
    };
    t.push_str(&format!("state:      {state}\n"));
    t.push_str(&format!(
        "priority:   {}{}\n",
        j.priority,
        j.unique_key
            .as_deref()
            .map(|k| format!(", unique key {k}"))
            .unwrap_or_default()
    ));
    t.push_str(&format!(
        "created:    {} ({})\n",
        j.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
        when(j.created_at, now)
    ));
    if let Some(e) = &j.last_error {
        t.push_str(&format!("last error: {e}\n"));
    }
    let payload = serde_json::to_string_pretty(&d.payload).unwrap_or_default();
    t.push_str(&format!(
        "payload:    {}\n",
        payload.replace('\n', "\n            ")
    ));
    if d.attempts_made.is_empty() {
        t.push_str("attempts:   none yet\n");
    } else {
        let mut tab = out.table(&["attempt", "outcome", "worker", "started", "took", "error"]);
        for a in &d.attempts_made {
            tab.add_row(vec![
                out.cell(a.attempt, None),
                out.cell(
                    &a.outcome,
                    match a.outcome.as_str() {
                        "completed" => Some(Color::Green),
                        "retry" | "abandoned" => Some(Color::Yellow),
                        "discarded" => Some(Color::Red),
                        _ => None,
                    },
                ),
                out.cell(a.worker.as_deref().unwrap_or("-"), None),
                out.cell(a.started_at.format("%Y-%m-%d %H:%M:%S"), None),
                out.cell(
                    a.duration_seconds
                        .map(duration::elapsed_secs)
                        .unwrap_or_default(),
                    None,
                ),
                out.cell(
                    a.error
                        .as_deref()
                        .map(|e| first_line(e, 100))
                        .unwrap_or_default(),
                    None,
                ),
            ]);
        }
        t.push_str(&format!("attempts:\n{tab}\n"));
    }
    t.trim_end().to_string()
}

#[derive(Debug, Args)]
pub struct Change {
    /// The jobs, by id (or choose them with --state, --kind, --tenant)
    #[arg(value_name = "ID")]
    pub ids: Vec<i64>,
    #[command(flatten)]
    pub filter: JobFilter,
    /// Print the jobs that would change, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// What `jobs retry|discard|cancel` did.
#[derive(Debug, Serialize)]
pub struct ChangeJson {
    pub action: &'static str,
    pub dry_run: bool,
    /// The jobs changed (or, with --dry-run, that would be).
    pub changed: Vec<i64>,
    /// Jobs left alone, and why.
    pub skipped: Vec<manage::Skipped>,
    /// Jobs planned that a worker took or finished before the change.
    pub changed_meanwhile: Vec<i64>,
}

impl Change {
    pub async fn run(self, ctx: &Ctx, action: Action) -> Result<()> {
        let verb = action.as_str();
        let f = self
            .filter
            .resolve(ctx, self.ids.clone(), &format!("{verb} jobs of"))
            .await?;
        if f.is_empty() {
            return Err(Error::Usage(format!(
                "say which jobs to {verb}: give their ids, or choose them with --state, --kind or --tenant"
            ))
            .hint(format!(
                "e.g. `tenantctl jobs {verb} 42`, or `tenantctl jobs {verb} --kind mail --state {}`",
                action.default_states()[0]
            )));
        }
        let pool = ctx.registry().await?;
        let plan = manage::plan(pool, action, &f).await?;
        for s in &plan.skipped {
            ctx.out.note(&format!(
                "job {}: not {}: {}",
                s.job_id,
                action.past(),
                s.reason
            ));
        }
        let ids: Vec<i64> = plan.jobs.iter().map(|j| j.id).collect();
        if self.dry_run || plan.jobs.is_empty() {
            let json = ChangeJson {
                action: verb,
                dry_run: self.dry_run,
                changed: if self.dry_run {
                    ids.clone()
                } else {
                    Vec::new()
                },
                skipped: plan.skipped.clone(),
                changed_meanwhile: Vec::new(),
            };
            if self.dry_run && !plan.jobs.is_empty() {
                if ctx.out.format == crate::output::Format::Json {
                    ctx.out.json(&json)?;
                } else {
                    ctx.out.list(&plan.jobs)?;
                    ctx.out.note(&format!(
                        "dry run: {} job(s) would be {}",
                        plan.jobs.len(),
                        action.past()
                    ));
                }
                return Ok(());
            }
            ctx.out.one(&json, || format!("no job to {verb}"))?;
            return match (plan.skipped.is_empty(), self.ids.is_empty()) {
                (true, _) => Ok(()),
                // Named jobs that could not be changed: the command did not do what it was told.
                (false, false) => Err(Error::Silent(crate::exit_code::FAILURE)),
                (false, true) => Ok(()),
            };
        }
        if plan.jobs.len() > 1 {
            ctx.confirm(&format!(
                "{verb} {} jobs ({})?",
                plan.jobs.len(),
                summary_by_kind(&plan.jobs)
            ))
            .await?;
        }
        let changed = manage::apply(pool, action, &plan.jobs).await?;
        let meanwhile: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| !changed.contains(i))
            .collect();
        for id in &meanwhile {
            ctx.out.note(&format!(
                "job {id}: not {}: a worker took or finished it meanwhile",
                action.past()
            ));
        }
        let json = ChangeJson {
            action: verb,
            dry_run: false,
            changed: changed.clone(),
            skipped: plan.skipped.clone(),
            changed_meanwhile: meanwhile.clone(),
        };
        ctx.out.one(&json, || {
            let mut t = format!("{} job(s) {}", changed.len(), action.past());
            if changed.len() <= 10 && !changed.is_empty() {
                let list: Vec<String> = changed.iter().map(|i| i.to_string()).collect();
                t.push_str(&format!(": {}", list.join(", ")));
            }
            let left = plan.skipped.len() + meanwhile.len();
            if left > 0 {
                t.push_str(&format!("; {left} left alone (see above)"));
            }
            t
        })?;
        let named_left =
            !self.ids.is_empty() && (!plan.skipped.is_empty() || !meanwhile.is_empty());
        if named_left || (!meanwhile.is_empty() && changed.is_empty()) {
            return Err(Error::Silent(if changed.is_empty() {
                crate::exit_code::FAILURE
            } else {
                crate::exit_code::PARTIAL
            }));
        }
        Ok(())
    }
}

/// `mail: 30, webhook: 7`.
fn summary_by_kind(jobs: &[JobRow]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for j in jobs {
        match counts.iter_mut().find(|(k, _)| *k == j.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((&j.kind, 1)),
        }
    }
    counts
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Args)]
pub struct Stats {
    /// Count by kind or by tenant
    #[arg(long, value_enum, default_value = "kind")]
    pub by: ByArg,
    /// How far back attempts count, like 1h or 1d
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = crate::output::duration::parse)]
    pub since: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ByArg {
    Kind,
    Tenant,
}

/// `jobs stats --output json`.
#[derive(Debug, Serialize)]
pub struct StatsJson {
    pub by: &'static str,
    pub window_seconds: f64,
    pub groups: Vec<GroupStats>,
    pub total: GroupStats,
}

impl Stats {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let by = match self.by {
            ByArg::Kind => GroupBy::Kind,
            ByArg::Tenant => GroupBy::Tenant,
        };
        let pool = ctx.registry().await?;
        let groups = stats::collect(pool, by, self.since).await?;
        let total = stats::total(&groups);
        let json = StatsJson {
            by: by.as_str(),
            window_seconds: self.since.as_secs_f64(),
            groups,
            total,
        };
        ctx.out
            .one(&json, || render_stats(&ctx.out, &json, self.since))
    }
}

fn render_stats(out: &Out, s: &StatsJson, since: Duration) -> String {
    if s.groups.is_empty() {
        return "the queue is empty".into();
    }
    let window = duration::setting(since);
    let ok_h = format!("ok in {window}");
    let failed_h = format!("failed in {window}");
    let mut t = out.table(&[
        s.by,
        "scheduled",
        "available",
        "running",
        "retryable",
        "completed",
        "discarded",
        "cancelled",
        "oldest ready",
        &ok_h,
        &failed_h,
        "p50",
        "p95",
    ]);
    let rows = s.groups.iter().chain(std::iter::once(&s.total));
    for g in rows {
        let secs = |v: Option<f64>| v.map(duration::elapsed_secs).unwrap_or_default();
        t.add_row(vec![
            out.cell(&g.group, None),
            out.cell(g.scheduled, None),
            out.cell(g.available, None),
            out.cell(g.running, None),
            out.cell(g.retryable, (g.retryable > 0).then_some(Color::Yellow)),
            out.cell(g.completed, None),
            out.cell(g.discarded, (g.discarded > 0).then_some(Color::Red)),
            out.cell(g.cancelled, None),
            out.cell(
                g.oldest_ready_seconds
                    .map(|x| duration::age(chrono::Duration::seconds(x as i64)))
                    .unwrap_or_default(),
                None,
            ),
            out.cell(g.attempts_completed, None),
            out.cell(
                g.attempts_failed,
                (g.attempts_failed > 0).then_some(Color::Red),
            ),
            out.cell(secs(g.attempt_p50_seconds), None),
            out.cell(secs(g.attempt_p95_seconds), None),
        ]);
    }
    t.to_string()
}

#[derive(Debug, Args)]
pub struct Schedules {}

impl Tabular for schedules::ScheduleView {
    fn headers() -> Vec<&'static str> {
        vec![
            "schedule",
            "kind",
            "every",
            "at (UTC)",
            "for",
            "next slot",
            "last slot",
            "jobs",
        ]
    }
    fn row(&self, _term: &Term) -> Vec<Cell> {
        vec![
            Cell::new(&self.schedule),
            Cell::new(&self.kind),
            Cell::new(&self.every),
            Cell::new(&self.at),
            Cell::new(match (self.per_tenant, &self.tenant) {
                (true, _) => "each tenant".to_string(),
                (false, Some(t)) => t.clone(),
                (false, None) => "the host".to_string(),
            }),
            Cell::new(if self.enabled {
                self.next_slot.format("%Y-%m-%d %H:%M").to_string()
            } else {
                "disabled".to_string()
            }),
            Cell::new(
                self.last_slot
                    .map(|s| s.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".into()),
            ),
            Cell::new(self.last_jobs.map(|j| j.to_string()).unwrap_or_default()),
        ]
    }
}

impl Schedules {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let views = schedules::views(pool, &ctx.settings().schedules, Utc::now()).await?;
        ctx.out.list_or(
            &views,
            "no schedules configured (add [jobs.schedules.NAME] to the configuration file; see docs/jobs.md)",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn at_takes_a_time_or_a_delay() {
        let now = utc("2026-12-07T10:00:00Z");
        assert_eq!(
            parse_at("2026-12-08T03:00:00Z", now).unwrap(),
            utc("2026-12-08T03:00:00Z")
        );
        assert_eq!(
            parse_at("2026-12-08T04:00:00+01:00", now).unwrap(),
            utc("2026-12-08T03:00:00Z")
        );
        assert_eq!(
            parse_at("2026-12-08 03:00", now).unwrap(),
            utc("2026-12-08T03:00:00Z")
        );
        assert_eq!(parse_at("10m", now).unwrap(), utc("2026-12-07T10:10:00Z"));
        assert_eq!(
            parse_at("in 1h 30m", now).unwrap(),
            utc("2026-12-07T11:30:00Z")
        );
        assert!(
            parse_at("tomorrow", now)
                .unwrap_err()
                .contains("not a time")
        );
    }

    #[test]
    fn live_spells_out_its_states_once() {
        assert_eq!(
            states(&[StateArg::Retryable, StateArg::Live]).unwrap(),
            ["retryable", "scheduled", "available", "running"]
        );
        assert_eq!(states(&[]), None);
    }

    #[test]
    fn kind_names() {
        assert!(check_kind("mail").is_ok());
        assert!(check_kind("app.send-digest_v2").is_ok());
        for bad in ["", "a b", "x;drop", "Mail", "1st", &"k".repeat(64)] {
            assert!(check_kind(bad).is_err(), "{bad:?}");
        }
    }
}
