//! Provisioning notifications: mail to the platform's contact over a real SMTP server (started
//! by scripts/test) with links to the tenant's own address, the webhook, and delivery failures
//! that never fail the provisioning.

use crate::common::{Env, copy_sample_migrations, mails_to, smtp_server, unique_address};
use axum::{Json, Router, routing::post};
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::mpsc;

/// A webhook receiver on loopback; returns its URL and the events it gets.
async fn webhook() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/hook",
        post(move |Json(v): Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), rx)
}

#[sqlx::test(migrations = false)]
async fn completion_and_final_failure_mail_the_contact_with_tenant_links(pool: PgPool) {
    let (port, maildir) = smtp_server();
    let (hook, mut events) = webhook().await;
    let mut env = Env::new(pool);
    let admin = unique_address(&env.pool, "admin", "host.test");
    env.set("TENANTCTL_NOTIFY_SMTP_HOST", "127.0.0.1")
        .set("TENANTCTL_NOTIFY_SMTP_PORT", &port)
        .set("TENANTCTL_NOTIFY_ADMIN_EMAIL", &admin)
        .set("TENANTCTL_NOTIFY_WEBHOOK_URL", &hook);
    env.init().await;

    // A custom domain and a subdomain of the host's domain.
    let acme = unique_address(&env.pool, "ops", "acme.org");
    let beta = unique_address(&env.pool, "ops", "beta.org");
    env.run(&[
        "platform",
        "create",
        "--name",
        "Acme",
        "--domain",
        "acme.org",
        "--contact-email",
        &acme,
    ])
    .await
    .ok();
    env.run(&[
        "platform",
        "create",
        "--name",
        "Beta",
        "--subdomain",
        "beta",
        "--contact-email",
        &beta,
    ])
    .await
    .ok();
    env.run(&["worker", "--once"]).await.ok();

    let m = mails_to(&maildir, &acme);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].subject, "Acme is ready");
    assert!(m[0].body.contains("https://acme.org/"), "{}", m[0].body);
    assert!(
        !m[0].body.contains("example.test"),
        "host address in {}",
        m[0].body
    );
    let m = mails_to(&maildir, &beta);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].subject, "Beta is ready");
    assert!(
        m[0].body.contains("https://beta.example.test/"),
        "{}",
        m[0].body
    );
    assert!(
        !m[0].body.contains("https://example.test/"),
        "{}",
        m[0].body
    );
    assert!(
        mails_to(&maildir, &admin).is_empty(),
        "admins hear of failures only"
    );

    // A failure that is final: contact and administrators are told, with the error.
    let dir = env.path().join("broken");
    copy_sample_migrations(&dir);
    std::fs::write(
        dir.join("20990101000001_broken.up.sql"),
        "SELECT * FROM no_such_table;\n",
    )
    .unwrap();
    env.set("TENANTCTL_TENANT_MIGRATIONS_DIR", dir.to_str().unwrap())
        .set("TENANTCTL_PROVISION_MAX_ATTEMPTS", "1")
        .set("TENANTCTL_PROVISION_BACKOFF_BASE", "0s");
    let gamma = unique_address(&env.pool, "ops", "gamma.org");
    env.run(&[
        "platform",
        "create",
        "--name",
        "Gamma",
        "--subdomain",
        "gamma",
        "--contact-email",
        &gamma,
    ])
    .await
    .ok();
    env.run(&["worker", "--once"]).await.ok();
    let m = mails_to(&maildir, &gamma);
    assert_eq!(m.len(), 1, "one mail, for the last failure only: {m:?}");
    assert_eq!(m[0].subject, "Provisioning Gamma failed");
    assert!(
        m[0].body.contains("no_such_table") && m[0].body.contains("2 attempt"),
        "{}",
        m[0].body
    );
    assert!(
        m[0].body.contains("https://gamma.example.test"),
        "{}",
        m[0].body
    );
    assert_eq!(mails_to(&maildir, &admin).len(), 1);

    // The webhook got the same events, and the host's from `init`.
    let mut got = Vec::new();
    while let Ok(v) = events.try_recv() {
        got.push(v);
    }
    let kinds: Vec<(&str, &str)> = got
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["link"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("platform.provisioned", "https://example.test/"),
            ("platform.provisioned", "https://acme.org/"),
            ("platform.provisioned", "https://beta.example.test/"),
            ("platform.provision_failed", "https://gamma.example.test/"),
        ]
    );
    assert!(got[3]["error"].as_str().unwrap().contains("no_such_table"));
}

#[sqlx::test(migrations = false)]
async fn an_unreachable_smtp_server_never_fails_provisioning(pool: PgPool) {
    let mut env = Env::new(pool);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port().to_string()
    };
    env.set("TENANTCTL_NOTIFY_SMTP_HOST", "127.0.0.1")
        .set("TENANTCTL_NOTIFY_SMTP_PORT", &port);
    env.init().await;
    env.run(&[
        "platform",
        "create",
        "--name",
        "Acme",
        "--subdomain",
        "acme",
        "--contact-email",
        "ops@acme.test",
    ])
    .await
    .ok();
    env.run(&["provision", "acme"])
        .await
        .ok()
        .stderr_has("mail notification to ops@acme.test not delivered");
    env.run(&[
        "platform",
        "create",
        "--name",
        "Beta",
        "--subdomain",
        "beta",
        "--contact-email",
        "ops@beta.test",
    ])
    .await
    .ok();
    env.run(&["worker", "--once"])
        .await
        .ok()
        .stderr_has("mail not sent");
    for name in ["acme", "beta"] {
        assert_eq!(env.show(name).await["provision_status"], "completed");
    }
    let reported: Vec<String> = sqlx::query_scalar(
        "SELECT notify_error FROM tenantctl.provision_attempts WHERE outcome = 'completed' \
         AND platform_name IN ('Acme', 'Beta') ORDER BY id",
    )
    .fetch_all(&env.pool)
    .await
    .unwrap();
    assert_eq!(reported.len(), 2);
    assert!(
        reported
            .iter()
            .all(|e| e.contains(&format!("127.0.0.1:{port}"))),
        "{reported:?}"
    );
}
