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
        let mut out = format!("error: {self}");
        let mut hints = Vec::new();
        let mut cur: &Error = self;
        while let Error::Hinted { source, hint } = cur {
            hints.push(hint.as_str());
            cur = source;
        }
        let mut cause = std::error::Error::source(cur);
        // `transparent` and `#[from]` variants would repeat their own message as the first cause.
        let mut seen = vec![cur.to_string()];
        let mut first = true;
        while let Some(c) = cause {
            let text = c.to_string();
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
        for hint in hints {
            let _ = write!(out, "\n(hint: {hint})");
        }
        Some(out)
    }
}

/// The message and its causes, `a: b: c`, for the log and a job's recorded error.
pub fn cause_chain(e: &Error) -> String {
    let mut text = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(c) = cur {
        let t = c.to_string();
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
