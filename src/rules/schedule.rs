//! Schedules (pure): `[jobs.schedules.NAME]` read and checked, and the slot arithmetic that
//! makes "exactly one job per slot" possible.
//!
//! A schedule's slots are the instants `at + k × every` counted from 1970-01-01 00:00 UTC, so
//! every worker computes the same slots from the same configuration without talking to the
//! others: `every = "1d", at = "03:00"` is 03:00 UTC each day, `every = "1h", at = "00:15"` a
//! quarter past each hour. A slot becomes one job (or one per platform) whose unique key names
//! the schedule and the slot ([`Schedule::unique_key`]); the database, not a race between
//! workers, keeps it to one.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value as Json;
use std::time::Duration;

/// One day, the longest period `at` may be given in hours and minutes for.
const DAY: u64 = 86_400;

/// The shortest period: a schedule enqueues at most one slot a minute.
pub const MIN_EVERY: Duration = Duration::from_secs(60);

/// The ready-made schedules an operator switches on with `preset = "..."`.
pub const PRESETS: &[&str] = &["daily-backup"];

/// One `[jobs.schedules.NAME]` table, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub name: String,
    /// The kind of job each slot enqueues (`[jobs.kinds.NAME]` or a built-in kind).
    pub kind: String,
    pub every: Duration,
    /// Offset of the slots from midnight UTC (less than `every`).
    pub at: Duration,
    /// One job per completed platform (`true`), or one job for `tenant` (default: the host).
    pub per_tenant: bool,
    /// The platform (name or id) of a schedule that is not per tenant; `None`: the host.
    pub tenant: Option<String>,
    pub payload: Json,
    pub priority: Option<i32>,
    pub max_attempts: Option<i32>,
    /// Per tenant only: leave out platforms backed up more recently than this.
    pub unless_backup_within: Option<Duration>,
    /// `enabled = false` keeps a schedule in the file without running it.
    pub enabled: bool,
}

/// A schedule that breaks a rule: the key and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError(pub String);

impl std::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScheduleError {}

/// What a schedule name may be: it is part of the jobs' unique keys and of log lines.
pub fn check_name(name: &str) -> Result<(), ScheduleError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ScheduleError(format!(
            "schedule name `{name}` is not allowed: use 1 to 63 lowercase letters, digits, `-` or `_` (`[jobs.schedules.daily-backup]`)"
        )))
    }
}

/// `at`: `HH:MM` or `HH:MM:SS`, UTC.
pub fn parse_at(text: &str) -> Result<Duration, String> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    let num = |s: &str, max: u64| -> Option<u64> {
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
            .filter(|v| *v <= max)
    };
    let secs = match parts.as_slice() {
        [h, m] => num(h, 23).zip(num(m, 59)).map(|(h, m)| h * 3600 + m * 60),
        [h, m, s] => num(h, 23)
            .zip(num(m, 59))
            .zip(num(s, 59))
            .map(|((h, m), s)| h * 3600 + m * 60 + s),
        _ => None,
    };
    secs.map(Duration::from_secs)
        .ok_or_else(|| format!("`{text}` is not a time of day: expected HH:MM (UTC), e.g. 03:00"))
}

fn parse_every(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text)
        .map_err(|_| format!("`{text}` is not a duration: expected e.g. 15m, 1h, 1d"))?;
    if d < MIN_EVERY {
        return Err(format!("`{text}` is shorter than the shortest period, 1m"));
    }
    if d.subsec_nanos() != 0 {
        return Err(format!("`{text}` is not a whole number of seconds"));
    }
    let s = d.as_secs();
    if s < DAY && !DAY.is_multiple_of(s) {
        return Err(format!(
            "`{text}` does not divide a day evenly, so its slots would drift across days: use e.g. 10m, 15m, 1h, 2h, 6h, 12h or whole days"
        ));
    }
    if s >= DAY && !s.is_multiple_of(DAY) {
        return Err(format!("`{text}` is longer than a day but not whole days"));
    }
    Ok(d)
}

