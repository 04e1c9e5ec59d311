//! The cross-tenant runner of `report query`: one operator query in every chosen tenant schema,
//! each tenant in its own READ ONLY transaction with `statement_timeout` and the tenant's schema
//! alone on the transaction-local `search_path`.
//!
//! How it stays safe:
//! - The query is proven to be exactly one statement before anything runs: it is prepared
//!   (PostgreSQL's extended protocol refuses several commands in one prepared statement) both
//!   as written and wrapped as `SELECT row_to_json(q)::text FROM (<query>) q`. A syntax error
//!   therefore stops the run once, before any tenant ran it.
//! - Every tenant's statement runs inside `BEGIN READ ONLY` and ends with `ROLLBACK`, so even a
//!   write hidden in a function call fails, and a session setting changed by the query is undone.
//! - A statement that cannot be wrapped (INSERT, UPDATE, a data-modifying CTE, DDL) is run once,
//!   unwrapped, in one tenant's read-only transaction, where PostgreSQL refuses the write, and the
//!   run stops; other statements (COPY, DO, SET, …) are not run at all.
//! - The first tenant also runs alone before the fan-out (the canary), so a query that writes
//!   through a function is refused once, not once per tenant.
//!
//! How it is fast: tenants are sent in batches, one simple-query message per batch holding each
//! tenant's `BEGIN READ ONLY; SET LOCAL …; SET LOCAL search_path …; SELECT …; ROLLBACK;` in a
//! row: one round trip for many schemas, each statement still parsed under its own tenant's
//! `search_path`, `statement_timeout` still applied per statement (PostgreSQL 13+), locks
//! released after every tenant (so batching never piles up toward `max_locks_per_transaction`).
//! When one statement fails, the results before it are kept, that tenant gets the error, and the
//! rest of the batch is sent again: errors stay per tenant.

use super::value::{Column, Kind};
use crate::db::{self, SchemaName};
use crate::error::{Error, Result, is_connection_error, sqlstate};
use crate::output::duration;
use crate::registry::tenants::Selection;
use crate::registry::{InvalidPlatform, Platform};
use futures::StreamExt;
use indicatif::ProgressBar;
use serde::Serialize;
use sqlx::pool::PoolConnection;
use sqlx::{
    AssertSqlSafe, Column as _, Connection, Either, Executor, PgPool, Postgres, Row as _,
    SqlSafeStr, Statement as _, TypeInfo as _,
};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One tenant the query runs in: a fleet target, chosen like every fleet command's.
use crate::registry::tenants::Target;

/// How one tenant failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantError {
    pub message: String,
    pub sqlstate: Option<String>,
    /// The tenant's statement ran past `statement_timeout`.
    pub timed_out: bool,
}

/// One tenant's outcome: its rows (each a `row_to_json` text) or its error.
#[derive(Debug, Clone)]
pub struct TenantResult {
    pub target: Target,
    pub rows: Vec<String>,
    pub error: Option<TenantError>,
}

/// The whole run, tenants in the order they were given.
#[derive(Debug)]
pub struct QueryRun {
    /// The columns as the statement described them (empty when no tenant could describe it).
    pub columns: Vec<Column>,
    pub tenants: Vec<TenantResult>,
    pub elapsed: Duration,
}

impl QueryRun {
    pub fn failed(&self) -> usize {
        self.tenants.iter().filter(|t| t.error.is_some()).count()
    }
}

/// How the run goes.
#[derive(Debug, Clone)]
pub struct Options {
    /// `statement_timeout` of each tenant's statement (zero: none).
    pub timeout: Duration,
    /// Tenants queried at once (connections).
    pub jobs: usize,
    /// Tenants per round trip.
    pub batch_size: usize,
    pub extension_schema: Option<SchemaName>,
}

/// Tenants a failed statement is probed in before the run goes on without a description.
const PROBES: usize = 3;
/// Statements per tenant in a batch: BEGIN, SET timeout, SET search_path, SELECT, ROLLBACK.
const STMTS_PER_TENANT: usize = 5;
/// Leading keywords of statements that are run unwrapped, once, to let PostgreSQL refuse the
/// write: every one of them is refused in a read-only transaction before it changes anything.
const WRITE_KEYWORDS: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP", "TRUNCATE", "GRANT",
    "REVOKE", "COMMENT",
];

