//! The registry migrations (`migrations/registry/`), embedded in the binary. They create
//! `public.platforms` and the `tenantctl` bookkeeping schema and never touch a tenant schema.
//! Their own tracking table is `tenantctl.registry_migrations`, so nothing but `platforms`
//! lands in `public`.

use crate::error::Result;
use sqlx::PgPool;
use sqlx::migrate::Migrator;

pub const TRACKING_TABLE: &str = "tenantctl.registry_migrations";

pub fn migrator() -> Migrator {
    let mut m = sqlx::migrate!("migrations/registry");
    m.dangerous_set_table_name(TRACKING_TABLE);
    m.create_schema("tenantctl");
    m
}

/// The newest registry migration version this binary carries.
pub fn latest_version() -> i64 {
    migrator()
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// Apply every pending registry migration; returns the versions applied now.
pub async fn run(pool: &PgPool) -> Result<Vec<i64>> {
    let before = applied_versions(pool).await?;
    if crate::db::citus::present() {
        // On Citus the registry and `tenantctl` stay local on the coordinator whatever the
        // database-level `citus.enable_schema_based_sharding` says: `tenantctl` has foreign keys
        // to `public.platforms`, which a distributed schema refuses. sqlx's migrator runs its own
        // transactions, so the setting is made for this one connection's session, which is closed
        // afterwards rather than handed back to the pool with it.
        let mut conn = pool.acquire().await?.detach();
        // language=PostgreSQL
        sqlx::raw_sql("SET citus.enable_schema_based_sharding = off")
            .execute(&mut conn)
            .await?;
        let res = migrator().run(&mut conn).await;
        let _ = sqlx::Connection::close(conn).await;
        res?;
    } else {
        migrator().run(pool).await?;
    }
    let after = applied_versions(pool).await?;
    Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
}

/// Registry migrations recorded as applied (empty on a fresh database).
pub async fn applied_versions(pool: &PgPool) -> Result<Vec<i64>> {
    // language=PostgreSQL
    let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(TRACKING_TABLE)
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(Vec::new());
    }
    // language=PostgreSQL
    let versions: Vec<i64> = sqlx::query_scalar(
        "SELECT version FROM tenantctl.registry_migrations WHERE success ORDER BY version",
    )
    .fetch_all(pool)
    .await?;
    Ok(versions)
}

/// Registry migrations this binary carries that the database has not applied.
pub async fn pending(pool: &PgPool) -> Result<Vec<(i64, String)>> {
    let applied = applied_versions(pool).await?;
    Ok(migrator()
        .iter()
        .filter(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version))
        .map(|m| (m.version, m.description.to_string()))
        .collect())
}

/// Whether the registry is fully migrated; commands that need it say so otherwise.
pub async fn ensure_current(pool: &PgPool) -> Result<()> {
    let pending = pending(pool).await?;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(crate::error::Error::NotFound(format!(
            "the registry is not migrated ({} registry migration(s) pending)",
            pending.len()
        ))
        .hint("run `tenantctl migrate --registry-only` (or `tenantctl init`)"))
    }
}
