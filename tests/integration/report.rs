//! `report query` across tenant schemas, and the built-in reports, as an operator runs them.

use crate::common::{Env, quote_ident};
use serde_json::Value;
use sqlx::PgPool;

/// Init, then the given tenants (real provisioning of the sample schema); returns their schemas.
async fn fleet(env: &Env, names: &[&str]) -> Vec<String> {
    env.init().await;
    let mut schemas = Vec::new();
    for n in names {
        schemas.push(env.tenant(n, &n.to_lowercase()).await);
    }
    schemas
}

/// Add `n` posts to a tenant's sample schema.
async fn posts(env: &Env, schema: &str, n: usize, status: &str) {
    env.sql(&format!(
        "INSERT INTO {s}.posts (community_id, title, status)
         SELECT (SELECT min(id) FROM {s}.communities), 'post ' || g, '{status}' FROM generate_series(1, {n}) g",
        s = quote_ident(schema)
    ))
    .await;
}

fn rows(v: &Value) -> &Vec<Value> {
    v["rows"].as_array().expect("rows")
}

#[sqlx::test(migrations = false)]
async fn rows_gain_platform_and_schema_and_keep_their_values(pool: PgPool) {
    let env = Env::new(pool);
    let s = fleet(&env, &["Acme", "Globex"]).await;
    posts(&env, &s[0], 2, "published").await;

    let r = env
        .run(&[
            "report",
            "query",
            "--sql",
            "select count(*) as n, 123456789012345678901234567890.125::numeric as big, \
             '{\"k\": [1, 2]}'::jsonb as j, array[1,2] as arr, null::text as nothing, true as yes, \
             'it''s \"quoted\"' as t, timestamptz '2026-01-02 03:04:05+00' as at from posts",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    let v = r.json();
    assert_eq!(
        v["columns"],
        serde_json::json!([
            "platform", "schema", "n", "big", "j", "arr", "nothing", "yes", "t", "at"
        ])
    );
    let by_platform = |name: &str| {
        rows(&v)
            .iter()
            .find(|r| r["platform"] == name)
            .unwrap_or_else(|| panic!("no row for {name}: {v}"))
            .clone()
    };
    let acme = by_platform("Acme");
    assert_eq!(acme["schema"], s[0].as_str());
    assert_eq!(acme["n"], 2);
    assert_eq!(by_platform("Globex")["n"], 0);
    assert_eq!(by_platform("Host")["n"], 0);
    assert_eq!(acme["j"], serde_json::json!({"k": [1, 2]}));
    assert_eq!(acme["arr"], serde_json::json!([1, 2]));
    assert_eq!(acme["nothing"], Value::Null);
    assert_eq!(acme["yes"], true);
    assert_eq!(acme["t"], "it's \"quoted\"");
    assert_eq!(acme["at"], "2026-01-02T03:04:05+00:00");
    // Every digit of a numeric survives (an f64 would not).
    assert!(
        r.stdout
            .contains("\"big\": 123456789012345678901234567890.125"),
        "{}",
        r.stdout
    );
    // Column order is kept in each row object.
    let first = &r.stdout[r.stdout.find("\"rows\"").unwrap()..];
    let pos = |k: &str| first.find(&format!("\"{k}\":")).unwrap();
    assert!(pos("platform") < pos("schema") && pos("schema") < pos("n") && pos("n") < pos("big"));

    let csv = env
        .run(&[
            "report",
            "query",
            "--sql",
            "select count(*) as n from posts",
            "-o",
            "csv",
        ])
        .await;
    csv.ok();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines[0], "platform,schema,n");
    assert!(
        lines.contains(&format!("Acme,{},2", s[0]).as_str()),
        "{}",
        csv.stdout
    );
    assert_eq!(lines.len(), 4, "{}", csv.stdout);

    let table = env
        .run(&[
            "report",
            "query",
            "--sql",
            "select count(*) as n from posts",
        ])
        .await;
    table.ok().stdout_has("platform").stdout_has(&s[1]);
}

#[sqlx::test(migrations = false)]
async fn each_tenant_runs_read_only_with_its_schema_alone_on_the_search_path(pool: PgPool) {
    let env = Env::new(pool);
    let s = fleet(&env, &["Acme"]).await;
    // A legacy table in public must never be reached from a tenant.
    env.sql(
        "CREATE TABLE public.only_in_public (x int); INSERT INTO public.only_in_public VALUES (1);",
    )
    .await;
    let r = env
        .run(&[
            "report", "query", "--tenant", "acme", "--timeout", "7s", "--sql",
            "select current_setting('transaction_read_only') ro, array_to_string(current_schemas(false), ',') sp, \
             current_setting('statement_timeout') st",
            "-o", "json",
        ])
        .await;
    r.ok();
    let v = r.json();
    assert_eq!(rows(&v).len(), 1);
    assert_eq!(rows(&v)[0]["ro"], "on");
    assert_eq!(rows(&v)[0]["sp"], s[0].as_str());
    assert_eq!(rows(&v)[0]["st"], "7s");

    let r = env
        .run(&[
            "report",
            "query",
            "--sql",
            "select * from only_in_public",
            "-o",
            "json",
        ])
        .await;
    r.code(3)
        .stderr_has("relation \"only_in_public\" does not exist");
    assert_eq!(r.json()["failed"], 2);
}

#[sqlx::test(migrations = false)]
async fn writes_fail_inside_the_read_only_transaction_and_nothing_is_written(pool: PgPool) {
    let env = Env::new(pool);
    let s = fleet(&env, &["Acme", "Globex"]).await;
    posts(&env, &s[0], 1, "published").await;
    // Writers hidden in functions: one writes the tenant's own posts (through the search_path),
    // one writes a table in public.
    env.sql(
        "CREATE TABLE public.audit (x int);
         CREATE FUNCTION public.sneaky_post() RETURNS int LANGUAGE plpgsql AS
           $$ BEGIN INSERT INTO posts (community_id, title) SELECT min(id), 'sneaky' FROM communities; RETURN 1; END $$;
         CREATE FUNCTION public.sneaky_audit() RETURNS int LANGUAGE plpgsql AS
           $$ BEGIN INSERT INTO public.audit VALUES (1); RETURN 1; END $$;",
    )
    .await;
    let before = env.data_fingerprint().await;
    let registry = env.registry_snapshot().await;

    let writes = [
        "insert into posts (community_id, title) values (1, 'x')",
        "update posts set title = 'changed'",
        "delete from posts",
        "with gone as (delete from posts returning id) select count(*) from gone",
        "with added as (insert into roles (name, scope) values ('r', 'platform') returning id) select * from added",
        "select public.sneaky_post()",
        "select public.sneaky_audit()",
        "select nextval('posts_id_seq')",
        "select * from posts for update",
        "create table intruder (id int)",
        "create table copied as select * from posts",
        "drop table posts",
        "alter table posts add column intruder int",
        "truncate posts",
    ];
    for w in writes {
        let r = env.run(&["report", "query", "--sql", w]).await;
        r.code(2)
            .stderr_has("the query tries to write")
            .stderr_has("in a read-only transaction");
        assert!(r.stdout.is_empty(), "{w}: {}", r.stdout);
    }
    // Not one statement, or not a query: refused before anything runs.
    for (q, says) in [
        (
            "select 1; delete from posts",
            "cannot insert multiple commands",
        ),
        ("select 1) q; delete from posts; select (1", "syntax error"),
        ("copy posts to stdout", "`COPY` is not a query"),
        (
            "do $$ begin delete from posts; end $$",
            "`DO` is not a query",
        ),
        ("set search_path = public", "`SET` is not a query"),
    ] {
        env.run(&["report", "query", "--sql", q])
            .await
            .code(2)
            .stderr_has(says);
    }
    assert_eq!(
        env.data_fingerprint().await,
        before,
        "something was written"
    );
    assert_eq!(env.registry_snapshot().await, registry);
}

#[sqlx::test(migrations = false)]
async fn a_syntax_error_is_reported_once_before_any_tenant_runs(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &["Acme", "Globex"]).await;
    let r = env
        .run(&["report", "query", "--sql", "selec count(*) from posts"])
        .await;
    r.code(2);
    assert_eq!(
        r.stderr
            .matches("syntax error at or near \"selec\"")
            .count(),
        1,
        "{}",
        r.stderr
    );
    r.stderr_has("nothing ran in any tenant");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

#[sqlx::test(migrations = false)]
async fn one_tenant_past_the_timeout_fails_alone(pool: PgPool) {
    let mut env = Env::new(pool);
    let s = fleet(&env, &["Alpha", "Bravo", "Charlie"]).await;
    // One connection, so Bravo's timeout lands in the middle of a batch.
    env.set("TENANTCTL_REPORT_JOBS", "1");
    let sql = format!(
        "select pg_sleep(case when current_schema() = '{}' then 5 else 0 end) as slept, 1 as ok",
        s[1]
    );
    let r = env
        .run(&[
            "report",
            "query",
            "--timeout",
            "1s",
            "--sql",
            &sql,
            "-o",
            "json",
        ])
        .await;
    r.code(3).stderr_has("timed out after 1s");
    let v = r.json();
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{v}");
    assert_eq!(errors[0]["platform"], "Bravo");
    assert_eq!(errors[0]["timed_out"], true);
    assert_eq!(errors[0]["sqlstate"], "57014");
    let mut done: Vec<&str> = rows(&v)
        .iter()
        .map(|r| r["platform"].as_str().unwrap())
        .collect();
    done.sort();
    assert_eq!(done, ["Alpha", "Charlie", "Host"]);
}

#[sqlx::test(migrations = false)]
async fn a_schema_dropped_by_hand_fails_alone(pool: PgPool) {
    let env = Env::new(pool);
    let s = fleet(&env, &["Acme", "Globex"]).await;
    env.sql(&format!("DROP SCHEMA {} CASCADE", quote_ident(&s[1])))
        .await;
    let before = env.data_fingerprint().await;
    let r = env
        .run(&[
            "report",
            "query",
            "--sql",
            "select count(*) from posts",
            "-o",
            "json",
        ])
        .await;
    r.code(3)
        .stderr_has(&format!("schema `{}` does not exist", s[1]))
        .stderr_has("1 of 3 tenants failed");
    let v = r.json();
    assert_eq!(v["errors"][0]["platform"], "Globex");
    assert_eq!(rows(&v).len(), 2);
    assert_eq!(env.data_fingerprint().await, before);
}

#[sqlx::test(migrations = false)]
async fn unknown_or_unprovisioned_names_fail_before_anything_runs(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &["Acme"]).await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "Later",
        "--subdomain",
        "later",
    ])
    .await
    .ok();
    for args in [
        vec!["--exclude", "nosuch"],
        vec!["--tenant", "acme", "--tenant", "nosuch"],
    ] {
        let mut a = vec!["report", "query", "--sql", "select 1"];
        a.extend(args);
        let r = env.run(&a).await;
        r.code(2).stderr_has("platform `nosuch` not found");
        assert!(r.stdout.is_empty());
    }
    env.run(&["report", "query", "--sql", "select 1", "--tenant", "later"])
        .await
        .code(2)
        .stderr_has("platform `Later` is not provisioned (status pending)");
    // A bad query is refused even when a name is also wrong: names first.
    env.run(&["report", "query", "--sql", "selec 1", "--exclude", "nosuch"])
        .await
        .code(2)
        .stderr_has("platform `nosuch` not found");
}

