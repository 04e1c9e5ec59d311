//! The handlers of the application's kinds of job (issue 25), each called the way the worker
//! calls it (`Handler::perform` with an `Attempt` for a real platform), against real servers:
//! an HTTP receiver on loopback, real processes, PostgreSQL directly and through PgBouncer in
//! transaction mode, and the SMTP server scripts/test starts.

use crate::common::{Env, smtp_server, unique_address};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tenantctl::config::{Config, Overrides, Settings};
use tenantctl::jobs::handler::{Attempt, Outcome};
use tenantctl::jobs::kinds::{handler_for, kind_settings};
use tenantctl::notify::Tenant;

/// Settings from a config file with `text` (and no environment).
fn settings(env: &Env, text: &str) -> Settings {
    let path = env.write("tenantctl.toml", text);
    let o = Overrides {
        config_file: Some(path),
        ..Overrides::default()
    };
    Config::resolve(&o, &Default::default(), &[])
        .expect("configuration loads")
        .settings
}

/// Platforms `name` at `domain` (a custom domain), provisioned; their tenants as the worker
/// builds them for an attempt.
async fn platforms(env: &Env, s: &Settings, list: &[(&str, &str)]) -> Vec<Tenant> {
    use tenantctl::registry::store::{self, NewPlatform, PlatformInput};
    let prov = tenantctl::provision::Provisioner {
        set: tenantctl::migrate::MigrationSet::embedded(),
        seeds: tenantctl::provision::Seeds::embedded(),
        extension_schema: None,
        base_domain: None,
    };
    let mut out = Vec::new();
    for (name, domain) in list {
        let new = NewPlatform::validate(PlatformInput {
            name: name.to_string(),
            domain: Some(domain.to_string()),
            ..PlatformInput::default()
        })
        .expect("valid platform");
        let p = store::create(&env.pool, &new, None, store::Claims::New { ttl: None })
            .await
            .expect("platform created");
        let done = tenantctl::provision::provision(&env.pool, &prov, &p)
            .await
            .expect("provisioned");
        out.push(
            tenantctl::provision::announce::tenant_of(&env.pool, s, done.platform())
                .await
                .expect("tenant"),
        );
    }
    out
}

/// One attempt of a job of `kind`, performed by that kind's handler.
async fn perform(
    s: &Settings,
    pool: &PgPool,
    kind: &str,
    tenant: &Tenant,
    job_id: i64,
    attempt: i32,
    payload: &Value,
) -> Outcome {
    let k = kind_settings(s, kind).unwrap_or_else(|| panic!("kind {kind} is configured"));
    let h = handler_for(k, s);
    h.perform(Attempt {
        job_id,
        kind,
        attempt,
        max_attempts: i32::try_from(k.max_attempts).unwrap(),
        payload,
        tenant,
        pool,
        timeout: k.timeout,
    })
    .await
    .expect("no failure of tenantctl itself")
}

fn schema(t: &Tenant) -> String {
    t.schema.clone().expect("a schema")
}

// ---- webhook ----

