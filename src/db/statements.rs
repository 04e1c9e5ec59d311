//! Sending a file of SQL (a tenant migration, a seed, a restore script) to the server: as one
//! multi-statement query, or one statement per query.
//!
//! One query string is the fast path on plain PostgreSQL (one round trip). Citus cannot take it
//! for some DDL on distributed tables: it relays the whole query string of `CREATE INDEX`,
//! `CREATE TRIGGER`, `ADD CONSTRAINT ... UNIQUE` to the workers, which refuse several commands
//! in one prepared statement (citusdata/citus#6608). With Citus ([`super::citus::present`])
//! each statement goes alone, in the caller's transaction, so a failure still rolls the
//! whole tenant back.
//!
//! Statements are split by PostgreSQL's own parser (libpg_query, through the `pg_query`
//! crate): dollar quotes, comments, `E'...'` strings, `BEGIN ATOMIC ... END` bodies and
//! `COPY` statements end where the server would end them. A file the parser refuses (a syntax
//! error, or syntax newer than its grammar) is split by PostgreSQL's scanner instead, so the
//! server reports the error for the statement that has it.

use sqlx::{AssertSqlSafe, PgConnection};

/// How a file of SQL is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One query string (the fast path on plain PostgreSQL).
    Whole,
    /// One query per statement (needed on Citus).
    PerStatement,
}

/// The mode for this process: per statement on Citus, or when
/// `TENANTCTL_ONE_STATEMENT_PER_QUERY=1` (for benchmarks comparing the two on plain
/// PostgreSQL); otherwise whole.
pub fn mode() -> Mode {
    if super::citus::present() || forced() {
        Mode::PerStatement
    } else {
        Mode::Whole
    }
}

fn forced() -> bool {
    static FORCED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FORCED.get_or_init(|| {
        std::env::var("TENANTCTL_ONE_STATEMENT_PER_QUERY").is_ok_and(|v| v == "1" || v == "true")
    })
}

/// Why a file could not be split into statements.
#[derive(Debug, thiserror::Error)]
#[error("cannot split the SQL into statements: {0}")]
pub struct SplitError(String);

impl SplitError {
    pub(crate) fn new(reason: String) -> Self {
        SplitError(reason)
    }

    /// Why, without the "cannot split" prefix.
    pub fn reason(&self) -> &str {
        &self.0
    }
}

/// The statements of `sql`, in order, each as written (without its `;`); empty statements and
/// comments between statements are dropped.
pub fn split(sql: &str) -> Result<Vec<String>, SplitError> {
    let (parts, scanned) = match pg_query::split_with_parser(sql) {
        Ok(parts) => (parts, false),
        Err(_) => (split_by_scanner(sql)?, true),
    };
    Ok(parts
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .filter(|s| !scanned || !only_comments(s))
        .map(str::to_string)
        .collect())
}

/// Split at every `;` token of PostgreSQL's scanner (outside strings, quoted identifiers,
/// dollar quotes and comments), dropping nothing. For files the parser refuses: the server
/// then reports the error. (Not libpg_query's `split_with_scanner`, which silently drops a
/// statement that does not start with a keyword, such as a misspelt one.)
fn split_by_scanner(sql: &str) -> Result<Vec<&str>, SplitError> {
    let scanned = pg_query::scan(sql).map_err(|e| SplitError(e.to_string()))?;
    let mut out = Vec::new();
    let mut start = 0usize;
    for t in &scanned.tokens {
        if t.token == i32::from(b';') {
            let (at, end) = (t.start as usize, t.end as usize);
            out.push(
                sql.get(start..at)
                    .ok_or_else(|| SplitError("bad token offset".into()))?,
            );
            start = end;
        }
    }
    out.push(&sql[start.min(sql.len())..]);
    Ok(out)
}

/// Whether `s` holds nothing but comments and whitespace (what the scanner's split leaves
/// after the last `;` of a file that ends in a comment).
fn only_comments(s: &str) -> bool {
    use pg_query::protobuf::Token;
    pg_query::scan(s).is_ok_and(|r| {
        r.tokens
            .iter()
            .all(|t| t.token == Token::SqlComment as i32 || t.token == Token::CComment as i32)
    })
}