#[sqlx::test(migrations = false)]
async fn an_empty_result_is_a_clear_success(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &["Acme"]).await;
    let r = env
        .run(&[
            "report",
            "query",
            "--sql",
            "select id, title from posts where false",
            "-o",
            "json",
        ])
        .await;
    r.ok().stderr_has("0 row(s) from 2 tenant(s), 0 failed");
    let v = r.json();
    assert_eq!(
        v["columns"],
        serde_json::json!(["platform", "schema", "id", "title"])
    );
    assert_eq!(rows(&v).len(), 0);
    let csv = env
        .run(&[
            "report",
            "query",
            "--sql",
            "select id, title from posts where false",
            "-o",
            "csv",
        ])
        .await;
    csv.ok();
    assert_eq!(csv.stdout, "platform,schema,id,title\n");
}

#[sqlx::test(migrations = false)]
async fn aggregate_sums_numeric_columns_across_tenants(pool: PgPool) {
    let env = Env::new(pool);
    let s = fleet(&env, &["Acme", "Globex"]).await;
    posts(&env, &s[0], 2, "published").await;
    posts(&env, &s[0], 1, "draft").await;
    posts(&env, &s[1], 3, "published").await;
    let r = env
        .run(&[
            "report", "query", "--aggregate", "-o", "json", "--sql",
            "select status, count(*) as n, sum(comments_count) as comments, 0.5::numeric * count(*) as half \
             from posts group by status order by status",
        ])
        .await;
    r.ok();
    let v = r.json();
    assert_eq!(v["aggregated"], true);
    assert_eq!(
        v["columns"],
        serde_json::json!(["status", "n", "comments", "half", "tenants"])
    );
    let group = |st: &str| rows(&v).iter().find(|r| r["status"] == st).unwrap().clone();
    assert_eq!(group("published")["n"], 5);
    assert_eq!(group("published")["tenants"], 2);
    assert_eq!(group("published")["comments"], 0);
    assert_eq!(group("draft")["n"], 1);
    assert_eq!(group("draft")["tenants"], 1);
    assert!(r.stdout.contains("\"half\": 2.5"), "{}", r.stdout);
}

