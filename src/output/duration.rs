//! Durations for people: the one place a length of time becomes text.
//!
//! One spelling everywhere: a number and its unit with no space between (`850ms`, `1.25s`,
//! `3m`), parts separated by one space (`2d 2h`). Three forms, for three questions:
//! - [`age`]: how long ago, coarse on purpose (`59s`, `5m`, `1h 0m`, `2d 2h`);
//! - [`elapsed`]: how long something took, precise (`850ms`, `1.25s`, `3m 4s`, `1h 2m 3s`);
//! - [`setting`]: a configured threshold as an operator writes it in `tenantctl.toml`
//!   (`10m`, `24h`, `7d`), which the configuration parses back to the same value;
//! - [`span`]: any other length of time in a message (a timeout, a wait, a retry delay), spelled
//!   as [`setting`] and down to the millisecond (`250ms`, `4s 372ms`).

use std::time::Duration;

/// A length of time from the command line, as the configuration writes it (`90s`, `10m`,
/// `24h`, `7d`, `1h 30m`); what is wrong is said in words, not as humantime's parser position.
pub fn parse(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| {
        let why = match e {
            humantime::DurationError::UnknownUnit { unit, .. } => {
                format!("`{unit}` is not a unit of time; ")
            }
            humantime::DurationError::NumberOverflow => "it is too long; ".into(),
            _ => String::new(),
        };
        format!("{why}expected a duration like 90s, 10m, 24h or 7d")
    })
}

/// How long ago: seconds under a minute, minutes under an hour, then hours and minutes, then
/// days and hours. Negative ages (clock skew) read as `0s`.
pub fn age(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86400, (s % 86400) / 3600),
    }
}

/// How long something took: milliseconds under a second, seconds with two decimals (cut, not
/// rounded) under a minute, then whole minutes and seconds, and hours past an hour.
pub fn elapsed(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        0..1000 => format!("{ms}ms"),
        1000..60_000 => format!("{}.{:02}s", ms / 1000, (ms % 1000) / 10),
        _ => {
            let s = (ms + 500) / 1000;
            match s {
                0..3600 => format!("{}m {}s", s / 60, s % 60),
                _ => format!("{}h {}m {}s", s / 3600, (s % 3600) / 60, s % 60),
            }
        }
    }
}

/// [`elapsed`] of a number of seconds as PostgreSQL gives them (`EXTRACT(epoch ...)`); a
/// negative or not-a-number value reads as `0ms`.
pub fn elapsed_secs(secs: f64) -> String {
    elapsed(Duration::try_from_secs_f64(secs).unwrap_or_default())
}

/// [`elapsed`] of a number of milliseconds, as reports record them (`duration_ms`).
pub fn elapsed_ms(ms: u64) -> String {
    elapsed(Duration::from_millis(ms))
}

/// A threshold as people write it: `10m`, `24h`, `7d` when it is a whole number of one unit,
/// else humantime's spelling (`1m 30s`). Whole seconds: the settings have no finer unit.
pub fn setting(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => "0s".into(),
        _ if s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
        _ if s.is_multiple_of(3_600) => format!("{}h", s / 3_600),
        _ if s.is_multiple_of(60) => format!("{}m", s / 60),
        _ => humantime::format_duration(Duration::from_secs(s)).to_string(),
    }
}

/// A length of time in a message: [`setting`]'s spelling for whole seconds (`30s`, `1d`,
/// never humantime's `1day`), else to the millisecond (`250ms`, `1s 500ms`).
pub fn span(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        return setting(d);
    }
    humantime::format_duration(Duration::from_millis(d.as_millis() as u64)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_coarse() {
        let a = |s: i64| age(chrono::Duration::seconds(s));
        assert_eq!(a(-5), "0s");
        assert_eq!(a(0), "0s");
        assert_eq!(a(59), "59s");
        assert_eq!(a(60), "1m");
        assert_eq!(a(3599), "59m");
        assert_eq!(a(3600), "1h 0m");
        assert_eq!(a(61 * 60), "1h 1m");
        assert_eq!(a(86_399), "23h 59m");
        assert_eq!(a(50 * 3600), "2d 2h");
        assert_eq!(a(400 * 86_400), "400d 0h");
    }

    #[test]
    fn elapsed_is_precise_and_spelled_like_ages() {
        let e = |ms: u64| elapsed(Duration::from_millis(ms));
        assert_eq!(e(0), "0ms");
        assert_eq!(e(850), "850ms");
        assert_eq!(e(999), "999ms");
        assert_eq!(e(1000), "1.00s");
        assert_eq!(e(1250), "1.25s");
        assert_eq!(e(1259), "1.25s");
        assert_eq!(e(59_999), "59.99s");
        assert_eq!(e(60_000), "1m 0s");
        assert_eq!(e(184_400), "3m 4s");
        assert_eq!(e(184_600), "3m 5s");
        assert_eq!(e(3_599_400), "59m 59s");
        assert_eq!(e(3_599_600), "1h 0m 0s");
        assert_eq!(e(3_723_000), "1h 2m 3s");
        assert_eq!(elapsed(Duration::from_micros(200)), "0ms");
    }

    #[test]
    fn elapsed_from_numbers() {
        assert_eq!(elapsed_secs(0.2), "200ms");
        assert_eq!(elapsed_secs(1.25), "1.25s");
        assert_eq!(elapsed_secs(125.0), "2m 5s");
        assert_eq!(elapsed_secs(-1.0), "0ms");
        assert_eq!(elapsed_secs(f64::NAN), "0ms");
        assert_eq!(elapsed_ms(1250), "1.25s");
    }

    #[test]
    fn spans_are_settings_down_to_the_millisecond() {
        assert_eq!(span(Duration::from_secs(86_400)), "1d");
        assert_eq!(span(Duration::from_secs(5)), "5s");
        assert_eq!(span(Duration::from_millis(250)), "250ms");
        assert_eq!(span(Duration::from_millis(1500)), "1s 500ms");
        assert_eq!(span(Duration::from_nanos(4_372_118_000)), "4s 372ms");
        assert_eq!(span(Duration::ZERO), "0s");
    }

    #[test]
    fn settings_read_as_written_and_parse_back() {
        for (d, text) in [
            (0, "0s"),
            (30, "30s"),
            (90, "1m 30s"),
            (600, "10m"),
            (86_400, "1d"),
            (24 * 3600 + 3600, "25h"),
            (7 * 86_400, "7d"),
        ] {
            let d = Duration::from_secs(d);
            assert_eq!(setting(d), text);
            assert_eq!(humantime::parse_duration(text).unwrap(), d, "{text}");
        }
    }
}
