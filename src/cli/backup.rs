//! `tenantctl backup`: take backups (`backup NAME... | --all [--stale AGE]`), and `backup list`,
//! `backup get`, `backup verify`.

use super::Ctx;
use super::select::TenantArgs;
use crate::backup::dump::{BackupOutcome, Backupper};
use crate::backup::manifest::{self, Listed};
use crate::backup::pgtools::PgTools;
use crate::backup::restore::{self, Dest, Restorer, VerifyReport};
use crate::backup::storage::{self, Storage};
use crate::db::locks::{RunLock, RunLockGuard};
use crate::error::{Error, Result};
use crate::output::{Tabular, Term, duration, human_bytes};
use crate::registry::tenants::{Selection, Wanted};
use crate::registry::{Platform, ProvisionStatus, store};
use chrono::Utc;
use clap::{Args, Subcommand};
use comfy_table::{Cell, Color};
use serde::Serialize;
use sqlx::PgPool;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Backup {
    #[command(subcommand)]
    pub cmd: Option<BackupCmd>,
    /// Platforms to back up, by name or id (like --tenant)
    #[arg(
        value_name = "NAME|ID",
        required_unless_present_any = ["all", "public", "tenants"],
        conflicts_with_all = ["all", "public"]
    )]
    pub platforms: Vec<String>,
    /// Which tenants (`--all`: every provisioned platform)
    #[command(flatten)]
    pub select: TenantArgs,
    /// Back up the database's `public` schema (the registry, and legacy tables before
    /// `migrate-host-to-schema`) to `public/<id>.dump`
    #[arg(long, conflicts_with_all = ["all", "tenants", "exclude"])]
    pub public: bool,
    /// Only platforms whose last backup is missing or older than AGE (e.g. 20h for a daily run:
    /// a little under the period, or a backup taken a few minutes later yesterday skips today)
    /// [default AGE: status.backup_warn_age, when `status` calls a backup stale]
    #[arg(long, value_name = "AGE", value_parser = parse_age, num_args = 0..=1)]
    pub stale: Option<Option<Duration>>,
    /// pg_dump processes at once [env: TENANTCTL_BACKUP_JOBS] [config: backup.jobs] [default: 2]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Schemas one pg_dump dumps together; 0: automatic [config: backup.batch_size] [default: 0]
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,
}

/// `--stale`'s AGE. It takes an optional value, so a platform name written after it is read
/// as the AGE: say so.
pub fn parse_age(s: &str) -> std::result::Result<Duration, String> {
    crate::output::duration::parse(s).map_err(|e| {
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            e
        } else {
            format!(
                "{e} (a name after --stale is read as its AGE: write --stale last, or give AGE)"
            )
        }
    })
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// List a platform's backups (every platform's without a name): time, age, size,
    /// checksum, migration version
    List(List),
    /// Download one backup's dump to a file, checksum verified
    Get(Get),
    /// Restore a backup where nobody sees it and compare its row counts with the manifest
    Verify(Verify),
}

