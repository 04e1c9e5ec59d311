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
//! Statements are split the way `psql` splits a file it runs: by a lexer of PostgreSQL's
//! tokens (the `squawk-lexer` crate, pure Rust), at each `;` outside strings, quoted names,
//! dollar quotes, comments (nested too) and parentheses, and not inside the `BEGIN ... END` body
//! of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (SQL-standard bodies, `BEGIN ATOMIC`), which
//! psql recognises by the same rule (`psqlscan.l`: BEGIN and, inside it, CASE open; END closes).
//! A file psql runs statement by statement is split into the same statements here. Nothing is
//! parsed beyond that: a syntax error stays in its statement, and the server reports it.
//! (An earlier version split with PostgreSQL's own parser through the `pg_query` crate; a split
//! needs only the lexer, issue 28. The parser stays where a statement's meaning matters:
//! `backup::contents`, which reads what a restore archive would run, and the names of the
//! indexes a `-- no-transaction` migration creates, `migrate::no_tx::created_indexes`.)

use sqlx::{AssertSqlSafe, PgConnection};
use squawk_lexer::TokenKind;

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
    /// Why, without the "cannot split" prefix.
    pub fn reason(&self) -> &str {
        &self.0
    }
}

/// The statements of `sql`, in order, each from its first token to its last (without its
/// `;`, without comments before or after it); empty statements and comments between
/// statements are dropped. An unterminated string, quoted name, dollar quote or comment is an
/// error (the server would refuse the file too).
pub fn split(sql: &str) -> Result<Vec<String>, SplitError> {
    let mut out = Vec::new();
    let mut stmt = Statement::default();
    for t in tokens(sql)? {
        if t.kind == TokenKind::Semi && stmt.paren_depth == 0 && stmt.begin_depth == 0 {
            out.extend(stmt.take(sql));
            continue;
        }
        if t.is_trivia() {
            continue;
        }
        stmt.see(&t, sql);
    }
    out.extend(stmt.take(sql));
    Ok(out)
}

/// One token of a SQL text: its kind and where it is (byte offsets).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// Whitespace or a comment: nothing the server reads.
    pub fn is_trivia(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. }
        )
    }

    /// Whether this is the unquoted word `word` (a keyword or a plain identifier), which
    /// PostgreSQL compares regardless of case.
    pub fn is_word(&self, sql: &str, word: &str) -> bool {
        self.kind == TokenKind::Ident && sql[self.start..self.end].eq_ignore_ascii_case(word)
    }
}

/// The tokens of `sql`, or why it cannot be split: PostgreSQL's own words for an unterminated
/// token, and where it starts.
pub(crate) fn tokens(sql: &str) -> Result<Vec<Token>, SplitError> {
    use squawk_lexer::LiteralKind as L;
    let mut out = Vec::new();
    let mut start = 0usize;
    for t in squawk_lexer::tokenize(sql) {
        let end = start + t.len as usize;
        let unterminated = match t.kind {
            TokenKind::Literal {
                kind:
                    L::Str { terminated }
                    | L::NationalStr { terminated }
                    | L::ByteStr { terminated }
                    | L::BitStr { terminated }
                    | L::UnicodeEscStr { terminated }
                    | L::EscStr { terminated },
            } if !terminated => Some("unterminated quoted string"),
            TokenKind::Literal {
                kind: L::DollarQuotedString { terminated: false },
            } => Some("unterminated dollar-quoted string"),
            TokenKind::QuotedIdent {
                terminated: false, ..
            } => Some("unterminated quoted identifier"),
            TokenKind::BlockComment { terminated: false } => Some("unterminated /* comment"),
            _ => None,
        };
        if let Some(what) = unterminated {
            let line = sql[..start].matches('\n').count() + 1;
            return Err(SplitError(format!("{what} at line {line} of the SQL")));
        }
        out.push(Token {
            kind: t.kind,
            start,
            end,
        });
        start = end;
    }
    Ok(out)
}

/// The statement being read, with psql's rule for where it may end.
#[derive(Debug, Default)]
struct Statement {
    /// Byte range from its first token to the end of its last.
    span: Option<(usize, usize)>,
    /// Whether its first words are `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
    routine: Routine,
    paren_depth: usize,
    begin_depth: usize,
}

/// How far the start of a statement matches `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Routine {
    #[default]
    Start,
    Create,
    CreateOr,
    CreateOrReplace,
    Yes,
    No,
}

