//! The console's notification center (`tenantctl.notifications`): what happened that a person
//! should know, and who has read it. Provisioning outcomes and lost domains are written by
//! triggers of the registry (every path that changes them leaves the same rows); failed backups
//! by the backup run ([`record`]). Who sees a row is decided when it is read: organizers the
//! rows of their own platforms meant for them, operators the rest ([`Reader`]).
//!
//! Owns the notifications' SQL; imports nothing above the database helpers.

use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgExecutor, PgPool};

word_enum! {
    "notification kind",
    /// What a notification tells (`tenantctl.notifications.kind`).
    pub enum NotificationKind {
        ProvisionFailed = "provision_failed",
        ProvisionCompleted = "provision_completed",
        BackupFailed = "backup_failed",
        DomainLost = "domain_lost",
    }
}

word_enum! {
    "notification audience",
    /// Who a notification is for (`tenantctl.notifications.audience`).
    pub enum Audience {
        /// The organizers of its platform.
        Organizers = "organizers",
        /// Operators (admins and viewers).
        Operators = "operators",
        Everyone = "everyone",
    }
}

/// Who is reading: a console account, and the platforms it may see (`None`: an operator, who
/// sees every platform).
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub user_id: i64,
    pub platforms: Option<&'a [i64]>,
}

/// One notification as a reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: NotificationKind,
    pub platform_id: Option<i64>,
    #[serde(rename = "platform")]
    pub platform_name: String,
    pub message: String,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Read by this reader, or resolved for everybody.
    pub read: bool,
}

/// The rows `reader` may see, as a WHERE condition on `n` (binds: $1 user id, $2 platform ids
/// or null for an operator).
// language=PostgreSQL
const VISIBLE: &str = "(CASE WHEN $2::bigint[] IS NULL \
         THEN n.audience IN ('operators', 'everyone') \
         ELSE n.audience IN ('organizers', 'everyone') AND n.platform_id = ANY ($2::bigint[]) END)";

// language=PostgreSQL
const UNREAD: &str = "n.resolved_at IS NULL AND NOT EXISTS (SELECT 1 FROM tenantctl.notification_reads r \
     WHERE r.user_id = $1 AND r.notification_id = n.id)";

/// Record a notification (the backup run's failures; the triggers write the others).
pub async fn record<'e>(
    db: impl PgExecutor<'e>,
    kind: NotificationKind,
    audience: Audience,
    platform: (Option<i64>, &str),
    message: &str,
    detail: Option<&str>,
) -> Result<i64> {
    // language=PostgreSQL
    Ok(sqlx::query_scalar(
        "INSERT INTO tenantctl.notifications (kind, audience, platform_id, platform_name, message, detail) \
         VALUES ($1, $2, (SELECT id FROM public.platforms WHERE id = $3), $4, $5, $6) RETURNING id",
    )
    .bind(kind)
    .bind(audience)
    .bind(platform.0)
    .bind(platform.1)
    .bind(message)
    .bind(detail)
    .fetch_one(db)
    .await?)
}

/// The newest `limit` notifications `reader` may see, before id `before` (the next page).
pub async fn list(
    pool: &PgPool,
    reader: Reader<'_>,
    unread_only: bool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Notification>> {
    let only = if unread_only {
        format!("AND {UNREAD}")
    } else {
        String::new()
    };
    // language=PostgreSQL
    let sql = format!(
        "SELECT n.id, n.kind, n.platform_id, n.platform_name, n.message, n.detail, n.created_at, \
                n.resolved_at, NOT ({UNREAD}) AS read \
         FROM tenantctl.notifications n \
         WHERE {VISIBLE} {only} AND ($3::bigint IS NULL OR n.id < $3) \
         ORDER BY n.id DESC LIMIT $4"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(reader.user_id)
        .bind(reader.platforms)
        .bind(before)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// How many notifications `reader` has not read (the header's count).
pub async fn unread_count(pool: &PgPool, reader: Reader<'_>) -> Result<i64> {
    // language=PostgreSQL
    let sql =
        format!("SELECT count(*) FROM tenantctl.notifications n WHERE {VISIBLE} AND {UNREAD}");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(reader.user_id)
        .bind(reader.platforms)
        .fetch_one(pool)
        .await?)
}

/// Mark notifications read for `reader`: the ones given, or every one it may see (`None`).
/// Ids it may not see are ignored. Returns how many became read.
pub async fn mark_read(pool: &PgPool, reader: Reader<'_>, ids: Option<&[i64]>) -> Result<u64> {
    // language=PostgreSQL
    let sql = format!(
        "INSERT INTO tenantctl.notification_reads (user_id, notification_id) \
         SELECT $1, n.id FROM tenantctl.notifications n \
         WHERE {VISIBLE} AND {UNREAD} AND ($3::bigint[] IS NULL OR n.id = ANY ($3::bigint[])) \
         ON CONFLICT DO NOTHING"
    );
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(reader.user_id)
        .bind(reader.platforms)
        .bind(ids)
        .execute(pool)
        .await?
        .rows_affected())
}
