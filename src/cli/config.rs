//! `tenantctl config show`: the effective settings and where each came from.

use super::Ctx;
use crate::config::ShownKey;
use crate::error::Result;
use crate::output::Tabular;
use clap::Subcommand;
use comfy_table::Cell;

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print every setting, its effective value (passwords masked) and its source
    Show,
}

impl Tabular for ShownKey {
    fn headers() -> Vec<&'static str> {
        vec!["key", "value", "source", "env"]
    }
    fn row(&self, _term: &crate::output::Term) -> Vec<Cell> {
        vec![
            Cell::new(self.key),
            Cell::new(self.value.as_deref().unwrap_or("")),
            Cell::new(&self.source),
            Cell::new(&self.env),
        ]
    }
}

impl ConfigCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            ConfigCmd::Show => {
                if let Some(f) = &ctx.config.file {
                    tracing::info!(file = %f.display(), "configuration file read");
                }
                ctx.out.list(&ctx.config.show())
            }
        }
    }
}
