//! Where tenants live on a Citus cluster, and moving them (issue 14.3): each tenant's node,
//! bytes per node and the imbalance rule, `platform move` (`citus_schema_move` behind the
//! maintenance gate), the rebalance plan, and `distribute` (a local tenant schema becomes a
//! distributed one, triggers handled).
//!
//! Citus' own catalog is the one record of placement: the registry records nothing about it,
//! so nothing there can go stale; every command reads the catalog when it runs.

use crate::db::{self, SchemaName};
use crate::error::{Error, Result};
use crate::registry::{Platform, ProvisionStatus, maintenance, store};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

/// A node of the cluster, as `host:port`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct Node {
    pub host: String,
    pub port: u16,
}

impl From<Node> for String {
    fn from(n: Node) -> String {
        n.to_string()
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl Node {
    /// Parse `HOST:PORT` (`[v6]:PORT` for an IPv6 address), as `--to` takes it.
    pub fn parse(raw: &str) -> Result<Node> {
        let bad = |why: &str| {
            Error::Usage(format!(
                "invalid node `{}`: {why}; give it as HOST:PORT, as `tenantctl status` lists the nodes",
                crate::rules::naming::shown(raw)
            ))
        };
        let (host, port) = raw.rsplit_once(':').ok_or_else(|| bad("no port"))?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("no host"));
        }
        if host.contains(':') && !raw.starts_with('[') {
            return Err(bad("an IPv6 address goes in brackets"));
        }
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?;
        Ok(Node {
            host: host.to_string(),
            port,
        })
    }
}

/// The error for a placement command on a database without Citus (exit 2, nothing ran).
pub fn require_citus(command: &str) -> Result<()> {
    if crate::db::citus::present() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "`{command}` needs Citus: this database has no `citus` extension, so every tenant lives on this one server"
    ))
    .hint("see docs/scale-out.md for setting up a Citus cluster"))
}

/// The primary nodes of the cluster that may hold tenants, with how many they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterNode {
    pub node: Node,
    /// The coordinator (group 0).
    pub coordinator: bool,
    /// `shouldhaveshards`: the rebalancer places tenants there.
    pub should_have_shards: bool,
    pub active: bool,
}

/// Every primary node in `pg_dist_node`.
pub async fn nodes(conn: &mut PgConnection) -> Result<Vec<ClusterNode>> {
    // language=PostgreSQL
    let rows: Vec<(String, i32, bool, bool, bool)> = sqlx::query_as(
        "SELECT nodename::text, nodeport, groupid = 0, shouldhaveshards, isactive \
         FROM pg_dist_node WHERE noderole = 'primary' ORDER BY groupid, nodename, nodeport",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(host, port, coordinator, should, active)| ClusterNode {
            node: Node {
                host,
                port: port as u16,
            },
            coordinator,
            should_have_shards: should,
            active,
        })
        .collect())
}

/// The node of each distributed tenant schema, by schema name (from the metadata alone: no
/// node is asked, so this works with a node down).
pub async fn node_by_schema(conn: &mut PgConnection) -> Result<BTreeMap<String, Node>> {
    // language=PostgreSQL
    let rows: Vec<(String, String, i32)> = sqlx::query_as(
        "SELECT DISTINCT ON (n.nspname) n.nspname::text, nd.nodename::text, nd.nodeport \
         FROM pg_dist_schema d \
         JOIN pg_namespace n ON n.oid = d.schemaid \
         JOIN pg_dist_partition p ON p.colocationid = d.colocationid \
         JOIN pg_dist_shard s ON s.logicalrelid = p.logicalrelid \
         JOIN pg_dist_placement pl ON pl.shardid = s.shardid \
         JOIN pg_dist_node nd ON nd.groupid = pl.groupid AND nd.noderole = 'primary' \
         ORDER BY n.nspname, nd.nodeid",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(schema, host, port)| {
            (
                schema,
                Node {
                    host,
                    port: port as u16,
                },
            )
        })
        .collect())
}

