//! An operator's first day (issue 28): errors in the server's words, closed pipes, a `--wait`
//! that ends, `doctor` on a fresh queue, the namespaced confirmation.

use crate::common::{Env, Run};
use sqlx::PgPool;

/// Run `tenantctl ARGS` with stdout and/or stderr a pipe whose reader has gone (`2>&1 | true`,
/// `| head -0`): the exit code and whatever the open stream got.
async fn with_closed(env: &Env, args: &[&str], extra: &[(&str, &str)], stdout: bool) -> Run {
    let mut cmd = env.command(args);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("tenantctl starts");
    // Close the reading end before the command writes anything.
    drop(child.stderr.take());
    if stdout {
        drop(child.stdout.take());
    }
    let out = child.wait_with_output().await.expect("tenantctl ends");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::new(),
    }
}

#[sqlx::test(migrations = false)]
async fn a_closed_stderr_or_stdout_changes_no_exit_code(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    // A name that does not exist: the same exit code as with stderr open, never a panic (101).
    let open = env.run(&["platform", "show", "nosuch"]).await;
    assert!(open.code != 0 && open.code != 101, "{open:?}");
    assert!(open.stderr.contains("nosuch"), "{open:?}");
    let closed = with_closed(&env, &["platform", "show", "nosuch"], &[], false).await;
    assert_eq!(closed.code, open.code, "{closed:?}");
    let closed = with_closed(&env, &["platform", "show", "nosuch"], &[], true).await;
    assert_eq!(closed.code, open.code, "{closed:?}");

    // The database down: 69, what retry wrappers look for, with stderr closed too.
    let down = [
        ("DATABASE_URL", "postgres://tenantctl@127.0.0.1:1/nowhere"),
        ("TENANTCTL_CONNECT_TIMEOUT", "2s"),
    ];
    let r = env.run_with(&["status"], &down).await;
    assert_eq!(r.code, 69, "{r:?}");
    for stdout in [false, true] {
        let r = with_closed(&env, &["status"], &down, stdout).await;
        assert_eq!(r.code, 69, "stdout closed too: {stdout}: {r:?}");
    }
    // A monitoring check whose reader went away still exits CRITICAL (2), not 0 or 101.
    let r = with_closed(&env, &["status", "--check"], &down, true).await;
    assert_eq!(r.code, 2, "{r:?}");
    // A note on stderr (a result on stdout) with stderr closed: the command still succeeds.
    let r = with_closed(&env, &["platform", "list"], &[], false).await;
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Host"), "{r:?}");
}

#[sqlx::test(migrations = false)]
async fn a_permission_error_is_the_servers_message_without_c_source_lines(pool: PgPool) {
    let env = Env::new(pool);
    let db: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let role = format!("ro_{}", &db[db.len().saturating_sub(20)..]).to_lowercase();
    env.sql(&format!(
        "DROP ROLE IF EXISTS \"{role}\"; CREATE ROLE \"{role}\" LOGIN NOSUPERUSER; \
         REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT CREATE ON DATABASE \"{db}\" TO \"{role}\""
    ))
    .await;
    let mut url = url::Url::parse(&env.url).unwrap();
    url.set_username(&role).unwrap();
    let r = env
        .run_with(
            &[
                "init",
                "--non-interactive",
                "--name",
                "Host",
                "--domain",
                "example.test",
            ],
            &[("DATABASE_URL", url.as_str())],
        )
        .await;
    env.sql(&format!(
        "DROP SCHEMA IF EXISTS tenantctl CASCADE; DROP OWNED BY \"{role}\"; DROP ROLE \"{role}\""
    ))
    .await;
    assert_eq!(r.code, 1, "{r:?}");
    // PostgreSQL's message, not sqlx's text of it, which ends in " at line N", a line of
    // PostgreSQL's C source (issue 28.3).
    assert!(!r.stderr.contains("at line"), "{}", r.stderr);
    assert!(
        r.stderr.contains("permission denied for schema public"),
        "{}",
        r.stderr
    );
}

