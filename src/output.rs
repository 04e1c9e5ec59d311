//! How results reach people and pipelines: tables on a terminal (colour only when stdout is a
//! terminal, `NO_COLOR` is unset and `TERM` is not `dumb`; fitted to the terminal's width when it
//! reports one, identifiers never wrapped), JSON or CSV on request, one summary line for an empty
//! list, progress bars on stderr only when stderr is a terminal, and confirmations for
//! destructive commands. Every result write goes through [`write_stdout`], where a closed stdout
//! becomes [`Error::StdoutClosed`] (a quiet exit 0). Lengths of time are spelled by [`duration`].

pub mod duration;

use crate::error::{Error, Result};
use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Table, Width, presets};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::{IsTerminal, Write};

/// The version of the JSON contract (docs/conventions.md): the field names and meanings of every
/// command's `--output json`. Adding a field keeps it; renaming or removing one, or changing a
/// meaning, raises it. Shown by `tenantctl --version`; a script pins the version it was written
/// for with `TENANTCTL_JSON_VERSION`, and a tenantctl with another contract refuses to run.
pub const JSON_VERSION: u32 = 1;

/// `TENANTCTL_JSON_VERSION`, when set, must be [`JSON_VERSION`] (a usage error otherwise, before
/// anything runs).
pub fn check_json_version(pinned: Option<&str>) -> Result<()> {
    let Some(pinned) = pinned.map(str::trim) else {
        return Ok(());
    };
    if pinned == JSON_VERSION.to_string() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "TENANTCTL_JSON_VERSION={pinned}: this tenantctl writes JSON version {JSON_VERSION}"
    ))
    .hint(
        "docs/conventions.md lists what changed between versions; update the script, then its pin",
    ))
}

/// What kind of terminal we run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// Colour on stdout: a terminal, `NO_COLOR` unset or empty, `TERM` not `dumb`.
    pub color: bool,
    /// The width of the stdout terminal, if it reports one (`None` in a pipe, and on a terminal
    /// that says 0×0, as `script` and some `docker exec -t` / `ssh -t` do: no limit then).
    pub width: Option<u16>,
}

impl Term {
    pub fn detect() -> Term {
        let stdout = std::io::stdout().is_terminal();
        let colour_allowed = colour_allowed(
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("TERM").as_deref(),
        );
        Term {
            stdin: std::io::stdin().is_terminal(),
            stdout,
            stderr: std::io::stderr().is_terminal(),
            color: stdout && colour_allowed,
            width: if stdout { terminal_width() } else { None },
        }
    }

    /// No terminal at all (tests, cron, CI).
    pub fn none() -> Term {
        Term {
            stdin: false,
            stdout: false,
            stderr: false,
            color: false,
            width: None,
        }
    }

    /// Whether a prompt can be shown and answered.
    pub fn interactive(&self) -> bool {
        self.stdin && self.stderr
    }
}

word_enum! {
    "output format",
    /// `output` (and `--output`): how results are written.
    #[derive(clap::ValueEnum)]
    pub enum Format {
        /// A table for people.
        Table = "table",
        /// JSON for pipelines (field names are stable).
        Json = "json",
        /// CSV (lists only).
        Csv = "csv",
        /// A table with every column, as wide as its content (on a terminal, `table` leaves
        /// out the least needed columns to fit its width).
        Wide = "wide",
    }
}

/// A row type that can be shown as a table line. JSON and CSV come from its `Serialize`.
pub trait Tabular: Serialize {
    fn headers() -> Vec<&'static str>;
    fn row(&self, term: &Term) -> Vec<Cell>;
    /// The columns a terminal too narrow for the table does without, the first first (see
    /// [`OutTable::drop_order`]); `None`: the usual order ([`EXPENDABLE_COLUMNS`]).
    fn drop_order() -> Option<Vec<&'static str>> {
        None
    }
}

/// Whether the environment allows colour on a terminal: `NO_COLOR` unset or empty
/// (<https://no-color.org>) and `TERM` not `dumb`.
pub fn colour_allowed(no_color: Option<&std::ffi::OsStr>, term: Option<&std::ffi::OsStr>) -> bool {
    let no_color = no_color.is_some_and(|v| !v.is_empty());
    let dumb = term.is_some_and(|t| t == "dumb");
    !no_color && !dumb
}

/// The stdout terminal's width in columns; a size of 0 (unknown) falls back to `COLUMNS`, and
/// then to none (no limit).
fn terminal_width() -> Option<u16> {
    let reported = console::Term::stdout()
        .size_checked()
        .map(|(_rows, cols)| cols)
        .filter(|&c| c > 0);
    reported.or_else(|| {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|&c| c > 0)
    })
}

