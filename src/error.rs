//! The crate's top-level error: every module's error ends up here, and `Error::exit_code` is
//! the one place that decides the process exit status (see `exit_code.rs`).

use crate::exit_code;
use crate::rules::ValidationError;
use std::fmt::Write as _;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, caught before any SQL ran.
    #[error(transparent)]
    Invalid(#[from] ValidationError),

    /// Bad usage that clap cannot express (conflicting values, a missing setting).
    #[error("{0}")]
    Usage(String),

    /// A configuration file or value that cannot be used.
    #[error("{0}")]
    Config(String),

    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),

    /// The request conflicts with what exists (a taken domain, a second host platform).
    #[error("{0}")]
    Conflict(String),

    /// A destructive command without confirmation, or a failed pre-flight check.
    #[error("{0}")]
    Refused(String),

    /// Another run holds the lock.
    #[error("{0}")]
    Busy(String),

    /// The database (or storage) cannot be reached. `target` is already password-masked.
    #[error("cannot reach {what} at {target}: {reason}")]
    Unreachable {
        what: &'static str,
        target: String,
        reason: String,
    },

    /// The server answered but refused the connection for a reason retrying cannot fix: the
    /// role or database does not exist, authentication failed. `target` is password-masked.
    #[error("the database at {target} refused the connection: {reason}")]
    Refusing { target: String, reason: String },

    /// Some tenants failed; the command already printed the per-tenant summary.
    #[error("{failed} of {total} tenants failed (see the summary above)")]
    Partial { failed: usize, total: usize },

    /// A command that reports through its exit status alone (`status --check`), having
    /// printed what it had to say.
    #[error("exit status {0}")]
    Silent(u8),

    /// Stdout was closed by its reader (`tenantctl ... | head -1`). Not a failure: the reader has
    /// what it wanted, so `main` ends quietly with exit 0, as ripgrep does.
    #[error("stdout closed")]
    StdoutClosed,

    /// A failure with a hint for the operator.
    #[error("{source}")]
    Hinted { source: Box<Error>, hint: String },

    #[error("database error: {}", describe(.0))]
    Db(#[from] sqlx::Error),

    #[error("{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    #[error("{0}")]
    Io(#[from] std::io::Error),

    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    /// Attach a hint (`hint: run ...`) that the top level prints under the message.
    pub fn hint(self, hint: impl Into<String>) -> Self {
        Error::Hinted {
            source: Box::new(self),
            hint: hint.into(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_) | Error::Usage(_) | Error::Config(_) => exit_code::USAGE,
            Error::NotFound(_) | Error::Conflict(_) | Error::Refusing { .. } => exit_code::FAILURE,
            Error::Refused(_) => exit_code::REFUSED,
            Error::Busy(_) => exit_code::BUSY,
            Error::Unreachable { .. } => exit_code::UNAVAILABLE,
            Error::Partial { .. } => exit_code::PARTIAL,
            Error::Silent(code) => *code,
            Error::StdoutClosed => exit_code::SUCCESS,
            Error::Hinted { source, .. } => source.exit_code(),
            Error::Db(e) if is_connection_error(e) => exit_code::UNAVAILABLE,
            Error::Db(_) | Error::Migrate(_) | Error::Io(_) | Error::Other(_) => exit_code::FAILURE,
        }
    }

    /// The text printed on stderr: `error: <message>`, the hint, then the cause chain.
    pub fn render(&self) -> Option<String> {
        if let Error::Silent(_) | Error::StdoutClosed = self {
            return None;
        }
        let mut out = format!("error: {}", shown(self));
        let mut hints = Vec::new();
        let mut cur: &Error = self;
        while let Error::Hinted { source, hint } = cur {
            hints.push(hint.as_str());
            cur = source;
        }
        let mut cause = std::error::Error::source(cur);
        // `transparent` and `#[from]` variants would repeat their own message as the first cause.
        let mut seen = vec![shown(cur)];
        let mut first = true;
        while let Some(c) = cause {
            // The server's error itself ends the chain as sqlx's boxed error, whose text still
            // ends in " at line N": word it by the PostgreSQL error found above it.
            let text = in_server_words(shown(c), cur);
            if !seen.iter().any(|s| s.contains(&text)) {
                if first {
                    out.push_str("\n\nCaused by:");
                    first = false;
                }
                let _ = write!(out, "\n    {text}");
                seen.push(text);
            }
            cause = c.source();
        }
        // The server's own detail and hint (a unique violation's key, a missing grant's fix).
        if let Some(pg) = chain(cur).find_map(as_postgres) {
            if let Some(detail) = pg.detail() {
                let _ = write!(out, "\n(detail: {detail})");
            }
            if let Some(hint) = pg.hint() {
                let _ = write!(out, "\n(hint: {hint})");
            }
        }
        for hint in hints {
            let _ = write!(out, "\n(hint: {hint})");
        }
        Some(out)
    }
}

/// The message and its causes, `a: b: c`, for the log and a job's recorded error.
pub fn cause_chain(e: &Error) -> String {
    let mut text = shown(e);
    let mut cur = std::error::Error::source(e);
    while let Some(c) = cur {
        let t = in_server_words(shown(c), e);
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        cur = c.source();
    }
    text
}

/// Whether a sqlx error means the server could not be reached at all (exit 69), as opposed to
/// a query that failed.
pub fn is_connection_error(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    )
}

