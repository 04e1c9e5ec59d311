//! Schedules at run time: the worker asks [`Ticker::tick`] now and then, and each schedule
//! whose latest slot has not been enqueued yet gets its jobs.
//!
//! Exactly one job per slot (and per platform), however many workers tick at once: the worker
//! whose INSERT of the `(schedule, slot)` row into `tenantctl.schedule_slots` succeeds enqueues
//! the slot's jobs in the same transaction, through `tenantctl.enqueue` with a unique key that
//! names schedule, slot and platform; every other worker's INSERT conflicts (or waits for the
//! first to commit, then conflicts) and does nothing. No advisory lock, no read-then-write race:
//! the primary key decides. A worker that was down at a slot's time enqueues the latest slot
//! when it comes back; older missed slots are not made up (a backup at 03:00 and another at
//! 03:05 for the slot before would be one too many).
//!
//! Owns the schedules' statements; may import the rules, the registry's tenant rule and the
//! error.

use crate::error::Result;
use crate::registry::tenants::tenant_sql;
use crate::rules::schedule::Schedule;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use std::collections::HashMap;

/// Slot rows kept per schedule, beyond which old ones are deleted as new ones are made.
const KEEP_SLOTS: i64 = 100;

/// One slot a tick enqueued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fired {
    pub schedule: String,
    pub slot: DateTime<Utc>,
    pub kind: String,
    /// Jobs made (0 when no platform qualified, e.g. all backed up within the window).
    pub jobs: i64,
}

/// What a worker remembers between ticks: the slot each schedule had when it last looked, so
/// a tick between slots asks the database nothing.
#[derive(Debug, Default)]
pub struct Ticker {
    seen: HashMap<String, DateTime<Utc>>,
}

impl Ticker {
    /// Enqueue the latest slot of every enabled schedule that this worker has not seen
    /// enqueued (by itself or another worker). A failing schedule is logged and does not stop
    /// the others; it is tried again at the next tick.
    pub async fn tick(
        &mut self,
        pool: &PgPool,
        schedules: &[Schedule],
        worker: &str,
        now: DateTime<Utc>,
    ) -> Vec<Fired> {
        let mut fired = Vec::new();
        for s in schedules.iter().filter(|s| s.enabled) {
            let slot = s.slot_at_or_before(now);
            if self.seen.get(&s.name) == Some(&slot) {
                continue;
            }
            match fire(pool, s, slot, worker).await {
                Ok(f) => {
                    if let Some(f) = f {
                        tracing::info!(
                            schedule = %f.schedule, slot = %f.slot, kind = %f.kind, jobs = f.jobs,
                            "schedule enqueued its slot"
                        );
                        fired.push(f);
                    }
                    self.seen.insert(s.name.clone(), slot);
                }
                Err(e) => tracing::error!(
                    schedule = %s.name, slot = %slot,
                    error = %crate::error::cause_chain(&e),
                    "cannot enqueue the schedule's slot; trying again at the next tick"
                ),
            }
        }
        fired
    }
}

