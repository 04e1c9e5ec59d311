//! The fleet orchestrator behind `migrate` and `migrate rollback`: walk the targets
//! ([`super::targets`], in chunks), read the applied versions of the chunk's likely-current
//! schemas in a couple of batched queries ([`super::catalog`]), and open a transaction only for
//! the schemas that have work, on `jobs` workers with one connection each. Schemas the stored
//! status says are behind skip the batched read: their worker reads them in its own
//! transaction (see [`crate::registry::tenants::Cursor::with_hints`]).
//!
//! Each tenant's work is one transaction: the platform's advisory lock (the one provisioning
//! takes, so a tenant is never migrated and provisioned at once), `lock_timeout`, its schema
//! alone on the search_path, then the one-schema runner ([`super::runner`]): every pending
//! migration, its tracking rows and its status row. A schema therefore
//! ends either fully at the old version or fully at the new one, and a tenant that fails is
//! recorded and reported while the others carry on.

use super::catalog::{self, Read};
use super::runner::{self, Failed, Job, NoTx, Ran, Start};
use super::status::{self, Facts};
use super::{Applied, MigrationError, MigrationSet, plan, revert_plan};
use crate::db::{SchemaName, locks::PlatformLock};
use crate::error::{Error, Result};
use crate::output::{Tabular, Term, duration};
use crate::registry::InvalidPlatform;
use crate::registry::tenants::{Selection, Target, count, targets};
use crate::rules::RetryPolicy;
use comfy_table::{Cell, Color};
use futures::{StreamExt, TryStreamExt, stream};
use serde::Serialize;
use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgConnection, PgPool, Postgres};
use std::time::{Duration, Instant};

/// The summary line of a platform whose schema name breaks the rules.
fn invalid_run(bad: InvalidPlatform) -> TenantRun {
    TenantRun {
        tenant: bad.platform,
        platform_id: bad.platform_id,
        schema: bad.schema,
        from: None,
        to: None,
        versions: Vec::new(),
        duration_ms: 0,
        outcome: MigrateOutcome::Failed,
        error: Some(bad.error),
        canary: false,
        tries: 0,
    }
}

/// The newest version applied in any schema `filter` covers (`None`: nothing applied
/// anywhere), read from the tracking tables themselves: what `migrate revert` undoes.
pub async fn newest_applied(pool: &PgPool, filter: &Selection) -> Result<Option<i64>> {
    let mut newest = None;
    let mut cursor = targets(filter.clone(), catalog::chunk_size(pool).await?);
    while let Some(batch) = cursor.next(pool).await? {
        for read in catalog::read_many(pool, &batch.targets).await? {
            if let Read::Applied(applied) = read {
                newest = newest.max(applied.iter().map(|a| a.version).max());
            }
        }
    }
    Ok(newest)
}

/// What happened to one tenant. Serialised in snake case in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrateOutcome {
    Migrated,
    UpToDate,
    RolledBack,
    /// Rollback: already at or below the target version.
    Unchanged,
    Failed,
    WouldMigrate,
    WouldRollBack,
}

impl MigrateOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            MigrateOutcome::Migrated => "migrated",
            MigrateOutcome::UpToDate => "up to date",
            MigrateOutcome::RolledBack => "rolled back",
            MigrateOutcome::Unchanged => "unchanged",
            MigrateOutcome::Failed => "failed",
            MigrateOutcome::WouldMigrate => "would migrate",
            MigrateOutcome::WouldRollBack => "would roll back",
        }
    }
}

/// One line of the summary. Field names are part of the JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct TenantRun {
    #[serde(rename = "platform")]
    pub tenant: String,
    pub platform_id: i64,
    pub schema: String,
    /// The version before the run.
    pub from: Option<i64>,
    /// The version after it (equal to `from` when it failed: nothing was applied).
    pub to: Option<i64>,
    /// Versions applied (rolled back: reverted, newest first); with --dry-run, what would be.
    pub versions: Vec<i64>,
    pub duration_ms: u64,
    pub outcome: MigrateOutcome,
    pub error: Option<String>,
    /// Migrated in the canary phase.
    pub canary: bool,
    /// Transactions this tenant took: 1, more when a lock timeout was retried (see
    /// `--lock-retries`); 0 when none was needed (planned only, or failed before one).
    pub tries: u32,
}

