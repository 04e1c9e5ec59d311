//! The one table of process exit codes. The README and the man page document these values;
//! `tests/integration/cli.rs` checks the table there matches this one.

/// Everything asked for was done.
pub const SUCCESS: u8 = 0;
/// The command failed (and nothing was left half-done).
pub const FAILURE: u8 = 1;
/// Bad usage or bad input: an unknown flag, an invalid name, domain or value. Nothing ran.
pub const USAGE: u8 = 2;
/// Partial failure: some tenants failed, the rest were done. The summary names the failures.
pub const PARTIAL: u8 = 3;
/// Refused: a destructive command without confirmation (`--yes` or `TENANTCTL_CONFIRM=yes`), or a
/// pre-flight check that did not pass.
pub const REFUSED: u8 = 4;
/// Busy: another run holds the lock (for example a second `migrate --no-wait`).
pub const BUSY: u8 = 5;
/// The database or the backup storage could not be reached (EX_UNAVAILABLE), or cannot take a
/// connection now (starting up, too many connections): worth retrying. A role or database that
/// does not exist, or a failed authentication, is [`FAILURE`]; a malformed URL is [`USAGE`].
pub const UNAVAILABLE: u8 = 69;

/// The table as (code, meaning) pairs, in the order the docs print it.
pub const TABLE: &[(u8, &str)] = &[
    (SUCCESS, "success"),
    (FAILURE, "failure"),
    (USAGE, "usage error or invalid input; nothing ran"),
    (
        PARTIAL,
        "partial failure: some tenants failed, the rest were done",
    ),
    (
        REFUSED,
        "refused: confirmation missing or a pre-flight check failed",
    ),
    (BUSY, "busy: another run holds the lock"),
    (UNAVAILABLE, "database or storage unreachable"),
];

/// `doctor`'s own table, as `status --check`'s verdicts: what it found, or why it could not
/// look.
pub const DOCTOR: &[(u8, &str)] = &[
    (SUCCESS, "every check passed"),
    (
        1,
        "at least one check warned (WARN) and none failed; or the database refused the connection",
    ),
    (
        2,
        "at least one check failed (FAIL); or a usage error or invalid input",
    ),
    (UNAVAILABLE, "database unreachable"),
];

/// `status --check`'s table: the monitoring-plugin convention.
pub const STATUS_CHECK: &[(u8, &str)] = &[
    (0, "OK"),
    (1, "WARNING"),
    (2, "CRITICAL (also: the database is unreachable)"),
    (
        3,
        "UNKNOWN: the check could not run (a wrong flag, a bad configuration)",
    ),
];
