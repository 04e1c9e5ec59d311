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

/// For each of `names`, the other schemas its objects depend on (issue 15.11): column types,
/// defaults, constraints, views, triggers, domains and function signatures that refer to a
/// type, function, table, collation or operator outside the schema, as `pg_depend` records
/// them (`pg_catalog` aside). What a function body names at run time is not recorded there
/// and cannot be seen. One catalog query for the whole batch.
///
/// It costs what the batch holds, not what the database holds: the schemas' objects are found
/// through `pg_depend`'s index on the referenced object (everything in a schema depends on its
/// namespace; indexes, constraints, defaults, triggers, rules, row and array types depend,
/// automatically or internally, on those), and their references through its index on the
/// dependent object. The catalogs themselves have no index by namespace: reading them per
/// schema scanned all of them, 0.1-0.5 s per batch at 1,000 tenants and minutes at 5,000
/// (issue 18), more than pg_dump of one tenant takes.
pub async fn schema_dependencies(
    pool: &PgPool,
    names: &[String],
) -> Result<HashMap<String, Vec<String>>> {
    let mut tx = pool.begin().await?;
    // NOTE: index probes only. The planner cannot know how few objects the recursive part
    // yields and would rather hash all of pg_depend.
    // language=PostgreSQL
    sqlx::query(
        "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), \
                set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)",
    )
    .execute(&mut *tx)
    .await?;
    // language=PostgreSQL
    let rows: Vec<(String, String)> = sqlx::query_as(
        "WITH RECURSIVE s AS (SELECT oid, nspname::text AS nspname FROM pg_namespace WHERE nspname = ANY($1)),
         objs (classid, objid, nspname) AS (
             SELECT d.classid, d.objid, s.nspname
               FROM s JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = s.oid
             UNION
             SELECT d.classid, d.objid, o.nspname
               FROM objs o JOIN pg_depend d ON d.refclassid = o.classid AND d.refobjid = o.objid
              WHERE d.deptype IN ('a', 'i')
         ),
         refs AS (
             SELECT o.nspname, d.refclassid, d.refobjid
             FROM objs o JOIN pg_depend d ON d.classid = o.classid AND d.objid = o.objid
             WHERE d.deptype IN ('n', 'a')
         ),
         ref_ns AS (
             SELECT r.nspname, CASE r.refclassid
                 WHEN 'pg_class'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid = r.refobjid)
                 WHEN 'pg_type'::regclass THEN (SELECT typnamespace FROM pg_type WHERE oid = r.refobjid)
                 WHEN 'pg_proc'::regclass THEN (SELECT pronamespace FROM pg_proc WHERE oid = r.refobjid)
                 WHEN 'pg_collation'::regclass THEN (SELECT collnamespace FROM pg_collation WHERE oid = r.refobjid)
                 WHEN 'pg_operator'::regclass THEN (SELECT oprnamespace FROM pg_operator WHERE oid = r.refobjid)
             END AS ns
             FROM refs r
         )
         SELECT DISTINCT x.nspname, n.nspname::text
         FROM ref_ns x JOIN pg_namespace n ON n.oid = x.ns
         WHERE n.nspname <> x.nspname AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
         ORDER BY 1, 2",
    )
    .bind(names)
    .fetch_all(&mut *tx)
    .await?;
    tx.rollback().await?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (schema, dep) in rows {
        out.entry(schema).or_default().push(dep);
    }
    Ok(out)
}

/// The warning for a schema that uses objects of others.
pub fn dependency_warning(deps: &[String]) -> Option<String> {
    (!deps.is_empty()).then(|| {
        format!(
            "uses objects of schema(s) {} (a type, function or table outside its own): a restore works only where they exist; recorded in the manifest",
            deps.join(", ")
        )
    })
}

/// Catalog relations a pg_dump run locks besides the dumped ones (about 160 on PostgreSQL 15).
pub const CATALOG_LOCKS: i64 = 300;

/// The share of the lock table a backup leaves to the rest of the server (serve, migrations,
/// sessions that take more locks after the backup looked), in percent.
pub const LOCK_RESERVE_PERCENT: i64 = 25;

/// The server's shared lock table as a backup finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockTable {
    pub max_locks_per_transaction: i64,
    /// `max_connections + max_prepared_transactions`.
    pub backends: i64,
    /// Entries other sessions hold now (`pg_locks`; fast-path locks take none).
    pub held: i64,
}

