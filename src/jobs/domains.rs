//! The domain check, a kind of job that runs on a clock instead of from a row: every
//! `domains.check_interval` while a worker runs (and one round before the jobs with `--once`;
//! never with `domains.verify = false`), it checks the custom domains not verified yet and the
//! verified ones due again (`registry::domains::check_round`).
//!
//! Owns the schedule of the check; may import the registry's domains, the configuration and
//! the error.

use crate::config::Settings;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What the check reads: the registry and the settings.
pub struct DomainCheck {
    pub pool: PgPool,
    pub settings: Settings,
}

impl DomainCheck {
    /// One round now (`worker --once` runs it before its jobs).
    pub async fn once(&self) {
        if self.settings.domains.verify {
            crate::registry::domains::check_round(&self.pool, &self.settings).await;
        }
    }

    /// Start checking beside the worker until `shutdown`; `None` when the check is off.
    pub fn spawn(
        self: Arc<Self>,
        once: bool,
        shutdown: &CancellationToken,
    ) -> Option<JoinHandle<()>> {
        let settings = &self.settings;
        (!once && settings.domains.verify).then(|| {
            let s = self.clone();
            let stop = shutdown.clone();
            let every = (*settings.domains.check_interval).max(Duration::from_secs(1));
            tokio::spawn(async move {
                loop {
                    crate::registry::domains::check_round(&s.pool, &s.settings).await;
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(every) => {}
                    }
                }
            })
        })
    }
}
