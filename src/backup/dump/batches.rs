//! Lock budgeting: how many relations one pg_dump may lock, and tenants grouped into batches
//! that fit.

use super::*;

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

pub(super) async fn sizes(
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
