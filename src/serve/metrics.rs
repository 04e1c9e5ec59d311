//! `/metrics`: Prometheus text (format 0.0.4) from a `prometheus-client` registry. Serve's own
//! series are requests and latency by tenant and the resolution cache (size, reloads); other
//! parts of tenantctl add theirs with [`Metrics::register_collector`] (for example fleet
//! gauges that `status --format prometheus` also prints) before `serve` starts.
//!
//! The tenant label is the schema name: it is validated (`[a-z0-9_]`), stable across renames,
//! and empty for requests that reached no tenant (setup, health, unknown hosts, bad input).

use prometheus_client::collector::Collector;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::time::Duration;

/// The `Content-Type` of `/metrics`.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub tenant: String,
    /// The HTTP status code.
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TenantLabel {
    pub tenant: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RefreshLabels {
    /// startup, listen, notify, reconnect, periodic
    pub trigger: String,
    /// ok or error
    pub result: String,
}

/// Latency buckets in seconds: 100 µs to 5 s.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Serve's metrics and the registry they are exposed from.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<TenantLabel, Histogram, fn() -> Histogram>,
    pub resolution_entries: Gauge,
    pub refreshes: Family<RefreshLabels, Counter>,
    /// The request connections' series (see [`super::slots`]).
    pub slots: super::slots::SlotMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        // Serve's series under `tenantctl_serve_`; collectors added later sit at the root.
        let mut registry = Registry::default();
        let serve = registry.sub_registry_with_prefix("tenantctl_serve");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<TenantLabel, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let resolution_entries = Gauge::default();
        let refreshes = Family::<RefreshLabels, Counter>::default();
        serve.register(
            "requests",
            "HTTP requests answered, by tenant schema (empty: none) and status",
            requests.clone(),
        );
        serve.register(
            "request_duration_seconds",
            "Time to answer a request, by tenant schema (empty: none)",
            latency.clone(),
        );
        serve.register(
            "resolution_entries",
            "Addresses in the in-memory host-to-tenant map",
            resolution_entries.clone(),
        );
        serve.register(
            "resolution_refreshes",
            "Reloads of the host-to-tenant map, by trigger and result",
            refreshes.clone(),
        );
        let slots = super::slots::SlotMetrics::default();
        serve.register(
            "connection_picks",
            "Request connections taken, by pick: warm (its backend had served the tenant), waited (warm, after waiting for it), cold (its backend had not), any (no tenant, or affinity off)",
            slots.picks.clone(),
        );
        serve.register(
            "backend_recycles",
            "Request connections replaced because their backend's memory passed serve.backend_memory_limit_mib",
            slots.recycled.clone(),
        );
        serve.register(
            "backend_connects",
            "Request connections opened",
            slots.connects.clone(),
        );
        serve.register(
            "backend_memory_max_bytes",
            "The largest backend memory among the request connections' latest samples",
            slots.backend_memory_max.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            resolution_entries,
            refreshes,
            slots,
        }
    }

    /// Add a collector (for example fleet gauges) to what `/metrics` exposes. Its metric names
    /// are not prefixed with `tenantctl_serve_`.
    pub fn register_collector(&mut self, collector: Box<dyn Collector>) {
        self.registry.register_collector(collector);
    }

    /// The registry itself, to register further metrics.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    pub fn observe(&self, tenant: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                tenant: tenant.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&TenantLabel {
                tenant: tenant.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }

    pub fn refreshed(&self, trigger: &str, ok: bool) {
        self.refreshes
            .get_or_create(&RefreshLabels {
                trigger: trigger.to_string(),
                result: if ok { "ok" } else { "error" }.to_string(),
            })
            .inc();
    }

    /// The exposition text.
    pub fn encode(&self) -> String {
        encode(&self.registry)
    }
}

/// Any registry as Prometheus text, for `/metrics` and for commands that print metrics.
pub fn encode(registry: &Registry) -> String {
    let mut out = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut out, registry)
        .expect("writing to a String cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};

    #[derive(Debug)]
    struct Fleet;

    impl Collector for Fleet {
        fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
            let g: Gauge = Gauge::default();
            g.set(3);
            let metric = encoder.encode_descriptor(
                "tenantctl_platforms",
                "Platforms by status",
                None,
                g.metric_type(),
            )?;
            g.encode(metric)
        }
    }

    #[test]
    fn exposition_has_serve_series_and_added_collectors() {
        let mut m = Metrics::new();
        m.register_collector(Box::new(Fleet));
        m.observe("tenant_acme_abc123", 200, Duration::from_micros(300));
        m.observe("", 400, Duration::from_micros(50));
        m.resolution_entries.set(7);
        m.refreshed("notify", true);
        let text = m.encode();
        for line in [
            "tenantctl_serve_requests_total{tenant=\"tenant_acme_abc123\",status=\"200\"} 1",
            "tenantctl_serve_requests_total{tenant=\"\",status=\"400\"} 1",
            "tenantctl_serve_request_duration_seconds_bucket{tenant=\"tenant_acme_abc123\",le=\"0.0005\"} 1",
            "tenantctl_serve_request_duration_seconds_count{tenant=\"tenant_acme_abc123\"} 1",
            "tenantctl_serve_resolution_entries 7",
            "tenantctl_serve_resolution_refreshes_total{trigger=\"notify\",result=\"ok\"} 1",
            "tenantctl_platforms 3",
        ] {
            assert!(text.contains(line), "missing {line:?} in:\n{text}");
        }
    }
}
