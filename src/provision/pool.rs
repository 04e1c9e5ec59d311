//! The warm pool: spare schemas, fully migrated and seeded with neutral data (the seed files
//! that read no platform fact), named `_tenantctl_pool_<hex>` and listed in
//! `tenantctl.pool_schemas`. Creating a platform claims one in one short transaction: rename it
//! to the platform's schema, bring it to the newest migration, run the seeds with the platform's
//! facts (seeds are idempotent), mark the platform completed. A pool schema whose migrations
//! drifted from the set is dropped and replaced instead. The worker refills the pool.
//!
//! Caveat: renaming works for schemas whose objects refer to each other by OID (tables,
//! sequences, triggers, defaults). An application whose migrations write the schema's own name
//! into function bodies or views must keep `provision.pool_size` at 0.

use super::{ProvisionOutcome, Provisioner, create_schema};
use crate::db::{self, SchemaName, locks::PlatformLock};
use crate::error::Result;
use crate::migrate;
use crate::migrate::runner::{self, Job, Start};
use crate::registry::{Platform, ProvisionStatus};
use crate::rules::names;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use tracing::{info, warn};

/// One spare schema.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Spare {
    #[serde(rename = "schema")]
    pub schema_name: SchemaName,
    pub version: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// The spares, oldest first.
pub async fn spares(pool: &PgPool) -> Result<Vec<Spare>> {
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, Spare>(
        "SELECT schema_name, version, created_at FROM tenantctl.pool_schemas ORDER BY created_at, schema_name",
    )
    .fetch_all(pool)
    .await?)
}

/// Build one spare: create, migrate, seed the neutral seeds, list it. One transaction.
pub async fn build_one(pool: &PgPool, prov: &Provisioner) -> Result<SchemaName> {
    let name = names::pool_schema(rand::random());
    let mut tx = pool.begin().await?;
    create_schema(&mut tx, &name).await?;
    db::set_tenant(&mut tx, &name, prov.extension_schema.as_ref()).await?;
    runner::run(&mut tx, Job::unseen(&name, None, &prov.set, Start::New)).await?;
    prov.seeds.neutral().run(&mut tx).await?;
    // language=PostgreSQL
    sqlx::query("INSERT INTO tenantctl.pool_schemas (schema_name, version) VALUES ($1, $2)")
        .bind(name.as_str())
        .bind(prov.set.latest())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    info!(schema = %name, "pool schema ready");
    Ok(name)
}

/// Drop a spare (schema and row) unless somebody is claiming it; `false` if it was busy.
async fn drop_spare(pool: &PgPool, name: &SchemaName) -> Result<bool> {
    let mut tx = pool.begin().await?;
    // language=PostgreSQL
    let row: Option<String> = sqlx::query_scalar(
        "DELETE FROM tenantctl.pool_schemas WHERE schema_name = (SELECT schema_name FROM tenantctl.pool_schemas \
         WHERE schema_name = $1 FOR UPDATE SKIP LOCKED) RETURNING schema_name",
    )
    .bind(name)
    .fetch_optional(&mut *tx)
    .await?;
    if row.is_none() {
        return Ok(false);
    }
    drop_schema_in(&mut tx, name).await?;
    tx.commit().await?;
    Ok(true)
}

async fn drop_schema_in(conn: &mut PgConnection, schema: &SchemaName) -> Result<()> {
    // language=PostgreSQL
    let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", schema.sql());
    sqlx::query(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    Ok(())
}

/// What [`fill`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FillReport {
    pub size: usize,
    pub ready: usize,
    pub created: usize,
    /// Spares brought to the newest migration.
    pub migrated: usize,
    /// Spares dropped: beyond the size, or drifted from the migration set.
    pub dropped: usize,
}

