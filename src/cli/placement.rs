//! The placement commands on a Citus cluster (issue 14.3): `platform move NAME --to
//! HOST:PORT`, `rebalance [--dry-run]` and `distribute [NAME...|--all]`. The SQL is
//! [`crate::placement`]'s.

use super::Ctx;
use crate::error::{Error, Result};
use crate::output::{Format, duration, human_bytes};
use crate::placement::{self, Node, TransferMode};
use crate::registry::{Platform, store};
use clap::Args;

/// Find a platform for a placement command: an unknown name is bad input (exit 2).
async fn find(pool: &sqlx::PgPool, key: &str) -> Result<Platform> {
    store::find(pool, key).await
}

fn size(b: Option<i64>) -> String {
    b.map(human_bytes).unwrap_or_else(|| "size unknown".into())
}

#[derive(Debug, Args)]
pub struct Move {
    /// The platform, by name or id
    #[arg(value_name = "NAME|ID")]
    pub platform: String,
    /// The node to move it to, as `tenantctl status` lists the nodes
    #[arg(long, value_name = "HOST:PORT")]
    pub to: String,
    /// Copy with writes blocked (Citus' block_writes) instead of logical replication
    #[arg(long)]
    pub block_writes: bool,
}

impl Move {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        // Bad input first: nothing is asked of the database before the node parses.
        let to = Node::parse(&self.to)?;
        let pool = ctx.registry().await?;
        placement::require_citus("platform move")?;
        let p = find(pool, &self.platform).await?;
        if let Some(done) = placement::finish_interrupted(pool, &p, &to).await? {
            ctx.out.note(&done);
            return Ok(());
        }
        let plan = placement::check_move(pool, &p, &to).await?;
        let mode = TransferMode::from_block_writes(self.block_writes);
        ctx.confirm(&format!(
            "move `{}` (schema {}, {}) from {} to {}? {} during the move",
            plan.platform,
            plan.schema,
            size(plan.bytes),
            plan.from,
            plan.to,
            mode.while_moving()
        ))
        .await?;
        let out = &ctx.out;
        let moved = placement::run_move(pool, &p, &plan, mode, &|s: &str| out.note(s)).await?;
        ctx.out.one(&moved, || {
            let gate = match mode {
                TransferMode::BlockWrites => {
                    format!(" (served 503 for {})", duration::elapsed_ms(moved.gate_ms))
                }
                TransferMode::Logical => String::new(),
            };
            format!(
                "moved `{}` from {} to {} in {}{gate}",
                moved.plan.platform,
                moved.plan.from,
                moved.plan.to,
                duration::elapsed_ms(moved.duration_ms),
            )
        })
    }
}

#[derive(Debug, Args)]
pub struct Rebalance {
    /// Print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Copy with writes blocked (Citus' block_writes) instead of logical replication
    #[arg(long)]
    pub block_writes: bool,
}

