//! The built-in reports: schema sizes from the catalog, provisioning outcomes and times from
//! `tenantctl.provision_attempts` (overall and per day), backup ages from the registry and
//! `tenantctl.backups`, and the provision history for CSV export. Each is one or two catalog or
//! bookkeeping queries, never a statement per tenant schema.

use crate::error::{Error, Result};
use crate::output::{Tabular, Term, duration, human_bytes};
use crate::provision::AttemptOutcome;
use crate::registry::tenants::tenant_sql;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use comfy_table::{Cell, Color};
use serde::Serialize;
use sqlx::PgPool;
use std::time::Duration;

fn colored(term: &Term, text: impl ToString, color: Option<Color>) -> Cell {
    let c = Cell::new(text);
    match color {
        Some(col) if term.color => c.fg(col),
        _ => c,
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

// ---------------------------------------------------------------------------------------------
// sizes

/// One tenant schema's size, from the catalog (live, not the last recorded figure).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SchemaSize {
    pub platform_id: i64,
    pub platform: String,
    pub schema: String,
    /// False when the schema was dropped outside tenantctl.
    pub exists: bool,
    /// Tables, TOAST, free-space and visibility maps, sequences and materialized views.
    pub table_bytes: i64,
    pub index_bytes: i64,
    /// `table_bytes + index_bytes`.
    pub total_bytes: i64,
    pub tables: i64,
    /// The planner's row estimate (`pg_class.reltuples`; 0 for never-analysed tables).
    pub rows_estimate: i64,
    /// `platforms.schema_size_bytes`, as the last backup recorded it.
    pub recorded_bytes: Option<i64>,
    /// On Citus (absent without it): the `host:port` of the node holding the distributed
    /// schema, null when it is local to the coordinator. The sizes of a distributed schema
    /// are its shards' on that node.
    #[sqlx(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<Option<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SizeSort {
    /// Largest first
    Size,
    /// By platform name
    Name,
    /// Most tables first
    Tables,
    /// Most rows (estimated) first
    Rows,
}

/// Sizes of every completed tenant schema, in one catalog query.
pub async fn sizes(pool: &PgPool, sort: SizeSort) -> Result<Vec<SchemaSize>> {
    // language=PostgreSQL
    let mut rows = sqlx::query_as::<_, SchemaSize>(
        concat!(
            "SELECT p.id AS platform_id, p.name AS platform, p.schema_name AS schema,
                n.oid IS NOT NULL AS exists,
                coalesce(s.table_bytes, 0)::int8 AS table_bytes,
                coalesce(s.index_bytes, 0)::int8 AS index_bytes,
                (coalesce(s.table_bytes, 0) + coalesce(s.index_bytes, 0))::int8 AS total_bytes,
                coalesce(s.tables, 0)::int8 AS tables,
                coalesce(s.rows_estimate, 0)::int8 AS rows_estimate,
                p.schema_size_bytes AS recorded_bytes
         FROM public.platforms p
         LEFT JOIN pg_namespace n ON n.nspname = p.schema_name
         -- One pass over pg_class, grouped by schema (issue 29): pg_class has no index on
         -- relnamespace, so a subquery per tenant would read all of it once per tenant.
         LEFT JOIN (
             SELECT c.relnamespace,
                    sum(pg_table_size(c.oid)) FILTER (WHERE c.relkind IN ('r', 'm', 'S')) AS table_bytes,
                    sum(pg_indexes_size(c.oid)) FILTER (WHERE c.relkind IN ('r', 'm')) AS index_bytes,
                    count(*) FILTER (WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition) AS tables,
                    sum(greatest(c.reltuples, 0)) FILTER (WHERE c.relkind = 'r') AS rows_estimate
             FROM pg_class c
             WHERE c.relkind IN ('r', 'm', 'S', 'p')
             GROUP BY c.relnamespace
         ) s ON s.relnamespace = n.oid
         WHERE ",
            tenant_sql!(),
            "
         ORDER BY p.id"
        ),
    )
    .fetch_all(pool)
    .await?;
    // A row edited by hand to `public` (or any name that breaks the rules) is no tenant: its
    // "size" would be the registry's schema. `status` lists it.
    rows.retain(|r| crate::registry::tenant_schema(r.platform_id, &r.platform, &r.schema).is_ok());
    if crate::db::citus::present() {
        citus_sizes(pool, &mut rows).await?;
    }
    sort_sizes(&mut rows, sort);
    Ok(rows)
}

/// On Citus: each row's node, and the sizes of distributed schemas from their shards (the
/// coordinator holds only empty shell tables). When a node cannot be asked, the catalog's
/// figures stay and a warning is logged.
async fn citus_sizes(pool: &PgPool, rows: &mut [SchemaSize]) -> Result<()> {
    let placed = {
        let mut conn = pool.acquire().await?;
        crate::placement::node_by_schema(&mut conn).await?
    };
    // language=PostgreSQL
    let sizes: std::result::Result<Vec<(String, i64, i64)>, sqlx::Error> = sqlx::query_as(
        "SELECT n.nspname::text, coalesce(sum(citus_table_size(p.logicalrelid)), 0)::int8,                 coalesce(sum(citus_total_relation_size(p.logicalrelid)), 0)::int8          FROM pg_dist_schema d JOIN pg_namespace n ON n.oid = d.schemaid          JOIN pg_class c ON c.relnamespace = d.schemaid          JOIN pg_dist_partition p ON p.logicalrelid = c.oid GROUP BY 1",
    )
    .fetch_all(pool)
    .await;
    let sizes: std::collections::HashMap<String, (i64, i64)> = match sizes {
        Ok(v) => v.into_iter().map(|(s, t, all)| (s, (t, all))).collect(),
        Err(e) => {
            tracing::warn!(
                "sizes of distributed schemas unavailable (a node down?): {}",
                crate::error::describe(&e)
            );
            Default::default()
        }
    };
    for r in rows.iter_mut() {
        r.node = Some(placed.get(&r.schema).map(ToString::to_string));
        if let Some((table, total)) = sizes.get(&r.schema) {
            r.table_bytes = *table;
            r.index_bytes = total - table;
            r.total_bytes = *total;
        }
    }
    Ok(())
}

pub fn sort_sizes(rows: &mut [SchemaSize], sort: SizeSort) {
    match sort {
        SizeSort::Size => rows.sort_by_key(|a| std::cmp::Reverse(a.total_bytes)),
        SizeSort::Name => rows.sort_by_key(|a| a.platform.to_lowercase()),
        SizeSort::Tables => rows.sort_by_key(|a| std::cmp::Reverse(a.tables)),
        SizeSort::Rows => rows.sort_by_key(|a| std::cmp::Reverse(a.rows_estimate)),
    }
}

impl Tabular for SchemaSize {
    fn headers() -> Vec<&'static str> {
        vec![
            "platform", "schema", "total", "tables", "indexes", "tables#", "rows~", "recorded",
        ]
    }
    fn row(&self, term: &Term) -> Vec<Cell> {
        if !self.exists {
            return vec![
                Cell::new(&self.platform),
                Cell::new(&self.schema),
                colored(term, "schema missing", Some(Color::Red)),
                Cell::new("-"),
                Cell::new("-"),
                Cell::new("-"),
                Cell::new("-"),
                Cell::new(self.recorded_bytes.map(human_bytes).unwrap_or("-".into())),
            ];
        }
        let schema = match &self.node {
            Some(Some(node)) => format!("{} @ {node}", self.schema),
            Some(None) => format!("{} (coordinator)", self.schema),
            None => self.schema.clone(),
        };
        vec![
            Cell::new(&self.platform),
            Cell::new(schema),
            Cell::new(human_bytes(self.total_bytes)),
            Cell::new(human_bytes(self.table_bytes)),
            Cell::new(human_bytes(self.index_bytes)),
            Cell::new(self.tables),
            Cell::new(self.rows_estimate),
            Cell::new(self.recorded_bytes.map(human_bytes).unwrap_or("-".into())),
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// provisioning

/// A platform in `provisioning` for longer than `provision.stuck_after`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct StuckPlatform {
    pub platform_id: i64,
    pub platform: String,
    pub schema: Option<String>,
    /// When its current attempt started (or its status last changed).
    pub since: DateTime<Utc>,
}

/// A platform whose provisioning failed, with the error.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct FailedPlatform {
    pub platform_id: i64,
    pub platform: String,
    pub error: Option<String>,
    pub failed_at: DateTime<Utc>,
}

/// One failed attempt.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AttemptError {
    pub platform: String,
    pub attempt: i32,
    pub started_at: DateTime<Utc>,
    pub error: Option<String>,
}