#[sqlx::test(migrations = false)]
async fn many_tenants_warn_and_every_one_is_answered_once(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    let schemas = env.fake_fleet("fan", 23, 2).await;
    // Small batches over two connections: several round trips each.
    env.set("TENANTCTL_REPORT_BATCH_SIZE", "4")
        .set("TENANTCTL_REPORT_JOBS", "2");
    let r = env
        .run(&[
            "report",
            "query",
            "--sql",
            "select count(*) as n from posts",
            "--exclude",
            "Host",
            "-o",
            "json",
        ])
        .await;
    r.ok()
        .stderr_has("warning: querying 23 tenant schemas")
        .stderr_has("--jobs")
        .stderr_has("--timeout");
    let v = r.json();
    let mut seen: Vec<&str> = rows(&v)
        .iter()
        .map(|r| r["schema"].as_str().unwrap())
        .collect();
    seen.sort();
    assert_eq!(seen, schemas.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(rows(&v).iter().all(|r| r["n"] == 2));

    let few = env
        .run(&[
            "report", "query", "--sql", "select 1", "--tenant", "fan 0001", "--tenant", "fan 0002",
        ])
        .await;
    few.ok();
    assert!(!few.stderr.contains("warning"), "{}", few.stderr);
}

#[sqlx::test(migrations = false)]
async fn failures_in_many_tenants_are_grouped_and_the_rest_answer(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    let schemas = env.fake_fleet("grp", 12, 1).await;
    // Half the fleet lacks the column: one line says so, the other half answers.
    for s in schemas.iter().step_by(2) {
        env.sql(&format!(
            "ALTER TABLE {}.posts ADD COLUMN likes int DEFAULT 1",
            quote_ident(s)
        ))
        .await;
    }
    env.set("TENANTCTL_REPORT_BATCH_SIZE", "5");
    let r = env
        .run(&[
            "report",
            "query",
            "--sql",
            "select sum(likes) as likes from posts",
            "--exclude",
            "host",
            "-o",
            "json",
        ])
        .await;
    r.code(3);
    assert_eq!(
        r.stderr.matches("column \"likes\" does not exist").count(),
        1,
        "{}",
        r.stderr
    );
    r.stderr_has("failed in 6 tenant(s): column \"likes\" does not exist");
    let v = r.json();
    assert_eq!(rows(&v).len(), 6);
    assert_eq!(v["errors"].as_array().unwrap().len(), 6);
}

#[sqlx::test(migrations = false)]
async fn the_query_can_come_from_a_file(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &[]).await;
    let f = env.write(
        "q.sql",
        "-- how many people\nselect count(*) as people from people;\n",
    );
    let r = env
        .run(&[
            "report",
            "query",
            "--file",
            f.to_str().unwrap(),
            "-o",
            "csv",
        ])
        .await;
    r.ok().stdout_has("platform,schema,people");
    env.run(&["report", "query", "--file", "/nonexistent.sql"])
        .await
        .code(2)
        .stderr_has("cannot read query file");
    env.run(&["report", "query"]).await.code(2);
}