/// The query as it will be wrapped: surrounding blanks and trailing semicolons removed. An
/// empty query is bad usage.
pub fn normalize(sql: &str) -> Result<String> {
    let mut s = sql.trim();
    while let Some(rest) = s.strip_suffix(';') {
        s = rest.trim_end();
    }
    if s.is_empty() {
        return Err(Error::Usage("the query is empty".into()));
    }
    Ok(s.to_string())
}

/// The statement each tenant runs: one JSON text per row, columns in order. The newlines keep a
/// trailing `--` comment of the query from swallowing the closing parenthesis.
pub fn wrap(sql: &str) -> String {
    format!("SELECT row_to_json(q)::text FROM (\n{sql}\n) q")
}

/// The first keyword of a statement, upper-cased, after blanks and comments (`--`, nested
/// `/* */`); empty when it starts with something else (a parenthesis).
pub fn first_keyword(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"--") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else {
            break;
        }
    }
    let end = b[i..]
        .iter()
        .position(|c| !c.is_ascii_alphabetic())
        .map_or(b.len(), |p| i + p);
    sql[i..end].to_ascii_uppercase()
}

/// Choose the tenants: every completed platform with a schema that `selection` admits,
/// ordered by name (the names were checked by [`crate::registry::select`]). Chosen rows whose
/// schema name breaks the rules come back apart, to be reported as failed tenants.
pub fn select_targets(
    platforms: &[Platform],
    selection: &Selection,
) -> Result<(Vec<Target>, Vec<InvalidPlatform>)> {
    let (mut targets, invalid) = crate::registry::tenants::among(platforms, selection);
    targets.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.platform_id.cmp(&b.platform_id))
    });
    Ok((targets, invalid))
}

fn tenant_error(e: &sqlx::Error, timeout: Duration) -> TenantError {
    match e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned());
            let timed_out =
                code.as_deref() == Some("57014") && db.message().contains("statement timeout");
            let message = if timed_out {
                format!(
                    "timed out after {} (statement_timeout)",
                    duration::span(timeout)
                )
            } else {
                db.message().to_string()
            };
            TenantError {
                message,
                sqlstate: code,
                timed_out,
            }
        }
        other => TenantError {
            message: other.to_string(),
            sqlstate: None,
            timed_out: false,
        },
    }
}

/// A database error's message with its position in the query, when PostgreSQL gave one.
fn db_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => {
            let pos = db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .and_then(|p| match p.position() {
                    Some(sqlx::postgres::PgErrorPosition::Original(n)) => Some(n),
                    _ => None,
                });
            match pos {
                Some(n) => format!("{} (at character {n})", db.message()),
                None => db.message().to_string(),
            }
        }
        other => other.to_string(),
    }
}

fn timeout_ms(t: Duration) -> u128 {
    t.as_millis()
}

/// Begin a tenant's read-only transaction on `conn`: `search_path` and `statement_timeout`
/// transaction-local.
async fn begin_read_only<'c>(
    conn: &'c mut PoolConnection<Postgres>,
    target: &Target,
    opts: &Options,
) -> Result<sqlx::Transaction<'c, Postgres>> {
    let mut tx = conn.begin_with("BEGIN READ ONLY").await?;
    db::set_tenant(&mut tx, &target.schema, opts.extension_schema.as_ref()).await?;
    // language=PostgreSQL
    sqlx::query("SELECT set_config('statement_timeout', $1, true)")
        .bind(timeout_ms(opts.timeout).to_string())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// What preparing the statement in one tenant showed.
enum Probe {
    /// The wrapped statement prepares: these are the query's columns.
    Wrapped(Vec<Column>),
    /// The query is one statement, but not one that can be wrapped as a subquery.
    NotWrappable,
    /// The statement fails to prepare in this tenant (a missing table, say); raw parsing
    /// succeeded, so it is one statement. Another tenant may describe it.
    Failed(sqlx::Error),
}

fn is_syntax(e: &sqlx::Error) -> bool {
    sqlstate(e).as_deref() == Some("42601")
}

