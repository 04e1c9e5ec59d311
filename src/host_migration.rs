//! `migrate-host-to-schema`: move the host platform's legacy rows from `public` into its own
//! tenant schema, once, safely.
//!
//! Pre-flight checks all run before anything changes. The copy is one transaction: public
//! tables locked against writes, rows copied in foreign-key order with the tenant tables' own
//! triggers paused (the legacy rows already carry what those triggers would compute), sequences
//! moved past the copied ids, and every table verified (row counts and contents) before commit.
//! Public tables are never dropped by the copy; `--drop-public` is a separate, re-verified step.

use crate::config::Settings;
use crate::db::{self, Ident, SchemaName};
use crate::error::{Error, Result};
use crate::output::duration;
use crate::registry::{Platform, ProvisionStatus, store};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Row};
use std::collections::{BTreeMap, BTreeSet};

/// Public tables that are never copied: the registry itself and other tools' bookkeeping.
pub const NEVER_COPIED: &[&str] = &[
    "platforms",
    "_sqlx_migrations",
    "schema_migrations",
    "ar_internal_metadata",
    "spatial_ref_sys",
];

/// One pre-flight check and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn new(name: &str, ok: bool, detail: impl Into<String>) -> Check {
        Check {
            name: name.to_string(),
            ok,
            detail: detail.into(),
        }
    }
}

/// A column as the catalog describes it.
#[derive(Debug, Clone, PartialEq)]
struct Column {
    name: String,
    type_oid: u32,
    type_name: String,
    not_null: bool,
    has_default: bool,
    identity: String,
    generated: String,
}

/// One table to copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TablePlan {
    pub table: String,
    /// Columns copied (those of the public table), in public's order.
    pub columns: Vec<String>,
    /// Rows in `public` (at planning time; re-counted under lock during the copy).
    pub rows: i64,
    /// Rows already in the tenant table.
    pub target_rows: i64,
    /// Tables (in the copy set) this one references.
    pub depends_on: Vec<String>,
    /// The tenant table has an identity column that only accepts system values.
    #[serde(skip)]
    pub overriding: bool,
}

/// The plan: tables in dependency order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub platform: String,
    pub schema: String,
    pub tables: Vec<TablePlan>,
    /// A foreign-key cycle among the tables whose constraints are all deferrable: the copy
    /// defers them to commit.
    pub defer_constraints: bool,
    /// With `--truncate-targets`: tables outside the copy set that reference a target (directly
    /// or through each other), empty at planning time, emptied in the same TRUNCATE (PostgreSQL
    /// refuses to truncate a referenced table alone).
    #[serde(default)]
    pub truncated_along: Vec<Relation>,
}

/// A table in some schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    pub schema: String,
    pub table: String,
}

impl Relation {
    /// `"schema"."table"`, both quoted.
    fn sql(&self) -> Result<String> {
        Ok(format!(
            "{}.{}",
            Ident::parse(&self.schema)?.sql(),
            Ident::parse(&self.table)?.sql()
        ))
    }
}

impl std::fmt::Display for Relation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.schema, self.table)
    }
}

/// What the copy did to one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableResult {
    pub table: String,
    pub rows_public: i64,
    pub rows_copied: i64,
    pub status: String,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these public tables (default: every public table but [`NEVER_COPIED`]).
    pub tables: Option<Vec<String>>,
    /// Empty non-empty target tables inside the copy transaction (a freshly provisioned host
    /// schema holds seed rows).
    pub truncate_targets: bool,
}

/// The result of the pre-flight: every check, and the plan when the tables could be planned.
#[derive(Debug, Clone, Serialize)]
pub struct Preflight {
    pub checks: Vec<Check>,
    pub plan: Option<Plan>,
    #[serde(skip)]
    pub host: Option<Platform>,
}

impl Preflight {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok) && self.plan.is_some()
    }

    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.ok).collect()
    }
}

