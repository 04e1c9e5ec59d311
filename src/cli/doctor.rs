//! `tenantctl doctor`: the install and pre-upgrade checks (library: `crate::doctor`), printed
//! as a table or JSON; `--fix` applies what can be fixed safely, after confirming. Exit status
//! as `status --check`: 0 every check passed, 1 a warning, 2 a failure.

use super::Ctx;
use crate::doctor::{self, Finding, Grade};
use crate::error::{Error, Result};
use crate::output::Format;
use clap::Args;
use comfy_table::Color;
use serde::Serialize;

#[derive(Debug, Args)]
#[command(after_help = "\
Exit status (as `status --check`): 0 every check passed, 1 at least one WARN and no FAIL,
2 at least one FAIL. Connection errors keep their usual codes (1, 2, 69).")]
pub struct Doctor {
    /// Apply the fixes doctor can make itself, after confirming (--yes): today, revoke CREATE
    /// on schema public from PUBLIC (CVE-2018-1058)
    #[arg(long)]
    pub fix: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    status: Grade,
    checks: &'a [Finding],
    fixed: &'a [&'static str],
}

impl Doctor {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        // No named statements: doctor must also work (and say so) when database_url points
        // at a transaction pooler, which does not keep them.
        let pool =
            &crate::db::connect_with_options(ctx.settings(), crate::db::pool_size(1, 1), |o| {
                o.statement_cache_capacity(0)
            })
            .await?;
        let mut findings = doctor::run(pool, ctx.settings()).await?;
        let mut fixed = Vec::new();
        let fixable = findings
            .iter()
            .any(|f| f.check == "public-create" && f.status != Grade::Pass);
        if self.fix && !fixable {
            // A second `--fix` (or one on a healthy database) changes nothing: say so.
            ctx.out.note(if doctor::verdict(&findings) == Grade::Pass {
                "nothing to fix: every check passed"
            } else {
                "nothing doctor --fix can fix; the fix column says what to do by hand"
            });
        }
        if self.fix && fixable {
            ctx.confirm("Revoke CREATE on schema public from PUBLIC?")
                .await?;
            doctor::revoke_public_create(pool).await?;
            ctx.out.note("revoked CREATE on schema public from PUBLIC");
            fixed.push("public-create");
            findings = doctor::run(pool, ctx.settings()).await?;
        }
        let level = doctor::verdict(&findings);
        match ctx.out.format {
            Format::Json => ctx.out.json(&Report {
                status: level,
                checks: &findings,
                fixed: &fixed,
            })?,
            _ => {
                let out = &ctx.out;
                let mut t = out.table(&["check", "result", "detail", "fix"]);
                for f in &findings {
                    let color = match f.status {
                        Grade::Pass => Color::Green,
                        Grade::Warn => Color::Yellow,
                        Grade::Fail => Color::Red,
                    };
                    t.add_row(vec![
                        out.cell(f.check, None),
                        out.cell(f.status.as_str(), Some(color)),
                        out.cell(&f.detail, None),
                        out.cell(f.fix.as_deref().unwrap_or(""), None),
                    ]);
                }
                out.line(&format!("{t}\n\ndoctor: {}", level.as_str()))?;
            }
        }
        match level {
            Grade::Pass => Ok(()),
            l => Err(Error::Silent(l as u8)),
        }
    }
}
