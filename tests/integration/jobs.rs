//! `tenantctl jobs ...` and schedules, against a real database: listing and filters, one job
//! shown with its attempts, retry keeping the tenant (and refusing a deleted one), bulk changes
//! confirmed, unique keys respected, enqueue through the SQL function, and a schedule's slot
//! enqueued exactly once however many workers tick at once.

use crate::common::Env;
use sqlx::PgPool;

/// A job row put in place the way the worker leaves it, for the operator's commands to find.
async fn job(env: &Env, kind: &str, platform: &str, status: &str, key: Option<&str>) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO tenantctl.jobs (kind, platform_id, platform_name, schema_name, payload, status, \
         attempts, max_attempts, unique_key, last_error, finished_at) \
         SELECT $1, p.id, p.name, p.schema_name, jsonb_build_object('for', p.name), $3, \
                CASE WHEN $3 IN ('discarded', 'retryable', 'completed') THEN 3 ELSE 0 END, 3, $4, \
                CASE WHEN $3 IN ('discarded', 'retryable') THEN 'HTTP 503 from the application' END, \
                CASE WHEN $3 IN ('discarded', 'completed', 'cancelled') THEN now() END \
         FROM public.platforms p WHERE p.name = $2 RETURNING id",
    )
    .bind(kind)
    .bind(platform)
    .bind(status)
    .bind(key)
    .fetch_one(&env.pool)
    .await
    .unwrap()
}

async fn status_of(env: &Env, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM tenantctl.jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&env.pool)
        .await
        .unwrap()
}

async fn two_tenants(pool: PgPool) -> Env {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    env.tenant("Beta", "beta").await;
    env
}

