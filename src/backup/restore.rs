//! Getting a tenant back: fetching a dump with its checksum and structure checked, restoring it
//! atomically, and verifying a backup by restoring it where nobody sees it.
//!
//! Restore and verify both run in ONE transaction on a dedicated connection: the live schema is
//! renamed aside, pg_restore's script of the dump (`pg_restore --file=-`, the statements and
//! COPY data pg_restore itself would send) is applied, the row counts are compared with the
//! manifest; then verify rolls everything back, and restore drops (or keeps) the old schema,
//! updates the registry and commits. Nothing is visible to anybody before the commit, and a
//! failure or a SIGKILL at any moment before it leaves the old schema exactly as it was (the
//! server rolls the transaction back when the connection dies); there is nothing to put back
//! by hand and nothing left to clean up. This is what `pg_restore --single-transaction` gives,
//! with the rename inside the same transaction.

use super::archive::{ArchiveCheck, Checked};
use super::contents;
use super::manifest::Manifest;
use super::pgtools::PgTools;
use super::storage::Storage;
use crate::atomic_file::AtomicFile;
use crate::db::{self, Ident, SchemaName, locks::PlatformLock};
use crate::error::{Error, Result};
use crate::rules::names;
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// Marks the maintenance reason tenantctl sets while restoring.
pub const MAINTENANCE_MARK: &str = "tenantctl restore:";

/// A dump fetched to a local file and checked against its manifest.
pub struct Fetched {
    pub path: PathBuf,
    pub checked: Checked,
    /// Removes the temporary copy when dropped (none for local storage).
    _temp: Option<tempfile::TempDir>,
}

/// Where [`fetch`] puts the dump.
#[derive(Debug, Clone)]
pub enum Dest {
    /// The storage is local: read the file where it is.
    InPlace(PathBuf),
    /// A private temporary folder (under `$TMPDIR`), removed with the [`Fetched`].
    Temp,
    /// This file (written under a temporary name beside it, renamed once checked).
    File(PathBuf),
}

/// Fetch a backup's dump and check it before anything is touched: its size and SHA-256 match
/// the manifest, it is a complete archive, and it holds exactly the manifest's schema with the
/// manifest's row counts. Any failure is a refusal (exit 4), and no file is left behind.
pub async fn fetch(storage: &dyn Storage, m: &Manifest, dest: Dest) -> Result<Fetched> {
    let refuse =
        |what: String| Error::Refused(format!("backup `{}` of `{}`: {what}", m.id, m.schema));
    let create = |p: &Path| {
        AtomicFile::create(p).map_err(|e| anyhow::anyhow!("cannot create `{}`: {e}", p.display()))
    };
    let (path, write_to, temp) = match dest {
        Dest::InPlace(p) => (p, None, None),
        Dest::Temp => {
            let dir = tempfile::Builder::new()
                .prefix("tenantctl-restore-")
                .tempdir()
                .map_err(|e| anyhow::anyhow!("cannot create a temporary folder: {e}"))?;
            let p = dir.path().join(&m.dump);
            (p.clone(), Some(create(&p)?), Some(dir))
        }
        Dest::File(p) => {
            if tokio::fs::try_exists(&p).await.unwrap_or(false) {
                return Err(super::storage::local::exists_already(&p));
            }
            let tmp = create(&p)?;
            (p, Some(tmp), None)
        }
    };
    let copy = match &write_to {
        Some(w) => Some(
            w.tokio_file()
                .map_err(|e| anyhow::anyhow!("cannot create `{}`: {e}", w.path().display()))?,
        ),
        None => None,
    };
    // A failure drops `write_to`, which removes the temporary file.
    let checked = match copy_checked(storage, m, copy).await? {
        Ok(c) => c,
        Err(what) => return Err(refuse(what)),
    };
    if let Some(w) = write_to {
        super::storage::local::commit_new(w, &path).await?;
    }
    Ok(Fetched {
        path,
        checked,
        _temp: temp,
    })
}

