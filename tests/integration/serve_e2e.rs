//! The real `tenantctl serve` process, its request traffic through a real PgBouncer in
//! transaction pooling mode (started by `scripts/test`): a pooled server connection never
//! carries one tenant into the next request; graceful shutdown; raw HTTP edge cases; logs.

use crate::common::Env;
use crate::serve::seed_posts;
use futures::StreamExt;
use serde_json::Value;
use sqlx::{Connection, PgConnection, PgPool};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// A running `serve`.
struct Served {
    child: tokio::process::Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Served {
    async fn start(env: &Env, args: &[&str], extra: &[(&str, &str)]) -> Served {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut child = env.spawn_with(&all, extra);
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                stderr.lock().unwrap().push(line.clone());
                if let Some(rest) = line.strip_prefix("serving on http://") {
                    return rest.split_whitespace().next().unwrap().parse().unwrap();
                }
            }
            panic!("serve ended before listening: {:?}", stderr.lock().unwrap());
        })
        .await
        .expect("serve starts listening");
        let keep = stderr.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                keep.lock().unwrap().push(line);
            }
        });
        Served {
            child,
            addr,
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.id().expect("running").to_string();
        let ok = std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig} {pid}");
    }

    async fn wait(mut self) -> (i32, Vec<String>) {
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("serve exits")
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let lines = self.stderr.lock().unwrap().clone();
        (status.code().unwrap_or(-1), lines)
    }
}

fn client() -> reqwest::Client {
    tenantctl::tls::http_client()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

async fn get_json(c: &reqwest::Client, s: &Served, host: &str, path: &str) -> (u16, Value) {
    let r = c
        .get(s.url(path))
        .header("host", host)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Send raw bytes, return the status code of the answer.
async fn raw(s: &Served, request: &[u8]) -> u16 {
    let mut tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    // The server may answer (and close) before reading an absurd request to its end.
    let _ = tcp.write_all(request).await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| text.strip_prefix("HTTP/1.0 "))
        .and_then(|t| t.get(..3))
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    assert!(!text.contains("Community"), "tenant data in {text}");
    status.parse().unwrap()
}

/// `n` tenants `T0..`, each with posts naming it; returns (name, host, schema).
async fn tenants(env: &Env, n: usize) -> Vec<(String, String, String)> {
    env.init().await;
    let mut out = Vec::new();
    for i in 0..n {
        let name = format!("T{i}");
        let sub = format!("t{i}");
        let schema = env.tenant(&name, &sub).await;
        seed_posts(&env.pool, &schema, &name, 5).await;
        out.push((name, format!("{sub}.example.test"), schema));
    }
    out
}

/// `total` requests, `concurrency` at a time, spread over the tenants and both routes; every
/// answer must be 200 and hold only its own tenant's rows. Returns the number checked.
async fn hammer(
    s: &Served,
    fleet: &[(String, String, String)],
    total: usize,
    concurrency: usize,
) -> usize {
    let c = client();
    futures::stream::iter(0..total)
        .map(|i| {
            let (name, host, _) = fleet[(i * 7) % fleet.len()].clone();
            let path = if i % 2 == 0 {
                "/api/communities"
            } else {
                "/api/posts?limit=100"
            };
            let c = c.clone();
            async move {
                let (status, body) = get_json(&c, s, &host, path).await;
                assert_eq!(status, 200, "{host}{path}: {body}");
                let rows = crate::serve::names(&body);
                assert!(!rows.is_empty(), "{host}{path}: {body}");
                for r in rows {
                    let own =
                        r == format!("{name} Community") || r.starts_with(&format!("{name} post "));
                    assert!(
                        own,
                        "{host}{path} answered another tenant's row `{r}`: {body}"
                    );
                }
            }
        })
        .buffer_unordered(concurrency)
        .count()
        .await
}

/// Close PgBouncer's server connections to this test's database, so `#[sqlx::test]` can drop
/// it (through the admin console, which takes simple queries only).
async fn release_pgbouncer(bouncer: &str) {
    let mut u = url::Url::parse(bouncer).unwrap();
    let db = u.path().trim_start_matches('/').to_string();
    u.set_path("/pgbouncer");
    let mut admin = PgConnection::connect(u.as_str()).await.unwrap();
    // KILL drops the connections and holds new ones until RESUME.
    for command in ["KILL", "RESUME"] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("{command} {db}")))
            .execute(&mut admin)
            .await
            .unwrap();
    }
    let _ = admin.close().await;
}

