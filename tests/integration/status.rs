//! `status`: the operator's screen, `--check` for monitoring, `--format prometheus` for metrics.

use crate::common::{Env, quote_ident};
use serde_json::Value;
use sqlx::PgPool;
use std::collections::HashMap;

/// A fleet with one of each problem: a failed platform, a stuck one, a critical and a stale
/// backup, a tenant behind on migrations (recorded) and one whose schema says it is behind,
/// queued jobs. Acme is healthy.
async fn troubled(env: &Env) -> Vec<String> {
    env.init().await;
    let mut s = Vec::new();
    for (name, sub) in [
        ("Acme", "acme"),
        ("Daily", "daily"),
        ("Laggard", "laggard"),
        ("Quiet", "quiet"),
    ] {
        s.push(env.tenant(name, sub).await);
    }
    let set = tenantctl::migrate::MigrationSet::embedded();
    let versions: Vec<i64> = set.ups().map(|m| m.version).collect();
    env.sql(&format!(
        "DELETE FROM tenantctl.jobs;
         UPDATE public.platforms SET last_backup_at = now() - interval '1 hour';
         UPDATE public.platforms SET last_backup_at = now() - interval '30 hours' WHERE name = 'Daily';
         UPDATE public.platforms SET last_backup_at = now() - interval '9 days' WHERE name = 'Host';
         INSERT INTO public.platforms (name, subdomain, schema_name, provision_status, provision_error, updated_at) VALUES
           ('Broken', 'broken', 'tenant_broken_1', 'failed', 'migration 20260101000003 failed: boom', now()),
           ('Stuck', 'stuck', 'tenant_stuck_1', 'provisioning', NULL, now() - interval '1 hour');
         DELETE FROM tenantctl.tenant_migrations;
         INSERT INTO tenantctl.tenant_migrations (platform_id, schema_name, version, latest_version, pending_count, last_run_at)
         SELECT id, schema_name, {second}, {latest}, {pending}, now() FROM public.platforms WHERE name = 'Laggard';
         DELETE FROM {quiet}._sqlx_migrations WHERE version = {latest};
         INSERT INTO tenantctl.jobs (platform_id, platform_name, status) SELECT id, name, 'available' FROM public.platforms WHERE name = 'Broken';
         INSERT INTO tenantctl.jobs (platform_id, platform_name, status, run_at) SELECT id, name, 'scheduled', now() + interval '1 hour' FROM public.platforms WHERE name = 'Stuck';",
        second = versions[1],
        latest = versions[versions.len() - 1],
        pending = versions.len() - 2,
        quiet = quote_ident(&s[3]),
    ))
    .await;
    s
}

