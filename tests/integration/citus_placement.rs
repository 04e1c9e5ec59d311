//! Placement on Citus (issue 14.3): `platform move`, `rebalance`, `distribute`, the node of
//! each tenant in `platform list/show`, `status` and `report sizes`; bad input; a worker
//! stopped during a move. Each test makes its own database on the test cluster
//! (`citus::cluster`); the fault test takes the spare worker (`citus::take_spare`).
//!
//! NOTE: a logical-replication move (the default) needs a free background-worker slot on the
//! nodes for its apply worker, and the test bed's nodes hold one Citus maintenance daemon per
//! test database: `start_citus` gives them `max_worker_processes = 64` (with PostgreSQL's
//! default of 8 a logical move waits forever for a slot). The rebalance tests move that way;
//! the others use `--block-writes`.

use crate::citus::{Cluster, cluster, comment, make_post, place, take_spare};
use crate::common::Env;
use serde_json::Value;
use sqlx::{AssertSqlSafe, PgPool};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// The other worker than `node`.
fn other(c: &Cluster, node: &str) -> String {
    c.workers.iter().find(|w| *w != node).unwrap().clone()
}

/// The host and three tenants (Acme, Bolt, Cent), all placed on the first worker: their
/// schemas, that worker and the other (empty) one.
async fn crowd(c: &Cluster) -> (Vec<String>, String, String) {
    c.env.init().await;
    let host: String = sqlx::query_scalar("SELECT schema_name FROM public.platforms WHERE host")
        .fetch_one(&c.env.pool)
        .await
        .unwrap();
    let mut schemas = vec![host];
    for (name, sub) in [("Acme", "acme"), ("Bolt", "bolt"), ("Cent", "cent")] {
        schemas.push(c.env.tenant(name, sub).await);
    }
    let crowded = c.workers[0].clone();
    let empty = c.workers[1].clone();
    for s in &schemas {
        place(c, s, &crowded).await;
    }
    (schemas, crowded, empty)
}

/// Add `n` people with about 1.6 KiB of text each.
async fn fill(c: &Cluster, schema: &str, n: i64) {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO \"{schema}\".people (id, email, display_name, bio) \
         SELECT 100000 + g, 'p' || g || '@fill.test', 'P' || g, repeat(md5(g::text), 50) \
         FROM generate_series(1, $1) g"
    )))
    .bind(n)
    .execute(&c.env.pool)
    .await
    .unwrap();
}

async fn maintenance(pool: &PgPool, name: &str) -> bool {
    sqlx::query_scalar("SELECT maintenance FROM public.platforms WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A running `serve` on a free port.
struct Served {
    child: tokio::process::Child,
    addr: std::net::SocketAddr,
}

impl Served {
    async fn start(env: &Env) -> Served {
        let mut child = env.spawn(&["serve", "--listen", "127.0.0.1:0"]);
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.strip_prefix("serving on http://") {
                    return rest.split_whitespace().next().unwrap().parse().unwrap();
                }
            }
            panic!("serve ended before listening");
        })
        .await
        .expect("serve starts listening");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Served { child, addr }
    }
}

