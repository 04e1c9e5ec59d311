//! The worker: runs jobs from the queue, `concurrency` slots at a time. It claims fairly
//! (`queue::claim_fair`: round-robin over the platforms with available jobs, at most
//! `jobs.per_tenant_concurrency` of one platform running), records one `job_attempts` row per
//! attempt, and hands each job to its kind inside a tracing span that carries the job, kind,
//! attempt, platform and schema (so every log line of a job names its tenant). Built-in kinds
//! ([`Kind`], provisioning) do their own bookkeeping; the application's kinds ([`AppKind`], a
//! [`Handler`] each) get their platform read from the job row just before the attempt (deleted,
//! failed or external: discarded, naming it; in maintenance or still being provisioned: put back
//! for later) and the worker does the rest: retries with jittered backoff (or when the handler
//! says), discarding after the last attempt. While jobs run it renews their heartbeat, so a
//! killed worker's jobs are taken again; it prunes finished jobs. When idle it gives each kind
//! its idle work (provisioning refills the warm pool), then waits for `NOTIFY tenantctl_jobs` or
//! the poll interval. On shutdown it claims nothing new and finishes the jobs it runs. Beside
//! the jobs it runs the scheduled ones ([`super::domains`]).
//!
//! Owns the loop; may import `queue`, `kind`, `handler`, `domains`, the registry, the rules,
//! the configuration and the error. It knows no kind but by its name.

use super::domains::DomainCheck;
use super::handler::{Attempt, Handler, Outcome};
use super::kind::{End, Kind, Run};
use super::kinds::{self, Backoff, KindSettings};
use super::queue::{self, AttemptOutcome};
use crate::config::Settings;
use crate::error::{Result, cause_chain};
use crate::notify::Tenant;
use crate::registry::{Platform, ProvisionStatus, store};
use crate::rules::RetryPolicy;
use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::collections::BTreeMap;
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
    /// Running jobs whose heartbeat is older than this, and whose platform nobody holds, are
    /// taken again (their attempt marked abandoned).
    pub stuck_after: Duration,
    /// Provisioning's retry schedule.
    pub policy: RetryPolicy,
    /// Most jobs of one platform running at once, across workers (0: no cap).
    pub per_tenant_cap: u32,
    /// Finished jobs are deleted this long after they finished: completed and cancelled ...
    pub keep_completed: Duration,
    /// ... and discarded.
    pub keep_discarded: Duration,
}

impl WorkerOptions {
    /// The options the settings give (`worker.*`, `jobs.*`, `provision.*`), with `id`,
    /// `concurrency` and `once` from the command.
    pub fn from_settings(s: &Settings, id: String, concurrency: usize, once: bool) -> Self {
        WorkerOptions {
            id,
            concurrency,
            once,
            poll_interval: *s.worker.poll_interval,
            // A provisioning run also holds its platform's lock, which a killed worker's
            // session released; `provision.stuck_after` is the older, per-kind setting.
            stuck_after: (*s.jobs.abandon_after).min(*s.provision.stuck_after),
            policy: RetryPolicy::from_settings(&s.provision),
            per_tenant_cap: s.jobs.per_tenant_concurrency,
            keep_completed: *s.jobs.keep_completed,
            keep_discarded: *s.jobs.keep_discarded,
        }
    }

    /// How often running jobs' heartbeat is renewed: a quarter of the time after which they
    /// count as abandoned.
    pub fn heartbeat_every(&self) -> Duration {
        (self.stuck_after / 4).max(Duration::from_millis(100))
    }
}

/// One of the application's kinds (`[jobs.kinds.NAME]`, or the built-in `mail`): its handler
/// and how it is retried.
#[derive(Clone)]
pub struct AppKind {
    pub name: String,
    pub handler: Arc<dyn Handler>,
    /// The wait between attempts, before jitter.
    pub backoff: Backoff,
    /// Runs in all, unless the job row says otherwise.
    pub max_attempts: u32,
    /// One attempt's time limit, passed to the handler; the worker gives up on the attempt a
    /// little after it.
    pub timeout: Duration,
}

