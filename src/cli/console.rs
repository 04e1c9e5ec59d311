//! `tenantctl console ...`: the web console's accounts from the terminal. `user add` makes an
//! operator account (admin or viewer), `invite` an organizer of one platform; both print (or
//! mail, with `--mail`) a one-time link to set a password. `user list|disable|enable|reset`,
//! `sessions revoke`. Every change is in the audit log with the OS user who ran it.

use super::Ctx;
use crate::error::{Error, Result};
use crate::output::{Tabular, Term};
use crate::registry::audit::Actor;
use crate::registry::store;
use crate::serve::console::accounts::{self, Invited, Link, Role, User};
use clap::{Args, Subcommand};
use comfy_table::{Cell, Color};
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum ConsoleCmd {
    /// Console accounts: add, list, disable, enable, reset
    #[command(subcommand)]
    User(UserCmd),
    /// Invite EMAIL to organize one platform: a one-time link to set a password (an organizer
    /// with an account already gets the platform at once)
    Invite(Invite),
    /// End console sessions now
    #[command(subcommand)]
    Sessions(SessionsCmd),
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add an operator account (admin: changes anything; viewer: sees everything, changes
    /// nothing) and print its one-time set-password link
    Add(UserAdd),
    /// List the console's accounts
    List,
    /// Disable an account: its sessions end at once and it cannot log in
    Disable(UserEmail),
    /// Enable a disabled account again
    Enable(UserEmail),
    /// A new one-time set-password link for an account (a forgotten password); its sessions
    /// end
    Reset(UserReset),
}

#[derive(Debug, Args)]
pub struct UserAdd {
    /// The account's email (unique whatever its case)
    pub email: String,
    /// admin or viewer (an organizer is invited to a platform: `console invite`)
    #[arg(long, value_enum)]
    pub role: Role,
    /// Mail the link to EMAIL (notify.smtp_host) instead of printing it
    #[arg(long)]
    pub mail: bool,
}

#[derive(Debug, Args)]
pub struct UserEmail {
    /// The account's email (any case)
    pub email: String,
}

#[derive(Debug, Args)]
pub struct UserReset {
    /// The account's email (any case)
    pub email: String,
    /// Mail the link to the account's email instead of printing it
    #[arg(long)]
    pub mail: bool,
}

#[derive(Debug, Args)]
pub struct Invite {
    /// The organizer's email
    pub email: String,
    /// The platform they organize, by name or id
    #[arg(long, value_name = "NAME|ID")]
    pub platform: String,
    /// Mail the link to EMAIL (notify.smtp_host) instead of printing it
    #[arg(long)]
    pub mail: bool,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCmd {
    /// End the sessions of one account, or of everyone with --all
    Revoke(Revoke),
}

#[derive(Debug, Args)]
pub struct Revoke {
    /// The account whose sessions end
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub email: Option<String>,
    /// Every account's sessions
    #[arg(long)]
    pub all: bool,
}

/// A link as printed: where it leads and until when.
#[derive(Debug, Serialize)]
struct Printed {
    email: String,
    /// The link, unless it was mailed.
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<String>,
    mailed: bool,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// Print `link`, or mail it to its account.
async fn hand_out(ctx: &Ctx, link: Link, mail: bool, why: &str) -> Result<()> {
    let pool = ctx.registry().await?;
    let base = accounts::console_url(pool, ctx.settings()).await?;
    let url = accounts::password_link(&base, &link.token);
    let expires = link.expires_at.format("%Y-%m-%d %H:%M UTC").to_string();
    if mail {
        let notifier = crate::notify::Notifier::new(ctx.settings());
        let body = format!(
            "{why}\n\nSet your password here (the link works once, until {expires}):\n\n{url}\n\nIf you did not expect this mail, ignore it; nothing happens without the link.\n"
        );
        let d = notifier
            .mail_only(&link.email, "Your tenantctl console account", &body)
            .await;
        if !d.ok {
            return Err(Error::Other(anyhow::anyhow!(
                "cannot mail the link to {}: {}",
                link.email,
                d.error.unwrap_or_default()
            ))
            .hint(format!(
                "the account exists; `tenantctl console user reset {}` prints a new link",
                link.email
            )));
        }
        return ctx.out.one(
            &Printed {
                email: link.email.clone(),
                link: None,
                mailed: true,
                expires_at: link.expires_at,
            },
            || {
                format!(
                    "mailed {} a one-time link (valid until {expires})",
                    link.email
                )
            },
        );
    }
    ctx.out.one(
        &Printed {
            email: link.email.clone(),
            link: Some(url.clone()),
            mailed: false,
            expires_at: link.expires_at,
        },
        || url.clone(),
    )?;
    ctx.out.note(&format!(
        "a one-time link for {} to set a password, valid until {expires}: give it to them privately",
        link.email
    ));
    Ok(())
}

impl Tabular for User {
    fn headers() -> Vec<&'static str> {
        vec![
            "email",
            "role",
            "platforms",
            "state",
            "sessions",
            "last seen",
            "created",
        ]
    }
    fn row(&self, term: &Term) -> Vec<Cell> {
        let (state, colour) = match (self.disabled_at, self.password_set) {
            (Some(_), _) => ("disabled", Color::Red),
            (None, false) => ("invited", Color::Yellow),
            (None, true) => ("active", Color::Green),
        };
        let state = if term.color {
            Cell::new(state).fg(colour)
        } else {
            Cell::new(state)
        };
        let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map_or("-".to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string())
        };
        vec![
            Cell::new(&self.email),
            Cell::new(self.role),
            Cell::new(if self.platforms.is_empty() {
                "-".to_string()
            } else {
                self.platforms.join(", ")
            }),
            state,
            Cell::new(self.sessions),
            Cell::new(when(self.last_seen_at)),
            Cell::new(when(Some(self.created_at))),
        ]
    }
}

impl ConsoleCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let actor = Actor::cli();
        match self {
            ConsoleCmd::User(UserCmd::Add(a)) => {
                if a.role == Role::Organizer {
                    return Err(Error::Usage(
                        "an organizer is invited to a platform: `tenantctl console invite EMAIL --platform NAME`".into(),
                    ));
                }
                let pool = ctx.registry().await?;
                // The link's address first: no account is made that cannot be handed out.
                accounts::console_url(pool, ctx.settings()).await?;
                let link = accounts::add_user(pool, &a.email, a.role, &actor).await?;
                let why = format!("You have a tenantctl console account ({}).", a.role);
                hand_out(ctx, link, a.mail, &why).await
            }
            ConsoleCmd::User(UserCmd::List) => {
                let pool = ctx.registry().await?;
                let users = accounts::list(pool).await?;
                ctx.out.list_or(
                    &users,
                    "no console accounts (add one: tenantctl console user add EMAIL --role admin)",
                )
            }
            ConsoleCmd::User(UserCmd::Disable(u)) => {
                let pool = ctx.registry().await?;
                let changed = accounts::set_disabled(pool, &u.email, true, &actor).await?;
                ctx.out.note(&if changed {
                    format!("disabled {}; its sessions have ended", u.email.trim())
                } else {
                    format!("{} was disabled already", u.email.trim())
                });
                Ok(())
            }
            ConsoleCmd::User(UserCmd::Enable(u)) => {
                let pool = ctx.registry().await?;
                let changed = accounts::set_disabled(pool, &u.email, false, &actor).await?;
                ctx.out.note(&if changed {
                    format!("enabled {}", u.email.trim())
                } else {
                    format!("{} was enabled already", u.email.trim())
                });
                Ok(())
            }
            ConsoleCmd::User(UserCmd::Reset(r)) => {
                let pool = ctx.registry().await?;
                accounts::console_url(pool, ctx.settings()).await?;
                let link = accounts::reset(pool, &r.email, &actor).await?;
                hand_out(
                    ctx,
                    link,
                    r.mail,
                    "A new password was asked for your tenantctl console account.",
                )
                .await
            }
            ConsoleCmd::Invite(i) => {
                let pool = ctx.registry().await?;
                accounts::console_url(pool, ctx.settings()).await?;
                let platform = store::find(pool, &i.platform).await?;
                match accounts::invite(pool, &i.email, &platform, &actor).await? {
                    Invited::Link(link) => {
                        let why = format!(
                            "You are invited to organize the platform {} in the tenantctl console.",
                            platform.name
                        );
                        hand_out(ctx, link, i.mail, &why).await
                    }
                    Invited::Added { email } => {
                        ctx.out.note(&format!(
                            "{email} has an account already and now organizes {} too",
                            platform.name
                        ));
                        Ok(())
                    }
                }
            }
            ConsoleCmd::Sessions(SessionsCmd::Revoke(r)) => {
                let pool = ctx.registry().await?;
                let n = accounts::revoke_sessions(pool, r.email.as_deref(), &actor).await?;
                ctx.out.note(&format!(
                    "ended {n} session{}",
                    if n == 1 { "" } else { "s" }
                ));
                Ok(())
            }
        }
    }
}

