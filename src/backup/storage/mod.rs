//! Where backups live: a local directory or an S3 bucket, behind one small interface.
//!
//! Keys are relative paths, `<schema>/<id>.dump` and `<schema>/<id>.json`; the storage puts
//! them under its root (the directory, or the bucket's prefix). Writes stream: an [`Upload`]
//! takes the bytes as they come and only [`Upload::commit`] makes the object visible under its
//! name (a local file is renamed from a temporary name after fsync; an S3 upload completes).
//! A dump without its manifest is not a backup: the manifest is written last.

pub mod local;
pub mod s3;

use crate::config::BackupSettings;
use crate::error::Result;
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncRead;

/// One stored object directly under a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// The name inside the directory (`20261126T030000.000Z.json`).
    pub name: String,
    pub size: u64,
    pub modified: Option<DateTime<Utc>>,
}

/// A reader of one stored object.
pub type ObjectReader = Box<dyn AsyncRead + Send + Unpin>;

#[async_trait]
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// `local` or `s3`.
    fn kind(&self) -> &'static str;
    /// The root, for messages: `/var/lib/tenantctl/backups` or `s3://bucket/prefix`.
    fn describe(&self) -> String;
    /// The full location of a key: a path or an `s3://` URL.
    fn location(&self, key: &str) -> String;
    /// The key as a local file, when the storage is a local folder (read in place).
    fn local_path(&self, _key: &str) -> Option<std::path::PathBuf> {
        None
    }
    /// Fail early (exit 69) when the storage cannot be reached or created.
    async fn check(&self) -> Result<()>;
    /// [`Storage::check`], and that tenantctl may write and delete there (backup, cleanup).
    async fn check_writable(&self) -> Result<()> {
        self.check().await
    }
    /// Start writing an object.
    async fn create(&self, key: &str) -> Result<Box<dyn Upload>>;
    /// Write a small object whole (a manifest).
    async fn put(&self, key: &str, data: Vec<u8>) -> Result<()> {
        let mut up = self.create(key).await?;
        if let Err(e) = up.write(Bytes::from(data)).await {
            up.abort().await;
            return Err(e);
        }
        up.commit().await?;
        Ok(())
    }
    /// Read an object as a stream.
    async fn open(&self, key: &str) -> Result<ObjectReader>;
    /// Read a small object whole.
    async fn read(&self, key: &str) -> Result<Vec<u8>> {
        use tokio::io::AsyncReadExt;
        let mut r = self.open(key).await?;
        let mut out = Vec::new();
        r.read_to_end(&mut out).await?;
        Ok(out)
    }
    /// The objects directly under `dir` (a schema name). A missing directory is empty.
    async fn list(&self, dir: &str) -> Result<Vec<Object>>;
    /// Remove an object; a missing one is fine.
    async fn delete(&self, key: &str) -> Result<()>;
    /// Leftovers of interrupted runs older than `age`: temporary files, dumps without a
    /// manifest, unfinished multipart uploads. Removes them unless `dry_run`; returns their
    /// locations.
    async fn sweep(&self, age: Duration, dry_run: bool) -> Result<Vec<String>>;
}

/// An object being written.
#[async_trait]
pub trait Upload: Send {
    async fn write(&mut self, data: Bytes) -> Result<()>;
    /// Make the object visible under its name; returns its size.
    async fn commit(self: Box<Self>) -> Result<u64>;
    /// Throw it away (nothing becomes visible).
    async fn abort(self: Box<Self>);
}

/// The storage the configuration names.
pub async fn from_settings(b: &BackupSettings) -> Result<Arc<dyn Storage>> {
    Ok(match b.storage {
        crate::config::StorageKind::S3 => Arc::new(s3::S3::new(b).await?),
        crate::config::StorageKind::Local => Arc::new(local::Local::new(b.local_dir.clone())),
    })
}

/// `<schema>/<id>.dump`
pub fn dump_key(schema: &str, id: &str) -> String {
    format!("{schema}/{id}.dump")
}

/// `<schema>/<id>.json`
pub fn manifest_key(schema: &str, id: &str) -> String {
    format!("{schema}/{id}.json")
}
