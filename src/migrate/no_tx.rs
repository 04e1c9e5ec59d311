//! Tenant migrations marked `-- no-transaction` (sqlx's marker, the file's first line): for
//! statements that cannot run in a transaction, above all `CREATE INDEX CONCURRENTLY`
//! (issue 15.2).
//!
//! This module holds the rules for such a file's text and the cleanup after a failed one; the
//! one-schema runner runs it ([`super::runner::run_no_transaction`]): per tenant on a
//! connection of its own, outside any transaction, holding the platform's advisory lock, with
//! the tenant's schema alone on the search_path and the run's `lock_timeout`. Its file is
//! split into statements ([`statements::split`], as psql splits a file) and each is sent alone: several in one query string would
//! form an implicit transaction, which `CONCURRENTLY` refuses. When all succeeded, one short
//! transaction writes the tracking row and the status row.
//!
//! Not atomic: when a statement fails, those before it stay done. A failed `CREATE INDEX
//! CONCURRENTLY` (a duplicate under a unique index, a lock timeout) leaves an INVALID index
//! behind that would still slow every write and, with `IF NOT EXISTS`, hide the failure from
//! the next run: indexes of the schema that turned invalid during the migration are dropped
//! (`DROP INDEX CONCURRENTLY`) and named in the error. The tenant is then marked failed at the
//! version before; the next `migrate` runs the whole file again, so its statements should be
//! safe to repeat (`IF NOT EXISTS`). A run killed mid-build leaves its INVALID index with
//! nobody to drop it: the next run drops the INVALID indexes the migration creates (by name)
//! before it starts, and never records the version while one of them is INVALID.

use crate::db::statements::{self, SplitError};
use crate::db::{Ident, SchemaName};
use sqlx::{AssertSqlSafe, PgConnection};

/// The statements of a `-- no-transaction` migration for a schema created in the caller's
/// transaction (provisioning, the warm pool): nobody can see its tables before the commit, so
/// `CONCURRENTLY` buys nothing there and is taken out of `CREATE [UNIQUE] INDEX` and `DROP
/// INDEX`, which then run in the transaction like any other statement. Anything else that
/// cannot run in a transaction fails the provisioning with PostgreSQL's own message.
///
/// Statements come from [`statements::split`]; the keywords are PostgreSQL tokens (unquoted words),
/// so a quoted `"concurrently"` or one in a comment stays.
pub fn in_new_schema(sql: &str) -> Result<Vec<String>, SplitError> {
    let mut out = Vec::new();
    for statement in statements::split(sql)? {
        let tokens = statements::tokens(&statement)?;
        let words: Vec<_> = tokens.iter().filter(|t| !t.is_trivia()).take(4).collect();
        let is = |i: usize, word: &str| words.get(i).is_some_and(|t| t.is_word(&statement, word));
        let concurrently =
            if (is(0, "create") || is(0, "drop")) && is(1, "index") && is(2, "concurrently") {
                Some(words[2])
            } else if is(0, "create") && is(1, "unique") && is(2, "index") && is(3, "concurrently")
            {
                Some(words[3])
            } else {
                None
            };
        out.push(match concurrently {
            Some(t) => format!("{}{}", &statement[..t.start], &statement[t.end..]),
            None => statement,
        });
    }
    Ok(out)
}

/// The indexes `statements` create by name in the schema on the search_path (`CREATE [UNIQUE]
/// INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON table`, the table unqualified), as PostgreSQL
/// folds the names. A statement the parser refuses names none.
pub fn created_indexes(statements: &[String]) -> Vec<String> {
    use pg_query::NodeEnum;
    let mut out = Vec::new();
    for statement in statements {
        let Ok(parsed) = pg_query::parse(statement, 0) else {
            continue;
        };
        for raw in &parsed.protobuf.stmts {
            let Some(NodeEnum::IndexStmt(index)) = raw.stmt.as_ref().and_then(|n| n.node.as_ref())
            else {
                continue;
            };
            let unqualified = index
                .relation
                .as_ref()
                .is_some_and(|r| r.schemaname.is_empty());
            if unqualified && !index.idxname.is_empty() && !out.contains(&index.idxname) {
                out.push(index.idxname.clone());
            }
        }
    }
    out
}

/// Before a `-- no-transaction` migration runs again: drop the INVALID indexes of `schema`
/// among those it creates (`names`, see [`created_indexes`]), left by an earlier attempt that
/// was killed mid-build (`kill -9`, a lost connection: nothing ran to drop them). Its `CREATE
/// INDEX CONCURRENTLY IF NOT EXISTS` would otherwise skip the broken index and the version be
/// recorded over it, and without `IF NOT EXISTS` every rerun would fail "already exists"
/// (issue 27.14). Returns their names.
pub(super) async fn drop_invalid_named(
    conn: &mut PgConnection,
    schema: &SchemaName,
    names: &[String],
) -> Result<Vec<String>, String> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let invalid = invalid_indexes(&mut *conn, schema)
        .await
        .map_err(|e| crate::error::describe(&e))?;
    let mut dropped = Vec::new();
    for name in invalid.into_iter().filter(|n| names.contains(n)) {
        drop_index(&mut *conn, schema, &name).await?;
        tracing::warn!(schema = %schema, index = %name, "dropped an invalid index an interrupted run of this migration left; building it again");
        dropped.push(name);
    }
    Ok(dropped)
}