/// `report provisioning`: outcomes and times over a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisioningReport {
    pub since: DateTime<Utc>,
    pub attempts: i64,
    pub completed: i64,
    pub failed: i64,
    pub running: i64,
    /// completed / (completed + failed); null without finished attempts.
    pub success_rate: Option<f64>,
    pub avg_seconds: Option<f64>,
    pub p95_seconds: Option<f64>,
    pub stuck_after_seconds: f64,
    pub stuck: Vec<StuckPlatform>,
    pub failed_platforms: Vec<FailedPlatform>,
    pub recent_errors: Vec<AttemptError>,
}

#[derive(sqlx::FromRow)]
struct Totals {
    attempts: i64,
    completed: i64,
    failed: i64,
    running: i64,
    avg_seconds: Option<f64>,
    p95_seconds: Option<f64>,
}

/// Platforms stuck in `provisioning` longer than `stuck_after`.
pub async fn stuck(pool: &PgPool, stuck_after: Duration) -> Result<Vec<StuckPlatform>> {
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, StuckPlatform>(
        "SELECT p.id AS platform_id, p.name AS platform, p.schema_name AS schema,
                coalesce(a.started_at, p.updated_at) AS since
         FROM public.platforms p
         LEFT JOIN LATERAL (
             SELECT started_at FROM tenantctl.provision_attempts a
             WHERE a.platform_id = p.id AND a.outcome = 'running'
             ORDER BY started_at DESC LIMIT 1
         ) a ON true
         WHERE p.provision_status = 'provisioning'
           AND coalesce(a.started_at, p.updated_at) < now() - make_interval(secs => $1)
         ORDER BY since",
    )
    .bind(secs(stuck_after))
    .fetch_all(pool)
    .await?)
}