#[sqlx::test(migrations = false)]
async fn status_shows_the_fleet_on_one_screen(pool: PgPool) {
    let env = Env::new(pool);
    troubled(&env).await;
    let before = env.data_fingerprint().await;
    let r = env.run(&["status"]).await;
    r.ok()
        .stdout_has("overall: CRITICAL")
        .stdout_has("platforms: 7 (5 completed, 1 failed, 0 pending, 1 provisioning; 0 external)")
        .stdout_has("stuck (provisioning > 10m): 1")
        .stdout_has("Stuck")
        .stdout_has("migration 20260101000003 failed: boom")
        .stdout_has("backups: 1 stale (> 1d), 1 critical (> 7d) of 5")
        .stdout_has("2 of 5 tenant(s) behind")
        .stdout_has("Laggard")
        .stdout_has("Quiet")
        .stdout_has("queue: 2 queued (1 ready");
    assert_eq!(
        env.data_fingerprint().await,
        before,
        "status wrote something"
    );

    let j = env.run(&["status", "-o", "json"]).await;
    j.ok();
    let v = j.json();
    assert_eq!(v["platforms"]["failed"], 1);
    assert_eq!(v["check"]["level"], "CRITICAL");
    assert_eq!(v["queue"]["ready"], 1);
    let lag: HashMap<String, (i64, String)> = v["migrations"]["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["platform"].as_str().unwrap().to_string(),
                (
                    t["lag"].as_i64().unwrap(),
                    t["source"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect();
    let n = tenantctl::migrate::MigrationSet::embedded().len() as i64;
    assert_eq!(lag["Laggard"], (n - 2, "tenant_migrations".to_string()));
    assert_eq!(lag["Quiet"], (1, "schema".to_string()));
    assert_eq!(lag["Acme"].0, 0);
}

/// `status --check` with extra environment: (exit code, the one line).
async fn check(env: &Env, extra: &[(&str, &str)]) -> (i32, String) {
    let r = env.run_with(&["status", "--check"], extra).await;
    assert_eq!(r.stdout.lines().count(), 1, "one line:\n{}", r.stdout);
    (r.code, r.stdout.trim_end().to_string())
}

#[sqlx::test(migrations = false)]
async fn check_follows_the_monitoring_plugin_convention(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    env.sql(
        "DELETE FROM tenantctl.jobs; DELETE FROM tenantctl.tenant_migrations;
         UPDATE public.platforms SET last_backup_at = now()",
    )
    .await;
    let (code, line) = check(&env, &[]).await;
    assert_eq!(code, 0, "{line}");
    assert!(line.starts_with("TENANTCTL OK - 2 platforms"), "{line}");
    assert!(line.contains(" | platforms=2;;;0 failed=0;1;5;0"), "{line}");

    env.sql(
        "INSERT INTO public.platforms (name, subdomain, schema_name, provision_status, provision_error)
         VALUES ('Broken', 'broken', 'tenant_broken_1', 'failed', 'boom')",
    )
    .await;
    let (code, line) = check(&env, &[]).await;
    assert_eq!(code, 1, "{line}");
    assert!(
        line.starts_with("TENANTCTL WARNING - 1 failed platform(s) (Broken)"),
        "{line}"
    );
    // Thresholds come from the configuration.
    assert_eq!(
        check(&env, &[("TENANTCTL_STATUS_FAILED_CRIT", "1")])
            .await
            .0,
        2
    );
    assert_eq!(
        check(&env, &[("TENANTCTL_STATUS_FAILED_WARN", "0")])
            .await
            .0,
        0
    );
    env.write("tenantctl.toml", "[status]\nfailed_warn = 2\n");
    assert_eq!(check(&env, &[]).await.0, 0);
    std::fs::remove_file(env.path().join("tenantctl.toml")).unwrap();

    env.sql("INSERT INTO tenantctl.jobs (platform_name, status) SELECT 'gone ' || i, 'available' FROM generate_series(1, 3) i")
        .await;
    let (code, line) = check(
        &env,
        &[
            ("TENANTCTL_STATUS_FAILED_WARN", "0"),
            ("TENANTCTL_STATUS_QUEUE_WARN", "3"),
        ],
    )
    .await;
    assert_eq!(code, 1, "{line}");
    assert!(line.contains("3 job(s) waiting in the queue"), "{line}");

    env.sql("UPDATE public.platforms SET last_backup_at = now() - interval '8 days' WHERE name = 'Acme'").await;
    let (code, line) = check(&env, &[]).await;
    assert_eq!(code, 2, "{line}");
    assert!(
        line.starts_with("TENANTCTL CRITICAL - 1 backup(s) older than 7d (Acme)"),
        "{line}"
    );
    assert!(
        line.contains("failed platform(s)"),
        "every problem is named: {line}"
    );
}

#[sqlx::test(migrations = false)]
async fn check_says_critical_when_the_database_is_unreachable(pool: PgPool) {
    let env = Env::new(pool);
    let r = env
        .run_with(
            &["status", "--check"],
            &[
                ("DATABASE_URL", "postgres://tenantctl@127.0.0.1:1/nowhere"),
                ("TENANTCTL_CONNECT_TIMEOUT", "2s"),
            ],
        )
        .await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stdout
            .starts_with("TENANTCTL CRITICAL - cannot reach database"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().count(), 1);
}

/// Parse the text exposition: every sample as `name{labels}` → value, checking each line's shape.
fn samples(text: &str) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    let mut typed = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            typed.push(parts.next().unwrap().to_string());
            let kind = parts.next().unwrap();
            assert!(["gauge", "counter", "histogram"].contains(&kind), "{line}");
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("bad line {line:?}"));
        let name = series.split('{').next().unwrap();
        assert!(
            typed.iter().any(|t| name == t
                || name
                    .strip_prefix(t.as_str())
                    .is_some_and(|s| ["_bucket", "_sum", "_count"].contains(&s))),
            "sample {name} has no TYPE line"
        );
        let v: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        out.insert(series.to_string(), v);
    }
    out
}

