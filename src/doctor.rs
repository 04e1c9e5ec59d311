//! `tenantctl doctor`: the checks a sysadmin runs after installing and before upgrading. Each
//! check is PASS, WARN or FAIL with what it saw and, when it is not PASS, the fix. Library
//! code: [`run`] gathers every finding, [`revoke_public_create`] is the one fix applied for
//! the operator (`--fix`); `cli/doctor.rs` only prints and maps the worst level to the exit
//! status (the monitoring-plugin convention of `status --check`: 0, 1, 2).
//!
//! The checks run in one read-only transaction, every query `.persistent(false)` (sqlx's
//! unnamed statement): doctor must work, and tell, when `database_url` points at a
//! transaction pooler that does not keep named statements.

use crate::backup::pgtools::PgTools;
use crate::config::{Settings, mask_url};
use crate::db;
use crate::error::Result;
use crate::rules::{SchemaName, names as made};
use chrono::Utc;
use serde::Serialize;
use sqlx::{Connection, PgConnection, PgPool, Row};
use std::fmt::Write as _;

/// A finding's grade (PASS, WARN, FAIL), worst last (so `max` is the verdict). Not
/// `status --check`'s [`crate::report::fleet::PluginState`], whose words and exit codes follow
/// the monitoring-plugin convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Grade {
    Pass = 0,
    Warn = 1,
    Fail = 2,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Pass => "PASS",
            Grade::Warn => "WARN",
            Grade::Fail => "FAIL",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// A stable name (`public-create`, `schema-owner`, ...).
    pub check: &'static str,
    pub status: Grade,
    /// What the check saw.
    pub detail: String,
    /// What to do about it (none when it passed).
    pub fix: Option<String>,
}

