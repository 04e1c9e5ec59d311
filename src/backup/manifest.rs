//! The JSON manifest beside each dump, and reading a schema's backups back from storage.
//!
//! The manifest is the truth about a backup: storage holds `<schema>/<id>.dump` and
//! `<schema>/<id>.json`, and a dump without its manifest is not a backup (it is written last).
//! Field names are stable; new fields may be added.

use super::storage::{Storage, dump_key, manifest_key};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `format` of manifests this version writes.
pub const FORMAT: &str = "tenantctl-backup/1";

/// One backup of one tenant schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// `tenantctl-backup/1`.
    pub format: String,
    /// The backup id: its UTC timestamp, `20261126T030000.000Z`.
    pub id: String,
    pub platform_id: i64,
    pub platform_name: String,
    pub schema: String,
    /// When pg_dump started (its snapshot is from then), UTC.
    pub taken_at: DateTime<Utc>,
    /// The dump's file name beside this manifest.
    pub dump: String,
    /// Size and SHA-256 (hex) of the dump file, computed while it streamed.
    pub size_bytes: u64,
    pub sha256: String,
    /// Compression of the table data inside the archive (`gzip` or `none`).
    pub compression: String,
    /// The custom-format version (`1.14-0`).
    pub archive_version: String,
    pub pg_dump_version: String,
    pub server_version: String,
    /// The newest tenant migration applied in the dumped schema (from its `_sqlx_migrations`).
    pub migration_version: Option<i64>,
    /// The schema's tables, indexes and TOAST together when it was dumped.
    pub schema_size_bytes: Option<i64>,
    /// Rows per table in the dump.
    pub row_counts: BTreeMap<String, u64>,
    /// How many schemas the pg_dump run held (they share one snapshot).
    pub batch_schemas: usize,
    /// Other schemas whose objects the tenant's tables, types or functions use (a column of a
    /// type in `shared_types`, a default calling a function elsewhere): a restore works only
    /// where they exist. Empty for a self-contained schema; absent in older manifests.
    #[serde(default)]
    pub depends_on_schemas: Vec<String>,
    /// On Citus, the worker (`host:port`) holding the tenant's distributed schema when it was
    /// dumped: `restore` brings it back there. `null` for a schema local to the coordinator
    /// or without Citus; absent in older manifests.
    #[serde(default)]
    pub node: Option<String>,
    pub tenantctl_version: String,
}

impl Manifest {
    pub fn total_rows(&self) -> u64 {
        self.row_counts.values().sum()
    }

    pub fn dump_key(&self) -> String {
        dump_key(&self.schema, &self.id)
    }

    pub fn manifest_key(&self) -> String {
        manifest_key(&self.schema, &self.id)
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("manifests serialise");
        v.push(b'\n');
        v
    }
}

/// The id of a backup taken at `t`: sortable, unique per millisecond, safe in file names.
pub fn backup_id(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%S%.3fZ").to_string()
}

/// Check an id typed by an operator before it reaches a storage key.
pub fn validate_id(id: &str) -> Result<()> {
    let b = id.as_bytes();
    let ok = b.len() == 20
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'.'
        && b[16..19].iter().all(u8::is_ascii_digit)
        && b[19] == b'Z';
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "`{id}` is not a backup id (like 20261126T030000.000Z; `tenantctl backup list NAME` shows them)"
        )))
    }
}

/// One entry of a schema's backups as storage has them.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: String,
    /// The manifest, or why it could not be used.
    pub manifest: std::result::Result<Manifest, String>,
    /// The dump's size in storage; `None` when the dump is missing.
    pub dump_size: Option<u64>,
}

impl Listed {
    pub fn ok(&self) -> Option<&Manifest> {
        match (&self.manifest, self.dump_size) {
            (Ok(m), Some(_)) => Some(m),
            _ => None,
        }
    }