/// Platforms whose provisioning failed, newest first.
pub async fn failed_platforms(pool: &PgPool) -> Result<Vec<FailedPlatform>> {
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, FailedPlatform>(
        "SELECT id AS platform_id, name AS platform, provision_error AS error, updated_at AS failed_at
         FROM public.platforms WHERE provision_status = 'failed' ORDER BY updated_at DESC, id",
    )
    .fetch_all(pool)
    .await?)
}

pub async fn provisioning(
    pool: &PgPool,
    window: Duration,
    stuck_after: Duration,
) -> Result<ProvisioningReport> {
    let since = Utc::now()
        - chrono::Duration::from_std(window)
            .map_err(|_| Error::Usage("--since is too long".into()))?;
    // language=PostgreSQL
    let t = sqlx::query_as::<_, Totals>(
        "SELECT count(*) AS attempts,
                count(*) FILTER (WHERE outcome = 'completed') AS completed,
                count(*) FILTER (WHERE outcome = 'failed') AS failed,
                count(*) FILTER (WHERE outcome = 'running') AS running,
                avg(extract(epoch FROM finished_at - started_at)::float8)
                    FILTER (WHERE outcome = 'completed' AND finished_at IS NOT NULL) AS avg_seconds,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)::float8)
                    FILTER (WHERE outcome = 'completed' AND finished_at IS NOT NULL) AS p95_seconds
         FROM tenantctl.provision_attempts WHERE started_at >= $1",
    )
    .bind(since)
    .fetch_one(pool)
    .await?;
    // language=PostgreSQL
    let recent_errors = sqlx::query_as::<_, AttemptError>(
        "SELECT platform_name AS platform, attempt, started_at, error
         FROM tenantctl.provision_attempts
         WHERE outcome = 'failed' AND started_at >= $1
         ORDER BY started_at DESC, id DESC LIMIT 10",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    let finished = t.completed + t.failed;
    Ok(ProvisioningReport {
        since,
        attempts: t.attempts,
        completed: t.completed,
        failed: t.failed,
        running: t.running,
        success_rate: (finished > 0).then(|| t.completed as f64 / finished as f64),
        avg_seconds: t.avg_seconds,
        p95_seconds: t.p95_seconds,
        stuck_after_seconds: secs(stuck_after),
        stuck: stuck(pool, stuck_after).await?,
        failed_platforms: failed_platforms(pool).await?,
        recent_errors,
    })
}

