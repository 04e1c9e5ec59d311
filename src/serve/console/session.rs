//! Console sessions (`tenantctl.console_sessions`) and the logged-in user, [`Viewer`].
//!
//! The cookie holds a random token; the registry holds only its SHA-256, so a copy of the
//! registry logs nobody in. A session ends at `serve.console_idle_timeout` without use, at
//! `serve.console_session_lifetime` after its login, at logout, and at once when its account
//! is disabled (the lookup joins the account on every request). Every login makes a new
//! session id. The CSRF token of a session is derived from its token ([`super::csrf`]).

use super::accounts::{Role, new_token, token_hash};
use super::{csrf, page};
use crate::registry::audit::Actor;
use crate::serve::state::App;
use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};
use std::net::SocketAddr;
use std::sync::Arc;

/// The session cookie.
pub const SESSION_COOKIE: &str = "tenantctl_console";
/// Before login: the seed of the login and set-password forms' CSRF token.
pub const PRE_COOKIE: &str = "tenantctl_console_pre";
/// Where every console cookie lives.
pub const COOKIE_PATH: &str = "/console";

/// Whether the console's cookies are `Secure`: `serve.console_secure_cookie`, else when the
/// links serve gives out are https (serve behind a TLS proxy).
pub fn secure(app: &App) -> bool {
    app.settings
        .serve
        .console_secure_cookie
        .unwrap_or(app.url_scheme == "https")
}

/// A console cookie: HttpOnly, SameSite=Strict, path `/console`, Secure behind TLS; no
/// Max-Age (it ends with the browser; the server ends the session itself).
pub fn cookie(app: &App, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(app))
        .build()
}

/// The removal of a console cookie.
pub fn removal(app: &App, name: &'static str) -> Cookie<'static> {
    let mut c = cookie(app, name, String::new());
    c.make_removal();
    c
}

/// The client's address, as serve saw it (the proxy's behind one).
pub fn address(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Start a session for `user`; returns the cookie's token.
pub async fn create(app: &App, user: i64, address: Option<&str>) -> sqlx::Result<String> {
    let token = new_token();
    let s = &app.settings.serve;
    // language=PostgreSQL
    sqlx::query(
        "INSERT INTO tenantctl.console_sessions (id_hash, user_id, expires_at, address)
         VALUES ($1, $2, now() + make_interval(secs => $3), $4)",
    )
    .bind(token_hash(&token))
    .bind(user)
    .bind(s.console_session_lifetime.as_secs_f64())
    .bind(address)
    .execute(&app.registry)
    .await?;
    // Expired sessions go now and then, with the logins that make new ones.
    // language=PostgreSQL
    sqlx::query(
        "DELETE FROM tenantctl.console_sessions
         WHERE expires_at < now() OR last_seen_at < now() - make_interval(secs => $1)",
    )
    .bind(s.console_idle_timeout.as_secs_f64())
    .execute(&app.registry)
    .await?;
    Ok(token)
}

/// End the session of `token` (logout).
pub async fn end(pool: &PgPool, token: &str) -> sqlx::Result<()> {
    // language=PostgreSQL
    sqlx::query("DELETE FROM tenantctl.console_sessions WHERE id_hash = $1")
        .bind(token_hash(token))
        .execute(pool)
        .await?;
    Ok(())
}

/// The logged-in user of a console request. Extracting it redirects to the login page when
/// there is no live session.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub id: i64,
    pub email: String,
    pub role: Role,
    /// The organizer's platforms (empty for operators, who see all).
    platforms: Vec<i64>,
    /// The CSRF token every form of this session carries (field `csrf`).
    pub csrf: String,
    /// The client's address.
    pub address: Option<String>,
    pub session_started: DateTime<Utc>,
    /// The message the previous page left (shown once).
    pub flash: Option<page::Flash>,
    token: String,
}

impl Viewer {
    /// `admin` or `viewer`: sees every platform.
    pub fn is_operator(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Viewer)
    }

    /// May change anything (an organizer changes their own platforms: see [`Self::can_change`]).
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the platform's pages, backups and jobs exist for this user.
    pub fn can_see(&self, platform_id: i64) -> bool {
        self.is_operator() || self.platforms.contains(&platform_id)
    }

    /// Whether this user may change this platform: an admin, or its organizer.
    pub fn can_change(&self, platform_id: i64) -> bool {
        self.is_admin() || (self.role == Role::Organizer && self.platforms.contains(&platform_id))
    }

    /// The platforms this user may see, for SQL: `None` = all (bind as
    /// `$n::bigint[] IS NULL OR id = ANY($n)`).
    pub fn platform_scope(&self) -> Option<Vec<i64>> {
        (!self.is_operator()).then(|| self.platforms.clone())
    }

    /// Refuse (403 page) unless this user is an admin.
    #[allow(clippy::result_large_err)]
    pub fn require_admin(&self) -> Result<(), Response> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(page::forbidden(self))
        }
    }

    /// Refuse a change of `platform_id` unless this user may make it: 404 when the platform is
    /// not theirs to see, 403 when they see it but may not change it (a viewer).
    #[allow(clippy::result_large_err)]
    pub fn require_change(&self, platform_id: i64) -> Result<(), Response> {
        if !self.can_see(platform_id) {
            Err(page::not_found(self))
        } else if !self.can_change(platform_id) {
            Err(page::forbidden(self))
        } else {
            Ok(())
        }
    }

    /// This user as the audit log names them.
    pub fn actor(&self) -> Actor {
        Actor::Console {
            user_id: self.id,
            email: self.email.clone(),
            address: self.address.clone(),
        }
    }

    /// The session's own token (logout ends it).
    pub(crate) fn token(&self) -> &str {
        &self.token
    }
}