    /// What is wrong with it, if anything.
    pub fn problem(&self) -> Option<String> {
        match (&self.manifest, self.dump_size) {
            (Err(e), _) => Some(e.clone()),
            (Ok(_), None) => Some("dump missing".into()),
            (Ok(m), Some(size)) if size != m.size_bytes => Some(format!(
                "dump is {size} bytes, the manifest says {}",
                m.size_bytes
            )),
            _ => None,
        }
    }
}

/// Every backup of `schema` in storage, oldest first.
pub async fn list(storage: &dyn Storage, schema: &str) -> Result<Vec<Listed>> {
    let objects = storage.list(schema).await?;
    let dumps: BTreeMap<&str, u64> = objects
        .iter()
        .filter_map(|o| Some((o.name.strip_suffix(".dump")?, o.size)))
        .collect();
    let mut out = Vec::new();
    for o in &objects {
        let Some(id) = o.name.strip_suffix(".json") else {
            continue;
        };
        let manifest = match storage.read(&manifest_key(schema, id)).await {
            Ok(bytes) => parse(&bytes, schema, id),
            Err(Error::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        out.push(Listed {
            id: id.to_string(),
            manifest,
            dump_size: dumps.get(id).copied(),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Parse a manifest and check it describes the file it was read from.
pub fn parse(bytes: &[u8], schema: &str, id: &str) -> std::result::Result<Manifest, String> {
    let m: Manifest =
        serde_json::from_slice(bytes).map_err(|e| format!("unreadable manifest: {e}"))?;
    if m.format != FORMAT {
        return Err(format!("manifest format `{}` is not {FORMAT}", m.format));
    }
    if m.schema != schema {
        return Err(format!(
            "manifest describes schema `{}`, not `{schema}`",
            m.schema
        ));
    }
    if m.id != id {
        return Err(format!("manifest describes backup `{}`, not `{id}`", m.id));
    }
    Ok(m)
}

/// One backup of `schema` by id, or the newest usable one that is not dated in the future
/// (a clock that ran ahead or a copied manifest never counts as the newest; issue 15.8).
pub async fn pick(storage: &dyn Storage, schema: &str, id: Option<&str>) -> Result<Manifest> {
    match id {
        Some(id) => {
            validate_id(id)?;
            let bytes = storage
                .read(&manifest_key(schema, id))
                .await
                .map_err(|e| match e {
                    Error::NotFound(_) => {
                        Error::NotFound(format!("backup `{id}` of schema `{schema}` not found"))
                            .hint("`tenantctl backup list NAME` shows the backups")
                    }
                    other => other,
                })?;
            parse(&bytes, schema, id).map_err(|e| Error::Refused(format!("backup `{id}`: {e}")))
        }
        None => {
            let now = Utc::now();
            let usable: Vec<Manifest> = list(storage, schema)
                .await?
                .into_iter()
                .rev()
                .filter_map(|l| l.ok().cloned())
                .collect();
            let future: Vec<&str> = usable
                .iter()
                .filter(|m| m.taken_at > now)
                .map(|m| m.id.as_str())
                .collect();
            match usable.iter().find(|m| m.taken_at <= now) {
                Some(m) => Ok(m.clone()),
                None if !future.is_empty() => Err(Error::NotFound(format!(
                    "schema `{schema}` has only backups dated in the future ({})",
                    future.join(", ")
                ))
                .hint("check the clocks; name one with its id to use it anyway")),
                None => Err(Error::NotFound(format!(
                    "schema `{schema}` has no backups in storage"
                ))
                .hint("`tenantctl backup NAME` takes one")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_are_timestamps_and_checked() {
        let t = Utc.with_ymd_and_hms(2026, 11, 26, 3, 4, 5).unwrap()
            + chrono::Duration::milliseconds(67);
        let id = backup_id(t);
        assert_eq!(id, "20261126T030405.067Z");
        validate_id(&id).unwrap();
        for bad in [
            "",
            "../../etc/passwd",
            "20261126T030405Z",
            "20261126T030405.067Z/x",
            "latest",
        ] {
            assert!(validate_id(bad).is_err(), "{bad}");
        }
    }
}