fn version_text(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

impl Tabular for TenantRun {
    fn headers() -> Vec<&'static str> {
        vec![
            "tenant", "from", "to", "duration", "tries", "outcome", "error",
        ]
    }

    fn row(&self, term: &Term) -> Vec<Cell> {
        let color = match self.outcome {
            MigrateOutcome::Failed => Color::Red,
            MigrateOutcome::Migrated | MigrateOutcome::RolledBack => Color::Green,
            _ => Color::Yellow,
        };
        let outcome = if term.color {
            Cell::new(self.outcome.as_str()).fg(color)
        } else {
            Cell::new(self.outcome.as_str())
        };
        let tenant = if self.canary {
            format!("{} (canary)", self.tenant)
        } else {
            self.tenant.clone()
        };
        vec![
            Cell::new(tenant),
            Cell::new(version_text(self.from)),
            Cell::new(version_text(self.to)),
            Cell::new(match self.outcome {
                MigrateOutcome::WouldMigrate | MigrateOutcome::WouldRollBack => "-".to_string(),
                _ => duration::elapsed_ms(self.duration_ms),
            }),
            Cell::new(self.tries),
            outcome,
            Cell::new(self.error.as_deref().unwrap_or("")),
        ]
    }
}

/// Counts over every tenant the run covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Tenants looked at.
    pub tenants: usize,
    /// Migrated or rolled back (with --dry-run: that would be).
    pub changed: usize,
    /// Nothing to do.
    pub unchanged: usize,
    pub failed: usize,
    /// Not started because a canary failed.
    pub not_started: usize,
}

/// The result of a run. `tenants` holds only tenants that changed, would change, or failed: a
/// no-op run over a large fleet keeps nothing per tenant.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub tenants: Vec<TenantRun>,
    pub totals: Totals,
    /// Names of the canary tenants, in the order they finished.
    pub canaries: Vec<String>,
    /// A canary failed, so the rest were not started.
    pub canary_failed: bool,
}

impl Report {
    fn add(&mut self, run: TenantRun) {
        self.totals.tenants += 1;
        if run.canary {
            self.canaries.push(run.tenant.clone());
        }
        match run.outcome {
            MigrateOutcome::UpToDate | MigrateOutcome::Unchanged => self.totals.unchanged += 1,
            MigrateOutcome::Failed => {
                self.totals.failed += 1;
                self.tenants.push(run);
            }
            _ => {
                self.totals.changed += 1;
                self.tenants.push(run);
            }
        }
    }

    fn sort(&mut self) {
        self.tenants.sort_by_key(|r| (!r.canary, r.platform_id));
    }
}

/// How a run works.
#[derive(Debug, Clone)]
pub struct Options {
    /// Tenant schemas worked on at once.
    pub jobs: usize,
    /// `lock_timeout` of every tenant transaction.
    pub lock_timeout: Duration,
    /// Plan only: say what would run where, change nothing.
    pub dry_run: bool,
    pub filter: Selection,
    pub extension_schema: Option<SchemaName>,
    /// How often a tenant whose transaction met a lock timeout is tried again (after
    /// [`lock_retry_policy`]'s waits, with jitter).
    pub lock_retries: u32,
}

/// The waits between a tenant's tries after lock timeouts: 1 s, 2 s, 4 s, ... (each between
/// half and all of that, see [`RetryPolicy::jittered_delay_after`]).
pub fn lock_retry_policy(retries: u32) -> RetryPolicy {
    RetryPolicy {
        retries,
        base: Duration::from_secs(1),
        factor: 2,
    }
}

pub use super::runner::Mode;

