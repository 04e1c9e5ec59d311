//! Backoff: the retry schedule of anything tenantctl tries again (pure). A failed run is retried
//! after `base × factor^(n-1)` for the n-th retry, `retries` times, then it fails for good.
//! Provisioning jobs take theirs from `provision.*` (`RetryPolicy::from_settings` in `config`,
//! defaults 3 s, 9 s, 27 s, 81 s, 243 s); `migrate` uses one for a tenant whose lock is busy.

use std::time::Duration;

/// How often and how patiently a failed run is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first run (`provision.max_attempts`).
    pub retries: u32,
    /// Wait before the first retry (`provision.backoff_base`).
    pub base: Duration,
    /// Growth of the wait per retry (`provision.backoff_factor`).
    pub factor: u32,
}

/// The longest wait ever scheduled, so a large factor cannot overflow into nonsense.
pub const MAX_DELAY: Duration = Duration::from_secs(7 * 24 * 3600);

impl RetryPolicy {
    /// Runs a job may have in all: the first and every retry.
    pub fn total_runs(&self) -> i32 {
        i32::try_from(self.retries.saturating_add(1)).unwrap_or(i32::MAX)
    }

    /// The wait before the run after run number `runs_done` (1 = the first run failed), or
    /// `None` when no retry is left.
    pub fn delay_after(&self, runs_done: u32) -> Option<Duration> {
        if runs_done == 0 || runs_done > self.retries {
            return None;
        }
        let mut d = self.base;
        for _ in 1..runs_done {
            d = d.saturating_mul(self.factor);
            if d >= MAX_DELAY {
                return Some(MAX_DELAY);
            }
        }
        Some(d.min(MAX_DELAY))
    }

    /// [`delay_after`](Self::delay_after) with equal jitter: half the wait, plus `unit` (a
    /// random number in 0..1) times the other half, so runs that failed together do not all
    /// come back at the same moment.
    pub fn jittered_delay_after(&self, runs_done: u32, unit: f64) -> Option<Duration> {
        self.delay_after(runs_done)
            .map(|d| d / 2 + (d / 2).mul_f64(unit.clamp(0.0, 1.0)))
    }

    /// Every wait, in order.
    pub fn schedule(&self) -> Vec<Duration> {
        (1..=self.retries)
            .filter_map(|n| self.delay_after(n))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn jitter_keeps_the_wait_between_half_and_all_of_it() {
        let p = RetryPolicy {
            retries: 3,
            base: Duration::from_secs(1),
            factor: 2,
        };
        assert_eq!(
            p.jittered_delay_after(1, 0.0),
            Some(Duration::from_millis(500))
        );
        assert_eq!(p.jittered_delay_after(2, 1.0), Some(Duration::from_secs(2)));
        assert_eq!(p.jittered_delay_after(3, 0.5), Some(Duration::from_secs(3)));
        assert_eq!(p.jittered_delay_after(3, 7.0), Some(Duration::from_secs(4)));
        assert_eq!(p.jittered_delay_after(4, 0.5), None);
    }

    #[test]
    fn no_retries_and_zero_base() {
        let p = RetryPolicy {
            retries: 0,
            base: Duration::from_secs(3),
            factor: 3,
        };
        assert!(p.schedule().is_empty());
        assert_eq!(p.total_runs(), 1);
        let p = RetryPolicy {
            retries: 2,
            base: Duration::ZERO,
            factor: 3,
        };
        assert_eq!(p.schedule(), vec![Duration::ZERO, Duration::ZERO]);
    }

    proptest! {
        #[test]
        fn waits_grow_and_stay_bounded(retries in 0u32..40, base in 0u64..1000, factor in 1u32..20) {
            let p = RetryPolicy { retries, base: Duration::from_millis(base), factor };
            let s = p.schedule();
            prop_assert_eq!(s.len(), retries as usize);
            prop_assert!(s.windows(2).all(|w| w[0] <= w[1]));
            prop_assert!(s.iter().all(|d| *d <= MAX_DELAY));
        }
    }
}
