//! The one-schema runner: the one place a tenant schema's migrations run and are recorded.
//!
//! Every path that changes a tenant schema's migrations comes here: `migrate` and `migrate
//! rollback` (each tenant inside the fleet's transaction, see [`super::fleet`]), provisioning
//! (a schema created in the same transaction) and the warm pool (building, refreshing and
//! claiming spares). [`run`] plans from the schema's tracking table, sends each migration's SQL
//! through [`execute_migration_sql`] (the only place tenant migration SQL reaches the server),
//! maps a failure one way ([`MigrationError::Failed`], with the line in the file and a note on
//! lock timeouts), and writes the tracking rows and the tenant's status row one way
//! ([`record`]).
//!
//! A `-- no-transaction` migration runs in the transaction only in a schema nobody else sees
//! yet ([`NoTx::InTransaction`]); elsewhere the run stops before it and the caller runs it next
//! on its own connection, outside any transaction ([`run_no_transaction`]), through the same
//! sending and the same bookkeeping.

use super::no_tx;
use super::status::{Facts, UPSERT};
use super::{
    Applied, MigrationError, MigrationSet, ensure_tracking_table, plan, revert_plan, tracking,
};
use crate::db::{SchemaName, locks::PlatformLock, statements};
use crate::error::Error;
use crate::registry::tenants::Target;
use sqlx::migrate::Migration;
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool, SqlSafeStr, SqlStr};
use std::time::{Duration, Instant};

/// Up to the newest version, or down to a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Up,
    Down { to: i64 },
}

/// What the caller knows of the schema when the run starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// Created in this transaction: nothing applied, no tracking table yet.
    New,
    /// An existing schema; `tracked`: whether it has a tracking table (read here, with COPY).
    Existing { tracked: bool },
    /// Its applied versions, read by the caller earlier in this transaction.
    Read(Vec<Applied>),
}

/// What a run does with a `-- no-transaction` migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoTx {
    /// Stop before it: the caller runs it next, outside any transaction
    /// ([`run_no_transaction`]), then starts a new run for the rest.
    Stop,
    /// Run it here, in the transaction, with `CONCURRENTLY` taken out: only for a schema nobody
    /// else can see yet (see [`no_tx::in_new_schema`]).
    InTransaction,
}

/// One schema's run, inside the caller's transaction, whose search_path must already be the
/// tenant's (the bookkeeping statement names the tracking table unqualified, see [`record`]).
#[derive(Debug, Clone)]
pub struct Job<'a> {
    pub schema: &'a SchemaName,
    /// The platform whose status row the run writes; `None` for a warm-pool spare, which
    /// belongs to no platform yet.
    pub platform_id: Option<i64>,
    pub set: &'a MigrationSet,
    pub mode: Mode,
    pub start: Start,
    pub no_tx: NoTx,
    /// The status row the transaction wrote already, before the run (the fleet's guess, see
    /// `fleet::enter`): when the run ends there, only the tracking rows are written.
    pub status_written: Option<&'a Facts>,
}