/// Tenants migrated first; the rest only when all of them succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Canary {
    None,
    /// The first N tenants (by id) that have something pending.
    First(usize),
    /// These platforms.
    Named(Vec<i64>),
}

/// Called with each tenant as it finishes (for a progress bar).
pub type OnDone<'a> = &'a (dyn Fn(&TenantRun) + Sync);

/// Migrate every targeted tenant to the newest version of `set`.
pub async fn migrate(
    pool: &PgPool,
    set: &MigrationSet,
    opts: &Options,
    canary: &Canary,
    on_done: OnDone<'_>,
) -> Result<Report> {
    let mut report = Report::default();
    let canaries = match canary {
        _ if opts.dry_run => None,
        Canary::None => None,
        Canary::First(n) => Some(pick_canaries(pool, set, &opts.filter, *n).await?),
        Canary::Named(ids) => Some(ids.clone()),
    };
    let Some(ids) = canaries else {
        execute(
            pool,
            set,
            opts,
            Mode::Up,
            &opts.filter,
            false,
            on_done,
            &mut report,
        )
        .await?;
        report.sort();
        return Ok(report);
    };
    if !ids.is_empty() {
        let only = match &opts.filter.only {
            None => ids.clone(),
            Some(o) => ids.iter().copied().filter(|i| o.contains(i)).collect(),
        };
        let first = Selection {
            only: Some(only),
            exclude: opts.filter.exclude.clone(),
        };
        execute(
            pool,
            set,
            opts,
            Mode::Up,
            &first,
            true,
            on_done,
            &mut report,
        )
        .await?;
    }
    let mut rest = opts.filter.clone();
    rest.exclude.extend(ids.iter().copied());
    if report.totals.failed > 0 {
        report.canary_failed = true;
        report.totals.not_started = count(pool, &rest).await? as usize;
    } else {
        execute(
            pool,
            set,
            opts,
            Mode::Up,
            &rest,
            false,
            on_done,
            &mut report,
        )
        .await?;
    }
    report.sort();
    Ok(report)
}

/// Roll every targeted tenant back to `to` (0: revert everything).
pub async fn rollback(
    pool: &PgPool,
    set: &MigrationSet,
    opts: &Options,
    to: i64,
    on_done: OnDone<'_>,
) -> Result<Report> {
    let mut report = Report::default();
    execute(
        pool,
        set,
        opts,
        Mode::Down { to },
        &opts.filter,
        false,
        on_done,
        &mut report,
    )
    .await?;
    report.sort();
    Ok(report)
}

/// The first `n` targets (by id) with something pending.
async fn pick_canaries(
    pool: &PgPool,
    set: &MigrationSet,
    filter: &Selection,
    n: usize,
) -> Result<Vec<i64>> {
    let mut picked = Vec::with_capacity(n.min(1024));
    let mut cursor = targets(filter.clone(), catalog::chunk_size(pool).await?);
    while picked.len() < n
        && let Some(batch) = cursor.next(pool).await?
    {
        for item in plan_chunk(pool, set, Mode::Up, true, batch.targets).await? {
            if let Item::Done(run) = item
                && run.outcome == MigrateOutcome::WouldMigrate
                && picked.len() < n
            {
                picked.push(run.platform_id);
            }
        }
    }
    Ok(picked)
}

/// A tenant after planning: settled already, or work for a transaction.
enum Item {
    Done(TenantRun),
    Work(Work),
}

/// A tenant for a worker, which reads its schema again in its own transaction (under the
/// platform's lock) and decides there.
struct Work {
    target: Target,
    /// The version the plan saw, if it read the schema (for the summary if the transaction
    /// never started).
    from: Option<i64>,
    /// The versions the stored status suggests are pending (every version of the set above
    /// the recorded one): tried optimistically, see [`transact`].
    guess: Option<Vec<i64>>,
}