/// Run every pre-flight check; nothing changes.
pub async fn preflight(pool: &PgPool, settings: &Settings, opts: &Options) -> Result<Preflight> {
    let mut conn = pool.acquire().await?;
    let mut checks = Vec::new();
    let host = store::host(&mut conn).await?;
    let Some(host) = host else {
        checks.push(Check::new(
            "host platform exists",
            false,
            "no host platform (run `tenantctl init`)",
        ));
        return Ok(Preflight {
            checks,
            plan: None,
            host: None,
        });
    };
    checks.push(Check::new(
        "host platform exists",
        true,
        format!("`{}` (id {})", host.name, host.id),
    ));
    let schema = host.require_schema()?;
    let provisioned = host.provision_status == ProvisionStatus::Completed
        && crate::db::schema_exists(pool, &schema).await?;
    checks.push(Check::new(
        "host schema provisioned",
        provisioned,
        if provisioned {
            format!("schema {schema} is completed")
        } else {
            format!(
                "schema {schema} is {} (run `tenantctl provision {}`)",
                host.provision_status, host.name
            )
        },
    ));
    checks.push(backup_check(&mut conn, settings, &host).await?);
    checks.push(jobs_check(&mut conn).await?);

    if !provisioned {
        return Ok(Preflight {
            checks,
            plan: None,
            host: Some(host),
        });
    }
    let (plan, mut table_checks) = plan_tables(&mut conn, &host, &schema, opts).await?;
    checks.append(&mut table_checks);
    Ok(Preflight {
        checks,
        plan,
        host: Some(host),
    })
}

async fn backup_check(
    conn: &mut PgConnection,
    settings: &Settings,
    host: &Platform,
) -> Result<Check> {
    let max_age = *settings.host_migration.backup_max_age;
    // language=PostgreSQL
    let newest: Option<(chrono::DateTime<chrono::Utc>, String)> = sqlx::query_as(
        "SELECT taken_at, schema_name FROM tenantctl.backups \
         WHERE schema_name = 'public' OR platform_id = $1 OR schema_name = $2 \
         ORDER BY taken_at DESC LIMIT 1",
    )
    .bind(host.id)
    .bind(host.schema_str())
    .fetch_optional(&mut *conn)
    .await?;
    let limit = duration::span(max_age);
    Ok(match newest {
        Some((at, schema)) => {
            let age = chrono::Utc::now() - at;
            let ok = age.to_std().map(|a| a <= max_age).unwrap_or(true);
            Check::new(
                "recent backup",
                ok,
                format!(
                    "newest backup ({schema}) is {} old; the limit is {limit}{}",
                    duration::age(age),
                    if ok {
                        ""
                    } else {
                        " (run `tenantctl backup --public`)"
                    }
                ),
            )
        }
        None => Check::new(
            "recent backup",
            false,
            format!(
                "no backup of public or of the host platform younger than {limit} (run `tenantctl backup --public`)"
            ),
        ),
    })
}

async fn jobs_check(conn: &mut PgConnection) -> Result<Check> {
    // language=PostgreSQL
    let (queued, running): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status IN ('scheduled', 'available', 'retryable')), count(*) FILTER (WHERE status = 'running') \
         FROM tenantctl.jobs",
    )
    .fetch_one(&mut *conn)
    .await?;
    let ok = queued == 0 && running == 0;
    Ok(Check::new(
        "no jobs queued or running",
        ok,
        if ok {
            "the job queue is empty".to_string()
        } else {
            format!("{queued} queued, {running} running (let `tenantctl worker` finish first)")
        },
    ))
}

async fn relation_oid(conn: &mut PgConnection, schema: &str, table: &str) -> Result<Option<u32>> {
    // language=PostgreSQL
    let oid: Option<i64> = sqlx::query_scalar(
        "SELECT c.oid::int8 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
    )
    .bind(schema)
    .bind(table)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(oid.map(|o| o as u32))
}

async fn columns(conn: &mut PgConnection, oid: u32) -> Result<Vec<Column>> {
    // language=PostgreSQL
    let rows = sqlx::query(
        "SELECT attname::text, atttypid::int8, format_type(atttypid, atttypmod), attnotnull, atthasdef, \
                attidentity::text, attgenerated::text \
         FROM pg_attribute WHERE attrelid = $1::int8::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
    )
    .bind(oid as i64)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Column {
            name: r.get(0),
            type_oid: r.get::<i64, _>(1) as u32,
            type_name: r.get(2),
            not_null: r.get(3),
            has_default: r.get(4),
            identity: r.get(5),
            generated: r.get(6),
        })
        .collect())
}

/// Whether a value of `from` can be inserted into a column of `to` without an explicit cast.
async fn assignable(conn: &mut PgConnection, from: u32, to: u32) -> Result<bool> {
    if from == to {
        return Ok(true);
    }
    // language=PostgreSQL
    let ok: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_cast WHERE castsource = $1::int8::oid AND casttarget = $2::int8::oid \
                        AND castcontext IN ('a', 'i')) \
             OR (SELECT typcategory = 'S' FROM pg_type WHERE oid = $2::int8::oid)",
    )
    .bind(from as i64)
    .bind(to as i64)
    .fetch_one(&mut *conn)
    .await?;
    Ok(ok)
}

