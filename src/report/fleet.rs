//! The fleet's state in one snapshot: platforms by status, stuck and failed provisioning,
//! backup ages, migration lag, the job queue and provision times. `status` shows it,
//! `status --check` judges it against thresholds (monitoring-plugin levels), and
//! [`super::metrics`] exposes it to Prometheus — the textfile collector and `serve`'s `/metrics`
//! alike. A handful of registry and catalog queries; no statement per tenant unless a tenant
//! has no recorded migration status, in which case its `_sqlx_migrations` is read directly
//! (many schemas per statement).

use super::builtin::{self, BackupRow, BackupState, FailedPlatform, StuckPlatform};
use crate::config::Settings;
use crate::db::{Ident, SchemaName};
use crate::error::Result;
use crate::migrate::{MigrationSet, TRACKING_TABLE};
use crate::output::duration;
use crate::registry::tenants::tenant_sql;
use crate::registry::{InvalidPlatform, ProvisionStatus};
use crate::rules::names;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool, Row};
use std::collections::HashMap;
use std::time::Duration;

/// Upper bounds (seconds) of the provision-duration histogram buckets.
pub const DURATION_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0];

/// Schemas read per statement when migration status is read from the schemas themselves.
const MIGRATION_READ_BATCH: usize = 100;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatusCounts {
    pub pending: i64,
    pub provisioning: i64,
    pub completed: i64,
    pub failed: i64,
    /// Registered platforms hosted elsewhere (counted as completed too).
    pub external: i64,
    pub total: i64,
}

impl StatusCounts {
    pub fn get(&self, s: ProvisionStatus) -> i64 {
        match s {
            ProvisionStatus::Pending => self.pending,
            ProvisionStatus::Provisioning => self.provisioning,
            ProvisionStatus::Completed => self.completed,
            ProvisionStatus::Failed => self.failed,
        }
    }
}

/// One tenant's migration position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TenantMigration {
    pub platform_id: i64,
    pub platform: String,
    pub schema: String,
    /// The highest applied version (null: none applied, or unknown).
    pub version: Option<i64>,
    /// Versions of the migration set newer than `version`.
    pub lag: i64,
    /// Where the figure came from: `tenant_migrations` (the last migrate run) or `schema`
    /// (read from its `_sqlx_migrations` now).
    pub source: &'static str,
    pub drift: bool,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Migrations {
    /// The newest version of the configured migration set.
    pub latest_version: Option<i64>,
    /// Why the migration set could not be loaded (then lags are unknown and zero).
    pub set_error: Option<String>,
    pub tenants: Vec<TenantMigration>,
}

impl Migrations {
    /// Tenants behind the migration set, or whose last run failed.
    pub fn behind(&self) -> impl Iterator<Item = &TenantMigration> {
        self.tenants
            .iter()
            .filter(|t| t.lag > 0 || t.last_error.is_some())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Queue {
    /// Jobs waiting to run (including those scheduled for a later retry).
    pub queued: i64,
    /// Queued jobs whose time has come.
    pub ready: i64,
    pub running: i64,
    /// Jobs that failed for good (kept `jobs.keep_discarded`).
    pub failed: i64,
    /// Seconds the oldest ready job has waited.
    pub oldest_ready_seconds: Option<f64>,
    /// Jobs discarded in the last 24 hours.
    pub discarded_24h: i64,
    /// Per kind: jobs by state, the oldest ready one, attempts and discards of the last 24 hours.
    pub kinds: Vec<crate::jobs::stats::GroupStats>,
}

/// Provision attempts overall, for counters and the duration histogram.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProvisionTimes {
    pub completed: i64,
    pub failed: i64,
    pub running: i64,
    /// Per-bucket counts of completed attempts (not cumulative), aligned with
    /// [`DURATION_BUCKETS`]; the remainder is above the last bound.
    pub buckets: Vec<u64>,
    pub sum_seconds: f64,
}

/// A completed platform whose schema is gone (dropped outside tenantctl).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct MissingSchema {
    pub platform_id: i64,
    pub platform: String,
    pub schema: String,
}

/// A platform in maintenance (`serve` answers 503): by hand, or left by a killed restore.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct InMaintenance {
    pub platform_id: i64,
    pub platform: String,
    pub schema: Option<String>,
    pub reason: Option<String>,
    /// When it went into maintenance (unknown for rows older than the column).
    pub since: Option<DateTime<Utc>>,
    pub age_seconds: Option<i64>,
}

/// A schema `restore --keep-old` left behind (`tctl_old_<platform id>_<UTC time>`);
/// `cleanup --old-schemas` drops them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OldSchema {
    pub schema: String,
    pub platform_id: Option<i64>,
    /// The platform it was replaced in, if it still exists.
    pub platform: Option<String>,
    /// When the restore replaced it (from the name).
    pub kept_at: Option<DateTime<Utc>>,
    pub size_bytes: i64,
}

