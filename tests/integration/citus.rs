//! The Citus group (issue 14): tenantctl against a coordinator and two workers that
//! `scripts/lib/services.sh` (`start_citus`) runs on loopback. Each test makes its own database
//! on every node with the `citus` extension and adds the workers, the way an operator sets up
//! a cluster. Skipped, with one line, when `TENANTCTL_TEST_CITUS_URL` is not set (no Citus on
//! this machine: `scripts/test` says why).
//!
//! Run the group alone: `scripts/test -- citus::`, or against a running cluster
//! `cargo nextest run citus::` with TENANTCTL_TEST_CITUS_URL and TENANTCTL_TEST_CITUS_WORKERS.

use crate::common::{Env, copy_sample_migrations};
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, Connection, PgPool};

/// A fresh database on the test cluster, with Citus set up in it.
pub(crate) struct Cluster {
    pub(crate) env: Env,
    /// Each worker's `host:port`.
    pub(crate) workers: Vec<String>,
    pub(crate) db: String,
}

/// The cluster, or `None` (with one line on stderr) when the test bed has none.
pub(crate) async fn cluster(sharding: Option<bool>) -> Option<Cluster> {
    let Ok(base) = std::env::var("TENANTCTL_TEST_CITUS_URL") else {
        eprintln!(
            "skipped: TENANTCTL_TEST_CITUS_URL is not set (no Citus cluster; scripts/test starts one where Citus is installed or its vendored source is present)"
        );
        return None;
    };
    let workers: Vec<String> = std::env::var("TENANTCTL_TEST_CITUS_WORKERS")
        .expect("TENANTCTL_TEST_CITUS_WORKERS is set with TENANTCTL_TEST_CITUS_URL")
        .split(',')
        .map(str::to_string)
        .collect();
    let db = format!("tctl_citus_{:08x}", rand::random::<u32>());
    let base = url::Url::parse(&base).expect("TENANTCTL_TEST_CITUS_URL parses");
    let mut nodes = vec![base.clone()];
    for w in &workers {
        let mut u = base.clone();
        let (host, port) = w.rsplit_once(':').expect("host:port");
        u.set_host(Some(host)).unwrap();
        u.set_port(Some(port.parse().unwrap())).unwrap();
        nodes.push(u);
    }
    for node in &nodes {
        create_citus_database(node, &db).await;
    }
    let mut url = base.clone();
    url.set_path(&format!("/{db}"));
    let pool = connect(url.as_str()).await;
    let turn = node_turn(&base).await;
    sqlx::query("SELECT citus_set_coordinator_host('127.0.0.1', $1)")
        .bind(i32::from(base.port().expect("port")))
        .execute(&pool)
        .await
        .expect("coordinator host");
    for w in &workers {
        add_node(&pool, w).await;
    }
    turn.close().await.unwrap();
    if let Some(on) = sharding {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "ALTER DATABASE {db} SET citus.enable_schema_based_sharding = {}",
            if on { "on" } else { "off" }
        )))
        .execute(&pool)
        .await
        .expect("database-level setting");
        // New connections see it.
        pool.close().await;
    }
    let pool = connect(url.as_str()).await;
    let env = Env {
        pool,
        url: url.to_string(),
        dir: tempfile::tempdir().expect("scratch dir"),
        env: Vec::new(),
    };
    Some(Cluster { env, workers, db })
}

/// `db` on one node (`node`: a URL to any database there), with the citus extension.
async fn create_citus_database(node: &url::Url, db: &str) {
    let admin = connect(node.as_str()).await;
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&admin)
        .await
        .expect("create database");
    admin.close().await;
    let mut u = node.clone();
    u.set_path(&format!("/{db}"));
    let p = connect(u.as_str()).await;
    sqlx::raw_sql("CREATE EXTENSION citus")
        .execute(&p)
        .await
        .expect("create extension citus");
    p.close().await;
}

/// Adding nodes alters the (cluster-wide) role on each worker: tests running at once would
/// collide ("tuple concurrently updated"), so they take turns. The turn lasts as long as the
/// connection returned.
async fn node_turn(base: &url::Url) -> sqlx::PgConnection {
    let mut turn = sqlx::PgConnection::connect(base.as_str())
        .await
        .expect("connect to the coordinator");
    sqlx::query("SELECT pg_advisory_lock(14014)")
        .execute(&mut turn)
        .await
        .unwrap();
    turn
}

