//! Resolution: which platform a request host belongs to, answered from an in-memory map so no
//! request queries the registry. [`ResolutionMap`] is the pure part (built from registry rows,
//! unit tested); [`Resolver`] holds the current map and reloads it when the registry changes
//! (LISTEN/NOTIFY on `tenantctl_registry`, see migration `20261126000710_serve_notify`) and on a
//! timer as a safety net.
//!
//! Order of resolution, mirroring `registry::store` (addresses) and the plan's TenantResolver:
//! 1. an exact match of a platform's own address (`sub.domain` or a custom `domain`);
//! 2. `label.<base domain>` for a subdomain-only platform, the base being `base_domain` from the
//!    configuration or else the host platform's domain;
//! 3. an old address from `tenantctl.domain_history` that has not expired: moved;
//! 4. unknown.
//!
//! Only completed, non-external platforms with a valid schema name are served. A live address
//! always wins over an old one that another platform gave up. With `domains.verify` (the
//! default), a platform's own domain is served only while proven (`registry::domains`): an
//! unverified or lost one is not routed and its challenge is not answered.

use super::host::{HostName, RequestHost};
use super::metrics::Metrics;
use crate::db::SchemaName;
use crate::error::Result;
use crate::registry::domains::{self, Challenge};
use crate::registry::{PLATFORM_COLUMNS, Platform};
use crate::rules::naming;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgListener;
use sqlx::{AssertSqlSafe, PgPool};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// The channel the registry triggers notify.
pub use crate::db::changes::CHANNEL;

/// A platform that is served: what a request needs to reach its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: i64,
    pub name: String,
    pub schema: SchemaName,
    /// The address it is served at.
    pub address: String,
    /// In maintenance: answered with 503, its schema untouched.
    pub maintenance: bool,
    pub maintenance_reason: Option<String>,
}

/// An old address and where it points now.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OldAddress {
    pub platform_id: i64,
    pub old_address: String,
    pub expires_at: DateTime<Utc>,
}

/// What a host resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Tenant(Arc<Tenant>),
    /// The platform is in maintenance.
    Maintenance(Arc<Tenant>),
    /// An old address of a platform now served at `to`.
    Moved {
        to: String,
    },
    /// No platform; `host_address` is where the host platform is served, if it is.
    Unknown {
        host_address: Option<String>,
    },
}

/// The host → platform map at one moment of the registry.
#[derive(Debug, Default)]
pub struct ResolutionMap {
    /// Platforms with a domain of their own: `sub.domain` or `domain`.
    exact: HashMap<String, Arc<Tenant>>,
    /// Subdomain-only platforms, by subdomain, under `base`.
    subdomains: HashMap<String, Arc<Tenant>>,
    base: Option<String>,
    /// Old address → (current address, expiry).
    moved: HashMap<String, (String, DateTime<Utc>)>,
    /// The host platform's address, when it is served.
    host_address: Option<String>,
    /// The host platform's own address, served or not (an external host has no schema): where
    /// the console answers.
    console_address: Option<String>,
    /// Verified custom addresses → (token, proof): serve's answer that the name points here.
    challenges: HashMap<String, (String, String)>,
}

fn servable(p: &Platform) -> Option<SchemaName> {
    if !p.is_tenant() {
        return None;
    }
    // A schema name that fails validation never reaches SQL; such a row is skipped (and logged).
    match p.schema() {
        Ok(s) => s,
        Err(e) => {
            warn!(platform = %p.name, error = %e, "platform skipped: invalid schema name");
            None
        }
    }
}

impl ResolutionMap {
    /// Build from every platform and the unexpired old addresses. `configured_base` is the
    /// `base_domain` setting (already normalised).
    pub fn build(
        platforms: &[Platform],
        history: &[OldAddress],
        configured_base: Option<&str>,
    ) -> ResolutionMap {
        ResolutionMap::build_with(platforms, history, configured_base, None)
    }