#[sqlx::test(migrations = false)]
async fn prometheus_exposition_for_the_textfile_collector(pool: PgPool) {
    let env = Env::new(pool);
    let s = troubled(&env).await;
    env.sql(
        "DELETE FROM tenantctl.provision_attempts;
         INSERT INTO tenantctl.provision_attempts (platform_name, started_at, finished_at, outcome, error) VALUES
           ('Acme', now() - interval '10 s', now() - interval '7 s', 'completed', NULL),
           ('Acme', now() - interval '20 s', now() - interval '19.5 s', 'completed', NULL),
           ('Broken', now() - interval '30 s', now() - interval '29 s', 'failed', 'boom');
         INSERT INTO tenantctl.backups (platform_id, platform_name, schema_name, backup_id, storage, location, taken_at, size_bytes, sha256)
         SELECT id, name, schema_name, 'b1', 'local', '/b1', now() - interval '1 hour', 4242, 'x' FROM public.platforms WHERE name = 'Acme';",
    )
    .await;
    let r = env.run(&["status", "--format", "prometheus"]).await;
    r.ok();
    let m = samples(&r.stdout);
    let acme = format!("{{platform=\"Acme\",schema=\"{}\"}}", s[0]);
    let laggard = format!("{{platform=\"Laggard\",schema=\"{}\"}}", s[2]);
    let n = tenantctl::migrate::MigrationSet::embedded().len() as f64;
    for (k, v) in [
        ("tenantctl_platforms{status=\"failed\"}".to_string(), 1.0),
        ("tenantctl_platforms{status=\"completed\"}".to_string(), 5.0),
        (
            "tenantctl_platforms{status=\"provisioning\"}".to_string(),
            1.0,
        ),
        ("tenantctl_platforms_stuck".to_string(), 1.0),
        (
            "tenantctl_provision_attempts_total{outcome=\"completed\"}".to_string(),
            2.0,
        ),
        (
            "tenantctl_provision_attempts_total{outcome=\"failed\"}".to_string(),
            1.0,
        ),
        (
            "tenantctl_provision_duration_seconds_bucket{le=\"1\"}".to_string(),
            1.0,
        ),
        (
            "tenantctl_provision_duration_seconds_bucket{le=\"5\"}".to_string(),
            2.0,
        ),
        (
            "tenantctl_provision_duration_seconds_bucket{le=\"+Inf\"}".to_string(),
            2.0,
        ),
        (
            "tenantctl_provision_duration_seconds_count".to_string(),
            2.0,
        ),
        ("tenantctl_provision_duration_seconds_sum".to_string(), 3.5),
        (format!("tenantctl_backup_size_bytes{acme}"), 4242.0),
        (format!("tenantctl_backup_never{acme}"), 0.0),
        (format!("tenantctl_migration_lag{laggard}"), n - 2.0),
        (format!("tenantctl_migration_lag{acme}"), 0.0),
        ("tenantctl_tenants_behind_migrations".to_string(), 2.0),
        ("tenantctl_queue_depth".to_string(), 2.0),
        ("tenantctl_queue_ready".to_string(), 1.0),
        (
            "tenantctl_jobs{kind=\"provision\",state=\"available\"}".to_string(),
            1.0,
        ),
        (
            "tenantctl_jobs{kind=\"provision\",state=\"scheduled\"}".to_string(),
            1.0,
        ),
        (
            "tenantctl_jobs{kind=\"provision\",state=\"discarded\"}".to_string(),
            0.0,
        ),
        ("tenantctl_jobs_ready{kind=\"provision\"}".to_string(), 1.0),
    ] {
        assert_eq!(m.get(&k), Some(&v), "{k} in:\n{}", r.stdout);
    }
    let age = m[&format!("tenantctl_backup_age_seconds{acme}")];
    assert!((3500.0..3700.0).contains(&age), "{age}");
    let host_age = m
        .iter()
        .find(|(k, _)| k.starts_with("tenantctl_backup_age_seconds{platform=\"Host\""))
        .unwrap()
        .1;
    assert!(*host_age > 8.0 * 86_400.0);

    // Written atomically for node_exporter: the file appears whole, no temporary file is left.
    let dir = env.path().join("textfile");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tenantctl.prom");
    env.run(&[
        "status",
        "--format",
        "prometheus",
        "--write",
        file.to_str().unwrap(),
    ])
    .await
    .ok();
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("# TYPE tenantctl_platforms gauge"));
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("tenantctl.prom")]);
    env.run(&[
        "status",
        "--format",
        "prometheus",
        "--write",
        "/nonexistent/dir/x.prom",
    ])
    .await
    .code(1)
    .stderr_has("cannot write `/nonexistent/dir/x.prom`");
    let _: Value = env.run(&["status", "--format", "json"]).await.json();
}

