//! Taking backups: tenant schemas are dumped in batches, one pg_dump (one snapshot, one read
//! of the catalog) per batch, and each batch's archive is split on the fly into one standalone
//! archive per schema, streamed to storage with its SHA-256 and row counts computed on the way.
//! Nothing holds a dump in memory.
//!
//! Batches are as big as the server's lock table allows (issue 18): every pg_dump reads the
//! catalog of the whole database first, so the number of runs, not their size, is what grows
//! with the fleet. pg_dump holds a lock on every table, sequence and view it dumps until it
//! ends, so a batch's relations stay within a share of the lock table
//! (`max_locks_per_transaction * (max_connections + max_prepared_transactions)` slots), less
//! what other sessions hold now and a quarter kept for the rest of the server; see
//! [`LockTable`]. `backup.batch_size` overrides it. When a batch fails as a whole (a schema
//! vanished, pg_dump died), its tenants are retried in halves so that one bad tenant fails
//! alone.

use super::archive::{
    ArchiveError, BlockScanner, Routed, SplitProgress, SplitReader, Splitter, TocStore,
};
use super::manifest::{self, Manifest};
use super::pgtools::PgTools;
use super::storage::{Storage, Upload, dump_key};
use crate::db::Ident;
use crate::error::{Error, Result};
use crate::output::human_bytes;
use crate::registry::Platform;
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::AsyncReadExt;
use tracing::{info, warn};

mod batches;
mod deps;
mod run;
mod stream;

pub use batches::*;
pub use deps::*;
pub use run::*;

word_enum! {
    "backup status",
    /// How one schema's backup ended.
    pub enum BackupStatus {
        Ok = "ok",
        Failed = "failed",
    }
}

/// What one tenant's backup came to.
#[derive(Debug, Clone, Serialize)]
pub struct BackupOutcome {
    pub platform_id: i64,
    #[serde(rename = "platform")]
    pub platform_name: String,
    pub schema: String,
    pub status: BackupStatus,
    pub backup_id: Option<String>,
    pub size_bytes: Option<u64>,
    pub sha256: Option<String>,
    pub rows: Option<u64>,
    pub schema_size_bytes: Option<i64>,
    pub duration_ms: u64,
    /// How many schemas shared the pg_dump run.
    pub batch_schemas: usize,
    pub location: Option<String>,
    pub warning: Option<String>,
    pub error: Option<String>,
}

impl BackupOutcome {
    pub fn ok(&self) -> bool {
        self.status == BackupStatus::Ok
    }

    fn failed(t: &DumpTarget, error: String, started: Instant) -> BackupOutcome {
        BackupOutcome {
            platform_id: t.platform.id,
            platform_name: t.platform.name.clone(),
            schema: t.schema.to_string(),
            status: BackupStatus::Failed,
            backup_id: None,
            size_bytes: None,
            sha256: None,
            rows: None,
            schema_size_bytes: t.size_bytes,
            duration_ms: started.elapsed().as_millis() as u64,
            batch_schemas: 0,
            location: None,
            warning: None,
            error: Some(error),
        }
    }
}

/// One tenant (or `public`) to back up, with what the catalog says about its schema now.
#[derive(Debug, Clone)]
pub struct DumpTarget {
    /// For `public`, a stand-in (id 0, name `public`): it belongs to no platform.
    pub platform: Platform,
    pub schema: Ident,
    /// The database's `public` schema (the registry and any legacy tables), not a tenant.
    pub public: bool,
    /// Relations pg_dump will lock (tables, sequences, views; not indexes).
    pub relations: i64,
    pub size_bytes: Option<i64>,
    pub exists: bool,
}

/// Everything a backup run needs.
#[derive(Debug, Clone)]
pub struct Backupper {
    pub pool: PgPool,
    pub storage: Arc<dyn Storage>,
    pub tools: PgTools,
    pub jobs: usize,
    /// Schemas per pg_dump; 0: automatic (see [`batch_cap`]).
    pub batch_size: usize,
    pub growth_warn_factor: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    fn target(name: &str, relations: i64) -> DumpTarget {
        DumpTarget {
            platform: Platform::detached(1, name, Some(name.into())),
            schema: Ident::parse(name).unwrap(),
            public: false,
            relations,
            size_bytes: None,
            exists: true,
        }
    }

    fn shape(b: &[Vec<DumpTarget>]) -> Vec<Vec<String>> {
        b.iter()
            .map(|v| v.iter().map(|t| t.schema.to_string()).collect())
            .collect()
    }

    #[test]
    fn batches_respect_count_and_lock_budget() {
        let ts: Vec<DumpTarget> = ["t_e", "t_a", "t_d", "t_c", "t_b"]
            .iter()
            .map(|n| target(n, 10))
            .collect();
        assert_eq!(
            shape(&plan_batches(ts.clone(), 2, 1000)),
            [vec!["t_a", "t_b"], vec!["t_c", "t_d"], vec!["t_e"]]
        );
        assert_eq!(
            shape(&plan_batches(ts.clone(), 100, 30)),
            [vec!["t_a", "t_b", "t_c"], vec!["t_d", "t_e"]]
        );
        // A schema bigger than the budget still gets a batch of its own.
        let mut big = ts.clone();
        big.push(target("t_big", 500));
        let b = plan_batches(big, 100, 30);
        assert!(shape(&b).contains(&vec!["t_big".to_string()]));
        assert_eq!(b.iter().map(Vec::len).sum::<usize>(), 6);
        assert!(plan_batches(Vec::new(), 10, 10).is_empty());
    }

