//! What every console page uses: the layout's data ([`Chrome`]), rendering a template into a
//! response ([`render`]), the one-time message a redirect leaves for the next page ([`Flash`]),
//! redirects, and the error pages (404, 403, refused, failed).
//!
//! A page is an askama template that `{% extends "base.html" %}` and has a `chrome: Chrome`
//! field; it implements [`Page`] (one line) and a handler returns `page::render(&tpl)`. Every
//! form carries `<input type="hidden" name="csrf" value="{{ chrome.csrf }}">`.

use super::assets;
use super::session::{self, Viewer};
use crate::serve::state::App;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use base64::Engine as _;

/// The cookie that carries a [`Flash`] to the next page.
pub const FLASH_COOKIE: &str = "tenantctl_console_flash";

/// Which entry of the navigation a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Platforms,
    Dashboard,
    Notifications,
    Audit,
    None,
}

/// A message for the next page (after a POST and its redirect), shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// `ok`, `error` or `info` (a CSS class and a word for screen readers).
    pub kind: &'static str,
    pub text: String,
}

impl Flash {
    pub fn ok(text: impl Into<String>) -> Flash {
        Flash {
            kind: "ok",
            text: text.into(),
        }
    }
    pub fn error(text: impl Into<String>) -> Flash {
        Flash {
            kind: "error",
            text: text.into(),
        }
    }
    pub fn info(text: impl Into<String>) -> Flash {
        Flash {
            kind: "info",
            text: text.into(),
        }
    }

    fn encode(&self) -> String {
        let raw = format!("{}:{}", self.kind, self.text);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    /// The flash a request's cookies carry, if any (text only: it is escaped when shown).
    pub fn from_jar(jar: &CookieJar) -> Option<Flash> {
        let c = jar.get(FLASH_COOKIE)?;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(c.value())
            .ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let (kind, text) = raw.split_once(':')?;
        let kind = match kind {
            "ok" => "ok",
            "error" => "error",
            _ => "info",
        };
        Some(Flash {
            kind,
            text: text.chars().take(500).collect(),
        })
    }

    /// What a screen reader says before the text.
    pub fn label(&self) -> &'static str {
        match self.kind {
            "ok" => "Done",
            "error" => "Error",
            _ => "Note",
        }
    }
}

/// The user in the header.
#[derive(Debug, Clone)]
pub struct Badge {
    pub email: String,
    pub role: String,
    pub is_operator: bool,
}

/// What the layout (`base.html`) shows around every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub nav: Nav,
    /// `None` on the login and set-password pages.
    pub user: Option<Badge>,
    /// The CSRF token for every form of the page.
    pub csrf: String,
    /// Unread notifications (`None`: not counted on this page).
    pub unread: Option<i64>,
    pub flash: Option<Flash>,
    pub css: &'static str,
    pub js: &'static str,
}

/// The viewer's unread notifications, for the header (0 when they cannot be counted: the
/// header never fails a page). Read from the registry directly, so the layout needs no page.
async fn unread_count(app: &App, viewer: &Viewer) -> i64 {
    let scope = viewer.platform_scope();
    let reader = crate::registry::notifications::Reader {
        user_id: viewer.id,
        platforms: scope.as_deref(),
    };
    match crate::registry::notifications::unread_count(&app.registry, reader).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %crate::error::Shown(&e), "console: could not count the unread notifications");
            0
        }
    }
}

impl Chrome {
    /// The layout of a logged-in page, with the unread-notifications count.
    pub async fn load(app: &App, viewer: &Viewer, title: impl Into<String>, nav: Nav) -> Chrome {
        let mut c = Chrome::bare(viewer, title, nav);
        c.unread = Some(unread_count(app, viewer).await);
        c
    }

    /// The layout of a logged-in page, without queries (error pages).
    pub fn bare(viewer: &Viewer, title: impl Into<String>, nav: Nav) -> Chrome {
        Chrome {
            title: title.into(),
            nav,
            user: Some(Badge {
                email: viewer.email.clone(),
                role: viewer.role.to_string(),
                is_operator: viewer.is_operator(),
            }),
            csrf: viewer.csrf.clone(),
            unread: None,
            flash: viewer.flash.clone(),
            css: assets::css_path(),
            js: assets::js_path(),
        }
    }

    /// The layout of a page before login; `csrf`: the pre-session's token.
    pub fn anonymous(title: impl Into<String>, csrf: String, flash: Option<Flash>) -> Chrome {
        Chrome {
            title: title.into(),
            nav: Nav::None,
            user: None,
            csrf,
            unread: None,
            flash,
            css: assets::css_path(),
            js: assets::js_path(),
        }
    }