impl Backup {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        match self.cmd {
            Some(BackupCmd::List(c)) => return c.run(ctx).await,
            Some(BackupCmd::Get(c)) => return c.run(ctx).await,
            Some(BackupCmd::Verify(c)) => return c.run(ctx).await,
            None => {}
        }
        // Each pg_dump job reads sizes and dependencies beside its dump; the run lock and the
        // bookkeeping have their own.
        let pool = ctx
            .registry_sized(crate::db::pool_size(2 * self.jobs(ctx), 2))
            .await?;
        if self.public {
            return self.run_public(ctx, pool).await;
        }
        crate::registry::tenants::check_subcommand_typo(
            pool,
            &self.platforms,
            "backup",
            &crate::registry::tenants::subcommand_names::<BackupCmd>(),
        )
        .await?;
        let selection = self
            .select
            .resolve(pool, &self.platforms, Wanted::Provisioned, "back up")
            .await?;
        let mut platforms = provisioned(pool, &selection).await?;
        if let Some(age) = self.stale {
            let age = age.unwrap_or(*ctx.settings().status.backup_warn_age);
            let cutoff =
                Utc::now() - chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
            // A date in the future (a clock that ran ahead) does not make a backup recent.
            let now = Utc::now();
            platforms.retain(|p| p.last_backup_at.is_none_or(|t| t < cutoff || t > now));
        }
        let storage = storage::from_settings(&ctx.settings().backup).await?;
        storage.check_writable().await?;
        if platforms.is_empty() {
            return ctx.out.list_or::<BackupOutcome>(&[], "nothing to back up");
        }
        // Cron and timers: two fleet runs (or a run and a cleanup) never overlap.
        let lock = if self.select.all {
            Some(RunLockGuard::try_acquire(pool, RunLock::Backup).await?)
        } else {
            None
        };
        crate::backup::handle_file_size_limit();
        let backupper = self.backupper(ctx, pool, storage.clone())?;
        let pb = ctx.out.progress(platforms.len() as u64, "backing up");
        let bar = pb.clone();
        let on_done: Arc<dyn Fn(&BackupOutcome) + Send + Sync> =
            Arc::new(move |o: &BackupOutcome| {
                bar.set_message(o.platform_name.clone());
                bar.inc(1);
            });
        let res = backupper.run(platforms, on_done).await;
        pb.finish_and_clear();
        if let Some(l) = lock {
            let _ = l.release().await;
        }
        let outcomes = res?;
        let failed = list_and_notify(ctx, pool, &outcomes, &storage.describe()).await?;
        if failed.is_empty() {
            return Ok(());
        }
        let total = outcomes.len();
        if failed.len() == total {
            Err(Error::Other(anyhow::anyhow!(
                "{} backup{} failed (see the summary above)",
                total,
                if total == 1 { "" } else { "s" }
            )))
        } else {
            Err(Error::Partial {
                failed: failed.len(),
                total,
            })
        }
    }
}

impl Backup {
    /// pg_dump processes at once: `--jobs`, else `backup.jobs`.
    fn jobs(&self, ctx: &Ctx) -> usize {
        self.jobs.unwrap_or(ctx.settings().backup.jobs).max(1)
    }

    fn backupper(
        &self,
        ctx: &Ctx,
        pool: &PgPool,
        storage: Arc<dyn Storage>,
    ) -> Result<Arc<Backupper>> {
        let s = &ctx.settings().backup;
        Ok(Arc::new(Backupper {
            pool: pool.clone(),
            storage,
            tools: PgTools::new(ctx.settings())?,
            jobs: self.jobs(ctx),
            batch_size: self.batch_size.unwrap_or(s.batch_size),
            growth_warn_factor: s.growth_warn_factor,
        }))
    }

    async fn run_public(&self, ctx: &Ctx, pool: &PgPool) -> Result<()> {
        let storage = storage::from_settings(&ctx.settings().backup).await?;
        storage.check_writable().await?;
        crate::backup::handle_file_size_limit();
        let spinner = ctx.out.spinner("backing up public");
        let res = self
            .backupper(ctx, pool, storage.clone())?
            .run_public(Arc::new(|_: &BackupOutcome| {}))
            .await;
        spinner.finish_and_clear();
        let outcomes = res?;
        let failed = list_and_notify(ctx, pool, &outcomes, &storage.describe()).await?;
        if failed.is_empty() {
            return Ok(());
        }
        Err(Error::Other(anyhow::anyhow!(
            "the backup of public failed: {}",
            failed[0].error.as_deref().unwrap_or("see above")
        )))
    }
}

/// Print the outcomes and tell the administrators about the failed ones; those failed.
async fn list_and_notify<'a>(
    ctx: &Ctx,
    pool: &PgPool,
    outcomes: &'a [BackupOutcome],
    storage: &str,
) -> Result<Vec<&'a BackupOutcome>> {
    ctx.out.list(outcomes)?;
    let failed: Vec<&BackupOutcome> = outcomes.iter().filter(|o| !o.ok()).collect();
    if !failed.is_empty() {
        crate::backup::failures::notify(pool, ctx.settings(), outcomes, &failed, storage).await;
    }
    Ok(failed)
}