impl Rebalance {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        placement::require_citus("rebalance")?;
        let (_, by_schema) = placement::tenants(pool).await?;
        // Citus' plan from where the tenants are now: a rerun after an interrupted or partly
        // failed run plans again from there, so it carries on where the last one stopped.
        let plan = placement::rebalance_plan(pool, &by_schema).await?;
        let json = ctx.out.format != Format::Table;
        if plan.is_empty() {
            if json {
                return ctx.out.json(&placement::RebalanceReport {
                    dry_run: self.dry_run,
                    moves: Vec::new(),
                    moved: 0,
                    failed: 0,
                });
            }
            return ctx
                .out
                .line("the tenants are balanced: Citus' rebalancer plans no move");
        }
        if !json {
            let mut t = ctx
                .out
                .table(&["#", "platform", "schema", "size", "from", "to"]);
            for (i, m) in plan.iter().enumerate() {
                t.add_row(vec![
                    (i + 1).to_string(),
                    m.platform.clone(),
                    m.schema.clone(),
                    size(m.bytes),
                    m.from.to_string(),
                    m.to.to_string(),
                ]);
            }
            ctx.out.line(&format!(
                "plan ({} move(s), Citus' rebalancer, strategy by_disk_size){}:\n{t}",
                plan.len(),
                if self.dry_run {
                    "; dry run, nothing changed"
                } else {
                    ""
                }
            ))?;
        }
        if self.dry_run {
            if json {
                return ctx.out.json(&placement::RebalanceReport::planned(plan));
            }
            return Ok(());
        }
        let mode = TransferMode::from_block_writes(self.block_writes);
        ctx.confirm(&format!(
            "move {} tenant(s), one at a time? for each, {} during its move",
            plan.len(),
            mode.while_moving()
        ))
        .await?;
        let out = &ctx.out;
        let total = plan.len();
        let report = placement::rebalance(pool, plan, mode, &|s: &str| out.note(s)).await;
        let (moved, failed) = (report.moved, report.failed);
        if json {
            ctx.out.json(&report)?;
        } else {
            let mut t = ctx.out.table(&["platform", "from", "to", "result"]);
            for m in &report.moves {
                t.add_row(vec![
                    m.planned.platform.clone(),
                    m.planned.from.to_string(),
                    m.planned.to.to_string(),
                    match (&m.error, m.duration_ms) {
                        (Some(e), _) => format!("failed: {e}"),
                        (None, Some(ms)) => format!("moved in {}", duration::elapsed_ms(ms)),
                        _ => m.status.to_string(),
                    },
                ]);
            }
            ctx.out.line(&format!(
                "{t}\n{moved} moved, {failed} failed, {} skipped",
                total - moved - failed
            ))?;
        }
        if failed > 0 {
            return Err(Error::Partial { failed, total }
                .hint("run `tenantctl rebalance` again: it plans from where the tenants are now"));
        }
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct Distribute {
    /// The platforms to distribute, by name or id
    #[arg(
        value_name = "NAME|ID",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub platforms: Vec<String>,
    /// Every completed tenant whose schema is still local to the coordinator
    #[arg(long)]
    pub all: bool,
}

impl Distribute {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        placement::require_citus("distribute")?;
        let (fleet, _) = placement::tenants(pool).await?;
        let targets: Vec<Platform> = if self.all {
            fleet
        } else {
            // Every name is checked before anything changes.
            let mut v: Vec<Platform> = Vec::new();
            for key in &self.platforms {
                let p = find(pool, key).await?;
                placement::check_distributable(&p)?;
                if !v.iter().any(|x| x.id == p.id) {
                    v.push(p);
                }
            }
            v
        };
        let placement::DistributePlan {
            skipped: mut rows,
            todo,
        } = placement::distribute_plan(pool, targets).await?;
        for r in &rows {
            ctx.out.note(&format!(
                "`{}` is distributed already (on {}); skipped",
                r.platform,
                r.node.as_ref().map(ToString::to_string).unwrap_or_default()
            ));
        }
        if !todo.is_empty() {
            ctx.confirm(&format!(
                "distribute {} tenant schema(s) onto the workers? each is locked (requests get 503) while its data is copied",
                todo.len()
            ))
            .await?;
        }
        let total = todo.len();
        let out = &ctx.out;
        let done =
            placement::distribute_each(pool, todo, *ctx.settings().lock_timeout, &|s: &str| {
                out.note(s)
            })
            .await;
        let failed = done.iter().filter(|r| r.status == "failed").count();
        rows.extend(done);
        if ctx.out.format == Format::Json {
            ctx.out.json(&rows)?;
        } else {
            let done = rows.iter().filter(|r| r.status == "distributed").count();
            let skipped = rows.iter().filter(|r| r.status == "skipped").count();
            ctx.out.line(&format!(
                "{done} distributed, {skipped} already distributed, {failed} failed"
            ))?;
        }
        if failed > 0 {
            return Err(Error::Partial { failed, total });
        }
        Ok(())
    }
}
