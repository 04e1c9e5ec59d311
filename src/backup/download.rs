//! Handing one backup's dump to somebody as a stream (the console's download), its size and
//! SHA-256 checked against the manifest on the way.
//!
//! The dump is never held whole: it goes from storage (a local file or an S3 object) to the
//! reader in chunks while it is hashed. A mismatch cannot be known before the last byte, and
//! reading it twice (once to check, once to send) would double every download from S3, so the
//! stream holds the last chunk back until the whole dump has been read and checked: a dump
//! that differs from its manifest (or is longer or shorter than it) ends the stream with an
//! error instead of its last chunk. Sent with the manifest's `Content-Length`, the receiver then
//! holds fewer bytes than announced and counts the download as failed (browsers say "failed",
//! curl exits 18); nobody ever holds a complete-looking copy of a damaged dump.
//!
//! Owns the checked stream; may import storage and manifests.

use super::manifest::Manifest;
use super::storage::Storage;
use crate::error::Result;
use bytes::{Bytes, BytesMut};
use futures::Stream;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

/// Read size from storage.
const CHUNK: usize = 256 * 1024;

/// Why a download was cut.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error(
        "backup `{id}`: the dump is {got} bytes with SHA-256 {sha}, the manifest says {want} bytes with {want_sha}; download cut"
    )]
    Checksum {
        id: String,
        got: u64,
        sha: String,
        want: u64,
        want_sha: String,
    },
    #[error("backup `{id}`: the dump is longer than the manifest's {want} bytes; download cut")]
    TooLong { id: String, want: u64 },
}

/// A file name for the download: `<platform>-<backup id>.dump`, with anything but ASCII
/// letters, digits, `-`, `_` and `.` replaced by `_` (a platform name is free text: quotes,
/// slashes or line breaks must never reach a header or a path on the receiver's disk).
pub fn file_name(m: &Manifest) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .trim_matches('.')
            .to_string()
    };
    let name = clean(&m.platform_name);
    let name = if name.is_empty() {
        clean(&m.schema)
    } else {
        name
    };
    format!("{name}-{}.dump", clean(&m.id))
}

/// The dump of `m` as a stream of chunks, checked against the manifest (see the module docs):
/// opening fails as storage fails (missing object, unreachable S3); a read error or a
/// mismatch ends the stream with an `io::Error` in place of its last chunk.
pub async fn open_checked(
    storage: &dyn Storage,
    m: &Manifest,
) -> Result<impl Stream<Item = std::io::Result<Bytes>> + Send + 'static> {
    let reader = storage.open(&m.dump_key()).await?;
    let state = State {
        reader,
        hasher: Sha256::new(),
        size: 0,
        held: None,
        done: false,
        id: m.id.clone(),
        want: m.size_bytes,
        want_sha: m.sha256.to_ascii_lowercase(),
    };
    Ok(futures::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        match s.step().await {
            Ok(Some(chunk)) => Some((Ok(chunk), s)),
            Ok(None) => None,
            Err(e) => {
                s.done = true;
                Some((Err(e), s))
            }
        }
    }))
}

struct State {
    reader: super::storage::ObjectReader,
    hasher: Sha256,
    size: u64,
    /// The chunk read last, sent only once the next read shows it was not the last one, or
    /// once the whole dump checked out.
    held: Option<Bytes>,
    done: bool,
    id: String,
    want: u64,
    want_sha: String,
}

impl State {
    /// The next chunk to send; `None` at a checked end.
    async fn step(&mut self) -> std::io::Result<Option<Bytes>> {
        loop {
            let mut buf = BytesMut::zeroed(CHUNK);
            let n = self.reader.read(&mut buf).await?;
            if n == 0 {
                self.done = true;
                let sha = hex::encode(std::mem::take(&mut self.hasher).finalize());
                if self.size != self.want || sha != self.want_sha {
                    return Err(cut(Mismatch::Checksum {
                        id: self.id.clone(),
                        got: self.size,
                        sha,
                        want: self.want,
                        want_sha: self.want_sha.clone(),
                    }));
                }
                return Ok(self.held.take());
            }
            buf.truncate(n);
            self.size += n as u64;
            if self.size > self.want {
                // No need to read on: it cannot match, and the receiver must not get more
                // than the announced length.
                self.done = true;
                return Err(cut(Mismatch::TooLong {
                    id: self.id.clone(),
                    want: self.want,
                }));
            }
            self.hasher.update(&buf);
            if let Some(prev) = self.held.replace(buf.freeze()) {
                return Ok(Some(prev));
            }
        }
    }
}

