//! Backups in an S3 bucket (AWS or a compatible server such as MinIO), with aws-sdk-s3.
//!
//! - Small objects go up with one PutObject; a stream that outgrows one part becomes a
//!   multipart upload. Parts start at `backup.s3_part_size_mib` and grow by that size every
//!   1,000 parts, so a stream of any size stays under S3's 10,000-part limit with bounded
//!   memory (one part filling, one uploading). A failed upload is aborted, so no invisible
//!   parts keep costing money; `cleanup` also aborts stale ones left by a killed run.
//! - Every part and object carries its SHA-256 (`x-amz-checksum-sha256`), which S3 checks on
//!   receipt; afterwards the object's size is checked with HeadObject. Downloads are checked
//!   against the manifest's SHA-256 by the caller.
//! - The SDK's default checksums (CRC in aws-chunked trailers) are switched to "when
//!   required": several S3-compatible servers reject them.
//! - Listing uses a prefix ending in `/`, so `tenant_a/` never matches `tenant_a2/`.

use super::{Object, ObjectReader, Storage, Upload};
use crate::config::BackupSettings;
use crate::error::{Error, Result};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Region, RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart, ServerSideEncryption,
};
use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// S3's limit on the parts of one upload.
pub const MAX_PARTS: i32 = 10_000;
/// S3's smallest part (all but the last).
pub const MIN_PART_MIB: usize = 5;

#[derive(Debug)]
struct Inner {
    client: Client,
    bucket: String,
    /// Without leading or trailing `/`; may be empty.
    prefix: String,
    sse: Option<ServerSideEncryption>,
    part_size: usize,
    endpoint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct S3 {
    inner: Arc<Inner>,
}

/// The size of part `n` (1-based): the base, one more base every 1,000 parts. Ten thousand
/// parts then hold `base * 55,000` bytes (430 GiB at 8 MiB).
pub fn part_size(base: usize, n: i32) -> usize {
    base * (1 + (n.max(1) as usize - 1) / 1000)
}

/// Standard base64 with padding (for checksum headers).
pub fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// An error and its causes on one line, without the SDK's debug dump of the raw response.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        cur = c.source();
    }
    out
}

fn sha256_b64(data: &[u8]) -> String {
    base64(&Sha256::digest(data))
}

impl S3 {
    pub async fn new(b: &BackupSettings) -> Result<S3> {
        let bucket = b
            .s3_bucket
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Error::Config("`backup.storage` is s3 but `backup.s3_bucket` is not set".into())
            })?;
        let sse = match b.s3_sse.as_deref() {
            None | Some("") => None,
            Some("AES256") => Some(ServerSideEncryption::Aes256),
            Some("aws:kms") => Some(ServerSideEncryption::AwsKms),
            Some(other) => {
                return Err(Error::Config(format!(
                    "invalid `backup.s3_sse` `{other}`: expected AES256 or aws:kms"
                )));
            }
        };
        if b.s3_part_size_mib < MIN_PART_MIB {
            return Err(Error::Config(format!(
                "`backup.s3_part_size_mib` must be at least {MIN_PART_MIB} (S3's smallest part)"
            )));
        }
        let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(crate::tls::aws_http_client())
            .region(Region::new(b.s3_region.clone()))
            .load()
            .await;
        let mut cb = aws_sdk_s3::config::Builder::from(&shared)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if let Some(ep) = b.s3_endpoint.as_deref().filter(|e| !e.is_empty()) {
            // S3-compatible servers (MinIO and the like) want path-style addressing.
            cb = cb.endpoint_url(ep).force_path_style(true);
        }
        Ok(S3 {
            inner: Arc::new(Inner {
                client: Client::from_conf(cb.build()),
                bucket,
                prefix: b.s3_prefix.trim_matches('/').to_string(),
                sse,
                part_size: b.s3_part_size_mib << 20,
                endpoint: b.s3_endpoint.clone(),
            }),
        })
    }
}

impl Inner {
    fn key(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}/{key}", self.prefix)
        }
    }

    fn describe(&self) -> String {
        let base = if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        };
        match &self.endpoint {
            Some(ep) => format!("{base} at {ep}"),
            None => base,
        }
    }

    /// An SDK error as ours: a server that cannot be reached is exit 69; a missing object is
    /// "not found"; anything else names the operation and the object.
    fn err<E, R>(&self, op: &str, key: &str, e: SdkError<E, R>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let text = chain(&e);
        match &e {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Error::Unreachable {
                what: "backup storage",
                target: self.describe(),
                reason: text,
            },
            _ => match e.code() {
                Some("NoSuchKey" | "NotFound") => Error::NotFound(format!(
                    "backup object `s3://{}/{}` not found",
                    self.bucket,
                    self.key(key)
                )),
                Some("NoSuchBucket") => Error::Config(format!(
                    "bucket `{}` does not exist ({})",
                    self.bucket,
                    self.describe()
                )),
                code => Error::Other(anyhow::anyhow!(
                    "S3 {op} of `s3://{}/{}` failed: {}",
                    self.bucket,
                    self.key(key),
                    match (code, e.message()) {
                        (Some(c), Some(m)) => format!("{c}: {m}"),
                        (Some(c), None) => c.to_string(),
                        _ => text,
                    }
                )),
            },
        }
    }

    async fn list_all(
        &self,
        prefix: &str,
        delimiter: bool,
    ) -> Result<Vec<aws_sdk_s3::types::Object>> {
        let mut req = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix);
        if delimiter {
            req = req.delimiter("/");
        }
        let mut pages = req.into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.err("list", prefix, e))?;
            out.extend(page.contents.unwrap_or_default());
        }
        Ok(out)
    }
}

