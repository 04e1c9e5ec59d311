//! Issue 14.5: TLS to PostgreSQL as libpq spells it (`sslmode`, `sslrootcert`, `sslcert`,
//! `sslkey`), against servers with certificates the test bed makes (`start_postgres_tls` in
//! scripts/lib/services.sh): a CA, a server certificate for localhost and 127.0.0.1, one for
//! another name, a self-signed X.509 v1 one as Citus makes, and a client certificate.

use crate::common::Env;
use sqlx::{Connection, PgConnection};

struct Bed {
    /// ca.crt, client.crt, client.key
    dir: std::path::PathBuf,
    /// Right name, CA-signed.
    good: String,
    /// CA-signed for `wrong.example`.
    wrong_name: String,
    /// Self-signed X.509 v1.
    v1: String,
}

fn bed() -> Option<Bed> {
    let Ok(good) = std::env::var("TENANTCTL_TEST_TLS_URL") else {
        eprintln!(
            "skipped: TENANTCTL_TEST_TLS_URL is not set (scripts/test sets it with start_postgres_tls)"
        );
        return None;
    };
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is set with the rest"));
    Some(Bed {
        dir: var("TENANTCTL_TEST_TLS_DIR").into(),
        good,
        wrong_name: var("TENANTCTL_TEST_TLS_WRONG_NAME_URL"),
        v1: var("TENANTCTL_TEST_TLS_V1_URL"),
    })
}

impl Bed {
    fn file(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }
    fn ca(&self) -> String {
        format!("&sslrootcert={}", self.file("ca.crt"))
    }
}

/// Connect the way every tenantctl connection does; on success, whether the session is
/// encrypted (as the server sees it) and who it is.
async fn connect(url: &str) -> Result<(bool, String), String> {
    let opts = tenantctl::db::connect_options(url).map_err(|e| e.to_string())?;
    let mut c = PgConnection::connect_with(&opts)
        .await
        .map_err(|e| e.to_string())?;
    // language=PostgreSQL
    let row: (bool, String) = sqlx::query_as(
        "SELECT s.ssl, current_user::text FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()",
    )
    .fetch_one(&mut c)
    .await
    .map_err(|e| e.to_string())?;
    let _ = c.close().await;
    Ok(row)
}

#[track_caller]
fn encrypted(r: Result<(bool, String), String>, what: &str) {
    match r {
        Ok((ssl, _)) => assert!(ssl, "{what}: connected, but not encrypted"),
        Err(e) => panic!("{what}: {e}"),
    }
}

#[track_caller]
fn refused(r: Result<(bool, String), String>, what: &str, says: &str) {
    match r {
        Ok(_) => panic!("{what}: connected"),
        Err(e) => assert!(e.contains(says), "{what}: `{e}` does not say `{says}`"),
    }
}

/// prefer and require encrypt and check nothing, as libpq: any name, any issuer, and the
/// X.509 v1 certificate rustls alone refuses (UnsupportedCertVersion).
#[tokio::test]
async fn prefer_and_require_encrypt_whatever_the_certificate() {
    let Some(b) = bed() else { return };
    for mode in ["prefer", "require"] {
        for (what, url) in [
            ("right name", &b.good),
            ("wrong name", &b.wrong_name),
            ("X.509 v1", &b.v1),
        ] {
            encrypted(
                connect(&format!("{url}?sslmode={mode}")).await,
                &format!("{mode}, {what}"),
            );
        }
    }
    // The default is prefer: encrypted where the server offers it, also with a v1 certificate.
    encrypted(connect(&b.v1).await, "no sslmode, X.509 v1");
}

/// disable sends no TLS (this server refuses unencrypted sessions but for one role); require
/// refuses a server without TLS instead of going on in the clear.
#[tokio::test]
async fn disable_is_plain_and_require_needs_tls() {
    let Some(b) = bed() else { return };
    let plain = b.good.replace("postgres@", "tls_plain_ok@");
    let (ssl, _) = connect(&format!("{plain}?sslmode=disable")).await.unwrap();
    assert!(!ssl, "disable sent TLS");
    refused(
        connect(&format!("{}?sslmode=disable", b.good)).await,
        "disable, role that needs TLS",
        "no encryption",
    );
    // The shared test server has no TLS.
    let no_tls = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    refused(
        connect(&format!("{no_tls}?sslmode=require")).await,
        "require, server without TLS",
        "does not support TLS",
    );
    let (ssl, _) = connect(&format!("{no_tls}?sslmode=prefer")).await.unwrap();
    assert!(!ssl);
}

/// verify-ca checks the chain (only against sslrootcert when given), not the name.
#[tokio::test]
async fn verify_ca_checks_the_chain_only() {
    let Some(b) = bed() else { return };
    let ca = b.ca();
    encrypted(
        connect(&format!("{}?sslmode=verify-ca{ca}", b.good)).await,
        "verify-ca, our CA",
    );
    encrypted(
        connect(&format!("{}?sslmode=verify-ca{ca}", b.wrong_name)).await,
        "verify-ca, wrong name",
    );
    refused(
        connect(&format!("{}?sslmode=verify-ca{ca}", b.v1)).await,
        "verify-ca, self-signed v1",
        "certificate",
    );
    // Without sslrootcert: the system's roots, which do not hold the test CA.
    refused(
        connect(&format!("{}?sslmode=verify-ca", b.good)).await,
        "verify-ca, system roots",
        "UnknownIssuer",
    );
    // sslrootcert=system (libpq 16's spelling) is the same.
    refused(
        connect(&format!("{}?sslmode=verify-ca&sslrootcert=system", b.good)).await,
        "verify-ca, sslrootcert=system",
        "UnknownIssuer",
    );
    // A root file replaces the system's roots, as libpq: the server's own certificate as the
    // "CA" does not make another chain pass.
    let other = format!("&sslrootcert={}", b.file("wrong.crt"));
    refused(
        connect(&format!("{}?sslmode=verify-ca{other}", b.good)).await,
        "verify-ca, a file without our CA",
        "certificate",
    );
}