/// Every platform in maintenance, the longest first.
pub async fn in_maintenance(pool: &PgPool) -> Result<Vec<InMaintenance>> {
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, InMaintenance>(
        "SELECT id AS platform_id, name AS platform, schema_name AS schema,
                maintenance_reason AS reason, maintenance_since AS since,
                extract(epoch FROM now() - maintenance_since)::int8 AS age_seconds
         FROM public.platforms WHERE maintenance
         ORDER BY maintenance_since NULLS FIRST, id",
    )
    .fetch_all(pool)
    .await?)
}

/// The schemas `restore --keep-old` left, with their platform and size.
pub async fn old_schemas(pool: &PgPool) -> Result<Vec<OldSchema>> {
    // language=PostgreSQL
    let rows: Vec<(String, Option<i64>, Option<String>, i64)> = sqlx::query_as(
        "WITH old AS MATERIALIZED (
             SELECT n.oid, n.nspname FROM pg_namespace n
             WHERE starts_with(n.nspname, $1) AND n.nspname ~ ('^' || $1::text || '[0-9]+_[0-9]{14}$')
               -- A platform's own schema is live, whatever its name says (issue 27.10).
               AND NOT EXISTS (SELECT 1 FROM public.platforms q WHERE q.schema_name = n.nspname)
         ), sizes AS (
             -- One pass over pg_class for all of them (no index on relnamespace; issue 29).
             SELECT c.relnamespace, sum(pg_total_relation_size(c.oid))::int8 AS bytes
             FROM pg_class c
             WHERE c.relkind IN ('r', 'm')
               AND c.relnamespace = ANY(ARRAY(SELECT oid FROM old))
             GROUP BY c.relnamespace
         )
         SELECT o.nspname::text, p.id, p.name, coalesce(s.bytes, 0)::int8
         FROM old o
         LEFT JOIN sizes s ON s.relnamespace = o.oid
         LEFT JOIN public.platforms p
           ON p.id::text = substring(o.nspname FROM '^' || $1::text || '([0-9]+)_[0-9]{14}$')
         ORDER BY 1",
    )
    .bind(names::OLD_PREFIX)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(schema, platform_id, platform, size_bytes)| OldSchema {
            kept_at: names::old_schema_time(&schema),
            schema,
            platform_id,
            platform,
            size_bytes,
        })
        .collect())
}

/// Everything `status` knows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetStatus {
    pub generated_at: DateTime<Utc>,
    pub platforms: StatusCounts,
    pub stuck_after_seconds: f64,
    pub stuck: Vec<StuckPlatform>,
    pub failed: Vec<FailedPlatform>,
    pub missing_schemas: Vec<MissingSchema>,
    pub maintenance_warn_seconds: f64,
    pub maintenance: Vec<InMaintenance>,
    pub old_schemas: Vec<OldSchema>,
    /// Platforms whose `schema_name` breaks the naming rules (edited by hand): left out of
    /// every other section, reported here.
    pub invalid: Vec<InvalidPlatform>,
    pub backup_warn_seconds: f64,
    pub backup_crit_seconds: f64,
    pub backups: Vec<BackupRow>,
    pub migrations: Migrations,
    pub queue: Queue,
    pub provision: ProvisionTimes,
    /// With the citus extension in the database (issue 14); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citus: Option<CitusStatus>,
    /// Verified custom domains whose proof is missing (`failing`, still served) or gone for
    /// longer than `domains.lost_after` (`lost`, not served); issue 27.2.
    pub domains: Vec<DomainTrouble>,
}

/// A custom domain in trouble.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DomainTrouble {
    pub platform_id: i64,
    pub platform: String,
    pub address: String,
    /// `failing` or `lost`.
    pub status: String,
    /// Since when (the first failed check, or the loss).
    pub since: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

async fn domain_troubles(pool: &PgPool, settings: &Settings) -> Result<Vec<DomainTrouble>> {
    if !settings.domains.verify {
        return Ok(vec![]);
    }
    // language=PostgreSQL
    Ok(sqlx::query_as(
        "SELECT p.id AS platform_id, p.name AS platform, v.domain AS address, \
                CASE WHEN v.verified_at IS NOT NULL THEN 'failing' ELSE 'lost' END AS status, \
                coalesce(v.failing_since, v.lost_at) AS since, v.last_error AS error \
         FROM tenantctl.domain_verifications v JOIN public.platforms p ON p.id = v.platform_id \
         WHERE NOT v.pending AND ((v.verified_at IS NOT NULL AND v.failing_since IS NOT NULL) \
                               OR (v.verified_at IS NULL AND v.lost_at IS NOT NULL)) \
         ORDER BY p.id",
    )
    .fetch_all(pool)
    .await?)
}

