//! Reading a whole single-schema archive to check its structure (restore and verify).

use super::*;

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
