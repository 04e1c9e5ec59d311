//! The job queue in `tenantctl.jobs`: its rows and every statement on them. Each job carries
//! its kind and its platform's id (and a snapshot of its name and schema, for a clear error when
//! the platform is deleted). Workers claim jobs with `FOR UPDATE SKIP LOCKED`, so several share
//! the queue and never take the same job; a unique index keeps at most one live (queued or
//! running) provisioning job per platform. Enqueueing sends `NOTIFY tenantctl_jobs` so idle
//! workers wake at once.
//!
//! Owns the queue's SQL; may import the registry's rows, the database helpers and the rules.

use crate::db::locks::PlatformLock;
use crate::error::{Error, Result};
use crate::registry::Platform;
use crate::rules::RetryPolicy;
use chrono::{DateTime, Utc};
use serde::Serialize;
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
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

impl JobStatus {
    /// Succeeded or failed: the job will not run again.
    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed)
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
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub locked_by: Option<String>,
    pub locked_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub const JOB_COLUMNS: &str = "id, kind, platform_id, platform_name, schema_name, status, attempts, \
     max_attempts, run_at, locked_by, locked_at, last_error, created_at, finished_at";

impl Job {
    pub fn is_finished(&self) -> bool {
        self.status.is_finished()
    }
}

/// What [`enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Enqueued {
    pub job_id: i64,
    /// False when the platform already had a live job (its id is returned).
    pub created: bool,
}

/// Queue the provisioning of a platform, or return its live job if it has one.
pub async fn enqueue(pool: &PgPool, platform: &Platform, policy: &RetryPolicy) -> Result<Enqueued> {
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
            "INSERT INTO tenantctl.jobs (kind, platform_id, platform_name, schema_name, max_attempts) \
             VALUES ('provision', $1, $2, $3, $4) \
             ON CONFLICT (platform_id) WHERE kind = 'provision' AND status IN ('queued', 'running') DO NOTHING \
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
                // Delivered at commit.
                // language=PostgreSQL
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                Enqueued {
                    job_id: id,
                    created: true,
                }
            }
            None => {
                // language=PostgreSQL
                let live: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM tenantctl.jobs WHERE platform_id = $1 AND kind = 'provision' \
                     AND status IN ('queued', 'running')",
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

/// Take the next ready job (oldest `run_at` first) for `worker`: it becomes `running` and its
/// run is counted. One statement; `SKIP LOCKED` lets concurrent workers pass each other by.
pub async fn claim(pool: &PgPool, worker: &str) -> Result<Option<Job>> {
    // language=PostgreSQL
    let sql = format!(
        "UPDATE tenantctl.jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
         locked_at = now(), updated_at = now() \
         WHERE id = (SELECT id FROM tenantctl.jobs WHERE status = 'queued' AND run_at <= now() \
                     ORDER BY run_at, id FOR UPDATE SKIP LOCKED LIMIT 1) \
         RETURNING {JOB_COLUMNS}"
    );
    Ok(sqlx::query_as::<_, Job>(AssertSqlSafe(sql))
        .bind(worker)
        .fetch_optional(pool)
        .await?)
}

pub async fn get(pool: &PgPool, id: i64) -> Result<Option<Job>> {
    // language=PostgreSQL
    let sql = format!("SELECT {JOB_COLUMNS} FROM tenantctl.jobs WHERE id = $1");
    Ok(sqlx::query_as::<_, Job>(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

/// The job ran to its end.
pub async fn succeed(pool: &PgPool, id: i64) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'succeeded', last_error = NULL, locked_by = NULL, \
         locked_at = NULL, finished_at = now(), updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The job failed for good.
pub async fn fail(pool: &PgPool, id: i64, error: &str) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'failed', last_error = $2, locked_by = NULL, \
         locked_at = NULL, finished_at = now(), updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// The run failed and a retry follows after `delay`.
pub async fn retry_later(pool: &PgPool, id: i64, error: &str, delay: Duration) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'queued', last_error = $2, locked_by = NULL, locked_at = NULL, \
         run_at = now() + make_interval(secs => $3), updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(delay.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(())
}

/// Put a claimed job back without counting its run (another run held the platform).
pub async fn release(pool: &PgPool, id: i64, delay: Duration) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), locked_by = NULL, \
         locked_at = NULL, run_at = now() + make_interval(secs => $2), updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(delay.as_secs_f64())
    .execute(pool)
    .await?;
    Ok(())
}

/// A synchronous provision completed the platform: its queued job has nothing left to do.
pub async fn complete_queued_for(pool: &PgPool, platform_id: i64) -> Result<u64> {
    // language=PostgreSQL
    let r = sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'succeeded', last_error = NULL, finished_at = now(), updated_at = now() \
         WHERE platform_id = $1 AND kind = 'provision' AND status = 'queued'",
    )
    .bind(platform_id)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}

/// Whether the platform has a live (queued or running) job, which will try again.
pub async fn has_live_job(pool: &PgPool, platform_id: i64) -> Result<bool> {
    // language=PostgreSQL
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM tenantctl.jobs WHERE platform_id = $1 AND status IN ('queued', 'running'))",
    )
    .bind(platform_id)
    .fetch_one(pool)
    .await?)
}

