//! Advisory locks. tenantctl's locks use the two-key form `(class, key)` with its own class so
//! they never collide with an application's single-key advisory locks.

use crate::error::Result;
use sqlx::PgConnection;

/// The advisory-lock class of tenantctl ("tctl").
pub const CLASS: i32 = 0x7463_746c;

/// Cluster-wide run locks: one key per kind of run that must never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum RunLock {
    /// `migrate` (registry and tenants).
    Migrate = 1,
    /// `backup --all` and `cleanup` runs.
    Backup = 2,
    /// `migrate-host-to-schema`.
    HostMigration = 3,
    /// Registry changes that must be serialised (init).
    Registry = 4,
}

impl RunLock {
    pub fn describe(self) -> &'static str {
        match self {
            RunLock::Migrate => "migrate",
            RunLock::Backup => "backup",
            RunLock::HostMigration => "migrate-host-to-schema",
            RunLock::Registry => "registry change",
        }
    }
}

/// Try to take a session-level run lock on this connection; `false` when another session holds
/// it. Release with [`unlock`] (or by closing the connection).
pub async fn try_lock(conn: &mut PgConnection, lock: RunLock) -> Result<bool> {
    // language=PostgreSQL
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
        .bind(CLASS)
        .bind(lock as i32)
        .fetch_one(conn)
        .await?;
    Ok(got)
}

/// Wait for a session-level run lock.
pub async fn lock(conn: &mut PgConnection, lock: RunLock) -> Result<()> {
    // language=PostgreSQL
    sqlx::query("SELECT pg_advisory_lock($1, $2)")
        .bind(CLASS)
        .bind(lock as i32)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn unlock(conn: &mut PgConnection, lock: RunLock) -> Result<()> {
    // language=PostgreSQL
    sqlx::query("SELECT pg_advisory_unlock($1, $2)")
        .bind(CLASS)
        .bind(lock as i32)
        .execute(conn)
        .await?;
    Ok(())
}

/// A transaction-level lock on one platform (by id), so two runs never work on the same tenant
/// at once; released at commit or rollback.
pub async fn lock_platform_xact(conn: &mut PgConnection, platform_id: i64) -> Result<()> {
    // language=PostgreSQL
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(CLASS + 1)
        .bind(platform_id as i32)
        .execute(conn)
        .await?;
    Ok(())
}

/// Like [`lock_platform_xact`] but without waiting; `false` when another run holds it.
pub async fn try_lock_platform_xact(conn: &mut PgConnection, platform_id: i64) -> Result<bool> {
    // language=PostgreSQL
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1, $2)")
        .bind(CLASS + 1)
        .bind(platform_id as i32)
        .fetch_one(conn)
        .await?;
    Ok(got)
}
