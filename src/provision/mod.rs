//! Provisioning a platform's schema: create it, run every tenant migration and load the seeds in
//! one transaction, so a failed provision leaves no schema behind and can simply be retried.
//! Status moves pending → provisioning → completed (with `provisioned_at`) or failed (with
//! `provision_error`). Every attempt is recorded in `tenantctl.provision_attempts`.
//!
//! The front door (`front_door`): [`start`] (claim a warm-pool spare or queue a job) and
//! [`provision_now`] (attempt, complete the queued job, announce), what commands and `/setup`
//! call. Beside the core: the job queue (`queue`), the worker that runs it (`worker`), recovery of
//! failed and stuck platforms (`recovery`), the warm pool of spare schemas (`pool`), and the
//! notifications sent on the outcome (`announce`).

pub mod announce;
pub mod front_door;
pub mod pool;
pub mod queue;
pub mod recovery;
pub mod seeds;
pub mod worker;

pub use front_door::{Attempted, OnFailure, Started, provision_now, start};
pub use recovery::stuck_platforms;
pub use seeds::Seeds;

use crate::config::Settings;
use crate::db::{self, SchemaName, locks::PlatformLock};
use crate::error::{Error, Result};
use crate::migrate::runner::Start;
use crate::migrate::{self, MigrationSet};
use crate::registry::{PLATFORM_COLUMNS, Platform, ProvisionStatus, store};
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use tracing::{error, info};

/// What provisioning needs besides the platform: the migration set, the seeds, the search_path
/// extras and where the platform is served (for the seeds' `tenantctl.platform_domain`).
#[derive(Debug, Clone)]
pub struct Provisioner {
    pub set: MigrationSet,
    pub seeds: Seeds,
    pub extension_schema: Option<SchemaName>,
    pub base_domain: Option<String>,
}

impl Provisioner {
    pub async fn from_settings(settings: &Settings) -> Result<Provisioner> {
        Ok(Provisioner {
            set: MigrationSet::load(settings.tenant_migrations_dir.as_ref()).await?,
            seeds: Seeds::load(settings.seeds_dir.as_ref()).await?,
            extension_schema: settings.extension_schema.clone(),
            base_domain: settings.base_domain.clone(),
        })
    }
}

/// How a provision call ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ProvisionOutcome {
    /// The schema was created, migrated and seeded now.
    Provisioned(Platform),
    /// It was already completed; nothing changed.
    AlreadyCompleted(Platform),
}

impl ProvisionOutcome {
    pub fn platform(&self) -> &Platform {
        match self {
            ProvisionOutcome::Provisioned(p) | ProvisionOutcome::AlreadyCompleted(p) => p,
        }
    }
}

word_enum! {
    "provision attempt origin",
    /// How an attempt came about (`tenantctl.provision_attempts.via`).
    pub enum Via {
        /// `tenantctl provision` or `init`.
        Sync = "sync",
        /// A worker running a queued job.
        Job = "job",
        /// A warm-pool claim at `platform create`.
        Pool = "pool",
    }
}

word_enum! {
    "provision attempt outcome",
    /// Where an attempt ended (`tenantctl.provision_attempts.outcome`).
    pub enum AttemptOutcome {
        Running = "running",
        Completed = "completed",
        Failed = "failed",
    }
}

/// The circumstances of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub via: Via,
    pub job_id: Option<i64>,
    /// 1 for the first run of a job.
    pub number: i32,
    /// Whether a failure is final (the platform becomes `failed`). A failure with retries left
    /// puts the platform back to `pending`, its `provision_error` saying what went wrong.
    pub last: bool,
    pub worker: Option<String>,
}

impl Attempt {
    /// A synchronous attempt: a failure is final (no retry is scheduled).
    pub fn sync() -> Attempt {
        Attempt {
            via: Via::Sync,
            job_id: None,
            number: 1,
            last: true,
            worker: None,
        }
    }
}

/// The message and its causes, `a: b: c`, for the log and `provision_error`.
pub fn cause_chain(e: &Error) -> String {
    let mut text = crate::error::shown(e);
    let mut cur = std::error::Error::source(e);
    while let Some(c) = cur {
        let t = crate::error::in_server_words(crate::error::shown(c), e);
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        cur = c.source();
    }
    text
}

