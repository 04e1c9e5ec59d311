//! The data blocks after the TOC, found by scanning the stream.

use super::*;

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

pub(super) fn int_of(b: &[u8]) -> Result<i64, ArchiveError> {
    decode_int(b).map_err(|e| match e {
        Need::Bad(e) => e,
        Need::More => ArchiveError::Truncated,
    })
}
