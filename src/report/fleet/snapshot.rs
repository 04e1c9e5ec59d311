//! The snapshot's shape (`FleetStatus` and its parts) and `collect`, which fills it.

use super::*;

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

#[derive(Debug, Clone, Default, PartialEq, Serialize, sqlx::FromRow)]
pub struct Queue {
    /// Jobs waiting to run (including those scheduled for a later retry).
    pub queued: i64,
    /// Queued jobs whose time has come.
    pub ready: i64,
    pub running: i64,
    /// Jobs that failed for good.
    pub failed: i64,
    /// Seconds the oldest ready job has waited.
    pub oldest_ready_seconds: Option<f64>,
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

impl FleetStatus {
    pub fn backups_in(&self, state: BackupState) -> impl Iterator<Item = &BackupRow> {
        self.backups.iter().filter(move |b| b.state == state)
    }
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