/// Provision one platform synchronously. On failure the platform is marked failed with the
/// error, no schema is left behind, and the error is returned.
pub async fn provision(
    pool: &PgPool,
    prov: &Provisioner,
    platform: &Platform,
) -> Result<ProvisionOutcome> {
    provision_attempt(pool, prov, platform, &Attempt::sync()).await
}

/// [`provision`], recording the attempt (start, end, outcome, error) in
/// `tenantctl.provision_attempts`, and on failure marking the platform `failed` (last attempt)
/// or back to `pending` (a retry follows).
pub async fn provision_attempt(
    pool: &PgPool,
    prov: &Provisioner,
    platform: &Platform,
    attempt: &Attempt,
) -> Result<ProvisionOutcome> {
    if platform.external {
        return Err(Error::Usage(format!(
            "platform `{}` is external: it has no schema to provision",
            platform.name
        )));
    }
    // A bad schema name is this attempt's (permanent) failure, recorded like any other.
    let schema = platform.require_schema();
    if platform.provision_status == ProvisionStatus::Completed {
        return Ok(ProvisionOutcome::AlreadyCompleted(platform.clone()));
    }
    // `provisioning` is visible to everybody at once (and to stuck detection), outside the long
    // transaction; the attempt's record starts with it.
    let Some(attempt_id) = record_start(pool, platform, attempt).await? else {
        return match store::get(pool, platform.id).await? {
            Some(p) => Ok(ProvisionOutcome::AlreadyCompleted(p)),
            None => Err(store::not_found(&platform.id.to_string())),
        };
    };
    let shown = platform.schema_str().unwrap_or("-");
    info!(platform = %platform.name, schema = %shown, attempt = attempt.number, "provisioning");
    let built = match schema {
        Ok(schema) => build(pool, prov, platform, &schema).await,
        Err(e) => Err(e),
    };
    let schema = shown;
    match built {
        Ok(Some(p)) => {
            record_end(pool, attempt_id, None).await?;
            info!(platform = %p.name, schema = %schema, "provisioned");
            Ok(ProvisionOutcome::Provisioned(p))
        }
        Ok(None) => {
            // Another run completed it meanwhile: this attempt did nothing.
            forget_attempt(pool, attempt_id).await?;
            match store::get(pool, platform.id).await? {
                Some(p) => Ok(ProvisionOutcome::AlreadyCompleted(p)),
                None => Err(store::not_found(&platform.id.to_string())),
            }
        }
        Err(e) => {
            let message = cause_chain(&e);
            if matches!(e, Error::Busy(_)) {
                // Nothing was attempted: another run holds the platform and sets its status.
                info!(platform = %platform.name, schema = %schema, "busy: another run is provisioning it");
                forget_attempt(pool, attempt_id).await?;
            } else {
                error!(platform = %platform.name, schema = %schema, attempt = attempt.number, error = %message, "provisioning failed");
                record_end(pool, attempt_id, Some(&message)).await?;
                let status = if attempt.last || is_permanent(&e) {
                    ProvisionStatus::Failed
                } else {
                    ProvisionStatus::Pending
                };
                // language=PostgreSQL
                sqlx::query(
                    "UPDATE public.platforms SET provision_status = $3, provision_error = $2, updated_at = now() \
                     WHERE id = $1 AND provision_status <> 'completed'",
                )
                .bind(platform.id)
                .bind(&message)
                .bind(status)
                .execute(pool)
                .await?;
            }
            Err(e)
        }
    }
}

/// Whether an error is one that running the attempt again cannot fix: bad input (a schema name
/// that breaks the rules), bad usage or configuration, something missing or refused (a file or
/// directory that is not there). Such a job fails at once instead of after every backoff.
/// Database errors stay transient: a lock, a restart, or a migration being fixed can make the
/// next run succeed. Pure.
pub fn is_permanent(e: &Error) -> bool {
    use std::io::ErrorKind;
    match e {
        Error::Invalid(_)
        | Error::Usage(_)
        | Error::Config(_)
        | Error::NotFound(_)
        | Error::Conflict(_)
        | Error::Refused(_) => true,
        Error::Hinted { source, .. } => is_permanent(source),
        Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::NotFound
                | ErrorKind::PermissionDenied
                | ErrorKind::InvalidInput
                | ErrorKind::InvalidData
        ),
        // Reading or resolving the migration set, not running it.
        Error::Migrate(m) => !matches!(m, sqlx::migrate::MigrateError::Execute(_)),
        // Busy, unreachable, a database error, anything else: worth another run.
        _ => false,
    }
}

