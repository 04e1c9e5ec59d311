//! Telling every `serve` what changed: the registry's channel, and the schema-change
//! notification that restore, `-- no-transaction` migrations and `migrate` send so `serve`
//! stops using prepared statements a schema change made stale (see `serve::plans`).

use super::SchemaName;
use sqlx::PgConnection;

/// The channel the registry triggers notify (migration `20261126000710_serve_notify`), and
/// the schema-change notifications too.
pub const CHANNEL: &str = "tenantctl_registry";

/// The payload prefix of a schema-change notification on [`CHANNEL`].
pub const SCHEMA_CHANGED: &str = "schema:";

/// Tell every `serve` that `schema` changed, when the caller's transaction commits.
pub async fn notify_schema_changed(
    conn: &mut PgConnection,
    schema: &SchemaName,
) -> sqlx::Result<()> {
    // language=PostgreSQL
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload(schema))
        .execute(conn)
        .await?;
    Ok(())
}

/// Tell every `serve` that these schemas changed, in one statement (its own transaction when
/// the connection is not in one).
pub async fn notify_schemas_changed(
    conn: &mut PgConnection,
    schemas: &[String],
) -> sqlx::Result<()> {
    // language=PostgreSQL
    sqlx::query("SELECT pg_notify($1, $2 || s) FROM unnest($3::text[]) AS s")
        .bind(CHANNEL)
        .bind(SCHEMA_CHANGED)
        .bind(schemas)
        .execute(conn)
        .await?;
    Ok(())
}

/// The notification payload for `schema`.
pub fn payload(schema: &SchemaName) -> String {
    format!("{SCHEMA_CHANGED}{}", schema.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_names_the_schema() {
        let a = SchemaName::parse("tenant_a").unwrap();
        assert_eq!(payload(&a), "schema:tenant_a");
    }
}
