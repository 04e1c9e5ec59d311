//! One pg_dump streamed: its archive split per schema, each piece written to storage with
//! its checksum, committed, or discarded on failure.

use super::*;

impl Backupper {
    /// Run one pg_dump over the batch and split it into per-schema dumps in storage. Per-piece
    /// errors (one upload failing) fail that piece only; anything else fails the batch, and then
    /// no piece of it stays in storage.
    pub(super) async fn dump_batch(
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
    pub(super) async fn dump_plain(
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
    ) -> std::result::Result<(Vec<crate::backup::archive::PieceFacts>, ArchiveInfo), BatchError>
    {
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