/// How the fleet sits on Citus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CitusStatus {
    /// Tenant schemas (of completed, non-external platforms) that are distributed schemas.
    pub distributed_tenants: i64,
    /// Tenant schemas that are local to the coordinator.
    pub local_tenants: i64,
    /// `citus.distribute_tenants`: whether new tenants are created distributed.
    pub distribute_new_tenants: bool,
    /// The database's own `citus.enable_schema_based_sharding` (tenantctl sets it per
    /// transaction either way).
    pub schema_based_sharding_default: bool,
    /// The database's own `citus.enable_unsafe_triggers`.
    pub unsafe_triggers_default: bool,
    /// That tenantctl turns `citus.enable_unsafe_triggers` on (transaction-local) for its own
    /// tenant DDL: always true, stated for the reader of the JSON.
    pub tenantctl_sets_unsafe_triggers: bool,
    /// Tenants and bytes per node (the workers, and any node holding tenants), each with the
    /// reason it is out of balance, if it is (`crate::placement::imbalance`).
    pub nodes: Vec<crate::placement::NodeLoad>,
}

async fn citus_status(pool: &PgPool) -> Result<Option<CitusStatus>> {
    if !crate::db::citus::present() {
        return Ok(None);
    }
    // language=PostgreSQL
    let (distributed, local, sharding, triggers): (i64, i64, bool, bool) = sqlx::query_as(
        concat!(
            "SELECT count(*) FILTER (WHERE d.schemaid IS NOT NULL), count(*) FILTER (WHERE d.schemaid IS NULL),                 current_setting('citus.enable_schema_based_sharding')::boolean,                 current_setting('citus.enable_unsafe_triggers')::boolean          FROM public.platforms p JOIN pg_namespace n ON n.nspname = p.schema_name          LEFT JOIN pg_dist_schema d ON d.schemaid = n.oid          WHERE ", tenant_sql!()),
    )
    .fetch_one(pool)
    .await?;
    // language=PostgreSQL
    let tenant_schemas: Vec<String> = sqlx::query_scalar(concat!(
        "SELECT p.schema_name FROM public.platforms p WHERE ",
        tenant_sql!()
    ))
    .fetch_all(pool)
    .await?;
    let nodes = crate::placement::node_loads(pool, &tenant_schemas).await?;
    Ok(Some(CitusStatus {
        nodes,
        distributed_tenants: distributed,
        local_tenants: local,
        distribute_new_tenants: crate::db::citus::distribute_tenants(),
        schema_based_sharding_default: sharding,
        unsafe_triggers_default: triggers,
        tenantctl_sets_unsafe_triggers: true,
    }))
}

impl FleetStatus {
    pub fn backups_in(&self, state: BackupState) -> impl Iterator<Item = &BackupRow> {
        self.backups.iter().filter(move |b| b.state == state)
    }
}

async fn counts(pool: &PgPool) -> Result<StatusCounts> {
    // language=PostgreSQL
    let rows: Vec<(String, bool, i64)> = sqlx::query_as(
        "SELECT provision_status, external, count(*) FROM public.platforms GROUP BY 1, 2",
    )
    .fetch_all(pool)
    .await?;
    let mut c = StatusCounts::default();
    for (status, external, n) in rows {
        c.total += n;
        if external {
            c.external += n;
        }
        match ProvisionStatus::try_from(status) {
            Ok(ProvisionStatus::Pending) => c.pending += n,
            Ok(ProvisionStatus::Provisioning) => c.provisioning += n,
            Ok(ProvisionStatus::Completed) => c.completed += n,
            Ok(ProvisionStatus::Failed) => c.failed += n,
            Err(_) => {}
        }
    }
    Ok(c)
}

/// Platforms whose schema should exist and does not: provisioned (`completed`), not external.
/// A queued or provisioning platform has no schema yet, and a failed one never got one; neither
/// is missing. `status` and `doctor` both ask this.
pub(crate) async fn missing_schemas<'e>(
    db: impl sqlx::PgExecutor<'e>,
) -> Result<Vec<MissingSchema>> {
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, MissingSchema>(concat!(
        "SELECT p.id AS platform_id, p.name AS platform, p.schema_name AS schema
         FROM public.platforms p
         WHERE ",
        tenant_sql!(),
        "
           AND NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = p.schema_name)
         ORDER BY p.id"
    ))
    .persistent(false)
    .fetch_all(db)
    .await?)
}

/// Registry rows whose schema name breaks the rules, checked by the same gate every fleet
/// command uses ([`crate::registry::tenant_schema`]).
async fn invalid_platforms(pool: &PgPool) -> Result<Vec<InvalidPlatform>> {
    // language=PostgreSQL
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, name, schema_name FROM public.platforms
         WHERE NOT external AND schema_name IS NOT NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, schema)| crate::registry::tenant_schema(id, &name, &schema).err())
        .collect())
}