/// Prepare the wrapped and the plain statement in one tenant (nothing is executed).
async fn probe_one(
    conn: &mut PoolConnection<Postgres>,
    target: &Target,
    sql: &str,
    wrapped: &str,
    opts: &Options,
) -> Result<Probe> {
    let mut tx = begin_read_only(conn, target, opts).await?;
    let w = (&mut *tx)
        .prepare(AssertSqlSafe(wrapped.to_string()).into_sql_str())
        .await;
    if w.is_err() {
        // The failed prepare aborted the transaction: a fresh one for the plain statement.
        tx.rollback().await?;
        tx = begin_read_only(conn, target, opts).await?;
    }
    let inner = (&mut *tx)
        .prepare(AssertSqlSafe(sql.to_string()).into_sql_str())
        .await;
    let _ = tx.rollback().await;
    let probe = match (w, inner) {
        (_, Err(e)) if is_syntax(&e) => {
            return Err(
                Error::Usage(format!("syntax error in the query: {}", db_message(&e)))
                    .hint("nothing ran in any tenant"),
            );
        }
        (_, Err(e @ sqlx::Error::Database(_))) => Probe::Failed(e),
        (_, Err(e)) => return Err(e.into()),
        (Ok(_), Ok(stmt)) => {
            if let Some(Either::Left(p)) = stmt.parameters()
                && !p.is_empty()
            {
                return Err(Error::Usage(format!(
                    "the query has {} parameter(s) (`$1`…); report query binds none: write the values into the query",
                    p.len()
                )));
            }
            Probe::Wrapped(
                stmt.columns()
                    .iter()
                    .map(|c| Column {
                        name: c.name().to_string(),
                        kind: Kind::of_type(c.type_info().name()),
                    })
                    .collect(),
            )
        }
        (Err(_), Ok(_)) => Probe::NotWrappable,
    };
    // Prepared statements stay on the connection otherwise, planned for this tenant.
    conn.clear_cached_statements().await?;
    Ok(probe)
}

/// A statement that is one statement but no query: run it where PostgreSQL refuses writes, or
/// not at all, and say why it cannot be a report. `Ok` holds the refusal; `Err` is a failure
/// to even check.
async fn refuse_unwrappable(
    pool: &PgPool,
    target: &Target,
    sql: &str,
    opts: &Options,
) -> Result<Error> {
    let keyword = first_keyword(sql);
    let mut conn = pool.acquire().await?;
    // Whatever the statement did to the session goes with the connection.
    conn.close_on_drop();
    let runnable = if WRITE_KEYWORDS.contains(&keyword.as_str()) || keyword == "WITH" {
        true
    } else {
        // EXPLAIN plans without executing; it accepts only plannable statements
        // (SELECT, DML, VALUES …), never COPY, DO, SET or other utilities.
        let mut tx = begin_read_only(&mut conn, target, opts).await?;
        let explained = sqlx::raw_sql(AssertSqlSafe(format!("EXPLAIN {sql}")))
            .execute(&mut *tx)
            .await
            .is_ok();
        let _ = tx.rollback().await;
        explained
    };
    let what = if keyword.is_empty() {
        "this statement".to_string()
    } else {
        format!("`{keyword}`")
    };
    if !runnable {
        return Ok(Error::Usage(format!(
            "{what} is not a query: report query runs one SELECT, VALUES, TABLE or WITH … SELECT per tenant"
        ))
        .hint("nothing ran in any tenant"));
    }
    let mut tx = begin_read_only(&mut conn, target, opts).await?;
    let res = sqlx::query(AssertSqlSafe(sql.to_string()))
        .persistent(false)
        .execute(&mut *tx)
        .await;
    let _ = tx.rollback().await;
    Ok(match res {
        Err(e) if sqlstate(&e).as_deref() == Some("25006") => write_refused(&e),
        Err(e) => Error::Usage(format!(
            "the query cannot run as a report: {}",
            db_message(&e)
        ))
        .hint("nothing was written and no other tenant ran it"),
        Ok(_) => Error::Usage(format!(
            "{what} returns no rows that can be wrapped as a subquery: report query runs one SELECT, VALUES, TABLE or WITH … SELECT per tenant"
        ))
        .hint("nothing was written (the statement was rolled back)"),
    })
}

/// The refusal of a query that tried to write (SQLSTATE 25006 from the read-only transaction).
fn write_refused(e: &sqlx::Error) -> Error {
    Error::Usage(format!(
        "the query tries to write: {} (report query runs in read-only transactions)",
        db_message(e)
    ))
    .hint("nothing was written and no other tenant ran it")
}

