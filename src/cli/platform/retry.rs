//! `tenantctl platform retry`: queue the provisioning of failed or stuck platforms again.

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::jobs::queue;
use crate::jobs::recovery::{self, Retried};
use crate::output::Tabular;
use crate::registry::{ProvisionStatus, store};
use crate::rules::RetryPolicy;
use clap::Args;
use comfy_table::{Cell, Color};

#[derive(Debug, Args)]
pub struct Retry {
    /// The platforms, by name or id
    #[arg(
        value_name = "NAME|ID",
        required_unless_present = "all_failed",
        conflicts_with = "all_failed"
    )]
    pub platforms: Vec<String>,
    /// Every failed platform, and every platform stuck in provisioning longer than
    /// `provision.stuck_after`
    #[arg(long)]
    pub all_failed: bool,
    /// Wait until the queued jobs have finished (a worker runs them)
    #[arg(long)]
    pub wait: bool,
}

impl Tabular for Retried {
    fn headers() -> Vec<&'static str> {
        vec!["platform", "was", "action", "job", "message"]
    }
    fn row(&self, term: &crate::output::Term) -> Vec<Cell> {
        let action = serde_json::to_value(self.action)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let c = Cell::new(action);
        let c = if term.color {
            c.fg(if self.action.ok() {
                Color::Green
            } else {
                Color::Red
            })
        } else {
            c
        };
        vec![
            Cell::new(&self.platform),
            Cell::new(self.was),
            c,
            Cell::new(self.job_id.map(|j| j.to_string()).unwrap_or("-".into())),
            Cell::new(&self.message),
        ]
    }
}

impl Retry {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let s = ctx.settings();
        let policy = RetryPolicy::from_settings(&s.provision);
        let mut targets = Vec::new();
        let mut missing = 0usize;
        if self.all_failed {
            targets = store::list_by_status(pool, ProvisionStatus::Failed).await?;
            targets.extend(recovery::stuck_platforms(pool, *s.provision.stuck_after).await?);
            targets.sort_by_key(|p| p.id);
            if targets.is_empty() {
                return ctx
                    .out
                    .list_or::<Retried>(&[], "no failed or stuck platforms; nothing to retry");
            }
        } else {
            for key in &self.platforms {
                let mut conn = pool.acquire().await?;
                match store::find_opt(&mut conn, key).await? {
                    Some(p) => targets.push(p),
                    None if self.platforms.len() == 1 => {
                        return Err(store::unknown(&mut conn, key).await?);
                    }
                    None => {
                        missing += 1;
                        ctx.out
                            .note(&format!("{}: not found", crate::rules::naming::shown(key)));
                    }
                }
            }
        }
        let mut rows = Vec::new();
        for p in &targets {
            rows.push(recovery::retry(pool, p, &policy).await?);
        }
        let mut failed = missing + rows.iter().filter(|r| !r.action.ok()).count();
        if self.wait {
            for r in &mut rows {
                let Some(id) = r.job_id else { continue };
                let job = queue::wait(pool, id, queue::WAIT_POLL).await?;
                if job.status != queue::JobStatus::Completed {
                    failed += 1;
                    r.message = format!(
                        "job {id} failed: {}",
                        job.last_error.as_deref().unwrap_or("-")
                    );
                } else {
                    r.message = format!("job {id} completed");
                }
            }
        }
        ctx.out.list(&rows)?;
        let total = rows.len() + missing;
        if total == 1
            && failed == 1
            && let Some(r) = rows.first()
        {
            return Err(match r.action {
                recovery::RetryAction::Busy => {
                    Error::Busy(format!("platform `{}` is {}", r.platform, r.message))
                }
                recovery::RetryAction::Refused => {
                    Error::Usage(format!("platform `{}` is {}", r.platform, r.message))
                }
                _ => Error::Other(anyhow::anyhow!("platform `{}`: {}", r.platform, r.message)),
            });
        }
        if failed > 0 {
            return Err(Error::Partial { failed, total });
        }
        Ok(())
    }
}