/// Mark the platform `provisioning` (unless it is completed) and insert the attempt's row
/// (outcome `running`), in one statement outside the provisioning transaction so the record
/// survives a rollback. `None` when the platform is completed (or gone).
pub(crate) async fn record_start(
    pool: &PgPool,
    platform: &Platform,
    attempt: &Attempt,
) -> Result<Option<i64>> {
    // language=PostgreSQL
    let id: Option<i64> = sqlx::query_scalar(
        "WITH claimed AS (UPDATE public.platforms SET provision_status = 'provisioning', updated_at = now() \
                          WHERE id = $1 AND provision_status <> 'completed' RETURNING id) \
         INSERT INTO tenantctl.provision_attempts (platform_id, platform_name, schema_name, job_id, attempt, via, worker) \
         SELECT id, $2, $3, $4, $5, $6, $7 FROM claimed RETURNING id",
    )
    .bind(platform.id)
    .bind(&platform.name)
    .bind(&platform.schema_name)
    .bind(attempt.job_id)
    .bind(attempt.number)
    .bind(attempt.via)
    .bind(&attempt.worker)
    .fetch_optional(pool)
    .await?;
    Ok(id)
}

/// Drop the row of an attempt that never ran (the platform was busy or already completed).
async fn forget_attempt(pool: &PgPool, attempt_id: i64) -> Result<()> {
    // language=PostgreSQL
    sqlx::query("DELETE FROM tenantctl.provision_attempts WHERE id = $1")
        .bind(attempt_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Close an attempt's row: completed, or failed with the error.
pub(crate) async fn record_end(pool: &PgPool, attempt_id: i64, error: Option<&str>) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.provision_attempts SET finished_at = clock_timestamp(), \
         outcome = $3, error = $2 WHERE id = $1",
    )
    .bind(attempt_id)
    .bind(error)
    .bind(match error {
        None => AttemptOutcome::Completed,
        Some(_) => AttemptOutcome::Failed,
    })
    .execute(pool)
    .await?;
    Ok(())
}

