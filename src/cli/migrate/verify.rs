//! `tenantctl migrate verify`: each tenant's schema compared with a fresh one.

use super::*;
use crate::migrate::verify::{self, VerifyReport};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub select: TenantArgs,
    #[command(flatten)]
    pub set: SetOpts,
    #[command(flatten)]
    pub parallel: ParallelOpts,
}

/// One line of `migrate verify`'s table.
#[derive(Debug, Serialize)]
struct VerifyRow {
    #[serde(rename = "platform")]
    tenant: String,
    change: String,
    object: String,
    expected: String,
    actual: String,
}

impl Tabular for VerifyRow {
    fn headers() -> Vec<&'static str> {
        vec!["tenant", "change", "object", "expected", "actual"]
    }

    fn row(&self, _: &Term) -> Vec<Cell> {
        vec![
            Cell::new(&self.tenant),
            Cell::new(&self.change),
            Cell::new(&self.object),
            Cell::new(&self.expected),
            Cell::new(&self.actual),
        ]
    }
}

fn verify_rows(report: &VerifyReport) -> Vec<VerifyRow> {
    let mut rows = Vec::new();
    for d in &report.drifted {
        if let Some(e) = &d.error {
            rows.push(VerifyRow {
                tenant: d.tenant.clone(),
                change: "error".into(),
                object: format!("schema {}", d.schema),
                expected: String::new(),
                actual: e.clone(),
            });
        }
        for x in &d.differences {
            rows.push(VerifyRow {
                tenant: d.tenant.clone(),
                change: x.change.as_str().into(),
                object: format!("{} {}", x.kind, x.name),
                expected: x.expected.clone().unwrap_or_default(),
                actual: x.actual.clone().unwrap_or_default(),
            });
        }
    }
    rows
}

impl VerifyArgs {
    pub(super) async fn run(self, ctx: &Ctx) -> Result<()> {
        let set = self.set.load(ctx).await?;
        let jobs = self.parallel.jobs(ctx);
        let pool = pool_for(ctx, jobs).await?;
        migrations::ensure_current(&pool).await?;
        let filter = selection(&self.select, &pool).await?;
        let total = tenants::count(&pool, &filter).await?;
        let pb = ctx.out.progress(total, "verifying");
        let ext = ctx.settings().extension_schema.clone();
        let report = verify::verify(
            &pool,
            &set,
            ext.as_ref(),
            &filter,
            jobs,
            self.parallel.lock_timeout(ctx),
            &|| pb.inc(1),
        )
        .await;
        pb.finish_and_clear();
        let report = report?;
        match ctx.out.format {
            Format::Json => ctx.out.json(&report)?,
            _ => {
                let rows = verify_rows(&report);
                if !rows.is_empty() {
                    ctx.out.list(&rows)?;
                }
                if ctx.out.format == Format::Table {
                    ctx.out.line(&if report.drifted.is_empty() {
                        format!(
                            "all {} tenant schema(s) match the migration set",
                            report.checked
                        )
                    } else {
                        format!(
                            "{} of {} tenant schema(s) differ from the migration set",
                            report.drifted.len(),
                            report.checked
                        )
                    })?;
                }
            }
        }
        if let Some(why) = &report.distributed_error {
            return Err(Error::Other(anyhow::anyhow!("{why}")).hint(
                "a tenant migration on Citus may only reference its own schema: no foreign key to `public` or another schema (docs/scale-out.md)",
            ));
        }
        if report.drifted.is_empty() {
            Ok(())
        } else {
            Err(Error::Partial {
                failed: report.drifted.len(),
                total: report.checked,
            }
            .hint("a hand-made change is best turned into a migration (or undone by hand); `extra` objects are in the tenant only"))
        }
    }
}