/// The node of one schema: `None` when it is not a distributed schema (local to the
/// coordinator, or no schema at all).
pub async fn node_of(conn: &mut PgConnection, schema: &SchemaName) -> Result<Option<Node>> {
    Ok(node_by_schema(conn).await?.remove(schema.as_str()))
}

/// The bytes of each distributed schema, from its shards on the workers (`citus_shards`;
/// the coordinator's shell tables hold nothing). Asks every node: fails when one is down.
pub async fn bytes_by_schema(pool: &PgPool) -> Result<BTreeMap<String, i64>> {
    // language=PostgreSQL
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT n.nspname::text, coalesce(sum(s.shard_size), 0)::int8 \
         FROM pg_dist_schema d \
         JOIN pg_namespace n ON n.oid = d.schemaid \
         JOIN citus_shards s ON s.colocation_id = d.colocationid \
         GROUP BY 1",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// One node's share of the fleet, for `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeLoad {
    pub node: Node,
    pub tenants: i64,
    /// `None` when the sizes could not be read (a node down).
    pub bytes: Option<i64>,
    /// Why this node is out of balance, when it is (see [`imbalance`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imbalance: Option<String>,
}

/// A node is out of balance when its weight is more than this many times the mean weight.
pub const IMBALANCE_FACTOR: f64 = 1.5;

/// What each tenant weighs beside its bytes: Citus' `citus.rebalancer_by_disk_size_base_cost`
/// default (100 MB), so that the rule agrees with the rebalancer's `by_disk_size` strategy
/// (a node of many near-empty tenants is not light).
pub const TENANT_BASE_BYTES: i64 = 100 * 1024 * 1024;

/// The imbalance rule, for nodes that take tenants: a node holds no tenant while another
/// holds two or more; or it holds two or more tenants (one alone cannot be split) and its
/// weight (bytes plus [`TENANT_BASE_BYTES`] per tenant, as Citus' rebalancer weighs them) is
/// more than [`IMBALANCE_FACTOR`] × the mean weight per node.
/// `loads`: (tenants, bytes) per node; returns the reason per node.
pub fn imbalance(loads: &[(i64, Option<i64>)]) -> Vec<Option<String>> {
    let n = loads.len();
    let mut out = vec![None; n];
    if n < 2 {
        return out;
    }
    let most = loads.iter().map(|l| l.0).max().unwrap_or(0);
    let weight = |(tenants, bytes): (i64, Option<i64>)| {
        (tenants * TENANT_BASE_BYTES + bytes.unwrap_or(0)) as f64
    };
    let mean = loads.iter().map(|l| weight(*l)).sum::<f64>() / n as f64;
    for (i, l) in loads.iter().enumerate() {
        if l.0 == 0 && most >= 2 {
            out[i] = Some("no tenants while another node holds several".into());
        } else if l.0 >= 2 && l.1.is_some() && weight(*l) > IMBALANCE_FACTOR * mean {
            out[i] = Some(format!(
                "{:.1}× the mean weight per node (more than {IMBALANCE_FACTOR}×)",
                weight(*l) / mean
            ));
        }
    }
    out
}

/// Tenants and bytes per node (nodes that take tenants, plus any node holding some), with the
/// imbalance rule applied. `tenant_schemas`: the schemas of completed tenants.
pub async fn node_loads(pool: &PgPool, tenant_schemas: &[String]) -> Result<Vec<NodeLoad>> {
    let mut conn = pool.acquire().await?;
    let cluster = nodes(&mut conn).await?;
    let placed = node_by_schema(&mut conn).await?;
    drop(conn);
    // Sizes ask every node; a node down must not take `status` down with it.
    let bytes = bytes_by_schema(pool).await.ok();
    let mut loads: Vec<NodeLoad> = Vec::new();
    for c in &cluster {
        let mine: Vec<&String> = tenant_schemas
            .iter()
            .filter(|s| placed.get(*s) == Some(&c.node))
            .collect();
        if !c.should_have_shards && mine.is_empty() {
            continue;
        }
        loads.push(NodeLoad {
            node: c.node.clone(),
            tenants: mine.len() as i64,
            bytes: bytes
                .as_ref()
                .map(|b| mine.iter().map(|s| b.get(*s).copied().unwrap_or(0)).sum()),
            imbalance: None,
        });
    }
    let reasons = imbalance(
        &loads
            .iter()
            .map(|l| (l.tenants, l.bytes))
            .collect::<Vec<_>>(),
    );
    for (l, r) in loads.iter_mut().zip(reasons) {
        l.imbalance = r;
    }
    Ok(loads)
}

