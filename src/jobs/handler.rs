//! The application's kinds of job (issue 25): what a handler gets for one attempt and what it
//! answers. The worker (`worker`) claims the row, reads its platform from the row (never from
//! ambient state), checks it may run, records the attempt, and then hands it to the handler of
//! its kind (`[jobs.kinds.NAME]` in the configuration: webhook, command, sql, or the built-in
//! mail); the handler only does the work and says how it went. Backoff, attempt rows, discarding
//! after the last attempt and every log field are the worker's, so no handler repeats them.
//!
//! Owns the shape alone; the handlers live in `handlers/`.

use crate::error::Result;
use crate::notify::Tenant;
use async_trait::async_trait;
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

/// One attempt of one job, as its handler sees it.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub job_id: i64,
    pub kind: &'a str,
    /// 1 for the first run.
    pub attempt: i32,
    pub max_attempts: i32,
    pub payload: &'a Value,
    /// The job's platform, read from the registry just before this attempt. Its schema is the
    /// validated schema name; a handler that reaches SQL sets it with `SET LOCAL` only.
    pub tenant: &'a Tenant,
    /// The registry's pool (for the `sql` handler and the mail's named query).
    pub pool: &'a PgPool,
    /// The kind's timeout for this attempt.
    pub timeout: Duration,
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done; the job is completed.
    Completed,
    /// Failed, may succeed later: retried with the kind's backoff (or after `after`, when the
    /// other side said when, e.g. `Retry-After`), or discarded if it was the last attempt.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// Failed for good (a 4xx answer, a payload the handler cannot use): discarded now.
    Discard { error: String },
}

/// One kind's handler. An `Err` is a failure of tenantctl itself (the registry unreachable) and
/// is treated as `Retry`.
#[async_trait]
pub trait Handler: Send + Sync {
    async fn perform(&self, attempt: Attempt<'_>) -> Result<Outcome>;
}