/// Requests for `host` until `stop`: (status, retry-after, body) of each.
async fn load(
    addr: std::net::SocketAddr,
    host: String,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<(u16, Option<String>, String)> {
    let c = tenantctl::tls::http_client()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut out = Vec::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let r = c
            .get(format!("http://{addr}/api/communities"))
            .header("host", &host)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let retry = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        out.push((status, retry, r.text().await.unwrap()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    out
}

#[tokio::test]
async fn platform_move_moves_the_tenant_and_serve_answers_503_with_retry_after_meanwhile() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    c.env.init().await;
    let acme = c.env.tenant("Acme", "acme").await;
    let bolt = c.env.tenant("Bolt", "bolt").await;
    make_post(&c, &acme).await;
    assert_eq!(comment(&c, &acme, 2).await, 2);
    let from = c.node_of(&acme, "posts").await;
    let to = other(&c, &from);

    let mut served = Served::start(&c.env).await;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let a = tokio::spawn(load(served.addr, "acme.example.test".into(), stop.clone()));
    let b = tokio::spawn(load(served.addr, "bolt.example.test".into(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = c
        .env
        .run(&[
            "platform",
            "move",
            "Acme",
            "--to",
            &to,
            "--block-writes",
            "--yes",
            "-o",
            "json",
        ])
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    r.ok();
    // Progress on stderr, the outcome on stdout.
    assert!(
        r.stderr
            .contains(&format!("moving schema {acme} from {from} to {to}")),
        "{}",
        r.stderr
    );
    let j = r.json();
    assert_eq!(j["from"], from.as_str());
    assert_eq!(j["to"], to.as_str());
    assert_eq!(c.node_of(&acme, "posts").await, to);
    assert_eq!(c.node_of(&acme, "comments").await, to);
    // Data intact, the trigger still counts, and serve serves it again.
    assert_eq!(comment(&c, &acme, 1).await, 3);
    assert!(!maintenance(&c.env.pool, "Acme").await);

    // Acme: its own data or 503 with Retry-After, never an error page or another tenant's.
    let mut unavailable = 0;
    for (status, retry, body) in &a {
        match status {
            200 => assert!(
                body.contains("Acme Community") && !body.contains("Bolt"),
                "{body}"
            ),
            503 => {
                unavailable += 1;
                assert!(retry.is_some(), "503 without Retry-After: {body}");
                assert!(
                    !body.contains("Bolt") && !body.contains("Community"),
                    "{body}"
                );
            }
            other => panic!("Acme answered {other} during the move: {body}"),
        }
    }
    assert!(
        unavailable > 0,
        "no request saw the move: {} answers",
        a.len()
    );
    assert_eq!(
        a.last().unwrap().0,
        200,
        "Acme is served again after the move"
    );
    // Bolt never noticed.
    assert!(b.len() > 10);
    for (status, _, body) in &b {
        assert_eq!(*status, 200, "{body}");
        assert!(
            body.contains("Bolt Community") && !body.contains("Acme"),
            "{body}"
        );
    }
    let _ = served.child.kill().await;

    // And back.
    let r = c
        .env
        .run(&[
            "platform",
            "move",
            "Acme",
            "--to",
            &from,
            "--block-writes",
            "--yes",
        ])
        .await;
    r.ok();
    assert!(
        r.stdout
            .contains(&format!("moved `Acme` from {to} to {from}")),
        "{}",
        r.stdout
    );
    assert_eq!(c.node_of(&acme, "posts").await, from);
    assert_eq!(comment(&c, &acme, 0).await, 3);
    assert!(c.distributed_schemas().await.contains(&bolt));
}

#[tokio::test]
async fn placement_commands_refuse_bad_input_with_exit_2_and_change_nothing() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    c.env.init().await;
    let acme = c.env.tenant("Acme", "acme").await;
    let node = c.node_of(&acme, "posts").await;
    let before = c.env.registry_snapshot().await;
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["platform", "move", "Nope", "--to", &node],
            "platform `Nope` not found",
        ),
        (
            vec!["platform", "move", "Acme", "--to", "127.0.0.1:1"],
            "node 127.0.0.1:1 is not in the cluster",
        ),
        (
            vec!["platform", "move", "Acme", "--to", &node],
            "`Acme` is already on",
        ),
        (
            vec!["platform", "move", "Acme", "--to", "nohost"],
            "invalid node `nohost`: no port",
        ),
        (
            vec!["distribute", "Acme", "Nope"],
            "platform `Nope` not found",
        ),
        (vec!["distribute"], "required"),
    ];
    for (args, message) in &cases {
        let mut args = args.clone();
        args.push("--yes");
        let r = c.env.run(&args).await;
        r.code(2);
        assert!(r.stderr.contains(message), "{args:?}: {}", r.stderr);
    }
    // Without confirmation (no terminal): refused, exit 4.
    let r = c
        .env
        .run(&["platform", "move", "Acme", "--to", &other(&c, &node)])
        .await;
    r.code(4);
    assert!(
        r.stderr.contains("pass --yes or set TENANTCTL_CONFIRM=yes"),
        "{}",
        r.stderr
    );
    assert_eq!(c.node_of(&acme, "posts").await, node);
    assert_eq!(c.env.registry_snapshot().await, before);
}

#[sqlx::test(migrations = false)]
async fn placement_commands_without_citus_exit_2(pool: PgPool) {
    let env = Env::new(pool);
    env.init().await;
    env.tenant("Acme", "acme").await;
    let before = env.registry_snapshot().await;
    for args in [
        vec![
            "platform",
            "move",
            "Acme",
            "--to",
            "127.0.0.1:5432",
            "--yes",
        ],
        vec!["rebalance", "--block-writes", "--yes"],
        vec!["rebalance", "--dry-run"],
        vec!["distribute", "--all", "--yes"],
    ] {
        let r = env.run(&args).await;
        r.code(2);
        assert!(
            r.stderr
                .contains("needs Citus: this database has no `citus` extension"),
            "{args:?}: {}",
            r.stderr
        );
    }
    // Listing stays as it was: no node column, no `node` field.
    let r = env.run(&["platform", "list", "-o", "json"]).await;
    r.ok();
    assert!(r.json()[0].get("node").is_none(), "{}", r.stdout);
    let r = env.run(&["report", "sizes", "-o", "json"]).await;
    r.ok();
    assert!(r.json()[0].get("node").is_none(), "{}", r.stdout);
    let r = env.run(&["status", "-o", "json"]).await;
    assert!(r.json().get("citus").is_none());
    assert_eq!(env.registry_snapshot().await, before);
}

#[tokio::test]
async fn distribute_turns_local_tenants_into_distributed_ones_with_their_triggers() {
    let Some(mut c) = cluster(Some(false)).await else {
        return;
    };
    c.env.set("TENANTCTL_CITUS_DISTRIBUTE_TENANTS", "false");
    c.env.init().await;
    let acme = c.env.tenant("Acme", "acme").await;
    let bolt = c.env.tenant("Bolt", "bolt").await;
    // A fleet grown on one server: local schemas with data the counter trigger keeps.
    for s in [&acme, &bolt] {
        make_post(&c, s).await;
        assert_eq!(comment(&c, s, 2).await, 2);
    }
    assert!(c.distributed_schemas().await.is_empty());
    let st = c.env.run(&["status", "-o", "json"]).await;
    assert_eq!(st.json()["citus"]["local_tenants"], 3, "{}", st.stdout);

    let r = c.env.run(&["distribute", "Acme", "--yes"]).await;
    r.ok();
    assert!(
        r.stdout
            .contains("1 distributed, 0 already distributed, 0 failed"),
        "{}",
        r.stdout
    );
    assert!(c.distributed_schemas().await.contains(&acme));
    let node = c.node_of(&acme, "comments").await;
    assert!(c.workers.contains(&node), "{node}");
    // The data went with it, the trigger fires on the worker, the local copy is gone.
    assert_eq!(comment(&c, &acme, 1).await, 3);
    assert_eq!(c.env.count(&acme, "comments").await, 3);

    let r = c
        .env
        .run(&["distribute", "--all", "--yes", "-o", "json"])
        .await;
    r.ok();
    let rows = r.json();
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|x| x["platform"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(row("Acme")["status"], "skipped", "{rows}");
    assert_eq!(row("Bolt")["status"], "distributed", "{rows}");
    assert_eq!(row("Host")["status"], "distributed", "{rows}");
    assert!(
        r.stderr.contains("`Acme` is distributed already"),
        "{}",
        r.stderr
    );
    assert_eq!(comment(&c, &bolt, 1).await, 3);
    let st = c.env.run(&["status", "-o", "json"]).await;
    assert_eq!(st.json()["citus"]["local_tenants"], 0, "{}", st.stdout);
    // A disabled trigger stays disabled: only the ones enabled before come back.
    let enabled: Vec<String> = sqlx::query_scalar(
        "SELECT t.tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal",
    )
    .bind(&bolt)
    .fetch_all(&c.env.pool)
    .await
    .unwrap();
    assert!(
        !enabled.is_empty() && enabled.iter().all(|e| e == "O"),
        "{enabled:?}"
    );
}

#[tokio::test]
async fn rebalance_evens_out_the_nodes_and_status_lists_tenants_per_node() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    let (schemas, crowded, empty) = crowd(&c).await;
    fill(&c, &schemas[1], 2000).await;

    // Where each tenant is: list, show, report sizes, status.
    let list = c.env.run(&["platform", "list", "-o", "json"]).await;
    list.ok();
    for p in list.json().as_array().unwrap() {
        assert_eq!(p["node"], crowded.as_str(), "{p}");
    }
    let human = c.env.run(&["platform", "list"]).await;
    assert!(human.stdout.contains(&crowded), "{}", human.stdout);
    let show = c.env.run(&["platform", "show", "Acme"]).await;
    assert!(show.stdout.contains(&crowded), "{}", show.stdout);
    let sizes = c.env.run(&["report", "sizes", "-o", "json"]).await;
    sizes.ok();
    let acme_size = sizes
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["platform"] == "Acme")
        .cloned()
        .unwrap();
    assert_eq!(acme_size["node"], crowded.as_str());
    // The bytes are the shards' on the worker, not the coordinator's empty shells.
    assert!(
        acme_size["total_bytes"].as_i64().unwrap() > 2000 * 1600,
        "{acme_size}"
    );
    let st = c.env.run(&["status", "-o", "json"]).await;
    let nodes = st.json()["citus"]["nodes"].clone();
    let of = |n: &str| {
        nodes
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["node"] == n)
            .cloned()
            .unwrap()
    };
    assert_eq!(of(&crowded)["tenants"], 4, "{nodes}");
    assert_eq!(of(&empty)["tenants"], 0, "{nodes}");
    assert!(
        of(&empty)["imbalance"]
            .as_str()
            .unwrap()
            .contains("no tenants"),
        "{nodes}"
    );
    let human = c.env.run(&["status"]).await;
    assert!(human.stdout.contains("unbalanced"), "{}", human.stdout);
    // The monitoring check warns about it (and names the node).
    let check = c.env.run(&["status", "--check"]).await;
    assert!(
        check.stdout.contains("out of balance") && check.stdout.contains(&empty),
        "{}",
        check.stdout
    );
    assert_ne!(check.code, 0, "{}", check.stdout);

    // The plan, then nothing changed.
    let dry = c.env.run(&["rebalance", "--dry-run", "-o", "json"]).await;
    dry.ok();
    let planned = dry.json()["moves"].as_array().unwrap().clone();
    assert!(!planned.is_empty(), "{}", dry.stdout);
    for m in &planned {
        assert_eq!(m["status"], "planned");
        assert_eq!(m["from"], crowded.as_str());
        assert_eq!(m["to"], empty.as_str());
    }
    for s in &schemas {
        assert_eq!(c.node_of(s, "posts").await, crowded);
    }
    // Without confirmation: refused.
    c.env.run(&["rebalance"]).await.code(4);

    // Logical replication (the default): online, nobody put in maintenance.
    let r = c.env.run(&["rebalance", "--yes", "-o", "json"]).await;
    r.ok();
    let j = r.json();
    assert_eq!(j["moved"], planned.len(), "{j}");
    assert_eq!(j["failed"], 0);
    let mut on_empty = 0;
    for s in &schemas {
        if c.node_of(s, "posts").await == empty {
            on_empty += 1;
        }
    }
    assert_eq!(on_empty, planned.len());
    let st = c.env.run(&["status", "-o", "json"]).await;
    for n in st.json()["citus"]["nodes"].as_array().unwrap() {
        assert!(n["tenants"].as_i64().unwrap() >= 1, "{n}");
        assert!(n.get("imbalance").is_none(), "{n}");
    }
    let check = c.env.run(&["status", "--check"]).await;
    assert!(!check.stdout.contains("out of balance"), "{}", check.stdout);
    // A rerun has nothing left to do.
    let again = c.env.run(&["rebalance", "--yes"]).await;
    again.ok();
    assert!(again.stdout.contains("balanced"), "{}", again.stdout);
    // Nobody was left in maintenance.
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM public.platforms WHERE maintenance")
        .fetch_one(&c.env.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn rebalance_exits_3_when_moves_fail_and_a_rerun_finishes_them() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    let (schemas, crowded, empty) = crowd(&c).await;
    // A table without a primary key or replica identity in every tenant: Citus cannot move
    // its shard by logical replication, so every move the plan makes fails.
    for s in &schemas {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE TABLE \"{s}\".notes (body text); INSERT INTO \"{s}\".notes VALUES ('kept')"
        )))
        .execute(&c.env.pool)
        .await
        .unwrap();
    }
    let planned = c.env.run(&["rebalance", "--dry-run", "-o", "json"]).await;
    planned.ok();
    let planned = planned.json()["moves"].as_array().unwrap().len();
    assert!(planned > 0, "nothing planned");

    let r = c.env.run(&["rebalance", "--yes", "-o", "json"]).await;
    r.code(3);
    let j = r.json();
    assert_eq!(j["moved"], 0, "{j}");
    assert_eq!(j["failed"], planned, "{j}");
    // Every tenant where it was, whole, and served again.
    for s in &schemas {
        assert_eq!(c.node_of(s, "posts").await, crowded);
        let kept: String =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT body FROM \"{s}\".notes")))
                .fetch_one(&c.env.pool)
                .await
                .unwrap();
        assert_eq!(kept, "kept");
    }
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM public.platforms WHERE maintenance")
        .fetch_one(&c.env.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);

    // Fixed, a rerun plans again from where the tenants are and finishes.
    for s in &schemas {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "ALTER TABLE \"{s}\".notes REPLICA IDENTITY FULL"
        )))
        .execute(&c.env.pool)
        .await
        .unwrap();
    }
    let again = c.env.run(&["rebalance", "--yes", "-o", "json"]).await;
    again.ok();
    assert_eq!(again.json()["failed"], 0, "{}", again.stdout);
    assert!(
        again.json()["moved"].as_i64().unwrap() >= 1,
        "{}",
        again.stdout
    );
    let mut on_empty = 0;
    for s in &schemas {
        if c.node_of(s, "posts").await == empty {
            on_empty += 1;
        }
    }
    assert!(on_empty >= 1);
}

