//! The audit log (`tenantctl.audit_log`, issue 26.7): who changed what, on which platform,
//! when, from where, through the console or the CLI.
//!
//! [`record`] writes one row inside the caller's own transaction, so a change and its audit row
//! commit (or roll back) together. A platform is kept by id and name as they were: the trail of
//! a deleted platform stays readable. Owns no rule of what is audited: each change calls it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A console user, from a client address.
    Console {
        user_id: i64,
        email: String,
        address: Option<String>,
    },
    /// The CLI, run by an operating-system user.
    Cli { os_user: String },
}

impl Actor {
    /// The CLI's actor: the OS user running it (`$SUDO_USER` through sudo, named beside root).
    pub fn cli() -> Actor {
        Actor::Cli { os_user: os_user() }
    }

    fn via(&self) -> &'static str {
        match self {
            Actor::Console { .. } => "console",
            Actor::Cli { .. } => "cli",
        }
    }

    /// How the actor is shown: the email of a console user, the OS user of the CLI.
    pub fn name(&self) -> &str {
        match self {
            Actor::Console { email, .. } => email,
            Actor::Cli { os_user } => os_user,
        }
    }
}

/// The OS user running this process: its login name from the environment (`sudo` keeps who
/// ran it in `SUDO_USER`), else its numeric uid.
pub fn os_user() -> String {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let uid = rustix::process::getuid().as_raw();
    let name = var("USER")
        .or_else(|| var("LOGNAME"))
        .unwrap_or_else(|| format!("uid {uid}"));
    match var("SUDO_USER") {
        Some(s) if s != name => format!("{s} (as {name})"),
        _ => name,
    }
}

/// Write one audit row in `tx` (the transaction of the change itself).
pub async fn record(
    tx: &mut PgConnection,
    actor: &Actor,
    action: &str,
    platform: Option<(i64, &str)>,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    let (user_id, address) = match actor {
        Actor::Console {
            user_id, address, ..
        } => (Some(*user_id), address.clone()),
        Actor::Cli { .. } => (None, None),
    };
    // language=PostgreSQL
    sqlx::query(
        "INSERT INTO tenantctl.audit_log
             (via, actor, user_id, action, platform_id, platform_name, detail, address)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(actor.via())
    .bind(actor.name())
    .bind(user_id)
    .bind(action)
    .bind(platform.map(|p| p.0))
    .bind(platform.map(|p| p.1))
    .bind(detail)
    .bind(address)
    .execute(tx)
    .await?;
    Ok(())
}

/// [`record`] in a transaction of its own, for a change that has none (an external step such
/// as a restore that commits in several transactions): a failure to write it is returned.
pub async fn record_alone(
    pool: &PgPool,
    actor: &Actor,
    action: &str,
    platform: Option<(i64, &str)>,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    record(&mut tx, actor, action, platform, detail).await?;
    tx.commit().await
}

/// One row of the audit log, as the page and `tenantctl audit` show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub via: String,
    pub actor: String,
    pub action: String,
    pub platform_id: Option<i64>,
    pub platform: Option<String>,
    pub detail: serde_json::Value,
    pub address: Option<String>,
}

/// Which rows to list: newest first, older than `before` (an id, for paging), narrowed by
/// platform name, actor and action.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub platform: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub before: Option<i64>,
    pub limit: i64,
}

pub async fn list(pool: &PgPool, f: &Filter) -> sqlx::Result<Vec<Entry>> {
    // language=PostgreSQL
    sqlx::query_as(
        "SELECT id, at, via, actor, action, platform_id, platform_name AS platform, detail, address
         FROM tenantctl.audit_log
         WHERE ($1::text IS NULL OR lower(platform_name) = lower($1))
           AND ($2::text IS NULL OR lower(actor) = lower($2))
           AND ($3::text IS NULL OR action = $3 OR action LIKE $3 || '.%')
           AND ($4::timestamptz IS NULL OR at >= $4)
           AND ($5::bigint IS NULL OR id < $5)
         ORDER BY id DESC
         LIMIT $6",
    )
    .bind(&f.platform)
    .bind(&f.actor)
    .bind(&f.action)
    .bind(f.since)
    .bind(f.before)
    .bind(f.limit.clamp(1, 10_000))
    .fetch_all(pool)
    .await
}