// ---------------------------------------------------------------------------------------------
// moving

/// How `citus_schema_move` copies the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferMode {
    /// Logical replication (Citus' `auto`: falls back to an error, not to blocking, when a
    /// table has no replica identity).
    Logical,
    /// `block_writes`: writes wait during the copy.
    BlockWrites,
}

impl TransferMode {
    /// `--block-writes` given or not.
    pub fn from_block_writes(block_writes: bool) -> TransferMode {
        if block_writes {
            TransferMode::BlockWrites
        } else {
            TransferMode::Logical
        }
    }

    /// What serve does for a tenant while it moves this way (see [`run_move`]).
    pub fn while_moving(self) -> &'static str {
        match self {
            TransferMode::Logical => "serve keeps answering it",
            TransferMode::BlockWrites => "serve answers 503 for it",
        }
    }

    fn citus_name(self) -> &'static str {
        match self {
            TransferMode::Logical => "auto",
            TransferMode::BlockWrites => "block_writes",
        }
    }
}

/// What a checked move will do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovePlan {
    pub platform: String,
    pub platform_id: i64,
    pub schema: String,
    pub from: Node,
    pub to: Node,
    /// The schema's bytes, when they could be read.
    pub bytes: Option<i64>,
}

/// The maintenance reason a blocking move (`--block-writes`) sets for its copy: a rerun tells
/// a flag a killed move left from one an operator set (issue 27.11).
pub const MOVE_MARK: &str = "tenantctl move: moving to another node";

/// Whether `p` is in maintenance because a blocking move set it and never took it off (the
/// process was killed); also under the reason older releases wrote.
pub fn left_by_a_move(p: &Platform) -> bool {
    p.maintenance
        && matches!(
            p.maintenance_reason.as_deref(),
            Some(MOVE_MARK | "moving to another node")
        )
}

/// A move killed after Citus moved the schema left the tenant on `to` and in maintenance:
/// take it out, and say so. `None` when that is not the case (nothing done).
pub async fn finish_interrupted(pool: &PgPool, p: &Platform, to: &Node) -> Result<Option<String>> {
    if !left_by_a_move(p) {
        return Ok(None);
    }
    let schema = p.require_schema()?;
    let mut conn = pool.acquire().await?;
    if node_of(&mut conn, &schema).await?.as_ref() != Some(to) {
        return Ok(None);
    }
    drop(conn);
    maintenance::set_flag(pool, p.id, false, None).await?;
    Ok(Some(format!(
        "`{}` is already on {to}: an interrupted move finished there; took it out of the maintenance that move left",
        p.name
    )))
}