async fn queue(pool: &PgPool) -> Result<Queue> {
    use crate::jobs::stats;
    let kinds = stats::collect(pool, stats::GroupBy::Kind, QUEUE_WINDOW).await?;
    let t = stats::total(&kinds);
    Ok(Queue {
        queued: t.waiting(),
        ready: t.ready,
        running: t.running,
        failed: t.discarded,
        oldest_ready_seconds: t.oldest_ready_seconds,
        discarded_24h: t.discarded_recent,
        kinds,
    })
}

/// How far back `status` counts job attempts and discards.
pub const QUEUE_WINDOW: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

async fn provision_times(pool: &PgPool) -> Result<ProvisionTimes> {
    // language=PostgreSQL
    let row = sqlx::query(
        "WITH d AS (
             SELECT extract(epoch FROM finished_at - started_at)::float8 AS s
             FROM tenantctl.provision_attempts
             WHERE outcome = 'completed' AND finished_at IS NOT NULL
         )
         SELECT (SELECT count(*) FROM tenantctl.provision_attempts WHERE outcome = 'completed') AS completed,
                (SELECT count(*) FROM tenantctl.provision_attempts WHERE outcome = 'failed') AS failed,
                (SELECT count(*) FROM tenantctl.provision_attempts WHERE outcome = 'running') AS running,
                (SELECT coalesce(sum(s), 0) FROM d) AS sum_seconds,
                (SELECT coalesce(array_agg((SELECT count(*) FROM d WHERE d.s <= le) ORDER BY le), '{}')
                 FROM unnest($1::float8[]) AS le) AS cumulative",
    )
    .bind(DURATION_BUCKETS)
    .fetch_one(pool)
    .await?;
    let cumulative: Vec<i64> = row.try_get("cumulative")?;
    let mut prev = 0i64;
    let buckets = cumulative
        .iter()
        .map(|&c| {
            let n = (c - prev).max(0) as u64;
            prev = c;
            n
        })
        .collect();
    Ok(ProvisionTimes {
        completed: row.try_get("completed")?,
        failed: row.try_get("failed")?,
        running: row.try_get("running")?,
        buckets,
        sum_seconds: row.try_get("sum_seconds")?,
    })
}

#[derive(sqlx::FromRow)]
struct MigrationFacts {
    platform_id: i64,
    platform: String,
    schema: String,
    has_row: bool,
    version: Option<i64>,
    drift: bool,
    last_error: Option<String>,
}

/// Versions of `set` newer than `version`. Pure.
pub fn lag(set: &MigrationSet, version: Option<i64>) -> i64 {
    set.ups()
        .filter(|m| version.is_none_or(|v| m.version > v))
        .count() as i64
}

/// The highest successful version in each schema's own tracking table, many schemas per
/// statement. Schemas without the table (or missing) are absent from the answer.
pub async fn read_schema_versions(
    pool: &PgPool,
    schemas: &[SchemaName],
) -> Result<HashMap<String, Option<i64>>> {
    let mut out = HashMap::new();
    if schemas.is_empty() {
        return Ok(out);
    }
    // language=PostgreSQL
    let with_table: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname = $2 AND c.relkind = 'r' AND n.nspname = ANY($1)",
    )
    .bind(schemas.iter().map(|s| s.as_str()).collect::<Vec<_>>())
    .bind(TRACKING_TABLE)
    .fetch_all(pool)
    .await?;
    let table = Ident::parse(TRACKING_TABLE).expect("constant identifier");
    let present: Vec<&SchemaName> = schemas
        .iter()
        .filter(|s| with_table.iter().any(|w| w == s.as_str()))
        .collect();
    for chunk in present.chunks(MIGRATION_READ_BATCH) {
        // Each branch is numbered by its position; identifiers only through `qualify`.
        let sql = chunk
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "SELECT {i} AS i, (SELECT max(version) FROM {} WHERE success) AS v",
                    s.qualify(&table)
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let rows: Vec<(i32, Option<i64>)> =
            sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await?;
        for (i, v) in rows {
            if let Some(s) = chunk.get(i as usize) {
                out.insert(s.as_str().to_string(), v);
            }
        }
    }
    Ok(out)
}

