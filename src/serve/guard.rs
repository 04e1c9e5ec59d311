//! Who may reach the routes that are not a tenant's (issue 15.7): `/setup/*` creates schemas
//! and `/metrics` lists every tenant, so neither is open by default.
//!
//! - `serve.setup = off | token | open` (default `off`: 404). `token` wants
//!   `Authorization: Bearer <serve.setup_token>` on every `/setup/*` request (401 otherwise;
//!   the scheme is case-insensitive, RFC 9110 §11.1).
//! - Creations (`POST /setup/platforms`) are rate limited per client IP address: a token
//!   bucket of `serve.setup_rate` per hour (governor's keyed GCRA limiter: one small, widely
//!   used crate that answers "when is the next one allowed", which Retry-After needs; tower's
//!   `RateLimit` has one bucket for everyone and queues instead of refusing). Over it: 429 +
//!   Retry-After. An IPv6 client is keyed by its /64, the smallest block a site gets (one
//!   host picks any of 2^64 addresses in it); IPv4 by its address. Behind a reverse proxy every client has the proxy's address, so the limit is
//!   the proxy's as a whole — the safe side.
//! - `serve.setup_max_pending`: no creation while that many platforms are pending or
//!   provisioning (503 + Retry-After); creations are serialised in this process so the count
//!   and the insert cannot race each other.
//! - `/metrics` is served on `serve.metrics_listen` (a listener of its own, nothing else
//!   there) and, on the public listener, only with `Authorization: Bearer
//!   <serve.metrics_token>`; with neither configured it is not served at all.

use super::reply::error;
use crate::config::ServeSettings;
use crate::error::{Error, Result};
use crate::output::duration;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;

pub use crate::config::SetupMode;

/// Past this many tracked addresses, forget those whose bucket is full again.
const TRACKED_ADDRESSES: usize = 10_000;

pub struct Guard {
    pub setup: SetupMode,
    setup_token: Option<[u8; 32]>,
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    pub max_pending: i64,
    metrics_token: Option<[u8; 32]>,
    /// `/metrics` has a listener of its own (`serve.metrics_listen`).
    pub metrics_apart: bool,
    /// Serialises creations: the pending count and the insert are one step in this process.
    pub creating: tokio::sync::Mutex<()>,
    /// Console logins per client address (`serve.console_login_rate` a minute).
    console_login: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Console logins per account, from anywhere (`serve.console_account_login_rate`).
    console_account: Option<DefaultKeyedRateLimiter<String>>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("setup", &self.setup)
            .field("rate_limited", &self.limiter.is_some())
            .field("max_pending", &self.max_pending)
            .field("metrics_apart", &self.metrics_apart)
            .finish_non_exhaustive()
    }
}

/// Tokens are compared as digests, so the comparison time says nothing about the token.
fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|t| !t.trim().is_empty())
}

impl Guard {
    pub fn from_settings(s: &ServeSettings) -> Result<Guard> {
        let setup = s.setup;
        let setup_token = non_empty(&s.setup_token).map(digest);
        if setup == SetupMode::Token && setup_token.is_none() {
            return Err(Error::Usage(
                "`serve.setup = \"token\"` needs `serve.setup_token` (or TENANTCTL_SERVE_SETUP_TOKEN)"
                    .into(),
            ));
        }
        Ok(Guard {
            setup,
            setup_token,
            limiter: NonZeroU32::new(s.setup_rate).map(|n| RateLimiter::keyed(Quota::per_hour(n))),
            max_pending: s.setup_max_pending,
            metrics_token: non_empty(&s.metrics_token).map(digest),
            metrics_apart: s.metrics_listen.is_some(),
            creating: tokio::sync::Mutex::new(()),
            console_login: NonZeroU32::new(s.console_login_rate)
                .map(|n| RateLimiter::keyed(Quota::per_minute(n))),
            console_account: NonZeroU32::new(s.console_account_login_rate)
                .map(|n| RateLimiter::keyed(Quota::per_minute(n))),
        })
    }

    /// The gate in front of every `/setup/*` request: `None` lets it through.
    pub fn setup(&self, req: &Request) -> Option<Response> {
        match self.setup {
            SetupMode::Off => {
                return Some(error(
                    StatusCode::NOT_FOUND,
                    "setup_disabled",
                    "the setup routes are off on this server (`serve.setup = \"off\"`); an operator can set `serve.setup` to `token` or `open`",
                ));
            }
            SetupMode::Token if !bearer_matches(req, self.setup_token.as_ref()) => {
                return Some(unauthorized("/setup needs `Authorization: Bearer <token>`"));
            }
            SetupMode::Token | SetupMode::Open => {}
        }
        if req.method() == Method::POST && req.uri().path() == "/setup/platforms" {
            return self.limit(rate_key(peer(req)));
        }
        None
    }