/// `tenantctl audit`: the audit log, newest first.
#[derive(Debug, Args)]
pub struct Audit {
    /// Only changes of this platform (by name, as it was then)
    #[arg(long, value_name = "NAME")]
    pub platform: Option<String>,
    /// Only changes by this person (console email or OS user)
    #[arg(long, value_name = "WHO")]
    pub actor: Option<String>,
    /// Only this action, or a family of them (`console.user` matches `console.user.add`)
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only changes this recent, like 24h or 7d
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub since: Option<std::time::Duration>,
    /// At most this many rows
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
}

impl Tabular for crate::registry::audit::Entry {
    fn headers() -> Vec<&'static str> {
        vec!["at", "who", "via", "action", "platform", "from", "detail"]
    }
    fn row(&self, _term: &Term) -> Vec<Cell> {
        vec![
            Cell::new(self.at.format("%Y-%m-%d %H:%M:%S")),
            Cell::new(&self.actor),
            Cell::new(&self.via),
            Cell::new(&self.action),
            Cell::new(self.platform.as_deref().unwrap_or("-")),
            Cell::new(self.address.as_deref().unwrap_or("-")),
            Cell::new(match &self.detail {
                serde_json::Value::Object(m) if m.is_empty() => String::new(),
                d => d.to_string(),
            }),
        ]
    }
    fn drop_order() -> Option<Vec<&'static str>> {
        Some(vec!["detail", "from", "via"])
    }
}

