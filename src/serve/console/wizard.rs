//! Placeholder (issue 26): the setup wizard in a browser (`/console/setup`).
//!
//! The console's [`super::router`] merges [`routes`] already; the work of the backups pages fills it.

use crate::serve::state::App;
use axum::Router;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
}
