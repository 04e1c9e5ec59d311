//! `tenantctl serve`: the tenant-aware HTTP front door (axum on tokio).
//!
//! Each request is mapped to its tenant from the Host header ([`host`]) through an in-memory
//! map ([`resolve`]) that LISTEN/NOTIFY and a periodic reload keep fresh, so no request queries
//! the registry. Its database work runs in a transaction whose `search_path` (and a short
//! `lock_timeout`, which makes the schema gate of [`crate::db::gate`] work) is set transaction-locally; nothing is ever
//! set on the session, so a pooled connection — also a PgBouncer server connection in
//! transaction mode — never carries one tenant into the next request.
//!
//! Two pools: `database_url` reaches PostgreSQL itself, for LISTEN (a session feature), the
//! registry reloads and the setup routes; `serve.database_url` (default: the same) carries the
//! request traffic and may be a PgBouncer in transaction mode.
//!
//! Prepared statements and PgBouncer: before 1.21 (Debian 12 ships 1.18) PgBouncer cannot
//! keep named prepared statements in transaction mode — a client's `sqlx_s_1` lands on
//! whichever server connection the next transaction gets ("prepared statement does not
//! exist", or "already exists" when another client named one the same). sqlx's
//! `statement_cache_capacity(0)` alone does not help: it still names every statement, it just
//! stops reusing them. So with `serve.statement_cache = 0` (the default when
//! `serve.database_url` is set) every request query is also `.persistent(false)`, which makes
//! sqlx use the unnamed statement; that one lives only until the next Parse, and every request
//! query runs inside its transaction, so it never crosses server connections. The cost is a
//! Parse/Describe round trip per query; a direct connection (or PgBouncer 1.21+ with
//! `max_prepared_statements`) can set `serve.statement_cache = 100` and skip it.
//!
//! Rooms, from the top down: this module builds the [`App`] and runs the server; [`router`]
//! alone knows the handlers ([`api`], [`setup`], [`system`], and the [`console`]'s to come);
//! handlers share the state ([`state`]) and the replies ([`reply`]); below them the queries,
//! the guard, resolution, slots and request transactions. No room imports one above it.

pub mod api;
pub mod console;
pub mod guard;
pub mod host;
pub mod metrics;
pub mod plans;
pub mod queries;
pub mod reply;
pub mod request_tx;
pub mod resolve;
pub mod router;
pub mod setup;
pub mod slots;
pub mod state;
pub mod system;

pub use metrics::Metrics;
pub use resolve::{ResolutionMap, Resolver, Tenant};
pub use router::router;
pub use state::{App, FixedSchema, UnknownHost};

use crate::config::{Settings, mask_url};
use crate::db::{self, SchemaName};
use crate::error::{Error, Result};
use crate::output::duration;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Row};
use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// What `serve` needs beyond the settings.
#[derive(Debug, Default)]
pub struct ServeOptions {
    /// Benchmark only: also serve `/_bench/fixed/api/*` from this schema, fixed on a pool of
    /// its own, with no resolution and no per-request switch (the floor `scripts/bench-serve`
    /// compares against).
    pub bench_fixed_schema: Option<SchemaName>,
    /// The metrics registry, with any collectors other parts registered.
    pub metrics: Metrics,
}

