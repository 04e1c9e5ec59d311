//! Provisioning as a kind of job: the worker of [`crate::jobs`] hands it each claimed
//! `provision` row. One run reads its platform once, provisions it with the attempt's
//! circumstances (job, run number, whether it is the last), completes, retries, releases or
//! fails the row, and announces the outcome; when no job is ready it refills the warm pool.
//!
//! Owns the provisioning kind; may import provisioning's core, the queue and the kind shape.

use super::{Attempt, Provisioner, Ran, Via, announce, attempt_once, is_permanent, pool};
use crate::config::Settings;
use crate::error::{Error, Result, cause_chain};
use crate::jobs::queue::{self, Job};
use crate::jobs::{End, Kind, Run};
use crate::notify::{Notifier, ProvisionEvent};
use crate::output::duration;
use crate::registry::store;
use async_trait::async_trait;
use sqlx::PgPool;
use tracing::{error, info, warn};

/// The provisioning kind: what its runs need besides the job.
pub struct Provisioning {
    prov: Provisioner,
    notifier: Notifier,
    settings: Settings,
    /// Spare schemas to keep in the warm pool.
    pool_size: usize,
}

impl Provisioning {
    pub fn new(prov: Provisioner, settings: &Settings, pool_size: usize) -> Provisioning {
        Provisioning {
            prov,
            notifier: Notifier::new(settings),
            settings: settings.clone(),
            pool_size,
        }
    }
}

#[async_trait]
impl Kind for Provisioning {
    fn name(&self) -> &'static str {
        "provision"
    }

    async fn run(&self, run: Run<'_>, job: &Job) -> Result<End> {
        info!("job started");
        let platform = match job.platform_id {
            Some(id) => store::get(run.pool, id).await?,
            None => None,
        };
        let Some(platform) = platform else {
            let msg = format!(
                "platform `{}` (schema {}) was deleted; nothing was provisioned",
                job.platform_name,
                job.schema_name.as_deref().unwrap_or("-")
            );
            error!(error = %msg, "job failed");
            queue::fail(run.pool, job.id, &msg).await?;
            return Ok(End::Failed);
        };
        if platform.external {
            let msg = format!(
                "platform `{}` is external: it has no schema to provision",
                platform.name
            );
            error!(error = %msg, "job failed");
            queue::fail(run.pool, job.id, &msg).await?;
            return Ok(End::Failed);
        }
        let runs = u32::try_from(job.attempts).unwrap_or(0);
        let delay = run
            .policy
            .delay_after(runs)
            .filter(|_| job.attempts < job.max_attempts.unwrap_or(run.policy.total_runs()));
        let attempt = Attempt {
            via: Via::Job,
            job_id: Some(job.id),
            number: job.attempts,
            last: delay.is_none(),
            worker: Some(run.worker.to_string()),
        };
        match attempt_once(run.pool, &self.prov, &platform, &attempt).await {
            Ok(Ran::Provisioned(p)) => {
                queue::succeed(run.pool, job.id).await?;
                info!("job completed");
                announce::announce(
                    run.pool,
                    &self.notifier,
                    &self.settings,
                    &p,
                    &ProvisionEvent::Completed,
                )
                .await;
                Ok(End::Completed)
            }
            Ok(Ran::WasCompleted | Ran::CompletedElsewhere) => {
                queue::succeed(run.pool, job.id).await?;
                info!("already provisioned; nothing to do");
                Ok(End::AlreadyCompleted)
            }
            Err(Error::Busy(m)) => {
                info!(reason = %m, "platform busy; job put back");
                queue::release(run.pool, job.id, run.poll_interval).await?;
                Ok(End::Released)
            }
            Err(e) => {
                let msg = cause_chain(&e);
                // NOTE: a permanent error (bad input, something missing) fails at once: every retry
                // would meet it again.
                let permanent = is_permanent(&e);
                if permanent {
                    warn!("a permanent error: not retried");
                }
                match delay.filter(|_| !permanent) {
                    Some(d) => {
                        warn!(retry_in = %duration::span(d), "attempt failed; retrying later");
                        queue::retry_later(run.pool, job.id, &msg, d).await?;
                        Ok(End::Retrying)
                    }
                    None => {
                        error!("job failed for good");
                        queue::fail(run.pool, job.id, &msg).await?;
                        // The platform as this attempt read it: the notice names it and its
                        // address, which the failure did not change.
                        announce::announce(
                            run.pool,
                            &self.notifier,
                            &self.settings,
                            &platform,
                            &ProvisionEvent::Failed {
                                error: msg,
                                attempts: job.attempts,
                            },
                        )
                        .await;
                        Ok(End::Failed)
                    }
                }
            }
        }
    }

    /// Refill the warm pool one schema at a time.
    async fn idle(&self, db: &PgPool) -> bool {
        match pool::refill_one(db, &self.prov, self.pool_size).await {
            Ok(built) => built,
            Err(e) => {
                error!(error = %cause_chain(&e), "pool refill failed");
                false
            }
        }
    }
}
