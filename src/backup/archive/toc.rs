//! The table of contents: read incrementally from a stream, held in memory, and which
//! entries belong to which schema.

use super::*;

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

/// Parses the header and TOC incrementally from the front of a stream and hands each entry,
/// with its bytes exactly as read, to a sink as soon as it is whole. It holds only what is not
/// parsed yet: the entry being read and the rest of the last input.
#[derive(Debug, Default)]
pub(super) struct TocParser {
    /// Bytes not parsed yet.
    pending: Vec<u8>,
    seen: bool,
    header: Option<Header>,
    head: Vec<u8>,
    count: Option<i64>,
    parsed: i64,
    /// The most bytes `pending` held at once.
    pub(super) most_pending: usize,
}

/// What [`TocParser::push`] found.
pub(super) enum Parsed {
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
    pub(super) fn push(
        &mut self,
        data: &[u8],
        sink: &mut EntrySink<'_>,
    ) -> Result<Parsed, ArchiveError> {
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
    pub(super) fn finish(&self) -> ArchiveError {
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

pub(super) fn intern(map: &mut HashMap<String, Arc<str>>, s: String) -> Arc<str> {
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

/// Special entries every archive needs (client encoding and friends); they belong to no
/// schema.
pub(super) fn is_setup_entry(e: &TocEntry) -> bool {
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

pub(super) fn unquote(s: &str) -> String {
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
    pub(super) fn raw(&self, i: usize) -> &[u8] {
        let r = self.raw[i];
        &self.chunks[r.chunk as usize][r.start as usize..r.end as usize]
    }
}
