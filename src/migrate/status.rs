//! Migration status per tenant. Each tenant schema's own `_sqlx_migrations` table is the truth;
//! `tenantctl.tenant_migrations` is the fleet-wide copy for status pages and reports, plus what
//! only a run knows (the last error, when it last ran and last succeeded).
//!
//! Every write of a schema's migrations writes its status row in the same transaction (the
//! runner's bookkeeping, [`super::runner::record`]), so the two never disagree; a failed run
//! records its error after the rollback, with the version the schema is still at. `migrate status` reads the
//! schemas themselves (batched, see [`super::catalog`]) and shows the stored row beside them.

use super::catalog::{self, Read};
use super::{MigrationSet, Plan, plan};
use crate::error::Result;
use crate::output::{Tabular, Term};
use crate::registry::tenants::{Selection, Target, targets};
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

/// The status row's upsert; `{WHERE}` picks the platform (the runner's bookkeeping statement
/// ends with it too).
// language=PostgreSQL
pub(super) const UPSERT: &str = "INSERT INTO tenantctl.tenant_migrations AS t \
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
        tracing::warn!(platform_id, error = %crate::error::Shown(&e), "could not record the migration failure");
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
    filter: &Selection,
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
            // On Citus, a tenant whose worker is down names that worker.
            row.last_error = Some(crate::db::citus::name_unreachable_worker(format!(
                "cannot read its migrations: {e}"
            )));
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
