//! Backup and restore as kinds of job: the console's "back up now" and "restore" (and a
//! schedule's daily backup) queue them, and `tenantctl worker` does them with the same library
//! calls as `tenantctl backup NAME` and `tenantctl restore NAME --backup ID`.
//!
//! A job's platform is the one its row names (never ambient state), read again when it runs: a
//! deleted, external or unprovisioned platform fails the job with its name and schema. The
//! payload of `backup` is `{}`; of `restore`, `{"backup_id": ID, "keep_old": false}`.
//!
//! A backup that fails is retried with the queue's backoff, then the administrators hear of it
//! as they do of a failed `backup` run. A restore is not retried: it replaces the tenant's data
//! with the backup's, and doing that again later, unasked, would throw away whatever changed in
//! between. A failed restore changed nothing (see [`super::restore`]); the person who asked
//! sees the error on the job and asks again. A restore that finds its platform busy (another
//! restore or a provisioning run holds it) is put back, not failed.
//!
//! Owns the two kinds; may import backup's own rooms, the queue and the kind shape.

use super::dump::{BackupOutcome, Backupper};
use super::manifest;
use super::pgtools::PgTools;
use super::restore::Restorer;
use super::storage;
use crate::config::Settings;
use crate::error::{Error, Result, cause_chain};
use crate::jobs::queue::{self, Job};
use crate::jobs::{End, Kind, Run};
use crate::output::duration;
use crate::registry::{Platform, ProvisionStatus, store};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tracing::{error, info, warn};

/// The `kind` of backup jobs.
pub const BACKUP: &str = "backup";
/// The `kind` of restore jobs.
pub const RESTORE: &str = "restore";

/// What a `restore` job restores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestorePayload {
    /// The backup's id (`20261126T030000.000Z`).
    pub backup_id: String,
    /// Keep the replaced schema under a new name instead of dropping it.
    #[serde(default)]
    pub keep_old: bool,
}

impl RestorePayload {
    /// Read a job's payload, the id checked before it reaches a storage key.
    pub fn parse(v: &serde_json::Value) -> std::result::Result<RestorePayload, String> {
        let p: RestorePayload = serde_json::from_value(v.clone())
            .map_err(|e| format!("the restore job's payload is not {{\"backup_id\": ID}}: {e}"))?;
        manifest::validate_id(&p.backup_id).map_err(|e| e.to_string())?;
        Ok(p)
    }
}

/// The platform of a job, as it is now, or why the job cannot run (its final error).
async fn platform_of(
    run: &Run<'_>,
    job: &Job,
    what: &str,
) -> Result<std::result::Result<Platform, String>> {
    let p = match job.platform_id {
        Some(id) => store::get(run.pool, id).await?,
        None => None,
    };
    let schema = job.schema_name.as_deref().unwrap_or("-");
    Ok(match p {
        None => Err(format!(
            "platform `{}` (schema {schema}) was deleted; nothing to {what}",
            job.platform_name
        )),
        Some(p) if p.external => Err(format!(
            "platform `{}` is external: it has no schema to {what}",
            p.name
        )),
        Some(p) if p.provision_status != ProvisionStatus::Completed && what == "back up" => {
            Err(format!(
                "platform `{}` (schema {schema}) is {}, not provisioned; nothing to back up",
                p.name,
                p.provision_status.as_str()
            ))
        }
        Some(p) => Ok(p),
    })
}

/// A failure every later run would meet again.
fn is_permanent(e: &Error) -> bool {
    match e {
        Error::Invalid(_)
        | Error::Usage(_)
        | Error::Config(_)
        | Error::NotFound(_)
        | Error::Conflict(_)
        | Error::Refused(_) => true,
        Error::Hinted { source, .. } => is_permanent(source),
        _ => false,
    }
}

async fn fail(run: &Run<'_>, job: &Job, msg: &str) -> Result<End> {
    error!(error = %msg, "job failed");
    queue::fail(run.pool, job.id, msg).await?;
    Ok(End::Failed)
}

/// The `backup` kind.
pub struct BackupKind {
    settings: Settings,
}

impl BackupKind {
    pub fn new(settings: &Settings) -> BackupKind {
        BackupKind {
            settings: settings.clone(),
        }
    }
}

#[async_trait]
impl Kind for BackupKind {
    fn name(&self) -> &'static str {
        BACKUP
    }

    async fn run(&self, run: Run<'_>, job: &Job) -> Result<End> {
        info!("job started");
        let p = match platform_of(&run, job, "back up").await? {
            Ok(p) => p,
            Err(msg) => return fail(&run, job, &msg).await,
        };
        let (msg, permanent, failed) = match self.back_up(run.pool, &p).await {
            Ok((o, _)) if o.ok() => {
                queue::succeed(run.pool, job.id).await?;
                info!(
                    backup = o.backup_id.as_deref().unwrap_or("-"),
                    size = o.size_bytes.unwrap_or(0),
                    "backup taken"
                );
                if let Some(w) = &o.warning {
                    warn!(warning = %w, "backup taken with a warning");
                }
                return Ok(End::Completed);
            }
            Ok((o, storage)) => (
                o.error.clone().unwrap_or_else(|| "backup failed".into()),
                false,
                Some((o, storage)),
            ),
            // It could not start: storage unreachable, pg_dump missing.
            Err(e) => (cause_chain(&e), is_permanent(&e), None),
        };
        match retry_delay(&run, job).filter(|_| !permanent) {
            Some(d) => {
                warn!(error = %msg, retry_in = %duration::span(d), "backup failed; retrying later");
                queue::retry_later(run.pool, job.id, &msg, d).await?;
                Ok(End::Retrying)
            }
            None => {
                error!(error = %msg, "backup failed for good");
                queue::fail(run.pool, job.id, &msg).await?;
                if let Some((o, storage)) = failed {
                    let all = [o];
                    let failed: Vec<&BackupOutcome> = all.iter().collect();
                    super::failures::notify(run.pool, &self.settings, &all, &failed, &storage)
                        .await;
                }
                Ok(End::Failed)
            }
        }
    }
}

