//! `/setup/*`: the setup wizard's API. It always works on the registry (the direct pool), never
//! in a tenant schema, whatever the Host:
//! - `POST /setup/platforms` creates a platform (`registry::store::create`, the same rules as
//!   `platform create`) and starts its provisioning like `platform create` does
//!   (`provision::start`: a warm-pool spare when one is free, else a queued job);
//!   and answers a `claim_token`, unguessable and shown once;
//! - `GET /setup/platforms/{id}` shows where it is (status, error, address, latest job, the
//!   domain's challenge) to whoever created it there: it wants the header
//!   `Tenantctl-Claim: <claim_token>`, and answers 404 without it, with another's, and for
//!   platforms not created through `/setup` (issue 27.5: ids are sequential);
//! - `GET /setup/domain-available?domain=D` (or `?subdomain=S`) says whether an address is free.
//!
//! Errors are JSON `{"error": code, "message": text}`: 400 malformed, 422 invalid (with
//! `field`), 404, 409 taken. Who may call them at all, and how often, is [`super::guard`]'s.

use super::reply::{error, failure};
use super::state::App;
use crate::error::Error;
use crate::registry::domains;
use crate::registry::store::{self, NewPlatform, PlatformInput};
use crate::registry::{Platform, ProvisionStatus};
use crate::rules::naming;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;

/// The body of `POST /setup/platforms`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    pub name: String,
    pub subdomain: Option<String>,
    pub domain: Option<String>,
    pub contact_email: Option<String>,
}

/// The latest provisioning job of a platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct JobView {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: crate::jobs::queue::JobStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// A platform as the setup wizard sees it. Field names are stable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlatformStatus {
    pub id: i64,
    pub name: String,
    pub address: Option<String>,
    /// `url_scheme://address/`, where the wizard sends the user once `ready`.
    pub url: Option<String>,
    pub schema_name: Option<String>,
    pub provision_status: ProvisionStatus,
    pub provision_error: Option<String>,
    pub provisioned_at: Option<DateTime<Utc>>,
    pub maintenance: bool,
    /// Completed and not in maintenance: `serve` answers at `url` (within a second) — for a
    /// custom domain, once `domain_verification` says `verified`.
    pub ready: bool,
    pub job: Option<JobView>,
    /// For a custom domain: how to prove it is the user's (`registry::domains`).
    pub domain_verification: Option<DomainProof>,
}

/// What `POST /setup/platforms` answers: the platform and the claimant's token, which
/// `GET /setup/platforms/{id}` wants in the `Tenantctl-Claim` header. Shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Created {
    #[serde(flatten)]
    pub status: PlatformStatus,
    pub claim_token: String,
}

/// The header that carries the claim token.
pub const CLAIM_HEADER: &str = "tenantctl-claim";

fn claim_digest(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.trim().as_bytes()).to_vec()
}

/// The challenge of a custom domain, as the wizard shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainProof {
    /// `verified` or `unverified`.
    pub status: domains::DomainStatus,
    /// TXT record name and value, one way to prove it.
    pub txt_name: String,
    pub txt_value: String,
    /// The other way, while the domain still points at the user's own web server: this path
    /// there answers `txt_value` (serve never answers it itself).
    pub http_path: String,
}

/// The latest provisioning job (a platform has backup and restore jobs too, and the wizard
/// follows its provisioning).
async fn latest_job(pool: &PgPool, platform_id: i64) -> sqlx::Result<Option<JobView>> {
    // language=PostgreSQL
    sqlx::query_as(
        "SELECT id, status, attempts, last_error FROM tenantctl.jobs WHERE kind = 'provision' \
         AND platform_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(platform_id)
    .fetch_optional(pool)
    .await
}

/// Where a platform is, as the wizard (JSON or the console's pages) shows it.
pub async fn status_of(app: &App, p: Platform) -> Result<PlatformStatus, Error> {
    let base = {
        let mut conn = app.registry.acquire().await?;
        store::base_domain(&mut conn, app.base_domain.as_deref()).await?
    };
    let address = p.address(base.as_deref());
    let job = latest_job(&app.registry, p.id).await?;
    let domain_verification = match &address {
        Some(a)
            if app.settings.domains.verify
                && domains::needs_verification(&p, a, base.as_deref()) =>
        {
            let c = domains::challenge(&app.registry, p.id, a).await?;
            Some(DomainProof {
                status: c.status(),
                txt_name: format!("{}.{a}", domains::TXT_LABEL),
                txt_value: c.token.clone(),
                http_path: format!("{}{}", domains::CHALLENGE_PATH, c.token),
            })
        }
        _ => None,
    };
    Ok(PlatformStatus {
        id: p.id,
        url: address
            .as_ref()
            .map(|a| format!("{}://{a}/", app.url_scheme)),
        address,
        name: p.name,
        schema_name: p.schema_name.map(|s| s.as_str().to_string()),
        ready: p.provision_status == ProvisionStatus::Completed
            && !p.maintenance
            && !p.external
            && domain_verification
                .as_ref()
                .is_none_or(|d| d.status.served()),
        provision_status: p.provision_status,
        provision_error: p.provision_error,
        provisioned_at: p.provisioned_at,
        maintenance: p.maintenance,
        job,
        domain_verification,
    })
}

/// A crate error from the registry as the wizard sees it.
fn registry_failure(e: &Error) -> Response {
    match e {
        Error::Invalid(v) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "invalid",
                "field": v.field,
                "message": v.to_string(),
            })),
        )
            .into_response(),
        Error::Usage(m) => error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m.clone()),
        Error::NotFound(m) => error(StatusCode::NOT_FOUND, "not_found", m.clone()),
        Error::Conflict(m) => error(StatusCode::CONFLICT, "conflict", m.clone()),
        Error::Unreachable { .. } => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the registry is not reachable",
        ),
        Error::Hinted { source, .. } => registry_failure(source),
        other => failure(other),
    }
}

