//! The job queue in `tenantctl.jobs`: its rows and every statement on them. Each job carries
//! its kind, its platform's id (and a snapshot of its name and schema, for a clear error when
//! the platform is deleted), a JSON payload, a priority and an optional unique key. States:
//! `scheduled` (waits for `run_at`), `available` (claimable now), `running`, `retryable`
//! (failed, waits for `run_at`), and the finished `completed`, `discarded`, `cancelled`.
//! Workers claim with `FOR UPDATE SKIP LOCKED`, so several share the queue and never take the
//! same job; unique indexes keep at most one live provisioning job per platform and one live
//! job per `(kind, platform, unique_key)`. Enqueueing a ready job sends `NOTIFY tenantctl_jobs`
//! so idle workers wake at once.
//!
//! Owns the queue's SQL; may import the registry's rows, the database helpers and the rules.

use crate::db::locks::PlatformLock;
use crate::error::{Error, Result};
use crate::registry::Platform;
use crate::rules::RetryPolicy;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{AssertSqlSafe, PgPool};
use std::time::Duration;

/// The channel idle workers LISTEN on.
pub const CHANNEL: &str = "tenantctl_jobs";

/// How often a command waiting for a job (`--wait`) looks at it.
pub const WAIT_POLL: Duration = Duration::from_millis(200);

word_enum! {
    "job status",
    /// Where a job of `tenantctl.jobs` is (its `status` column).
    pub enum JobStatus {
        /// Waits for its `run_at`.
        Scheduled = "scheduled",
        /// May be claimed now.
        Available = "available",
        Running = "running",
        /// An attempt failed; the next waits for its `run_at`.
        Retryable = "retryable",
        Completed = "completed",
        /// Failed for good (its last attempt, a permanent error, or its platform is gone).
        Discarded = "discarded",
        Cancelled = "cancelled",
    }
}

/// The states of a job that will still run (the unique indexes' "live").
pub const LIVE: &str = "('scheduled', 'available', 'running', 'retryable')";
/// The states of a job that waits to run.
pub const WAITING: &str = "('scheduled', 'available', 'retryable')";

impl JobStatus {
    /// Completed, discarded or cancelled: the job will not run again.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Discarded | JobStatus::Cancelled
        )
    }

    /// Scheduled, available or retryable: the job waits for a worker.
    pub fn is_waiting(self) -> bool {
        matches!(
            self,
            JobStatus::Scheduled | JobStatus::Available | JobStatus::Retryable
        )
    }
}

/// One row of `tenantctl.jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Job {
    #[serde(rename = "job_id")]
    pub id: i64,
    pub kind: String,
    pub platform_id: Option<i64>,
    #[serde(rename = "platform")]
    pub platform_name: String,
    #[serde(rename = "schema")]
    pub schema_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: JobStatus,
    pub payload: Value,
    /// Smaller runs first, among the jobs of one platform.
    pub priority: i32,
    pub unique_key: Option<String>,
    /// Runs so far (the running one included).
    pub attempts: i32,
    /// The most runs it may have; `None`: its kind's (`[jobs.kinds.NAME] max_attempts`).
    pub max_attempts: Option<i32>,
    pub run_at: DateTime<Utc>,
    pub locked_by: Option<String>,
    pub locked_at: Option<DateTime<Utc>>,
    /// Renewed by its worker while it runs.
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub const JOB_COLUMNS: &str = "id, kind, platform_id, platform_name, schema_name, status, payload, \
     priority, unique_key, attempts, max_attempts, run_at, locked_by, locked_at, heartbeat_at, \
     last_error, created_at, finished_at";

impl Job {
    pub fn is_finished(&self) -> bool {
        self.status.is_finished()
    }
}

/// What [`enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Enqueued {
    pub job_id: i64,
    /// False when a live job had the same key (the provisioning of the same platform, or the
    /// same `(kind, platform, unique_key)`): its id is returned and nothing was added.
    pub created: bool,
}

/// A job to enqueue (any kind). [`NewJob::new`] gives the defaults of `tenantctl.enqueue`:
/// an empty payload, now, no unique key, priority 0, the kind's max attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub platform: &'a Platform,
    pub payload: Value,
    /// `None`: now.
    pub run_at: Option<DateTime<Utc>>,
    pub unique_key: Option<String>,
    pub priority: i32,
    pub max_attempts: Option<i32>,
}

