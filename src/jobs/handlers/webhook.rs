//! The `webhook` handler: one signed POST to the application per attempt.
//!
//! Body: `{"id", "kind", "payload", "attempt", "max_attempts", "platform": {"id", "name",
//! "schema", "domain", "url"}}`. Headers: `Idempotency-Key: tenantctl-job-<id>` (the same on
//! every retry of the job), `Tenantctl-Job-Id`, `Tenantctl-Kind`, `Tenantctl-Attempt`,
//! `Tenantctl-Platform-Id`, `Tenantctl-Platform-Schema`, `Tenantctl-Platform-Domain` and
//! `Tenantctl-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
//! (docs/job-handlers.md has a receiver that checks it).
//!
//! The answer: 2xx completes the job; 408, 429, 5xx, a timeout or no connection retry it (after
//! `Retry-After` when the answer has one, in seconds or as an HTTP date, at most a day); any
//! other status discards it, with the start of the answer kept in the error. Redirects are not
//! followed: a POST that moved is a configuration to fix, not something to guess.

use super::{excerpt, platform_json};
use crate::config::job_kinds::{WebhookSecret, WebhookSettings};
use crate::jobs::handler::{Attempt, Handler, Outcome};
use async_trait::async_trait;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;
use sha2::Sha256;
use std::time::Duration;

/// How much of an answer's body an error keeps.
pub const ANSWER_EXCERPT: usize = 512;

/// The longest `Retry-After` honoured: a receiver cannot park a job for longer.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

pub struct Webhook {
    url: String,
    secret: WebhookSecret,
    client: std::result::Result<reqwest::Client, String>,
}

impl Webhook {
    pub fn new(s: &WebhookSettings) -> Webhook {
        let client = crate::tls::http_client()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tenantctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"));
        Webhook {
            url: s.url.clone(),
            secret: s.secret.clone(),
            client,
        }
    }

    fn secret(&self) -> std::result::Result<String, String> {
        match &self.secret {
            WebhookSecret::Value(s) => Ok(s.clone()),
            WebhookSecret::Env(var) => match std::env::var(var) {
                Ok(s) if s.len() >= crate::config::job_kinds::MIN_SECRET_BYTES => Ok(s),
                Ok(_) => Err(format!(
                    "the webhook secret in ${var} is shorter than {} bytes",
                    crate::config::job_kinds::MIN_SECRET_BYTES
                )),
                Err(_) => Err(format!(
                    "the webhook secret variable ${var} is not set in the worker's environment"
                )),
            },
        }
    }
}

/// `v1=`'s value: hex HMAC-SHA256 with `secret` over `"<timestamp>.<body>"`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The JSON body of one attempt.
pub fn body(a: &Attempt<'_>) -> Vec<u8> {
    let v = json!({
        "id": a.job_id,
        "kind": a.kind,
        "payload": a.payload,
        "attempt": a.attempt,
        "max_attempts": a.max_attempts,
        "platform": platform_json(a.tenant),
    });
    serde_json::to_vec(&v).expect("JSON values serialize")
}

/// The headers naming the job and its tenant (values that are not plain header text, like a
/// name in another script, are percent-encoded).
fn headers(a: &Attempt<'_>, timestamp: i64, sig: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        let v = HeaderValue::from_str(&value).unwrap_or_else(|_| {
            HeaderValue::from_str(&utf8_percent(&value)).expect("percent-encoded text is ASCII")
        });
        h.insert(HeaderName::from_static(name), v);
    };
    put("content-type", "application/json".into());
    put("idempotency-key", format!("tenantctl-job-{}", a.job_id));
    put("tenantctl-job-id", a.job_id.to_string());
    put("tenantctl-kind", a.kind.to_string());
    put("tenantctl-attempt", a.attempt.to_string());
    put("tenantctl-platform-id", a.tenant.id.to_string());
    if let Some(s) = &a.tenant.schema {
        put("tenantctl-platform-schema", s.clone());
    }
    if let Some(d) = &a.tenant.address {
        put("tenantctl-platform-domain", d.clone());
    }
    put("tenantctl-signature", format!("t={timestamp},v1={sig}"));
    h
}

