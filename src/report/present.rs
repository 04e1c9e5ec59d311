//! How a `report query` result reaches people and pipelines: rows with `platform` and `schema`
//! columns first (or the `--aggregate` groups), the tenants that failed, and a summary that
//! groups identical errors so a query failing in 1,000 tenants says so once.
//!
//! JSON (stable field names): `{"columns": [...], "rows": [{column: value, ...}], "errors":
//! [{"platform", "schema", "error", "sqlstate", "timed_out"}], "tenants": n, "failed": n,
//! "aggregated": bool}`; each row object keeps the column order, values exactly as PostgreSQL's
//! `row_to_json` wrote them. CSV: the header and the rows only (errors go to stderr). Table: the
//! rows, then the failed tenants.

use super::query::QueryRun;
use super::value::{self, Aligner, Value};
use crate::error::Result;
use crate::output::{Format, Out};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::value::RawValue;

/// One failed tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorRow {
    pub platform: String,
    pub schema: String,
    pub error: String,
    pub sqlstate: Option<String>,
    pub timed_out: bool,
}

/// A result ready to print.
#[derive(Debug)]
pub struct Presented {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub errors: Vec<ErrorRow>,
    pub tenants: usize,
    pub aggregated: bool,
}

impl Presented {
    /// Platforms whose schema name breaks the rules: each a failed tenant, never queried.
    pub fn add_invalid(&mut self, invalid: Vec<crate::registry::InvalidPlatform>) {
        self.tenants += invalid.len();
        self.errors.extend(invalid.into_iter().map(|bad| ErrorRow {
            platform: bad.platform,
            schema: bad.schema,
            error: bad.error,
            sqlstate: None,
            timed_out: false,
        }));
    }
}

fn json_string(s: &str) -> Value {
    RawValue::from_string(serde_json::to_string(s).expect("a string serialises"))
        .expect("valid JSON")
}

/// Turn a run into printable rows: parse each tenant's rows, line their columns up, then either
/// prefix `platform` and `schema` or aggregate.
pub fn present(run: QueryRun, aggregate: bool) -> Result<Presented> {
    let mut aligner = Aligner::new(run.columns);
    let mut rows: Vec<(usize, Vec<Value>)> = Vec::new();
    let mut errors = Vec::new();
    for (ti, t) in run.tenants.iter().enumerate() {
        if let Some(e) = &t.error {
            errors.push(ErrorRow {
                platform: t.target.name.clone(),
                schema: t.target.schema.to_string(),
                error: e.message.clone(),
                sqlstate: e.sqlstate.clone(),
                timed_out: e.timed_out,
            });
            continue;
        }
        for text in &t.rows {
            let row = value::parse_row(text)
                .map_err(|e| anyhow::anyhow!("unexpected row from row_to_json ({e}): {text}"))?;
            rows.push((ti, aligner.align(row)));
        }
    }
    let mut plain: Vec<Vec<Value>> = rows.iter().map(|(_, r)| r.clone()).collect();
    let columns = aligner.finish(&mut plain);
    let tenants = run.tenants.len();
    if aggregate {
        let (header, out) = value::aggregate(
            &columns,
            rows.iter()
                .zip(&plain)
                .map(|((t, _), r)| (*t, r.as_slice())),
        );
        return Ok(Presented {
            header,
            rows: out,
            errors,
            tenants,
            aggregated: true,
        });
    }
    let header = value::unique_names(
        ["platform", "schema"]
            .into_iter()
            .chain(columns.iter().map(|c| c.name.as_str())),
    );
    let out = rows
        .iter()
        .zip(plain)
        .map(|((ti, _), r)| {
            let t = &run.tenants[*ti].target;
            let mut full = Vec::with_capacity(r.len() + 2);
            full.push(json_string(&t.name));
            full.push(json_string(t.schema.as_str()));
            full.extend(r);
            full
        })
        .collect();
    Ok(Presented {
        header,
        rows: out,
        errors,
        tenants,
        aggregated: false,
    })
}