fn run_of(t: &Target, from: Option<i64>, outcome: MigrateOutcome) -> TenantRun {
    TenantRun {
        tenant: t.name.clone(),
        platform_id: t.platform_id,
        schema: t.schema.to_string(),
        from,
        to: from,
        versions: Vec::new(),
        duration_ms: 0,
        outcome,
        error: None,
        canary: false,
        tries: 0,
    }
}

/// Run one phase: `opts.jobs` workers, each with one connection of its own for the whole
/// phase (like one psql session each), take planned tenants from a shared stream until it
/// ends.
#[allow(clippy::too_many_arguments)]
async fn execute(
    pool: &PgPool,
    set: &MigrationSet,
    opts: &Options,
    mode: Mode,
    filter: &Selection,
    canary: bool,
    on_done: OnDone<'_>,
    report: &mut Report,
) -> Result<()> {
    let chunk = catalog::chunk_size(pool).await?;
    let dry_run = opts.dry_run;
    let mut cursor = targets(filter.clone(), chunk);
    if mode == Mode::Up && !dry_run {
        cursor = cursor.with_hints(set.latest());
    }
    let planned = stream::try_unfold(cursor, move |mut cursor| async move {
        let Some(batch) = cursor.next(pool).await? else {
            return Ok(None);
        };
        let mut items: Vec<Item> = batch
            .invalid
            .into_iter()
            .map(|bad| Item::Done(invalid_run(bad)))
            .collect();
        items.extend(plan_chunk(pool, set, mode, dry_run, batch.targets).await?);
        Ok::<_, Error>(Some((
            stream::iter(items.into_iter().map(Ok::<Item, Error>)),
            cursor,
        )))
    })
    .try_flatten();
    let planned = tokio::sync::Mutex::new(Box::pin(planned));
    let shared = std::sync::Mutex::new(std::mem::take(report));
    let emit = |mut run: TenantRun| {
        run.canary = canary;
        on_done(&run);
        shared.lock().expect("not poisoned").add(run);
    };
    // Schemas changed and not yet told to `serve`, and when it was last told.
    let changed = std::sync::Mutex::new((Vec::new(), Instant::now()));
    let changed = &changed;
    let worker = || async {
        let mut conn: Option<PoolConnection<Postgres>> = None;
        loop {
            let next = planned.lock().await.next().await;
            let item = match next {
                None => {
                    if let Some(c) = &mut conn {
                        tell_serve(c, changed, true).await;
                    }
                    return Ok::<_, Error>(());
                }
                Some(item) => item?,
            };
            let w = match item {
                Item::Done(run) => {
                    emit(run);
                    continue;
                }
                Item::Work(w) => w,
            };
            let c = match &mut conn {
                Some(c) => c,
                None => conn.insert(pool.acquire().await?),
            };
            let worked = work(pool, c, set, opts, mode, w).await;
            if let Some(e) = worked.fatal {
                // The database went away: every further tenant would fail the same way.
                return Err(Error::Db(e));
            }
            if worked.discard
                && let Some(c) = conn.take()
            {
                let _ = c.close().await;
            }
            if !worked.run.versions.is_empty() && worked.run.outcome != MigrateOutcome::Failed {
                changed
                    .lock()
                    .expect("not poisoned")
                    .0
                    .push(worked.run.schema.clone());
            }
            if let Some(c) = &mut conn {
                tell_serve(c, changed, false).await;
            }
            emit(worked.run);
        }
    };
    let res = futures::future::try_join_all((0..opts.jobs.max(1)).map(|_| worker())).await;
    *report = shared.into_inner().expect("not poisoned");
    res.map(|_| ())
}