/// Stream the dump (to `copy`, if given) while hashing and parsing it. The outer error is
/// an I/O or storage failure; the inner one what is wrong with the dump.
async fn copy_checked(
    storage: &dyn Storage,
    m: &Manifest,
    mut copy: Option<tokio::fs::File>,
) -> Result<std::result::Result<Checked, String>> {
    let mut reader = storage.open(&m.dump_key()).await?;
    let mut hasher = Sha256::new();
    let mut check = ArchiveCheck::new();
    let mut size = 0u64;
    let mut damaged = None;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        let data = &buf[..n];
        hasher.update(data);
        size += n as u64;
        if damaged.is_none()
            && let Err(e) = check.push(data)
        {
            damaged = Some(e);
        }
        if let Some(f) = &mut copy {
            f.write_all(data).await?;
        }
    }
    if let Some(mut f) = copy {
        // The commit fsyncs it.
        f.flush().await?;
    }
    let sha = hex::encode(hasher.finalize());
    if size != m.size_bytes || sha != m.sha256 {
        return Ok(Err(format!(
            "checksum mismatch: the dump is {size} bytes with SHA-256 {sha}, the manifest says {} bytes with {}",
            m.size_bytes, m.sha256
        )));
    }
    let what = |e: super::archive::ArchiveError| match e {
        e @ super::archive::ArchiveError::Newer(_) => {
            format!("{e}; the manifest says pg_dump {}", m.pg_dump_version)
        }
        super::archive::ArchiveError::Unsupported(why) => {
            format!("{why}; the manifest says pg_dump {}", m.pg_dump_version)
        }
        other => format!("the dump is damaged: {other}"),
    };
    if let Some(e) = damaged {
        return Ok(Err(what(e)));
    }
    let mut checked = match check.finish() {
        Ok(c) => c,
        Err(e) => return Ok(Err(what(e))),
    };
    if let Err(e) = checked.toc.check_single_schema(&m.schema) {
        return Ok(Err(e));
    }
    // What the entries' SQL does, not what their namespace field says (issue 27.9). Not for
    // `backup --public` (the host migration's safety copy of the shared schema, with its
    // legacy owners): tenantctl never restores it, `backup get` hands it to pg_restore by hand.
    let rules = contents::Rules::new(&m.schema, &m.depends_on_schemas);
    match contents::check_toc(&checked.toc, &rules) {
        _ if m.schema == "public" => {}
        Ok(owner) => checked.owner = owner,
        Err(e) => {
            return Ok(Err(format!(
                "the dump holds more than the tenant's own objects: {e}"
            )));
        }
    }
    if checked.facts.row_counts != m.row_counts {
        return Ok(Err(
            "the row counts in the dump differ from the manifest's".into()
        ));
    }
    Ok(Ok(checked))
}

/// A PostgreSQL version's major part: `15` of `15.14 (Debian ...)`, `(9, 6)` of `9.6.24`.
fn major(v: &str) -> Option<(u32, u32)> {
    let v = v
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let mut parts = v
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().ok());
    let first = parts.next()??;
    if first >= 10 {
        Some((first, 0))
    } else {
        Some((first, parts.next().flatten().unwrap_or(0)))
    }
}

fn newer(archive: &str, reader: &str) -> bool {
    matches!((major(archive), major(reader)), (Some(a), Some(r)) if a > r)
}

/// Refuse (exit 4) a backup newer than what must read it, before anything changes: its
/// pg_dump against the local pg_restore (which renders the archive), and the server it was
/// dumped from against the target server (whose SQL it may use). Issue 15.9.
pub fn check_versions(m: &Manifest, pg_restore: &str, server: &str) -> Result<()> {
    let refuse = |what: String| {
        Err(Error::Refused(format!(
            "backup `{}` of `{}`: {what}; nothing was changed",
            m.id, m.schema
        ))
        .hint("restore with a pg_restore and a server at least as new (`backup.pg_bin_dir` picks the client tools)"))
    };
    if newer(&m.pg_dump_version, pg_restore) {
        return refuse(format!(
            "written by pg_dump {}, newer than the local {pg_restore}, which cannot read it",
            m.pg_dump_version
        ));
    }
    if newer(&m.server_version, server) {
        return refuse(format!(
            "dumped from PostgreSQL {}, newer than the target server (PostgreSQL {server})",
            m.server_version
        ));
    }
    Ok(())
}

/// What to do once the dump is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Compare, then roll everything back.
    Verify,
    /// Compare, then replace the live schema. `keep_old`: keep the old one under the returned
    /// name instead of dropping it.
    Restore { keep_old: bool },
}

/// The outcome of [`apply`].
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Rows per table as restored.
    pub row_counts: BTreeMap<String, u64>,
    /// Differences from the manifest; empty when it matches.
    pub mismatches: Vec<String>,
    /// Where the old schema was kept (restore with keep_old).
    pub kept_old_as: Option<String>,
    /// Whether there was a live schema to replace.
    pub replaced: bool,
    /// The schema's size after the restore.
    pub schema_size_bytes: Option<i64>,
    /// On Citus, the worker holding the restored (distributed) tenant.
    pub node: Option<String>,
}

/// A connection of its own: pg_restore's script changes session settings (search_path and
/// friends), so this connection is closed afterwards instead of going back to a pool.
pub async fn connect(pool: &sqlx::PgPool, app: &str) -> Result<PgConnection> {
    let opts = (*pool.connect_options()).clone().application_name(app);
    Ok(PgConnection::connect_with(&opts).await?)
}