/// `citus_add_node` of `node` (`host:port`) in the database of `pool`.
async fn add_node(pool: &PgPool, node: &str) {
    let (host, port) = node.rsplit_once(':').expect("host:port");
    sqlx::query("SELECT citus_add_node($1, $2)")
        .bind(host)
        .bind(port.parse::<i32>().unwrap())
        .execute(pool)
        .await
        .expect("add node");
}

/// Move a schema with SQL, writes blocked (test set-up, not the command under test); nothing
/// when it is on `node` already.
pub(crate) async fn place(c: &Cluster, schema: &str, node: &str) {
    if c.node_of(schema, "posts").await == node {
        return;
    }
    let (host, port) = node.rsplit_once(':').unwrap();
    sqlx::query("SELECT citus_schema_move($1::regnamespace, $2, $3, 'block_writes')")
        .bind(schema)
        .bind(host)
        .bind(port.parse::<i32>().unwrap())
        .execute(&c.env.pool)
        .await
        .unwrap();
}

pub(crate) async fn connect(url: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

impl Cluster {
    /// Schemas Citus distributes (`pg_dist_schema`).
    pub(crate) async fn distributed_schemas(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT schemaid::regnamespace::text FROM pg_dist_schema ORDER BY 1")
            .fetch_all(&self.env.pool)
            .await
            .unwrap()
    }

    /// Tables of `schema` Citus knows (distributed or reference), by name.
    pub(crate) async fn citus_tables(&self, schema: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1",
        )
        .bind(schema)
        .fetch_all(&self.env.pool)
        .await
        .unwrap()
    }

    /// The `host:port` of the node holding the shard of `schema.table`.
    pub(crate) async fn node_of(&self, schema: &str, table: &str) -> String {
        sqlx::query_scalar(
            "SELECT nodename || ':' || nodeport FROM citus_shards WHERE table_name = to_regclass($1)",
        )
        .bind(format!("\"{schema}\".\"{table}\""))
        .fetch_one(&self.env.pool)
        .await
        .unwrap()
    }

    /// A pool on the same-named database of the worker `host:port`.
    pub(crate) async fn worker(&self, node: &str) -> PgPool {
        let mut u = url::Url::parse(&self.env.url).unwrap();
        let (host, port) = node.rsplit_once(':').unwrap();
        u.set_host(Some(host)).unwrap();
        u.set_port(Some(port.parse().unwrap())).unwrap();
        assert_eq!(u.path(), format!("/{}", self.db));
        connect(u.as_str()).await
    }
}

#[tokio::test]
async fn init_keeps_the_registry_and_tenantctl_local_whatever_the_database_setting() {
    for sharding in [Some(true), Some(false), None] {
        let Some(c) = cluster(sharding).await else {
            return;
        };
        c.env.init().await;
        // The host platform's own tenant schema is a tenant like any other (distributed);
        // tenantctl's schemas are not.
        let distributed = c.distributed_schemas().await;
        assert!(
            !distributed
                .iter()
                .any(|s| s == "tenantctl" || s == "public"),
            "sharding {sharding:?}: {distributed:?}"
        );
        assert!(c.citus_tables("tenantctl").await.is_empty());
        assert!(c.citus_tables("public").await.is_empty());
        // Registry migrations are all recorded, and a second init has nothing to do.
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tenantctl.registry_migrations")
            .fetch_one(&c.env.pool)
            .await
            .unwrap();
        assert!(n > 0);
        c.env.run(&["migrate", "--registry-only"]).await.ok();
    }
}