#[tokio::test]
async fn a_worker_stopped_during_platform_move_leaves_the_tenant_where_it_was_intact() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    c.env.init().await;
    let acme = c.env.tenant("Acme", "acme").await;
    make_post(&c, &acme).await;
    assert_eq!(comment(&c, &acme, 2).await, 2);
    fill(&c, &acme, 20_000).await;
    let people = c.env.count(&acme, "people").await;
    let from = c.node_of(&acme, "posts").await;
    let Some(spare) = take_spare(&c).await else {
        return;
    };

    // 1. The spare stops while the tenant is being copied to it.
    let mut child = c.env.spawn(&[
        "platform",
        "move",
        "Acme",
        "--to",
        &spare.node,
        "--block-writes",
        "--yes",
    ]);
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let seen = Arc::new(Mutex::new(Vec::new()));
    while let Some(line) = lines.next_line().await.unwrap() {
        seen.lock().unwrap().push(line.clone());
        if line.starts_with("moving schema") {
            tokio::time::sleep(Duration::from_millis(100)).await;
            spare.stop();
            break;
        }
    }
    while let Some(line) = lines.next_line().await.unwrap() {
        seen.lock().unwrap().push(line);
    }
    let status = tokio::time::timeout(Duration::from_secs(120), child.wait())
        .await
        .expect("the move ends")
        .unwrap();
    let stderr = seen.lock().unwrap().join("\n");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the tenant stays where it was"), "{stderr}");
    assert_eq!(c.node_of(&acme, "posts").await, from);
    assert_eq!(c.env.count(&acme, "people").await, people);
    assert_eq!(comment(&c, &acme, 1).await, 3);
    assert!(
        !maintenance(&c.env.pool, "Acme").await,
        "left in maintenance"
    );

    // 2. A move to the spare while it is down: the same.
    let r = c
        .env
        .run(&[
            "platform",
            "move",
            "Acme",
            "--to",
            &spare.node,
            "--block-writes",
            "--yes",
        ])
        .await;
    r.code(1);
    assert_eq!(c.node_of(&acme, "posts").await, from);
    assert_eq!(comment(&c, &acme, 0).await, 3);

    // 3. Back up, the move works; then the spare stops while the tenant is moved off it.
    spare.start();
    c.env
        .run(&[
            "platform",
            "move",
            "Acme",
            "--to",
            &spare.node,
            "--block-writes",
            "--yes",
        ])
        .await
        .ok();
    assert_eq!(c.node_of(&acme, "posts").await, spare.node);
    spare.stop();
    let r = c
        .env
        .run(&[
            "platform",
            "move",
            "Acme",
            "--to",
            &from,
            "--block-writes",
            "--yes",
        ])
        .await;
    r.code(1);
    assert!(
        r.stderr.contains("the tenant stays where it was"),
        "{}",
        r.stderr
    );
    spare.start();
    assert_eq!(c.node_of(&acme, "posts").await, spare.node);
    assert_eq!(c.env.count(&acme, "people").await, people);
    assert_eq!(comment(&c, &acme, 1).await, 4);
    assert!(!maintenance(&c.env.pool, "Acme").await);
    // Leave no tenant on the spare: the next holder may stop it.
    c.env
        .run(&[
            "platform",
            "move",
            "Acme",
            "--to",
            &from,
            "--block-writes",
            "--yes",
        ])
        .await
        .ok();
}
