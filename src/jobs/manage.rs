//! Operating the queue by hand: enqueue through the same SQL function applications call, list
//! and show jobs with their attempts, and retry, discard or cancel them, one or many. The CLI
//! (`tenantctl jobs ...`) and the console call these.
//!
//! Changes are guarded in SQL by the state they were chosen in, so a job a worker took (or
//! finished) between the look and the change is left alone and reported, never overwritten.
//! A retried job keeps its platform: the tenant is on the row, and a job whose platform is gone
//! (or no longer a tenant) is not retried.
//!
//! Owns the operator's statements on `tenantctl.jobs`; may import the registry's tenant rule,
//! the queue's channel and the error.

use super::queue::CHANNEL;
use crate::error::{Error, Result};
use crate::registry::tenants::{Selection, tenant_sql};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value as Json;
use sqlx::{AssertSqlSafe, PgPool};

/// Every state of a job, in the order of its life.
pub const STATES: &[&str] = &[
    "scheduled",
    "available",
    "running",
    "retryable",
    "completed",
    "discarded",
    "cancelled",
];

/// The states of a job that will still run (the unique key's scope).
pub const LIVE: &[&str] = &["scheduled", "available", "running", "retryable"];

/// The states a job waits in (it may be discarded or cancelled from these).
pub const WAITING: &[&str] = &["scheduled", "available", "retryable"];

/// The columns of a [`JobRow`], with casts that keep the row's Rust types whatever integer
/// widths the table uses.
// language=PostgreSQL
const COLUMNS: &str = "j.id, j.kind, j.platform_id, j.platform_name, j.schema_name, j.status, \
     j.priority::int4 AS priority, j.unique_key, j.attempts::int4 AS attempts, \
     j.max_attempts::int4 AS max_attempts, j.run_at, j.locked_by, j.heartbeat_at, j.last_error, \
     j.created_at, j.finished_at";

/// One job as an operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct JobRow {
    #[serde(rename = "job_id")]
    pub id: i64,
    pub kind: String,
    pub platform_id: Option<i64>,
    #[serde(rename = "platform")]
    pub platform_name: Option<String>,
    #[serde(rename = "schema")]
    pub schema_name: Option<String>,
    #[serde(rename = "state")]
    pub status: String,
    pub priority: i32,
    pub unique_key: Option<String>,
    pub attempts: i32,
    /// `None`: the kind's own.
    pub max_attempts: Option<i32>,
    pub run_at: DateTime<Utc>,
    pub locked_by: Option<String>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One attempt of a job (`tenantctl.job_attempts`).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AttemptRow {
    pub attempt: i32,
    pub worker: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: String,
    pub error: Option<String>,
    /// Seconds, up to now for an attempt still running.
    pub duration_seconds: Option<f64>,
}

/// Which jobs: by id, or by state, kind and tenant.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub ids: Vec<i64>,
    /// `None`: every state (or the action's default).
    pub states: Option<Vec<String>>,
    pub kinds: Option<Vec<String>>,
    pub selection: Selection,
}

impl Filter {
    /// Whether the filter names anything at all (a bulk change needs it to).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
            && self.states.is_none()
            && self.kinds.is_none()
            && self.selection == Selection::default()
    }
}

/// The shared `WHERE` of a filter, over `tenantctl.jobs j`, its values bound as $1..$5.
// language=PostgreSQL
const FILTER_SQL: &str = "($1::int8[] IS NULL OR j.id = ANY($1)) \
     AND ($2::text[] IS NULL OR j.status = ANY($2)) \
     AND ($3::text[] IS NULL OR j.kind = ANY($3)) \
     AND ($4::int8[] IS NULL OR j.platform_id = ANY($4)) \
     AND (j.platform_id IS NULL OR NOT j.platform_id = ANY($5))";

fn bind_filter<'q, O>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    f: &'q Filter,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    q.bind((!f.ids.is_empty()).then_some(&f.ids))
        .bind(f.states.as_ref())
        .bind(f.kinds.as_ref())
        .bind(f.selection.only.as_ref())
        .bind(&f.selection.exclude)
}

