//! Cancelling this process's statements on the server when it is interrupted (Ctrl-C).
//!
//! A process that exits closes its sockets, but a backend waiting for a lock does not read
//! its socket: it goes on waiting (and holding what it took, a platform's advisory lock, a
//! table lock queued ahead of readers) until `lock_timeout`, or for ever with none (issue
//! 27.16). sqlx has no cancel request, so each connection tenantctl opens is noted by its
//! backend's pid and start ([`note`]); on Ctrl-C, [`cancel_own`] asks PostgreSQL on a fresh
//! connection to cancel those still running a statement (`pg_cancel_backend`, allowed on
//! one's own role's backends). Their transactions are then rolled back, and the backends end
//! when they find the socket closed.
//!
//! A pid is matched with the time it was noted (a backend started later under the same pid
//! is another session) and with an application name of tenantctl's, so nothing else is
//! cancelled.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::sync::Mutex;
use std::time::Duration;

/// The connections of this process: how to reach their server again, and each backend's
/// (pid, a time it was known to be running).
struct Own {
    options: Option<PgConnectOptions>,
    backends: Vec<(i32, DateTime<Utc>)>,
}

static OWN: Mutex<Own> = Mutex::new(Own {
    options: None,
    backends: Vec::new(),
});

/// How a connection learns what [`note`] takes, in one statement that may lead a batch:
/// `(pid, now)`.
// language=PostgreSQL
pub const BACKEND_SQL: &str = "SELECT pg_backend_pid(), now()";

/// Note a backend of this process, opened with `options`, for [`cancel_own`].
pub fn note(options: &PgConnectOptions, pid: i32, at: DateTime<Utc>) {
    let mut own = OWN.lock().expect("not poisoned");
    if own.options.is_none() {
        own.options = Some(options.clone());
    }
    // A long run replaces connections (the pool's idle timeout): forget the oldest.
    if own.backends.len() >= 4096 {
        own.backends.drain(..1024);
    }
    own.backends.push((pid, at));
}

/// Note the backend of `conn`, opened with `options` (one simple query, one round trip).
pub async fn note_connection(
    conn: &mut PgConnection,
    options: &PgConnectOptions,
) -> sqlx::Result<()> {
    use sqlx::Row;
    let row = sqlx::raw_sql(BACKEND_SQL).fetch_one(&mut *conn).await?;
    note(options, row.try_get(0)?, row.try_get(1)?);
    Ok(())
}

/// Cancel the statements this process's connections are still running, from a connection of
/// its own, giving up after `within`; how many were cancelled.
pub async fn cancel_own(within: Duration) -> u64 {
    let (options, backends) = {
        let own = OWN.lock().expect("not poisoned");
        (own.options.clone(), own.backends.clone())
    };
    let Some(options) = options else {
        return 0;
    };
    if backends.is_empty() {
        return 0;
    }
    let work = async {
        let mut conn =
            PgConnection::connect_with(&options.application_name("tenantctl-cancel")).await?;
        let (pids, ats): (Vec<i32>, Vec<DateTime<Utc>>) = backends.into_iter().unzip();
        // language=PostgreSQL
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FILTER (WHERE pg_cancel_backend(a.pid)) \
             FROM pg_stat_activity a JOIN unnest($1::int[], $2::timestamptz[]) AS o (pid, at) \
               ON a.pid = o.pid AND a.backend_start <= o.at \
             WHERE a.state = 'active' AND a.pid <> pg_backend_pid() \
               AND a.application_name LIKE 'tenantctl%'",
        )
        .bind(pids)
        .bind(ats)
        .persistent(false)
        .fetch_one(&mut conn)
        .await?;
        let _ = conn.close().await;
        Ok::<_, sqlx::Error>(n as u64)
    };
    match tokio::time::timeout(within, work).await {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "could not cancel this run's statements on the server");
            0
        }
        Err(_) => {
            tracing::warn!("could not cancel this run's statements on the server in time");
            0
        }
    }
}
