//! The tenant read API over the sample tenant schema, so isolation is visible from outside:
//! `GET /api/communities` and `GET /api/posts?limit=N`. Every query is unqualified and runs in
//! a request transaction whose `search_path` is the tenant's schema alone (set
//! transaction-locally, see [`super::slots::SlotTx`]): a missing table fails loudly and
//! never falls through to `public` or another tenant.
//!
//! The queries take a connection, so the benchmark floor (`/_bench/fixed/...`) runs the very
//! same code on a pool whose schema is fixed.

use super::app::{App, error};
use super::request_tx::RequestTx;
use super::resolve::Tenant;
use super::slots::SlotTx;
use crate::db::SchemaName;
use crate::error::Error;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, PgConnection};
use std::sync::Arc;
use tracing::error;

/// How many distinct queries the API sends per tenant (for the per-tenant statement budget).
pub const QUERIES: usize = 2;

/// The most posts one request returns.
pub const MAX_LIMIT: i64 = 100;
pub const DEFAULT_LIMIT: i64 = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Community {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub visibility: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Post {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub body: String,
    pub pinned: bool,
    pub comments_count: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Communities {
    pub communities: Vec<Community>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Posts {
    pub posts: Vec<Post>,
}

/// How request queries are sent (see `serve.statement_cache`).
#[derive(Debug, Clone, Copy)]
pub struct Stmts<'a> {
    /// Named prepared statements, cached per connection; otherwise the unnamed statement.
    pub persistent: bool,
    /// Per-tenant statement text (a comment naming the schema), so each tenant keeps its own
    /// cached plan on a connection. One text for all tenants would be re-planned every time a
    /// connection moves to another tenant: PostgreSQL invalidates a cached plan whose
    /// `search_path` differs from the one it was planned under.
    pub tag: Option<&'a SchemaName>,
    /// The statements' generation (see [`super::plans`]): a schema change gives them a new
    /// text, so every connection prepares them afresh instead of meeting a stale plan.
    pub generation: u64,
}

impl Stmts<'_> {
    fn sql(&self, text: &'static str) -> AssertSqlSafe<String> {
        let g = self.generation;
        match self.tag {
            // The schema reaches SQL text only as `SchemaName::sql()`, here inside a comment.
            Some(s) if self.persistent && g == 0 => {
                AssertSqlSafe(format!("/* {} */ {text}", s.sql()))
            }
            Some(s) if self.persistent => AssertSqlSafe(format!("/* {} g{g} */ {text}", s.sql())),
            None if self.persistent && g > 0 => AssertSqlSafe(format!("/* g{g} */ {text}")),
            _ => AssertSqlSafe(text.to_string()),
        }
    }
}

/// Active communities, oldest first.
pub async fn list_communities(
    conn: &mut PgConnection,
    st: Stmts<'_>,
) -> sqlx::Result<Vec<Community>> {
    // language=PostgreSQL
    sqlx::query_as(st.sql(
        "SELECT id, slug, name, description, visibility, created_at FROM communities \
         WHERE archived_at IS NULL ORDER BY id LIMIT 1000",
    ))
    .persistent(st.persistent)
    .fetch_all(conn)
    .await
}

/// Published posts, newest first.
pub async fn list_posts(
    conn: &mut PgConnection,
    limit: i64,
    st: Stmts<'_>,
) -> sqlx::Result<Vec<Post>> {
    // language=PostgreSQL
    sqlx::query_as(st.sql(
        "SELECT id, community_id, title, body, pinned, comments_count, published_at, created_at \
         FROM posts WHERE status = 'published' ORDER BY created_at DESC, id DESC LIMIT $1",
    ))
    .bind(limit)
    .persistent(st.persistent)
    .fetch_all(conn)
    .await
}

/// A database failure as the client sees it. A tenant whose schema (or a table of it) is gone
/// — deleted or being rebuilt while the request ran — is 503, never another schema's rows.
pub fn db_failure(e: &sqlx::Error) -> Response {
    let code = crate::error::sqlstate(e);
    match code.as_deref() {
        Some("42P01" | "3F000") => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "this platform's data is not available right now",
        ),
        _ if crate::error::is_connection_error(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database is not reachable",
        ),
        // A closed gate (maintenance, restore) or a migration's lock on the tenant's tables.
        Some(crate::db::LOCK_NOT_AVAILABLE) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "this platform is being worked on; try again shortly",
        ),
        Some("57014" | "40001" | "40P01") => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database is busy; try again",
        ),
        _ => {
            error!(error = %e, "request failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the request failed",
            )
        }
    }
}

/// A crate error from request work, as a response.
pub fn failure(e: &Error) -> Response {
    match e {
        Error::Db(db) => db_failure(db),
        Error::Hinted { source, .. } => failure(source),
        other => {
            error!(error = %other, "request failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the request failed",
            )
        }
    }
}

