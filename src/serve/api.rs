//! The tenant read API over the sample tenant schema, so isolation is visible from outside:
//! `GET /api/communities` and `GET /api/posts?limit=N`. Every query ([`super::queries`]) is
//! unqualified and runs in a request transaction whose `search_path` is the tenant's schema
//! alone (set transaction-locally, see [`super::slots::SlotTx`]): a missing table fails loudly
//! and never falls through to `public` or another tenant. The benchmark floor
//! (`/_bench/fixed/...`) runs the same queries on a pool whose schema is fixed.
//!
//! Handlers only: the router routes them. May import state, reply, queries, request_tx, slots,
//! resolve and plans, and the library.

use super::queries::{Communities, Posts, Stmts, list_communities, list_posts};
use super::reply::{db_failure, error, failure};
use super::request_tx::RequestTx;
use super::resolve::Tenant;
use super::slots::SlotTx;
use super::state::App;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use std::sync::Arc;

/// The most posts one request returns.
pub const MAX_LIMIT: i64 = 100;
pub const DEFAULT_LIMIT: i64 = 20;

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
                    tracing::info!(schema = %tenant.schema, error = %crate::error::Shown(&e), "stale statement; retrying on a fresh one");
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
