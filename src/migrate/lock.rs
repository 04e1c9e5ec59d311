//! The run lock of `migrate` and `migrate rollback`: a session-level advisory lock
//! ([`RunLock::Migrate`]) on a connection of its own, held for the whole run, so two runs
//! never overlap. A second run waits with a message naming the holder, or with `--no-wait`
//! exits 5 at once. The lock goes away with the connection, also when the process is killed.

use crate::db::locks::{self, CLASS, RunLock};
use crate::error::{Error, Result};
use sqlx::{Connection, PgConnection, PgPool};

/// The held lock. [`RunLockGuard::release`] unlocks and closes; dropping it closes the
/// connection, which releases the lock too.
pub struct RunLockGuard {
    conn: PgConnection,
    lock: RunLock,
}

impl RunLockGuard {
    pub async fn release(mut self) -> Result<()> {
        locks::unlock(&mut self.conn, self.lock).await?;
        let _ = self.conn.close().await;
        Ok(())
    }
}

/// Take `lock`. When another session holds it: with `wait`, call `note` once with a message
/// naming the holder and wait; without, fail with [`Error::Busy`] (exit 5).
pub async fn acquire(
    pool: &PgPool,
    lock: RunLock,
    wait: bool,
    note: impl FnOnce(&str),
) -> Result<RunLockGuard> {
    acquire_on(connect(pool).await?, lock, wait, note).await
}

/// A connection of its own for the lock, outside the pool (so it is never handed to anyone
/// else while it holds the lock). Open it early, beside other work, and lock with
/// [`acquire_on`].
pub async fn connect(pool: &PgPool) -> Result<PgConnection> {
    Ok(PgConnection::connect_with(&pool.connect_options()).await?)
}

/// [`acquire`] on a connection from [`connect`].
pub async fn acquire_on(
    mut conn: PgConnection,
    lock: RunLock,
    wait: bool,
    note: impl FnOnce(&str),
) -> Result<RunLockGuard> {
    if locks::try_lock(&mut conn, lock).await? {
        return Ok(RunLockGuard { conn, lock });
    }
    let holder = holder(&mut conn, lock).await.unwrap_or_default();
    let what = format!(
        "another `{}` run holds the lock{}",
        lock.describe(),
        if holder.is_empty() {
            String::new()
        } else {
            format!(" ({holder})")
        }
    );
    if !wait {
        let _ = conn.close().await;
        return Err(Error::Busy(what)
            .hint("wait for it to finish, or run without --no-wait to queue behind it"));
    }
    note(&format!(
        "{what}; waiting for it to finish (pass --no-wait to exit instead)"
    ));
    locks::lock(&mut conn, lock).await?;
    Ok(RunLockGuard { conn, lock })
}

/// Who holds a run lock: `pid 123, tenantctl from 10.0.0.5, started 42s ago`.
async fn holder(conn: &mut PgConnection, lock: RunLock) -> Result<String> {
    // language=PostgreSQL
    /// (pid, application, client address, seconds since it connected)
    type Holder = (i32, Option<String>, Option<String>, Option<i64>);
    let row: Option<Holder> = sqlx::query_as(
        "SELECT a.pid, nullif(a.application_name, ''), host(a.client_addr), \
                extract(epoch FROM now() - a.backend_start)::bigint \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.database = \
               (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 2 \
         LIMIT 1",
    )
    .bind(CLASS as i64)
    .bind(lock as i32 as i64)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        None => String::new(),
        Some((pid, app, addr, secs)) => {
            let mut s = format!("pid {pid}");
            if let Some(app) = app {
                s.push_str(&format!(", {app}"));
            }
            if let Some(addr) = addr {
                s.push_str(&format!(" from {addr}"));
            }
            if let Some(secs) = secs {
                s.push_str(&format!(", started {secs}s ago"));
            }
            s
        }
    })
}
