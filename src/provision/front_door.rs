//! The front door of provisioning: the two calls that commands and `/setup` make, so what
//! follows an attempt (the queued job, the notifications) is decided in one place.
//! - [`start`]: a new platform claims a warm-pool spare when one is free (ready at once, and
//!   announced), else its provisioning is queued for a worker (`platform create`,
//!   `POST /setup/platforms`). [`Started::wait`] waits for the queued job (`--wait`).
//! - [`provision_now`]: one synchronous attempt; on success its queued job, if any, is
//!   completed; the outcome is announced (`provision NAME`, `init`).
//!
//! Both return the notification deliveries, so a command can say which failed; what to print
//! is the caller's.

use super::{ProvisionOutcome, Provisioner, announce, pool};
use crate::config::Settings;
use crate::error::{Error, Result, cause_chain};
use crate::jobs::queue;
use crate::notify::{Delivery, Notifier, ProvisionEvent};
use crate::registry::{Platform, store};
use crate::rules::RetryPolicy;
use sqlx::PgPool;

/// What [`start`] did.
#[derive(Debug)]
pub struct Started {
    /// The platform as it is now (completed when it came from the pool).
    pub platform: Platform,
    /// The queued provisioning job, if one was queued.
    pub job_id: Option<i64>,
    /// Whether its schema was claimed from the warm pool.
    pub from_pool: bool,
    /// The notifications sent for a claim (empty when nothing is configured or nothing ended).
    pub deliveries: Vec<Delivery>,
}

/// Start provisioning a platform just created. A platform with a schema, other than the host,
/// claims a warm-pool spare when one is free (ready at once; the completion is announced), else
/// its provisioning is queued; a failed claim is logged and the provisioning queued instead.
/// The host platform is provisioned synchronously by `init` or `provision`, external ones have
/// no schema: both are returned as they are. `base_domain`: the parent of subdomain-only
/// addresses, for the seeds.
pub async fn start(
    pool: &PgPool,
    settings: &Settings,
    platform: Platform,
    base_domain: Option<&str>,
) -> Result<Started> {
    let mut started = Started {
        platform,
        job_id: None,
        from_pool: false,
        deliveries: Vec::new(),
    };
    let p = &started.platform;
    if p.external || p.host {
        return Ok(started);
    }
    let prov = Provisioner::from_settings(settings).await?;
    match pool::claim(pool, &prov, p, base_domain, None).await {
        Ok(Some(outcome)) => {
            let done = outcome.platform().clone();
            started.deliveries = tell(pool, settings, &done, &ProvisionEvent::Completed).await;
            started.platform = done;
            started.from_pool = true;
            return Ok(started);
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(
            platform = %p.name,
            error = %cause_chain(&e),
            "warm pool claim failed; queueing the provisioning instead"
        ),
    }
    let policy = RetryPolicy::from_settings(&settings.provision);
    started.job_id = Some(queue::enqueue_provision(pool, p, &policy).await?.job_id);
    Ok(started)
}

impl Started {
    /// Wait until the queued job has finished (a worker runs it) and read the platform again.
    /// `Ok(Some(error))`: the provisioning failed, the error says how and names the fix.
    /// Nothing to wait for when nothing was queued.
    /// At most `timeout` (`None`: as long as it takes); when the job has not finished by then,
    /// `Ok(Some(error))` says where it is ([`queue::Job::timed_out`]).
    pub async fn wait(
        &mut self,
        pool: &PgPool,
        timeout: Option<std::time::Duration>,
    ) -> Result<Option<Error>> {
        let Some(job_id) = self.job_id else {
            return Ok(None);
        };
        let job = match queue::wait_for(pool, job_id, queue::WAIT_POLL, timeout).await? {
            queue::Waited::Finished(job) => job,
            queue::Waited::TimedOut(job) => {
                return Ok(Some(job.timed_out(timeout.unwrap_or_default())));
            }
        };
        if let Some(now) = store::get(pool, self.platform.id).await? {
            self.platform = now;
        }
        if job.status == queue::JobStatus::Completed {
            return Ok(None);
        }
        Ok(Some(
            Error::Other(anyhow::anyhow!(
                "provisioning `{}` failed after {} attempt(s): {}",
                self.platform.name,
                job.attempts,
                job.last_error.as_deref().unwrap_or("unknown error")
            ))
            .hint(format!(
                "fix the cause, then `tenantctl platform retry {}`",
                self.platform.id
            )),
        ))
    }
}

/// Whether [`provision_now`] tells the platform's contact about a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// Announce it as final, unless a queued job will try again (`provision NAME`).
    Announce,
    /// Say nothing: the caller may try again at once (`init`, whose wizard offers a retry).
    Quiet,
}

/// What [`provision_now`] did: the attempt's result and the notifications it sent (also when
/// the attempt failed).
#[derive(Debug)]
pub struct Attempted {
    pub result: Result<ProvisionOutcome>,
    pub deliveries: Vec<Delivery>,
}

/// Provision a platform synchronously (one attempt, see [`super::provision`]). When it
/// completes the schema now, the platform's queued job, if any, is completed (it has nothing
/// left to do) and the completion is announced; a failure is announced per `on_failure`.
pub async fn provision_now(
    pool: &PgPool,
    prov: &Provisioner,
    settings: &Settings,
    platform: &Platform,
    on_failure: OnFailure,
) -> Attempted {
    let mut deliveries = Vec::new();
    let result = match super::provision(pool, prov, platform).await {
        Ok(outcome) => after_success(pool, settings, outcome, &mut deliveries).await,
        Err(e) => {
            if on_failure == OnFailure::Announce
                && let Err(bookkeeping) =
                    announce_failure(pool, settings, platform, &e, &mut deliveries).await
            {
                return Attempted {
                    result: Err(bookkeeping),
                    deliveries,
                };
            }
            Err(e)
        }
    };
    Attempted { result, deliveries }
}

async fn after_success(
    pool: &PgPool,
    settings: &Settings,
    outcome: ProvisionOutcome,
    deliveries: &mut Vec<Delivery>,
) -> Result<ProvisionOutcome> {
    if let ProvisionOutcome::Provisioned(p) = &outcome {
        queue::complete_queued_for(pool, p.id).await?;
        *deliveries = tell(pool, settings, p, &ProvisionEvent::Completed).await;
    }
    Ok(outcome)
}

/// A synchronous failure is final unless a queued job will try again; busy (another run has
/// it) and bad usage are not failures of the platform.
async fn announce_failure(
    pool: &PgPool,
    settings: &Settings,
    platform: &Platform,
    e: &Error,
    deliveries: &mut Vec<Delivery>,
) -> Result<()> {
    if matches!(e, Error::Busy(_) | Error::Usage(_))
        || queue::has_live_job(pool, platform.id).await?
    {
        return Ok(());
    }
    if let Some(p) = store::get(pool, platform.id).await? {
        let event = ProvisionEvent::Failed {
            error: cause_chain(e),
            attempts: 1,
        };
        *deliveries = tell(pool, settings, &p, &event).await;
    }
    Ok(())
}

/// Announce an outcome with the notifier `settings` configure.
async fn tell(
    pool: &PgPool,
    settings: &Settings,
    p: &Platform,
    event: &ProvisionEvent,
) -> Vec<Delivery> {
    announce::announce(pool, &Notifier::new(settings), settings, p, event).await
}
