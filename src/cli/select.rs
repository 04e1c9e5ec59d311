//! The tenant-selection flags every fleet command flattens (`--tenant`, `--exclude`, `--all`),
//! resolved against the registry by [`crate::registry::tenants::resolve`] alone.

use crate::error::Result;
use crate::registry::tenants::{self, Selection, Wanted};
use clap::{ArgAction, Args};
use sqlx::PgPool;

/// Which tenants a fleet command covers. Each flag takes one value (a comma list is several),
/// so a following subcommand is never swallowed: `migrate --tenant acme status` works.
#[derive(Debug, Clone, Default, Args)]
pub struct TenantArgs {
    /// Only this tenant (platform name or id); repeat the flag or give a comma list
    #[arg(long = "tenant", value_name = "NAME", value_delimiter = ',', action = ArgAction::Append)]
    pub tenants: Vec<String>,
    /// Leave this tenant out (platform name or id); repeat the flag or give a comma list
    #[arg(long, value_name = "NAME", value_delimiter = ',', action = ArgAction::Append)]
    pub exclude: Vec<String>,
    /// Every tenant (minus --exclude)
    #[arg(long, conflicts_with = "tenants")]
    pub all: bool,
}

impl TenantArgs {
    /// Resolve the flags, with `names` (a command's positional NAMEs) counted as `--tenant`.
    /// Unknown names are usage errors (exit 2), before anything changes.
    pub async fn resolve(
        &self,
        pool: &PgPool,
        names: &[String],
        wanted: Wanted,
        verb: &str,
    ) -> Result<Selection> {
        let tenants: Vec<String> = names.iter().chain(&self.tenants).cloned().collect();
        tenants::resolve(pool, &tenants, &self.exclude, wanted, verb).await
    }

    /// `--tenant` and `--exclude` given on a parent command (`migrate --tenant acme status`)
    /// count for its subcommand too.
    pub fn merge(&mut self, parent: TenantArgs) {
        self.tenants.extend(parent.tenants);
        self.exclude.extend(parent.exclude);
        self.all |= parent.all;
    }
}
