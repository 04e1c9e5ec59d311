//! Whose code tenant work runs (issue 27.6).
//!
//! Migrations, seeds and reports run in a tenant's schema, with it first on the search_path, as
//! the role tenantctl connects as. Any function in that schema can end up called: an unqualified
//! call resolves to the best-matching signature across the whole search_path, so a
//! `btrim(varchar)` in the tenant's schema beats `pg_catalog.btrim(text)` whichever schema comes
//! first, and PostgreSQL re-parses a CHECK constraint when `ALTER COLUMN ... TYPE` rebuilds it.
//! Putting `pg_catalog` first therefore does not close the hole; what does is that nobody weaker
//! than the role that runs the work can have put code there. So before tenant work starts, in
//! its own transaction, tenantctl refuses a schema that a role other than itself or a superuser
//! owns, may create objects in (directly or through PUBLIC), or owns a function or a table in
//! (a table's owner can add triggers). PostgreSQL's "secure schema usage pattern" in the other
//! direction: the schema's users trust exactly those who can create in it.

use super::SchemaName;

/// A scalar SQL expression: why the schema bound as `param` is not safe to run tenant work in
/// (`'; '`-separated reasons), or NULL when it is. For one statement's select list, so the check
/// costs no round trip; it qualifies every catalog name and plans the same for every tenant.
pub fn untrusted_sql(param: &str) -> String {
    reasons_sql(param, true)
}

/// [`untrusted_sql`], without the schema's owner when `owner` is false (`doctor` reports
/// the owner in a check of its own).
pub fn reasons_sql(param: &str, owner: bool) -> String {
    let owner = if owner {
        format!(
            "SELECT pg_catalog.format('it is owned by role %s', pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(n.nspowner))) AS what \
             FROM pg_catalog.pg_namespace n WHERE n.nspname = {param} AND NOT {} \
             UNION ALL ",
            trusted("n.nspowner")
        )
    } else {
        String::new()
    };
    // language=PostgreSQL
    format!(
        "(SELECT pg_catalog.string_agg(w.what, '; ' ORDER BY w.what) FROM ( \
           {owner} \
           SELECT pg_catalog.format('role %s may create objects in it', \
                  CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END) AS what \
           FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a \
           WHERE n.nspname = {param} AND a.privilege_type = 'CREATE' AND NOT {trusted_grantee} \
           UNION ALL \
           SELECT pg_catalog.format('function %I.%I(%s) belongs to role %s', n.nspname, p.proname, \
                  pg_catalog.pg_get_function_identity_arguments(p.oid), pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(p.proowner))) AS what \
           FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
           WHERE n.nspname = {param} AND NOT {trusted_proc} \
           UNION ALL \
           SELECT pg_catalog.format('%s %I.%I belongs to role %s', CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'table' END, \
                  n.nspname, c.relname, pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(c.relowner))) AS what \
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
           WHERE n.nspname = {param} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT {trusted_rel} \
         ) w)",
        trusted_grantee = trusted("a.grantee"),
        trusted_proc = trusted("p.proowner"),
        trusted_rel = trusted("c.relowner"),
    )
}

/// Whether the role `oid` is tenantctl's own role or a superuser.
fn trusted(oid: &str) -> String {
    format!(
        "({oid} = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER) \
          OR COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = {oid}), false))"
    )
}

/// The refusal for a schema [`untrusted_sql`] found reasons against.
pub fn refusal(schema: &SchemaName, reasons: &str) -> String {
    format!(
        "refusing to run code in schema `{schema}` with tenantctl's privileges: {reasons}; whoever can put a function there could run it as tenantctl (hint: REVOKE CREATE ON SCHEMA {} FROM ...; make tenantctl's role own the schema and its objects, see `tenantctl doctor`)",
        schema.sql()
    )
}

/// Check `schema` before running tenant work in it; `Err(message)` names what is wrong.
pub async fn check(
    conn: &mut sqlx::PgConnection,
    schema: &SchemaName,
) -> crate::error::Result<std::result::Result<(), String>> {
    let reasons: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT {}",
        untrusted_sql("$1")
    )))
    .bind(schema.as_str())
    .fetch_one(conn)
    .await?;
    Ok(match reasons {
        Some(r) => Err(refusal(schema, &r)),
        None => Ok(()),
    })
}
