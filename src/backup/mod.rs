//! Backups of tenant schemas: dumping (pg_dump, batched and split per schema), storage (local
//! folder or S3), manifests, retention (pure), cleanup, restore and verification.
//!
//! - [`dump`] runs `backup`: one pg_dump per batch of schemas, split on the fly by
//!   [`archive`] into one standalone custom-format archive per schema, streamed to
//!   [`storage`] with its SHA-256 and per-table row counts, then its [`manifest`].
//! - [`restore`] fetches a dump with its checksum and contents checked, and restores or
//!   verifies it in one transaction.
//! - [`failures`] tells the administrators which backups of a run failed.
//! - [`retention`] decides what `cleanup` ([`cleanup`]) keeps.
//! - [`pgtools`] is the one place pg_dump and pg_restore are run.
//! - [`job`] makes backup and restore kinds of job for `tenantctl worker` (the console's
//!   "back up now" and "restore"); [`catalog`] is a platform's backups as a page lists them,
//!   [`preview`] what a restore would replace, [`download`] a dump streamed with its checksum
//!   checked.

pub mod archive;
pub mod catalog;
pub mod cleanup;
pub mod contents;
pub mod download;
pub mod dump;
pub mod failures;
pub mod job;
pub mod manifest;
pub mod pgtools;
pub mod preview;
pub mod restore;
pub mod retention;
pub mod storage;

/// Make a file size limit (RLIMIT_FSIZE) an error instead of a crash: with SIGXFSZ handled,
/// a write past the limit fails with EFBIG like a full disk, and the temporary file is removed.
pub fn handle_file_size_limit() {
    const SIGXFSZ: i32 = 25;
    if let Ok(mut s) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(SIGXFSZ))
    {
        tokio::spawn(async move { while s.recv().await.is_some() {} });
    }
}
