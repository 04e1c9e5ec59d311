//! Migration status per tenant. Each tenant schema's own `_sqlx_migrations` table is the truth;
//! `tenantctl.tenant_migrations` is the fleet-wide copy for status pages and reports, plus what
//! only a run knows (the last error, when it last ran and last succeeded).
//!
//! Every write of a schema's migrations writes its status row in the same transaction
//! ([`record`], [`record_by_schema`]), so the two never disagree; a failed run records its error
//! after the rollback, with the version the schema is still at. `migrate status` reads the
//! schemas themselves (batched, see [`super::catalog`]) and shows the stored row beside them.

use super::catalog::{self, Read};
use super::fleet::{Filter, Target, targets};
use super::{MigrationError, MigrationSet, Plan, plan};
use crate::db::SchemaName;
use crate::error::Result;
use crate::output::{Tabular, Term};
use chrono::{DateTime, Utc};
use comfy_table::{Cell, Color};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;

/// What a status row says about a schema's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The highest applied version.
    pub version: Option<i64>,
    /// The newest version of the set the run used.
    pub latest: Option<i64>,
    pub pending: i32,
    pub drift: bool,
}

impl Facts {
    /// A schema that has applied everything up to `version` and nothing is pending.
    pub fn current(version: Option<i64>, set: &MigrationSet) -> Facts {
        Facts {
            version,
            latest: set.latest(),
            pending: 0,
            drift: false,
        }
    }

    pub fn from_plan(p: &Plan, set: &MigrationSet) -> Facts {
        Facts {
            version: p.current,
            latest: set.latest(),
            pending: p.pending.len() as i32,
            drift: !p.drift.is_empty(),
        }
    }

    /// A schema that does not exist: nothing applied, everything pending.
    pub fn missing(set: &MigrationSet) -> Facts {
        Facts {
            version: None,
            latest: set.latest(),
            pending: set.len() as i32,
            drift: false,
        }
    }
}

// language=PostgreSQL
const UPSERT: &str = "INSERT INTO tenantctl.tenant_migrations AS t \
        (platform_id, schema_name, version, latest_version, pending_count, drift, last_error, \
         last_run_at, last_success_at, updated_at) \
     SELECT p.id, p.schema_name, $2, $3, $4, $5, $6, now(), CASE WHEN $6::text IS NULL THEN now() END, now() \
     FROM public.platforms p WHERE {WHERE} \
     ON CONFLICT (platform_id) DO UPDATE SET schema_name = EXCLUDED.schema_name, \
        version = EXCLUDED.version, latest_version = EXCLUDED.latest_version, \
        pending_count = EXCLUDED.pending_count, drift = EXCLUDED.drift, \
        last_error = EXCLUDED.last_error, last_run_at = EXCLUDED.last_run_at, \
        last_success_at = coalesce(EXCLUDED.last_success_at, t.last_success_at), updated_at = now()";

