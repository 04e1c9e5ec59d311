//! The fleet orchestrator behind `migrate` and `migrate rollback`: walk the completed tenant
//! platforms in chunks (keyset pagination, so memory does not grow with the fleet), read each
//! chunk's applied versions in a couple of batched queries ([`super::catalog`]), and open a
//! transaction only for the schemas that have work, `jobs` at a time.
//!
//! Each tenant's work is one transaction: the platform's advisory lock (the one provisioning
//! takes, so a tenant is never migrated and provisioned at once), `lock_timeout`, its schema
//! alone on the search_path, every pending migration, and its status row. A schema therefore
//! ends either fully at the old version or fully at the new one, and a tenant that fails is
//! recorded and reported while the others carry on.

use super::catalog::{self, Read};
use super::status::{self, Facts};
use super::{
    Applied, MigrationError, MigrationSet, applied, apply_one, ensure_tracking_table, plan,
    revert_one, revert_plan, set_lock_timeout,
};
use crate::db::{self, SchemaName, locks};
use crate::error::{Error, Result};
use crate::output::{Tabular, Term};
use comfy_table::{Cell, Color};
use futures::{StreamExt, TryStreamExt, stream};
use serde::Serialize;
use sqlx::PgPool;
use std::time::{Duration, Instant};

/// One tenant schema to work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub platform_id: i64,
    pub name: String,
    pub schema: SchemaName,
}

/// Which completed platforms a run covers: all, or `only` these ids, minus `exclude`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub only: Option<Vec<i64>>,
    pub exclude: Vec<i64>,
}

// language=PostgreSQL
const TARGETS_WHERE: &str = "provision_status = 'completed' AND NOT external AND schema_name IS NOT NULL \
     AND ($1::bigint[] IS NULL OR id = ANY($1)) AND NOT (id = ANY($2))";

/// A walk over the targets by id, one chunk at a time.
pub struct Cursor {
    filter: Filter,
    chunk: usize,
    after: i64,
    done: bool,
}

/// The targets of `filter`, `chunk` at a time.
pub fn targets(filter: Filter, chunk: usize) -> Cursor {
    Cursor {
        filter,
        chunk: chunk.max(1),
        after: i64::MIN,
        done: false,
    }
}

impl Cursor {
    pub async fn next(&mut self, pool: &PgPool) -> Result<Option<Vec<Target>>> {
        if self.done {
            return Ok(None);
        }
        let sql = format!(
            "SELECT id, name, schema_name FROM public.platforms WHERE {TARGETS_WHERE} \
             AND id > $3 ORDER BY id LIMIT $4"
        );
        let rows: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&self.filter.only)
            .bind(&self.filter.exclude)
            .bind(self.after)
            .bind(self.chunk as i64)
            .fetch_all(pool)
            .await?;
        if rows.len() < self.chunk {
            self.done = true;
        }
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = last.0;
        rows.into_iter()
            .map(|(platform_id, name, schema)| {
                Ok(Target {
                    platform_id,
                    name,
                    schema: SchemaName::parse(&schema)?,
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

/// How many platforms `filter` covers.
pub async fn count(pool: &PgPool, filter: &Filter) -> Result<u64> {
    let sql = format!("SELECT count(*) FROM public.platforms WHERE {TARGETS_WHERE}");
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&filter.only)
        .bind(&filter.exclude)
        .fetch_one(pool)
        .await?;
    Ok(n as u64)
}

/// What a name on the command line must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// A platform with a provisioned schema (`--tenant`, `--canary-tenants`).
    Migratable,
    /// Any platform (`--exclude`).
    Any,
}

/// Platform ids for names (or ids) given on the command line; every name must exist, so a typo
/// never silently widens or narrows a run.
pub async fn resolve(pool: &PgPool, names: &[String], wanted: Wanted) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let id = name.parse::<i64>().ok();
        // Only columns of the first registry migration: this runs before the registry is
        // migrated.
        // language=PostgreSQL
        let row: Option<(i64, String, String, bool)> = sqlx::query_as(
            "SELECT id, name, provision_status, external FROM public.platforms \
             WHERE lower(name) = lower($1) OR id = $2 ORDER BY (id = $2) DESC LIMIT 1",
        )
        .bind(name)
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(|e| match crate::error::sqlstate(&e).as_deref() {
            Some("42P01") => Error::NotFound("the registry does not exist yet".into())
                .hint("run `tenantctl init` (or `tenantctl migrate --registry-only`)"),
            _ => Error::Db(e),
        })?;
        let Some((id, shown, status, external)) = row else {
            return Err(crate::registry::store::not_found(name));
        };
        if wanted == Wanted::Migratable {
            if external {
                return Err(Error::Usage(format!(
                    "platform `{shown}` is external: it has no schema to migrate"
                )));
            }
            if status != "completed" {
                return Err(Error::Usage(format!(
                    "platform `{shown}` is not provisioned (status {status}): it has no schema to migrate"
                ))
                .hint(format!("run `tenantctl provision {shown}` first")));
            }
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// What happened to one tenant. Serialised in snake case in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Migrated,
    UpToDate,
    RolledBack,
    /// Rollback: already at or below the target version.
    Unchanged,
    Failed,
    WouldMigrate,
    WouldRollBack,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Migrated => "migrated",
            Outcome::UpToDate => "up to date",
            Outcome::RolledBack => "rolled back",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed => "failed",
            Outcome::WouldMigrate => "would migrate",
            Outcome::WouldRollBack => "would roll back",
        }
    }
}

/// One line of the summary. Field names are part of the JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct TenantRun {
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
    pub outcome: Outcome,
    pub error: Option<String>,
    /// Migrated in the canary phase.
    pub canary: bool,
}

