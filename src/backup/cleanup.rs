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
    /// The platform's id (`null` for the backups of `public`).
    pub platform_id: Option<i64>,
    pub schema: String,
    pub backup_id: String,
    pub taken_at: Option<DateTime<Utc>>,
    pub size_bytes: Option<u64>,
    /// `keep`, `delete` (dry run or not yet done), `deleted`, `skip` (not understood: left
    /// alone), `failed`.
    pub action: &'static str,
    /// Why, as one line: the retention reasons joined by ", " (see `reasons`).
    pub reason: String,
    /// Why, one entry each: the retention reasons (`newest`, `daily`, `weekly`, `monthly`;
    /// `future-dated` for a backup dated after now, kept and counted by no rule), `expired`, or
    /// what is wrong with a skipped entry.
    pub reasons: Vec<String>,
    pub error: Option<String>,
}

impl Row {
    /// A row with its reasons, both as the list and as the joined line.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        platform_id: Option<i64>,
        platform_name: &str,
        schema: &str,
        backup_id: &str,
        taken_at: Option<DateTime<Utc>>,
        size_bytes: Option<u64>,
        action: &'static str,
        reasons: Vec<String>,
    ) -> Row {
        Row {
            platform_name: platform_name.to_string(),
            platform_id,
            schema: schema.to_string(),
            backup_id: backup_id.to_string(),
            taken_at,
            size_bytes,
            action,
            reason: reasons.join(", "),
            reasons,
            error: None,
        }
    }
}

/// The plan for one schema's backups, newest first.
pub async fn plan(
    storage: &dyn Storage,
    platform_id: Option<i64>,
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
            (m, problem) => rows.push(Row::new(
                platform_id,
                platform_name,
                schema,
                &l.id,
                m.as_ref().map(|m| m.taken_at),
                l.dump_size,
                "skip",
                problem.into_iter().collect(),
            )),
        }
    }
    let mut out: Vec<Row> = retention::apply(policy, Utc::now(), usable)
        .into_iter()
        .map(|v| {
            let keep = v.keep();
            Row::new(
                platform_id,
                platform_name,
                schema,
                &v.item.id,
                Some(v.at),
                v.item.dump_size,
                if keep { "keep" } else { "delete" },
                if keep {
                    v.reasons.iter().map(|r| r.as_str().to_string()).collect()
                } else {
                    vec!["expired".into()]
                },
            )
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
