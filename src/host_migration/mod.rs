//! `migrate-host-to-schema`: move the host platform's legacy rows from `public` into its own
//! tenant schema, once, safely.
//!
//! Pre-flight checks all run before anything changes. The copy is one transaction: public
//! tables locked against writes, rows copied in foreign-key order with the tenant tables' own
//! triggers paused (the legacy rows already carry what those triggers would compute), sequences
//! moved past the copied ids, and every table verified (row counts and contents) before commit.
//! Public tables are never dropped by the copy; `--drop-public` is a separate, re-verified step.

use crate::config::Settings;
use crate::db::{self, Ident, SchemaName};
use crate::error::{Error, Result};
use crate::output::duration;
use crate::registry::{Platform, ProvisionStatus, store};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Row};
use std::collections::{BTreeMap, BTreeSet};

mod after;
mod copy;
mod order;
mod plan;
mod preflight;

pub use after::*;
pub use copy::*;
pub use order::*;
use plan::*;
pub use preflight::*;

/// Public tables that are never copied: the registry itself and other tools' bookkeeping.
pub const NEVER_COPIED: &[&str] = &[
    "platforms",
    "_sqlx_migrations",
    "schema_migrations",
    "ar_internal_metadata",
    "spatial_ref_sys",
];

/// One pre-flight check and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn new(name: &str, ok: bool, detail: impl Into<String>) -> Check {
        Check {
            name: name.to_string(),
            ok,
            detail: detail.into(),
        }
    }
}

/// A column as the catalog describes it.
#[derive(Debug, Clone, PartialEq)]
struct Column {
    name: String,
    type_oid: u32,
    type_name: String,
    not_null: bool,
    has_default: bool,
    identity: String,
    generated: String,
}

/// One table to copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TablePlan {
    pub table: String,
    /// Columns copied (those of the public table), in public's order.
    pub columns: Vec<String>,
    /// Rows in `public` (at planning time; re-counted under lock during the copy).
    pub rows: i64,
    /// Rows already in the tenant table.
    pub target_rows: i64,
    /// Tables (in the copy set) this one references.
    pub depends_on: Vec<String>,
    /// The tenant table has an identity column that only accepts system values.
    #[serde(skip)]
    pub overriding: bool,
}

/// The plan: tables in dependency order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub platform: String,
    pub schema: String,
    pub tables: Vec<TablePlan>,
    /// A foreign-key cycle among the tables whose constraints are all deferrable: the copy
    /// defers them to commit.
    pub defer_constraints: bool,
    /// With `--truncate-targets`: tables outside the copy set that reference a target (directly
    /// or through each other), empty at planning time, emptied in the same TRUNCATE (PostgreSQL
    /// refuses to truncate a referenced table alone).
    #[serde(default)]
    pub truncated_along: Vec<Relation>,
}

/// A table in some schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    pub schema: String,
    pub table: String,
}

impl Relation {
    /// `"schema"."table"`, both quoted.
    fn sql(&self) -> Result<String> {
        Ok(format!(
            "{}.{}",
            Ident::parse(&self.schema)?.sql(),
            Ident::parse(&self.table)?.sql()
        ))
    }
}

impl std::fmt::Display for Relation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.schema, self.table)
    }
}

/// What the copy did to one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableResult {
    pub table: String,
    pub rows_public: i64,
    pub rows_copied: i64,
    pub status: String,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these public tables (default: every public table but [`NEVER_COPIED`]).
    pub tables: Option<Vec<String>>,
    /// Empty non-empty target tables inside the copy transaction (a freshly provisioned host
    /// schema holds seed rows).
    pub truncate_targets: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn dependency_order_puts_referenced_tables_first() {
        let names = set(&["comments", "communities", "people", "posts"]);
        let mut deps = BTreeMap::new();
        deps.insert("posts".to_string(), set(&["communities", "people"]));
        deps.insert("comments".to_string(), set(&["posts", "people"]));
        let (order, cycle) = topo_order(&names, &deps);
        assert!(cycle.is_empty());
        let pos = |n: &str| order.iter().position(|x| x == n).unwrap();
        assert!(pos("people") < pos("posts"));
        assert!(pos("communities") < pos("posts"));
        assert!(pos("posts") < pos("comments"));
    }

    #[test]
    fn cycles_are_reported() {
        let names = set(&["a", "b", "c"]);
        let mut deps = BTreeMap::new();
        deps.insert("a".to_string(), set(&["b"]));
        deps.insert("b".to_string(), set(&["a"]));
        let (order, cycle) = topo_order(&names, &deps);
        assert_eq!(order, vec!["c"]);
        assert_eq!(cycle, set(&["a", "b"]));
    }

    #[test]
    fn references_outside_the_copy_set_do_not_block() {
        let names = set(&["posts"]);
        let mut deps = BTreeMap::new();
        deps.insert("posts".to_string(), set(&["communities"]));
        let (order, cycle) = topo_order(&names, &deps);
        assert_eq!(order, vec!["posts"]);
        assert!(cycle.is_empty());
    }
}