impl<'a> NewJob<'a> {
    pub fn new(kind: &'a str, platform: &'a Platform) -> NewJob<'a> {
        NewJob {
            kind,
            platform,
            payload: Value::Object(Default::default()),
            run_at: None,
            unique_key: None,
            priority: 0,
            max_attempts: None,
        }
    }
}

/// Enqueue a job of any kind for a platform; with a `unique_key` that a live job of the same
/// kind and platform has, nothing is added and that job's id is returned. The rules are the
/// SQL function's (`tenantctl.enqueue`): a valid kind, a platform with a schema, at least one
/// attempt.
pub async fn enqueue(pool: &PgPool, job: &NewJob<'_>) -> Result<Enqueued> {
    crate::rules::naming::validate_job_kind(job.kind)?;
    let p = job.platform;
    if p.external {
        return Err(Error::Usage(format!(
            "platform `{}` is external: it has no schema to run jobs in",
            p.name
        )));
    }
    if let Some(n) = job.max_attempts.filter(|n| *n < 1) {
        return Err(Error::Usage(format!(
            "max attempts must be at least 1 (got {n})"
        )));
    }
    if job.kind == "provision" {
        return Err(Error::Usage(
            "provisioning jobs are queued by `platform create` and `platform retry`, not by hand"
                .into(),
        ));
    }
    // The live job may finish between the conflicting insert and the look-up; then insert again.
    for _ in 0..3 {
        let mut tx = pool.begin().await?;
        // language=PostgreSQL
        let created: Option<(i64, bool)> = sqlx::query_as(
            "INSERT INTO tenantctl.jobs (kind, platform_id, platform_name, schema_name, payload, \
             priority, unique_key, max_attempts, run_at, status) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, r, CASE WHEN r <= now() THEN 'available' ELSE 'scheduled' END \
             FROM (SELECT coalesce($9, now()) AS r) t \
             ON CONFLICT (kind, platform_id, unique_key) WHERE unique_key IS NOT NULL \
                 AND status IN ('scheduled', 'available', 'running', 'retryable') DO NOTHING \
             RETURNING id, status = 'available'",
        )
        .bind(job.kind)
        .bind(p.id)
        .bind(&p.name)
        .bind(&p.schema_name)
        .bind(&job.payload)
        .bind(job.priority)
        .bind(&job.unique_key)
        .bind(job.max_attempts)
        .bind(job.run_at)
        .fetch_optional(&mut *tx)
        .await?;
        let out = match created {
            Some((id, ready)) => {
                if ready {
                    notify(&mut tx).await?;
                }
                Enqueued {
                    job_id: id,
                    created: true,
                }
            }
            None => {
                // language=PostgreSQL
                let live: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM tenantctl.jobs WHERE kind = $1 AND platform_id = $2 AND unique_key = $3 \
                     AND status IN ('scheduled', 'available', 'running', 'retryable')",
                )
                .bind(job.kind)
                .bind(p.id)
                .bind(&job.unique_key)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(id) = live else { continue };
                Enqueued {
                    job_id: id,
                    created: false,
                }
            }
        };
        tx.commit().await?;
        return Ok(out);
    }
    Err(Error::Busy(format!(
        "platform `{}`: the live job of kind `{}` with this unique key keeps changing; try again",
        p.name, job.kind
    )))
}

/// Wake idle workers when the transaction commits. One payload for all, so PostgreSQL folds the
/// notifications of one transaction into one.
async fn notify(conn: &mut sqlx::PgConnection) -> Result<()> {
    // language=PostgreSQL
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(conn)
        .await?;
    Ok(())
}