async fn count_rows(conn: &mut PgConnection, qualified: &str) -> Result<i64> {
    // language=PostgreSQL
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {qualified}")))
        .fetch_one(&mut *conn)
        .await?;
    Ok(n)
}

/// `public."table"`.
fn public_table(t: &Ident) -> String {
    format!("public.{}", t.sql())
}

/// Plan the tables: which to copy, whether each has a covering counterpart, target emptiness,
/// and the dependency order.
async fn plan_tables(
    conn: &mut PgConnection,
    host: &Platform,
    schema: &SchemaName,
    opts: &Options,
) -> Result<(Option<Plan>, Vec<Check>)> {
    let mut checks = Vec::new();
    let wanted = tables_to_copy(conn, opts).await?;
    if wanted.is_empty() {
        checks.push(Check::new(
            "tables to copy",
            false,
            "public holds no tables to copy (nothing but the registry)",
        ));
        return Ok((None, checks));
    }
    let matched = match_tables(conn, schema, &wanted).await?;
    checks.push(matched.cover_check(schema));
    checks.push(matched.empty_check(opts.truncate_targets));
    if !matched.problems.is_empty() {
        return Ok((None, checks));
    }
    let mut truncated_along = Vec::new();
    if opts.truncate_targets && !matched.non_empty.is_empty() {
        let (along, check) = referencing_tables(conn, &matched.target_oids).await?;
        let ok = check.ok;
        checks.push(check);
        if !ok {
            return Ok((None, checks));
        }
        truncated_along = along;
    }
    let ordered = order_by_foreign_keys(conn, schema, matched.tables).await?;
    if let Some(cycle) = ordered.cycle_check {
        let ok = cycle.ok;
        checks.push(cycle);
        if !ok {
            return Ok((None, checks));
        }
    }
    Ok((
        Some(Plan {
            platform: host.name.clone(),
            schema: schema.as_str().to_string(),
            tables: ordered.tables,
            defer_constraints: ordered.defer,
            truncated_along,
        }),
        checks,
    ))
}

/// The public tables to copy: those `--tables` names (each must be in public and none
/// bookkeeping), else every table of public but the bookkeeping ones.
async fn tables_to_copy(conn: &mut PgConnection, opts: &Options) -> Result<Vec<String>> {
    // language=PostgreSQL
    let all_public: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let Some(list) = &opts.tables else {
        return Ok(all_public
            .into_iter()
            .filter(|t| !NEVER_COPIED.contains(&t.as_str()))
            .collect());
    };
    let missing: Vec<&String> = list.iter().filter(|t| !all_public.contains(t)).collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "--tables names tables that are not in public: {}",
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if let Some(t) = list.iter().find(|t| NEVER_COPIED.contains(&t.as_str())) {
        return Err(Error::Usage(format!(
            "table `{t}` is never copied (registry or migration bookkeeping)"
        )));
    }
    Ok(list.clone())
}

/// How the public tables to copy match the tenant schema's tables of the same names.
#[derive(Default)]
struct Matched {
    /// The tables that can be copied, in the order asked.
    tables: Vec<TablePlan>,
    /// Their tenant tables' oids.
    target_oids: Vec<i64>,
    /// One line per table that cannot be copied, and why.
    problems: Vec<String>,
    /// Tenant tables that already hold rows, with their counts.
    non_empty: Vec<String>,
}

impl Matched {
    fn cover_check(&self, schema: &SchemaName) -> Check {
        Check::new(
            "tenant tables cover public tables",
            self.problems.is_empty(),
            if self.problems.is_empty() {
                format!(
                    "{} table(s) have matching columns in {schema}",
                    self.tables.len()
                )
            } else {
                format!(
                    "{} (use --tables to choose what to copy)",
                    self.problems.join(" | ")
                )
            },
        )
    }

    fn empty_check(&self, truncate_targets: bool) -> Check {
        Check::new(
            "target tables empty",
            self.non_empty.is_empty() || truncate_targets,
            if self.non_empty.is_empty() {
                "every target table is empty".to_string()
            } else if truncate_targets {
                format!(
                    "not empty, emptied first (--truncate-targets): {}",
                    self.non_empty.join(", ")
                )
            } else {
                format!(
                    "not empty: {} (seed rows of a fresh host schema? pass --truncate-targets)",
                    self.non_empty.join(", ")
                )
            },
        )
    }
}