// ---------------------------------------------------------------------------------------------
// built-in reports

#[sqlx::test(migrations = false)]
async fn sizes_come_from_the_catalog_per_schema(pool: PgPool) {
    let env = Env::new(pool);
    let s = fleet(&env, &["Acme", "Globex"]).await;
    posts(&env, &s[0], 500, "published").await;
    env.sql(&format!("ANALYZE {}.posts", quote_ident(&s[0])))
        .await;
    env.sql(&format!("DROP SCHEMA {} CASCADE", quote_ident(&s[1])))
        .await;
    let r = env.run(&["report", "sizes", "-o", "json"]).await;
    r.ok();
    let v: Vec<Value> = r.json_as();
    assert_eq!(v.len(), 3);
    // Largest first: Acme holds the posts.
    assert_eq!(v[0]["platform"], "Acme");
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = $1")
        .bind(&s[0])
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(v[0]["tables"], tables);
    assert!(v[0]["rows_estimate"].as_i64().unwrap() >= 500, "{}", v[0]);
    let total: i64 = sqlx::query_scalar(
        "SELECT sum(pg_total_relation_size(c.oid))::int8 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'm', 'S')",
    )
    .bind(&s[0])
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(v[0]["total_bytes"], total);
    let gone = v.iter().find(|x| x["platform"] == "Globex").unwrap();
    assert_eq!(gone["exists"], false);

    let by_name = env
        .run(&["report", "sizes", "--sort", "name", "-o", "json"])
        .await;
    let names: Vec<String> = by_name
        .json_as::<Vec<Value>>()
        .iter()
        .map(|x| x["platform"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Acme", "Globex", "Host"]);
    env.run(&["report", "sizes"])
        .await
        .ok()
        .stdout_has("schema missing");
}

/// Provision attempts as the worker records them: (platform, started seconds ago, duration
/// seconds or None while running, error).
async fn attempts(env: &Env, rows: &[(&str, i64, Option<i64>, Option<&str>)]) {
    for (platform, ago, dur, err) in rows {
        let outcome = match (dur, err) {
            (_, Some(_)) => "failed",
            (Some(_), None) => "completed",
            (None, None) => "running",
        };
        sqlx::query(
            "INSERT INTO tenantctl.provision_attempts (platform_id, platform_name, started_at, finished_at, outcome, error)
             SELECT (SELECT id FROM public.platforms WHERE name = $1), $1, now() - make_interval(secs => $2),
                    now() - make_interval(secs => $2) + make_interval(secs => $3), $4, $5",
        )
        .bind(platform)
        .bind(*ago as f64)
        .bind(dur.map(|d| d as f64))
        .bind(outcome)
        .bind(err)
        .execute(&env.pool)
        .await
        .unwrap();
    }
}

#[sqlx::test(migrations = false)]
async fn provisioning_reports_rates_times_stuck_and_errors(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &["Acme"]).await;
    // Only the attempts below (provisioning may record its own).
    env.sql("DELETE FROM tenantctl.provision_attempts").await;
    attempts(
        &env,
        &[
            ("Acme", 3600, Some(1), None),
            ("Acme", 3000, Some(2), None),
            ("Acme", 2000, Some(10), None),
            (
                "Acme",
                1000,
                Some(4),
                Some("could not create schema: disk full"),
            ),
            // Outside the default 30-day window.
            ("Acme", 40 * 86_400, Some(100), None),
        ],
    )
    .await;
    env.sql(
        "INSERT INTO public.platforms (name, subdomain, schema_name, provision_status, updated_at)
         VALUES ('Stuck', 'stuck', 'tenant_stuck_1', 'provisioning', now() - interval '20 minutes'),
                ('Fresh', 'fresh', 'tenant_fresh_1', 'provisioning', now() - interval '1 minute'),
                ('Broken', 'broken', 'tenant_broken_1', 'failed', now());
         UPDATE public.platforms SET provision_error = 'migration 3 failed: boom' WHERE name = 'Broken';",
    )
    .await;
    let r = env.run(&["report", "provisioning", "-o", "json"]).await;
    r.ok();
    let v = r.json();
    assert_eq!(v["attempts"], 4);
    assert_eq!(v["completed"], 3);
    assert_eq!(v["failed"], 1);
    assert_eq!(v["success_rate"], 0.75);
    let avg = v["avg_seconds"].as_f64().unwrap();
    assert!((avg - 13.0 / 3.0).abs() < 1e-6, "{avg}");
    // percentile_cont over 1, 2, 10: 2 + 0.9 * 8 = 9.2
    assert!(
        (v["p95_seconds"].as_f64().unwrap() - 9.2).abs() < 1e-6,
        "{v}"
    );
    let stuck: Vec<&str> = v["stuck"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["platform"].as_str().unwrap())
        .collect();
    assert_eq!(stuck, ["Stuck"]);
    assert_eq!(v["failed_platforms"][0]["platform"], "Broken");
    assert_eq!(
        v["failed_platforms"][0]["error"],
        "migration 3 failed: boom"
    );
    assert_eq!(
        v["recent_errors"][0]["error"],
        "could not create schema: disk full"
    );

    // A narrower stuck threshold catches the fresh one too.
    let r = env
        .run_with(
            &["report", "provisioning", "-o", "json"],
            &[("TENANTCTL_PROVISION_STUCK_AFTER", "30s")],
        )
        .await;
    assert_eq!(r.json()["stuck"].as_array().unwrap().len(), 2);

    env.run(&["report", "provisioning"])
        .await
        .ok()
        .stdout_has("success rate  75.0%")
        .stdout_has("stuck (> 10m): 1")
        .stdout_has("disk full");
}

#[sqlx::test(migrations = false)]
async fn provisioning_by_day_covers_thirty_days_with_a_trend(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &["Acme"]).await;
    env.sql("DELETE FROM tenantctl.provision_attempts").await;
    attempts(
        &env,
        &[
            ("Acme", 2 * 86_400, None, Some("boom")),
            ("Acme", 2 * 86_400 + 60, None, Some("boom")),
            ("Acme", 2 * 86_400 + 120, Some(3), None),
            ("Acme", 10 * 86_400, Some(5), None),
        ],
    )
    .await;
    let r = env
        .run(&["report", "provisioning", "--by", "day", "-o", "json"])
        .await;
    r.ok();
    let days: Vec<Value> = r.json_as();
    assert_eq!(days.len(), 30);
    let total_failures: i64 = days.iter().map(|d| d["failures"].as_i64().unwrap()).sum();
    assert_eq!(total_failures, 2);
    let attempts_total: i64 = days.iter().map(|d| d["attempts"].as_i64().unwrap()).sum();
    assert_eq!(attempts_total, 4);
    let with_failures: Vec<&Value> = days.iter().filter(|d| d["failures"] != 0).collect();
    assert_eq!(with_failures.len(), 1);
    assert_eq!(with_failures[0]["avg_seconds"], 3.0);

    let t = env.run(&["report", "provisioning", "--by", "day"]).await;
    t.ok();
    let trend = t
        .stdout
        .lines()
        .find(|l| l.starts_with("failures  "))
        .expect("failures trend");
    assert!(trend.contains('█') && trend.contains('▁'), "{trend}");
    assert!(
        t.stdout.lines().any(|l| l.starts_with("avg time  ")),
        "{}",
        t.stdout
    );
}

