//! The pre-flight: every check run before anything changes (backups, queued jobs, the plan).

use super::*;

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
