//! The replies serve writes itself: the JSON error shape every route shares ([`error`]), a
//! failed request's database or crate error as the client sees it ([`db_failure`],
//! [`failure`]), and a tenant down for maintenance ([`maintenance`]).
//!
//! Owns no handler and no state. May import resolve (for [`Tenant`]) and the library's error;
//! every handler, the guard and the router import it.

use super::resolve::Tenant;
use crate::error::Error;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;
use tracing::error;

/// A JSON error: `{"error": code, "message": text}` plus extra fields.
pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": code, "message": message.into() })),
    )
        .into_response()
}

pub fn maintenance(t: &Tenant) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({
            "error": "maintenance",
            "message": format!("`{}` is down for maintenance", t.name),
            "reason": t.maintenance_reason,
        })),
    )
        .into_response()
}

/// A database failure as the client sees it. A tenant whose schema (or a table of it) is gone
/// — deleted or being rebuilt while the request ran — is 503, never another schema's rows.
pub fn db_failure(e: &sqlx::Error) -> Response {
    let code = crate::error::sqlstate(e);
    match code.as_deref() {
        Some("42P01" | "3F000") => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "this platform's data is not available right now",
        ),
        _ if crate::error::is_connection_error(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database is not reachable",
        ),
        // A closed gate (maintenance, restore) or a migration's lock on the tenant's tables.
        Some(crate::db::LOCK_NOT_AVAILABLE) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "this platform is being worked on; try again shortly",
        ),
        Some("57014" | "40001" | "40P01") => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database is busy; try again",
        ),
        _ => {
            error!(error = %crate::error::Shown(&e), "request failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the request failed",
            )
        }
    }
}

/// A crate error from request work, as a response.
pub fn failure(e: &Error) -> Response {
    match e {
        Error::Db(db) => db_failure(db),
        Error::Hinted { source, .. } => failure(source),
        other => {
            error!(error = %crate::error::Shown(other), "request failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the request failed",
            )
        }
    }
}
