//! One platform's backups as a page shows them: what storage holds (the manifests are the
//! truth), with what the registry knows beside them (the last verification of each).
//!
//! Owns that view; may import manifests, storage and the registry's rows.

use super::manifest::{self, Manifest};
use super::storage::Storage;
use crate::error::Result;
use crate::registry::Platform;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use std::collections::HashMap;

/// What the last verification of a backup found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Verified {
    /// Never verified (`tenantctl backup verify` restores it where nobody sees it).
    Never,
    Ok {
        at: DateTime<Utc>,
    },
    Failed {
        at: DateTime<Utc>,
        problems: String,
    },
}

/// One backup of a platform.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub backup_id: String,
    pub taken_at: Option<DateTime<Utc>>,
    pub size_bytes: Option<u64>,
    pub sha256: Option<String>,
    pub tables: Option<usize>,
    pub rows: Option<u64>,
    pub migration_version: Option<i64>,
    /// Dated after now (a clock that ran ahead, a copied manifest): never "the latest".
    pub future: bool,
    /// What is wrong with it (unreadable manifest, dump missing or of another size); such a
    /// backup cannot be downloaded or restored.
    pub problem: Option<String>,
    pub verified: Verified,
}

impl Entry {
    /// Whether it can be downloaded and restored.
    pub fn usable(&self) -> bool {
        self.problem.is_none()
    }
}

/// A backup's id and its last verification: when, whether it passed, what it found.
type VerifiedRow = (String, Option<DateTime<Utc>>, Option<bool>, Option<String>);

/// Every backup of `p` in storage, newest first.
pub async fn of_platform(pool: &PgPool, storage: &dyn Storage, p: &Platform) -> Result<Vec<Entry>> {
    let schema = p.require_schema()?;
    let listed = manifest::list(storage, schema.as_str()).await?;
    // language=PostgreSQL
    let rows: Vec<VerifiedRow> = sqlx::query_as(
        "SELECT backup_id, verified_at, verify_ok, verify_problems FROM tenantctl.backups \
         WHERE schema_name = $1 AND verified_at IS NOT NULL",
    )
    .bind(schema.as_str())
    .fetch_all(pool)
    .await?;
    let verified: HashMap<String, Verified> = rows
        .into_iter()
        .filter_map(|(id, at, ok, problems)| {
            let at = at?;
            Some((
                id,
                match ok {
                    Some(true) => Verified::Ok { at },
                    _ => Verified::Failed {
                        at,
                        problems: problems.unwrap_or_default(),
                    },
                },
            ))
        })
        .collect();
    let now = Utc::now();
    Ok(listed
        .iter()
        .rev()
        .map(|l| {
            let m: Option<&Manifest> = l.manifest.as_ref().ok();
            Entry {
                backup_id: l.id.clone(),
                taken_at: m.map(|m| m.taken_at),
                size_bytes: m.map(|m| m.size_bytes).or(l.dump_size),
                sha256: m.map(|m| m.sha256.clone()),
                tables: m.map(|m| m.row_counts.len()),
                rows: m.map(Manifest::total_rows),
                migration_version: m.and_then(|m| m.migration_version),
                future: m.is_some_and(|m| m.taken_at > now),
                problem: l.problem(),
                verified: verified.get(&l.id).cloned().unwrap_or(Verified::Never),
            }
        })
        .collect())
}

/// One usable backup of `p` by the id a request named (checked before it reaches a storage
/// key; a missing one is `NotFound`, a damaged one `Refused`).
pub async fn usable(storage: &dyn Storage, p: &Platform, id: &str) -> Result<Manifest> {
    let schema = p.require_schema()?;
    manifest::validate_id(id)?;
    manifest::pick(storage, schema.as_str(), Some(id)).await
}
