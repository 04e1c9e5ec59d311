//! Statement generations: how `serve` stops using prepared statements whose plans a schema
//! change has made stale (issue 15.1).
//!
//! A named prepared statement keeps the result type it was prepared with. When a migration,
//! a rollback or a restore changes a column's type, PostgreSQL re-plans the statement on its
//! next use and refuses it ("cached plan must not change result type", SQLSTATE 0A000) — on
//! every pooled connection that prepared it, until the connection goes away.
//!
//! Each request statement's text carries its schema's generation (see
//! [`super::queries::Stmts`]); sqlx caches statements by text, so a new generation is a new
//! statement, prepared afresh on each connection's next request for that tenant, while the
//! stale one is never used again and leaves the connection's cache in its turn (LRU). The
//! generation grows when
//! - a schema changed: restore and a `-- no-transaction` migration send
//!   `pg_notify('tenantctl_registry', 'schema:<name>')` in their transaction
//!   ([`crate::db::changes::notify_schema_changed`]); `migrate` and `migrate rollback` right after
//!   each tenant's commit, batched at most every 100 ms
//!   ([`crate::db::changes::notify_schemas_changed`]: a NOTIFY inside each tenant's transaction would
//!   serialise the fleet's commits); serve's listener bumps the schema
//!   ([`Generations::bump`]);
//! - a request still meets 0A000 (the notification is on its way, or LISTEN does not work
//!   behind a pooler): it bumps the generation it used and is retried once, on the new text.
//!
//! When statements are shared by all tenants (one connection's share of the fleet outgrows its
//! statement cache, see [`super::app::App::stmts`]), tenants whose result types differ (a
//! column retyped in some, a fleet half way through a migration) would keep refusing each
//! other's plans on every switch: the first request of such a tenant that meets 0A000 on a
//! shared statement sets its schema apart ([`Generations::set_apart`]), and from then on it
//! has statements of its own, as when they fit, until its schema changes again (issue 27.17).
//!
//! Nothing is per connection, so there is no check at checkout: the cost on a request is one
//! atomic load while no schema ever changed, a map read after that.

use crate::db::SchemaName;
use std::collections::{HashMap, HashSet};
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The SQLSTATE of "cached plan must not change result type" (`feature_not_supported`).
pub const STALE_PLAN: &str = "0A000";

/// Per-schema statement generations, and one for statements all tenants share.
#[derive(Debug, Default)]
pub struct Generations {
    /// Grows with every bump of any schema: the generation of untagged statements.
    shared: AtomicU64,
    schemas: RwLock<HashMap<String, u64>>,
    /// Schemas whose result types differ from the shared statements' (see
    /// [`Self::set_apart`]); `any_apart` spares the lock while there is none.
    apart: RwLock<HashSet<String>>,
    any_apart: AtomicBool,
}

impl Generations {
    /// The generation of `schema`'s statements; `None`: of the statements every tenant shares.
    pub fn get(&self, schema: Option<&SchemaName>) -> u64 {
        let shared = self.shared.load(Ordering::Acquire);
        match schema {
            None => shared,
            // Nothing ever changed: skip the map.
            Some(_) if shared == 0 => 0,
            Some(s) => self
                .schemas
                .read()
                .expect("not poisoned")
                .get(s.as_str())
                .copied()
                .unwrap_or(0),
        }
    }

    /// `schema` changed: its statements (and the shared ones) get a new generation, and it
    /// shares statements again (its result types may be the others' now).
    pub fn bump(&self, schema: &str) {
        let mut map = self.schemas.write().expect("not poisoned");
        *map.entry(schema.to_string()).or_insert(0) += 1;
        self.shared.fetch_add(1, Ordering::AcqRel);
        if self.any_apart.load(Ordering::Acquire) {
            self.apart.write().expect("not poisoned").remove(schema);
        }
    }

    /// Whether `schema` has statements of its own even when statements are shared.
    pub fn is_apart(&self, schema: &SchemaName) -> bool {
        self.any_apart.load(Ordering::Acquire)
            && self
                .apart
                .read()
                .expect("not poisoned")
                .contains(schema.as_str())
    }

    /// A shared statement of generation `seen` met a stale plan in a request of `schema`: the
    /// connection had prepared it for a tenant whose result types differ. `schema` gets
    /// statements of its own from now on, and the shared ones a new generation, so a text
    /// prepared for one shape is not used for the other again. Which of the two tenants is
    /// set apart does not matter: once the tenants sharing statements all have one shape,
    /// no request meets the error again.
    pub fn set_apart(&self, schema: &SchemaName, seen: u64) {
        self.apart
            .write()
            .expect("not poisoned")
            .insert(schema.as_str().to_string());
        self.any_apart.store(true, Ordering::Release);
        self.bump_from(None, seen);
    }

    /// A statement of generation `seen` met a stale plan: bump, unless another request did
    /// already (so a burst of failures bumps once).
    pub fn bump_from(&self, schema: Option<&SchemaName>, seen: u64) {
        match schema {
            Some(s) => {
                let mut map = self.schemas.write().expect("not poisoned");
                let g = map.entry(s.as_str().to_string()).or_insert(0);
                if *g == seen {
                    *g += 1;
                    self.shared.fetch_add(1, Ordering::AcqRel);
                }
            }
            None => {
                let _ = self.shared.compare_exchange(
                    seen,
                    seen + 1,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumps_are_per_schema_and_a_burst_bumps_once() {
        let g = Generations::default();
        let a = SchemaName::parse("tenant_a").unwrap();
        let b = SchemaName::parse("tenant_b").unwrap();
        assert_eq!((g.get(Some(&a)), g.get(Some(&b)), g.get(None)), (0, 0, 0));
        g.bump("tenant_a");
        assert_eq!((g.get(Some(&a)), g.get(Some(&b)), g.get(None)), (1, 0, 1));
        // Three requests saw generation 1 fail: one bump.
        for _ in 0..3 {
            g.bump_from(Some(&a), 1);
        }
        assert_eq!((g.get(Some(&a)), g.get(None)), (2, 2));
        for _ in 0..3 {
            g.bump_from(None, 2);
        }
        assert_eq!((g.get(Some(&a)), g.get(Some(&b)), g.get(None)), (2, 0, 3));
    }

    #[test]
    fn a_schema_set_apart_stays_apart_until_it_changes() {
        let g = Generations::default();
        let a = SchemaName::parse("tenant_a").unwrap();
        let b = SchemaName::parse("tenant_b").unwrap();
        assert!(!g.is_apart(&a));
        g.set_apart(&a, 0);
        assert!(g.is_apart(&a) && !g.is_apart(&b));
        // The shared statements moved on; a second failure of the same generation does not.
        assert_eq!(g.get(None), 1);
        g.set_apart(&b, 0);
        assert_eq!(g.get(None), 1);
        assert!(g.is_apart(&b));
        g.bump("tenant_a");
        assert!(!g.is_apart(&a) && g.is_apart(&b));
    }
}