/// Run `sql` on `conn` (in the caller's transaction) the way [`mode`] says.
pub async fn execute(conn: &mut PgConnection, sql: &str) -> Result<(), sqlx::Error> {
    execute_as(conn, sql, mode()).await
}

/// Run `sql` on `conn` in the given mode.
pub async fn execute_as(conn: &mut PgConnection, sql: &str, mode: Mode) -> Result<(), sqlx::Error> {
    match mode {
        Mode::Whole => {
            sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                .execute(&mut *conn)
                .await?;
        }
        Mode::PerStatement => {
            let statements = split(sql).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
            // Triggers on distributed tables (see `citus`): the file may create some, or fire
            // some; transaction-local, like everything tenantctl sets.
            super::citus::tenant_writes(conn).await?;
            for statement in statements {
                sqlx::raw_sql(AssertSqlSafe(statement))
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(sql: &str) -> Vec<String> {
        split(sql).unwrap()
    }

    #[test]
    fn splits_on_semicolons_between_statements() {
        assert_eq!(
            s("CREATE TABLE a (id int);\nCREATE INDEX ON a (id);\n"),
            vec!["CREATE TABLE a (id int)", "CREATE INDEX ON a (id)"]
        );
        // The last statement needs no semicolon.
        assert_eq!(s("SELECT 1; SELECT 2"), vec!["SELECT 1", "SELECT 2"]);
        assert!(s("").is_empty());
        assert!(s(" ;; ").is_empty());
    }

    #[test]
    fn keeps_semicolons_inside_strings_identifiers_and_comments() {
        assert_eq!(
            s("INSERT INTO t VALUES ('a;b', E'c\\';d'); SELECT \"x;y\" FROM t"),
            vec![
                "INSERT INTO t VALUES ('a;b', E'c\\';d')",
                "SELECT \"x;y\" FROM t"
            ]
        );
        let out =
            s("-- a comment; with a semicolon\nSELECT 1 /* ; */ + 1;\n-- trailing ; comment\n");
        assert_eq!(out.len(), 1);
        assert!(out[0].ends_with("SELECT 1 /* ; */ + 1"), "{out:?}");
    }

    #[test]
    fn keeps_dollar_quoted_bodies_whole() {
        let f = "CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $body$\n\
                 BEGIN\n  UPDATE posts SET n = n + 1; RETURN NEW;\nEND\n$body$";
        let t = "CREATE TRIGGER t AFTER INSERT ON comments FOR EACH ROW EXECUTE FUNCTION bump()";
        let d = "DO $$ BEGIN PERFORM 1; END $$";
        assert_eq!(s(&format!("{f};\n{t};\n{d};")), vec![f, t, d]);
    }

    #[test]
    fn keeps_begin_atomic_bodies_whole() {
        let f = "CREATE FUNCTION two() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN true THEN 2 END;\nEND";
        assert_eq!(s(&format!("{f};\nSELECT two();")), vec![f, "SELECT two()"]);
    }

    #[test]
    fn copy_statements_are_statements() {
        assert_eq!(
            s("COPY t (a) TO STDOUT; COPY (SELECT ';') TO STDOUT WITH (FORMAT csv)"),
            vec![
                "COPY t (a) TO STDOUT",
                "COPY (SELECT ';') TO STDOUT WITH (FORMAT csv)"
            ]
        );
    }

    #[test]
    fn a_file_ending_in_a_comment_has_no_extra_statement() {
        assert_eq!(s("SELECT 1; -- done\n"), vec!["SELECT 1"]);
        // Also when the scanner splits (the parser refuses the file).
        assert_eq!(s("SELEC 1; /* done */ -- really\n"), vec!["SELEC 1"]);
    }

    #[test]
    fn a_syntax_error_is_left_for_the_server_to_report() {
        // The parser refuses the second statement; the scanner still splits, so the server
        // names the statement that is wrong.
        assert_eq!(
            s("SELECT 1; SELEC 'x;y'; SELECT 3"),
            vec!["SELECT 1", "SELEC 'x;y'", "SELECT 3"]
        );
    }
}
