//! The domain check, a kind of job that runs on a clock instead of from a row: every
//! `domains.check_interval`, while a worker runs (not with `--once`, nor with
//! `domains.verify = false`), it checks the custom domains not verified yet
//! (`registry::domains::verify_pending`).
//!
//! Owns the schedule of the check; may import the registry's domains, the configuration and
//! the error.

use crate::config::Settings;
use crate::error::cause_chain;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// What the check reads: the registry and the settings.
pub struct DomainCheck {
    pub pool: PgPool,
    pub settings: Settings,
}

impl DomainCheck {
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
                    match crate::registry::domains::verify_pending(&s.pool, &s.settings).await {
                        Ok((checked, verified)) if checked > 0 => {
                            info!(
                                checked,
                                verified, "checked the custom domains not verified yet"
                            );
                        }
                        Ok(_) => {}
                        Err(e) => {
                            warn!(error = %cause_chain(&e), "domain verification round failed")
                        }
                    }
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(every) => {}
                    }
                }
            })
        })
    }
}