async fn migrations(pool: &PgPool, settings: &Settings) -> Result<Migrations> {
    // language=PostgreSQL
    let facts = sqlx::query_as::<_, MigrationFacts>(concat!(
        "SELECT p.id AS platform_id, p.name AS platform, p.schema_name AS schema,
                m.platform_id IS NOT NULL AS has_row, m.version,
                coalesce(m.drift, false) AS drift, m.last_error
         FROM public.platforms p
         LEFT JOIN tenantctl.tenant_migrations m ON m.platform_id = p.id
         WHERE ",
        tenant_sql!(),
        "
           -- A missing schema is reported as such, not as a lag.
           AND EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = p.schema_name)
         ORDER BY p.id"
    ))
    .fetch_all(pool)
    .await?;
    let set = MigrationSet::load(settings.tenant_migrations_dir.as_ref()).await;
    // No recorded status (or no version in it): ask the schema itself.
    let unknown: Vec<SchemaName> = facts
        .iter()
        .filter(|f| !f.has_row || f.version.is_none())
        .filter_map(|f| SchemaName::parse(&f.schema).ok())
        .collect();
    let read = read_schema_versions(pool, &unknown).await?;
    let tenants = facts
        .into_iter()
        .map(|f| {
            let (version, source) = if f.has_row && f.version.is_some() {
                (f.version, "tenant_migrations")
            } else {
                (read.get(&f.schema).copied().flatten(), "schema")
            };
            TenantMigration {
                lag: set.as_ref().map(|s| lag(s, version)).unwrap_or(0),
                platform_id: f.platform_id,
                platform: f.platform,
                schema: f.schema,
                version,
                source,
                drift: f.drift,
                last_error: f.last_error,
            }
        })
        .collect();
    Ok(match set {
        Ok(s) => Migrations {
            latest_version: s.latest(),
            set_error: None,
            tenants,
        },
        Err(e) => Migrations {
            latest_version: None,
            set_error: Some(e.to_string()),
            tenants,
        },
    })
}

/// Collect the snapshot.
pub async fn collect(pool: &PgPool, settings: &Settings) -> Result<FleetStatus> {
    let stuck_after = *settings.provision.stuck_after;
    let warn = *settings.status.backup_warn_age;
    let crit = *settings.status.backup_crit_age;
    let invalid = invalid_platforms(pool).await?;
    let valid = |id: i64| !invalid.iter().any(|b| b.platform_id == id);
    let mut missing = missing_schemas(pool).await?;
    missing.retain(|m| valid(m.platform_id));
    let mut backups = builtin::backups(pool, warn, crit).await?;
    backups.retain(|b| valid(b.platform_id));
    let mut migrations = migrations(pool, settings).await?;
    migrations.tenants.retain(|t| valid(t.platform_id));
    Ok(FleetStatus {
        generated_at: Utc::now(),
        platforms: counts(pool).await?,
        stuck_after_seconds: stuck_after.as_secs_f64(),
        stuck: builtin::stuck(pool, stuck_after).await?,
        failed: builtin::failed_platforms(pool).await?,
        missing_schemas: missing,
        invalid,
        maintenance_warn_seconds: settings.status.maintenance_warn.as_secs_f64(),
        maintenance: in_maintenance(pool).await?,
        old_schemas: old_schemas(pool).await?,
        backup_warn_seconds: warn.as_secs_f64(),
        backup_crit_seconds: crit.as_secs_f64(),
        backups,
        migrations,
        queue: queue(pool).await?,
        provision: provision_times(pool).await?,
        citus: citus_status(pool).await?,
        domains: domain_troubles(pool, settings).await?,
    })
}

// ---------------------------------------------------------------------------------------------
// status --check

/// Monitoring-plugin states (OK, WARNING, CRITICAL, UNKNOWN); the value is the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PluginState {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl PluginState {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginState::Ok => "OK",
            PluginState::Warning => "WARNING",
            PluginState::Critical => "CRITICAL",
            PluginState::Unknown => "UNKNOWN",
        }
    }
}

/// The `status.*` thresholds. A count threshold of 0 is off.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub failed_warn: i64,
    pub failed_crit: i64,
    pub stuck_warn: i64,
    pub stuck_crit: i64,
    pub queue_warn: i64,
    pub queue_crit: i64,
    /// Seconds the oldest ready job may wait (0: off).
    pub queue_age_warn: f64,
    pub queue_age_crit: f64,
    pub discarded_warn: i64,
    pub behind_warn: i64,
    pub behind_crit: i64,
}

impl Thresholds {
    pub fn from_settings(s: &Settings) -> Thresholds {
        let t = &s.status;
        Thresholds {
            failed_warn: t.failed_warn,
            failed_crit: t.failed_crit,
            stuck_warn: t.stuck_warn,
            stuck_crit: t.stuck_crit,
            queue_warn: t.queue_warn,
            queue_crit: t.queue_crit,
            queue_age_warn: t.queue_age_warn.as_secs_f64(),
            queue_age_crit: t.queue_age_crit.as_secs_f64(),
            discarded_warn: t.discarded_warn,
            behind_warn: t.behind_warn,
            behind_crit: t.behind_crit,
        }
    }
}

/// The level of a count against a warning and a critical threshold (0: off). Pure.
pub fn level_of(value: i64, warn: i64, crit: i64) -> PluginState {
    if crit > 0 && value >= crit {
        PluginState::Critical
    } else if warn > 0 && value >= warn {
        PluginState::Warning
    } else {
        PluginState::Ok
    }
}

/// The verdict of `status --check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub level: PluginState,
    /// What is wrong, worst first, each with its level.
    pub problems: Vec<(PluginState, String)>,
    /// Nagios performance data: `label=value;warn;crit`.
    pub perfdata: String,
}

