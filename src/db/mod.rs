//! The database: connecting (with a masked URL in every message), the validated identifier
//! types, tenant transactions with a transaction-local `search_path` and `lock_timeout`,
//! advisory locks ([`locks`]), the schema gate that keeps requests off a schema ([`gate`]),
//! and the notifications that tell every `serve` what changed ([`changes`]).

pub mod cancel;
pub mod changes;
pub mod citus;
pub mod gate;
pub mod locks;
pub mod statements;
pub mod trust;

pub use crate::rules::{Ident, SchemaName};

use crate::config::{Settings, mask_url};
use crate::error::{Error, Result};
use crate::output::duration;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// The most connections one command's pool opens: a guard against a typo in a setting, far
/// above the `max_connections` of most servers.
pub const MAX_POOL: usize = 512;

/// The size of a command's pool, from what the command runs concurrently: a connection for
/// each of its `concurrent` tasks (tenants migrated or queried at once, jobs a worker runs),
/// plus `own` for the work it does beside them (planning, bookkeeping, a run lock, LISTEN,
/// claiming jobs); at least 1, at most [`MAX_POOL`]. Every pool tenantctl opens is sized here.
pub fn pool_size(concurrent: usize, own: usize) -> u32 {
    concurrent.saturating_add(own).clamp(1, MAX_POOL) as u32
}

/// Connect a pool to the configured database; an unreachable server is `Error::Unreachable`
/// (exit 69) with the URL, password masked.
pub async fn connect(settings: &Settings, max_connections: u32) -> Result<PgPool> {
    connect_with_options(settings, max_connections, |o| o).await
}

/// Like [`connect`], with the connect options adjusted first (for example no slow-statement
/// warnings for `report query`, whose statements are the operator's and may well be slow).
pub async fn connect_with_options(
    settings: &Settings,
    max_connections: u32,
    tweak: impl FnOnce(PgConnectOptions) -> PgConnectOptions,
) -> Result<PgPool> {
    let Some(url) = settings.database_url.as_deref() else {
        return Err(Error::Usage(
            "no database configured: pass `--database-url`, or set `DATABASE_URL` or `database_url` in tenantctl.toml".into(),
        ));
    };
    connect_url_with_options(url, max_connections, *settings.connect_timeout, tweak).await
}

async fn connect_url_with_options(
    url: &str,
    max_connections: u32,
    timeout: std::time::Duration,
    tweak: impl FnOnce(PgConnectOptions) -> PgConnectOptions,
) -> Result<PgPool> {
    let masked = mask_url(url);
    let opts = connect_options(url)?;
    // Long statements are normal here (migrations, dumps, fan-out reports): note them at info
    // (`-v`), never as warnings in a cron mail.
    let opts = sqlx::ConnectOptions::log_slow_statements(
        opts.application_name("tenantctl"),
        log::LevelFilter::Info,
        std::time::Duration::from_secs(5),
    );
    let opts = tweak(opts);
    // The pool retries refused connections until its timeout, while an operator wants
    // "connection refused" at once: one direct attempt runs beside the pool's first connection
    // (no extra wait when the server is up), and its failure is the answer.
    // Every connection is noted, so Ctrl-C can cancel what it still runs (see `cancel`).
    let noted = opts.clone();
    let pool = tokio::spawn(
        PgPoolOptions::new()
            .after_connect(move |conn, _| {
                let noted = noted.clone();
                Box::pin(async move { cancel::note_connection(conn, &noted).await })
            })
            .max_connections(max_connections.max(1))
            .acquire_timeout(timeout)
            .connect_with(opts.clone()),
    );
    let probe = tokio::time::timeout(timeout, PgConnection::connect_with(&opts)).await;
    let mut probe = match probe {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => {
            pool.abort();
            return Err(unreachable_or(e, &masked));
        }
        Err(_) => {
            pool.abort();
            return Err(Error::Unreachable {
                what: "database",
                target: masked,
                reason: format!("no answer within {}", duration::span(timeout)),
            });
        }
    };
    // Citus or not decides how tenant DDL is sent (see `citus`); the probe asks while it is here.
    if let Err(e) = citus::detect(&mut probe).await {
        tracing::debug!("could not look for the citus extension: {e}");
    }
    let _ = probe.close().await;
    let pool = pool
        .await
        .map_err(|e| Error::Other(anyhow::anyhow!("connecting: {e}")))?
        .map_err(|e| unreachable_or(e, &masked))?;
    Ok(pool)
}

