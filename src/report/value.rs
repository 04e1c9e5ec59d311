//! The values of a cross-tenant query result, kept faithful: a row is what PostgreSQL's
//! `row_to_json` wrote, in column order, with each value's JSON text untouched (a `numeric`
//! keeps every digit, a `jsonb` stays JSON, a timestamp stays ISO 8601). Also the text of a value
//! in a table or CSV cell, column alignment across tenants whose schemas differ, and the exact
//! sums of `report query --aggregate`. Pure: no I/O.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// One value as JSON text, exactly as PostgreSQL produced it.
pub type Value = Box<RawValue>;

/// The JSON `null`.
pub fn null() -> Value {
    RawValue::from_string("null".into()).expect("null is JSON")
}

/// One result row: `(column, value)` in the query's column order. Duplicate column names (two
/// `count` columns, two `?column?`) are kept, which a JSON map would not do.
#[derive(Debug, Default)]
pub struct Row(pub Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = Row;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object (one row from row_to_json)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
                let mut cells = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    cells.push((k, v));
                }
                Ok(Row(cells))
            }
        }
        d.deserialize_map(RowVisitor)
    }
}

/// Parse one `row_to_json` text.
pub fn parse_row(text: &str) -> Result<Row, serde_json::Error> {
    serde_json::from_str(text)
}

/// The text of a value in a table or CSV cell: strings without quotes, `null` empty, everything
/// else (numbers, booleans, arrays, objects) as its JSON text.
pub fn cell_text(v: &RawValue) -> String {
    let raw = v.get();
    if raw.starts_with('"') {
        serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_string())
    } else if raw == "null" {
        String::new()
    } else {
        raw.to_string()
    }
}

/// How a column adds up under `--aggregate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Integers and `numeric`: summed exactly.
    Exact,
    /// `real` and `double precision`: summed as f64.
    Float,
    /// Anything else: a grouping key.
    Other,
}

impl Kind {
    /// The kind of a PostgreSQL type, by the name sqlx reports (`INT8`, `NUMERIC`, ...).
    pub fn of_type(name: &str) -> Kind {
        match name {
            "INT2" | "INT4" | "INT8" | "NUMERIC" => Kind::Exact,
            "FLOAT4" | "FLOAT8" => Kind::Float,
            _ => Kind::Other,
        }
    }

    pub fn is_numeric(self) -> bool {
        self != Kind::Other
    }
}

/// A result column: its name as the query named it, and how it adds up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// Lines rows of different tenants up under one list of columns. Usually every tenant returns
/// the same columns in the same order (the fast path); a `SELECT *` over a table that differs
/// between tenants adds the columns it has not seen yet at the end, and missing ones are null.
#[derive(Debug, Default)]
pub struct Aligner {
    pub columns: Vec<Column>,
    /// Whether the kinds came from the statement's description (else they are inferred from
    /// the values at the end).
    described: bool,
}

impl Aligner {
    /// Start with the described columns (empty when the statement could not be described).
    pub fn new(columns: Vec<Column>) -> Aligner {
        let described = !columns.is_empty();
        Aligner { columns, described }
    }

    /// The row's values in column order (shorter than `columns` when later rows add columns;
    /// see [`Aligner::finish`]).
    pub fn align(&mut self, row: Row) -> Vec<Value> {
        let same = row.0.len() == self.columns.len()
            && row
                .0
                .iter()
                .zip(&self.columns)
                .all(|((n, _), c)| *n == c.name);
        if same {
            return row.0.into_iter().map(|(_, v)| v).collect();
        }
        let mut out: Vec<Option<Value>> = (0..self.columns.len()).map(|_| None).collect();
        for (name, value) in row.0 {
            // The first column of that name not filled yet: duplicates map in order.
            let slot = self
                .columns
                .iter()
                .enumerate()
                .position(|(i, c)| c.name == name && out[i].is_none());
            match slot {
                Some(i) => out[i] = Some(value),
                None => {
                    self.columns.push(Column {
                        name,
                        kind: Kind::Other,
                    });
                    out.push(Some(value));
                }
            }
        }
        out.into_iter().map(|v| v.unwrap_or_else(null)).collect()
    }

