//! The pg_dump custom archive format (`pg_dump --format=custom`), read as a stream.
//!
//! Why tenantctl reads the format at all: one pg_dump per tenant costs a read of the whole
//! catalog (about 0.5 s with 1,000 schemas), so `backup --all` dumps many tenant schemas with
//! one pg_dump (one snapshot) and splits the archive on the fly into one standalone archive per
//! schema: the header, a table of contents (TOC) holding only that schema's entries, and that
//! schema's data blocks copied verbatim. Each piece is an ordinary custom archive that plain
//! `pg_restore` reads. Reading the blocks also yields the exact row count of every table in the
//! dump (each COPY row is one line) at no extra query.
//!
//! The layout (src/bin/pg_dump/pg_backup_archiver.c, pg_backup_custom.c):
//! `PGDMP`, version (3 bytes), int size, offset size, format, compression, creation time,
//! database name, server and pg_dump versions, then the TOC (a count and the entries), then
//! one data block per entry with data: a type byte, the entry's dump id, and length-prefixed
//! chunks ending with a zero length. Integers are a sign byte plus `int size` little-endian
//! bytes. When pg_dump writes to a pipe the TOC holds no data offsets, so blocks follow in TOC
//! order and a reader finds them by scanning, which is also how pg_restore reads our pieces.

use bytes::Bytes;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::ops::Range;
use std::sync::Arc;

pub const MAGIC: &[u8; 5] = b"PGDMP";
/// Archive format byte for "custom".
const FORMAT_CUSTOM: u8 = 1;
const BLK_DATA: u8 = 1;
const BLK_BLOBS: u8 = 3;
/// Data offset flags in a custom archive's TOC entries.
const OFFSET_NO_DATA: u8 = 3;

/// The oldest and newest archive versions this reader knows (pg_dump 12 writes 1.14,
/// 16 writes 1.15, 17 and 18 write 1.16).
const MIN_VERSION: (u8, u8) = (1, 12);
const MAX_VERSION: (u8, u8) = (1, 16);
/// The versions above, for messages.
pub const KNOWN_VERSIONS: &str = "1.12 to 1.16";

/// Why an archive could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("the archive ends early (truncated)")]
    Truncated,
    #[error("not a pg_dump custom-format archive: {0}")]
    Invalid(String),
    #[error("{0}")]
    Unsupported(String),
    /// Written by a pg_dump newer than this reader (the version, `1.17`): not damage, and a
    /// backup falls back to storing per-schema archives unread.
    #[error(
        "archive version {0} was written by a newer pg_dump than tenantctl reads ({KNOWN_VERSIONS})"
    )]
    Newer(String),
}

/// More input is needed to go on; internal to the incremental parsers.
#[derive(Debug)]
enum Need {
    More,
    Bad(ArchiveError),
}

impl From<ArchiveError> for Need {
    fn from(e: ArchiveError) -> Self {
        Need::Bad(e)
    }
}

type PResult<T> = Result<T, Need>;

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

/// One TOC entry: the fields tenantctl looks at, and where its bytes are. Kept small: a
/// batch of 500 schemas has some 60,000 entries.
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
    raw: RawRef,
}

/// Where an entry's bytes are in [`Toc`]'s chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RawRef {
    chunk: u32,
    start: u32,
    end: u32,
}

/// Header and table of contents, with the bytes exactly as read (in chunks that never move,
/// so a big TOC is held once, not twice while a buffer doubles).
#[derive(Debug, Clone)]
pub struct Toc {
    pub header: Header,
    /// Everything before the entry count.
    head: Vec<u8>,
    chunks: Vec<Vec<u8>>,
    pub entries: Vec<TocEntry>,
}

/// Chunk size for TOC bytes.
const TOC_CHUNK: usize = 1 << 20;