/// Restore `archive` (already fetched and checked) into `schema` in one transaction; see the
/// module docs. `platform`: (id, maintenance flag and reason to leave behind) for restore.
pub async fn apply(
    conn: &mut PgConnection,
    r: &Restorer,
    fetched: &Fetched,
    m: &Manifest,
    mode: Mode,
    platform: (i64, bool, Option<String>),
) -> Result<Applied> {
    let schema = SchemaName::parse(&m.schema)?;
    let mut tx = conn.begin().await?;
    lock_platform(&mut tx, platform.0, &m.platform_name).await?;
    let exists = schema_exists(&mut tx, &schema).await?;
    let rules = script_rules(&mut tx, m, &fetched.checked.owner).await?;
    if exists && matches!(mode, Mode::Restore { .. }) {
        close_gate(&mut tx, &schema, r.lock_timeout).await?;
    }
    // On Citus: where the tenant goes (decided before the rename), then loaded on the
    // coordinator and distributed after the load (see `citus::before_restore`).
    let place = match mode {
        Mode::Restore { .. } => placement(&mut tx, r, m, &schema, exists).await?,
        Mode::Verify => Place::Local,
    };
    db::citus::before_restore(&mut tx).await?;
    let aside = match exists {
        true => Some(move_aside(&mut tx, &schema, &mode, platform.0).await?),
        false => None,
    };
    feed_script(&mut tx, &r.tools, &fetched.path, &rules).await?;
    let row_counts = count_rows(&mut tx, &schema).await?;
    let mut out = Applied {
        mismatches: compare_counts(&row_counts, &m.row_counts),
        row_counts,
        replaced: exists,
        ..Applied::default()
    };
    let keep_old = match mode {
        Mode::Verify => {
            tx.rollback().await?;
            return Ok(out);
        }
        Mode::Restore { keep_old } => keep_old,
    };
    if !out.mismatches.is_empty() {
        tx.rollback().await?;
        return Err(Error::Other(anyhow::anyhow!(
            "the restored schema does not match the manifest ({}); rolled back, nothing changed",
            out.mismatches.join("; ")
        )));
    }
    if let Place::Distributed(_) = place {
        db::citus::distribute_restored(&mut tx, &schema).await?;
    }
    if let Some(aside) = &aside {
        if keep_old {
            out.kept_old_as = Some(aside.to_string());
        } else {
            drop_old(&mut tx, aside, &schema, r.lock_timeout).await?;
        }
    }
    out.schema_size_bytes = Some(record(&mut tx, r, &schema, platform).await?);
    tx.commit().await?;
    if let Place::Distributed(want) = place {
        out.node = settle(conn, &schema, want.as_deref()).await?;
    }
    Ok(out)
}

/// The rules the restore script is held to (see [`contents`]); the role the archive gives its
/// objects to must be the role tenantctl restores as or the live schema's owner: an archive
/// cannot hand objects (a `SECURITY DEFINER` function, say) to a third, stronger role.
async fn script_rules(tx: &mut PgConnection, m: &Manifest, owner: &str) -> Result<contents::Rules> {
    // language=PostgreSQL
    let (me, live): (String, Option<String>) = sqlx::query_as(
        "SELECT current_user::text, (SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = $1)",
    )
    .bind(&m.schema)
    .fetch_one(&mut *tx)
    .await?;
    if owner != me && live.as_deref() != Some(owner) {
        return Err(Error::Refused(format!(
            "backup `{}` of `{}` gives its objects to role `{owner}`, which is neither the role tenantctl restores as (`{me}`) nor the owner of the live schema{}; nothing was changed",
            m.id,
            m.schema,
            live.map(|l| format!(" (`{l}`)")).unwrap_or_default()
        ))
        .hint(format!(
            "if `{owner}` is right, make it own `{}` first (ALTER SCHEMA ... OWNER TO)",
            m.schema
        )));
    }
    let mut rules = contents::Rules::new(&m.schema, &m.depends_on_schemas);
    rules.owner = Some(owner.to_string());
    Ok(rules)
}

/// Where a restored tenant goes on Citus.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// A schema local to the coordinator (no Citus, or the tenant was local).
    Local,
    /// A distributed schema, on this worker (`host:port`) or where Citus puts it.
    Distributed(Option<String>),
}

/// Where the restored tenant goes: the node `--node` names; else where the live schema is
/// (distributed on its worker, or local); else, with no live schema, the node the manifest
/// records (when it is still a worker), or a distributed schema wherever Citus puts it when
/// new tenants are distributed (an older manifest, without a node).
async fn placement(
    tx: &mut PgConnection,
    r: &Restorer,
    m: &Manifest,
    schema: &SchemaName,
    exists: bool,
) -> Result<Place> {
    if !db::citus::present() {
        return Ok(Place::Local);
    }
    if let Some(node) = &r.node {
        return Ok(Place::Distributed(Some(node.clone())));
    }
    if exists {
        return Ok(if db::citus::is_distributed(tx, schema.as_str()).await? {
            Place::Distributed(db::citus::node_of(tx, schema.as_str()).await?)
        } else {
            Place::Local
        });
    }
    match &m.node {
        Some(node) => {
            if db::citus::workers(tx).await?.contains(node) {
                Ok(Place::Distributed(Some(node.clone())))
            } else {
                tracing::warn!(
                    schema = %schema,
                    node = %node,
                    "the backup's node is no longer a worker of the cluster: Citus places the tenant"
                );
                Ok(Place::Distributed(None))
            }
        }
        None if db::citus::distribute_tenants() => Ok(Place::Distributed(None)),
        None => Ok(Place::Local),
    }
}