    /// Pad rows aligned before later columns appeared; infer kinds when nothing described them
    /// (a column is numeric when every non-null value is a JSON number).
    pub fn finish(mut self, rows: &mut [Vec<Value>]) -> Vec<Column> {
        let n = self.columns.len();
        for r in rows.iter_mut() {
            while r.len() < n {
                r.push(null());
            }
        }
        if !self.described {
            for (i, c) in self.columns.iter_mut().enumerate() {
                let mut seen = false;
                let all_numbers = rows.iter().all(|r| {
                    let raw = r[i].get();
                    if raw == "null" {
                        return true;
                    }
                    seen = true;
                    raw.starts_with(|ch: char| ch == '-' || ch.is_ascii_digit())
                });
                c.kind = if seen && all_numbers {
                    Kind::Exact
                } else {
                    Kind::Other
                };
            }
        }
        self.columns
    }
}

/// Make names unique for a header: a repeated name becomes `name_2`, `name_3`, ...
pub fn unique_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let mut candidate = name.to_string();
        let mut n = 2;
        while out.contains(&candidate) {
            candidate = format!("{name}_{n}");
            n += 1;
        }
        out.push(candidate);
    }
    out
}

/// A running sum of one numeric column: exact decimal arithmetic (i128 mantissa and a scale)
/// while it fits, f64 for `real`/`double precision`, exponents, NaN and infinities, or
/// overflow.
#[derive(Debug, Clone, PartialEq)]
pub enum Sum {
    /// No non-null value yet: the sum is null.
    Empty,
    Exact {
        mantissa: i128,
        scale: u32,
    },
    Float(f64),
}

/// A decimal in JSON number syntax without exponent, as (mantissa, scale): `-12.50` is
/// (-1250, 2). `None` when it does not fit or is not plain decimal.
pub fn parse_decimal(text: &str) -> Option<(i128, u32)> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (digits.contains('.') && frac.is_empty())
    {
        return None;
    }
    let mut m: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        m = m.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    let scale = u32::try_from(frac.len()).ok()?;
    Some((if neg { -m } else { m }, scale))
}

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

impl Sum {
    fn as_f64(&self) -> f64 {
        match self {
            Sum::Empty => 0.0,
            Sum::Exact { mantissa, scale } => *mantissa as f64 / 10f64.powi(*scale as i32),
            Sum::Float(f) => *f,
        }
    }

    /// Add one value given as JSON text (a number, `null`, or PostgreSQL's `"NaN"`,
    /// `"Infinity"`, `"-Infinity"` strings). `float`: the column is `real`/`double precision`.
    pub fn add(&mut self, raw: &str, float: bool) {
        let f_of = |raw: &str| -> Option<f64> {
            match raw {
                "\"NaN\"" => Some(f64::NAN),
                "\"Infinity\"" => Some(f64::INFINITY),
                "\"-Infinity\"" => Some(f64::NEG_INFINITY),
                _ => raw.parse::<f64>().ok(),
            }
        };
        if raw == "null" {
            return;
        }
        let exact = if float { None } else { parse_decimal(raw) };
        match (self.clone(), exact) {
            (Sum::Empty, Some((m, s))) => {
                *self = Sum::Exact {
                    mantissa: m,
                    scale: s,
                }
            }
            (Sum::Exact { mantissa, scale }, Some((m, s))) => {
                let target = scale.max(s);
                let added = pow10(target - scale)
                    .and_then(|p| mantissa.checked_mul(p))
                    .zip(pow10(target - s).and_then(|p| m.checked_mul(p)))
                    .and_then(|(a, b)| a.checked_add(b));
                *self = match added {
                    Some(total) => Sum::Exact {
                        mantissa: total,
                        scale: target,
                    },
                    None => Sum::Float(self.as_f64() + m as f64 / 10f64.powi(s as i32)),
                };
            }
            (current, _) => {
                let v = f_of(raw).unwrap_or(f64::NAN);
                *self = Sum::Float(current.as_f64() + v);
            }
        }
    }