/// Running jobs of a platform whose worker is gone: failed, so a new job can be queued. The
/// platform's attempt rows still `running` are closed too (the caller checked that nobody holds
/// its lock, so no run is alive).
pub async fn abandon_running_for(pool: &PgPool, platform_id: i64, reason: &str) -> Result<u64> {
    // language=PostgreSQL
    let r = sqlx::query(
        "UPDATE tenantctl.jobs SET status = 'failed', last_error = $2, locked_by = NULL, locked_at = NULL, \
         finished_at = now(), updated_at = now() \
         WHERE platform_id = $1 AND kind = 'provision' AND status = 'running'",
    )
    .bind(platform_id)
    .bind(reason)
    .execute(pool)
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
    Ok(r.rows_affected())
}

/// What an attempt row of a run that died says.
pub const ABANDONED: &str = "abandoned: its worker stopped during the run";

/// Jobs left `running` by a worker that died (claimed longer ago than `older_than` and nobody
/// holds their platform's lock) go back to the queue; their run counts as an attempt, and its
/// attempt row, left `running` by the dead worker, is closed as abandoned in the same
/// statement. Returns their ids.
pub async fn requeue_abandoned(pool: &PgPool, older_than: Duration) -> Result<Vec<i64>> {
    // language=PostgreSQL
    let sql = format!(
        "WITH requeued AS ( \
             UPDATE tenantctl.jobs j SET status = 'queued', locked_by = NULL, locked_at = NULL, run_at = now(), \
             last_error = 'its worker stopped during the run (attempt ' || j.attempts || ')', updated_at = now() \
             WHERE j.status = 'running' AND j.locked_at < now() - make_interval(secs => $1) \
             AND (j.platform_id IS NULL OR NOT {}) RETURNING j.id), \
         closed AS ( \
             UPDATE tenantctl.provision_attempts a SET outcome = 'failed', finished_at = now(), error = $2 \
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

/// Wait until a job has finished (succeeded or failed for good), polling every `poll`.
pub async fn wait(pool: &PgPool, id: i64, poll: Duration) -> Result<Job> {
    match wait_for(pool, id, poll, None).await? {
        Waited::Finished(j) | Waited::TimedOut(j) => Ok(j),
    }
}

/// How a [`wait_for`] ended: the job as last read.
#[derive(Debug)]
pub enum Waited {
    /// Succeeded or failed for good.
    Finished(Job),
    /// Still queued or running when the time was up.
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
        let state = match (self.status, self.locked_by.as_deref()) {
            (JobStatus::Running, by) => format!(
                "still running (attempt {} of {}{})",
                self.attempts,
                self.max_attempts,
                by.map(|w| format!(", on worker {w}")).unwrap_or_default()
            ),
            (_, _) if self.attempts == 0 => "still queued: no worker has taken it".to_string(),
            (_, _) => format!(
                "queued again after attempt {} of {} failed: {}",
                self.attempts,
                self.max_attempts,
                self.last_error.as_deref().unwrap_or("-")
            ),
        };
        let key = self.platform_id.map_or(name.clone(), |id| id.to_string());
        let hint = if self.attempts == 0 && self.status == JobStatus::Queued {
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