/// The provisioned platforms with a schema that `selection` admits, by id.
pub async fn provisioned(pool: &PgPool, selection: &Selection) -> Result<Vec<Platform>> {
    Ok(store::list_by_status(pool, ProvisionStatus::Completed)
        .await?
        .into_iter()
        .filter(|p| p.is_tenant() && selection.admits(p.id))
        .collect())
}

impl Tabular for BackupOutcome {
    fn headers() -> Vec<&'static str> {
        vec![
            "platform", "schema", "status", "backup", "size", "rows", "time", "note",
        ]
    }

    fn row(&self, term: &Term) -> Vec<Cell> {
        let status = if term.color {
            Cell::new(self.status.as_str()).fg(if self.ok() { Color::Green } else { Color::Red })
        } else {
            Cell::new(self.status.as_str())
        };
        vec![
            Cell::new(&self.platform_name),
            Cell::new(&self.schema),
            status,
            Cell::new(self.backup_id.as_deref().unwrap_or("-")),
            Cell::new(
                self.size_bytes
                    .map(|b| human_bytes(b as i64))
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::new(
                self.rows
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            Cell::new(duration::elapsed_ms(self.duration_ms)),
            Cell::new(
                self.error
                    .as_deref()
                    .or(self.warning.as_deref())
                    .unwrap_or(""),
            ),
        ]
    }
}

#[derive(Debug, Args)]
pub struct List {
    /// The platform, by name or id; without one, every platform's backups (as `restic
    /// snapshots` lists every snapshot)
    #[arg(value_name = "NAME|ID", conflicts_with = "public")]
    pub platform: Option<String>,
    /// The backups of the database's `public` schema (`backup --public`)
    #[arg(long)]
    pub public: bool,
}

/// The id, display name and storage folder of a platform's backups, or of `public`'s (no id).
async fn folder(
    pool: &PgPool,
    platform: Option<&str>,
    public: bool,
) -> Result<(Option<i64>, String, String)> {
    if public {
        return Ok((None, "public".into(), "public".into()));
    }
    let p = store::find(pool, platform.expect("clap requires a platform")).await?;
    let schema = p.require_schema()?;
    Ok((Some(p.id), p.name, schema.to_string()))
}

/// One line of `backup list`; field names are stable.
#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    /// The platform's name (`public` for `backup --public`).
    pub platform: String,
    /// The platform's id (`null` for `public`).
    pub platform_id: Option<i64>,
    pub schema: String,
    #[serde(rename = "backup_id")]
    pub id: String,
    pub taken_at: Option<chrono::DateTime<Utc>>,
    pub age_seconds: Option<i64>,
    pub size_bytes: Option<u64>,
    pub sha256: Option<String>,
    pub migration_version: Option<i64>,
    pub tables: Option<usize>,
    pub rows: Option<u64>,
    pub location: String,
    /// Dated after now (a clock that ran ahead, a copied manifest): never the newest, never
    /// removed by `cleanup`.
    pub future: bool,
    /// What is wrong with it; `null` for a usable backup.
    pub problem: Option<String>,
}

impl ListRow {
    fn new(
        l: &Listed,
        storage: &dyn Storage,
        platform_id: Option<i64>,
        platform: &str,
        schema: &str,
    ) -> ListRow {
        let m = l.manifest.as_ref().ok();
        ListRow {
            platform: platform.to_string(),
            platform_id,
            schema: schema.to_string(),
            id: l.id.clone(),
            taken_at: m.map(|m| m.taken_at),
            age_seconds: m.map(|m| (Utc::now() - m.taken_at).num_seconds()),
            size_bytes: m.map(|m| m.size_bytes).or(l.dump_size),
            sha256: m.map(|m| m.sha256.clone()),
            migration_version: m.and_then(|m| m.migration_version),
            tables: m.map(|m| m.row_counts.len()),
            rows: m.map(|m| m.total_rows()),
            location: storage.location(&storage::dump_key(schema, &l.id)),
            future: m.is_some_and(|m| m.taken_at > Utc::now()),
            problem: l.problem(),
        }
    }
}

