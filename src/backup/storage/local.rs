//! Backups in a local directory: folders 0700, files 0600, each file written with
//! [`crate::atomic_file`] (a temporary dot-name in its final folder, fsynced, renamed, the
//! folder fsynced), so a crash or a full disk never leaves a half file under a backup's name.

use super::{Object, ObjectReader, Storage, Upload};
use crate::atomic_file::{AtomicFile, Replace, TMP_MARK};
use crate::error::{Error, Result};
use async_trait::async_trait;
use bytes::Bytes;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncWriteExt, BufWriter};

/// Write buffer: block headers arrive as 5-byte pieces; the disk should see big writes.
const WRITE_BUFFER: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct Local {
    root: PathBuf,
}

impl Local {
    pub fn new(root: PathBuf) -> Local {
        Local { root }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Other(anyhow::anyhow!("cannot {what} `{}`: {e}", path.display()))
}

/// The refusal to replace a file that is there already (a backup, a downloaded dump).
pub(crate) fn exists_already(path: &Path) -> Error {
    Error::Conflict(format!(
        "`{}` exists already; not overwritten",
        path.display()
    ))
}

/// Put `atomic` in place at `dest`, never over a file that is there already.
pub(crate) async fn commit_new(atomic: AtomicFile, dest: &Path) -> Result<()> {
    tokio::task::spawn_blocking(move || atomic.commit(Replace::No))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => exists_already(dest),
            _ => io_err("write", dest, e),
        })
}

/// Create a folder (and its parents) with mode 0700.
async fn mkdir(path: &Path) -> Result<()> {
    let p = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&p)
            .map_err(|e| io_err("create folder", &p, e))
    })
    .await
    .map_err(anyhow::Error::from)?
}

#[async_trait]
impl Storage for Local {
    fn kind(&self) -> &'static str {
        "local"
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn location(&self, key: &str) -> String {
        self.path(key).display().to_string()
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        Some(self.path(key))
    }

    async fn check(&self) -> Result<()> {
        mkdir(&self.root).await.map_err(|e| Error::Unreachable {
            what: "backup storage",
            target: self.describe(),
            reason: e.to_string(),
        })
    }

    async fn create(&self, key: &str) -> Result<Box<dyn Upload>> {
        let dest = self.path(key);
        let dir = dest.parent().expect("keys have a folder").to_path_buf();
        mkdir(&dir).await?;
        let atomic = {
            let dest = dest.clone();
            tokio::task::spawn_blocking(move || AtomicFile::create(&dest))
                .await
                .map_err(anyhow::Error::from)?
                .map_err(|e| io_err("create a file in", &dir, e))?
        };
        let file = atomic
            .tokio_file()
            .map_err(|e| io_err("create", atomic.path(), e))?;
        Ok(Box::new(LocalUpload {
            file: Some(BufWriter::with_capacity(WRITE_BUFFER, file)),
            tmp: atomic.path().to_path_buf(),
            atomic: Some(atomic),
            dest,
            written: 0,
        }))
    }

    async fn open(&self, key: &str) -> Result<ObjectReader> {
        let p = self.path(key);
        match tokio::fs::File::open(&p).await {
            Ok(f) => Ok(Box::new(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotFound(format!(
                "backup file `{}` not found",
                p.display()
            ))),
            Err(e) => Err(io_err("open", &p, e)),
        }
    }

    async fn list(&self, dir: &str) -> Result<Vec<Object>> {
        let p = self.root.join(dir);
        let mut rd = match tokio::fs::read_dir(&p).await {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("list", &p, e)),
        };
        let mut out = Vec::new();
        while let Some(entry) = rd.next_entry().await.map_err(|e| io_err("list", &p, e))? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let meta = entry.metadata().await.map_err(|e| io_err("list", &p, e))?;
            if !meta.is_file() {
                continue;
            }
            out.push(Object {
                name,
                size: meta.len(),
                modified: meta.modified().ok().map(chrono::DateTime::from),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let p = self.path(key);
        match tokio::fs::remove_file(&p).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("delete", &p, e)),
        }
    }

    async fn sweep(&self, age: Duration, dry_run: bool) -> Result<Vec<String>> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || sweep_dir(&root, age, dry_run))
            .await
            .map_err(anyhow::Error::from)?
    }
}

