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

use sqlx::PgConnection;
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

/// In a restore's transaction, before the dump's `CREATE SCHEMA`: the tenant is restored as a
/// schema local to the coordinator, whatever the database-level setting.
///
/// NOTE: restoring straight into a distributed schema fails: pg_dump's script adds identity
/// columns and constraints with `ALTER TABLE`, which Citus refuses on distributed tables
/// ("alter table command is currently unsupported"). Bringing the tenant back distributed
/// (distribute after the load, on the node it was on) is issue 14's next step; until then a
/// restored tenant is local (`status` counts it) and the restore itself works, atomically.
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