impl Schedule {
    /// Read `[jobs.schedules.NAME]`. Every key is checked here, so a bad schedule stops every
    /// command when the configuration loads, not a worker at 03:00.
    pub fn from_toml(name: &str, table: &toml::Table) -> Result<Schedule, ScheduleError> {
        check_name(name)?;
        let at_key = |k: &str| format!("jobs.schedules.{name}.{k}");
        let bad = |k: &str, why: String| ScheduleError(format!("`{}`: {why}", at_key(k)));
        let text = |k: &str| -> Result<Option<String>, ScheduleError> {
            match table.get(k) {
                None => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(bad(
                    k,
                    format!("expected a string, found {}", other.type_str()),
                )),
            }
        };
        let int = |k: &str, min: i64, max: i64| -> Result<Option<i32>, ScheduleError> {
            match table.get(k) {
                None => Ok(None),
                Some(toml::Value::Integer(i)) if (min..=max).contains(i) => Ok(Some(*i as i32)),
                Some(toml::Value::Integer(i)) => {
                    Err(bad(k, format!("{i} is out of range ({min} to {max})")))
                }
                Some(other) => Err(bad(
                    k,
                    format!("expected an integer, found {}", other.type_str()),
                )),
            }
        };
        let flag = |k: &str| -> Result<Option<bool>, ScheduleError> {
            match table.get(k) {
                None => Ok(None),
                Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
                Some(other) => Err(bad(
                    k,
                    format!("expected true or false, found {}", other.type_str()),
                )),
            }
        };
        const KNOWN: &[&str] = &[
            "preset",
            "kind",
            "every",
            "at",
            "per_tenant",
            "tenant",
            "payload",
            "priority",
            "max_attempts",
            "unless_backup_within",
            "enabled",
        ];
        if let Some(k) = table.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(ScheduleError(format!(
                "unknown key `{}` (a schedule takes {})",
                at_key(k),
                KNOWN.join(", ")
            )));
        }
        let mut s = match text("preset")?.as_deref() {
            None => Schedule {
                name: name.to_string(),
                kind: String::new(),
                every: Duration::ZERO,
                at: Duration::ZERO,
                per_tenant: false,
                tenant: None,
                payload: Json::Object(Default::default()),
                priority: None,
                max_attempts: None,
                unless_backup_within: None,
                enabled: true,
            },
            Some("daily-backup") => Schedule::daily_backup(name),
            Some(other) => {
                return Err(bad(
                    "preset",
                    format!("`{other}` is not a preset ({})", PRESETS.join(", ")),
                ));
            }
        };
        if let Some(k) = text("kind")? {
            if k.trim().is_empty() {
                return Err(bad("kind", "must not be empty".into()));
            }
            s.kind = k;
        }
        if s.kind.is_empty() {
            return Err(ScheduleError(format!(
                "`{}` is missing: which kind of job each slot enqueues (or `preset = \"daily-backup\"`)",
                at_key("kind")
            )));
        }
        if let Some(e) = text("every")? {
            s.every = parse_every(&e).map_err(|w| bad("every", w))?;
        }
        if s.every.is_zero() {
            return Err(ScheduleError(format!(
                "`{}` is missing: how often the schedule runs (e.g. \"1d\")",
                at_key("every")
            )));
        }
        if let Some(a) = text("at")? {
            s.at = parse_at(&a).map_err(|w| bad("at", w))?;
        }
        if s.at >= s.every {
            return Err(bad(
                "at",
                format!(
                    "{} is not within one period of `every` ({}s): slots are `at` past midnight UTC and then every period; for minutes past each hour write 00:MM",
                    show_at(s.at),
                    s.every.as_secs()
                ),
            ));
        }
        if let Some(p) = flag("per_tenant")? {
            s.per_tenant = p;
        }
        if let Some(t) = text("tenant")? {
            s.tenant = Some(t);
        }
        if s.per_tenant && s.tenant.is_some() {
            return Err(bad(
                "tenant",
                "names one platform, but `per_tenant = true` enqueues one job per platform: keep one of them".into(),
            ));
        }
        if let Some(p) = table.get("payload") {
            s.payload = serde_json::to_value(p)
                .map_err(|e| bad("payload", format!("cannot be JSON: {e}")))?;
        }
        if let Some(p) = int("priority", -32768, 32767)? {
            s.priority = Some(p);
        }
        if let Some(m) = int("max_attempts", 1, 1000)? {
            s.max_attempts = Some(m);
        }
        if let Some(u) = text("unless_backup_within")? {
            let d = humantime::parse_duration(&u).map_err(|_| {
                bad(
                    "unless_backup_within",
                    format!("`{u}` is not a duration: expected e.g. 24h"),
                )
            })?;
            s.unless_backup_within = Some(d);
        }
        if s.unless_backup_within.is_some() && !s.per_tenant {
            return Err(bad(
                "unless_backup_within",
                "only applies with `per_tenant = true`".into(),
            ));
        }
        if let Some(e) = flag("enabled")? {
            s.enabled = e;
        }
        Ok(s)
    }

    /// The ready-made daily backup: each day at 03:00 UTC, a `backup` job for every platform
    /// that has had no backup in the last 24 hours.
    pub fn daily_backup(name: &str) -> Schedule {
        Schedule {
            name: name.to_string(),
            kind: "backup".into(),
            every: Duration::from_secs(DAY),
            at: Duration::from_secs(3 * 3600),
            per_tenant: true,
            tenant: None,
            payload: Json::Object(Default::default()),
            priority: None,
            max_attempts: None,
            unless_backup_within: Some(Duration::from_secs(DAY)),
            enabled: true,
        }
    }

    /// The latest slot at or before `now`.
    pub fn slot_at_or_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let every = self.every.as_secs() as i64;
        let at = self.at.as_secs() as i64;
        let t = now.timestamp();
        let k = (t - at).div_euclid(every);
        Utc.timestamp_opt(at + k * every, 0)
            .single()
            .expect("a slot within chrono's range")
    }

    /// The first slot after `now`.
    pub fn next_slot(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.slot_at_or_before(now) + chrono::Duration::seconds(self.every.as_secs() as i64)
    }

    /// The unique key of the job a slot makes, for one platform: the same on every worker, so
    /// the queue's unique index admits exactly one.
    pub fn unique_key(&self, slot: DateTime<Utc>, platform_id: i64) -> String {
        format!(
            "schedule:{}:{}:{platform_id}",
            self.name,
            slot.format("%Y-%m-%dT%H:%M:%SZ")
        )
    }
}

