//! Which backups to keep: the last N, N daily, N weekly, N monthly, N yearly, and all within a
//! duration of the newest, with restic-forget semantics, as a pure function.
//!
//! For each kind of period (UTC calendar day, ISO week, calendar month, calendar year): walk
//! the backups newest first; in each of the last N periods *that have backups*, keep the
//! newest backup. `last` keeps the N newest backups; `within` (restic's `1y5m7d2h`) keeps every
//! backup newer than the newest backup's time minus that duration.
//!
//! A backup is kept if any rule keeps it (the union), and a tenant's newest backup is always
//! kept, whatever the policy says.
//!
//! A backup dated after `now` (a clock that ran ahead, a manifest copied from elsewhere) is
//! kept and flagged, and takes part in no rule: it is never "the newest" and fills no period,
//! so it can never push a real backup out (issue 15.8). A policy that keeps nothing is refused
//! before it gets here ([`Policy::keeps_nothing`]), as restic refuses one.

use chrono::{DateTime, Datelike, Duration, Months, Utc};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// How many backups, and periods of each kind, to keep the newest of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Policy {
    pub last: usize,
    pub daily: usize,
    pub weekly: usize,
    pub monthly: usize,
    pub yearly: usize,
    /// Keep every backup newer than the newest one's time minus this.
    pub within: Option<Within>,
}

impl Policy {
    /// Nothing asked for: the caller refuses it (restic: "no policy was specified").
    pub fn keeps_nothing(&self) -> bool {
        self.last == 0
            && self.daily == 0
            && self.weekly == 0
            && self.monthly == 0
            && self.yearly == 0
            && self.within.is_none_or(|w| w.is_zero())
    }
}

impl fmt::Display for Policy {
    /// `7 daily, 4 weekly, 12 monthly` (the parts asked for).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (n, what) in [
            (self.last, "last"),
            (self.daily, "daily"),
            (self.weekly, "weekly"),
            (self.monthly, "monthly"),
            (self.yearly, "yearly"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if let Some(w) = self.within.filter(|w| !w.is_zero()) {
            parts.push(format!("all within {w}"));
        }
        if parts.is_empty() {
            parts.push("nothing".into());
        }
        f.write_str(&parts.join(", "))
    }
}

/// restic's `--keep-within` duration: years, months, days and hours, `1y5m7d2h` (`m` is
/// months, as in restic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Within {
    pub years: u32,
    pub months: u32,
    pub days: u32,
    pub hours: u32,
}

impl Within {
    pub fn is_zero(&self) -> bool {
        *self == Within::default()
    }

    /// `t` minus this duration, on the calendar (months first, then days, then hours; a day of
    /// month that does not exist clamps to the month's last day).
    pub fn before(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let months = self.years.saturating_mul(12).saturating_add(self.months);
        t.checked_sub_months(Months::new(months))
            .and_then(|t| t.checked_sub_signed(Duration::days(i64::from(self.days))))
            .and_then(|t| t.checked_sub_signed(Duration::hours(i64::from(self.hours))))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

impl fmt::Display for Within {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, unit) in [
            (self.years, 'y'),
            (self.months, 'm'),
            (self.days, 'd'),
            (self.hours, 'h'),
        ] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        if self.is_zero() {
            f.write_str("0h")?;
        }
        Ok(())
    }
}

impl FromStr for Within {
    type Err = String;

    /// restic's format: numbers each followed by `y`, `m` (months), `d` or `h`, each unit at
    /// most once, e.g. `1y5m7d2h`, `14d`, `36h`.
    fn from_str(s: &str) -> Result<Within, String> {
        let bad = |why: &str| {
            format!(
                "`{s}` is not a duration like 1y5m7d2h (y years, m months, d days, h hours): {why}"
            )
        };
        let mut w = Within::default();
        let mut seen = String::new();
        let mut num = String::new();
        for c in s.trim().chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            if num.is_empty() {
                return Err(bad("a unit without a number"));
            }
            let n: u32 = num.parse().map_err(|_| bad("number too large"))?;
            num.clear();
            let slot = match c {
                'y' => &mut w.years,
                'm' => &mut w.months,
                'd' => &mut w.days,
                'h' => &mut w.hours,
                _ => return Err(bad(&format!("unknown unit `{c}`"))),
            };
            if seen.contains(c) {
                return Err(bad(&format!("`{c}` given twice")));
            }
            seen.push(c);
            *slot = n;
        }
        if !num.is_empty() {
            return Err(bad("a number without a unit"));
        }
        if seen.is_empty() {
            return Err(bad("empty"));
        }
        Ok(w)
    }
}