impl Finding {
    fn pass(check: &'static str, detail: impl Into<String>) -> Finding {
        Finding {
            check,
            status: Grade::Pass,
            detail: detail.into(),
            fix: None,
        }
    }
    fn bad(
        check: &'static str,
        status: Grade,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            status,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Every check, in the order they are printed. Checks that need the registry report it
/// missing once instead.
pub async fn run(pool: &PgPool, settings: &Settings) -> Result<Vec<Finding>> {
    // One read-only transaction: behind a transaction pooler every statement then stays on
    // one server connection (sqlx's unnamed statements included).
    let mut tx = pool.begin().await?;
    sqlx::raw_sql("SET TRANSACTION READ ONLY")
        .execute(&mut *tx)
        .await?;
    let out = checks(&mut tx, settings).await?;
    tx.rollback().await?;
    Ok(out)
}

async fn checks(conn: &mut PgConnection, settings: &Settings) -> Result<Vec<Finding>> {
    let mut out = vec![public_create(&mut *conn).await?];
    // language=PostgreSQL
    let registry: bool = sqlx::query_scalar("SELECT to_regclass('public.platforms') IS NOT NULL")
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    let tenants = if registry {
        // language=PostgreSQL
        sqlx::query_as::<_, (String, String, bool, String)>(
            "SELECT p.name, p.schema_name, n.oid IS NOT NULL, p.provision_status::text \
             FROM public.platforms p LEFT JOIN pg_namespace n ON n.nspname = p.schema_name \
             WHERE NOT p.external AND p.schema_name IS NOT NULL ORDER BY p.id",
        )
        .persistent(false)
        .fetch_all(&mut *conn)
        .await?
    } else {
        out.push(Finding::bad(
            "registry",
            Grade::Fail,
            "public.platforms does not exist",
            "run `tenantctl init` (or `tenantctl migrate` for an existing registry)",
        ));
        Vec::new()
    };
    let existing: Vec<String> = tenants
        .iter()
        .filter(|t| t.2)
        .map(|t| t.1.clone())
        .collect();
    let serve = serve_connection(settings).await;
    out.push(schema_owner(conn, &existing).await?);
    out.push(serve_role(conn, settings, &serve, &existing).await?);
    out.push(security_definer(conn, &existing).await?);
    out.push(tenant_code(conn, &existing).await?);
    out.push(invalid_indexes(conn, &existing).await?);
    out.extend(pg_tools(conn, settings).await?);
    out.push(lock_table(conn, settings, &existing).await?);
    out.extend(poolers(conn, settings, &serve).await?);
    out.push(clock(&mut *conn).await?);
    out.push(leftovers(&mut *conn, registry).await?);
    if registry {
        out.push(orphans(conn, settings).await?);
        let gone = crate::report::fleet::missing_schemas(&mut *conn).await?;
        out.push(missing(&tenants, &gone));
    }
    Ok(out)
}

/// The worst level of the findings.
pub fn verdict(findings: &[Finding]) -> Grade {
    findings
        .iter()
        .map(|f| f.status)
        .max()
        .unwrap_or(Grade::Pass)
}

/// A list of names for a detail line, cut after a few.
fn names(v: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = v.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if v.len() > SHOWN {
        s.push_str(&format!(" and {} more", v.len() - SHOWN));
    }
    s
}

/// CVE-2018-1058: anyone who can create objects in `public` can plant a function or operator
/// that another role's unqualified call resolves to.
async fn public_create(conn: &mut PgConnection) -> Result<Finding> {
    // language=PostgreSQL
    let open: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') \
         AND has_schema_privilege('public', 'public', 'CREATE')",
    )
    .persistent(false)
    .fetch_one(&mut *conn)
    .await?;
    Ok(if open {
        Finding::bad(
            "public-create",
            Grade::Fail,
            "PUBLIC may CREATE in schema public (CVE-2018-1058: any role can plant objects that others' unqualified names resolve to)",
            "`tenantctl doctor --fix` (runs REVOKE CREATE ON SCHEMA public FROM PUBLIC)",
        )
    } else {
        Finding::pass("public-create", "PUBLIC may not CREATE in schema public")
    })
}

/// The fix for `public-create`.
pub async fn revoke_public_create(pool: &PgPool) -> Result<()> {
    // language=PostgreSQL
    sqlx::raw_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        .execute(pool)
        .await?;
    Ok(())
}

/// `init`'s share of `public-create` (issue 27.7): revoke PUBLIC's CREATE on `public` where the
/// server still grants it (databases from PostgreSQL 14 and older). `revoked`, `kept` (granted,
/// and this role may not revoke it: not the schema's owner) or `none` (nothing to do).
pub async fn close_public_create(pool: &PgPool) -> Result<&'static str> {
    // language=PostgreSQL
    let open = "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') \
                AND has_schema_privilege('public', 'public', 'CREATE')";
    let granted: bool = sqlx::query_scalar(open).fetch_one(pool).await?;
    if !granted {
        return Ok("none");
    }
    // language=PostgreSQL
    let owner: bool = sqlx::query_scalar(
        "SELECT pg_has_role(nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'public'",
    )
    .fetch_one(pool)
    .await?;
    if !owner {
        return Ok("kept");
    }
    revoke_public_create(pool).await?;
    let still: bool = sqlx::query_scalar(open).fetch_one(pool).await?;
    Ok(if still { "kept" } else { "revoked" })
}

/// Tenant schemas owned by a role other than the one tenantctl connects as: its migrations
/// then fail with "must be owner".
async fn schema_owner(conn: &mut PgConnection, schemas: &[String]) -> Result<Finding> {
    // language=PostgreSQL
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, pg_get_userbyid(n.nspowner)::text, quote_ident(n.nspname) \
         FROM pg_namespace n WHERE n.nspname = ANY($1) \
         AND pg_get_userbyid(n.nspowner) <> current_user ORDER BY 1",
    )
    .bind(schemas)
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    let me: String = sqlx::query_scalar("SELECT current_user::text")
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    if rows.is_empty() {
        return Ok(Finding::pass(
            "schema-owner",
            format!("{} tenant schema(s), all owned by {me}", schemas.len()),
        ));
    }
    let shown: Vec<String> = rows.iter().map(|r| format!("{} ({})", r.0, r.1)).collect();
    let first = &rows[0];
    Ok(Finding::bad(
        "schema-owner",
        Grade::Warn,
        format!(
            "{} tenant schema(s) not owned by {me}, the role tenantctl connects as: {}",
            rows.len(),
            names(&shown)
        ),
        format!(
            "ALTER SCHEMA {} OWNER TO {me}; (and its tables: REASSIGN OWNED BY {} TO {me} if that role owns nothing else)",
            first.2, first.1
        ),
    ))
}