/// The connect options of request traffic: `statement_cache` prepared statements per
/// connection (0: unnamed statements only, for transaction-mode poolers), and `settings` as the
/// connections' own defaults (startup options; only for direct connections, never through a
/// pooler, whose server connections other clients share).
fn request_options(
    url: &str,
    statement_cache: usize,
    settings: Vec<(&'static str, String)>,
) -> Result<PgConnectOptions> {
    let mut opts = db::connect_options(url)?
        .application_name("tenantctl serve")
        .statement_cache_capacity(statement_cache);
    if !settings.is_empty() {
        opts = opts.options(settings);
    }
    Ok(opts)
}

/// One connection with `opts`, within `timeout`: proves the database answers before serve
/// starts listening.
async fn probe(opts: &PgConnectOptions, url: &str, timeout: Duration) -> Result<PgConnection> {
    let masked = mask_url(url);
    tokio::time::timeout(timeout, PgConnection::connect_with(opts))
        .await
        .map_err(|_| Error::Unreachable {
            what: "database",
            target: masked.clone(),
            reason: format!("no answer within {}", duration::span(timeout)),
        })?
        .map_err(|e| db::unreachable_or(e, &masked))
}

/// Connect a pool for request traffic (the benchmark floor's; see `request_options`).
pub async fn connect_requests(
    url: &str,
    size: u32,
    statement_cache: usize,
    timeout: Duration,
    settings: Vec<(&'static str, String)>,
) -> Result<PgPool> {
    let opts = request_options(url, statement_cache, settings)?;
    let _ = probe(&opts, url, timeout).await?.close().await;
    PgPoolOptions::new()
        .max_connections(size.max(1))
        .acquire_timeout(timeout)
        .connect_with(opts)
        .await
        .map_err(|e| db::unreachable_or(e, &mask_url(url)))
}

/// serve's request connections (see [`slots`]): `serve.pool_size` slots, tenant-affine unless
/// `serve.affinity = "off"`, their backends' memory checked unless a pooler is in between
/// (`behind_pooler`, and the server answers on another port than the one dialled).
#[allow(clippy::too_many_arguments)]
pub async fn connect_slots(
    url: &str,
    s: &crate::config::ServeSettings,
    statement_cache: usize,
    timeout: Duration,
    settings: Vec<(&'static str, String)>,
    behind_pooler: bool,
    metrics: slots::SlotMetrics,
) -> Result<Arc<slots::Slots>> {
    let opts = request_options(url, statement_cache, settings)?;
    let mut first = probe(&opts, url, timeout).await?;
    let affinity = s.affinity != "off";
    let limit = (s.backend_memory_limit_mib > 0).then_some(s.backend_memory_limit_mib << 20);
    // A pooler shows as a server on another port than the one dialled (as `doctor` detects
    // it); `serve.database_url` alone may also be a direct connection with its own role.
    // A simple query, which a transaction-mode pooler passes whole.
    // language=PostgreSQL
    let row = sqlx::raw_sql("SELECT current_setting('port'), pg_backend_pid()")
        .fetch_one(&mut first)
        .await
        .map_err(|e| db::unreachable_or(e, &mask_url(url)))?;
    let reached: Option<String> = row.try_get(0).ok();
    let pid: i32 = row.try_get(1).unwrap_or(0);
    let dialled = opts.get_port().to_string();
    let pooled = behind_pooler && reached.as_deref() != Some(dialled.as_str());
    if pooled {
        info!(
            dialled = %dialled,
            reached = reached.as_deref().unwrap_or("?"),
            "request traffic goes through a pooler: it picks the server connection of every transaction, so tenant affinity cannot reach PostgreSQL's backends and serve.backend_memory_limit_mib is not checked (let the pooler recycle its server connections: PgBouncer's server_lifetime)"
        );
    }
    let o = slots::SlotOptions {
        affinity,
        pooled,
        // Behind a pooler no slot's backend is its own: nothing is warm to wait for.
        wait: if pooled {
            Duration::ZERO
        } else {
            *s.affinity_wait
        },
        memory_limit: if pooled { None } else { limit },
        check_every: s.backend_memory_check_every.max(1),
        timeout,
    };
    Ok(slots::Slots::new(
        opts,
        s.pool_size,
        Some((first, pid)),
        o,
        metrics,
    ))
}

/// Build the application: the request pool, the resolver with a first map (an unmigrated
/// registry is not fatal: `/readyz` says so until it is), and the benchmark floor if asked.
pub async fn build(settings: &Settings, registry: PgPool, opts: ServeOptions) -> Result<Arc<App>> {
    let s = &settings.serve;
    let timeout = *settings.connect_timeout;
    let (url, behind_pooler) = match s.database_url.as_deref() {
        Some(url) => (url, true),
        None => (
            settings.database_url.as_deref().ok_or_else(|| {
                Error::Usage(
                    "no database configured: pass `--database-url`, or set `DATABASE_URL`".into(),
                )
            })?,
            false,
        ),
    };
    let statement_cache = s.statement_cache();
    // A direct connection carries the request lock timeout as its own default, which saves a
    // statement per request; behind a pooler it is set in each request transaction.
    let lock_timeout_set = !behind_pooler;
    let own = |mut v: Vec<(&'static str, String)>| {
        if lock_timeout_set {
            v.push((
                "lock_timeout",
                db::lock_timeout_value(request_tx::REQUEST_LOCK_TIMEOUT),
            ));
        }
        v
    };
    let guard = guard::Guard::from_settings(s)?;
    let requests = connect_slots(
        url,
        s,
        statement_cache,
        timeout,
        own(vec![]),
        behind_pooler,
        opts.metrics.slots.clone(),
    )
    .await?;
    let extension_schema = settings.extension_schema.clone();
    let fixed = match opts.bench_fixed_schema {
        Some(schema) => {
            let url = settings
                .database_url
                .as_deref()
                .ok_or_else(|| Error::Usage("--bench-fixed-schema needs `database_url`".into()))?;
            // The single-tenant way: the schema is the connection's own default (a startup
            // option), so the floor does no per-request switch at all.
            let pool = connect_requests(
                url,
                s.pool_size,
                100,
                timeout,
                own(vec![(
                    "search_path",
                    schema.search_path(extension_schema.as_ref()),
                )]),
            )
            .await?;
            Some(FixedSchema { pool, schema })
        }
        None => None,
    };
    let metrics = Arc::new(opts.metrics);
    let resolver = Arc::new(Resolver::new(
        settings.base_domain.as_deref(),
        settings.domains.verify,
        metrics.clone(),
    )?);
    if let Err(e) = resolver.refresh(&registry, "startup").await {
        warn!(error = %crate::error::Shown(&e), "cannot load the platforms yet; /readyz says not ready until they load");
    }
    let app = Arc::new(App {
        requests,
        persistent: statement_cache > 0,
        lock_timeout_set,
        statement_cache,
        registry,
        resolver,
        metrics,
        unknown_host: s.unknown_host,
        url_scheme: settings.url_scheme.to_string(),
        retry_after: *s.retry_after,
        extension_schema,
        base_domain: settings.base_domain.clone(),
        settings: settings.clone(),
        fixed,
        guard,
    });
    if let Some(advice) = app.shared_statements_advice() {
        warn!("{advice}");
    }
    Ok(app)
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// Serve `app` on `listener` until `shutdown` resolves, then stop taking connections and let
/// the requests in flight finish (at most `drain` long). `metrics`: the listener of
/// `serve.metrics_listen`, which serves `/metrics` alone. `refresh_interval`: the periodic
/// reload of the resolution map.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
    refresh_interval: Duration,
    drain: Duration,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    serve_with(
        app,
        listener,
        metrics,
        None,
        refresh_interval,
        drain,
        shutdown,
    )
    .await
}

/// [`serve`], with `console`: the listener of `serve.console_listen`, which serves the
/// console alone whatever the Host.
pub async fn serve_with(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
    console: Option<tokio::net::TcpListener>,
    refresh_interval: Duration,
    drain: Duration,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let stop = CancellationToken::new();
    let console_server = console.map(|l| {
        let stop = stop.clone();
        tokio::spawn(
            axum::serve(
                l,
                console::listener_router(app.clone())
                    .into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .into_future(),
        )
    });
    let refresher = app
        .resolver
        .spawn(app.registry.clone(), refresh_interval, stop.clone());
    let metrics_server = metrics.map(|l| {
        let stop = stop.clone();
        tokio::spawn(
            axum::serve(l, router::metrics_router(app.clone()))
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .into_future(),
        )
    });
    // The peer address is what `/setup`'s rate limit counts by.
    let server = axum::serve(
        listener,
        router(app.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown({
        let stop = stop.clone();
        async move { stop.cancelled().await }
    });
    let mut server = std::pin::pin!(server.into_future());
    let outcome = tokio::select! {
        r = &mut server => r,
        _ = shutdown => {
            info!("shutting down: no new connections; waiting for requests in flight");
            stop.cancel();
            match tokio::time::timeout(drain, &mut server).await {
                Ok(r) => r,
                Err(_) => {
                    warn!("requests still running after {}; stopping anyway", duration::span(drain));
                    Ok(())
                }
            }
        }
    };
    stop.cancel();
    let _ = refresher.await;
    if let Some(m) = metrics_server {
        let _ = tokio::time::timeout(drain, m).await;
    }
    if let Some(c) = console_server {
        let _ = tokio::time::timeout(drain, c).await;
    }
    app.requests.close().await;
    if let Some(f) = &app.fixed {
        f.pool.close().await;
    }
    outcome.map_err(Error::Io)
}