/// verify-full also checks the host name (DNS name or IP address in the certificate).
#[tokio::test]
async fn verify_full_checks_chain_and_name() {
    let Some(b) = bed() else { return };
    let ca = b.ca();
    encrypted(
        connect(&format!("{}?sslmode=verify-full{ca}", b.good)).await,
        "verify-full, localhost",
    );
    encrypted(
        connect(&format!(
            "{}?sslmode=verify-full{ca}",
            b.good.replace("localhost", "127.0.0.1")
        ))
        .await,
        "verify-full, 127.0.0.1",
    );
    refused(
        connect(&format!("{}?sslmode=verify-full{ca}", b.wrong_name)).await,
        "verify-full, wrong name",
        "not valid for name",
    );
    refused(
        connect(&format!("{}?sslmode=verify-full{ca}", b.v1)).await,
        "verify-full, self-signed v1",
        "certificate",
    );
}

/// sslcert and sslkey log in a role that the server admits by certificate only.
#[tokio::test]
async fn a_client_certificate_logs_in() {
    let Some(b) = bed() else { return };
    let url = b.good.replace("postgres@", "tls_cert_user@");
    let cert = format!(
        "&sslcert={}&sslkey={}",
        b.file("client.crt"),
        b.file("client.key")
    );
    let (ssl, who) = connect(&format!("{url}?sslmode=verify-full{}{cert}", b.ca()))
        .await
        .unwrap();
    assert!(ssl);
    assert_eq!(who, "tls_cert_user");
    refused(
        connect(&format!("{url}?sslmode=verify-full{}", b.ca())).await,
        "no client certificate",
        "requires a valid client certificate",
    );
}

/// The configuration keys reach every connection, sqlx's and pg_dump's: `init`, `platform
/// create` and `backup` of a tenant on a server that is only trusted through its CA, with
/// `sslmode`/`sslrootcert` from the environment; the wrong name is refused as unreachable.
#[tokio::test]
async fn config_keys_reach_every_connection_and_pg_dump() {
    let Some(b) = bed() else { return };
    let db = format!("tenantctl_tls_{:016x}", rand::random::<u64>());
    let admin = format!("{}?sslmode=verify-full{}", b.good, b.ca());
    let opts = tenantctl::db::connect_options(&admin).unwrap();
    let mut c = PgConnection::connect_with(&opts).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut c)
        .await
        .unwrap();
    let in_db = |url: &str| format!("{}/{db}", url.strip_suffix("/postgres").unwrap());
    let url = in_db(&b.good);
    let pool = sqlx::PgPool::connect_with(
        tenantctl::db::connect_options(&admin)
            .unwrap()
            .database(&db),
    )
    .await
    .unwrap();
    let mut env = Env::new(pool.clone());
    env.set("DATABASE_URL", &url)
        .set("TENANTCTL_SSLMODE", "verify-full")
        .set("TENANTCTL_SSLROOTCERT", &b.file("ca.crt"));
    crate::backup::fleet(&env, &[("A", "tenant_a")]).await;
    let r = env.run(&["backup", "A", "-o", "json"]).await;
    r.ok();
    assert_eq!(r.json()[0]["status"], "ok", "{}", r.stdout);
    // The same with a certificate for another name: refused before anything runs.
    let wrong = in_db(&b.wrong_name);
    env.set("DATABASE_URL", &wrong);
    env.run(&["platform", "list"])
        .await
        .code(69)
        .stderr_has("not valid for name");
    pool.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {db} WITH (FORCE)"
    )))
    .execute(&mut c)
    .await
    .unwrap();
}

/// Issue 28.14: the TLS fixes live in the vendored sqlx-core (vendor/README.md), which cargo uses
/// only while its version is the one sqlx asks for. After `cargo update -p sqlx` to a newer
/// sqlx-core, cargo merely warns "patch not used" and both fixes vanish: this fails instead.
#[test]
fn the_vendored_sqlx_core_is_the_one_built() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock: toml::Table = std::fs::read_to_string(root.join("Cargo.lock"))
        .expect("Cargo.lock")
        .parse()
        .expect("Cargo.lock parses");
    let packages = lock["package"].as_array().expect("packages");
    let cores: Vec<_> = packages
        .iter()
        .filter(|p| p["name"].as_str() == Some("sqlx-core"))
        .collect();
    let vendored: toml::Table = std::fs::read_to_string(root.join("vendor/sqlx-core/Cargo.toml"))
        .expect("vendor/sqlx-core/Cargo.toml")
        .parse()
        .expect("it parses");
    let version = vendored["package"]["version"].as_str().expect("version");
    assert_eq!(cores.len(), 1, "one sqlx-core, the vendored one: {cores:?}");
    // A path dependency has no `source` in the lock file; crates.io's has one.
    assert!(
        cores[0].get("source").is_none(),
        "sqlx-core comes from {:?}, not vendor/sqlx-core: the TLS patch is not in use \
         (port vendor/sqlx-core.patch to sqlx-core {}, or pin sqlx to {version})",
        cores[0].get("source"),
        cores[0]["version"]
    );
    assert_eq!(cores[0]["version"].as_str(), Some(version));
    assert!(
        lock.get("patch").is_none(),
        "Cargo.lock lists an unused patch: {:?}",
        lock.get("patch")
    );
}