/// Queue the provisioning of a platform, or return its live job if it has one.
pub async fn enqueue_provision(
    pool: &PgPool,
    platform: &Platform,
    policy: &RetryPolicy,
) -> Result<Enqueued> {
    if platform.external {
        return Err(Error::Usage(format!(
            "platform `{}` is external: it has no schema to provision",
            platform.name
        )));
    }
    // The live job may finish between the conflicting insert and the look-up; then insert again.
    for _ in 0..3 {
        let mut tx = pool.begin().await?;
        // language=PostgreSQL
        let created: Option<i64> = sqlx::query_scalar(
            "INSERT INTO tenantctl.jobs (kind, platform_id, platform_name, schema_name, max_attempts, status) \
             VALUES ('provision', $1, $2, $3, $4, 'available') \
             ON CONFLICT (platform_id) WHERE kind = 'provision' \
                 AND status IN ('scheduled', 'available', 'running', 'retryable') DO NOTHING \
             RETURNING id",
        )
        .bind(platform.id)
        .bind(&platform.name)
        .bind(&platform.schema_name)
        .bind(policy.total_runs())
        .fetch_optional(&mut *tx)
        .await?;
        let out = match created {
            Some(id) => {
                notify(&mut tx).await?;
                Enqueued {
                    job_id: id,
                    created: true,
                }
            }
            None => {
                // language=PostgreSQL
                let live: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM tenantctl.jobs WHERE platform_id = $1 AND kind = 'provision' \
                     AND status IN ('scheduled', 'available', 'running', 'retryable')",
                )
                .bind(platform.id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(id) = live else { continue };
                Enqueued {
                    job_id: id,
                    created: false,
                }
            }
        };
        tx.commit().await?;
        return Ok(out);
    }
    Err(Error::Busy(format!(
        "platform `{}`: its provisioning job keeps changing; try again",
        platform.name
    )))
}

/// Take the next ready job for `worker`: it becomes `running`, its run is counted and its
/// heartbeat starts. One statement; `SKIP LOCKED` lets concurrent workers pass each other by.
pub async fn claim(pool: &PgPool, worker: &str) -> Result<Option<Job>> {
    promote_due(pool).await?;
    // language=PostgreSQL
    let sql = format!(
        "UPDATE tenantctl.jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
         locked_at = now(), heartbeat_at = now(), updated_at = now() \
         WHERE id = (SELECT id FROM tenantctl.jobs WHERE status = 'available' \
                     ORDER BY priority, run_at, id FOR UPDATE SKIP LOCKED LIMIT 1) \
         RETURNING {JOB_COLUMNS}"
    );
    Ok(sqlx::query_as::<_, Job>(AssertSqlSafe(sql))
        .bind(worker)
        .fetch_optional(pool)
        .await?)
}

/// Take the next job fairly (`tenantctl.claim_job`): round-robin over the platforms with
/// available jobs, starting after `after` (the platform this worker served last), passing over
/// platforms with `cap` jobs running already (0: no cap). Its cost grows with the platforms
/// passed over, not with the depth of the queue.
pub async fn claim_fair(
    pool: &PgPool,
    worker: &str,
    after: Option<i64>,
    cap: u32,
) -> Result<Option<Job>> {
    // language=PostgreSQL
    let sql = format!("SELECT {JOB_COLUMNS} FROM tenantctl.claim_job($1, $2, $3)");
    Ok(sqlx::query_as::<_, Job>(AssertSqlSafe(sql))
        .bind(worker)
        .bind(after)
        .bind(i32::try_from(cap).unwrap_or(i32::MAX))
        .fetch_optional(pool)
        .await?)
}

/// Record the start of a claimed job's attempt (`tenantctl.job_attempts`); its id.
pub async fn start_attempt(pool: &PgPool, job: &Job, worker: &str) -> Result<i64> {
    // language=PostgreSQL
    Ok(sqlx::query_scalar(
        "INSERT INTO tenantctl.job_attempts (job_id, attempt, worker) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(job.id)
    .bind(job.attempts)
    .bind(worker)
    .fetch_one(pool)
    .await?)
}

word_enum! {
    "attempt outcome",
    /// How an attempt ended (`tenantctl.job_attempts.outcome`).
    pub enum AttemptOutcome {
        Running = "running",
        Completed = "completed",
        /// Failed; the job is retried later.
        Retry = "retry",
        /// Failed for good, or its platform is gone.
        Discarded = "discarded",
        /// Its worker stopped.
        Abandoned = "abandoned",
        /// Put back without counting (maintenance, platform busy).
        Released = "released",
        /// The job was cancelled while it ran.
        Cancelled = "cancelled",
    }
}

/// Close an attempt row: its outcome (`cancelled` instead when the job was cancelled while it
/// ran) and error.
pub async fn finish_attempt(
    pool: &PgPool,
    attempt_id: i64,
    outcome: AttemptOutcome,
    error: Option<&str>,
) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.job_attempts a SET finished_at = now(), error = $3, \
         outcome = CASE WHEN j.status = 'cancelled' THEN 'cancelled' ELSE $2 END \
         FROM tenantctl.jobs j WHERE a.id = $1 AND j.id = a.job_id AND a.outcome = 'running'",
    )
    .bind(attempt_id)
    .bind(outcome.as_str())
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// The worker is alive: renew the heartbeat of every job it runs.
pub async fn heartbeat(pool: &PgPool, worker: &str) -> Result<u64> {
    // language=PostgreSQL
    let r = sqlx::query(
        "UPDATE tenantctl.jobs SET heartbeat_at = now() WHERE status = 'running' AND locked_by = $1",
    )
    .bind(worker)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}