impl ProvisioningReport {
    /// The human text of the report.
    pub fn human(&self, out: &crate::output::Out) -> String {
        let now = Utc::now();
        let opt = |v: Option<f64>| v.map(duration::elapsed_secs).unwrap_or_else(|| "-".into());
        let mut s = format!(
            "provisioning since {} ({} attempts)\n  success rate  {}\n  completed     {}\n  failed        {}\n  running       {}\n  average time  {}\n  p95 time      {}\n",
            self.since.format("%Y-%m-%d %H:%M UTC"),
            self.attempts,
            self.success_rate
                .map(|r| format!("{:.1}%", r * 100.0))
                .unwrap_or_else(|| "-".into()),
            self.completed,
            self.failed,
            self.running,
            opt(self.avg_seconds),
            opt(self.p95_seconds),
        );
        let stuck_after = duration::setting(Duration::from_secs_f64(self.stuck_after_seconds));
        if self.stuck.is_empty() {
            s.push_str(&format!("\nstuck (> {stuck_after}): none\n"));
        } else {
            let mut t = out.table(&["platform", "schema", "provisioning for"]);
            for p in &self.stuck {
                t.add_row(vec![
                    out.cell(&p.platform, None),
                    out.cell(p.schema.as_deref().unwrap_or("-"), None),
                    out.cell(duration::age(now - p.since), Some(Color::Yellow)),
                ]);
            }
            s.push_str(&format!(
                "\nstuck (> {stuck_after}): {}\n{t}\n",
                self.stuck.len()
            ));
        }
        if !self.failed_platforms.is_empty() {
            let mut t = out.table(&["platform", "failed", "error"]);
            for p in &self.failed_platforms {
                t.add_row(vec![
                    out.cell(&p.platform, None),
                    out.cell(format!("{} ago", duration::age(now - p.failed_at)), None),
                    out.cell(p.error.as_deref().unwrap_or("-"), Some(Color::Red)),
                ]);
            }
            s.push_str(&format!(
                "\nfailed platforms: {}\n{t}\n",
                self.failed_platforms.len()
            ));
        }
        if !self.recent_errors.is_empty() {
            let mut t = out.table(&["when", "platform", "attempt", "error"]);
            for e in &self.recent_errors {
                t.add_row(vec![
                    out.cell(e.started_at.format("%Y-%m-%d %H:%M"), None),
                    out.cell(&e.platform, None),
                    out.cell(e.attempt, None),
                    out.cell(e.error.as_deref().unwrap_or("-"), None),
                ]);
            }
            s.push_str(&format!("\nrecent errors:\n{t}\n"));
        }
        s.trim_end().to_string()
    }
}