/// Why a backup is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    /// Dated after now: kept, flagged, and counted by no rule.
    #[serde(rename = "future-dated")]
    Future,
    /// The tenant's newest backup that is not in the future.
    Newest,
    Last,
    Daily,
    Weekly,
    Monthly,
    Yearly,
    Within,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Future => "future-dated",
            Reason::Newest => "newest",
            Reason::Last => "last",
            Reason::Daily => "daily",
            Reason::Weekly => "weekly",
            Reason::Monthly => "monthly",
            Reason::Yearly => "yearly",
            Reason::Within => "within",
        }
    }
}

/// The verdict on one backup: kept (with every reason) or not (no reasons).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict<T> {
    pub item: T,
    pub at: DateTime<Utc>,
    pub reasons: Vec<Reason>,
}

impl<T> Verdict<T> {
    pub fn keep(&self) -> bool {
        !self.reasons.is_empty()
    }
}

/// The period a time falls in, for one kind of rule.
fn bucket(kind: Reason, t: DateTime<Utc>) -> (i32, u32) {
    match kind {
        Reason::Daily => (t.year(), t.ordinal()),
        Reason::Weekly => {
            let w = t.iso_week();
            (w.year(), w.week())
        }
        Reason::Monthly => (t.year(), t.month()),
        Reason::Yearly => (t.year(), 0),
        Reason::Newest | Reason::Future | Reason::Last | Reason::Within => (0, 0),
    }
}