fn cut(m: Mismatch) -> std::io::Error {
    tracing::error!(error = %m, "backup download cut");
    std::io::Error::new(std::io::ErrorKind::InvalidData, m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::storage::local::Local;
    use futures::StreamExt;

    fn manifest(data: &[u8], name: &str) -> Manifest {
        Manifest {
            format: crate::backup::manifest::FORMAT.into(),
            id: "20261207T030000.000Z".into(),
            platform_id: 1,
            platform_name: name.into(),
            schema: "t_acme".into(),
            taken_at: chrono::Utc::now(),
            dump: "20261207T030000.000Z.dump".into(),
            size_bytes: data.len() as u64,
            sha256: hex::encode(Sha256::digest(data)),
            compression: "none".into(),
            archive_version: "1.14-0".into(),
            pg_dump_version: "15".into(),
            server_version: "15".into(),
            migration_version: None,
            schema_size_bytes: None,
            row_counts: Default::default(),
            batch_schemas: 1,
            depends_on_schemas: vec![],
            node: None,
            tenantctl_version: "0".into(),
        }
    }

    async fn collect(
        s: impl Stream<Item = std::io::Result<Bytes>>,
    ) -> (Vec<u8>, Option<std::io::Error>) {
        let mut out = Vec::new();
        let mut s = std::pin::pin!(s);
        while let Some(item) = s.next().await {
            match item {
                Ok(b) => out.extend_from_slice(&b),
                Err(e) => return (out, Some(e)),
            }
        }
        (out, None)
    }

    fn store(dir: &std::path::Path, data: &[u8]) -> Local {
        std::fs::create_dir_all(dir.join("t_acme")).unwrap();
        std::fs::write(dir.join("t_acme/20261207T030000.000Z.dump"), data).unwrap();
        Local::new(dir.to_path_buf())
    }

    #[tokio::test]
    async fn a_matching_dump_streams_whole() {
        let dir = tempfile::tempdir().unwrap();
        // Three read sizes and a bit: the held-back chunk is sent at the end.
        let data: Vec<u8> = (0..(3 * CHUNK + 17)).map(|i| (i % 251) as u8).collect();
        let storage = store(dir.path(), &data);
        let m = manifest(&data, "Acme");
        let (got, err) = collect(open_checked(&storage, &m).await.unwrap()).await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(got, data);
    }

    #[tokio::test]
    async fn a_damaged_dump_never_arrives_whole() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..(2 * CHUNK + 5)).map(|i| (i % 13) as u8).collect();
        let m = manifest(&data, "Acme");
        // Same size, one byte flipped in the last chunk.
        let mut bad = data.clone();
        *bad.last_mut().unwrap() ^= 1;
        let storage = store(dir.path(), &bad);
        let (got, err) = collect(open_checked(&storage, &m).await.unwrap()).await;
        let err = err.expect("cut");
        assert!(err.to_string().contains("SHA-256"), "{err}");
        assert!(
            got.len() < data.len(),
            "only {} of {} bytes",
            got.len(),
            data.len()
        );

        // Longer than the manifest says: cut as soon as it is known.
        let mut long = data.clone();
        long.extend_from_slice(b"more");
        let storage = store(dir.path(), &long);
        let (got, err) = collect(open_checked(&storage, &m).await.unwrap()).await;
        assert!(err.expect("cut").to_string().contains("longer"));
        assert!(got.len() < data.len());

        // Shorter: the end shows it.
        let storage = store(dir.path(), &data[..data.len() - 1]);
        let (got, err) = collect(open_checked(&storage, &m).await.unwrap()).await;
        assert!(err.is_some());
        assert!(got.len() < data.len() - 1);
    }

    #[test]
    fn file_names_are_plain() {
        let m = manifest(b"", "Acme \"Co\"/\r\nX-Evil: 1");
        assert_eq!(
            file_name(&m),
            "Acme__Co____X-Evil__1-20261207T030000.000Z.dump"
        );
        let m = manifest(b"", "...");
        assert_eq!(file_name(&m), "t_acme-20261207T030000.000Z.dump");
    }
}
