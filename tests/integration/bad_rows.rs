//! One bad registry row must not stop the fleet (issue 15.4): a `schema_name` edited by hand
//! to something invalid never reaches SQL, is reported as that platform's failure naming the
//! rule it broke, and every other tenant runs (exit 3).

use crate::common::Env;
use serde_json::Value;
use sqlx::PgPool;

/// `init`, T1..T4 provisioned, then T1..T3's `schema_name` edited by hand: `public` and
/// `tenantctl` (reserved) and `Bad;Name` (not an identifier). T4 and the host stay healthy.
/// The registry's CHECK goes first: a `platforms` table the application created before
/// tenantctl (`CREATE TABLE IF NOT EXISTS`) has none.
async fn fleet_with_bad_rows(pool: PgPool) -> Env {
    let env = Env::new(pool);
    env.init().await;
    env.tenants("T", 4).await;
    env.sql(
        "ALTER TABLE public.platforms DROP CONSTRAINT platforms_schema_name_check;
         UPDATE public.platforms SET schema_name = 'public' WHERE name = 'T1';
         UPDATE public.platforms SET schema_name = 'tenantctl' WHERE name = 'T2';
         UPDATE public.platforms SET schema_name = 'Bad;Name' WHERE name = 'T3';",
    )
    .await;
    env
}

fn find<'a>(rows: &'a [Value], key: &str, name: &str) -> &'a Value {
    rows.iter()
        .find(|r| r[key] == name)
        .unwrap_or_else(|| panic!("no row for {name} in {rows:?}"))
}

#[sqlx::test(migrations = false)]
async fn migrate_status_and_verify_report_bad_rows_and_run_the_rest(pool: PgPool) {
    let env = fleet_with_bad_rows(pool).await;
    let dir = env.path().join("tenant-migrations");
    crate::common::copy_sample_migrations(&dir);
    std::fs::write(
        dir.join("29990101000000_posts_summary.up.sql"),
        "ALTER TABLE posts ADD COLUMN summary text;",
    )
    .unwrap();
    std::fs::write(
        dir.join("29990101000000_posts_summary.down.sql"),
        "ALTER TABLE posts DROP COLUMN summary;",
    )
    .unwrap();
    let dir = dir.to_str().unwrap();

    let r = env
        .run(&["migrate", "--tenant-migrations", dir, "-o", "json"])
        .await;
    r.code(3);
    let v = r.json();
    let rows = v["tenant_migrations"]["tenants"]
        .as_array()
        .unwrap()
        .clone();
    let t1 = find(&rows, "platform", "T1");
    assert_eq!(t1["outcome"], "failed");
    assert_eq!(t1["error"], "invalid schema name `public`: is reserved");
    assert!(
        find(&rows, "platform", "T3")["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid schema name `Bad;Name`: must be lower case"),
        "{rows:?}"
    );
    assert_eq!(find(&rows, "platform", "T4")["outcome"], "migrated");
    assert_eq!(find(&rows, "platform", "Host")["outcome"], "migrated");
    assert_eq!(v["tenant_migrations"]["totals"]["failed"], 3);
    // Nothing was created in `public` or `tenantctl`.
    let leaked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'tenantctl') \
         AND tablename IN ('posts', '_sqlx_migrations')",
    )
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(leaked, 0);

    let r = env
        .run(&[
            "migrate",
            "status",
            "--tenant-migrations",
            dir,
            "-o",
            "json",
        ])
        .await;
    r.code(3);
    let rows = r.json().as_array().unwrap().clone();
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert_eq!(find(&rows, "platform", "T2")["state"], "invalid");
    assert!(
        find(&rows, "platform", "T2")["last_error"]
            .as_str()
            .unwrap()
            .contains("invalid schema name `tenantctl`: is reserved")
    );
    assert_eq!(find(&rows, "platform", "T4")["state"], "up_to_date");

    let r = env
        .run(&["migrate", "verify", "--tenant-migrations", dir])
        .await;
    r.code(3)
        .stdout_has("invalid schema name `public`: is reserved");
    assert!(!r.stdout.contains("T4"), "{}", r.stdout);
}