/// Issue 15.17: a `status --check` that cannot even start (a wrong flag, a bad configuration)
/// is UNKNOWN (3) with a one-line reason on stdout, as monitoring plugins report, never a bare
/// exit 2 that a monitor reads as CRITICAL with nothing to show.
#[sqlx::test(migrations = false)]
async fn check_that_cannot_start_is_unknown_with_a_reason(pool: PgPool) {
    let env = Env::new(pool);
    let unknown = |r: &crate::common::Run, needle: &str| {
        assert_eq!(r.code, 3, "{r:?}");
        assert_eq!(r.stdout.lines().count(), 1, "one line:\n{}", r.stdout);
        assert!(r.stdout.starts_with("TENANTCTL UNKNOWN - "), "{}", r.stdout);
        assert!(r.stdout.contains(needle), "{needle:?} in {}", r.stdout);
    };
    let r = env.run(&["status", "--check", "--bogus"]).await;
    unknown(&r, "--bogus");
    let r = env
        .run(&["--output", "json", "status", "--check", "--bogus"])
        .await;
    unknown(&r, "--bogus");
    let r = env
        .run_with(
            &["status", "--check"],
            &[("TENANTCTL_STATUS_FAILED_WARN", "many")],
        )
        .await;
    unknown(&r, "status.failed_warn");
    env.write("tenantctl.toml", "[status]\nfailed_warm = 2\n");
    let r = env.run(&["status", "--check"]).await;
    unknown(&r, "failed_warm");
    let r = env
        .run(&[
            "--config",
            "/nonexistent/tenantctl.toml",
            "status",
            "--check",
        ])
        .await;
    unknown(&r, "/nonexistent/tenantctl.toml");
    // Outside --check, usage errors stay exit 2 on stderr.
    let r = env.run(&["status", "--bogus"]).await;
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.is_empty());
    // And --help is still help.
    let r = env.run(&["status", "--check", "--help"]).await;
    assert_eq!(r.code, 0, "{r:?}");
}

/// Issue 15.10: a platform left in maintenance (a killed restore) shows everywhere with its
/// reason and age, and `status --check` warns after `status.maintenance_warn`; schemas kept by
/// `restore --keep-old` are listed by `status` and removed by `cleanup --old-schemas`.
#[sqlx::test(migrations = false)]
async fn maintenance_and_kept_old_schemas_are_visible_and_cleaned_up(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    env.tenant("Beta", "beta").await;
    env.run(&["backup", "--all"]).await.ok();
    env.sql("DELETE FROM tenantctl.jobs; DELETE FROM tenantctl.tenant_migrations")
        .await;
    // What a restore killed with SIGKILL leaves behind.
    env.sql(
        "UPDATE public.platforms SET maintenance = true, maintenance_reason = \
         'tenantctl restore: restoring backup 20261202T000000.000Z (pid 1, started 2026-12-02T00:00:00Z)' \
         WHERE name = 'Acme'",
    )
    .await;
    let r = env.run(&["status"]).await;
    r.ok()
        .stdout_has("maintenance: 1")
        .stdout_has("tenantctl restore: restoring backup 20261202T000000.000Z");
    let (code, line) = check(&env, &[]).await;
    assert_eq!(code, 0, "{line}");
    // Two hours on, past the default hour: a warning naming it.
    env.sql(
        "UPDATE public.platforms SET maintenance_since = now() - interval '2 hours' WHERE name = 'Acme'",
    )
    .await;
    let (code, line) = check(&env, &[]).await;
    assert_eq!(code, 1, "{line}");
    assert!(
        line.contains("1 platform(s) in maintenance for more than 1h (Acme)"),
        "{line}"
    );
    env.write("tenantctl.toml", "[status]\nmaintenance_warn = \"3h\"\n");
    assert_eq!(check(&env, &[]).await.0, 0);
    std::fs::remove_file(env.path().join("tenantctl.toml")).unwrap();
    let j = env.run(&["status", "-o", "json"]).await;
    j.ok();
    let m = &j.json()["maintenance"];
    assert_eq!(m.as_array().unwrap().len(), 1, "{m}");
    assert_eq!(m[0]["platform"], "Acme");
    assert!(m[0]["age_seconds"].as_i64().unwrap() >= 7200, "{m}");

    let l = env.run(&["platform", "list"]).await;
    l.ok().stdout_has("maintenance 2h");
    let l = env.run(&["platform", "list", "-o", "json"]).await;
    l.ok();
    let acme = l
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["platform"] == "Acme")
        .cloned()
        .unwrap();
    assert_eq!(acme["maintenance"], true);
    assert!(acme["maintenance_since"].is_string(), "{acme}");
    env.run(&["platform", "show", "Acme"])
        .await
        .ok()
        .stdout_has("tenantctl restore: restoring backup")
        .stdout_has("for 2h");
    // Taking it out clears the time too.
    env.run(&["platform", "maintenance", "Acme", "off"])
        .await
        .ok();
    let since: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT maintenance_since FROM public.platforms WHERE name = 'Acme'")
            .fetch_one(&env.pool)
            .await
            .unwrap();
    assert_eq!(since, None);
    env.run(&["status"])
        .await
        .ok()
        .stdout_has("maintenance: none");

    // `restore --keep-old` leaves the old schema: status lists it, cleanup removes it.
    let r = env
        .run(&["restore", "Beta", "--keep-old", "--yes", "-o", "json"])
        .await;
    r.ok();
    let old = r.json()["kept_old_as"].as_str().unwrap().to_string();
    env.run(&["status"])
        .await
        .ok()
        .stdout_has("schemas kept by restore --keep-old: 1")
        .stdout_has(&old);
    let j = env.run(&["status", "-o", "json"]).await;
    assert_eq!(j.json()["old_schemas"][0]["schema"], old.as_str());
    assert_eq!(j.json()["old_schemas"][0]["platform"], "Beta");
    env.run(&["cleanup", "--old-schemas", "--dry-run"])
        .await
        .ok()
        .stdout_has(&old);
    env.run(&["cleanup", "--old-schemas"])
        .await
        .code(4)
        .stderr_has("pass --yes or set TENANTCTL_CONFIRM=yes");
    assert!(env.schemas().await.contains(&old));
    let r = env
        .run(&["cleanup", "--old-schemas", "--yes", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()[0]["action"], "dropped");
    assert!(!env.schemas().await.contains(&old));
    env.run(&["status"])
        .await
        .ok()
        .stdout_has("schemas kept by restore --keep-old: none");
    env.run(&["cleanup", "--old-schemas", "--all"])
        .await
        .code(2);
}