pub async fn create(
    State(app): State<Arc<App>>,
    body: Result<Json<CreateRequest>, JsonRejection>,
) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(e) => return error(e.status(), "bad_request", e.body_text()),
    };
    let new = match NewPlatform::validate(PlatformInput {
        name: req.name,
        subdomain: req.subdomain,
        domain: req.domain,
        contact_email: req.contact_email,
        ..PlatformInput::default()
    }) {
        Ok(n) => n,
        Err(e) => return registry_failure(&Error::Invalid(e)),
    };
    // One creation at a time in this process, so the pending count below holds until the
    // insert (`serve.setup_max_pending`).
    let one_at_a_time = app.guard.creating.lock().await;
    if app.guard.max_pending > 0 {
        // language=PostgreSQL
        let pending = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM public.platforms WHERE provision_status IN ('pending', 'provisioning')",
        )
        .fetch_one(&app.registry)
        .await;
        match pending {
            Ok(n) if n >= app.guard.max_pending => {
                // The front layer adds Retry-After (`serve.retry_after`) to a 503.
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too_many_pending",
                    format!(
                        "{n} platforms are waiting to be provisioned (the limit is {}); try again later",
                        app.guard.max_pending
                    ),
                );
            }
            Ok(_) => {}
            Err(e) => return registry_failure(&Error::from(e)),
        }
    }
    let created = match store::create(
        &app.registry,
        &new,
        app.base_domain.as_deref(),
        store::Claims::new(&app.settings),
    )
    .await
    {
        Ok(p) => p,
        Err(e) => return registry_failure(&e),
    };
    let claim_token = format!(
        "{:032x}{:032x}",
        rand::random::<u128>(),
        rand::random::<u128>()
    );
    // language=PostgreSQL
    if let Err(e) =
        sqlx::query("INSERT INTO tenantctl.setup_claims (platform_id, token_hash) VALUES ($1, $2)")
            .bind(created.id)
            .bind(claim_digest(&claim_token))
            .execute(&app.registry)
            .await
    {
        return registry_failure(&Error::from(e));
    }
    // Inserted: the count holds. A claim announces the platform (mail may be slow), so the next
    // creation does not wait for it.
    drop(one_at_a_time);
    // The same start as `platform create`: a warm-pool spare when one is free, else a queued
    // job (one live job per platform; workers are woken).
    let started = async {
        let base = {
            let mut conn = app.registry.acquire().await?;
            store::base_domain(&mut conn, app.base_domain.as_deref()).await?
        };
        crate::provision::start(
            &app.registry,
            &app.settings,
            created.clone(),
            base.as_deref(),
        )
        .await
    }
    .await;
    let created = match started {
        Ok(s) => s.platform,
        Err(e) => {
            tracing::error!(platform = %created.name, error = %crate::error::Shown(&e), "platform created but its provisioning was not queued");
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "not_queued",
                format!(
                    "platform `{}` was created (id {}) but its provisioning could not be queued; an operator can run `tenantctl provision {}`",
                    created.name, created.id, created.id
                ),
            );
        }
    };
    let id = created.id;
    match status_of(&app, created).await {
        Ok(status) => {
            let location = HeaderValue::from_str(&format!("/setup/platforms/{id}"))
                .expect("a path of digits is a header value");
            (
                StatusCode::CREATED,
                [(header::LOCATION, location)],
                Json(Created {
                    status,
                    claim_token,
                }),
            )
                .into_response()
        }
        Err(e) => registry_failure(&e),
    }
}

