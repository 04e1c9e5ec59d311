//! Citus (distributed PostgreSQL with schema-based sharding, issue 14): detecting it and the
//! transaction-local settings tenantctl's own DDL needs there.
//!
//! With the `citus` extension in the database, Citus decides per `CREATE SCHEMA` whether the
//! schema becomes a *distributed schema* (its tables live whole on one worker) from
//! `citus.enable_schema_based_sharding`. tenantctl never relies on the database-level value:
//! - the registry and the `tenantctl` bookkeeping schema are created with it off (they hold
//!   foreign keys to the local `public.platforms`, which a distributed schema refuses);
//! - a tenant schema is created with it on, unless `citus.distribute_tenants = false`.
//!
//! Triggers on distributed tables (the sample schema's counters) need
//! `citus.enable_unsafe_triggers = on` when they are created or enabled, and when a table that
//! has triggers is distributed; firing them needs nothing. What it implies: Citus no longer
//! refuses such triggers, and each one fires on the worker holding the shard, where it may only
//! reach shards on that node: tables of the same distributed schema (colocated, so safe), never
//! `public`, the registry or another tenant's schema. tenantctl sets it, transaction-local, in
//! each transaction of its own that runs tenant DDL (provisioning, migrations, seeds, restore);
//! `status` says so. An operator running tenant DDL by hand sets it too.
//!
//! Detection happens once per process, when a pool connects ([`super::connect`]): a tenantctl
//! process works on one database. (A test process calling library code on several databases
//! only ever moves from "plain" to "citus", and Citus mode is correct on plain PostgreSQL,
//! only slower.)

use sqlx::{AssertSqlSafe, PgConnection};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

const UNKNOWN: u8 = 0;
const PLAIN: u8 = 1;
const CITUS: u8 = 2;

static MODE: AtomicU8 = AtomicU8::new(UNKNOWN);
static DISTRIBUTE: AtomicBool = AtomicBool::new(true);

/// Whether the database this process works on has the `citus` extension (as last detected).
pub fn present() -> bool {
    MODE.load(Ordering::Relaxed) == CITUS
}

