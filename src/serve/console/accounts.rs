//! Console accounts (`tenantctl.console_users`), their one-time set-password links
//! (`tenantctl.console_invites`) and which platforms an organizer has
//! (`tenantctl.console_user_platforms`): the library `console user ...`, `console invite` and
//! the set-password page call.
//!
//! A link's token is shown once and stored only as its SHA-256; a password only as an argon2id
//! PHC string. Every change writes its audit row in its own transaction.

use crate::error::{Error, Result};
use crate::registry::Platform;
use crate::registry::audit::{self, Actor};
use crate::rules::ValidationError;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};
use std::time::Duration;

word_enum! {
    "console role",
    /// What a console user may do: operators (`admin`, `viewer`) see every platform, a viewer
    /// changes nothing; an `organizer` sees and acts on their own platforms only.
    #[derive(clap::ValueEnum)]
    pub enum Role {
        Admin = "admin",
        Viewer = "viewer",
        Organizer = "organizer",
    }
}

/// How long a set-password link stays valid.
pub const LINK_TTL: Duration = Duration::from_secs(72 * 3600);
/// The shortest password the console takes.
pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_BYTES: usize = 1024;

/// A random token (256 bits, base64url): session ids, link tokens, CSRF seeds.
pub fn new_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// What the registry stores of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// An email as the console keeps it: trimmed, a mail address (case kept; unique whatever the
/// case).
pub fn check_email(raw: &str) -> Result<String, ValidationError> {
    let t = raw.trim();
    if t.len() > 254 {
        return Err(ValidationError::new(
            "email",
            raw,
            "is longer than 254 characters",
        ));
    }
    crate::registry::store::validate_email(t).map_err(|mut e| {
        e.field = "email";
        e
    })
}

/// The password rule: at least [`MIN_PASSWORD_CHARS`] characters, at most 1 KiB, not the email.
pub fn check_password(password: &str, email: &str) -> std::result::Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password is too short: at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err("the password is too long: at most 1024 bytes".into());
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err("the password must not be the email address".into());
    }
    Ok(())
}

/// An argon2id hash of `password` (CPU work: off the async threads).
pub async fn hash_password(password: &str) -> Result<String> {
    let pw = password.as_bytes().to_vec();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(&pw)
            .map(|h| h.to_string())
            .map_err(|e| Error::Other(anyhow::anyhow!("cannot hash the password: {e}")))
    })
    .await
    .map_err(|e| Error::Other(anyhow::anyhow!("password hashing stopped: {e}")))?
}

