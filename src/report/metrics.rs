//! The fleet as Prometheus metrics (text exposition format 0.0.4), built with
//! `prometheus-client` from a [`FleetStatus`] snapshot. `status --format prometheus` writes it
//! for the node_exporter textfile collector; `serve`'s `/metrics` calls [`render`] (or
//! [`register`] into its own registry) on each scrape.
//!
//! Metric names are stable (documented in docs/monitoring.md):
//! - `tenantctl_platforms{status}`, `tenantctl_platforms_external`, `tenantctl_platforms_stuck`,
//!   `tenantctl_schemas_missing`
//! - `tenantctl_provision_attempts_total{outcome}`, `tenantctl_provision_running`,
//!   `tenantctl_provision_duration_seconds` (histogram of completed attempts)
//! - `tenantctl_backup_age_seconds{platform,schema}`, `tenantctl_backup_size_bytes{…}`,
//!   `tenantctl_backup_never{…}`, `tenantctl_schema_size_bytes{…}`
//! - `tenantctl_migration_latest_version`, `tenantctl_migration_lag{platform,schema}`,
//!   `tenantctl_tenants_behind_migrations`
//! - `tenantctl_queue_depth`, `tenantctl_queue_ready`, `tenantctl_queue_oldest_ready_seconds`,
//!   `tenantctl_jobs{kind,state}`, `tenantctl_jobs_ready{kind}`,
//!   `tenantctl_jobs_oldest_ready_seconds{kind}`, `tenantctl_job_attempts_24h{kind,outcome}`
//! - `tenantctl_status_timestamp_seconds` (when the snapshot was taken, to alert on a stale file)

use super::fleet::{DURATION_BUCKETS, FleetStatus};
use crate::error::Result;
use crate::registry::ProvisionStatus;
use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

/// The `Content-Type` of [`render`]'s output, for an HTTP answer.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

