//! What ties a schema to others (foreign keys, views, types across schemas), said before a
//! dump that would not restore alone.

use super::*;

/// For each of `names`, the other schemas its objects depend on (issue 15.11): column types,
/// defaults, constraints, views, triggers, domains and function signatures that refer to a
/// type, function, table, collation or operator outside the schema, as `pg_depend` records
/// them (`pg_catalog` aside). What a function body names at run time is not recorded there
/// and cannot be seen. One catalog query for the whole batch.
///
/// It costs what the batch holds, not what the database holds: the schemas' objects are found
/// through `pg_depend`'s index on the referenced object (everything in a schema depends on its
/// namespace; indexes, constraints, defaults, triggers, rules, row and array types depend,
/// automatically or internally, on those), and their references through its index on the
/// dependent object. The catalogs themselves have no index by namespace: reading them per
/// schema scanned all of them, 0.1-0.5 s per batch at 1,000 tenants and minutes at 5,000
/// (issue 18), more than pg_dump of one tenant takes.
pub async fn schema_dependencies(
    pool: &PgPool,
    names: &[String],
) -> Result<HashMap<String, Vec<String>>> {
    let mut tx = pool.begin().await?;
    // NOTE: index probes only. The planner cannot know how few objects the recursive part
    // yields and would rather hash all of pg_depend.
    // language=PostgreSQL
    sqlx::query(
        "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), \
                set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true)",
    )
    .execute(&mut *tx)
    .await?;
    // language=PostgreSQL
    let rows: Vec<(String, String)> = sqlx::query_as(
        "WITH RECURSIVE s AS (SELECT oid, nspname::text AS nspname FROM pg_namespace WHERE nspname = ANY($1)),
         objs (classid, objid, nspname) AS (
             SELECT d.classid, d.objid, s.nspname
               FROM s JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = s.oid
             UNION
             SELECT d.classid, d.objid, o.nspname
               FROM objs o JOIN pg_depend d ON d.refclassid = o.classid AND d.refobjid = o.objid
              WHERE d.deptype IN ('a', 'i')
         ),
         refs AS (
             SELECT o.nspname, d.refclassid, d.refobjid
             FROM objs o JOIN pg_depend d ON d.classid = o.classid AND d.objid = o.objid
             WHERE d.deptype IN ('n', 'a')
         ),
         ref_ns AS (
             SELECT r.nspname, CASE r.refclassid
                 WHEN 'pg_class'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid = r.refobjid)
                 WHEN 'pg_type'::regclass THEN (SELECT typnamespace FROM pg_type WHERE oid = r.refobjid)
                 WHEN 'pg_proc'::regclass THEN (SELECT pronamespace FROM pg_proc WHERE oid = r.refobjid)
                 WHEN 'pg_collation'::regclass THEN (SELECT collnamespace FROM pg_collation WHERE oid = r.refobjid)
                 WHEN 'pg_operator'::regclass THEN (SELECT oprnamespace FROM pg_operator WHERE oid = r.refobjid)
             END AS ns
             FROM refs r
         )
         SELECT DISTINCT x.nspname, n.nspname::text
         FROM ref_ns x JOIN pg_namespace n ON n.oid = x.ns
         WHERE n.nspname <> x.nspname AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
         ORDER BY 1, 2",
    )
    .bind(names)
    .fetch_all(&mut *tx)
    .await?;
    tx.rollback().await?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (schema, dep) in rows {
        out.entry(schema).or_default().push(dep);
    }
    Ok(out)
}

/// The warning for a schema that uses objects of others.
pub fn dependency_warning(deps: &[String]) -> Option<String> {
    (!deps.is_empty()).then(|| {
        format!(
            "uses objects of schema(s) {} (a type, function or table outside its own): a restore works only where they exist; recorded in the manifest",
            deps.join(", ")
        )
    })
}