    /// [`ResolutionMap::build`], serving a custom domain only when `proofs` (the rows of
    /// `tenantctl.domain_verifications`) say it is verified; `None`: no verification.
    pub fn build_with(
        platforms: &[Platform],
        history: &[OldAddress],
        configured_base: Option<&str>,
        proofs: Option<&[Challenge]>,
    ) -> ResolutionMap {
        let base = configured_base.map(str::to_string).or_else(|| {
            platforms
                .iter()
                .find(|p| p.host)
                .and_then(|h| h.domain.clone())
        });
        let mut map = ResolutionMap {
            base: base.clone(),
            ..ResolutionMap::default()
        };
        let mut addresses: HashMap<i64, String> = HashMap::new();
        for p in platforms {
            let Some(address) = p.address(base.as_deref()) else {
                continue;
            };
            addresses.insert(p.id, address.clone());
            if p.host {
                map.console_address = Some(address.clone());
            }
            if let Some(proofs) = proofs
                && domains::needs_verification(p, &address, base.as_deref())
            {
                let proof = proofs
                    .iter()
                    .find(|c| c.platform_id == p.id && c.domain == address);
                match proof {
                    // serve answers its secret proof for a verified address only (the
                    // re-check of one proven over HTTP: the name still points here); an
                    // unverified one gets nothing, or pointing a name here would prove it.
                    Some(c) if c.verified_at.is_some() => {
                        map.challenges
                            .insert(address.clone(), (c.token.clone(), c.proof.clone()));
                    }
                    _ => continue,
                }
            }
            let Some(schema) = servable(p) else {
                continue;
            };
            let tenant = Arc::new(Tenant {
                id: p.id,
                name: p.name.clone(),
                schema,
                address: address.clone(),
                maintenance: p.maintenance,
                maintenance_reason: p.maintenance_reason.clone(),
            });
            if p.host {
                map.host_address = Some(address.clone());
            }
            match (&p.subdomain, &p.domain) {
                (Some(sub), None) => {
                    map.subdomains.insert(sub.clone(), tenant);
                }
                _ => {
                    map.exact.insert(address, tenant);
                }
            }
        }
        for h in history {
            if let Some(to) = addresses.get(&h.platform_id)
                && *to != h.old_address
            {
                // Two entries for one old address (moved twice): the later expiry wins.
                let keep = map
                    .moved
                    .get(&h.old_address)
                    .is_none_or(|(_, e)| *e < h.expires_at);
                if keep {
                    map.moved
                        .insert(h.old_address.clone(), (to.clone(), h.expires_at));
                }
            }
        }
        map
    }

    /// The host platform's own address (lower case), where the console answers; `None`
    /// without a host platform.
    pub fn console_address(&self) -> Option<&str> {
        self.console_address.as_deref()
    }

    /// Resolve a request host at time `now` (old addresses expire without a reload).
    pub fn resolve(&self, host: &RequestHost, now: DateTime<Utc>) -> Resolution {
        let unknown = || Resolution::Unknown {
            host_address: self.host_address.clone(),
        };
        let HostName::Domain(name) = &host.name else {
            return unknown();
        };
        let found = self.exact.get(name).or_else(|| {
            let base = self.base.as_deref()?;
            let label = name.strip_suffix(base)?.strip_suffix('.')?;
            // One label only: `a.b.<base>` is not subdomain `a.b`.
            if label.contains('.') {
                return None;
            }
            self.subdomains.get(label)
        });
        if let Some(t) = found {
            return if t.maintenance {
                Resolution::Maintenance(t.clone())
            } else {
                Resolution::Tenant(t.clone())
            };
        }
        match self.moved.get(name) {
            Some((to, expires)) if *expires > now => Resolution::Moved { to: to.clone() },
            _ => unknown(),
        }
    }

    /// serve's answer to the HTTP challenge `token` for `host`, once its domain is verified
    /// (never before: see `registry::domains`).
    pub fn challenge(&self, host: &RequestHost, token: &str) -> Option<&str> {
        let HostName::Domain(name) = &host.name else {
            return None;
        };
        match self.challenges.get(name) {
            Some((t, proof)) if t == token => Some(proof),
            _ => None,
        }
    }

    /// How many addresses are served (the resolution cache size).
    pub fn len(&self) -> usize {
        self.exact.len() + self.subdomains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Old addresses that redirect.
    pub fn moved_len(&self) -> usize {
        self.moved.len()
    }
}

/// The registry rows the map is built from.
type Rows = (Vec<Platform>, Vec<OldAddress>, Vec<Challenge>);

/// Load the registry rows the map is built from, in one consistent snapshot.
pub async fn load(pool: &PgPool) -> Result<Rows> {
    let mut tx = pool.begin().await?;
    // language=PostgreSQL
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let platforms: Vec<Platform> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {PLATFORM_COLUMNS} FROM public.platforms ORDER BY id"
    )))
    .fetch_all(&mut *tx)
    .await?;
    // language=PostgreSQL
    let history: Vec<OldAddress> = sqlx::query_as(
        "SELECT platform_id, old_address, expires_at FROM tenantctl.domain_history WHERE expires_at > now()",
    )
    .fetch_all(&mut *tx)
    .await?;
    let proofs = domains::all(&mut *tx).await?;
    tx.commit().await?;
    Ok((platforms, history, proofs))
}