/// Column headers whose values are identifiers an operator copies (platform and schema names,
/// domains, backup ids, migration versions for `rollback --to`). Their columns are as wide as their widest value and never wrap, so a
/// double-click copies the whole name; the other columns wrap instead.
const IDENTIFIER_COLUMNS: &[&str] = &[
    "platform",
    "tenant",
    "name",
    "schema",
    "address",
    "old address",
    "new address",
    "domain",
    "subdomain",
    "version",
    "from",
    "to",
    "backup",
    "backup id",
    "backup_id",
    "id",
    "key",
    "table",
    "object",
];

/// Column headers a table on a narrow terminal leaves out (`-o wide` shows them), the first
/// first, unless the table gives its own order: details a reader can look up elsewhere before
/// what a row is about. A table leaves out only as many as it must to fit.
pub const EXPENDABLE_COLUMNS: &[&str] = &[
    "sha256",
    "location",
    "env",
    "rows~",
    "tables#",
    "indexes",
    "recorded",
    "tries",
    "attempt",
    "job",
    "stored",
    "schema size",
    "last size",
    "backups",
    "tables",
    "rows",
    "size",
    "avg time",
    "time",
    "duration",
    "taken (UTC)",
    "kept",
    "started",
    "provisioned",
    "migration",
    "was",
    "pending",
    "last backup",
    "age",
    // Last of all: beside the platform's name, its schema is the detail.
    "schema",
];

/// The output handle every command writes results through.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub format: Format,
    pub term: Term,
    /// `-q`: notes for people are left out (errors still reach stderr).
    pub quiet: bool,
}

impl Out {
    /// A table styled for where it goes: borders, and wrapping to the terminal's width when it
    /// reports one, on a terminal; plain aligned columns in a pipe. Identifier columns
    /// (`IDENTIFIER_COLUMNS`) never wrap.
    pub fn table(&self, headers: &[&str]) -> OutTable {
        let mut t = Table::new();
        // NOTE: the width is ours, never comfy-table's own probe: that one runs only when
        // colour is on and takes a terminal's 0×0 for a width of 0 (one-letter columns).
        t.force_no_tty();
        let mut fit = false;
        if self.term.stdout {
            t.load_style(presets::UTF8_FULL_CONDENSED);
            match self.term.width {
                Some(w) => {
                    t.set_width(w)
                        .set_content_arrangement(ContentArrangement::Dynamic);
                    fit = true;
                }
                None => {
                    t.set_content_arrangement(ContentArrangement::Disabled);
                }
            }
        } else {
            t.load_style(presets::NOTHING)
                .set_content_arrangement(ContentArrangement::Disabled);
        }
        if self.term.color {
            t.enforce_styling();
        }
        t.set_header(headers.to_vec());
        let identifiers: Vec<bool> = headers
            .iter()
            .map(|h| IDENTIFIER_COLUMNS.contains(&h.to_ascii_lowercase().as_str()))
            .collect();
        for (i, id) in identifiers.iter().enumerate() {
            if *id && let Some(col) = t.column_mut(i) {
                col.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
        let mut table = OutTable {
            table: t,
            headers: headers.iter().map(|h| h.to_string()).collect(),
            identifiers,
            fit,
            width: self.term.width.unwrap_or(u16::MAX),
            drop_order: Vec::new(),
        };
        table.drop_order(EXPENDABLE_COLUMNS);
        table
    }

    /// Print a table; the columns it left out to fit the terminal are named on stderr.
    pub fn print_table(&self, t: &OutTable) -> Result<()> {
        let (table, left_out) = t.fitted();
        self.line(&table.to_string())?;
        if !left_out.is_empty() {
            self.note(&format!(
                "(left out to fit {} columns: {}; `-o wide` shows every column)",
                t.width,
                left_out.join(", ")
            ));
        }
        Ok(())
    }

    /// A cell coloured only when colour is on.
    pub fn cell(&self, text: impl ToString, color: Option<Color>) -> Cell {
        let c = Cell::new(text);
        match color {
            Some(col) if self.term.color => c.fg(col),
            _ => c,
        }
    }

    /// Print a list in the chosen format; an empty one as a table is the line "nothing to show"
    /// (see [`Out::list_or`]).
    pub fn list<T: Tabular>(&self, items: &[T]) -> Result<()> {
        self.list_or(items, "nothing to show")
    }

    /// Print a list in the chosen format. An empty list is, as a table, the one-line `empty`
    /// summary instead of a header with no rows (printed with `-q` too: it is the result); in
    /// JSON `[]` and in CSV nothing, with the summary as a note on stderr.
    pub fn list_or<T: Tabular>(&self, items: &[T], empty: &str) -> Result<()> {
        if items.is_empty() && self.format != Format::Table {
            self.note(empty);
        }
        match self.format {
            Format::Json => self.json(&items),
            Format::Csv => self.csv(items),
            Format::Table | Format::Wide if items.is_empty() => self.line(empty),
            Format::Table | Format::Wide => {
                let mut t = self.table(&T::headers());
                if let Some(order) = T::drop_order() {
                    t.drop_order(&order);
                }
                for item in items {
                    t.add_row(item.row(&self.term));
                }
                self.print_table(&t)
            }
        }
    }

    /// Print one object: JSON (also for CSV), or the given human text.
    pub fn one<T: Serialize>(&self, item: &T, human: impl FnOnce() -> String) -> Result<()> {
        match self.format {
            Format::Json => self.json(item),
            Format::Csv => self.csv(std::slice::from_ref(item)),
            Format::Table | Format::Wide => self.line(&human()),
        }
    }

    pub fn json<T: Serialize + ?Sized>(&self, item: &T) -> Result<()> {
        let text = serde_json::to_string_pretty(item).map_err(anyhow::Error::from)?;
        self.line(&text)
    }

    /// CSV of serialisable rows: the fields of each row's JSON object, nested values as JSON.
    pub fn csv<T: Serialize>(&self, items: &[T]) -> Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut headers: Option<Vec<String>> = None;
        for item in items {
            let v = serde_json::to_value(item).map_err(anyhow::Error::from)?;
            let serde_json::Value::Object(map) = v else {
                return Err(Error::Usage("csv output needs rows of fields".into()));
            };
            if headers.is_none() {
                let h: Vec<String> = map.keys().cloned().collect();
                w.write_record(&h).map_err(anyhow::Error::from)?;
                headers = Some(h);
            }
            let row: Vec<String> = headers
                .as_ref()
                .unwrap()
                .iter()
                .map(|k| match map.get(k) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                })
                .collect();
            w.write_record(&row).map_err(anyhow::Error::from)?;
        }
        let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        write_stdout(&bytes)
    }

