//! The byte-level format: the header, integers, and one TOC entry's fields.

use super::*;

/// How the data blocks are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    /// lz4 or zstd (pg_dump 16+ with `--compress=lz4|zstd`): readable by pg_restore, but
    /// tenantctl cannot count rows in it.
    Other(u8),
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Other(2) => "lz4",
            Compression::Other(3) => "zstd",
            Compression::Other(_) => "unknown",
        }
    }
}

/// The archive header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: (u8, u8, u8),
    pub int_size: usize,
    pub off_size: usize,
    pub compression: Compression,
    pub dbname: Option<String>,
    pub server_version: Option<String>,
    pub pg_dump_version: Option<String>,
}

impl Header {
    pub fn version_string(&self) -> String {
        format!("{}.{}-{}", self.version.0, self.version.1, self.version.2)
    }
}

/// One TOC entry: the fields tenantctl looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    pub dump_id: i64,
    pub had_dumper: bool,
    pub tag: Box<str>,
    /// Shared between entries (`TABLE`, `INDEX`, ...).
    pub desc: Arc<str>,
    /// Shared between the entries of a schema.
    pub namespace: Option<Arc<str>>,
    /// Kept only where it is read: the data of `_sqlx_migrations`.
    pub copy_stmt: Option<Box<str>>,
    /// Whether a data block belongs to this entry.
    pub has_data: bool,
}

impl TocEntry {
    /// The fields kept of a parsed entry; `intern` shares the strings many entries repeat.
    pub(super) fn of(e: ParsedEntry, mut intern: impl FnMut(String) -> Arc<str>) -> TocEntry {
        let keep_copy = e.desc == "TABLE DATA" && e.tag == TRACKING_TABLE;
        TocEntry {
            dump_id: e.dump_id,
            had_dumper: e.had_dumper,
            tag: e.tag.into_boxed_str(),
            desc: intern(e.desc),
            namespace: e.namespace.map(&mut intern),
            copy_stmt: e
                .copy_stmt
                .filter(|_| keep_copy)
                .map(String::into_boxed_str),
            has_data: e.has_data,
        }
    }
}

/// Where an entry's bytes are in [`Toc`]'s chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RawRef {
    pub(super) chunk: u32,
    pub(super) start: u32,
    pub(super) end: u32,
}

/// A cursor over a byte slice that reports "need more" at the end.
pub(super) struct Cur<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
    pub(super) int_size: usize,
}

impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> PResult<&'a [u8]> {
        if self.buf.len() - self.pos < n {
            return Err(Need::More);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn byte(&mut self) -> PResult<u8> {
        Ok(self.take(1)?[0])
    }

    pub(super) fn int(&mut self) -> PResult<i64> {
        let b = self.take(1 + self.int_size)?;
        decode_int(b)
    }

    fn string(&mut self) -> PResult<Option<String>> {
        let len = self.int()?;
        if len < 0 {
            return Ok(None);
        }
        if len > 1 << 30 {
            return Err(Need::Bad(ArchiveError::Invalid(format!(
                "string of {len} bytes"
            ))));
        }
        let s = self.take(len as usize)?;
        Ok(Some(String::from_utf8_lossy(s).into_owned()))
    }
}

pub(super) fn decode_int(b: &[u8]) -> PResult<i64> {
    let sign = b[0];
    let mut v: i64 = 0;
    for (i, byte) in b[1..].iter().enumerate() {
        if i >= 8 {
            if *byte != 0 {
                return Err(Need::Bad(ArchiveError::Invalid("integer too large".into())));
            }
            continue;
        }
        v |= (*byte as i64) << (8 * i);
    }
    Ok(if sign != 0 { -v } else { v })
}

/// An integer as the archive writes it.
pub fn encode_int(v: i64, int_size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + int_size);
    out.push(u8::from(v < 0));
    let mag = v.unsigned_abs();
    for i in 0..int_size {
        out.push(if i < 8 { (mag >> (8 * i)) as u8 } else { 0 });
    }
    out
}