#[sqlx::test(migrations = false)]
async fn backups_flag_platforms_over_a_day_and_over_a_week(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &["Fresh", "Daily", "Weekly", "Never"]).await;
    env.sql(
        "UPDATE public.platforms SET last_backup_at = now() - interval '1 hour' WHERE name = 'Fresh';
         UPDATE public.platforms SET last_backup_at = now() - interval '30 hours' WHERE name = 'Daily';
         UPDATE public.platforms SET provisioned_at = now() - interval '9 days' WHERE name IN ('Weekly', 'Never');
         UPDATE public.platforms SET last_backup_at = now() - interval '10 days' WHERE name = 'Host';
         INSERT INTO tenantctl.backups (platform_id, platform_name, schema_name, backup_id, storage, location, taken_at, size_bytes, sha256)
         SELECT p.id, p.name, p.schema_name, b.bid, 'local', '/b/' || b.bid, now() - b.age, b.size, 'x'
         FROM public.platforms p, (VALUES ('b1', interval '8 days', 1000), ('b2', interval '8 days 1 hour', 900)) AS b(bid, age, size)
         WHERE name = 'Weekly';",
    )
    .await;
    let r = env.run(&["report", "backups", "-o", "json"]).await;
    r.ok();
    let v: Vec<Value> = r.json_as();
    let get = |n: &str| v.iter().find(|x| x["platform"] == n).unwrap().clone();
    assert_eq!(get("Fresh")["state"], "ok");
    assert_eq!(get("Daily")["state"], "stale");
    assert_eq!(get("Weekly")["state"], "critical");
    assert_eq!(get("Weekly")["last_size_bytes"], 1000);
    assert_eq!(get("Weekly")["backups"], 2);
    assert_eq!(get("Weekly")["stored_bytes"], 1900);
    assert_eq!(get("Never")["state"], "critical");
    assert_eq!(get("Never")["never"], true);
    assert_eq!(get("Host")["state"], "critical");
    let stale = env
        .run(&["report", "backups", "--stale", "-o", "json"])
        .await;
    assert_eq!(stale.json_as::<Vec<Value>>().len(), 4);
    env.run(&["report", "backups"])
        .await
        .ok()
        .stdout_has("critical")
        .stderr_has("1 stale (> 1d), 3 critical (> 7d)");
}

