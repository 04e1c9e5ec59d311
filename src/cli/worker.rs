//! `tenantctl worker`: run provisioning jobs from the queue until SIGTERM/SIGINT (finishing the
//! jobs in progress first; a second signal stops at once, rolling their transactions back), or
//! with `--once` until no job is ready.

use super::Ctx;
use crate::error::{Error, Result};
use crate::jobs::worker::{self, WorkerOptions};
use crate::provision::{Provisioner, Provisioning};
use clap::Args;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Args)]
pub struct Worker {
    /// Run the jobs that are ready (and refill the warm pool), then exit (cron, tests)
    #[arg(long)]
    pub once: bool,
    /// Jobs provisioned at once [env: TENANTCTL_WORKER_CONCURRENCY] [config: worker.concurrency]
    /// [default: 1]
    #[arg(
        long = "jobs",
        short = 'j',
        visible_alias = "concurrency",
        value_name = "N"
    )]
    pub concurrency: Option<usize>,
    /// Spare schemas to keep in the warm pool [config: provision.pool_size] [default: 0]
    #[arg(long, value_name = "N")]
    pub pool_size: Option<usize>,
    /// Name of this worker in the job records [default: HOST:PID]
    #[arg(long, value_name = "NAME")]
    pub id: Option<String>,
}

impl Worker {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let s = ctx.settings();
        let concurrency = self.concurrency.unwrap_or(s.worker.concurrency);
        if concurrency == 0 {
            return Err(Error::Usage("--jobs must be at least 1".into()));
        }
        // One pool, the registry checked on it: one connection per job, one for LISTEN, one
        // for claiming, one spare.
        let pool = ctx
            .registry_sized(crate::db::pool_size(concurrency, 3))
            .await?
            .clone();
        let provisioning = Provisioning::new(
            Provisioner::from_settings(s).await?,
            s,
            self.pool_size.unwrap_or(s.provision.pool_size),
        );
        let opts = WorkerOptions::from_settings(
            s,
            self.id.unwrap_or_else(worker::default_id),
            concurrency,
            self.once,
        );
        let shutdown = CancellationToken::new();
        let signals = tokio::spawn(watch_signals(shutdown.clone()));
        let kinds: Vec<Arc<dyn crate::jobs::Kind>> = vec![
            Arc::new(provisioning),
            Arc::new(crate::backup::job::BackupKind::new(s)),
            Arc::new(crate::backup::job::RestoreKind::new(s)),
        ];
        let summary = worker::run_with(pool, kinds, worker::app_kinds(s), s, opts, shutdown).await;
        signals.abort();
        let summary = summary?;
        ctx.out.one(&summary, || {
            format!(
                "worker {}: {} job(s): {} completed, {} already provisioned, {} retrying, {} failed{}{}{}",
                summary.worker,
                summary.jobs,
                summary.completed,
                summary.already_completed,
                summary.retried,
                summary.failed,
                // Every claimed job ends in exactly one of these counts.
                if summary.released > 0 {
                    format!(", {} put back (platform busy)", summary.released)
                } else {
                    String::new()
                },
                if summary.recovered > 0 {
                    format!(", {} recovered from a stopped worker", summary.recovered)
                } else {
                    String::new()
                },
                if summary.pool_built > 0 {
                    format!("; {} pool schema(s) built", summary.pool_built)
                } else {
                    String::new()
                }
            )
        })
    }
}

/// First SIGTERM/SIGINT: stop claiming and finish the jobs in progress. Second: exit now (the
/// open provisioning transactions roll back, so nothing is left half-built).
async fn watch_signals(shutdown: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    for n in 0.. {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        if n == 0 {
            tracing::warn!(
                "stopping: finishing the jobs in progress (signal again to stop at once)"
            );
            crate::output::to_stderr(
                "stopping: finishing the jobs in progress (signal again to stop at once)",
            );
            shutdown.cancel();
        } else {
            crate::output::to_stderr("stopped at once; unfinished provisioning rolled back");
            std::process::exit(130);
        }
    }
}