#[async_trait]
impl Storage for S3 {
    fn kind(&self) -> &'static str {
        "s3"
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn location(&self, key: &str) -> String {
        format!("s3://{}/{}", self.inner.bucket, self.inner.key(key))
    }

    async fn check(&self) -> Result<()> {
        let i = &self.inner;
        match i.client.head_bucket().bucket(&i.bucket).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                if e.as_service_error().is_some_and(|s| s.is_not_found()) {
                    return Err(Error::Config(format!(
                        "bucket `{}` does not exist ({})",
                        i.bucket,
                        i.describe()
                    )));
                }
                Err(match i.err("access", "", e) {
                    Error::Other(e) => Error::Unreachable {
                        what: "backup storage",
                        target: i.describe(),
                        reason: e.to_string(),
                    },
                    other => other,
                })
            }
        }
    }

    /// A bucket with S3 Object Lock is refused for backups and cleanup (issue 27.12): S3
    /// refuses its uploads without lock headers, and a locked version outlives any delete, so
    /// cleanup would count as deleted what the bucket keeps. Restore and verify only read, and
    /// still work there. A role not allowed to read the lock configuration is not stopped.
    async fn check_writable(&self) -> Result<()> {
        self.check().await?;
        let i = &self.inner;
        match i
            .client
            .get_object_lock_configuration()
            .bucket(&i.bucket)
            .send()
            .await
        {
            Ok(out) => {
                let enabled = out
                    .object_lock_configuration()
                    .and_then(|c| c.object_lock_enabled())
                    .is_some_and(|e| e.as_str() == "Enabled");
                if enabled {
                    return Err(Error::Config(format!(
                        "bucket `{}` has S3 Object Lock enabled, which tenantctl does not support: uploads to it need lock headers tenantctl does not send, and cleanup cannot delete locked versions ({})",
                        i.bucket,
                        i.describe()
                    ))
                    .hint(
                        "back up to a bucket without Object Lock (keep copies immutable with replication to a locked bucket instead); restore and verify can still read this one",
                    ));
                }
                Ok(())
            }
            Err(e) if e.code() == Some("ObjectLockConfigurationNotFoundError") => Ok(()),
            Err(e) => {
                tracing::debug!(bucket = %i.bucket, error = %chain(&e), "cannot read the bucket's Object Lock configuration");
                Ok(())
            }
        }
    }

    async fn create(&self, key: &str) -> Result<Box<dyn Upload>> {
        Ok(Box::new(S3Upload {
            s3: self.inner.clone(),
            rel: key.to_string(),
            key: self.inner.key(key),
            buf: BytesMut::new(),
            upload_id: None,
            next_part: 1,
            done: Vec::new(),
            in_flight: None,
            written: 0,
            finished: false,
        }))
    }

    async fn open(&self, key: &str) -> Result<ObjectReader> {
        let i = &self.inner;
        let out = i
            .client
            .get_object()
            .bucket(&i.bucket)
            .key(i.key(key))
            .send()
            .await
            .map_err(|e| i.err("download", key, e))?;
        Ok(Box::new(Box::pin(out.body.into_async_read())))
    }

    async fn list(&self, dir: &str) -> Result<Vec<Object>> {
        let prefix = format!("{}/", self.inner.key(dir));
        let mut out: Vec<Object> = self
            .inner
            .list_all(&prefix, true)
            .await?
            .into_iter()
            .filter_map(|o| {
                let name = o.key()?.strip_prefix(&prefix)?.to_string();
                if name.is_empty() || name.contains('/') {
                    return None;
                }
                Some(Object {
                    name,
                    size: o.size().unwrap_or(0).max(0) as u64,
                    modified: o
                        .last_modified()
                        .and_then(|t| chrono::DateTime::from_timestamp(t.secs(), 0)),
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let i = &self.inner;
        i.client
            .delete_object()
            .bucket(&i.bucket)
            .key(i.key(key))
            .send()
            .await
            .map_err(|e| i.err("delete", key, e))?;
        Ok(())
    }

    async fn sweep(&self, age: Duration, dry_run: bool) -> Result<Vec<String>> {
        let i = &self.inner;
        let now = chrono::Utc::now();
        let old = |secs: i64| {
            chrono::DateTime::from_timestamp(secs, 0)
                .is_some_and(|t| (now - t).to_std().is_ok_and(|d| d >= age))
        };
        let root = if i.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", i.prefix)
        };
        let mut found = Vec::new();
        let objects = i.list_all(&root, false).await?;
        let keys: HashSet<&str> = objects.iter().filter_map(|o| o.key()).collect();
        for o in &objects {
            let Some(k) = o.key() else { continue };
            let Some(stem) = k.strip_suffix(".dump") else {
                continue;
            };
            if keys.contains(format!("{stem}.json").as_str()) {
                continue;
            }
            if !o.last_modified().is_some_and(|t| old(t.secs())) {
                continue;
            }
            if !dry_run {
                i.client
                    .delete_object()
                    .bucket(&i.bucket)
                    .key(k)
                    .send()
                    .await
                    .map_err(|e| i.err("delete", k, e))?;
            }
            found.push(format!("s3://{}/{k}", i.bucket));
        }
        // Unfinished multipart uploads (a run killed mid-upload).
        let mut key_marker: Option<String> = None;
        let mut id_marker: Option<String> = None;
        loop {
            let page = i
                .client
                .list_multipart_uploads()
                .bucket(&i.bucket)
                .prefix(&root)
                .set_key_marker(key_marker.clone())
                .set_upload_id_marker(id_marker.clone())
                .send()
                .await
                .map_err(|e| i.err("list uploads", &root, e))?;
            for u in page.uploads() {
                let (Some(k), Some(id)) = (u.key(), u.upload_id()) else {
                    continue;
                };
                if !u.initiated().is_some_and(|t| old(t.secs())) {
                    continue;
                }
                if !dry_run {
                    i.client
                        .abort_multipart_upload()
                        .bucket(&i.bucket)
                        .key(k)
                        .upload_id(id)
                        .send()
                        .await
                        .map_err(|e| i.err("abort upload", k, e))?;
                }
                found.push(format!("s3://{}/{k} (unfinished upload {id})", i.bucket));
            }
            if page.is_truncated() == Some(true) {
                key_marker = page.next_key_marker().map(str::to_string);
                id_marker = page.next_upload_id_marker().map(str::to_string);
                if key_marker.is_none() && id_marker.is_none() {
                    break;
                }
            } else {
                break;
            }
        }
        Ok(found)
    }
}

struct S3Upload {
    s3: Arc<Inner>,
    /// The key relative to the prefix, for messages.
    rel: String,
    key: String,
    buf: BytesMut,
    upload_id: Option<String>,
    next_part: i32,
    done: Vec<CompletedPart>,
    in_flight: Option<tokio::task::JoinHandle<Result<CompletedPart>>>,
    written: u64,
    finished: bool,
}

impl S3Upload {
    async fn start_multipart(&mut self) -> Result<String> {
        if let Some(id) = &self.upload_id {
            return Ok(id.clone());
        }
        let i = &self.s3;
        let out = i
            .client
            .create_multipart_upload()
            .bucket(&i.bucket)
            .key(&self.key)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .set_server_side_encryption(i.sse.clone())
            .send()
            .await
            .map_err(|e| i.err("upload", &self.rel, e))?;
        let id = out
            .upload_id
            .ok_or_else(|| anyhow::anyhow!("S3 gave no upload id for `{}`", self.key))?;
        self.upload_id = Some(id.clone());
        Ok(id)
    }

    async fn wait_in_flight(&mut self) -> Result<()> {
        if let Some(h) = self.in_flight.take() {
            let part = h.await.map_err(anyhow::Error::from)??;
            self.done.push(part);
        }
        Ok(())
    }

    /// Send one part; at most one is in flight while the next fills.
    async fn send_part(&mut self, data: Bytes) -> Result<()> {
        if self.next_part > MAX_PARTS {
            return Err(Error::Other(anyhow::anyhow!(
                "`{}` needs more than {MAX_PARTS} parts; raise `backup.s3_part_size_mib`",
                self.key
            )));
        }
        let id = self.start_multipart().await?;
        self.wait_in_flight().await?;
        let n = self.next_part;
        self.next_part += 1;
        let s3 = self.s3.clone();
        let key = self.key.clone();
        let rel = self.rel.clone();
        self.in_flight = Some(tokio::spawn(async move {
            let sum = sha256_b64(&data);
            let out = s3
                .client
                .upload_part()
                .bucket(&s3.bucket)
                .key(&key)
                .upload_id(id)
                .part_number(n)
                .checksum_sha256(sum.clone())
                .body(ByteStream::from(data))
                .send()
                .await
                .map_err(|e| s3.err("upload", &rel, e))?;
            Ok(CompletedPart::builder()
                .part_number(n)
                .set_e_tag(out.e_tag)
                .checksum_sha256(sum)
                .build())
        }));
        Ok(())
    }

    async fn finish(&mut self) -> Result<u64> {
        let i = self.s3.clone();
        if self.upload_id.is_none() {
            let data = self.buf.split().freeze();
            i.client
                .put_object()
                .bucket(&i.bucket)
                .key(&self.key)
                .checksum_sha256(sha256_b64(&data))
                .set_server_side_encryption(i.sse.clone())
                .body(ByteStream::from(data))
                .send()
                .await
                .map_err(|e| i.err("upload", &self.rel, e))?;
        } else {
            if !self.buf.is_empty() {
                let last = self.buf.split().freeze();
                self.send_part(last).await?;
            }
            self.wait_in_flight().await?;
            let mut parts = std::mem::take(&mut self.done);
            parts.sort_by_key(|p| p.part_number());
            let done = i
                .client
                .complete_multipart_upload()
                .bucket(&i.bucket)
                .key(&self.key)
                .upload_id(self.upload_id.clone().expect("multipart"))
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(parts))
                        .build(),
                )
                .send()
                .await;
            match done {
                Ok(_) => {}
                // NOTE: moto 5 answers with a root element the SDK does not accept
                // (`CompleteMultipartUploadResponse`): the upload did complete. A success
                // status with a body we cannot read is settled by the size check below.
                Err(SdkError::ServiceError(se)) if se.raw().status().is_success() => {
                    tracing::debug!(key = %self.key, "unreadable CompleteMultipartUpload answer; checking the object");
                }
                Err(e) => return Err(i.err("upload", &self.rel, e)),
            }
            self.upload_id = None;
        }
        let head = i
            .client
            .head_object()
            .bucket(&i.bucket)
            .key(&self.key)
            .send()
            .await
            .map_err(|e| i.err("check", &self.rel, e))?;
        let size = head.content_length().unwrap_or(-1);
        if size != self.written as i64 {
            let _ = i
                .client
                .delete_object()
                .bucket(&i.bucket)
                .key(&self.key)
                .send()
                .await;
            return Err(Error::Other(anyhow::anyhow!(
                "S3 stored {size} bytes of `{}` but {} were sent; removed it",
                self.key,
                self.written
            )));
        }
        Ok(self.written)
    }

    async fn abort_now(&mut self) {
        if let Some(h) = self.in_flight.take() {
            h.abort();
            let _ = h.await;
        }
        if let Some(id) = self.upload_id.take() {
            let i = &self.s3;
            if let Err(e) = i
                .client
                .abort_multipart_upload()
                .bucket(&i.bucket)
                .key(&self.key)
                .upload_id(&id)
                .send()
                .await
            {
                tracing::warn!(
                    key = %self.key,
                    error = %chain(&e),
                    "could not abort the multipart upload; `tenantctl cleanup` aborts it later"
                );
            }
        }
    }
}