/// The newest `limit` jobs that match, newest first.
pub async fn list(pool: &PgPool, f: &Filter, limit: i64) -> Result<Vec<JobRow>> {
    // language=PostgreSQL
    let sql = format!(
        "SELECT {COLUMNS} FROM tenantctl.jobs j WHERE {FILTER_SQL} ORDER BY j.id DESC LIMIT $6"
    );
    Ok(
        bind_filter(sqlx::query_as::<_, JobRow>(AssertSqlSafe(sql)), f)
            .bind(limit)
            .fetch_all(pool)
            .await?,
    )
}

/// One job, its payload and its attempts, first first.
#[derive(Debug, Clone, Serialize)]
pub struct JobDetail {
    #[serde(flatten)]
    pub job: JobRow,
    pub payload: Json,
    pub attempts_made: Vec<AttemptRow>,
}

pub async fn show(pool: &PgPool, id: i64) -> Result<JobDetail> {
    // language=PostgreSQL
    let sql = format!("SELECT {COLUMNS}, j.payload FROM tenantctl.jobs j WHERE j.id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| {
            Error::NotFound(format!("job {id} not found")).hint(
                "completed jobs are pruned after jobs.keep_completed; `tenantctl jobs list` shows those kept",
            )
        })?;
    use sqlx::{FromRow, Row};
    let job = JobRow::from_row(&row)?;
    let payload: Json = row.try_get("payload")?;
    // language=PostgreSQL
    let attempts_made = sqlx::query_as::<_, AttemptRow>(
        "SELECT attempt::int4 AS attempt, worker, started_at, finished_at, outcome, error, \
                extract(epoch FROM coalesce(finished_at, now()) - started_at)::float8 AS duration_seconds \
         FROM tenantctl.job_attempts WHERE job_id = $1 ORDER BY attempt, started_at",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(JobDetail {
        job,
        payload,
        attempts_made,
    })
}

word_enum! {
    "job action",
    /// What an operator does to waiting or finished jobs.
    pub enum Action {
        /// Run it again now (from retryable, scheduled, discarded, cancelled or completed).
        Retry = "retry",
        /// Give up on it: it will not run, and it is kept with the failures.
        Discard = "discard",
        /// Withdraw it: it will not run.
        Cancel = "cancel",
    }
}

impl Action {
    /// The states a job may be in for the action.
    pub fn applies_to(self) -> &'static [&'static str] {
        match self {
            Action::Retry => &[
                "scheduled",
                "available",
                "retryable",
                "discarded",
                "cancelled",
                "completed",
            ],
            Action::Discard | Action::Cancel => WAITING,
        }
    }

    /// The states a bulk action (by filter, no `--state`) takes: retry the failed, discard or
    /// cancel the waiting. Completed jobs are retried only when asked for by state or id.
    pub fn default_states(self) -> &'static [&'static str] {
        match self {
            Action::Retry => &["retryable", "discarded"],
            Action::Discard | Action::Cancel => WAITING,
        }
    }

    /// The state the job ends in.
    pub fn target(self) -> &'static str {
        match self {
            Action::Retry => "available",
            Action::Discard => "discarded",
            Action::Cancel => "cancelled",
        }
    }

    pub fn past(self) -> &'static str {
        match self {
            Action::Retry => "retried",
            Action::Discard => "discarded",
            Action::Cancel => "cancelled",
        }
    }
}

/// A job the action leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub job_id: i64,
    pub reason: String,
}

/// The jobs an action would change, and those it would leave (named by id, or found by the
/// filter and then ruled out).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub jobs: Vec<JobRow>,
    pub skipped: Vec<Skipped>,
}

/// A candidate as the plan reads it: the row, whether its platform can take it, and the live
/// job holding its unique key, if another does.
#[derive(Debug, sqlx::FromRow)]
struct Candidate {
    #[sqlx(flatten)]
    job: JobRow,
    platform_ok: bool,
    key_holder: Option<i64>,
}