/// What [`prune`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    pub completed: u64,
    pub discarded: u64,
}

/// Delete finished jobs (and, by cascade, their attempts): completed and cancelled ones that
/// finished longer ago than `keep_completed`, discarded ones longer ago than `keep_discarded`.
/// In batches of `batch`, so one round never holds many row locks or bloats one transaction.
pub async fn prune(
    pool: &PgPool,
    keep_completed: Duration,
    keep_discarded: Duration,
    batch: i64,
) -> Result<Pruned> {
    let mut out = Pruned::default();
    for (states, keep, n) in [
        (
            "('completed', 'cancelled')",
            keep_completed,
            &mut out.completed,
        ),
        ("('discarded')", keep_discarded, &mut out.discarded),
    ] {
        // language=PostgreSQL
        let sql = format!(
            "DELETE FROM tenantctl.jobs WHERE id IN (SELECT id FROM tenantctl.jobs \
             WHERE status IN {states} AND finished_at < now() - make_interval(secs => $1) \
             ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
        );
        loop {
            let r = sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(keep.as_secs_f64())
                .bind(batch)
                .execute(pool)
                .await?;
            *n += r.rows_affected();
            if r.rows_affected() < u64::try_from(batch).unwrap_or(0) {
                break;
            }
        }
    }
    Ok(out)
}

/// The SQL signatures the application's role may execute (`tenantctl.enqueue` calls the
/// second, which runs with tenantctl's rights).
const ENQUEUE_FUNCTIONS: &str = "tenantctl.enqueue(text, jsonb, text, timestamptz, text, integer, integer), \
     tenantctl.enqueue_for(text, text, jsonb, text, timestamptz, text, integer, integer)";

