//! TLS: one stack for every connection tenantctl makes. PostgreSQL (sqlx), SMTP (lettre), S3
//! (the AWS SDK) and webhooks and domain checks (reqwest) all use rustls 0.23 with the *ring*
//! crypto provider, and all trust the system's root certificates (`/etc/ssl/certs`, or
//! `SSL_CERT_FILE` / `SSL_CERT_DIR`), so an internal CA added there works for each of them.
//!
//! ring is the provider all four can share: sqlx offers the system's roots only with ring, and
//! the AWS SDK and reqwest take it when asked. PostgreSQL's own TLS options (`sslmode`,
//! `sslrootcert`, ...) are read in [`crate::db::connect_options`].

use std::sync::Arc;

/// The crypto provider, installed as the process default on first use so that a library that
/// asks rustls for the default (reqwest built with `rustls-no-provider`) finds the same one.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    install_default_provider();
    rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// Install *ring* as the process's default rustls provider (once; later calls do nothing).
pub fn install_default_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // NOTE: losing a race to another installer is fine: there is only ring in the binary.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// An HTTP client builder on the one TLS stack (webhooks, domain checks). reqwest verifies
/// with rustls-platform-verifier: the system's roots.
pub fn http_client() -> reqwest::ClientBuilder {
    install_default_provider();
    reqwest::Client::builder()
}

/// The AWS SDK's HTTPS client on the one TLS stack: what the SDK's `default-https-client`
/// builds (hyper 1, the system's roots, proxies from the environment), with ring instead of
/// aws-lc.
pub fn aws_http_client() -> aws_sdk_s3::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig};
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut conn = ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::Ring));
        conn.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            conn.set_sleep_impl(components.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_provider_is_ring_and_the_process_default() {
        let p = provider();
        let ring = rustls::crypto::ring::default_provider();
        assert_eq!(p.cipher_suites.len(), ring.cipher_suites.len());
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        // reqwest (rustls-no-provider) panics without a process default: this must not.
        http_client().build().unwrap();
    }
}