/// Match each public table with the tenant table of its name: columns, and rows on both sides.
async fn match_tables(
    conn: &mut PgConnection,
    schema: &SchemaName,
    wanted: &[String],
) -> Result<Matched> {
    let mut m = Matched::default();
    for name in wanted {
        let ident = Ident::parse(name)?;
        let pub_oid = relation_oid(conn, "public", name)
            .await?
            .expect("listed from the catalog");
        let Some(ten_oid) = relation_oid(conn, schema.as_str(), name).await? else {
            m.problems
                .push(format!("{name}: no table of that name in {schema}"));
            continue;
        };
        let pub_cols = columns(conn, pub_oid).await?;
        let ten_cols = columns(conn, ten_oid).await?;
        let problems = column_problems(conn, schema, &pub_cols, &ten_cols).await?;
        if !problems.is_empty() {
            m.problems.push(format!("{name}: {}", problems.join("; ")));
            continue;
        }
        let rows = count_rows(conn, &public_table(&ident)).await?;
        let target_rows = count_rows(conn, &schema.qualify(&ident)).await?;
        if target_rows > 0 {
            m.non_empty.push(format!("{name} ({target_rows} rows)"));
        }
        let overriding = ten_cols.iter().any(|c| c.identity == "a");
        m.target_oids.push(i64::from(ten_oid));
        m.tables.push(TablePlan {
            table: name.clone(),
            columns: pub_cols
                .iter()
                .filter(|c| c.generated.is_empty())
                .map(|c| c.name.clone())
                .collect(),
            rows,
            target_rows,
            depends_on: Vec::new(),
            overriding,
        });
    }
    Ok(m)
}

/// Why a tenant table cannot take a public table's rows: a public column missing, generated or
/// of a type not assignable in the tenant table, or a tenant column that would be left NULL.
async fn column_problems(
    conn: &mut PgConnection,
    schema: &SchemaName,
    pub_cols: &[Column],
    ten_cols: &[Column],
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for pc in pub_cols {
        match ten_cols.iter().find(|tc| tc.name == pc.name) {
            None => problems.push(format!("column {} is missing", pc.name)),
            Some(tc) if !tc.generated.is_empty() => {
                problems.push(format!("column {} is generated in {schema}", pc.name))
            }
            Some(tc) => {
                if !assignable(conn, pc.type_oid, tc.type_oid).await? {
                    problems.push(format!(
                        "column {} is {} in public but {} in {schema}",
                        pc.name, pc.type_name, tc.type_name
                    ));
                }
            }
        }
    }
    for tc in ten_cols {
        let covered = pub_cols.iter().any(|pc| pc.name == tc.name);
        if !covered
            && tc.not_null
            && !tc.has_default
            && tc.identity.is_empty()
            && tc.generated.is_empty()
        {
            problems.push(format!(
                "column {} of {schema} is NOT NULL without a default and has no public counterpart",
                tc.name
            ));
        }
    }
    Ok(problems)
}

/// The tables in copy order, and whether constraints are deferred to the commit.
struct Ordered {
    tables: Vec<TablePlan>,
    defer: bool,
    /// The "foreign-key order" check, when the foreign keys form a cycle: it passes when every
    /// foreign key of the cycle is DEFERRABLE.
    cycle_check: Option<Check>,
}