/// One day of `report provisioning --by day`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Day {
    pub day: NaiveDate,
    pub attempts: i64,
    pub completed: i64,
    pub failures: i64,
    pub avg_seconds: Option<f64>,
}

/// Attempts, failures and average provision time per UTC day over the last `days` days
/// (today included), every day present even without attempts.
pub async fn by_day(pool: &PgPool, days: u32) -> Result<Vec<Day>> {
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, Day>(
        "SELECT d::date AS day,
                count(a.id) AS attempts,
                count(a.id) FILTER (WHERE a.outcome = 'completed') AS completed,
                count(a.id) FILTER (WHERE a.outcome = 'failed') AS failures,
                avg(extract(epoch FROM a.finished_at - a.started_at)::float8)
                    FILTER (WHERE a.outcome = 'completed' AND a.finished_at IS NOT NULL) AS avg_seconds
         FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => $1 - 1),
                              date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS d
         LEFT JOIN tenantctl.provision_attempts a
                ON a.started_at >= d AT TIME ZONE 'UTC' AND a.started_at < (d + interval '1 day') AT TIME ZONE 'UTC'
         GROUP BY d ORDER BY d",
    )
    .bind(days.max(1) as i32)
    .fetch_all(pool)
    .await?)
}

impl Tabular for Day {
    fn headers() -> Vec<&'static str> {
        vec!["day", "attempts", "completed", "failures", "avg time"]
    }
    fn row(&self, term: &Term) -> Vec<Cell> {
        vec![
            Cell::new(self.day),
            Cell::new(self.attempts),
            Cell::new(self.completed),
            colored(
                term,
                self.failures,
                (self.failures > 0).then_some(Color::Red),
            ),
            Cell::new(
                self.avg_seconds
                    .map(duration::elapsed_secs)
                    .unwrap_or_else(|| "-".into()),
            ),
        ]
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of the values, lowest `▁` to highest `█`; a missing value is a blank. All equal
/// values draw flat at the bottom, so a quiet month reads as a flat line.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let (lo, hi) = present
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(v) if hi > lo => {
                let i = ((v - lo) / (hi - lo) * (BARS.len() - 1) as f64).round() as usize;
                BARS[i.min(BARS.len() - 1)]
            }
            Some(_) => BARS[0],
        })
        .collect()
}

/// The trend lines under the per-day table: failures and average time, oldest day first.
pub fn trend_lines(days: &[Day]) -> Vec<String> {
    let failures: Vec<Option<f64>> = days.iter().map(|d| Some(d.failures as f64)).collect();
    let avg: Vec<Option<f64>> = days.iter().map(|d| d.avg_seconds).collect();
    let max_fail = days.iter().map(|d| d.failures).max().unwrap_or(0);
    let (lo, hi) = days
        .iter()
        .filter_map(|d| d.avg_seconds)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let range = if lo.is_finite() {
        format!(
            "{} – {}",
            duration::elapsed_secs(lo),
            duration::elapsed_secs(hi)
        )
    } else {
        "no completed attempts".into()
    };
    vec![
        format!(
            "failures  {}  (0 – {max_fail} per day)",
            sparkline(&failures)
        ),
        format!("avg time  {}  ({range})", sparkline(&avg)),
    ]
}

// ---------------------------------------------------------------------------------------------
// backups

/// How old a platform's last backup is, against `status.backup_warn_age` / `backup_crit_age`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum BackupState {
    Ok,
    /// Older than the warning age (24 h by default).
    Stale,
    /// Older than the critical age (7 days by default).
    Critical,
}

/// Classify a backup age. A platform never backed up counts from when it was provisioned, so a
/// tenant created an hour ago is not yet stale. Pure.
pub fn backup_state(age: chrono::Duration, warn: Duration, crit: Duration) -> BackupState {
    let age = age.to_std().unwrap_or_default();
    if age > crit {
        BackupState::Critical
    } else if age > warn {
        BackupState::Stale
    } else {
        BackupState::Ok
    }
}