    #[test]
    fn automatic_batches_are_as_big_as_locks_and_jobs_allow() {
        let ts: Vec<DumpTarget> = (0..1000)
            .map(|i| target(&format!("t_{i:04}"), 21))
            .collect();
        // Plenty of lock slots: one batch per job, however many schemas that makes.
        assert_eq!(batch_cap(&ts, 0, 2, 1_000_000), 500);
        assert_eq!(batch_cap(&ts, 0, 8, 1_000_000), 125);
        // One job: the memory cap splits 21,000 relations in two.
        assert_eq!(batch_cap(&ts, 0, 1, 1_000_000), 500);
        // 21,000 relations in a budget of 2,100: ten batches of 100.
        assert_eq!(batch_cap(&ts, 0, 2, 2_100), 100);
        // A configured size wins; tiny fleets get a schema per job.
        assert_eq!(batch_cap(&ts, 7, 2, 1_000_000), 7);
        assert_eq!(batch_cap(&ts[..3], 0, 8, 1_000_000), 1);
        assert_eq!(batch_cap(&[], 0, 2, 100), 1);
        let planned = plan_batches(ts.clone(), batch_cap(&ts, 0, 2, 2_100), 2_100);
        assert_eq!(planned.len(), 10);
        assert!(
            planned
                .iter()
                .all(|b| b.iter().map(|t| t.relations).sum::<i64>() <= 2_100)
        );
        // The memory cap: never more than MAX_AUTO_BATCH_RELATIONS relations in one batch.
        let big: Vec<DumpTarget> = (0..5000)
            .map(|i| target(&format!("t_{i:04}"), 21))
            .collect();
        let cap = batch_cap(&big, 0, 1, i64::MAX / 2);
        assert!(cap as i64 * 21 <= MAX_AUTO_BATCH_RELATIONS, "{cap}");
        assert_eq!(big.len().div_ceil(cap), 6);
    }

    /// The benchmarks' server: max_locks_per_transaction 256, 200 connections.
    fn bench_table(held: i64) -> LockTable {
        LockTable {
            max_locks_per_transaction: 256,
            backends: 200,
            held,
        }
    }

    #[test]
    fn the_budget_is_the_free_lock_table_less_a_reserve() {
        // 51,200 slots, a quarter kept: 38,400, less 300 catalog locks per dump.
        assert_eq!(bench_table(0).dump_budget(1), 38_100);
        assert_eq!(bench_table(0).dump_budget(2), 18_900);
        // What other sessions hold comes off first.
        assert_eq!(bench_table(10_000).dump_budget(1), 28_100);
        assert_eq!(bench_table(10_000).dump_budget(2), 13_900);
        // A full table still allows a small dump, never zero or less.
        assert_eq!(bench_table(60_000).dump_budget(2), 64);
        // PostgreSQL's defaults: 64 x 100.
        let defaults = LockTable {
            max_locks_per_transaction: 64,
            backends: 100,
            held: 0,
        };
        assert_eq!(defaults.dump_budget(2), 2_100);
    }

    #[test]
    fn the_needed_setting_fits_the_fleet_in_one_run_per_job() {
        for (relations, jobs, held) in [(105_000, 2, 0), (21_000, 1, 500), (210_000, 4, 3_000)] {
            let t = bench_table(held);
            let need = t.needed_for(relations, jobs);
            assert_eq!(need % 64, 0);
            let raised = LockTable {
                max_locks_per_transaction: need,
                ..t
            };
            assert!(
                raised.dump_budget(jobs) * jobs as i64 >= relations,
                "{need}"
            );
            // and not far above what is needed
            let lower = LockTable {
                max_locks_per_transaction: need - 64,
                ..t
            };
            assert!(
                lower.dump_budget(jobs) * (jobs as i64) < relations,
                "{need}"
            );
        }
    }

    #[test]
    fn lock_advice_names_the_setting_only_when_the_table_is_short() {
        let t = bench_table(0);
        // 1,000 sample tenants (21 locked relations each) fit one run per job.
        assert_eq!(lock_advice(21_000, 21, &t, 2), None);
        // 5,000 do not: six runs, and the setting that makes it two.
        let a = lock_advice(105_000, 21, &t, 2).unwrap();
        assert!(a.contains("105000 relations take 6 pg_dump runs"), "{a}");
        assert!(
            a.contains(&format!(
                "raise max_locks_per_transaction to {}",
                t.needed_for(105_000, 2)
            )),
            "{a}"
        );
        // One tenant bigger than a dump's share.
        let a = lock_advice(50_000, 20_000, &t, 2).unwrap();
        assert!(a.contains("largest tenant has 20000 relations"), "{a}");
        assert!(a.contains("out of shared memory"), "{a}");
    }

    #[test]
    fn growth_is_warned_past_the_factor_only() {
        assert!(growth_warning(Some(100), Some(200), 2.0).is_none());
        let w = growth_warning(Some(1024), Some(3 * 1024), 2.0).unwrap();
        assert!(
            w.contains("3.0x") && w.contains("1.0 KiB -> 3.0 KiB"),
            "{w}"
        );
        assert!(growth_warning(None, Some(3), 2.0).is_none());
        assert!(growth_warning(Some(0), Some(3), 2.0).is_none());
    }
}