    /// One line of result text on stdout.
    pub fn line(&self, text: &str) -> Result<()> {
        let mut buf = String::with_capacity(text.len() + 1);
        buf.push_str(text);
        buf.push('\n');
        write_stdout(buf.as_bytes())
    }

    /// A note for people on stderr (never part of the result); none with `-q`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            to_stderr(text);
        }
    }

    /// A progress bar on stderr, hidden unless stderr is a terminal.
    pub fn progress(&self, len: u64, what: &str) -> ProgressBar {
        if !self.term.stderr {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        pb.set_message(what.to_string());
        pb
    }

    /// A spinner on stderr for work of unknown length, hidden unless stderr is a terminal.
    pub fn spinner(&self, what: &str) -> ProgressBar {
        if !self.term.stderr {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::new_spinner();
        pb.set_draw_target(ProgressDrawTarget::stderr());
        pb.set_message(what.to_string());
        pb.enable_steady_tick(std::time::Duration::from_millis(100));
        pb
    }
}

/// One line on stderr. A stderr nobody reads any more (`2>&1 | grep -q`, a closed terminal) is
/// not a failure of the command: the line is dropped, where `eprintln!` would panic (exit 101)
/// and hide the command's own exit status.
pub fn to_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}").and_then(|()| err.flush());
}

/// Write result bytes to stdout and flush. Every result reaches stdout through here, so a
/// reader that closed the pipe early (`| head -1`) becomes [`Error::StdoutClosed`] in one place,
/// which `main` turns into a quiet exit 0.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Error::StdoutClosed,
            _ => Error::Io(e),
        })
}

/// A result table from [`Out::table`]: a comfy-table (add rows through `Deref`) that renders
/// fitted to the terminal when it prints.
#[derive(Debug, Clone)]
pub struct OutTable {
    table: Table,
    headers: Vec<String>,
    identifiers: Vec<bool>,
    /// Whether the table wraps to a known terminal width.
    fit: bool,
    /// That width.
    width: u16,
    /// The columns (indices) it leaves out, in this order, while it is wider than `width`.
    drop_order: Vec<usize>,
}

/// The narrowest a wrapping (non-identifier) column gets, in characters of content: enough for
/// a status word or a header like "provisioned", so long identifiers beside it squeeze it into a
/// few lines, not into a letter a line.
const MIN_WRAPPED_WIDTH: u16 = 12;