/// Apply `policy` at time `now` to backups (any order); returns them newest first with the
/// verdict. Ties in time keep their relative input order (the later one in the input counts as
/// newer).
pub fn apply<T>(
    policy: Policy,
    now: DateTime<Utc>,
    backups: Vec<(DateTime<Utc>, T)>,
) -> Vec<Verdict<T>> {
    let mut list: Vec<(usize, DateTime<Utc>, T)> = backups
        .into_iter()
        .enumerate()
        .map(|(i, (t, x))| (i, t, x))
        .collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    let mut rules = [
        (Reason::Daily, policy.daily, None::<(i32, u32)>),
        (Reason::Weekly, policy.weekly, None),
        (Reason::Monthly, policy.monthly, None),
        (Reason::Yearly, policy.yearly, None),
    ];
    // `within` counts back from the newest backup that is not in the future.
    let within_bound = policy
        .within
        .filter(|w| !w.is_zero())
        .and_then(|w| Some(w.before(list.iter().find(|x| x.1 <= now)?.1)));
    let mut out = Vec::with_capacity(list.len());
    let mut newest_seen = false;
    let mut last_left = policy.last;
    for (_, at, item) in list {
        if at > now {
            out.push(Verdict {
                item,
                at,
                reasons: vec![Reason::Future],
            });
            continue;
        }
        let mut reasons = Vec::new();
        if !newest_seen {
            newest_seen = true;
            reasons.push(Reason::Newest);
        }
        if last_left > 0 {
            last_left -= 1;
            reasons.push(Reason::Last);
        }
        for (kind, left, last) in rules.iter_mut() {
            if *left == 0 {
                continue;
            }
            let b = bucket(*kind, at);
            if *last != Some(b) {
                *last = Some(b);
                *left -= 1;
                reasons.push(*kind);
            }
        }
        if within_bound.is_some_and(|b| at > b) {
            reasons.push(Reason::Within);
        }
        out.push(Verdict { item, at, reasons });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveDate, TimeZone};
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    const DEFAULT: Policy = Policy {
        daily: 7,
        weekly: 4,
        monthly: 12,
        last: 0,
        yearly: 0,
        within: None,
    };

    /// Apply with `now` long after every backup of these tests.
    fn run<T>(p: Policy, b: Vec<(DateTime<Utc>, T)>) -> Vec<Verdict<T>> {
        apply(p, t(2100, 1, 1, 0, 0), b)
    }

    fn t(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn kept_dates(v: &[Verdict<usize>]) -> BTreeSet<String> {
        v.iter()
            .filter(|x| x.keep())
            .map(|x| x.at.format("%Y-%m-%d %H:%M").to_string())
            .collect()
    }

    /// A second, independent formulation: per kind, group by period, take the newest backup of
    /// each of the N newest periods; union; plus the newest overall.
    fn reference(policy: Policy, now: DateTime<Utc>, all: &[DateTime<Utc>]) -> BTreeSet<usize> {
        // Future-dated backups are all kept and take no part in the rules.
        let mut keep: BTreeSet<usize> = (0..all.len()).filter(|&i| all[i] > now).collect();
        let times: Vec<(usize, DateTime<Utc>)> = all
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, t)| *t <= now)
            .collect();
        let mut newest_first = times.clone();
        newest_first.sort_by_key(|&(i, t)| std::cmp::Reverse((t, i)));
        for (i, _) in newest_first.iter().take(policy.last.max(1)) {
            keep.insert(*i);
        }
        if let (Some(w), Some((_, newest))) = (policy.within, newest_first.first()) {
            let bound = w.before(*newest);
            keep.extend(times.iter().filter(|(_, t)| *t > bound).map(|(i, _)| *i));
        }
        for (kind, n) in [
            (Reason::Daily, policy.daily),
            (Reason::Weekly, policy.weekly),
            (Reason::Monthly, policy.monthly),
            (Reason::Yearly, policy.yearly),
        ] {
            let mut groups: BTreeMap<(i32, u32), (DateTime<Utc>, usize)> = BTreeMap::new();
            for &(i, at) in &times {
                let e = groups.entry(bucket(kind, at)).or_insert((at, i));
                if (at, i) > *e {
                    *e = (at, i);
                }
            }
            for (_, (_, i)) in groups.iter().rev().take(n) {
                keep.insert(*i);
            }
        }
        keep
    }

    #[test]
    fn two_years_of_nightly_backups_keep_the_textbook_set() {
        // Nightly at 03:00 UTC from 2024-01-01 to 2025-12-31 (a Wednesday).
        let start = t(2024, 1, 1, 3, 0);
        let times: Vec<DateTime<Utc>> = (0..731).map(|d| start + Duration::days(d)).collect();
        assert_eq!(
            times.last().unwrap().date_naive(),
            NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
        );
        let v = run(
            DEFAULT,
            times
                .iter()
                .copied()
                .enumerate()
                .map(|(i, t)| (t, i))
                .collect(),
        );
        let kept = kept_dates(&v);
        let want: BTreeSet<String> = [
            // daily: the last 7 days
            "2025-12-25",
            "2025-12-26",
            "2025-12-27",
            "2025-12-28",
            "2025-12-29",
            "2025-12-30",
            "2025-12-31",
            // weekly: newest of ISO weeks 2026-W01 (Mon Dec 29..), 2025-W52, -W51, -W50 (Sundays)
            "2025-12-21",
            "2025-12-14",
            // monthly: last day of each of the last 12 months
            "2025-11-30",
            "2025-10-31",
            "2025-09-30",
            "2025-08-31",
            "2025-07-31",
            "2025-06-30",
            "2025-05-31",
            "2025-04-30",
            "2025-03-31",
            "2025-02-28",
            "2025-01-31",
        ]
        .iter()
        .map(|d| format!("{d} 03:00"))
        .collect();
        assert_eq!(kept, want);
        assert_eq!(
            v[0].reasons,
            vec![
                Reason::Newest,
                Reason::Daily,
                Reason::Weekly,
                Reason::Monthly
            ]
        );
    }

    #[test]
    fn iso_weeks_cross_the_year_boundary() {
        // 2020-12-31 (Thu) and 2021-01-02 (Sat) are both in ISO week 2020-W53.
        let times = [
            t(2020, 12, 31, 12, 0),
            t(2021, 1, 2, 12, 0),
            t(2021, 1, 4, 12, 0),
        ];
        let p = Policy {
            daily: 0,
            weekly: 2,
            monthly: 0,
            last: 0,
            yearly: 0,
            within: None,
        };
        let v = run(p, times.iter().map(|&x| (x, ())).collect());
        let by: Vec<(String, Vec<Reason>)> = v
            .iter()
            .map(|x| (x.at.format("%Y-%m-%d").to_string(), x.reasons.clone()))
            .collect();
        assert_eq!(
            by,
            vec![
                ("2021-01-04".into(), vec![Reason::Newest, Reason::Weekly]),
                ("2021-01-02".into(), vec![Reason::Weekly]),
                ("2020-12-31".into(), vec![]),
            ]
        );
    }

    #[test]
    fn months_and_days_turn_at_utc_midnight() {
        let times = [
            t(2021, 1, 31, 23, 59),
            Utc.with_ymd_and_hms(2021, 2, 1, 0, 0, 0).unwrap(),
            t(2021, 2, 1, 0, 1),
        ];
        let p = Policy {
            daily: 0,
            weekly: 0,
            monthly: 5,
            last: 0,
            yearly: 0,
            within: None,
        };
        let v = run(p, times.iter().map(|&x| (x, ())).collect());
        let keep: Vec<bool> = v.iter().map(Verdict::keep).collect();
        // newest of February (00:01), nothing else in February, newest of January.
        assert_eq!(keep, vec![true, false, true]);
        let p = Policy {
            daily: 2,
            weekly: 0,
            monthly: 0,
            last: 0,
            yearly: 0,
            within: None,
        };
        let v = run(p, times.iter().map(|&x| (x, ())).collect());
        assert_eq!(
            v.iter().map(Verdict::keep).collect::<Vec<_>>(),
            vec![true, false, true]
        );
        // A year boundary is also a month, week-year and day boundary.
        let times = [t(2022, 12, 31, 23, 0), t(2023, 1, 1, 1, 0)];
        let v = run(
            Policy {
                daily: 0,
                weekly: 0,
                monthly: 2,
                last: 0,
                yearly: 0,
                within: None,
            },
            times.iter().map(|&x| (x, ())).collect(),
        );
        assert!(v.iter().all(Verdict::keep));
    }

    #[test]
    fn only_periods_with_backups_count() {
        // Backups months apart: "7 daily" means the 7 newest days that have a backup.
        let times: Vec<DateTime<Utc>> = (0..10)
            .map(|i| t(2020, 1, 1, 0, 0) + Duration::days(40 * i))
            .collect();
        let v = run(
            Policy {
                daily: 7,
                weekly: 0,
                monthly: 0,
                last: 0,
                yearly: 0,
                within: None,
            },
            times.iter().map(|&x| (x, ())).collect(),
        );
        assert_eq!(v.iter().filter(|x| x.keep()).count(), 7);
    }

    #[test]
    fn the_newest_survives_a_zero_policy_and_several_a_day_keep_the_last() {
        let times = [
            t(2024, 5, 5, 1, 0),
            t(2024, 5, 5, 9, 0),
            t(2024, 5, 5, 17, 0),
        ];
        let v = run(
            Policy {
                daily: 0,
                weekly: 0,
                monthly: 0,
                last: 0,
                yearly: 0,
                within: None,
            },
            times.iter().map(|&x| (x, ())).collect(),
        );
        assert_eq!(
            v.iter().map(|x| x.reasons.clone()).collect::<Vec<_>>(),
            vec![vec![Reason::Newest], vec![], vec![]]
        );
        let v = run(DEFAULT, times.iter().map(|&x| (x, ())).collect());
        assert_eq!(v.iter().filter(|x| x.keep()).count(), 1);
        assert_eq!(v[0].at, times[2]);
        assert!(run::<()>(DEFAULT, Vec::new()).is_empty());
    }

    #[test]
    fn a_future_dated_backup_is_kept_flagged_and_never_the_newest() {
        // Issue 15.8: keep-daily 1 with a copy dated three days ahead kept today's backup.
        let now = t(2026, 12, 2, 12, 0);
        let times = [
            t(2026, 11, 30, 3, 0),
            t(2026, 12, 2, 3, 0),
            t(2026, 12, 5, 3, 0),
            now + Duration::seconds(1),
        ];
        let p = Policy {
            daily: 1,
            weekly: 0,
            monthly: 0,
            last: 0,
            yearly: 0,
            within: None,
        };
        let v = apply(p, now, times.iter().map(|&x| (x, ())).collect());
        let by: Vec<(DateTime<Utc>, Vec<Reason>)> =
            v.iter().map(|x| (x.at, x.reasons.clone())).collect();
        assert_eq!(
            by,
            vec![
                (times[2], vec![Reason::Future]),
                (times[3], vec![Reason::Future]),
                (times[1], vec![Reason::Newest, Reason::Daily]),
                (times[0], vec![]),
            ]
        );
        // A backup dated exactly now is not in the future.
        let v = apply(p, now, vec![(now, ())]);
        assert_eq!(v[0].reasons, vec![Reason::Newest, Reason::Daily]);
        // Only future ones: all kept, none is the newest.
        let v = apply(p, now, vec![(times[2], ()), (times[3], ())]);
        assert!(v.iter().all(|x| x.reasons == vec![Reason::Future]));
    }

    #[test]
    fn only_the_all_zero_policy_keeps_nothing() {
        let zero = Policy {
            daily: 0,
            weekly: 0,
            monthly: 0,
            last: 0,
            yearly: 0,
            within: None,
        };
        assert!(zero.keeps_nothing());
        assert!(
            Policy {
                within: Some(Within::default()),
                ..zero
            }
            .keeps_nothing()
        );
        assert_eq!(zero.to_string(), "nothing");
        assert_eq!(DEFAULT.to_string(), "7 daily, 4 weekly, 12 monthly");
        for p in [
            Policy { daily: 1, ..zero },
            Policy { weekly: 1, ..zero },
            Policy { monthly: 1, ..zero },
            Policy { yearly: 1, ..zero },
            Policy { last: 1, ..zero },
            Policy {
                within: Some("1d".parse().unwrap()),
                ..zero
            },
            DEFAULT,
        ] {
            assert!(!p.keeps_nothing(), "{p:?}");
        }
    }

    #[test]
    fn within_durations_parse_as_restic_writes_them() {
        let w: Within = "1y5m7d2h".parse().unwrap();
        assert_eq!(
            w,
            Within {
                years: 1,
                months: 5,
                days: 7,
                hours: 2
            }
        );
        assert_eq!(w.to_string(), "1y5m7d2h");
        assert_eq!("14d".parse::<Within>().unwrap().to_string(), "14d");
        assert_eq!(" 36h".parse::<Within>().unwrap().hours, 36);
        for bad in [
            "",
            "7",
            "d",
            "1w",
            "1d1d",
            "1.5d",
            "-1d",
            "99999999999d",
            "1 d",
        ] {
            let e = bad.parse::<Within>().unwrap_err();
            assert!(e.contains("1y5m7d2h"), "{bad}: {e}");
        }
        // On the calendar: months first (clamped to the month's end), then days, then hours.
        let w: Within = "1m1d1h".parse().unwrap();
        assert_eq!(w.before(t(2024, 3, 31, 12, 0)), t(2024, 2, 28, 11, 0));
        let y: Within = "1y".parse().unwrap();
        assert_eq!(y.before(t(2024, 2, 29, 0, 0)), t(2023, 2, 28, 0, 0));
    }

    #[test]
    fn last_yearly_and_within_as_restic_keeps_them() {
        let times = [
            t(2021, 6, 1, 0, 0),
            t(2022, 3, 1, 0, 0),
            t(2022, 9, 1, 0, 0),
            t(2024, 1, 1, 0, 0),
            t(2024, 1, 10, 0, 0),
            t(2024, 1, 11, 0, 0),
        ];
        let zero = Policy::default();
        let kept = |p: Policy| -> Vec<DateTime<Utc>> {
            let mut v: Vec<DateTime<Utc>> = run(p, times.iter().map(|&x| (x, ())).collect())
                .into_iter()
                .filter(Verdict::keep)
                .map(|x| x.at)
                .collect();
            v.sort();
            v
        };
        assert_eq!(kept(Policy { last: 3, ..zero }), times[3..].to_vec());
        // Yearly: the newest of each of the last 2 years that have backups (2024, 2022).
        assert_eq!(kept(Policy { yearly: 2, ..zero }), vec![times[2], times[5]]);
        // Within counts back from the newest backup, not from now: 2 days before Jan 11, and
        // a backup exactly at the bound is not newer than it.
        let within = |s: &str| Policy {
            within: Some(s.parse().unwrap()),
            ..zero
        };
        assert_eq!(kept(within("1d")), vec![times[5]]);
        assert_eq!(kept(within("1d1h")), times[4..].to_vec());
        assert_eq!(kept(within("2y")), times[1..].to_vec());
        let v = run(within("10d"), times.iter().map(|&x| (x, ())).collect());
        assert_eq!(v[0].reasons, vec![Reason::Newest, Reason::Within]);
        assert_eq!(v[1].reasons, vec![Reason::Within]);
        // A future-dated backup is no reference point for `within`.
        let now = t(2024, 1, 12, 0, 0);
        let mut with_future: Vec<(DateTime<Utc>, ())> = times.iter().map(|&x| (x, ())).collect();
        with_future.push((t(2030, 1, 1, 0, 0), ()));
        let v = apply(within("1d1h"), now, with_future);
        assert_eq!(v.iter().filter(|x| x.keep()).count(), 3);
    }

    proptest! {
        /// Over years of irregular timestamps and any `now` among them: matches the independent
        /// formulation, never drops the newest backup that is not in the future, keeps every
        /// future-dated one, keeps at most one per period and (without `within`) at most
        /// 1 + last + d + w + m + y others.
        #[test]
        fn matches_the_reference(
            offsets in proptest::collection::vec(0i64..(4 * 366 * 24 * 60), 0..300),
            now_offset in 0i64..(5 * 366 * 24 * 60),
            daily in 0usize..10, weekly in 0usize..8, monthly in 0usize..20,
            last in 0usize..6, yearly in 0usize..4,
            within in proptest::option::of((0u32..2, 0u32..14, 0u32..40, 0u32..50)),
        ) {
            let base = t(2019, 12, 20, 0, 0);
            let now = base + Duration::minutes(now_offset);
            let times: Vec<DateTime<Utc>> = offsets.iter().map(|m| base + Duration::minutes(*m)).collect();
            let within = within.map(|(years, months, days, hours)| Within { years, months, days, hours });
            let p = Policy { daily, weekly, monthly, last, yearly, within };
            let v = apply(p, now, times.iter().copied().enumerate().map(|(i, t)| (t, i)).collect());
            let got: BTreeSet<usize> = v.iter().filter(|x| x.keep()).map(|x| x.item).collect();
            prop_assert_eq!(&got, &reference(p, now, &times));
            let future = times.iter().filter(|t| **t > now).count();
            if within.is_none() {
                prop_assert!(got.len() <= future + 1 + last + daily + weekly + monthly + yearly);
            }
            for x in &v {
                prop_assert_eq!(x.at > now, x.reasons.contains(&Reason::Future));
                prop_assert!(!(x.at > now && x.reasons.len() > 1));
            }
            if let Some(newest) = times.iter().filter(|t| **t <= now).max() {
                let first = v.iter().find(|x| x.at <= now).unwrap();
                prop_assert!(first.reasons.contains(&Reason::Newest));
                prop_assert_eq!(first.at, *newest);
            }
            prop_assert_eq!(v.iter().filter(|x| x.reasons.contains(&Reason::Newest)).count(), usize::from(future < times.len()));
            for w in v.windows(2) {
                prop_assert!(w[0].at >= w[1].at);
            }
        }
    }
}