/// A platform's backup state, the one rule `status`, `report backups` and `platform list`
/// share: the age of its last backup (one dated after now, a clock that ran ahead, does not
/// count), or, when it has none, the time since it was provisioned. Pure.
pub fn backup_state_of(
    last_backup_at: Option<DateTime<Utc>>,
    provisioned_at: DateTime<Utc>,
    now: DateTime<Utc>,
    warn: Duration,
    crit: Duration,
) -> BackupState {
    let last = last_backup_at.filter(|t| *t <= now);
    backup_state(now - last.unwrap_or(provisioned_at), warn, crit)
}

/// One platform's backups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupRow {
    pub platform_id: i64,
    pub platform: String,
    pub schema: String,
    pub last_backup_at: Option<DateTime<Utc>>,
    /// Seconds since the last backup, or since provisioning when there is none.
    pub age_seconds: i64,
    pub never: bool,
    pub state: BackupState,
    pub last_size_bytes: Option<i64>,
    pub backups: i64,
    /// Backups dated after now (a clock that ran ahead, a copied record): counted here,
    /// never as the last backup.
    pub future_backups: i64,
    pub stored_bytes: i64,
    pub schema_size_bytes: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct BackupFacts {
    platform_id: i64,
    platform: String,
    schema: String,
    last_backup_at: Option<DateTime<Utc>>,
    reference: DateTime<Utc>,
    last_size_bytes: Option<i64>,
    backups: i64,
    future_backups: i64,
    stored_bytes: i64,
    schema_size_bytes: Option<i64>,
}