impl Tabular for ListRow {
    fn headers() -> Vec<&'static str> {
        vec![
            "id",
            "taken (UTC)",
            "age",
            "size",
            "sha256",
            "migration",
            "rows",
            "problem",
        ]
    }

    fn row(&self, term: &Term) -> Vec<Cell> {
        let dash = || "-".to_string();
        let problem = match &self.problem {
            Some(p) if term.color => Cell::new(p).fg(Color::Red),
            Some(p) => Cell::new(p),
            None if self.future => {
                let ahead = self
                    .age_seconds
                    .map(|s| duration::age(chrono::Duration::seconds(-s)))
                    .unwrap_or_default();
                let text = format!("dated {ahead} in the future (clock skew?)");
                if term.color {
                    Cell::new(text).fg(Color::Yellow)
                } else {
                    Cell::new(text)
                }
            }
            None => Cell::new(""),
        };
        vec![
            Cell::new(&self.id),
            Cell::new(
                self.taken_at
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(dash),
            ),
            Cell::new(match self.age_seconds {
                Some(s) if s < 0 => "future".to_string(),
                Some(s) => duration::age(chrono::Duration::seconds(s)),
                None => dash(),
            }),
            Cell::new(
                self.size_bytes
                    .map(|b| human_bytes(b as i64))
                    .unwrap_or_else(dash),
            ),
            Cell::new(
                self.sha256
                    .as_deref()
                    .map(|s| s.chars().take(12).collect::<String>())
                    .unwrap_or_else(dash),
            ),
            Cell::new(
                self.migration_version
                    .map(|v| v.to_string())
                    .unwrap_or_else(dash),
            ),
            Cell::new(self.rows.map(|v| v.to_string()).unwrap_or_else(dash)),
            problem,
        ]
    }
}

impl List {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        if self.platform.is_none() && !self.public {
            return self.run_all(ctx, pool).await;
        }
        let (id, name, schema) = folder(pool, self.platform.as_deref(), self.public).await?;
        let storage = storage::from_settings(&ctx.settings().backup).await?;
        let listed = manifest::list(storage.as_ref(), &schema).await?;
        let rows: Vec<ListRow> = listed
            .iter()
            .rev()
            .map(|l| ListRow::new(l, storage.as_ref(), id, &name, &schema))
            .collect();
        let empty = format!("`{name}` has no backups in {}", storage.describe());
        ctx.out.list_or(&rows, &empty)
    }

    /// Every platform's backups (and `public`'s), platform by platform, newest first in each.
    async fn run_all(&self, ctx: &Ctx, pool: &PgPool) -> Result<()> {
        let storage = storage::from_settings(&ctx.settings().backup).await?;
        let mut folders: Vec<(Option<i64>, String, String)> = store::list(pool)
            .await?
            .into_iter()
            .filter(|p| !p.external)
            .filter_map(|p| Some((Some(p.id), p.name, p.schema_name?.as_str().to_string())))
            .collect();
        folders.push((None, "public".into(), "public".into()));
        let mut rows: Vec<FleetListRow> = Vec::new();
        for (id, name, schema) in &folders {
            let listed = manifest::list(storage.as_ref(), schema).await?;
            rows.extend(
                listed
                    .iter()
                    .rev()
                    .map(|l| FleetListRow(ListRow::new(l, storage.as_ref(), *id, name, schema))),
            );
        }
        if !rows.is_empty() {
            let platforms = rows
                .iter()
                .map(|r| &r.0.schema)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            ctx.out.note(&format!(
                "{} backup{} of {platforms} platform{} in {}",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                if platforms == 1 { "" } else { "s" },
                storage.describe()
            ));
        }
        ctx.out
            .list_or(&rows, &format!("no backups in {}", storage.describe()))
    }
}

/// A line of `backup list` without a name: the same fields, with the platform first in the
/// table.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct FleetListRow(pub ListRow);

impl Tabular for FleetListRow {
    fn headers() -> Vec<&'static str> {
        let mut h = vec!["platform"];
        h.extend(ListRow::headers());
        h
    }

    fn row(&self, term: &Term) -> Vec<Cell> {
        let mut r = vec![Cell::new(&self.0.platform)];
        r.extend(self.0.row(term));
        r
    }
}

