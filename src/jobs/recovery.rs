//! Recovery: platforms whose provisioning failed, and platforms stuck in `provisioning` because
//! the run that held them died (a killed worker). A platform is stuck when it has been
//! `provisioning` longer than `provision.stuck_after` and no session holds its provisioning
//! lock; nothing of it was built, since the build is one transaction that died with its session.
//!
//! Owns the look for stuck platforms and `platform retry`'s way back into the queue; may import
//! `queue`, the rules, the registry and the database locks.

use super::queue;
use crate::db::locks::PlatformLock;
use crate::error::Result;
use crate::registry::{PLATFORM_COLUMNS, Platform, ProvisionStatus};
use crate::rules::RetryPolicy;
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool};
use std::time::Duration;

/// Platforms stuck in `provisioning` for longer than `after`, with nobody working on them.
/// `tenantctl status --check` and `platform list` report these; `platform retry` recovers them.
pub async fn stuck_platforms(pool: &PgPool, after: Duration) -> Result<Vec<Platform>> {
    // language=PostgreSQL
    let sql = format!(
        "SELECT {PLATFORM_COLUMNS} FROM public.platforms p WHERE p.provision_status = 'provisioning' \
         AND p.updated_at < now() - make_interval(secs => $1) AND NOT {} ORDER BY p.id",
        PlatformLock::held_sql("p.id")
    );
    Ok(sqlx::query_as::<_, Platform>(AssertSqlSafe(sql))
        .bind(after.as_secs_f64())
        .fetch_all(pool)
        .await?)
}

/// Whether a session holds the platform's provisioning lock right now.
pub async fn is_being_provisioned(pool: &PgPool, platform_id: i64) -> Result<bool> {
    // language=PostgreSQL
    let sql = format!("SELECT {}", PlatformLock::held_sql("$1::bigint"));
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(platform_id)
        .fetch_one(pool)
        .await?)
}

/// What `platform retry` did with one platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAction {
    /// A provisioning job was queued.
    Queued,
    /// It had a live job already (its id is given).
    AlreadyQueued,
    /// It is provisioned; nothing to do.
    AlreadyCompleted,
    /// A run is provisioning it right now.
    Busy,
    /// External platforms have no schema.
    Refused,
}

impl RetryAction {
    /// Whether the platform is now on its way to `completed` (or there already).
    pub fn ok(self) -> bool {
        matches!(
            self,
            RetryAction::Queued | RetryAction::AlreadyQueued | RetryAction::AlreadyCompleted
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retried {
    pub platform: String,
    pub platform_id: i64,
    /// The status before the retry.
    pub was: ProvisionStatus,
    pub action: RetryAction,
    pub job_id: Option<i64>,
    pub message: String,
}

/// Re-run the provisioning of a failed, pending or stuck platform through the queue.
pub async fn retry(pool: &PgPool, p: &Platform, policy: &RetryPolicy) -> Result<Retried> {
    let done = |action, job_id, message: String| Retried {
        platform: p.name.clone(),
        platform_id: p.id,
        was: p.provision_status,
        action,
        job_id,
        message,
    };
    if p.external {
        return Ok(done(
            RetryAction::Refused,
            None,
            "external: it has no schema to provision".into(),
        ));
    }
    match p.provision_status {
        ProvisionStatus::Completed => {
            return Ok(done(
                RetryAction::AlreadyCompleted,
                None,
                "already provisioned; nothing to do".into(),
            ));
        }
        ProvisionStatus::Provisioning => {
            if is_being_provisioned(pool, p.id).await? {
                return Ok(done(
                    RetryAction::Busy,
                    None,
                    "being provisioned right now; try again when it has finished".into(),
                ));
            }
            // Its run died: the transaction rolled back, so there is nothing to clean up but
            // the bookkeeping.
            queue::abandon_running_for(
                pool,
                p.id,
                "abandoned: the run stopped mid-provision (recovered by platform retry)",
            )
            .await?;
        }
        ProvisionStatus::Pending | ProvisionStatus::Failed => {}
    }
    // language=PostgreSQL
    sqlx::query(
        "UPDATE public.platforms SET provision_status = 'pending', updated_at = now() \
         WHERE id = $1 AND provision_status IN ('failed', 'provisioning')",
    )
    .bind(p.id)
    .execute(pool)
    .await?;
    let q = queue::enqueue_provision(pool, p, policy).await?;
    Ok(if q.created {
        done(
            RetryAction::Queued,
            Some(q.job_id),
            format!("queued as job {}", q.job_id),
        )
    } else {
        done(
            RetryAction::AlreadyQueued,
            Some(q.job_id),
            format!("already queued as job {}", q.job_id),
        )
    })
}
