//! `status --check`: the snapshot judged against thresholds, in the monitoring-plugin
//! convention (states, one line, performance data).

use super::*;

/// Monitoring-plugin states (OK, WARNING, CRITICAL, UNKNOWN); the value is the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PluginState {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl PluginState {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginState::Ok => "OK",
            PluginState::Warning => "WARNING",
            PluginState::Critical => "CRITICAL",
            PluginState::Unknown => "UNKNOWN",
        }
    }
}

/// The `status.*` thresholds. A count threshold of 0 is off.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub failed_warn: i64,
    pub failed_crit: i64,
    pub stuck_warn: i64,
    pub stuck_crit: i64,
    pub queue_warn: i64,
    pub queue_crit: i64,
    pub behind_warn: i64,
    pub behind_crit: i64,
}

impl Thresholds {
    pub fn from_settings(s: &Settings) -> Thresholds {
        let t = &s.status;
        Thresholds {
            failed_warn: t.failed_warn,
            failed_crit: t.failed_crit,
            stuck_warn: t.stuck_warn,
            stuck_crit: t.stuck_crit,
            queue_warn: t.queue_warn,
            queue_crit: t.queue_crit,
            behind_warn: t.behind_warn,
            behind_crit: t.behind_crit,
        }
    }
}

/// The level of a count against a warning and a critical threshold (0: off). Pure.
pub fn level_of(value: i64, warn: i64, crit: i64) -> PluginState {
    if crit > 0 && value >= crit {
        PluginState::Critical
    } else if warn > 0 && value >= warn {
        PluginState::Warning
    } else {
        PluginState::Ok
    }
}

/// The verdict of `status --check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub level: PluginState,
    /// What is wrong, worst first, each with its level.
    pub problems: Vec<(PluginState, String)>,
    /// Nagios performance data: `label=value;warn;crit`.
    pub perfdata: String,
}