/// What serve's own connection (`serve.database_url`) turned out to be.
struct ServeConn {
    url: String,
    /// `current_user` and the server's port, or why the connection failed.
    seen: std::result::Result<(String, u16), String>,
}

async fn serve_connection(settings: &Settings) -> Option<ServeConn> {
    let url = settings.serve.database_url.clone()?;
    let seen = async {
        let opts = db::connect_options(&url)
            .map_err(|e| e.to_string())?
            .statement_cache_capacity(0);
        let mut conn = tokio::time::timeout(
            *settings.connect_timeout,
            sqlx::PgConnection::connect_with(&opts),
        )
        .await
        .map_err(|_| "no answer".to_string())?
        .map_err(|e| crate::error::describe(&e))?;
        // Simple protocol: a transaction pooler may not keep a prepared statement.
        let row = sqlx::raw_sql("SELECT current_user::text, current_setting('port')")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| crate::error::describe(&e))?;
        let user: String = row.try_get(0).map_err(|e| e.to_string())?;
        let port: String = row.try_get(1).map_err(|e| e.to_string())?;
        let _ = conn.close().await;
        Ok((user, port.parse().unwrap_or(0)))
    }
    .await;
    Some(ServeConn { url, seen })
}

/// serve's request role should be able to read and write tenant tables, not own them (an
/// owner may drop or alter them, and skips row-level security).
async fn serve_role(
    conn: &mut PgConnection,
    settings: &Settings,
    serve: &Option<ServeConn>,
    schemas: &[String],
) -> Result<Finding> {
    let Some(serve) = serve else {
        let _ = settings;
        return Ok(Finding::pass(
            "serve-role",
            "serve.database_url is unset: serve connects as tenantctl's own role (for a role of its own with only table privileges, set serve.database_url)",
        ));
    };
    let user = match &serve.seen {
        Ok((user, _)) => user.clone(),
        Err(e) => {
            return Ok(Finding::bad(
                "serve-role",
                Grade::Fail,
                format!(
                    "serve.database_url ({}) does not connect: {e}",
                    mask_url(&serve.url)
                ),
                "fix serve.database_url (the role, its password, the pooler's auth file)",
            ));
        }
    };
    // language=PostgreSQL
    let (superuser, owned): (bool, Vec<String>) = sqlx::query_as(
        "SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = $1), false), \
                coalesce(array_agg(n.nspname::text ORDER BY n.nspname) \
                    FILTER (WHERE pg_get_userbyid(n.nspowner) = $1), '{}') \
         FROM pg_namespace n WHERE n.nspname = ANY($2)",
    )
    .bind(&user)
    .bind(schemas)
    .persistent(false)
    .fetch_one(&mut *conn)
    .await?;
    if superuser {
        return Ok(Finding::bad(
            "serve-role",
            Grade::Warn,
            format!("serve connects as {user}, a superuser"),
            "give serve a role of its own: LOGIN NOSUPERUSER, USAGE on the tenant schemas and SELECT/INSERT/UPDATE/DELETE on their tables",
        ));
    }
    if !owned.is_empty() {
        return Ok(Finding::bad(
            "serve-role",
            Grade::Warn,
            format!(
                "serve's role {user} owns {} tenant schema(s): {}",
                owned.len(),
                names(&owned)
            ),
            format!(
                "ALTER SCHEMA ... OWNER TO the role tenantctl connects as, and grant {user} only USAGE and table privileges"
            ),
        ));
    }
    Ok(Finding::pass(
        "serve-role",
        format!("serve connects as {user}, which owns no tenant schema"),
    ))
}