/// Order the tables by the foreign keys among them in the tenant schema (a referenced table
/// first) and fill in each table's `depends_on`.
async fn order_by_foreign_keys(
    conn: &mut PgConnection,
    schema: &SchemaName,
    mut tables: Vec<TablePlan>,
) -> Result<Ordered> {
    // language=PostgreSQL
    let fks: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT src.relname::text, dst.relname::text, con.condeferrable \
         FROM pg_constraint con \
         JOIN pg_class src ON src.oid = con.conrelid \
         JOIN pg_class dst ON dst.oid = con.confrelid \
         JOIN pg_namespace n ON n.oid = src.relnamespace \
         WHERE con.contype = 'f' AND n.nspname = $1",
    )
    .bind(schema.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let names: BTreeSet<String> = tables.iter().map(|t| t.table.clone()).collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (src, dst, _) in &fks {
        if src != dst && names.contains(src) && names.contains(dst) {
            deps.entry(src.clone()).or_default().insert(dst.clone());
        }
    }
    for t in &mut tables {
        t.depends_on = deps
            .get(&t.table)
            .map(|d| d.iter().cloned().collect())
            .unwrap_or_default();
    }
    let (order, cycle) = topo_order(&names, &deps);
    let mut cycle_check = None;
    if !cycle.is_empty() {
        let all_deferrable = fks
            .iter()
            .filter(|(s, d, _)| cycle.contains(s) && cycle.contains(d))
            .all(|(_, _, deferrable)| *deferrable);
        let among = cycle.iter().cloned().collect::<Vec<_>>().join(", ");
        cycle_check = Some(Check::new(
            "foreign-key order",
            all_deferrable,
            if all_deferrable {
                format!("cycle among {among} (deferrable: checked at commit)")
            } else {
                format!("cycle among {among} with constraints that are not DEFERRABLE")
            },
        ));
    }
    let mut ordered = Vec::new();
    for name in order {
        if let Some(pos) = tables.iter().position(|t| t.table == name) {
            ordered.push(tables.remove(pos));
        }
    }
    ordered.append(&mut tables);
    Ok(Ordered {
        tables: ordered,
        defer: !cycle.is_empty(),
        cycle_check,
    })
}