#[sqlx::test(migrations = false)]
async fn history_exports_attempts_as_csv(pool: PgPool) {
    let env = Env::new(pool);
    fleet(&env, &["Acme"]).await;
    env.sql("DELETE FROM tenantctl.provision_attempts").await;
    env.sql(
        "INSERT INTO tenantctl.provision_attempts (platform_name, schema_name, started_at, finished_at, outcome, error) VALUES
         ('Acme', 'tenant_a', '2026-03-01T10:00:00Z', '2026-03-01T10:00:04Z', 'completed', NULL),
         ('Acme, Inc.', 'tenant_b', '2026-03-02T23:59:00Z', NULL, 'failed', 'line one\nline \"two\"'),
         ('Acme', 'tenant_c', '2026-03-03T00:00:00Z', NULL, 'running', NULL);",
    )
    .await;
    let r = env
        .run(&[
            "report",
            "history",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-02",
        ])
        .await;
    r.ok().stderr_has("2 provision attempt(s)");
    let mut rdr = csv::Reader::from_reader(r.stdout.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header[..4],
        [
            "attempt_id",
            "started_at",
            "finished_at",
            "duration_seconds"
        ]
    );
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(&recs[0][1], "2026-03-01T10:00:00Z");
    assert_eq!(&recs[0][3], "4.0");
    assert_eq!(&recs[1][5], "Acme, Inc.");
    assert_eq!(&recs[1][10], "line one\nline \"two\"");

    let none = env
        .run(&[
            "report",
            "history",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-31",
        ])
        .await;
    none.ok();
    assert_eq!(none.stdout.lines().count(), 1, "{}", none.stdout);
    env.run(&[
        "report",
        "history",
        "--from",
        "2026-03-05",
        "--to",
        "2026-03-01",
    ])
    .await
    .code(2)
    .stderr_has("must be before --to");
    env.run(&["report", "history", "--from", "last week"])
        .await
        .code(2)
        .stderr_has("is not a date");
    let json = env
        .run(&[
            "report",
            "history",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-03",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(json.json_as::<Vec<Value>>().len(), 3);
}