#[async_trait]
impl Upload for S3Upload {
    async fn write(&mut self, data: Bytes) -> Result<()> {
        self.written += data.len() as u64;
        self.buf.extend_from_slice(&data);
        loop {
            let size = part_size(self.s3.part_size, self.next_part);
            if self.buf.len() < size {
                break;
            }
            let part = self.buf.split_to(size).freeze();
            self.send_part(part).await?;
        }
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<u64> {
        let res = self.finish().await;
        if res.is_err() {
            self.abort_now().await;
        }
        self.finished = true;
        res
    }

    async fn abort(mut self: Box<Self>) {
        self.abort_now().await;
        self.finished = true;
    }
}

impl Drop for S3Upload {
    fn drop(&mut self) {
        // Dropped mid-way (a cancelled task): abort in the background if we still can.
        if !self.finished
            && let Some(id) = self.upload_id.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            let s3 = self.s3.clone();
            let key = self.key.clone();
            rt.spawn(async move {
                let _ = s3
                    .client
                    .abort_multipart_upload()
                    .bucket(&s3.bucket)
                    .key(&key)
                    .upload_id(id)
                    .send()
                    .await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_grow_to_fit_ten_thousand() {
        let base = 8 << 20;
        assert_eq!(part_size(base, 1), base);
        assert_eq!(part_size(base, 1000), base);
        assert_eq!(part_size(base, 1001), 2 * base);
        assert_eq!(part_size(base, MAX_PARTS), 10 * base);
        let total: u64 = (1..=MAX_PARTS).map(|n| part_size(base, n) as u64).sum();
        assert!(total > 400 << 30, "{total}");
    }

    #[test]
    fn base64_matches_the_rfc() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(
            sha256_b64(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}
