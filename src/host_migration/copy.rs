//! The copy itself: one transaction, triggers off, sequences advanced, verified before commit.

use super::*;

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
pub(super) async fn content_difference(
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
