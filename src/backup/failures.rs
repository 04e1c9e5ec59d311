//! Telling the administrators which backups of a run failed: one mail (and webhook event) per
//! run, naming each failed tenant and why, and one notification per failed tenant in the
//! console's notification center.

use super::dump::BackupOutcome;
use crate::config::Settings;
use crate::notify::Notifier;
use crate::registry::notifications::{self, Audience, NotificationKind};
use sqlx::PgPool;

/// Tell the administrators which of `all` failed (`failed`), to `storage` (or log it, when
/// nothing is configured), and leave the operators a notification per failed tenant.
pub async fn notify(
    pool: &PgPool,
    settings: &Settings,
    all: &[BackupOutcome],
    failed: &[&BackupOutcome],
    storage: &str,
) {
    for o in failed {
        let res = notifications::record(
            pool,
            NotificationKind::BackupFailed,
            Audience::Operators,
            (Some(o.platform_id), &o.platform_name),
            &format!("the backup of {} to {storage} failed", o.platform_name),
            o.error.as_deref(),
        )
        .await;
        if let Err(e) = res {
            tracing::warn!(platform = %o.platform_name, error = %crate::error::Shown(&e), "could not record the failed backup's notification");
        }
    }
    let mut body = format!(
        "{} of {} tenant backups to {storage} failed:\n\n",
        failed.len(),
        all.len()
    );
    for o in failed {
        body.push_str(&format!(
            "- {} ({}): {}\n",
            o.platform_name,
            o.schema,
            o.error.as_deref().unwrap_or("failed")
        ));
    }
    let event = serde_json::json!({
        "event": "backup.failed",
        "failed": failed.len(),
        "total": all.len(),
        "tenants": failed.iter().map(|o| serde_json::json!({
            "platform_id": o.platform_id,
            "platform": o.platform_name,
            "schema": o.schema,
            "error": o.error,
        })).collect::<Vec<_>>(),
    });
    Notifier::new(settings)
        .admins(
            &format!(
                "tenantctl: {} of {} backups failed",
                failed.len(),
                all.len()
            ),
            &body,
            event,
        )
        .await;
}
