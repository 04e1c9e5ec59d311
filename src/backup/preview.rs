//! What a restore would replace, before anybody confirms it: the tables of the live schema and
//! their rows now, beside the tables and rows of the backup.
//!
//! The backup's side is its manifest's row counts. They were counted from the archive's data
//! sections while the dump streamed (see [`super::dump`]), and a restore refuses a dump whose
//! data sections count differently before it touches anything ([`super::restore::fetch`]), so
//! they are exactly what the restore brings back, without downloading the dump to show them.
//! The live side is an exact `count(*)` per table, in one read-only transaction bounded by a
//! statement and a lock timeout (a preview must not wait behind a restore's gate, nor scan a
//! huge table for minutes); past that it falls back to the planner's estimates and says so.
//!
//! Owns the preview; may import the manifest and the database helpers.

use super::manifest::Manifest;
use crate::db::{Ident, SchemaName};
use crate::error::Result;
use crate::registry::Platform;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How long the exact counts may take together before estimates are shown instead.
pub const COUNT_BUDGET: Duration = Duration::from_secs(3);

/// One table, now and in the backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRows {
    pub table: String,
    /// Rows now; `None` when the live schema has no such table (the restore creates it).
    pub now: Option<u64>,
    /// Rows in the backup; `None` when the backup has no such table (the restore drops it).
    pub in_backup: Option<u64>,
}

impl TableRows {
    /// What the restore does to this table, in words.
    pub fn change(&self) -> &'static str {
        match (self.now, self.in_backup) {
            (None, _) => "created",
            (_, None) => "dropped",
            (Some(a), Some(b)) if a == b => "same row count",
            (Some(a), Some(b)) if a > b => "fewer rows",
            _ => "more rows",
        }
    }
}

/// What restoring `backup_id` over the platform's schema would replace.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub platform_id: i64,
    pub platform: String,
    pub schema: String,
    pub backup_id: String,
    pub taken_at: DateTime<Utc>,
    pub backup_size_bytes: u64,
    /// Whether the schema exists now (if not, the restore only creates it).
    pub schema_exists: bool,
    /// The schema's size now (tables, indexes, TOAST).
    pub schema_size_bytes: Option<i64>,
    pub migration_now: Option<i64>,
    pub migration_in_backup: Option<i64>,
    /// Every table of either side, by name.
    pub tables: Vec<TableRows>,
    pub rows_now: u64,
    pub rows_in_backup: u64,
    /// The live counts are the planner's estimates (the exact counts took longer than
    /// [`COUNT_BUDGET`] or met a lock), not exact.
    pub estimated: bool,
    /// The platform's last backup, for "every change since … is lost".
    pub last_backup_at: Option<DateTime<Utc>>,
}

/// The preview of restoring `m` over `p`'s schema.
pub async fn restore_preview(pool: &PgPool, p: &Platform, m: &Manifest) -> Result<Preview> {
    let schema = SchemaName::parse(&m.schema)?;
    let exists = crate::db::schema_exists(pool, &schema).await?;
    let (now, estimated, migration_now) = if exists {
        let (counts, estimated) = match exact_counts(pool, &schema).await {
            Ok(c) => (c, false),
            Err(e) => {
                tracing::info!(schema = %schema, error = %crate::error::cause_chain(&e), "exact row counts unavailable; showing estimates");
                (estimated_counts(pool, &schema).await?, true)
            }
        };
        (counts, estimated, migration_version(pool, &schema).await?)
    } else {
        (BTreeMap::new(), false, None)
    };
    let size = if exists {
        super::dump::schema_sizes(pool, std::slice::from_ref(&m.schema))
            .await?
            .get(&m.schema)
            .copied()
            .flatten()
    } else {
        None
    };
    let tables = merge(&now, &m.row_counts);
    Ok(Preview {
        platform_id: p.id,
        platform: p.name.clone(),
        schema: m.schema.clone(),
        backup_id: m.id.clone(),
        taken_at: m.taken_at,
        backup_size_bytes: m.size_bytes,
        schema_exists: exists,
        schema_size_bytes: size,
        migration_now,
        migration_in_backup: m.migration_version,
        rows_now: now.values().sum(),
        rows_in_backup: m.total_rows(),
        tables,
        estimated,
        last_backup_at: p.last_backup_at,
    })
}

