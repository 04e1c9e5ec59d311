//! The queries behind the snapshot, one per part; each reads the registry or the catalog once.

use super::*;

/// Every platform in maintenance, the longest first.
pub async fn in_maintenance(pool: &PgPool) -> Result<Vec<InMaintenance>> {
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, InMaintenance>(
        "SELECT id AS platform_id, name AS platform, schema_name AS schema,
                maintenance_reason AS reason, maintenance_since AS since,
                extract(epoch FROM now() - maintenance_since)::int8 AS age_seconds
         FROM public.platforms WHERE maintenance
         ORDER BY maintenance_since NULLS FIRST, id",
    )
    .fetch_all(pool)
    .await?)
}

/// The schemas `restore --keep-old` left, with their platform and size.
pub async fn old_schemas(pool: &PgPool) -> Result<Vec<OldSchema>> {
    // language=PostgreSQL
    let rows: Vec<(String, Option<i64>, Option<String>, i64)> = sqlx::query_as(
        "WITH old AS MATERIALIZED (
             SELECT n.oid, n.nspname FROM pg_namespace n
             WHERE starts_with(n.nspname, $1) AND n.nspname ~ ('^' || $1::text || '[0-9]+_[0-9]{14}$')
               -- A platform's own schema is live, whatever its name says (issue 27.10).
               AND NOT EXISTS (SELECT 1 FROM public.platforms q WHERE q.schema_name = n.nspname)
         ), sizes AS (
             -- One pass over pg_class for all of them (no index on relnamespace; issue 29).
             SELECT c.relnamespace, sum(pg_total_relation_size(c.oid))::int8 AS bytes
             FROM pg_class c
             WHERE c.relkind IN ('r', 'm')
               AND c.relnamespace = ANY(ARRAY(SELECT oid FROM old))
             GROUP BY c.relnamespace
         )
         SELECT o.nspname::text, p.id, p.name, coalesce(s.bytes, 0)::int8
         FROM old o
         LEFT JOIN sizes s ON s.relnamespace = o.oid
         LEFT JOIN public.platforms p
           ON p.id::text = substring(o.nspname FROM '^' || $1::text || '([0-9]+)_[0-9]{14}$')
         ORDER BY 1",
    )
    .bind(names::OLD_PREFIX)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(schema, platform_id, platform, size_bytes)| OldSchema {
            kept_at: names::old_schema_time(&schema),
            schema,
            platform_id,
            platform,
            size_bytes,
        })
        .collect())
}

pub(super) async fn domain_troubles(
    pool: &PgPool,
    settings: &Settings,
) -> Result<Vec<DomainTrouble>> {
    if !settings.domains.verify {
        return Ok(vec![]);
    }
    // language=PostgreSQL
    Ok(sqlx::query_as(
        "SELECT p.id AS platform_id, p.name AS platform, v.domain AS address, \
                CASE WHEN v.verified_at IS NOT NULL THEN 'failing' ELSE 'lost' END AS status, \
                coalesce(v.failing_since, v.lost_at) AS since, v.last_error AS error \
         FROM tenantctl.domain_verifications v JOIN public.platforms p ON p.id = v.platform_id \
         WHERE NOT v.pending AND ((v.verified_at IS NOT NULL AND v.failing_since IS NOT NULL) \
                               OR (v.verified_at IS NULL AND v.lost_at IS NOT NULL)) \
         ORDER BY p.id",
    )
    .fetch_all(pool)
    .await?)
}

pub(super) async fn citus_status(pool: &PgPool) -> Result<Option<CitusStatus>> {
    if !crate::db::citus::present() {
        return Ok(None);
    }
    // language=PostgreSQL
    let (distributed, local, sharding, triggers): (i64, i64, bool, bool) = sqlx::query_as(
        concat!(
            "SELECT count(*) FILTER (WHERE d.schemaid IS NOT NULL), count(*) FILTER (WHERE d.schemaid IS NULL),                 current_setting('citus.enable_schema_based_sharding')::boolean,                 current_setting('citus.enable_unsafe_triggers')::boolean          FROM public.platforms p JOIN pg_namespace n ON n.nspname = p.schema_name          LEFT JOIN pg_dist_schema d ON d.schemaid = n.oid          WHERE ", tenant_sql!()),
    )
    .fetch_one(pool)
    .await?;
    // language=PostgreSQL
    let tenant_schemas: Vec<String> = sqlx::query_scalar(concat!(
        "SELECT p.schema_name FROM public.platforms p WHERE ",
        tenant_sql!()
    ))
    .fetch_all(pool)
    .await?;
    let nodes = crate::placement::node_loads(pool, &tenant_schemas).await?;
    Ok(Some(CitusStatus {
        nodes,
        distributed_tenants: distributed,
        local_tenants: local,
        distribute_new_tenants: crate::db::citus::distribute_tenants(),
        schema_based_sharding_default: sharding,
        unsafe_triggers_default: triggers,
        tenantctl_sets_unsafe_triggers: true,
    }))
}