fn version_text(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

/// `850 ms`, `1.25 s`.
pub fn human_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.2} s", ms as f64 / 1000.0)
    }
}

impl Tabular for TenantRun {
    fn headers() -> Vec<&'static str> {
        vec!["tenant", "from", "to", "duration", "outcome", "error"]
    }

    fn row(&self, term: &Term) -> Vec<Cell> {
        let color = match self.outcome {
            Outcome::Failed => Color::Red,
            Outcome::Migrated | Outcome::RolledBack => Color::Green,
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
                Outcome::WouldMigrate | Outcome::WouldRollBack => "-".to_string(),
                _ => human_ms(self.duration_ms),
            }),
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
            Outcome::UpToDate | Outcome::Unchanged => self.totals.unchanged += 1,
            Outcome::Failed => {
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
    pub filter: Filter,
    pub extension_schema: Option<SchemaName>,
}

/// Up to the newest version, or down to a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Up,
    Down { to: i64 },
}

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
        let first = Filter {
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
    filter: &Filter,
    n: usize,
) -> Result<Vec<i64>> {
    let mut picked = Vec::with_capacity(n.min(1024));
    let mut cursor = targets(filter.clone(), catalog::chunk_size(pool).await?);
    while picked.len() < n
        && let Some(batch) = cursor.next(pool).await?
    {
        for item in plan_chunk(pool, set, Mode::Up, true, batch).await? {
            if let Item::Done(run) = item
                && run.outcome == Outcome::WouldMigrate
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

struct Work {
    target: Target,
    from: Option<i64>,
}

fn run_of(t: &Target, from: Option<i64>, outcome: Outcome) -> TenantRun {
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
    }
}

#[allow(clippy::too_many_arguments)]
async fn execute(
    pool: &PgPool,
    set: &MigrationSet,
    opts: &Options,
    mode: Mode,
    filter: &Filter,
    canary: bool,
    on_done: OnDone<'_>,
    report: &mut Report,
) -> Result<()> {
    let chunk = catalog::chunk_size(pool).await?;
    let dry_run = opts.dry_run;
    let planned = stream::try_unfold(
        targets(filter.clone(), chunk),
        move |mut cursor| async move {
            let Some(batch) = cursor.next(pool).await? else {
                return Ok(None);
            };
            let items = plan_chunk(pool, set, mode, dry_run, batch).await?;
            Ok::<_, Error>(Some((
                stream::iter(items.into_iter().map(Ok::<Item, Error>)),
                cursor,
            )))
        },
    )
    .try_flatten();
    let runs = planned
        .map(|item| async move {
            match item? {
                Item::Done(run) => Ok((run, None)),
                Item::Work(w) => Ok::<_, Error>(work(pool, set, opts, mode, w).await),
            }
        })
        .buffer_unordered(opts.jobs.max(1));
    let mut runs = std::pin::pin!(runs);
    while let Some(next) = runs.next().await {
        let (mut run, fatal) = next?;
        if let Some(e) = fatal {
            // The database went away: every further tenant would fail the same way.
            return Err(Error::Db(e));
        }
        run.canary = canary;
        on_done(&run);
        report.add(run);
    }
    Ok(())
}

/// Decide, for one chunk, what each tenant needs. Healthy up-to-date tenants get their status
/// row refreshed in one statement; tenants that cannot be migrated (missing schema, drift,
/// versions unknown to the set) fail here, without a transaction of their own.
async fn plan_chunk(
    pool: &PgPool,
    set: &MigrationSet,
    mode: Mode,
    dry_run: bool,
    batch: Vec<Target>,
) -> Result<Vec<Item>> {
    let reads = catalog::read_many(pool, &batch).await?;
    let mut healthy = Vec::new();
    let mut items = Vec::with_capacity(batch.len());
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
        match mode {
            Mode::Up => {
                if let Some(e) = p.blocker(set) {
                    let facts = Facts::from_plan(&p, set);
                    items.push(Item::Done(
                        failure(pool, &t, p.current, Some(facts), &e, dry_run).await,
                    ));
                } else if p.pending.is_empty() {
                    healthy.push((t.platform_id, p.current));
                    items.push(Item::Done(run_of(&t, p.current, Outcome::UpToDate)));
                } else if dry_run {
                    let mut run = run_of(&t, p.current, Outcome::WouldMigrate);
                    run.to = p.pending.iter().copied().chain(p.current).max();
                    run.versions = p.pending;
                    items.push(Item::Done(run));
                } else {
                    items.push(Item::Work(Work {
                        target: t,
                        from: p.current,
                    }));
                }
            }
            Mode::Down { to } => match revert_plan(set, &applied, to) {
                Err(e) => {
                    let facts = Facts::from_plan(&p, set);
                    items.push(Item::Done(
                        failure(pool, &t, p.current, Some(facts), &e, dry_run).await,
                    ));
                }
                Ok(versions) if versions.is_empty() => {
                    items.push(Item::Done(run_of(&t, p.current, Outcome::Unchanged)));
                }
                Ok(versions) if dry_run => {
                    let mut run = run_of(&t, p.current, Outcome::WouldRollBack);
                    run.to = remaining_max(&applied, &versions);
                    run.versions = versions;
                    items.push(Item::Done(run));
                }
                Ok(_) => items.push(Item::Work(Work {
                    target: t,
                    from: p.current,
                })),
            },
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

/// A failed tenant: recorded (unless dry run) and turned into its summary line.
async fn failure(
    pool: &PgPool,
    t: &Target,
    from: Option<i64>,
    facts: Option<Facts>,
    e: &MigrationError,
    dry_run: bool,
) -> TenantRun {
    let message = e.to_string();
    tracing::info!(tenant = %t.name, schema = %t.schema, error = %message, "tenant failed");
    if !dry_run && let Some(facts) = facts {
        status::record_failure(pool, t.platform_id, &facts, &message).await;
    }
    let mut run = run_of(t, from, Outcome::Failed);
    run.error = Some(message);
    run
}

/// Why a tenant's transaction failed, and what its schema still holds.
struct Failed {
    error: MigrationError,
    facts: Option<Facts>,
}

impl From<MigrationError> for Failed {
    fn from(error: MigrationError) -> Self {
        Failed { error, facts: None }
    }
}

impl From<sqlx::Error> for Failed {
    fn from(e: sqlx::Error) -> Self {
        MigrationError::from(e).into()
    }
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        MigrationError::from(e).into()
    }
}

/// One tenant's transaction. Returns its summary line, and the error when the database itself
/// went away (the run stops then).
async fn work(
    pool: &PgPool,
    set: &MigrationSet,
    opts: &Options,
    mode: Mode,
    w: Work,
) -> (TenantRun, Option<sqlx::Error>) {
    let started = Instant::now();
    let t = &w.target;
    let res = transact(pool, set, opts, mode, t).await;
    let elapsed = started.elapsed().as_millis() as u64;
    match res {
        Ok((from, versions, to)) => {
            let outcome = match mode {
                Mode::Up if versions.is_empty() => Outcome::UpToDate,
                Mode::Down { .. } if versions.is_empty() => Outcome::Unchanged,
                Mode::Up => Outcome::Migrated,
                Mode::Down { .. } => Outcome::RolledBack,
            };
            tracing::info!(tenant = %t.name, schema = %t.schema, ?versions, "tenant {}", outcome.as_str());
            let mut run = run_of(t, from, outcome);
            run.to = to;
            run.versions = versions;
            run.duration_ms = elapsed;
            (run, None)
        }
        Err(Failed {
            error: MigrationError::Db(e),
            ..
        }) if crate::error::is_connection_error(&e) => {
            let run = run_of(t, w.from, Outcome::Failed);
            (run, Some(e))
        }
        Err(f) => {
            let mut run = failure(pool, t, w.from, f.facts, &f.error, false).await;
            run.duration_ms = elapsed;
            (run, None)
        }
    }
}

/// The transaction of [`work`]: `(from, versions, to)`.
async fn transact(
    pool: &PgPool,
    set: &MigrationSet,
    opts: &Options,
    mode: Mode,
    t: &Target,
) -> std::result::Result<(Option<i64>, Vec<i64>, Option<i64>), Failed> {
    let mut tx = pool.begin().await?;
    set_lock_timeout(&mut tx, opts.lock_timeout).await?;
    // The lock provisioning takes: waits at most lock_timeout for a run working on this tenant.
    if let Err(e) = locks::lock_platform_xact(&mut tx, t.platform_id).await {
        return Err(match e {
            Error::Db(d) if crate::error::sqlstate(&d).as_deref() == Some("55P03") => {
                MigrationError::Busy.into()
            }
            other => other.into(),
        });
    }
    db::set_tenant(&mut tx, &t.schema, opts.extension_schema.as_ref()).await?;
    // Read again under the lock: the batched plan was read without it.
    let before = applied(&mut tx, &t.schema).await?;
    if before.is_empty() && !schema_exists(&mut tx, &t.schema).await? {
        return Err(Failed {
            error: MigrationError::MissingSchema(t.schema.to_string()),
            facts: Some(Facts::missing(set)),
        });
    }
    let p = plan(set, &before);
    let facts_before = Facts::from_plan(&p, set);
    let fail = |error: MigrationError| Failed {
        error,
        facts: Some(facts_before.clone()),
    };
    let (versions, after) = match mode {
        Mode::Up => {
            if let Some(e) = p.blocker(set) {
                return Err(fail(e));
            }
            if before.is_empty() {
                ensure_tracking_table(&mut tx, &t.schema)
                    .await
                    .map_err(|e| fail(e.into()))?;
            }
            for &v in &p.pending {
                let m = set.up(v).expect("planned from the set");
                apply_one(&mut tx, &t.schema, m).await.map_err(fail)?;
            }
            let to = p.pending.iter().copied().chain(p.current).max();
            (p.pending.clone(), Facts::current(to, set))
        }
        Mode::Down { to } => {
            let versions = revert_plan(set, &before, to).map_err(fail)?;
            for &v in &versions {
                let down = set.down(v).expect("checked by revert_plan");
                revert_one(&mut tx, &t.schema, down).await.map_err(fail)?;
            }
            let left: Vec<Applied> = before
                .iter()
                .filter(|a| !versions.contains(&a.version))
                .cloned()
                .collect();
            (versions, Facts::from_plan(&plan(set, &left), set))
        }
    };
    status::record(&mut tx, t.platform_id, &after, None)
        .await
        .map_err(|e| fail(e.into()))?;
    tx.commit().await.map_err(|e| fail(e.into()))?;
    Ok((p.current, versions, after.version))
}

async fn schema_exists(
    conn: &mut sqlx::PgConnection,
    schema: &SchemaName,
) -> std::result::Result<bool, MigrationError> {
    // language=PostgreSQL
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema.as_str())
            .fetch_one(&mut *conn)
            .await?,
    )
}
