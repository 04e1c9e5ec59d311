//! Advisory locks, the only place their keys are spelled. tenantctl's locks use the two-key
//! form `(class, key)` with classes of its own, so they never collide with an application's
//! single-key advisory locks:
//! - run locks ([`RunLock`], class [`CLASS`]): session-level, one per kind of run that must
//!   never overlap, held by a [`RunLockGuard`] on a connection of its own;
//! - platform locks ([`PlatformLock`], class [`CLASS`]` + 1`): one per platform, so two runs
//!   never work on the same tenant at once (provisioning, migrating, restoring, deleting).

use crate::error::{Error, Result};
use sqlx::{Connection, PgConnection, PgPool};
use std::time::{Duration, Instant};

/// The advisory-lock class of tenantctl's run locks ("tctl").
pub const CLASS: i32 = 0x7463_746c;

/// Cluster-wide run locks: one key per kind of run that must never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum RunLock {
    /// `migrate` (registry and tenants) and `migrate rollback`.
    Migrate = 1,
    /// `backup --all` and `cleanup` runs.
    Backup = 2,
    /// `migrate-host-to-schema`.
    HostMigration = 3,
    // Key 4 was reserved for registry changes and never taken; do not reuse it.
}

impl RunLock {
    /// "another … run holds the lock", as the run that finds it taken says it.
    fn busy(self) -> &'static str {
        match self {
            RunLock::Migrate => "another `migrate` run holds the lock",
            RunLock::Backup => "another `backup --all` or `cleanup` run holds the backup lock",
            RunLock::HostMigration => "another migrate-host-to-schema run holds the lock",
        }
    }

    /// What to do about it, for a run that does not wait.
    fn busy_hint(self) -> Option<&'static str> {
        match self {
            RunLock::Migrate => {
                Some("wait for it to finish, or run without --no-wait to queue behind it")
            }
            RunLock::Backup => {
                Some("wait for it to finish; runs started by cron or a timer exit with 5 meanwhile")
            }
            RunLock::HostMigration => None,
        }
    }
}

/// A held run lock: a session-level advisory lock on a connection of its own, outside any
/// pool (so it is never handed to another borrower while it holds the lock, nor released on
/// the wrong connection). [`release`](Self::release) unlocks and closes; dropping it closes
/// the connection, which releases the lock too — also when the process is killed.
#[derive(Debug)]
pub struct RunLockGuard {
    conn: PgConnection,
    lock: RunLock,
}

impl RunLockGuard {
    /// Take `lock` on a connection of its own. When another session holds it: with `wait`,
    /// call `note` once with a message naming the holder and wait; without, fail with
    /// [`Error::Busy`] (exit 5) naming the holder.
    pub async fn acquire(
        pool: &PgPool,
        lock: RunLock,
        wait: bool,
        note: impl FnOnce(&str),
    ) -> Result<RunLockGuard> {
        RunLockGuard::acquire_on(RunLockGuard::connect(pool).await?, lock, wait, note).await
    }

    /// [`acquire`](Self::acquire) without waiting: busy is exit 5 at once.
    pub async fn try_acquire(pool: &PgPool, lock: RunLock) -> Result<RunLockGuard> {
        RunLockGuard::acquire(pool, lock, false, |_| {}).await
    }

    /// A connection of its own for the lock, outside the pool. Open it early, beside other
    /// work, and lock with [`acquire_on`](Self::acquire_on).
    pub async fn connect(pool: &PgPool) -> Result<PgConnection> {
        Ok(PgConnection::connect_with(&pool.connect_options()).await?)
    }

    /// [`acquire`](Self::acquire) on a connection from [`connect`](Self::connect).
    pub async fn acquire_on(
        mut conn: PgConnection,
        lock: RunLock,
        wait: bool,
        note: impl FnOnce(&str),
    ) -> Result<RunLockGuard> {
        // language=PostgreSQL
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(CLASS)
            .bind(lock as i32)
            .fetch_one(&mut conn)
            .await?;
        if got {
            return Ok(RunLockGuard { conn, lock });
        }
        let holder = holder(&mut conn, lock).await.unwrap_or_default();
        let what = if holder.is_empty() {
            lock.busy().to_string()
        } else {
            format!("{} ({holder})", lock.busy())
        };
        if !wait {
            let _ = conn.close().await;
            let busy = Error::Busy(what);
            return Err(match lock.busy_hint() {
                Some(hint) => busy.hint(hint),
                None => busy,
            });
        }
        note(&format!(
            "{what}; waiting for it to finish (pass --no-wait to exit instead)"
        ));
        // NOTE: polled, never a blocking `pg_advisory_lock`: a statement waiting for a lock
        // holds a snapshot all the while, and every `CREATE INDEX CONCURRENTLY` of the run
        // holding the lock waits for older snapshots to go (issue 27.13).
        poll(&mut conn, CLASS, lock as i32, None).await?;
        Ok(RunLockGuard { conn, lock })
    }