/// Every completed tenant's backup age and sizes, oldest first.
pub async fn backups(pool: &PgPool, warn: Duration, crit: Duration) -> Result<Vec<BackupRow>> {
    // language=PostgreSQL
    let facts = sqlx::query_as::<_, BackupFacts>(
        concat!(
            "SELECT p.id AS platform_id, p.name AS platform, p.schema_name AS schema,
                greatest(CASE WHEN p.last_backup_at <= now() THEN p.last_backup_at END, b.last_taken)
                    AS last_backup_at,
                coalesce(p.provisioned_at, p.created_at) AS reference,
                b.last_size AS last_size_bytes,
                coalesce(b.n, 0) AS backups,
                coalesce(b.future, 0) AS future_backups,
                coalesce(b.total, 0)::int8 AS stored_bytes,
                p.schema_size_bytes
         FROM public.platforms p
         LEFT JOIN LATERAL (
             -- A backup dated after now is never the last one (issue 15.8).
             SELECT max(taken_at) FILTER (WHERE taken_at <= now()) AS last_taken, count(*) AS n,
                    count(*) FILTER (WHERE taken_at > now()) AS future,
                    sum(size_bytes) AS total,
                    (SELECT x.size_bytes FROM tenantctl.backups x WHERE x.platform_id = p.id
                     AND x.taken_at <= now() ORDER BY x.taken_at DESC, x.id DESC LIMIT 1) AS last_size
             FROM tenantctl.backups b WHERE b.platform_id = p.id
         ) b ON true
         WHERE ",
            tenant_sql!(),
            "
         ORDER BY p.id"
        ),
    )
    .fetch_all(pool)
    .await?;
    let now = Utc::now();
    let mut rows: Vec<BackupRow> = facts
        .into_iter()
        // A schema name that breaks the rules is no tenant (`status` lists it apart).
        .filter(|f| crate::registry::tenant_schema(f.platform_id, &f.platform, &f.schema).is_ok())
        .map(|f| {
            let age = now - f.last_backup_at.unwrap_or(f.reference);
            BackupRow {
                platform_id: f.platform_id,
                platform: f.platform,
                schema: f.schema,
                last_backup_at: f.last_backup_at,
                age_seconds: age.num_seconds().max(0),
                never: f.last_backup_at.is_none(),
                state: backup_state_of(f.last_backup_at, f.reference, now, warn, crit),
                last_size_bytes: f.last_size_bytes,
                backups: f.backups,
                future_backups: f.future_backups,
                stored_bytes: f.stored_bytes,
                schema_size_bytes: f.schema_size_bytes,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.never
            .cmp(&a.never)
            .then(b.age_seconds.cmp(&a.age_seconds))
    });
    Ok(rows)
}

impl Tabular for BackupRow {
    fn headers() -> Vec<&'static str> {
        vec![
            "platform",
            "schema",
            "last backup",
            "state",
            "last size",
            "backups",
            "stored",
            "schema size",
        ]
    }
    fn row(&self, term: &Term) -> Vec<Cell> {
        let age = duration::age(chrono::Duration::seconds(self.age_seconds));
        let last = match self.last_backup_at {
            Some(_) => format!("{age} ago"),
            None => format!("never (provisioned {age} ago)"),
        };
        let (state, color) = match self.state {
            BackupState::Ok => ("ok", None),
            BackupState::Stale => ("stale", Some(Color::Yellow)),
            BackupState::Critical => ("critical", Some(Color::Red)),
        };
        let dash = || "-".to_string();
        vec![
            Cell::new(&self.platform),
            Cell::new(&self.schema),
            Cell::new(last),
            colored(term, state, color),
            Cell::new(self.last_size_bytes.map(human_bytes).unwrap_or_else(dash)),
            Cell::new(self.backups),
            Cell::new(human_bytes(self.stored_bytes)),
            Cell::new(self.schema_size_bytes.map(human_bytes).unwrap_or_else(dash)),
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// history

/// One provision attempt, for CSV export. Field names are the CSV header.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Attempt {
    #[serde(rename = "attempt_id")]
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<f64>,
    pub platform_id: Option<i64>,
    pub platform: String,
    pub schema: Option<String>,
    pub job_id: Option<i64>,
    pub attempt: i32,
    pub outcome: AttemptOutcome,
    pub error: Option<String>,
}

impl Tabular for Attempt {
    fn headers() -> Vec<&'static str> {
        vec![
            "id", "started", "duration", "platform", "attempt", "outcome", "error",
        ]
    }
    fn row(&self, term: &Term) -> Vec<Cell> {
        let color = match self.outcome {
            AttemptOutcome::Failed => Some(Color::Red),
            AttemptOutcome::Running => Some(Color::Cyan),
            AttemptOutcome::Completed => None,
        };
        vec![
            Cell::new(self.id),
            Cell::new(self.started_at.format("%Y-%m-%d %H:%M:%S")),
            Cell::new(
                self.duration_seconds
                    .map(duration::elapsed_secs)
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::new(&self.platform),
            Cell::new(self.attempt),
            colored(term, self.outcome.as_str(), color),
            Cell::new(self.error.as_deref().unwrap_or("")),
        ]
    }
}

/// The CSV header of [`history_csv`], in [`Attempt`]'s field order.
pub const ATTEMPT_CSV_HEADER: &[&str] = &[
    "attempt_id",
    "started_at",
    "finished_at",
    "duration_seconds",
    "platform_id",
    "platform",
    "schema",
    "job_id",
    "attempt",
    "outcome",
    "error",
];

/// Attempts as CSV: the header (also without rows), then one line per attempt, fields in
/// [`ATTEMPT_CSV_HEADER`] order, times in RFC 3339.
pub fn history_csv(rows: &[Attempt]) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(ATTEMPT_CSV_HEADER)
        .map_err(anyhow::Error::from)?;
    for r in rows {
        w.serialize(r).map_err(anyhow::Error::from)?;
    }
    Ok(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
}

/// A `--from`/`--to` bound: `YYYY-MM-DD` (a UTC day) or an RFC 3339 time. For `--to`, a day
/// means the end of that day. Pure.
pub fn parse_bound(raw: &str, end_of_day: bool) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) => {
            let d = if end_of_day {
                d.succ_opt()
                    .ok_or_else(|| Error::Usage(format!("date `{raw}` is out of range")))?
            } else {
                d
            };
            Ok(Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)))
        }
        Err(_) => Err(Error::Usage(format!(
            "`{raw}` is not a date: use YYYY-MM-DD or an RFC 3339 time like 2026-11-26T08:00:00Z"
        ))),
    }
}