type Labels = Vec<(String, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

/// A histogram whose buckets were counted elsewhere (in SQL).
#[derive(Debug)]
struct ConstHistogram {
    sum: f64,
    count: u64,
    /// (upper bound, count in this bucket), not cumulative.
    buckets: Vec<(f64, u64)>,
}

impl EncodeMetric for ConstHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> std::result::Result<(), std::fmt::Error> {
        encoder.encode_histogram::<NoLabelSet>(self.sum, self.count, &self.buckets, None)
    }
    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

fn gauge(v: f64) -> ConstGauge<f64> {
    ConstGauge::new(v)
}

fn tenant_labels(platform: &str, schema: &str) -> Labels {
    vec![
        ("platform".into(), platform.into()),
        ("schema".into(), schema.into()),
    ]
}

/// Register the snapshot's metrics into `registry` (names as documented above).
pub fn register(registry: &mut Registry, s: &FleetStatus) {
    let platforms = Family::<Labels, FloatGauge>::default();
    for &st in ProvisionStatus::ALL {
        platforms
            .get_or_create(&vec![("status".into(), st.as_str().into())])
            .set(s.platforms.get(st) as f64);
    }
    registry.register(
        "tenantctl_platforms",
        "Platforms by provision status",
        platforms,
    );
    registry.register(
        "tenantctl_platforms_external",
        "Registered platforms hosted elsewhere (no schema)",
        gauge(s.platforms.external as f64),
    );
    registry.register(
        "tenantctl_schemas_missing",
        "Completed platforms whose schema does not exist (dropped outside tenantctl)",
        gauge(s.missing_schemas.len() as f64),
    );
    registry.register(
        "tenantctl_platforms_stuck",
        "Platforms provisioning for longer than provision.stuck_after",
        gauge(s.stuck.len() as f64),
    );

    let attempts = Family::<Labels, Counter>::default();
    for (outcome, n) in [
        ("completed", s.provision.completed),
        ("failed", s.provision.failed),
    ] {
        attempts
            .get_or_create(&vec![("outcome".into(), outcome.into())])
            .inc_by(n.max(0) as u64);
    }
    registry.register(
        "tenantctl_provision_attempts",
        "Finished provision attempts by outcome",
        attempts,
    );
    registry.register(
        "tenantctl_provision_running",
        "Provision attempts running now",
        gauge(s.provision.running as f64),
    );
    let count: u64 = s.provision.completed.max(0) as u64;
    registry.register(
        "tenantctl_provision_duration_seconds",
        "Time completed provision attempts took",
        ConstHistogram {
            sum: s.provision.sum_seconds,
            count,
            buckets: DURATION_BUCKETS
                .iter()
                .copied()
                .zip(s.provision.buckets.iter().copied())
                .collect(),
        },
    );

    let age = Family::<Labels, FloatGauge>::default();
    let size = Family::<Labels, FloatGauge>::default();
    let never = Family::<Labels, FloatGauge>::default();
    let schema_size = Family::<Labels, FloatGauge>::default();
    for b in &s.backups {
        let l = tenant_labels(&b.platform, &b.schema);
        age.get_or_create(&l).set(b.age_seconds as f64);
        never.get_or_create(&l).set(if b.never { 1.0 } else { 0.0 });
        if let Some(v) = b.last_size_bytes {
            size.get_or_create(&l).set(v as f64);
        }
        if let Some(v) = b.schema_size_bytes {
            schema_size.get_or_create(&l).set(v as f64);
        }
    }
    registry.register(
        "tenantctl_backup_age_seconds",
        "Seconds since the platform's last backup (since provisioning when it has none)",
        age,
    );
    registry.register(
        "tenantctl_backup_never",
        "1 when the platform has never been backed up",
        never,
    );
    registry.register(
        "tenantctl_backup_size_bytes",
        "Size of the platform's last backup",
        size,
    );
    registry.register(
        "tenantctl_schema_size_bytes",
        "Size of the platform's schema as last recorded (platforms.schema_size_bytes)",
        schema_size,
    );

    if let Some(v) = s.migrations.latest_version {
        registry.register(
            "tenantctl_migration_latest_version",
            "Newest version of the tenant migration set",
            gauge(v as f64),
        );
    }
    let lag = Family::<Labels, FloatGauge>::default();
    for t in &s.migrations.tenants {
        lag.get_or_create(&tenant_labels(&t.platform, &t.schema))
            .set(t.lag as f64);
    }
    registry.register(
        "tenantctl_migration_lag",
        "Tenant migrations not yet applied to the platform's schema",
        lag,
    );
    registry.register(
        "tenantctl_tenants_behind_migrations",
        "Tenants behind the migration set or whose last migration failed",
        gauge(s.migrations.behind().count() as f64),
    );

    registry.register(
        "tenantctl_queue_depth",
        "Jobs queued (including retries scheduled for later)",
        gauge(s.queue.queued as f64),
    );
    registry.register(
        "tenantctl_queue_ready",
        "Queued jobs whose time has come",
        gauge(s.queue.ready as f64),
    );
    registry.register(
        "tenantctl_queue_oldest_ready_seconds",
        "Seconds the oldest ready job has waited (0 when none waits)",
        gauge(s.queue.oldest_ready_seconds.unwrap_or(0.0)),
    );
    // Per kind, read from the queue tables when the snapshot was taken.
    let jobs = Family::<Labels, FloatGauge>::default();
    let ready = Family::<Labels, FloatGauge>::default();
    let oldest = Family::<Labels, FloatGauge>::default();
    let attempts = Family::<Labels, FloatGauge>::default();
    for k in &s.queue.kinds {
        let kind = || vec![("kind".to_string(), k.group.clone())];
        for st in crate::jobs::manage::STATES {
            let mut l = kind();
            l.push(("state".into(), st.to_string()));
            jobs.get_or_create(&l).set(k.state(st) as f64);
        }
        ready.get_or_create(&kind()).set(k.ready as f64);
        oldest
            .get_or_create(&kind())
            .set(k.oldest_ready_seconds.unwrap_or(0.0));
        for (outcome, n) in [
            ("completed", k.attempts_completed),
            ("failed", k.attempts_failed),
        ] {
            let mut l = kind();
            l.push(("outcome".into(), outcome.into()));
            attempts.get_or_create(&l).set(n as f64);
        }
    }
    registry.register("tenantctl_jobs", "Jobs by kind and state", jobs);
    registry.register(
        "tenantctl_jobs_ready",
        "Waiting jobs of a kind whose time has come",
        ready,
    );
    registry.register(
        "tenantctl_jobs_oldest_ready_seconds",
        "Seconds the oldest ready job of a kind has waited (0 when none waits)",
        oldest,
    );
    registry.register(
        "tenantctl_job_attempts_24h",
        "Attempts of a kind that ended in the last 24 hours, by outcome (a window, not a counter: attempts are pruned with their jobs)",
        attempts,
    );
    registry.register(
        "tenantctl_status_timestamp_seconds",
        "When this snapshot was taken (Unix time)",
        gauge(s.generated_at.timestamp_millis() as f64 / 1000.0),
    );
}

/// The snapshot in the Prometheus text exposition format.
pub fn render(s: &FleetStatus) -> Result<String> {
    let mut registry = Registry::default();
    register(&mut registry, s);
    let mut out = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)
        .map_err(|e| anyhow::anyhow!("cannot encode metrics: {e}"))?;
    Ok(out)
}

/// Collect and render in one call (what `/metrics` needs).
pub async fn scrape(pool: &sqlx::PgPool, settings: &crate::config::Settings) -> Result<String> {
    render(&super::fleet::collect(pool, settings).await?)
}