    /// Unlock and close the connection.
    pub async fn release(mut self) -> Result<()> {
        // language=PostgreSQL
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1, $2)")
            .bind(CLASS)
            .bind(self.lock as i32)
            .execute(&mut self.conn)
            .await;
        let _ = self.conn.close().await;
        unlocked?;
        Ok(())
    }
}

/// Take the session-level advisory lock `(class, key)` on `conn`, trying again with a growing
/// pause (10 ms up to 500 ms) until it is free, at most `limit` (`None`: for ever); `false`
/// when the limit passed first.
///
/// Each try is a short `pg_try_advisory_lock`, never a blocking `pg_advisory_lock`: a statement
/// that waits holds a snapshot for as long as it waits, and `CREATE INDEX CONCURRENTLY` waits
/// for every older snapshot to go, so one blocked waiter made each concurrent index build of
/// the run it waited for time out (issue 27.13).
async fn poll(
    conn: &mut PgConnection,
    class: i32,
    key: i32,
    limit: Option<Duration>,
) -> sqlx::Result<bool> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(10);
    loop {
        // language=PostgreSQL
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(class)
            .bind(key)
            .fetch_one(&mut *conn)
            .await?;
        if got {
            return Ok(true);
        }
        let left = match limit {
            None => pause,
            Some(limit) => match limit.checked_sub(started.elapsed()) {
                Some(left) if !left.is_zero() => left.min(pause),
                _ => return Ok(false),
            },
        };
        tokio::time::sleep(left).await;
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// Who holds a run lock: `pid 123, tenantctl from 10.0.0.5, started 42s ago`.
async fn holder(conn: &mut PgConnection, lock: RunLock) -> Result<String> {
    /// (pid, application, client address, seconds since it connected)
    type Holder = (i32, Option<String>, Option<String>, Option<i64>);
    // language=PostgreSQL
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

/// The advisory lock of one platform (by id), so two runs never work on the same tenant at
/// once. Taken transaction-level (released at commit or rollback) by provisioning, the warm
/// pool's claim, `migrate`, restore and `platform delete`; session-level by a
/// `-- no-transaction` migration, on a connection of its own.
///
/// Where the lock is taken inside a larger statement (one round trip), bind
/// [`PlatformLock::CLASS`] and [`key`](Self::key) to `pg_try_advisory_xact_lock($1, $2)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformLock {
    platform_id: i64,
}

impl PlatformLock {
    /// The class (first key) of every platform lock.
    pub const CLASS: i32 = CLASS + 1;

    pub fn of(platform_id: i64) -> PlatformLock {
        PlatformLock { platform_id }
    }

    /// The second key: the platform's id, its low 32 bits (what `pg_locks.objid` shows).
    pub fn key(self) -> i32 {
        self.platform_id as i32
    }

    /// Wait for the lock, for the rest of this transaction (bounded by its `lock_timeout`).
    pub async fn lock_xact(self, conn: &mut PgConnection) -> Result<()> {
        // language=PostgreSQL
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(PlatformLock::CLASS)
            .bind(self.key())
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Like [`lock_xact`](Self::lock_xact) but without waiting; `false` when another run
    /// holds it.
    pub async fn try_lock_xact(self, conn: &mut PgConnection) -> Result<bool> {
        // language=PostgreSQL
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1, $2)")
            .bind(PlatformLock::CLASS)
            .bind(self.key())
            .fetch_one(conn)
            .await?;
        Ok(got)
    }

    /// Wait for the lock at session level, at most `limit` (zero: no limit); `false` when
    /// another session still held it then. Only on a connection of its own, which is closed
    /// afterwards (closing releases it). Polled (see [`poll`]): the wait holds no snapshot, so
    /// other tenants' `CREATE INDEX CONCURRENTLY` do not wait for it.
    pub async fn lock_session(
        self,
        conn: &mut PgConnection,
        limit: Duration,
    ) -> sqlx::Result<bool> {
        let limit = (!limit.is_zero()).then_some(limit);
        poll(conn, PlatformLock::CLASS, self.key(), limit).await
    }

    /// SQL that is true while some session holds the lock of the platform whose id is the
    /// expression `id_expr` (a column of the caller's query or a parameter, never input), as
    /// `pg_locks` shows it.
    pub fn held_sql(id_expr: &str) -> String {
        format!(
            "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted \
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND l.classid::bigint = {class} AND l.objid::bigint = ({id_expr} & 4294967295) AND l.objsubid = 2)",
            class = PlatformLock::CLASS
        )
    }
}