/// After the restore's commit: move the (distributed) tenant to `want` when Citus put it on
/// another worker. Returns the node it is on. The restore itself is done by then: a failed
/// move leaves the restored tenant whole where Citus put it, and says so.
async fn settle(
    conn: &mut PgConnection,
    schema: &SchemaName,
    want: Option<&str>,
) -> Result<Option<String>> {
    let now = db::citus::node_of(conn, schema.as_str()).await?;
    let Some(want) = want else {
        return Ok(now);
    };
    if now.as_deref() == Some(want) || now.is_none() {
        return Ok(now);
    }
    if let Err(e) = db::citus::move_schema(conn, schema, want).await {
        let at = now.unwrap_or_default();
        return Err(Error::Other(anyhow::anyhow!(
            "schema `{schema}` was restored (distributed, on {at}), but moving it to {want} failed: {}",
            crate::error::describe(&e)
        ))
        .hint(format!(
            "the tenant is complete on {at}; move it with `SELECT citus_schema_move('{schema}', HOST, PORT)` once {want} is reachable"
        )));
    }
    db::citus::node_of(conn, schema.as_str())
        .await
        .map_err(Into::into)
}

/// The platform's lock for the whole transaction, without waiting: another run working on it
/// (provisioning, a restore, a verify) is busy (exit 5).
async fn lock_platform(tx: &mut PgConnection, platform_id: i64, name: &str) -> Result<()> {
    if !PlatformLock::of(platform_id).try_lock_xact(tx).await? {
        return Err(Error::Busy(format!(
            "platform `{name}` is being provisioned, restored or verified by another run"
        )));
    }
    Ok(())
}

async fn schema_exists(tx: &mut PgConnection, schema: &SchemaName) -> Result<bool> {
    // language=PostgreSQL
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema.as_str())
            .fetch_one(tx)
            .await?;
    Ok(exists)
}

/// Close the schema's gate: wait (at most `lock_timeout`) for requests in flight on the live
/// tables, and make new ones answer 503 until this transaction ends (see `db::gate`).
async fn close_gate(
    tx: &mut PgConnection,
    schema: &SchemaName,
    lock_timeout: Duration,
) -> Result<()> {
    db::set_lock_timeout(tx, lock_timeout).await?;
    db::gate::close_xact(tx, schema)
        .await
        .map_err(|e| match &e {
            Error::Db(d)
                if crate::error::sqlstate(d).as_deref() == Some(db::LOCK_NOT_AVAILABLE) =>
            {
                Error::Busy(format!(
                    "requests or sessions still hold the tables of `{schema}`; nothing was changed"
                ))
                .hint("retry in a moment (the platform is in maintenance meanwhile)")
            }
            _ => e,
        })
}

/// Rename the live schema aside (see [`aside_name`]); returns its new name.
async fn move_aside(
    tx: &mut PgConnection,
    schema: &SchemaName,
    mode: &Mode,
    platform_id: i64,
) -> Result<SchemaName> {
    let name = aside_name(mode, platform_id);
    // language=PostgreSQL
    let sql = format!("ALTER SCHEMA {} RENAME TO {}", schema.sql(), name.sql());
    sqlx::query(AssertSqlSafe(sql)).execute(tx).await?;
    Ok(name)
}

/// Rows per table of `schema`, as restored.
async fn count_rows(tx: &mut PgConnection, schema: &SchemaName) -> Result<BTreeMap<String, u64>> {
    // language=PostgreSQL
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1",
    )
    .bind(schema.as_str())
    .fetch_all(&mut *tx)
    .await?;
    let mut counts = BTreeMap::new();
    for t in tables {
        let ident = Ident::parse(&t)?;
        // language=PostgreSQL
        let sql = format!("SELECT count(*) FROM ONLY {}", schema.qualify(&ident));
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut *tx)
            .await?;
        counts.insert(t, n as u64);
    }
    Ok(counts)
}

/// How the restored row counts differ from the manifest's, one message per table; empty when
/// they match.
fn compare_counts(got: &BTreeMap<String, u64>, want: &BTreeMap<String, u64>) -> Vec<String> {
    let mut mismatches = Vec::new();
    for (t, want) in want {
        match got.get(t) {
            Some(got) if got == want => {}
            Some(got) => mismatches.push(format!(
                "table `{t}`: {got} rows restored, the manifest says {want}"
            )),
            None => mismatches.push(format!(
                "table `{t}` is in the manifest but was not restored"
            )),
        }
    }
    for t in got.keys() {
        if !want.contains_key(t) {
            mismatches.push(format!(
                "table `{t}` was restored but is not in the manifest"
            ));
        }
    }
    mismatches
}

/// Drop the old schema (renamed aside), waiting at most `lock_timeout` for queries still
/// reading its tables.
async fn drop_old(
    tx: &mut PgConnection,
    aside: &SchemaName,
    schema: &SchemaName,
    lock_timeout: Duration,
) -> Result<()> {
    db::set_lock_timeout(tx, lock_timeout).await?;
    // language=PostgreSQL
    let sql = format!("DROP SCHEMA {} CASCADE", aside.sql());
    sqlx::query(AssertSqlSafe(sql))
        .execute(tx)
        .await
        .map_err(|e| match crate::error::sqlstate(&e).as_deref() {
            Some(db::LOCK_NOT_AVAILABLE) => Error::Busy(format!(
                "sessions still use the tables of `{schema}`; nothing was changed"
            ))
            .hint("retry when they are done (the platform is in maintenance meanwhile), or use --keep-old"),
            _ => Error::Db(e),
        })?;
    Ok(())
}

