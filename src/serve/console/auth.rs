//! Logging in and out, and the set-password page of a one-time link.
//!
//! A login checks the argon2id hash (an unknown email costs the same), is rate limited per
//! client address and per account ([`crate::serve::guard::Guard::console_login`]), and always
//! starts a new session (a new id, never one the browser brought). Logout ends the session in
//! the registry, not only the cookie. The forms before login carry a CSRF token derived from a
//! random pre-session cookie.

use super::accounts::{self, MIN_PASSWORD_CHARS};
use super::csrf;
use super::page::{self, Chrome, Flash, Page};
use super::session::{self, PRE_COOKIE, Peer, SESSION_COOKIE, Viewer};
use crate::output::duration;
use crate::registry::audit::{self, Actor};
use crate::serve::state::App;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/password/{token}", get(password_page).post(set_password))
}

/// The pre-session seed of a request, or a new one (with the cookie that keeps it).
fn pre_seed(app: &App, jar: CookieJar) -> (CookieJar, String) {
    match jar.get(PRE_COOKIE).map(|c| c.value().to_string()) {
        Some(s) if s.len() >= 32 => (jar, s),
        _ => {
            let s = accounts::new_token();
            (jar.add(session::cookie(app, PRE_COOKIE, s.clone())), s)
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    email: String,
    error: Option<String>,
}

impl Page for LoginPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    State(app): State<Arc<App>>,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> Response {
    let flash = Flash::from_jar(&jar);
    let (jar, seed) = pre_seed(&app, jar);
    let p = LoginPage {
        chrome: Chrome::anonymous("Log in", csrf::token_for(&seed), flash),
        next: q
            .next
            .as_deref()
            .and_then(page::safe_next)
            .unwrap_or("")
            .to_string(),
        email: String::new(),
        error: None,
    };
    (jar, page::render(&p)).into_response()
}

/// An account as a login reads it: id, email, password hash, disabled.
type Account = (i64, String, Option<String>, bool);

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(app): State<Arc<App>>,
    Peer(peer): Peer,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    let address = peer.map(|p| p.to_string());
    let again = |jar: CookieJar, status: StatusCode, error: String| {
        let (jar, seed) = pre_seed(&app, jar);
        let p = LoginPage {
            chrome: Chrome::anonymous("Log in", csrf::token_for(&seed), None),
            next: page::safe_next(&f.next).unwrap_or("").to_string(),
            email: f.email.trim().to_string(),
            error: Some(error),
        };
        (jar, page::render_status(status, &p)).into_response()
    };
    if let Some(wait) = app.guard.console_login(peer, &f.email) {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        tracing::warn!(
            address = address.as_deref().unwrap_or("?"),
            "console: login rate limited"
        );
        let mut r = again(
            jar,
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many login attempts; try again in {}.",
                duration::span(std::time::Duration::from_secs(secs.max(1)))
            ),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        return r;
    }
    // language=PostgreSQL
    let found: Result<Option<Account>, sqlx::Error> = sqlx::query_as(
        "SELECT id, email, password_hash, disabled_at IS NOT NULL
         FROM tenantctl.console_users WHERE lower(email) = lower($1)",
    )
    .bind(f.email.trim())
    .fetch_optional(&app.registry)
    .await;
    let found = match found {
        Ok(f) => f,
        Err(e) => return page::db_failure(&e),
    };
    let hash = found.as_ref().and_then(|u| u.2.as_deref());
    let matches = accounts::verify_password(&f.password, hash).await;
    let user = match found {
        Some((id, email, _, false)) if matches => (id, email),
        _ => {
            tracing::warn!(
                address = address.as_deref().unwrap_or("?"),
                "console: login failed"
            );
            return again(
                jar,
                StatusCode::UNAUTHORIZED,
                "Wrong email or password, or the account is disabled.".into(),
            );
        }
    };
    // A new session id at every login: one the browser brought (fixation) ends here.
    if let Some(old) = jar.get(SESSION_COOKIE) {
        let _ = session::end(&app.registry, old.value()).await;
    }
    let token = match session::create(&app, user.0, address.as_deref()).await {
        Ok(t) => t,
        Err(e) => return page::db_failure(&e),
    };
    let actor = Actor::Console {
        user_id: user.0,
        email: user.1,
        address,
    };
    if let Err(e) =
        audit::record_alone(&app.registry, &actor, "console.login", None, json!({})).await
    {
        return page::db_failure(&e);
    }
    let jar = jar
        .remove(session::removal(&app, PRE_COOKIE))
        .add(session::cookie(&app, SESSION_COOKIE, token));
    let to = page::safe_next(&f.next).unwrap_or("/console/").to_string();
    (jar, page::see_other(&to)).into_response()
}

async fn logout(State(app): State<Arc<App>>, viewer: Viewer, jar: CookieJar) -> Response {
    if let Err(e) = session::end(&app.registry, viewer.token()).await {
        return page::db_failure(&e);
    }
    let _ = audit::record_alone(
        &app.registry,
        &viewer.actor(),
        "console.logout",
        None,
        json!({}),
    )
    .await;
    let jar = jar.remove(session::removal(&app, SESSION_COOKIE));
    (
        jar,
        page::redirect_with(&app, "/console/login", Flash::info("You are logged out.")),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Chrome,
    token: String,
    email: String,
    platform: Option<String>,
    min: usize,
    error: Option<String>,
}

impl Page for PasswordPage {
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
}

fn link_gone(jar: CookieJar) -> Response {
    let mut r = page::plain(
        StatusCode::NOT_FOUND,
        "This link has been used, has expired, or never existed. Ask an administrator for a new one.",
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    (jar, r).into_response()
}

/// Tokens in links are base64url; anything else is no token (and never reaches SQL).
fn plausible(token: &str) -> bool {
    (20..=100).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn password_page(
    State(app): State<Arc<App>>,
    jar: CookieJar,
    Path(token): Path<String>,
) -> Response {
    if !plausible(&token) {
        return link_gone(jar);
    }
    let pending = match accounts::pending(&app.registry, &token).await {
        Ok(Some(p)) => p,
        Ok(None) => return link_gone(jar),
        Err(e) => return page::failure(&e),
    };
    let (jar, seed) = pre_seed(&app, jar);
    let p = PasswordPage {
        chrome: Chrome::anonymous("Set your password", csrf::token_for(&seed), None),
        token,
        email: pending.email,
        platform: pending.platform,
        min: MIN_PASSWORD_CHARS,
        error: None,
    };
    let mut r = page::render(&p);
    // The link is a secret: no cache keeps the page, no Referer carries it.
    r.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    (jar, r).into_response()
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
    confirm: String,
}

async fn set_password(
    State(app): State<Arc<App>>,
    Peer(peer): Peer,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(f): Form<PasswordForm>,
) -> Response {
    if !plausible(&token) {
        return link_gone(jar);
    }
    let pending = match accounts::pending(&app.registry, &token).await {
        Ok(Some(p)) => p,
        Ok(None) => return link_gone(jar),
        Err(e) => return page::failure(&e),
    };
    let problem = if f.password != f.confirm {
        Some("The two passwords differ.".to_string())
    } else {
        accounts::check_password(&f.password, &pending.email).err()
    };
    if let Some(error) = problem {
        let (jar, seed) = pre_seed(&app, jar);
        let p = PasswordPage {
            chrome: Chrome::anonymous("Set your password", csrf::token_for(&seed), None),
            token,
            email: pending.email,
            platform: pending.platform,
            min: MIN_PASSWORD_CHARS,
            error: Some(error),
        };
        return (
            jar,
            page::render_status(StatusCode::UNPROCESSABLE_ENTITY, &p),
        )
            .into_response();
    }
    let hash = match accounts::hash_password(&f.password).await {
        Ok(h) => h,
        Err(e) => return page::failure(&e),
    };
    let address = peer.map(|p| p.to_string());
    match accounts::use_link(&app.registry, &token, &hash, address).await {
        Ok(Some(_)) => page::redirect_with(
            &app,
            "/console/login",
            Flash::ok("Your password is set: log in with it."),
        ),
        Ok(None) => link_gone(jar),
        Err(e) => page::failure(&e),
    }
}