/// Write a tenant's status row: `error` `None` for a run that succeeded (or found nothing to
/// do), else the error of a failed run. Call it inside the transaction that changed the schema.
pub async fn record(
    conn: &mut PgConnection,
    platform_id: i64,
    facts: &Facts,
    error: Option<&str>,
) -> Result<()> {
    let sql = UPSERT.replace("{WHERE}", "p.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(platform_id)
        .bind(facts.version)
        .bind(facts.latest)
        .bind(facts.pending)
        .bind(facts.drift)
        .bind(error)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A migration applied in the current transaction, for [`record_here`] and [`insert_applied`].
#[derive(Debug, Clone, Copy)]
pub struct AppliedNow<'a> {
    pub version: i64,
    pub description: &'a str,
    pub checksum: &'a [u8],
    pub execution_ns: i64,
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
pub async fn applied_here(
    conn: &mut PgConnection,
    schema: &SchemaName,
) -> std::result::Result<Vec<super::Applied>, MigrationError> {
    use futures::TryStreamExt;
    // language=PostgreSQL
    let sql = format!(
        "COPY {} (version, description, checksum, success) TO STDOUT (FORMAT binary)",
        super::tracking(schema)
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
fn parse_tracking_copy(data: &[u8]) -> std::result::Result<Vec<super::Applied>, String> {
    const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
    struct Cursor<'a>(&'a [u8]);
    impl<'a> Cursor<'a> {
        fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
            if self.0.len() < n {
                return Err("binary COPY data ends early".into());
            }
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            Ok(head)
        }
        fn i16(&mut self) -> std::result::Result<i16, String> {
            Ok(i16::from_be_bytes(
                self.take(2)?.try_into().expect("2 bytes"),
            ))
        }
        fn i32(&mut self) -> std::result::Result<i32, String> {
            Ok(i32::from_be_bytes(
                self.take(4)?.try_into().expect("4 bytes"),
            ))
        }
        /// One field: `None` for NULL.
        fn field(&mut self) -> std::result::Result<Option<&'a [u8]>, String> {
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
        rows.push(super::Applied {
            version,
            description: description.into_owned(),
            checksum,
            success,
        });
    }
    Ok(rows)
}

/// The tracking rows of the migrations this transaction applied, when the status row is
/// already right (written by the transaction's first statement, see `fleet::enter`). A plain
/// INSERT, the cheapest statement to plan again for every tenant (see [`record_here`]).
pub async fn insert_applied(
    conn: &mut PgConnection,
    applied: &[AppliedNow<'_>],
) -> std::result::Result<(), MigrationError> {
    if applied.is_empty() {
        return Ok(());
    }
    // One VALUES row per migration, numbered placeholders only.
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
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
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

/// In one statement: the tracking rows of the migrations this transaction applied (`applied`)
/// or reverted (`reverted`) in the schema on its search_path, and the tenant's status row. Call
/// it inside that transaction, after the migrations' SQL ran.
///
/// NOTE: the table name is deliberately unqualified, unlike everywhere else (here and in
/// [`insert_applied`]): the statement text is then the same for every tenant, so each
/// connection prepares it once and PostgreSQL re-resolves the name under each transaction's
/// search_path (documented for PREPARE). A schema-qualified text would cost a Parse round trip
/// per tenant.
pub async fn record_here(
    conn: &mut PgConnection,
    platform_id: i64,
    applied: &[AppliedNow<'_>],
    reverted: &[i64],
    facts: &Facts,
) -> std::result::Result<(), MigrationError> {
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
    sqlx::query(sqlx::AssertSqlSafe(text.as_str()))
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

/// Like [`record`] for the platform that owns `schema`, when the registry has the status table
/// (the one-schema runner is also used on bare databases).
pub async fn record_by_schema(
    conn: &mut PgConnection,
    schema: &SchemaName,
    facts: &Facts,
) -> std::result::Result<(), MigrationError> {
    // language=PostgreSQL
    let present: bool =
        sqlx::query_scalar("SELECT to_regclass('tenantctl.tenant_migrations') IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
    if !present {
        return Ok(());
    }
    let sql = UPSERT.replace("{WHERE}", "p.schema_name = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(schema.as_str())
        .bind(facts.version)
        .bind(facts.latest)
        .bind(facts.pending)
        .bind(facts.drift)
        .bind(None::<String>)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Record a failure outside the (rolled back) transaction; without `facts` (the schema could
/// not be read) only the error and the time. A platform deleted meanwhile is not an error.
pub async fn record_failure(pool: &PgPool, platform_id: i64, facts: Option<&Facts>, error: &str) {
    let res = async {
        let mut conn = pool.acquire().await?;
        match facts {
            Some(facts) => record(&mut conn, platform_id, facts, Some(error)).await,
            None => {
                // language=PostgreSQL
                sqlx::query(
                    "UPDATE tenantctl.tenant_migrations SET last_error = $2, last_run_at = now(), \
                     updated_at = now() WHERE platform_id = $1",
                )
                .bind(platform_id)
                .bind(error)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }
        }
    }
    .await;
    if let Err(e) = res {
        tracing::warn!(platform_id, error = %e, "could not record the migration failure");
    }
}

/// Mark many tenants as up to date at their version in one statement, touching only rows that
/// say otherwise (a no-op run over a healthy fleet writes nothing).
pub async fn record_up_to_date(
    pool: &PgPool,
    rows: &[(i64, Option<i64>)],
    set: &MigrationSet,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let versions: Vec<Option<i64>> = rows.iter().map(|r| r.1).collect();
    // language=PostgreSQL
    sqlx::query(
        "INSERT INTO tenantctl.tenant_migrations AS t \
            (platform_id, schema_name, version, latest_version, pending_count, drift, last_error, \
             last_run_at, last_success_at, updated_at) \
         SELECT p.id, p.schema_name, u.version, $3, 0, false, NULL, now(), now(), now() \
         FROM unnest($1::bigint[], $2::bigint[]) AS u(id, version) \
         JOIN public.platforms p ON p.id = u.id \
         ON CONFLICT (platform_id) DO UPDATE SET schema_name = EXCLUDED.schema_name, \
            version = EXCLUDED.version, latest_version = EXCLUDED.latest_version, \
            pending_count = 0, drift = false, last_error = NULL, last_run_at = now(), \
            last_success_at = now(), updated_at = now() \
         WHERE (t.schema_name, t.version, t.latest_version, t.pending_count, t.drift, t.last_error IS NULL) \
            IS DISTINCT FROM (EXCLUDED.schema_name, EXCLUDED.version, EXCLUDED.latest_version, 0, false, true)",
    )
    .bind(&ids)
    .bind(&versions)
    .bind(set.latest())
    .execute(pool)
    .await?;
    Ok(())
}

/// A stored status row.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Stored {
    pub platform_id: i64,
    pub version: Option<i64>,
    pub last_error: Option<String>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
}

/// The stored rows of some platforms.
pub async fn stored(pool: &PgPool, ids: &[i64]) -> Result<HashMap<i64, Stored>> {
    // language=PostgreSQL
    let rows: Vec<Stored> = sqlx::query_as(
        "SELECT platform_id, version, last_error, last_run_at, last_success_at \
         FROM tenantctl.tenant_migrations WHERE platform_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.platform_id, r)).collect())
}

/// Where a tenant schema stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Every migration of the set applied, none changed since.
    UpToDate,
    /// Some migrations pending.
    Behind,
    /// An applied migration's file changed since (checksum differs).
    Drift,
    /// Applied versions the set does not know (a newer release migrated it).
    Ahead,
    /// A failed run recorded by sqlx (outside tenantctl).
    Dirty,
    /// The schema does not exist.
    Missing,
    /// The registry row's schema name breaks the rules (edited by hand): never read.
    Invalid,
}

impl State {
    pub fn of(p: &Plan) -> State {
        if !p.dirty.is_empty() {
            State::Dirty
        } else if !p.drift.is_empty() {
            State::Drift
        } else if !p.unknown.is_empty() {
            State::Ahead
        } else if !p.pending.is_empty() {
            State::Behind
        } else {
            State::UpToDate
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::UpToDate => "up to date",
            State::Behind => "behind",
            State::Drift => "drift",
            State::Ahead => "ahead",
            State::Dirty => "dirty",
            State::Missing => "missing",
            State::Invalid => "invalid",
        }
    }
}

/// One line of `migrate status`. Field names are part of the JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct TenantStatus {
    #[serde(rename = "platform")]
    pub tenant: String,
    pub platform_id: i64,
    pub schema: String,
    /// The highest applied version, read from the schema itself.
    pub version: Option<i64>,
    pub latest_version: Option<i64>,
    pub pending: usize,
    pub state: State,
    /// Applied versions whose file changed since.
    pub drift_versions: Vec<i64>,
    /// Applied versions the set does not have.
    pub unknown_versions: Vec<i64>,
    /// The version `tenantctl.tenant_migrations` holds (equal to `version` unless something
    /// outside tenantctl changed the schema).
    pub recorded_version: Option<i64>,
    pub last_error: Option<String>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
}

impl TenantStatus {
    /// Not at the newest version: something pending, or no schema at all.
    pub fn behind(&self) -> bool {
        self.pending > 0 || self.state == State::Missing
    }
}

impl Tabular for TenantStatus {
    fn headers() -> Vec<&'static str> {
        vec![
            "tenant",
            "schema",
            "version",
            "pending",
            "state",
            "last error",
        ]
    }

    fn row(&self, term: &Term) -> Vec<Cell> {
        let color = match self.state {
            State::UpToDate => Some(Color::Green),
            State::Behind => Some(Color::Yellow),
            _ => Some(Color::Red),
        };
        let state = if term.color {
            Cell::new(self.state.as_str()).fg(color.unwrap_or(Color::Reset))
        } else {
            Cell::new(self.state.as_str())
        };
        let mut detail = String::new();
        if !self.drift_versions.is_empty() {
            detail = format!("changed: {}", super::join(&self.drift_versions));
        } else if !self.unknown_versions.is_empty() {
            detail = format!("unknown: {}", super::join(&self.unknown_versions));
        }
        vec![
            Cell::new(&self.tenant),
            Cell::new(&self.schema),
            Cell::new(
                self.version
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::new(self.pending),
            state,
            Cell::new(match (&self.last_error, detail.is_empty()) {
                (Some(e), _) => e.clone(),
                (None, false) => detail,
                (None, true) => String::new(),
            }),
        ]
    }
}

/// The status of every targeted tenant, read from the schemas (a few batched queries per
/// chunk of tenants) and the stored rows.
pub async fn status(
    pool: &PgPool,
    set: &MigrationSet,
    filter: &Filter,
    behind_only: bool,
) -> Result<Vec<TenantStatus>> {
    let chunk = catalog::chunk_size(pool).await?;
    let mut cursor = targets(filter.clone(), chunk);
    let mut out = Vec::new();
    while let Some(chunk) = cursor.next(pool).await? {
        for bad in chunk.invalid {
            out.push(TenantStatus {
                tenant: bad.platform,
                platform_id: bad.platform_id,
                schema: bad.schema,
                version: None,
                latest_version: set.latest(),
                pending: set.len(),
                state: State::Invalid,
                drift_versions: Vec::new(),
                unknown_versions: Vec::new(),
                recorded_version: None,
                last_error: Some(bad.error),
                last_run_at: None,
                last_success_at: None,
            });
        }
        let batch = chunk.targets;
        let reads = catalog::read_many(pool, &batch).await?;
        let ids: Vec<i64> = batch.iter().map(|t| t.platform_id).collect();
        let stored = stored(pool, &ids).await?;
        for (t, read) in batch.into_iter().zip(reads) {
            let row = status_of(t, read, set, &stored);
            if !behind_only || row.behind() {
                out.push(row);
            }
        }
    }
    Ok(out)
}

fn status_of(
    t: Target,
    read: Read,
    set: &MigrationSet,
    stored: &HashMap<i64, Stored>,
) -> TenantStatus {
    let s = stored.get(&t.platform_id);
    let mut row = TenantStatus {
        tenant: t.name,
        platform_id: t.platform_id,
        schema: t.schema.to_string(),
        version: None,
        latest_version: set.latest(),
        pending: set.len(),
        state: State::Missing,
        drift_versions: Vec::new(),
        unknown_versions: Vec::new(),
        recorded_version: s.and_then(|s| s.version),
        last_error: s.and_then(|s| s.last_error.clone()),
        last_run_at: s.and_then(|s| s.last_run_at),
        last_success_at: s.and_then(|s| s.last_success_at),
    };
    match read {
        Read::Missing => {}
        Read::Error(e) => {
            row.last_error = Some(format!("cannot read its migrations: {e}"));
        }
        Read::Applied(applied) => {
            let p = plan(set, &applied);
            row.version = p.current;
            row.pending = p.pending.len();
            row.state = State::of(&p);
            row.drift_versions = p.drift;
            row.unknown_versions = p.unknown;
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::parse_tracking_copy;

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