#[sqlx::test(migrations = false)]
async fn create_wait_says_what_it_waits_for_and_gives_up_after_its_timeout(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    // No worker runs: the job stays queued.
    let r = env
        .run(&[
            "platform",
            "create",
            "--name",
            "Acme",
            "--subdomain",
            "acme",
            "--wait",
            "--timeout",
            "1s",
        ])
        .await;
    assert_eq!(r.code, 1, "{r:?}");
    // Said without a terminal too, before the wait.
    r.stderr_has("waiting up to 1s for job ")
        .stderr_has(": provisioning `Acme` (a `tenantctl worker` runs it)")
        .stderr_has("still queued: no worker has taken it")
        .stderr_has("start a worker (`tenantctl worker`)");
    assert!(
        r.stderr
            .contains("error: timed out after 1s waiting for job "),
        "{}",
        r.stderr
    );
    // The platform was created all the same, and says so on stdout.
    r.stdout_has("created platform `Acme`")
        .stdout_has("provisioning queued as job");
    let show = env.show("Acme").await;
    assert_eq!(show["provision_status"], "pending", "{show}");

    // 0 looks once.
    let r = env
        .run(&[
            "platform",
            "create",
            "--name",
            "Beta",
            "--subdomain",
            "beta",
            "--wait",
            "--timeout",
            "0",
        ])
        .await;
    assert_eq!(r.code, 1, "{r:?}");
    r.stderr_has("timed out after 0s");
    // --timeout alone is a usage error: there is nothing to time.
    let r = env
        .run(&[
            "platform",
            "create",
            "--name",
            "Gamma",
            "--subdomain",
            "gamma",
            "--timeout",
            "1s",
        ])
        .await;
    assert_eq!(r.code, 2, "{r:?}");
}

#[sqlx::test(migrations = false)]
async fn a_queued_platform_is_no_doctor_failure_and_status_agrees(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    // Queued, no worker: no schema yet.
    env.create("Queued", "queued").await;
    let r = env.run(&["doctor", "-o", "json"]).await;
    let v = r.json();
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "missing-schemas")
        .cloned()
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(check["status"], "PASS", "{check}");
    assert!(
        check["detail"]
            .as_str()
            .unwrap()
            .contains("not created yet: 1 queued, 0 provisioning"),
        "{check}"
    );
    assert_ne!(r.code, 2, "{r:?}");
    let r = env.run(&["status", "--check"]).await;
    assert!(r.stdout.starts_with("TENANTCTL OK"), "{r:?}");

    // Provisioned, then its schema dropped behind tenantctl's back: both say so.
    let schema = env.show("Queued").await["schema"]
        .as_str()
        .unwrap()
        .to_string();
    env.run(&["provision", "Queued"]).await.ok();
    env.sql(&format!("DROP SCHEMA \"{schema}\" CASCADE")).await;
    let r = env.run(&["doctor", "-o", "json"]).await;
    assert_eq!(r.code, 2, "{r:?}");
    let r = env.run(&["status", "--check"]).await;
    assert_eq!(r.code, 2, "{r:?}");
}

#[sqlx::test(migrations = false)]
async fn tenantctl_confirm_is_the_namespaced_confirmation(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    for name in ["A1", "A2", "A3", "A4"] {
        env.create(name, &name.to_lowercase()).await;
    }
    let delete = |name: &'static str| ["platform", "delete", name];
    // No terminal, no confirmation: refused (4), and the message names the namespaced form.
    let r = env.run(&delete("A1")).await;
    assert_eq!(r.code, 4, "{r:?}");
    r.stderr_has("TENANTCTL_CONFIRM=yes");
    env.run_with(&delete("A1"), &[("TENANTCTL_CONFIRM", "yes")])
        .await
        .ok();
    // The short form still works.
    env.run_with(&delete("A2"), &[("CONFIRM", "yes")])
        .await
        .ok();
    // A set TENANTCTL_CONFIRM decides alone: a CONFIRM=yes meant for another tool confirms
    // nothing then.
    let r = env
        .run_with(
            &delete("A3"),
            &[("CONFIRM", "yes"), ("TENANTCTL_CONFIRM", "no")],
        )
        .await;
    assert_eq!(r.code, 4, "{r:?}");
    env.show("A3").await;
    env.run_with(&delete("A4"), &[("TENANTCTL_CONFIRM", "YES")])
        .await
        .ok();
}