/// Both sides' tables by name.
pub fn merge(now: &BTreeMap<String, u64>, backup: &BTreeMap<String, u64>) -> Vec<TableRows> {
    let names: BTreeSet<&String> = now.keys().chain(backup.keys()).collect();
    names
        .into_iter()
        .map(|t| TableRows {
            table: t.clone(),
            now: now.get(t).copied(),
            in_backup: backup.get(t).copied(),
        })
        .collect()
}

/// `count(*)` of every ordinary table of the schema (the tables a restore compares), in one
/// read-only transaction within [`COUNT_BUDGET`].
async fn exact_counts(pool: &PgPool, schema: &SchemaName) -> Result<BTreeMap<String, u64>> {
    let mut tx = pool.begin().await?;
    // language=PostgreSQL
    sqlx::query(
        "SELECT set_config('transaction_read_only', 'on', true), \
                set_config('statement_timeout', $1, true), set_config('lock_timeout', '1s', true)",
    )
    .bind(format!("{}ms", COUNT_BUDGET.as_millis()))
    .execute(&mut *tx)
    .await?;
    let tables = table_names(&mut tx, schema).await?;
    if tables.is_empty() {
        return Ok(BTreeMap::new());
    }
    // One statement for all: its timeout is the whole budget. Identifiers only through
    // `qualify`; each branch numbered by its position.
    let sql = tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Ok(format!(
                "SELECT {i} AS i, count(*) AS n FROM ONLY {}",
                schema.qualify(&Ident::parse(t)?)
            ))
        })
        .collect::<Result<Vec<_>>>()?
        .join(" UNION ALL ");
    let rows: Vec<(i32, i64)> = sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(&mut *tx)
        .await?;
    tx.rollback().await?;
    Ok(rows
        .into_iter()
        .filter_map(|(i, n)| Some((tables.get(i as usize)?.clone(), n.max(0) as u64)))
        .collect())
}

async fn table_names(conn: &mut sqlx::PgConnection, schema: &SchemaName) -> Result<Vec<String>> {
    // language=PostgreSQL
    Ok(sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1",
    )
    .bind(schema.as_str())
    .fetch_all(conn)
    .await?)
}

/// The planner's row estimates (`reltuples`; 0 for a table never analysed).
async fn estimated_counts(pool: &PgPool, schema: &SchemaName) -> Result<BTreeMap<String, u64>> {
    // language=PostgreSQL
    let rows: Vec<(String, f32)> = sqlx::query_as(
        "SELECT c.relname::text, greatest(c.reltuples, 0) FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
    )
    .bind(schema.as_str())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(t, n)| (t, n.round() as u64))
        .collect())
}

/// The newest tenant migration applied in the schema now (`None`: no tracking table).
async fn migration_version(pool: &PgPool, schema: &SchemaName) -> Result<Option<i64>> {
    let table = Ident::parse(crate::migrate::TRACKING_TABLE)?;
    // language=PostgreSQL
    let present: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r')",
    )
    .bind(schema.as_str())
    .bind(table.as_str())
    .fetch_one(pool)
    .await?;
    if !present {
        return Ok(None);
    }
    // language=PostgreSQL
    let sql = format!(
        "SELECT max(version) FROM {} WHERE success",
        schema.qualify(&table)
    );
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .fetch_one(pool)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_by_table() {
        let now: BTreeMap<String, u64> = [("people", 5), ("posts", 2), ("extra", 1)]
            .into_iter()
            .map(|(t, n)| (t.to_string(), n))
            .collect();
        let backup: BTreeMap<String, u64> = [("people", 3), ("posts", 2), ("old", 7)]
            .into_iter()
            .map(|(t, n)| (t.to_string(), n))
            .collect();
        let rows = merge(&now, &backup);
        let seen: Vec<(&str, Option<u64>, Option<u64>, &str)> = rows
            .iter()
            .map(|r| (r.table.as_str(), r.now, r.in_backup, r.change()))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("extra", Some(1), None, "dropped"),
                ("old", None, Some(7), "created"),
                ("people", Some(5), Some(3), "fewer rows"),
                ("posts", Some(2), Some(2), "same row count"),
            ]
        );
    }
}