/// Identical errors together, in order of first appearance: (message, platforms).
pub fn group_errors(errors: &[ErrorRow]) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for e in errors {
        match groups.iter_mut().find(|(m, _)| *m == e.error) {
            Some((_, names)) => names.push(e.platform.clone()),
            None => groups.push((e.error.clone(), vec![e.platform.clone()])),
        }
    }
    groups
}

/// `a, b, c, d, e and 995 more`.
pub fn some_names(names: &[String], shown: usize) -> String {
    if names.len() <= shown {
        names.join(", ")
    } else {
        format!(
            "{} and {} more",
            names[..shown].join(", "),
            names.len() - shown
        )
    }
}

/// The summary lines for stderr: counts, then one line per distinct error.
pub fn summary(p: &Presented, elapsed: std::time::Duration) -> Vec<String> {
    let mut lines = vec![format!(
        "{} row(s) from {} tenant(s), {} failed, in {}",
        p.rows.len(),
        p.tenants,
        p.errors.len(),
        crate::output::duration::elapsed(elapsed)
    )];
    for (msg, names) in group_errors(&p.errors) {
        lines.push(format!(
            "failed in {} tenant(s): {msg} ({})",
            names.len(),
            some_names(&names, 5)
        ));
    }
    lines
}

struct JsonRow<'a> {
    header: &'a [String],
    values: &'a [Value],
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.header.len()))?;
        for (k, v) in self.header.iter().zip(self.values) {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct JsonOut<'a> {
    columns: &'a [String],
    rows: Vec<JsonRow<'a>>,
    errors: &'a [ErrorRow],
    tenants: usize,
    failed: usize,
    aggregated: bool,
}

/// Print in the chosen format.
pub fn print(out: &Out, p: &Presented) -> Result<()> {
    match out.format {
        Format::Json => out.json(&JsonOut {
            columns: &p.header,
            rows: p
                .rows
                .iter()
                .map(|r| JsonRow {
                    header: &p.header,
                    values: r,
                })
                .collect(),
            errors: &p.errors,
            tenants: p.tenants,
            failed: p.errors.len(),
            aggregated: p.aggregated,
        }),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(&p.header).map_err(anyhow::Error::from)?;
            for r in &p.rows {
                w.write_record(r.iter().map(|v| value::cell_text(v)))
                    .map_err(anyhow::Error::from)?;
            }
            let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
            crate::output::write_stdout(&bytes)
        }
        Format::Table | Format::Wide => {
            if p.rows.is_empty() {
                out.line("no rows")?;
            } else {
                let headers: Vec<&str> = p.header.iter().map(String::as_str).collect();
                let mut t = out.table(&headers);
                for r in &p.rows {
                    t.add_row(r.iter().map(|v| value::cell_text(v)));
                }
                out.line(&t.to_string())?;
            }
            if !p.errors.is_empty() {
                let mut e = out.table(&["platform", "schema", "error"]);
                for row in &p.errors {
                    e.add_row(vec![
                        out.cell(&row.platform, None),
                        out.cell(&row.schema, None),
                        out.cell(&row.error, Some(comfy_table::Color::Red)),
                    ]);
                }
                out.line(&format!("\nfailed tenants:\n{e}"))?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(p: &str, m: &str) -> ErrorRow {
        ErrorRow {
            platform: p.into(),
            schema: format!("tenant_{p}"),
            error: m.into(),
            sqlstate: None,
            timed_out: false,
        }
    }

    #[test]
    fn identical_errors_are_grouped_once() {
        let errors = vec![err("a", "boom"), err("b", "other"), err("c", "boom")];
        let g = group_errors(&errors);
        assert_eq!(
            g,
            vec![
                ("boom".to_string(), vec!["a".to_string(), "c".to_string()]),
                ("other".to_string(), vec!["b".to_string()])
            ]
        );
        let names: Vec<String> = (0..8).map(|i| format!("t{i}")).collect();
        assert_eq!(some_names(&names, 3), "t0, t1, t2 and 5 more");
        assert_eq!(some_names(&names[..2], 3), "t0, t1");
    }
}
