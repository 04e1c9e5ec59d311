//! The interactive side of `tenantctl init`: asks for the host platform's name, its domain (and
//! optionally a subdomain of it) and a contact address, checking each address as it is typed
//! against the naming rules and the addresses platforms already use. Prompts run on stderr
//! (dialoguer; the live address line is drawn with `console`). Pure checks live in
//! [`AddressCheck`]; the registry is read once before asking, and checked again on creation.

use crate::error::{Error, Result};
use crate::registry::store::{NewPlatform, PlatformInput};
use crate::rules::naming;
use console::{Key, Term, style};
use std::collections::BTreeMap;
use std::io;

/// What the answers are checked against: addresses in use (lower case) and by whom.
#[derive(Debug, Clone, Default)]
pub struct AddressCheck {
    pub taken: BTreeMap<String, String>,
}

impl AddressCheck {
    /// Check a domain as typed: `Ok(normalised)` or the reason it cannot be used.
    pub fn domain(&self, typed: &str) -> std::result::Result<String, String> {
        let d = naming::normalize_domain(typed).map_err(|e| e.rule)?;
        self.free(&d)?;
        Ok(d)
    }

    /// Check a subdomain of `domain` as typed: `Ok(full address)` or the reason.
    pub fn subdomain(&self, typed: &str, domain: &str) -> std::result::Result<String, String> {
        naming::validate_subdomain(typed).map_err(|e| e.rule)?;
        let a = format!("{typed}.{domain}");
        self.free(&a)?;
        Ok(a)
    }

    fn free(&self, address: &str) -> std::result::Result<(), String> {
        match self.taken.get(&address.to_ascii_lowercase()) {
            Some(who) => Err(format!("taken by platform `{who}`")),
            None => Ok(()),
        }
    }
}

/// Defaults from the command line (`--name`, `--domain`, ...), offered as initial answers.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub subdomain: Option<String>,
    pub contact_email: Option<String>,
}

/// Ask for the host platform. Blocking (run it in `spawn_blocking`); `Error::Silent(130)` when
/// the operator cancels with Ctrl-C or Esc (nothing was created).
pub fn ask(check: &AddressCheck, defaults: &Defaults) -> Result<NewPlatform> {
    let _keys = KeysKept::new();
    let term = Term::stderr();
    let theme = dialoguer::theme::ColorfulTheme::default();
    let _ = term.write_line(&format!(
        "{}",
        style("Set up tenantctl: the host platform serves the main site; tenants get subdomains of its domain.").bold()
    ));
    let name: String = dialoguer::Input::with_theme(&theme)
        .with_prompt("Name of the host platform")
        .with_initial_text(defaults.name.clone().unwrap_or_default())
        .validate_with(|s: &String| naming::validate_platform_name(s).map_err(|e| e.rule))
        .interact_text_on(&term)
        .map_err(cancelled)?;
    let domain = live_input(
        &term,
        "Domain (like example.org)",
        defaults.domain.as_deref().unwrap_or(""),
        |t| check.domain(t).map(|d| format!("{d} is available")),
    )
    .map_err(cancelled_io)?;
    let domain = naming::normalize_domain(&domain)?;
    let use_sub = dialoguer::Confirm::with_theme(&theme)
        .with_prompt(format!(
            "Serve the host at a subdomain of {domain} (like www.{domain})?"
        ))
        .default(defaults.subdomain.is_some())
        .interact_on(&term)
        .map_err(cancelled)?;
    let subdomain = if use_sub {
        let d = domain.clone();
        Some(
            live_input(
                &term,
                "Subdomain",
                defaults.subdomain.as_deref().unwrap_or("www"),
                |t| check.subdomain(t, &d).map(|a| format!("{a} is available")),
            )
            .map_err(cancelled_io)?,
        )
    } else {
        None
    };
    let email: String = dialoguer::Input::with_theme(&theme)
        .with_prompt("Contact address for provisioning notices (empty: none)")
        .with_initial_text(defaults.contact_email.clone().unwrap_or_default())
        .allow_empty(true)
        .validate_with(|s: &String| {
            if s.is_empty() {
                Ok(())
            } else {
                crate::registry::store::validate_email(s)
                    .map(|_| ())
                    .map_err(|e| e.rule)
            }
        })
        .interact_text_on(&term)
        .map_err(cancelled)?;
    let new = NewPlatform::validate(PlatformInput {
        name,
        domain: Some(domain),
        subdomain,
        host: true,
        contact_email: (!email.is_empty()).then_some(email),
        ..PlatformInput::default()
    })?;
    let address =
        crate::registry::address_of(new.subdomain.as_deref(), new.domain.as_deref(), None)
            .unwrap_or_default();
    let go = dialoguer::Confirm::with_theme(&theme)
        .with_prompt(format!(
            "Create the host platform `{}` at {address} and provision its schema now?",
            new.name
        ))
        .default(true)
        .interact_on(&term)
        .map_err(cancelled)?;
    if !go {
        return Err(Error::Refused(
            "setup cancelled; nothing was created".into(),
        ));
    }
    Ok(new)
}

