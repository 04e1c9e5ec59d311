//! `doctor`: each check made to fail for real against the test server, reported with its fix,
//! and `--fix`.

use crate::common::{Env, Run};
use serde_json::Value;
use sqlx::PgPool;
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;

/// `doctor -o json` with extra environment: the run, and each check's status.
async fn doctor(env: &Env, extra: &[(&str, &str)]) -> (Run, HashMap<String, Value>) {
    let r = env.run_with(&["doctor", "-o", "json"], extra).await;
    assert!(!r.stdout.is_empty(), "{r:?}");
    let v = r.json();
    let checks = v["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("checks: {v}"))
        .iter()
        .map(|c| (c["check"].as_str().unwrap().to_string(), c.clone()))
        .collect();
    (r, checks)
}

#[track_caller]
fn is(checks: &HashMap<String, Value>, check: &str, status: &str) {
    let c = checks
        .get(check)
        .unwrap_or_else(|| panic!("no check {check}: {checks:?}"));
    assert_eq!(c["status"], status, "{check}: {c}");
    if status != "PASS" {
        assert!(
            c["fix"].as_str().is_some_and(|f| !f.is_empty()),
            "{check} names a fix: {c}"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn a_fresh_install_passes_and_each_problem_is_reported_with_its_fix(pool: PgPool) {
    let mut env = Env::new(pool);
    env.init().await;
    let acme = env.tenant("Acme", "acme").await;

    let (r, checks) = doctor(&env, &[]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["status"], "PASS");
    assert!(checks.values().all(|c| c["status"] == "PASS"), "{checks:?}");
    for check in [
        "public-create",
        "schema-owner",
        "serve-role",
        "security-definer",
        "invalid-index",
        "pg-dump-version",
        "pg-restore-version",
        "lock-table",
        "direct-connection",
        "statement-cache",
        "clock",
        "leftover-schemas",
        "orphan-schemas",
        "missing-schemas",
    ] {
        assert!(checks.contains_key(check), "{check} missing: {checks:?}");
    }
    // The table for people.
    let r = env.run(&["doctor"]).await;
    r.ok()
        .stdout_has("public-create")
        .stdout_has("doctor: PASS");

    // Leftover and orphan schemas are warnings: exit 1.
    env.sql("CREATE SCHEMA tctl_old_2_20260101t000000; CREATE SCHEMA stray_h6")
        .await;
    let (r, checks) = doctor(&env, &[]).await;
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.json()["status"], "WARN");
    is(&checks, "leftover-schemas", "WARN");
    assert!(
        checks["leftover-schemas"]["detail"]
            .as_str()
            .unwrap()
            .contains("tctl_old_2_20260101t000000")
    );
    is(&checks, "orphan-schemas", "WARN");
    assert!(
        checks["orphan-schemas"]["detail"]
            .as_str()
            .unwrap()
            .contains("stray_h6")
    );
    assert!(
        !checks["orphan-schemas"]["detail"]
            .as_str()
            .unwrap()
            .contains("tctl_old"),
        "a leftover is not also an orphan"
    );
    env.sql("DROP SCHEMA tctl_old_2_20260101t000000; DROP SCHEMA stray_h6")
        .await;

    // A SECURITY DEFINER function without its own search_path: a failure, exit 2.
    env.sql(&format!(
        "CREATE FUNCTION \"{acme}\".whoami() RETURNS text SECURITY DEFINER LANGUAGE sql AS 'SELECT current_user::text'"
    ))
    .await;
    let (r, checks) = doctor(&env, &[]).await;
    assert_eq!(r.code, 2, "{r:?}");
    is(&checks, "security-definer", "FAIL");
    assert!(
        checks["security-definer"]["detail"]
            .as_str()
            .unwrap()
            .contains("whoami()")
    );
    env.sql(&format!(
        "ALTER FUNCTION \"{acme}\".whoami() SET search_path = \"{acme}\", pg_temp"
    ))
    .await;
    let (_, checks) = doctor(&env, &[]).await;
    is(&checks, "security-definer", "PASS");

    // A platform whose schema is gone.
    env.sql("CREATE SCHEMA keep_h6").await;
    env.sql(&format!("ALTER SCHEMA \"{acme}\" RENAME TO keep_h6_acme"))
        .await;
    let (r, checks) = doctor(&env, &[]).await;
    assert_eq!(r.code, 2);
    is(&checks, "missing-schemas", "FAIL");
    assert!(
        checks["missing-schemas"]["detail"]
            .as_str()
            .unwrap()
            .contains("Acme")
    );
    env.sql(&format!(
        "ALTER SCHEMA keep_h6_acme RENAME TO \"{acme}\"; DROP SCHEMA keep_h6"
    ))
    .await;

    // pg_dump older than the server, pg_restore missing.
    let bin = env.path().join("oldpg");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("pg_dump");
    std::fs::write(&fake, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.3'\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (r, checks) = doctor(
        &env,
        &[("TENANTCTL_BACKUP_PG_BIN_DIR", bin.to_str().unwrap())],
    )
    .await;
    assert_eq!(r.code, 2);
    is(&checks, "pg-dump-version", "FAIL");
    assert!(
        checks["pg-dump-version"]["detail"]
            .as_str()
            .unwrap()
            .contains("pg_dump 12")
    );
    is(&checks, "pg-restore-version", "FAIL");

    // More parallel dumps than the lock table holds the largest tenant for.
    let (_, checks) = doctor(&env, &[("TENANTCTL_BACKUP_JOBS", "4000")]).await;
    is(&checks, "lock-table", "FAIL");
    assert!(
        checks["lock-table"]["fix"]
            .as_str()
            .unwrap()
            .contains("max_locks_per_transaction")
    );

    // serve through PgBouncer (transaction pooling) with a statement cache.
    let bouncer = env.pgbouncer_url();
    let (_, checks) = doctor(
        &env,
        &[
            ("TENANTCTL_SERVE_DATABASE_URL", &bouncer),
            ("TENANTCTL_SERVE_STATEMENT_CACHE", "100"),
        ],
    )
    .await;
    is(&checks, "statement-cache", "FAIL");
    let (_, checks) = doctor(&env, &[("TENANTCTL_SERVE_DATABASE_URL", &bouncer)]).await;
    is(&checks, "statement-cache", "PASS");
    // tenantctl's own connection through the pooler.
    env.set("DATABASE_URL", &bouncer);
    let (_, checks) = doctor(&env, &[]).await;
    is(&checks, "direct-connection", "WARN");
    is(&checks, "statement-cache", "FAIL");
    env.env.retain(|(k, _)| k != "DATABASE_URL");
}

#[sqlx::test(migrations = false)]
async fn ownership_and_serve_role_are_checked(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let acme = env.tenant("Acme", "acme").await;
    let db: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let role = format!("srv_{}", &db[db.len().saturating_sub(20)..]).to_lowercase();
    env.sql(&format!(
        "DROP ROLE IF EXISTS \"{role}\"; CREATE ROLE \"{role}\" LOGIN NOSUPERUSER; \
         ALTER SCHEMA \"{acme}\" OWNER TO \"{role}\""
    ))
    .await;
    let mut serve = url::Url::parse(&env.url).unwrap();
    serve.set_username(&role).unwrap();
    let (r, checks) = doctor(&env, &[("TENANTCTL_SERVE_DATABASE_URL", serve.as_str())]).await;
    assert_eq!(r.code, 1, "{r:?}");
    is(&checks, "schema-owner", "WARN");
    assert!(
        checks["schema-owner"]["detail"]
            .as_str()
            .unwrap()
            .contains(&acme)
    );
    is(&checks, "serve-role", "WARN");
    assert!(
        checks["serve-role"]["detail"]
            .as_str()
            .unwrap()
            .contains(&role)
    );
    env.sql(&format!("ALTER SCHEMA \"{acme}\" OWNER TO current_user"))
        .await;
    let (r, checks) = doctor(&env, &[("TENANTCTL_SERVE_DATABASE_URL", serve.as_str())]).await;
    assert_eq!(r.code, 0, "{r:?}");
    is(&checks, "serve-role", "PASS");
    env.sql(&format!("DROP ROLE \"{role}\"")).await;
}

/// CVE-2018-1058: PUBLIC may create in `public`: FAIL, and `--fix` revokes it, after
/// confirming (refused without --yes when there is no terminal).
#[sqlx::test(migrations = false)]
async fn public_create_is_a_failure_that_fix_revokes(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.sql("GRANT CREATE ON SCHEMA public TO PUBLIC").await;
    let (r, checks) = doctor(&env, &[]).await;
    assert_eq!(r.code, 2, "{r:?}");
    is(&checks, "public-create", "FAIL");

    let r = env.run(&["doctor", "--fix"]).await;
    assert_eq!(r.code, 4, "{r:?}");
    let open: bool =
        sqlx::query_scalar("SELECT has_schema_privilege('public', 'public', 'CREATE')")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert!(open, "nothing changed without confirmation");

    let r = env.run(&["doctor", "--fix", "--yes", "-o", "json"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    let v = r.json();
    assert_eq!(v["fixed"][0], "public-create");
    assert_eq!(v["status"], "PASS");
    let open: bool =
        sqlx::query_scalar("SELECT has_schema_privilege('public', 'public', 'CREATE')")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert!(!open, "revoked");

    // A second `--fix` has nothing left to do, and says so (issue 28.11).
    let r = env.run(&["doctor", "--fix", "--yes", "-o", "json"]).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["fixed"], serde_json::json!([]));
    assert_eq!(r.stderr, "nothing to fix: every check passed\n");
}

/// Issue 27.7: on a database that still grants CREATE on `public` to PUBLIC (one upgraded from
/// PostgreSQL 14 or older), `init` revokes it and says so; run again, it has nothing to say.
/// Before, init left it open and only doctor noticed.
#[sqlx::test(migrations = false)]
async fn init_revokes_public_create_where_the_server_still_grants_it(pool: PgPool) {
    let env = Env::new(pool);
    env.sql("GRANT CREATE ON SCHEMA public TO PUBLIC").await;
    let r = env
        .run(&[
            "init",
            "--non-interactive",
            "--name",
            "Host",
            "--domain",
            "example.test",
            "-o",
            "json",
        ])
        .await;
    r.ok();
    assert_eq!(r.json()["public_create"], "revoked", "{r:?}");
    let open: bool =
        sqlx::query_scalar("SELECT has_schema_privilege('public', 'public', 'CREATE')")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert!(!open, "init left CREATE on public to PUBLIC");
    let (_, checks) = doctor(&env, &[]).await;
    is(&checks, "public-create", "PASS");
    let r = env
        .run(&[
            "init",
            "--non-interactive",
            "--name",
            "Host",
            "--domain",
            "example.test",
        ])
        .await;
    r.ok().stdout_has("nothing changed");
    assert!(!r.stdout.contains("revoked CREATE"), "{r:?}");
    env.sql("GRANT CREATE ON SCHEMA public TO PUBLIC").await;
    env.run(&[
        "init",
        "--non-interactive",
        "--name",
        "Host",
        "--domain",
        "example.test",
    ])
    .await
    .ok()
    .stdout_has("revoked CREATE on schema public from PUBLIC");
}

/// Issue 27.8: the role recipe of docs/installation.md, run as written (role name, database and
/// password substituted), gives a role that is no superuser and can `init`, create, provision
/// and migrate tenants. Before, `init` stopped with "permission denied for schema public" on
/// PostgreSQL 15+.
#[sqlx::test(migrations = false)]
async fn the_documented_role_recipe_runs_init_provision_and_migrate(pool: PgPool) {
    let env = Env::new(pool);
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/installation.md"),
    )
    .unwrap();
    let start = docs
        .find("```sql\nCREATE ROLE tenantctl")
        .expect("the recipe")
        + "```sql\n".len();
    let recipe = &docs[start..start + docs[start..].find("```").unwrap()];
    let db: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let role = format!("tctl_{}", &db[db.len().saturating_sub(20)..]).to_lowercase();
    let password = "recipe-pw";
    let sql = recipe
        .replace("ROLE tenantctl", &format!("ROLE \"{role}\""))
        .replace("TO tenantctl", &format!("TO \"{role}\""))
        .replace("DATABASE app", &format!("DATABASE \"{db}\""))
        .replace("'...'", &format!("'{password}'"));
    assert!(
        !sql.contains("tenantctl") && !sql.contains(" app "),
        "{sql}"
    );
    env.sql(&format!("DROP ROLE IF EXISTS \"{role}\"")).await;
    env.sql(&sql).await;
    let mut url = url::Url::parse(&env.url).unwrap();
    url.set_username(&role).unwrap();
    url.set_password(Some(password)).unwrap();
    let as_role = [("DATABASE_URL", url.as_str())];
    env.run_with(
        &[
            "init",
            "--non-interactive",
            "--name",
            "Host",
            "--domain",
            "example.test",
        ],
        &as_role,
    )
    .await
    .ok();
    env.run_with(
        &[
            "platform",
            "create",
            "--name",
            "Acme",
            "--subdomain",
            "acme",
        ],
        &as_role,
    )
    .await
    .ok();
    env.run_with(&["provision", "Acme"], &as_role).await.ok();
    env.run_with(&["migrate", "--all"], &as_role).await.ok();
    let (r, checks) = doctor(&env, &as_role).await;
    is(&checks, "schema-owner", "PASS");
    is(&checks, "tenant-code", "PASS");
    assert!(r.code <= 1, "{r:?}");
    let owners: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT pg_get_userbyid(n.nspowner)::text FROM public.platforms p \
         JOIN pg_namespace n ON n.nspname = p.schema_name",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(owners.as_slice(), std::slice::from_ref(&role));
    env.sql(&format!(
        "DROP OWNED BY \"{role}\" CASCADE; DROP ROLE \"{role}\""
    ))
    .await;
}
