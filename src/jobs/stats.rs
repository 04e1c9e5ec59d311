//! The queue in numbers: jobs per kind (or per platform) and state, the oldest ready job's
//! wait, and the attempts of a recent window (completed, failed, durations). `jobs stats`,
//! `status` and the Prometheus metrics read them; each is one statement over the queue tables,
//! cheap enough for every scrape (the jobs table stays small: completed jobs are pruned).
//!
//! Owns these statements; may import the error.

use crate::error::Result;
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool};
use std::time::Duration;

word_enum! {
    "grouping",
    /// What `jobs stats` counts by.
    pub enum GroupBy {
        Kind = "kind",
        Tenant = "tenant",
    }
}

/// One kind's (or platform's) jobs by state, and its attempts in the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, sqlx::FromRow)]
pub struct GroupStats {
    /// The kind, or the platform's name.
    pub group: String,
    pub scheduled: i64,
    pub available: i64,
    pub running: i64,
    pub retryable: i64,
    pub completed: i64,
    pub discarded: i64,
    pub cancelled: i64,
    /// Waiting jobs whose time has come (available, or retryable/scheduled past their time).
    pub ready: i64,
    /// Seconds the oldest ready job has waited.
    pub oldest_ready_seconds: Option<f64>,
    /// Jobs discarded (failed for good) in the window.
    pub discarded_recent: i64,
    /// Attempts that ended in the window, by how.
    pub attempts_completed: i64,
    /// Attempts that failed in the window (retried, discarded or abandoned by a dead worker).
    pub attempts_failed: i64,
    pub attempt_p50_seconds: Option<f64>,
    pub attempt_p95_seconds: Option<f64>,
}

impl GroupStats {
    /// Jobs waiting to run (not running, not finished).
    pub fn waiting(&self) -> i64 {
        self.scheduled + self.available + self.retryable
    }

    /// The count of a state by its name.
    pub fn state(&self, state: &str) -> i64 {
        match state {
            "scheduled" => self.scheduled,
            "available" => self.available,
            "running" => self.running,
            "retryable" => self.retryable,
            "completed" => self.completed,
            "discarded" => self.discarded,
            "cancelled" => self.cancelled,
            _ => 0,
        }
    }
}

/// The queue's figures per group, ordered by group; `window`: how far back attempts count.
pub async fn collect(pool: &PgPool, by: GroupBy, window: Duration) -> Result<Vec<GroupStats>> {
    let group = match by {
        GroupBy::Kind => "j.kind",
        GroupBy::Tenant => "coalesce(j.platform_name, '(none)')",
    };
    // language=PostgreSQL
    let sql = format!(
        "WITH js AS ( \
            SELECT {group} AS grp, \
                   count(*) FILTER (WHERE j.status = 'scheduled') AS scheduled, \
                   count(*) FILTER (WHERE j.status = 'available') AS available, \
                   count(*) FILTER (WHERE j.status = 'running') AS running, \
                   count(*) FILTER (WHERE j.status = 'retryable') AS retryable, \
                   count(*) FILTER (WHERE j.status = 'completed') AS completed, \
                   count(*) FILTER (WHERE j.status = 'discarded') AS discarded, \
                   count(*) FILTER (WHERE j.status = 'cancelled') AS cancelled, \
                   count(*) FILTER (WHERE j.status IN ('available', 'retryable', 'scheduled') AND j.run_at <= now()) AS ready, \
                   count(*) FILTER (WHERE j.status = 'discarded' AND j.finished_at >= now() - make_interval(secs => $1)) \
                       AS discarded_recent, \
                   extract(epoch FROM now() - min(j.run_at) FILTER ( \
                       WHERE j.status IN ('available', 'retryable', 'scheduled') AND j.run_at <= now()))::float8 \
                       AS oldest_ready_seconds \
            FROM tenantctl.jobs j GROUP BY 1), \
         at AS ( \
            SELECT {group} AS grp, \
                   count(*) FILTER (WHERE a.outcome = 'completed') AS attempts_completed, \
                   count(*) FILTER (WHERE a.outcome IN ('retry', 'discarded', 'abandoned')) AS attempts_failed, \
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.finished_at - a.started_at))::float8 \
                       AS attempt_p50_seconds, \
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM a.finished_at - a.started_at))::float8 \
                       AS attempt_p95_seconds \
            FROM tenantctl.job_attempts a JOIN tenantctl.jobs j ON j.id = a.job_id \
            WHERE a.finished_at >= now() - make_interval(secs => $1) GROUP BY 1) \
         SELECT coalesce(js.grp, at.grp) AS \"group\", \
                coalesce(scheduled, 0) AS scheduled, coalesce(available, 0) AS available, \
                coalesce(running, 0) AS running, coalesce(retryable, 0) AS retryable, \
                coalesce(completed, 0) AS completed, coalesce(discarded, 0) AS discarded, \
                coalesce(cancelled, 0) AS cancelled, coalesce(ready, 0) AS ready, oldest_ready_seconds, \
                coalesce(discarded_recent, 0) AS discarded_recent, \
                coalesce(attempts_completed, 0) AS attempts_completed, \
                coalesce(attempts_failed, 0) AS attempts_failed, attempt_p50_seconds, attempt_p95_seconds \
         FROM js FULL JOIN at ON at.grp = js.grp ORDER BY 1"
    );
    Ok(sqlx::query_as::<_, GroupStats>(AssertSqlSafe(sql))
        .bind(window.as_secs_f64())
        .fetch_all(pool)
        .await?)
}

/// The whole queue: the sum of the groups (the oldest wait is the oldest of any group).
pub fn total(groups: &[GroupStats]) -> GroupStats {
    let mut t = GroupStats {
        group: "all".into(),
        ..GroupStats::default()
    };
    for g in groups {
        t.scheduled += g.scheduled;
        t.available += g.available;
        t.running += g.running;
        t.retryable += g.retryable;
        t.completed += g.completed;
        t.discarded += g.discarded;
        t.cancelled += g.cancelled;
        t.ready += g.ready;
        t.discarded_recent += g.discarded_recent;
        t.attempts_completed += g.attempts_completed;
        t.attempts_failed += g.attempts_failed;
        t.oldest_ready_seconds = match (t.oldest_ready_seconds, g.oldest_ready_seconds) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_adds_up_and_keeps_the_oldest_wait() {
        let a = GroupStats {
            group: "mail".into(),
            available: 3,
            ready: 3,
            discarded: 1,
            oldest_ready_seconds: Some(5.0),
            attempts_failed: 2,
            ..GroupStats::default()
        };
        let b = GroupStats {
            group: "webhook".into(),
            scheduled: 4,
            running: 1,
            oldest_ready_seconds: Some(40.0),
            ..GroupStats::default()
        };
        let t = total(&[a, b]);
        assert_eq!(t.waiting(), 7);
        assert_eq!(t.running, 1);
        assert_eq!(t.state("discarded"), 1);
        assert_eq!(t.attempts_failed, 2);
        assert_eq!(t.oldest_ready_seconds, Some(40.0));
        assert_eq!(total(&[]).oldest_ready_seconds, None);
    }
}
