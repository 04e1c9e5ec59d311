//! The `sql` handler: the kind's function called with the job's payload, `SELECT
//! function($1::jsonb)`, in one transaction in the tenant's schema (`SET LOCAL search_path`,
//! `SET LOCAL statement_timeout` to the kind's timeout), committed when it returns. The job
//! and its platform are transaction-local settings too (`current_setting('tenantctl.job_id')`,
//! see [`super::TenantTx::settings`]). Everything goes as simple queries and unnamed
//! statements inside the transaction, so the worker's pool may be a PgBouncer in transaction
//! mode.
//!
//! Any error rolls the transaction back and retries the job (the worker discards it after its
//! last attempt); a schema where another role could have put code is refused, as migrate and
//! report refuse it (`db::trust`).

use super::{TenantTx, schema_of, sql_error};
use crate::config::Settings;
use crate::config::job_kinds::{FunctionName, SqlSettings};
use crate::jobs::handler::{Attempt, Handler, Outcome};
use crate::rules::SchemaName;
use async_trait::async_trait;

pub struct Sql {
    function: FunctionName,
    extension_schema: Option<SchemaName>,
}

impl Sql {
    pub fn new(s: &SqlSettings, settings: &Settings) -> Sql {
        Sql {
            function: s.function.clone(),
            extension_schema: settings.extension_schema.clone(),
        }
    }
}

#[async_trait]
impl Handler for Sql {
    async fn perform(&self, a: Attempt<'_>) -> crate::error::Result<Outcome> {
        let schema = match schema_of(a.tenant, "sql") {
            Ok(s) => s,
            Err(o) => return Ok(o),
        };
        let mut tx = TenantTx::begin(&a, &schema, self.extension_schema.as_ref(), false).await?;
        if let Some(refusal) = tx.settings(&a, &schema).await? {
            tx.rollback().await?;
            return Ok(Outcome::Retry {
                error: refusal,
                after: None,
            });
        }
        // language=PostgreSQL
        let call = format!("SELECT {}($1::jsonb)", self.function.sql());
        let ran = sqlx::query(sqlx::AssertSqlSafe(call))
            .persistent(false)
            .bind(a.payload)
            .execute(tx.conn())
            .await;
        if let Err(e) = ran {
            let error = sql_error(
                &format!("{}(payload) in schema {schema}", self.function),
                &e,
                a.timeout,
            );
            tx.rollback().await?;
            return Ok(Outcome::Retry { error, after: None });
        }
        if let Err(e) = tx.commit().await {
            return Ok(Outcome::Retry {
                error: format!(
                    "the transaction of {}(payload) did not commit: {}",
                    self.function,
                    crate::error::Shown(&e)
                ),
                after: None,
            });
        }
        Ok(Outcome::Completed)
    }
}