/// Let `role` (`jobs.enqueue_role`) enqueue: USAGE on schema `tenantctl` and EXECUTE on
/// `tenantctl.enqueue`, nothing else (it reads and writes no table of the queue itself).
/// Idempotent; `init` and `migrate` run it.
pub async fn grant_enqueue(pool: &PgPool, role: &str) -> Result<()> {
    let ident = crate::rules::Ident::parse(role)?;
    // language=PostgreSQL
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(role)
            .fetch_one(pool)
            .await?;
    if !exists {
        return Err(Error::Config(format!(
            "jobs.enqueue_role: role `{}` does not exist",
            crate::rules::naming::shown(role)
        ))
        .hint("create it first (`CREATE ROLE ... LOGIN`), or unset jobs.enqueue_role"));
    }
    let mut tx = pool.begin().await?;
    for sql in [
        format!("GRANT USAGE ON SCHEMA tenantctl TO {}", ident.sql()),
        format!(
            "GRANT EXECUTE ON FUNCTION {ENQUEUE_FUNCTIONS} TO {}",
            ident.sql()
        ),
    ] {
        sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    tracing::info!(role, "granted EXECUTE on tenantctl.enqueue");
    Ok(())
}

/// Scheduled and retryable jobs whose time has come become available (a bounded batch).
pub async fn promote_due(pool: &PgPool) -> Result<u64> {
    // language=PostgreSQL
    let r = sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'available', updated_at = now() \
         WHERE id IN (SELECT id FROM tenantctl.jobs WHERE status IN ('scheduled', 'retryable') \
                      AND run_at <= now() ORDER BY run_at LIMIT 1000 FOR UPDATE SKIP LOCKED)",
    )
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Option<Job>> {
    // language=PostgreSQL
    let sql = format!("SELECT {JOB_COLUMNS} FROM tenantctl.jobs WHERE id = $1");
    Ok(sqlx::query_as::<_, Job>(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

/// The job ran to its end: completed.
pub async fn succeed(pool: &PgPool, id: i64) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'completed', last_error = NULL, locked_by = NULL, \
         locked_at = NULL, heartbeat_at = NULL, finished_at = now(), updated_at = now() \
         WHERE id = $1 AND status = 'running'",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The job failed for good: discarded.
pub async fn fail(pool: &PgPool, id: i64, error: &str) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'discarded', last_error = $2, locked_by = NULL, \
         locked_at = NULL, heartbeat_at = NULL, finished_at = now(), updated_at = now() \
         WHERE id = $1 AND status IN ('running', 'scheduled', 'available', 'retryable')",
    )
    .bind(id)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// The run failed and a retry follows after `delay`: retryable.
pub async fn retry_later(pool: &PgPool, id: i64, error: &str, delay: Duration) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'retryable', last_error = $2, locked_by = NULL, locked_at = NULL, \
         heartbeat_at = NULL, run_at = now() + make_interval(secs => $3), updated_at = now() \
         WHERE id = $1 AND status = 'running'",
    )
    .bind(id)
    .bind(error)
    .bind(delay.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(())
}

/// Put a claimed job back without counting its run (another run held the platform, or it is
/// in maintenance): scheduled again after `delay`.
pub async fn release(pool: &PgPool, id: i64, delay: Duration) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'scheduled', attempts = greatest(attempts - 1, 0), locked_by = NULL, \
         locked_at = NULL, heartbeat_at = NULL, run_at = now() + make_interval(secs => $2), updated_at = now() \
         WHERE id = $1 AND status = 'running'",
    )
    .bind(id)
    .bind(delay.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(())
}

/// A synchronous provision completed the platform: its waiting job has nothing left to do.
pub async fn complete_queued_for(pool: &PgPool, platform_id: i64) -> Result<u64> {
    // language=PostgreSQL
    let r = sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'completed', last_error = NULL, finished_at = now(), updated_at = now() \
         WHERE platform_id = $1 AND kind = 'provision' AND status IN ('scheduled', 'available', 'retryable')",
    )
    .bind(platform_id)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}

/// Whether the platform has a live provisioning job (waiting or running), which will try again.
pub async fn has_live_job(pool: &PgPool, platform_id: i64) -> Result<bool> {
    // language=PostgreSQL
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM tenantctl.jobs WHERE platform_id = $1 AND kind = 'provision' \
         AND status IN ('scheduled', 'available', 'running', 'retryable'))",
    )
    .bind(platform_id)
    .fetch_one(pool)
    .await?)
}

/// Running provisioning jobs of a platform whose worker is gone: discarded, so a new job can be
/// queued. The platform's attempt rows still `running` are closed too (the caller checked that
/// nobody holds its lock, so no run is alive).
pub async fn abandon_running_for(pool: &PgPool, platform_id: i64, reason: &str) -> Result<u64> {
    // language=PostgreSQL
    let r: i64 = sqlx::query_scalar(
        "WITH gone AS ( \
             UPDATE tenantctl.jobs SET status = 'discarded', last_error = $2, locked_by = NULL, locked_at = NULL, \
             heartbeat_at = NULL, finished_at = now(), updated_at = now() \
             WHERE platform_id = $1 AND kind = 'provision' AND status = 'running' RETURNING id), \
         closed AS ( \
             UPDATE tenantctl.job_attempts a SET outcome = 'abandoned', finished_at = now(), error = $2 \
             FROM gone g WHERE a.job_id = g.id AND a.outcome = 'running') \
         SELECT count(*) FROM gone",
    )
    .bind(platform_id)
    .bind(reason)
    .fetch_one(pool)
    .await?;
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.provision_attempts SET outcome = 'failed', finished_at = now(), error = $2 \
         WHERE platform_id = $1 AND outcome = 'running'",
    )
    .bind(platform_id)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(r.try_into().unwrap_or(0))
}

/// What an attempt row of a run that died says.
pub const ABANDONED: &str = "abandoned: its worker stopped during the run";