/// The current map, shared by every request, and how it is kept fresh.
#[derive(Debug)]
pub struct Resolver {
    map: RwLock<Arc<ResolutionMap>>,
    configured_base: Option<String>,
    /// `domains.verify`.
    verify_domains: bool,
    /// Serialises reloads, so an older snapshot never replaces a newer one.
    reload: tokio::sync::Mutex<()>,
    loaded: AtomicBool,
    /// The current map's size, readable without the lock.
    served: AtomicUsize,
    /// Whether our own test notification came back after LISTEN.
    notifications_seen: AtomicBool,
    metrics: Arc<Metrics>,
    /// Generations of the request statements, bumped when a schema changes.
    pub plans: super::plans::Generations,
}

impl Resolver {
    /// `configured_base`: the `base_domain` setting; it is normalised here.
    pub fn new(
        configured_base: Option<&str>,
        verify_domains: bool,
        metrics: Arc<Metrics>,
    ) -> Result<Resolver> {
        let configured_base = configured_base
            .map(naming::normalize_domain)
            .transpose()
            .map_err(|mut e| {
                e.field = "base_domain";
                e
            })?;
        Ok(Resolver {
            map: RwLock::new(Arc::new(ResolutionMap::default())),
            configured_base,
            verify_domains,
            reload: tokio::sync::Mutex::new(()),
            loaded: AtomicBool::new(false),
            served: AtomicUsize::new(0),
            notifications_seen: AtomicBool::new(false),
            metrics,
            plans: Default::default(),
        })
    }

    /// The current map (cheap: an `Arc` clone under a read lock).
    pub fn current(&self) -> Arc<ResolutionMap> {
        self.map.read().expect("resolution map lock").clone()
    }

    /// Whether a map has been loaded from the registry at least once.
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// How many addresses the current map serves.
    pub fn served(&self) -> usize {
        self.served.load(Ordering::Acquire)
    }

    pub fn notifications_seen(&self) -> bool {
        self.notifications_seen.load(Ordering::Acquire)
    }

    /// Replace the map (tests build one by hand).
    pub fn install(&self, map: ResolutionMap) {
        self.metrics.resolution_entries.set(map.len() as i64);
        self.served.store(map.len(), Ordering::Release);
        *self.map.write().expect("resolution map lock") = Arc::new(map);
        self.loaded.store(true, Ordering::Release);
    }

    /// Reload from the registry. `trigger` labels the refresh metric.
    pub async fn refresh(&self, pool: &PgPool, trigger: &'static str) -> Result<()> {
        let _one_at_a_time = self.reload.lock().await;
        match load(pool).await {
            Ok((platforms, history, proofs)) => {
                let map = ResolutionMap::build_with(
                    &platforms,
                    &history,
                    self.configured_base.as_deref(),
                    self.verify_domains.then_some(proofs.as_slice()),
                );
                debug!(
                    trigger,
                    served = map.len(),
                    moved = map.moved_len(),
                    "resolution map reloaded"
                );
                self.install(map);
                self.metrics.refreshed(trigger, true);
                Ok(())
            }
            Err(e) => {
                self.metrics.refreshed(trigger, false);
                Err(e)
            }
        }
    }