/// Tell every `serve` which schemas changed (see `db::changes`): after each tenant's
/// commit, at most every 100 ms (`all`: whatever is left), in one autocommit statement outside
/// the tenants' transactions. A NOTIFY in each tenant's transaction would serialise their
/// commits (PostgreSQL holds a cluster-wide lock from a notifying commit's pre-commit to its
/// end); a request that runs before the notice arrives is retried by serve itself. Best
/// effort: a failure is logged, never fails the run.
async fn tell_serve(
    conn: &mut PgConnection,
    changed: &std::sync::Mutex<(Vec<String>, Instant)>,
    all: bool,
) {
    let schemas = {
        let mut c = changed.lock().expect("not poisoned");
        if c.0.is_empty() || (!all && c.1.elapsed() < Duration::from_millis(100)) {
            return;
        }
        c.1 = Instant::now();
        std::mem::take(&mut c.0)
    };
    if let Err(e) = crate::db::changes::notify_schemas_changed(conn, &schemas).await {
        tracing::warn!(error = %crate::error::Shown(&e), "could not tell serve which schemas changed");
    }
}

/// Decide, for one chunk, what each tenant needs. Schemas are read in two batched statements
/// (see [`catalog`]); healthy up-to-date ones get their status row refreshed in one more, and
/// those that cannot be migrated (missing schema, drift, versions unknown to the set) fail
/// here without a transaction of their own. In a real `migrate`, tenants whose stored status
/// says they are behind skip the batched read: their worker reads them anyway.
async fn plan_chunk(
    pool: &PgPool,
    set: &MigrationSet,
    mode: Mode,
    dry_run: bool,
    batch: Vec<Target>,
) -> Result<Vec<Item>> {
    let mut items = Vec::with_capacity(batch.len());
    let (batch, direct): (Vec<Target>, Vec<Target>) = batch
        .into_iter()
        .partition(|t| t.likely_current || dry_run || mode != Mode::Up);
    items.extend(direct.into_iter().map(|target| {
        let guess = target.recorded_version.map(|recorded| {
            set.ups()
                .map(|m| m.version)
                .filter(|&v| v > recorded)
                .collect::<Vec<_>>()
        });
        Item::Work(Work {
            target,
            from: None,
            guess: guess.filter(|g| !g.is_empty()),
        })
    }));
    let reads = catalog::read_many(pool, &batch).await?;
    let mut healthy = Vec::new();
    for (t, read) in batch.into_iter().zip(reads) {
        let applied = match read {
            Read::Missing => {
                let e = MigrationError::MissingSchema(t.schema.to_string());
                items.push(Item::Done(
                    failure(pool, &t, None, Some(Facts::missing(set)), &e, dry_run).await,
                ));
                continue;
            }
            Read::Error(e) => {
                items.push(Item::Done(failure(pool, &t, None, None, &e, dry_run).await));
                continue;
            }
            Read::Applied(a) => a,
        };
        let p = plan(set, &applied);
        let before = Facts::from_plan(&p, set);
        let (versions, to) = match mode {
            Mode::Up => {
                if let Some(e) = p.blocker(set) {
                    items.push(Item::Done(
                        failure(pool, &t, p.current, Some(before), &e, dry_run).await,
                    ));
                    continue;
                }
                if p.pending.is_empty() {
                    healthy.push((t.platform_id, p.current));
                    items.push(Item::Done(run_of(&t, p.current, MigrateOutcome::UpToDate)));
                    continue;
                }
                let to = p.pending.iter().copied().chain(p.current).max();
                (p.pending, to)
            }
            Mode::Down { to } => match revert_plan(set, &applied, to) {
                Err(e) => {
                    items.push(Item::Done(
                        failure(pool, &t, p.current, Some(before), &e, dry_run).await,
                    ));
                    continue;
                }
                Ok(versions) if versions.is_empty() => {
                    items.push(Item::Done(run_of(&t, p.current, MigrateOutcome::Unchanged)));
                    continue;
                }
                Ok(versions) => {
                    let to = remaining_max(&applied, &versions);
                    (versions, to)
                }
            },
        };
        if dry_run {
            let outcome = match mode {
                Mode::Up => MigrateOutcome::WouldMigrate,
                Mode::Down { .. } => MigrateOutcome::WouldRollBack,
            };
            let mut run = run_of(&t, p.current, outcome);
            run.to = to;
            run.versions = versions;
            items.push(Item::Done(run));
        } else {
            // Up: what was just read is the guess (the worker checks it again as it records).
            let guess = (mode == Mode::Up).then_some(versions);
            items.push(Item::Work(Work {
                target: t,
                from: p.current,
                guess,
            }));
        }
    }
    if !dry_run && mode == Mode::Up {
        status::record_up_to_date(pool, &healthy, set).await?;
    }
    Ok(items)
}