/// Bring the registry in line with the restored schema, in the restore's transaction: its size
/// (returned), the platform completed with its maintenance flag as before, its migration status
/// as the restored schema has it (which may be older), and a note to every `serve` that its
/// prepared statements may not fit the restored tables.
async fn record(
    tx: &mut PgConnection,
    r: &Restorer,
    schema: &SchemaName,
    platform: (i64, bool, Option<String>),
) -> Result<i64> {
    // language=PostgreSQL
    let size: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')",
    )
    .bind(schema.as_str())
    .fetch_one(&mut *tx)
    .await?;
    // language=PostgreSQL
    sqlx::query(
        "UPDATE public.platforms SET maintenance = $2, maintenance_reason = $3, \
         provision_status = 'completed', provision_error = NULL, \
         provisioned_at = coalesce(provisioned_at, now()), schema_size_bytes = $4, updated_at = now() \
         WHERE id = $1",
    )
    .bind(platform.0)
    .bind(platform.1)
    .bind(&platform.2)
    .bind(size)
    .execute(&mut *tx)
    .await?;
    if let Some(set) = r.migrations.as_ref() {
        let applied = crate::migrate::applied(&mut *tx, schema).await?;
        let plan = crate::migrate::plan(set, &applied);
        crate::migrate::status::record(
            &mut *tx,
            platform.0,
            &crate::migrate::status::Facts::from_plan(&plan, set),
            None,
        )
        .await?;
    }
    db::changes::notify_schema_changed(&mut *tx, schema).await?;
    Ok(size)
}

/// Where the live schema goes for the duration: short (identifiers stop at 63 bytes) and
/// unique.
fn aside_name(mode: &Mode, platform_id: i64) -> SchemaName {
    match mode {
        Mode::Verify => names::backup_verify_schema(platform_id, rand::random()),
        Mode::Restore { .. } => {
            names::old_schema(platform_id, chrono::Utc::now().format("%Y%m%d%H%M%S"))
        }
    }
}

/// Run `pg_restore --file=- ARCHIVE` and apply its script on `conn`: SQL between COPY blocks as
/// simple queries, each COPY's data streamed with COPY FROM STDIN. pg_restore's exit status is
/// checked, so a damaged archive fails here (and the caller's transaction rolls back).
async fn feed_script(
    conn: &mut PgConnection,
    tools: &PgTools,
    archive: &Path,
    rules: &contents::Rules,
) -> Result<()> {
    let mut child = tools.script(archive).spawn()?;
    let mut stdout = child.take_stdout();
    let res = feed(conn, &mut stdout, rules).await;
    drop(stdout);
    match res {
        Ok(()) => {
            child.wait().await?;
            Ok(())
        }
        // The script stopped early: pg_restore's own complaint says why.
        Err(Fed::Ended(e)) => match child.wait().await {
            Err(tool) => Err(tool.into()),
            Ok(()) => Err(e),
        },
        // Our side failed (an SQL error): pg_restore only saw its pipe close.
        Err(Fed::Failed(e)) => {
            child.kill().await;
            Err(e)
        }
    }
}

/// Why feeding stopped.
enum Fed {
    /// pg_restore's output ended where it must not.
    Ended(Error),
    /// The server or the connection failed.
    Failed(Error),
}

impl From<sqlx::Error> for Fed {
    fn from(e: sqlx::Error) -> Self {
        Fed::Failed(e.into())
    }
}

impl From<std::io::Error> for Fed {
    fn from(e: std::io::Error) -> Self {
        Fed::Failed(e.into())
    }
}

/// Lines pg_restore prints for psql only (`\restrict KEY` since 15.14): not SQL.
fn is_psql_meta(line: &[u8]) -> bool {
    line.starts_with(b"\\restrict ") || line.starts_with(b"\\unrestrict ")
}

