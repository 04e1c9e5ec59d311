//! The warm pool: spare schemas claimed by renaming at `platform create`, refilled by the
//! worker, migrated (or replaced) when they are behind the migration set.

use crate::common::{Env, copy_sample_migrations};
use sqlx::PgPool;

async fn spares(env: &Env) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE '\\_tenantctl\\_pool\\_%' ORDER BY 1",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap()
}

async fn count(env: &Env, sql: String) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn create_claims_a_spare_and_the_worker_refills_the_pool(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    let r = env
        .run(&["provision", "pool", "--size", "2", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["ready"], 2);
    let pool_schemas = spares(&env).await;
    assert_eq!(pool_schemas.len(), 2);
    // Neutral data only: the roles, nothing about any platform.
    let s = &pool_schemas[0];
    assert_eq!(
        count(&env, format!("SELECT count(*) FROM \"{s}\".roles")).await,
        4
    );
    assert_eq!(
        count(&env, format!("SELECT count(*) FROM \"{s}\".communities")).await,
        0
    );
    assert_eq!(
        count(&env, format!("SELECT count(*) FROM \"{s}\".settings")).await,
        0
    );

    let r = env
        .run(&[
            "platform",
            "create",
            "--name",
            "Acme",
            "--subdomain",
            "acme",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    let v = r.json();
    assert_eq!(v["from_pool"], true);
    assert_eq!(v["provision_status"], "completed");
    assert!(v["provisioned_at"].is_string());
    assert_eq!(v["job_id"], serde_json::Value::Null);
    let schema = v["schema"].as_str().unwrap().to_string();
    assert!(env.schemas().await.contains(&schema));
    assert_eq!(spares(&env).await.len(), 1);
    // The claimed schema is in the fleet's migration status like any provisioned one.
    let st = env.run(&["migrate", "status", "-o", "json"]).await;
    st.ok();
    let rows = st.json();
    let acme = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["platform"] == "Acme")
        .expect("Acme in migrate status")
        .clone();
    assert_eq!(acme["recorded_version"], acme["version"], "{acme}");
    assert_eq!(acme["state"], "up_to_date", "{acme}");
    // The platform's own facts, applied at the claim.
    let names: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT name FROM \"{schema}\".communities"
    )))
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(names, vec!["Acme Community"]);
    let facts: Vec<(String, serde_json::Value)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT key, value FROM \"{schema}\".settings WHERE key IN ('platform.name', 'platform.schema_name', 'platform.domain') ORDER BY key"
    )))
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(
        facts,
        vec![
            (
                "platform.domain".into(),
                serde_json::json!("acme.example.test")
            ),
            ("platform.name".into(), serde_json::json!("Acme")),
            ("platform.schema_name".into(), serde_json::json!(schema)),
        ]
    );
    let via: String = sqlx::query_scalar(
        "SELECT via FROM tenantctl.provision_attempts WHERE platform_name = 'Acme' AND outcome = 'completed'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(via, "pool");
    // The synchronous flow still works: nothing left to do.
    env.run(&["provision", "acme"])
        .await
        .ok()
        .stdout_has("already provisioned");

    // The worker refills the pool.
    let r = env
        .run(&["worker", "--once", "--pool-size", "2", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["pool_built"], 1);
    assert_eq!(spares(&env).await.len(), 2);

    // A new migration: a spare built before it is migrated when it is claimed.
    let dir = env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    std::fs::write(
        dir.join("20990101000001_extra.up.sql"),
        "CREATE TABLE extra (id int);\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("20990101000001_extra.down.sql"),
        "DROP TABLE extra;\n",
    )
    .unwrap();
    env.set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap());
    let r = env
        .run(&[
            "platform",
            "create",
            "--name",
            "Beta",
            "--subdomain",
            "beta",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    let v = r.json();
    assert_eq!(v["from_pool"], true);
    let beta = v["schema"].as_str().unwrap();
    assert_eq!(
        count(
            &env,
            format!(
                "SELECT count(*) FROM \"{beta}\"._sqlx_migrations WHERE version = 20990101000001"
            )
        )
        .await,
        1
    );
    assert_eq!(
        count(&env, format!("SELECT count(*) FROM \"{beta}\".extra")).await,
        0
    );

    // An applied migration changed (drift): the spare is replaced, not claimed.
    let people = dir.join("20260101000002_create_people.up.sql");
    let text = std::fs::read_to_string(&people).unwrap();
    std::fs::write(&people, format!("{text}\n-- changed\n")).unwrap();
    let old = spares(&env).await;
    let r = env
        .run(&["provision", "pool", "--size", "1", "-o", "json"])
        .await;
    r.ok();
    let rep = r.json();
    assert_eq!(
        (
            rep["dropped"].as_i64(),
            rep["created"].as_i64(),
            rep["ready"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    let now = spares(&env).await;
    assert_eq!(now.len(), 1);
    assert!(!old.contains(&now[0]));

    env.run(&["provision", "pool", "--size", "0"]).await.ok();
    assert!(spares(&env).await.is_empty());
    // Without spares, create queues the provisioning again.
    let v = env.create("Gamma", "gamma").await;
    assert_eq!(v["from_pool"], false);
    assert!(v["job_id"].is_i64());
}

/// `POST /setup/platforms` starts provisioning like `platform create`: with a spare in the pool
/// it claims it (ready at once, no job), and without one it queues a job (issue 17).
#[sqlx::test(migrations = false)]
async fn setup_claims_a_spare_like_platform_create(pool: PgPool) {
    use crate::serve::{SETUP_OPEN, app, send};
    use axum::http::StatusCode;
    let env = Env::new(pool);
    env.init().await;
    env.run(&["provision", "pool", "--size", "1"]).await.ok();
    let spare = spares(&env).await;
    assert_eq!(spare.len(), 1);
    let app = app(&env, &[SETUP_OPEN]).await;

    let a = send(
        &app,
        "POST",
        "/setup/platforms",
        &[b"example.test"],
        Some(serde_json::json!({"name": "Acme", "subdomain": "acme"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["provision_status"], "completed", "{}", a.body);
    assert_eq!(a.body["ready"], true, "{}", a.body);
    assert_eq!(a.body["job"], serde_json::Value::Null, "{}", a.body);
    let schema = a.body["schema_name"].as_str().unwrap().to_string();
    assert!(spares(&env).await.is_empty(), "the spare was not claimed");
    assert!(env.schemas().await.contains(&schema));
    assert!(!env.schemas().await.contains(&spare[0]));
    assert_eq!(
        count(&env, "SELECT count(*) FROM tenantctl.jobs".into()).await,
        0
    );
    // The platform's own facts, applied at the claim, and the attempt recorded as a claim.
    assert_eq!(
        count(
            &env,
            format!("SELECT count(*) FROM \"{schema}\".communities WHERE name = 'Acme Community'")
        )
        .await,
        1
    );
    let via: String = sqlx::query_scalar(
        "SELECT via FROM tenantctl.provision_attempts WHERE platform_name = 'Acme' AND outcome = 'completed'",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(via, "pool");
    let id = a.body["id"].as_i64().unwrap();
    let claim = a.body["claim_token"].as_str().unwrap().to_string();
    let a = crate::serve::setup_status(&app, id, &claim).await;
    assert_eq!(a.body["ready"], true, "{}", a.body);

    // The pool is empty now: the next one is queued for a worker.
    let a = send(
        &app,
        "POST",
        "/setup/platforms",
        &[b"example.test"],
        Some(serde_json::json!({"name": "Beta", "subdomain": "beta"})),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(a.body["provision_status"], "pending", "{}", a.body);
    assert_eq!(a.body["job"]["status"], "available", "{}", a.body);
}