/// A SECURITY DEFINER function runs with its owner's rights; without its own search_path, a
/// caller's search_path decides what its unqualified names mean.
async fn security_definer(conn: &mut PgConnection, schemas: &[String]) -> Result<Finding> {
    // language=PostgreSQL
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), \
                quote_ident(n.nspname) \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE p.prosecdef AND n.nspname = ANY($1) \
         AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) c \
                         WHERE c LIKE 'search\\_path=%') \
         ORDER BY 1",
    )
    .bind(schemas)
    .persistent(false).fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Finding::pass(
            "security-definer",
            "no SECURITY DEFINER function in a tenant schema lacks a pinned search_path",
        ));
    }
    let shown: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    Ok(Finding::bad(
        "security-definer",
        Grade::Fail,
        format!(
            "{} SECURITY DEFINER function(s) without a pinned search_path: {}",
            rows.len(),
            names(&shown)
        ),
        format!(
            "ALTER FUNCTION {} SET search_path = {}, pg_temp; (in the migration that creates it)",
            rows[0].0, rows[0].1
        ),
    ))
}

/// INVALID indexes in tenant schemas: a `CREATE INDEX CONCURRENTLY` that failed or was killed
/// (or one running right now). PostgreSQL still updates them on every write and never uses
/// them, and `IF NOT EXISTS` takes them for built.
async fn invalid_indexes(conn: &mut PgConnection, schemas: &[String]) -> Result<Finding> {
    // language=PostgreSQL
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT format('%I.%I', n.nspname, c.relname) \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT i.indisvalid AND n.nspname = ANY($1) ORDER BY 1",
    )
    .bind(schemas)
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Finding::pass(
            "invalid-index",
            "no INVALID index in a tenant schema",
        ));
    }
    Ok(Finding::bad(
        "invalid-index",
        Grade::Warn,
        format!(
            "{} INVALID index(es) in tenant schemas (a CREATE INDEX CONCURRENTLY that failed or was interrupted, or one still running): {}",
            rows.len(),
            names(&rows)
        ),
        format!(
            "`tenantctl migrate` drops and builds again those its -- no-transaction migrations create; any other: DROP INDEX CONCURRENTLY {}; and create it again",
            rows[0]
        ),
    ))
}

/// Roles other than tenantctl's own and superusers that can put code in a tenant schema (CREATE
/// on it, or functions and tables they own there): migrations, seeds and reports would run that
/// code with tenantctl's privileges, so they refuse such a schema (issue 27.6).
async fn tenant_code(conn: &mut PgConnection, schemas: &[String]) -> Result<Finding> {
    // language=PostgreSQL
    let rows: Vec<(String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT * FROM (SELECT tctl_s.nspname::text, {} AS why, quote_ident(tctl_s.nspname) \
         FROM pg_namespace tctl_s WHERE tctl_s.nspname = ANY($1)) r \
         WHERE why IS NOT NULL ORDER BY 1",
        db::trust::reasons_sql("tctl_s.nspname", false)
    )))
    .bind(schemas)
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Finding::pass(
            "tenant-code",
            "only tenantctl's role and superusers can put code in tenant schemas",
        ));
    }
    let shown: Vec<String> = rows.iter().map(|r| format!("{} ({})", r.0, r.1)).collect();
    Ok(Finding::bad(
        "tenant-code",
        Grade::Fail,
        format!(
            "{} tenant schema(s) where another role can put code that migrations, seeds and reports would run with tenantctl's privileges (they refuse these schemas): {}",
            rows.len(),
            names(&shown)
        ),
        format!(
            "REVOKE CREATE ON SCHEMA {} FROM <role>; and give tenantctl's role the functions and tables other roles own there (ALTER ... OWNER TO)",
            rows[0].2
        ),
    ))
}