/// Issue 27.10: a schema name in tenantctl's own families (`tctl_old_…`, `tctl_verify_…`,
/// `tenantctl_verify_…`) is refused for a platform; and a live platform whose schema has such a
/// name (registered before the rule) is never taken for a leftover: `status` does not list it,
/// `cleanup --old-schemas --yes` keeps it, `doctor` does not advise dropping it. Before, cleanup
/// dropped it.
#[sqlx::test(migrations = false)]
async fn a_live_schema_named_like_a_leftover_is_never_dropped(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    for bad in [
        "tctl_old_1_20250101000000",
        "tctl_verify_1_0000abcd",
        "tenantctl_verify_0000abcd",
        "_tenantctl_pool_0000abcd",
    ] {
        env.run(&[
            "platform",
            "create",
            "--name",
            "Sneaky",
            "--subdomain",
            "sneaky",
            "--schema",
            bad,
        ])
        .await
        .code(2)
        .stderr_has(&format!("invalid schema name `{bad}`"))
        .stderr_has("reserved for the schemas tenantctl makes itself");
    }
    // Registered before the rule: the row and the schema as the old release left them.
    let schema = env.tenant("Acme", "acme").await;
    let live = "tctl_old_1_20250101000000";
    let live2 = "tctl_verify_1_0000abcd";
    let beta = env.tenant("Beta", "beta").await;
    env.sql(&format!(
        "ALTER SCHEMA {schema} RENAME TO {live}; \
         UPDATE public.platforms SET schema_name = '{live}' WHERE name = 'Acme'; \
         ALTER SCHEMA {beta} RENAME TO {live2}; \
         UPDATE public.platforms SET schema_name = '{live2}' WHERE name = 'Beta';"
    ))
    .await;
    env.run(&["status"])
        .await
        .ok()
        .stdout_has("schemas kept by restore --keep-old: none");
    let r = env
        .run(&["cleanup", "--old-schemas", "--yes", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json(), serde_json::json!([]), "{r:?}");
    assert!(env.schemas().await.contains(&live.to_string()));
    let r = env.run(&["doctor", "-o", "json"]).await;
    assert!(
        !r.stdout.contains(&format!("DROP SCHEMA {live2}")),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("left by restore --keep-old"),
        "{}",
        r.stdout
    );
}