/// Which jobs `action` would change. Ids that match nothing are skipped as not found; jobs in
/// a state the action does not apply to are skipped with that state.
pub async fn plan(pool: &PgPool, action: Action, f: &Filter) -> Result<Plan> {
    let mut f = f.clone();
    if f.ids.is_empty() && f.states.is_none() {
        f.states = Some(
            action
                .default_states()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
    }
    // language=PostgreSQL
    let sql = format!(
        "SELECT {COLUMNS}, \
            (j.kind = 'provision' AND EXISTS (SELECT 1 FROM public.platforms p WHERE p.id = j.platform_id AND NOT p.external)) \
            OR EXISTS (SELECT 1 FROM public.platforms p WHERE p.id = j.platform_id AND {}) AS platform_ok, \
            (SELECT l.id FROM tenantctl.jobs l WHERE j.unique_key IS NOT NULL AND l.unique_key = j.unique_key \
               AND l.kind = j.kind AND l.platform_id IS NOT DISTINCT FROM j.platform_id \
               AND l.id <> j.id AND l.status = ANY($6) LIMIT 1) AS key_holder \
         FROM tenantctl.jobs j WHERE {FILTER_SQL} ORDER BY j.id",
        tenant_sql!()
    );
    let live: Vec<String> = LIVE.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Candidate> = bind_filter(sqlx::query_as(AssertSqlSafe(sql)), &f)
        .bind(&live)
        .fetch_all(pool)
        .await?;
    let mut out = Plan::default();
    for id in &f.ids {
        if !rows.iter().any(|r| r.job.id == *id) {
            out.skipped.push(Skipped {
                job_id: *id,
                reason: if f.states.is_some()
                    || f.kinds.is_some()
                    || f.selection != Selection::default()
                {
                    "not found, or not matched by the other filters".into()
                } else {
                    "not found (completed jobs are pruned after jobs.keep_completed)".into()
                },
            });
        }
    }
    // (kind, platform, key): the scope of the queue's unique index.
    let mut keys_taken: Vec<(String, Option<i64>, String)> = Vec::new();
    for r in rows {
        let j = &r.job;
        let reason = if !action.applies_to().contains(&j.status.as_str()) {
            Some(match j.status.as_str() {
                "running" => format!(
                    "running{}: it cannot be {} while an attempt runs; wait for it to end",
                    j.locked_by
                        .as_deref()
                        .map(|w| format!(" on worker {w}"))
                        .unwrap_or_default(),
                    action.past()
                ),
                s => format!("is {s} already"),
            })
        } else if action == Action::Retry && !r.platform_ok {
            Some(format!(
                "its platform {} is deleted or no longer a provisioned tenant: it would only be discarded",
                platform_named(j)
            ))
        } else if action == Action::Retry && !LIVE.contains(&j.status.as_str()) {
            match (&j.unique_key, r.key_holder) {
                (Some(k), Some(holder)) => {
                    Some(format!("live job {holder} holds its unique key `{k}`"))
                }
                (Some(k), None) => {
                    let scope = (j.kind.clone(), j.platform_id, k.clone());
                    if keys_taken.contains(&scope) {
                        Some(format!(
                            "another job retried here holds its unique key `{k}`"
                        ))
                    } else {
                        keys_taken.push(scope);
                        None
                    }
                }
                (None, _) => None,
            }
        } else {
            None
        };
        match reason {
            Some(reason) => out.skipped.push(Skipped {
                job_id: j.id,
                reason,
            }),
            None => out.jobs.push(r.job),
        }
    }
    out.skipped.sort_by_key(|s| s.job_id);
    Ok(out)
}

fn platform_named(j: &JobRow) -> String {
    match (&j.platform_name, j.platform_id, &j.schema_name) {
        (Some(n), Some(id), Some(s)) => format!("`{n}` (id {id}, schema {s})"),
        (Some(n), Some(id), None) => format!("`{n}` (id {id})"),
        (Some(n), None, Some(s)) => format!("`{n}` (schema {s})"),
        (Some(n), None, None) => format!("`{n}`"),
        (_, Some(id), _) => format!("id {id}"),
        _ => "(none)".into(),
    }
}

/// Apply `action` to the planned jobs, each only if it is still in the state it was planned
/// in; one transaction, and one NOTIFY for a retry so idle workers wake. Returns the ids
/// changed; the others changed state meanwhile.
pub async fn apply(pool: &PgPool, action: Action, jobs: &[JobRow]) -> Result<Vec<i64>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
    let states: Vec<String> = jobs.iter().map(|j| j.status.clone()).collect();
    let mut tx = pool.begin().await?;
    // language=PostgreSQL
    let set = match action {
        Action::Retry => {
            "status = 'available', run_at = now(), \
             max_attempts = CASE WHEN j.max_attempts IS NULL THEN NULL ELSE greatest(j.max_attempts, j.attempts + 1) END, \
             locked_by = NULL, locked_at = NULL, finished_at = NULL, updated_at = now()"
        }
        Action::Discard => {
            "status = 'discarded', finished_at = now(), updated_at = now(), \
             last_error = coalesce(j.last_error || ' (then discarded by an operator)', 'discarded by an operator')"
        }
        Action::Cancel => {
            "status = 'cancelled', finished_at = now(), updated_at = now(), \
             last_error = coalesce(j.last_error || ' (then cancelled by an operator)', 'cancelled by an operator')"
        }
    };
    // language=PostgreSQL
    let sql = format!(
        "UPDATE tenantctl.jobs j SET {set} \
         FROM unnest($1::int8[], $2::text[]) AS w(id, status) \
         WHERE j.id = w.id AND j.status = w.status RETURNING j.id"
    );
    let mut changed: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(&ids)
        .bind(&states)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| match crate::error::sqlstate(&e).as_deref() {
            Some("23505") => Error::Conflict(
                "a job was enqueued with the unique key of a job being retried meanwhile; nothing changed"
                    .into(),
            )
            .hint("run the command again"),
            _ => Error::Db(e),
        })?;
    if action == Action::Retry && !changed.is_empty() {
        // Delivered at commit.
        // language=PostgreSQL
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    changed.sort_unstable();
    Ok(changed)
}