#[sqlx::test(migrations = false)]
async fn report_query_reports_bad_rows_and_queries_the_rest(pool: PgPool) {
    let env = fleet_with_bad_rows(pool).await;
    let r = env
        .run(&[
            "report",
            "query",
            "--sql",
            "SELECT count(*) AS n FROM people",
            "-o",
            "json",
        ])
        .await;
    r.code(3);
    let v = r.json();
    let errors = v["errors"].as_array().unwrap().clone();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        find(&errors, "platform", "T1")["error"]
            .as_str()
            .unwrap()
            .contains("invalid schema name `public`: is reserved")
    );
    let rows = v["rows"].as_array().unwrap();
    let platforms: Vec<&str> = rows
        .iter()
        .map(|r| r["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["Host", "T4"]);
}

#[sqlx::test(migrations = false)]
async fn backup_verify_and_cleanup_report_bad_rows_and_do_the_rest(pool: PgPool) {
    let env = fleet_with_bad_rows(pool).await;
    // Already per tenant before 15.4: the bad rows fail, the rest is backed up.
    env.run(&["backup", "--all"]).await.code(3);

    let r = env.run(&["backup", "verify", "--all", "-o", "json"]).await;
    r.code(3);
    let reports = r.json().as_array().unwrap().clone();
    assert_eq!(reports.len(), 5, "{reports:?}");
    let text = r.stdout.clone();
    assert!(text.contains("invalid schema name `Bad;Name`"), "{text}");
    let ok = reports.iter().filter(|x| x["ok"] == true).count();
    assert_eq!(ok, 2, "{reports:?}");

    // A dry run ends as the real run would (exit 3), and its rows say which platform (by
    // id too) and why, one reason each (issue 28.12).
    let r = env
        .run(&[
            "cleanup",
            "--all",
            "--keep-daily",
            "1",
            "--keep-weekly",
            "0",
            "--keep-monthly",
            "0",
            "--dry-run",
            "-o",
            "json",
        ])
        .await;
    r.code(3);
    let rows = r.json().as_array().unwrap().clone();
    let t2 = find(&rows, "platform", "T2");
    assert_eq!(t2["action"], "failed");
    assert_eq!(t2["reasons"], serde_json::json!(["invalid schema name"]));
    let t4 = find(&rows, "platform", "T4");
    assert_eq!(t4["action"], "keep");
    let t4_id: i64 = sqlx::query_scalar("SELECT id FROM public.platforms WHERE name = 'T4'")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(t4["platform_id"], t4_id);
    assert_eq!(t4["reasons"], serde_json::json!(["newest", "daily"]));
    assert_eq!(t4["reason"], "newest, daily");

    let r = env
        .run(&[
            "cleanup",
            "--all",
            "--keep-daily",
            "1",
            "--keep-weekly",
            "0",
            "--keep-monthly",
            "0",
            "--yes",
            "-o",
            "json",
        ])
        .await;
    r.code(3)
        .stdout_has("invalid schema name `tenantctl`: is reserved");
}

#[sqlx::test(migrations = false)]
async fn status_counts_bad_rows_and_platform_delete_removes_them(pool: PgPool) {
    let env = fleet_with_bad_rows(pool).await;
    env.sql("UPDATE public.platforms SET last_backup_at = now(); DELETE FROM tenantctl.jobs")
        .await;

    let r = env.run(&["status", "-o", "json"]).await;
    r.ok();
    let v = r.json();
    let invalid = v["invalid"].as_array().unwrap().clone();
    assert_eq!(invalid.len(), 3, "{v}");
    assert_eq!(
        find(&invalid, "platform", "T1")["error"],
        "invalid schema name `public`: is reserved"
    );
    // `public` and `tenantctl` are nobody's tenant schema.
    for section in ["backups", "missing_schemas"] {
        for row in v[section].as_array().unwrap() {
            assert!(
                !["public", "tenantctl", "Bad;Name"].contains(&row["schema"].as_str().unwrap()),
                "{section}: {row}"
            );
        }
    }
    for row in v["migrations"]["tenants"].as_array().unwrap() {
        assert!(
            !["public", "tenantctl"].contains(&row["schema"].as_str().unwrap()),
            "{row}"
        );
    }
    let screen = env.run(&["status"]).await;
    screen
        .ok()
        .stdout_has("platforms with an invalid schema name: 3");

    let r = env.run(&["status", "--check"]).await;
    r.code(1);
    assert!(
        r.stdout.starts_with(
            "TENANTCTL WARNING - 3 platform(s) with an invalid schema name (T1, T2, T3)"
        ),
        "{}",
        r.stdout
    );

    let r = env.run(&["report", "sizes", "-o", "json"]).await;
    r.ok();
    let schemas: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["schema"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(schemas.len(), 2, "{schemas:?}");
    assert!(!schemas.iter().any(|s| s == "public" || s == "tenantctl"));

    let r = env.run(&["report", "backups", "-o", "json"]).await;
    r.ok();
    let rows = r.json();
    assert_eq!(rows.as_array().unwrap().len(), 2, "{rows}");

    // The row can go; `public` stays (it holds the registry).
    let r = env
        .run(&["platform", "delete", "T1", "--yes", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["schema_dropped"], false);
    env.run(&["platform", "delete", "T3", "--yes"]).await.ok();
    let left: Vec<String> = sqlx::query_scalar("SELECT name FROM public.platforms ORDER BY id")
        .fetch_all(&env.pool)
        .await
        .unwrap();
    assert_eq!(left, ["Host", "T2", "T4"]);
    assert!(env.schemas().await.contains(&"tenantctl".to_string()));
}
