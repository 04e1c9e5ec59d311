//! The worker: runs jobs from the queue, `concurrency` at a time, each handed to its kind
//! ([`Kind`], found by the row's `kind`) inside a tracing span that carries the job, the platform
//! and its schema (so every log line of a job names its tenant). A failed run is retried with
//! exponential backoff and keeps its tenant (the job row carries the platform id). When idle it
//! gives each kind its idle work (provisioning refills the warm pool), then waits for
//! `NOTIFY tenantctl_jobs` or the poll interval. On shutdown it claims nothing new and finishes
//! the jobs it runs. Beside the jobs it runs the scheduled ones ([`super::domains`]).
//!
//! Owns the loop; may import `queue`, `kind`, `domains`, the rules, the configuration and the
//! error. It knows no kind but by its name.

use super::domains::DomainCheck;
use super::kind::{End, Kind, Run};
use super::queue;
use crate::config::Settings;
use crate::error::{Result, cause_chain};
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
    /// Idle work done: the warm pool's schemas built.
    pub pool_built: usize,
}

struct Shared {
    pool: PgPool,
    kinds: Vec<Arc<dyn Kind>>,
    opts: WorkerOptions,
}

/// A default worker id: `host:pid`.
pub fn default_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "worker".into());
    format!("{host}:{}", std::process::id())
}

/// Run the jobs of `kinds` until `shutdown` is cancelled (or, with `once`, until no job is
/// ready).
pub async fn run(
    pool: PgPool,
    kinds: Vec<Arc<dyn Kind>>,
    settings: &Settings,
    opts: WorkerOptions,
    shutdown: CancellationToken,
) -> Result<Summary> {
    let shared = Arc::new(Shared { pool, kinds, opts });
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
    let domain_check = Arc::new(DomainCheck {
        pool: shared.pool.clone(),
        settings: settings.clone(),
    });
    // `--once` runs one round of the domain check before the jobs.
    if opts.once {
        domain_check.once().await;
    }
    let domain_checks = domain_check.spawn(opts.once, &shutdown);
    let mut running: JoinSet<End> = JoinSet::new();
    let mut last_recovery: Option<tokio::time::Instant> = None;
    // `[jobs.schedules.NAME]`: due slots enqueued, once per slot across all workers.
    let mut schedules = super::schedules::Ticker::default();
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        schedules
            .tick(
                &shared.pool,
                &settings.schedules,
                &opts.id,
                chrono::Utc::now(),
            )
            .await;
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
                    error!(error = %cause_chain(&e), "cannot look for abandoned jobs");
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
                    error!(error = %cause_chain(&e), "cannot claim jobs; retrying");
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
            // Idle: each kind's idle work (the warm pool, one schema at a time), then wait.
            if idle(&shared).await {
                summary.pool_built += 1;
                continue;
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

/// The first kind with idle work does it; `true` when one did.
async fn idle(s: &Shared) -> bool {
    for kind in &s.kinds {
        if kind.idle(&s.pool).await {
            return true;
        }
    }
    false
}

fn count(summary: &mut Summary, done: std::result::Result<End, tokio::task::JoinError>) {
    match done {
        Ok(End::Completed) => summary.completed += 1,
        Ok(End::AlreadyCompleted) => summary.already_completed += 1,
        Ok(End::Retrying) => summary.retried += 1,
        Ok(End::Failed) => summary.failed += 1,
        Ok(End::Released) => summary.released += 1,
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

/// Run one claimed job to its end with its kind; bookkeeping errors are logged (the job then
/// stays `running` and is recovered as abandoned).
async fn run_job(s: &Shared, job: queue::Job) -> End {
    let Some(kind) = s.kinds.iter().find(|k| k.name() == job.kind) else {
        let msg = format!("no worker knows jobs of kind `{}`", job.kind);
        error!(error = %msg, "job failed");
        return match queue::fail(&s.pool, job.id, &msg).await {
            Ok(()) => End::Failed,
            Err(e) => {
                error!(error = %cause_chain(&e), "job bookkeeping failed");
                End::Failed
            }
        };
    };
    let run = Run {
        pool: &s.pool,
        worker: &s.opts.id,
        policy: &s.opts.policy,
        poll_interval: s.opts.poll_interval,
    };
    match kind.run(run, &job).await {
        Ok(end) => end,
        Err(e) => {
            error!(error = %cause_chain(&e), "job bookkeeping failed");
            End::Failed
        }
    }
}