impl<'a> Job<'a> {
    /// Up to the newest version in a schema nobody else can see yet (provisioning, the warm
    /// pool): `-- no-transaction` migrations run in the transaction too.
    pub fn unseen(
        schema: &'a SchemaName,
        platform_id: Option<i64>,
        set: &'a MigrationSet,
        start: Start,
    ) -> Job<'a> {
        Job {
            schema,
            platform_id,
            set,
            mode: Mode::Up,
            start,
            no_tx: NoTx::InTransaction,
            status_written: None,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// The highest applied version before the run.
    pub from: Option<i64>,
    /// Versions applied (down: reverted, newest first).
    pub versions: Vec<i64>,
    /// The highest applied version after the run.
    pub to: Option<i64>,
    /// Up with [`NoTx::Stop`]: the `-- no-transaction` migration the run stopped before.
    pub next_no_tx: Option<i64>,
    /// Migrations still pending (including `next_no_tx`).
    pub left: i32,
}

/// Why a run failed, and what its schema still holds (when it was read), for the status row
/// written after the rollback.
#[derive(Debug)]
pub struct Failed {
    pub error: MigrationError,
    pub from: Option<i64>,
    pub facts: Option<Facts>,
}

impl<T: Into<MigrationError>> From<T> for Failed {
    fn from(e: T) -> Self {
        Failed {
            error: e.into(),
            from: None,
            facts: None,
        }
    }
}

impl From<Failed> for Error {
    fn from(f: Failed) -> Self {
        f.error.into()
    }
}

/// Run `job`: read what the schema has applied (unless the caller did), plan, refuse on drift
/// (and on versions the set does not know, or failed runs recorded by sqlx), apply the pending
/// migrations (or revert down to the target), and record them with the status row, all in the
/// caller's transaction.
pub async fn run(tx: &mut PgConnection, job: Job<'_>) -> Result<Ran, Failed> {
    let set = job.set;
    let new = matches!(job.start, Start::New);
    let (applied, mut tracked) = match job.start {
        Start::New | Start::Existing { tracked: false } => (Vec::new(), false),
        Start::Existing { tracked: true } => {
            (read_applied_by_copy(&mut *tx, job.schema).await?, true)
        }
        Start::Read(applied) => {
            let tracked = !applied.is_empty();
            (applied, tracked)
        }
    };
    let p = plan(set, &applied);
    let fail = |error: MigrationError| Failed {
        error,
        from: p.current,
        facts: Some(Facts::from_plan(&p, set)),
    };
    let mut applied_now = Vec::new();
    let mut reverted = Vec::new();
    let mut next_no_tx = None;
    let after = match job.mode {
        Mode::Up => {
            if let Some(e) = p.blocker(set) {
                return Err(fail(e));
            }
            // A new schema always gets its tracking table, even from an empty set.
            if !tracked && (new || !p.pending.is_empty()) {
                ensure_tracking_table(&mut *tx, job.schema)
                    .await
                    .map_err(|e| fail(e.into()))?;
                tracked = true;
            }
            for &v in &p.pending {
                let m = set.up(v).expect("planned from the set");
                if m.no_tx && job.no_tx == NoTx::Stop {
                    next_no_tx = Some(v);
                    break;
                }
                let ns = execute_migration_sql(&mut *tx, m).await.map_err(fail)?;
                applied_now.push(AppliedNow {
                    version: m.version,
                    description: m.description.as_ref(),
                    checksum: m.checksum.as_ref(),
                    execution_ns: ns,
                });
            }
            let done = applied_now.iter().map(|a| a.version);
            let left = (p.pending.len() - applied_now.len()) as i32;
            Facts {
                pending: left,
                ..Facts::current(done.chain(p.current).max(), set)
            }
        }
        Mode::Down { to } => {
            reverted = revert_plan(set, &applied, to).map_err(fail)?;
            for &v in &reverted {
                let down = set.down(v).expect("checked by revert_plan");
                execute_migration_sql(&mut *tx, down).await.map_err(fail)?;
            }
            let left: Vec<Applied> = applied
                .iter()
                .filter(|a| !reverted.contains(&a.version))
                .cloned()
                .collect();
            Facts::from_plan(&plan(set, &left), set)
        }
    };
    let status_holds = job.status_written.is_some() && job.status_written == Some(&after);
    // NOTE: nothing to record (and no tracking table to name) when the schema has no tracking
    // table, nothing ran and no status row was written up front.
    if tracked || job.status_written.is_some() {
        record(
            &mut *tx,
            job.platform_id,
            &applied_now,
            &reverted,
            &after,
            status_holds,
        )
        .await
        .map_err(fail)?;
    }
    let versions = match job.mode {
        Mode::Up => applied_now.iter().map(|a| a.version).collect(),
        Mode::Down { .. } => reverted,
    };
    Ok(Ran {
        from: p.current,
        versions,
        to: after.version,
        next_no_tx,
        left: after.pending,
    })
}

/// Run one migration's SQL (up or down) on `conn`, without recording it; returns how long it
/// took, in nanoseconds. Every tenant migration's text reaches the server through here (the
/// statements of an out-of-transaction one, already one per query, through `send_sql` in
/// [`run_no_transaction`]): the one spot that decides how a migration's text is sent. Today
/// that is the whole file as one simple query; a `-- no-transaction` migration that comes here
/// (a schema nobody else sees, see [`NoTx::InTransaction`]) is sent statement by statement
/// without `CONCURRENTLY`.
pub async fn execute_migration_sql(
    conn: &mut PgConnection,
    m: &Migration,
) -> Result<i64, MigrationError> {
    let started = Instant::now();
    if m.no_tx {
        let statements = no_tx::in_new_schema(m.sql.as_str()).map_err(|e| unsplittable(m, e))?;
        for statement in statements {
            send_sql(&mut *conn, m, AssertSqlSafe(statement).into_sql_str()).await?;
        }
    } else if statements::mode() == statements::Mode::PerStatement {
        // Citus relays some DDL's whole query string to the workers, which refuse several
        // commands in one (see `db::statements`): one statement per query, same transaction.
        let parts = statements::split(m.sql.as_str()).map_err(|e| unsplittable(m, e))?;
        // Triggers on distributed tables: the migration may create some or fire some.
        crate::db::citus::tenant_writes(&mut *conn)
            .await
            .map_err(MigrationError::Db)?;
        for statement in parts {
            send_sql(&mut *conn, m, AssertSqlSafe(statement).into_sql_str()).await?;
        }
    } else {
        send_sql(&mut *conn, m, m.sql.clone()).await?;
    }
    Ok(started.elapsed().as_nanos() as i64)
}

/// Send `sql`, the text of migration `m` or one of its statements, as one simple query, and
/// map a failure to [`MigrationError::Failed`].
async fn send_sql(
    conn: &mut PgConnection,
    m: &Migration,
    sql: SqlStr,
) -> Result<(), MigrationError> {
    match sqlx::raw_sql(sql.clone()).execute(&mut *conn).await {
        Ok(_) => Ok(()),
        Err(e) => Err(failed(m, sql.as_str(), e)),
    }
}

fn unsplittable(m: &Migration, e: statements::SplitError) -> MigrationError {
    MigrationError::Failed {
        version: m.version,
        description: m.description.to_string(),
        message: format!("cannot split it into statements: {}", e.reason()),
        sqlstate: None,
    }
}

/// The one mapping of a failed migration: PostgreSQL's message (not sqlx's display, which ends
/// in a line of PostgreSQL's C source), the line in the migration's file where PostgreSQL
/// points, and what a lock timeout means. A lost connection stays [`MigrationError::Db`].
fn failed(m: &Migration, sent: &str, e: sqlx::Error) -> MigrationError {
    if crate::error::is_connection_error(&e) {
        return MigrationError::Db(e);
    }
    let (message, sqlstate) = match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned());
            let mut message = db.message().to_string();
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                && let Some(sqlx::postgres::PgErrorPosition::Original(pos)) = pg.position()
            {
                let line = line_in_file(m.sql.as_str(), sent, pos);
                message = format!("{message} (at line {line})");
            }
            if code.as_deref() == Some(crate::db::LOCK_NOT_AVAILABLE) {
                message.push_str(
                    " (another transaction holds a lock this migration needs; lock_timeout expired)",
                );
            }
            (message, code)
        }
        other => (other.to_string(), None),
    };
    MigrationError::Failed {
        version: m.version,
        description: m.description.to_string(),
        message,
        sqlstate,
    }
}

