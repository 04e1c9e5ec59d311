//! Which backups to keep: N daily, N weekly, N monthly, with restic-forget semantics, as a
//! pure function.
//!
//! For each kind of period (UTC calendar day, ISO week, calendar month): walk the backups
//! newest first; in each of the last N periods *that have backups*, keep the newest backup.
//! A backup is kept if any rule keeps it (the union), and a tenant's newest backup is always
//! kept, whatever the policy says.
//!
//! A backup dated after `now` (a clock that ran ahead, a manifest copied from elsewhere) is
//! kept and flagged, and takes part in no rule: it is never "the newest" and fills no period,
//! so it can never push a real backup out (issue 15.8). A policy that keeps nothing is refused
//! before it gets here ([`Policy::keeps_nothing`]), as restic refuses one.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

/// How many periods of each kind to keep the newest backup of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub daily: usize,
    pub weekly: usize,
    pub monthly: usize,
}

impl Policy {
    /// Every count zero: the caller refuses it (restic: "no policy was specified").
    pub fn keeps_nothing(&self) -> bool {
        self.daily == 0 && self.weekly == 0 && self.monthly == 0
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
    Daily,
    Weekly,
    Monthly,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Future => "future-dated",
            Reason::Newest => "newest",
            Reason::Daily => "daily",
            Reason::Weekly => "weekly",
            Reason::Monthly => "monthly",
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
        Reason::Newest | Reason::Future => (0, 0),
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
    ];
    let mut out = Vec::with_capacity(list.len());
    let mut newest_seen = false;
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
        if let Some((i, _)) = times.iter().max_by_key(|(i, t)| (*t, *i)) {
            keep.insert(*i);
        }
        for (kind, n) in [
            (Reason::Daily, policy.daily),
            (Reason::Weekly, policy.weekly),
            (Reason::Monthly, policy.monthly),
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
        };
        let v = run(p, times.iter().map(|&x| (x, ())).collect());
        let keep: Vec<bool> = v.iter().map(Verdict::keep).collect();
        // newest of February (00:01), nothing else in February, newest of January.
        assert_eq!(keep, vec![true, false, true]);
        let p = Policy {
            daily: 2,
            weekly: 0,
            monthly: 0,
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
        };
        assert!(zero.keeps_nothing());
        for p in [
            Policy { daily: 1, ..zero },
            Policy { weekly: 1, ..zero },
            Policy { monthly: 1, ..zero },
            DEFAULT,
        ] {
            assert!(!p.keeps_nothing(), "{p:?}");
        }
    }

    proptest! {
        /// Over years of irregular timestamps and any `now` among them: matches the independent
        /// formulation, never drops the newest backup that is not in the future, keeps every
        /// future-dated one, keeps at most one per period and at most 1 + d + w + m others.
        #[test]
        fn matches_the_reference(
            offsets in proptest::collection::vec(0i64..(4 * 366 * 24 * 60), 0..300),
            now_offset in 0i64..(5 * 366 * 24 * 60),
            daily in 0usize..10, weekly in 0usize..8, monthly in 0usize..20,
        ) {
            let base = t(2019, 12, 20, 0, 0);
            let now = base + Duration::minutes(now_offset);
            let times: Vec<DateTime<Utc>> = offsets.iter().map(|m| base + Duration::minutes(*m)).collect();
            let p = Policy { daily, weekly, monthly };
            let v = apply(p, now, times.iter().copied().enumerate().map(|(i, t)| (t, i)).collect());
            let got: BTreeSet<usize> = v.iter().filter(|x| x.keep()).map(|x| x.item).collect();
            prop_assert_eq!(&got, &reference(p, now, &times));
            let future = times.iter().filter(|t| **t > now).count();
            prop_assert!(got.len() <= future + 1 + daily + weekly + monthly);
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
