//! The dashboard's trend graph as inline SVG: one bar per day, no chart library and no script.
//! Pure: counts in, markup out; every piece of text in it is escaped.
//!
//! Accessible as an image with a title and a description that states the figures (screen
//! readers do not read bars), each bar with its own `<title>` tooltip.

use chrono::NaiveDate;
use std::fmt::Write;

/// The graph's size in SVG user units (it scales with its container).
pub const WIDTH: u32 = 600;
pub const HEIGHT: u32 = 160;
/// Room for the axis labels.
const LEFT: u32 = 32;
const BOTTOM: u32 = 20;
const TOP: u32 = 8;

/// Escape text for an XML text node or attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The top of the scale: the largest count rounded up to 1, 2 or 5 times a power of ten (at
/// least 1), so the axis reads in round numbers.
pub fn nice_max(max: i64) -> i64 {
    if max <= 1 {
        return 1;
    }
    let mut base = 1i64;
    loop {
        for m in [1, 2, 5] {
            let v = base.saturating_mul(m);
            if v >= max {
                return v;
            }
        }
        base = base.saturating_mul(10);
    }
}

/// An SVG bar chart of `days` (date, count), oldest first, titled `title`.
pub fn bars(title: &str, days: &[(NaiveDate, i64)]) -> String {
    let max = days.iter().map(|d| d.1.max(0)).max().unwrap_or(0);
    let top = nice_max(max);
    let total: i64 = days.iter().map(|d| d.1.max(0)).sum();
    let plot_w = f64::from(WIDTH - LEFT);
    let plot_h = f64::from(HEIGHT - BOTTOM - TOP);
    let n = days.len().max(1);
    let slot = plot_w / n as f64;
    let bar = (slot * 0.7).max(1.0);
    let mut desc = match (days.first(), days.last()) {
        (Some(a), Some(b)) => format!("{total} in total from {} to {}", a.0, b.0),
        _ => "no data".to_string(),
    };
    if max > 0 {
        let worst = days.iter().find(|d| d.1 == max).map(|d| d.0);
        if let Some(w) = worst {
            let _ = write!(desc, "; most on {w}: {max}");
        }
    }
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="trend-title trend-desc" xmlns="http://www.w3.org/2000/svg"><title id="trend-title">{}</title><desc id="trend-desc">{}</desc>"#,
        escape(title),
        escape(&desc)
    );
    // The scale: 0, half, top.
    let base_y = f64::from(HEIGHT - BOTTOM);
    for v in [0, top / 2, top] {
        if v == top / 2 && (top % 2 != 0 || top < 2) {
            continue;
        }
        let y = base_y - plot_h * v as f64 / top as f64;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LEFT}" y1="{y:.1}" x2="{WIDTH}" y2="{y:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{v}</text>"#,
            LEFT - 4,
            y + 4.0
        );
    }
    for (i, (day, count)) in days.iter().enumerate() {
        let c = (*count).max(0);
        let h = plot_h * c as f64 / top as f64;
        let x = f64::from(LEFT) + slot * i as f64 + (slot - bar) / 2.0;
        let y = base_y - h;
        let _ = write!(
            s,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}"><title>{day}: {c}</title></rect>"#
        );
    }
    // First and last day under the axis.
    if let (Some(a), Some(b)) = (days.first(), days.last()) {
        let _ = write!(
            s,
            r#"<text class="axis" x="{LEFT}" y="{HEIGHT}">{}</text><text class="axis" x="{WIDTH}" y="{HEIGHT}" text-anchor="end">{}</text>"#,
            a.0, b.0
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn scale_tops_are_round() {
        let cases = [
            (0, 1),
            (1, 1),
            (2, 2),
            (3, 5),
            (5, 5),
            (6, 10),
            (11, 20),
            (21, 50),
            (51, 100),
            (999, 1000),
        ];
        for (max, top) in cases {
            assert_eq!(nice_max(max), top, "max {max}");
        }
        assert!(nice_max(i64::MAX) >= 1);
    }

    #[test]
    fn one_bar_per_day_scaled_to_the_top() {
        let days = [(day(1), 0), (day(2), 5), (day(3), 10)];
        let svg = bars("Failed provisions per day", &days);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 3);
        // The top bar fills the plot (132 units high: 160 - 20 - 8), an empty day has none.
        assert!(
            svg.contains(r#"height="132.0"><title>2026-12-03: 10</title>"#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"height="66.0"><title>2026-12-02: 5</title>"#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"height="0.0"><title>2026-12-01: 0</title>"#),
            "{svg}"
        );
        assert!(svg.contains("15 in total from 2026-12-01 to 2026-12-03; most on 2026-12-03: 10"));
        assert!(svg.contains(r#"role="img""#));
    }

    #[test]
    fn no_days_is_still_a_picture() {
        let svg = bars("t", &[]);
        assert!(svg.contains("<desc id=\"trend-desc\">no data</desc>"));
        assert_eq!(svg.matches("<rect").count(), 0);
    }

    #[test]
    fn text_is_escaped_and_negative_counts_draw_nothing() {
        let svg = bars("<script>&\"'", &[(day(1), -3)]);
        assert!(svg.contains("&lt;script&gt;&amp;&quot;&#39;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains(r#"height="0.0""#));
    }
}