async fn search_path_of_fresh_transactions(url: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        let mut c = PgConnection::connect(url).await.unwrap();
        let mut tx = c.begin().await.unwrap();
        let sp: String = sqlx::query_scalar("SELECT current_setting('search_path')")
            .persistent(false)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        out.push(sp);
        c.close().await.unwrap();
    }
    out
}

#[sqlx::test(migrations = false)]
async fn behind_pgbouncer_no_request_carries_a_tenant_into_the_next(pool: PgPool) {
    let env = Env::new(pool);
    let bouncer = env.pgbouncer_url();
    let fleet = tenants(&env, 6).await;
    // Legacy tables in public of the same name: a request that lost its search_path would
    // fall through to them (it must fail instead).
    sqlx::raw_sql(
        "CREATE TABLE public.communities (id bigint, slug text, name text, description text, \
         visibility text, created_at timestamptz, archived_at timestamptz); \
         INSERT INTO public.communities VALUES (1, 'leak', 'LEAK from public', NULL, 'public', now(), NULL);",
    )
    .execute(&env.pool)
    .await
    .unwrap();
    let s = Served::start(
        &env,
        &[],
        &[
            ("TENANTCTL_SERVE_DATABASE_URL", bouncer.as_str()),
            ("TENANTCTL_SERVE_POOL_SIZE", "24"),
        ],
    )
    .await;

    // 24 client connections of serve share the few server connections PgBouncer keeps for
    // this database (scripts/test: 4), transaction by transaction.
    assert_eq!(hammer(&s, &fleet, 1500, 48).await, 1500);
    // What serve leaves on the server connections: nothing.
    let default = search_path_of_fresh_transactions(&env.url, 1).await[0].clone();
    for sp in search_path_of_fresh_transactions(&bouncer, 12).await {
        assert_eq!(sp, default);
    }

    // The control: a session-level SET through this PgBouncer does reach the next client —
    // the trap is real here, so the checks above could have failed.
    let poison = &fleet[1].2;
    let mut c = PgConnection::connect(&bouncer).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SET search_path TO \"{poison}\""
    )))
    .execute(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    let seen = search_path_of_fresh_transactions(&bouncer, 8).await;
    assert!(
        seen.iter().any(|sp| sp.contains(poison.as_str())),
        "a session SET did not reach the next client: {seen:?}"
    );
    // With a poisoned server connection in the pool, serve still answers each tenant's own.
    assert_eq!(hammer(&s, &fleet, 1500, 48).await, 1500);

    s.signal("-TERM");
    let (code, lines) = s.wait().await;
    assert_eq!(code, 0, "{lines:?}");
    assert!(
        !lines.iter().any(|l| l.contains("prepared statement")),
        "{lines:?}"
    );
    release_pgbouncer(&bouncer).await;
}

#[sqlx::test(migrations = false)]
async fn sigterm_and_sigint_let_requests_in_flight_finish(pool: PgPool) {
    let env = Env::new(pool);
    let fleet = tenants(&env, 1).await;
    let (_, host, schema) = fleet[0].clone();
    crate::serve::slow_communities(&env.pool, &schema, 1.5).await;
    for sig in ["-TERM", "-INT"] {
        let s = Served::start(&env, &[], &[]).await;
        // A request that takes 1.5 s inside its transaction.
        let url = s.url("/api/communities");
        let h = host.clone();
        let in_flight = tokio::spawn(async move {
            let r = client().get(url).header("host", h).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        });
        tokio::time::sleep(Duration::from_millis(400)).await;
        s.signal(sig);
        tokio::time::sleep(Duration::from_millis(400)).await;
        // Still running: it waits for the request.
        assert!(!in_flight.is_finished());
        // New connections are no longer accepted.
        assert!(tokio::net::TcpStream::connect(s.addr).await.is_err());
        let (status, body) = in_flight.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("T0 Community"), "{body}");
        let (code, lines) = s.wait().await;
        assert_eq!(code, 0, "{sig}: {lines:?}");
        assert!(lines.iter().any(|l| l == "stopped"), "{lines:?}");
    }
}

