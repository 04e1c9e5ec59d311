//! The tenant read queries over the sample tenant schema, and how they are sent ([`Stmts`]:
//! named per tenant and generation, or the unnamed statement). Every query is unqualified: it
//! reads whatever schema the request transaction's `search_path` names, so the benchmark floor
//! (`/_bench/fixed/...`) runs the very same code on a pool whose schema is fixed.
//!
//! Owns SQL and rows, no handler. May import the library alone; api and state import it.

use crate::db::SchemaName;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, PgConnection};

/// How many distinct queries the API sends per tenant (for the per-tenant statement budget).
pub const QUERIES: usize = 2;

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