impl LockTable {
    /// Read it: the settings, and what other sessions hold.
    pub async fn read<'e>(conn: impl sqlx::PgExecutor<'e>) -> Result<LockTable> {
        // language=PostgreSQL
        let (mlpt, backends, held): (i64, i64, i64) = sqlx::query_as(
            "SELECT current_setting('max_locks_per_transaction')::bigint, \
                    current_setting('max_connections')::bigint + current_setting('max_prepared_transactions')::bigint, \
                    (SELECT count(*) FROM pg_locks WHERE NOT fastpath AND pid IS DISTINCT FROM pg_backend_pid())",
        )
        .persistent(false)
        .fetch_one(conn)
        .await?;
        Ok(LockTable {
            max_locks_per_transaction: mlpt,
            backends,
            held,
        })
    }

    pub fn slots(&self) -> i64 {
        self.max_locks_per_transaction * self.backends
    }

    /// Tenant relations one of `jobs` parallel pg_dumps may lock: the free slots less the
    /// reserve, split between the dumps, less each dump's own catalog locks. At least 64, so a
    /// server that is full right now still backs up, a tenant at a time. Pure.
    pub fn dump_budget(&self, jobs: usize) -> i64 {
        let slots = self.slots();
        let free = slots - self.held - slots * LOCK_RESERVE_PERCENT / 100;
        (free / jobs.max(1) as i64 - CATALOG_LOCKS).max(64)
    }

    /// The `max_locks_per_transaction` with which `relations` (a whole fleet) fit one pg_dump
    /// per job, today's other sessions as they are; rounded up to a multiple of 64. Pure.
    pub fn needed_for(&self, relations: i64, jobs: usize) -> i64 {
        let n = jobs.max(1) as i64;
        // Near it from below: slots * (1 - reserve) - held >= relations + jobs * CATALOG_LOCKS.
        let estimate = (relations + n * CATALOG_LOCKS + self.held) * 100
            / (100 - LOCK_RESERVE_PERCENT)
            / self.backends.max(1);
        let mut mlpt = (estimate / 64).max(1) * 64;
        loop {
            let raised = LockTable {
                max_locks_per_transaction: mlpt,
                ..*self
            };
            if raised.dump_budget(jobs) * n >= relations {
                return mlpt;
            }
            mlpt += 64;
        }
    }
}

/// How many pg_dump runs `relations` take at `budget` relations each (at least one). Pure.
pub fn pg_dump_runs(relations: i64, budget: i64) -> i64 {
    let budget = budget.max(1);
    ((relations + budget - 1) / budget).max(1)
}