pub(super) async fn counts(pool: &PgPool) -> Result<StatusCounts> {
    // language=PostgreSQL
    let rows: Vec<(String, bool, i64)> = sqlx::query_as(
        "SELECT provision_status, external, count(*) FROM public.platforms GROUP BY 1, 2",
    )
    .fetch_all(pool)
    .await?;
    let mut c = StatusCounts::default();
    for (status, external, n) in rows {
        c.total += n;
        if external {
            c.external += n;
        }
        match ProvisionStatus::try_from(status) {
            Ok(ProvisionStatus::Pending) => c.pending += n,
            Ok(ProvisionStatus::Provisioning) => c.provisioning += n,
            Ok(ProvisionStatus::Completed) => c.completed += n,
            Ok(ProvisionStatus::Failed) => c.failed += n,
            Err(_) => {}
        }
    }
    Ok(c)
}

/// Platforms whose schema should exist and does not: provisioned (`completed`), not external.
/// A queued or provisioning platform has no schema yet, and a failed one never got one; neither
/// is missing. `status` and `doctor` both ask this.
pub(crate) async fn missing_schemas<'e>(
    db: impl sqlx::PgExecutor<'e>,
) -> Result<Vec<MissingSchema>> {
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, MissingSchema>(concat!(
        "SELECT p.id AS platform_id, p.name AS platform, p.schema_name AS schema
         FROM public.platforms p
         WHERE ",
        tenant_sql!(),
        "
           AND NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = p.schema_name)
         ORDER BY p.id"
    ))
    .persistent(false)
    .fetch_all(db)
    .await?)
}

/// Registry rows whose schema name breaks the rules, checked by the same gate every fleet
/// command uses ([`crate::registry::tenant_schema`]).
pub(super) async fn invalid_platforms(pool: &PgPool) -> Result<Vec<InvalidPlatform>> {
    // language=PostgreSQL
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, name, schema_name FROM public.platforms
         WHERE NOT external AND schema_name IS NOT NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, name, schema)| crate::registry::tenant_schema(id, &name, &schema).err())
        .collect())
}

pub(super) async fn queue(pool: &PgPool) -> Result<Queue> {
    // language=PostgreSQL
    Ok(sqlx::query_as::<_, Queue>(
        "SELECT count(*) FILTER (WHERE status IN ('scheduled', 'available', 'retryable')) AS queued,
                count(*) FILTER (WHERE status IN ('scheduled', 'available', 'retryable') AND run_at <= now()) AS ready,
                count(*) FILTER (WHERE status = 'running') AS running,
                count(*) FILTER (WHERE status = 'discarded') AS failed,
                extract(epoch FROM now() - min(run_at) FILTER (WHERE status IN ('scheduled', 'available', 'retryable') AND run_at <= now()))::float8
                    AS oldest_ready_seconds
         FROM tenantctl.jobs",
    )
    .fetch_one(pool)
    .await?)
}

pub(super) async fn provision_times(pool: &PgPool) -> Result<ProvisionTimes> {
    // language=PostgreSQL
    let row = sqlx::query(
        "WITH d AS (
             SELECT extract(epoch FROM finished_at - started_at)::float8 AS s
             FROM tenantctl.provision_attempts
             WHERE outcome = 'completed' AND finished_at IS NOT NULL
         )
         SELECT (SELECT count(*) FROM tenantctl.provision_attempts WHERE outcome = 'completed') AS completed,
                (SELECT count(*) FROM tenantctl.provision_attempts WHERE outcome = 'failed') AS failed,
                (SELECT count(*) FROM tenantctl.provision_attempts WHERE outcome = 'running') AS running,
                (SELECT coalesce(sum(s), 0) FROM d) AS sum_seconds,
                (SELECT coalesce(array_agg((SELECT count(*) FROM d WHERE d.s <= le) ORDER BY le), '{}')
                 FROM unnest($1::float8[]) AS le) AS cumulative",
    )
    .bind(DURATION_BUCKETS)
    .fetch_one(pool)
    .await?;
    let cumulative: Vec<i64> = row.try_get("cumulative")?;
    let mut prev = 0i64;
    let buckets = cumulative
        .iter()
        .map(|&c| {
            let n = (c - prev).max(0) as u64;
            prev = c;
            n
        })
        .collect();
    Ok(ProvisionTimes {
        completed: row.try_get("completed")?,
        failed: row.try_get("failed")?,
        running: row.try_get("running")?,
        buckets,
        sum_seconds: row.try_get("sum_seconds")?,
    })
}