/// What `enqueue` made for one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnqueuedJob {
    pub job_id: i64,
    pub platform_id: i64,
    pub platform: String,
    /// False when a live job held the unique key: its id is returned.
    pub created: bool,
}

/// A job to enqueue for each of some platforms.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: Json,
    pub run_at: Option<DateTime<Utc>>,
    /// At most one live job per (kind, platform, key).
    pub unique_key: Option<String>,
    pub priority: Option<i32>,
    pub max_attempts: Option<i32>,
}

/// Enqueue `job` for each platform of `platforms` (id, name) through `tenantctl.enqueue`, the
/// function applications call, all in one transaction: every job or none.
pub async fn enqueue(
    pool: &PgPool,
    job: &NewJob,
    platforms: &[(i64, String)],
) -> Result<Vec<EnqueuedJob>> {
    let mut tx = pool.begin().await?;
    let mut out = Vec::with_capacity(platforms.len());
    for (id, name) in platforms {
        // `xmin` is this transaction's own id only for a row it inserted: an existing job
        // returned for its unique key was written before.
        // language=PostgreSQL
        let (job_id, created): (i64, bool) = sqlx::query_as(
            "WITH e AS (SELECT tenantctl.enqueue($1, $2::jsonb, $3::text, coalesce($4, now()), $5, \
                                                 coalesce($6, 0), $7) AS id) \
             SELECT e.id, j.xmin = pg_current_xact_id()::xid FROM e JOIN tenantctl.jobs j ON j.id = e.id",
        )
        .bind(&job.kind)
        .bind(&job.payload)
        .bind(id.to_string())
        .bind(job.run_at)
        .bind(&job.unique_key)
        .bind(job.priority)
        .bind(job.max_attempts)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            // The function's own refusals (no such platform, not a tenant, a bad argument):
            // the input's fault, in the function's words.
            let input = e.as_database_error().and_then(|d| {
                let code = d.code()?;
                (code == "P0001" || code.starts_with("22") || code.starts_with("23"))
                    .then(|| d.message().to_string())
            });
            match input {
                Some(why) => Error::Usage(format!(
                    "cannot enqueue a `{}` job for platform `{name}`: {why}",
                    job.kind
                )),
                None => Error::Db(e),
            }
        })?;
        out.push(EnqueuedJob {
            job_id,
            platform_id: *id,
            platform: name.clone(),
            created,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// The platforms `enqueue --all` makes a job for: every tenant (completed, not external),
/// minus `exclude`; or the `only` ones of a selection, each a tenant.
pub async fn tenants(pool: &PgPool, selection: &Selection) -> Result<Vec<(i64, String)>> {
    // language=PostgreSQL
    let sql = concat!(
        "SELECT p.id, p.name FROM public.platforms p WHERE ",
        tenant_sql!(),
        " AND ($1::int8[] IS NULL OR p.id = ANY($1)) AND NOT p.id = ANY($2) ORDER BY p.id"
    );
    Ok(sqlx::query_as(sql)
        .bind(selection.only.as_ref())
        .bind(&selection.exclude)
        .fetch_all(pool)
        .await?)
}