/// The form of a database URL, for messages about one that is not.
pub const URL_FORM: &str = "postgres://user[:password]@host[:port]/database[?sslmode=require]";

/// Parse a database URL the one way every connection does. Parameters sqlx does not know are
/// dropped here, not by sqlx, whose warning would print their values (`sslpassword=...`); a
/// URL that does not parse is a usage error (exit 2) showing the right form.
///
/// TLS is libpq's `sslmode` (disable, prefer, require, verify-ca, verify-full) with
/// `sslrootcert`, `sslcert` and `sslkey` (see [`crate::tls`]): prefer and require encrypt and
/// check nothing, whatever the server's certificate (an X.509 v1 one too); verify-ca checks
/// the chain, verify-full also the host name, against `sslrootcert` alone when given, else the
/// system's roots.
pub fn connect_options(url: &str) -> Result<PgConnectOptions> {
    let masked = mask_url(url);
    let invalid = |why: String| {
        Error::Usage(format!("invalid database URL `{masked}`: {why}")).hint(format!(
            "the form is {URL_FORM}, for example postgres://tenantctl@localhost:5432/app"
        ))
    };
    let mut u = url::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    if !matches!(u.scheme(), "postgres" | "postgresql") {
        return Err(invalid(format!(
            "the scheme is `{}`, not `postgres`",
            u.scheme()
        )));
    }
    let known = |k: &str| {
        matches!(
            k,
            "sslmode"
                | "ssl-mode"
                | "sslrootcert"
                | "ssl-root-cert"
                | "ssl-ca"
                | "sslcert"
                | "ssl-cert"
                | "sslkey"
                | "ssl-key"
                | "statement-cache-capacity"
                | "host"
                | "hostaddr"
                | "port"
                | "dbname"
                | "user"
                | "password"
                | "application_name"
                | "options"
        ) || k.starts_with("options[")
    };
    // libpq 16's `sslrootcert=system` is what sqlx does without one: the system's roots.
    let system_roots =
        |k: &str, v: &str| matches!(k, "sslrootcert" | "ssl-root-cert" | "ssl-ca") && v == "system";
    if u.query_pairs()
        .any(|(k, v)| !known(&k) || system_roots(&k, &v))
    {
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, v)| {
                let keep = known(k);
                if !keep {
                    tracing::warn!(parameter = %k, "ignoring a connect parameter tenantctl does not know (value not shown)");
                }
                keep && !system_roots(k, v)
            })
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    const SSLMODES: &[&str] = &[
        "disable",
        "allow",
        "prefer",
        "require",
        "verify-ca",
        "verify-full",
    ];
    if let Some((k, v)) = u.query_pairs().find(|(k, v)| {
        matches!(k.as_ref(), "sslmode" | "ssl-mode")
            && !SSLMODES.contains(&v.to_ascii_lowercase().as_str())
    }) {
        return Err(invalid(format!(
            "{k} `{}` is not one of {}",
            crate::rules::naming::shown(&v),
            SSLMODES.join(", ")
        )));
    }
    PgConnectOptions::from_str(u.as_str()).map_err(|e| invalid(configuration_message(&e)))
}

/// What is wrong with a URL, as sqlx says it, without its wrapping: a bad parameter is a
/// configuration error inside a configuration error ("error with configuration: error with
/// configuration: unknown value ...").
fn configuration_message(e: &sqlx::Error) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    loop {
        match cur.downcast_ref::<sqlx::Error>() {
            Some(sqlx::Error::Configuration(inner)) => cur = inner.as_ref(),
            _ => return cur.to_string(),
        }
    }
}

