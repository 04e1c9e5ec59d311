//! The worker: runs provisioning jobs from the queue, `concurrency` at a time, each inside a
//! tracing span that carries the job, the platform and its schema (so every log line of a job
//! names its tenant), with the tenant's schema set transaction-locally by the provisioning core.
//! A failed run is retried with exponential backoff and keeps its tenant (the job row carries
//! the platform id); the last failure marks the platform failed and notifies its contact.
//! When idle it refills the warm pool, then waits for `NOTIFY tenantctl_jobs` or the poll
//! interval. On shutdown it claims nothing new and finishes the jobs it runs. Beside the
//! jobs, every `domains.check_interval` it checks the custom domains not verified yet
//! (`registry::domains::verify_pending`).

use super::{Attempt, ProvisionOutcome, Provisioner, Via, announce, pool, queue};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::notify::{Notifier, ProvisionEvent};
use crate::output::duration;
use crate::registry::store;
use crate::rules::RetryPolicy;
use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, error, info, info_span, warn};

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Names this worker in `jobs.locked_by` and `provision_attempts.worker`.
    pub id: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// Drain the ready jobs (and refill the pool) then exit, instead of waiting for more.
    pub once: bool,
    pub poll_interval: Duration,
    /// Running jobs claimed longer ago than this, whose platform nobody holds, are requeued.
    pub stuck_after: Duration,
    pub pool_size: usize,
    pub policy: RetryPolicy,
}

/// What a worker did, printed when it stops.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub worker: String,
    pub jobs: usize,
    pub completed: usize,
    /// Jobs whose platform was already provisioned (a no-op).
    pub already_completed: usize,
    /// Runs that failed and were scheduled again.
    pub retried: usize,
    /// Jobs that failed for good.
    pub failed: usize,
    /// Jobs put back because another run held their platform.
    pub released: usize,
    /// Abandoned jobs (their worker died) put back in the queue.
    pub recovered: usize,
    pub pool_built: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobEnd {
    Completed,
    AlreadyCompleted,
    Retrying,
    Failed,
    Released,
}

struct Shared {
    pool: PgPool,
    prov: Provisioner,
    notifier: Notifier,
    settings: Settings,
    opts: WorkerOptions,
}

/// A default worker id: `host:pid`.
pub fn default_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "worker".into());
    format!("{host}:{}", std::process::id())
}