/// Keep exactly `size` spares at the newest migration: migrate old ones, replace drifted ones,
/// drop extras, build the missing.
pub async fn fill(pool: &PgPool, prov: &Provisioner, size: usize) -> Result<FillReport> {
    let mut report = FillReport {
        size,
        ..FillReport::default()
    };
    let mut kept = 0usize;
    for s in spares(pool).await? {
        if kept >= size {
            if drop_spare(pool, &s.schema_name).await? {
                report.dropped += 1;
            }
            continue;
        }
        match refresh(pool, prov, &s.schema_name).await? {
            Refresh::Current => kept += 1,
            Refresh::Migrated => {
                kept += 1;
                report.migrated += 1;
            }
            Refresh::Dropped => report.dropped += 1,
            Refresh::Busy => {}
        }
    }
    while kept < size {
        build_one(pool, prov).await?;
        kept += 1;
        report.created += 1;
    }
    report.ready = kept;
    Ok(report)
}

enum Refresh {
    Current,
    Migrated,
    Dropped,
    Busy,
}

/// Bring one spare to the newest migration, or drop it when its history drifted.
async fn refresh(pool: &PgPool, prov: &Provisioner, schema: &SchemaName) -> Result<Refresh> {
    let mut tx = pool.begin().await?;
    // language=PostgreSQL
    let row: Option<String> = sqlx::query_scalar(
        "SELECT schema_name FROM tenantctl.pool_schemas WHERE schema_name = $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(schema)
    .fetch_optional(&mut *tx)
    .await?;
    if row.is_none() {
        return Ok(Refresh::Busy);
    }
    let applied = migrate::applied(&mut tx, schema).await?;
    let plan = migrate::plan(&prov.set, &applied);
    if !plan.drift.is_empty() || !plan.unknown.is_empty() {
        warn!(schema = %schema, drift = ?plan.drift, unknown = ?plan.unknown, "pool schema does not match the migrations; replacing it");
        // language=PostgreSQL
        sqlx::query("DELETE FROM tenantctl.pool_schemas WHERE schema_name = $1")
            .bind(schema)
            .execute(&mut *tx)
            .await?;
        drop_schema_in(&mut tx, schema).await?;
        tx.commit().await?;
        return Ok(Refresh::Dropped);
    }
    if plan.pending.is_empty() {
        return Ok(Refresh::Current);
    }
    db::set_tenant(&mut tx, schema, prov.extension_schema.as_ref()).await?;
    let job = Job::unseen(schema, None, &prov.set, Start::Read(applied));
    runner::run(&mut tx, job).await?;
    prov.seeds.neutral().run(&mut tx).await?;
    // language=PostgreSQL
    sqlx::query("UPDATE tenantctl.pool_schemas SET version = $2 WHERE schema_name = $1")
        .bind(schema)
        .bind(prov.set.latest())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    info!(schema = %schema, migrated = ?plan.pending, "pool schema migrated");
    Ok(Refresh::Migrated)
}

/// Build one spare if the pool holds fewer than `size`; `true` if one was built. The worker
/// calls this when it is idle, one at a time, so a new job never waits long.
pub async fn refill_one(pool: &PgPool, prov: &Provisioner, size: usize) -> Result<bool> {
    if size == 0 {
        return Ok(false);
    }
    // language=PostgreSQL
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM tenantctl.pool_schemas")
        .fetch_one(pool)
        .await?;
    if have as usize >= size {
        return Ok(false);
    }
    build_one(pool, prov).await?;
    Ok(true)
}

/// Claim a spare for a pending platform: one short transaction renames it to the platform's
/// schema, migrates it to the newest version if it is behind, runs the seeds that read the
/// platform's facts (all seeds if it was migrated) and marks the platform completed. `Ok(None)`
/// when no spare is free (or the platform is not pending); the caller then queues the
/// provisioning instead. `base_domain`: the parent of subdomain-only addresses, for the seeds.
pub async fn claim(
    pool: &PgPool,
    prov: &Provisioner,
    platform: &Platform,
    base_domain: Option<&str>,
    worker: Option<&str>,
) -> Result<Option<ProvisionOutcome>> {
    if platform.external
        || !matches!(
            platform.provision_status,
            ProvisionStatus::Pending | ProvisionStatus::Failed
        )
    {
        return Ok(None);
    }
    let target = platform.require_schema()?;
    let started = Utc::now();
    // A drifted spare is replaced and the next one tried; a few at most.
    for _ in 0..3 {
        let mut tx = pool.begin().await?;
        // The oldest free spare, the platform's provisioning lock and its status, in one round
        // trip (this is the path that must stay well under 100 ms).
        // language=PostgreSQL
        let (spare, locked, status): (Option<SchemaName>, bool, Option<ProvisionStatus>) = sqlx::query_as(
            "SELECT (SELECT schema_name FROM tenantctl.pool_schemas ORDER BY created_at, schema_name \
                     FOR UPDATE SKIP LOCKED LIMIT 1), \
                    pg_try_advisory_xact_lock($1, $2), \
                    (SELECT provision_status FROM public.platforms WHERE id = $3 FOR UPDATE)",
        )
        .bind(PlatformLock::CLASS)
        .bind(PlatformLock::of(platform.id).key())
        .bind(platform.id)
        .fetch_one(&mut *tx)
        .await?;
        let Some(spare_schema) = spare else {
            return Ok(None);
        };
        if !locked
            || !matches!(
                status,
                Some(ProvisionStatus::Pending | ProvisionStatus::Failed)
            )
        {
            return Ok(None);
        }
        let applied = migrate::applied(&mut tx, &spare_schema).await?;
        let plan = migrate::plan(&prov.set, &applied);
        if !plan.drift.is_empty() || !plan.unknown.is_empty() {
            warn!(schema = %spare_schema, "pool schema does not match the migrations; replacing it");
            // language=PostgreSQL
            sqlx::query("DELETE FROM tenantctl.pool_schemas WHERE schema_name = $1")
                .bind(&spare_schema)
                .execute(&mut *tx)
                .await?;
            drop_schema_in(&mut tx, &spare_schema).await?;
            tx.commit().await?;
            continue;
        }
        // language=PostgreSQL
        let sql = format!(
            "ALTER SCHEMA {} RENAME TO {}",
            spare_schema.sql(),
            target.sql()
        );
        sqlx::query(AssertSqlSafe(sql)).execute(&mut *tx).await?;
        // Off the list; NOTIFY (delivered at commit) wakes a worker to build the replacement.
        // language=PostgreSQL
        sqlx::query(
            "WITH gone AS (DELETE FROM tenantctl.pool_schemas WHERE schema_name = $1 RETURNING 1) \
             SELECT pg_notify($2, 'pool') FROM gone",
        )
        .bind(&spare_schema)
        .bind(crate::jobs::queue::CHANNEL)
        .execute(&mut *tx)
        .await?;
        db::set_tenant(&mut tx, &target, prov.extension_schema.as_ref()).await?;
        // Pending migrations and the fleet-wide status row, as provisioning and `migrate` write
        // them.
        let job = Job::unseen(&target, Some(platform.id), &prov.set, Start::Read(applied));
        runner::run(&mut tx, job).await?;
        let base = match &prov.base_domain {
            Some(b) => Some(b.clone()),
            None => base_domain.map(str::to_string),
        };
        super::set_platform_settings(&mut tx, platform, &target, base.as_deref()).await?;
        // The neutral seeds ran when the spare was built; after new migrations, all run again
        // (seeds are idempotent).
        if plan.pending.is_empty() {
            prov.seeds.platform_facts().run(&mut tx).await?;
        } else {
            prov.seeds.run(&mut tx).await?;
        }
        let done = super::mark_completed(&mut tx, platform.id).await?;
        tx.commit().await?;
        // language=PostgreSQL
        sqlx::query(
            "INSERT INTO tenantctl.provision_attempts (platform_id, platform_name, schema_name, attempt, via, worker, \
             started_at, finished_at, outcome) VALUES ($1, $2, $3, 1, $6, $4, $5, clock_timestamp(), $7)",
        )
        .bind(done.id)
        .bind(&done.name)
        .bind(&done.schema_name)
        .bind(worker)
        .bind(started)
        .bind(super::Via::Pool)
        .bind(super::AttemptOutcome::Completed)
        .execute(pool)
        .await?;
        info!(platform = %done.name, schema = %target, from = %spare_schema, "provisioned from the warm pool");
        return Ok(Some(ProvisionOutcome::Provisioned(done)));
    }
    Ok(None)
}