    /// Keep the map fresh until `stop`: a LISTEN loop (on its own connection from `pool`, which
    /// must reach PostgreSQL itself: LISTEN needs a session, so not a PgBouncer in transaction
    /// mode) and a periodic reload every `interval`.
    pub fn spawn(
        self: &Arc<Self>,
        pool: PgPool,
        interval: Duration,
        stop: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let periodic = {
            let this = self.clone();
            let pool = pool.clone();
            let stop = stop.clone();
            async move {
                let mut tick = tokio::time::interval(interval.max(Duration::from_millis(100)));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                tick.tick().await;
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tick.tick() => {}
                    }
                    if let Err(e) = this.refresh(&pool, "periodic").await {
                        warn!(error = %crate::error::Shown(&e), "periodic reload of the resolution map failed; serving the last one");
                    }
                }
            }
        };
        let listening = {
            let this = self.clone();
            async move { this.listen_loop(pool, stop).await }
        };
        tokio::spawn(async move {
            tokio::join!(periodic, listening);
        })
    }

    async fn listen_loop(self: Arc<Self>, pool: PgPool, stop: CancellationToken) {
        let mut backoff = Duration::from_millis(250);
        loop {
            let run = self.listen_once(&pool, &stop);
            match run.await {
                Ok(()) => return,
                Err(e) => {
                    warn!(error = %crate::error::Shown(&e), "listening for registry changes failed; retrying (the periodic reload still runs)");
                }
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }

    /// Whether `payload` says a schema changed (and if so, bump its statements' generation).
    fn schema_changed(&self, payload: &str) -> bool {
        match payload.strip_prefix(crate::db::changes::SCHEMA_CHANGED) {
            Some(schema) => {
                debug!(
                    schema,
                    "schema changed; its statements get a new generation"
                );
                self.plans.bump(schema);
                true
            }
            None => false,
        }
    }

    /// One listener session: LISTEN, reload (anything may have changed while we were not
    /// listening), then reload on every notification until the connection is lost or `stop`.
    async fn listen_once(&self, pool: &PgPool, stop: &CancellationToken) -> Result<()> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        // Prove notifications reach us: a LISTEN through a transaction-mode pooler is accepted
        // and silently never delivers.
        let nonce = format!("ping {:032x}", rand::random::<u128>());
        // language=PostgreSQL
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(&nonce)
            .execute(pool)
            .await?;
        self.refresh(pool, "listen").await?;
        let mut ping_deadline = Some(tokio::time::Instant::now() + Duration::from_secs(5));
        loop {
            let next = tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                _ = async {
                    match ping_deadline {
                        Some(d) => tokio::time::sleep_until(d).await,
                        None => std::future::pending().await,
                    }
                } => {
                    ping_deadline = None;
                    warn!("no notification arrived on `{CHANNEL}` after LISTEN: is `database_url` a pooler in transaction mode? serve falls back to the periodic reload");
                    continue;
                }
                n = listener.try_recv() => n?,
            };
            let Some(n) = next else {
                info!("listener connection lost; reconnected, reloading the resolution map");
                self.refresh(pool, "reconnect").await?;
                continue;
            };
            if n.payload() == nonce {
                ping_deadline = None;
                self.notifications_seen.store(true, Ordering::Release);
                continue;
            }
            // A schema changed (migrate, rollback, restore): its statements get a new
            // generation; the map stays as it is.
            let mut reload = !self.schema_changed(n.payload());
            // Coalesce a burst of changes into one reload.
            while let Ok(Ok(Some(n))) =
                tokio::time::timeout(Duration::from_millis(5), listener.try_recv()).await
            {
                reload |= n.payload() != nonce && !self.schema_changed(n.payload());
            }
            if !reload {
                continue;
            }
            if let Err(e) = self.refresh(pool, "notify").await {
                warn!(error = %crate::error::Shown(&e), "reload after a registry change failed; serving the last map");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ProvisionStatus;
    use chrono::Duration as CDuration;

    fn platform(id: i64, name: &str, sub: Option<&str>, domain: Option<&str>) -> Platform {
        Platform {
            domain: domain.map(Into::into),
            subdomain: sub.map(Into::into),
            ..Platform::detached(id, name, Some(format!("tenant_{id}").as_str().into()))
        }
    }

    fn host(s: &str) -> RequestHost {
        super::super::host::parse_host(s.as_bytes()).unwrap()
    }

    fn tenant_id(r: &Resolution) -> Option<i64> {
        match r {
            Resolution::Tenant(t) => Some(t.id),
            _ => None,
        }
    }

    fn fleet() -> Vec<Platform> {
        let mut h = platform(1, "Host", None, Some("example.org"));
        h.host = true;
        let mut pending = platform(5, "Pending", Some("pending"), None);
        pending.provision_status = ProvisionStatus::Pending;
        let mut failed = platform(6, "Failed", Some("failed"), None);
        failed.provision_status = ProvisionStatus::Failed;
        let mut ext = platform(7, "Ext", None, Some("ext.org"));
        ext.external = true;
        ext.schema_name = None;
        let mut down = platform(8, "Down", Some("down"), None);
        down.maintenance = true;
        down.maintenance_reason = Some("restore".into());
        vec![
            h,
            platform(2, "Acme", Some("acme"), None),
            platform(3, "Custom", None, Some("custom.net")),
            platform(4, "Forum", Some("forum"), Some("custom.net")),
            pending,
            failed,
            ext,
            down,
        ]
    }

    #[test]
    fn exact_then_subdomain_under_the_base() {
        let m = ResolutionMap::build(&fleet(), &[], None);
        let now = Utc::now();
        assert_eq!(tenant_id(&m.resolve(&host("example.org"), now)), Some(1));
        assert_eq!(
            tenant_id(&m.resolve(&host("acme.example.org"), now)),
            Some(2)
        );
        assert_eq!(
            tenant_id(&m.resolve(&host("ACME.Example.org.:8080"), now)),
            Some(2)
        );
        assert_eq!(tenant_id(&m.resolve(&host("custom.net"), now)), Some(3));
        assert_eq!(
            tenant_id(&m.resolve(&host("forum.custom.net"), now)),
            Some(4)
        );
        // A subdomain-only platform is not served under someone else's custom domain...
        assert_eq!(tenant_id(&m.resolve(&host("acme.custom.net"), now)), None);
        // ...nor two labels deep, nor as a bare label.
        assert_eq!(
            tenant_id(&m.resolve(&host("x.acme.example.org"), now)),
            None
        );
        assert_eq!(tenant_id(&m.resolve(&host("acme"), now)), None);
        assert_eq!(m.len(), 5);
    }

    #[test]
    fn only_completed_internal_platforms_are_served() {
        let m = ResolutionMap::build(&fleet(), &[], None);
        let now = Utc::now();
        for h in ["pending.example.org", "failed.example.org", "ext.org"] {
            assert_eq!(
                m.resolve(&host(h), now),
                Resolution::Unknown {
                    host_address: Some("example.org".into())
                },
                "{h}"
            );
        }
        match m.resolve(&host("down.example.org"), now) {
            Resolution::Maintenance(t) => {
                assert_eq!(t.id, 8);
                assert_eq!(t.maintenance_reason.as_deref(), Some("restore"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn configured_base_domain_wins_over_the_host_domain() {
        let m = ResolutionMap::build(&fleet(), &[], Some("apps.example.net"));
        let now = Utc::now();
        assert_eq!(
            tenant_id(&m.resolve(&host("acme.apps.example.net"), now)),
            Some(2)
        );
        assert_eq!(tenant_id(&m.resolve(&host("acme.example.org"), now)), None);
        // The host platform keeps its own domain.
        assert_eq!(tenant_id(&m.resolve(&host("example.org"), now)), Some(1));
    }

    #[test]
    fn old_addresses_redirect_until_they_expire() {
        let now = Utc::now();
        let history = vec![
            OldAddress {
                platform_id: 3,
                old_address: "old-custom.net".into(),
                expires_at: now + CDuration::days(30),
            },
            OldAddress {
                platform_id: 2,
                old_address: "gone.example.org".into(),
                expires_at: now + CDuration::seconds(10),
            },
            // An old address that is live again for another platform: the live one wins.
            OldAddress {
                platform_id: 3,
                old_address: "acme.example.org".into(),
                expires_at: now + CDuration::days(30),
            },
            // Of a platform that is gone.
            OldAddress {
                platform_id: 99,
                old_address: "orphan.example.org".into(),
                expires_at: now + CDuration::days(30),
            },
        ];
        let m = ResolutionMap::build(&fleet(), &history, None);
        assert_eq!(
            m.resolve(&host("Old-Custom.net."), now),
            Resolution::Moved {
                to: "custom.net".into()
            }
        );
        assert_eq!(
            m.resolve(&host("gone.example.org"), now),
            Resolution::Moved {
                to: "acme.example.org".into()
            }
        );
        assert!(matches!(
            m.resolve(&host("gone.example.org"), now + CDuration::seconds(11)),
            Resolution::Unknown { .. }
        ));
        assert_eq!(
            tenant_id(&m.resolve(&host("acme.example.org"), now)),
            Some(2)
        );
        assert!(matches!(
            m.resolve(&host("orphan.example.org"), now),
            Resolution::Unknown { .. }
        ));
    }

    #[test]
    fn without_a_host_platform_unknown_has_nowhere_to_go() {
        let m = ResolutionMap::build(&fleet()[1..], &[], Some("example.org"));
        assert_eq!(
            m.resolve(&host("nobody.example.org"), Utc::now()),
            Resolution::Unknown { host_address: None }
        );
        assert_eq!(
            m.resolve(&host("127.0.0.1"), Utc::now()),
            Resolution::Unknown { host_address: None }
        );
    }

    #[test]
    fn an_invalid_schema_name_is_never_served() {
        let mut p = platform(2, "Acme", Some("acme"), Some("example.org"));
        p.schema_name = Some("public".into());
        let m = ResolutionMap::build(&[p], &[], None);
        assert!(m.is_empty());
    }
}