    /// Whether `nav` is this page's (for `aria-current`).
    pub fn at(&self, nav: &str) -> bool {
        let this = match self.nav {
            Nav::Platforms => "platforms",
            Nav::Dashboard => "dashboard",
            Nav::Notifications => "notifications",
            Nav::Audit => "audit",
            Nav::None => "",
        };
        this == nav
    }
}

/// A console page: a template with the layout's data.
pub trait Page: Template {
    fn chrome(&self) -> &Chrome;
}

/// Render a page (200), clearing the flash it showed.
pub fn render<P: Page>(p: &P) -> Response {
    render_status(StatusCode::OK, p)
}

/// Render a page with `status`.
pub fn render_status<P: Page>(status: StatusCode, p: &P) -> Response {
    match p.render() {
        Ok(html) => {
            let mut r = (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response();
            if p.chrome().flash.is_some() {
                clear_flash(&mut r);
            }
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "console: a page failed to render");
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page failed to render",
            )
        }
    }
}

fn clear_flash(r: &mut Response) {
    let c = format!(
        "{FLASH_COOKIE}=; Path={}; Max-Age=0; HttpOnly; SameSite=Strict",
        session::COOKIE_PATH
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// 303 See Other to `to` (a path of this console).
pub fn see_other(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "bad redirect target"),
    }
}

/// 303 to `to`, leaving `flash` for the page there.
pub fn redirect_with(app: &App, to: &str, flash: Flash) -> Response {
    let jar = CookieJar::new().add(session::cookie(app, FLASH_COOKIE, flash.encode()));
    (jar, see_other(to)).into_response()
}

/// Whether `next` is a path of this console a login may return to (never another site:
/// `//evil.test` and `/\evil.test` are other sites to a browser).
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with("/console/")
        && !next.contains("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    ok.then_some(next)
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message {
    chrome: Chrome,
    heading: String,
    text: String,
}

impl Page for Message {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

/// A page that says one thing, with `status`.
pub fn message(viewer: &Viewer, status: StatusCode, heading: &str, text: &str) -> Response {
    render_status(
        status,
        &Message {
            chrome: Chrome::bare(viewer, heading, Nav::None),
            heading: heading.into(),
            text: text.into(),
        },
    )
}

/// 404: the same page whether the thing does not exist or is not this user's to see.
pub fn not_found(viewer: &Viewer) -> Response {
    message(
        viewer,
        StatusCode::NOT_FOUND,
        "Not found",
        "There is nothing here, or it is not yours to see.",
    )
}

/// 403: seen, but not this user's to change.
pub fn forbidden(viewer: &Viewer) -> Response {
    message(
        viewer,
        StatusCode::FORBIDDEN,
        "Not allowed",
        "Your account can look at this but not change it; ask an administrator.",
    )
}

/// A request refused before any handler ran (a cross-site form, a stale CSRF token): a page
/// with no layout data, since the user is not known yet.
pub fn refused(why: &str) -> Response {
    let chrome = Chrome::anonymous("Refused", String::new(), None);
    render_status(
        StatusCode::FORBIDDEN,
        &Message {
            chrome,
            heading: "Refused".into(),
            text: why.into(),
        },
    )
}

/// A failure of the registry while answering (no detail to the browser; the log has it).
pub fn db_failure(e: &sqlx::Error) -> Response {
    tracing::error!(error = %crate::error::Shown(e), "console: a request failed");
    plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "The console cannot reach its database right now; try again shortly.",
    )
}

/// A crate error while answering (logged; the browser gets no detail).
pub fn failure(e: &crate::error::Error) -> Response {
    tracing::error!(error = %crate::error::Shown(e), "console: a request failed");
    plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The request failed; the server's log says why.",
    )
}

/// A minimal HTML page with no template (when rendering itself is what failed).
pub fn plain(status: StatusCode, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>tenantctl</title><p>{}</p></html>",
        askama::filters::escape(text, askama::filters::Html)
            .map(|e| e.to_string())
            .unwrap_or_default()
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths() {
        assert_eq!(
            safe_next("/console/platforms?page=2"),
            Some("/console/platforms?page=2")
        );
        assert_eq!(safe_next("//evil.test/console/"), None);
        assert_eq!(safe_next("/console//evil.test"), None);
        assert_eq!(safe_next("/console/\\evil"), None);
        assert_eq!(safe_next("https://evil.test/console/"), None);
        assert_eq!(safe_next("/api/posts"), None);
    }

    #[test]
    fn flash_round_trip() {
        let f = Flash::error("no: <b>");
        let jar = CookieJar::new().add(axum_extra::extract::cookie::Cookie::new(
            FLASH_COOKIE,
            f.encode(),
        ));
        assert_eq!(Flash::from_jar(&jar), Some(f));
    }
}
