//! Files written whole or not at all: the bytes go to a temporary dot-name in the destination's
//! own folder (mode 0600, so the rename stays on one file system), which is fsynced, renamed
//! into place, and the folder fsynced. A reader sees the old file (or none) or the whole new
//! one; a crash, a full disk or a dropped writer never leaves a half file under the name.
//! `tempfile` makes, names and renames the temporary file (and removes it when dropped);
//! this adds the two fsyncs around the rename.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Marks a temporary file: `.<name>.tmp-<random>` (a sweep may remove old ones).
pub const TMP_MARK: &str = ".tmp-";

/// Whether [`AtomicFile::commit`] may replace a file already at the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Replace it (a status file a collector reads).
    Yes,
    /// Never: the commit fails with [`io::ErrorKind::AlreadyExists`] (a backup, a dump).
    No,
}

/// A file being written under a temporary name beside its destination.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

/// The folder of `path` (`.` for a bare name).
fn folder(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

impl AtomicFile {
    /// A new empty temporary file beside `dest`.
    pub fn create(dest: &Path) -> io::Result<AtomicFile> {
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}{TMP_MARK}", name.to_string_lossy()))
            .tempfile_in(folder(dest))?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// The temporary file's path (for messages).
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// The temporary file, to write to.
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// A second handle on the temporary file for async writers; flush it before the commit.
    pub fn tokio_file(&self) -> io::Result<tokio::fs::File> {
        Ok(tokio::fs::File::from_std(self.tmp.as_file().try_clone()?))
    }

    /// Fsync the file, rename it to the destination and fsync the folder. Blocking: async
    /// callers run it in `spawn_blocking`. On failure the temporary file is removed.
    pub fn commit(self, replace: Replace) -> io::Result<()> {
        self.tmp.as_file().sync_all()?;
        let dir = folder(&self.dest).to_path_buf();
        let persisted = match replace {
            Replace::Yes => self.tmp.persist(&self.dest),
            Replace::No => self.tmp.persist_noclobber(&self.dest),
        };
        persisted.map_err(|e| e.error)?;
        File::open(dir)?.sync_all()
    }
}

/// Write `bytes` to `path` whole or not at all, replacing what is there.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.file().write_all(bytes)?;
    f.commit(Replace::Yes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_file_appears_whole_on_commit_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.prom");
        let mut f = AtomicFile::create(&dest).unwrap();
        f.file().write_all(b"half").unwrap();
        assert!(!dest.exists());
        let tmp = f.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(tmp.starts_with(".a.prom.tmp-"), "{tmp}");
        f.commit(Replace::No).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"half");
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(names(dir.path()), ["a.prom"]);

        write(&dest, b"whole").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"whole");
        assert_eq!(names(dir.path()), ["a.prom"]);
    }

    #[test]
    fn no_replace_refuses_and_a_dropped_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("x.dump");
        std::fs::write(&dest, b"old").unwrap();
        let mut f = AtomicFile::create(&dest).unwrap();
        f.file().write_all(b"new").unwrap();
        let e = f.commit(Replace::No).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&dest).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["x.dump"]);

        let mut f = AtomicFile::create(&dir.path().join("y.dump")).unwrap();
        f.file().write_all(b"half").unwrap();
        drop(f);
        assert_eq!(names(dir.path()), ["x.dump"]);
    }
}