/// Run until `shutdown` is cancelled (or, with `once`, until no job is ready).
pub async fn run(
    pool: PgPool,
    prov: Provisioner,
    settings: &Settings,
    opts: WorkerOptions,
    shutdown: CancellationToken,
) -> Result<Summary> {
    let shared = Arc::new(Shared {
        notifier: Notifier::new(settings),
        settings: settings.clone(),
        pool,
        prov,
        opts,
    });
    let opts = &shared.opts;
    let mut summary = Summary {
        worker: opts.id.clone(),
        ..Summary::default()
    };
    let mut listener = if opts.once {
        None
    } else {
        match PgListener::connect_with(&shared.pool).await {
            Ok(mut l) => match l.listen(queue::CHANNEL).await {
                Ok(()) => Some(l),
                Err(e) => {
                    warn!(error = %crate::error::Shown(&e), "cannot LISTEN; polling only");
                    None
                }
            },
            Err(e) => {
                warn!(error = %crate::error::Shown(&e), "cannot LISTEN; polling only");
                None
            }
        }
    };
    info!(worker = %opts.id, concurrency = opts.concurrency, once = opts.once, "worker started");
    let domain_checks = (!opts.once && settings.domains.verify).then(|| {
        let s = shared.clone();
        let stop = shutdown.clone();
        let every = (*settings.domains.check_interval).max(Duration::from_secs(1));
        tokio::spawn(async move {
            loop {
                match crate::registry::domains::verify_pending(&s.pool, &s.settings).await {
                    Ok((checked, verified)) if checked > 0 => {
                        info!(
                            checked,
                            verified, "checked the custom domains not verified yet"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => {
                        warn!(error = %super::cause_chain(&e), "domain verification round failed")
                    }
                }
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(every) => {}
                }
            }
        })
    });
    let mut running: JoinSet<JobEnd> = JoinSet::new();
    let mut last_recovery: Option<tokio::time::Instant> = None;
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        let recovery_due = last_recovery
            .is_none_or(|t| t.elapsed() >= opts.stuck_after.min(Duration::from_secs(60)));
        if recovery_due {
            match queue::requeue_abandoned(&shared.pool, opts.stuck_after).await {
                Ok(ids) if !ids.is_empty() => {
                    warn!(jobs = ?ids, "requeued jobs whose worker stopped");
                    summary.recovered += ids.len();
                }
                Ok(_) => {}
                Err(e) if !opts.once => {
                    error!(error = %super::cause_chain(&e), "cannot look for abandoned jobs");
                }
                Err(e) => return Err(e),
            }
            last_recovery = Some(tokio::time::Instant::now());
        }
        let mut claimed = false;
        while running.len() < opts.concurrency.max(1) {
            let next = match queue::claim(&shared.pool, &opts.id).await {
                Ok(next) => next,
                // A long-running worker outlives a database restart: log, wait, try again.
                Err(e) if !opts.once => {
                    error!(error = %super::cause_chain(&e), "cannot claim jobs; retrying");
                    tokio::select! {
                        _ = shutdown.cancelled() => {}
                        _ = tokio::time::sleep(opts.poll_interval.max(Duration::from_secs(1))) => {}
                    }
                    break;
                }
                Err(e) => return Err(e),
            };
            match next {
                Some(job) => {
                    claimed = true;
                    summary.jobs += 1;
                    let s = shared.clone();
                    let span = info_span!(
                        "job",
                        job = job.id,
                        attempt = job.attempts,
                        platform = %job.platform_name,
                        schema = %job.schema_name.as_deref().unwrap_or("-"),
                    );
                    running.spawn(async move { run_job(&s, job).await }.instrument(span));
                }
                None => break,
            }
        }
        if running.is_empty() && !claimed {
            // Idle: refill the pool one schema at a time, then wait for work.
            match pool::refill_one(&shared.pool, &shared.prov, opts.pool_size).await {
                Ok(true) => {
                    summary.pool_built += 1;
                    continue;
                }
                Ok(false) => {}
                Err(e) => error!(error = %super::cause_chain(&e), "pool refill failed"),
            }
            if opts.once {
                break;
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = wake(&mut listener, opts.poll_interval) => {}
            }
            continue;
        }
        tokio::select! {
            done = running.join_next() => {
                if let Some(done) = done {
                    count(&mut summary, done);
                }
            }
            _ = shutdown.cancelled() => break,
            // A free slot: look for new jobs when woken or after the poll interval.
            _ = wake(&mut listener, opts.poll_interval), if running.len() < opts.concurrency.max(1) => {}
        }
    }
    if !running.is_empty() {
        info!(jobs = running.len(), "finishing the jobs in progress");
    }
    while let Some(done) = running.join_next().await {
        count(&mut summary, done);
    }
    if let Some(checks) = domain_checks {
        // A round in progress is only lookups and one UPDATE per domain: stop it.
        checks.abort();
        let _ = checks.await;
    }
    info!(worker = %opts.id, jobs = summary.jobs, "worker stopped");
    Ok(summary)
}

fn count(summary: &mut Summary, done: std::result::Result<JobEnd, tokio::task::JoinError>) {
    match done {
        Ok(JobEnd::Completed) => summary.completed += 1,
        Ok(JobEnd::AlreadyCompleted) => summary.already_completed += 1,
        Ok(JobEnd::Retrying) => summary.retried += 1,
        Ok(JobEnd::Failed) => summary.failed += 1,
        Ok(JobEnd::Released) => summary.released += 1,
        Err(e) => {
            // Counted, so the summary still adds up; the job stays `running` and is recovered
            // as abandoned.
            error!(error = %crate::error::Shown(&e), "job task panicked");
            summary.failed += 1;
        }
    }
}