fn sweep_dir(root: &Path, age: Duration, dry_run: bool) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let old = |m: &std::fs::Metadata| {
        m.modified()
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|d| d >= age)
    };
    let top = match std::fs::read_dir(root) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(io_err("list", root, e)),
    };
    for dir in top.flatten() {
        if !dir.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(rd) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        for f in rd.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            let Ok(meta) = f.metadata() else { continue };
            if !meta.is_file() || !old(&meta) {
                continue;
            }
            let leftover = (name.starts_with('.') && name.contains(TMP_MARK))
                || name
                    .strip_suffix(".dump")
                    .is_some_and(|stem| !dir.path().join(format!("{stem}.json")).exists());
            if leftover {
                let p = f.path();
                if !dry_run {
                    std::fs::remove_file(&p).map_err(|e| io_err("delete", &p, e))?;
                }
                found.push(p.display().to_string());
            }
        }
    }
    Ok(found)
}

struct LocalUpload {
    file: Option<BufWriter<tokio::fs::File>>,
    /// Removes the temporary file when dropped uncommitted.
    atomic: Option<AtomicFile>,
    tmp: PathBuf,
    dest: PathBuf,
    written: u64,
}

impl LocalUpload {
    async fn finish(&mut self) -> Result<u64> {
        let mut f = self.file.take().expect("not finished twice");
        f.flush().await.map_err(|e| io_err("write", &self.tmp, e))?;
        drop(f.into_inner());
        let atomic = self.atomic.take().expect("not finished twice");
        commit_new(atomic, &self.dest).await?;
        // Explicit, in case the umask or an existing file left other bits.
        let _ =
            tokio::fs::set_permissions(&self.dest, std::fs::Permissions::from_mode(0o600)).await;
        Ok(self.written)
    }
}

#[async_trait]
impl Upload for LocalUpload {
    async fn write(&mut self, data: Bytes) -> Result<()> {
        let f = self.file.as_mut().expect("not finished");
        f.write_all(&data)
            .await
            .map_err(|e| io_err("write", &self.tmp, e))?;
        self.written += data.len() as u64;
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<u64> {
        // On failure the temporary file goes with the AtomicFile.
        self.finish().await
    }

    async fn abort(mut self: Box<Self>) {
        // Dropped without commit or abort (a panic, a cancelled task) as well: the
        // AtomicFile removes the temporary file.
        self.file.take();
        self.atomic.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_appear_only_on_commit_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("b");
        let s = Local::new(root.clone());
        s.check().await.unwrap();
        let mut up = s.create("t1/x.dump").await.unwrap();
        up.write(Bytes::from_static(b"hello ")).await.unwrap();
        up.write(Bytes::from_static(b"world")).await.unwrap();
        assert!(
            s.list("t1").await.unwrap().is_empty(),
            "nothing visible yet"
        );
        assert_eq!(up.commit().await.unwrap(), 11);
        let listed = s.list("t1").await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name, "x.dump");
        assert_eq!(s.read("t1/x.dump").await.unwrap(), b"hello world");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root.join("t1/x.dump")), 0o600);
        assert_eq!(mode(&root.join("t1")), 0o700);
        assert_eq!(mode(&root), 0o700);

        let mut up = s.create("t1/y.dump").await.unwrap();
        up.write(Bytes::from_static(b"half")).await.unwrap();
        up.abort().await;
        assert_eq!(std::fs::read_dir(root.join("t1")).unwrap().count(), 1);

        // Never overwrites.
        let mut up = s.create("t1/x.dump").await.unwrap();
        up.write(Bytes::from_static(b"other")).await.unwrap();
        assert!(up.commit().await.is_err());
        assert_eq!(s.read("t1/x.dump").await.unwrap(), b"hello world");
        assert_eq!(std::fs::read_dir(root.join("t1")).unwrap().count(), 1);
        assert!(matches!(
            s.read("t1/none.json").await.unwrap_err(),
            Error::NotFound(_)
        ));
    }

    #[tokio::test]
    async fn sweep_removes_leftovers_only() {
        let dir = tempfile::tempdir().unwrap();
        let s = Local::new(dir.path().to_path_buf());
        s.put("t1/a.dump", b"d".to_vec()).await.unwrap();
        s.put("t1/a.json", b"{}".to_vec()).await.unwrap();
        s.put("t1/b.dump", b"orphan".to_vec()).await.unwrap();
        std::fs::write(dir.path().join("t1/.c.dump.tmp-1-2"), b"half").unwrap();
        let found = s.sweep(Duration::ZERO, true).await.unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(std::fs::read_dir(dir.path().join("t1")).unwrap().count(), 4);
        assert!(
            s.sweep(Duration::from_secs(3600), false)
                .await
                .unwrap()
                .is_empty()
        );
        s.sweep(Duration::ZERO, false).await.unwrap();
        let names: Vec<String> = s
            .list("t1")
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert_eq!(names, ["a.dump", "a.json"]);
    }
}