#[tokio::test]
async fn provision_creates_a_distributed_schema_placed_on_a_worker_with_working_triggers() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    c.env.init().await;
    let schema = c.env.tenant("Acme", "acme").await;
    assert!(
        c.distributed_schemas().await.contains(&schema),
        "{schema} is not in pg_dist_schema"
    );
    let tables = c.citus_tables(&schema).await;
    for t in ["posts", "comments", "_sqlx_migrations"] {
        assert!(
            tables.iter().any(|x| x == t),
            "{t} not distributed: {tables:?}"
        );
    }
    let node = c.node_of(&schema, "posts").await;
    assert!(c.workers.contains(&node), "posts lives on {node}");
    // The worker holds the shard's rows (the seeds), the coordinator only the shell table.
    let w = c.worker(&node).await;
    let mut w = w.acquire().await.unwrap();
    // Citus hides shards from the catalog of a worker unless asked.
    sqlx::raw_sql("SET citus.override_table_visibility = off")
        .execute(&mut *w)
        .await
        .unwrap();
    let shards: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname LIKE 'posts\\_%' AND c.relkind = 'r'",
    )
    .bind(&schema)
    .fetch_one(&mut *w)
    .await
    .unwrap();
    assert_eq!(shards, 1, "the shard of posts on {node}");
    // Seeds ran; the comment counter trigger fires on the worker.
    let q = |sql: &str| sql.replace("S.", &format!("\"{schema}\"."));
    c.env
        .sql(&q(
            "INSERT INTO S.people (id, email, display_name) VALUES (9001, 'a@example.test', 'A')",
        ))
        .await;
    let community: i64 = sqlx::query_scalar(AssertSqlSafe(q("SELECT min(id) FROM S.communities")))
        .fetch_one(&c.env.pool)
        .await
        .unwrap();
    sqlx::query(AssertSqlSafe(q(
        "INSERT INTO S.posts (id, community_id, author_id, title, body) VALUES (77, $1, 9001, 't', 'b')",
    )))
    .bind(community)
    .execute(&c.env.pool)
    .await
    .unwrap();
    sqlx::query(AssertSqlSafe(q(
        "INSERT INTO S.comments (post_id, author_id, body) VALUES (77, 9001, 'hi'), (77, 9001, 'ho')",
    )))
    .execute(&c.env.pool)
    .await
    .unwrap();
    let count: i32 = sqlx::query_scalar(AssertSqlSafe(q(
        "SELECT comments_count FROM S.posts WHERE id = 77",
    )))
    .fetch_one(&c.env.pool)
    .await
    .unwrap();
    assert_eq!(count, 2);
    // tenantctl still sees the tenant as a healthy one, and `status` tells about Citus.
    c.env.run(&["migrate", "status", "-o", "json"]).await.ok();
    let st = c.env.run(&["status", "-o", "json"]).await;
    let citus = &st.json()["citus"];
    assert!(
        citus["distributed_tenants"].as_i64().unwrap() >= 1,
        "{citus}"
    );
    assert_eq!(citus["local_tenants"], 0, "{citus}");
    assert_eq!(citus["tenantctl_sets_unsafe_triggers"], true);
    let human = c.env.run(&["status"]).await;
    assert!(
        human.stdout.contains("citus.enable_unsafe_triggers"),
        "{}",
        human.stdout
    );
}

/// Make post 77 (and its author 9001) in `schema`.
pub(crate) async fn make_post(c: &Cluster, schema: &str) {
    let q = |sql: &str| sql.replace("S.", &format!("\"{schema}\"."));
    c.env
        .sql(&q(
            "INSERT INTO S.people (id, email, display_name) VALUES (9001, 'a@example.test', 'A')",
        ))
        .await;
    // (Not INSERT ... SELECT min(id): Citus fails to relay that one, "syntax error at or near
    // NOT", a Citus matter outside tenantctl.)
    let community: i64 = sqlx::query_scalar(AssertSqlSafe(q("SELECT min(id) FROM S.communities")))
        .fetch_one(&c.env.pool)
        .await
        .unwrap();
    sqlx::query(AssertSqlSafe(q(
        "INSERT INTO S.posts (id, community_id, author_id, title, body) VALUES (77, $1, 9001, 't', 'b')",
    )))
    .bind(community)
    .execute(&c.env.pool)
    .await
    .unwrap();
}

/// The `comments_count` of post 77 in `schema`, after adding `n` comments to it. The count is
/// kept by the sample's trigger.
pub(crate) async fn comment(c: &Cluster, schema: &str, n: usize) -> i32 {
    let q = |sql: &str| sql.replace("S.", &format!("\"{schema}\"."));
    for _ in 0..n {
        c.env
            .sql(&q(
                "INSERT INTO S.comments (post_id, author_id, body) VALUES (77, 9001, 'hi')",
            ))
            .await;
    }
    sqlx::query_scalar(AssertSqlSafe(q(
        "SELECT comments_count FROM S.posts WHERE id = 77",
    )))
    .fetch_one(&c.env.pool)
    .await
    .unwrap()
}

