//! A platform's maintenance flag: setting it (the registry trigger tells every `serve`, which
//! then answers 503 without any SQL), and setting it so that no request touches the schema
//! when the call returns (the flag, then the schema gate of [`crate::db::gate`]).

use super::{PLATFORM_COLUMNS, Platform};
use crate::db::gate;
use crate::error::{Error, Result};
use crate::output::duration;
use sqlx::{AssertSqlSafe, PgPool};
use std::time::Duration;

/// How long `maintenance on` keeps the gate closed after setting the flag: longer than it
/// takes a `serve` to hear the NOTIFY and reload, so that afterwards the flag alone keeps
/// requests out.
pub const SETTLE: Duration = Duration::from_secs(2);

/// How long `maintenance on` waits for requests in flight.
pub const DRAIN_WAIT: Duration = Duration::from_secs(30);

/// Set a platform's maintenance flag and reason (`None` when it is off), and nothing more:
/// requests already running carry on. `None` when there is no such platform.
pub async fn set_flag(
    pool: &PgPool,
    platform_id: i64,
    on: bool,
    reason: Option<&str>,
) -> Result<Option<Platform>> {
    // language=PostgreSQL
    let sql = format!(
        "UPDATE public.platforms SET maintenance = $2, maintenance_reason = $3, updated_at = now() \
         WHERE id = $1 RETURNING {PLATFORM_COLUMNS}"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(platform_id)
        .bind(on)
        .bind(reason)
        .fetch_optional(pool)
        .await?)
}

/// What [`set_and_drain`] did.
#[derive(Debug, Clone)]
pub struct MaintenanceChange {
    pub platform: Platform,
    /// The flag was already as asked (the reason may still have changed).
    pub unchanged: bool,
}

/// Put a platform in maintenance, or take it out (`platform maintenance`). Turning it on
/// commits the flag (the NOTIFY reaches every `serve`), then closes the schema's gate for
/// `settle`: this waits (at most `drain_wait`) for the requests in flight and holds new ones
/// off until every `serve` has reloaded. When it returns, no request touches the schema.
pub async fn set_and_drain(
    pool: &PgPool,
    platform: &Platform,
    on: bool,
    reason: Option<&str>,
    drain_wait: Duration,
    settle: Duration,
) -> Result<MaintenanceChange> {
    let reason = if on { reason } else { None };
    let unchanged = platform.maintenance == on && platform.maintenance_reason.as_deref() == reason;
    let updated = if unchanged {
        platform.clone()
    } else {
        set_flag(pool, platform.id, on, reason)
            .await?
            .ok_or_else(|| super::store::not_found(&platform.name))?
    };
    let unchanged = platform.maintenance == on;
    if on {
        let schema = platform.require_schema()?;
        if !gate::close_for(pool, &schema, drain_wait, settle).await? {
            return Err(Error::Busy(format!(
                "platform `{}` is in maintenance now, but requests started before were still running after {}",
                platform.name,
                duration::span(drain_wait)
            ))
            .hint("they finish on their own; run the command again to wait for them"));
        }
    }
    Ok(MaintenanceChange {
        platform: updated,
        unchanged,
    })
}