#[derive(Debug, Args)]
pub struct Get {
    /// The platform (by name or id) and the backup id (`backup list` shows them; `latest` for
    /// the newest); with --public, the backup id alone
    #[arg(value_names = ["NAME", "ID"], required = true, num_args = 1..=2)]
    pub args: Vec<String>,
    /// A backup of the database's `public` schema: then only ID is given
    #[arg(long)]
    pub public: bool,
    /// Where to write the dump: a file, or a folder for `<ID>.dump`
    #[arg(long, value_name = "PATH")]
    pub to: PathBuf,
}

/// What `backup get` wrote.
#[derive(Debug, Serialize)]
pub struct GotJson {
    pub path: String,
    pub backup_id: String,
    pub schema: String,
    pub size_bytes: u64,
    pub sha256: String,
}

impl Get {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let (platform, id) = match (self.public, self.args.as_slice()) {
            (true, [id]) => (None, id.as_str()),
            (false, [p, id]) => (Some(p.as_str()), id.as_str()),
            (true, _) => return Err(Error::Usage("`backup get --public` takes only ID".into())),
            (false, _) => return Err(Error::Usage("`backup get` takes NAME and ID".into())),
        };
        let id = (id != "latest").then_some(id);
        if let Some(id) = id {
            manifest::validate_id(id)?;
        }
        let pool = ctx.registry().await?;
        let (_, name, schema) = folder(pool, platform, self.public).await?;
        let storage = storage::from_settings(&ctx.settings().backup).await?;
        let m = manifest::pick(storage.as_ref(), &schema, id).await?;
        let to = if self.to.is_dir() {
            self.to.join(&m.dump)
        } else {
            self.to.clone()
        };
        crate::backup::handle_file_size_limit();
        let spinner = ctx.out.spinner(&format!("downloading {}", m.id));
        let res = restore::fetch(storage.as_ref(), &m, Dest::File(to.clone())).await;
        spinner.finish_and_clear();
        res?;
        let out = GotJson {
            path: to.display().to_string(),
            backup_id: m.id.clone(),
            schema: m.schema.clone(),
            size_bytes: m.size_bytes,
            sha256: m.sha256.clone(),
        };
        ctx.out.one(&out, || {
            format!(
                "wrote backup {} of `{}` to {} ({}, sha256 {} verified)",
                m.id,
                name,
                out.path,
                human_bytes(m.size_bytes as i64),
                m.sha256
            )
        })
    }
}

#[derive(Debug, Args)]
pub struct Verify {
    /// The platform, by name or id
    #[arg(
        value_name = "NAME|ID",
        required_unless_present_any = ["all", "tenants"],
        conflicts_with_all = ["all", "tenants", "exclude"]
    )]
    pub platform: Option<String>,
    /// The backup id (`backup list` shows them); default: the latest
    #[arg(value_name = "ID", conflicts_with = "latest")]
    pub id: Option<String>,
    /// The latest backup (the default)
    #[arg(long)]
    pub latest: bool,
    /// The latest backup of each of these tenants (`--all`: of every provisioned platform, or
    /// of a sample with --sample)
    #[command(flatten)]
    pub select: TenantArgs,
    /// With --all: only N platforms picked at random among those that have backups (the
    /// monthly check)
    #[arg(long, value_name = "N", requires = "all")]
    pub sample: Option<usize>,
}

impl Tabular for VerifyReport {
    fn headers() -> Vec<&'static str> {
        vec![
            "platform", "schema", "backup", "result", "tables", "rows", "time", "problems",
        ]
    }

    fn row(&self, term: &Term) -> Vec<Cell> {
        let result = if self.ok { "ok" } else { "FAILED" };
        let result = if term.color {
            Cell::new(result).fg(if self.ok { Color::Green } else { Color::Red })
        } else {
            Cell::new(result)
        };
        vec![
            Cell::new(&self.platform_name),
            Cell::new(&self.schema),
            Cell::new(&self.backup_id),
            result,
            Cell::new(self.tables),
            Cell::new(self.rows),
            Cell::new(duration::elapsed_ms(self.duration_ms)),
            Cell::new(self.problems.join("; ")),
        ]
    }
}

