//! `tenantctl migrate status`: each tenant's migration state, with counts.

use super::*;
use crate::migrate::status::{self, State};

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub select: TenantArgs,
    #[command(flatten)]
    pub set: SetOpts,
    /// Only tenants not at the latest version (something pending, or no schema)
    #[arg(long)]
    pub behind: bool,
}

impl StatusArgs {
    pub(super) async fn run(self, ctx: &Ctx) -> Result<()> {
        let set = self.set.load(ctx).await?;
        let pool = ctx.registry().await?;
        let filter = selection(&self.select, pool).await?;
        let rows = status::status(pool, &set, &filter, self.behind).await?;
        let latest = set
            .latest()
            .map(|v| v.to_string())
            .unwrap_or_else(|| "-".into());
        let empty = if self.behind {
            format!("no tenant is behind (latest version {latest})")
        } else {
            "no tenants".to_string()
        };
        ctx.out.list_or(&rows, &empty)?;
        if ctx.out.format == Format::Table && !rows.is_empty() {
            let count = |s: State| rows.iter().filter(|r| r.state == s).count();
            ctx.out.note(&format!(
                "{} tenant(s){}: {} up to date, {} behind, {} drift, {} missing{} (latest version {latest})",
                rows.len(),
                if self.behind { " behind" } else { "" },
                count(State::UpToDate),
                count(State::Behind),
                count(State::Drift),
                count(State::Missing),
                match count(State::Invalid) {
                    0 => String::new(),
                    n => format!(", {n} with an invalid schema name"),
                },
            ));
        }
        let invalid = rows.iter().filter(|r| r.state == State::Invalid).count();
        if invalid > 0 {
            return Err(Error::Partial {
                failed: invalid,
                total: rows.len(),
            }
            .hint("a registry row's schema name breaks the naming rules (edited by hand?): fix the row, or remove it with `tenantctl platform delete`"));
        }
        Ok(())
    }
}
