//! The state every request can reach: [`App`] (the request slots, the registry pool, the
//! resolver, the metrics, the guard, the settings serve started with) and how a request's
//! queries are sent ([`App::stmts`]).
//!
//! Owns no handler and no route. May import serve's lower rooms (slots, resolve, metrics,
//! guard, queries) and the library; handlers import it, never the other way round.

use super::guard::Guard;
use super::metrics::Metrics;
use super::queries::{self, Stmts};
use super::resolve::Resolver;
use super::slots::Slots;
use crate::db::SchemaName;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

pub use crate::config::UnknownHost;

/// The benchmark-only floor: one schema, fixed on its own pool's connections (see
/// `serve --bench-fixed-schema`).
#[derive(Debug, Clone)]
pub struct FixedSchema {
    pub pool: PgPool,
    pub schema: SchemaName,
}

/// Everything a request can reach.
#[derive(Debug)]
pub struct App {
    /// Request traffic (tenant transactions), on tenant-affine connection slots; may be a
    /// PgBouncer in transaction mode.
    pub requests: Arc<Slots>,
    /// Whether request queries may be named prepared statements (`serve.statement_cache` > 0);
    /// otherwise they use the unnamed statement, which lives only inside its transaction.
    pub persistent: bool,
    /// Whether the request connections have the request lock timeout as their own default
    /// (direct connections); otherwise each request transaction sets it.
    pub lock_timeout_set: bool,
    /// The request pool's statement cache per connection (`serve.statement_cache`).
    pub statement_cache: usize,
    /// The registry, directly: setup routes, readiness, and the resolver's reloads.
    pub registry: PgPool,
    pub resolver: Arc<Resolver>,
    pub metrics: Arc<Metrics>,
    pub unknown_host: UnknownHost,
    /// `http` or `https`, for redirects.
    pub url_scheme: String,
    pub retry_after: Duration,
    pub extension_schema: Option<SchemaName>,
    /// The configured `base_domain`, as typed (setup routes normalise it like the CLI).
    pub base_domain: Option<String>,
    /// The settings serve started with (the fleet metrics of `/metrics` read them).
    pub settings: crate::config::Settings,
    pub fixed: Option<FixedSchema>,
    /// Who may reach `/setup/*` and `/metrics` (`serve.setup`, `serve.metrics_*`).
    pub guard: Guard,
}

impl App {
    /// Advice when the tenants one request connection serves outgrow its statement cache:
    /// request statements are then shared by all tenants and planned again whenever a
    /// connection changes tenant (see [`Self::stmts`]). `None` while they fit.
    pub fn shared_statements_advice(&self) -> Option<String> {
        let fleet = self.resolver.served();
        let per = self.requests.tenants_per_connection(fleet);
        let q = queries::QUERIES;
        if !self.persistent || per * q <= self.statement_cache {
            return None;
        }
        let raise = if per < fleet {
            // With affinity: a larger pool gives each connection a smaller share.
            let pool = (2 * fleet * q).div_ceil(self.statement_cache.max(1));
            format!(
                "serve.pool_size to {pool} or serve.statement_cache to {}",
                per * q
            )
        } else {
            format!("serve.statement_cache to {}", per * q)
        };
        Some(format!(
            "{fleet} tenants, about {per} per request connection: their {} request statements do not fit serve.statement_cache ({}), so every tenant shares one text, planned again whenever a connection changes tenant; raise {raise}",
            per * q,
            self.statement_cache
        ))
    }

    /// How this request's queries are sent. Statements are per tenant while the queries of
    /// the tenants one connection serves fit in its statement cache (with affinity a share of
    /// the fleet, see [`super::slots::Slots::tenants_per_connection`]); beyond that, one text
    /// for all (re-planned when a connection changes tenant) beats a cache that evicts, which
    /// costs a round trip (Close) and a full plan per request.
    pub fn stmts<'a>(&self, tenant: Option<&'a SchemaName>) -> Stmts<'a> {
        let served = self.requests.tenants_per_connection(self.resolver.served());
        let fits = served * queries::QUERIES <= self.statement_cache;
        // Shared, except for a tenant whose result types differ (see `plans`).
        let own = || tenant.is_some_and(|t| self.resolver.plans.is_apart(t));
        let tag = if self.persistent && (fits || own()) {
            tenant
        } else {
            None
        };
        Stmts {
            persistent: self.persistent,
            tag,
            generation: if self.persistent {
                self.resolver.plans.get(tag)
            } else {
                0
            },
        }
    }
}