/// A cursor over a byte slice that reports "need more" at the end.
struct Cur<'a> {
    buf: &'a [u8],
    pos: usize,
    int_size: usize,
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

    fn int(&mut self) -> PResult<i64> {
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

fn decode_int(b: &[u8]) -> PResult<i64> {
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

fn parse_header(c: &mut Cur<'_>) -> PResult<Header> {
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
struct ParsedEntry {
    dump_id: i64,
    had_dumper: bool,
    tag: String,
    desc: String,
    namespace: Option<String>,
    copy_stmt: Option<String>,
    has_data: bool,
    raw: Range<usize>,
}

fn parse_entry(c: &mut Cur<'_>, h: &Header) -> PResult<ParsedEntry> {
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

/// Reads the header and TOC incrementally from the front of a stream.
#[derive(Debug, Default)]
pub struct TocReader {
    /// Bytes not parsed yet.
    pending: Vec<u8>,
    seen: bool,
    header: Option<Header>,
    head: Vec<u8>,
    count: Option<i64>,
    entries: Vec<TocEntry>,
    chunks: Vec<Vec<u8>>,
    interned: HashMap<String, Arc<str>>,
}

/// What [`TocReader::push`] found.
pub enum TocProgress {
    /// Give it more bytes.
    NeedMore,
    /// The TOC is complete; the bytes after it (the start of the data blocks) come back.
    Done(Box<Toc>, Bytes),
}

fn intern(map: &mut HashMap<String, Arc<str>>, s: String) -> Arc<str> {
    if let Some(a) = map.get(&s) {
        return a.clone();
    }
    let a: Arc<str> = Arc::from(s.as_str());
    map.insert(s, a.clone());
    a
}

impl TocReader {
    pub fn new() -> TocReader {
        TocReader::default()
    }

    pub fn push(&mut self, data: &[u8]) -> Result<TocProgress, ArchiveError> {
        if !data.is_empty() {
            self.seen = true;
        }
        self.pending.extend_from_slice(data);
        let mut pos = 0;
        let res = loop {
            let int_size = self.header.as_ref().map(|h| h.int_size).unwrap_or(4);
            let mut c = Cur {
                buf: &self.pending,
                pos,
                int_size,
            };
            let step: PResult<()> = match (&self.header, self.count) {
                (None, _) => parse_header(&mut c).map(|h| {
                    self.head = self.pending[..c.pos].to_vec();
                    self.header = Some(h);
                }),
                (Some(_), None) => c.int().map(|n| self.count = Some(n)),
                (Some(h), Some(n)) => {
                    if self.entries.len() as i64 >= n {
                        let rest = Bytes::copy_from_slice(&self.pending[pos..]);
                        let toc = Toc {
                            header: self.header.take().expect("header read"),
                            head: std::mem::take(&mut self.head),
                            chunks: std::mem::take(&mut self.chunks),
                            entries: std::mem::take(&mut self.entries),
                        };
                        self.pending = Vec::new();
                        return Ok(TocProgress::Done(Box::new(toc), rest));
                    }
                    parse_entry(&mut c, h).map(|e| {
                        let bytes = &self.pending[e.raw.clone()];
                        let fits = self
                            .chunks
                            .last()
                            .is_some_and(|ch| ch.capacity() - ch.len() >= bytes.len());
                        if !fits {
                            self.chunks
                                .push(Vec::with_capacity(TOC_CHUNK.max(bytes.len())));
                        }
                        let chunk = self.chunks.len() - 1;
                        let ch = &mut self.chunks[chunk];
                        let start = ch.len();
                        ch.extend_from_slice(bytes);
                        let keep_copy = e.desc == "TABLE DATA" && e.tag == TRACKING_TABLE;
                        self.entries.push(TocEntry {
                            dump_id: e.dump_id,
                            had_dumper: e.had_dumper,
                            tag: e.tag.into_boxed_str(),
                            desc: intern(&mut self.interned, e.desc),
                            namespace: e.namespace.map(|n| intern(&mut self.interned, n)),
                            copy_stmt: e
                                .copy_stmt
                                .filter(|_| keep_copy)
                                .map(String::into_boxed_str),
                            has_data: e.has_data,
                            raw: RawRef {
                                chunk: chunk as u32,
                                start: start as u32,
                                end: ch.len() as u32,
                            },
                        });
                    })
                }
            };
            match step {
                Ok(()) => pos = c.pos,
                Err(Need::More) => break Ok(TocProgress::NeedMore),
                Err(Need::Bad(e)) => break Err(e),
            }
            if let Some(n) = self.count
                && !(0..=50_000_000).contains(&n)
            {
                break Err(ArchiveError::Invalid(format!("{n} TOC entries")));
            }
        };
        self.pending.drain(..pos);
        res
    }

    /// The stream ended: a TOC that is not complete is a truncated archive.
    pub fn finish(&self) -> ArchiveError {
        if self.seen {
            ArchiveError::Truncated
        } else {
            ArchiveError::Invalid("empty input".into())
        }
    }
}

/// What the block scanner reports, in stream order. `Raw` and `Payload` together are every
/// byte of a block; `Payload` is the (possibly compressed) COPY data of a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockEvent {
    Start { dump_id: i64, blobs: bool },
    Raw(Bytes),
    Payload(Bytes),
    End { dump_id: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScanState {
    /// Between blocks: a type byte and a dump id come next.
    BlockHeader,
    /// A chunk length comes next.
    ChunkLen,
    /// This many payload bytes remain in the current chunk.
    Chunk(u64),
    /// Inside a large-object block: the next blob's oid (0 ends the block) comes next.
    BlobOid,
}

/// Walks the data blocks after the TOC, chunk by chunk, without holding more than a few
/// bytes of any of them.
#[derive(Debug)]
pub struct BlockScanner {
    int_size: usize,
    state: ScanState,
    pending: Vec<u8>,
    current: Option<(i64, bool)>,
}

impl BlockScanner {
    pub fn new(header: &Header) -> BlockScanner {
        BlockScanner {
            int_size: header.int_size,
            state: ScanState::BlockHeader,
            pending: Vec::new(),
            current: None,
        }
    }

    /// Take `need` bytes into `pending` from `data`; true when complete.
    fn fill(&mut self, data: &mut Bytes, need: usize) -> bool {
        let want = need - self.pending.len();
        let n = want.min(data.len());
        self.pending.extend_from_slice(&data.split_to(n));
        self.pending.len() == need
    }

    pub fn feed(&mut self, mut data: Bytes, out: &mut Vec<BlockEvent>) -> Result<(), ArchiveError> {
        let isz = 1 + self.int_size;
        while !data.is_empty() {
            match self.state {
                ScanState::BlockHeader => {
                    if !self.fill(&mut data, 1 + isz) {
                        break;
                    }
                    let kind = self.pending[0];
                    if kind != BLK_DATA && kind != BLK_BLOBS {
                        return Err(ArchiveError::Invalid(format!(
                            "unknown data block type {kind}"
                        )));
                    }
                    let dump_id = int_of(&self.pending[1..])?;
                    let blobs = kind == BLK_BLOBS;
                    out.push(BlockEvent::Start { dump_id, blobs });
                    out.push(BlockEvent::Raw(Bytes::from(std::mem::take(
                        &mut self.pending,
                    ))));
                    self.current = Some((dump_id, blobs));
                    self.state = if blobs {
                        ScanState::BlobOid
                    } else {
                        ScanState::ChunkLen
                    };
                }
                ScanState::BlobOid => {
                    if !self.fill(&mut data, isz) {
                        break;
                    }
                    let oid = int_of(&self.pending)?;
                    out.push(BlockEvent::Raw(Bytes::from(std::mem::take(
                        &mut self.pending,
                    ))));
                    if oid == 0 {
                        self.end_block(out);
                    } else {
                        self.state = ScanState::ChunkLen;
                    }
                }
                ScanState::ChunkLen => {
                    if !self.fill(&mut data, isz) {
                        break;
                    }
                    let len = int_of(&self.pending)?;
                    out.push(BlockEvent::Raw(Bytes::from(std::mem::take(
                        &mut self.pending,
                    ))));
                    if len < 0 {
                        return Err(ArchiveError::Invalid(format!("chunk length {len}")));
                    }
                    if len == 0 {
                        match self.current {
                            Some((_, true)) => self.state = ScanState::BlobOid,
                            _ => self.end_block(out),
                        }
                    } else {
                        self.state = ScanState::Chunk(len as u64);
                    }
                }
                ScanState::Chunk(remaining) => {
                    let n = (remaining as usize).min(data.len());
                    out.push(BlockEvent::Payload(data.split_to(n)));
                    let left = remaining - n as u64;
                    self.state = if left == 0 {
                        ScanState::ChunkLen
                    } else {
                        ScanState::Chunk(left)
                    };
                }
            }
        }
        Ok(())
    }

    fn end_block(&mut self, out: &mut Vec<BlockEvent>) {
        if let Some((dump_id, _)) = self.current.take() {
            out.push(BlockEvent::End { dump_id });
        }
        self.state = ScanState::BlockHeader;
    }

    /// The stream ended: fine only between blocks.
    pub fn finish(&self) -> Result<(), ArchiveError> {
        if self.state == ScanState::BlockHeader && self.pending.is_empty() {
            Ok(())
        } else {
            Err(ArchiveError::Truncated)
        }
    }
}

fn int_of(b: &[u8]) -> Result<i64, ArchiveError> {
    decode_int(b).map_err(|e| match e {
        Need::Bad(e) => e,
        Need::More => ArchiveError::Truncated,
    })
}

/// Special entries every archive needs (client encoding and friends); they belong to no
/// schema.
fn is_setup_entry(e: &TocEntry) -> bool {
    e.namespace.is_none() && matches!(&*e.desc, "ENCODING" | "STDSTRINGS" | "SEARCHPATH")
}

/// Which schema an entry belongs to, if any: its namespace, or for the schema itself (and its
/// comment, ACL and security label) the schema it names.
pub fn entry_schema(e: &TocEntry) -> Option<String> {
    if let Some(ns) = &e.namespace {
        return Some(ns.to_string());
    }
    if &*e.desc == "SCHEMA" {
        return Some(unquote(&e.tag));
    }
    if matches!(&*e.desc, "ACL" | "COMMENT" | "SECURITY LABEL")
        && let Some(rest) = e.tag.strip_prefix("SCHEMA ")
    {
        return Some(unquote(rest));
    }
    None
}

fn unquote(s: &str) -> String {
    match s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => s.to_string(),
    }
}

impl Toc {
    /// The schemas the archive holds objects of, and the entries that belong to none (other
    /// than the setup entries).
    pub fn schemas(&self) -> (Vec<String>, Vec<&TocEntry>) {
        let mut schemas = std::collections::BTreeSet::new();
        let mut stray = Vec::new();
        for e in &self.entries {
            match entry_schema(e) {
                Some(s) => {
                    schemas.insert(s);
                }
                None if is_setup_entry(e) => {}
                None => stray.push(e),
            }
        }
        (schemas.into_iter().collect(), stray)
    }

    /// Check the archive holds exactly `schema` and nothing else: the restore pre-flight.
    pub fn check_single_schema(&self, schema: &str) -> Result<(), String> {
        let (schemas, stray) = self.schemas();
        if let Some(e) = stray.first() {
            return Err(format!(
                "the dump holds {} `{}` outside any schema",
                e.desc.to_lowercase(),
                e.tag
            ));
        }
        match schemas.as_slice() {
            [only] if only == schema => {}
            [] => return Err("the dump holds no schema".into()),
            [only] => {
                return Err(format!("the dump holds schema `{only}`, not `{schema}`"));
            }
            many => {
                return Err(format!(
                    "the dump holds {} schemas ({}), not just `{schema}`",
                    many.len(),
                    many.join(", ")
                ));
            }
        }
        if !self
            .entries
            .iter()
            .any(|e| &*e.desc == "SCHEMA" && entry_schema(e).as_deref() == Some(schema))
        {
            return Err(format!(
                "the dump lacks the CREATE SCHEMA entry of `{schema}`"
            ));
        }
        Ok(())
    }

    fn raw(&self, e: &TocEntry) -> &[u8] {
        &self.chunks[e.raw.chunk as usize][e.raw.start as usize..e.raw.end as usize]
    }

    /// A standalone header and TOC holding these entries (by index, in TOC order).
    fn piece_with(&self, indexes: &[u32]) -> Vec<u8> {
        let size: usize = indexes
            .iter()
            .map(|&i| self.raw(&self.entries[i as usize]).len())
            .sum();
        let mut out = Vec::with_capacity(self.head.len() + 16 + size);
        out.extend_from_slice(&self.head);
        out.extend(encode_int(indexes.len() as i64, self.header.int_size));
        for &i in indexes {
            out.extend_from_slice(self.raw(&self.entries[i as usize]));
        }
        out
    }

    /// For each of `schemas`, the indexes of its entries and the setup entries, in TOC order.
    fn members(&self, schemas: &[String]) -> Vec<Vec<u32>> {
        let index: HashMap<&str, usize> = schemas
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        let mut out = vec![Vec::new(); schemas.len()];
        for (i, e) in self.entries.iter().enumerate() {
            if is_setup_entry(e) {
                for m in out.iter_mut() {
                    m.push(i as u32);
                }
            } else if let Some(s) = entry_schema(e)
                && let Some(&p) = index.get(s.as_str())
            {
                out[p].push(i as u32);
            }
        }
        out
    }

    /// A standalone header and TOC holding only `schema`'s entries (plus the setup entries).
    pub fn piece_for(&self, schema: &str) -> Vec<u8> {
        let m = self.members(&[schema.to_string()]);
        self.piece_with(&m[0])
    }

    /// Entries with a data block, in the order pg_dump writes the blocks.
    pub fn data_entries(&self) -> impl Iterator<Item = &TocEntry> {
        self.entries.iter().filter(|e| e.has_data && e.had_dumper)
    }
}

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
    fn rows(&self) -> u64 {
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

/// Facts about one schema's piece, gathered while it streams.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PieceFacts {
    /// Rows per table, by table name.
    pub row_counts: BTreeMap<String, u64>,
    /// The newest tenant migration in the dump's `_sqlx_migrations`.
    pub migration_version: Option<i64>,
}

/// How one data entry is routed: to which piece, and what it is.
#[derive(Debug, Clone)]
struct DataRoute {
    piece: usize,
    table: Option<String>,
    migrations_columns: Option<Vec<String>>,
}

/// Splits a many-schema archive into one piece per schema. Feed it the TOC, then the block
/// events; it says which piece each byte belongs to and counts rows on the way.
pub struct Splitter {
    pub toc: Box<Toc>,
    pub schemas: Vec<String>,
    /// Each piece's TOC entries (indexes), computed once.
    members: Vec<Vec<u32>>,
    routes: HashMap<i64, DataRoute>,
    /// For each piece, the dump id of its last data block (a piece is complete after it).
    last_block: Vec<Option<i64>>,
    seen: usize,
    expected: usize,
    current: Option<(i64, RowCounter)>,
    pub facts: Vec<PieceFacts>,
}

/// One routed fragment: these bytes go to that piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed {
    Bytes {
        piece: usize,
        data: Bytes,
    },
    /// The piece has had its last data block.
    Complete {
        piece: usize,
    },
}

/// The name of the per-tenant migration tracking table.
const TRACKING_TABLE: &str = "_sqlx_migrations";
/// Bookkeeping text kept per table for the migration version; plenty for sqlx's table.
const KEEP_TRACKING_TEXT: usize = 4 << 20;

impl Splitter {
    /// `schemas`: the schemas asked for, in any order. Data of any other schema is an error.
    pub fn new(toc: Box<Toc>, schemas: &[String]) -> Result<Splitter, ArchiveError> {
        let index: HashMap<&str, usize> = schemas
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        let mut routes = HashMap::new();
        let mut last_block = vec![None; schemas.len()];
        let mut expected = 0;
        for e in toc.data_entries() {
            let schema = entry_schema(e).ok_or_else(|| {
                ArchiveError::Invalid(format!("data of `{}` outside any schema", e.tag))
            })?;
            let piece = *index.get(schema.as_str()).ok_or_else(|| {
                ArchiveError::Invalid(format!(
                    "data of schema `{schema}`, which was not asked for"
                ))
            })?;
            let table = (&*e.desc == "TABLE DATA").then(|| e.tag.to_string());
            let migrations_columns = (&*e.desc == "TABLE DATA" && &*e.tag == TRACKING_TABLE)
                .then(|| e.copy_stmt.as_deref().map(copy_columns).unwrap_or_default());
            routes.insert(
                e.dump_id,
                DataRoute {
                    piece,
                    table,
                    migrations_columns,
                },
            );
            last_block[piece] = Some(e.dump_id);
            expected += 1;
        }
        Ok(Splitter {
            facts: vec![PieceFacts::default(); schemas.len()],
            members: toc.members(schemas),
            schemas: schemas.to_vec(),
            toc,
            routes,
            last_block,
            seen: 0,
            expected,
            current: None,
        })
    }

    /// The header and TOC of a piece: what its file starts with.
    pub fn piece_head(&self, piece: usize) -> Vec<u8> {
        self.toc.piece_with(&self.members[piece])
    }

    /// Whether a piece has no data blocks at all (complete as soon as the TOC is).
    pub fn has_blocks(&self, piece: usize) -> bool {
        self.last_block[piece].is_some()
    }

    pub fn route(&mut self, ev: BlockEvent, out: &mut Vec<Routed>) -> Result<(), ArchiveError> {
        match ev {
            BlockEvent::Start { dump_id, .. } => {
                if !self.routes.contains_key(&dump_id) {
                    return Err(ArchiveError::Invalid(format!(
                        "data block {dump_id} has no TOC entry"
                    )));
                }
                let keep = if self.routes[&dump_id].migrations_columns.is_some() {
                    KEEP_TRACKING_TEXT
                } else {
                    0
                };
                self.current = Some((dump_id, RowCounter::new(self.toc.header.compression, keep)));
            }
            BlockEvent::Raw(data) => {
                let piece = self.current_piece()?;
                out.push(Routed::Bytes { piece, data });
            }
            BlockEvent::Payload(data) => {
                let piece = self.current_piece()?;
                if let Some((_, counter)) = &mut self.current {
                    counter.push(&data)?;
                }
                out.push(Routed::Bytes { piece, data });
            }
            BlockEvent::End { dump_id } => {
                let (id, counter) = self
                    .current
                    .take()
                    .ok_or_else(|| ArchiveError::Invalid("block end without a block".into()))?;
                debug_assert_eq!(id, dump_id);
                let route = self.routes[&dump_id].clone();
                if let Some(sink) = counter.finish()? {
                    if let Some(table) = &route.table {
                        self.facts[route.piece]
                            .row_counts
                            .insert(table.clone(), sink.rows());
                    }
                    if let Some(cols) = &route.migrations_columns {
                        self.facts[route.piece].migration_version =
                            max_migration_version(cols, &sink.text);
                    }
                }
                self.seen += 1;
                if self.last_block[route.piece] == Some(dump_id) {
                    out.push(Routed::Complete { piece: route.piece });
                }
            }
        }
        Ok(())
    }

    fn current_piece(&self) -> Result<usize, ArchiveError> {
        let (id, _) = self
            .current
            .as_ref()
            .ok_or_else(|| ArchiveError::Invalid("data outside a block".into()))?;
        Ok(self.routes[id].piece)
    }

    /// After the stream ended: every expected block must have come.
    pub fn finish(&self) -> Result<(), ArchiveError> {
        if self.seen < self.expected {
            Err(ArchiveError::Truncated)
        } else {
            Ok(())
        }
    }
}

/// Read a whole archive from a reader, checking its structure (every block complete) and
/// gathering the facts of its one schema; the restore and verify pre-flight.
pub struct ArchiveCheck {
    reader: Option<TocReader>,
    scanner: Option<BlockScanner>,
    splitter: Option<Splitter>,
    pending: Vec<BlockEvent>,
    routed: Vec<Routed>,
}

/// What [`ArchiveCheck`] found.
#[derive(Debug, Clone)]
pub struct Checked {
    pub toc: Box<Toc>,
    pub facts: PieceFacts,
}

impl Default for ArchiveCheck {
    fn default() -> Self {
        ArchiveCheck::new()
    }
}

impl ArchiveCheck {
    pub fn new() -> ArchiveCheck {
        ArchiveCheck {
            reader: Some(TocReader::new()),
            scanner: None,
            splitter: None,
            pending: Vec::new(),
            routed: Vec::new(),
        }
    }

    pub fn push(&mut self, data: &[u8]) -> Result<(), ArchiveError> {
        if let Some(r) = &mut self.reader {
            match r.push(data)? {
                TocProgress::NeedMore => return Ok(()),
                TocProgress::Done(toc, rest) => {
                    self.reader = None;
                    let (schemas, _) = toc.schemas();
                    self.scanner = Some(BlockScanner::new(&toc.header));
                    self.splitter = Some(Splitter::new(toc, &schemas)?);
                    return self.blocks(rest);
                }
            }
        }
        self.blocks(Bytes::copy_from_slice(data))
    }

    fn blocks(&mut self, data: Bytes) -> Result<(), ArchiveError> {
        let (Some(scanner), Some(splitter)) = (&mut self.scanner, &mut self.splitter) else {
            return Ok(());
        };
        self.pending.clear();
        scanner.feed(data, &mut self.pending)?;
        for ev in self.pending.drain(..) {
            self.routed.clear();
            splitter.route(ev, &mut self.routed)?;
        }
        Ok(())
    }

    pub fn finish(self) -> Result<Checked, ArchiveError> {
        if let Some(r) = &self.reader {
            return Err(r.finish());
        }
        let (Some(scanner), Some(splitter)) = (self.scanner, self.splitter) else {
            return Err(ArchiveError::Truncated);
        };
        scanner.finish()?;
        splitter.finish()?;
        let mut facts = PieceFacts::default();
        for f in splitter.facts {
            facts.row_counts.extend(f.row_counts);
            facts.migration_version = facts.migration_version.max(f.migration_version);
        }
        Ok(Checked {
            toc: splitter.toc,
            facts,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny archive writer for tests: the same layout pg_dump 15 writes.
    pub struct Fake {
        pub int_size: usize,
        pub compression: Compression,
        pub entries: Vec<FakeEntry>,
    }

    pub struct FakeEntry {
        pub id: i64,
        pub desc: &'static str,
        pub tag: String,
        pub namespace: Option<String>,
        /// COPY text of its data block, if any.
        pub data: Option<String>,
        pub copy_stmt: Option<String>,
    }

    fn s(out: &mut Vec<u8>, v: Option<&str>, isz: usize) {
        match v {
            None => out.extend(encode_int(-1, isz)),
            Some(t) => {
                out.extend(encode_int(t.len() as i64, isz));
                out.extend_from_slice(t.as_bytes());
            }
        }
    }

    impl Fake {
        pub fn bytes(&self) -> Vec<u8> {
            let isz = self.int_size;
            let mut out = Vec::new();
            out.extend_from_slice(MAGIC);
            out.extend([1, 14, 0, isz as u8, 8, FORMAT_CUSTOM]);
            out.extend(encode_int(
                if self.compression == Compression::Gzip {
                    -1
                } else {
                    0
                },
                isz,
            ));
            for v in [0, 0, 3, 1, 0, 126, 0] {
                out.extend(encode_int(v, isz));
            }
            s(&mut out, Some("db"), isz);
            s(&mut out, Some("15.18"), isz);
            s(&mut out, Some("15.18"), isz);
            out.extend(encode_int(self.entries.len() as i64, isz));
            for e in &self.entries {
                out.extend(encode_int(e.id, isz));
                out.extend(encode_int(i64::from(e.data.is_some()), isz));
                s(&mut out, Some("0"), isz);
                s(&mut out, Some("0"), isz);
                s(&mut out, Some(&e.tag), isz);
                s(&mut out, Some(e.desc), isz);
                out.extend(encode_int(1, isz));
                s(&mut out, Some(""), isz);
                s(&mut out, Some(""), isz);
                s(&mut out, e.copy_stmt.as_deref(), isz);
                s(&mut out, e.namespace.as_deref(), isz);
                s(&mut out, Some(""), isz);
                s(&mut out, Some("heap"), isz);
                s(&mut out, Some("postgres"), isz);
                s(&mut out, Some("false"), isz);
                s(&mut out, None, isz);
                out.push(if e.data.is_some() { 1 } else { OFFSET_NO_DATA });
                out.extend([0; 8]);
            }
            for e in &self.entries {
                let Some(text) = &e.data else { continue };
                let text = format!("{text}\\.\n\n\n");
                out.push(BLK_DATA);
                out.extend(encode_int(e.id, isz));
                let payload = match self.compression {
                    Compression::Gzip => {
                        let mut z = flate2::write::ZlibEncoder::new(
                            Vec::new(),
                            flate2::Compression::default(),
                        );
                        z.write_all(text.as_bytes()).unwrap();
                        z.finish().unwrap()
                    }
                    _ => text.as_bytes().to_vec(),
                };
                // Two chunks, to cross chunk boundaries.
                let mid = payload.len() / 2;
                for part in [&payload[..mid], &payload[mid..]] {
                    if part.is_empty() {
                        continue;
                    }
                    out.extend(encode_int(part.len() as i64, isz));
                    out.extend_from_slice(part);
                }
                out.extend(encode_int(0, isz));
            }
            out
        }
    }

    pub fn tenant_entries(schema: &str, first_id: i64, people: usize) -> Vec<FakeEntry> {
        let rows: String = (0..people).map(|i| format!("{i}\tp{i}\n")).collect();
        vec![
            FakeEntry {
                id: first_id,
                desc: "SCHEMA",
                tag: schema.into(),
                namespace: None,
                data: None,
                copy_stmt: None,
            },
            FakeEntry {
                id: first_id + 1,
                desc: "TABLE",
                tag: "people".into(),
                namespace: Some(schema.into()),
                data: None,
                copy_stmt: None,
            },
            FakeEntry {
                id: first_id + 2,
                desc: "TABLE DATA",
                tag: "people".into(),
                namespace: Some(schema.into()),
                data: Some(rows),
                copy_stmt: Some(format!("COPY {schema}.people (id, name) FROM stdin;\n")),
            },
            FakeEntry {
                id: first_id + 3,
                desc: "TABLE DATA",
                tag: "_sqlx_migrations".into(),
                namespace: Some(schema.into()),
                data: Some(format!(
                    "20260101000001\tone\t2026-01-01\tt\t\\\\x00\t1\n{}\tthree\t2026-01-01\tt\t\\\\x00\t1\n20260101000009\tbroken\t2026-01-01\tf\t\\\\x00\t1\n",
                    20260101000003i64
                )),
                copy_stmt: Some(format!(
                    "COPY {schema}._sqlx_migrations (version, description, installed_on, success, checksum, execution_time) FROM stdin;\n"
                )),
            },
        ]
    }

    fn fleet(compression: Compression, int_size: usize) -> Fake {
        let mut entries = vec![FakeEntry {
            id: 1,
            desc: "ENCODING",
            tag: "ENCODING".into(),
            namespace: None,
            data: None,
            copy_stmt: None,
        }];
        entries.extend(tenant_entries("t1", 10, 3));
        entries.extend(tenant_entries("t10", 20, 500));
        entries.extend(tenant_entries("t2", 30, 0));
        Fake {
            int_size,
            compression,
            entries,
        }
    }

    /// Run the splitter over `bytes` fed in `step`-sized pieces; returns each piece's bytes.
    fn split(
        bytes: &[u8],
        schemas: &[String],
        step: usize,
    ) -> (Splitter, Vec<Vec<u8>>, Vec<usize>) {
        let mut reader = TocReader::new();
        let mut chunks = bytes.chunks(step);
        let (toc, rest) = loop {
            let c = chunks.next().expect("toc completes");
            if let TocProgress::Done(t, rest) = reader.push(c).unwrap() {
                break (t, rest);
            }
        };
        let mut sp = Splitter::new(toc, schemas).unwrap();
        let mut pieces: Vec<Vec<u8>> = (0..schemas.len()).map(|i| sp.piece_head(i)).collect();
        let mut scanner = BlockScanner::new(&sp.toc.header);
        let mut completed = Vec::new();
        let mut feed = |data: Bytes, sp: &mut Splitter, pieces: &mut Vec<Vec<u8>>| {
            let mut evs = Vec::new();
            scanner.feed(data, &mut evs).unwrap();
            for ev in evs {
                let mut out = Vec::new();
                sp.route(ev, &mut out).unwrap();
                for r in out {
                    match r {
                        Routed::Bytes { piece, data } => pieces[piece].extend_from_slice(&data),
                        Routed::Complete { piece } => completed.push(piece),
                    }
                }
            }
        };
        feed(rest, &mut sp, &mut pieces);
        for c in chunks {
            feed(Bytes::copy_from_slice(c), &mut sp, &mut pieces);
        }
        sp.finish().unwrap();
        (sp, pieces, completed)
    }

    fn check(bytes: &[u8], step: usize) -> Result<Checked, ArchiveError> {
        let mut c = ArchiveCheck::new();
        for part in bytes.chunks(step) {
            c.push(part)?;
        }
        c.finish()
    }

    #[test]
    fn ints_round_trip() {
        for isz in [4, 8] {
            for v in [0, 1, -1, 255, 256, 70_000, -70_000, i32::MAX as i64] {
                let b = encode_int(v, isz);
                assert_eq!(b.len(), 1 + isz);
                assert_eq!(int_of(&b).unwrap(), v);
            }
        }
    }

    #[test]
    fn splitting_gives_standalone_pieces_with_row_counts() {
        for compression in [Compression::Gzip, Compression::None] {
            for step in [1, 7, 64, 1 << 20] {
                let fake = fleet(compression, 4);
                let bytes = fake.bytes();
                let schemas: Vec<String> = ["t2", "t10", "t1"].map(String::from).to_vec();
                let (sp, pieces, completed) = split(&bytes, &schemas, step);
                assert_eq!(completed.len(), 3, "every piece completes");
                let facts_t10 = &sp.facts[1];
                assert_eq!(facts_t10.row_counts["people"], 500);
                assert_eq!(facts_t10.row_counts["_sqlx_migrations"], 3);
                assert_eq!(facts_t10.migration_version, Some(20260101000003));
                assert_eq!(sp.facts[2].row_counts["people"], 3);
                assert_eq!(sp.facts[0].row_counts["people"], 0);

                // Each piece is a whole archive of exactly its schema, with the same facts.
                for (i, schema) in schemas.iter().enumerate() {
                    let c = check(&pieces[i], 13).unwrap();
                    c.toc.check_single_schema(schema).unwrap();
                    assert_eq!(c.facts, sp.facts[i], "{schema}");
                    assert!(c.toc.entries.iter().any(|e| &*e.desc == "ENCODING"));
                }
            }
        }
    }

    #[test]
    fn a_name_that_prefixes_another_stays_apart() {
        let bytes = fleet(Compression::Gzip, 4).bytes();
        let schemas: Vec<String> = ["t1", "t10", "t2"].map(String::from).to_vec();
        let (_, pieces, _) = split(&bytes, &schemas, 4096);
        let c = check(&pieces[0], 4096).unwrap();
        assert!(
            c.toc
                .entries
                .iter()
                .all(|e| entry_schema(e).as_deref() != Some("t10"))
        );
        assert_eq!(c.facts.row_counts["people"], 3);
    }

    #[test]
    fn single_schema_check_names_what_is_wrong() {
        let bytes = fleet(Compression::Gzip, 4).bytes();
        let c = check(&bytes, 4096).unwrap();
        let e = c.toc.check_single_schema("t1").unwrap_err();
        assert!(e.contains("3 schemas (t1, t10, t2)"), "{e}");
        let schemas: Vec<String> = ["t1", "t10", "t2"].map(String::from).to_vec();
        let (_, pieces, _) = split(&bytes, &schemas, 4096);
        let c = check(&pieces[1], 4096).unwrap();
        assert_eq!(
            c.toc.check_single_schema("t1").unwrap_err(),
            "the dump holds schema `t10`, not `t1`"
        );
    }

    #[test]
    fn truncation_anywhere_is_detected() {
        let bytes = fleet(Compression::Gzip, 4).bytes();
        for cut in [
            0,
            3,
            10,
            40,
            bytes.len() / 2,
            bytes.len() - 5,
            bytes.len() - 1,
        ] {
            let r = check(&bytes[..cut], 4096);
            assert!(r.is_err(), "cut at {cut} of {} passed", bytes.len());
        }
        assert!(check(&bytes, 4096).is_ok());
    }

    #[test]
    fn corruption_is_detected() {
        let mut bytes = fleet(Compression::Gzip, 4).bytes();
        assert_eq!(
            check(b"PGDMQ\x01\x0e\x00", 10).unwrap_err(),
            ArchiveError::Invalid("no PGDMP signature".into())
        );
        // Flip a byte inside the compressed data of the last block.
        let n = bytes.len();
        bytes[n - 10] ^= 0xff;
        assert!(check(&bytes, 4096).is_err());
    }

    #[test]
    fn a_newer_archive_is_newer_not_damaged() {
        assert_eq!(
            check(b"PGDMP\x01\x11\x00\x04\x08\x01", 10).unwrap_err(),
            ArchiveError::Newer("1.17".into())
        );
        assert_eq!(
            format!(
                "{}.{} to {}.{}",
                MIN_VERSION.0, MIN_VERSION.1, MAX_VERSION.0, MAX_VERSION.1
            ),
            KNOWN_VERSIONS
        );
        let mut reader = TocReader::new();
        assert!(matches!(
            reader.push(b"PGDMP\x02\x00\x00\x04\x08\x01"),
            Err(ArchiveError::Newer(v)) if v == "2.0"
        ));
    }

    #[test]
    fn data_of_a_schema_not_asked_for_is_refused() {
        let bytes = fleet(Compression::Gzip, 4).bytes();
        let mut reader = TocReader::new();
        let TocProgress::Done(toc, _) = reader.push(&bytes).unwrap() else {
            panic!("toc completes")
        };
        let err = Splitter::new(toc, &["t1".to_string()]).err().unwrap();
        assert!(err.to_string().contains("was not asked for"), "{err}");
    }

    #[test]
    fn copy_columns_and_versions() {
        let cols = copy_columns(
            "COPY s._sqlx_migrations (version, description, \"Odd\"\"name\", success) FROM stdin;\n",
        );
        assert_eq!(cols, ["version", "description", "Odd\"name", "success"]);
        let text = b"3\ta\tx\tt\n9\tb\tx\tf\n5\tc\tx\tt\n";
        assert_eq!(max_migration_version(&cols, text), Some(5));
        assert_eq!(max_migration_version(&cols, b""), None);
    }

    #[test]
    fn quoted_tags_are_unquoted() {
        assert_eq!(unquote("\"a\"\"b\""), "a\"b");
        assert_eq!(unquote("plain"), "plain");
    }
}