/// Each statement is checked against `rules` just before it is sent: this is the SQL that runs,
/// whatever the TOC said (a data block can end its COPY early and go on as SQL).
async fn feed(
    conn: &mut PgConnection,
    out: &mut tokio::process::ChildStdout,
    rules: &contents::Rules,
) -> std::result::Result<(), Fed> {
    let mut entry = String::from("the script's preamble");
    // How much of `sql` was checked (each entry's statements are checked under its name).
    let mut checked = 0;
    let refuse = |entry: &str, why: String| {
        Fed::Failed(Error::Refused(format!(
            "the dump holds more than the tenant's own objects: {entry} {why}; rolled back, nothing changed"
        )))
    };
    const BATCH: usize = 256 * 1024;
    let mut r = BufReader::with_capacity(BATCH, out);
    let mut sql = String::new();
    let mut line: Vec<u8> = Vec::new();
    let mut data_header = false;
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line).await? == 0 {
            break;
        }
        if is_psql_meta(&line) {
            continue;
        }
        if line.starts_with(b"-- Data for Name: ") {
            data_header = line.windows(20).any(|w| w == b"; Type: TABLE DATA; ");
        }
        if line.starts_with(b"-- Name: ") || line.starts_with(b"-- Data for Name: ") {
            // NOTE: a comment pg_restore writes (from the TOC: untrusted, only for messages).
            // A forged one inside an entry's text only splits it: each part must parse alone.
            contents::check_sql(&sql[checked..], rules).map_err(|why| refuse(&entry, why))?;
            checked = sql.len();
            entry = format!("`{}`", String::from_utf8_lossy(&line[3..]).trim_end());
        }
        let is_copy =
            data_header && line.starts_with(b"COPY ") && line.ends_with(b" FROM stdin;\n");
        if !is_copy {
            let text = std::str::from_utf8(&line).map_err(|_| {
                Fed::Ended(Error::Other(anyhow::anyhow!(
                    "pg_restore printed text that is not UTF-8"
                )))
            })?;
            sql.push_str(text);
            continue;
        }
        data_header = false;
        if !sql.trim().is_empty() {
            contents::check_sql(&sql[checked..], rules).map_err(|why| refuse(&entry, why))?;
            crate::db::statements::execute(conn, &std::mem::take(&mut sql)).await?;
        }
        sql.clear();
        checked = 0;
        let stmt = String::from_utf8_lossy(&line).trim_end().to_string();
        contents::check_copy(&stmt, rules).map_err(|why| refuse(&entry, why))?;
        let mut copy = conn.copy_in_raw(&stmt).await?;
        let mut batch: Vec<u8> = Vec::with_capacity(BATCH);
        loop {
            line.clear();
            if r.read_until(b'\n', &mut line).await? == 0 {
                copy.abort("pg_restore output ended inside COPY data")
                    .await?;
                return Err(Fed::Ended(Error::Other(anyhow::anyhow!(
                    "pg_restore output ended inside the data of `{stmt}`"
                ))));
            }
            if line == b"\\.\n" {
                break;
            }
            batch.extend_from_slice(&line);
            if batch.len() >= BATCH {
                copy.send(batch.as_slice()).await?;
                batch.clear();
            }
        }
        if !batch.is_empty() {
            copy.send(batch.as_slice()).await?;
        }
        copy.finish().await?;
    }
    if !sql.trim().is_empty() {
        contents::check_sql(&sql[checked..], rules).map_err(|why| refuse(&entry, why))?;
        crate::db::statements::execute(conn, &sql).await?;
    }
    Ok(())
}

/// What a restore did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestoreReport {
    pub platform_id: i64,
    #[serde(rename = "platform")]
    pub platform_name: String,
    pub schema: String,
    pub backup_id: String,
    pub taken_at: chrono::DateTime<chrono::Utc>,
    pub tables: usize,
    pub rows: u64,
    /// Whether a live schema was replaced (false: the schema was missing).
    pub replaced: bool,
    /// Where the old schema was kept (`--keep-old`).
    pub kept_old_as: Option<String>,
    pub schema_size_bytes: Option<i64>,
    /// On Citus, the worker (`host:port`) holding the restored tenant; `null` when it is local.
    pub node: Option<String>,
    pub duration_ms: u64,
}

/// What a verification found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    pub platform_id: i64,
    #[serde(rename = "platform")]
    pub platform_name: String,
    pub schema: String,
    pub backup_id: String,
    pub taken_at: chrono::DateTime<chrono::Utc>,
    pub ok: bool,
    pub tables: usize,
    pub rows: u64,
    pub problems: Vec<String>,
    pub duration_ms: u64,
}

/// What restore and verify work with.
#[derive(Debug, Clone)]
pub struct Restorer {
    pub pool: sqlx::PgPool,
    pub storage: std::sync::Arc<dyn Storage>,
    pub tools: PgTools,
    pub lock_timeout: std::time::Duration,
    /// The tenant migration set, to record the restored schema's migration status in the
    /// restore's own transaction (`tenantctl.tenant_migrations`).
    pub migrations: Option<crate::migrate::MigrationSet>,
    /// On Citus, the worker (`host:port`) a restore puts the tenant on (`restore --node`);
    /// `None`: where it was (see [`apply`]).
    pub node: Option<String>,
}

impl Restorer {
    /// The restorer `settings` configure: their pg tools, lock timeout and tenant migrations.
    pub async fn from_settings(
        pool: &sqlx::PgPool,
        storage: std::sync::Arc<dyn Storage>,
        settings: &crate::config::Settings,
    ) -> Result<Restorer> {
        Ok(Restorer {
            pool: pool.clone(),
            storage,
            tools: PgTools::new(settings)?,
            lock_timeout: *settings.lock_timeout,
            migrations: Some(
                crate::migrate::MigrationSet::load(settings.tenant_migrations_dir.as_ref()).await?,
            ),
            node: None,
        })
    }