#[derive(Debug, Clone)]
struct Got {
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

/// A receiver on loopback: `/ok` 200, `/busy` 429 with Retry-After 7, `/down` 503 with an
/// HTTP-date Retry-After, `/gone` 422 with a long answer, `/moved` 301, `/slow` answers after
/// 5 s. Returns its base URL and what it received.
async fn receiver() -> (String, Arc<Mutex<Vec<Got>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    let app = Router::new().route(
        "/{what}",
        post(
            move |axum::extract::Path(what): axum::extract::Path<String>,
                  headers: HeaderMap,
                  body: Bytes| {
                let g = g.clone();
                async move {
                    g.lock().unwrap().push(Got {
                        path: what.clone(),
                        headers,
                        body,
                    });
                    match what.as_str() {
                        "ok" => (StatusCode::OK, "thanks").into_response(),
                        "busy" => (
                            StatusCode::TOO_MANY_REQUESTS,
                            [("retry-after", "7")],
                            "slow down",
                        )
                            .into_response(),
                        "down" => {
                            let at = chrono::Utc::now() + chrono::Duration::seconds(120);
                            let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
                            (
                                StatusCode::SERVICE_UNAVAILABLE,
                                [("retry-after", date)],
                                "maintenance",
                            )
                                .into_response()
                        }
                        "gone" => (
                            StatusCode::UNPROCESSABLE_ENTITY,
                            format!("unknown person{}", "!".repeat(5000)),
                        )
                            .into_response(),
                        "moved" => (StatusCode::MOVED_PERMANENTLY, [("location", "/ok")], "")
                            .into_response(),
                        _ => {
                            tokio::time::sleep(Duration::from_secs(5)).await;
                            (StatusCode::OK, "late").into_response()
                        }
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), got)
}

const SECRET: &str = "whsec-0123456789abcdef0123456789";

/// What a receiver does: recompute the HMAC over "<t>.<body>" and compare.
fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    use hmac::{Hmac, KeyInit, Mac};
    let sig = headers
        .get("tenantctl-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut t = None;
    let mut v1 = None;
    for part in sig.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = Some(x.to_string()),
            Some(("v1", x)) => v1 = Some(x.to_string()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap_or(0);
    if !(0..300).contains(&age) {
        return false;
    }
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&hex::decode(v1).unwrap_or_default())
        .is_ok()
}

#[sqlx::test(migrations = false)]
async fn a_webhook_is_signed_names_its_tenant_and_maps_answers_to_outcomes(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let (base, got) = receiver().await;
    let kind = |name: &str, path: &str| {
        format!(
            "[jobs.kinds.{name}]\nhandler = \"webhook\"\nurl = \"{base}/{path}\"\nsecret = \"{SECRET}\"\ntimeout = \"1s\"\n"
        )
    };
    let s = settings(
        &env,
        &[
            kind("ok", "ok"),
            kind("busy", "busy"),
            kind("down", "down"),
            kind("gone", "gone"),
            kind("moved", "moved"),
            kind("slow", "slow"),
            format!(
                "[jobs.kinds.unset]\nhandler = \"webhook\"\nurl = \"{base}/ok\"\nsecret_env = \"TENANTCTL_TEST_NO_SUCH_SECRET\"\n"
            ),
        ]
        .concat(),
    );
    let t = platforms(&env, &s, &[("Acme", "acme.org")]).await;
    let acme = &t[0];
    let payload = json!({"person": 42, "note": "héllo"});

    // Completed, and what arrived is the job, its tenant, and a signature that verifies.
    let o = perform(&s, &env.pool, "ok", acme, 901, 1, &payload).await;
    assert_eq!(o, Outcome::Completed);
    let o = perform(&s, &env.pool, "ok", acme, 901, 2, &payload).await;
    assert_eq!(o, Outcome::Completed);
    let seen: Vec<Got> = got.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let body: Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["id"], 901);
    assert_eq!(body["kind"], "ok");
    assert_eq!(body["attempt"], 1);
    assert_eq!(body["payload"], payload);
    assert_eq!(body["platform"]["id"], acme.id);
    assert_eq!(body["platform"]["name"], "Acme");
    assert_eq!(body["platform"]["schema"], schema(acme));
    assert_eq!(body["platform"]["domain"], "acme.org");
    assert_eq!(body["platform"]["url"], "https://acme.org");
    let h = &seen[0].headers;
    assert_eq!(h["idempotency-key"], "tenantctl-job-901");
    assert_eq!(
        seen[1].headers["idempotency-key"], "tenantctl-job-901",
        "the key is the same on a retry"
    );
    assert_eq!(h["tenantctl-platform-id"], acme.id.to_string().as_str());
    assert_eq!(h["tenantctl-platform-schema"], schema(acme).as_str());
    assert_eq!(h["tenantctl-platform-domain"], "acme.org");
    assert_eq!(h["content-type"], "application/json");
    assert!(verify(SECRET, h, &seen[0].body), "{h:?}");
    assert!(!verify("another-secret-0123456789", h, &seen[0].body));
    let mut forged = seen[0].body.to_vec();
    forged[2] ^= 1;
    assert!(!verify(SECRET, h, &forged), "a changed body fails");

    // 429 and 503: retried after what Retry-After says (seconds, or an HTTP date).
    match perform(&s, &env.pool, "busy", acme, 902, 1, &payload).await {
        Outcome::Retry { error, after } => {
            assert_eq!(after, Some(Duration::from_secs(7)));
            assert_eq!(
                error,
                "the webhook answered 429 Too Many Requests: slow down"
            );
        }
        o => panic!("{o:?}"),
    }
    match perform(&s, &env.pool, "down", acme, 903, 1, &payload).await {
        Outcome::Retry { error, after } => {
            let after = after.expect("Retry-After honoured");
            assert!(
                (Duration::from_secs(110)..=Duration::from_secs(120)).contains(&after),
                "{after:?}"
            );
            assert!(
                error.contains("503") && error.contains("maintenance"),
                "{error}"
            );
        }
        o => panic!("{o:?}"),
    }
    // Another 4xx: discarded, with the start of the answer, bounded.
    match perform(&s, &env.pool, "gone", acme, 904, 1, &payload).await {
        Outcome::Discard { error } => {
            assert!(
                error.starts_with(
                    "the webhook answered 422 Unprocessable Entity: unknown person!!!"
                ),
                "{error}"
            );
            assert!(error.len() < 700, "bounded: {} bytes", error.len());
        }
        o => panic!("{o:?}"),
    }
    // A redirect is not followed.
    match perform(&s, &env.pool, "moved", acme, 905, 1, &payload).await {
        Outcome::Discard { error } => assert!(error.contains("301"), "{error}"),
        o => panic!("{o:?}"),
    }
    let oks = got
        .lock()
        .unwrap()
        .iter()
        .filter(|g| g.path == "ok")
        .count();
    assert_eq!(oks, 2, "the redirect's target was never POSTed to");
    // No answer within the timeout: retried.
    let started = Instant::now();
    match perform(&s, &env.pool, "slow", acme, 906, 1, &payload).await {
        Outcome::Retry { error, after: None } => {
            assert!(error.contains("did not answer within 1s"), "{error}")
        }
        o => panic!("{o:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(4));
    // A secret the worker's environment lacks: retried, naming the variable.
    match perform(&s, &env.pool, "unset", acme, 907, 1, &payload).await {
        Outcome::Retry { error, .. } => {
            assert!(error.contains("$TENANTCTL_TEST_NO_SUCH_SECRET"), "{error}")
        }
        o => panic!("{o:?}"),
    }
}

// ---- command ----

fn alive(pid: i32) -> bool {
    // A zombie (no init reaping it in a container) is dead too.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z')
        }
        Err(_) => false,
    }
}

#[sqlx::test(migrations = false)]
async fn a_command_gets_the_payload_the_tenant_and_its_search_path(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let out = env.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let o = out.display();
    let url = env.url.clone();
    let s = settings(
        &env,
        &format!(
            r#"
[jobs.kinds.run]
handler = "command"
argv = ["sh", "-c", "cat > {o}/stdin.json; env | grep '^TENANTCTL_' | sort > {o}/env; psql -X -At -d \"$1\" -c 'SHOW search_path' > {o}/search_path 2>&1", "job", "{url}"]

[jobs.kinds.tempfail]
handler = "command"
argv = ["sh", "-c", "echo working; echo 'database is busy' >&2; exit 75"]

[jobs.kinds.fails]
handler = "command"
argv = ["sh", "-c", "head -c 10000 /dev/zero | tr '\\0' x >&2; exit 3"]

[jobs.kinds.missing]
handler = "command"
argv = ["/nonexistent/program"]
"#
        ),
    );
    let t = platforms(&env, &s, &[("Acme", "acme.org")]).await;
    let acme = &t[0];
    let payload = json!({"person": 42});
    assert_eq!(
        perform(&s, &env.pool, "run", acme, 11, 2, &payload).await,
        Outcome::Completed
    );
    let stdin: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("stdin.json")).unwrap()).unwrap();
    assert_eq!(stdin, payload);
    let vars = std::fs::read_to_string(out.join("env")).unwrap();
    for want in [
        format!("TENANTCTL_PLATFORM_ID={}", acme.id),
        "TENANTCTL_PLATFORM_NAME=Acme".to_string(),
        format!("TENANTCTL_PLATFORM_SCHEMA={}", schema(acme)),
        "TENANTCTL_PLATFORM_DOMAIN=acme.org".to_string(),
        "TENANTCTL_PLATFORM_URL=https://acme.org".to_string(),
        "TENANTCTL_JOB_ID=11".to_string(),
        "TENANTCTL_JOB_KIND=run".to_string(),
        "TENANTCTL_JOB_ATTEMPT=2".to_string(),
    ] {
        assert!(vars.lines().any(|l| l == want), "{want} not in\n{vars}");
    }
    // PGOPTIONS reaches the server: a libpq client the command starts is in the tenant.
    let path = std::fs::read_to_string(out.join("search_path")).unwrap();
    assert_eq!(path.trim().trim_matches('"'), schema(acme), "{path}");

    match perform(&s, &env.pool, "tempfail", acme, 12, 1, &payload).await {
        Outcome::Retry { error, after: None } => assert_eq!(
            error,
            "the command exited with 75 (EX_TEMPFAIL: try again later); stderr: database is busy; stdout: working"
        ),
        o => panic!("{o:?}"),
    }
    match perform(&s, &env.pool, "fails", acme, 13, 1, &payload).await {
        Outcome::Retry { error, .. } => {
            assert!(
                error.starts_with("the command exited with 3; stderr: …xxx"),
                "{error}"
            );
            assert!(error.len() < 2300, "the output is bounded: {}", error.len());
        }
        o => panic!("{o:?}"),
    }
    match perform(&s, &env.pool, "missing", acme, 14, 1, &payload).await {
        Outcome::Retry { error, .. } => {
            assert!(
                error.starts_with("cannot start `/nonexistent/program`"),
                "{error}"
            )
        }
        o => panic!("{o:?}"),
    }
}

#[sqlx::test(migrations = false)]
async fn a_command_past_its_timeout_is_killed_with_everything_it_started(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let pidfile = env.path().join("grandchild.pid");
    let s = settings(
        &env,
        &format!(
            "[jobs.kinds.hang]\nhandler = \"command\"\ntimeout = \"1s\"\nargv = [\"sh\", \"-c\", \"sleep 300 & echo $! > {}; sleep 300\"]\n",
            pidfile.display()
        ),
    );
    let t = platforms(&env, &s, &[("Acme", "acme.org")]).await;
    let started = Instant::now();
    match perform(&s, &env.pool, "hang", &t[0], 21, 1, &json!({})).await {
        Outcome::Retry { error, .. } => assert!(
            error.starts_with("the command did not finish within 1s; its process group was killed"),
            "{error}"
        ),
        o => panic!("{o:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    while alive(pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !alive(pid),
        "the grandchild {pid} outlived the job's timeout"
    );
}

// ---- sql ----

/// In every tenant schema a table of its own rows and a log the job writes; one shared
/// function (outside the tenants) that finds both by the search_path alone.
async fn sql_fixture(env: &Env, tenants: &[Tenant], rows: &[i64]) {
    env.sql(
        "CREATE SCHEMA app; \
         CREATE FUNCTION app.record_job(p jsonb) RETURNS void LANGUAGE plpgsql AS $$ \
         BEGIN \
           INSERT INTO job_log (items, payload, platform, path) \
           SELECT count(*), p, current_setting('tenantctl.platform_name'), current_setting('search_path') FROM items; \
           IF p ? 'fail' THEN RAISE EXCEPTION 'asked to fail: %', p->>'fail'; END IF; \
           IF p ? 'sleep' THEN PERFORM pg_sleep((p->>'sleep')::float); END IF; \
         END $$;",
    )
    .await;
    for (t, n) in tenants.iter().zip(rows) {
        let s = schema(t);
        env.sql(&format!(
            "CREATE TABLE \"{s}\".items (id int); INSERT INTO \"{s}\".items SELECT generate_series(1, {n}); \
             CREATE TABLE \"{s}\".job_log (items bigint, payload jsonb, platform text, path text);"
        ))
        .await;
    }
}

async fn log_of(env: &Env, t: &Tenant) -> Vec<(i64, Value, String, String)> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT items, payload, platform, path FROM \"{}\".job_log ORDER BY payload->>'n'",
        schema(t)
    )))
    .fetch_all(&env.pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_sql_function_runs_in_its_tenant_only_and_rolls_back_on_failure(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let s = settings(
        &env,
        "[jobs.kinds.record]\nhandler = \"sql\"\nfunction = \"app.record_job\"\ntimeout = \"1s\"\n",
    );
    let t = platforms(&env, &s, &[("Acme", "acme.org"), ("Beta", "beta.org")]).await;
    sql_fixture(&env, &t, &[3, 5]).await;
    // One connection: whatever one attempt set would be there for the next borrower.
    let one = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&env.url)
        .await
        .unwrap();

    let p = json!({"n": 1});
    assert_eq!(
        perform(&s, &one, "record", &t[0], 1, 1, &p).await,
        Outcome::Completed
    );
    let a = log_of(&env, &t[0]).await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].0, 3, "Acme's function counted Acme's rows");
    assert_eq!(a[0].1, p);
    assert_eq!(a[0].2, "Acme");
    assert_eq!(a[0].3.trim_matches('"'), schema(&t[0]));
    assert!(log_of(&env, &t[1]).await.is_empty(), "nothing reached Beta");
    assert_eq!(
        perform(&s, &one, "record", &t[1], 2, 1, &json!({"n": 2})).await,
        Outcome::Completed
    );
    assert_eq!(log_of(&env, &t[1]).await[0].0, 5);
    let path: String = sqlx::query_scalar("SHOW search_path")
        .fetch_one(&one)
        .await
        .unwrap();
    assert_eq!(
        path, "\"$user\", public",
        "no tenant left on the pooled connection"
    );

    // A failure rolls back what the function did, and is retried with the server's words.
    match perform(
        &s,
        &one,
        "record",
        &t[0],
        3,
        1,
        &json!({"n": 3, "fail": "no"}),
    )
    .await
    {
        Outcome::Retry { error, .. } => assert_eq!(
            error,
            format!(
                "app.record_job(payload) in schema {} failed: asked to fail: no (SQLSTATE P0001)",
                schema(&t[0])
            )
        ),
        o => panic!("{o:?}"),
    }
    // The kind's timeout is the statement_timeout.
    match perform(
        &s,
        &one,
        "record",
        &t[0],
        4,
        1,
        &json!({"n": 4, "sleep": 3}),
    )
    .await
    {
        Outcome::Retry { error, .. } => {
            assert!(
                error.ends_with("did not finish within 1s (statement_timeout)"),
                "{error}"
            )
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(log_of(&env, &t[0]).await.len(), 1, "both rolled back");
    let path: String = sqlx::query_scalar("SHOW search_path")
        .fetch_one(&one)
        .await
        .unwrap();
    assert_eq!(path, "\"$user\", public");
}

#[sqlx::test(migrations = false)]
async fn a_sql_job_works_through_pgbouncer_in_transaction_mode(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let s = settings(
        &env,
        "[jobs.kinds.record]\nhandler = \"sql\"\nfunction = \"app.record_job\"\n",
    );
    let t = platforms(&env, &s, &[("Acme", "acme.org"), ("Beta", "beta.org")]).await;
    sql_fixture(&env, &t, &[3, 5]).await;
    let opts: sqlx::postgres::PgConnectOptions = env.pgbouncer_url().parse().unwrap();
    let bouncer = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with(opts.statement_cache_capacity(0))
        .await
        .unwrap();
    // Jobs of both tenants at once, over the pooler's shared server connections.
    let mut runs = Vec::new();
    for n in 0..20i64 {
        let (s, bouncer, t) = (s.clone(), bouncer.clone(), t.clone());
        runs.push(tokio::spawn(async move {
            let tenant = &t[usize::try_from(n % 2).unwrap()];
            perform(&s, &bouncer, "record", tenant, n, 1, &json!({"n": n})).await
        }));
    }
    for r in runs {
        assert_eq!(r.await.unwrap(), Outcome::Completed);
    }
    for (i, (tenant, rows)) in t.iter().zip([3, 5]).enumerate() {
        let log = log_of(&env, tenant).await;
        assert_eq!(log.len(), 10, "{log:?}");
        for (items, payload, platform, _) in log {
            assert_eq!(items, rows);
            assert_eq!(platform, tenant.name);
            assert_eq!(payload["n"].as_i64().unwrap() % 2, i as i64, "{payload}");
        }
    }
}

// ---- mail ----

/// The raw messages in the Maildir that mention `needle`.
fn raw_mails(maildir: &Path, needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        for e in std::fs::read_dir(maildir.join(sub))
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(text) = std::fs::read_to_string(e.path())
                && text.contains(needle)
            {
                out.push(text);
            }
        }
    }
    out
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    let head = raw.split("\n\n").next().unwrap_or("");
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::trim)
}