#[sqlx::test(migrations = false)]
async fn raw_http_edge_cases_get_400(pool: PgPool) {
    let env = Env::new(pool);
    tenants(&env, 2).await;
    let s = Served::start(&env, &[], &[]).await;
    let absurd = format!(
        "GET /api/communities HTTP/1.1\r\nHost: t0.example.test{}\r\nConnection: close\r\n\r\n",
        ".a".repeat(40_000)
    );
    for (what, req, want) in [
        (
            "duplicated Host",
            "GET /api/communities HTTP/1.1\r\nHost: t0.example.test\r\nHost: t1.example.test\r\nConnection: close\r\n\r\n".to_string(),
            &[400][..],
        ),
        (
            "absolute-form naming another tenant",
            "GET http://t1.example.test/api/communities HTTP/1.1\r\nHost: t0.example.test\r\nConnection: close\r\n\r\n".to_string(),
            &[400],
        ),
        (
            // RFC 9112 §3.2 (issue 28.11): was served as the tenant the URL names.
            "HTTP/1.1 absolute-form without Host",
            "GET http://t1.example.test/api/communities HTTP/1.1\r\nConnection: close\r\n\r\n".to_string(),
            &[400],
        ),
        (
            "HTTP/1.0 without Host",
            "GET /api/communities HTTP/1.0\r\n\r\n".to_string(),
            &[400],
        ),
        (
            "Host with a space inside",
            "GET /api/communities HTTP/1.1\r\nHost: t0 .example.test\r\nConnection: close\r\n\r\n".to_string(),
            &[400],
        ),
        // hyper may refuse the header section itself (431) before serve sees it.
        ("absurd Host", absurd, &[400, 431]),
    ] {
        let status = raw(&s, req.as_bytes()).await;
        assert!(want.contains(&status), "{what}: {status}");
    }
    let ok = raw(
        &s,
        b"GET http://T1.example.test./api/posts?limit=1 HTTP/1.1\r\nHost: t1.example.test:80\r\nConnection: close\r\n\r\n",
    );
    // (raw() refuses tenant data in the answer; posts carry no community names.)
    assert_eq!(ok.await, 200);
    s.signal("-TERM");
    assert_eq!(s.wait().await.0, 0);
}

#[sqlx::test(migrations = false)]
async fn json_logs_carry_tenant_and_schema(pool: PgPool) {
    let env = Env::new(pool);
    let fleet = tenants(&env, 1).await;
    let (name, host, schema) = fleet[0].clone();
    let s = Served::start(&env, &["--log-format", "json", "-v"], &[]).await;
    let (status, _) = get_json(&client(), &s, &host, "/api/communities").await;
    assert_eq!(status, 200);
    s.signal("-TERM");
    let (code, lines) = s.wait().await;
    assert_eq!(code, 0);
    let answered: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["message"] == "answered")
        .collect();
    let line = answered
        .iter()
        .find(|v| v["span"]["path"] == "/api/communities")
        .unwrap_or_else(|| panic!("no request log line in {lines:?}"));
    assert_eq!(line["span"]["tenant"], name.as_str(), "{line}");
    assert_eq!(line["span"]["schema"], schema.as_str(), "{line}");
    assert_eq!(line["span"]["host"], host.as_str(), "{line}");
    assert_eq!(line["status"], 200, "{line}");
}

#[sqlx::test(migrations = false)]
async fn serve_refuses_bad_settings(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.run(&["serve", "--listen", "localhost"])
        .await
        .code(2)
        .stderr_has("invalid listen address `localhost`");
    env.run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--bench-fixed-schema",
        "public",
    ])
    .await
    .code(2);
    env.run_with(
        &["serve", "--listen", "127.0.0.1:0"],
        &[(
            "TENANTCTL_SERVE_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/x",
        )],
    )
    .await
    .code(69)
    .stderr_has("cannot reach database");
}

/// How many answers came, and each that was not 200: (tenant, status, body).
type Answers = (usize, Vec<(String, u16, String)>);

/// Clients that keep asking every tenant for its posts (`clients` at a time) until `stop`;
/// returns how many answers came, and each answer that was not 200 as (tenant, status, body).
fn keep_asking(
    addr: SocketAddr,
    fleet: Vec<(String, String, String)>,
    clients: usize,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<Answers> {
    tokio::spawn(async move {
        let c = client();
        let mut handles = Vec::new();
        for k in 0..clients {
            let (c, fleet, stop) = (c.clone(), fleet.clone(), stop.clone());
            handles.push(tokio::spawn(async move {
                let mut answered = 0;
                let mut bad = Vec::new();
                let mut i = k;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let (name, host, _) = &fleet[i % fleet.len()];
                    i += 1;
                    let r = c
                        .get(format!("http://{addr}/api/posts?limit=5"))
                        .header("host", host)
                        .send()
                        .await
                        .expect("request");
                    let status = r.status().as_u16();
                    let body = r.text().await.unwrap_or_default();
                    answered += 1;
                    if status != 200 {
                        bad.push((name.clone(), status, body));
                    }
                }
                (answered, bad)
            }));
        }
        let mut answered = 0;
        let mut bad = Vec::new();
        for h in handles {
            let (a, b) = h.await.unwrap();
            answered += a;
            bad.extend(b);
        }
        (answered, bad)
    })
}

