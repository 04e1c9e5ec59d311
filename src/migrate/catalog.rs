//! Reading many tenant schemas' applied migrations at once. A no-op `migrate` over 1,000
//! schemas must not cost several round trips per schema (django-tenants' 12-minute no-op run),
//! so a chunk of schemas is read with two statements: one catalog query saying which schemas
//! and tracking tables exist, and one `UNION ALL` over the tracking tables that do.
//!
//! The `UNION ALL` locks every table it reads (and its primary key index) until the statement
//! ends, so a chunk holds at most about `max_locks_per_transaction` locks: see [`chunk_size`].

use super::{Applied, MigrationError, TRACKING_TABLE, applied};
use crate::db::Ident;
use crate::error::{Error, Result};
use crate::registry::tenants::Target;
use sqlx::{AssertSqlSafe, PgPool};
use std::fmt::Write as _;

/// What a schema holds, as read in a batch.
#[derive(Debug)]
pub enum Read {
    /// No such schema.
    Missing,
    /// Its applied versions, oldest first (empty when it has no tracking table).
    Applied(Vec<Applied>),
    /// It could not be read (its tracking table is damaged, or the like).
    Error(MigrationError),
}

/// How many schemas one batched read covers: two locks per schema (the tracking table and its
/// primary key index), within this server's `max_locks_per_transaction`, so a batch never
/// takes more than its share of the shared lock table.
pub async fn chunk_size(pool: &PgPool) -> Result<usize> {
    // language=PostgreSQL
    let raw: String = sqlx::query_scalar("SELECT current_setting('max_locks_per_transaction')")
        .fetch_one(pool)
        .await?;
    Ok(chunk_for(raw.trim().parse().unwrap_or(64)))
}

/// Pure part of [`chunk_size`].
pub fn chunk_for(max_locks_per_transaction: usize) -> usize {
    (max_locks_per_transaction / 2)
        .saturating_sub(4)
        .clamp(8, 500)
}

/// Read the applied migrations of every target, in order. Two statements for the whole slice;
/// if the batch fails (a schema dropped between the two), each schema is read on its own so
/// the error lands on the tenant it belongs to.
pub async fn read_many(pool: &PgPool, targets: &[Target]) -> Result<Vec<Read>> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = targets.iter().map(|t| t.schema.as_str()).collect();
    // language=PostgreSQL
    let found: Vec<(i64, bool, bool)> = sqlx::query_as(
        "SELECT s.i, n.oid IS NOT NULL, c.oid IS NOT NULL \
         FROM unnest($1::text[]) WITH ORDINALITY AS s(name, i) \
         LEFT JOIN pg_namespace n ON n.nspname = s.name \
         LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = $2 AND c.relkind IN ('r', 'p') \
         ORDER BY s.i",
    )
    .bind(&names)
    .bind(TRACKING_TABLE)
    .fetch_all(pool)
    .await?;

    let mut out: Vec<Read> = found
        .iter()
        .map(|&(_, exists, _)| {
            if exists {
                Read::Applied(Vec::new())
            } else {
                Read::Missing
            }
        })
        .collect();
    let tracked: Vec<usize> = found
        .iter()
        .filter(|&&(_, exists, tracked)| exists && tracked)
        .map(|&(i, _, _)| i as usize - 1)
        .collect();
    if tracked.is_empty() {
        return Ok(out);
    }

    let table = Ident::parse(TRACKING_TABLE).expect("constant identifier");
    let mut sql = String::with_capacity(tracked.len() * 120);
    for (n, &i) in tracked.iter().enumerate() {
        if n > 0 {
            sql.push_str(" UNION ALL ");
        }
        // language=PostgreSQL
        let _ = write!(
            sql,
            "SELECT {i}::int4 AS i, version, description, checksum, success FROM {}",
            targets[i].schema.qualify(&table)
        );
    }
    sql.push_str(" ORDER BY 1, 2");
    /// (index in `targets`, version, description, checksum, success)
    type Row = (i32, i64, String, Vec<u8>, bool);
    let rows: std::result::Result<Vec<Row>, sqlx::Error> = sqlx::query_as(AssertSqlSafe(sql))
        .persistent(false)
        .fetch_all(pool)
        .await;
    match rows {
        Ok(rows) => {
            for (i, version, description, checksum, success) in rows {
                if let Read::Applied(v) = &mut out[i as usize] {
                    v.push(Applied {
                        version,
                        description,
                        checksum,
                        success,
                    });
                }
            }
        }
        Err(e) if crate::error::is_connection_error(&e) => return Err(e.into()),
        Err(e) => {
            tracing::debug!(error = %crate::error::Shown(&e), "batched read failed; reading schemas one by one");
            let mut conn = pool.acquire().await?;
            for &i in &tracked {
                let schema = &targets[i].schema;
                out[i] = match applied(&mut conn, schema).await {
                    Ok(a) => Read::Applied(a),
                    Err(Error::Db(e)) if crate::error::is_connection_error(&e) => {
                        return Err(Error::Db(e));
                    }
                    Err(_) if !crate::db::schema_exists(pool, schema).await? => Read::Missing,
                    Err(e) => Read::Error(MigrationError::from(e)),
                };
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_stay_within_the_lock_budget() {
        assert_eq!(chunk_for(64), 28);
        assert_eq!(chunk_for(512), 252);
        assert_eq!(chunk_for(10), 8);
        assert_eq!(chunk_for(100_000), 500);
        for locks in [16usize, 64, 128, 256, 512, 1024] {
            let c = chunk_for(locks);
            assert!(c * 2 <= locks.max(16), "{locks}: {c}");
        }
    }
}