impl Statement {
    fn see(&mut self, t: &Token, sql: &str) {
        self.span = Some((self.span.map_or(t.start, |s| s.0), t.end));
        match t.kind {
            TokenKind::OpenParen => self.paren_depth += 1,
            TokenKind::CloseParen => self.paren_depth = self.paren_depth.saturating_sub(1),
            TokenKind::Ident => {
                let w = |word| t.is_word(sql, word);
                self.routine = match self.routine {
                    Routine::Start if w("create") => Routine::Create,
                    Routine::Create if w("or") => Routine::CreateOr,
                    Routine::CreateOr if w("replace") => Routine::CreateOrReplace,
                    Routine::Create | Routine::CreateOrReplace
                        if w("function") || w("procedure") =>
                    {
                        Routine::Yes
                    }
                    Routine::Yes => Routine::Yes,
                    _ => Routine::No,
                };
                if self.routine == Routine::Yes && self.paren_depth == 0 {
                    if w("begin") {
                        self.begin_depth += 1;
                    } else if w("case") && self.begin_depth > 0 {
                        // CASE ends with END too; it only matters inside a body.
                        self.begin_depth += 1;
                    } else if w("end") {
                        self.begin_depth = self.begin_depth.saturating_sub(1);
                    }
                }
            }
            _ => {
                // Any other token before the routine's keyword: not a routine.
                if !matches!(self.routine, Routine::Yes | Routine::No) {
                    self.routine = Routine::No;
                }
            }
        }
    }

    /// The statement read so far, if it has a token; starts the next one.
    fn take(&mut self, sql: &str) -> Option<String> {
        let span = std::mem::take(self).span?;
        Some(sql[span.0..span.1].to_string())
    }
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
    fn dollar_quotes_end_only_at_their_own_tag() {
        let f = "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $outer$\n\
                 BEGIN RETURN $inner$ ; $$ ; $outer $inner$ || $$;$$; END\n$outer$";
        assert_eq!(
            s(&format!("{f};SELECT $1;SELECT a$b FROM t")),
            vec![f, "SELECT $1", "SELECT a$b FROM t"]
        );
        // `$1` is a parameter, not a quote; `a$b` one identifier.
        assert_eq!(
            s("SELECT $1; SELECT $tag$;$tag$"),
            vec!["SELECT $1", "SELECT $tag$;$tag$"]
        );
    }

    #[test]
    fn comments_nest_and_are_not_statements() {
        assert_eq!(
            s("/* outer /* inner; */ still a comment; */ SELECT 1; /* a /* b */ ; */ SELECT 2"),
            vec!["SELECT 1", "SELECT 2"]
        );
        assert_eq!(s("SELECT 1 -- a; b\n+ 1;"), vec!["SELECT 1 -- a; b\n+ 1"]);
        assert!(s("-- only\n/* comments; */\n").is_empty());
    }

    #[test]
    fn escape_and_prefixed_strings() {
        // In E'' a backslash escapes the quote; in a plain string it does not
        // (standard_conforming_strings, on by default since PostgreSQL 9.1).
        assert_eq!(
            s(
                r"SELECT E'a\';b\\'; SELECT 'c\'; SELECT e'\'' ;SELECT U&'d\0061;' , X'1F', B'01', N'n;'"
            ),
            vec![
                r"SELECT E'a\';b\\'",
                r"SELECT 'c\'",
                r"SELECT e'\''",
                r"SELECT U&'d\0061;' , X'1F', B'01', N'n;'",
            ]
        );
        assert_eq!(
            s("SELECT 'it''s;'; SELECT 1"),
            vec!["SELECT 'it''s;'", "SELECT 1"]
        );
    }

    #[test]
    fn begin_atomic_bodies_with_case_and_or_replace() {
        let p = "create or replace procedure p(n int) language sql\nbegin atomic\n  \
                 insert into t values (case when n > 0 then n else 0 end);\n  \
                 select case n when 1 then 'one' end;\nend";
        let f = "CREATE FUNCTION q() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END";
        assert_eq!(s(&format!("{p};\n{f}; END;")), vec![p, f, "END"]);
        // BEGIN outside a routine is a transaction, and ends at its semicolon.
        assert_eq!(s("BEGIN; SELECT 1; END;"), vec!["BEGIN", "SELECT 1", "END"]);
        // A routine with a string body and a column named begin.
        let r = "CREATE FUNCTION r(begin int) RETURNS int LANGUAGE sql AS 'SELECT 1; SELECT 2'";
        assert_eq!(s(&format!("{r}; SELECT 3")), vec![r, "SELECT 3"]);
    }

    #[test]
    fn parentheses_hold_a_rules_actions_together() {
        let r = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))";
        assert_eq!(s(&format!("{r}; SELECT 1")), vec![r, "SELECT 1"]);
    }

    #[test]
    fn unterminated_tokens_are_errors() {
        for (sql, what) in [
            (
                "SELECT 1;\nSELECT 'x;",
                "unterminated quoted string at line 2",
            ),
            ("SELECT E'x\\';", "unterminated quoted string at line 1"),
            ("SELECT $a$ x; $b$;", "unterminated dollar-quoted string"),
            ("SELECT \"x;", "unterminated quoted identifier"),
            ("SELECT 1; /* a /* b */ ;", "unterminated /* comment"),
        ] {
            let e = split(sql).unwrap_err();
            assert!(e.reason().starts_with(what), "{sql}: {e}");
        }
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
