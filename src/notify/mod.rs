//! Notifications: mail over SMTP (lettre) and an optional webhook (JSON POST). Delivery never
//! fails the work that caused it: errors are logged and returned for reporting.

use crate::config::{NotifySettings, Settings, SmtpTls};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Serialize;
use std::time::Duration;
use tracing::{info, warn};

/// One notification: who gets the mail, what it says, and the event the webhook receives.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    #[serde(skip)]
    pub to: Vec<String>,
    pub subject: String,
    #[serde(skip)]
    pub body: String,
    /// The event as the webhook receives it (`{"event": "...", ...}`).
    pub event: serde_json::Value,
}

/// What happened to one delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub channel: &'static str,
    pub target: String,
    pub ok: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Notifier {
    settings: NotifySettings,
}

impl Notifier {
    pub fn new(settings: &Settings) -> Notifier {
        Notifier {
            settings: settings.notify.clone(),
        }
    }

    pub fn mail_configured(&self) -> bool {
        self.settings.smtp_host.is_some()
    }

    /// Whether any channel (mail or webhook) is configured at all.
    pub fn configured(&self) -> bool {
        self.mail_configured() || self.settings.webhook_url.is_some()
    }

    /// The administrators' address, if configured.
    pub fn admin_email(&self) -> Option<&str> {
        self.settings.admin_email.as_deref()
    }

    /// Deliver by mail (when SMTP and recipients are configured) and webhook (when set).
    /// Returns one entry per attempted delivery; never an error.
    pub async fn send(&self, n: &Notification) -> Vec<Delivery> {
        let mut out = Vec::new();
        if self.mail_configured() && !n.to.is_empty() {
            for to in &n.to {
                let res = self.mail(to, &n.subject, &n.body).await;
                match &res {
                    Ok(()) => info!(to = %to, subject = %n.subject, "mail sent"),
                    Err(e) => warn!(to = %to, subject = %n.subject, error = %e, "mail not sent"),
                }
                out.push(Delivery {
                    channel: "mail",
                    target: to.clone(),
                    ok: res.is_ok(),
                    error: res.err(),
                });
            }
        }
        if let Some(url) = &self.settings.webhook_url {
            let res = self.webhook(url, &n.event).await;
            let shown = crate::config::mask_secret(url);
            if let Err(e) = &res {
                warn!(webhook = %shown, error = %e, "webhook not delivered");
            }
            out.push(Delivery {
                channel: "webhook",
                target: shown,
                ok: res.is_ok(),
                error: res.err(),
            });
        }
        out
    }

    /// One mail to `to` and nothing else (no webhook): for a message that carries a secret, such
    /// as a console's one-time set-password link.
    pub async fn mail_only(&self, to: &str, subject: &str, body: &str) -> Delivery {
        let res = if self.mail_configured() {
            self.mail(to, subject, body).await
        } else {
            Err("no SMTP server configured (notify.smtp_host)".to_string())
        };
        match &res {
            Ok(()) => info!(to = %to, subject = %subject, "mail sent"),
            Err(e) => warn!(to = %to, subject = %subject, error = %e, "mail not sent"),
        }
        Delivery {
            channel: "mail",
            target: to.to_string(),
            ok: res.is_ok(),
            error: res.err(),
        }
    }

    /// Tell the administrators (a failed backup, a provisioning that gave up). Without an admin
    /// address or SMTP server the message goes to the log, so cron mail or the journal has it.
    pub async fn admins(
        &self,
        subject: &str,
        body: &str,
        event: serde_json::Value,
    ) -> Vec<Delivery> {
        let to: Vec<String> = self.admin_email().map(str::to_string).into_iter().collect();
        if to.is_empty() || !self.mail_configured() {
            warn!(subject = %subject, "{body}");
        }
        self.send(&Notification {
            to,
            subject: subject.to_string(),
            body: body.to_string(),
            event,
        })
        .await
    }

    async fn mail(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let s = &self.settings;
        let host = s.smtp_host.as_deref().ok_or("no SMTP server configured")?;
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| format!("invalid notify.from `{}`: {e}", s.from))?;
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("invalid recipient `{to}`: {e}"))?;
        let msg = lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        smtp_transport(s, Duration::from_secs(10))?
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP {host}:{}: {e}", s.smtp_port))
    }

    async fn webhook(&self, url: &str, event: &serde_json::Value) -> Result<(), String> {
        let client = crate::tls::http_client()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        let resp = client
            .post(url)
            .json(event)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered {}", resp.status()))
        }
    }
}

/// The configured SMTP server (`notify.smtp_*`) as a transport whose commands time out after
/// `timeout`: notifications and the application's mail (the mail handler) send through it.
pub fn smtp_transport(
    s: &NotifySettings,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let host = s.smtp_host.as_deref().ok_or("no SMTP server configured")?;
    let builder = match s.smtp_tls {
        SmtpTls::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| e.to_string())?
        }
        SmtpTls::Starttls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(|e| e.to_string())?
        }
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
    };
    let mut builder = builder.port(s.smtp_port).timeout(Some(timeout));
    if let (Some(u), Some(p)) = (&s.smtp_username, &s.smtp_password) {
        builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
    }
    Ok(builder.build())
}

