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
//! safe to repeat (`IF NOT EXISTS`).

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
        let ident = Ident::parse(&name).map_err(|e| e.to_string())?;
        // language=PostgreSQL
        let sql = format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}",
            schema.qualify(&ident)
        );
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await
            .map_err(|e| format!("{name}: {}", crate::error::describe(&e)))?;
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
}