fn templates(dir: &Path) -> PathBuf {
    let t = dir.join("mail");
    std::fs::create_dir_all(&t).unwrap();
    let w = |name: &str, text: &str| std::fs::write(t.join(name), text).unwrap();
    w(
        "digest.subject",
        "News from {{ platform.name }}: {{ payload.title }}\n",
    );
    w(
        "digest.txt",
        "Hello {{ payload.who }},\n{% for r in rows %}* {{ r.title }} {{ platform.url }}/items/{{ r.id }}\n{% endfor %}",
    );
    w(
        "digest.html",
        "<p>Hello {{ payload.who }}</p>{% for r in rows %}<a href=\"{{ platform.url }}/items/{{ r.id }}\">{{ r.title }}</a>{% endfor %}",
    );
    w("items.sql", "SELECT id, title FROM items ORDER BY id;\n");
    w("leak.sql", "SELECT id, title FROM items; DELETE FROM items");
    t
}

#[sqlx::test(migrations = false)]
async fn mail_renders_the_tenants_data_and_links_and_refuses_header_injection(pool: PgPool) {
    let (port, maildir) = smtp_server();
    let env = Env::new(pool);
    env.init().await;
    let dir = templates(env.path());
    let s = settings(
        &env,
        &format!(
            r#"
[notify]
smtp_host = "127.0.0.1"
smtp_port = {port}

[mail]
templates_dir = "{}"
from = "{{{{ platform.name }}}} <no-reply@{{{{ platform.domain }}}}>"
reply_to = "support@{{{{ platform.domain }}}}"

[jobs.kinds.digest]
handler = "mail"
template = "digest"
to = "{{{{ payload.who }}}} <{{{{ payload.email }}}}>"
query = "items"
"#,
            dir.display()
        ),
    );
    let t = platforms(&env, &s, &[("Acme", "acme.org"), ("Beta", "beta.org")]).await;
    for (tenant, titles) in t.iter().zip([["alpha-a", "alpha-b"], ["beta-a", "beta-b"]]) {
        let sc = schema(tenant);
        env.sql(&format!(
            "CREATE TABLE \"{sc}\".items (id int, title text); \
             INSERT INTO \"{sc}\".items VALUES (1, '{}'), (2, '{}');",
            titles[0], titles[1]
        ))
        .await;
    }
    let ann = unique_address(&env.pool, "ann", "acme.org");
    let payload = json!({"who": "Ann", "email": ann, "title": "week 49"});
    assert_eq!(
        perform(&s, &env.pool, "digest", &t[0], 77, 1, &payload).await,
        Outcome::Completed
    );
    let got = raw_mails(&maildir, &ann);
    assert_eq!(got.len(), 1, "{got:?}");
    let m = &got[0];
    assert_eq!(header(m, "Subject"), Some("News from Acme: week 49"));
    assert_eq!(header(m, "From"), Some("Acme <no-reply@acme.org>"));
    assert_eq!(header(m, "Reply-To"), Some("support@acme.org"));
    assert!(
        header(m, "Message-ID").is_some_and(|v| v.starts_with("<tenantctl-job-77@")),
        "{m}"
    );
    assert!(m.contains("multipart/alternative"), "{m}");
    assert!(m.contains("* alpha-a https://acme.org/items/1"), "{m}");
    assert!(
        // The HTML part is escaped (`/` as `&#x2f;`) and quoted-printable (`=` as `=3D`).
        m.contains("acme.org/items/2\">alpha-b</a>"),
        "{m}"
    );
    assert!(!m.contains("beta-"), "another tenant's rows in {m}");
    assert!(!m.contains("example.test"), "the host's address in {m}");

    // Beta's job, Beta's rows and links.
    let bob = unique_address(&env.pool, "bob", "beta.org");
    let payload = json!({"who": "Bob", "email": bob, "title": "hi"});
    assert_eq!(
        perform(&s, &env.pool, "digest", &t[1], 78, 1, &payload).await,
        Outcome::Completed
    );
    let m = &raw_mails(&maildir, &bob)[0];
    assert!(m.contains("* beta-a https://beta.org/items/1"), "{m}");
    assert!(!m.contains("alpha-"), "{m}");
    assert_eq!(header(m, "From"), Some("Beta <no-reply@beta.org>"));

    // Header injection, through every field that reaches a header: refused, nothing sent.
    let victim = unique_address(&env.pool, "victim", "evil.test");
    let cases = [
        json!({"who": "Ann", "email": ann, "title": format!("x\r\nBcc: {victim}")}),
        json!({"who": "Ann", "email": format!("{ann}\r\nBcc: {victim}"), "title": "x"}),
        json!({"who": format!("Ann\nBcc: {victim}"), "email": ann, "title": "x"}),
        json!({"who": "Ann", "email": ann, "title": "x\u{2028}Bcc: v"}),
    ];
    for p in &cases {
        match perform(&s, &env.pool, "digest", &t[0], 79, 1, p).await {
            Outcome::Discard { error } => {
                assert!(error.contains("could inject mail headers"), "{error}")
            }
            o => panic!("{p}: {o:?}"),
        }
    }
    let mut evil = t[0].clone();
    evil.name = format!("Acme\r\nBcc: {victim}");
    match perform(
        &s,
        &env.pool,
        "digest",
        &evil,
        80,
        1,
        &json!({"who": "Ann", "email": ann, "title": "x"}),
    )
    .await
    {
        Outcome::Discard { error } => {
            assert!(error.contains("could inject mail headers"), "{error}")
        }
        o => panic!("{o:?}"),
    }
    assert!(
        raw_mails(&maildir, &victim).is_empty(),
        "a header was injected"
    );
    assert_eq!(raw_mails(&maildir, &ann).len(), 1, "nothing more was sent");

    // The built-in mail kind: the job names its template and query; a read-only transaction.
    let cat = unique_address(&env.pool, "cat", "acme.org");
    let p = json!({"template": "digest", "query": "items", "to": cat, "who": "Cat", "title": "t"});
    assert_eq!(
        perform(&s, &env.pool, "mail", &t[0], 81, 1, &p).await,
        Outcome::Completed
    );
    assert!(raw_mails(&maildir, &cat)[0].contains("alpha-b"));
    let p = json!({"template": "digest", "query": "leak", "to": cat, "who": "Cat", "title": "t"});
    match perform(&s, &env.pool, "mail", &t[0], 82, 1, &p).await {
        Outcome::Retry { error, .. } => assert!(error.contains("the query `leak`"), "{error}"),
        o => panic!("{o:?}"),
    }
    assert_eq!(
        env.count(&schema(&t[0]), "items").await,
        2,
        "nothing deleted"
    );
    let p = json!({"template": "../../etc/passwd", "to": cat});
    match perform(&s, &env.pool, "mail", &t[0], 83, 1, &p).await {
        Outcome::Discard { error } => assert!(error.contains("invalid template name"), "{error}"),
        o => panic!("{o:?}"),
    }
}