/// The one transaction: lock the platform, create the schema, migrate, seed, mark completed.
/// `Ok(None)` when another run completed it meanwhile.
///
/// Every way out ends the transaction before returning. A dropped sqlx transaction only
/// queues its ROLLBACK for the connection's next use, so the platform's transaction-level
/// lock would outlive the attempt: the retry that follows at once could find it still held
/// and give up as busy.
async fn build(
    pool: &PgPool,
    prov: &Provisioner,
    platform: &Platform,
    schema: &SchemaName,
) -> Result<Option<Platform>> {
    let mut tx = pool.begin().await?;
    match build_in(&mut tx, prov, platform, schema).await {
        Ok(Some(done)) => {
            tx.commit().await?;
            Ok(Some(done))
        }
        Ok(None) => {
            tx.rollback().await?;
            Ok(None)
        }
        Err(e) => {
            // The attempt's error is the one to report; a failed rollback closes the
            // connection, which ends the transaction all the same.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

async fn build_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    prov: &Provisioner,
    platform: &Platform,
    schema: &SchemaName,
) -> Result<Option<Platform>> {
    // The platform's lock (see `PlatformLock`) and its status, in one round trip.
    // language=PostgreSQL
    let (locked, status): (bool, Option<String>) = sqlx::query_as(
        "SELECT pg_try_advisory_xact_lock($1, $2), \
                (SELECT provision_status FROM public.platforms WHERE id = $3)",
    )
    .bind(PlatformLock::CLASS)
    .bind(PlatformLock::of(platform.id).key())
    .bind(platform.id)
    .fetch_one(&mut **tx)
    .await?;
    if !locked {
        return Err(Error::Busy(format!(
            "platform `{}` is being provisioned by another run",
            platform.name
        )));
    }
    match status.as_deref() {
        None => return Err(store::not_found(&platform.id.to_string())),
        Some("completed") => return Ok(None),
        _ => {}
    }
    create_schema(tx, schema).await?;
    db::set_tenant(tx, schema, prov.extension_schema.as_ref()).await?;
    // Every migration, recorded with the status row (see `migrate::runner`).
    let job = migrate::runner::Job::unseen(schema, Some(platform.id), &prov.set, Start::New);
    migrate::runner::run(tx, job).await?;
    let base = match &prov.base_domain {
        Some(b) => Some(b.clone()),
        None => store::base_domain(tx, None).await?,
    };
    seed(tx, prov, platform, schema, base.as_deref()).await?;
    Ok(Some(mark_completed(tx, platform.id).await?))
}

/// The last step of a provisioning transaction (here and the warm pool's claim): the platform
/// is `completed`, its error cleared; the row as it is now.
pub(crate) async fn mark_completed(conn: &mut PgConnection, platform_id: i64) -> Result<Platform> {
    // language=PostgreSQL
    let sql = format!(
        "UPDATE public.platforms SET provision_status = 'completed', provisioned_at = now(), provision_error = NULL, \
         updated_at = now() WHERE id = $1 RETURNING {PLATFORM_COLUMNS}"
    );
    Ok(sqlx::query_as::<_, Platform>(AssertSqlSafe(sql))
        .bind(platform_id)
        .fetch_one(conn)
        .await?)
}

/// `CREATE SCHEMA`, with a clear error when it exists already.
pub async fn create_schema(conn: &mut PgConnection, schema: &SchemaName) -> Result<()> {
    // On Citus: a distributed schema unless `citus.distribute_tenants = false`.
    db::citus::tenant_schema(conn).await?;
    // language=PostgreSQL
    let sql = format!("CREATE SCHEMA {}", schema.sql());
    sqlx::query(AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await
        .map_err(|e| match crate::error::sqlstate(&e).as_deref() {
            Some("42P06") => Error::Conflict(format!(
                "schema `{schema}` exists already but the platform is not provisioned"
            ))
            .hint("drop the leftover schema after checking it holds nothing you need, then retry"),
            _ => Error::Db(e),
        })?;
    Ok(())
}

/// Run the seeds with the platform's facts in transaction-local settings.
pub async fn seed(
    conn: &mut PgConnection,
    prov: &Provisioner,
    platform: &Platform,
    schema: &SchemaName,
    base_domain: Option<&str>,
) -> Result<()> {
    set_platform_settings(conn, platform, schema, base_domain).await?;
    prov.seeds.run(conn).await
}

/// `tenantctl.platform_name`, `tenantctl.platform_id`, `tenantctl.platform_domain` and
/// `tenantctl.schema_name`, transaction-local, for seeds and application SQL.
pub async fn set_platform_settings(
    conn: &mut PgConnection,
    platform: &Platform,
    schema: &SchemaName,
    base_domain: Option<&str>,
) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "SELECT set_config('tenantctl.platform_name', $1, true), \
                set_config('tenantctl.platform_id', $2, true), \
                set_config('tenantctl.platform_domain', $3, true), \
                set_config('tenantctl.schema_name', $4, true)",
    )
    .bind(&platform.name)
    .bind(platform.id.to_string())
    .bind(platform.address(base_domain).unwrap_or_default())
    .bind(schema.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanent_errors_are_those_no_retry_can_fix() {
        let invalid = crate::db::SchemaName::parse("Bad;Name").unwrap_err();
        assert!(is_permanent(&Error::Invalid(invalid)));
        assert!(is_permanent(&Error::Usage("x".into())));
        assert!(is_permanent(
            &Error::NotFound("migrations directory".into()).hint("fix it")
        ));
        assert!(is_permanent(&Error::Io(std::io::Error::from(
            std::io::ErrorKind::NotFound
        ))));
        assert!(!is_permanent(&Error::Io(std::io::Error::from(
            std::io::ErrorKind::TimedOut
        ))));
        assert!(!is_permanent(&Error::Busy("locked".into())));
        assert!(!is_permanent(&Error::Db(sqlx::Error::PoolTimedOut)));
        assert!(!is_permanent(&Error::Other(anyhow::anyhow!(
            "migration 1 failed"
        ))));
    }
}