/// What a backup of these relations costs in pg_dump runs with this lock table, and the advice
/// when the table forces more runs than jobs (each extra run reads the whole catalog again).
/// `None` when one run per job is enough. Pure.
pub fn lock_advice(relations: i64, largest: i64, table: &LockTable, jobs: usize) -> Option<String> {
    let budget = table.dump_budget(jobs);
    let runs = pg_dump_runs(relations, budget);
    let jobs_i = jobs.max(1) as i64;
    if largest > budget {
        return Some(format!(
            "the largest tenant has {largest} relations to lock, more than one pg_dump's share of the lock table ({budget}): it is dumped alone and may fail with \"out of shared memory\"; raise max_locks_per_transaction to at least {} (postgresql.conf, needs a restart) or lower backup.jobs",
            table
                .needed_for(largest * jobs_i, jobs)
                .max(table.max_locks_per_transaction + 64)
        ));
    }
    (runs > jobs_i).then(|| {
        format!(
            "the lock table (max_locks_per_transaction {} x {} backends, {} held by other sessions) fits {budget} relations per pg_dump: {relations} relations take {runs} pg_dump runs, each reading the whole catalog; raise max_locks_per_transaction to {} (postgresql.conf, needs a restart) for {jobs} run(s)",
            table.max_locks_per_transaction,
            table.backends,
            table.held,
            table.needed_for(relations, jobs),
        )
    })
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

/// Per existing schema: how many relations pg_dump will lock (measured on PostgreSQL 15: a
/// share lock on every table and sequence it dumps, held until it ends, 21 of the sample
/// schema's 63 relations; indexes are read from the catalog, unlocked). Views, materialized
/// views and foreign tables count too. Catalog only: no table locks.
pub async fn relation_counts(pool: &PgPool, names: &[String]) -> Result<HashMap<String, i64>> {
    // language=PostgreSQL
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT n.nspname::text, count(c.oid)::bigint \
         FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind NOT IN ('i', 'I', 'c') \
         WHERE n.nspname = ANY($1) GROUP BY n.nspname",
    )
    .bind(names)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Per schema: its size (tables, indexes and TOAST). Sizes need a share lock on each table, so
/// a table locked exclusively (a running migration) must not stall the run: they are read with
/// a short lock timeout, schema by schema when the bulk read times out, and stay unknown for a
/// schema that is locked. A backup reads them while its pg_dump runs.
pub async fn schema_sizes(pool: &PgPool, names: &[String]) -> Result<HashMap<String, Option<i64>>> {
    let mut out: HashMap<String, Option<i64>> = names.iter().map(|n| (n.clone(), None)).collect();
    match sizes(pool, names).await {
        Ok(all) => {
            for (n, size) in all {
                out.insert(n, Some(size));
            }
        }
        Err(e) if crate::error::sqlstate(&e).as_deref() == Some(crate::db::LOCK_NOT_AVAILABLE) => {
            for n in names {
                match sizes(pool, std::slice::from_ref(n)).await {
                    Ok(v) => {
                        if let Some((_, size)) = v.first() {
                            out.insert(n.clone(), Some(*size));
                        }
                    }
                    Err(e)
                        if crate::error::sqlstate(&e).as_deref()
                            == Some(crate::db::LOCK_NOT_AVAILABLE) =>
                    {
                        warn!(schema = %n, "a table is locked; the schema's size stays unknown");
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Err(e) => return Err(e.into()),
    }
    Ok(out)
}

async fn sizes(
    pool: &PgPool,
    names: &[String],
) -> std::result::Result<Vec<(String, i64)>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    crate::db::set_lock_timeout(&mut tx, std::time::Duration::from_secs(2)).await?;
    // language=PostgreSQL
    let rows = sqlx::query_as(
        "SELECT n.nspname::text, coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint \
         FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'm') \
         WHERE n.nspname = ANY($1) GROUP BY n.nspname",
    )
    .bind(names)
    .fetch_all(&mut *tx)
    .await?;
    tx.rollback().await?;
    Ok(rows)
}

/// The most relations one pg_dump takes when the size is automatic, whatever the lock table
/// allows. tenantctl's own memory does not grow with the batch (its TOC waits in a temporary
/// file, see `archive::TocStore`), but pg_dump's does: it holds every dumped object (about
/// 90 MiB peak for 400 sample-set schemas against 42 MiB for 20, measured), and `jobs` of them
/// run at once. On the benchmarks' server (max_locks_per_transaction 256, 200 connections) the
/// lock budget is the smaller one.
pub const MAX_AUTO_BATCH_RELATIONS: i64 = 20_000;

/// How many schemas per pg_dump: `batch_size`, or when it is 0 ("auto") as few batches as the
/// lock budget (and [`MAX_AUTO_BATCH_RELATIONS`]) allows but at least one per job, so the
/// `jobs` pg_dumps share the work; every pg_dump reads the whole catalog once, so fewer,
/// bigger batches are faster. Pure.
pub fn batch_cap(
    targets: &[DumpTarget],
    batch_size: usize,
    jobs: usize,
    lock_budget: i64,
) -> usize {
    if batch_size > 0 {
        return batch_size;
    }
    let n = targets.len().max(1);
    let relations: i64 = targets.iter().map(|t| t.relations).sum();
    let per_batch = lock_budget.clamp(1, MAX_AUTO_BATCH_RELATIONS);
    let by_locks = (relations as f64 / per_batch as f64).ceil() as usize;
    let batches = jobs.max(1).max(by_locks).min(n);
    n.div_ceil(batches).max(1)
}

/// A split into batches: schemas sorted by name, each batch under `max_schemas` and (unless
/// one schema alone exceeds it) `lock_budget` relations. Pure.
pub fn plan_batches(
    mut targets: Vec<DumpTarget>,
    max_schemas: usize,
    lock_budget: i64,
) -> Vec<Vec<DumpTarget>> {
    targets.sort_by(|a, b| a.schema.cmp(&b.schema));
    let mut out: Vec<Vec<DumpTarget>> = Vec::new();
    let mut cur: Vec<DumpTarget> = Vec::new();
    let mut relations = 0;
    for t in targets {
        if !cur.is_empty()
            && (cur.len() >= max_schemas.max(1) || relations + t.relations > lock_budget)
        {
            out.push(std::mem::take(&mut cur));
            relations = 0;
        }
        relations += t.relations;
        cur.push(t);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// One piece of a batch that made it to storage (its dump committed, no manifest yet).
struct Piece {
    size: u64,
    sha256: String,
    facts: super::archive::PieceFacts,
}

/// Per-piece state while a batch streams.
#[derive(Default)]
struct PieceState {
    upload: Option<Box<dyn Upload>>,
    hasher: Sha256,
    size: u64,
    failed: Option<String>,
    committed: bool,
}

/// What a batch's archive said about itself.
struct ArchiveInfo {
    archive_version: String,
    pg_dump_version: String,
    server_version: String,
    compression: String,
}

impl Backupper {
    /// Look up the schemas' sizes and table counts in one query.
    pub async fn targets(
        &self,
        platforms: Vec<Platform>,
    ) -> Result<(Vec<DumpTarget>, Vec<BackupOutcome>)> {
        let mut ok = Vec::new();
        let mut failed = Vec::new();
        let mut names = Vec::new();
        for p in platforms {
            match p.require_schema() {
                Ok(s) => {
                    names.push(s.as_str().to_string());
                    ok.push((p, s));
                }
                Err(e) => failed.push(BackupOutcome::failed(
                    &DumpTarget {
                        schema: Ident::parse("-").expect("valid"),
                        platform: p,
                        public: false,
                        relations: 0,
                        size_bytes: None,
                        exists: false,
                    },
                    e.to_string(),
                    Instant::now(),
                )),
            }
        }
        let counts = relation_counts(&self.pool, &names).await?;
        let targets = ok
            .into_iter()
            .map(|(platform, schema)| {
                let n = counts.get(schema.as_str());
                DumpTarget {
                    relations: n.copied().unwrap_or(0),
                    size_bytes: None,
                    exists: n.is_some(),
                    platform,
                    schema: Ident::parse(schema.as_str()).expect("schema names are identifiers"),
                    public: false,
                }
            })
            .collect();
        Ok((targets, failed))
    }

    /// How many tenant relations one pg_dump may lock, from the lock table as it is now
    /// ([`LockTable::dump_budget`]), capped by [`MAX_AUTO_BATCH_RELATIONS`]; and the warning
    /// when the table makes this run take more pg_dumps than jobs.
    pub async fn lock_budget(&self, targets: &[DumpTarget]) -> Result<(i64, Option<String>)> {
        let table = LockTable::read(&self.pool).await?;
        let budget = table.dump_budget(self.jobs).min(MAX_AUTO_BATCH_RELATIONS);
        let relations: i64 = targets.iter().map(|t| t.relations).sum();
        let largest = targets.iter().map(|t| t.relations).max().unwrap_or(0);
        let advice = if self.batch_size == 0 {
            lock_advice(relations, largest, &table, self.jobs)
        } else {
            None
        };
        info!(
            max_locks_per_transaction = table.max_locks_per_transaction,
            backends = table.backends,
            held = table.held,
            budget,
            "lock table"
        );
        Ok((budget, advice))
    }

    /// Back up these platforms; one outcome per platform, in schema order. `on_done` is called
    /// as each tenant finishes (for progress).
    pub async fn run(
        self: Arc<Self>,
        platforms: Vec<Platform>,
        on_done: Arc<dyn Fn(&BackupOutcome) + Send + Sync>,
    ) -> Result<Vec<BackupOutcome>> {
        let (targets, outcomes) = self.targets(platforms).await?;
        self.run_targets(targets, outcomes, on_done).await
    }

    /// Back up the database's `public` schema (the registry, and legacy tables before
    /// `migrate-host-to-schema`): `public/<id>.dump`, recorded with schema `public`.
    pub async fn run_public(
        self: Arc<Self>,
        on_done: Arc<dyn Fn(&BackupOutcome) + Send + Sync>,
    ) -> Result<Vec<BackupOutcome>> {
        let counts = relation_counts(&self.pool, &["public".to_string()]).await?;
        let n = counts.get("public");
        let target = DumpTarget {
            platform: Platform::detached(0, "public", Some("public".into())),
            schema: Ident::parse("public").expect("valid"),
            public: true,
            relations: n.copied().unwrap_or(0),
            size_bytes: None,
            exists: n.is_some(),
        };
        self.run_targets(vec![target], Vec::new(), on_done).await
    }

    async fn run_targets(
        self: Arc<Self>,
        targets: Vec<DumpTarget>,
        mut outcomes: Vec<BackupOutcome>,
        on_done: Arc<dyn Fn(&BackupOutcome) + Send + Sync>,
    ) -> Result<Vec<BackupOutcome>> {
        let (targets, missing): (Vec<DumpTarget>, Vec<DumpTarget>) =
            targets.into_iter().partition(|t| t.exists);
        for t in missing {
            let o = BackupOutcome::failed(
                &t,
                format!("schema `{}` does not exist", t.schema),
                Instant::now(),
            );
            on_done(&o);
            outcomes.push(o);
        }
        let (budget, advice) = self.lock_budget(&targets).await?;
        if let Some(a) = advice {
            // Once per run, not per batch.
            warn!("{a}");
        }
        let cap = batch_cap(&targets, self.batch_size, self.jobs, budget);
        let batches = plan_batches(targets, cap, budget);
        info!(
            batches = batches.len(),
            jobs = self.jobs,
            lock_budget = budget,
            "backing up"
        );
        let sem = Arc::new(tokio::sync::Semaphore::new(self.jobs.max(1)));
        let mut set = tokio::task::JoinSet::new();
        for batch in batches {
            let me = self.clone();
            let sem = sem.clone();
            let on_done = on_done.clone();
            set.spawn(async move {
                let _permit = sem.acquire_owned().await.expect("semaphore open");
                me.run_batch(batch, on_done).await
            });
        }
        while let Some(res) = set.join_next().await {
            outcomes.extend(res.map_err(anyhow::Error::from)?);
        }
        outcomes.sort_by(|a, b| a.schema.cmp(&b.schema));
        Ok(outcomes)
    }

    /// One batch. When it fails as a whole (a schema dropped meanwhile, a table locked past
    /// the lock wait timeout), it is split in halves and each half tried again, down to single
    /// schemas: a bad tenant fails alone, found in about 2 log2(n) pg_dump runs.
    async fn run_batch(
        &self,
        batch: Vec<DumpTarget>,
        on_done: Arc<dyn Fn(&BackupOutcome) + Send + Sync>,
    ) -> Vec<BackupOutcome> {
        let mut out = Vec::new();
        let mut todo: Vec<Vec<DumpTarget>> = vec![batch];
        while let Some(mut batch) = todo.pop() {
            let started = Instant::now();
            let names: Vec<String> = batch
                .iter()
                .filter(|t| !t.public)
                .map(|t| t.schema.to_string())
                .collect();
            // The dependencies are read while pg_dump runs, not after it.
            let (dumped, deps) = tokio::join!(
                self.dump_batch(&batch),
                schema_dependencies(&self.pool, &names)
            );
            match dumped {
                Ok((taken_at, info, pieces, sizes)) => {
                    set_sizes(&mut batch, &sizes);
                    let n = batch.len();
                    let deps = match deps {
                        Ok(d) => d,
                        Err(e) => {
                            warn!(error = %crate::error::Shown(&e), "cannot read the schemas' dependencies");
                            HashMap::new()
                        }
                    };
                    for (t, piece) in batch.iter().zip(pieces) {
                        let dep = deps.get(t.schema.as_str()).cloned().unwrap_or_default();
                        let o = match piece {
                            Ok(p) => {
                                self.finish_piece(t, taken_at, &info, p, n, dep, started)
                                    .await
                            }
                            Err(e) => BackupOutcome::failed(t, e, started),
                        };
                        on_done(&o);
                        out.push(o);
                    }
                }
                // A pg_dump newer than the archive reader: store each schema's own archive
                // unread instead of stopping every backup (issue 17).
                Err(BatchError::Archive(ArchiveError::Newer(version))) => {
                    warn!(
                        archive_version = %version,
                        "pg_dump writes archive version {version}, newer than tenantctl reads ({}): falling back to one pg_dump per schema, stored as written (no row counts in the manifests)",
                        super::archive::KNOWN_VERSIONS
                    );
                    for t in &batch {
                        let started = Instant::now();
                        let o = match self.dump_plain(t, &version).await {
                            Ok((taken_at, info, piece)) => {
                                let deps = if t.public {
                                    HashMap::new()
                                } else {
                                    schema_dependencies(&self.pool, &[t.schema.to_string()])
                                        .await
                                        .unwrap_or_default()
                                };
                                let dep = deps.get(t.schema.as_str()).cloned().unwrap_or_default();
                                self.finish_piece(t, taken_at, &info, piece, 1, dep, started)
                                    .await
                            }
                            Err(e) => {
                                warn!(schema = %t.schema, "{e}");
                                BackupOutcome::failed(t, e.one_line(), started)
                            }
                        };
                        on_done(&o);
                        out.push(o);
                    }
                }
                Err(e) if batch.len() > 1 => {
                    warn!(
                        schemas = batch.len(),
                        error = %e.one_line(),
                        "batch dump failed; dumping its halves separately"
                    );
                    let second = batch.split_off(batch.len() / 2);
                    todo.push(second);
                    todo.push(batch);
                }
                Err(e) => {
                    warn!(schema = %batch[0].schema, "{e}");
                    let o = BackupOutcome::failed(&batch[0], e.one_line(), started);
                    on_done(&o);
                    out.push(o);
                }
            }
        }
        out
    }

    /// On Citus, the worker holding `t`'s distributed schema (for its manifest).
    async fn node_of(&self, t: &DumpTarget) -> sqlx::Result<Option<String>> {
        if !crate::db::citus::present() || t.public {
            return Ok(None);
        }
        let mut conn = self.pool.acquire().await?;
        crate::db::citus::node_of(&mut conn, t.schema.as_str()).await
    }

    /// Write the manifest, update the registry, check growth and dependencies.
    #[allow(clippy::too_many_arguments)] // each is one fact of the piece or of its batch
    async fn finish_piece(
        &self,
        t: &DumpTarget,
        taken_at: DateTime<Utc>,
        info: &ArchiveInfo,
        p: Piece,
        batch_schemas: usize,
        depends_on_schemas: Vec<String>,
        started: Instant,
    ) -> BackupOutcome {
        let id = manifest::backup_id(taken_at);
        let node = match self.node_of(t).await {
            Ok(n) => n,
            Err(e) => {
                warn!(schema = %t.schema, error = %crate::error::Shown(&e), "cannot read the tenant's Citus node");
                None
            }
        };
        let m = Manifest {
            format: manifest::FORMAT.into(),
            id: id.clone(),
            platform_id: t.platform.id,
            platform_name: t.platform.name.clone(),
            schema: t.schema.to_string(),
            taken_at,
            dump: format!("{id}.dump"),
            size_bytes: p.size,
            sha256: p.sha256.clone(),
            compression: info.compression.clone(),
            archive_version: info.archive_version.clone(),
            pg_dump_version: info.pg_dump_version.clone(),
            server_version: info.server_version.clone(),
            migration_version: p.facts.migration_version,
            schema_size_bytes: t.size_bytes,
            row_counts: p.facts.row_counts.clone(),
            batch_schemas,
            depends_on_schemas,
            node,
            tenantctl_version: env!("CARGO_PKG_VERSION").into(),
        };
        if let Err(e) = self.storage.put(&m.manifest_key(), m.to_json()).await {
            let _ = self.storage.delete(&m.dump_key()).await;
            return BackupOutcome::failed(t, format!("writing the manifest failed: {e}"), started);
        }
        let warning = growth_warning(
            t.platform.schema_size_bytes,
            t.size_bytes,
            self.growth_warn_factor,
        );
        let dependency = dependency_warning(&m.depends_on_schemas);
        for w in warning.iter().chain(dependency.iter()) {
            warn!(platform = %t.platform.name, schema = %t.schema, "{w}");
        }
        let warning = match (warning, dependency) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        let registry = self.record(&m, t.public).await;
        let mut o = BackupOutcome {
            platform_id: t.platform.id,
            platform_name: t.platform.name.clone(),
            schema: t.schema.to_string(),
            status: BackupStatus::Ok,
            backup_id: Some(id),
            size_bytes: Some(p.size),
            sha256: Some(p.sha256),
            rows: Some(m.total_rows()),
            schema_size_bytes: t.size_bytes,
            duration_ms: started.elapsed().as_millis() as u64,
            batch_schemas,
            location: Some(self.storage.location(&m.dump_key())),
            warning,
            error: None,
        };
        if let Err(e) = registry {
            o.status = BackupStatus::Failed;
            o.error = Some(format!(
                "the backup is stored, but the registry was not updated: {e}"
            ));
        }
        o
    }

    /// `last_backup_at`, `schema_size_bytes` and a `tenantctl.backups` row, in one transaction.
    /// A `last_backup_at` in the future (a clock that ran ahead) does not outlive a real backup.
    /// A backup of `public` belongs to no platform: only the row, with no platform id.
    async fn record(&self, m: &Manifest, public: bool) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if !public {
            // language=PostgreSQL
            sqlx::query(
                "UPDATE public.platforms SET last_backup_at = greatest(CASE WHEN last_backup_at <= now() THEN last_backup_at END, $2), \
             schema_size_bytes = coalesce($3, schema_size_bytes), updated_at = now() WHERE id = $1",
            )
            .bind(m.platform_id)
            .bind(m.taken_at)
            .bind(m.schema_size_bytes)
            .execute(&mut *tx)
            .await?;
        }
        // language=PostgreSQL
        sqlx::query(
            "INSERT INTO tenantctl.backups (platform_id, platform_name, schema_name, backup_id, storage, location, \
             taken_at, size_bytes, sha256, migration_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (schema_name, backup_id) DO NOTHING",
        )
        .bind((!public).then_some(m.platform_id))
        .bind(&m.platform_name)
        .bind(&m.schema)
        .bind(&m.id)
        .bind(self.storage.kind())
        .bind(self.storage.location(&m.dump_key()))
        .bind(m.taken_at)
        .bind(m.size_bytes as i64)
        .bind(&m.sha256)
        .bind(m.migration_version)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Run one pg_dump over the batch and split it into per-schema dumps in storage. Per-piece
    /// errors (one upload failing) fail that piece only; anything else fails the batch, and then
    /// no piece of it stays in storage.
    async fn dump_batch(
        &self,
        batch: &[DumpTarget],
    ) -> std::result::Result<
        (
            DateTime<Utc>,
            ArchiveInfo,
            Vec<std::result::Result<Piece, String>>,
            HashMap<String, Option<i64>>,
        ),
        BatchError,
    > {
        let schemas: Vec<Ident> = batch.iter().map(|t| t.schema.clone()).collect();
        let names: Vec<String> = schemas.iter().map(|s| s.to_string()).collect();
        let taken_at = Utc::now();
        let id = manifest::backup_id(taken_at);
        let mut child = self
            .tools
            .dump(&schemas)
            .spawn()
            .map_err(BatchError::Other)?;
        // The sizes (a stat of every file of every table) while pg_dump runs, not before it.
        let sizes_task = {
            let pool = self.pool.clone();
            let names = names.clone();
            tokio::spawn(async move { schema_sizes(&pool, &names).await })
        };
        let mut stdout = child.take_stdout();
        let mut states: Vec<PieceState> = (0..batch.len()).map(|_| PieceState::default()).collect();
        let res = self.stream(&mut stdout, &names, &id, &mut states).await;
        drop(stdout);
        let info = match res {
            Ok(info) => info,
            // Written by a newer pg_dump: nothing failed, the caller falls back.
            Err(e @ BatchError::Archive(ArchiveError::Newer(_))) => {
                child.kill().await;
                self.discard(&names, &id, states).await;
                return Err(e);
            }
            // The archive stopped making sense: usually pg_dump failed and closed its output;
            // its own error says why better than ours.
            Err(BatchError::Archive(a)) => {
                let waited =
                    tokio::time::timeout(std::time::Duration::from_secs(10), child.wait()).await;
                self.discard(&names, &id, states).await;
                return Err(match waited {
                    Ok(Err(tool)) => BatchError::Tool(tool),
                    _ => BatchError::Archive(a),
                });
            }
            Err(e) => {
                child.kill().await;
                self.discard(&names, &id, states).await;
                return Err(e);
            }
        };
        if let Err(e) = child.wait().await {
            self.discard(&names, &id, states).await;
            return Err(BatchError::Tool(e));
        }
        let pieces = states
            .into_iter()
            .map(|s| match (s.failed, s.committed) {
                (Some(e), _) => Err(e),
                (None, true) => Ok(Piece {
                    size: s.size,
                    sha256: hex::encode(s.hasher.finalize()),
                    facts: Default::default(),
                }),
                (None, false) => Err("the dump ended before this schema was written".into()),
            })
            .collect::<Vec<_>>();
        let (facts, info) = info;
        let pieces = pieces
            .into_iter()
            .zip(facts)
            .map(|(p, f)| p.map(|p| Piece { facts: f, ..p }))
            .collect();
        let sizes = match sizes_task.await.map_err(anyhow::Error::from) {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                warn!(error = %crate::error::Shown(&e), "schema sizes could not be read");
                HashMap::new()
            }
            Err(e) => {
                warn!(error = %crate::error::Shown(&e), "schema sizes could not be read");
                HashMap::new()
            }
        };
        Ok((taken_at, info, pieces, sizes))
    }

    /// One schema by its own pg_dump, its archive stored as pg_dump wrote it: the fallback when
    /// the archive is newer than tenantctl reads. The manifest has the size and SHA-256, the
    /// versions, and no row counts or migration version (read from the archive otherwise).
    async fn dump_plain(
        &self,
        t: &DumpTarget,
        archive_version: &str,
    ) -> std::result::Result<(DateTime<Utc>, ArchiveInfo, Piece), BatchError> {
        let name = t.schema.to_string();
        let taken_at = Utc::now();
        let id = manifest::backup_id(taken_at);
        let mut child = self
            .tools
            .dump(std::slice::from_ref(&t.schema))
            .spawn()
            .map_err(BatchError::Other)?;
        let mut stdout = child.take_stdout();
        let mut up = match self.storage.create(&dump_key(&name, &id)).await {
            Ok(up) => up,
            Err(e) => {
                child.kill().await;
                return Err(BatchError::Other(e));
            }
        };
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buf = BytesMut::with_capacity(256 * 1024);
        let streamed: Result<()> = async {
            loop {
                buf.reserve(256 * 1024);
                if stdout.read_buf(&mut buf).await? == 0 {
                    return Ok(());
                }
                let chunk = buf.split().freeze();
                hasher.update(&chunk);
                size += chunk.len() as u64;
                up.write(chunk).await?;
            }
        }
        .await;
        drop(stdout);
        if let Err(e) = streamed {
            up.abort().await;
            child.kill().await;
            return Err(BatchError::Other(e));
        }
        if let Err(e) = child.wait().await {
            up.abort().await;
            return Err(BatchError::Tool(e));
        }
        up.commit().await.map_err(BatchError::Other)?;
        info!(schema = %name, size = %human_bytes(size as i64), "dump stored (unread)");
        let pg_dump_version = self
            .tools
            .version("pg_dump")
            .await
            .unwrap_or_default()
            .rsplit(' ')
            .next()
            .unwrap_or_default()
            .to_string();
        // language=PostgreSQL
        let server_version: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&self.pool)
            .await
            .unwrap_or_default();
        let info = ArchiveInfo {
            archive_version: archive_version.to_string(),
            pg_dump_version,
            server_version,
            compression: "unknown".into(),
        };
        let piece = Piece {
            size,
            sha256: hex::encode(hasher.finalize()),
            facts: Default::default(),
        };
        Ok((taken_at, info, piece))
    }

    /// Remove whatever a failed batch put in storage.
    async fn discard(&self, names: &[String], id: &str, states: Vec<PieceState>) {
        for (name, s) in names.iter().zip(states) {
            if let Some(up) = s.upload {
                up.abort().await;
            }
            if s.committed {
                let _ = self.storage.delete(&dump_key(name, id)).await;
            }
        }
    }

    async fn stream(
        &self,
        stdout: &mut tokio::process::ChildStdout,
        names: &[String],
        id: &str,
        states: &mut [PieceState],
    ) -> std::result::Result<(Vec<super::archive::PieceFacts>, ArchiveInfo), BatchError> {
        // The batch's TOC waits for its pieces in a temporary file, not in memory (issue 18).
        let store = TocStore::spill().map_err(|e| {
            BatchError::Other(Error::Other(anyhow::anyhow!(
                "cannot create a temporary file for the batch's table of contents: {e}"
            )))
        })?;
        let mut reader = Some(SplitReader::new(names, store));
        let mut split: Option<(BlockScanner, Box<Splitter>)> = None;
        let mut buf = BytesMut::with_capacity(256 * 1024);
        let mut events = Vec::new();
        let mut routed = Vec::new();
        loop {
            buf.reserve(256 * 1024);
            let n = stdout
                .read_buf(&mut buf)
                .await
                .map_err(|e| BatchError::Other(Error::Io(e)))?;
            if n == 0 {
                break;
            }
            let mut chunk = buf.split().freeze();
            if let Some(r) = &mut reader {
                match r.push(&chunk).map_err(BatchError::Archive)? {
                    SplitProgress::NeedMore => continue,
                    SplitProgress::Done(sp, rest) => {
                        reader = None;
                        split = Some((BlockScanner::new(sp.header()), sp));
                        chunk = rest;
                    }
                }
            }
            let (scanner, sp) = split.as_mut().expect("TOC read");
            events.clear();
            scanner
                .feed(chunk, &mut events)
                .map_err(BatchError::Archive)?;
            for ev in events.drain(..) {
                routed.clear();
                sp.route(ev, &mut routed).map_err(BatchError::Archive)?;
                for r in routed.drain(..) {
                    match r {
                        Routed::Bytes { piece, data } => {
                            self.write_piece(
                                sp,
                                piece,
                                &names[piece],
                                id,
                                &mut states[piece],
                                data,
                            )
                            .await;
                        }
                        Routed::Complete { piece } => {
                            self.commit_piece(sp, piece, &names[piece], id, &mut states[piece])
                                .await;
                        }
                    }
                }
            }
        }
        if let Some(r) = &reader {
            return Err(BatchError::Archive(r.finish()));
        }
        let (scanner, sp) = split.expect("TOC read");
        scanner.finish().map_err(BatchError::Archive)?;
        sp.finish().map_err(BatchError::Archive)?;
        // Schemas without any table data are complete with their TOC alone.
        for (i, name) in names.iter().enumerate() {
            if !sp.has_blocks(i) {
                self.commit_piece(&sp, i, name, id, &mut states[i]).await;
            }
        }
        let h = sp.header();
        let info = ArchiveInfo {
            archive_version: h.version_string(),
            pg_dump_version: h.pg_dump_version.clone().unwrap_or_default(),
            server_version: h.server_version.clone().unwrap_or_default(),
            compression: h.compression.name().into(),
        };
        Ok((sp.facts.clone(), info))
    }

    async fn write_piece(
        &self,
        sp: &Splitter,
        piece: usize,
        name: &str,
        id: &str,
        st: &mut PieceState,
        data: Bytes,
    ) {
        if st.failed.is_some() {
            return;
        }
        if st.upload.is_none() {
            match self.storage.create(&dump_key(name, id)).await {
                Ok(mut up) => {
                    let head = match sp.piece_head(piece) {
                        Ok(h) => Bytes::from(h),
                        Err(e) => {
                            up.abort().await;
                            st.failed = Some(format!("writing the dump failed: {e}"));
                            return;
                        }
                    };
                    st.hasher.update(&head);
                    st.size += head.len() as u64;
                    if let Err(e) = up.write(head).await {
                        up.abort().await;
                        st.failed = Some(format!("writing the dump failed: {e}"));
                        return;
                    }
                    st.upload = Some(up);
                }
                Err(e) => {
                    st.failed = Some(format!("writing the dump failed: {e}"));
                    return;
                }
            }
        }
        st.hasher.update(&data);
        st.size += data.len() as u64;
        let up = st.upload.as_mut().expect("opened above");
        if let Err(e) = up.write(data).await {
            let up = st.upload.take().expect("opened");
            up.abort().await;
            st.failed = Some(format!("writing the dump failed: {e}"));
        }
    }

    async fn commit_piece(
        &self,
        sp: &Splitter,
        piece: usize,
        name: &str,
        id: &str,
        st: &mut PieceState,
    ) {
        if st.failed.is_some() || st.committed {
            return;
        }
        if st.upload.is_none() {
            // No data blocks: open it with the head alone.
            self.write_piece(sp, piece, name, id, st, Bytes::new())
                .await;
            if st.failed.is_some() {
                return;
            }
        }
        let up = st.upload.take().expect("opened");
        match up.commit().await {
            Ok(_) => {
                st.committed = true;
                info!(schema = %name, size = %human_bytes(st.size as i64), "dump stored");
            }
            Err(e) => st.failed = Some(format!("storing the dump failed: {e}")),
        }
    }
}

fn set_sizes(batch: &mut [DumpTarget], sizes: &HashMap<String, Option<i64>>) {
    for t in batch {
        t.size_bytes = sizes.get(t.schema.as_str()).copied().flatten();
    }
}

/// A batch that failed as a whole.
#[derive(Debug, thiserror::Error)]
enum BatchError {
    #[error(transparent)]
    Tool(super::pgtools::ToolError),
    #[error("the archive pg_dump wrote could not be read: {0}")]
    Archive(super::archive::ArchiveError),
    #[error(transparent)]
    Other(Error),
}

impl BatchError {
    fn one_line(&self) -> String {
        match self {
            BatchError::Tool(t) => t.short(),
            other => other.to_string(),
        }
    }
}

/// The warning when a schema grew more than `factor` since the size recorded at its last
/// backup.
pub fn growth_warning(before: Option<i64>, now: Option<i64>, factor: f64) -> Option<String> {
    let (before, now) = (before?, now?);
    if before <= 0 || factor <= 0.0 {
        return None;
    }
    let ratio = now as f64 / before as f64;
    (ratio > factor).then(|| {
        format!(
            "schema grew {ratio:.1}x since its last backup ({} -> {}), more than backup.growth_warn_factor {factor}",
            human_bytes(before),
            human_bytes(now)
        )
    })
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