#[derive(sqlx::FromRow)]
struct MigrationFacts {
    platform_id: i64,
    platform: String,
    schema: String,
    has_row: bool,
    version: Option<i64>,
    drift: bool,
    last_error: Option<String>,
}

/// Versions of `set` newer than `version`. Pure.
pub fn lag(set: &MigrationSet, version: Option<i64>) -> i64 {
    set.ups()
        .filter(|m| version.is_none_or(|v| m.version > v))
        .count() as i64
}

/// The highest successful version in each schema's own tracking table, many schemas per
/// statement. Schemas without the table (or missing) are absent from the answer.
pub async fn read_schema_versions(
    pool: &PgPool,
    schemas: &[SchemaName],
) -> Result<HashMap<String, Option<i64>>> {
    let mut out = HashMap::new();
    if schemas.is_empty() {
        return Ok(out);
    }
    // language=PostgreSQL
    let with_table: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname = $2 AND c.relkind = 'r' AND n.nspname = ANY($1)",
    )
    .bind(schemas.iter().map(|s| s.as_str()).collect::<Vec<_>>())
    .bind(TRACKING_TABLE)
    .fetch_all(pool)
    .await?;
    let table = Ident::parse(TRACKING_TABLE).expect("constant identifier");
    let present: Vec<&SchemaName> = schemas
        .iter()
        .filter(|s| with_table.iter().any(|w| w == s.as_str()))
        .collect();
    for chunk in present.chunks(MIGRATION_READ_BATCH) {
        // Each branch is numbered by its position; identifiers only through `qualify`.
        let sql = chunk
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "SELECT {i} AS i, (SELECT max(version) FROM {} WHERE success) AS v",
                    s.qualify(&table)
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let rows: Vec<(i32, Option<i64>)> =
            sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await?;
        for (i, v) in rows {
            if let Some(s) = chunk.get(i as usize) {
                out.insert(s.as_str().to_string(), v);
            }
        }
    }
    Ok(out)
}

pub(super) async fn migrations(pool: &PgPool, settings: &Settings) -> Result<Migrations> {
    // language=PostgreSQL
    let facts = sqlx::query_as::<_, MigrationFacts>(concat!(
        "SELECT p.id AS platform_id, p.name AS platform, p.schema_name AS schema,
                m.platform_id IS NOT NULL AS has_row, m.version,
                coalesce(m.drift, false) AS drift, m.last_error
         FROM public.platforms p
         LEFT JOIN tenantctl.tenant_migrations m ON m.platform_id = p.id
         WHERE ",
        tenant_sql!(),
        "
           -- A missing schema is reported as such, not as a lag.
           AND EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = p.schema_name)
         ORDER BY p.id"
    ))
    .fetch_all(pool)
    .await?;
    let set = MigrationSet::load(settings.tenant_migrations_dir.as_ref()).await;
    // No recorded status (or no version in it): ask the schema itself.
    let unknown: Vec<SchemaName> = facts
        .iter()
        .filter(|f| !f.has_row || f.version.is_none())
        .filter_map(|f| SchemaName::parse(&f.schema).ok())
        .collect();
    let read = read_schema_versions(pool, &unknown).await?;
    let tenants = facts
        .into_iter()
        .map(|f| {
            let (version, source) = if f.has_row && f.version.is_some() {
                (f.version, "tenant_migrations")
            } else {
                (read.get(&f.schema).copied().flatten(), "schema")
            };
            TenantMigration {
                lag: set.as_ref().map(|s| lag(s, version)).unwrap_or(0),
                platform_id: f.platform_id,
                platform: f.platform,
                schema: f.schema,
                version,
                source,
                drift: f.drift,
                last_error: f.last_error,
            }
        })
        .collect();
    Ok(match set {
        Ok(s) => Migrations {
            latest_version: s.latest(),
            set_error: None,
            tenants,
        },
        Err(e) => Migrations {
            latest_version: None,
            set_error: Some(e.to_string()),
            tenants,
        },
    })
}