    /// [`check_versions`] against the local pg_restore and the target server, and the schemas
    /// the backup depends on are present.
    pub async fn check_versions(&self, m: &Manifest) -> Result<()> {
        let pg_restore = self.tools.version("pg_restore").await?;
        let pg_restore = pg_restore
            .strip_prefix("pg_restore (PostgreSQL) ")
            .map(|v| format!("pg_restore {v}"))
            .unwrap_or(pg_restore);
        // language=PostgreSQL
        let server: String = sqlx::query_scalar("SELECT current_setting('server_version')")
            .fetch_one(&self.pool)
            .await?;
        check_versions(m, &pg_restore, &server)?;
        // The schemas its objects use must be here, or the restore fails midway (issue 15.11).
        if !m.depends_on_schemas.is_empty() {
            // language=PostgreSQL
            let present: Vec<String> = sqlx::query_scalar(
                "SELECT nspname::text FROM pg_namespace WHERE nspname = ANY($1)",
            )
            .bind(&m.depends_on_schemas)
            .fetch_all(&self.pool)
            .await?;
            let missing: Vec<&str> = m
                .depends_on_schemas
                .iter()
                .filter(|d| !present.contains(d))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                return Err(Error::Refused(format!(
                    "backup `{}` of `{}` uses objects of schema(s) {} that this database lacks; nothing was changed",
                    m.id,
                    m.schema,
                    missing.join(", ")
                ))
                .hint("create those schemas (and their objects) first"));
            }
        }
        Ok(())
    }

    /// On Citus: the worker that holds `schema` now, and the one `--node` names, must answer
    /// before a restore or a verification starts; `Some(node)` names the first that does not
    /// (its restore would fail half way with Citus' raw "connection to the remote node"
    /// message, issue 27.11).
    pub async fn unreachable_node(&self, schema: &str) -> Result<Option<String>> {
        if !crate::db::citus::present() {
            return Ok(None);
        }
        let mut conn = self.pool.acquire().await?;
        let mut nodes: Vec<String> = crate::db::citus::node_of(&mut conn, schema)
            .await?
            .into_iter()
            .collect();
        if let Some(n) = &self.node
            && !nodes.contains(n)
        {
            nodes.push(n.clone());
        }
        Ok(crate::db::citus::unreachable(&mut conn, &nodes).await?)
    }

    /// [`unreachable_node`](Self::unreachable_node) as the error of a restore that does not
    /// start: exit 69, naming the worker.
    pub async fn check_node(&self, schema: &str) -> Result<()> {
        match self.unreachable_node(schema).await? {
            None => Ok(()),
            Some(node) => Err(Error::Unreachable {
                what: "Citus worker",
                target: node.clone(),
                reason: format!(
                    "it does not answer the coordinator, and the restore of schema {schema} needs it; nothing was changed"
                ),
            }
            .hint("start the worker (or restore with `--node` on another one) and run the restore again")),
        }
    }

    async fn fetch(&self, m: &Manifest) -> Result<Fetched> {
        let dest = match self.storage.local_path(&m.dump_key()) {
            Some(p) => Dest::InPlace(p),
            None => Dest::Temp,
        };
        fetch(self.storage.as_ref(), m, dest).await
    }

    /// Replace the platform's schema with backup `m`. The dump is checked before anything is
    /// touched; while restoring the platform is in maintenance; on any failure the old schema
    /// stays as it was and the maintenance flag goes back to what it was.
    pub async fn restore(
        &self,
        p: &crate::registry::Platform,
        m: &Manifest,
        keep_old: bool,
    ) -> Result<RestoreReport> {
        let started = std::time::Instant::now();
        self.check_versions(m).await?;
        self.check_node(&m.schema).await?;
        let fetched = self.fetch(m).await?;
        // While restoring, `serve` answers 503 (the flag is set outside the restore's
        // transaction, so everybody sees it). Toggling it leaves `updated_at` alone: a failed
        // restore changes nothing. A restore killed earlier left its own mark: that is not the state to go back to.
        let (flag, reason) = match &p.maintenance_reason {
            Some(r) if r.starts_with(MAINTENANCE_MARK) => (false, None),
            _ => (p.maintenance, p.maintenance_reason.clone()),
        };
        // language=PostgreSQL
        sqlx::query(
            "UPDATE public.platforms SET maintenance = true, maintenance_reason = $2 WHERE id = $1",
        )
        .bind(p.id)
        .bind(format!(
            "{MAINTENANCE_MARK} restoring backup {} (pid {}, started {})",
            m.id,
            std::process::id(),
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))
        .execute(&self.pool)
        .await?;
        let res = async {
            let mut conn = connect(&self.pool, "tenantctl-restore").await?;
            let res = apply(
                &mut conn,
                self,
                &fetched,
                m,
                Mode::Restore { keep_old },
                (p.id, flag, reason.clone()),
            )
            .await;
            let _ = conn.close().await;
            res
        }
        .await;
        let applied = match res {
            Ok(a) => a,
            Err(e) => {
                // language=PostgreSQL
                if let Err(e2) = sqlx::query(
                    "UPDATE public.platforms SET maintenance = $2, maintenance_reason = $3 WHERE id = $1",
                )
                .bind(p.id)
                .bind(flag)
                .bind(&reason)
                .execute(&self.pool)
                .await
                {
                    tracing::warn!(platform = %p.name, error = %crate::error::Shown(&e2), "could not take the platform out of maintenance");
                }
                return Err(e);
            }
        };
        Ok(RestoreReport {
            platform_id: p.id,
            platform_name: p.name.clone(),
            schema: m.schema.clone(),
            backup_id: m.id.clone(),
            taken_at: m.taken_at,
            tables: applied.row_counts.len(),
            rows: applied.row_counts.values().sum(),
            replaced: applied.replaced,
            kept_old_as: applied.kept_old_as,
            schema_size_bytes: applied.schema_size_bytes,
            node: applied.node,
            duration_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// Restore backup `m` where nobody sees it and compare with its manifest. A damaged,
    /// mismatching or unrestorable backup is a report with problems; only a database that
    /// cannot be used is an error.
    pub async fn verify(
        &self,
        p: &crate::registry::Platform,
        m: &Manifest,
    ) -> Result<VerifyReport> {
        let started = std::time::Instant::now();
        let mut report = VerifyReport {
            platform_id: p.id,
            platform_name: p.name.clone(),
            schema: m.schema.clone(),
            backup_id: m.id.clone(),
            taken_at: m.taken_at,
            ok: false,
            tables: 0,
            rows: 0,
            problems: Vec::new(),
            duration_ms: 0,
        };
        let hard = |e: &Error| {
            matches!(e, Error::Unreachable { .. } | Error::Busy(_))
                || matches!(e, Error::Db(d) if crate::error::is_connection_error(d))
        };
        let checked = match self.check_versions(m).await {
            Ok(()) => match self.unreachable_node(&m.schema).await {
                Ok(None) => self.fetch(m).await,
                Ok(Some(node)) => Err(Error::Other(anyhow::anyhow!(
                    "worker {node} unreachable (it holds schema {}); not verified",
                    m.schema
                ))),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match checked {
            Err(e) if hard(&e) => return Err(e),
            Err(e) => report.problems.push(e.to_string()),
            Ok(fetched) => {
                let mut conn = connect(&self.pool, "tenantctl-verify").await?;
                let res = apply(
                    &mut conn,
                    self,
                    &fetched,
                    m,
                    Mode::Verify,
                    (p.id, p.maintenance, p.maintenance_reason.clone()),
                )
                .await;
                let _ = conn.close().await;
                match res {
                    Ok(a) => {
                        report.tables = a.row_counts.len();
                        report.rows = a.row_counts.values().sum();
                        report.problems = a.mismatches;
                    }
                    Err(e) if hard(&e) => return Err(e),
                    Err(e) => report.problems.push(format!("restore failed: {e}")),
                }
            }
        }
        report.ok = report.problems.is_empty();
        report.duration_ms = started.elapsed().as_millis() as u64;
        self.record_verification(m, &report).await?;
        Ok(report)
    }

    /// What a verification found, on the backup's row in `tenantctl.backups` (the console's
    /// "verified" column). A backup taken before that table kept rows gets its row now.
    async fn record_verification(&self, m: &Manifest, report: &VerifyReport) -> Result<()> {
        // language=PostgreSQL
        sqlx::query(
            "INSERT INTO tenantctl.backups (platform_id, platform_name, schema_name, backup_id, storage, location, \
             taken_at, size_bytes, sha256, migration_version, verified_at, verify_ok, verify_problems) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), $11, $12) \
             ON CONFLICT (schema_name, backup_id) DO UPDATE SET verified_at = now(), \
             verify_ok = EXCLUDED.verify_ok, verify_problems = EXCLUDED.verify_problems",
        )
        .bind(report.platform_id)
        .bind(&m.platform_name)
        .bind(&m.schema)
        .bind(&m.id)
        .bind(self.storage.kind())
        .bind(self.storage.location(&m.dump_key()))
        .bind(m.taken_at)
        .bind(m.size_bytes as i64)
        .bind(&m.sha256)
        .bind(m.migration_version)
        .bind(report.ok)
        .bind((!report.ok).then(|| report.problems.join("; ")))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aside_names_are_valid_and_short() {
        let n = aside_name(&Mode::Restore { keep_old: true }, i64::MAX);
        assert!(n.as_str().len() <= 63, "{n}");
        let v = aside_name(&Mode::Verify, 7);
        assert!(v.as_str().starts_with("tctl_verify_7_"));
        assert!(is_psql_meta(b"\\restrict abc\n"));
        assert!(!is_psql_meta(b"\\.\n"));
    }

    #[test]
    fn row_counts_are_compared_table_by_table_both_ways() {
        let counts = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
            pairs.iter().map(|(t, n)| (t.to_string(), *n)).collect()
        };
        let want = counts(&[("people", 3), ("posts", 5)]);
        assert!(compare_counts(&want, &want).is_empty());
        assert_eq!(
            compare_counts(&counts(&[("people", 2), ("extra", 0)]), &want),
            vec![
                "table `people`: 2 rows restored, the manifest says 3",
                "table `posts` is in the manifest but was not restored",
                "table `extra` was restored but is not in the manifest",
            ]
        );
    }

    #[test]
    fn versions_compare_by_major() {
        assert_eq!(major("15.14 (Debian 15.14-1.pgdg120+1)"), Some((15, 0)));
        assert_eq!(major("pg_restore 16.2"), Some((16, 0)));
        assert_eq!(major("9.6.24"), Some((9, 6)));
        assert_eq!(major("18beta1"), Some((18, 0)));
        assert_eq!(major("unknown"), None);
        assert!(newer("16.1", "pg_restore 15.14"));
        assert!(!newer("15.1", "pg_restore 15.14"));
        assert!(!newer("14.9", "15.0"));
        assert!(newer("10.1", "9.6.24"));
        assert!(!newer("9.5.1", "9.6.0"));
        // Unknown versions are not refused here (the archive check still reads the header).
        assert!(!newer("", "15.0"));
    }
}