/// The tables outside the copy set that reference one of the targets (`oids`), directly or
/// through each other: TRUNCATE must name them too. Empty ones are returned to be emptied
/// along (a PASS); any that holds rows fails the check, named, since emptying the targets would
/// destroy its rows.
async fn referencing_tables(
    conn: &mut PgConnection,
    oids: &[i64],
) -> Result<(Vec<Relation>, Check)> {
    // language=PostgreSQL
    let found: Vec<(String, String)> = sqlx::query_as(
        "WITH RECURSIVE refs(oid) AS ( \
             SELECT o::oid FROM unnest($1::int8[]) o \
             UNION \
             SELECT con.conrelid FROM pg_constraint con JOIN refs r ON con.confrelid = r.oid \
             WHERE con.contype = 'f') \
         SELECT n.nspname::text, c.relname::text FROM refs \
         JOIN pg_class c ON c.oid = refs.oid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE NOT (c.oid::int8 = ANY($1)) ORDER BY 1, 2",
    )
    .bind(oids)
    .fetch_all(&mut *conn)
    .await?;
    let mut along = Vec::new();
    let mut full = Vec::new();
    for (schema, table) in found {
        let r = Relation { schema, table };
        let rows = count_rows(conn, &r.sql()?).await?;
        if rows > 0 {
            full.push(format!("{r} ({rows} rows)"));
        } else {
            along.push(r);
        }
    }
    let name = "tables referencing the targets";
    let c = if !full.is_empty() {
        Check::new(
            name,
            false,
            format!(
                "{} reference(s) a target table and are not copied: emptying the targets would empty them too; copy them as well (--tables) or empty them first",
                full.join(", ")
            ),
        )
    } else if along.is_empty() {
        Check::new(name, true, "none")
    } else {
        Check::new(
            name,
            true,
            format!(
                "empty, emptied along with the targets: {}",
                along
                    .iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    };
    Ok((along, c))
}

/// Referenced tables before referencing ones (Kahn's algorithm, names sorted for a stable
/// order). Returns the order and the tables left in a cycle (appended last by the caller).
pub fn topo_order(
    names: &BTreeSet<String>,
    deps: &BTreeMap<String, BTreeSet<String>>,
) -> (Vec<String>, BTreeSet<String>) {
    let mut remaining: BTreeMap<&String, BTreeSet<&String>> = names
        .iter()
        .map(|n| {
            (
                n,
                deps.get(n)
                    .map(|d| d.iter().filter(|x| names.contains(*x)).collect())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let mut order = Vec::new();
    loop {
        let ready: Vec<&String> = remaining
            .iter()
            .filter(|(_, d)| d.is_empty())
            .map(|(n, _)| *n)
            .collect();
        if ready.is_empty() {
            break;
        }
        for n in ready {
            remaining.remove(n);
            for d in remaining.values_mut() {
                d.remove(n);
            }
            order.push(n.clone());
        }
    }
    let cycle = remaining.keys().map(|n| (*n).clone()).collect();
    (order, cycle)
}

/// The copy: one transaction, verified before commit. On any error nothing changes.
pub async fn copy(
    pool: &PgPool,
    settings: &Settings,
    host: &Platform,
    plan: &Plan,
    opts: &Options,
) -> Result<Vec<TableResult>> {
    let schema = host.require_schema()?;
    let started = chrono::Utc::now();
    let mut tx = pool.begin().await?;
    db::set_lock_timeout(&mut tx, *settings.lock_timeout).await?;
    // The host is in maintenance: close the schema's gate for this transaction
    // (requests in flight finish, new ones answer 503 until commit).
    db::gate::close_xact(&mut tx, &schema)
        .await
        .map_err(|e| match e {
            Error::Db(d) => lock_error(d, &format!("the tables of {schema}")),
            other => other,
        })?;
    if plan.defer_constraints {
        sqlx::query("SET CONSTRAINTS ALL DEFERRED")
            .execute(&mut *tx)
            .await?;
    }
    let idents: Vec<Ident> = plan
        .tables
        .iter()
        .map(|t| Ident::parse(&t.table))
        .collect::<std::result::Result<_, _>>()?;
    // Writers to the legacy tables wait until we are done; readers carry on.
    let list: Vec<String> = idents.iter().map(public_table).collect();
    // language=PostgreSQL
    sqlx::query(AssertSqlSafe(format!(
        "LOCK TABLE {} IN SHARE MODE",
        list.join(", ")
    )))
    .execute(&mut *tx)
    .await
    .map_err(|e| lock_error(e, "the public tables"))?;

    if opts.truncate_targets && plan.tables.iter().any(|t| t.target_rows > 0) {
        // All targets in one statement: TRUNCATE needs every referencing table beside the
        // referenced ones, and every target is about to be filled anyway. The referencing
        // tables outside the copy were empty at planning time: check again under lock.
        let mut targets: Vec<String> = idents.iter().map(|i| schema.qualify(i)).collect();
        for r in &plan.truncated_along {
            let q = r.sql()?;
            // language=PostgreSQL
            sqlx::query(AssertSqlSafe(format!(
                "LOCK TABLE {q} IN ACCESS EXCLUSIVE MODE"
            )))
            .execute(&mut *tx)
            .await
            .map_err(|e| lock_error(e, &r.to_string()))?;
            if count_rows(&mut tx, &q).await? > 0 {
                return Err(Error::Refused(format!(
                    "{r} references a target table and got rows since the pre-flight: emptying the targets would empty it too; nothing changed"
                )));
            }
            targets.push(q);
        }
        // language=PostgreSQL
        sqlx::query(AssertSqlSafe(format!(
            "TRUNCATE {} RESTART IDENTITY",
            targets.join(", ")
        )))
        .execute(&mut *tx)
        .await
        .map_err(|e| copy_error(e, "(emptying the targets)"))?;
    }

    let mut results = Vec::new();
    for (t, ident) in plan.tables.iter().zip(&idents) {
        let target = schema.qualify(ident);
        let source = public_table(ident);
        let rows_public = count_rows(&mut tx, &source).await?;
        let cols: Vec<Ident> = t
            .columns
            .iter()
            .map(|c| Ident::parse(c))
            .collect::<std::result::Result<_, _>>()?;
        let col_list = cols.iter().map(Ident::sql).collect::<Vec<_>>().join(", ");
        let triggers = user_triggers(&mut tx, &schema, &t.table).await?;
        set_triggers(&mut tx, &target, &triggers, false).await?;
        // language=PostgreSQL
        let sql = format!(
            "INSERT INTO {target} ({col_list}) {} SELECT {col_list} FROM {source}",
            if t.overriding {
                "OVERRIDING SYSTEM VALUE"
            } else {
                ""
            }
        );
        let inserted = sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .map_err(|e| copy_error(e, &t.table))?
            .rows_affected() as i64;
        set_triggers(&mut tx, &target, &triggers, true).await?;
        advance_sequences(&mut tx, &schema, ident).await?;
        let rows_copied = count_rows(&mut tx, &target).await?;
        let differing = content_difference(&mut tx, &source, &target, &cols).await?;
        if rows_copied != rows_public || inserted != rows_public || differing != 0 {
            return Err(Error::Other(anyhow::anyhow!(
                "verification failed for table {}: {rows_public} rows in public, {rows_copied} in {schema}, {differing} differing; rolled back, nothing changed",
                t.table
            )));
        }
        results.push(TableResult {
            table: t.table.clone(),
            rows_public,
            rows_copied,
            status: "verified".into(),
        });
    }
    if plan.defer_constraints {
        // Check the deferred constraints now, so a violation is reported as such.
        sqlx::query("SET CONSTRAINTS ALL IMMEDIATE")
            .execute(&mut *tx)
            .await
            .map_err(|e| copy_error(e, "(deferred constraints)"))?;
    }
    // language=PostgreSQL
    sqlx::query(
        "INSERT INTO tenantctl.host_migrations (platform_id, schema_name, started_at, tables) VALUES ($1, $2, $3, $4)",
    )
    .bind(host.id)
    .bind(schema.as_str())
    .bind(started)
    .bind(serde_json::to_value(&results).map_err(anyhow::Error::from)?)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(results)
}

fn lock_error(e: sqlx::Error, what: &str) -> Error {
    match crate::error::sqlstate(&e).as_deref() {
        Some(crate::db::LOCK_NOT_AVAILABLE) => Error::Busy(format!(
            "could not lock {what} within lock_timeout: the application is writing to them"
        ))
        .hint("stop the application's writers (or raise `lock_timeout`) and retry"),
        _ => Error::Db(e),
    }
}

fn copy_error(e: sqlx::Error, table: &str) -> Error {
    let message = match &e {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    };
    Error::Other(anyhow::anyhow!(
        "copying table {table} failed: {message}; rolled back, nothing changed"
    ))
}

/// Enabled, user-defined triggers of a tenant table (their names).
async fn user_triggers(
    conn: &mut PgConnection,
    schema: &SchemaName,
    table: &str,
) -> Result<Vec<Ident>> {
    // language=PostgreSQL
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND NOT t.tgisinternal AND t.tgenabled <> 'D' ORDER BY 1",
    )
    .bind(schema.as_str())
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    names
        .iter()
        .map(|n| Ident::parse(n).map_err(Error::from))
        .collect()
}

async fn set_triggers(
    conn: &mut PgConnection,
    target: &str,
    triggers: &[Ident],
    enable: bool,
) -> Result<()> {
    for trig in triggers {
        // language=PostgreSQL
        sqlx::query(AssertSqlSafe(format!(
            "ALTER TABLE {target} {} TRIGGER {}",
            if enable { "ENABLE" } else { "DISABLE" },
            trig.sql()
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Move every sequence owned by a column of the table past the largest copied value, so a new
/// insert never collides with a copied id.
async fn advance_sequences(
    conn: &mut PgConnection,
    schema: &SchemaName,
    table: &Ident,
) -> Result<()> {
    // language=PostgreSQL
    let seqs: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.attname::text, pg_get_serial_sequence(format('%I.%I', $1::text, $2::text), a.attname) \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped \
           AND pg_get_serial_sequence(format('%I.%I', $1::text, $2::text), a.attname) IS NOT NULL",
    )
    .bind(schema.as_str())
    .bind(table.as_str())
    .fetch_all(&mut *conn)
    .await?;
    for (column, seq) in seqs {
        let col = Ident::parse(&column)?;
        // language=PostgreSQL
        let max: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT max({})::int8 FROM {}",
            col.sql(),
            schema.qualify(table)
        )))
        .fetch_one(&mut *conn)
        .await?;
        if let Some(max) = max {
            // language=PostgreSQL
            sqlx::query("SELECT setval($1::regclass, $2, true)")
                .bind(&seq)
                .bind(max)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Rows of `source` that are not in `target` (as a multiset, compared as text so compatible
/// types compare equal).
async fn content_difference(
    conn: &mut PgConnection,
    source: &str,
    target: &str,
    cols: &[Ident],
) -> Result<i64> {
    let as_text = cols
        .iter()
        .map(|c| format!("{}::text", c.sql()))
        .collect::<Vec<_>>()
        .join(", ");
    // language=PostgreSQL
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM (SELECT {as_text} FROM {source} EXCEPT ALL SELECT {as_text} FROM {target}) d"
    )))
    .fetch_one(&mut *conn)
    .await?;
    Ok(n)
}

/// The last successful copy, if any (what `--drop-public` re-verifies and drops).
pub async fn last_copy(pool: &PgPool) -> Result<Option<(i64, String, Vec<TableResult>, bool)>> {
    // language=PostgreSQL
    let row: Option<(i64, String, serde_json::Value, Option<chrono::DateTime<chrono::Utc>>)> = sqlx::query_as(
        "SELECT id, schema_name, tables, public_dropped_at FROM tenantctl.host_migrations ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => None,
        Some((id, schema, tables, dropped)) => Some((
            id,
            schema,
            serde_json::from_value(tables).map_err(anyhow::Error::from)?,
            dropped.is_some(),
        )),
    })
}

/// Re-verify the copied tables (counts and contents) without changing anything.
pub async fn reverify(
    pool: &PgPool,
    schema: &SchemaName,
    tables: &[TableResult],
) -> Result<Vec<TableResult>> {
    let mut conn = pool.acquire().await?;
    let mut out = Vec::new();
    for t in tables {
        let ident = Ident::parse(&t.table)?;
        let source = public_table(&ident);
        let target = schema.qualify(&ident);
        if relation_oid(&mut conn, "public", &t.table).await?.is_none() {
            out.push(TableResult {
                table: t.table.clone(),
                rows_public: 0,
                rows_copied: count_rows(&mut conn, &target).await?,
                status: "missing in public".into(),
            });
            continue;
        }
        let rows_public = count_rows(&mut conn, &source).await?;
        let rows_copied = count_rows(&mut conn, &target).await?;
        let pub_oid = relation_oid(&mut conn, "public", &t.table)
            .await?
            .unwrap_or(0);
        let cols: Vec<Ident> = columns(&mut conn, pub_oid)
            .await?
            .into_iter()
            .filter(|c| c.generated.is_empty())
            .map(|c| Ident::parse(&c.name))
            .collect::<std::result::Result<_, _>>()?;
        let differing = content_difference(&mut conn, &source, &target, &cols).await?;
        let ok = rows_public <= rows_copied && differing == 0;
        out.push(TableResult {
            table: t.table.clone(),
            rows_public,
            rows_copied,
            status: if ok {
                "verified".into()
            } else if differing > 0 {
                format!("{differing} public rows missing in {schema}")
            } else {
                "counts differ".into()
            },
        });
    }
    Ok(out)
}

/// Drop the public tables of the last copy, in one transaction (no CASCADE: anything else that
/// depends on them makes the drop fail and change nothing).
pub async fn drop_public(pool: &PgPool, copy_id: i64, tables: &[TableResult]) -> Result<()> {
    let mut tx = pool.begin().await?;
    let list: Vec<String> = tables
        .iter()
        .map(|t| Ident::parse(&t.table).map(|i| public_table(&i)))
        .collect::<std::result::Result<_, _>>()?;
    // language=PostgreSQL
    sqlx::query(AssertSqlSafe(format!("DROP TABLE {}", list.join(", "))))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            let message = match &e {
                sqlx::Error::Database(db) => db.message().to_string(),
                other => other.to_string(),
            };
            Error::Other(anyhow::anyhow!(
                "dropping the public tables failed: {message}; nothing was dropped"
            ))
        })?;
    // language=PostgreSQL
    sqlx::query("UPDATE tenantctl.host_migrations SET public_dropped_at = now() WHERE id = $1")
        .bind(copy_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn dependency_order_puts_referenced_tables_first() {
        let names = set(&["comments", "communities", "people", "posts"]);
        let mut deps = BTreeMap::new();
        deps.insert("posts".to_string(), set(&["communities", "people"]));
        deps.insert("comments".to_string(), set(&["posts", "people"]));
        let (order, cycle) = topo_order(&names, &deps);
        assert!(cycle.is_empty());
        let pos = |n: &str| order.iter().position(|x| x == n).unwrap();
        assert!(pos("people") < pos("posts"));
        assert!(pos("communities") < pos("posts"));
        assert!(pos("posts") < pos("comments"));
    }

    #[test]
    fn cycles_are_reported() {
        let names = set(&["a", "b", "c"]);
        let mut deps = BTreeMap::new();
        deps.insert("a".to_string(), set(&["b"]));
        deps.insert("b".to_string(), set(&["a"]));
        let (order, cycle) = topo_order(&names, &deps);
        assert_eq!(order, vec!["c"]);
        assert_eq!(cycle, set(&["a", "b"]));
    }

    #[test]
    fn references_outside_the_copy_set_do_not_block() {
        let names = set(&["posts"]);
        let mut deps = BTreeMap::new();
        deps.insert("posts".to_string(), set(&["communities"]));
        let (order, cycle) = topo_order(&names, &deps);
        assert_eq!(order, vec!["posts"]);
        assert!(cycle.is_empty());
    }
}
