//! `/setup/*`: the setup wizard's API. It always works on the registry (the direct pool), never
//! in a tenant schema, whatever the Host:
//! - `POST /setup/platforms` creates a platform (`registry::store::create`, the same rules as
//!   `platform create`) and starts its provisioning like `platform create` does
//!   (`provision::start`: a warm-pool spare when one is free, else a queued job);
//! - `GET /setup/platforms/{id}` shows where it is (status, error, address, latest job);
//! - `GET /setup/domain-available?domain=D` (or `?subdomain=S`) says whether an address is free.
//!
//! Errors are JSON `{"error": code, "message": text}`: 400 malformed, 422 invalid (with
//! `field`), 404, 409 taken. Who may call them at all, and how often, is [`super::guard`]'s.

use super::api::failure;
use super::app::{App, error};
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
    pub status: crate::provision::queue::JobStatus,
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

/// The challenge of a custom domain, as the wizard shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainProof {
    /// `verified` or `unverified`.
    pub status: domains::DomainStatus,
    /// TXT record name and value, one way to prove it.
    pub txt_name: String,
    pub txt_value: String,
    /// The other way: this path answers on the domain once it points at this service.
    pub http_path: String,
}

async fn latest_job(pool: &PgPool, platform_id: i64) -> sqlx::Result<Option<JobView>> {
    // language=PostgreSQL
    sqlx::query_as(
        "SELECT id, status, attempts, last_error FROM tenantctl.jobs \
         WHERE platform_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(platform_id)
    .fetch_optional(pool)
    .await
}

async fn status_of(app: &App, p: Platform) -> Result<PlatformStatus, Error> {
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
                status: if c.verified_at.is_some() {
                    domains::DomainStatus::Verified
                } else {
                    domains::DomainStatus::Unverified
                },
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
                .is_none_or(|d| d.status == domains::DomainStatus::Verified),
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
    let created = match store::create(&app.registry, &new, app.base_domain.as_deref()).await {
        Ok(p) => p,
        Err(e) => return registry_failure(&e),
    };
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
                Json(status),
            )
                .into_response()
        }
        Err(e) => registry_failure(&e),
    }
}

pub async fn show(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("platform id `{}` is not a number", naming::shown(&id)),
        );
    };
    let p = match store::get(&app.registry, id).await {
        Ok(Some(p)) => p,
        Ok(None) => return registry_failure(&store::not_found(&id.to_string())),
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
    let result = async {
        let mut conn = app.registry.acquire().await?;
        let base = store::base_domain(&mut conn, app.base_domain.as_deref()).await?;
        let address = match (q.domain.as_deref(), q.subdomain.as_deref()) {
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
        let reason = if store::address_holder(&mut conn, &address, base.as_deref(), None)
            .await?
            .is_some()
        {
            Some("already the address of another platform".to_string())
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
        Ok::<_, Error>(Availability {
            available: reason.is_none(),
            reason,
            address,
        })
    }
    .await;
    match result {
        Ok(a) => Json(a).into_response(),
        Err(Error::Usage(m)) => error(StatusCode::BAD_REQUEST, "bad_request", m),
        Err(e) => registry_failure(&e),
    }
}
