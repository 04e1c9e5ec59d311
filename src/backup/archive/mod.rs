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

mod blocks;
mod check;
mod format;
mod rows;
mod split;
mod toc;

pub use blocks::*;
pub use check::*;
pub use format::*;
pub use rows::*;
pub use split::*;
pub use toc::*;

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
