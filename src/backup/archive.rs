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
    /// The temporary file holding a batch's TOC failed.
    #[error("the table of contents kept in a temporary file could not be read back: {0}")]
    Spill(String),
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
    fn of(e: ParsedEntry, mut intern: impl FnMut(String) -> Arc<str>) -> TocEntry {
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
struct RawRef {
    chunk: u32,
    start: u32,
    end: u32,
}

/// Header and table of contents, held whole in memory: for reading one tenant's archive (the
/// restore pre-flight). A batch's archive is split by [`SplitReader`], which does not hold
/// its TOC.
#[derive(Debug, Clone)]
pub struct Toc {
    pub header: Header,
    pub entries: Vec<TocEntry>,
    /// Where each entry's bytes are, in `chunks` (which never move, so a big TOC is held
    /// once, not twice while a buffer doubles).
    raw: Vec<RawRef>,
    chunks: Vec<Vec<u8>>,
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

fn parse_entry_text(c: &mut Cur<'_>, h: &Header) -> PResult<EntryText> {
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

/// Parses the header and TOC incrementally from the front of a stream and hands each entry,
/// with its bytes exactly as read, to a sink as soon as it is whole. It holds only what is not
/// parsed yet: the entry being read and the rest of the last input.
#[derive(Debug, Default)]
struct TocParser {
    /// Bytes not parsed yet.
    pending: Vec<u8>,
    seen: bool,
    header: Option<Header>,
    head: Vec<u8>,
    count: Option<i64>,
    parsed: i64,
    /// The most bytes `pending` held at once.
    most_pending: usize,
}

/// What [`TocParser::push`] found.
enum Parsed {
    NeedMore,
    /// The TOC is complete: the header, its bytes (everything before the entry count), and the
    /// bytes after the TOC (the start of the data blocks).
    Done {
        header: Header,
        head: Vec<u8>,
        rest: Bytes,
    },
}

/// Receives each entry of a TOC as it is parsed, with its bytes.
type EntrySink<'a> = dyn FnMut(ParsedEntry, &[u8]) -> Result<(), ArchiveError> + 'a;

impl TocParser {
    fn push(&mut self, data: &[u8], sink: &mut EntrySink<'_>) -> Result<Parsed, ArchiveError> {
        if !data.is_empty() {
            self.seen = true;
        }
        self.pending.extend_from_slice(data);
        self.most_pending = self.most_pending.max(self.pending.len());
        let mut pos = 0;
        let res = loop {
            let int_size = self.header.as_ref().map_or(4, |h| h.int_size);
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
                    if self.parsed >= n {
                        let rest = Bytes::copy_from_slice(&self.pending[pos..]);
                        self.pending = Vec::new();
                        return Ok(Parsed::Done {
                            header: self.header.take().expect("header read"),
                            head: std::mem::take(&mut self.head),
                            rest,
                        });
                    }
                    parse_entry(&mut c, h).and_then(|e| {
                        let raw = e.raw.clone();
                        sink(e, &self.pending[raw]).map_err(Need::Bad)?;
                        self.parsed += 1;
                        Ok(())
                    })
                }
            };
            match step {
                Ok(()) => pos = c.pos,
                Err(Need::More) => break Ok(Parsed::NeedMore),
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
    fn finish(&self) -> ArchiveError {
        if self.seen {
            ArchiveError::Truncated
        } else {
            ArchiveError::Invalid("empty input".into())
        }
    }
}

/// Reads the header and TOC of a stream into a [`Toc`] held in memory.
#[derive(Debug, Default)]
pub struct TocReader {
    parser: TocParser,
    entries: Vec<TocEntry>,
    raw: Vec<RawRef>,
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
        let TocReader {
            parser,
            entries,
            raw,
            chunks,
            interned,
        } = self;
        let mut keep = |e: ParsedEntry, bytes: &[u8]| {
            let fits = chunks
                .last()
                .is_some_and(|ch| ch.capacity() - ch.len() >= bytes.len());
            if !fits {
                chunks.push(Vec::with_capacity(TOC_CHUNK.max(bytes.len())));
            }
            let chunk = chunks.len() - 1;
            let ch = &mut chunks[chunk];
            let start = ch.len();
            ch.extend_from_slice(bytes);
            raw.push(RawRef {
                chunk: chunk as u32,
                start: start as u32,
                end: ch.len() as u32,
            });
            entries.push(TocEntry::of(e, |s| intern(interned, s)));
            Ok(())
        };
        Ok(match parser.push(data, &mut keep)? {
            Parsed::NeedMore => TocProgress::NeedMore,
            Parsed::Done { header, rest, .. } => TocProgress::Done(
                Box::new(Toc {
                    header,
                    entries: std::mem::take(entries),
                    raw: std::mem::take(raw),
                    chunks: std::mem::take(chunks),
                }),
                rest,
            ),
        })
    }

    /// The stream ended: a TOC that is not complete is a truncated archive.
    pub fn finish(&self) -> ArchiveError {
        self.parser.finish()
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

    /// Entry `i`'s SQL text fields (definition, COPY statement, owner, tablespace).
    pub fn entry_text(&self, i: usize) -> Result<EntryText, ArchiveError> {
        let mut c = Cur {
            buf: self.raw(i),
            pos: 0,
            int_size: self.header.int_size,
        };
        parse_entry_text(&mut c, &self.header).map_err(|e| match e {
            Need::More => ArchiveError::Truncated,
            Need::Bad(e) => e,
        })
    }

    /// Entry `i`'s bytes as read.
    fn raw(&self, i: usize) -> &[u8] {
        let r = self.raw[i];
        &self.chunks[r.chunk as usize][r.start as usize..r.end as usize]
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

/// Where the TOC entries of a batch wait for their pieces (issue 18). A piece's file starts
/// with its TOC, the whole TOC comes before the first data block, and a batch holds thousands
/// of schemas: held in memory, a batch's TOC (some 9 kB per sample-set tenant) made
/// tenantctl's memory grow with the batch. In a temporary file (unlinked at once, under
/// `TMPDIR`) it costs a few kB of buffer however big the batch.
#[derive(Debug)]
pub enum TocStore {
    /// For one tenant's archive, already in memory.
    Memory(Vec<u8>),
    File {
        file: std::io::BufWriter<std::fs::File>,
        len: u64,
    },
}

/// Write buffer of the spilled TOC.
const SPILL_BUFFER: usize = 64 * 1024;

impl TocStore {
    /// A store in a new temporary file.
    pub fn spill() -> std::io::Result<TocStore> {
        Ok(TocStore::File {
            file: std::io::BufWriter::with_capacity(SPILL_BUFFER, tempfile::tempfile()?),
            len: 0,
        })
    }

    fn append(&mut self, bytes: &[u8]) -> Result<Range<u64>, ArchiveError> {
        match self {
            TocStore::Memory(v) => {
                let start = v.len() as u64;
                v.extend_from_slice(bytes);
                Ok(start..v.len() as u64)
            }
            TocStore::File { file, len } => {
                file.write_all(bytes).map_err(spill_error)?;
                let start = *len;
                *len += bytes.len() as u64;
                Ok(start..*len)
            }
        }
    }

    /// Done writing: from now on it is read.
    fn seal(self) -> Result<SealedToc, ArchiveError> {
        Ok(match self {
            TocStore::Memory(v) => SealedToc::Memory(v),
            TocStore::File { file, .. } => {
                SealedToc::File(file.into_inner().map_err(|e| spill_error(e.into_error()))?)
            }
        })
    }
}

fn spill_error(e: std::io::Error) -> ArchiveError {
    ArchiveError::Spill(e.to_string())
}

/// A [`TocStore`] that has all its entries.
#[derive(Debug)]
enum SealedToc {
    Memory(Vec<u8>),
    File(std::fs::File),
}

impl SealedToc {
    fn read(&self, at: Range<u64>, out: &mut Vec<u8>) -> Result<(), ArchiveError> {
        match self {
            SealedToc::Memory(v) => out.extend_from_slice(&v[at.start as usize..at.end as usize]),
            SealedToc::File(f) => {
                use std::os::unix::fs::FileExt;
                let start = out.len();
                out.resize(start + (at.end - at.start) as usize, 0);
                f.read_exact_at(&mut out[start..], at.start)
                    .map_err(spill_error)?;
            }
        }
        Ok(())
    }
}

/// One piece's TOC as the splitter keeps it: a count, and where the entries' bytes are in the
/// store as runs of entries stored one after the other (pg_dump sorts each kind of object by
/// schema, so a tenant's entries make a few runs, not one per entry).
#[derive(Debug, Clone, Default)]
struct PieceToc {
    entries: i64,
    runs: Vec<Range<u64>>,
    /// The dump id of its last data block (the piece is complete after it).
    last_block: Option<i64>,
}

impl PieceToc {
    fn add(&mut self, at: &Range<u64>) {
        self.entries += 1;
        match self.runs.last_mut() {
            Some(last) if last.end == at.start => last.end = at.end,
            _ => self.runs.push(at.clone()),
        }
    }
}

/// A data entry: its piece and where its TOC bytes are (its table name and COPY statement
/// are read from there when its block comes, not kept meanwhile).
#[derive(Debug, Clone)]
struct DataRef {
    piece: u32,
    at: Range<u64>,
}

/// Sorts TOC entries into pieces as they are parsed.
#[derive(Debug)]
struct PieceIndex {
    by_name: HashMap<String, usize>,
    store: TocStore,
    pieces: Vec<PieceToc>,
    routes: HashMap<i64, DataRef>,
}

impl PieceIndex {
    fn new(schemas: &[String], store: TocStore) -> PieceIndex {
        PieceIndex {
            by_name: schemas
                .iter()
                .enumerate()
                .map(|(i, s)| (s.clone(), i))
                .collect(),
            store,
            pieces: vec![PieceToc::default(); schemas.len()],
            routes: HashMap::new(),
        }
    }

    /// One entry: stored once, counted in its piece (a setup entry in every piece); an entry
    /// of a schema not asked for is left out, data of one is an error.
    fn add(&mut self, e: &TocEntry, raw: &[u8]) -> Result<(), ArchiveError> {
        let schema = entry_schema(e);
        let piece = schema.as_deref().and_then(|s| self.by_name.get(s).copied());
        if e.has_data && e.had_dumper {
            let schema = schema.ok_or_else(|| {
                ArchiveError::Invalid(format!("data of `{}` outside any schema", e.tag))
            })?;
            let piece = piece.ok_or_else(|| {
                ArchiveError::Invalid(format!(
                    "data of schema `{schema}`, which was not asked for"
                ))
            })?;
            let at = self.store.append(raw)?;
            self.pieces[piece].add(&at);
            self.pieces[piece].last_block = Some(e.dump_id);
            self.routes.insert(
                e.dump_id,
                DataRef {
                    piece: piece as u32,
                    at,
                },
            );
        } else if is_setup_entry(e) {
            let at = self.store.append(raw)?;
            for p in &mut self.pieces {
                p.add(&at);
            }
        } else if let Some(piece) = piece {
            let at = self.store.append(raw)?;
            self.pieces[piece].add(&at);
        }
        Ok(())
    }
}

/// Reads a many-schema archive's header and TOC from the front of the stream and sorts the
/// entries into pieces as they come, keeping their bytes in a [`TocStore`]; then hands over
/// the [`Splitter`] for the data blocks.
#[derive(Debug)]
pub struct SplitReader {
    parser: TocParser,
    index: PieceIndex,
}

/// What [`SplitReader::push`] found.
pub enum SplitProgress {
    NeedMore,
    /// The TOC is complete; the bytes after it (the start of the data blocks) come back.
    Done(Box<Splitter>, Bytes),
}

impl SplitReader {
    /// `schemas`: the schemas asked for, in any order. Data of any other schema is an error.
    pub fn new(schemas: &[String], store: TocStore) -> SplitReader {
        SplitReader {
            parser: TocParser::default(),
            index: PieceIndex::new(schemas, store),
        }
    }

    pub fn push(&mut self, data: &[u8]) -> Result<SplitProgress, ArchiveError> {
        let index = &mut self.index;
        let mut add = |e: ParsedEntry, raw: &[u8]| index.add(&TocEntry::of(e, Arc::from), raw);
        match self.parser.push(data, &mut add)? {
            Parsed::NeedMore => Ok(SplitProgress::NeedMore),
            Parsed::Done { header, head, rest } => {
                let index = std::mem::replace(
                    &mut self.index,
                    PieceIndex::new(&[], TocStore::Memory(Vec::new())),
                );
                let sp = Splitter::new(header, head, index)?;
                Ok(SplitProgress::Done(Box::new(sp), rest))
            }
        }
    }

    /// The stream ended: a TOC that is not complete is a truncated archive.
    pub fn finish(&self) -> ArchiveError {
        self.parser.finish()
    }

    /// The most bytes of the archive this reader held unparsed at once.
    pub fn most_pending(&self) -> usize {
        self.parser.most_pending
    }
}

/// The data block being read.
struct Current {
    dump_id: i64,
    piece: usize,
    table: Option<String>,
    migrations_columns: Option<Vec<String>>,
    counter: RowCounter,
}

/// Splits a many-schema archive into one piece per schema: feed it the block events; it says
/// which piece each byte belongs to, counts rows on the way, and writes each piece's header
/// and TOC when asked.
pub struct Splitter {
    header: Header,
    /// The archive's header bytes: every piece starts with them.
    head: Vec<u8>,
    store: SealedToc,
    pieces: Vec<PieceToc>,
    routes: HashMap<i64, DataRef>,
    seen: usize,
    current: Option<Current>,
    pub facts: Vec<PieceFacts>,
}

impl Splitter {
    fn new(header: Header, head: Vec<u8>, index: PieceIndex) -> Result<Splitter, ArchiveError> {
        Ok(Splitter {
            facts: vec![PieceFacts::default(); index.pieces.len()],
            header,
            head,
            store: index.store.seal()?,
            pieces: index.pieces,
            routes: index.routes,
            seen: 0,
            current: None,
        })
    }

    /// A splitter for an archive whose TOC is already in memory, into `schemas`.
    pub fn for_toc(toc: &Toc, schemas: &[String]) -> Result<Splitter, ArchiveError> {
        let mut index = PieceIndex::new(schemas, TocStore::Memory(Vec::new()));
        for (i, e) in toc.entries.iter().enumerate() {
            index.add(e, toc.raw(i))?;
        }
        Splitter::new(toc.header.clone(), Vec::new(), index)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// TOC bytes this splitter holds in memory (none when they are in a file).
    pub fn toc_bytes_in_memory(&self) -> usize {
        match &self.store {
            SealedToc::Memory(v) => v.len(),
            SealedToc::File(_) => 0,
        }
    }

    /// The header and TOC of a piece: what its file starts with.
    pub fn piece_head(&self, piece: usize) -> Result<Vec<u8>, ArchiveError> {
        let p = &self.pieces[piece];
        let size: u64 = p.runs.iter().map(|r| r.end - r.start).sum();
        let mut out = Vec::with_capacity(self.head.len() + 16 + size as usize);
        out.extend_from_slice(&self.head);
        out.extend(encode_int(p.entries, self.header.int_size));
        for r in &p.runs {
            self.store.read(r.clone(), &mut out)?;
        }
        Ok(out)
    }

    /// Whether a piece has no data blocks at all (complete as soon as the TOC is).
    pub fn has_blocks(&self, piece: usize) -> bool {
        self.pieces[piece].last_block.is_some()
    }

    /// What this splitter holds per piece for the piece TOCs and their data blocks, at most
    /// (bytes; its facts aside).
    pub fn index_bytes_per_piece(&self) -> usize {
        let runs = self.pieces.iter().map(|p| p.runs.len()).max().unwrap_or(0);
        let blocks = self.routes.len().div_ceil(self.pieces.len().max(1));
        std::mem::size_of::<PieceToc>()
            + runs * std::mem::size_of::<Range<u64>>()
            + blocks * (std::mem::size_of::<DataRef>() + std::mem::size_of::<i64>())
    }

    pub fn route(&mut self, ev: BlockEvent, out: &mut Vec<Routed>) -> Result<(), ArchiveError> {
        match ev {
            BlockEvent::Start { dump_id, .. } => {
                let Some(r) = self.routes.get(&dump_id) else {
                    return Err(ArchiveError::Invalid(format!(
                        "data block {dump_id} has no TOC entry"
                    )));
                };
                let mut raw = Vec::new();
                self.store.read(r.at.clone(), &mut raw)?;
                let e = parse_entry(
                    &mut Cur {
                        buf: &raw,
                        pos: 0,
                        int_size: self.header.int_size,
                    },
                    &self.header,
                )
                .map_err(|e| match e {
                    Need::Bad(e) => e,
                    Need::More => ArchiveError::Spill("a stored TOC entry ends early".into()),
                })?;
                let table = (e.desc == "TABLE DATA").then(|| e.tag.clone());
                let migrations_columns = (e.desc == "TABLE DATA" && e.tag == TRACKING_TABLE)
                    .then(|| e.copy_stmt.as_deref().map(copy_columns).unwrap_or_default());
                let keep = if migrations_columns.is_some() {
                    KEEP_TRACKING_TEXT
                } else {
                    0
                };
                self.current = Some(Current {
                    dump_id,
                    piece: r.piece as usize,
                    table,
                    migrations_columns,
                    counter: RowCounter::new(self.header.compression, keep),
                });
            }
            BlockEvent::Raw(data) => {
                let piece = self.current_piece()?;
                out.push(Routed::Bytes { piece, data });
            }
            BlockEvent::Payload(data) => {
                let piece = self.current_piece()?;
                if let Some(c) = &mut self.current {
                    c.counter.push(&data)?;
                }
                out.push(Routed::Bytes { piece, data });
            }
            BlockEvent::End { dump_id } => {
                let c = self
                    .current
                    .take()
                    .ok_or_else(|| ArchiveError::Invalid("block end without a block".into()))?;
                debug_assert_eq!(c.dump_id, dump_id);
                if let Some(sink) = c.counter.finish()? {
                    if let Some(table) = c.table {
                        self.facts[c.piece].row_counts.insert(table, sink.rows());
                    }
                    if let Some(cols) = &c.migrations_columns {
                        self.facts[c.piece].migration_version =
                            max_migration_version(cols, &sink.text);
                    }
                }
                self.seen += 1;
                if self.pieces[c.piece].last_block == Some(dump_id) {
                    out.push(Routed::Complete { piece: c.piece });
                }
            }
        }
        Ok(())
    }

    fn current_piece(&self) -> Result<usize, ArchiveError> {
        self.current
            .as_ref()
            .map(|c| c.piece)
            .ok_or_else(|| ArchiveError::Invalid("data outside a block".into()))
    }

    /// After the stream ended: every expected block must have come.
    pub fn finish(&self) -> Result<(), ArchiveError> {
        if self.seen < self.routes.len() {
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
    toc: Option<Box<Toc>>,
    pending: Vec<BlockEvent>,
    routed: Vec<Routed>,
}

/// What [`ArchiveCheck`] found.
#[derive(Debug, Clone)]
pub struct Checked {
    pub toc: Box<Toc>,
    pub facts: PieceFacts,
    /// The role the archive gives its objects to (set by the restore's content check).
    pub owner: String,
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
            toc: None,
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
                    self.splitter = Some(Splitter::for_toc(&toc, &schemas)?);
                    self.toc = Some(toc);
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
        let (Some(scanner), Some(splitter), Some(toc)) = (self.scanner, self.splitter, self.toc)
        else {
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
            toc,
            facts,
            owner: String::new(),
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

    /// Run the splitter over `bytes` fed in `step`-sized pieces, its TOC in `store`; returns
    /// the splitter, each piece's bytes, the pieces in the order they completed, and what the
    /// reader held of the TOC in memory.
    fn split_in(
        bytes: &[u8],
        schemas: &[String],
        step: usize,
        store: TocStore,
    ) -> (Box<Splitter>, Vec<Vec<u8>>, Vec<usize>, usize) {
        let mut reader = SplitReader::new(schemas, store);
        let mut chunks = bytes.chunks(step);
        let (mut sp, rest) = loop {
            let c = chunks.next().expect("toc completes");
            if let SplitProgress::Done(sp, rest) = reader.push(c).unwrap() {
                break (sp, rest);
            }
        };
        let held = reader.most_pending() + sp.toc_bytes_in_memory();
        let mut pieces: Vec<Vec<u8>> = (0..schemas.len())
            .map(|i| sp.piece_head(i).unwrap())
            .collect();
        let mut scanner = BlockScanner::new(sp.header());
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
        (sp, pieces, completed, held)
    }

    fn split(
        bytes: &[u8],
        schemas: &[String],
        step: usize,
    ) -> (Box<Splitter>, Vec<Vec<u8>>, Vec<usize>) {
        let (sp, pieces, completed, _) = split_in(bytes, schemas, step, TocStore::spill().unwrap());
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

    /// A fleet of `n` sample-like tenants (the entries of each kind sorted by schema, as
    /// pg_dump writes them), in one archive.
    fn big_fleet(n: usize) -> (Fake, Vec<String>) {
        let names: Vec<String> = (0..n).map(|i| format!("t{i:05}")).collect();
        let mut per_schema: Vec<Vec<FakeEntry>> = names
            .iter()
            .enumerate()
            .map(|(i, s)| tenant_entries(s, 10 + 10 * i as i64, 2))
            .collect();
        let mut entries = vec![FakeEntry {
            id: 1,
            desc: "ENCODING",
            tag: "ENCODING".into(),
            namespace: None,
            data: None,
            copy_stmt: None,
        }];
        // Kind by kind (SCHEMA, TABLE, the data), each kind across every schema.
        for k in 0..4 {
            for es in &mut per_schema {
                entries.push(std::mem::replace(
                    &mut es[k],
                    FakeEntry {
                        id: 0,
                        desc: "",
                        tag: String::new(),
                        namespace: None,
                        data: None,
                        copy_stmt: None,
                    },
                ));
            }
        }
        (
            Fake {
                int_size: 4,
                compression: Compression::Gzip,
                entries,
            },
            names,
        )
    }

    /// Issue 18: what the splitter holds does not grow with the batch. A batch's TOC goes to
    /// its store (a temporary file) as it is read; in memory stay the unparsed rest of one
    /// input chunk, and per piece a count and a few runs of offsets. Held in memory as it
    /// was before, 2,000 schemas' TOC is over 1 MB here (and ~45 kB per sample-set tenant).
    #[test]
    fn memory_does_not_grow_with_the_batch() {
        let step = 16 * 1024;
        let mut held = Vec::new();
        for n in [20, 2_000] {
            let (fake, names) = big_fleet(n);
            let bytes = fake.bytes();
            let (sp, pieces, completed, toc_bytes) =
                split_in(&bytes, &names, step, TocStore::spill().unwrap());
            assert_eq!(completed.len(), n, "every piece completes");
            // The pieces are whole archives of their schema.
            for i in [0, n / 2, n - 1] {
                let c = check(&pieces[i], 4096).unwrap();
                c.toc.check_single_schema(&names[i]).unwrap();
                assert_eq!(c.facts.row_counts["people"], 2);
                assert_eq!(c.facts, sp.facts[i]);
            }
            held.push((toc_bytes, sp.index_bytes_per_piece()));
            // The same TOC in memory is what the store spares.
            let (_, _, _, in_memory) = split_in(&bytes, &names, step, TocStore::Memory(Vec::new()));
            assert!(in_memory > 50 * n, "{in_memory}");
        }
        let (small, big) = (held[0], held[1]);
        assert!(
            big.0 <= 2 * step,
            "TOC bytes held at 2,000 schemas: {}",
            big.0
        );
        assert!(big.0 <= small.0 + step, "{held:?}");
        assert_eq!(big.1, small.1, "index per piece: {held:?}");
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
        let mut reader = SplitReader::new(&["t1".to_string()], TocStore::Memory(Vec::new()));
        let err = reader.push(&bytes).err().unwrap();
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