/// The hash of a random password nobody knows: verified against when the account does not
/// exist, so a wrong email takes as long as a wrong password.
static NO_ACCOUNT_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    Argon2::default()
        .hash_password(new_token().as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Whether `password` matches `hash` (`None`: no account; still costs one verification).
pub async fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let pw = password.as_bytes().to_vec();
    let known = hash.is_some();
    let hash = hash.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| NO_ACCOUNT_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default().verify_password(&pw, &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

/// A one-time set-password link's token and expiry.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub email: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

async fn insert_link(
    tx: &mut sqlx::PgConnection,
    email: &str,
    role: Role,
    platform_id: Option<i64>,
    actor: &Actor,
) -> Result<Link> {
    let token = new_token();
    // language=PostgreSQL
    let expires_at: DateTime<Utc> = sqlx::query_scalar(
        "INSERT INTO tenantctl.console_invites (token_hash, email, role, platform_id, expires_at, created_by)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6)
         RETURNING expires_at",
    )
    .bind(token_hash(&token))
    .bind(email)
    .bind(role.as_str())
    .bind(platform_id)
    .bind(LINK_TTL.as_secs_f64())
    .bind(actor.name())
    .fetch_one(&mut *tx)
    .await?;
    Ok(Link {
        email: email.to_string(),
        token,
        expires_at,
    })
}

/// An operator account (`admin` or `viewer`) with no password yet, and its set-password link.
pub async fn add_user(pool: &PgPool, email: &str, role: Role, actor: &Actor) -> Result<Link> {
    let email = check_email(email)?;
    if role == Role::Organizer {
        return Err(Error::Usage(
            "an organizer is invited to a platform: `tenantctl console invite EMAIL --platform NAME`"
                .into(),
        ));
    }
    let mut tx = pool.begin().await?;
    // language=PostgreSQL
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO tenantctl.console_users (email, role) VALUES ($1, $2)
         ON CONFLICT (lower(email)) DO NOTHING RETURNING id",
    )
    .bind(&email)
    .bind(role.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Err(
            Error::Conflict(format!("console user `{email}` exists already")).hint(format!(
                "`tenantctl console user reset {email}` gives a new set-password link"
            )),
        );
    };
    let link = insert_link(&mut tx, &email, role, None, actor).await?;
    audit::record(
        &mut tx,
        actor,
        "console.user.add",
        None,
        json!({"email": email, "role": role.as_str(), "user_id": id}),
    )
    .await?;
    tx.commit().await?;
    Ok(link)
}

/// A new set-password link for an existing account (a forgotten password); its sessions end.
pub async fn reset(pool: &PgPool, email: &str, actor: &Actor) -> Result<Link> {
    let mut tx = pool.begin().await?;
    let user = find_in(&mut tx, email).await?;
    if user.disabled_at.is_some() {
        return Err(
            Error::Refused(format!("console user `{}` is disabled", user.email)).hint(format!(
                "`tenantctl console user enable {}` first",
                user.email
            )),
        );
    }
    end_sessions(&mut tx, Some(user.id)).await?;
    let link = insert_link(&mut tx, &user.email, user.role, None, actor).await?;
    audit::record(
        &mut tx,
        actor,
        "console.user.reset",
        None,
        json!({"email": user.email, "user_id": user.id}),
    )
    .await?;
    tx.commit().await?;
    Ok(link)
}

/// What inviting an organizer did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Invited {
    /// A new account: its set-password link.
    Link(Link),
    /// An organizer with an account already: the platform is theirs now; no link needed.
    Added { email: String },
}