/// The major version in `pg_dump (PostgreSQL) 15.4 (Debian 15.4-1.pgdg120+1)`.
pub fn tool_major(version: &str) -> Option<u32> {
    let after = version.split(')').nth(1).unwrap_or(version);
    after
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// pg_dump older than the server cannot dump it; pg_restore older than pg_dump cannot read
/// its archives.
async fn pg_tools(conn: &mut PgConnection, settings: &Settings) -> Result<Vec<Finding>> {
    let server: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    let server = (server / 10000) as u32;
    let tools = match PgTools::new(settings) {
        Ok(t) => t,
        Err(e) => {
            return Ok(vec![Finding::bad(
                "pg-tools",
                Grade::Fail,
                e.to_string(),
                "fix database_url",
            )]);
        }
    };
    let install = format!(
        "install the PostgreSQL {server} client tools (Debian: postgresql-client-{server}) or point backup.pg_bin_dir at them"
    );
    let mut out = Vec::new();
    let mut dump_major = None;
    for tool in ["pg_dump", "pg_restore"] {
        let check = if tool == "pg_dump" {
            "pg-dump-version"
        } else {
            "pg-restore-version"
        };
        let v = match tools.version(tool).await {
            Ok(v) => v,
            Err(e) => {
                out.push(Finding::bad(check, Grade::Fail, e.to_string(), &install));
                continue;
            }
        };
        let Some(major) = tool_major(&v) else {
            out.push(Finding::bad(
                check,
                Grade::Fail,
                format!("cannot read the version in `{v}`"),
                &install,
            ));
            continue;
        };
        let finding = if major < server {
            Finding::bad(
                check,
                Grade::Fail,
                format!(
                    "{tool} {major} is older than the server ({server}): it refuses to dump a newer server / cannot read its archives"
                ),
                &install,
            )
        } else if tool == "pg_restore" && dump_major.is_some_and(|d| major < d) {
            Finding::bad(
                check,
                Grade::Fail,
                format!(
                    "pg_restore {major} is older than pg_dump {}: it cannot read the archives pg_dump writes",
                    dump_major.unwrap_or(0)
                ),
                &install,
            )
        } else {
            Finding::pass(check, format!("{tool} {major} (server {server}): {v}"))
        };
        if tool == "pg_dump" {
            dump_major = Some(major);
        }
        out.push(finding);
    }
    Ok(out)
}

/// pg_dump locks every relation it dumps until it ends: one tenant bigger than its share of
/// the lock table makes backups fail with "out of shared memory", and a fleet bigger than the
/// table takes more pg_dump runs than `backup.jobs`, each reading the whole catalog (issue 18).
async fn lock_table(
    conn: &mut PgConnection,
    settings: &Settings,
    schemas: &[String],
) -> Result<Finding> {
    use crate::backup::dump::{self, LockTable};
    let table = LockTable::read(&mut *conn).await?;
    let (mlpt, backends) = (table.max_locks_per_transaction, table.backends);
    // The relations pg_dump locks: everything but indexes and composite types.
    // language=PostgreSQL
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT n.nspname::text, count(c.oid)::bigint FROM pg_namespace n \
         LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind NOT IN ('i', 'I', 'c') \
         WHERE n.nspname = ANY($1) GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    .bind(schemas)
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = counts.iter().map(|c| c.1).sum();
    let largest = counts.first().cloned();
    let jobs = settings.backup.jobs.max(1);
    let verdict = judge_locks(mlpt, backends, jobs as i64, largest.as_ref().map(|l| l.1));
    let (schema, rels) = largest.unwrap_or(("-".into(), 0));
    let budget = table.dump_budget(jobs);
    let runs = dump::pg_dump_runs(total, budget);
    let detail = format!(
        "largest tenant {schema}: {rels} relation(s) to lock, {total} in all; lock table {mlpt} × {backends} = {} slots, {} held by other sessions now; {budget} relations per pg_dump for backup.jobs = {jobs}: a backup of every tenant takes {runs} pg_dump run(s)",
        table.slots(),
        table.held,
    );
    let advice = dump::lock_advice(total, rels, &table, jobs);
    Ok(match (verdict, advice) {
        (Grade::Pass, None) => Finding::pass("lock-table", detail),
        (Grade::Fail, _) => {
            let need = table
                .needed_for((rels + dump::CATALOG_LOCKS) * jobs as i64, jobs)
                .max(mlpt + 64);
            Finding::bad(
                "lock-table",
                Grade::Fail,
                detail,
                format!(
                    "raise max_locks_per_transaction to at least {need} (postgresql.conf; needs a restart), or lower backup.jobs"
                ),
            )
        }
        (_, advice) => Finding::bad(
            "lock-table",
            Grade::Warn,
            detail,
            advice.unwrap_or_else(|| {
                format!(
                    "raise max_locks_per_transaction to {} (postgresql.conf; needs a restart), or lower backup.jobs",
                    table.needed_for(rels * 2 * jobs as i64, jobs)
                )
            }),
        ),
    })
}

/// The lock-table verdict: FAIL when the largest tenant with pg_dump's own catalog locks does
/// not fit its share of the lock table (the parallel dumps split it), WARN when it takes more
/// than half of that share (the budget `backup` batches by: that tenant is dumped alone and
/// leaves little room for the rest of the server).
pub fn judge_locks(mlpt: i64, slots_per_lock: i64, jobs: i64, largest: Option<i64>) -> Grade {
    let Some(rels) = largest else {
        return Grade::Pass;
    };
    let share = mlpt * slots_per_lock / jobs.max(1);
    let need = rels + crate::backup::dump::CATALOG_LOCKS;
    if need > share {
        Grade::Fail
    } else if need > share / 2 {
        Grade::Warn
    } else {
        Grade::Pass
    }
}

/// The port a URL connects to (its own, or what libpq and sqlx default to).
fn url_port(url: &str) -> Option<u16> {
    db::connect_options(url).ok().map(|o| o.get_port())
}

/// A connection that reaches a server on another port than the one it dialled goes through
/// something: a pooler (PgBouncer, pgcat) or a port mapping. tenantctl's own connection needs
/// session features (advisory locks, LISTEN, prepared statements); serve's request traffic
/// through a transaction pooler needs `serve.statement_cache = 0`.
async fn poolers(
    conn: &mut PgConnection,
    settings: &Settings,
    serve: &Option<ServeConn>,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    let server_port: String = sqlx::query_scalar("SELECT current_setting('port')")
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    let server_port: u16 = server_port.parse().unwrap_or(0);
    let own = settings.database_url.as_deref().and_then(url_port);
    out.push(match own {
        Some(p) if p != server_port => Finding::bad(
            "direct-connection",
            Grade::Warn,
            format!(
                "database_url dials port {p} but reaches a server on port {server_port}: a pooler or a port mapping is in between"
            ),
            "point database_url at PostgreSQL itself (migrations, advisory locks and LISTEN need a session); put only serve.database_url behind a pooler",
        ),
        _ => Finding::pass(
            "direct-connection",
            format!("database_url reaches PostgreSQL directly (port {server_port})"),
        ),
    });
    let cache = settings.serve.statement_cache();
    let pooled = match serve {
        Some(ServeConn {
            url,
            seen: Ok((_, reached)),
        }) => url_port(url)
            .filter(|p| p != reached)
            .map(|p| (p, *reached)),
        _ => own.filter(|p| *p != server_port).map(|p| (p, server_port)),
    };
    out.push(match pooled {
        Some((dialled, reached)) if cache > 0 => Finding::bad(
            "statement-cache",
            Grade::Fail,
            format!(
                "serve's connection dials port {dialled} and reaches port {reached} (a pooler) with a statement cache of {cache}: prepared statements do not survive transaction pooling"
            ),
            "set serve.statement_cache = 0 (the default when serve.database_url is set)",
        ),
        Some((dialled, reached)) => Finding::pass(
            "statement-cache",
            format!("serve goes through a pooler (port {dialled} → {reached}) with no statement cache"),
        ),
        None => Finding::pass(
            "statement-cache",
            format!("serve connects directly, statement cache {cache}"),
        ),
    });
    Ok(out)
}

/// Clock skew between this machine and the database: backup ages, retention and "stuck"
/// judgements mix both clocks.
async fn clock(conn: &mut PgConnection) -> Result<Finding> {
    let before = Utc::now();
    let db: chrono::DateTime<Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    let after = Utc::now();
    let mid = before + (after - before) / 2;
    let skew_ms = (db - mid).num_milliseconds();
    let skew = skew_ms as f64 / 1000.0;
    let level = judge_skew(skew);
    let detail = format!(
        "the database clock is {} {} this machine's",
        crate::output::duration::elapsed_ms(skew_ms.unsigned_abs()),
        if skew >= 0.0 { "ahead of" } else { "behind" }
    );
    Ok(match level {
        Grade::Pass => Finding::pass("clock", detail),
        l => Finding::bad(
            "clock",
            l,
            detail,
            "synchronise both clocks (chrony or systemd-timesyncd)",
        ),
    })
}

/// Seconds of skew: up to 5 s PASS, up to 60 s WARN, more FAIL.
pub fn judge_skew(seconds: f64) -> Grade {
    match seconds.abs() {
        s if s <= 5.0 => Grade::Pass,
        s if s <= 60.0 => Grade::Warn,
        _ => Grade::Fail,
    }
}

/// Schemas left by interrupted or `--keep-old` runs: the old schema of a restore, the scratch
/// schemas of `backup verify` and `migrate verify`.
async fn leftovers(conn: &mut PgConnection, registry: bool) -> Result<Finding> {
    // A platform's own schema is live, whatever its name says (issue 27.10).
    // language=PostgreSQL
    let rows: Vec<(String, String)> = sqlx::query_as(if registry {
        "SELECT nspname::text, quote_ident(nspname) FROM pg_namespace \
         WHERE nspname LIKE ANY($1) \
         AND NOT EXISTS (SELECT 1 FROM public.platforms p WHERE p.schema_name = nspname) ORDER BY 1"
    } else {
        "SELECT nspname::text, quote_ident(nspname) FROM pg_namespace \
         WHERE nspname LIKE ANY($1) ORDER BY 1"
    })
    .bind(made::scratch_like_patterns())
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Finding::pass(
            "leftover-schemas",
            "no tctl_old_* or verify scratch schema",
        ));
    }
    let shown: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    Ok(Finding::bad(
        "leftover-schemas",
        Grade::Warn,
        format!(
            "{} schema(s) left by restore --keep-old or an interrupted verify: {}",
            rows.len(),
            names(&shown)
        ),
        // Kept schemas have their own command; an interrupted verify's scratch schema does not.
        if shown.iter().any(|n| n.starts_with(made::OLD_PREFIX)) {
            "once no longer needed: `tenantctl cleanup --old-schemas` (verify scratch schemas: \
             DROP SCHEMA ... CASCADE)"
                .to_string()
        } else {
            format!(
                "once no longer needed: DROP SCHEMA {} CASCADE; (each)",
                rows[0].1
            )
        },
    ))
}