impl Check {
    /// The one line a monitoring system shows.
    pub fn line(&self, s: &FleetStatus) -> String {
        let text = if self.problems.is_empty() {
            format!(
                "{} platforms, none failed or stuck, backups fresh, migrations current, queue {}",
                s.platforms.total, s.queue.ready
            )
        } else {
            self.problems
                .iter()
                .map(|(_, p)| p.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        format!(
            "TENANTCTL {} - {text} | {}",
            self.level.as_str(),
            self.perfdata
        )
    }
}

fn perf(label: &str, value: i64, warn: i64, crit: i64) -> String {
    let t = |v: i64| if v > 0 { v.to_string() } else { String::new() };
    format!("{label}={value};{};{};0", t(warn), t(crit))
}

/// Judge a snapshot. Pure.
pub fn status_check(s: &FleetStatus, t: &Thresholds) -> Check {
    let mut problems: Vec<(PluginState, String)> = Vec::new();
    let names = |v: Vec<&str>| {
        let owned: Vec<String> = v.into_iter().map(str::to_string).collect();
        super::present::some_names(&owned, 3)
    };
    let failed = s.platforms.failed;
    let l = level_of(failed, t.failed_warn, t.failed_crit);
    if l > PluginState::Ok {
        problems.push((
            l,
            format!(
                "{failed} failed platform(s) ({})",
                names(s.failed.iter().map(|f| f.platform.as_str()).collect())
            ),
        ));
    }
    let stuck = s.stuck.len() as i64;
    let l = level_of(stuck, t.stuck_warn, t.stuck_crit);
    if l > PluginState::Ok {
        problems.push((
            l,
            format!(
                "{stuck} platform(s) provisioning for more than {} ({})",
                duration::setting(Duration::from_secs_f64(s.stuck_after_seconds)),
                names(s.stuck.iter().map(|f| f.platform.as_str()).collect())
            ),
        ));
    }
    if !s.invalid.is_empty() {
        problems.push((
            PluginState::Warning,
            format!(
                "{} platform(s) with an invalid schema name ({})",
                s.invalid.len(),
                names(s.invalid.iter().map(|b| b.platform.as_str()).collect())
            ),
        ));
    }
    if !s.missing_schemas.is_empty() {
        problems.push((
            PluginState::Critical,
            format!(
                "{} completed platform(s) without their schema ({})",
                s.missing_schemas.len(),
                names(
                    s.missing_schemas
                        .iter()
                        .map(|m| m.platform.as_str())
                        .collect()
                )
            ),
        ));
    }
    let crit: Vec<&str> = s
        .backups_in(BackupState::Critical)
        .map(|b| b.platform.as_str())
        .collect();
    let stale: Vec<&str> = s
        .backups_in(BackupState::Stale)
        .map(|b| b.platform.as_str())
        .collect();
    let age = |secs: f64| duration::setting(Duration::from_secs_f64(secs));
    if !crit.is_empty() {
        problems.push((
            PluginState::Critical,
            format!(
                "{} backup(s) older than {} ({})",
                crit.len(),
                age(s.backup_crit_seconds),
                names(crit.clone())
            ),
        ));
    }
    if !stale.is_empty() {
        problems.push((
            PluginState::Warning,
            format!(
                "{} backup(s) older than {} ({})",
                stale.len(),
                age(s.backup_warn_seconds),
                names(stale.clone())
            ),
        ));
    }
    let future: Vec<&str> = s
        .backups
        .iter()
        .filter(|b| b.future_backups > 0)
        .map(|b| b.platform.as_str())
        .collect();
    if !future.is_empty() {
        problems.push((
            PluginState::Warning,
            format!(
                "{} platform(s) with backups dated in the future ({})",
                future.len(),
                names(future.clone())
            ),
        ));
    }
    let long: Vec<&str> = s
        .maintenance
        .iter()
        .filter(|m| {
            m.age_seconds
                .is_none_or(|a| a as f64 > s.maintenance_warn_seconds)
        })
        .map(|m| m.platform.as_str())
        .collect();
    if !long.is_empty() {
        problems.push((
            PluginState::Warning,
            format!(
                "{} platform(s) in maintenance for more than {} ({})",
                long.len(),
                age(s.maintenance_warn_seconds),
                names(long.clone())
            ),
        ));
    }
    let unbalanced: Vec<String> = s
        .citus
        .iter()
        .flat_map(|c| &c.nodes)
        .filter(|n| n.imbalance.is_some())
        .map(|n| n.node.to_string())
        .collect();
    if !unbalanced.is_empty() {
        problems.push((
            PluginState::Warning,
            format!(
                "{} Citus node(s) out of balance ({}); `tenantctl rebalance` evens them out",
                unbalanced.len(),
                super::present::some_names(&unbalanced, 3)
            ),
        ));
    }
    for (status, level, what) in [
        (
            "lost",
            PluginState::Critical,
            "custom domain(s) lost their proof and are not served",
        ),
        (
            "failing",
            PluginState::Warning,
            "custom domain(s) failing their proof (still served until `domains.lost_after`)",
        ),
    ] {
        let hit: Vec<String> = s
            .domains
            .iter()
            .filter(|d| d.status == status)
            .map(|d| format!("{} of {}", d.address, d.platform))
            .collect();
        if !hit.is_empty() {
            problems.push((
                level,
                format!(
                    "{} {what} ({}); `tenantctl platform verify-domain` says why",
                    hit.len(),
                    super::present::some_names(&hit, 3)
                ),
            ));
        }
    }
    let behind: Vec<&str> = s.migrations.behind().map(|m| m.platform.as_str()).collect();
    let l = level_of(behind.len() as i64, t.behind_warn, t.behind_crit);
    if l > PluginState::Ok {
        problems.push((
            l,
            format!(
                "{} tenant(s) behind on migrations ({})",
                behind.len(),
                names(behind.clone())
            ),
        ));
    }
    if let Some(e) = &s.migrations.set_error {
        problems.push((
            PluginState::Unknown,
            format!("migration set unavailable: {e}"),
        ));
    }
    let l = level_of(s.queue.ready, t.queue_warn, t.queue_crit);
    if l > PluginState::Ok {
        problems.push((l, format!("{} job(s) waiting in the queue", s.queue.ready)));
    }
    // Whole seconds: the thresholds are settings like 10m.
    let oldest = s.queue.oldest_ready_seconds.unwrap_or(0.0) as i64;
    let l = level_of(oldest, t.queue_age_warn as i64, t.queue_age_crit as i64);
    if l > PluginState::Ok {
        let kinds: Vec<&str> = s
            .queue
            .kinds
            .iter()
            .filter(|k| k.oldest_ready_seconds.unwrap_or(0.0) as i64 >= t.queue_age_warn as i64)
            .map(|k| k.group.as_str())
            .collect();
        problems.push((
            l,
            format!("oldest ready job waiting {}s ({})", oldest, names(kinds)),
        ));
    }
    let l = level_of(s.queue.discarded_24h, t.discarded_warn, 0);
    if l > PluginState::Ok {
        let kinds: Vec<&str> = s
            .queue
            .kinds
            .iter()
            .filter(|k| k.discarded_recent > 0)
            .map(|k| k.group.as_str())
            .collect();
        problems.push((
            l,
            format!(
                "{} job(s) discarded in 24h ({})",
                s.queue.discarded_24h,
                names(kinds)
            ),
        ));
    }
    // Critical outranks unknown: a known emergency is reported as such.
    problems.sort_by_key(|(l, _)| match l {
        PluginState::Critical => 0,
        PluginState::Unknown => 1,
        PluginState::Warning => 2,
        PluginState::Ok => 3,
    });
    let level = match problems.first().map(|(l, _)| *l) {
        None => PluginState::Ok,
        Some(l) => l,
    };
    let perfdata = [
        format!("platforms={};;;0", s.platforms.total),
        perf("failed", failed, t.failed_warn, t.failed_crit),
        perf("stuck", stuck, t.stuck_warn, t.stuck_crit),
        format!("backups_stale={};;;0", stale.len()),
        format!("backups_critical={};;;0", crit.len()),
        format!("schemas_missing={};;;0", s.missing_schemas.len()),
        perf("behind", behind.len() as i64, t.behind_warn, t.behind_crit),
        perf("queue", s.queue.ready, t.queue_warn, t.queue_crit),
        format!(
            "oldest_ready={}s;{};{};0",
            s.queue.oldest_ready_seconds.unwrap_or(0.0) as i64,
            if t.queue_age_warn > 0.0 {
                (t.queue_age_warn as i64).to_string()
            } else {
                String::new()
            },
            if t.queue_age_crit > 0.0 {
                (t.queue_age_crit as i64).to_string()
            } else {
                String::new()
            },
        ),
        perf("discarded_24h", s.queue.discarded_24h, t.discarded_warn, 0),
        format!("maintenance={};;;0", s.maintenance.len()),
    ]
    .join(" ");
    Check {
        level,
        problems,
        perfdata,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn empty() -> FleetStatus {
        FleetStatus {
            generated_at: Utc::now(),
            platforms: StatusCounts {
                completed: 3,
                total: 3,
                ..StatusCounts::default()
            },
            stuck_after_seconds: 600.0,
            stuck: vec![],
            failed: vec![],
            missing_schemas: vec![],
            maintenance_warn_seconds: 3600.0,
            maintenance: vec![],
            old_schemas: vec![],
            invalid: vec![],
            backup_warn_seconds: 86400.0,
            backup_crit_seconds: 7.0 * 86400.0,
            backups: vec![],
            migrations: Migrations {
                latest_version: Some(10),
                set_error: None,
                tenants: vec![],
            },
            queue: Queue::default(),
            provision: ProvisionTimes::default(),
            citus: None,
            domains: vec![],
        }
    }

    fn thresholds() -> Thresholds {
        Thresholds {
            failed_warn: 1,
            failed_crit: 5,
            stuck_warn: 1,
            stuck_crit: 0,
            queue_warn: 50,
            queue_crit: 500,
            queue_age_warn: 600.0,
            queue_age_crit: 3600.0,
            discarded_warn: 0,
            behind_warn: 1,
            behind_crit: 0,
        }
    }

    fn failed(n: usize) -> Vec<FailedPlatform> {
        (0..n)
            .map(|i| FailedPlatform {
                platform_id: i as i64,
                platform: format!("p{i}"),
                error: Some("boom".into()),
                failed_at: Utc::now(),
            })
            .collect()
    }

    #[test]
    fn levels_against_thresholds() {
        assert_eq!(level_of(0, 1, 5), PluginState::Ok);
        assert_eq!(level_of(1, 1, 5), PluginState::Warning);
        assert_eq!(level_of(5, 1, 5), PluginState::Critical);
        assert_eq!(level_of(100, 0, 0), PluginState::Ok);
        assert_eq!(level_of(100, 0, 3), PluginState::Critical);
    }

    #[test]
    fn a_healthy_fleet_is_ok_in_one_line() {
        let c = status_check(&empty(), &thresholds());
        assert_eq!(c.level, PluginState::Ok);
        let line = c.line(&empty());
        assert!(line.starts_with("TENANTCTL OK - 3 platforms"), "{line}");
        assert!(!line.contains('\n'));
        assert!(line.contains("| platforms=3;;;0 failed=0;1;5;0"), "{line}");
    }

    #[test]
    fn a_failing_domain_warns_and_a_lost_one_is_critical() {
        let trouble = |status: &str, address: &str| DomainTrouble {
            platform_id: 1,
            platform: "Shop".into(),
            address: address.into(),
            status: status.into(),
            since: Some(Utc::now()),
            error: None,
        };
        let mut s = empty();
        s.domains = vec![trouble("failing", "shop.test")];
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Warning);
        assert!(
            c.line(&s).contains("1 custom domain(s) failing"),
            "{}",
            c.line(&s)
        );
        s.domains.push(trouble("lost", "old.test"));
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Critical);
        assert!(c.line(&s).contains("old.test of Shop"), "{}", c.line(&s));
    }

    #[test]
    fn failures_warn_then_turn_critical() {
        let mut s = empty();
        s.platforms.failed = 2;
        s.failed = failed(2);
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Warning);
        assert!(
            c.line(&s)
                .contains("TENANTCTL WARNING - 2 failed platform(s) (p0, p1)"),
            "{}",
            c.line(&s)
        );
        s.platforms.failed = 6;
        s.failed = failed(6);
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Critical);
        assert!(c.line(&s).contains("(p0, p1, p2 and 3 more)"));
    }

    #[test]
    fn critical_outranks_warning_and_unknown() {
        let mut s = empty();
        s.queue.ready = 60;
        s.migrations.set_error = Some("no dir".into());
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Unknown);
        s.queue.ready = 600;
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Critical);
        assert!(c.problems[0].1.contains("600 job(s)"));
    }

    #[test]
    fn maintenance_warns_only_past_its_age() {
        let mut s = empty();
        let m = |age: Option<i64>| InMaintenance {
            platform_id: 1,
            platform: "acme".into(),
            schema: None,
            reason: Some("tenantctl restore: ...".into()),
            since: None,
            age_seconds: age,
        };
        s.maintenance = vec![m(Some(60))];
        assert_eq!(status_check(&s, &thresholds()).level, PluginState::Ok);
        assert!(
            status_check(&s, &thresholds())
                .perfdata
                .ends_with("maintenance=1;;;0")
        );
        s.maintenance = vec![m(Some(3601))];
        let c = status_check(&s, &thresholds());
        assert_eq!(c.level, PluginState::Warning);
        assert!(
            c.line(&s)
                .contains("1 platform(s) in maintenance for more than 1h (acme)"),
            "{}",
            c.line(&s)
        );
        // Since unknown (set before the column existed): warned, to be looked at.
        s.maintenance = vec![m(None)];
        assert_eq!(status_check(&s, &thresholds()).level, PluginState::Warning);
    }

    #[test]
    fn lag_counts_newer_versions() {
        let set = MigrationSet::embedded();
        let all = set.len() as i64;
        assert_eq!(lag(&set, None), all);
        assert_eq!(lag(&set, set.latest()), 0);
        let second = set.ups().nth(1).unwrap().version;
        assert_eq!(lag(&set, Some(second)), all - 2);
    }
}