fn utf8_percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_graphic() || b == b' ' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The wait a `Retry-After` value asks for: whole seconds, or an HTTP date (a date in the past
/// is no wait); at most [`MAX_RETRY_AFTER`]. `None` when it is neither.
pub fn retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = value.trim();
    let d = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(d.min(MAX_RETRY_AFTER))
}

/// What an answer means for the job.
pub fn outcome_of(status: u16, retry_after: Option<Duration>, start: &str) -> Outcome {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default();
    let said = if start.is_empty() {
        String::new()
    } else {
        format!(": {start}")
    };
    match status {
        200..=299 => Outcome::Completed,
        408 | 429 | 500..=599 => Outcome::Retry {
            error: format!("the webhook answered {status}{reason}{said}"),
            after: retry_after,
        },
        300..=399 => Outcome::Discard {
            error: format!(
                "the webhook answered {status}{reason} (a redirect, which a job's POST does not follow: set the kind's url to the final address){said}"
            ),
        },
        _ => Outcome::Discard {
            error: format!("the webhook answered {status}{reason}{said}"),
        },
    }
}

/// An error and its causes, `a: b: c`, without the URL (which may carry a token).
fn chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        src = s.source();
    }
    out
}

#[async_trait]
impl Handler for Webhook {
    async fn perform(&self, a: Attempt<'_>) -> crate::error::Result<Outcome> {
        let client = match &self.client {
            Ok(c) => c,
            Err(e) => {
                return Ok(Outcome::Retry {
                    error: e.clone(),
                    after: None,
                });
            }
        };
        let secret = match self.secret() {
            Ok(s) => s,
            Err(error) => return Ok(Outcome::Retry { error, after: None }),
        };
        let body = body(&a);
        let now = chrono::Utc::now();
        let ts = now.timestamp();
        let sig = signature(secret.as_bytes(), ts, &body);
        let shown = crate::config::mask_secret(&self.url);
        let sent = client
            .post(&self.url)
            .headers(headers(&a, ts, &sig))
            .timeout(a.timeout)
            .body(body)
            .send()
            .await;
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Ok(Outcome::Retry {
                    error: format!(
                        "the webhook {shown} did not answer within {}",
                        humantime::format_duration(a.timeout)
                    ),
                    after: None,
                });
            }
            Err(e) => {
                return Ok(Outcome::Retry {
                    error: format!("cannot POST to {shown}: {}", chain(&e.without_url())),
                    after: None,
                });
            }
        };
        let status = resp.status().as_u16();
        let wait = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, chrono::Utc::now()));
        // Only the start of the answer is read: a receiver cannot make the worker hold a big
        // body, nor wait for a slow one past the attempt's timeout (reqwest's covers the body).
        let mut start = Vec::new();
        if !(200..300).contains(&status) {
            while start.len() <= ANSWER_EXCERPT {
                match resp.chunk().await {
                    Ok(Some(c)) => start.extend_from_slice(&c),
                    _ => break,
                }
            }
        }
        Ok(outcome_of(
            status,
            wait,
            &excerpt(&start, ANSWER_EXCERPT, false),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // Checked with: printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 0123456789abcdef
        assert_eq!(
            signature(b"0123456789abcdef", 1_700_000_000, br#"{"a":1}"#),
            "9eb18f493f8ec135d9eb2dad817c369bb4e9cbfa818657897a7437c1cd8c3a23"
        );
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date_and_is_capped() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Mon, 07 Dec 2026 10:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            retry_after("Mon, 07 Dec 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("99999999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
    }

    #[test]
    fn answers_map_to_outcomes() {
        assert_eq!(outcome_of(204, None, ""), Outcome::Completed);
        let wait = Some(Duration::from_secs(7));
        assert_eq!(
            outcome_of(429, wait, "slow down"),
            Outcome::Retry {
                error: "the webhook answered 429 Too Many Requests: slow down".into(),
                after: wait
            }
        );
        assert!(matches!(
            outcome_of(503, None, ""),
            Outcome::Retry { after: None, .. }
        ));
        assert!(matches!(outcome_of(408, None, ""), Outcome::Retry { .. }));
        assert_eq!(
            outcome_of(422, None, "bad payload"),
            Outcome::Discard {
                error: "the webhook answered 422 Unprocessable Entity: bad payload".into()
            }
        );
        assert!(
            matches!(outcome_of(301, None, ""), Outcome::Discard { error } if error.contains("redirect"))
        );
    }
}