/// Keeps keystrokes typed between two key reads. `console` switches the terminal to raw mode
/// for each key it reads and back to canonical mode after, so a key that arrives while a prompt
/// is being redrawn meets the line discipline: a Backspace there erases nothing and is gone, and
/// the prompt ends up with text the operator deleted. This turns canonical mode and echo off for
/// the whole wizard (output processing and signals stay as they were) and restores the
/// terminal's settings when dropped.
struct KeysKept {
    tty: std::fs::File,
    saved: rustix::termios::Termios,
}

impl KeysKept {
    /// `None` when there is no terminal to adjust (nothing to keep then).
    fn new() -> Option<KeysKept> {
        use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
        let tty = std::fs::File::options()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let saved = tcgetattr(&tty).ok()?;
        let mut quiet = saved.clone();
        quiet.local_modes &= !(LocalModes::ICANON | LocalModes::ECHO);
        tcsetattr(&tty, OptionalActions::Now, &quiet).ok()?;
        Some(KeysKept { tty, saved })
    }
}

impl Drop for KeysKept {
    fn drop(&mut self) {
        let _ = rustix::termios::tcsetattr(
            &self.tty,
            rustix::termios::OptionalActions::Now,
            &self.saved,
        );
    }
}

/// Ask again after a failed provisioning (the platform exists either way).
pub fn ask_retry(error: &str) -> bool {
    let _keys = KeysKept::new();
    let term = Term::stderr();
    let _ = term.write_line(&format!(
        "{} {error}",
        style("provisioning failed:").red().bold()
    ));
    dialoguer::Confirm::with_theme(&dialoguer::theme::ColorfulTheme::default())
        .with_prompt("Retry provisioning now?")
        .default(true)
        .interact_on(&term)
        .unwrap_or(false)
}

fn cancelled(e: dialoguer::Error) -> Error {
    match e {
        dialoguer::Error::IO(io) => cancelled_io(io),
    }
}

fn cancelled_io(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::Interrupted {
        let _ = Term::stderr().show_cursor();
        crate::output::to_stderr("\ncancelled; nothing was created");
        Error::Silent(130)
    } else {
        Error::Io(e)
    }
}

/// A one-line prompt that checks its text on every key: the verdict (`✓ ...` or `✗ ...`) is
/// drawn after the text as it is typed, and Enter is accepted only when the check passes.
fn live_input(
    term: &Term,
    prompt: &str,
    initial: &str,
    check: impl Fn(&str) -> std::result::Result<String, String>,
) -> io::Result<String> {
    let mut text = initial.to_string();
    let mut tried_enter = false;
    loop {
        let verdict = if text.is_empty() {
            String::new()
        } else {
            match check(&text) {
                Ok(m) => format!("{}", style(format!("✓ {m}")).green()),
                Err(m) => format!("{}", style(format!("✗ {}", short(&m, 60))).red()),
            }
        };
        let hint = if tried_enter && text.is_empty() {
            format!("{}", style("(required)").red())
        } else {
            String::new()
        };
        term.clear_line()?;
        term.write_str(&format!(
            "{} {} {} {text}  {verdict}{hint}",
            style("?").yellow(),
            style(prompt).bold(),
            style("›").black().bright()
        ))?;
        let tail = console::measure_text_width(&verdict) + console::measure_text_width(&hint) + 2;
        term.move_cursor_left(tail)?;
        term.flush()?;
        match term.read_key()? {
            Key::Enter => {
                tried_enter = true;
                if !text.is_empty() && check(&text).is_ok() {
                    term.clear_line()?;
                    term.write_line(&format!(
                        "{} {} {} {}",
                        style("✔").green(),
                        style(prompt).bold(),
                        style("·").black().bright(),
                        style(&text).green()
                    ))?;
                    return Ok(text);
                }
            }
            Key::Backspace => {
                text.pop();
            }
            Key::Char(c) if !c.is_control() => text.push(c),
            Key::CtrlC | Key::Escape => {
                term.write_line("")?;
                return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
            }
            _ => {}
        }
    }
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_as_typed() {
        let check = AddressCheck {
            taken: BTreeMap::from([("acme.example.org".to_string(), "Acme".to_string())]),
        };
        assert_eq!(check.domain("Example.ORG"), Ok("example.org".into()));
        assert!(check.domain("exa").unwrap_err().contains("two labels"));
        assert!(
            check
                .domain("https://x.org")
                .unwrap_err()
                .contains("scheme")
        );
        assert_eq!(
            check.domain("ACME.example.org"),
            Err("taken by platform `Acme`".into())
        );
        assert_eq!(
            check.subdomain("www", "example.org"),
            Ok("www.example.org".into())
        );
        assert_eq!(
            check.subdomain("acme", "example.org"),
            Err("taken by platform `Acme`".into())
        );
        assert!(
            check
                .subdomain("Www", "example.org")
                .unwrap_err()
                .contains("lower case")
        );
    }
}