#[sqlx::test(migrations = false)]
async fn bad_kinds_fail_the_configuration_before_anything_runs(pool: PgPool) {
    let env = Env::new(pool);
    let path = env.write(
        "tenantctl.toml",
        "[jobs.kinds.welcome]\nhandler = \"mail\"\ntemplate = \"welcome\"\nto = \"{{ payload.email }}\"\n",
    );
    let r = env
        .run(&["--config", path.to_str().unwrap(), "config", "show"])
        .await;
    r.code(2).stderr_has(&format!(
        "`jobs.kinds.welcome` in config file `{}`: a mail handler needs `mail.templates_dir` (where its templates are), which is not set",
        path.display()
    ));
    let path = env.write(
        "tenantctl.toml",
        "[jobs.kinds.hook]\nhandler = \"webhook\"\nurl = \"https://app.test/jobs\"\nsecret = \"x\"\n",
    );
    env.run(&["--config", path.to_str().unwrap(), "config", "show"])
        .await
        .code(2)
        .stderr_has("`jobs.kinds.hook` in config file")
        .stderr_has("`secret` is too short");
}

#[sqlx::test(migrations = false)]
async fn a_sql_job_refuses_a_schema_another_role_can_put_code_in(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    let s = settings(
        &env,
        "[jobs.kinds.record]\nhandler = \"sql\"\nfunction = \"app.record_job\"\n",
    );
    let t = platforms(&env, &s, &[("Acme", "acme.org")]).await;
    sql_fixture(&env, &t, &[3]).await;
    let role = format!("intruder_{:08x}", rand::random::<u32>());
    env.sql(&format!(
        "CREATE ROLE {role}; GRANT CREATE ON SCHEMA \"{}\" TO {role};",
        schema(&t[0])
    ))
    .await;
    let o = perform(&s, &env.pool, "record", &t[0], 1, 1, &json!({"n": 1})).await;
    env.sql(&format!(
        "REVOKE CREATE ON SCHEMA \"{}\" FROM {role}; DROP ROLE {role};",
        schema(&t[0])
    ))
    .await;
    match o {
        Outcome::Retry { error, .. } => {
            assert!(
                error.starts_with(&format!(
                    "refusing to run code in schema `{}` with tenantctl's privileges: role {role} may create objects in it",
                    schema(&t[0])
                )),
                "{error}"
            )
        }
        o => panic!("{o:?}"),
    }
    assert!(
        log_of(&env, &t[0]).await.is_empty(),
        "the function never ran"
    );
    // Once the grant is gone, the job runs.
    assert_eq!(
        perform(&s, &env.pool, "record", &t[0], 1, 2, &json!({"n": 1})).await,
        Outcome::Completed
    );
}