/// Wait for a NOTIFY (when listening) or the poll interval, whichever comes first.
async fn wake(listener: &mut Option<PgListener>, poll: Duration) {
    match listener {
        Some(l) => {
            if let Ok(Err(e)) = tokio::time::timeout(poll, l.recv()).await {
                // The connection dropped; PgListener reconnects on the next call. Meanwhile poll.
                warn!(error = %crate::error::Shown(&e), "LISTEN connection lost; polling");
                tokio::time::sleep(poll).await;
            }
        }
        None => tokio::time::sleep(poll).await,
    }
}

/// Run one claimed job to its end; bookkeeping errors are logged (the job then stays
/// `running` and is recovered as abandoned).
async fn run_job(s: &Shared, job: queue::Job) -> JobEnd {
    match run_job_inner(s, &job).await {
        Ok(end) => end,
        Err(e) => {
            error!(error = %super::cause_chain(&e), "job bookkeeping failed");
            JobEnd::Failed
        }
    }
}

async fn run_job_inner(s: &Shared, job: &queue::Job) -> Result<JobEnd> {
    info!("job started");
    let platform = match job.platform_id {
        Some(id) => store::get(&s.pool, id).await?,
        None => None,
    };
    let Some(platform) = platform else {
        let msg = format!(
            "platform `{}` (schema {}) was deleted; nothing was provisioned",
            job.platform_name,
            job.schema_name.as_deref().unwrap_or("-")
        );
        error!(error = %msg, "job failed");
        queue::fail(&s.pool, job.id, &msg).await?;
        return Ok(JobEnd::Failed);
    };
    if platform.external {
        let msg = format!(
            "platform `{}` is external: it has no schema to provision",
            platform.name
        );
        error!(error = %msg, "job failed");
        queue::fail(&s.pool, job.id, &msg).await?;
        return Ok(JobEnd::Failed);
    }
    let runs = u32::try_from(job.attempts).unwrap_or(0);
    let delay = s
        .opts
        .policy
        .delay_after(runs)
        .filter(|_| job.attempts < job.max_attempts);
    let attempt = Attempt {
        via: Via::Job,
        job_id: Some(job.id),
        number: job.attempts,
        last: delay.is_none(),
        worker: Some(s.opts.id.clone()),
    };
    match super::provision_attempt(&s.pool, &s.prov, &platform, &attempt).await {
        Ok(ProvisionOutcome::Provisioned(p)) => {
            queue::succeed(&s.pool, job.id).await?;
            info!("job completed");
            announce::announce(
                &s.pool,
                &s.notifier,
                &s.settings,
                &p,
                &ProvisionEvent::Completed,
            )
            .await;
            Ok(JobEnd::Completed)
        }
        Ok(ProvisionOutcome::AlreadyCompleted(_)) => {
            queue::succeed(&s.pool, job.id).await?;
            info!("already provisioned; nothing to do");
            Ok(JobEnd::AlreadyCompleted)
        }
        Err(Error::Busy(m)) => {
            info!(reason = %m, "platform busy; job put back");
            queue::release(&s.pool, job.id, s.opts.poll_interval).await?;
            Ok(JobEnd::Released)
        }
        Err(e) => {
            let msg = super::cause_chain(&e);
            // NOTE: a permanent error (bad input, something missing) fails at once: every retry
            // would meet it again.
            let permanent = super::is_permanent(&e);
            if permanent {
                warn!("a permanent error: not retried");
            }
            match delay.filter(|_| !permanent) {
                Some(d) => {
                    warn!(retry_in = %duration::span(d), "attempt failed; retrying later");
                    queue::retry_later(&s.pool, job.id, &msg, d).await?;
                    Ok(JobEnd::Retrying)
                }
                None => {
                    error!("job failed for good");
                    queue::fail(&s.pool, job.id, &msg).await?;
                    let p = store::get(&s.pool, platform.id).await?.unwrap_or(platform);
                    announce::announce(
                        &s.pool,
                        &s.notifier,
                        &s.settings,
                        &p,
                        &ProvisionEvent::Failed {
                            error: msg,
                            attempts: job.attempts,
                        },
                    )
                    .await;
                    Ok(JobEnd::Failed)
                }
            }
        }
    }
}
