//! Cross-site request forgery: every console POST carries the session's token (form field
//! `csrf`, or header `X-CSRF-Token`) and comes from the console's own origin.
//!
//! The token is an HMAC of the session's secret token (before login: of a random pre-session
//! cookie), so it is never stored and never valid for another session. [`guard`] runs before
//! every console route: a state-changing request is refused (403) when `Sec-Fetch-Site` says
//! cross-site or same-site, when `Origin` is another origin (or `null`), or when the token is
//! missing or wrong. The session cookie is `SameSite=Strict` as well; each check stands alone.

use super::page;
use super::session::{PRE_COOKIE, SESSION_COOKIE};
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The form field that carries the token.
pub const FIELD: &str = "csrf";
/// The header a script may send it in instead.
pub const HEADER: &str = "x-csrf-token";
/// The largest form body the console reads.
pub const MAX_FORM_BYTES: usize = 1 << 20;

fn mac(seed: &str) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(seed.as_bytes())
        .expect("HMAC takes a key of any length");
    m.update(b"tenantctl console csrf v1");
    m
}

/// The CSRF token of the session (or pre-session) whose secret is `seed`.
pub fn token_for(seed: &str) -> String {
    hex::encode(mac(seed).finalize().into_bytes())
}

/// Whether `token` is the one of `seed` (compared in constant time).
pub fn valid(seed: &str, token: &str) -> bool {
    match hex::decode(token.trim()) {
        Ok(bytes) => mac(seed).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

/// Why a request's origin is refused, if it is: `Sec-Fetch-Site` other than `same-origin` (or
/// `none`: typed by the user), or an `Origin` whose host and port are not the request's.
pub fn cross_origin(headers: &HeaderMap) -> Option<&'static str> {
    if let Some(site) = headers.get("sec-fetch-site") {
        match site.to_str().unwrap_or("") {
            "same-origin" | "none" => {}
            _ => return Some("the form was sent from another site"),
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return Some("the request's Origin is unreadable");
        };
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let Ok(u) = url::Url::parse(origin) else {
            // `null` (a sandboxed frame, a redirect across origins) and the like.
            return Some("the request's Origin is not this console");
        };
        let authority = match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => String::new(),
        };
        if authority.is_empty() || authority != host {
            return Some("the form was sent from another site");
        }
    }
    None
}

fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The middleware in front of every console route.
pub async fn guard(req: Request, next: Next) -> Response {
    if !changes_state(req.method()) {
        return next.run(req).await;
    }
    if let Some(why) = cross_origin(req.headers()) {
        tracing::warn!(path = %req.uri().path(), why, "console: cross-site request refused");
        return page::refused(why);
    }
    let jar = CookieJar::from_headers(req.headers());
    let seed = jar
        .get(SESSION_COOKIE)
        .or_else(|| jar.get(PRE_COOKIE))
        .map(|c| c.value().to_string());
    let header_token = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return page::refused("the form is too large"),
    };
    let form_token = is_form
        .then(|| {
            url::form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == FIELD)
                .map(|(_, v)| v.into_owned())
        })
        .flatten();
    let ok = match (seed, header_token.or(form_token)) {
        (Some(seed), Some(token)) => valid(&seed, &token),
        _ => false,
    };
    if !ok {
        return page::refused(
            "the form has expired or did not come from this console: reload the page and try again",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens() {
        let t = token_for("seed-one");
        assert!(valid("seed-one", &t));
        assert!(!valid("seed-two", &t));
        assert!(!valid("seed-one", "zz"));
        assert!(!valid("seed-one", ""));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origins() {
        assert_eq!(cross_origin(&headers(&[("host", "example.test")])), None);
        assert_eq!(
            cross_origin(&headers(&[
                ("host", "example.test:8080"),
                ("origin", "http://example.test:8080"),
                ("sec-fetch-site", "same-origin"),
            ])),
            None
        );
        assert!(
            cross_origin(&headers(&[
                ("host", "example.test"),
                ("origin", "https://evil.test")
            ]))
            .is_some()
        );
        assert!(cross_origin(&headers(&[("host", "example.test"), ("origin", "null")])).is_some());
        assert!(
            cross_origin(&headers(&[
                ("host", "example.test"),
                ("sec-fetch-site", "cross-site")
            ]))
            .is_some()
        );
        assert!(
            cross_origin(&headers(&[
                ("host", "example.test"),
                ("sec-fetch-site", "same-site")
            ]))
            .is_some()
        );
    }
}