/// `at` as an operator writes it.
pub fn show_at(at: Duration) -> String {
    let s = at.as_secs();
    if s.is_multiple_of(60) {
        format!("{:02}:{:02}", s / 3600, s % 3600 / 60)
    } else {
        format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, text: &str) -> Result<Schedule, ScheduleError> {
        let t: toml::Table = toml::from_str(text).unwrap();
        Schedule::from_toml(name, &t)
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn daily_at_three_has_one_slot_a_day_at_three_utc() {
        let s = parse(
            "nightly",
            "kind = \"report\"\nevery = \"1d\"\nat = \"03:00\"",
        )
        .unwrap();
        assert_eq!(
            s.slot_at_or_before(utc("2026-12-07T03:00:00Z")),
            utc("2026-12-07T03:00:00Z")
        );
        assert_eq!(
            s.slot_at_or_before(utc("2026-12-07T02:59:59Z")),
            utc("2026-12-06T03:00:00Z")
        );
        assert_eq!(
            s.slot_at_or_before(utc("2026-12-07T23:00:00Z")),
            utc("2026-12-07T03:00:00Z")
        );
        assert_eq!(
            s.next_slot(utc("2026-12-07T03:00:00Z")),
            utc("2026-12-08T03:00:00Z")
        );
    }

    #[test]
    fn minutes_past_each_hour() {
        let s = parse("q", "kind = \"k\"\nevery = \"1h\"\nat = \"00:15\"").unwrap();
        assert_eq!(
            s.slot_at_or_before(utc("2026-12-07T10:14:59Z")),
            utc("2026-12-07T09:15:00Z")
        );
        assert_eq!(
            s.slot_at_or_before(utc("2026-12-07T10:15:00Z")),
            utc("2026-12-07T10:15:00Z")
        );
    }

    #[test]
    fn slots_before_the_epoch_count_down_too() {
        let s = parse("q", "kind = \"k\"\nevery = \"1d\"\nat = \"03:00\"").unwrap();
        assert_eq!(
            s.slot_at_or_before(utc("1969-12-31T12:00:00Z")),
            utc("1969-12-31T03:00:00Z")
        );
    }

    #[test]
    fn every_worker_derives_the_same_key_for_a_slot() {
        let s = parse("nightly", "kind = \"report\"\nevery = \"1d\"").unwrap();
        let a = s.slot_at_or_before(utc("2026-12-07T00:00:01Z"));
        let b = s.slot_at_or_before(utc("2026-12-07T23:59:59Z"));
        assert_eq!(s.unique_key(a, 7), s.unique_key(b, 7));
        assert_eq!(
            s.unique_key(a, 7),
            "schedule:nightly:2026-12-07T00:00:00Z:7"
        );
        assert_ne!(s.unique_key(a, 7), s.unique_key(a, 8));
    }

    #[test]
    fn the_daily_backup_preset_and_overrides() {
        let s = parse("backups", "preset = \"daily-backup\"\nat = \"01:30\"").unwrap();
        assert_eq!(s.kind, "backup");
        assert!(s.per_tenant);
        assert_eq!(s.unless_backup_within, Some(Duration::from_secs(DAY)));
        assert_eq!(s.at, Duration::from_secs(5400));
        assert_eq!(
            Schedule::daily_backup("backups").at,
            Duration::from_secs(3 * 3600)
        );
    }

    #[test]
    fn payload_becomes_json() {
        let s = parse(
            "p",
            "kind = \"k\"\nevery = \"1h\"\n[payload]\nlimit = 5\nwho = \"x\"",
        )
        .unwrap();
        assert_eq!(s.payload, serde_json::json!({"limit": 5, "who": "x"}));
    }

    #[test]
    fn each_broken_rule_is_named() {
        let cases = [
            ("every = \"1d\"", "`jobs.schedules.s.kind` is missing"),
            ("kind = \"k\"", "`jobs.schedules.s.every` is missing"),
            (
                "kind = \"k\"\nevery = \"30s\"",
                "shorter than the shortest period",
            ),
            (
                "kind = \"k\"\nevery = \"7h\"",
                "does not divide a day evenly",
            ),
            ("kind = \"k\"\nevery = \"36h\"", "not whole days"),
            ("kind = \"k\"\nevery = \"soon\"", "is not a duration"),
            (
                "kind = \"k\"\nevery = \"1h\"\nat = \"03:00\"",
                "not within one period",
            ),
            (
                "kind = \"k\"\nevery = \"1d\"\nat = \"3am\"",
                "not a time of day",
            ),
            (
                "kind = \"k\"\nevery = \"1d\"\nat = \"24:00\"",
                "not a time of day",
            ),
            (
                "kind = \"k\"\nevery = \"1d\"\nevry = \"1d\"",
                "unknown key `jobs.schedules.s.evry`",
            ),
            (
                "kind = \"k\"\nevery = \"1d\"\nper_tenant = \"yes\"",
                "expected true or false",
            ),
            (
                "kind = \"k\"\nevery = \"1d\"\nper_tenant = true\ntenant = \"a\"",
                "keep one of them",
            ),
            (
                "kind = \"k\"\nevery = \"1d\"\nunless_backup_within = \"24h\"",
                "only applies with",
            ),
            (
                "kind = \"k\"\nevery = \"1d\"\nmax_attempts = 0",
                "out of range",
            ),
            ("preset = \"hourly\"", "is not a preset"),
        ];
        for (text, want) in cases {
            let e = parse("s", text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        assert!(
            parse("Nightly", "kind = \"k\"\nevery = \"1d\"")
                .unwrap_err()
                .to_string()
                .contains("not allowed")
        );
    }

    #[test]
    fn at_round_trips() {
        for t in ["00:00", "03:00", "23:59", "12:30:15"] {
            assert_eq!(show_at(parse_at(t).unwrap()), t);
        }
    }
}
