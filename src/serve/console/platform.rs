//! Placeholder (issue 26): one platform's page (attempts, ETA, live progress, domain change, check now, maintenance).
//!
//! The console's [`super::router`] merges [`routes`] already; the work of the platform pages fills it.

use crate::serve::state::App;
use axum::Router;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
}