impl std::fmt::Debug for AppKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppKind")
            .field("name", &self.name)
            .field("backoff", &self.backoff)
            .field("max_attempts", &self.max_attempts)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl AppKind {
    /// A kind with the defaults of `[jobs.kinds.NAME]` (backoff 3, 9, 27, 81, 243 s; six
    /// attempts; a minute per attempt).
    pub fn new(name: impl Into<String>, handler: Arc<dyn Handler>) -> AppKind {
        AppKind {
            name: name.into(),
            handler,
            backoff: crate::config::job_kinds::DEFAULT_BACKOFF,
            max_attempts: crate::config::job_kinds::DEFAULT_MAX_ATTEMPTS,
            timeout: Duration::from_secs(60),
        }
    }

    /// A kind as the configuration declares it, with its handler.
    pub fn from_settings(kind: &KindSettings, settings: &Settings) -> AppKind {
        AppKind {
            name: kind.name.clone(),
            handler: Arc::from(kinds::handler_for(kind, settings)),
            backoff: kind.backoff.clone(),
            max_attempts: kind.max_attempts,
            timeout: kind.timeout,
        }
    }

    /// The wait before the next run after `runs_done` runs, with equal jitter (half the wait
    /// plus a random share of the other half), so jobs that failed together do not all come
    /// back at once.
    pub fn delay_after(&self, runs_done: u32, unit: f64) -> Duration {
        let d = self
            .backoff
            .delay_after(runs_done)
            .min(crate::rules::backoff::MAX_DELAY);
        d / 2 + (d / 2).mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// Every kind of the application the settings declare (`[jobs.kinds.NAME]`), and the built-in
/// `mail` unless the file declares its own.
pub fn app_kinds(settings: &Settings) -> Vec<AppKind> {
    let mut out: Vec<AppKind> = settings
        .job_kinds
        .values()
        .map(|k| AppKind::from_settings(k, settings))
        .collect();
    if !settings.job_kinds.contains_key(kinds::MAIL_KIND)
        && let Some(mail) = kinds::kind_settings(settings, kinds::MAIL_KIND)
    {
        out.push(AppKind::from_settings(mail, settings));
    }
    out
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
    /// Finished jobs deleted after `jobs.keep_completed` / `jobs.keep_discarded`.
    pub pruned: u64,
    /// Idle work done: the warm pool's schemas built.
    pub pool_built: usize,
}

struct Shared {
    pool: PgPool,
    kinds: Vec<Arc<dyn Kind>>,
    app_kinds: BTreeMap<String, AppKind>,
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

/// Run the jobs of the built-in `kinds` until `shutdown` is cancelled (or, with `once`, until
/// no job is ready).
pub async fn run(
    pool: PgPool,
    kinds: Vec<Arc<dyn Kind>>,
    settings: &Settings,
    opts: WorkerOptions,
    shutdown: CancellationToken,
) -> Result<Summary> {
    run_with(pool, kinds, Vec::new(), settings, opts, shutdown).await
}

/// [`run`] with the application's kinds too.
pub async fn run_with(
    pool: PgPool,
    kinds: Vec<Arc<dyn Kind>>,
    app_kinds: Vec<AppKind>,
    settings: &Settings,
    opts: WorkerOptions,
    shutdown: CancellationToken,
) -> Result<Summary> {
    let app_kinds = app_kinds.into_iter().map(|k| (k.name.clone(), k)).collect();
    let shared = Arc::new(Shared {
        pool,
        kinds,
        app_kinds,
        settings: settings.clone(),
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
    let domain_check = Arc::new(DomainCheck {
        pool: shared.pool.clone(),
        settings: settings.clone(),
    });
    // `--once` runs one round of the domain check before the jobs.
    if opts.once {
        domain_check.once().await;
    }
    let domain_checks = domain_check.spawn(opts.once, &shutdown);
    let beats = CancellationToken::new();
    let heartbeats = tokio::spawn(heartbeats(shared.clone(), beats.clone()));
    let mut running: JoinSet<End> = JoinSet::new();
    let mut last_recovery: Option<tokio::time::Instant> = None;
    // The platform served last: claims take turns round the platforms from the next one.
    let mut served: Option<i64> = None;
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
            match queue::prune(
                &shared.pool,
                opts.keep_completed,
                opts.keep_discarded,
                PRUNE_BATCH,
            )
            .await
            {
                Ok(p) if p.completed + p.discarded > 0 => {
                    info!(
                        completed = p.completed,
                        discarded = p.discarded,
                        "pruned finished jobs"
                    );
                    summary.pruned += p.completed + p.discarded;
                }
                Ok(_) => {}
                Err(e) => error!(error = %cause_chain(&e), "cannot prune finished jobs"),
            }
            last_recovery = Some(tokio::time::Instant::now());
        }
        let mut claimed = false;
        while running.len() < opts.concurrency.max(1) {
            let next = match queue::claim_fair(&shared.pool, &opts.id, served, opts.per_tenant_cap)
                .await
            {
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
                    if job.platform_id.is_some() {
                        served = job.platform_id;
                    }
                    let s = shared.clone();
                    let span = info_span!(
                        "job",
                        job = job.id,
                        kind = %job.kind,
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
    beats.cancel();
    let _ = heartbeats.await;
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

/// Finished jobs deleted per statement when pruning.
const PRUNE_BATCH: i64 = 5_000;

/// Renew the heartbeat of this worker's running jobs until `stop`.
async fn heartbeats(s: Arc<Shared>, stop: CancellationToken) {
    let every = s.opts.heartbeat_every();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        if let Err(e) = queue::heartbeat(&s.pool, &s.opts.id).await {
            warn!(error = %cause_chain(&e), "cannot renew the jobs' heartbeat");
        }
    }
}

/// Run one claimed job to its end with its kind, its attempt recorded; bookkeeping errors are
/// logged (the job then stays `running` and is taken again once its heartbeat is old).
async fn run_job(s: &Shared, job: queue::Job) -> End {
    let attempt = match queue::start_attempt(&s.pool, &job, &s.opts.id).await {
        Ok(id) => id,
        Err(e) => {
            error!(error = %cause_chain(&e), "job bookkeeping failed");
            return End::Failed;
        }
    };
    let (end, error) = match run_kind(s, &job).await {
        Ok(done) => done,
        Err(e) => {
            error!(error = %cause_chain(&e), "job bookkeeping failed");
            return End::Failed;
        }
    };
    let outcome = match end {
        End::Completed | End::AlreadyCompleted => AttemptOutcome::Completed,
        End::Retrying => AttemptOutcome::Retry,
        End::Failed => AttemptOutcome::Discarded,
        End::Released => AttemptOutcome::Released,
    };
    // A built-in kind wrote its error on the job row.
    let error = match (error, end) {
        (Some(e), _) => Some(e),
        (None, End::Retrying | End::Failed) => queue::get(&s.pool, job.id)
            .await
            .ok()
            .flatten()
            .and_then(|j| j.last_error),
        (None, _) => None,
    };
    if let Err(e) = queue::finish_attempt(&s.pool, attempt, outcome, error.as_deref()).await {
        error!(error = %cause_chain(&e), "job bookkeeping failed");
    }
    end
}

/// Dispatch on the row's kind: a built-in [`Kind`], or one of the application's.
async fn run_kind(s: &Shared, job: &queue::Job) -> Result<(End, Option<String>)> {
    if let Some(kind) = s.kinds.iter().find(|k| k.name() == job.kind) {
        let run = Run {
            pool: &s.pool,
            worker: &s.opts.id,
            policy: &s.opts.policy,
            poll_interval: s.opts.poll_interval,
        };
        return Ok((kind.run(run, job).await?, None));
    }
    let Some(kind) = s.app_kinds.get(&job.kind) else {
        let msg = format!(
            "no kind `{}` in this worker's configuration (declare it as [jobs.kinds.{}])",
            job.kind, job.kind
        );
        error!(error = %msg, "job discarded");
        queue::fail(&s.pool, job.id, &msg).await?;
        return Ok((End::Failed, Some(msg)));
    };
    run_app(s, kind, job).await
}

/// What the platform of a job allows, read from the registry just before the attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    Run(Box<Platform>),
    /// Not now (maintenance, still being provisioned): put back without counting the attempt.
    Later(String),
    /// Never (deleted, failed, external): discarded with this error.
    Never(String),
}

/// The rule of [`Gate`], pure: the job's platform as the registry has it now (`None`: deleted).
pub fn gate(job: &queue::Job, platform: Option<Platform>) -> Gate {
    let named = |p: &str, id: Option<i64>, schema: Option<&str>| {
        format!(
            "platform `{}` (id {}, schema {})",
            crate::rules::naming::shown(p),
            id.map_or("-".to_string(), |i| i.to_string()),
            schema.unwrap_or("-")
        )
    };
    let Some(p) = platform else {
        return Gate::Never(format!(
            "{} was deleted; the job was not run",
            named(
                &job.platform_name,
                job.platform_id,
                job.schema_name.as_deref()
            )
        ));
    };
    let this = named(&p.name, Some(p.id), p.schema_str());
    if p.external || p.schema_name.is_none() {
        return Gate::Never(format!(
            "{this} is external: it has no schema to run jobs in"
        ));
    }
    match p.provision_status {
        ProvisionStatus::Completed => {}
        ProvisionStatus::Failed => {
            return Gate::Never(format!(
                "{this} is not provisioned (its provisioning failed); the job was not run"
            ));
        }
        ProvisionStatus::Pending | ProvisionStatus::Provisioning => {
            return Gate::Later(format!("{this} is still being provisioned"));
        }
    }
    if p.maintenance {
        return Gate::Later(format!(
            "{this} is in maintenance{}",
            p.maintenance_reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
    }
    Gate::Run(Box::new(p))
}

/// Where a platform is served, as jobs and notifications name it.
pub async fn tenant_of(pool: &PgPool, settings: &Settings, p: &Platform) -> Result<Tenant> {
    let base = {
        let mut conn = pool.acquire().await?;
        store::base_domain(&mut conn, settings.base_domain.as_deref()).await?
    };
    let address = p.address(base.as_deref());
    Ok(Tenant {
        id: p.id,
        name: p.name.clone(),
        schema: p.schema_str().map(str::to_string),
        link: address
            .as_deref()
            .map(|a| format!("{}://{a}/", settings.url_scheme)),
        address,
    })
}

/// How long a put-back job waits before it is claimed again.
fn later(s: &Shared) -> Duration {
    s.opts.poll_interval.max(Duration::from_secs(5))
}

/// One attempt of an application job: the platform gate, the handler, then the row.
async fn run_app(s: &Shared, kind: &AppKind, job: &queue::Job) -> Result<(End, Option<String>)> {
    let platform = match job.platform_id {
        Some(id) => store::get(&s.pool, id).await?,
        None => None,
    };
    let platform = match gate(job, platform) {
        Gate::Run(p) => p,
        Gate::Later(why) => {
            info!(reason = %why, "job put back for later");
            queue::release(&s.pool, job.id, later(s)).await?;
            return Ok((End::Released, Some(why)));
        }
        Gate::Never(why) => {
            error!(error = %why, "job discarded");
            queue::fail(&s.pool, job.id, &why).await?;
            return Ok((End::Failed, Some(why)));
        }
    };
    let tenant = tenant_of(&s.pool, &s.settings, &platform).await?;
    let max_attempts = job
        .max_attempts
        .unwrap_or(i32::try_from(kind.max_attempts).unwrap_or(i32::MAX));
    info!("job started");
    let attempt = Attempt {
        job_id: job.id,
        kind: &job.kind,
        attempt: job.attempts,
        max_attempts,
        payload: &job.payload,
        tenant: &tenant,
        pool: &s.pool,
        timeout: kind.timeout,
    };
    // The handler keeps its own time limit; this one is for a handler that does not.
    let limit = kind.timeout + Duration::from_secs(5);
    let outcome = match tokio::time::timeout(limit, kind.handler.perform(attempt)).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => Outcome::Retry {
            error: cause_chain(&e),
            after: None,
        },
        Err(_) => Outcome::Retry {
            error: format!(
                "timed out after {}",
                crate::output::duration::span(kind.timeout)
            ),
            after: None,
        },
    };
    match outcome {
        Outcome::Completed => {
            queue::succeed(&s.pool, job.id).await?;
            info!("job completed");
            Ok((End::Completed, None))
        }
        Outcome::Discard { error } => {
            error!(error = %error, "job discarded");
            queue::fail(&s.pool, job.id, &error).await?;
            Ok((End::Failed, Some(error)))
        }
        Outcome::Retry { error, after } => {
            let runs = u32::try_from(job.attempts).unwrap_or(0);
            let delay = if job.attempts >= max_attempts {
                None
            } else {
                let backoff = kind.delay_after(runs, rand::random::<f64>());
                Some(after.map_or(backoff, |a| a.min(crate::rules::backoff::MAX_DELAY)))
            };
            match delay {
                Some(d) => {
                    warn!(error = %error, retry_in = %crate::output::duration::span(d), "attempt failed; retrying later");
                    queue::retry_later(&s.pool, job.id, &error, d).await?;
                    Ok((End::Retrying, Some(error)))
                }
                None => {
                    let error = format!(
                        "{error} (attempt {} of {max_attempts}, the last)",
                        job.attempts
                    );
                    error!(error = %error, "job failed for good; discarded");
                    queue::fail(&s.pool, job.id, &error).await?;
                    Ok((End::Failed, Some(error)))
                }
            }
        }
    }
}