/// Record what [`detect`] found (also for tests of the modes).
pub fn set_present(citus: bool) {
    // Never back from citus to plain within a process: see the module comment.
    if citus {
        MODE.store(CITUS, Ordering::Relaxed);
    } else {
        let _ = MODE.compare_exchange(UNKNOWN, PLAIN, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// `citus.distribute_tenants` from the configuration.
pub fn set_distribute_tenants(on: bool) {
    DISTRIBUTE.store(on, Ordering::Relaxed);
}

/// Whether new tenant schemas are created distributed: Citus is there and the configuration
/// does not say otherwise.
pub fn distribute_tenants() -> bool {
    present() && DISTRIBUTE.load(Ordering::Relaxed)
}

/// Look whether the connected database has the `citus` extension, and remember it.
pub async fn detect(conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
    // language=PostgreSQL
    let citus: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
            .persistent(false)
            .fetch_one(&mut *conn)
            .await?;
    set_present(citus);
    Ok(citus)
}

/// In the caller's transaction: schemas created from here on stay local on the coordinator
/// (the registry, `tenantctl`). Nothing to do without Citus.
pub async fn local_schemas(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    if present() {
        // language=PostgreSQL
        sqlx::raw_sql("SET LOCAL citus.enable_schema_based_sharding = off")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// In the caller's transaction, before `CREATE SCHEMA` of a tenant: the schema becomes a
/// distributed schema when [`distribute_tenants`], and triggers may be created and fire on
/// distributed tables ([`tenant_writes`]). Nothing to do without Citus.
pub async fn tenant_schema(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    if present() {
        // language=PostgreSQL
        let sql = if distribute_tenants() {
            "SET LOCAL citus.enable_schema_based_sharding = on; \
             SET LOCAL citus.enable_unsafe_triggers = on"
        } else {
            "SET LOCAL citus.enable_schema_based_sharding = off"
        };
        sqlx::raw_sql(sql).execute(&mut *conn).await?;
    }
    Ok(())
}

/// In the caller's transaction, before tenantctl runs migrations, seeds or a restore in a
/// tenant schema: triggers on distributed tables may be created and fire. Nothing to do
/// without Citus.
pub async fn tenant_writes(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    if present() {
        // language=PostgreSQL
        sqlx::raw_sql("SET LOCAL citus.enable_unsafe_triggers = on")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// In a restore's (or a verify's) transaction, before the dump's `CREATE SCHEMA`: the dump is
/// loaded into a schema local to the coordinator, whatever the database-level setting; a
/// restore then distributes it ([`distribute_restored`]) when the tenant was distributed.
///
/// NOTE: loading straight into a distributed schema fails: pg_dump's script adds identity
/// columns and constraints with `ALTER TABLE`, which Citus refuses on distributed tables
/// ("alter table command is currently unsupported").
pub async fn before_restore(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    if present() {
        // language=PostgreSQL
        sqlx::raw_sql(
            "SET LOCAL citus.enable_schema_based_sharding = off; \
             SET LOCAL citus.enable_unsafe_triggers = on",
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The `host:port` of the worker holding the distributed schema `schema`; `None` when it is
/// not distributed (or has no tables yet, so no node), or without Citus.
pub async fn node_of(conn: &mut PgConnection, schema: &str) -> Result<Option<String>, sqlx::Error> {
    if !present() {
        return Ok(None);
    }
    // language=PostgreSQL
    sqlx::query_scalar(
        "SELECT min(n.nodename || ':' || n.nodeport) FROM pg_dist_schema s \
         JOIN pg_namespace ns ON ns.oid = s.schemaid \
         JOIN pg_dist_partition p ON p.colocationid = s.colocationid \
         JOIN pg_dist_shard sh ON sh.logicalrelid = p.logicalrelid \
         JOIN pg_dist_placement pl ON pl.shardid = sh.shardid \
         JOIN pg_dist_node n ON n.groupid = pl.groupid WHERE ns.nspname = $1",
    )
    .bind(schema)
    .persistent(false)
    .fetch_one(&mut *conn)
    .await
}

/// The first of `nodes` (`host:port`) that the coordinator cannot reach now
/// (`citus_check_connection_to_node`, bounded by `citus.node_connection_timeout`); `None`
/// when all answer, or without Citus.
pub async fn unreachable(
    conn: &mut PgConnection,
    nodes: &[String],
) -> Result<Option<String>, sqlx::Error> {
    if !present() {
        return Ok(None);
    }
    for node in nodes {
        let Some((host, port)) = parse_node(node) else {
            continue;
        };
        // Citus also sends its own "connection to the remote node ... failed" as a WARNING:
        // the caller names the node instead.
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        // language=PostgreSQL
        sqlx::raw_sql("SET LOCAL client_min_messages = error")
            .execute(&mut *tx)
            .await?;
        // language=PostgreSQL
        let up: bool = sqlx::query_scalar("SELECT citus_check_connection_to_node($1, $2)")
            .bind(host)
            .bind(i32::from(port))
            .persistent(false)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        if !up {
            return Ok(Some(node.clone()));
        }
    }
    Ok(None)
}

/// Whether `schema` is a distributed schema (`pg_dist_schema`); false without Citus.
pub async fn is_distributed(conn: &mut PgConnection, schema: &str) -> Result<bool, sqlx::Error> {
    if !present() {
        return Ok(false);
    }
    // language=PostgreSQL
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_dist_schema s JOIN pg_namespace n ON n.oid = s.schemaid \
         WHERE n.nspname = $1)",
    )
    .bind(schema)
    .persistent(false)
    .fetch_one(&mut *conn)
    .await
}

/// The workers that may hold tenants (`host:port`, active primaries with shards), sorted.
pub async fn workers(conn: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    // language=PostgreSQL
    sqlx::query_scalar(
        "SELECT nodename || ':' || nodeport FROM pg_dist_node \
         WHERE isactive AND noderole = 'primary' AND shouldhaveshards AND groupid <> 0 ORDER BY 1",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await
}

/// Split `HOST:PORT` (a worker as `--node` names it); `None` when it is not of that shape.
pub fn parse_node(node: &str) -> Option<(&str, u16)> {
    let (host, port) = node.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    (!host.is_empty() && port > 0).then_some((host, port))
}

/// In a restore's transaction, after the dump is loaded into the (local) `schema`: make it a
/// distributed schema, placed by Citus on a worker (the caller moves it afterwards when it
/// must live elsewhere: `citus_schema_move` cannot run in the transaction that created the
/// schema, as the target node does not see it yet).
///
/// Triggers: copying the rows into the shards fires the tenant's own triggers (the sample's
/// comment counter updates `posts`, whose shard may not exist yet), so every enabled user
/// trigger is disabled for the copy and enabled again as it was, in this transaction: nobody
/// ever sees the tenant with a trigger off, and later writes fire them on the worker. The
/// coordinator's copy of the rows (left "on disk" by the distribution) is truncated.
pub async fn distribute_restored(
    conn: &mut PgConnection,
    schema: &crate::db::SchemaName,
) -> Result<(), sqlx::Error> {
    // language=PostgreSQL
    sqlx::raw_sql(
        "SET LOCAL citus.enable_unsafe_triggers = on; \
         SET LOCAL citus.enable_schema_based_sharding = off",
    )
    .execute(&mut *conn)
    .await?;
    // language=PostgreSQL
    let triggers: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.relname::text, t.tgname::text, t.tgenabled::text FROM pg_trigger t \
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgenabled <> 'D' ORDER BY 1, 2",
    )
    .bind(schema.as_str())
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    let alter = |table: &str, how: &str, trigger: &str| -> Result<String, sqlx::Error> {
        let t = crate::db::Ident::parse(table).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let g =
            crate::db::Ident::parse(trigger).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        Ok(format!(
            "ALTER TABLE {} {how} TRIGGER {}",
            schema.qualify(&t),
            g.sql()
        ))
    };
    for (table, trigger, _) in &triggers {
        let sql = alter(table, "DISABLE", trigger)?;
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    // language=PostgreSQL
    sqlx::query("SELECT citus_schema_distribute($1::regnamespace)")
        .bind(schema.as_str())
        .persistent(false)
        .execute(&mut *conn)
        .await?;
    for (table, trigger, how) in &triggers {
        let how = match how.as_str() {
            "R" => "ENABLE REPLICA",
            "A" => "ENABLE ALWAYS",
            _ => "ENABLE",
        };
        let sql = alter(table, how, trigger)?;
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    // language=PostgreSQL
    sqlx::query(
        "SELECT truncate_local_data_after_distributing_table(p.logicalrelid) \
         FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1",
    )
    .bind(schema.as_str())
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Move the distributed schema `schema` to the worker `node` (`host:port`), blocking writes
/// to it meanwhile (no logical replication: works for tables without a replica identity).
pub async fn move_schema(
    conn: &mut PgConnection,
    schema: &crate::db::SchemaName,
    node: &str,
) -> Result<(), sqlx::Error> {
    let (host, port) = parse_node(node)
        .ok_or_else(|| sqlx::Error::Protocol(format!("`{node}` is not HOST:PORT")))?;
    // language=PostgreSQL
    sqlx::query(
        "SELECT citus_schema_move($1::regnamespace, $2, $3, shard_transfer_mode => 'block_writes')",
    )
    .bind(schema.as_str())
    .bind(host)
    .bind(i32::from(port))
    .persistent(false)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// When `message` (a tenant's failure) says a Citus worker could not be reached, the same
/// message led by `worker HOST:PORT unreachable: `, so the operator sees which node at once;
/// otherwise `message` as it is. Citus words it "connection to the remote node
/// `[USER@]HOST:PORT` failed with the following error: ...", "could not establish any
/// connections to the node HOST:PORT ..." or (a cached connection that broke) "failure on
/// connection marked as essential: HOST:PORT".
pub fn name_unreachable_worker(message: String) -> String {
    const LEADS: [&str; 3] = [
        "connection to the remote node ",
        "could not establish any connections to the node ",
        "failure on connection marked as essential: ",
    ];
    if message.starts_with("worker ") {
        return message;
    }
    for lead in LEADS {
        let Some(at) = message.find(lead) else {
            continue;
        };
        let rest = &message[at + lead.len()..];
        let node = rest.split_whitespace().next().unwrap_or("");
        let node = node.rsplit_once('@').map_or(node, |(_, n)| n);
        let node = node.trim_end_matches([',', '.', ':', ';']);
        if parse_node(node).is_some() {
            return format!("worker {node} unreachable: {message}");
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_worker_is_named_first() {
        assert_eq!(
            name_unreachable_worker(
                "connection to the remote node postgres@127.0.0.1:46597 failed with the following error: Connection refused".into()
            ),
            "worker 127.0.0.1:46597 unreachable: connection to the remote node postgres@127.0.0.1:46597 failed with the following error: Connection refused"
        );
        assert_eq!(
            name_unreachable_worker(
                "migration 2 failed: could not establish any connections to the node w1.internal:5432 when local execution is also disabled.".into()
            ),
            "worker w1.internal:5432 unreachable: migration 2 failed: could not establish any connections to the node w1.internal:5432 when local execution is also disabled."
        );
        assert_eq!(
            name_unreachable_worker(
                "failure on connection marked as essential: 127.0.0.1:46597".into()
            ),
            "worker 127.0.0.1:46597 unreachable: failure on connection marked as essential: 127.0.0.1:46597"
        );
        for other in [
            "duplicate key value violates unique constraint \"tags_name_key\"",
            "connection to the remote node nowhere failed",
            "",
        ] {
            assert_eq!(name_unreachable_worker(other.into()), other);
        }
        let named =
            "worker 10.0.0.1:5432 unreachable: connection to the remote node 10.0.0.1:5432 failed";
        assert_eq!(name_unreachable_worker(named.into()), named);
    }

    #[test]
    fn nodes_are_host_colon_port() {
        assert_eq!(parse_node("127.0.0.1:5432"), Some(("127.0.0.1", 5432)));
        assert_eq!(parse_node("w1:6432"), Some(("w1", 6432)));
        for bad in ["w1", ":5432", "w1:", "w1:0", "w1:99999", "w1:port"] {
            assert_eq!(parse_node(bad), None, "{bad}");
        }
    }
}
