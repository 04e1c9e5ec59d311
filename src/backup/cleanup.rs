//! `cleanup`: apply the retention rule to each tenant's backups in storage and delete what it
//! does not keep (manifest first, so a half-deleted backup never looks like one).

use super::manifest::{self, Listed};
use super::retention::{self, Policy};
use super::storage::Storage;
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

/// One backup and what cleanup does (or would do) with it.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    #[serde(rename = "platform")]
    pub platform_name: String,
    pub schema: String,
    pub backup_id: String,
    pub taken_at: Option<DateTime<Utc>>,
    pub size_bytes: Option<u64>,
    /// `keep`, `delete` (dry run or not yet done), `deleted`, `skip` (not understood: left
    /// alone), `failed`.
    pub action: &'static str,
    /// Why: the retention reasons (`newest`, `daily`, `weekly`, `monthly`; `future-dated`
    /// for a backup dated after now, kept and counted by no rule), `expired`, or what is
    /// wrong with a skipped entry.
    pub reason: String,
    pub error: Option<String>,
}

/// The plan for one schema's backups, newest first.
pub async fn plan(
    storage: &dyn Storage,
    platform_name: &str,
    schema: &str,
    policy: Policy,
) -> Result<Vec<Row>> {
    let listed = manifest::list(storage, schema).await?;
    let mut rows = Vec::new();
    let mut usable: Vec<(DateTime<Utc>, Listed)> = Vec::new();
    for l in listed {
        match (l.ok().cloned(), l.problem()) {
            (Some(m), None) => usable.push((m.taken_at, l)),
            (m, problem) => rows.push(Row {
                platform_name: platform_name.to_string(),
                schema: schema.to_string(),
                backup_id: l.id.clone(),
                taken_at: m.as_ref().map(|m| m.taken_at),
                size_bytes: l.dump_size,
                action: "skip",
                reason: problem.unwrap_or_default(),
                error: None,
            }),
        }
    }
    let mut out: Vec<Row> = retention::apply(policy, Utc::now(), usable)
        .into_iter()
        .map(|v| {
            let keep = v.keep();
            Row {
                platform_name: platform_name.to_string(),
                schema: schema.to_string(),
                backup_id: v.item.id.clone(),
                taken_at: Some(v.at),
                size_bytes: v.item.dump_size,
                action: if keep { "keep" } else { "delete" },
                reason: if keep {
                    v.reasons
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                } else {
                    "expired".into()
                },
                error: None,
            }
        })
        .collect();
    out.extend(rows);
    out.sort_by(|a, b| b.backup_id.cmp(&a.backup_id));
    Ok(out)
}

/// Delete the rows marked `delete`; each becomes `deleted` or `failed`.
pub async fn execute(storage: &dyn Storage, pool: &PgPool, rows: &mut [Row]) -> Result<()> {
    for r in rows.iter_mut().filter(|r| r.action == "delete") {
        let res = async {
            storage
                .delete(&super::storage::manifest_key(&r.schema, &r.backup_id))
                .await?;
            storage
                .delete(&super::storage::dump_key(&r.schema, &r.backup_id))
                .await?;
            // language=PostgreSQL
            sqlx::query("DELETE FROM tenantctl.backups WHERE schema_name = $1 AND backup_id = $2")
                .bind(&r.schema)
                .bind(&r.backup_id)
                .execute(pool)
                .await?;
            Ok::<(), crate::error::Error>(())
        }
        .await;
        match res {
            Ok(()) => r.action = "deleted",
            Err(e) => {
                r.action = "failed";
                r.error = Some(e.to_string());
            }
        }
    }
    Ok(())
}