fn remaining_max(applied: &[Applied], reverted: &[i64]) -> Option<i64> {
    applied
        .iter()
        .filter(|a| a.success && !reverted.contains(&a.version))
        .map(|a| a.version)
        .max()
}

/// A failed tenant: recorded (unless dry run) and turned into its summary line. Without
/// `facts` (the schema could not be read) only the error is recorded.
async fn failure(
    pool: &PgPool,
    t: &Target,
    from: Option<i64>,
    facts: Option<Facts>,
    e: &MigrationError,
    dry_run: bool,
) -> TenantRun {
    // On Citus, a tenant whose worker is down fails naming that worker.
    let message = crate::db::citus::name_unreachable_worker(e.to_string());
    tracing::info!(tenant = %t.name, schema = %t.schema, error = %message, "tenant failed");
    if !dry_run {
        status::record_failure(pool, t.platform_id, facts.as_ref(), &message).await;
    }
    let mut run = run_of(t, from, MigrateOutcome::Failed);
    run.error = Some(message);
    run
}

/// What became of one tenant's transaction, for the worker.
struct Worked {
    run: TenantRun,
    /// The database went away: the run stops with this error.
    fatal: Option<sqlx::Error>,
    /// The connection is out of step with the server (see [`runner::read_applied_by_copy`]):
    /// close it and take a new one for the next tenant.
    discard: bool,
}

/// One tenant's transaction on the worker's connection.
async fn work(
    pool: &PgPool,
    conn: &mut PgConnection,
    set: &MigrationSet,
    opts: &Options,
    mode: Mode,
    w: Work,
) -> Worked {
    let started = Instant::now();
    let t = &w.target;
    let mut tries = 0;
    let mut guess = w.guess.as_deref();
    // What the tenant's earlier steps did, when a `-- no-transaction` migration splits its run.
    let mut partial: Option<Ran> = None;
    let res = loop {
        let done = match transact_retrying(&mut *conn, set, opts, mode, t, guess, &mut tries).await
        {
            Ok(done) => done,
            Err(f) => break Err(f),
        };
        guess = None;
        let next = done.next_no_tx;
        let left = done.left;
        let mut merged = match partial.take() {
            None => done,
            Some(mut p) => {
                p.versions.extend(done.versions);
                p.to = done.to;
                p
            }
        };
        let Some(v) = next else { break Ok(merged) };
        let m = set.up(v).expect("planned from the set");
        let ran = runner::run_no_transaction(
            pool,
            t,
            m,
            set.latest(),
            merged.to,
            left,
            opts.lock_timeout,
            opts.extension_schema.as_ref(),
        )
        .await;
        match ran {
            Ok(()) => {
                merged.versions.push(v);
                merged.to = merged.to.max(Some(v));
                partial = Some(merged);
            }
            Err(f) => {
                let f = Failed {
                    from: merged.to,
                    ..f
                };
                partial = Some(merged);
                break Err(f);
            }
        }
    };
    let elapsed = started.elapsed().as_millis() as u64;
    let discard = matches!(
        res,
        Err(Failed {
            error: MigrationError::Read(_),
            ..
        })
    );
    let (run, fatal) = match res {
        Ok(done) => {
            let outcome = match (mode, done.versions.is_empty()) {
                (Mode::Up, true) => MigrateOutcome::UpToDate,
                (Mode::Up, false) => MigrateOutcome::Migrated,
                (Mode::Down { .. }, true) => MigrateOutcome::Unchanged,
                (Mode::Down { .. }, false) => MigrateOutcome::RolledBack,
            };
            tracing::info!(tenant = %t.name, schema = %t.schema, versions = ?done.versions, "tenant {}", outcome.as_str());
            let mut run = run_of(t, done.from, outcome);
            run.tries = tries;
            run.to = done.to;
            run.versions = done.versions;
            run.duration_ms = elapsed;
            (run, None)
        }
        Err(Failed {
            error: MigrationError::Db(e) | MigrationError::Read(e),
            ..
        }) if crate::error::is_connection_error(&e) => {
            (run_of(t, w.from, MigrateOutcome::Failed), Some(e))
        }
        Err(f) => {
            let mut run = failure(pool, t, f.from.or(w.from), f.facts, &f.error, false).await;
            run.duration_ms = elapsed;
            run.tries = tries;
            if let Some(p) = partial.filter(|p| !p.versions.is_empty()) {
                // Migrations before a failed `-- no-transaction` one stay applied.
                run.from = p.from;
                run.to = p.to;
                run.versions = p.versions;
            }
            (run, None)
        }
    };
    Worked {
        run,
        fatal,
        discard,
    }
}

