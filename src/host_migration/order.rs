//! Copy order: tables ordered by their foreign keys, constraints deferred where a cycle needs it.

use super::*;

/// The tables in copy order, and whether constraints are deferred to the commit.
pub(super) struct Ordered {
    pub(super) tables: Vec<TablePlan>,
    pub(super) defer: bool,
    /// The "foreign-key order" check, when the foreign keys form a cycle: it passes when every
    /// foreign key of the cycle is DEFERRABLE.
    pub(super) cycle_check: Option<Check>,
}

/// Order the tables by the foreign keys among them in the tenant schema (a referenced table
/// first) and fill in each table's `depends_on`.
pub(super) async fn order_by_foreign_keys(
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
pub(super) async fn referencing_tables(
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