/// Invite `email` to organize `platform`.
pub async fn invite(
    pool: &PgPool,
    email: &str,
    platform: &Platform,
    actor: &Actor,
) -> Result<Invited> {
    let email = check_email(email)?;
    let mut tx = pool.begin().await?;
    let existing = find_opt_in(&mut tx, &email).await?;
    let detail = json!({"email": email});
    let done = match existing {
        Some(u) if u.role != Role::Organizer => {
            return Err(Error::Conflict(format!(
                "`{}` is a console {} and sees every platform already",
                u.email, u.role
            )));
        }
        Some(u) if u.disabled_at.is_some() => {
            return Err(
                Error::Refused(format!("console user `{}` is disabled", u.email))
                    .hint(format!("`tenantctl console user enable {}` first", u.email)),
            );
        }
        Some(u) if u.password_set => {
            link_platform(&mut tx, u.id, platform.id).await?;
            Invited::Added { email: u.email }
        }
        _ => Invited::Link(
            insert_link(&mut tx, &email, Role::Organizer, Some(platform.id), actor).await?,
        ),
    };
    audit::record(
        &mut tx,
        actor,
        "console.invite",
        Some((platform.id, &platform.name)),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

async fn link_platform(tx: &mut sqlx::PgConnection, user: i64, platform: i64) -> Result<()> {
    // language=PostgreSQL
    sqlx::query(
        "INSERT INTO tenantctl.console_user_platforms (user_id, platform_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(user)
    .bind(platform)
    .execute(tx)
    .await?;
    Ok(())
}

/// Make `user` an organizer of `platform` (the setup wizard's creator), in the caller's
/// transaction.
pub async fn add_organizer(tx: &mut sqlx::PgConnection, user: i64, platform: i64) -> Result<()> {
    link_platform(tx, user, platform).await
}

/// The account a valid, unused link is for.
#[derive(Debug, Clone)]
pub struct Pending {
    pub email: String,
    pub role: Role,
    pub platform: Option<String>,
}

/// The link's account, while the link is valid (unused, unexpired).
pub async fn pending(pool: &PgPool, token: &str) -> Result<Option<Pending>> {
    // language=PostgreSQL
    let row = sqlx::query(
        "SELECT i.email, i.role, p.name
         FROM tenantctl.console_invites i LEFT JOIN public.platforms p ON p.id = i.platform_id
         WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > now()",
    )
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(r) => Some(Pending {
            email: r.try_get(0)?,
            role: r
                .try_get::<String, _>(1)?
                .parse()
                .map_err(|e: String| Error::Other(anyhow::anyhow!(e)))?,
            platform: r.try_get(2)?,
        }),
        None => None,
    })
}

/// Use a link: set the account's password (creating an invited organizer's account), end the
/// account's other sessions and mark the link used. `Ok(None)`: the link is not valid (used,
/// expired, unknown). The password is checked by the caller ([`check_password`]).
pub async fn use_link(
    pool: &PgPool,
    token: &str,
    password_hash: &str,
    address: Option<String>,
) -> Result<Option<i64>> {
    let mut tx = pool.begin().await?;
    // language=PostgreSQL
    let row = sqlx::query(
        "UPDATE tenantctl.console_invites SET used_at = now()
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
         RETURNING email, role, platform_id",
    )
    .bind(token_hash(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let email: String = row.try_get(0)?;
    let role: String = row.try_get(1)?;
    let platform: Option<i64> = row.try_get(2)?;
    // language=PostgreSQL
    let user: Option<(i64, Option<DateTime<Utc>>)> = sqlx::query_as(
        "INSERT INTO tenantctl.console_users (email, role, password_hash, password_set_at)
         VALUES ($1, $2, $3, now())
         ON CONFLICT (lower(email)) DO UPDATE
             SET password_hash = EXCLUDED.password_hash, password_set_at = now()
         RETURNING id, disabled_at",
    )
    .bind(&email)
    .bind(&role)
    .bind(password_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, disabled)) = user else {
        return Ok(None);
    };
    if disabled.is_some() {
        return Ok(None);
    }
    if let Some(p) = platform {
        link_platform(&mut tx, id, p).await?;
    }
    end_sessions(&mut tx, Some(id)).await?;
    let actor = Actor::Console {
        user_id: id,
        email: email.clone(),
        address,
    };
    let name: Option<String> = match platform {
        // language=PostgreSQL
        Some(p) => {
            sqlx::query_scalar("SELECT name FROM public.platforms WHERE id = $1")
                .bind(p)
                .fetch_optional(&mut *tx)
                .await?
        }
        None => None,
    };
    audit::record(
        &mut tx,
        &actor,
        "console.password.set",
        platform.zip(name.as_deref()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// One account, as `console user list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    /// Whether its password is set (its link has been used).
    pub password_set: bool,
    pub platforms: Vec<String>,
    pub sessions: i64,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

// language=PostgreSQL
const USER_SQL: &str = "SELECT u.id, u.email, u.role, u.password_hash IS NOT NULL,
        coalesce((SELECT array_agg(p.name ORDER BY p.name)
                  FROM tenantctl.console_user_platforms up
                  JOIN public.platforms p ON p.id = up.platform_id
                  WHERE up.user_id = u.id), '{}'),
        (SELECT count(*) FROM tenantctl.console_sessions s
         WHERE s.user_id = u.id AND s.expires_at > now()),
        (SELECT max(last_seen_at) FROM tenantctl.console_sessions s WHERE s.user_id = u.id),
        u.created_at, u.disabled_at
 FROM tenantctl.console_users u";

fn user_of(r: &sqlx::postgres::PgRow) -> Result<User> {
    Ok(User {
        id: r.try_get(0)?,
        email: r.try_get(1)?,
        role: r
            .try_get::<String, _>(2)?
            .parse()
            .map_err(|e: String| Error::Other(anyhow::anyhow!(e)))?,
        password_set: r.try_get(3)?,
        platforms: r.try_get(4)?,
        sessions: r.try_get(5)?,
        last_seen_at: r.try_get(6)?,
        created_at: r.try_get(7)?,
        disabled_at: r.try_get(8)?,
    })
}

pub async fn list(pool: &PgPool) -> Result<Vec<User>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{USER_SQL} ORDER BY lower(u.email)"
    )))
    .fetch_all(pool)
    .await?;
    rows.iter().map(user_of).collect()
}

async fn find_opt_in(tx: &mut sqlx::PgConnection, email: &str) -> Result<Option<User>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{USER_SQL} WHERE lower(u.email) = lower($1) FOR UPDATE OF u"
    )))
    .bind(email.trim())
    .fetch_optional(tx)
    .await?;
    row.as_ref().map(user_of).transpose()
}