/// Schemas no platform owns: not a tenant's, not tenantctl's own, not the extension schema,
/// not a warm-pool spare or a scratch schema (reported above).
async fn orphans(conn: &mut PgConnection, settings: &Settings) -> Result<Finding> {
    // language=PostgreSQL
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, quote_ident(n.nspname) FROM pg_namespace n \
         WHERE n.nspname NOT LIKE 'pg\\_%' \
           AND n.nspname NOT IN ('public', 'information_schema', 'tenantctl') \
           AND n.nspname IS DISTINCT FROM $1 \
           AND n.nspname NOT LIKE $2 \
           AND NOT n.nspname LIKE ANY($3) \
           AND NOT EXISTS (SELECT 1 FROM public.platforms p WHERE p.schema_name = n.nspname) \
         ORDER BY 1",
    )
    .bind(settings.extension_schema.as_ref().map(SchemaName::as_str))
    .bind(made::like_prefix(made::POOL_PREFIX))
    .bind(made::scratch_like_patterns())
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Finding::pass(
            "orphan-schemas",
            "every schema belongs to a platform or to tenantctl",
        ));
    }
    let shown: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    Ok(Finding::bad(
        "orphan-schemas",
        Grade::Warn,
        format!(
            "{} schema(s) no platform owns: {}",
            rows.len(),
            names(&shown)
        ),
        format!(
            "if it is a tenant's, find its platform (`tenantctl platform list`); otherwise back it up and DROP SCHEMA {} CASCADE; (set extension_schema if it holds extensions)",
            rows[0].1
        ),
    ))
}