/// [`transact`], tried again after a lock timeout while `opts.lock_retries` allow; `tries`
/// counts every transaction.
async fn transact_retrying(
    conn: &mut PgConnection,
    set: &MigrationSet,
    opts: &Options,
    mode: Mode,
    t: &Target,
    guess: Option<&[i64]>,
    tries: &mut u32,
) -> std::result::Result<Ran, Failed> {
    let policy = lock_retry_policy(opts.lock_retries);
    let mut mine = 0;
    loop {
        *tries += 1;
        mine += 1;
        let res = transact(&mut *conn, set, opts, mode, t, guess).await;
        let retry = match &res {
            Err(f) if f.error.is_lock_timeout() => {
                policy.jittered_delay_after(mine, rand::random::<f64>())
            }
            _ => None,
        };
        let Some(wait) = retry else { return res };
        tracing::info!(tenant = %t.name, schema = %t.schema, tries = *tries, wait_ms = wait.as_millis() as u64, "lock timeout; trying the tenant again");
        tokio::time::sleep(wait).await;
    }
}

/// The transaction of [`work`], in as few round trips as a psql session would need: one
/// statement sets lock_timeout and the search_path, tries the platform's lock (the one
/// provisioning takes, so a tenant is never migrated and provisioned at once; when it is taken,
/// a second statement waits for it, at most lock_timeout), says whether the schema and its
/// tracking table exist and, with a `guess`, writes the status row the run expects; a COPY reads
/// the applied versions; the migrations' SQL; one statement writes the tracking rows (and the
/// status row, when the guess was wrong); commit.
///
/// `guess` is what the stored status suggests is pending. It is only a hint (a restored or
/// hand-edited schema may hold something else): the transaction always plans from what the
/// tracking table holds, and the guess only decides whether the status row is written up front.
async fn transact(
    conn: &mut PgConnection,
    set: &MigrationSet,
    opts: &Options,
    mode: Mode,
    t: &Target,
    guess: Option<&[i64]>,
) -> std::result::Result<Ran, Failed> {
    let mut tx = conn.begin().await?;
    match enter_and_run(&mut tx, set, opts, mode, t, guess).await {
        Ok(done) => {
            tx.commit().await?;
            Ok(done)
        }
        Err(f) => {
            // NOTE: roll back now: a dropped transaction only queues its ROLLBACK until the
            // connection's next use, and recording the failure on another connection would
            // wait for this transaction's row locks meanwhile.
            let _ = tx.rollback().await;
            Err(f)
        }
    }
}

