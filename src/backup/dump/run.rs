//! A backup run: targets, batches run and retried in halves, each piece's manifest recorded.

use super::*;

/// One piece of a batch that made it to storage (its dump committed, no manifest yet).
pub(super) struct Piece {
    pub(super) size: u64,
    pub(super) sha256: String,
    pub(super) facts: crate::backup::archive::PieceFacts,
}

/// Per-piece state while a batch streams.
#[derive(Default)]
pub(super) struct PieceState {
    pub(super) upload: Option<Box<dyn Upload>>,
    pub(super) hasher: Sha256,
    pub(super) size: u64,
    pub(super) failed: Option<String>,
    pub(super) committed: bool,
}

/// What a batch's archive said about itself.
pub(super) struct ArchiveInfo {
    pub(super) archive_version: String,
    pub(super) pg_dump_version: String,
    pub(super) server_version: String,
    pub(super) compression: String,
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
                        crate::backup::archive::KNOWN_VERSIONS
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
}

fn set_sizes(batch: &mut [DumpTarget], sizes: &HashMap<String, Option<i64>>) {
    for t in batch {
        t.size_bytes = sizes.get(t.schema.as_str()).copied().flatten();
    }
}

/// A batch that failed as a whole.
#[derive(Debug, thiserror::Error)]
pub(super) enum BatchError {
    #[error(transparent)]
    Tool(crate::backup::pgtools::ToolError),
    #[error("the archive pg_dump wrote could not be read: {0}")]
    Archive(crate::backup::archive::ArchiveError),
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