/// The batch text for some tenants. Identifiers only through `db::set_tenant_statement`; the
/// query text was proven to be one statement.
fn batch_sql(targets: &[Target], idx: &[usize], wrapped: &str, opts: &Options) -> String {
    let mut s = String::with_capacity(idx.len() * (wrapped.len() + 160));
    let ms = timeout_ms(opts.timeout);
    for &i in idx {
        let set_path = db::set_tenant_statement(&targets[i].schema, opts.extension_schema.as_ref());
        s.push_str("BEGIN READ ONLY;\nSET LOCAL statement_timeout = ");
        s.push_str(&ms.to_string());
        s.push_str(";\n");
        s.push_str(&set_path);
        s.push_str(";\n");
        s.push_str(wrapped);
        s.push_str(";\nROLLBACK;\n");
    }
    s
}

/// What one round trip did: rows of the tenants it finished, and the error of the tenant it
/// stopped at (the next one in `idx` after the finished ones).
struct Step {
    done: Vec<Vec<String>>,
    error: Option<sqlx::Error>,
}

async fn run_batch(
    conn: &mut PoolConnection<Postgres>,
    targets: &[Target],
    idx: &[usize],
    wrapped: &str,
    opts: &Options,
) -> Step {
    let sql = batch_sql(targets, idx, wrapped, opts);
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); idx.len()];
    let mut completed = 0usize;
    let mut error = None;
    {
        let mut stream = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_many(&mut **conn);
        while let Some(item) = stream.next().await {
            match item {
                Ok(Either::Left(_)) => completed += 1,
                Ok(Either::Right(row)) => {
                    let t = completed / STMTS_PER_TENANT;
                    match row.try_get::<String, _>(0) {
                        Ok(text) if t < rows.len() => rows[t].push(text),
                        Ok(_) => {}
                        Err(e) => {
                            error = Some(e);
                            break;
                        }
                    }
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    let finished = if error.is_some() {
        completed / STMTS_PER_TENANT
    } else {
        idx.len()
    };
    rows.truncate(finished);
    Step { done: rows, error }
}

type Outcome = (usize, Vec<String>, Option<TenantError>);

/// One connection working through the queue, batch by batch.
async fn worker(
    pool: &PgPool,
    queue: &Mutex<VecDeque<usize>>,
    targets: &[Target],
    wrapped: &str,
    opts: &Options,
    progress: &ProgressBar,
) -> Vec<Outcome> {
    let mut out: Vec<Outcome> = Vec::new();
    let mut conn: Option<PoolConnection<Postgres>> = None;
    loop {
        let batch: Vec<usize> = {
            let mut q = queue.lock().expect("queue lock");
            let n = opts.batch_size.max(1).min(q.len());
            q.drain(..n).collect()
        };
        if batch.is_empty() {
            break;
        }
        let mut pending: &[usize] = &batch;
        while !pending.is_empty() {
            if conn.is_none() {
                match pool.acquire().await {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        let err = tenant_error(&e, opts.timeout);
                        for &i in pending {
                            out.push((i, Vec::new(), Some(err.clone())));
                        }
                        progress.inc(pending.len() as u64);
                        break;
                    }
                }
            }
            let c = conn.as_mut().expect("connection");
            let step = run_batch(c, targets, pending, wrapped, opts).await;
            let finished = step.done.len();
            for (k, rows) in step.done.into_iter().enumerate() {
                out.push((pending[k], rows, None));
            }
            progress.inc(finished as u64);
            pending = &pending[finished..];
            if let Some(e) = step.error {
                let Some((&failed, rest)) = pending.split_first() else {
                    break;
                };
                out.push((failed, Vec::new(), Some(tenant_error(&e, opts.timeout))));
                progress.inc(1);
                pending = rest;
                if is_connection_error(&e) {
                    if let Some(mut c) = conn.take() {
                        c.close_on_drop();
                    }
                } else if sqlx::raw_sql("ROLLBACK")
                    .execute(&mut **conn.as_mut().expect("connection"))
                    .await
                    .is_err()
                    && let Some(mut c) = conn.take()
                {
                    c.close_on_drop();
                }
            }
        }
    }
    out
}

/// Run `sql` in every target. Errors of the query itself (syntax, parameters, a write, a
/// statement that is no query) come back as `Err` before any tenant ran it; errors of single
/// tenants (a timeout, a missing table, a dropped schema) are in the tenants' results.
pub async fn run(
    pool: &PgPool,
    sql: &str,
    targets: Vec<Target>,
    opts: &Options,
    progress: &ProgressBar,
) -> Result<QueryRun> {
    let started = Instant::now();
    let sql = normalize(sql)?;
    let wrapped = wrap(&sql);
    let mut results: Vec<Option<TenantResult>> = vec![None; targets.len()];

    // A schema dropped by hand is that tenant's error; the others run. So is a schema where a
    // role weaker than tenantctl's can put code the query could call (issue 27.6).
    // language=PostgreSQL
    let existing: HashMap<String, Option<String>> =
        sqlx::query_as::<_, (String, Option<String>)>(sqlx::AssertSqlSafe(format!(
            "SELECT tctl_s.nspname::text, {} FROM pg_catalog.pg_namespace tctl_s \
             WHERE tctl_s.nspname = ANY($1)",
            db::trust::untrusted_sql("tctl_s.nspname")
        )))
        .bind(
            targets
                .iter()
                .map(|t| t.schema.as_str().to_string())
                .collect::<Vec<_>>(),
        )
        .fetch_all(pool)
        .await?
        .into_iter()
        .collect();
    let mut runnable: Vec<usize> = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let (message, sqlstate) = match existing.get(t.schema.as_str()) {
            Some(None) => {
                runnable.push(i);
                continue;
            }
            Some(Some(reasons)) => (db::trust::refusal(&t.schema, reasons), "42501"),
            None => (
                format!(
                    "schema `{}` does not exist (dropped outside tenantctl?)",
                    t.schema
                ),
                "3F000",
            ),
        };
        results[i] = Some(TenantResult {
            target: t.clone(),
            rows: Vec::new(),
            error: Some(TenantError {
                message,
                sqlstate: Some(sqlstate.into()),
                timed_out: false,
            }),
        });
    }

    let mut columns = Vec::new();
    let mut canary = None;
    if !runnable.is_empty() {
        let mut conn = pool.acquire().await?;
        for &i in runnable.iter().take(PROBES) {
            match probe_one(&mut conn, &targets[i], &sql, &wrapped, opts).await? {
                Probe::Wrapped(cols) => {
                    columns = cols;
                    canary = Some(i);
                    break;
                }
                Probe::NotWrappable => {
                    drop(conn);
                    return Err(refuse_unwrappable(pool, &targets[i], &sql, opts).await?);
                }
                Probe::Failed(e) => {
                    tracing::debug!(schema = %targets[i].schema, error = %crate::error::Shown(&e), "statement does not prepare here");
                }
            }
        }
        // The canary: the first tenant alone, so a write through a function is refused once.
        if let Some(i) = canary {
            let step = run_batch(&mut conn, &targets, &[i], &wrapped, opts).await;
            progress.inc(1);
            let (rows, error) = match (step.done.into_iter().next(), step.error) {
                (Some(rows), None) => (rows, None),
                (_, Some(e)) => {
                    if sqlstate(&e).as_deref() == Some("25006") {
                        return Err(write_refused(&e));
                    }
                    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                    (Vec::new(), Some(tenant_error(&e, opts.timeout)))
                }
                (None, None) => (Vec::new(), None),
            };
            results[i] = Some(TenantResult {
                target: targets[i].clone(),
                rows,
                error,
            });
        }
    }

    let queue: Mutex<VecDeque<usize>> = Mutex::new(
        runnable
            .iter()
            .copied()
            .filter(|&i| Some(i) != canary)
            .collect(),
    );
    let workers = opts.jobs.max(1).min(queue.lock().expect("queue").len());
    let outcomes = futures::future::join_all(
        (0..workers).map(|_| worker(pool, &queue, &targets, &wrapped, opts, progress)),
    )
    .await;
    for (i, rows, error) in outcomes.into_iter().flatten() {
        results[i] = Some(TenantResult {
            target: targets[i].clone(),
            rows,
            error,
        });
    }
    let tenants = results
        .into_iter()
        .zip(targets)
        .map(|(r, t)| {
            r.unwrap_or(TenantResult {
                target: t,
                rows: Vec::new(),
                error: Some(TenantError {
                    message: "not run".into(),
                    sqlstate: None,
                    timed_out: false,
                }),
            })
        })
        .collect();
    Ok(QueryRun {
        columns,
        tenants,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ProvisionStatus;

    #[test]
    fn normalizing_strips_blanks_and_trailing_semicolons() {
        assert_eq!(normalize("  select 1 ;\n ;; \n").unwrap(), "select 1");
        assert_eq!(normalize("select 1 -- c").unwrap(), "select 1 -- c");
        assert!(normalize(" ; ").is_err());
        assert!(wrap("select 1 -- c").contains("-- c\n) q"));
    }

    #[test]
    fn first_keywords_skip_comments() {
        assert_eq!(first_keyword("  insert into x"), "INSERT");
        assert_eq!(
            first_keyword("-- a\n/* b /* nested */ c */ Update t"),
            "UPDATE"
        );
        assert_eq!(first_keyword("(select 1)"), "");
        assert_eq!(first_keyword("with x as (select 1) select"), "WITH");
        assert_eq!(first_keyword("-- only a comment"), "");
    }

    fn platform(id: i64, name: &str, status: ProvisionStatus, external: bool) -> Platform {
        Platform {
            external,
            subdomain: Some(name.to_lowercase()),
            provision_status: status,
            ..Platform::detached(
                id,
                name,
                (!external).then(|| format!("tenant_{}", name.to_lowercase()).as_str().into()),
            )
        }
    }

    #[test]
    fn targets_are_completed_schemas_by_name_minus_excluded() {
        use ProvisionStatus::*;
        let ps = vec![
            platform(1, "Zeta", Completed, false),
            platform(2, "alpha", Completed, false),
            platform(3, "Pend", Pending, false),
            platform(4, "Ext", Completed, true),
            platform(5, "Beta", Completed, false),
        ];
        let names = |(t, bad): (Vec<Target>, Vec<InvalidPlatform>)| {
            assert!(bad.is_empty());
            t.into_iter().map(|t| t.name).collect::<Vec<_>>()
        };
        let sel = |only: Option<Vec<i64>>, exclude: Vec<i64>| Selection { only, exclude };
        assert_eq!(
            names(select_targets(&ps, &sel(None, vec![])).unwrap()),
            ["alpha", "Beta", "Zeta"]
        );
        assert_eq!(
            names(select_targets(&ps, &sel(None, vec![1, 2])).unwrap()),
            ["Beta"]
        );
        assert_eq!(
            names(select_targets(&ps, &sel(Some(vec![1, 3, 4]), vec![])).unwrap()),
            ["Zeta"]
        );

        // A row edited by hand to a bad schema name is set apart, not an error for the run.
        let mut ps = ps;
        ps[0].schema_name = Some("public".into());
        let (t, bad) = select_targets(&ps, &sel(None, vec![])).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].platform, "Zeta");
        assert_eq!(bad[0].error, "invalid schema name `public`: is reserved");
    }

    #[test]
    fn batches_set_each_tenant_alone_read_only() {
        let targets = vec![
            Target {
                platform_id: 1,
                name: "a".into(),
                schema: SchemaName::parse("tenant_a").unwrap(),
                likely_current: true,
                recorded_version: None,
            },
            Target {
                platform_id: 2,
                name: "b".into(),
                schema: SchemaName::parse("tenant_b").unwrap(),
                likely_current: true,
                recorded_version: None,
            },
        ];
        let opts = Options {
            timeout: Duration::from_secs(30),
            jobs: 1,
            batch_size: 10,
            extension_schema: None,
        };
        let sql = batch_sql(&targets, &[1, 0], &wrap("select 1"), &opts);
        assert_eq!(
            sql.matches(';').count(),
            2 * STMTS_PER_TENANT,
            "five statements per tenant:\n{sql}"
        );
        let b = sql.find("\"tenant_b\"").unwrap();
        let a = sql.find("\"tenant_a\"").unwrap();
        assert!(b < a);
        assert!(sql.starts_with("BEGIN READ ONLY;\nSET LOCAL statement_timeout = 30000;\nSET LOCAL search_path TO \"tenant_b\";\n"));
        assert!(sql.ends_with("ROLLBACK;\n"));
    }
}
