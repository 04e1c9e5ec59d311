//! The console's stylesheet and script, compiled into the binary and served from
//! `/console/assets/` under names that carry their content's digest, so a browser may keep
//! them for a year (`immutable`) and a new binary's are new names. Nothing is loaded from
//! another site and nothing needs a JavaScript build step.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");

struct Asset {
    path: String,
    body: &'static str,
    content_type: &'static str,
}

fn asset(stem: &str, ext: &str, body: &'static str, content_type: &'static str) -> Asset {
    let digest = hex::encode(&Sha256::digest(body.as_bytes())[..6]);
    Asset {
        path: format!("/console/assets/{stem}-{digest}.{ext}"),
        body,
        content_type,
    }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        asset("console", "css", CSS, "text/css; charset=utf-8"),
        asset("console", "js", JS, "text/javascript; charset=utf-8"),
    ]
});

/// The stylesheet's path (with its digest).
pub fn css_path() -> &'static str {
    &ASSETS[0].path
}

/// The script's path (with its digest).
pub fn js_path() -> &'static str {
    &ASSETS[1].path
}

/// `GET /console/assets/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    let wanted = format!("/console/assets/{file}");
    match ASSETS.iter().find(|a| a.path == wanted) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.body,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, "no-store")],
            "no such asset",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_carry_digests() {
        assert!(super::css_path().starts_with("/console/assets/console-"));
        assert!(super::css_path().ends_with(".css"));
        assert!(super::js_path().ends_with(".js"));
        assert_ne!(super::css_path(), super::js_path());
    }
}
