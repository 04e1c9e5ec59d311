//! COPY data read on the way: row counts per table and the newest migration version.

use super::*;

/// The `quote` pg_dump puts around a name in a qualified COPY statement, undone: the column
/// list of `COPY schema.table (a, b) FROM stdin;`.
pub fn copy_columns(copy_stmt: &str) -> Vec<String> {
    let Some(open) = copy_stmt.find(" (") else {
        return Vec::new();
    };
    let Some(close) = copy_stmt.rfind(") FROM stdin") else {
        return Vec::new();
    };
    if close <= open {
        return Vec::new();
    }
    copy_stmt[open + 2..close]
        .split(", ")
        .map(|c| unquote(c.trim()))
        .collect()
}

/// Counts the rows of one table's COPY data (one line each), decompressing as it goes. It can
/// also keep the first bytes of the text (for small bookkeeping tables).
pub struct RowCounter {
    inner: CounterInner,
}

enum CounterInner {
    Plain(LineSink),
    Zlib(Box<flate2::write::ZlibDecoder<LineSink>>),
    Unknown,
}

/// Where decompressed COPY text goes: a line count and, optionally, the text itself.
#[derive(Debug, Default)]
pub struct LineSink {
    pub lines: u64,
    keep: usize,
    pub text: Vec<u8>,
    /// The last bytes seen, for the end-of-data marker.
    tail: Vec<u8>,
}

/// pg_dump ends each table's COPY data in the archive with this marker (`\.` and blank lines).
const COPY_END: &[u8] = b"\\.\n\n\n";

impl LineSink {
    /// The row count: lines, less the end-of-data marker's.
    pub(super) fn rows(&self) -> u64 {
        if self.tail.ends_with(COPY_END) {
            self.lines - 3
        } else if self.tail.ends_with(b"\\.\n") {
            self.lines - 1
        } else {
            self.lines
        }
    }
}

impl Write for LineSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        self.tail
            .extend_from_slice(&buf[buf.len().saturating_sub(8)..]);
        if self.tail.len() > 8 {
            self.tail.drain(..self.tail.len() - 8);
        }
        if self.text.len() < self.keep {
            let n = (self.keep - self.text.len()).min(buf.len());
            self.text.extend_from_slice(&buf[..n]);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl RowCounter {
    /// `keep`: how many bytes of the decompressed text to keep.
    pub fn new(compression: Compression, keep: usize) -> RowCounter {
        let sink = LineSink {
            keep,
            ..LineSink::default()
        };
        RowCounter {
            inner: match compression {
                Compression::None => CounterInner::Plain(sink),
                Compression::Gzip => {
                    CounterInner::Zlib(Box::new(flate2::write::ZlibDecoder::new(sink)))
                }
                Compression::Other(_) => CounterInner::Unknown,
            },
        }
    }

    pub fn push(&mut self, payload: &[u8]) -> Result<(), ArchiveError> {
        match &mut self.inner {
            CounterInner::Plain(s) => {
                let _ = s.write(payload);
            }
            CounterInner::Zlib(d) => d
                .write_all(payload)
                .map_err(|e| ArchiveError::Invalid(format!("compressed table data: {e}")))?,
            CounterInner::Unknown => {}
        }
        Ok(())
    }

    /// The row count and kept text; `None` when the compression is not one we can read.
    pub fn finish(self) -> Result<Option<LineSink>, ArchiveError> {
        match self.inner {
            CounterInner::Plain(s) => Ok(Some(s)),
            CounterInner::Zlib(d) => d
                .finish()
                .map(Some)
                .map_err(|e| ArchiveError::Invalid(format!("compressed table data: {e}"))),
            CounterInner::Unknown => Ok(None),
        }
    }
}

/// The highest successfully applied version in `_sqlx_migrations` COPY text.
pub fn max_migration_version(columns: &[String], text: &[u8]) -> Option<i64> {
    let vi = columns.iter().position(|c| c == "version")?;
    let si = columns.iter().position(|c| c == "success");
    let text = String::from_utf8_lossy(text);
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let ok = si.is_none_or(|i| fields.get(i) == Some(&"t"));
            if !ok {
                return None;
            }
            fields.get(vi)?.parse::<i64>().ok()
        })
        .max()
}