/// `DROP INDEX CONCURRENTLY IF EXISTS` `schema`.`name`.
async fn drop_index(
    conn: &mut PgConnection,
    schema: &SchemaName,
    name: &str,
) -> Result<(), String> {
    let ident = Ident::parse(name).map_err(|e| e.to_string())?;
    // language=PostgreSQL
    let sql = format!(
        "DROP INDEX CONCURRENTLY IF EXISTS {}",
        schema.qualify(&ident)
    );
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await
        .map_err(|e| format!("{name}: {}", crate::error::describe(&e)))?;
    Ok(())
}

/// Indexes of `schema` that are not valid (a `CREATE INDEX CONCURRENTLY` that failed).
pub(super) async fn invalid_indexes(
    conn: &mut PgConnection,
    schema: &SchemaName,
) -> sqlx::Result<Vec<String>> {
    // language=PostgreSQL
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND NOT i.indisvalid ORDER BY 1",
    )
    .bind(schema.as_str())
    .fetch_all(conn)
    .await
}

/// Drop the indexes of `schema` that are invalid now and were not before; their names.
pub(super) async fn drop_new_invalid(
    conn: &mut PgConnection,
    schema: &SchemaName,
    before: &[String],
) -> Result<Vec<String>, String> {
    let now = invalid_indexes(&mut *conn, schema)
        .await
        .map_err(|e| crate::error::describe(&e))?;
    let mut dropped = Vec::new();
    for name in now.into_iter().filter(|n| !before.contains(n)) {
        drop_index(&mut *conn, schema, &name).await?;
        tracing::warn!(schema = %schema, index = %name, "dropped an invalid index a failed no-transaction migration left");
        dropped.push(name);
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_strings_bodies_and_atomic_blocks_whole() {
        use crate::db::statements::split;
        let sql = "-- no-transaction\n\
            CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON posts (title);\n\
            -- a comment; with a semicolon\n\
            UPDATE posts SET title = 'a;b' WHERE body = $$x;y$$;\n\
            CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n\
            DO $body$ BEGIN PERFORM 1; END $body$";
        let s = split(sql).unwrap();
        assert_eq!(s.len(), 4, "{s:#?}");
        assert!(s[0].ends_with("ON posts (title)"), "{s:#?}");
        assert!(s[1].contains("'a;b'") && s[1].contains("$$x;y$$"), "{s:#?}");
        assert!(s[2].contains("SELECT 1; SELECT 2; END"), "{s:#?}");
        assert!(s[3].starts_with("DO $body$"), "{s:#?}");
        // Quoted identifiers, E'' strings, block comments, no final semicolon, non-ASCII.
        let s = split("CREATE INDEX \"a;b\" ON t (x); /* c; d */ SELECT E'\\';', 'é;' ;\nSELECT 1")
            .unwrap();
        assert_eq!(
            s,
            vec![
                "CREATE INDEX \"a;b\" ON t (x)",
                "SELECT E'\\';', 'é;'",
                "SELECT 1"
            ]
        );
        let e = split("SELECT 'unterminated;").unwrap_err();
        assert!(e.reason().contains("unterminated quoted string"), "{e}");
        assert_eq!(
            in_new_schema(
                "-- no-transaction\ncreate unique index\n  concurrently if not exists k ON posts (title);\n\
                 DROP INDEX CONCURRENTLY IF EXISTS j; CREATE INDEX \"concurrently\" ON t (x); VACUUM t"
            )
            .unwrap(),
            vec![
                "create unique index\n   if not exists k ON posts (title)",
                "DROP INDEX  IF EXISTS j",
                "CREATE INDEX \"concurrently\" ON t (x)",
                "VACUUM t",
            ]
        );
        assert_eq!(split("-- nothing\n;;").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn created_indexes_are_the_named_ones_on_tables_of_the_schema() {
        let statements: Vec<String> = [
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS Posts_Title_Idx ON posts (title)",
            "create unique index concurrently \"Slug Key\" on posts (slug)",
            "CREATE INDEX ON posts (body)",
            "CREATE INDEX elsewhere_idx ON public.posts (body)",
            "DROP INDEX CONCURRENTLY IF EXISTS old_idx",
            "CREATE INDEX CONCURRENTLY posts_title_idx ON posts (title)",
            "not sql at all",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            created_indexes(&statements),
            vec!["posts_title_idx", "Slug Key"]
        );
    }
}