    /// One creation from `ip`: `None` when the bucket allows it, else 429 with Retry-After.
    fn limit(&self, ip: IpAddr) -> Option<Response> {
        let limiter = self.limiter.as_ref()?;
        if limiter.len() > TRACKED_ADDRESSES {
            limiter.retain_recent();
        }
        let refused = limiter.check_key(&ip).err()?;
        let wait = refused.wait_time_from(DefaultClock::default().now());
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "too many platforms created from this address; try again in {}",
                duration::span(std::time::Duration::from_secs(secs.max(1)))
            ),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        Some(r)
    }

    /// One console login attempt from `peer` on the account `email`: `None` when both buckets
    /// allow it, else how long until they do. An attempt counts whether or not its password
    /// is right, so guessing is slow from one address and on one account from many.
    pub fn console_login(&self, peer: Option<IpAddr>, email: &str) -> Option<std::time::Duration> {
        let now = DefaultClock::default().now();
        let ip = rate_key(peer.map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |p| p.to_canonical()));
        if let Some(l) = &self.console_login {
            if l.len() > TRACKED_ADDRESSES {
                l.retain_recent();
            }
            if let Err(refused) = l.check_key(&ip) {
                return Some(refused.wait_time_from(now));
            }
        }
        if let Some(l) = &self.console_account {
            if l.len() > TRACKED_ADDRESSES {
                l.retain_recent();
            }
            if let Err(refused) = l.check_key(&email.trim().to_lowercase()) {
                return Some(refused.wait_time_from(now));
            }
        }
        None
    }

    /// `/metrics` on the public listener: `None` lets it through.
    pub fn public_metrics(&self, req: &Request) -> Option<Response> {
        if self.metrics_apart {
            return Some(error(
                StatusCode::NOT_FOUND,
                "not_found",
                "metrics are served on `serve.metrics_listen`, not here",
            ));
        }
        self.own_metrics(req)
    }

    /// `/metrics` anywhere: without a token configured only its own listener serves it.
    pub fn own_metrics(&self, req: &Request) -> Option<Response> {
        match &self.metrics_token {
            Some(_) if !bearer_matches(req, self.metrics_token.as_ref()) => Some(unauthorized(
                "/metrics needs `Authorization: Bearer <token>`",
            )),
            Some(_) => None,
            None if self.metrics_apart => None,
            None => Some(error(
                StatusCode::NOT_FOUND,
                "not_found",
                "metrics are not served here: set `serve.metrics_listen` (a listener of their own) or `serve.metrics_token`",
            )),
        }
    }
}

/// The client's IP address (the peer of the connection; unknown in tests without one).
fn peer(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_canonical())
        .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED))
}

/// The rate limit's bucket of a client: an IPv6 address's /64, an IPv4 address itself.
fn rate_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// The credentials of `Authorization: Bearer <token>`; the scheme is case-insensitive.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn bearer_matches(req: &Request, expected: Option<&[u8; 32]>) -> bool {
    let Some(expected) = expected else {
        return false;
    };
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .is_some_and(|t| digest(t) == *expected)
}

fn unauthorized(message: &str) -> Response {
    let mut r = error(StatusCode::UNAUTHORIZED, "unauthorized", message);
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn settings(setup: &str, token: Option<&str>, rate: u32) -> ServeSettings {
        let mut e = std::collections::BTreeMap::new();
        e.insert("TENANTCTL_SERVE_SETUP".to_string(), setup.to_string());
        e.insert("TENANTCTL_SERVE_SETUP_RATE".to_string(), rate.to_string());
        if let Some(t) = token {
            e.insert("TENANTCTL_SERVE_SETUP_TOKEN".to_string(), t.to_string());
        }
        let o = crate::config::Overrides {
            no_config: true,
            ..Default::default()
        };
        crate::config::Config::resolve(&o, &e, &[])
            .unwrap()
            .settings
            .serve
    }

    fn post(auth: Option<&str>) -> Request {
        let mut b = Request::builder().method("POST").uri("/setup/platforms");
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn a_token_mode_without_a_token_is_refused() {
        let e = Guard::from_settings(&settings("token", Some("  "), 0)).unwrap_err();
        assert!(e.to_string().contains("serve.setup_token"), "{e}");
    }

    #[test]
    fn the_bearer_token_must_match_exactly() {
        let g = Guard::from_settings(&settings("token", Some("s3cret"), 0)).unwrap();
        // The scheme is case-insensitive (RFC 9110 §11.1); the token is not.
        for good in ["Bearer s3cret", "bearer s3cret", "BEARER  s3cret "] {
            assert!(g.setup(&post(Some(good))).is_none(), "{good}");
        }
        for bad in [
            None,
            Some("Bearer s3cre"),
            Some("Bearer S3CRET"),
            Some("Basic s3cret"),
            Some("Bearers3cret"),
            Some("s3cret"),
        ] {
            let r = g.setup(&post(bad)).expect("refused");
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
        }
    }

    #[test]
    fn metrics_are_refused_unless_configured() {
        let get = || {
            Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .unwrap()
        };
        let g = Guard::from_settings(&settings("off", None, 0)).unwrap();
        assert_eq!(
            g.public_metrics(&get()).expect("refused").status(),
            StatusCode::NOT_FOUND
        );
        assert!(g.own_metrics(&get()).is_some());
    }

    #[test]
    fn the_bucket_refills_one_per_share_of_the_hour() {
        let g = Guard::from_settings(&settings("open", None, 4)).unwrap();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..4 {
            assert!(g.limit(ip).is_none());
        }
        let r = g.limit(ip).expect("limited");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let secs: u64 = r.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((890..=900).contains(&secs), "{secs}");
        assert!(g.limit("192.0.2.2".parse().unwrap()).is_none());
        // One IPv6 /64 is one client, whichever of its addresses it uses.
        let key = |s: &str| rate_key(s.parse().unwrap());
        for i in 0..4 {
            assert!(g.limit(key(&format!("2001:db8:1:2::{i:x}"))).is_none());
        }
        assert!(g.limit(key("2001:db8:1:2:ffff:1:2:3")).is_some());
        assert!(g.limit(key("2001:db8:1:3::1")).is_none());
        assert_eq!(key("192.0.2.7"), "192.0.2.7".parse::<IpAddr>().unwrap());
        // 0: no limit.
        let g = Guard::from_settings(&settings("open", None, 0)).unwrap();
        for _ in 0..1000 {
            assert!(g.limit(ip).is_none());
        }
    }
}