/// Where a tenant is served, for notifications about it: its links use the tenant's own address
/// (its domain, or its subdomain of the host domain), never the host's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    #[serde(rename = "platform_id")]
    pub id: i64,
    #[serde(rename = "platform")]
    pub name: String,
    pub schema: Option<String>,
    pub address: Option<String>,
    /// `url_scheme://address/`.
    pub link: Option<String>,
}

/// The outcome of a platform's provisioning that its contact hears about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProvisionEvent {
    /// Provisioned: the platform is ready.
    Completed,
    /// Failed for the last time (no retry follows).
    Failed { error: String, attempts: i32 },
}

/// The mail (to the platform's contact; on failure also the administrators) and webhook event
/// for a provisioning outcome. Pure.
pub fn provision_notice(
    tenant: &Tenant,
    event: &ProvisionEvent,
    contact: Option<&str>,
    admin: Option<&str>,
) -> Notification {
    let mut to: Vec<String> = contact.map(str::to_string).into_iter().collect();
    let at = tenant
        .link
        .as_deref()
        .map(|l| format!(" at {l}"))
        .unwrap_or_default();
    let (subject, body, name) = match event {
        ProvisionEvent::Completed => (
            format!("{} is ready", tenant.name),
            format!(
                "Hello,\n\nyour platform \"{}\" is ready{at}.\n\n{}\n-- \ntenantctl\n",
                tenant.name,
                tenant
                    .link
                    .as_deref()
                    .map(|l| format!("Open it: {l}\n"))
                    .unwrap_or_default()
            ),
            "platform.provisioned",
        ),
        ProvisionEvent::Failed { error, attempts } => {
            if let Some(a) = admin
                && !to.iter().any(|t| t.eq_ignore_ascii_case(a))
            {
                to.push(a.to_string());
            }
            (
                format!("Provisioning {} failed", tenant.name),
                format!(
                    "Hello,\n\nsetting up the platform \"{}\" failed after {attempts} attempt(s):\n\n    {error}\n\n\
                     It will be served{at} once provisioning succeeds. An operator can try again with\n\n    \
                     tenantctl platform retry {}\n\n-- \ntenantctl\n",
                    tenant.name, tenant.id
                ),
                "platform.provision_failed",
            )
        }
    };
    // The platform's fields at the top level, in the JSON vocabulary (docs/conventions.md).
    let mut ev = serde_json::json!({ "event": name });
    if let (Some(ev), Ok(serde_json::Value::Object(t))) =
        (ev.as_object_mut(), serde_json::to_value(tenant))
    {
        ev.extend(t);
    }
    ev["at"] = serde_json::Value::String(
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    );
    if let ProvisionEvent::Failed { error, attempts } = event {
        ev["error"] = serde_json::Value::String(error.clone());
        ev["attempts"] = serde_json::Value::from(*attempts);
    }
    Notification {
        to,
        subject,
        body,
        event: ev,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acme() -> Tenant {
        Tenant {
            id: 7,
            name: "Acme".into(),
            schema: Some("tenant_acme_abc123".into()),
            address: Some("acme.org".into()),
            link: Some("https://acme.org/".into()),
        }
    }

    #[test]
    fn completion_goes_to_the_contact_with_the_tenant_link() {
        let n = provision_notice(
            &acme(),
            &ProvisionEvent::Completed,
            Some("ops@acme.org"),
            Some("admin@host.test"),
        );
        assert_eq!(n.to, vec!["ops@acme.org"]);
        assert_eq!(n.subject, "Acme is ready");
        assert!(n.body.contains("https://acme.org/"), "{}", n.body);
        assert_eq!(n.event["event"], "platform.provisioned");
        assert_eq!(n.event["link"], "https://acme.org/");
        assert_eq!(n.event["platform"], "Acme");
    }

    #[test]
    fn final_failure_also_tells_the_admins_once() {
        let ev = ProvisionEvent::Failed {
            error: "migration 3 failed".into(),
            attempts: 6,
        };
        let n = provision_notice(&acme(), &ev, Some("ops@acme.org"), Some("admin@host.test"));
        assert_eq!(n.to, vec!["ops@acme.org", "admin@host.test"]);
        assert!(n.body.contains("migration 3 failed") && n.body.contains("6 attempt"));
        assert!(n.body.contains("tenantctl platform retry 7"));
        assert_eq!(n.event["error"], "migration 3 failed");
        let n = provision_notice(
            &acme(),
            &ev,
            Some("ADMIN@host.test"),
            Some("admin@host.test"),
        );
        assert_eq!(n.to.len(), 1);
        let n = provision_notice(&acme(), &ev, None, None);
        assert!(n.to.is_empty());
    }
}