/// A sqlx error for an operator. sqlx 0.9 ends a server error's text with " at line N", the line
/// of PostgreSQL's own C source that raised it, which reads as a line of the operator's SQL;
/// this gives the server's message alone.
pub fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}

/// An error's text for an operator: its `Display`, with each PostgreSQL error in its chain
/// given as the server's message ([`describe`]) instead of sqlx's text of it, which ends in
/// " at line N" (a line of PostgreSQL's C source, read as a line of the operator's SQL). A sqlx
/// database error on its own is the server's message alone. The one place errors are worded
/// for stderr ([`Error::render`]) and for logs ([`Shown`]).
pub fn shown(e: &(dyn std::error::Error + 'static)) -> String {
    if let Some(pg) = as_postgres(e) {
        return pg.message().to_string();
    }
    let mut text = e.to_string();
    for c in chain(e).skip(1) {
        if let Some(pg) = as_postgres(c) {
            text = text.replace(&pg.to_string(), pg.message());
        }
    }
    text
}

/// `text` with sqlx's text of each PostgreSQL error in `root`'s chain replaced by the server's
/// message.
pub fn in_server_words(mut text: String, root: &(dyn std::error::Error + 'static)) -> String {
    for pg in chain(root).filter_map(as_postgres) {
        text = text.replace(&pg.to_string(), pg.message());
    }
    text
}

/// An error shown the operator's way ([`shown`]) in a log field: `error = %Shown(&e)`.
pub struct Shown<'a, E: ?Sized>(pub &'a E);

impl<E: AsError + ?Sized> std::fmt::Display for Shown<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&shown(self.0.as_error()))
    }
}

/// The errors [`Shown`] takes, and references to them.
pub trait AsError {
    fn as_error(&self) -> &(dyn std::error::Error + 'static);
}

macro_rules! as_error {
    ($($t:ty),*) => {$(
        impl AsError for $t {
            fn as_error(&self) -> &(dyn std::error::Error + 'static) {
                self
            }
        }
    )*};
}
as_error!(
    Error,
    sqlx::Error,
    sqlx::migrate::MigrateError,
    std::io::Error,
    tokio::task::JoinError
);

impl AsError for anyhow::Error {
    fn as_error(&self) -> &(dyn std::error::Error + 'static) {
        self.as_ref()
    }
}

impl<T: AsError + ?Sized> AsError for &T {
    fn as_error(&self) -> &(dyn std::error::Error + 'static) {
        (**self).as_error()
    }
}

/// `e` and its sources, outermost first.
fn chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |c| c.source())
}

/// The PostgreSQL error `e` is (a sqlx database error from PostgreSQL, or the server's error
/// itself).
fn as_postgres<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a sqlx::postgres::PgDatabaseError> {
    if let Some(sqlx::Error::Database(db)) = e.downcast_ref::<sqlx::Error>() {
        return db.try_downcast_ref();
    }
    e.downcast_ref()
}

/// The SQLSTATE of a database error, if it is one.
pub fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// The constraint a database error names, if any (unique violations and the like).
pub fn constraint(e: &sqlx::Error) -> Option<&str> {
    match e {
        sqlx::Error::Database(db) => db.constraint(),
        _ => None,
    }
}