/// Platforms whose schema is gone: every request to them fails. Only a provisioned platform
/// must have its schema, by the rule `status` applies ([`crate::report::fleet::missing_schemas`]):
/// a queued or provisioning one has none yet, and a failed one is `status`'s and `platform
/// retry`'s business, not a restore's.
fn missing(
    tenants: &[(String, String, bool, String)],
    gone: &[crate::report::fleet::MissingSchema],
) -> Finding {
    if gone.is_empty() {
        let waiting = |status: &str| tenants.iter().filter(|t| !t.2 && t.3 == status).count();
        let (queued, provisioning) = (waiting("pending"), waiting("provisioning"));
        let existing = tenants.iter().filter(|t| t.2).count();
        let mut detail = format!("all {existing} provisioned platform schema(s) exist");
        if queued + provisioning > 0 {
            let _ = write!(
                detail,
                "; not created yet: {queued} queued, {provisioning} provisioning"
            );
        }
        return Finding::pass("missing-schemas", detail);
    }
    let shown: Vec<String> = gone
        .iter()
        .map(|m| format!("{} ({})", m.platform, m.schema))
        .collect();
    let first = &gone[0].platform;
    Finding::bad(
        "missing-schemas",
        Grade::Fail,
        format!(
            "{} provisioned platform(s) whose schema does not exist: {}",
            gone.len(),
            names(&shown)
        ),
        format!(
            "restore it (`tenantctl restore {first}`), or provision it again (`tenantctl provision {first}`)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_the_tools_banner() {
        assert_eq!(
            tool_major("pg_dump (PostgreSQL) 15.4 (Debian 15.4-1.pgdg120+1)"),
            Some(15)
        );
        assert_eq!(tool_major("pg_restore (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(tool_major("pg_dump (PostgreSQL) 17beta1"), Some(17));
        assert_eq!(tool_major("nonsense"), None);
    }

    #[test]
    fn skew_is_judged_both_ways() {
        assert_eq!(judge_skew(0.3), Grade::Pass);
        assert_eq!(judge_skew(-5.0), Grade::Pass);
        assert_eq!(judge_skew(-6.0), Grade::Warn);
        assert_eq!(judge_skew(59.0), Grade::Warn);
        assert_eq!(judge_skew(61.0), Grade::Fail);
        assert_eq!(judge_skew(-3600.0), Grade::Fail);
    }

    #[test]
    fn lock_table_share_is_split_between_parallel_dumps() {
        // 64 × 100 = 6,400 slots, 2 dumps: 3,200 each.
        assert_eq!(judge_locks(64, 100, 2, None), Grade::Pass);
        assert_eq!(judge_locks(64, 100, 2, Some(1_000)), Grade::Pass);
        assert_eq!(judge_locks(64, 100, 2, Some(1_400)), Grade::Warn);
        assert_eq!(judge_locks(64, 100, 2, Some(3_000)), Grade::Fail);
        assert_eq!(judge_locks(64, 100, 8, Some(600)), Grade::Fail);
    }

    #[test]
    fn the_verdict_is_the_worst_finding() {
        let f = |l| Finding {
            check: "x",
            status: l,
            detail: String::new(),
            fix: None,
        };
        assert_eq!(verdict(&[]), Grade::Pass);
        assert_eq!(verdict(&[f(Grade::Pass), f(Grade::Warn)]), Grade::Warn);
        assert_eq!(
            verdict(&[f(Grade::Fail), f(Grade::Warn), f(Grade::Pass)]),
            Grade::Fail
        );
    }
}