/// Enqueue `slot` of `s` unless some worker has: `None` when one has.
pub async fn fire(
    pool: &PgPool,
    s: &Schedule,
    slot: DateTime<Utc>,
    worker: &str,
) -> Result<Option<Fired>> {
    let mut tx = pool.begin().await?;
    // language=PostgreSQL
    let won = sqlx::query(
        "INSERT INTO tenantctl.schedule_slots (schedule, slot, kind, worker) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (schedule, slot) DO NOTHING",
    )
    .bind(&s.name)
    .bind(slot)
    .bind(&s.kind)
    .bind(worker)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !won {
        return Ok(None);
    }
    let key_prefix = format!("schedule:{}:{}:", s.name, slot.format("%Y-%m-%dT%H:%M:%SZ"));
    debug_assert_eq!(format!("{key_prefix}7"), s.unique_key(slot, 7));
    // Which platforms: every tenant (less those backed up within the window), or the one
    // named, or the host. The names go through the registry's own rules, never into SQL text.
    // language=PostgreSQL
    let which = concat!(
        "SELECT p.id FROM public.platforms p WHERE ",
        tenant_sql!(),
        " AND CASE WHEN $1 THEN ($2::float8 IS NULL OR p.last_backup_at IS NULL \
                                OR p.last_backup_at < now() - make_interval(secs => $2)) \
                   WHEN $3::text IS NULL THEN p.host \
                   ELSE (p.id::text = $3 OR lower(p.name) = lower($3)) END"
    );
    // language=PostgreSQL
    let sql = format!(
        "WITH targets AS ({which}), \
              made AS (SELECT tenantctl.enqueue($4, $5::jsonb, t.id::text, now(), $6 || t.id, coalesce($7, 0), $8) AS id \
                       FROM targets t ORDER BY t.id) \
         SELECT count(*) FROM made"
    );
    let jobs: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(s.per_tenant)
        .bind(s.unless_backup_within.map(|d| d.as_secs_f64()))
        .bind(s.tenant.as_deref())
        .bind(&s.kind)
        .bind(&s.payload)
        .bind(&key_prefix)
        .bind(s.priority)
        .bind(s.max_attempts)
        .fetch_one(&mut *tx)
        .await?;
    if jobs == 0 && !s.per_tenant {
        tracing::warn!(
            schedule = %s.name,
            tenant = s.tenant.as_deref().unwrap_or("(the host platform)"),
            "the schedule's platform is not a provisioned tenant: no job enqueued for this slot"
        );
    }
    // language=PostgreSQL
    sqlx::query(
        "WITH upd AS (UPDATE tenantctl.schedule_slots SET jobs = $3 WHERE schedule = $1 AND slot = $2) \
         DELETE FROM tenantctl.schedule_slots WHERE schedule = $1 AND slot < $2 AND slot NOT IN ( \
             SELECT slot FROM tenantctl.schedule_slots WHERE schedule = $1 ORDER BY slot DESC LIMIT $4)",
    )
    .bind(&s.name)
    .bind(slot)
    .bind(jobs as i32)
    .bind(KEEP_SLOTS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Fired {
        schedule: s.name.clone(),
        slot,
        kind: s.kind.clone(),
        jobs,
    }))
}

/// One schedule as `jobs schedules` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    pub schedule: String,
    pub kind: String,
    pub every: String,
    pub at: String,
    pub per_tenant: bool,
    pub tenant: Option<String>,
    pub enabled: bool,
    pub next_slot: DateTime<Utc>,
    pub last_slot: Option<DateTime<Utc>>,
    pub last_jobs: Option<i32>,
    pub last_worker: Option<String>,
}

/// The configured schedules with their next slot and the last slot enqueued.
pub async fn views(
    pool: &PgPool,
    schedules: &[Schedule],
    now: DateTime<Utc>,
) -> Result<Vec<ScheduleView>> {
    // language=PostgreSQL
    let last: Vec<(String, DateTime<Utc>, i32, Option<String>)> = sqlx::query_as(
        "SELECT DISTINCT ON (schedule) schedule, slot, jobs, worker FROM tenantctl.schedule_slots \
         ORDER BY schedule, slot DESC",
    )
    .fetch_all(pool)
    .await?;
    Ok(schedules
        .iter()
        .map(|s| {
            let l = last.iter().find(|l| l.0 == s.name);
            ScheduleView {
                schedule: s.name.clone(),
                kind: s.kind.clone(),
                every: humantime::format_duration(s.every).to_string(),
                at: crate::rules::schedule::show_at(s.at),
                per_tenant: s.per_tenant,
                tenant: s.tenant.clone(),
                enabled: s.enabled,
                next_slot: s.next_slot(now),
                last_slot: l.map(|l| l.1),
                last_jobs: l.map(|l| l.2),
                last_worker: l.and_then(|l| l.3.clone()),
            }
        })
        .collect())
}
