//! What the console's platform pages and dashboard read from the registry: the platform list
//! (sorted, filtered and paginated by the server, scoped to the platforms a user may see), one
//! platform's provisioning attempts and its estimated completion, the dashboard's aggregates and
//! the provision history as CSV. Plain library calls, each one or two statements, tested against
//! a real database; the pages only render what they return.
//!
//! Scope: `None` is an operator (every platform), `Some(ids)` an organizer (those platforms
//! only; anything else is as if it did not exist).

use crate::error::{Error, Result};
use crate::registry::{PLATFORM_COLUMNS, Platform, ProvisionStatus};
use chrono::{DateTime, Duration as Span, NaiveDate, Utc};
use futures::TryStreamExt;
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool, Row};
use std::time::Duration;

word_enum! {
    "platform state",
    /// What a platform's badge says: its provisioning status, or `maintenance` over it.
    pub enum Badge {
        Pending = "pending",
        Provisioning = "provisioning",
        Completed = "completed",
        Failed = "failed",
        Maintenance = "maintenance",
    }
}

impl Badge {
    pub fn of(p: &Platform) -> Badge {
        if p.maintenance {
            return Badge::Maintenance;
        }
        match p.provision_status {
            ProvisionStatus::Pending => Badge::Pending,
            ProvisionStatus::Provisioning => Badge::Provisioning,
            ProvisionStatus::Completed => Badge::Completed,
            ProvisionStatus::Failed => Badge::Failed,
        }
    }

    /// The condition on `p` that selects this state.
    fn condition(self) -> &'static str {
        match self {
            Badge::Maintenance => "p.maintenance",
            Badge::Pending => "NOT p.maintenance AND p.provision_status = 'pending'",
            Badge::Provisioning => "NOT p.maintenance AND p.provision_status = 'provisioning'",
            Badge::Completed => "NOT p.maintenance AND p.provision_status = 'completed'",
            Badge::Failed => "NOT p.maintenance AND p.provision_status = 'failed'",
        }
    }
}

word_enum! {
    "sort key",
    /// The platform list's sort keys (`?sort=`).
    pub enum SortKey {
        Name = "name",
        Status = "status",
        Size = "size",
        LastBackup = "last_backup",
        Provisioned = "provisioned",
    }
}

impl SortKey {
    /// The ORDER BY expression: nulls always last, whatever the direction.
    fn expression(self) -> &'static str {
        match self {
            SortKey::Name => "lower(p.name)",
            // Needing attention first: failed, provisioning, pending, maintenance, completed.
            SortKey::Status => {
                "(CASE WHEN p.maintenance THEN 3 WHEN p.provision_status = 'failed' THEN 0 \
                 WHEN p.provision_status = 'provisioning' THEN 1 \
                 WHEN p.provision_status = 'pending' THEN 2 ELSE 4 END)"
            }
            SortKey::Size => "p.schema_size_bytes",
            SortKey::LastBackup => "p.last_backup_at",
            SortKey::Provisioned => "p.provisioned_at",
        }
    }
}

/// Which platforms the list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub state: Option<Badge>,
    /// Part of the name, address or schema, any case.
    pub text: Option<String>,
}

/// One page of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub filter: Filter,
    pub sort: SortKey,
    pub descending: bool,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

impl Default for ListQuery {
    fn default() -> ListQuery {
        ListQuery {
            filter: Filter::default(),
            sort: SortKey::Name,
            descending: false,
            page: 1,
            per_page: 50,
        }
    }
}

