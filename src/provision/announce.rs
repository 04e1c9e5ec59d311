//! Telling a platform's contact (and the webhook) how its provisioning ended: on completion,
//! and on the last failure. Links use the tenant's own address. Delivery never fails the
//! provisioning: a failed delivery is logged and kept in the attempt's `notify_error`.

use crate::config::Settings;
use crate::notify::{Delivery, Notifier, ProvisionEvent, provision_notice};
use crate::registry::Platform;
use sqlx::PgPool;

/// Where a platform is served, as notifications name it (the jobs' rule, one place).
pub use crate::jobs::worker::tenant_of;

/// Send the notice of a provisioning outcome. Returns the deliveries (empty when nothing is
/// configured); failures are recorded on the platform's latest attempt.
pub async fn announce(
    pool: &PgPool,
    notifier: &Notifier,
    settings: &Settings,
    p: &Platform,
    event: &ProvisionEvent,
) -> Vec<Delivery> {
    if !notifier.configured() {
        return Vec::new();
    }
    let tenant = match tenant_of(pool, settings, p).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(platform = %p.name, error = %crate::error::Shown(&e), "notification not sent");
            return Vec::new();
        }
    };
    let n = provision_notice(
        &tenant,
        event,
        p.contact_email.as_deref(),
        notifier.admin_email(),
    );
    let deliveries = notifier.send(&n).await;
    let failed: Vec<String> = deliveries
        .iter()
        .filter(|d| !d.ok)
        .map(|d| {
            format!(
                "{} to {}: {}",
                d.channel,
                d.target,
                d.error.as_deref().unwrap_or("failed")
            )
        })
        .collect();
    if !failed.is_empty() {
        // language=PostgreSQL
        let res = sqlx::query(
            "UPDATE tenantctl.provision_attempts SET notify_error = $2 WHERE id = \
             (SELECT max(id) FROM tenantctl.provision_attempts WHERE platform_id = $1)",
        )
        .bind(p.id)
        .bind(failed.join("; "))
        .execute(pool)
        .await;
        if let Err(e) = res {
            tracing::warn!(platform = %p.name, error = %crate::error::Shown(&e), "could not record the failed notification");
        }
    }
    deliveries
}
