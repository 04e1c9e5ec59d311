//! The plan: which public tables are copied, matched column by column to the host's schema.

use super::*;

pub(super) async fn relation_oid(
    conn: &mut PgConnection,
    schema: &str,
    table: &str,
) -> Result<Option<u32>> {
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

pub(super) async fn columns(conn: &mut PgConnection, oid: u32) -> Result<Vec<Column>> {
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

pub(super) async fn count_rows(conn: &mut PgConnection, qualified: &str) -> Result<i64> {
    // language=PostgreSQL
    let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {qualified}")))
        .fetch_one(&mut *conn)
        .await?;
    Ok(n)
}

/// `public."table"`.
pub(super) fn public_table(t: &Ident) -> String {
    format!("public.{}", t.sql())
}

/// Plan the tables: which to copy, whether each has a covering counterpart, target emptiness,
/// and the dependency order.
pub(super) async fn plan_tables(
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