/// Run `work` in a request transaction of `tenant`: search_path set, gate entered, committed.
/// A statement that meets a stale plan (a migration, rollback or restore changed a result type
/// since this connection prepared it, and serve has not heard of it yet) moves the tenant's
/// statements to a new generation and the request is tried once more, on fresh statements; a
/// shared statement prepared for a tenant of another shape sets this tenant apart (see
/// [`super::plans`]), and the retry uses statements of its own.
async fn in_tenant(app: &App, tenant: &Tenant, read: Read) -> Response {
    let mut retried = false;
    loop {
        let st = app.stmts(Some(&tenant.schema));
        let tx = SlotTx::begin(
            &app.requests,
            &tenant.schema,
            app.extension_schema.as_ref(),
            app.lock_timeout_set,
        )
        .await;
        let mut tx = match tx {
            Ok(tx) => tx,
            Err(e) => return failure(&e),
        };
        let out = match read.run(tx.conn(), st).await {
            Ok(out) => out,
            Err(e) => {
                let _ = tx.rollback().await;
                if !retried
                    && st.persistent
                    && crate::error::sqlstate(&e).as_deref() == Some(super::plans::STALE_PLAN)
                {
                    tracing::info!(schema = %tenant.schema, error = %e, "stale statement; retrying on a fresh one");
                    match st.tag {
                        // Shared, and prepared for a tenant of another shape.
                        None => app.resolver.plans.set_apart(&tenant.schema, st.generation),
                        Some(_) => app.resolver.plans.bump_from(st.tag, st.generation),
                    }
                    retried = true;
                    continue;
                }
                return db_failure(&e);
            }
        };
        if let Err(e) = tx.commit().await {
            return failure(&e);
        }
        return out;
    }
}

/// What a tenant request reads.
#[derive(Debug, Clone, Copy)]
enum Read {
    Communities,
    Posts { limit: i64 },
}

impl Read {
    async fn run(self, c: &mut PgConnection, st: Stmts<'_>) -> sqlx::Result<Response> {
        Ok(match self {
            Read::Communities => Json(Communities {
                communities: list_communities(c, st).await?,
            })
            .into_response(),
            Read::Posts { limit } => Json(Posts {
                posts: list_posts(c, limit, st).await?,
            })
            .into_response(),
        })
    }
}

/// The benchmark floor: the same work on the fixed-schema pool, in a plain transaction.
async fn in_fixed<T, F>(app: &App, work: F) -> Response
where
    T: Serialize,
    F: for<'c> AsyncFnOnce(&'c mut PgConnection) -> sqlx::Result<T>,
{
    let Some(fixed) = &app.fixed else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such route");
    };
    match RequestTx::begin_plain(&fixed.pool).await {
        Ok(tx) => finish(tx, work).await,
        Err(e) => failure(&e),
    }
}

async fn finish<T, F>(mut tx: RequestTx, work: F) -> Response
where
    T: Serialize,
    F: for<'c> AsyncFnOnce(&'c mut PgConnection) -> sqlx::Result<T>,
{
    let out = match work(tx.conn()).await {
        Ok(out) => out,
        Err(e) => {
            let _ = tx.rollback().await;
            return db_failure(&e);
        }
    };
    if let Err(e) = tx.commit().await {
        return failure(&e);
    }
    Json(out).into_response()
}

#[derive(Debug, Deserialize)]
pub struct PostsQuery {
    pub limit: Option<String>,
}

/// `limit`: 1 to 100, default 20.
pub fn parse_limit(raw: Option<&str>) -> Result<i64, String> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(format!(
                "`limit` must be a whole number from 1 to {MAX_LIMIT}"
            )),
        },
    }
}

fn limit_of(q: Result<Query<PostsQuery>, QueryRejection>) -> Result<i64, String> {
    match q {
        Ok(q) => parse_limit(q.limit.as_deref()),
        Err(e) => Err(format!("malformed query string: {e}")),
    }
}

pub async fn communities(
    State(app): State<Arc<App>>,
    axum::Extension(tenant): axum::Extension<Arc<Tenant>>,
) -> Response {
    in_tenant(&app, &tenant, Read::Communities).await
}

pub async fn posts(
    State(app): State<Arc<App>>,
    axum::Extension(tenant): axum::Extension<Arc<Tenant>>,
    q: Result<Query<PostsQuery>, QueryRejection>,
) -> Response {
    let limit = match limit_of(q) {
        Ok(l) => l,
        Err(m) => return error(StatusCode::BAD_REQUEST, "bad_request", m),
    };
    in_tenant(&app, &tenant, Read::Posts { limit }).await
}

pub async fn fixed_communities(State(app): State<Arc<App>>) -> Response {
    let st = app.stmts(None);
    in_fixed(&app, async move |c: &mut PgConnection| {
        Ok(Communities {
            communities: list_communities(c, st).await?,
        })
    })
    .await
}

/// The floor without its transaction: what the single query costs alone (benchmark
/// information only).
pub async fn fixed_bare_communities(State(app): State<Arc<App>>) -> Response {
    let Some(fixed) = &app.fixed else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such route");
    };
    let mut conn = match fixed.pool.acquire().await {
        Ok(c) => c,
        Err(e) => return db_failure(&e),
    };
    match list_communities(&mut conn, app.stmts(None)).await {
        Ok(rows) => Json(Communities { communities: rows }).into_response(),
        Err(e) => db_failure(&e),
    }
}

pub async fn fixed_posts(
    State(app): State<Arc<App>>,
    q: Result<Query<PostsQuery>, QueryRejection>,
) -> Response {
    let limit = match limit_of(q) {
        Ok(l) => l,
        Err(m) => return error(StatusCode::BAD_REQUEST, "bad_request", m),
    };
    let st = app.stmts(None);
    in_fixed(&app, async move |c: &mut PgConnection| {
        Ok(Posts {
            posts: list_posts(c, limit, st).await?,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None), Ok(20));
        assert_eq!(parse_limit(Some("1")), Ok(1));
        assert_eq!(parse_limit(Some("100")), Ok(100));
        for bad in ["0", "101", "-1", "ten", "", "1.5", "99999999999999999999"] {
            assert!(parse_limit(Some(bad)).is_err(), "{bad}");
        }
    }
}