/// Check a move before anything changes: the platform has a distributed schema, the target is
/// a node of the cluster, and not the one the tenant is on. Errors are usage errors (exit 2).
pub async fn check_move(pool: &PgPool, p: &Platform, to: &Node) -> Result<MovePlan> {
    require_citus("platform move")?;
    if p.external {
        return Err(Error::Usage(format!(
            "platform `{}` is external: it has no schema to move",
            p.name
        )));
    }
    let schema = p.require_schema()?;
    let mut conn = pool.acquire().await?;
    let cluster = nodes(&mut conn).await?;
    if !cluster.iter().any(|c| &c.node == to) {
        return Err(Error::Usage(format!(
            "node {to} is not in the cluster (pg_dist_node has {})",
            cluster
                .iter()
                .map(|c| c.node.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .hint("add it first with `SELECT citus_add_node('HOST', PORT)` on the coordinator"));
    }
    let Some(from) = node_of(&mut conn, &schema).await? else {
        return Err(Error::Usage(format!(
            "schema {schema} of `{}` is not distributed: it lives on the coordinator",
            p.name
        ))
        .hint(format!(
            "`tenantctl distribute {}` places it on a worker first",
            p.name
        )));
    };
    if &from == to {
        return Err(Error::Usage(format!(
            "`{}` is already on {to}; nothing to move",
            p.name
        )));
    }
    drop(conn);
    let bytes = bytes_by_schema(pool)
        .await
        .ok()
        .and_then(|b| b.get(schema.as_str()).copied());
    Ok(MovePlan {
        platform: p.name.clone(),
        platform_id: p.id,
        schema: schema.as_str().to_string(),
        from,
        to: to.clone(),
        bytes,
    })
}

/// A move done.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moved {
    #[serde(flatten)]
    pub plan: MovePlan,
    pub duration_ms: u64,
    /// Milliseconds serve answered 503 for this tenant (flag on until the move ended; 0 for a
    /// logical-replication move, which is served throughout).
    pub gate_ms: u64,
}

/// Move a checked tenant with `citus_schema_move`. A logical-replication move is online: Citus
/// copies while the tenant is served and holds its writes only for the final catch-up, so
/// serve goes on answering it (measured by `scripts/bench-citus`: every request answered 200).
/// A `block_writes` move holds the tenant's writes for the whole copy, so the tenant is put in
/// maintenance first (serve answers 503 with Retry-After; the gate waits for requests in
/// flight) and served again after, unless it was in maintenance before. On failure Citus
/// leaves the schema where it was; the flag comes off either way. `step` reports progress.
pub async fn run_move(
    pool: &PgPool,
    p: &Platform,
    plan: &MovePlan,
    mode: TransferMode,
    step: &(dyn Fn(&str) + Sync),
) -> Result<Moved> {
    let started = Instant::now();
    let schema = SchemaName::parse(&plan.schema)?;
    let failed = |e: Error| match e {
        Error::Busy(_) => e,
        e => Error::Other(anyhow::anyhow!(
            "moving schema {} to {} failed: {e}; the tenant stays where it was",
            plan.schema,
            plan.to
        )),
    };
    // Closed to requests only for a blocking copy, and only when not closed already (a flag a
    // killed move left is this move's to take off).
    let ours = left_by_a_move(p);
    let gate = mode == TransferMode::BlockWrites && (!p.maintenance || ours);
    if ours && !gate {
        // A logical move is served throughout.
        maintenance::set_flag(pool, p.id, false, None).await?;
    }
    if gate {
        step(&format!(
            "closing `{}` to requests for the copy (maintenance, waiting for requests in flight)",
            plan.platform
        ));
        let drained = maintenance::set_and_drain(
            pool,
            p,
            true,
            Some(MOVE_MARK),
            maintenance::DRAIN_WAIT,
            maintenance::SETTLE,
        )
        .await;
        if let Err(e) = drained {
            let _ = maintenance::set_flag(pool, p.id, false, None).await;
            return Err(failed(e));
        }
    }
    let gate_started = Instant::now();
    step(&format!(
        "moving schema {} from {} to {} ({})",
        plan.schema,
        plan.from,
        plan.to,
        match mode {
            TransferMode::Logical => "logical replication",
            TransferMode::BlockWrites => "block writes",
        }
    ));
    let moved = schema_move(pool, &schema, &plan.to, mode).await;
    if gate {
        // NOTE: the flag comes off whatever the move did: on failure Citus left the tenant on
        // its node, whole, and it is served from there again.
        let off = maintenance::set_flag(pool, p.id, false, None).await;
        moved.map_err(failed)?;
        off?;
    } else {
        moved.map_err(failed)?;
    }
    let gate_ms = if gate {
        gate_started.elapsed().as_millis() as u64
    } else {
        0
    };
    step(&format!("`{}` is on {} now", plan.platform, plan.to));
    Ok(Moved {
        plan: plan.clone(),
        duration_ms: started.elapsed().as_millis() as u64,
        gate_ms,
    })
}

async fn schema_move(
    pool: &PgPool,
    schema: &SchemaName,
    to: &Node,
    mode: TransferMode,
) -> Result<()> {
    let mut conn = pool.acquire().await?;
    // language=PostgreSQL
    let r = sqlx::query(
        "SELECT citus_schema_move($1::regnamespace, $2, $3, $4::citus.shard_transfer_mode)",
    )
    .bind(schema.as_str())
    .bind(&to.host)
    .bind(i32::from(to.port))
    .bind(mode.citus_name())
    .execute(&mut *conn)
    .await;
    match r {
        Ok(_) => Ok(()),
        Err(e) => {
            // A failed move may leave the connection in an odd state (a worker connection
            // dropped under it): close it rather than give it back.
            let _ = conn.detach();
            Err(Error::Other(anyhow::anyhow!(
                "{}",
                crate::error::describe(&e)
            )))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// rebalancing

/// One move of a rebalance plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedMove {
    pub platform: String,
    pub platform_id: i64,
    pub schema: String,
    pub from: Node,
    pub to: Node,
    pub bytes: Option<i64>,
}

/// Citus' own rebalance plan (`get_rebalance_table_shards_plan()`, the default strategy:
/// `by_disk_size`), as moves of whole tenant schemas, for the schemas of `tenants`
/// (schema name → platform). Other colocation groups in the plan are left out.
pub async fn rebalance_plan(
    pool: &PgPool,
    tenants: &BTreeMap<String, (i64, String)>,
) -> Result<Vec<PlannedMove>> {
    // language=PostgreSQL
    let rows: Vec<(String, String, i32, String, i32)> = sqlx::query_as(
        "SELECT DISTINCT ON (c.relnamespace) c.relnamespace::regnamespace::text, \
                r.sourcename, r.sourceport, r.targetname, r.targetport \
         FROM get_rebalance_table_shards_plan() r \
         JOIN pg_class c ON c.oid = r.table_name \
         JOIN pg_dist_schema d ON d.schemaid = c.relnamespace \
         ORDER BY c.relnamespace",
    )
    .fetch_all(pool)
    .await?;
    let bytes = bytes_by_schema(pool).await.ok();
    let mut plan: Vec<PlannedMove> = rows
        .into_iter()
        .filter_map(|(schema, sh, sp, th, tp)| {
            // regnamespace::text quotes names that need it; tenant names never do.
            let (id, name) = tenants.get(&schema)?.clone();
            Some(PlannedMove {
                platform: name,
                platform_id: id,
                bytes: bytes.as_ref().and_then(|b| b.get(&schema).copied()),
                schema,
                from: Node {
                    host: sh,
                    port: sp as u16,
                },
                to: Node {
                    host: th,
                    port: tp as u16,
                },
            })
        })
        .collect();
    // Largest first: the moves that do the most come first, should the run be cut short.
    plan.sort_by_key(|m| (std::cmp::Reverse(m.bytes.unwrap_or(0)), m.platform_id));
    Ok(plan)
}

// ---------------------------------------------------------------------------------------------
// distributing

/// What `distribute` did for one tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distributed {
    pub platform: String,
    pub schema: String,
    /// Where it was placed.
    pub node: Node,
    pub tables: i64,
    /// User triggers disabled during the copy and enabled again in the same transaction.
    pub triggers: i64,
    pub duration_ms: u64,
}

/// Turn a local tenant schema into a distributed schema, in one transaction: its tables are
/// locked ACCESS EXCLUSIVE first (the schema gate: requests wait, then get 503), the
/// enabled user triggers are disabled for the copy (a trigger firing during it would reach a
/// table not yet on the worker), `citus_schema_distribute`, the triggers enabled again
/// (`citus.enable_unsafe_triggers`, transaction-local), then the local copies of the data
/// are truncated. Any failure leaves the schema local and unchanged.
pub async fn distribute(
    pool: &PgPool,
    platform: &str,
    schema: &SchemaName,
    lock_timeout: Duration,
) -> Result<Distributed> {
    let started = Instant::now();
    let mut tx = pool.begin().await?;
    db::set_lock_timeout(&mut tx, lock_timeout).await?;
    db::gate::close_xact(&mut tx, schema).await?;
    // language=PostgreSQL
    sqlx::raw_sql("SET LOCAL citus.enable_unsafe_triggers = on")
        .execute(&mut *tx)
        .await?;
    // language=PostgreSQL
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, t.tgname::text FROM pg_trigger t \
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgenabled <> 'D' ORDER BY 1, 2",
    )
    .bind(schema.as_str())
    .fetch_all(&mut *tx)
    .await?;
    let alter = |table: &str, trigger: &str, what: &str| -> Result<String> {
        Ok(format!(
            "ALTER TABLE {} {what} TRIGGER {}",
            schema.qualify(&db::Ident::parse(table)?),
            db::Ident::parse(trigger)?.sql()
        ))
    };
    // One statement per query: Citus relays some DDL's whole query string (citus#6608).
    for (table, trigger) in &triggers {
        sqlx::raw_sql(AssertSqlSafe(alter(table, trigger, "DISABLE")?))
            .execute(&mut *tx)
            .await?;
    }
    // language=PostgreSQL
    sqlx::query("SELECT citus_schema_distribute($1::regnamespace)")
        .bind(schema.as_str())
        .execute(&mut *tx)
        .await?;
    for (table, trigger) in &triggers {
        sqlx::raw_sql(AssertSqlSafe(alter(table, trigger, "ENABLE")?))
            .execute(&mut *tx)
            .await?;
    }
    // language=PostgreSQL
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_dist_partition p \
         JOIN pg_class c ON c.oid = p.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 ORDER BY 1",
    )
    .bind(schema.as_str())
    .fetch_all(&mut *tx)
    .await?;
    let node = node_of(&mut tx, schema).await?.ok_or_else(|| {
        Error::Other(anyhow::anyhow!(
            "schema {schema} is not distributed after citus_schema_distribute"
        ))
    })?;
    tx.commit().await?;
    // The data now lives on the worker; the coordinator's local copy is dead weight.
    for t in &tables {
        // language=PostgreSQL
        sqlx::query("SELECT truncate_local_data_after_distributing_table($1::regclass)")
            .bind(t)
            .execute(pool)
            .await?;
    }
    Ok(Distributed {
        platform: platform.to_string(),
        schema: schema.as_str().to_string(),
        node,
        tables: tables.len() as i64,
        triggers: triggers.len() as i64,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

// ---------------------------------------------------------------------------------------------
// the fleet's moves: which tenants, a whole rebalance, a whole distribute

/// The completed tenants with a schema, and the same by schema name → (platform id, name).
pub async fn tenants(pool: &PgPool) -> Result<(Vec<Platform>, BTreeMap<String, (i64, String)>)> {
    let all = store::list(pool).await?;
    let mut by_schema = BTreeMap::new();
    let mut list = Vec::new();
    for p in all {
        if !p.is_tenant() {
            continue;
        }
        let Ok(Some(s)) = p.tenant_schema() else {
            continue;
        };
        by_schema.insert(s.as_str().to_string(), (p.id, p.name.clone()));
        list.push(p);
    }
    Ok((list, by_schema))
}

/// One move of a rebalance run (`rebalance -o json`).
#[derive(Debug, Serialize)]
pub struct RebalanceMove {
    #[serde(flatten)]
    pub planned: PlannedMove,
    /// `planned` (dry run), `moved`, `failed`, or `skipped` (it was no longer where the plan
    /// found it).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// What a rebalance run planned or did.
#[derive(Debug, Serialize)]
pub struct RebalanceReport {
    pub dry_run: bool,
    pub moves: Vec<RebalanceMove>,
    pub moved: usize,
    pub failed: usize,
}

impl RebalanceReport {
    /// A dry run: the plan, nothing moved.
    pub fn planned(plan: Vec<PlannedMove>) -> RebalanceReport {
        RebalanceReport {
            dry_run: true,
            moves: plan
                .into_iter()
                .map(|planned| RebalanceMove {
                    planned,
                    status: "planned",
                    error: None,
                    duration_ms: None,
                })
                .collect(),
            moved: 0,
            failed: 0,
        }
    }
}

/// Carry out a rebalance plan, one move at a time: each tenant is read again and checked to
/// be still where the plan found it (else `skipped`: the next run plans again), then moved.
/// A failed move is recorded and the run goes on. `note` hears the progress.
pub async fn rebalance(
    pool: &PgPool,
    plan: Vec<PlannedMove>,
    mode: TransferMode,
    note: &(dyn Fn(&str) + Sync),
) -> RebalanceReport {
    let total = plan.len();
    let mut moves = Vec::new();
    for (i, m) in plan.into_iter().enumerate() {
        note(&format!(
            "[{}/{total}] `{}`: {} -> {}",
            i + 1,
            m.platform,
            m.from,
            m.to
        ));
        let r: Result<Option<Moved>> = async {
            let p = store::get(pool, m.platform_id)
                .await?
                .ok_or_else(|| store::not_found(&m.platform))?;
            let checked = match check_move(pool, &p, &m.to).await {
                Ok(checked) if checked.from == m.from => checked,
                // Moved meanwhile (another run, by hand): the next run plans again.
                _ => return Ok(None),
            };
            run_move(pool, &p, &checked, mode, note).await.map(Some)
        }
        .await;
        let (status, error, ms) = match r {
            Ok(Some(done)) => ("moved", None, Some(done.duration_ms)),
            Ok(None) => ("skipped", None, None),
            Err(e) => {
                let text = e.to_string();
                note(&format!("  failed: {text}"));
                ("failed", Some(text), None)
            }
        };
        moves.push(RebalanceMove {
            planned: m,
            status,
            error,
            duration_ms: ms,
        });
    }
    let moved = moves.iter().filter(|m| m.status == "moved").count();
    let failed = moves.iter().filter(|m| m.status == "failed").count();
    RebalanceReport {
        dry_run: false,
        moves,
        moved,
        failed,
    }
}

/// A platform named for `distribute` must be a provisioned tenant with a valid schema.
pub fn check_distributable(p: &Platform) -> Result<()> {
    if p.external {
        return Err(Error::Usage(format!(
            "platform `{}` is external: it has no schema to distribute",
            p.name
        )));
    }
    if p.provision_status != ProvisionStatus::Completed {
        return Err(Error::Usage(format!(
            "platform `{}` is {}, not provisioned: nothing to distribute",
            p.name, p.provision_status
        )));
    }
    p.tenant_schema().map_err(|e| Error::Usage(e.to_string()))?;
    Ok(())
}

/// One tenant of a distribute run (`distribute -o json`).
#[derive(Debug, Serialize)]
pub struct DistributeRow {
    pub platform: String,
    pub schema: String,
    /// `distributed`, `skipped` (already distributed) or `failed`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<Node>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The tenants of a distribute run, split: those distributed already (`skipped` rows, with
/// their node) and those still local to the coordinator.
pub struct DistributePlan {
    pub skipped: Vec<DistributeRow>,
    pub todo: Vec<(Platform, SchemaName)>,
}

/// Split `targets` by where Citus' catalog places them now.
pub async fn distribute_plan(pool: &PgPool, targets: Vec<Platform>) -> Result<DistributePlan> {
    let placed = {
        let mut conn = pool.acquire().await?;
        node_by_schema(&mut conn).await?
    };
    let mut skipped = Vec::new();
    let mut todo = Vec::new();
    for p in targets {
        let schema = p.require_schema()?;
        match placed.get(schema.as_str()) {
            Some(node) => skipped.push(DistributeRow {
                platform: p.name.clone(),
                schema: schema.as_str().to_string(),
                status: "skipped",
                node: Some(node.clone()),
                error: None,
            }),
            None => todo.push((p, schema)),
        }
    }
    Ok(DistributePlan { skipped, todo })
}

/// Distribute each local tenant of `todo`, one at a time; a failure leaves that schema local
/// and the run goes on. The rows say what happened to each; `note` hears the progress.
pub async fn distribute_each(
    pool: &PgPool,
    todo: Vec<(Platform, SchemaName)>,
    lock_timeout: Duration,
    note: &(dyn Fn(&str) + Sync),
) -> Vec<DistributeRow> {
    let total = todo.len();
    let mut rows = Vec::new();
    for (i, (p, schema)) in todo.into_iter().enumerate() {
        note(&format!(
            "[{}/{total}] distributing `{}` (schema {schema})",
            i + 1,
            p.name
        ));
        match distribute(pool, &p.name, &schema, lock_timeout).await {
            Ok(d) => {
                note(&format!(
                    "  on {} ({} tables, {} trigger(s) kept) in {}",
                    d.node,
                    d.tables,
                    d.triggers,
                    crate::output::duration::elapsed_ms(d.duration_ms)
                ));
                rows.push(DistributeRow {
                    platform: d.platform,
                    schema: d.schema,
                    status: "distributed",
                    node: Some(d.node),
                    error: None,
                });
            }
            Err(e) => {
                let text = e.to_string();
                note(&format!(
                    "  failed: {text}; the schema stays local, unchanged"
                ));
                rows.push(DistributeRow {
                    platform: p.name.clone(),
                    schema: schema.as_str().to_string(),
                    status: "failed",
                    node: None,
                    error: Some(text),
                });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_parses_host_port_and_refuses_the_rest() {
        assert_eq!(
            Node::parse("10.0.0.5:5432").unwrap(),
            Node {
                host: "10.0.0.5".into(),
                port: 5432
            }
        );
        assert_eq!(
            Node::parse("db-2.internal:6432").unwrap().to_string(),
            "db-2.internal:6432"
        );
        assert_eq!(Node::parse("[::1]:5432").unwrap().to_string(), "[::1]:5432");
        for bad in [
            "",
            "host",
            "host:",
            ":5432",
            "host:0",
            "host:65536",
            "host:x",
            "::1:5432",
            "a b:1",
        ] {
            let e = Node::parse(bad).unwrap_err();
            assert_eq!(e.exit_code(), crate::exit_code::USAGE, "{bad}");
            assert!(e.to_string().contains("HOST:PORT"), "{bad}: {e}");
        }
    }

    #[test]
    fn imbalance_flags_empty_nodes_and_heavy_ones() {
        const M: i64 = 1024 * 1024;
        // Balanced, by count and by weight.
        assert_eq!(
            imbalance(&[(2, Some(10 * M)), (2, Some(11 * M))]),
            vec![None, None]
        );
        // Small differences in bytes do not count against 100 MiB per tenant.
        assert_eq!(
            imbalance(&[(2, Some(4 * M)), (2, Some(0))]),
            vec![None, None]
        );
        // An empty node while another holds two.
        let r = imbalance(&[(2, Some(2 * M)), (0, Some(0))]);
        assert!(r[1].as_deref().unwrap().contains("no tenants"), "{r:?}");
        // One tenant, two nodes: nothing to even out.
        assert_eq!(imbalance(&[(1, Some(0)), (0, Some(0))]), vec![None, None]);
        // One big tenant alone on its node: nothing a move could do.
        assert_eq!(
            imbalance(&[(1, Some(1024 * M)), (1, Some(0)), (1, Some(0))]),
            vec![None, None, None]
        );
        // Two tenants, 1 GiB, against one near-empty tenant per node: 1224 MiB against a mean
        // of about 475 MiB.
        let r = imbalance(&[(2, Some(1024 * M)), (1, Some(0)), (1, Some(0))]);
        assert!(r[0].as_deref().unwrap().contains("2.6×"), "{r:?}");
        assert_eq!(&r[1..], &[None, None]);
        // 4 tenants against 1 and 1: 400 MiB against a mean of 200 MiB.
        let r = imbalance(&[(4, Some(0)), (1, Some(0)), (1, Some(0))]);
        assert!(r[0].as_deref().unwrap().contains("2.0×"), "{r:?}");
        // Exactly 1.5×: not over.
        assert_eq!(imbalance(&[(3, Some(0)), (1, Some(0))]), vec![None, None]);
        // Unknown sizes: only the count rule.
        assert_eq!(imbalance(&[(3, None), (1, None)]), vec![None, None]);
        // One node: nothing to compare.
        assert_eq!(imbalance(&[(5, Some(50 * M))]), vec![None]);
    }
}