/// A restore on Citus works and the tenant comes back distributed (more in citus_restore.rs).
#[tokio::test]
async fn restore_of_a_distributed_tenant_works_and_keeps_its_triggers() {
    let Some(c) = cluster(Some(true)).await else {
        return;
    };
    c.env.init().await;
    let schema = c.env.tenant("Acme", "acme").await;
    make_post(&c, &schema).await;
    assert_eq!(comment(&c, &schema, 2).await, 2);
    c.env.run(&["backup", "Acme"]).await.ok();
    assert_eq!(comment(&c, &schema, 1).await, 3);
    let r = c
        .env
        .run(&["restore", "Acme", "--latest", "--yes", "-o", "json"])
        .await;
    r.ok();
    assert_eq!(r.json()["replaced"], true);
    // The data of the backup, and the counter trigger still counts.
    assert_eq!(comment(&c, &schema, 0).await, 2);
    assert_eq!(comment(&c, &schema, 1).await, 3);
    assert!(
        !c.distributed_schemas()
            .await
            .iter()
            .any(|s| s.starts_with("tctl_")),
        "the old schema was left behind"
    );
    // `status` shows where the tenant is now.
    let st = c.env.run(&["status", "-o", "json"]).await;
    assert_eq!(st.json()["citus"]["local_tenants"], 0, "{}", st.stdout);
}

#[tokio::test]
async fn distribute_tenants_false_keeps_tenant_schemas_on_the_coordinator() {
    let Some(mut c) = cluster(Some(true)).await else {
        return;
    };
    c.env.set("TENANTCTL_CITUS_DISTRIBUTE_TENANTS", "false");
    c.env.init().await;
    let schema = c.env.tenant("Acme", "acme").await;
    assert_eq!(c.distributed_schemas().await, Vec::<String>::new());
    assert!(c.citus_tables(&schema).await.is_empty());
}

/// A migration that Citus refuses as one query string (citusdata/citus#6608).
const MULTI: &str = "\
-- several statements, one file: each must reach Citus alone
CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL, post_id bigint);
ALTER TABLE tags ADD CONSTRAINT tags_name_key UNIQUE (name);
CREATE INDEX tags_post_idx ON tags (post_id);
CREATE FUNCTION tags_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.name := lower(NEW.name); -- a ; in a body
    RETURN NEW;
END
$$;
CREATE TRIGGER tags_lower BEFORE INSERT ON tags FOR EACH ROW EXECUTE FUNCTION tags_touch();
";

#[tokio::test]
async fn a_multi_statement_migration_applies_on_distributed_tenants() {
    let Some(c) = cluster(Some(true)).await else {
        return;
    };
    let dir = c.env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    let dir_s = dir.to_str().unwrap().to_string();
    let mut c = c;
    c.env.set("TENANTCTL_TENANT_MIGRATIONS_DIR", &dir_s);
    c.env.init().await;
    let a = c.env.tenant("Acme", "acme").await;
    let b = c.env.tenant("Bolt", "bolt").await;
    std::fs::write(dir.join("20990101000001_tags.up.sql"), MULTI).unwrap();
    let r = c.env.run(&["migrate", "-o", "json"]).await;
    r.ok();
    for schema in [&a, &b] {
        assert!(c.env.versions(schema).await.contains(&20990101000001));
        assert!(c.citus_tables(schema).await.contains(&"tags".to_string()));
        // Index, unique constraint and trigger are there and work.
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO \"{schema}\".tags (id, name) VALUES (1, 'MiXed')"
        )))
        .execute(&c.env.pool)
        .await
        .unwrap();
        let name: String =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT name FROM \"{schema}\".tags")))
                .fetch_one(&c.env.pool)
                .await
                .unwrap();
        assert_eq!(name, "mixed");
        let dup = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO \"{schema}\".tags (id, name) VALUES (2, 'MIXED')"
        )))
        .execute(&c.env.pool)
        .await
        .unwrap_err();
        assert!(dup.to_string().contains("tags_name_key"), "{dup}");
        let idx: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = 'tags_post_idx')",
        )
        .bind(schema)
        .fetch_one(&c.env.pool)
        .await
        .unwrap();
        assert!(idx);
    }
}