/// Jobs left `running` by a worker that died (no heartbeat for longer than `older_than`, and
/// nobody holds their platform's lock) go back to the queue as retryable; their run counts as
/// an attempt, and its attempt rows, left `running` by the dead worker, are closed as abandoned
/// in the same statement. Returns their ids.
pub async fn requeue_abandoned(pool: &PgPool, older_than: Duration) -> Result<Vec<i64>> {
    // language=PostgreSQL
    let sql = format!(
        "WITH requeued AS ( \
             UPDATE tenantctl.jobs j SET status = 'retryable', locked_by = NULL, locked_at = NULL, \
             heartbeat_at = NULL, run_at = now(), \
             last_error = 'its worker stopped during the run (attempt ' || j.attempts || ')', updated_at = now() \
             WHERE j.status = 'running' \
             AND coalesce(j.heartbeat_at, j.locked_at) < now() - make_interval(secs => $1) \
             AND (j.platform_id IS NULL OR NOT {}) RETURNING j.id), \
         closed AS ( \
             UPDATE tenantctl.provision_attempts a SET outcome = 'failed', finished_at = now(), error = $2 \
             FROM requeued r WHERE a.job_id = r.id AND a.outcome = 'running'), \
         closed_attempts AS ( \
             UPDATE tenantctl.job_attempts a SET outcome = 'abandoned', finished_at = now(), error = $2 \
             FROM requeued r WHERE a.job_id = r.id AND a.outcome = 'running') \
         SELECT id FROM requeued",
        PlatformLock::held_sql("j.platform_id")
    );
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(older_than.as_secs_f64())
        .bind(ABANDONED)
        .fetch_all(pool)
        .await?)
}

/// Wait until a job has finished (completed, discarded or cancelled), polling every `poll`.
pub async fn wait(pool: &PgPool, id: i64, poll: Duration) -> Result<Job> {
    match wait_for(pool, id, poll, None).await? {
        Waited::Finished(j) | Waited::TimedOut(j) => Ok(j),
    }
}

/// How a [`wait_for`] ended: the job as last read.
#[derive(Debug)]
pub enum Waited {
    /// Completed, discarded or cancelled.
    Finished(Job),
    /// Still waiting or running when the time was up.
    TimedOut(Job),
}

/// Wait until a job has finished, polling every `poll`, for at most `timeout` (`kubectl wait
/// --timeout`: zero looks once; `None` waits for as long as it takes).
pub async fn wait_for(
    pool: &PgPool,
    id: i64,
    poll: Duration,
    timeout: Option<Duration>,
) -> Result<Waited> {
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    loop {
        let Some(j) = get(pool, id).await? else {
            return Err(Error::NotFound(format!("job {id} not found")));
        };
        if j.is_finished() {
            return Ok(Waited::Finished(j));
        }
        let nap = match deadline {
            None => poll,
            Some(d) => {
                let left = d.saturating_duration_since(tokio::time::Instant::now());
                if left.is_zero() {
                    return Ok(Waited::TimedOut(j));
                }
                poll.min(left)
            }
        };
        tokio::time::sleep(nap).await;
    }
}

impl Job {
    /// Why this unfinished job is not done after `waited`, and what to do: the error of a
    /// `--wait` that timed out (exit 1, as `kubectl wait`).
    pub fn timed_out(&self, waited: Duration) -> Error {
        let after = crate::output::duration::setting(waited);
        let name = crate::rules::naming::shown(&self.platform_name);
        let of = self
            .max_attempts
            .map(|m| format!(" of {m}"))
            .unwrap_or_default();
        let state = match (self.status, self.locked_by.as_deref()) {
            (JobStatus::Running, by) => format!(
                "still running (attempt {}{of}{})",
                self.attempts,
                by.map(|w| format!(", on worker {w}")).unwrap_or_default()
            ),
            (_, _) if self.attempts == 0 => "still queued: no worker has taken it".to_string(),
            (_, _) => format!(
                "queued again after attempt {}{of} failed: {}",
                self.attempts,
                self.last_error.as_deref().unwrap_or("-")
            ),
        };
        let key = self.platform_id.map_or(name.clone(), |id| id.to_string());
        let hint = if self.attempts == 0 && self.status.is_waiting() {
            format!(
                "the platform stays created and its job queued: start a worker (`tenantctl worker`), or provision it now (`tenantctl provision {key}`)"
            )
        } else {
            format!("wait longer (`--timeout`), or follow it with `tenantctl platform show {key}`")
        };
        Error::Other(anyhow::anyhow!(
            "timed out after {after} waiting for job {} (provisioning `{name}`): {state}",
            self.id
        ))
        .hint(hint)
    }
}
