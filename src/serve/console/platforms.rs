//! Placeholder (issue 26): the platforms list. Until the list page lands this shows the names
//! of the platforms the viewer may see, which is what the console's own tests need.

use super::page::{self, Chrome, Nav, Page};
use super::session::Viewer;
use crate::serve::state::App;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/platforms", get(list))
}

#[derive(Template)]
#[template(path = "platforms_placeholder.html")]
struct List {
    chrome: Chrome,
    names: Vec<String>,
}

impl Page for List {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

async fn list(State(app): State<Arc<App>>, viewer: Viewer) -> Response {
    // language=PostgreSQL
    let names: Result<Vec<String>, _> = sqlx::query_scalar(
        "SELECT name FROM public.platforms
         WHERE $1::bigint[] IS NULL OR id = ANY($1) ORDER BY lower(name)",
    )
    .bind(viewer.platform_scope())
    .fetch_all(&app.registry)
    .await;
    match names {
        Ok(names) => page::render(&List {
            chrome: Chrome::load(&app, &viewer, "Platforms", Nav::Platforms).await,
            names,
        }),
        Err(e) => page::db_failure(&e),
    }
}