impl OutTable {
    /// The columns (by header) a terminal too narrow for the table does without, the first
    /// first; headers the table does not have are skipped. Identifier columns may be listed
    /// too: a column left out is whole or gone, never split.
    pub fn drop_order(&mut self, headers: &[&str]) -> &mut Self {
        self.drop_order = headers
            .iter()
            .filter_map(|h| self.headers.iter().position(|x| x == h))
            .collect();
        self
    }

    /// The table as it prints, and the headers of the columns left out to fit: while even
    /// wrapped it is wider than the terminal, the next column of the drop order goes; the
    /// rest wrap, identifiers never.
    pub fn fitted(&self) -> (Table, Vec<String>) {
        let mut t = self.table.clone();
        if !self.fit {
            return (t, Vec::new());
        }
        let widths = t.column_max_content_widths();
        for (i, width) in widths.into_iter().enumerate() {
            if self.identifiers.get(i).copied().unwrap_or(false) {
                continue;
            }
            if let Some(col) = t.column_mut(i) {
                // The boundary counts the cell's padding, one space either side.
                let lower = width.min(MIN_WRAPPED_WIDTH) + 2;
                col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(lower)));
            }
        }
        let mut left_out = Vec::new();
        for &i in &self.drop_order {
            if widest_line(&t) <= self.width as usize {
                break;
            }
            if let Some(col) = t.column_mut(i) {
                col.set_constraint(ColumnConstraint::Hidden);
                left_out.push(self.headers[i].clone());
            }
        }
        (t, left_out)
    }
}

/// The widest line of a rendered table, in terminal columns (escape codes not counted).
fn widest_line(t: &Table) -> usize {
    t.to_string()
        .lines()
        .map(console::measure_text_width)
        .max()
        .unwrap_or(0)
}

impl std::ops::Deref for OutTable {
    type Target = Table;
    fn deref(&self) -> &Table {
        &self.table
    }
}

impl std::ops::DerefMut for OutTable {
    fn deref_mut(&mut self) -> &mut Table {
        &mut self.table
    }
}

impl std::fmt::Display for OutTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.fitted().0)
    }
}

/// Ask before destroying: yes when `assume_yes` (`--yes`, `TENANTCTL_CONFIRM=yes` or
/// `CONFIRM=yes`); on a terminal ask
/// with dialoguer (default no); otherwise refuse (exit 4) and say how to confirm.
pub async fn confirm(term: &Term, assume_yes: bool, prompt: &str) -> Result<()> {
    if assume_yes {
        return Ok(());
    }
    if !term.interactive() {
        return Err(Error::Refused(format!(
            "{prompt}: refusing without confirmation (no terminal to ask on); pass --yes or set TENANTCTL_CONFIRM=yes"
        )));
    }
    let p = prompt.to_string();
    let answer = tokio::task::spawn_blocking(move || {
        dialoguer::Confirm::new()
            .with_prompt(p)
            .default(false)
            .interact_on(&console::Term::stderr())
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(anyhow::Error::from)?;
    if answer {
        Ok(())
    } else {
        Err(Error::Refused("not confirmed; nothing was changed".into()))
    }
}

/// `1.5 MiB`-style sizes.
pub fn human_bytes(n: i64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v.abs() >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_version_is_pinned_and_shown() {
        assert!(check_json_version(None).is_ok());
        assert!(check_json_version(Some("1")).is_ok());
        let e = check_json_version(Some("2")).unwrap_err();
        assert_eq!(e.exit_code(), crate::exit_code::USAGE);
        assert!(
            crate::cli::LONG_VERSION.ends_with(&format!("(JSON output version {JSON_VERSION})")),
            "{}",
            crate::cli::LONG_VERSION
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }

    #[test]
    fn colour_needs_no_no_color_and_a_terminal_that_is_not_dumb() {
        use std::ffi::OsStr;
        let os = |v: &'static str| Some(OsStr::new(v));
        assert!(colour_allowed(None, os("xterm-256color")));
        assert!(colour_allowed(os(""), None));
        assert!(!colour_allowed(os("1"), os("xterm")));
        assert!(!colour_allowed(None, os("dumb")));
    }

    #[tokio::test]
    async fn confirmation_refused_without_terminal_or_yes() {
        let t = Term::none();
        assert!(confirm(&t, true, "drop it").await.is_ok());
        let e = confirm(&t, false, "drop it").await.unwrap_err();
        assert_eq!(e.exit_code(), crate::exit_code::REFUSED);
        assert!(e.to_string().contains("--yes or set TENANTCTL_CONFIRM=yes"));
    }
}
