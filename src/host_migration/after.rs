//! After the copy: the last copy read back, re-verified, and `--drop-public`.

use super::*;

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