/// Look up the live session of `token`: its account enabled, used within the idle timeout,
/// before its absolute expiry. Refreshes its last use.
pub async fn lookup(app: &App, token: &str) -> sqlx::Result<Option<Viewer>> {
    // language=PostgreSQL
    let row = sqlx::query(
        "UPDATE tenantctl.console_sessions s SET last_seen_at = now()
         FROM tenantctl.console_users u
         WHERE s.id_hash = $1 AND u.id = s.user_id AND u.disabled_at IS NULL
           AND u.password_hash IS NOT NULL
           AND s.expires_at > now()
           AND s.last_seen_at > now() - make_interval(secs => $2)
         RETURNING u.id, u.email, u.role, s.created_at,
             coalesce((SELECT array_agg(platform_id) FROM tenantctl.console_user_platforms
                       WHERE user_id = u.id), '{}')",
    )
    .bind(token_hash(token))
    .bind(app.settings.serve.console_idle_timeout.as_secs_f64())
    .fetch_optional(&app.registry)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let role: String = r.try_get(2)?;
    let Ok(role) = role.parse::<Role>() else {
        return Ok(None);
    };
    Ok(Some(Viewer {
        id: r.try_get(0)?,
        email: r.try_get(1)?,
        role,
        session_started: r.try_get(3)?,
        platforms: r.try_get(4)?,
        csrf: csrf::token_for(token),
        address: None,
        flash: None,
        token: token.to_string(),
    }))
}

/// The login page, coming back to `uri` afterwards.
fn to_login(uri: &str) -> Response {
    let next =
        if uri.starts_with("/console/") && uri != "/console/" && !uri.starts_with("/console/login")
        {
            format!("?next={}", urlencoding(uri))
        } else {
            String::new()
        };
    page::see_other(&format!("/console/login{next}"))
}

/// Percent-encode a path for a query value.
pub fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl FromRequestParts<Arc<App>> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(v.clone());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.to_string(), |u| u.0.to_string());
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
            return Err(to_login(&uri));
        };
        let found = match lookup(app, &token).await {
            Ok(v) => v,
            Err(e) => return Err(page::db_failure(&e)),
        };
        let Some(mut v) = found else {
            // Ended or expired: drop the cookie on the way to the login page.
            let mut r = to_login(&uri);
            let jar = CookieJar::new().add(removal(app, SESSION_COOKIE));
            r = (jar, r).into_response();
            return Err(r);
        };
        v.address = address(parts);
        v.flash = page::Flash::from_jar(&jar);
        parts.extensions.insert(v.clone());
        Ok(v)
    }
}

/// The client's IP address, when serve knows it (not in tests that send no peer).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_canonical()),
        ))
    }
}
