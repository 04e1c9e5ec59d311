//! The request connections, kept by serve itself so a tenant's requests keep to the same few
//! backends (issue 18.2).
//!
//! A PostgreSQL backend caches the catalog entries and plans of every schema it has served and
//! gives little of it back: behind a pool that hands out any idle connection, every backend
//! ends up holding the whole fleet (86–100 MiB per backend at 5,000 tenants, and growing), and
//! a request for a tenant its backend has not seen lately pays cold caches. sqlx's `Pool` has
//! no say in which connection a borrower gets, so serve keeps `serve.pool_size` connection
//! slots of its own:
//!
//! - **Affinity.** A tenant ranks the slots by rendezvous hashing (highest random weight of
//!   tenant × slot), and each slot remembers which tenants its backend has served since it
//!   connected (a Bloom filter of their keys). A request takes, in its tenant's order, the
//!   first free slot whose backend has served the tenant (*warm*). When those are all busy it
//!   waits for one of them at most `serve.affinity_wait`, then takes the first free slot in
//!   its order (*cold*: the backend reads the tenant's catalog entries and plans its
//!   statements afresh). A tenant new to every backend starts on its first-ranked free slot.
//!   Each backend thus serves about fleet / slots tenants plus the few a busy neighbour
//!   pushed over, instead of every tenant that ever found its own slot busy; a tenant with
//!   many requests at once soon has as many warm slots as it uses, and stops waiting. Adding
//!   or losing a slot moves only that slot's share.
//!
//!   The wait is a trade, measured (issue 18, docs/serve.md): on the rotating 5,000-tenant
//!   benchmark a cold backend costs a request more than waiting out a warm one's current
//!   request, and tenants spread over every backend push each past the statement cache and
//!   the memory limit. `serve.affinity_wait = "0s"` never waits while a slot is free.
//! - **Recycling.** Every `serve.backend_memory_check_every` requests a slot's backend is asked
//!   for its own memory (`pg_backend_memory_contexts`, which counts only the connection it
//!   runs on), after the request has been answered and before the slot is free again. Above
//!   `serve.backend_memory_limit_mib` the connection is closed and a new one opened in its
//!   place; the others keep serving meanwhile.
//! - **Failure.** A connection that failed, or whose request was cancelled inside a
//!   transaction, is closed, never reused; its slot connects again when next taken.
//!
//! Behind a transaction-mode pooler (`serve.database_url` reaching a server on another port
//! than the one it dials, as `doctor` detects it) the slots are client connections to the
//! pooler, which gives each transaction whatever server connection is free:
//! affinity cannot reach the backends there, and a backend's memory cannot be measured or
//! recycled from a client connection. Serve says so at startup and skips the memory checks;
//! the pooler's `server_lifetime` is what recycles its server connections (docs/serve.md).

use crate::error::Result;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, Row};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tracing::{info, warn};

/// How the slots behave (from `serve.*`).
#[derive(Debug, Clone)]
pub struct SlotOptions {
    /// Rank slots per tenant (`serve.affinity`); otherwise the first free slot.
    pub affinity: bool,
    /// How long a request waits for a busy slot whose backend has served its tenant before it
    /// takes a cold one (`serve.affinity_wait`).
    pub wait: Duration,
    /// The slots are client connections to a transaction-mode pooler, which picks the backend
    /// of every transaction: affinity does not reach PostgreSQL.
    pub pooled: bool,
    /// Recycle a connection whose backend holds more than this (bytes); `None`: never.
    pub memory_limit: Option<u64>,
    /// Measure a backend's memory every this many requests on its slot.
    pub check_every: u32,
    /// How long a request waits for a free slot, and a connection attempt for an answer.
    pub timeout: Duration,
}