pub(super) fn parse_header(c: &mut Cur<'_>) -> PResult<Header> {
    let magic = c.take(5)?;
    if magic != MAGIC {
        return Err(ArchiveError::Invalid("no PGDMP signature".into()).into());
    }
    let vmaj = c.byte()?;
    let vmin = c.byte()?;
    let vrev = c.byte()?;
    // A newer format is not damage: it was written by a newer pg_dump (issue 15.9).
    if (vmaj, vmin) > MAX_VERSION {
        return Err(ArchiveError::Newer(format!("{vmaj}.{vmin}")).into());
    }
    if (vmaj, vmin) < MIN_VERSION {
        return Err(ArchiveError::Unsupported(format!(
            "archive version {vmaj}.{vmin} was written by a pg_dump older than tenantctl reads ({}.{} to {}.{})",
            MIN_VERSION.0, MIN_VERSION.1, MAX_VERSION.0, MAX_VERSION.1
        ))
        .into());
    }
    let int_size = c.byte()? as usize;
    let off_size = c.byte()? as usize;
    if !(1..=32).contains(&int_size) || !(1..=32).contains(&off_size) {
        return Err(ArchiveError::Invalid(format!(
            "integer size {int_size}, offset size {off_size}"
        ))
        .into());
    }
    c.int_size = int_size;
    let format = c.byte()?;
    if format != FORMAT_CUSTOM {
        return Err(
            ArchiveError::Invalid(format!("format {format} is not the custom format")).into(),
        );
    }
    let compression = if (vmaj, vmin) >= (1, 15) {
        match c.byte()? {
            0 => Compression::None,
            1 => Compression::Gzip,
            other => Compression::Other(other),
        }
    } else if c.int()? != 0 {
        Compression::Gzip
    } else {
        Compression::None
    };
    // Creation time: seconds, minutes, hours, day, month, year, isdst.
    for _ in 0..7 {
        c.int()?;
    }
    let dbname = c.string()?;
    let server_version = c.string()?;
    let pg_dump_version = c.string()?;
    Ok(Header {
        version: (vmaj, vmin, vrev),
        int_size,
        off_size,
        compression,
        dbname,
        server_version,
        pg_dump_version,
    })
}

/// An entry as parsed, before it is stored.
pub(super) struct ParsedEntry {
    dump_id: i64,
    had_dumper: bool,
    pub(super) tag: String,
    pub(super) desc: String,
    namespace: Option<String>,
    pub(super) copy_stmt: Option<String>,
    has_data: bool,
    pub(super) raw: Range<usize>,
}

pub(super) fn parse_entry(c: &mut Cur<'_>, h: &Header) -> PResult<ParsedEntry> {
    let start = c.pos;
    let dump_id = c.int()?;
    if dump_id <= 0 {
        return Err(ArchiveError::Invalid(format!("TOC entry id {dump_id}")).into());
    }
    let had_dumper = c.int()? != 0;
    c.string()?; // table oid
    c.string()?; // oid
    let tag = c.string()?.unwrap_or_default();
    let desc = c.string()?.unwrap_or_default();
    c.int()?; // section
    c.string()?; // defn
    c.string()?; // drop statement
    let copy_stmt = c.string()?;
    let namespace = c.string()?.filter(|n| !n.is_empty());
    c.string()?; // tablespace
    c.string()?; // table access method
    if (h.version.0, h.version.1) >= (1, 16) {
        c.int()?; // relkind
    }
    c.string()?; // owner
    c.string()?; // "false" (WITH OIDS)
    while c.string()?.is_some() {} // dependencies
    let flag = c.byte()?;
    c.take(h.off_size)?;
    if !(1..=3).contains(&flag) {
        return Err(ArchiveError::Invalid(format!("data offset flag {flag}")).into());
    }
    Ok(ParsedEntry {
        dump_id,
        had_dumper,
        tag,
        desc,
        namespace,
        copy_stmt,
        has_data: flag != OFFSET_NO_DATA,
        raw: start..c.pos,
    })
}

/// The text fields of an entry that pg_restore turns into SQL, which [`TocEntry`] does not keep:
/// read again from the entry's bytes for the restore pre-flight ([`Toc::entry_text`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryText {
    pub defn: String,
    pub copy_stmt: String,
    pub owner: String,
    pub tablespace: String,
    pub table_am: String,
}

pub(super) fn parse_entry_text(c: &mut Cur<'_>, h: &Header) -> PResult<EntryText> {
    c.int()?; // dump id
    c.int()?; // had dumper
    c.string()?; // table oid
    c.string()?; // oid
    c.string()?; // tag
    c.string()?; // desc
    c.int()?; // section
    let defn = c.string()?.unwrap_or_default();
    c.string()?; // drop statement
    let copy_stmt = c.string()?.unwrap_or_default();
    c.string()?; // namespace
    let tablespace = c.string()?.unwrap_or_default();
    let table_am = c.string()?.unwrap_or_default();
    if (h.version.0, h.version.1) >= (1, 16) {
        c.int()?; // relkind
    }
    let owner = c.string()?.unwrap_or_default();
    Ok(EntryText {
        defn,
        copy_stmt,
        owner,
        tablespace,
        table_am,
    })
}