impl Check {
    /// The one line a monitoring system shows.
    pub fn line(&self, s: &FleetStatus) -> String {
        let text = if self.problems.is_empty() {
            format!(
                "{} platforms, none failed or stuck, backups fresh, migrations current, queue {}",
                s.platforms.total, s.queue.ready
            )
        } else {
            self.problems
                .iter()
                .map(|(_, p)| p.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        format!(
            "TENANTCTL {} - {text} | {}",
            self.level.as_str(),
            self.perfdata
        )
    }
}

fn perf(label: &str, value: i64, warn: i64, crit: i64) -> String {
    let t = |v: i64| if v > 0 { v.to_string() } else { String::new() };
    format!("{label}={value};{};{};0", t(warn), t(crit))
}

/// Judge a snapshot. Pure.
pub fn status_check(s: &FleetStatus, t: &Thresholds) -> Check {
    let mut problems: Vec<(PluginState, String)> = Vec::new();
    let names = |v: Vec<&str>| {
        let owned: Vec<String> = v.into_iter().map(str::to_string).collect();
        crate::report::present::some_names(&owned, 3)
    };
    let failed = s.platforms.failed;
    let l = level_of(failed, t.failed_warn, t.failed_crit);
    if l > PluginState::Ok {
        problems.push((
            l,
            format!(
                "{failed} failed platform(s) ({})",
                names(s.failed.iter().map(|f| f.platform.as_str()).collect())
            ),
        ));
    }
    let stuck = s.stuck.len() as i64;
    let l = level_of(stuck, t.stuck_warn, t.stuck_crit);
    if l > PluginState::Ok {
        problems.push((
            l,
            format!(
                "{stuck} platform(s) provisioning for more than {} ({})",
                duration::setting(Duration::from_secs_f64(s.stuck_after_seconds)),
                names(s.stuck.iter().map(|f| f.platform.as_str()).collect())
            ),
        ));
    }
    if !s.invalid.is_empty() {
        problems.push((
            PluginState::Warning,
            format!(
                "{} platform(s) with an invalid schema name ({})",
                s.invalid.len(),
                names(s.invalid.iter().map(|b| b.platform.as_str()).collect())
            ),
        ));
    }
    if !s.missing_schemas.is_empty() {
        problems.push((
            PluginState::Critical,
            format!(
                "{} completed platform(s) without their schema ({})",
                s.missing_schemas.len(),
                names(
                    s.missing_schemas
                        .iter()
                        .map(|m| m.platform.as_str())
                        .collect()
                )
            ),
        ));
    }
    let crit: Vec<&str> = s
        .backups_in(BackupState::Critical)
        .map(|b| b.platform.as_str())
        .collect();
    let stale: Vec<&str> = s
        .backups_in(BackupState::Stale)
        .map(|b| b.platform.as_str())
        .collect();
    let age = |secs: f64| duration::setting(Duration::from_secs_f64(secs));
    if !crit.is_empty() {
        problems.push((
            PluginState::Critical,
            format!(
                "{} backup(s) older than {} ({})",
                crit.len(),
                age(s.backup_crit_seconds),
                names(crit.clone())
            ),
        ));
    }
    if !stale.is_empty() {
        problems.push((
            PluginState::Warning,
            format!(
                "{} backup(s) older than {} ({})",
                stale.len(),
                age(s.backup_warn_seconds),
                names(stale.clone())
            ),
        ));
    }
    let future: Vec<&str> = s
        .backups
        .iter()
        .filter(|b| b.future_backups > 0)
        .map(|b| b.platform.as_str())
        .collect();
    if !future.is_empty() {
        problems.push((
            PluginState::Warning,
            format!(
                "{} platform(s) with backups dated in the future ({})",
                future.len(),
                names(future.clone())
            ),
        ));
    }
    let long: Vec<&str> = s
        .maintenance
        .iter()
        .filter(|m| {
            m.age_seconds
                .is_none_or(|a| a as f64 > s.maintenance_warn_seconds)
        })
        .map(|m| m.platform.as_str())
        .collect();
    if !long.is_empty() {
        problems.push((
            PluginState::Warning,
            format!(
                "{} platform(s) in maintenance for more than {} ({})",
                long.len(),
                age(s.maintenance_warn_seconds),
                names(long.clone())
            ),
        ));
    }
    let unbalanced: Vec<String> = s
        .citus
        .iter()
        .flat_map(|c| &c.nodes)
        .filter(|n| n.imbalance.is_some())
        .map(|n| n.node.to_string())
        .collect();
    if !unbalanced.is_empty() {
        problems.push((
            PluginState::Warning,
            format!(
                "{} Citus node(s) out of balance ({}); `tenantctl rebalance` evens them out",
                unbalanced.len(),
                crate::report::present::some_names(&unbalanced, 3)
            ),
        ));
    }
    for (status, level, what) in [
        (
            "lost",
            PluginState::Critical,
            "custom domain(s) lost their proof and are not served",
        ),
        (
            "failing",
            PluginState::Warning,
            "custom domain(s) failing their proof (still served until `domains.lost_after`)",
        ),
    ] {
        let hit: Vec<String> = s
            .domains
            .iter()
            .filter(|d| d.status == status)
            .map(|d| format!("{} of {}", d.address, d.platform))
            .collect();
        if !hit.is_empty() {
            problems.push((
                level,
                format!(
                    "{} {what} ({}); `tenantctl platform verify-domain` says why",
                    hit.len(),
                    crate::report::present::some_names(&hit, 3)
                ),
            ));
        }
    }
    let behind: Vec<&str> = s.migrations.behind().map(|m| m.platform.as_str()).collect();
    let l = level_of(behind.len() as i64, t.behind_warn, t.behind_crit);
    if l > PluginState::Ok {
        problems.push((
            l,
            format!(
                "{} tenant(s) behind on migrations ({})",
                behind.len(),
                names(behind.clone())
            ),
        ));
    }
    if let Some(e) = &s.migrations.set_error {
        problems.push((
            PluginState::Unknown,
            format!("migration set unavailable: {e}"),
        ));
    }
    let l = level_of(s.queue.ready, t.queue_warn, t.queue_crit);
    if l > PluginState::Ok {
        problems.push((l, format!("{} job(s) waiting in the queue", s.queue.ready)));
    }
    // Critical outranks unknown: a known emergency is reported as such.
    problems.sort_by_key(|(l, _)| match l {
        PluginState::Critical => 0,
        PluginState::Unknown => 1,
        PluginState::Warning => 2,
        PluginState::Ok => 3,
    });
    let level = match problems.first().map(|(l, _)| *l) {
        None => PluginState::Ok,
        Some(l) => l,
    };
    let perfdata = [
        format!("platforms={};;;0", s.platforms.total),
        perf("failed", failed, t.failed_warn, t.failed_crit),
        perf("stuck", stuck, t.stuck_warn, t.stuck_crit),
        format!("backups_stale={};;;0", stale.len()),
        format!("backups_critical={};;;0", crit.len()),
        format!("schemas_missing={};;;0", s.missing_schemas.len()),
        perf("behind", behind.len() as i64, t.behind_warn, t.behind_crit),
        perf("queue", s.queue.ready, t.queue_warn, t.queue_crit),
        format!("maintenance={};;;0", s.maintenance.len()),
    ]
    .join(" ");
    Check {
        level,
        problems,
        perfdata,
    }
}