/// Run `cmd` while 4 clients keep asking serve for every tenant's posts (from a moment before
/// until a second after it); returns the answers counted and those that were not 200.
async fn under_load(
    env: &Env,
    s: &Served,
    fleet: &[(String, String, String)],
    cmd: &[&str],
) -> Answers {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = keep_asking(s.addr, fleet.to_vec(), 4, stop.clone());
    tokio::time::sleep(Duration::from_millis(700)).await;
    env.run(cmd).await.ok();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    load.await.unwrap()
}

/// Issue 15.1: a tenant migration that changes a column's type must not fail requests (no
/// "cached plan must not change result type" 500s), nor must its rollback, nor a restore that
/// brings the old type back.
#[sqlx::test(migrations = false)]
async fn a_migration_that_retypes_a_column_fails_no_request(pool: PgPool) {
    let env = Env::new(pool);
    let fleet = tenants(&env, 3).await;
    // T0's backup, taken while `title` is still `text`.
    let r = env.run(&["backup", "T0", "-o", "json"]).await;
    r.ok();
    let dir = env.path().join("tenant-migrations");
    crate::common::copy_sample_migrations(&dir);
    std::fs::write(
        dir.join("20990101000000_retype_title.up.sql"),
        "ALTER TABLE posts ALTER COLUMN title TYPE varchar(300);\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("20990101000000_retype_title.down.sql"),
        "ALTER TABLE posts ALTER COLUMN title TYPE text;\n",
    )
    .unwrap();
    let dir = dir.to_str().unwrap().to_string();
    let s = Served::start(&env, &[], &[]).await;

    let (answered, bad) = under_load(
        &env,
        &s,
        &fleet,
        &["migrate", "--tenants-only", "--tenant-migrations", &dir],
    )
    .await;
    assert!(answered > 20, "{answered}");
    assert!(
        bad.is_empty(),
        "{} of {answered}: {:?}",
        bad.len(),
        &bad[..bad.len().min(3)]
    );
    let title_type = "SELECT data_type FROM information_schema.columns \
                      WHERE table_schema = $1 AND table_name = 'posts' AND column_name = 'title'";
    let t: String = sqlx::query_scalar(title_type)
        .bind(&fleet[0].2)
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(t, "character varying");

    let (answered, bad) = under_load(
        &env,
        &s,
        &fleet,
        &[
            "migrate",
            "rollback",
            "--to",
            "20260101000010",
            "--tenant-migrations",
            &dir,
            "--yes",
        ],
    )
    .await;
    assert!(
        bad.is_empty(),
        "{} of {answered}: {:?}",
        bad.len(),
        &bad[..bad.len().min(3)]
    );
    let t: String = sqlx::query_scalar(title_type)
        .bind(&fleet[0].2)
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(t, "text");

    // Retyped again, then T0 restored from the backup taken while `title` was `text`. While it
    // restores T0 is in maintenance (503 by design); nothing else may fail, before or after.
    env.run(&["migrate", "--tenants-only", "--tenant-migrations", &dir])
        .await
        .ok();
    let (answered, bad) =
        under_load(&env, &s, &fleet, &["restore", "T0", "--latest", "--yes"]).await;
    let unexpected: Vec<_> = bad
        .iter()
        .filter(|(name, status, _)| !(name == "T0" && *status == 503))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} of {answered}: {:?}",
        unexpected.len(),
        &unexpected[..unexpected.len().min(3)]
    );
    let t: String = sqlx::query_scalar(title_type)
        .bind(&fleet[0].2)
        .fetch_one(&env.pool)
        .await
        .unwrap();
    assert_eq!(t, "text");
    // After the restore every tenant answers again.
    let c = client();
    for (_, host, _) in &fleet {
        let (status, body) = get_json(&c, &s, host, "/api/posts").await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    s.signal("-TERM");
    s.wait().await;
}
