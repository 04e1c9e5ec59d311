//! Placeholder (issue 26): one platform's backups: back up now, download, restore confirmation.
//!
//! The console's [`super::router`] merges [`routes`] already; the work of the backups pages fills it.

use crate::serve::state::App;
use axum::Router;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
}