/// The most rows one page shows.
pub const MAX_PER_PAGE: u32 = 500;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlatformPage {
    pub platforms: Vec<Platform>,
    /// Platforms matching the filter, on every page.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl PlatformPage {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per)
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

/// The WHERE clause of a filter and a scope; binds $1 (scope ids or null), $2 (the text,
/// lower case, or null). The text is found with `strpos` in one lower-cased string of the
/// name, address and schema: no pattern characters to escape, one search per row.
fn where_clause(filter: &Filter) -> String {
    let mut parts = vec![
        "($1::bigint[] IS NULL OR p.id = ANY ($1::bigint[]))".to_string(),
        // language=PostgreSQL
        "($2::text IS NULL OR strpos(lower(p.name || ' ' || coalesce(p.subdomain, '') || '.' \
         || coalesce(p.domain, '') || ' ' || coalesce(p.schema_name, '')), $2) > 0)"
            .to_string(),
    ];
    if let Some(s) = filter.state {
        parts.push(format!("({})", s.condition()));
    }
    parts.join(" AND ")
}

fn pattern(filter: &Filter) -> Option<String> {
    filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// One page of platforms, sorted and filtered by the server.
///
/// NOTE: the page is chosen by sorting only the ids and the key (narrow rows sort several
/// times faster than whole registry rows at 10,000 platforms), then its rows are read by id.
pub async fn platforms(
    pool: &PgPool,
    scope: Option<&[i64]>,
    q: &ListQuery,
) -> Result<PlatformPage> {
    let per_page = q.per_page.clamp(1, MAX_PER_PAGE);
    let page = q.page.max(1);
    let dir = if q.descending { "DESC" } else { "ASC" };
    let offset = i64::from(page - 1) * i64::from(per_page);
    let w = where_clause(&q.filter);
    // language=PostgreSQL
    let sql = format!(
        "WITH page AS (SELECT p.id, {e} AS k FROM public.platforms p WHERE {w} \
                       ORDER BY k {dir} NULLS LAST, p.id LIMIT $3 OFFSET $4) \
         SELECT {cols} FROM page JOIN public.platforms p ON p.id = page.id \
         ORDER BY page.k {dir} NULLS LAST, p.id",
        cols = PLATFORM_COLUMNS
            .split(", ")
            .map(|c| format!("p.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
        e = q.sort.expression(),
    );
    let platforms = sqlx::query_as(AssertSqlSafe(sql))
        .bind(scope)
        .bind(pattern(&q.filter))
        .bind(i64::from(per_page))
        .bind(offset)
        .fetch_all(pool)
        .await?;
    Ok(PlatformPage {
        platforms,
        total: count(pool, scope, &q.filter).await?,
        page,
        per_page,
    })
}

/// How many platforms match the filter.
pub async fn count(pool: &PgPool, scope: Option<&[i64]>, filter: &Filter) -> Result<i64> {
    // language=PostgreSQL
    let sql = format!(
        "SELECT count(*) FROM public.platforms p WHERE {}",
        where_clause(filter)
    );
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(scope)
        .bind(pattern(filter))
        .fetch_one(pool)
        .await?)
}

/// The failed platforms (not in maintenance) matching `filter` within `scope`, or only those
/// among `only` when given: what a bulk retry retries.
pub async fn failed_matching(
    pool: &PgPool,
    scope: Option<&[i64]>,
    filter: &Filter,
    only: Option<&[i64]>,
) -> Result<Vec<Platform>> {
    let f = Filter {
        state: Some(Badge::Failed),
        text: filter.text.clone(),
    };
    // language=PostgreSQL
    let sql = format!(
        "SELECT {PLATFORM_COLUMNS} FROM public.platforms p WHERE {} \
         AND ($3::bigint[] IS NULL OR p.id = ANY ($3::bigint[])) ORDER BY p.id",
        where_clause(&f)
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(scope)
        .bind(pattern(&f))
        .bind(only)
        .fetch_all(pool)
        .await?)
}

/// One platform by id or by name, within `scope`: `None` when it does not exist or the scope
/// does not hold it (the page then answers 404 either way).
pub async fn platform(pool: &PgPool, scope: Option<&[i64]>, key: &str) -> Result<Option<Platform>> {
    let id: Option<i64> = key.parse().ok();
    // language=PostgreSQL
    let sql = format!(
        "SELECT {PLATFORM_COLUMNS} FROM public.platforms p \
         WHERE ($1::bigint[] IS NULL OR p.id = ANY ($1::bigint[])) \
         AND (p.id = $2 OR lower(p.name) = lower($3)) ORDER BY (p.id = $2) DESC NULLS LAST LIMIT 1"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(scope)
        .bind(id)
        .bind(key)
        .fetch_optional(pool)
        .await?)
}

/// One provisioning attempt, with its error in full.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AttemptRow {
    pub id: i64,
    pub job_id: Option<i64>,
    pub attempt: i32,
    pub via: String,
    pub worker: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: String,
    pub error: Option<String>,
    pub notify_error: Option<String>,
}

impl AttemptRow {
    pub fn duration(&self) -> Option<Duration> {
        self.finished_at
            .and_then(|f| (f - self.started_at).to_std().ok())
    }
}

/// A platform's provisioning attempts, newest first (at most `limit`).
pub async fn attempts(pool: &PgPool, platform_id: i64, limit: i64) -> Result<Vec<AttemptRow>> {
    // language=PostgreSQL
    Ok(sqlx::query_as(
        "SELECT id, job_id, attempt, via, worker, started_at, finished_at, outcome, error, notify_error \
         FROM tenantctl.provision_attempts WHERE platform_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
    )
    .bind(platform_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// How long provisioning takes lately: the mean of the last completed attempts, at most this
/// many.
pub const ETA_SAMPLE: i64 = 50;

/// When a provisioning platform should be done, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eta {
    /// Its live job is running now.
    pub running: bool,
    /// Provisioning jobs waiting before it (0 when running). The claim round-robins over
    /// platforms, so this is the order of arrival, an estimate of its place.
    pub ahead: i64,
    /// Workers seen working lately (at least 1).
    pub workers: i64,
    /// The recent attempts' mean duration; `None` with no history (no estimate).
    pub mean: Option<Duration>,
    pub at: Option<DateTime<Utc>>,
}

/// Pure: the estimate from what [`eta`] read. A queued job waits for the jobs ahead of it to
/// pass through the workers in waves, then runs; a running one is due its mean after it
/// started (and "any moment" once past that).
pub fn estimate(
    now: DateTime<Utc>,
    running_since: Option<DateTime<Utc>>,
    run_at: DateTime<Utc>,
    ahead: i64,
    workers: i64,
    mean: Option<Duration>,
) -> Option<DateTime<Utc>> {
    let mean = Span::from_std(mean?).ok()?;
    if let Some(started) = running_since {
        return Some((started + mean).max(now));
    }
    let waves = i32::try_from(ahead / workers.max(1) + 1).unwrap_or(i32::MAX);
    Some(run_at.max(now) + mean * waves)
}

/// The estimated completion of a platform's provisioning; `None` when it has no live job.
pub async fn eta(pool: &PgPool, platform_id: i64) -> Result<Option<Eta>> {
    // language=PostgreSQL
    let row = sqlx::query(
        "WITH mine AS (SELECT id, status, run_at, locked_at FROM tenantctl.jobs \
                       WHERE platform_id = $1 AND kind = 'provision' \
                         AND status IN ('scheduled', 'available', 'running', 'retryable') \
                       ORDER BY id DESC LIMIT 1) \
         SELECT m.status, m.run_at, m.locked_at, \
           (SELECT count(*) FROM tenantctl.jobs j WHERE j.kind = 'provision' \
              AND j.status IN ('scheduled', 'available', 'retryable') \
              AND (j.run_at, j.id) < (m.run_at, m.id)) AS ahead, \
           (SELECT count(DISTINCT w) FROM ( \
              SELECT locked_by AS w FROM tenantctl.jobs WHERE status = 'running' AND locked_by IS NOT NULL \
              UNION ALL SELECT worker FROM tenantctl.job_attempts \
                WHERE started_at > now() - interval '10 minutes' AND worker IS NOT NULL) s) AS workers, \
           (SELECT avg(date_part('epoch', finished_at - started_at)) FROM ( \
              SELECT finished_at, started_at FROM tenantctl.provision_attempts \
              WHERE outcome = 'completed' AND finished_at IS NOT NULL \
              ORDER BY started_at DESC LIMIT $2) r) AS mean_secs, \
           now() AS now \
         FROM mine m",
    )
    .bind(platform_id)
    .bind(ETA_SAMPLE)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let running = row.get::<String, _>("status") == "running";
    let locked_at: Option<DateTime<Utc>> = row.get("locked_at");
    let ahead: i64 = if running { 0 } else { row.get("ahead") };
    let workers = row.get::<i64, _>("workers").max(1);
    let mean = row
        .get::<Option<f64>, _>("mean_secs")
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    let now: DateTime<Utc> = row.get("now");
    let at = estimate(
        now,
        if running {
            locked_at.or(Some(now))
        } else {
            None
        },
        row.get("run_at"),
        ahead,
        workers,
        mean,
    );
    Ok(Some(Eta {
        running,
        ahead,
        workers,
        mean,
        at,
    }))
}

/// Provisioning outcomes over one window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    pub completed: i64,
    pub failed: i64,
}

/// An attempt that took far longer than usual.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlowAttempt {
    pub platform_id: Option<i64>,
    pub platform: String,
    pub started_at: DateTime<Utc>,
    pub duration: Duration,
}

/// A platform and one number, for the dashboard's short lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub platform_id: i64,
    pub platform: String,
    pub schema_size_bytes: Option<i64>,
    pub last_backup_at: Option<DateTime<Utc>>,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub day: Outcomes,
    pub week: Outcomes,
    pub month: Outcomes,
    /// Provisioning for longer than [`STUCK_AFTER`] with nobody working on it.
    pub stuck: Vec<Platform>,
    /// Failed attempts per day, the last [`TREND_DAYS`] days (UTC), oldest first.
    pub failures_per_day: Vec<(NaiveDate, i64)>,
    /// Mean duration of completed attempts over 30 days.
    pub mean_provision: Option<Duration>,
    /// Completed attempts of the last 7 days slower than the mean + 3 standard deviations.
    pub slow: Vec<SlowAttempt>,
    pub largest: Vec<Ranked>,
    /// Completed tenants with no backup or none since the warning age, the oldest first.
    pub stale_backups: Vec<Ranked>,
    pub stale_backup_count: i64,
    /// Jobs of every kind ready to run now.
    pub queued: i64,
    /// Scheduled for later, or waiting for their retry.
    pub waiting: i64,
    pub running: i64,
    /// Workers that ran a job in the last 10 minutes, or hold one now.
    pub workers: i64,
}

pub const STUCK_AFTER: Duration = Duration::from_secs(600);
pub const TREND_DAYS: i64 = 30;
/// How many rows the dashboard's short lists show.
pub const SHORT_LIST: i64 = 10;

/// The dashboard's figures, every platform (operators only).
pub async fn dashboard(pool: &PgPool, backup_warn: Duration) -> Result<Dashboard> {
    // language=PostgreSQL
    let totals = sqlx::query(
        "SELECT \
           count(*) FILTER (WHERE outcome = 'completed' AND started_at > now() - interval '1 day') AS d_ok, \
           count(*) FILTER (WHERE outcome = 'failed' AND started_at > now() - interval '1 day') AS d_failed, \
           count(*) FILTER (WHERE outcome = 'completed' AND started_at > now() - interval '7 days') AS w_ok, \
           count(*) FILTER (WHERE outcome = 'failed' AND started_at > now() - interval '7 days') AS w_failed, \
           count(*) FILTER (WHERE outcome = 'completed') AS m_ok, \
           count(*) FILTER (WHERE outcome = 'failed') AS m_failed, \
           avg(date_part('epoch', finished_at - started_at)) FILTER (WHERE outcome = 'completed') AS mean, \
           stddev_samp(date_part('epoch', finished_at - started_at)) \
             FILTER (WHERE outcome = 'completed') AS sd \
         FROM tenantctl.provision_attempts WHERE started_at > now() - interval '30 days'",
    )
    .fetch_one(pool);
    // language=PostgreSQL
    let per_day = sqlx::query_as::<_, (NaiveDate, i64)>(
        "SELECT d::date, coalesce(c.n, 0) FROM generate_series( \
             (now() AT TIME ZONE 'UTC')::date - ($1::int - 1), (now() AT TIME ZONE 'UTC')::date, interval '1 day') d \
         LEFT JOIN (SELECT (started_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n \
                    FROM tenantctl.provision_attempts \
                    WHERE outcome = 'failed' \
                      AND started_at >= ((now() AT TIME ZONE 'UTC')::date - ($1::int - 1)) AT TIME ZONE 'UTC' \
                    GROUP BY 1) c ON c.day = d::date \
         ORDER BY 1",
    )
    .bind(i32::try_from(TREND_DAYS).unwrap_or(30))
    .fetch_all(pool);
    // language=PostgreSQL
    let largest = sqlx::query(
        "SELECT id, name, schema_size_bytes, last_backup_at FROM public.platforms \
         WHERE schema_size_bytes IS NOT NULL ORDER BY schema_size_bytes DESC, id LIMIT $1",
    )
    .bind(SHORT_LIST)
    .fetch_all(pool);
    // language=PostgreSQL
    let stale_rows = sqlx::query(
        "SELECT id, name, schema_size_bytes, last_backup_at, count(*) OVER () AS total \
         FROM public.platforms \
         WHERE provision_status = 'completed' AND NOT external AND schema_name IS NOT NULL \
           AND (last_backup_at IS NULL OR last_backup_at < now() - make_interval(secs => $1)) \
         ORDER BY last_backup_at NULLS FIRST, id LIMIT $2",
    )
    .bind(backup_warn.as_secs_f64())
    .bind(SHORT_LIST)
    .fetch_all(pool);
    // language=PostgreSQL
    let queue = sqlx::query(
        "SELECT count(*) FILTER (WHERE status = 'available') AS queued, \
                count(*) FILTER (WHERE status IN ('scheduled', 'retryable')) AS waiting, \
                count(*) FILTER (WHERE status = 'running') AS running, \
                (SELECT count(DISTINCT w) FROM ( \
                   SELECT locked_by AS w FROM tenantctl.jobs WHERE status = 'running' AND locked_by IS NOT NULL \
                   UNION ALL SELECT worker FROM tenantctl.job_attempts \
                     WHERE started_at > now() - interval '10 minutes' AND worker IS NOT NULL) s) AS workers \
         FROM tenantctl.jobs WHERE status IN ('scheduled', 'available', 'running', 'retryable')",
    )
    .fetch_one(pool);
    // NOTE: independent statements, so on connections of their own at once: the page waits for
    // the slowest, not for the sum.
    let (totals, per_day, largest, stale_rows, queue, stuck) = futures::try_join!(
        async { Ok::<_, Error>(totals.await?) },
        async { Ok::<_, Error>(per_day.await?) },
        async { Ok::<_, Error>(largest.await?) },
        async { Ok::<_, Error>(stale_rows.await?) },
        async { Ok::<_, Error>(queue.await?) },
        crate::jobs::stuck_platforms(pool, STUCK_AFTER),
    )?;
    let o = |ok: &str, failed: &str| Outcomes {
        completed: totals.get(ok),
        failed: totals.get(failed),
    };
    let mean: Option<f64> = totals.get("mean");
    let sd: Option<f64> = totals.get("sd");
    let threshold = mean.map(|m| m + 3.0 * sd.unwrap_or(0.0));

    let slow = match threshold {
        // Only anomalies when there is a spread to stand out of.
        Some(t) if sd.is_some_and(|s| s > 0.0) => {
            // language=PostgreSQL
            sqlx::query(
                "SELECT platform_id, platform_name, started_at, \
                        date_part('epoch', finished_at - started_at) AS secs \
                 FROM tenantctl.provision_attempts \
                 WHERE outcome = 'completed' AND started_at > now() - interval '7 days' \
                   AND finished_at - started_at > make_interval(secs => $1) \
                 ORDER BY finished_at - started_at DESC LIMIT $2",
            )
            .bind(t)
            .bind(SHORT_LIST)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| SlowAttempt {
                platform_id: r.get("platform_id"),
                platform: r.get("platform_name"),
                started_at: r.get("started_at"),
                duration: Duration::from_secs_f64(r.get::<f64, _>("secs").max(0.0)),
            })
            .collect()
        }
        _ => Vec::new(),
    };

    let ranked = |r: sqlx::postgres::PgRow| Ranked {
        platform_id: r.get("id"),
        platform: r.get("name"),
        schema_size_bytes: r.get("schema_size_bytes"),
        last_backup_at: r.get("last_backup_at"),
    };
    let largest = largest.into_iter().map(ranked).collect();
    let stale_backup_count = stale_rows.first().map_or(0, |r| r.get::<i64, _>("total"));
    let stale_backups = stale_rows.into_iter().map(ranked).collect();

    Ok(Dashboard {
        day: o("d_ok", "d_failed"),
        week: o("w_ok", "w_failed"),
        month: o("m_ok", "m_failed"),
        stuck,
        failures_per_day: per_day,
        mean_provision: mean
            .filter(|m| m.is_finite() && *m >= 0.0)
            .map(Duration::from_secs_f64),
        slow,
        largest,
        stale_backups,
        stale_backup_count,
        queued: queue.get("queued"),
        waiting: queue.get("waiting"),
        running: queue.get("running"),
        workers: queue.get("workers"),
    })
}

