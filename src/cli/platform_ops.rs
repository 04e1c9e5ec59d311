//! The provisioning side of `tenantctl platform`: what `create` does after inserting the row
//! (claim a warm-pool schema, or queue a job and optionally wait), `platform retry` and
//! `platform delete`. Kept apart from `platform.rs`, which owns the registry views.

use super::Ctx;
use super::platform::Created;
use super::provision::note_failed_deliveries;
use crate::db::{SchemaName, locks::PlatformLock};
use crate::error::{Error, Result};
use crate::notify::{Notifier, ProvisionEvent};
use crate::output::Tabular;
use crate::provision::recovery::{self, Retried};
use crate::provision::{Provisioner, RetryPolicy, announce, pool, queue};
use crate::registry::{Platform, ProvisionStatus, store};
use clap::Args;
use comfy_table::{Cell, Color};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool};
use std::time::Duration;

/// How often `--wait` looks at the job.
const WAIT_POLL: Duration = Duration::from_millis(200);

/// What `platform create` started.
pub struct Started {
    pub platform: Platform,
    pub job_id: Option<i64>,
    pub from_pool: bool,
    /// `--wait` saw the provisioning fail: returned after the platform is printed.
    pub result: Result<()>,
}

/// After `platform create`: a non-host platform with a schema claims a warm-pool schema when one
/// is free (ready at once), else its provisioning is queued (`--wait` waits for the outcome).
/// The host platform is provisioned synchronously by `init`/`provision`; external ones have no
/// schema.
pub async fn start_provisioning(
    ctx: &Ctx,
    pool: &PgPool,
    p: Platform,
    base: Option<String>,
    wait: bool,
) -> Result<Started> {
    let mut started = Started {
        platform: p,
        job_id: None,
        from_pool: false,
        result: Ok(()),
    };
    let p = &started.platform;
    if p.external || p.host {
        return Ok(started);
    }
    let prov = Provisioner::from_settings(ctx.settings()).await?;
    match pool::claim(pool, &prov, p, base.as_deref(), None).await {
        Ok(Some(outcome)) => {
            let done = outcome.platform().clone();
            let d = announce::announce(
                pool,
                &Notifier::new(ctx.settings()),
                ctx.settings(),
                &done,
                &ProvisionEvent::Completed,
            )
            .await;
            note_failed_deliveries(ctx, &d);
            started.platform = done;
            started.from_pool = true;
            return Ok(started);
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(
            platform = %p.name,
            error = %crate::provision::cause_chain(&e),
            "warm pool claim failed; queueing the provisioning instead"
        ),
    }
    let policy = RetryPolicy::from_settings(&ctx.settings().provision);
    let q = queue::enqueue(pool, p, &policy).await?;
    started.job_id = Some(q.job_id);
    if wait {
        let spinner = ctx.out.spinner(&format!(
            "waiting for job {} (provisioning {}; is a `tenantctl worker` running?)",
            q.job_id, p.name
        ));
        let job = queue::wait(pool, q.job_id, WAIT_POLL).await;
        spinner.finish_and_clear();
        let job = job?;
        if let Some(now) = store::get(pool, p.id).await? {
            started.platform = now;
        }
        if job.status == "failed" {
            started.result = Err(Error::Other(anyhow::anyhow!(
                "provisioning `{}` failed after {} attempt(s): {}",
                started.platform.name,
                job.attempts,
                job.last_error.as_deref().unwrap_or("unknown error")
            ))
            .hint(format!(
                "fix the cause, then `tenantctl platform retry {}`",
                started.platform.id
            )));
        }
    }
    Ok(started)
}

/// The line `platform create` adds about provisioning.
pub fn provisioning_note(c: &Created) -> String {
    let p = &c.view.platform;
    let served = c
        .view
        .link
        .as_deref()
        .map(|l| format!(", served at {l}"))
        .unwrap_or_default();
    match (c.from_pool, c.job_id, p.provision_status) {
        (true, _, _) => format!("\nprovisioned from the warm pool{served}"),
        (_, Some(_), ProvisionStatus::Completed) => format!("\nprovisioned{served}"),
        (_, Some(_), ProvisionStatus::Failed) => {
            format!(
                "\nprovisioning failed: {}",
                p.provision_error.as_deref().unwrap_or("-")
            )
        }
        (_, Some(id), _) => format!(
            "\nprovisioning queued as job {id}; a `tenantctl worker` runs it (or `tenantctl provision {}` now)",
            p.id
        ),
        (_, None, ProvisionStatus::Pending) => {
            format!(
                "\nnext: `tenantctl provision {}` creates its schema",
                p.name
            )
        }
        _ => String::new(),
    }
}

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
                    None if self.platforms.len() == 1 => return Err(store::not_found(key)),
                    None => {
                        missing += 1;
                        ctx.out.note(&format!(
                            "{}: not found",
                            crate::registry::naming::shown(key)
                        ));
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
                let job = queue::wait(pool, id, WAIT_POLL).await?;
                if job.status == "failed" {
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

#[derive(Debug, Args)]
pub struct Delete {
    /// The platform, by name or id
    #[arg(value_name = "NAME|ID")]
    pub platform: String,
}

/// `platform delete --output json`.
#[derive(Debug, Serialize)]
pub struct Deleted {
    #[serde(rename = "platform_id")]
    pub id: i64,
    #[serde(rename = "platform")]
    pub name: String,
    #[serde(rename = "schema")]
    pub schema_name: Option<String>,
    /// Whether a schema existed and was dropped.
    pub schema_dropped: bool,
}

impl Delete {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let p = store::find(pool, &self.platform).await?;
        if p.host {
            return Err(Error::Refused(format!(
                "platform `{}` is the host platform; it cannot be deleted",
                p.name
            )));
        }
        // A schema name that breaks the rules (edited by hand) is never used in SQL: only the
        // registry row goes.
        let (schema, what) = match p.tenant_schema() {
            Ok(Some(s)) => {
                let what = format!(
                    "delete platform `{}` and drop its schema `{s}` with all its data",
                    p.name
                );
                (Some(s), what)
            }
            Ok(None) => (None, format!("delete the external platform `{}`", p.name)),
            Err(bad) => (
                None,
                format!(
                    "delete the registry row of platform `{}` ({}; no schema is dropped)",
                    p.name, bad.error
                ),
            ),
        };
        ctx.confirm(&what).await?;
        let dropped = delete(pool, &p, schema.as_ref()).await?;
        let out = Deleted {
            id: p.id,
            name: p.name.clone(),
            schema_name: p.schema_name.clone(),
            schema_dropped: dropped,
        };
        ctx.out.one(&out, || {
            format!(
                "deleted platform `{}`{}",
                out.name,
                if dropped {
                    format!(
                        " and dropped schema {}",
                        out.schema_name.as_deref().unwrap_or("-")
                    )
                } else {
                    String::new()
                }
            )
        })
    }
}

/// Drop the schema and delete the registry row in one transaction, under the platform's
/// provisioning lock (a platform being provisioned right now is refused as busy). Queued jobs
/// stay and fail with a clear error when a worker reaches them.
pub async fn delete(pool: &PgPool, p: &Platform, schema: Option<&SchemaName>) -> Result<bool> {
    let mut tx = pool.begin().await?;
    if !PlatformLock::of(p.id).try_lock_xact(&mut tx).await? {
        return Err(Error::Busy(format!(
            "platform `{}` is being provisioned right now; try again when it has finished",
            p.name
        )));
    }
    let mut dropped = false;
    if let Some(s) = schema {
        // language=PostgreSQL
        dropped =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
                .bind(s.as_str())
                .fetch_one(&mut *tx)
                .await?;
        // language=PostgreSQL
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", s.sql());
        sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
    }
    // language=PostgreSQL
    let gone = sqlx::query("DELETE FROM public.platforms WHERE id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    if gone.rows_affected() == 0 {
        return Err(store::not_found(&p.id.to_string()));
    }
    tx.commit().await?;
    tracing::info!(platform = %p.name, schema = ?p.schema_name, "platform deleted");
    Ok(dropped)
}
