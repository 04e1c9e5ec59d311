//! What a kind of job is to the worker: a name (the `kind` column of its rows), a way to run one
//! claimed row to its end, and optional work for idle moments. The worker dispatches each
//! claimed job on its kind; the room that owns the work implements [`Kind`] (provisioning today;
//! backup, restore, mail and the application's kinds later).
//!
//! Owns the shape alone; may import `queue` and the rules.

use super::queue::Job;
use crate::error::Result;
use crate::rules::RetryPolicy;
use async_trait::async_trait;
use sqlx::PgPool;
use std::time::Duration;

/// How a claimed job ended, as the worker counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Completed,
    /// Its work was done already (a no-op).
    AlreadyCompleted,
    /// The run failed and was scheduled again.
    Retrying,
    /// The job failed for good.
    Failed,
    /// Put back without counting the run (another run held its platform).
    Released,
}

/// What a run gets from the worker besides its job.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub pool: &'a PgPool,
    /// The worker's name (`jobs.locked_by`, `provision_attempts.worker`).
    pub worker: &'a str,
    pub policy: &'a RetryPolicy,
    /// How long a released job waits before it is claimed again.
    pub poll_interval: Duration,
}

/// One kind of job. A run does its own bookkeeping on the row (`queue::succeed`, `fail`,
/// `retry_later`, `release`); an error it returns is bookkeeping that failed, and leaves the
/// row `running` for recovery.
#[async_trait]
pub trait Kind: Send + Sync {
    /// The `kind` column of its rows.
    fn name(&self) -> &'static str;

    /// Run one claimed job (its row `running`, this run counted in `attempts`) to its end.
    async fn run(&self, run: Run<'_>, job: &Job) -> Result<End>;

    /// Work for a moment when no job is ready; `true` when it did some (the worker then looks
    /// for jobs again at once). It logs its own failures.
    async fn idle(&self, _pool: &PgPool) -> bool {
        false
    }
}