/// The CSV export's header.
pub const HISTORY_HEADER: [&str; 13] = [
    "attempt_id",
    "platform_id",
    "platform",
    "schema",
    "job_id",
    "attempt",
    "via",
    "worker",
    "started_at",
    "finished_at",
    "duration_seconds",
    "outcome",
    "error",
];

/// Rows per chunk of the CSV export.
const CSV_CHUNK_ROWS: u64 = 500;

/// The provision attempts started on the days `from..=to` (UTC) within `scope`, as CSV, oldest
/// first, streamed from the database and handed to `emit` in chunks of a few hundred rows
/// (`emit` answers `false` when nobody reads any more: the export stops). Returns the rows.
pub async fn history_csv<F, Fut>(
    pool: &PgPool,
    scope: Option<&[i64]>,
    from: NaiveDate,
    to: NaiveDate,
    mut emit: F,
) -> Result<u64>
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    if to < from {
        return Err(Error::Usage(format!(
            "the date range ends ({to}) before it starts ({from})"
        )));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HISTORY_HEADER).map_err(csv_error)?;
    // language=PostgreSQL
    let mut rows = sqlx::query(
        "SELECT a.id, a.platform_id, a.platform_name, a.schema_name, a.job_id, a.attempt, a.via, a.worker, \
                a.started_at, a.finished_at, \
                date_part('epoch', a.finished_at - a.started_at) AS secs, a.outcome, a.error \
         FROM tenantctl.provision_attempts a \
         WHERE a.started_at >= $2::date AT TIME ZONE 'UTC' \
           AND a.started_at < ($3::date + 1) AT TIME ZONE 'UTC' \
           AND ($1::bigint[] IS NULL OR a.platform_id = ANY ($1::bigint[])) \
         ORDER BY a.started_at, a.id",
    )
    .bind(scope)
    .bind(from)
    .bind(to)
    .fetch(pool);
    let mut n = 0;
    let time = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default()
    };
    while let Some(r) = rows.try_next().await? {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let rec = [
            r.get::<i64, _>("id").to_string(),
            opt(r.get("platform_id")),
            csv_safe(r.get("platform_name")),
            r.get::<Option<String>, _>("schema_name")
                .unwrap_or_default(),
            opt(r.get("job_id")),
            r.get::<i32, _>("attempt").to_string(),
            r.get("via"),
            csv_safe(r.get::<Option<String>, _>("worker").unwrap_or_default()),
            time(r.get("started_at")),
            time(r.get("finished_at")),
            r.get::<Option<f64>, _>("secs")
                .map(|s| format!("{s:.3}"))
                .unwrap_or_default(),
            r.get("outcome"),
            csv_safe(r.get::<Option<String>, _>("error").unwrap_or_default()),
        ];
        w.write_record(&rec).map_err(csv_error)?;
        n += 1;
        if n % CSV_CHUNK_ROWS == 0 {
            let full = std::mem::replace(&mut w, csv::Writer::from_writer(Vec::new()));
            if !emit(
                full.into_inner()
                    .map_err(|e| csv_error(e.into_error().into()))?,
            )
            .await
            {
                return Ok(n);
            }
        }
    }
    let rest = w
        .into_inner()
        .map_err(|e| csv_error(e.into_error().into()))?;
    if !rest.is_empty() {
        emit(rest).await;
    }
    Ok(n)
}

