//! Placeholder (issue 26): the notification center.
//!
//! The console's [`super::router`] merges [`routes`] already, and the layout shows
//! [`unread_count`] in the header; the work of the notification center fills both.

use super::session::Viewer;
use crate::serve::state::App;
use axum::Router;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
}

/// The viewer's unread notifications, for the header.
pub async fn unread_count(_app: &App, _viewer: &Viewer) -> i64 {
    0
}