pub async fn show(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("platform id `{}` is not a number", naming::shown(&id)),
        );
    };
    // One answer for "no such platform", "not created here" and "not your claim": the ids are
    // sequential, so anything more would tell which exist.
    let not_yours = || {
        error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "no platform {id} for this claim: send the `claim_token` its creation answered, as `Tenantctl-Claim: <token>`"
            ),
        )
    };
    let Some(claim) = headers
        .get(CLAIM_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.trim().is_empty())
    else {
        return not_yours();
    };
    // language=PostgreSQL
    let stored = sqlx::query_scalar::<_, Vec<u8>>(
        "SELECT token_hash FROM tenantctl.setup_claims WHERE platform_id = $1",
    )
    .bind(id)
    .fetch_optional(&app.registry)
    .await;
    match stored {
        // Digests of equal length: the comparison time says nothing about the token.
        Ok(Some(h)) if h == claim_digest(claim) => {}
        Ok(_) => return not_yours(),
        Err(e) => return registry_failure(&Error::from(e)),
    }
    let p = match store::get(&app.registry, id).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_yours(),
        Err(e) => return registry_failure(&e),
    };
    match status_of(&app, p).await {
        Ok(s) => Json(s).into_response(),
        Err(e) => registry_failure(&e),
    }
}

#[derive(Debug, Deserialize)]
pub struct AvailableQuery {
    pub domain: Option<String>,
    pub subdomain: Option<String>,
}

/// The answer of `/setup/domain-available`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    /// The address asked about, normalised.
    pub address: String,
    pub available: bool,
    /// Why not, when it is not (never names the platform that holds it).
    pub reason: Option<String>,
}

pub async fn domain_available(
    State(app): State<Arc<App>>,
    q: Result<Query<AvailableQuery>, QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", e.body_text()),
    };
    let result = availability(&app, q.domain.as_deref(), q.subdomain.as_deref()).await;
    match result {
        Ok(a) => Json(a).into_response(),
        Err(Error::Usage(m)) => error(StatusCode::BAD_REQUEST, "bad_request", m),
        Err(e) => registry_failure(&e),
    }
}

/// Whether an address is free: exactly one of `domain` or `subdomain` (under the base domain).
/// The reasons never name the platform that holds it (the wizard may be public). Bad input is
/// `Usage` or `Invalid`.
pub async fn availability(
    app: &App,
    domain: Option<&str>,
    subdomain: Option<&str>,
) -> Result<Availability, Error> {
    let mut conn = app.registry.acquire().await?;
    let base = store::base_domain(&mut conn, app.base_domain.as_deref()).await?;
    let address = match (domain, subdomain) {
        (Some(d), None) => naming::normalize_domain(d)?,
        (None, Some(s)) => {
            naming::validate_subdomain(s)?;
            let Some(base) = &base else {
                return Err(Error::Usage(
                    "there is no base domain for subdomains: ask with `domain=`".into(),
                ));
            };
            format!("{s}.{base}")
        }
        _ => {
            return Err(Error::Usage(
                "give exactly one of `domain=` or `subdomain=`".into(),
            ));
        }
    };
    // The conflict messages name the holder; the wizard is public, so they are not passed on.
    let holder = store::address_holder(&mut conn, &address, base.as_deref(), None).await?;
    let held = match &holder {
        None => None,
        Some(h) => match store::unproven_since(&mut conn, h, &address, base.as_deref()).await? {
            None => Some("already the address of another platform".to_string()),
            // An expired unproven claim gives way to the next creation.
            Some(since)
                if store::claim_expired(
                    since,
                    domains::claim_ttl(&app.settings),
                    chrono::Utc::now(),
                ) =>
            {
                None
            }
            Some(_) => Some(
                "claimed by another platform but not proven yet; the claim expires unless proven"
                    .to_string(),
            ),
        },
    };
    let reason = if held.is_some() {
        held
    } else {
        store::reservation(&mut conn, &address, None)
            .await?
            .map(|r| {
                format!(
                    "reserved until {} (UTC): the old address of another platform, redirecting to its new one",
                    r.frees_on()
                )
            })
    };
    Ok(Availability {
        available: reason.is_none(),
        reason,
        address,
    })
}

/// A browser asking for `/setup` itself (`Accept: text/html`, GET) is sent to the console's
/// wizard, which wants a login (`serve.setup` guards the JSON API, not this redirect); `None`
/// for everything else, which the API answers. Only with the console on.
pub fn browser_redirect(app: &App, req: &axum::extract::Request) -> Option<Response> {
    let html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').any(|t| t.trim().starts_with("text/html")));
    let wizard = req.method() == axum::http::Method::GET
        && matches!(req.uri().path(), "/setup" | "/setup/")
        && html
        && app.settings.serve.console == crate::config::ConsoleMode::On;
    wizard.then(|| {
        (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, HeaderValue::from_static("/console/setup"))],
        )
            .into_response()
    })
}