#[sqlx::test(migrations = false)]
async fn list_filters_by_tenant_state_and_kind_and_show_has_the_attempts(pool: PgPool) {
    let env = two_tenants(pool).await;
    let a1 = job(&env, "mail", "Acme", "discarded", None).await;
    let a2 = job(&env, "webhook", "Acme", "available", None).await;
    let b1 = job(&env, "mail", "Beta", "discarded", None).await;
    sqlx::query(
        "INSERT INTO tenantctl.job_attempts (job_id, attempt, worker, started_at, finished_at, outcome, error) \
         VALUES ($1, 1, 'w1', now() - interval '2 s', now() - interval '1 s', 'retry', 'HTTP 503 from the application')",
    )
    .bind(a1)
    .execute(&env.pool)
    .await
    .unwrap();

    let ids = |r: &crate::common::Run| -> Vec<i64> {
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["job_id"].as_i64().unwrap())
            .collect()
    };
    let all = env.run(&["jobs", "list", "-o", "json"]).await;
    all.ok();
    let listed = ids(&all);
    // The provisioning jobs of the two tenants are there too, newest first.
    assert_eq!(&listed[..3], &[b1, a2, a1], "{}", all.stdout);

    let acme = env
        .run(&[
            "jobs",
            "list",
            "--tenant",
            "acme",
            "--kind",
            "mail,webhook",
            "-o",
            "json",
        ])
        .await;
    acme.ok();
    assert_eq!(ids(&acme), [a2, a1]);
    let failed = env
        .run(&[
            "jobs",
            "list",
            "--state",
            "discarded",
            "--kind",
            "mail",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(ids(&failed), [b1, a1]);
    let row = &failed.json()[1];
    assert_eq!(row["platform"], "Acme");
    assert_eq!(row["state"], "discarded");
    assert_eq!(row["last_error"], "HTTP 503 from the application");

    let table = env.run(&["jobs", "list", "--state", "live"]).await;
    table.ok().stdout_has("webhook").stdout_has("available");
    assert!(!table.stdout.contains("discarded"), "{}", table.stdout);

    let show = env
        .run(&["jobs", "show", &a1.to_string(), "-o", "json"])
        .await;
    show.ok();
    let s = show.json();
    assert_eq!(s["payload"]["for"], "Acme");
    assert_eq!(s["attempts_made"][0]["outcome"], "retry");
    assert_eq!(s["attempts_made"][0]["worker"], "w1");
    let text = env.run(&["jobs", "show", &a1.to_string()]).await;
    text.ok()
        .stdout_has(&format!("job {a1}: mail for platform Acme"))
        .stdout_has("HTTP 503 from the application");

    env.run(&["jobs", "show", "999999"])
        .await
        .code(1)
        .stderr_has("job 999999 not found");
    env.run(&["jobs", "list", "--tenant", "nosuch"])
        .await
        .code(2)
        .stderr_has("nosuch");
    env.run(&["jobs", "list", "--state", "failed"])
        .await
        .code(2);
}

#[sqlx::test(migrations = false)]
async fn retry_keeps_the_tenant_and_leaves_a_deleted_platform_alone(pool: PgPool) {
    let env = two_tenants(pool).await;
    let a = job(&env, "mail", "Acme", "discarded", None).await;
    let b = job(&env, "mail", "Beta", "discarded", None).await;
    let beta_schema: String =
        sqlx::query_scalar("SELECT schema_name FROM public.platforms WHERE name = 'Beta'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    sqlx::query("DELETE FROM public.platforms WHERE name = 'Beta'")
        .execute(&env.pool)
        .await
        .unwrap();

    let r = env
        .run(&["jobs", "retry", &a.to_string(), "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["changed"], serde_json::json!([a]));
    let (status, platform, attempts, max): (String, i64, i32, Option<i32>) = sqlx::query_as(
        "SELECT j.status, j.platform_id, j.attempts, j.max_attempts FROM tenantctl.jobs j \
         JOIN public.platforms p ON p.id = j.platform_id WHERE j.id = $1 AND p.name = 'Acme'",
    )
    .bind(a)
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(status, "available");
    assert!(platform > 0);
    // Three attempts were made of three: the retry gets one more.
    assert_eq!((attempts, max), (3, Some(4)));

    let r = env.run(&["jobs", "retry", &b.to_string()]).await;
    r.code(1)
        .stderr_has(&format!("job {b}: not retried"))
        .stderr_has("`Beta` (id ")
        .stderr_has(&format!("schema {beta_schema})"))
        .stderr_has("deleted or no longer a provisioned tenant");
    assert_eq!(status_of(&env, b).await, "discarded");

    // Running jobs are not touched; completed ones are retried only when asked for.
    let run = job(&env, "mail", "Acme", "running", None).await;
    let r = env.run(&["jobs", "discard", &run.to_string()]).await;
    r.code(1).stderr_has("running");
    assert_eq!(status_of(&env, run).await, "running");
}

#[sqlx::test(migrations = false)]
async fn many_jobs_are_changed_only_when_confirmed(pool: PgPool) {
    let env = two_tenants(pool).await;
    let waiting = [
        job(&env, "mail", "Acme", "available", None).await,
        job(&env, "mail", "Acme", "scheduled", None).await,
        job(&env, "mail", "Acme", "retryable", None).await,
    ];
    let other = job(&env, "mail", "Beta", "available", None).await;
    let webhook = job(&env, "webhook", "Acme", "available", None).await;

    env.run(&["jobs", "cancel"])
        .await
        .code(2)
        .stderr_has("say which jobs to cancel");
    let r = env
        .run_with(
            &["jobs", "cancel", "--kind", "mail", "--tenant", "acme"],
            &[("TENANTCTL_CONFIRM", "no")],
        )
        .await;
    r.code(4);
    for id in waiting {
        assert_ne!(status_of(&env, id).await, "cancelled");
    }
    let dry = env
        .run(&[
            "jobs",
            "cancel",
            "--kind",
            "mail",
            "--tenant",
            "acme",
            "--dry-run",
            "-o",
            "json",
        ])
        .await;
    dry.ok();
    assert_eq!(dry.json()["changed"], serde_json::json!(waiting));
    assert_eq!(status_of(&env, waiting[0]).await, "available");

    let r = env
        .run(&[
            "jobs", "cancel", "--kind", "mail", "--tenant", "acme", "--yes", "-o", "json",
        ])
        .await;
    r.ok();
    assert_eq!(r.json()["changed"], serde_json::json!(waiting));
    for id in waiting {
        assert_eq!(status_of(&env, id).await, "cancelled");
    }
    assert_eq!(status_of(&env, other).await, "available");
    assert_eq!(status_of(&env, webhook).await, "available");

    // The default of a bulk retry is the failed ones, not the cancelled just now.
    let r = env
        .run(&["jobs", "retry", "--kind", "mail", "--yes", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["changed"], serde_json::json!([]));
    let r = env
        .run(&[
            "jobs",
            "retry",
            "--kind",
            "mail",
            "--state",
            "cancelled",
            "--yes",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    assert_eq!(r.json()["changed"], serde_json::json!(waiting));
}

#[sqlx::test(migrations = false)]
async fn a_retry_never_makes_a_second_live_job_of_one_unique_key(pool: PgPool) {
    let env = two_tenants(pool).await;
    let old = job(&env, "digest", "Acme", "discarded", Some("week-49")).await;
    let live = job(&env, "digest", "Acme", "available", Some("week-49")).await;
    // The same key for another tenant or kind is another key.
    let beta = job(&env, "digest", "Beta", "discarded", Some("week-49")).await;
    let r = env
        .run(&[
            "jobs",
            "retry",
            &old.to_string(),
            &beta.to_string(),
            "--yes",
            "-o",
            "json",
        ])
        .await;
    r.code(3);
    let v = r.json();
    assert_eq!(v["changed"], serde_json::json!([beta]));
    assert_eq!(v["skipped"][0]["job_id"], old);
    assert!(
        v["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("live job {live} holds its unique key `week-49`")),
        "{v}"
    );
    assert_eq!(status_of(&env, old).await, "discarded");
}

#[sqlx::test(migrations = false)]
async fn stats_count_per_kind_and_tenant(pool: PgPool) {
    let env = two_tenants(pool).await;
    job(&env, "mail", "Acme", "available", None).await;
    job(&env, "mail", "Acme", "discarded", None).await;
    job(&env, "mail", "Beta", "available", None).await;
    job(&env, "webhook", "Beta", "retryable", None).await;
    let r = env.run(&["jobs", "stats", "-o", "json"]).await;
    r.ok();
    let v = r.json();
    let mail = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "mail")
        .unwrap()
        .clone();
    assert_eq!(mail["available"], 2);
    assert_eq!(mail["discarded"], 1);
    assert_eq!(mail["ready"], 2);
    assert!(mail["oldest_ready_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(v["total"]["retryable"], 1);
    let r = env
        .run(&["jobs", "stats", "--by", "tenant", "-o", "json"])
        .await;
    let groups: Vec<String> = r.json()["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(groups, ["Acme", "Beta"]);
    env.run(&["jobs", "stats"]).await.ok().stdout_has("mail");
}

#[sqlx::test(migrations = false)]
async fn status_shows_the_queue_per_kind_and_checks_the_oldest_wait(pool: PgPool) {
    let env = two_tenants(pool).await;
    let late = job(&env, "mail", "Acme", "available", None).await;
    sqlx::query("UPDATE tenantctl.jobs SET run_at = now() - interval '2 hours' WHERE id = $1")
        .bind(late)
        .execute(&env.pool)
        .await
        .unwrap();
    job(&env, "webhook", "Beta", "discarded", None).await;

    let text = env.run(&["status"]).await;
    text.stdout_has("failed 24h")
        .stdout_has("mail")
        .stdout_has("webhook");
    let check = env.run(&["status", "--check"]).await;
    check
        .code(2)
        .stdout_has("oldest ready job waiting 72")
        .stdout_has("(mail)")
        .stdout_has("oldest_ready=72");
    // Discards warn only when asked to.
    assert!(
        !check.stdout.contains("discarded in 24h"),
        "{}",
        check.stdout
    );
    let check = env
        .run_with(
            &["status", "--check"],
            &[
                ("TENANTCTL_STATUS_DISCARDED_WARN", "1"),
                ("TENANTCTL_STATUS_QUEUE_AGE_CRIT", "0s"),
            ],
        )
        .await;
    check
        .code(1)
        .stdout_has("1 job(s) discarded in 24h (webhook)")
        .stdout_has("oldest ready job waiting");

    let prom = env.run(&["status", "--format", "prometheus"]).await;
    prom.ok()
        .stdout_has("tenantctl_jobs{kind=\"mail\",state=\"available\"} 1")
        .stdout_has("tenantctl_jobs{kind=\"webhook\",state=\"discarded\"} 1")
        .stdout_has("tenantctl_jobs_oldest_ready_seconds{kind=\"mail\"} 72");
}