#[tokio::test]
async fn a_failing_migration_leaves_the_distributed_tenant_fully_old() {
    let Some(c) = cluster(Some(false)).await else {
        return;
    };
    let dir = c.env.path().join("tenant-migrations");
    copy_sample_migrations(&dir);
    let mut c = c;
    c.env
        .set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap());
    c.env.init().await;
    let a = c.env.tenant("Acme", "acme").await;
    let before = c.env.versions(&a).await;
    let tables_before = c.citus_tables(&a).await;
    std::fs::write(
        dir.join("20990101000001_tags.up.sql"),
        format!("{MULTI}\nINSERT INTO tags (id, name) VALUES (1, 'a'), (2, 'A');\n"),
    )
    .unwrap();
    let r = c.env.run(&["migrate"]).await;
    assert_ne!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("tags_name_key") || r.stdout.contains("tags_name_key"),
        "{r:?}"
    );
    assert_eq!(c.env.versions(&a).await, before);
    assert_eq!(c.citus_tables(&a).await, tables_before);
    let tags: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
        .bind(format!("\"{a}\".tags"))
        .fetch_one(&c.env.pool)
        .await
        .unwrap();
    assert_eq!(tags, None);
    let fns: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = $1 AND p.proname = 'tags_touch'",
    )
    .bind(&a)
    .fetch_one(&c.env.pool)
    .await
    .unwrap();
    assert_eq!(fns, 0);
}

/// The spare worker (`TENANTCTL_TEST_CITUS_SPARE`), taken by one fault test at a time: it
/// holds `pg_advisory_lock(14015)` on a coordinator connection (database `postgres`) for as
/// long as it lives, so two tests that stop the spare never overlap. [`take_spare`] adds it to
/// the test's own database; no other test's cluster has it. Dropping it starts the spare
/// again if the test stopped it (and left it stopped, e.g. by panicking).
pub(crate) struct Spare {
    /// `host:port` of the spare.
    pub(crate) node: String,
    data: String,
    _turn: sqlx::PgConnection,
}

/// Take the spare for this test (waiting for any other test holding it) and add it to `c`'s
/// database as a worker. `None` when the test bed has no spare (the test is skipped).
pub(crate) async fn take_spare(c: &Cluster) -> Option<Spare> {
    let (Ok(node), Ok(data)) = (
        std::env::var("TENANTCTL_TEST_CITUS_SPARE"),
        std::env::var("TENANTCTL_TEST_CITUS_SPARE_DATA"),
    ) else {
        eprintln!("skipped: TENANTCTL_TEST_CITUS_SPARE(_DATA) is not set (no spare worker)");
        return None;
    };
    let base = url::Url::parse(&std::env::var("TENANTCTL_TEST_CITUS_URL").unwrap()).unwrap();
    let mut turn = sqlx::PgConnection::connect(base.as_str())
        .await
        .expect("connect to the coordinator");
    sqlx::query("SELECT pg_advisory_lock(14015)")
        .execute(&mut turn)
        .await
        .unwrap();
    let spare = Spare {
        node: node.clone(),
        data,
        _turn: turn,
    };
    // A previous holder that died may have left it stopped.
    spare.start();
    let (host, port) = node.rsplit_once(':').expect("host:port");
    let mut u = base.clone();
    u.set_host(Some(host)).unwrap();
    u.set_port(Some(port.parse().unwrap())).unwrap();
    create_citus_database(&u, &c.db).await;
    let turn = node_turn(&base).await;
    add_node(&c.env.pool, &node).await;
    turn.close().await.unwrap();
    Some(spare)
}

impl Spare {
    fn pg_ctl(&self, args: &[&str]) -> std::process::Output {
        let bindir = std::env::var("PG_BINDIR").unwrap_or_else(|_| {
            let out = std::process::Command::new("pg_config")
                .arg("--bindir")
                .output()
                .expect("pg_config");
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        });
        let pg_ctl = format!("{bindir}/pg_ctl");
        let mut cmd = if nix_is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--", &pg_ctl]);
            c
        } else {
            std::process::Command::new(&pg_ctl)
        };
        cmd.args(["-D", &self.data]).args(args);
        cmd.output().expect("run pg_ctl")
    }

    /// Stop the spare at once (`-m immediate`: as if its machine died).
    pub(crate) fn stop(&self) {
        let out = self.pg_ctl(&["-m", "immediate", "stop"]);
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Start the spare (again), with the options it last ran with (`pg_ctl restart` reads
    /// them from `postmaster.opts`, as `start_citus` gave them). Nothing when it runs.
    pub(crate) fn start(&self) {
        let status = self.pg_ctl(&["status"]);
        if status.status.success() {
            return;
        }
        let log = std::path::Path::new(&self.data)
            .parent()
            .unwrap()
            .join("server.log");
        let out = self.pg_ctl(&["-w", "-t", "60", "-l", log.to_str().unwrap(), "restart"]);
        assert!(
            out.status.success(),
            "pg_ctl restart: {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Spare {
    fn drop(&mut self) {
        self.start();
    }
}

fn nix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
