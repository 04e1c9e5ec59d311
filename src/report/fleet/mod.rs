//! The fleet's state in one snapshot: platforms by status, stuck and failed provisioning,
//! backup ages, migration lag, the job queue and provision times. `status` shows it,
//! `status --check` judges it against thresholds (monitoring-plugin levels), and
//! [`super::metrics`] exposes it to Prometheus — the textfile collector and `serve`'s `/metrics`
//! alike. A handful of registry and catalog queries; no statement per tenant unless a tenant
//! has no recorded migration status, in which case its `_sqlx_migrations` is read directly
//! (many schemas per statement).

use super::builtin::{self, BackupRow, BackupState, FailedPlatform, StuckPlatform};
use crate::config::Settings;
use crate::db::{Ident, SchemaName};
use crate::error::Result;
use crate::migrate::{MigrationSet, TRACKING_TABLE};
use crate::output::duration;
use crate::registry::tenants::tenant_sql;
use crate::registry::{InvalidPlatform, ProvisionStatus};
use crate::rules::names;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool, Row};
use std::collections::HashMap;
use std::time::Duration;

mod check;
mod read;
mod snapshot;

pub use check::*;
pub use read::*;
pub use snapshot::*;

/// Upper bounds (seconds) of the provision-duration histogram buckets.
pub const DURATION_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0];

/// Schemas read per statement when migration status is read from the schemas themselves.
const MIGRATION_READ_BATCH: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn empty() -> FleetStatus {
        FleetStatus {
            generated_at: Utc::now(),
            platforms: StatusCounts {
                completed: 3,
                total: 3,
                ..StatusCounts::default()
            },
            stuck_after_seconds: 600.0,
            stuck: vec![],
            failed: vec![],
            missing_schemas: vec![],
            maintenance_warn_seconds: 3600.0,
            maintenance: vec![],
            old_schemas: vec![],
            invalid: vec![],
            backup_warn_seconds: 86400.0,
            backup_crit_seconds: 7.0 * 86400.0,
            backups: vec![],
            migrations: Migrations {
                latest_version: Some(10),
                set_error: None,
                tenants: vec![],
            },
            queue: Queue::default(),
            provision: ProvisionTimes::default(),
            citus: None,
            domains: vec![],
        }
    }

    fn thresholds() -> Thresholds {
        Thresholds {
            failed_warn: 1,
            failed_crit: 5,
            stuck_warn: 1,
            stuck_crit: 0,
            queue_warn: 50,
            queue_crit: 500,
            behind_warn: 1,
            behind_crit: 0,
        }
    }

    fn failed(n: usize) -> Vec<FailedPlatform> {
        (0..n)
            .map(|i| FailedPlatform {
                platform_id: i as i64,
                platform: format!("p{i}"),
                error: Some("boom".into()),
                failed_at: Utc::now(),
            })
            .collect()
    }

    #[test]
    fn levels_against_thresholds() {
        assert_eq!(level_of(0, 1, 5), PluginState::Ok);
        assert_eq!(level_of(1, 1, 5), PluginState::Warning);
        assert_eq!(level_of(5, 1, 5), PluginState::Critical);
        assert_eq!(level_of(100, 0, 0), PluginState::Ok);
        assert_eq!(level_of(100, 0, 3), PluginState::Critical);
    }

    #[test]
    fn a_healthy_fleet_is_ok_in_one_line() {
        let c = status_check(&empty(), &thresholds());
        assert_eq!(c.level, PluginState::Ok);
        let line = c.line(&empty());
        assert!(line.starts_with("TENANTCTL OK - 3 platforms"), "{line}");
        assert!(!line.contains('\n'));
        assert!(line.contains("| platforms=3;;;0 failed=0;1;5;0"), "{line}");
    }

    #[test]
    fn a_failing_domain_warns_and_a_lost_one_is_critical() {
        let trouble = |status: &str, address: &str| DomainTrouble {
            platform_id: 1,
            platform: "Shop".into(),
            address: address.into(),
            status: status.into(),
            since: Some(Utc::now()),
            error: None,
        };
        let mut s = empty();
        s.domains = vec![trouble("failing", "shop.test")];
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Warning);
        assert!(
            c.line(&s).contains("1 custom domain(s) failing"),
            "{}",
            c.line(&s)
        );
        s.domains.push(trouble("lost", "old.test"));
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Critical);
        assert!(c.line(&s).contains("old.test of Shop"), "{}", c.line(&s));
    }

    #[test]
    fn failures_warn_then_turn_critical() {
        let mut s = empty();
        s.platforms.failed = 2;
        s.failed = failed(2);
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Warning);
        assert!(
            c.line(&s)
                .contains("TENANTCTL WARNING - 2 failed platform(s) (p0, p1)"),
            "{}",
            c.line(&s)
        );
        s.platforms.failed = 6;
        s.failed = failed(6);
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Critical);
        assert!(c.line(&s).contains("(p0, p1, p2 and 3 more)"));
    }

    #[test]
    fn critical_outranks_warning_and_unknown() {
        let mut s = empty();
        s.queue.ready = 60;
        s.migrations.set_error = Some("no dir".into());
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Unknown);
        s.queue.ready = 600;
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Critical);
        assert!(c.problems[0].1.contains("600 job(s)"));
    }

    #[test]
    fn maintenance_warns_only_past_its_age() {
        let mut s = empty();
        let m = |age: Option<i64>| InMaintenance {
            platform_id: 1,
            platform: "acme".into(),
            schema: None,
            reason: Some("tenantctl restore: ...".into()),
            since: None,
            age_seconds: age,
        };
        s.maintenance = vec![m(Some(60))];
        assert_eq!(status_check(&s, &thresholds()).level, PluginState::Ok);
        assert!(
            status_check(&s, &thresholds())
                .perfdata
                .ends_with("maintenance=1;;;0")
        );
        s.maintenance = vec![m(Some(3601))];
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Warning);
        assert!(
            c.line(&s)
                .contains("1 platform(s) in maintenance for more than 1h (acme)"),
            "{}",
            c.line(&s)
        );
        // Since unknown (set before the column existed): warned, to be looked at.
        s.maintenance = vec![m(None)];
        assert_eq!(status_check(&s, &thresholds()).level, PluginState::Warning);
    }

    #[test]
    fn lag_counts_newer_versions() {
        let set = MigrationSet::embedded();
        let all = set.len() as i64;
        assert_eq!(lag(&set, None), all);
        assert_eq!(lag(&set, set.latest()), 0);
        let second = set.ups().nth(1).unwrap().version;
        assert_eq!(lag(&set, Some(second)), all - 2);
    }
}
