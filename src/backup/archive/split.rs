//! Splitting one batch's archive into one standalone archive per schema.

use super::*;

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
pub(super) const TRACKING_TABLE: &str = "_sqlx_migrations";
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