/// Provision attempts started in `[from, to)`, oldest first.
pub async fn history(
    pool: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Attempt>> {
    if from >= to {
        return Err(Error::Usage(format!(
            "--from ({}) must be before --to ({})",
            from.to_rfc3339(),
            to.to_rfc3339()
        )));
    }
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, Attempt>(
        "SELECT id, started_at, finished_at,
                extract(epoch FROM finished_at - started_at)::float8 AS duration_seconds,
                platform_id, platform_name AS platform, schema_name AS schema, job_id, attempt,
                outcome, error
         FROM tenantctl.provision_attempts
         WHERE started_at >= $1 AND started_at < $2
         ORDER BY started_at, id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_between_low_and_high() {
        assert_eq!(sparkline(&[Some(0.0), Some(7.0), None, Some(3.5)]), "▁█ ▅");
        assert_eq!(sparkline(&[Some(2.0), Some(2.0)]), "▁▁");
        assert_eq!(sparkline(&[None, None]), "  ");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn backup_states() {
        let warn = Duration::from_secs(24 * 3600);
        let crit = Duration::from_secs(7 * 24 * 3600);
        assert_eq!(
            backup_state(chrono::Duration::hours(23), warn, crit),
            BackupState::Ok
        );
        assert_eq!(
            backup_state(chrono::Duration::hours(25), warn, crit),
            BackupState::Stale
        );
        assert_eq!(
            backup_state(chrono::Duration::days(8), warn, crit),
            BackupState::Critical
        );
        assert_eq!(
            backup_state(chrono::Duration::seconds(-5), warn, crit),
            BackupState::Ok
        );
    }

    #[test]
    fn bounds() {
        assert_eq!(
            parse_bound("2026-11-01", false).unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_bound("2026-11-01", true).unwrap().to_rfc3339(),
            "2026-11-02T00:00:00+00:00"
        );
        assert_eq!(
            parse_bound("2026-11-01T08:30:00+02:00", true)
                .unwrap()
                .to_rfc3339(),
            "2026-11-01T06:30:00+00:00"
        );
        assert!(
            parse_bound("yesterday", false)
                .unwrap_err()
                .to_string()
                .contains("not a date")
        );
    }

    #[test]
    fn history_csv_keeps_field_order_and_header_without_rows() {
        let empty = String::from_utf8(history_csv(&[]).unwrap()).unwrap();
        assert_eq!(empty, format!("{}\n", ATTEMPT_CSV_HEADER.join(",")));
        let a = Attempt {
            id: 7,
            started_at: parse_bound("2026-11-01T10:00:00Z", false).unwrap(),
            finished_at: Some(parse_bound("2026-11-01T10:00:02.5Z", false).unwrap()),
            duration_seconds: Some(2.5),
            platform_id: Some(3),
            platform: "Acme, Inc.".into(),
            schema: Some("tenant_acme".into()),
            job_id: None,
            attempt: 1,
            outcome: AttemptOutcome::Completed,
            error: None,
        };
        let text = String::from_utf8(history_csv(&[a]).unwrap()).unwrap();
        let mut lines = text.lines();
        lines.next();
        assert_eq!(
            lines.next().unwrap(),
            "7,2026-11-01T10:00:00Z,2026-11-01T10:00:02.500Z,2.5,3,\"Acme, Inc.\",tenant_acme,,1,completed,"
        );
    }
}