/// The series the slots count (registered in [`super::Metrics`]).
#[derive(Debug, Clone, Default)]
pub struct SlotMetrics {
    /// Slots taken, by `pick`: `warm` (free, its backend has served the tenant), `waited`
    /// (warm, after waiting for it), `cold` (its backend has not served the tenant since it
    /// connected), `any` (no tenant, or affinity off).
    pub picks: Family<PickLabel, Counter>,
    /// Connections closed because their backend's memory passed the limit.
    pub recycled: Counter,
    /// Connections opened (at start, after a failure, after a recycle).
    pub connects: Counter,
    /// The largest backend memory of the latest samples, in bytes.
    pub backend_memory_max: Gauge,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
pub struct PickLabel {
    pub pick: &'static str,
}

#[derive(Debug)]
struct Slot {
    busy: AtomicBool,
    conn: Mutex<Option<PgConnection>>,
    /// Requests since the last memory sample.
    uses: AtomicU32,
    /// The backend pid of the connection (0: none yet).
    pid: AtomicI32,
    /// The latest memory sample, in bytes.
    memory: AtomicU64,
    /// The tenants the backend has served since it connected: a Bloom filter of their key
    /// hashes (two bits each), cleared when the connection is replaced. A false positive
    /// (about 2% with 5,000 tenants on one backend) only makes a cold backend look warm.
    seen: Box<[AtomicU64]>,
}

/// Bits in a slot's `seen` filter (8 KiB).
const SEEN_BITS: u64 = 1 << 16;

impl Slot {
    fn new() -> Slot {
        Slot {
            busy: AtomicBool::new(false),
            conn: Mutex::new(None),
            uses: AtomicU32::new(0),
            pid: AtomicI32::new(0),
            memory: AtomicU64::new(0),
            seen: (0..SEEN_BITS / 64).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// The filter's two bits for a key hash: (word, mask) each.
    fn seen_bits(h: u64) -> [(usize, u64); 2] {
        [h, h >> 32].map(|x| {
            let bit = x % SEEN_BITS;
            ((bit / 64) as usize, 1u64 << (bit % 64))
        })
    }

    fn has_seen(&self, h: u64) -> bool {
        Self::seen_bits(h)
            .iter()
            .all(|&(w, m)| self.seen[w].load(Ordering::Relaxed) & m != 0)
    }

    fn mark_seen(&self, h: u64) {
        for (w, m) in Self::seen_bits(h) {
            self.seen[w].fetch_or(m, Ordering::Relaxed);
        }
    }

    /// A new backend: it has served nobody.
    fn forget_seen(&self) {
        for w in self.seen.iter() {
            w.store(0, Ordering::Relaxed);
        }
    }
}

/// serve's request connections: a fixed set of slots, each holding at most one connection.
#[derive(Debug)]
pub struct Slots {
    opts: PgConnectOptions,
    slots: Box<[Slot]>,
    /// One permit per free slot: a borrower holding one is sure to find a free slot.
    free: Arc<Semaphore>,
    /// Told whenever a slot comes free (a request waiting for a warm one looks again).
    freed: Notify,
    o: SlotOptions,
    metrics: SlotMetrics,
    /// Memory checks were refused (no `pg_read_all_stats`): warned once, then off.
    checks_refused: AtomicBool,
}

/// A slot's state, for tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotState {
    pub pid: i32,
    pub memory_bytes: u64,
}

impl Slots {
    /// `size` slots connecting with `opts`. `first` (a connection just opened with `opts`,
    /// e.g. the startup probe, and its backend pid) fills the first slot; the others connect when first taken.
    pub fn new(
        opts: PgConnectOptions,
        size: u32,
        first: Option<(PgConnection, i32)>,
        o: SlotOptions,
        metrics: SlotMetrics,
    ) -> Arc<Slots> {
        let size = size.max(1) as usize;
        let slots: Box<[Slot]> = (0..size).map(|_| Slot::new()).collect();
        if let Some((conn, pid)) = first {
            *slots[0].conn.lock().unwrap() = Some(conn);
            slots[0].pid.store(pid, Ordering::Relaxed);
        }
        Arc::new(Slots {
            opts,
            slots,
            free: Arc::new(Semaphore::new(size)),
            freed: Notify::new(),
            o,
            metrics,
            checks_refused: AtomicBool::new(false),
        })
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn options(&self) -> &SlotOptions {
        &self.o
    }

    /// Each slot's backend pid and latest memory sample.
    pub fn states(&self) -> Vec<SlotState> {
        self.slots
            .iter()
            .map(|s| SlotState {
                pid: s.pid.load(Ordering::Relaxed),
                memory_bytes: s.memory.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// The slots in `key`'s order of preference (rendezvous hashing): stable for a key, and
    /// independent between keys.
    pub fn ranking(&self, key: &str) -> Vec<usize> {
        self.ranking_of(key_hash(key))
    }

    fn ranking_of(&self, h: u64) -> Vec<usize> {
        let mut order: Vec<(u64, usize)> =
            (0..self.slots.len()).map(|i| (score(h, i), i)).collect();
        order.sort_unstable_by(|a, b| b.cmp(a));
        order.into_iter().map(|(_, i)| i).collect()
    }

    /// How many of a fleet's tenants one connection serves, for sizing what it caches per
    /// tenant: about twice its share with affinity reaching the backends (its first-ranked
    /// tenants and the few a busy neighbour pushed over), else the whole fleet.
    pub fn tenants_per_connection(&self, fleet: usize) -> usize {
        let n = self.slots.len();
        if self.o.affinity && !self.o.pooled && n > 1 {
            (2 * fleet).div_ceil(n).min(fleet)
        } else {
            fleet
        }
    }

    /// Take a slot for a request of `key` (a tenant's schema; `None`: no tenant) and its
    /// connection, connecting when the slot has none. Waits for a free slot at most the
    /// timeout (then `PoolTimedOut`).
    pub async fn acquire(self: &Arc<Self>, key: Option<&str>) -> Result<Lease> {
        let permit =
            match tokio::time::timeout(self.o.timeout, self.free.clone().acquire_owned()).await {
                Ok(Ok(p)) => p,
                Ok(Err(_)) => return Err(sqlx::Error::PoolClosed.into()),
                Err(_) => return Err(sqlx::Error::PoolTimedOut.into()),
            };
        let h = key
            .filter(|_| self.o.affinity && self.slots.len() > 1)
            .map(key_hash);
        let index = match h {
            Some(h) => self.claim_for(h).await,
            None => self.claim_any(),
        };
        let conn = self.slots[index].conn.lock().unwrap().take();
        let mut lease = Lease {
            slots: self.clone(),
            index,
            conn: None,
            permit: Some(permit),
            close: false,
        };
        lease.conn = Some(match conn {
            Some(c) => c,
            None => self.connect(index).await?,
        });
        if let Some(h) = h {
            self.slots[index].mark_seen(h);
        }
        Ok(lease)
    }

    /// Mark slot `i` busy, if it is free.
    fn take(&self, i: usize) -> bool {
        self.slots[i]
            .busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// A free slot for a tenant of key hash `h` (see the module's "Affinity"). The caller
    /// holds a permit, so a free slot exists; a race with another borrower only means looking
    /// again.
    async fn claim_for(&self, h: u64) -> usize {
        let order = self.ranking_of(h);
        let warm = |order: &[usize]| {
            order
                .iter()
                .copied()
                .find(|&i| self.slots[i].has_seen(h) && self.take(i))
        };
        if let Some(i) = warm(&order) {
            self.pick("warm");
            return i;
        }
        let known = order.iter().any(|&i| self.slots[i].has_seen(h));
        if known && !self.o.wait.is_zero() {
            let deadline = tokio::time::Instant::now() + self.o.wait;
            loop {
                // Registered before looking, so a slot freed in between is not missed.
                let freed = self.freed.notified();
                tokio::pin!(freed);
                freed.as_mut().enable();
                if let Some(i) = warm(&order) {
                    self.pick("waited");
                    return i;
                }
                if tokio::time::timeout_at(deadline, freed).await.is_err() {
                    break;
                }
            }
        }
        loop {
            for &i in &order {
                if self.take(i) {
                    // Another request of the tenant may have warmed it meanwhile.
                    self.pick(if self.slots[i].has_seen(h) {
                        "warm"
                    } else {
                        "cold"
                    });
                    return i;
                }
            }
            std::hint::spin_loop();
        }
    }

    /// The first free slot (no tenant, or affinity off).
    fn claim_any(&self) -> usize {
        loop {
            for i in 0..self.slots.len() {
                if self.take(i) {
                    self.pick("any");
                    return i;
                }
            }
            std::hint::spin_loop();
        }
    }

    fn pick(&self, pick: &'static str) {
        self.metrics.picks.get_or_create(&PickLabel { pick }).inc();
    }

    async fn connect(&self, index: usize) -> Result<PgConnection> {
        let mut conn = match tokio::time::timeout(
            self.o.timeout,
            PgConnection::connect_with(&self.opts),
        )
        .await
        {
            Ok(r) => r?,
            Err(_) => return Err(sqlx::Error::PoolTimedOut.into()),
        };
        self.metrics.connects.inc();
        // A simple query: outside a transaction, a transaction-mode pooler may hand an
        // extended-protocol Bind to another server connection than its Parse.
        // language=PostgreSQL
        let pid: i32 = sqlx::raw_sql("SELECT pg_backend_pid()")
            .fetch_one(&mut conn)
            .await?
            .try_get(0)?;
        self.slots[index].pid.store(pid, Ordering::Relaxed);
        self.slots[index].uses.store(0, Ordering::Relaxed);
        self.slots[index].forget_seen();
        Ok(conn)
    }

    /// Give a slot back: its connection (or none, to connect afresh next time), then the
    /// permit, so a waiting borrower finds the slot free.
    fn put_back(&self, index: usize, conn: Option<PgConnection>, permit: OwnedSemaphorePermit) {
        let slot = &self.slots[index];
        if conn.is_none() {
            slot.pid.store(0, Ordering::Relaxed);
            slot.forget_seen();
        }
        // Closing: the connection is dropped (closed) rather than kept.
        let conn = conn.filter(|_| !self.free.is_closed());
        *slot.conn.lock().unwrap() = conn;
        slot.busy.store(false, Ordering::Release);
        drop(permit);
        self.freed.notify_waiters();
    }

    /// Whether the slot's backend is due for a memory sample (counting this request).
    fn check_due(&self, index: usize) -> bool {
        if self.o.memory_limit.is_none() || self.checks_refused.load(Ordering::Relaxed) {
            return false;
        }
        let slot = &self.slots[index];
        let uses = slot.uses.fetch_add(1, Ordering::Relaxed) + 1;
        if uses >= self.o.check_every.max(1) {
            slot.uses.store(0, Ordering::Relaxed);
            true
        } else {
            false
        }
    }

    /// Sample the backend's memory on its own connection; over the limit, replace the
    /// connection. `None`: the connection is gone (the slot connects when next taken).
    async fn check(&self, index: usize, mut conn: PgConnection) -> Option<PgConnection> {
        let limit = self.o.memory_limit?;
        // language=PostgreSQL
        let sample = sqlx::raw_sql("SELECT sum(total_bytes)::int8 FROM pg_backend_memory_contexts")
            .fetch_one(&mut conn);
        let bytes = match tokio::time::timeout(self.o.timeout, sample).await {
            Ok(Ok(row)) => row.try_get::<i64, _>(0).unwrap_or(0).max(0) as u64,
            Ok(Err(e)) if crate::error::sqlstate(&e).as_deref() == Some("42501") => {
                if !self.checks_refused.swap(true, Ordering::Relaxed) {
                    warn!(
                        "serve cannot read `pg_backend_memory_contexts` (grant the role `pg_read_all_stats`): request connections are not recycled by memory"
                    );
                }
                return Some(conn);
            }
            Ok(Err(_)) | Err(_) => return None,
        };
        let slot = &self.slots[index];
        slot.memory.store(bytes, Ordering::Relaxed);
        let max = self
            .slots
            .iter()
            .map(|s| s.memory.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        self.metrics.backend_memory_max.set(max as i64);
        if bytes <= limit {
            return Some(conn);
        }
        info!(
            slot = index,
            pid = slot.pid.load(Ordering::Relaxed),
            memory_mib = bytes / (1 << 20),
            limit_mib = limit / (1 << 20),
            "request connection's backend over the memory limit; replacing it"
        );
        self.metrics.recycled.inc();
        let _ = conn.close().await;
        slot.memory.store(0, Ordering::Relaxed);
        match self.connect(index).await {
            Ok(c) => Some(c),
            Err(e) => {
                warn!(error = %crate::error::Shown(&e), "cannot reconnect a request connection; trying again on its next request");
                None
            }
        }
    }

    /// Stop lending and close the idle connections; leases still out close theirs when they
    /// come back.
    pub async fn close(&self) {
        self.free.close();
        for slot in self.slots.iter() {
            let conn = slot.conn.lock().unwrap().take();
            if let Some(c) = conn {
                let _ = c.close().await;
            }
        }
    }
}

/// A stable 64-bit hash of a key (SipHash with fixed keys: the same in every process).
fn key_hash(key: &str) -> u64 {
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    key.hash(&mut h);
    h.finish()
}

/// The rendezvous weight of slot `i` for a key of hash `h` (splitmix64's finaliser).
fn score(h: u64, i: usize) -> u64 {
    let mut z = h ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A slot lent to one request, with its connection. Back to its slot on drop; with
/// [`close_on_drop`](Self::close_on_drop) the connection is closed instead.
#[derive(Debug)]
pub struct Lease {
    slots: Arc<Slots>,
    index: usize,
    conn: Option<PgConnection>,
    permit: Option<OwnedSemaphorePermit>,
    close: bool,
}

impl Lease {
    pub fn conn(&mut self) -> &mut PgConnection {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }

    /// The slot this lease took.
    pub fn slot(&self) -> usize {
        self.index
    }

    /// Close the connection when the lease ends instead of keeping it.
    pub fn close_on_drop(&mut self) {
        self.close = true;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let conn = self.conn.take().filter(|_| !self.close);
        let slots = &self.slots;
        if let Some(conn) = conn {
            if slots.check_due(self.index)
                && let Ok(rt) = tokio::runtime::Handle::try_current()
            {
                // The slot stays busy (others spill over) until the sample is taken.
                let slots = slots.clone();
                let index = self.index;
                rt.spawn(async move {
                    let conn = slots.check(index, conn).await;
                    slots.put_back(index, conn, permit);
                });
                return;
            }
            slots.put_back(self.index, Some(conn), permit);
        } else {
            slots.put_back(self.index, None, permit);
        }
    }
}

impl super::request_tx::Source for Arc<Slots> {
    type Conn = Lease;
    fn take(&self, key: Option<&str>) -> impl Future<Output = Result<Lease>> + Send {
        self.acquire(key)
    }
}

impl super::request_tx::Held for Lease {
    fn conn(&mut self) -> &mut PgConnection {
        Lease::conn(self)
    }
    fn close_on_drop(&mut self) {
        Lease::close_on_drop(self);
    }
}

/// A request's transaction on a slot chosen for its tenant (`SlotTx::begin(&slots, ...)`).
pub type SlotTx = super::request_tx::RequestTx<Lease>;

impl SlotTx {
    /// The slot the transaction runs on.
    pub fn slot(&self) -> usize {
        self.held().slot()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rankings_are_stable_permutations_and_spread_tenants_evenly() {
        let o = SlotOptions {
            affinity: true,
            wait: Duration::ZERO,
            pooled: false,
            memory_limit: None,
            check_every: 1,
            timeout: Duration::from_secs(1),
        };
        let slots = Slots::new(PgConnectOptions::new(), 16, None, o, SlotMetrics::default());
        let mut firsts = [0usize; 16];
        for t in 0..16_000 {
            let key = format!("tenant_{t}");
            let r = slots.ranking(&key);
            assert_eq!(r, slots.ranking(&key));
            let mut sorted = r.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..16).collect::<Vec<_>>());
            firsts[r[0]] += 1;
        }
        // 1,000 each on average; rendezvous hashing keeps every slot within a few percent.
        for (i, n) in firsts.iter().enumerate() {
            assert!((850..=1150).contains(n), "slot {i}: {n} first choices");
        }
    }

    #[test]
    fn a_connection_serves_about_twice_its_share_with_affinity_and_everyone_without() {
        let with = |affinity: bool, pooled: bool, size: u32| {
            let o = SlotOptions {
                affinity,
                wait: Duration::ZERO,
                pooled,
                memory_limit: None,
                check_every: 1,
                timeout: Duration::from_secs(1),
            };
            Slots::new(
                PgConnectOptions::new(),
                size,
                None,
                o,
                SlotMetrics::default(),
            )
        };
        assert_eq!(with(true, false, 32).tenants_per_connection(5_000), 313);
        assert_eq!(with(true, false, 32).tenants_per_connection(10), 1);
        assert_eq!(with(true, false, 4).tenants_per_connection(1), 1);
        // Affinity off, behind a pooler, or one connection: every tenant.
        assert_eq!(with(false, false, 32).tenants_per_connection(5_000), 5_000);
        assert_eq!(with(true, true, 32).tenants_per_connection(5_000), 5_000);
        assert_eq!(with(true, false, 1).tenants_per_connection(5_000), 5_000);
    }

    #[test]
    fn a_slot_remembers_the_tenants_its_backend_served_until_it_is_replaced() {
        let slot = Slot::new();
        let keys: Vec<u64> = (0..5_000).map(|t| key_hash(&format!("t{t}"))).collect();
        assert!(keys.iter().all(|&h| !slot.has_seen(h)));
        for &h in &keys {
            slot.mark_seen(h);
        }
        assert!(keys.iter().all(|&h| slot.has_seen(h)));
        // Others look served only by chance: about 2% at 5,000 served.
        let strangers = (0..10_000)
            .filter(|t| slot.has_seen(key_hash(&format!("u{t}"))))
            .count();
        assert!(
            strangers < 400,
            "{strangers} of 10,000 strangers look served"
        );
        slot.forget_seen();
        assert!(keys.iter().all(|&h| !slot.has_seen(h)));
    }

    #[test]
    fn removing_a_slot_moves_only_its_own_tenants() {
        // Rendezvous hashing: with slot 15 gone, a tenant whose first choice was another slot
        // keeps it.
        let h = key_hash("acme");
        let best = |n: usize| (0..n).max_by_key(|&i| score(h, i)).unwrap();
        for t in 0..1000 {
            let h = key_hash(&format!("t{t}"));
            let b16 = (0..16).max_by_key(|&i| score(h, i)).unwrap();
            let b15 = (0..15).max_by_key(|&i| score(h, i)).unwrap();
            if b16 != 15 {
                assert_eq!(b16, b15);
            }
        }
        assert!(best(16) < 16);
    }
}