fn csv_error(e: csv::Error) -> Error {
    Error::Other(anyhow::anyhow!("could not write the CSV: {e}"))
}

/// A cell a spreadsheet would not run as a formula (`=`, `+`, `-`, `@` first, or a tab or
/// carriage return): prefixed with `'`, as OWASP advises. Names and errors are outside input.
pub fn csv_safe(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(csv_safe("=1+1".into()), "'=1+1");
        assert_eq!(csv_safe("@SUM(A1)".into()), "'@SUM(A1)");
        assert_eq!(csv_safe("-2".into()), "'-2");
        assert_eq!(csv_safe("acme".into()), "acme");
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn estimate_a_queued_job_waits_for_waves_ahead() {
        let now = t("2026-12-07T10:00:00Z");
        let mean = Some(Duration::from_secs(60));
        // Nothing ahead: it runs now and takes the mean.
        assert_eq!(
            estimate(now, None, now, 0, 1, mean),
            Some(t("2026-12-07T10:01:00Z"))
        );
        // Four ahead, two workers: two waves, then its own run.
        assert_eq!(
            estimate(now, None, now, 4, 2, mean),
            Some(t("2026-12-07T10:03:00Z"))
        );
        // Scheduled later (a retry's backoff): from then.
        assert_eq!(
            estimate(now, None, t("2026-12-07T10:10:00Z"), 0, 1, mean),
            Some(t("2026-12-07T10:11:00Z"))
        );
        // Zero workers seen counts as one.
        assert_eq!(
            estimate(now, None, now, 1, 0, mean),
            Some(t("2026-12-07T10:02:00Z"))
        );
    }

    #[test]
    fn estimate_a_running_job_from_its_start_never_in_the_past() {
        let now = t("2026-12-07T10:00:00Z");
        let mean = Some(Duration::from_secs(60));
        assert_eq!(
            estimate(now, Some(t("2026-12-07T09:59:30Z")), now, 0, 1, mean),
            Some(t("2026-12-07T10:00:30Z"))
        );
        assert_eq!(
            estimate(now, Some(t("2026-12-07T09:50:00Z")), now, 0, 1, mean),
            Some(now)
        );
    }

    #[test]
    fn no_history_no_estimate() {
        let now = t("2026-12-07T10:00:00Z");
        assert_eq!(estimate(now, None, now, 3, 1, None), None);
    }

    #[test]
    fn pages_round_up_and_never_zero() {
        let p = |total, per_page| PlatformPage {
            platforms: vec![],
            total,
            page: 1,
            per_page,
        };
        assert_eq!(p(0, 50).pages(), 1);
        assert_eq!(p(50, 50).pages(), 1);
        assert_eq!(p(51, 50).pages(), 2);
        assert_eq!(p(10_000, 50).pages(), 200);
    }
}