impl Audit {
    pub async fn run(self, ctx: &Ctx) -> Result<()> {
        let pool = ctx.registry().await?;
        let since = match self.since {
            Some(d) => Some(
                chrono::Utc::now()
                    - chrono::Duration::from_std(d)
                        .map_err(|_| Error::Usage("`--since` is too long".into()))?,
            ),
            None => None,
        };
        let rows = crate::registry::audit::list(
            pool,
            &crate::registry::audit::Filter {
                platform: self.platform,
                actor: self.actor,
                action: self.action,
                since,
                before: None,
                limit: self.limit.max(1),
            },
        )
        .await?;
        ctx.out.list_or(&rows, "no changes recorded")
    }
}

/// Record a change the CLI made (in the audit log, with the OS user). The change has committed
/// already: a failure to record it is a warning, not a failure of the command.
pub async fn record(
    pool: &sqlx::PgPool,
    ctx: &Ctx,
    action: &str,
    platform: Option<(i64, &str)>,
    detail: serde_json::Value,
) {
    if let Err(e) =
        crate::registry::audit::record_alone(pool, &Actor::cli(), action, platform, detail).await
    {
        ctx.out.note(&format!(
            "warning: `{action}` is done but not in the audit log: {}",
            crate::error::Shown(&e)
        ));
    }
}