/// The line of `file` where character `pos` (1-based) of `sent` stands, `sent` being the whole
/// file or one of its statements (found by its first line). Pure.
fn line_in_file(file: &str, sent: &str, pos: usize) -> usize {
    let in_sent = sent
        .chars()
        .take(pos.saturating_sub(1))
        .filter(|&c| c == '\n')
        .count();
    let starts_at = sent
        .lines()
        .next()
        .and_then(|first| file.find(first))
        .map_or(0, |at| file[..at].matches('\n').count());
    starts_at + in_sent + 1
}

/// A migration applied in the current transaction, for [`record`].
#[derive(Debug, Clone, Copy)]
pub struct AppliedNow<'a> {
    pub version: i64,
    pub description: &'a str,
    pub checksum: &'a [u8],
    pub execution_ns: i64,
}

/// The bookkeeping of a run, in one statement inside its transaction, after the migrations'
/// SQL ran: the tracking rows of the migrations applied (`applied`) or reverted (`reverted`)
/// in the schema on the search_path, and the status row of `platform_id` (`None`: a pool spare,
/// no status row). With `status_holds` (the transaction wrote the status row already, and it
/// is right) only the tracking rows, in a plain INSERT, the cheapest statement to plan again
/// for every tenant.
///
/// NOTE: the table name is deliberately unqualified, unlike everywhere else: the statement
/// text is then the same for every tenant, so each connection prepares it once and PostgreSQL
/// re-resolves the name under each transaction's search_path (documented for PREPARE). A
/// schema-qualified text would cost a Parse round trip per tenant.
pub async fn record(
    conn: &mut PgConnection,
    platform_id: Option<i64>,
    applied: &[AppliedNow<'_>],
    reverted: &[i64],
    facts: &Facts,
    status_holds: bool,
) -> Result<(), MigrationError> {
    if status_holds && reverted.is_empty() {
        return insert_tracking_rows(conn, applied).await;
    }
    // language=PostgreSQL
    const SQL: &str = "WITH applied AS ( \
            INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
            SELECT u.v, u.d, TRUE, u.c, u.t \
            FROM unnest($7::bigint[], $8::text[], $9::bytea[], $10::bigint[]) AS u(v, d, c, t) \
         ), reverted AS ( \
            DELETE FROM _sqlx_migrations WHERE version = ANY($11::bigint[]) \
         ) ";
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let text = TEXT.get_or_init(|| format!("{SQL}{}", UPSERT.replace("{WHERE}", "p.id = $1")));
    sqlx::query(AssertSqlSafe(text.as_str()))
        .bind(platform_id)
        .bind(facts.version)
        .bind(facts.latest)
        .bind(facts.pending)
        .bind(facts.drift)
        .bind(None::<String>)
        .bind(applied.iter().map(|a| a.version).collect::<Vec<_>>())
        .bind(applied.iter().map(|a| a.description).collect::<Vec<_>>())
        .bind(applied.iter().map(|a| a.checksum).collect::<Vec<_>>())
        .bind(applied.iter().map(|a| a.execution_ns).collect::<Vec<_>>())
        .bind(reverted)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The tracking rows alone (see [`record`]): one VALUES row per migration.
async fn insert_tracking_rows(
    conn: &mut PgConnection,
    applied: &[AppliedNow<'_>],
) -> Result<(), MigrationError> {
    if applied.is_empty() {
        return Ok(());
    }
    // Numbered placeholders only.
    let rows: Vec<String> = (0..applied.len())
        .map(|i| {
            let b = i * 4;
            format!("(${}, ${}, TRUE, ${}, ${})", b + 1, b + 2, b + 3, b + 4)
        })
        .collect();
    // language=PostgreSQL
    let sql = format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES {}",
        rows.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for a in applied {
        q = q
            .bind(a.version)
            .bind(a.description)
            .bind(a.checksum)
            .bind(a.execution_ns);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// The applied migrations of `schema`, oldest first, read inside the caller's transaction (the
/// caller has checked that the schema has a tracking table).
///
/// Read with `COPY ... TO STDOUT (FORMAT binary)`, not a `SELECT`: COPY of a table scans it
/// without the planner. Every tenant's tracking table is a different relation, so a `SELECT`
/// is analysed and planned again for each one, and on a fleet of small schemas that planning
/// cost about a fifth of what the migration itself did.
///
/// NOTE: when the COPY fails before its first row (a lock timeout, a permission error), sqlx
/// 0.9 leaves the server's ReadyForQuery unread and the connection out of step: the error
/// comes back as [`MigrationError::Read`], and the caller must close the connection rather
/// than use it again.
pub async fn read_applied_by_copy(
    conn: &mut PgConnection,
    schema: &SchemaName,
) -> Result<Vec<Applied>, MigrationError> {
    use futures::TryStreamExt;
    // language=PostgreSQL
    let sql = format!(
        "COPY {} (version, description, checksum, success) TO STDOUT (FORMAT binary)",
        tracking(schema)
    );
    let mut data = Vec::new();
    let mut stream = conn
        .copy_out_raw(&sql)
        .await
        .map_err(MigrationError::Read)?;
    while let Some(chunk) = stream.try_next().await? {
        data.extend_from_slice(&chunk);
    }
    let mut rows = parse_tracking_copy(&data).map_err(|e| {
        MigrationError::Db(sqlx::Error::Protocol(format!(
            "tracking table of `{schema}`: {e}"
        )))
    })?;
    rows.sort_by_key(|a| a.version);
    Ok(rows)
}

/// Parse PostgreSQL's binary COPY format with the columns (version bigint, description text,
/// checksum bytea, success boolean). A NULL description or checksum reads as empty and a NULL
/// success as false (they then show as drift or a failed run); a NULL version is an error.
fn parse_tracking_copy(data: &[u8]) -> Result<Vec<Applied>, String> {
    const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
    struct Cursor<'a>(&'a [u8]);
    impl<'a> Cursor<'a> {
        fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
            if self.0.len() < n {
                return Err("binary COPY data ends early".into());
            }
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            Ok(head)
        }
        fn i16(&mut self) -> Result<i16, String> {
            Ok(i16::from_be_bytes(
                self.take(2)?.try_into().expect("2 bytes"),
            ))
        }
        fn i32(&mut self) -> Result<i32, String> {
            Ok(i32::from_be_bytes(
                self.take(4)?.try_into().expect("4 bytes"),
            ))
        }
        /// One field: `None` for NULL.
        fn field(&mut self) -> Result<Option<&'a [u8]>, String> {
            match self.i32()? {
                -1 => Ok(None),
                n if n < 0 => Err(format!("bad field length {n}")),
                n => self.take(n as usize).map(Some),
            }
        }
    }
    let mut c = Cursor(data);
    if c.take(SIGNATURE.len())? != SIGNATURE {
        return Err("not binary COPY data".into());
    }
    let flags = c.i32()?;
    if flags & (1 << 16) != 0 {
        return Err("binary COPY data with OIDs".into());
    }
    let extension = c.i32()?;
    c.take(usize::try_from(extension).map_err(|_| "bad header extension length")?)?;
    let mut rows = Vec::new();
    loop {
        match c.i16()? {
            -1 => break,
            4 => {}
            n => return Err(format!("expected 4 columns, got {n}")),
        }
        let version = match c.field()? {
            Some(b) if b.len() == 8 => i64::from_be_bytes(b.try_into().expect("8 bytes")),
            Some(b) => return Err(format!("version of {} bytes", b.len())),
            None => return Err("a NULL version".into()),
        };
        let description = c.field()?.map(String::from_utf8_lossy).unwrap_or_default();
        let checksum = c.field()?.map(<[u8]>::to_vec).unwrap_or_default();
        let success = matches!(c.field()?, Some([1]));
        rows.push(Applied {
            version,
            description: description.into_owned(),
            checksum,
            success,
        });
    }
    Ok(rows)
}

/// Run the `-- no-transaction` migration `m` in `t`'s schema, whose highest applied version is
/// `before`, with `pending` migrations left including this one (see [`no_tx`] for the rules).
///
/// On a connection of its own, outside any transaction, holding the platform's advisory lock
/// (session level: the lock provisioning and restore take, so nothing else works on the tenant
/// meanwhile), with the tenant's schema alone on the search_path and the run's `lock_timeout`.
/// Each statement ([`statements::split`]) is sent alone: several in one query string would form an
/// implicit transaction, which `CONCURRENTLY` refuses. When all succeeded, one short
/// transaction writes the tracking row and the status row ([`record`]).
#[allow(clippy::too_many_arguments)]
pub async fn run_no_transaction(
    pool: &PgPool,
    t: &Target,
    m: &Migration,
    latest: Option<i64>,
    before: Option<i64>,
    pending: i32,
    lock_timeout: Duration,
    extension_schema: Option<&SchemaName>,
) -> Result<(), Failed> {
    let statements = statements::split(m.sql.as_str()).map_err(|e| unsplittable(m, e))?;
    let options = pool.connect_options();
    let mut conn = PgConnection::connect_with(&options).await?;
    crate::db::cancel::note_connection(&mut conn, &options).await?;
    let facts = Facts {
        version: before,
        latest,
        pending,
        drift: false,
    };
    let res = no_transaction_on(
        &mut conn,
        t,
        m,
        &statements,
        facts,
        lock_timeout,
        extension_schema,
    )
    .await;
    // Closing the session also releases the platform's lock.
    let _ = conn.close().await;
    res
}

async fn no_transaction_on(
    conn: &mut PgConnection,
    t: &Target,
    m: &Migration,
    statements: &[String],
    facts: Facts,
    lock_timeout: Duration,
    extension_schema: Option<&SchemaName>,
) -> Result<(), Failed> {
    let schema = &t.schema;
    // The session is ours alone (never returned to a pool), so session settings are safe.
    // language=PostgreSQL
    sqlx::query(
        "SELECT set_config('search_path', $1, false), set_config('lock_timeout', $2, false)",
    )
    .bind(schema.search_path(extension_schema))
    .bind(crate::db::lock_timeout_value(lock_timeout))
    .execute(&mut *conn)
    .await?;
    // Issue 27.6: no code of a weaker role runs with tenantctl's privileges.
    if let Err(why) = crate::db::trust::check(&mut *conn, schema)
        .await
        .map_err(|e| Failed {
            error: MigrationError::Untrusted(e.to_string()),
            from: None,
            facts: None,
        })?
    {
        return Err(Failed {
            error: MigrationError::Untrusted(why),
            from: None,
            facts: Some(facts),
        });
    }
    let locked = PlatformLock::of(t.platform_id)
        .lock_session(&mut *conn, lock_timeout)
        .await?;
    if !locked {
        return Err(MigrationError::Busy.into());
    }
    let fail = |error: MigrationError| Failed {
        error,
        from: None,
        facts: Some(facts.clone()),
    };
    // Another run may have applied it since this one read the schema.
    let applied = super::applied(&mut *conn, schema)
        .await
        .map_err(|e| fail(e.into()))?;
    if applied.iter().any(|a| a.version == m.version) {
        return Ok(());
    }
    // An earlier attempt killed mid-build left its index INVALID (issue 27.14).
    let creates = no_tx::created_indexes(statements);
    if let Err(e) = no_tx::drop_invalid_named(&mut *conn, schema, &creates).await {
        return Err(fail(MigrationError::Failed {
            version: m.version,
            description: m.description.to_string(),
            message: format!("could not drop the invalid index an interrupted run of it left: {e}"),
            sqlstate: None,
        }));
    }
    let invalid_before = no_tx::invalid_indexes(&mut *conn, schema).await?;
    let started = Instant::now();
    for (i, statement) in statements.iter().enumerate() {
        let sent = send_sql(
            &mut *conn,
            m,
            AssertSqlSafe(statement.clone()).into_sql_str(),
        )
        .await;
        let Err(mut error) = sent else {
            continue;
        };
        let dropped = no_tx::drop_new_invalid(&mut *conn, schema, &invalid_before).await;
        if let MigrationError::Failed { message, .. } = &mut error {
            *message = format!(
                "{message} (statement {} of {}; the statements before it stay applied{})",
                i + 1,
                statements.len(),
                match &dropped {
                    Ok(d) if d.is_empty() => String::new(),
                    Ok(d) => format!("; dropped the invalid index(es) it left: {}", d.join(", ")),
                    Err(e) => format!("; could not drop the invalid index(es) it left: {e}"),
                }
            );
        }
        return Err(fail(error));
    }
    let elapsed = started.elapsed().as_nanos() as i64;
    let still_invalid: Vec<String> = no_tx::invalid_indexes(&mut *conn, schema)
        .await?
        .into_iter()
        .filter(|n| creates.contains(n))
        .collect();
    if !still_invalid.is_empty() {
        return Err(fail(MigrationError::Failed {
            version: m.version,
            description: m.description.to_string(),
            message: format!(
                "index(es) {} still INVALID after it ran; not recorded",
                still_invalid.join(", ")
            ),
            sqlstate: None,
        }));
    }
    let mut tx = conn.begin().await?;
    ensure_tracking_table(&mut tx, schema)
        .await
        .map_err(|e| fail(e.into()))?;
    let after = Facts {
        version: facts.version.max(Some(m.version)),
        pending: (facts.pending - 1).max(0),
        ..facts.clone()
    };
    let applied = AppliedNow {
        version: m.version,
        description: m.description.as_ref(),
        checksum: m.checksum.as_ref(),
        execution_ns: elapsed,
    };
    record(&mut tx, Some(t.platform_id), &[applied], &[], &after, false)
        .await
        .map_err(fail)?;
    crate::db::changes::notify_schema_changed(&mut tx, schema).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{line_in_file, parse_tracking_copy};

    #[test]
    fn lines_count_in_the_file_also_for_one_of_its_statements() {
        let file = "-- no-transaction\nCREATE TABLE a (x int);\n\nCREATE INDEX\n  oops ON a (y);";
        // The whole file: position 60 is on line 5.
        let at = file.find("oops").unwrap() + 1;
        assert_eq!(line_in_file(file, file, at), 5);
        // One statement of it, as sent alone: its own position maps back to the file's line.
        let statement = "CREATE INDEX\n  oops ON a (y)";
        let at = statement.find("oops").unwrap() + 1;
        assert_eq!(line_in_file(file, statement, at), 5);
        assert_eq!(line_in_file(file, statement, 1), 4);
        assert_eq!(line_in_file("SELECT 1", "SELECT 1", 0), 1);
    }

    /// One row of (version, description, checksum, success); `None` fields are NULL.
    type Row<'a> = (Option<i64>, Option<&'a str>, Option<&'a [u8]>, Option<bool>);

    /// Binary COPY data as PostgreSQL writes it.
    fn copy_data(rows: &[Row<'_>]) -> Vec<u8> {
        let mut out = b"PGCOPY\n\xff\r\n\0".to_vec();
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&4i32.to_be_bytes());
        out.extend_from_slice(b"ext!");
        let field = |out: &mut Vec<u8>, b: Option<Vec<u8>>| match b {
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(b) => {
                out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                out.extend_from_slice(&b);
            }
        };
        for (v, d, c, s) in rows {
            out.extend_from_slice(&4i16.to_be_bytes());
            field(&mut out, v.map(|v| v.to_be_bytes().to_vec()));
            field(&mut out, d.map(|d| d.as_bytes().to_vec()));
            field(&mut out, c.map(<[u8]>::to_vec));
            field(&mut out, s.map(|s| vec![s as u8]));
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    #[test]
    fn binary_copy_rows_are_read_field_by_field() {
        let data = copy_data(&[
            (
                Some(2),
                Some("second, ünïcode"),
                Some(&[0xde, 0xad][..]),
                Some(true),
            ),
            (Some(1), Some("first"), Some(&[][..]), Some(false)),
            (Some(3), None, None, None),
        ]);
        let rows = parse_tracking_copy(&data).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (
                rows[0].version,
                rows[0].description.as_str(),
                &rows[0].checksum[..],
                rows[0].success
            ),
            (2, "second, ünïcode", &[0xde, 0xad][..], true)
        );
        assert_eq!((rows[1].version, rows[1].success), (1, false));
        // NULLs read as empty / false: they show as drift or a failed run, never as applied.
        assert_eq!(
            (
                rows[2].description.as_str(),
                rows[2].checksum.len(),
                rows[2].success
            ),
            ("", 0, false)
        );
        assert!(parse_tracking_copy(&copy_data(&[])).unwrap().is_empty());
    }

    #[test]
    fn damaged_binary_copy_data_is_an_error() {
        let good = copy_data(&[(Some(1), Some("a"), Some(&[1][..]), Some(true))]);
        assert!(parse_tracking_copy(&good[..good.len() - 3]).is_err());
        assert!(parse_tracking_copy(b"1\tfirst\n").is_err());
        assert!(parse_tracking_copy(&copy_data(&[(None, Some("a"), None, Some(true))])).is_err());
        let mut three_columns = good.clone();
        let at = 11 + 4 + 4 + 4;
        three_columns[at..at + 2].copy_from_slice(&3i16.to_be_bytes());
        assert!(parse_tracking_copy(&three_columns).is_err());
    }
}