impl Verify {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        if let Some(id) = &self.id {
            manifest::validate_id(id)?;
        }
        let pool = ctx.registry().await?;
        let storage = storage::from_settings(&ctx.settings().backup).await?;
        storage.check().await?;
        let restorer = Restorer::from_settings(pool, storage.clone(), ctx.settings()).await?;
        if let Some(key) = &self.platform {
            let selection = TenantArgs::default()
                .resolve(
                    pool,
                    std::slice::from_ref(key),
                    Wanted::Provisioned,
                    "verify",
                )
                .await?;
            let p = provisioned(pool, &selection).await?.remove(0);
            let schema = p.require_schema()?;
            let m = manifest::pick(storage.as_ref(), schema.as_str(), self.id.as_deref()).await?;
            let spinner = ctx
                .out
                .spinner(&format!("verifying {} of {}", m.id, p.name));
            let report = restorer.verify(&p, &m).await;
            spinner.finish_and_clear();
            let report = report?;
            ctx.out.list(std::slice::from_ref(&report))?;
            if !report.ok {
                return Err(Error::Other(anyhow::anyhow!(
                    "backup {} of `{}` does not verify: {}",
                    report.backup_id,
                    p.name,
                    report.problems.join("; ")
                )));
            }
            return Ok(());
        }
        let selection = self
            .select
            .resolve(pool, &[], Wanted::Provisioned, "verify")
            .await?;
        let platforms: Vec<Platform> = provisioned(pool, &selection).await?;
        // Pick each platform's latest backup first: the sample is drawn among platforms that
        // have one, and a platform never backed up is `status`'s business, not a failed
        // verification (issue 16.12). A row whose schema name breaks the rules is a failed
        // verification of its own (issue 15.4), never a reason to stop the others.
        let mut picked: Vec<(Platform, crate::backup::manifest::Manifest)> = Vec::new();
        let mut never: Vec<String> = Vec::new();
        let mut invalid: Vec<VerifyReport> = Vec::new();
        for p in platforms {
            let schema = match p.tenant_schema() {
                Ok(Some(s)) => s,
                Ok(None) => continue,
                Err(bad) => {
                    invalid.push(VerifyReport {
                        platform_id: p.id,
                        platform_name: p.name.clone(),
                        schema: bad.schema,
                        backup_id: "-".into(),
                        taken_at: Utc::now(),
                        ok: false,
                        tables: 0,
                        rows: 0,
                        problems: vec![bad.error],
                        duration_ms: 0,
                    });
                    continue;
                }
            };
            match manifest::pick(storage.as_ref(), schema.as_str(), None).await {
                Ok(m) => picked.push((p, m)),
                Err(Error::Hinted { source, .. }) if matches!(*source, Error::NotFound(_)) => {
                    never.push(p.name.clone())
                }
                Err(e) => return Err(e),
            }
        }
        if !never.is_empty() {
            ctx.out.note(&format!(
                "{} platform(s) never backed up (not verified): {} (`tenantctl status` tracks them)",
                never.len(),
                never.join(", ")
            ));
        }
        if let Some(n) = self.sample {
            use rand::seq::SliceRandom;
            picked.shuffle(&mut rand::rng());
            picked.truncate(n);
            picked.sort_by_key(|(p, _)| p.id);
        }
        let pb = ctx.out.progress(picked.len() as u64, "verifying");
        let mut reports = invalid;
        for (p, m) in &picked {
            pb.set_message(p.name.clone());
            reports.push(restorer.verify(p, m).await?);
            pb.inc(1);
        }
        pb.finish_and_clear();
        ctx.out.list(&reports)?;
        let failed = reports.iter().filter(|r| !r.ok).count();
        if failed > 0 {
            return Err(Error::Partial {
                failed,
                total: reports.len(),
            });
        }
        Ok(())
    }
}