/// Inside [`transact`]'s transaction: [`enter`], then the one-schema runner.
async fn enter_and_run(
    tx: &mut PgConnection,
    set: &MigrationSet,
    opts: &Options,
    mode: Mode,
    t: &Target,
    guess: Option<&[i64]>,
) -> std::result::Result<Ran, Failed> {
    let guessed = match (mode, guess) {
        (Mode::Up, Some(g)) => Some(Facts::current(g.iter().copied().max(), set)),
        _ => None,
    };
    let (tracked, status_written) = enter(&mut *tx, set, opts, t, guessed.as_ref()).await?;
    let job = Job {
        schema: &t.schema,
        platform_id: Some(t.platform_id),
        set,
        mode,
        start: Start::Existing { tracked },
        no_tx: NoTx::Stop,
        status_written: guessed.as_ref().filter(|_| status_written),
    };
    runner::run(tx, job).await
}

/// The first statement of a tenant's transaction: lock_timeout and the search_path, the
/// platform's lock (waiting at most lock_timeout when another run holds it), and whether the
/// schema and its tracking table exist. With `status`, it also writes the tenant's status row
/// (the transaction's outcome, if it commits), under the platform's lock only.
///
/// Returns (tracked, status written). The text is the same for every tenant and is analysed
/// under the session's own search_path, so each connection plans it once.
async fn enter(
    tx: &mut PgConnection,
    set: &MigrationSet,
    opts: &Options,
    t: &Target,
    status: Option<&Facts>,
) -> std::result::Result<(bool, bool), Failed> {
    // The same text for every tenant (the schema is a parameter), built once.
    static ENTER: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        // language=PostgreSQL
        format!(
            "WITH status AS ( \
                UPDATE tenantctl.tenant_migrations SET version = $7, latest_version = $8, \
                    pending_count = $9, drift = $10, last_error = NULL, last_run_at = now(), \
                    last_success_at = now(), updated_at = now() \
                WHERE $11 AND platform_id = $2::bigint AND pg_try_advisory_xact_lock($1, $2) \
                RETURNING 1 \
             ) \
             SELECT pg_try_advisory_xact_lock($1, $2), \
                    EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $3), \
                    to_regclass($4) IS NOT NULL, \
                    set_config('lock_timeout', $5, true), set_config('search_path', $6, true), \
                    (SELECT count(*) FROM status), {}",
            crate::db::trust::untrusted_sql("$3")
        )
    });
    #[allow(clippy::type_complexity)]
    let (locked, schema_exists, tracked, _, _, written, untrusted): (
        bool,
        bool,
        bool,
        String,
        String,
        i64,
        Option<String>,
    ) = sqlx::query_as(sqlx::AssertSqlSafe(ENTER.as_str()))
        .bind(PlatformLock::CLASS)
        .bind(PlatformLock::of(t.platform_id).key())
        .bind(t.schema.as_str())
        .bind(super::tracking(&t.schema))
        .bind(crate::db::lock_timeout_value(opts.lock_timeout))
        .bind(t.schema.search_path(opts.extension_schema.as_ref()))
        .bind(status.and_then(|f| f.version))
        .bind(status.and_then(|f| f.latest))
        .bind(status.map(|f| f.pending).unwrap_or_default())
        .bind(status.is_some_and(|f| f.drift))
        .bind(status.is_some())
        .bind(t.platform_id)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        // Another run works on this tenant (provisioning, a restore, or the leftover backend of
        // a killed run): wait for it, at most lock_timeout.
        PlatformLock::of(t.platform_id)
            .lock_xact(&mut *tx)
            .await
            .map_err(|e| match e {
                Error::Db(d) if crate::error::sqlstate(&d).as_deref() == Some("55P03") => {
                    MigrationError::Busy
                }
                other => other.into(),
            })?;
    }
    if !schema_exists {
        return Err(Failed {
            error: MigrationError::MissingSchema(t.schema.to_string()),
            from: None,
            facts: Some(Facts::missing(set)),
        });
    }
    // Issue 27.6: code someone weaker put in the schema would run with tenantctl's privileges.
    if let Some(reasons) = untrusted {
        return Err(Failed {
            error: MigrationError::Untrusted(crate::db::trust::refusal(&t.schema, &reasons)),
            from: None,
            facts: None,
        });
    }
    Ok((tracked, written > 0))
}