/// Map a connection failure to exit 69 with the masked URL when the server cannot be reached
/// (or cannot take a connection now: starting up, too many connections); a server that
/// answers "no such role", "no such database" or "authentication failed" is exit 1 with what
/// to fix, since retrying cannot help. Other errors stay as they are.
pub fn unreachable_or(e: sqlx::Error, masked_url: &str) -> Error {
    if crate::error::is_connection_error(&e) {
        return Error::Unreachable {
            what: "database",
            target: masked_url.to_string(),
            reason: e.to_string(),
        };
    }
    let sqlx::Error::Database(db) = &e else {
        return Error::Db(e);
    };
    let reason = db.message().to_string();
    let refusing = |hint: &str| {
        Error::Refusing {
            target: masked_url.to_string(),
            reason: reason.clone(),
        }
        .hint(hint)
    };
    match db.code().as_deref() {
        Some("57P03" | "53300") => Error::Unreachable {
            what: "database",
            target: masked_url.to_string(),
            reason,
        },
        Some("3D000") => {
            refusing("create the database (`createdb -O <role> <name>`) or fix its name in the URL")
        }
        Some("28000") if reason.contains("pg_hba.conf") => refusing(
            "allow this client in the server's pg_hba.conf (host, user and database), then reload PostgreSQL",
        ),
        Some("28000") => refusing(
            "create the role (`CREATE ROLE <name> LOGIN PASSWORD '...'`) or fix the user in the URL",
        ),
        Some("28P01") => refusing(
            "check the password: in the URL, PGPASSWORD or ~/.pgpass (and the server's password_encryption)",
        ),
        _ => Error::Db(e),
    }
}

/// Put `schema` alone (plus the shared extension schema, if configured) on this transaction's
/// `search_path`, set transaction-locally: when the transaction ends the connection goes back
/// to the pool with no tenant attached, so a pooled connection (also behind PgBouncer in
/// transaction mode) never carries one tenant into the next borrower.
pub async fn set_tenant(
    tx: &mut Transaction<'_, Postgres>,
    schema: &SchemaName,
    extension_schema: Option<&SchemaName>,
) -> Result<()> {
    // language=PostgreSQL
    sqlx::query("SELECT set_config('search_path', $1, true)")
        .bind(schema.search_path(extension_schema))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Set this transaction's `lock_timeout`, so a statement waiting for a lock (a table an
/// application transaction holds, a platform's lock) fails after `timeout` instead of hanging
/// the run, and queueing every later query on that table behind it.
pub async fn set_lock_timeout(conn: &mut PgConnection, timeout: Duration) -> sqlx::Result<()> {
    // language=PostgreSQL
    sqlx::query("SELECT set_config('lock_timeout', $1, true)")
        .bind(lock_timeout_value(timeout))
        .execute(conn)
        .await?;
    Ok(())
}

/// The SQLSTATE of a lock wait that timed out (`lock_not_available`): `lock_timeout` expired.
pub const LOCK_NOT_AVAILABLE: &str = "55P03";

/// A duration as the `lock_timeout` setting takes it, in whole milliseconds (`250ms`; zero is
/// no timeout, as in PostgreSQL). For statements that set it among other things in one round
/// trip (`set_config('lock_timeout', $n, …)`) and for connect options.
pub fn lock_timeout_value(timeout: Duration) -> String {
    format!("{}ms", timeout.as_millis())
}

/// The statement form of [`set_lock_timeout`], for a batch sent as one simple query (beside
/// [`set_tenant_statement`]): `SET LOCAL lock_timeout = '250ms'`.
pub fn set_lock_timeout_statement(timeout: Duration) -> String {
    format!("SET LOCAL lock_timeout = '{}'", lock_timeout_value(timeout))
}

/// The statement form of [`set_tenant`], for a batch of statements sent as one simple query
/// (where no parameter can be bound): `SET LOCAL search_path TO "schema"[, "extension"]`.
/// Transaction-local like `set_tenant`: only valid inside the batch's own `BEGIN` … `COMMIT`/
/// `ROLLBACK`, never at session level.
pub fn set_tenant_statement(schema: &SchemaName, extension_schema: Option<&SchemaName>) -> String {
    format!(
        "SET LOCAL search_path TO {}",
        schema.search_path(extension_schema)
    )
}

/// Whether a schema exists.
pub async fn schema_exists(pool: &PgPool, schema: &SchemaName) -> Result<bool> {
    // language=PostgreSQL
    let found: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema.as_str())
            .fetch_one(pool)
            .await?;
    Ok(found)
}