async fn find_in(tx: &mut sqlx::PgConnection, email: &str) -> Result<User> {
    find_opt_in(tx, email).await?.ok_or_else(|| {
        Error::NotFound(format!("no console user `{}`", email.trim()))
            .hint("`tenantctl console user list` shows them")
    })
}

async fn end_sessions(tx: &mut sqlx::PgConnection, user: Option<i64>) -> Result<u64> {
    // language=PostgreSQL
    let n = sqlx::query(
        "DELETE FROM tenantctl.console_sessions WHERE $1::bigint IS NULL OR user_id = $1",
    )
    .bind(user)
    .execute(tx)
    .await?
    .rows_affected();
    Ok(n)
}

/// Disable (or enable again) an account; disabling ends its sessions at once. Returns whether
/// anything changed.
pub async fn set_disabled(
    pool: &PgPool,
    email: &str,
    disabled: bool,
    actor: &Actor,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let user = find_in(&mut tx, email).await?;
    if user.disabled_at.is_some() == disabled {
        return Ok(false);
    }
    // language=PostgreSQL
    sqlx::query(
        "UPDATE tenantctl.console_users
         SET disabled_at = CASE WHEN $2 THEN now() END WHERE id = $1",
    )
    .bind(user.id)
    .bind(disabled)
    .execute(&mut *tx)
    .await?;
    let ended = if disabled {
        end_sessions(&mut tx, Some(user.id)).await?
    } else {
        0
    };
    let action = if disabled {
        "console.user.disable"
    } else {
        "console.user.enable"
    };
    audit::record(
        &mut tx,
        actor,
        action,
        None,
        json!({"email": user.email, "user_id": user.id, "sessions_ended": ended}),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// End the sessions of one account (`Some(email)`) or of everyone; returns how many.
pub async fn revoke_sessions(pool: &PgPool, email: Option<&str>, actor: &Actor) -> Result<u64> {
    let mut tx = pool.begin().await?;
    let user = match email {
        Some(e) => Some(find_in(&mut tx, e).await?),
        None => None,
    };
    let n = end_sessions(&mut tx, user.as_ref().map(|u| u.id)).await?;
    audit::record(
        &mut tx,
        actor,
        "console.sessions.revoke",
        None,
        json!({"email": user.as_ref().map(|u| &u.email), "sessions_ended": n}),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// The console's address for links: `serve.console_url`, else `url_scheme://` + the host
/// platform's address + `/console`.
pub async fn console_url(pool: &PgPool, settings: &crate::config::Settings) -> Result<String> {
    if let Some(u) = settings.serve.console_url.as_deref() {
        return Ok(u.trim_end_matches('/').to_string());
    }
    let mut conn = pool.acquire().await?;
    let host = crate::registry::store::host(&mut conn).await?;
    let base =
        crate::registry::store::base_domain(&mut conn, settings.base_domain.as_deref()).await?;
    let address = host.and_then(|h| h.address(base.as_deref())).ok_or_else(|| {
        Error::Usage("no host platform with an address to put in the link".into())
            .hint("set `serve.console_url` (like https://example.org/console), or run `tenantctl init`")
    })?;
    Ok(format!("{}://{address}/console", settings.url_scheme))
}

/// The set-password link of `token` under `console_url`.
pub fn password_link(console_url: &str, token: &str) -> String {
    format!("{console_url}/password/{token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        assert!(check_password("short", "a@b.c").is_err());
        assert!(check_password("a@example.org", "a@example.org").is_err());
        assert!(check_password("correct horse battery", "a@example.org").is_ok());
        assert!(check_password(&"x".repeat(1025), "a@b.c").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(check_email(" Ann@Example.org ").unwrap(), "Ann@Example.org");
        assert!(check_email("not an email").is_err());
        assert!(check_email("").is_err());
    }

    #[tokio::test]
    async fn hashes_verify() {
        let h = hash_password("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&h)).await);
        assert!(!verify_password("wrong horse battery", Some(&h)).await);
        assert!(!verify_password("correct horse battery", None).await);
    }
}