impl BackupKind {
    /// One platform's backup, as `tenantctl backup NAME` takes it; with the storage's name.
    async fn back_up(&self, pool: &sqlx::PgPool, p: &Platform) -> Result<(BackupOutcome, String)> {
        let storage = storage::from_settings(&self.settings.backup).await?;
        storage.check_writable().await?;
        super::handle_file_size_limit();
        let b = &self.settings.backup;
        let backupper = Arc::new(Backupper {
            pool: pool.clone(),
            storage: storage.clone(),
            tools: PgTools::new(&self.settings)?,
            jobs: 1,
            batch_size: b.batch_size,
            growth_warn_factor: b.growth_warn_factor,
        });
        let outcome = backupper
            .run(vec![p.clone()], Arc::new(|_: &BackupOutcome| {}))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Other(anyhow::anyhow!("the backup run returned no outcome")))?;
        Ok((outcome, storage.describe()))
    }
}

/// The wait before the next run, or `None` after the last.
fn retry_delay(run: &Run<'_>, job: &Job) -> Option<std::time::Duration> {
    let runs = u32::try_from(job.attempts).unwrap_or(0);
    run.policy
        .delay_after(runs)
        .filter(|_| job.attempts < job.max_attempts.unwrap_or(run.policy.total_runs()))
}

/// The `restore` kind.
pub struct RestoreKind {
    settings: Settings,
}

impl RestoreKind {
    pub fn new(settings: &Settings) -> RestoreKind {
        RestoreKind {
            settings: settings.clone(),
        }
    }
}

#[async_trait]
impl Kind for RestoreKind {
    fn name(&self) -> &'static str {
        RESTORE
    }

    async fn run(&self, run: Run<'_>, job: &Job) -> Result<End> {
        info!("job started");
        let payload = match RestorePayload::parse(&job.payload) {
            Ok(p) => p,
            Err(msg) => return fail(&run, job, &msg).await,
        };
        let p = match platform_of(&run, job, "restore").await? {
            Ok(p) => p,
            Err(msg) => return fail(&run, job, &msg).await,
        };
        let res = async {
            let schema = p.require_schema()?;
            let storage = storage::from_settings(&self.settings.backup).await?;
            storage.check().await?;
            let m =
                manifest::pick(storage.as_ref(), schema.as_str(), Some(&payload.backup_id)).await?;
            let restorer = Restorer::from_settings(run.pool, storage, &self.settings).await?;
            super::handle_file_size_limit();
            restorer.restore(&p, &m, payload.keep_old).await
        }
        .await;
        match res {
            Ok(report) => {
                queue::succeed(run.pool, job.id).await?;
                info!(
                    backup = %report.backup_id,
                    tables = report.tables,
                    rows = report.rows,
                    "restored"
                );
                Ok(End::Completed)
            }
            Err(Error::Busy(m)) => {
                info!(reason = %m, "platform busy; job put back");
                queue::release(run.pool, job.id, run.poll_interval).await?;
                Ok(End::Released)
            }
            // NOTE: never retried (see the module docs); nothing was changed.
            Err(e) => {
                fail(
                    &run,
                    job,
                    &format!("{}; nothing was changed", cause_chain(&e)),
                )
                .await
            }
        }
    }
}

/// Queue a backup of `p`. A platform has at most one live backup job: asking again returns
/// the live one's id (`created` false).
pub async fn enqueue_backup(pool: &sqlx::PgPool, p: &Platform) -> Result<queue::Enqueued> {
    let mut job = queue::NewJob::new(BACKUP, p);
    job.unique_key = Some(BACKUP.into());
    queue::enqueue(pool, &job).await
}

/// Queue the restore of one of `p`'s backups: one run, never retried (see the module docs).
/// At most one live restore per platform: asking again returns the live one's id.
pub async fn enqueue_restore(
    pool: &sqlx::PgPool,
    p: &Platform,
    payload: &RestorePayload,
) -> Result<queue::Enqueued> {
    manifest::validate_id(&payload.backup_id)?;
    let mut job = queue::NewJob::new(RESTORE, p);
    job.payload = serde_json::to_value(payload).map_err(anyhow::Error::from)?;
    job.unique_key = Some(RESTORE.into());
    job.max_attempts = Some(1);
    queue::enqueue(pool, &job).await
}

/// A backup or restore job of a platform, as its backups page shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct JobLine {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub backup_id: Option<String>,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl JobLine {
    /// Not finished yet (the page keeps following it).
    pub fn live(&self) -> bool {
        !matches!(
            self.status.as_str(),
            "completed" | "discarded" | "cancelled"
        )
    }
}

/// The platform's latest backup and restore jobs, newest first.
pub async fn recent(pool: &sqlx::PgPool, platform_id: i64, limit: i64) -> Result<Vec<JobLine>> {
    // language=PostgreSQL
    Ok(sqlx::query_as(
        "SELECT id, kind, status, attempts, payload->>'backup_id' AS backup_id, last_error, created_at, finished_at \
         FROM tenantctl.jobs WHERE platform_id = $1 AND kind IN ('backup', 'restore') \
         ORDER BY id DESC LIMIT $2",
    )
    .bind(platform_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