    /// The sum as JSON text: a number, `null` when nothing was added, or PostgreSQL's spelling
    /// of NaN and the infinities as strings.
    pub fn to_json(&self) -> String {
        match self {
            Sum::Empty => "null".into(),
            Sum::Exact { mantissa, scale } => {
                let neg = *mantissa < 0;
                let digits = mantissa.unsigned_abs().to_string();
                let scale = *scale as usize;
                let body = if scale == 0 {
                    digits
                } else if digits.len() > scale {
                    format!(
                        "{}.{}",
                        &digits[..digits.len() - scale],
                        &digits[digits.len() - scale..]
                    )
                } else {
                    format!("0.{}{}", "0".repeat(scale - digits.len()), digits)
                };
                if neg { format!("-{body}") } else { body }
            }
            Sum::Float(f) if f.is_nan() => "\"NaN\"".into(),
            Sum::Float(f) if f.is_infinite() && *f > 0.0 => "\"Infinity\"".into(),
            Sum::Float(f) if f.is_infinite() => "\"-Infinity\"".into(),
            Sum::Float(f) => f.to_string(),
        }
    }
}

/// `--aggregate`: rows of every tenant grouped by their non-numeric columns (in order of first
/// appearance), numeric columns summed, and a `tenants` column counting the tenants that
/// contributed to each group. Returns the output columns and rows.
pub fn aggregate<'a>(
    columns: &[Column],
    rows: impl IntoIterator<Item = (usize, &'a [Value])>,
) -> (Vec<String>, Vec<Vec<Value>>) {
    struct Group {
        key: Vec<String>,
        sums: Vec<Sum>,
        tenants: Vec<usize>,
    }
    let keys: Vec<usize> = (0..columns.len())
        .filter(|&i| !columns[i].kind.is_numeric())
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    let mut index: std::collections::HashMap<Vec<String>, usize> = Default::default();
    for (tenant, row) in rows {
        let key: Vec<String> = keys.iter().map(|&i| row[i].get().to_string()).collect();
        let gi = *index.entry(key.clone()).or_insert_with(|| {
            groups.push(Group {
                key,
                sums: vec![Sum::Empty; columns.len()],
                tenants: Vec::new(),
            });
            groups.len() - 1
        });
        let g = &mut groups[gi];
        for (i, c) in columns.iter().enumerate() {
            if c.kind.is_numeric() {
                g.sums[i].add(row[i].get(), c.kind == Kind::Float);
            }
        }
        if g.tenants.last() != Some(&tenant) && !g.tenants.contains(&tenant) {
            g.tenants.push(tenant);
        }
    }
    let mut names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    names.push("tenants");
    let header = unique_names(names);
    let out = groups
        .into_iter()
        .map(|g| {
            let mut key = g.key.into_iter();
            let mut row: Vec<Value> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let text = if c.kind.is_numeric() {
                        g.sums[i].to_json()
                    } else {
                        key.next().expect("one key per non-numeric column")
                    };
                    RawValue::from_string(text).expect("valid JSON")
                })
                .collect();
            row.push(RawValue::from_string(g.tenants.len().to_string()).expect("a number"));
            row
        })
        .collect();
    (header, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw(s: &str) -> Value {
        RawValue::from_string(s.to_string()).unwrap()
    }

    #[test]
    fn rows_keep_column_order_duplicates_and_exact_text() {
        let r = parse_row(
            r#"{"z":1,"a":123456789012345678901234567890.123,"z":"x","j":{"b": [1, 2]},"n":null}"#,
        )
        .unwrap();
        let names: Vec<&str> = r.0.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["z", "a", "z", "j", "n"]);
        assert_eq!(r.0[1].1.get(), "123456789012345678901234567890.123");
        assert_eq!(r.0[3].1.get(), r#"{"b": [1, 2]}"#);
        assert_eq!(cell_text(&r.0[2].1), "x");
        assert_eq!(cell_text(&r.0[4].1), "");
        assert_eq!(cell_text(&r.0[0].1), "1");
        assert!(parse_row("[1]").is_err());
    }

    #[test]
    fn aligner_fast_path_new_columns_and_duplicates() {
        let cols = vec![
            Column {
                name: "a".into(),
                kind: Kind::Exact,
            },
            Column {
                name: "a".into(),
                kind: Kind::Other,
            },
        ];
        let mut al = Aligner::new(cols);
        let r1 = al.align(parse_row(r#"{"a":1,"a":"x"}"#).unwrap());
        let r2 = al.align(parse_row(r#"{"b":true,"a":2}"#).unwrap());
        let mut rows = vec![r1, r2];
        let cols = al.finish(&mut rows);
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "a", "b"]);
        let texts: Vec<Vec<&str>> = rows
            .iter()
            .map(|r| r.iter().map(|v| v.get()).collect())
            .collect();
        assert_eq!(
            texts,
            [vec!["1", "\"x\"", "null"], vec!["2", "null", "true"]]
        );
    }

    #[test]
    fn undescribed_kinds_come_from_values() {
        let mut al = Aligner::new(Vec::new());
        let mut rows = vec![
            al.align(parse_row(r#"{"n":3,"s":"3","x":null}"#).unwrap()),
            al.align(parse_row(r#"{"n":null,"s":"4","x":null}"#).unwrap()),
        ];
        let cols = al.finish(&mut rows);
        let kinds: Vec<Kind> = cols.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [Kind::Exact, Kind::Other, Kind::Other]);
    }

    #[test]
    fn unique_header_names() {
        assert_eq!(
            unique_names(["platform", "schema", "platform", "n", "platform"]),
            ["platform", "schema", "platform_2", "n", "platform_3"]
        );
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("0"), Some((0, 0)));
        assert_eq!(parse_decimal("-12.50"), Some((-1250, 2)));
        assert_eq!(parse_decimal("1e5"), None);
        assert_eq!(parse_decimal("1."), None);
        assert_eq!(parse_decimal(".5"), None);
        assert_eq!(parse_decimal("\"1\""), None);
        assert_eq!(parse_decimal(&"9".repeat(40)), None);
    }

    #[test]
    fn sums_are_exact_and_fall_back_to_float() {
        let mut s = Sum::Empty;
        assert_eq!(s.to_json(), "null");
        s.add("0.1", false);
        s.add("0.2", false);
        s.add("null", false);
        assert_eq!(s.to_json(), "0.3");
        s.add("-1", false);
        assert_eq!(s.to_json(), "-0.7");
        let mut big = Sum::Empty;
        big.add("123456789012345678901234567890.123", false);
        big.add("1", false);
        assert_eq!(big.to_json(), "123456789012345678901234567891.123");
        let mut f = Sum::Empty;
        f.add("1.5", true);
        f.add("1e3", true);
        assert_eq!(f.to_json(), "1001.5");
        f.add("\"NaN\"", true);
        assert_eq!(f.to_json(), "\"NaN\"");
        let mut inf = Sum::Empty;
        inf.add("1", false);
        inf.add("\"Infinity\"", false);
        assert_eq!(inf.to_json(), "\"Infinity\"");
        let mut huge = Sum::Empty;
        huge.add(&"9".repeat(38), false);
        huge.add(&"9".repeat(38), false);
        assert!(matches!(huge, Sum::Float(_)), "{huge:?}");
    }

    #[test]
    fn aggregate_groups_by_non_numeric_columns() {
        let cols = vec![
            Column {
                name: "status".into(),
                kind: Kind::Other,
            },
            Column {
                name: "count".into(),
                kind: Kind::Exact,
            },
        ];
        let rows: Vec<(usize, Vec<Value>)> = vec![
            (0, vec![raw("\"published\""), raw("2")]),
            (0, vec![raw("\"draft\""), raw("1")]),
            (1, vec![raw("\"published\""), raw("3")]),
            (2, vec![raw("null"), raw("7")]),
        ];
        let (header, out) = aggregate(&cols, rows.iter().map(|(t, r)| (*t, r.as_slice())));
        assert_eq!(header, ["status", "count", "tenants"]);
        let texts: Vec<Vec<&str>> = out
            .iter()
            .map(|r| r.iter().map(|v| v.get()).collect())
            .collect();
        assert_eq!(
            texts,
            [
                vec!["\"published\"", "5", "2"],
                vec!["\"draft\"", "1", "1"],
                vec!["null", "7", "1"]
            ]
        );
    }

    proptest! {
        #[test]
        fn exact_sums_match_integer_arithmetic(xs in proptest::collection::vec(-1_000_000_000i64..1_000_000_000, 0..50), scale in 0u32..6) {
            let mut s = Sum::Empty;
            for x in &xs {
                let text = Sum::Exact { mantissa: *x as i128, scale }.to_json();
                prop_assert_eq!(parse_decimal(&text), Some((*x as i128, scale)));
                s.add(&text, false);
            }
            let total: i128 = xs.iter().map(|x| *x as i128).sum();
            let want = if xs.is_empty() { "null".to_string() } else { Sum::Exact { mantissa: total, scale }.to_json() };
            prop_assert_eq!(s.to_json(), want);
        }
    }
}
