//! `[jobs.kinds.NAME]`: the application's kinds of job as the configuration file declares them
//! (issue 25), parsed and checked when the configuration loads, so a typo fails every command
//! with the kind, the field and the rule it broke, before any job runs. Pure: the handlers that
//! do the work are built from these in `jobs::kinds`.
//!
//! ```toml
//! [jobs.kinds.welcome_mail]
//! handler = "mail"            # webhook | command | sql | mail
//! timeout = "1m"              # per attempt
//! max_attempts = 6            # runs in all, the first included
//! backoff = ["10s", "1m", "10m"]           # or { base = "3s", factor = 3, max = "1h" }
//! template = "welcome"
//! to = "{{ payload.email }}"
//! ```

use crate::error::{Error, Result};
use crate::rules::{Ident, naming};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// One kind of the application's jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSettings {
    /// The `kind` its jobs are enqueued with.
    pub name: String,
    pub handler: HandlerSettings,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// Runs in all, the first included (`max_attempts` of `tenantctl.enqueue` overrides it
    /// per job).
    pub max_attempts: u32,
    pub backoff: Backoff,
}

/// What runs a kind's job, with that handler's own fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerSettings {
    Webhook(WebhookSettings),
    Command(CommandSettings),
    Sql(SqlSettings),
    Mail(MailKindSettings),
}

impl HandlerSettings {
    pub fn word(&self) -> &'static str {
        match self {
            HandlerSettings::Webhook(_) => "webhook",
            HandlerSettings::Command(_) => "command",
            HandlerSettings::Sql(_) => "sql",
            HandlerSettings::Mail(_) => "mail",
        }
    }
}

/// `handler = "webhook"`: a signed POST to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    pub url: String,
    pub secret: WebhookSecret,
}

/// Where the webhook's signing key is.
#[derive(Clone, PartialEq, Eq)]
pub enum WebhookSecret {
    /// `secret = "..."` in the file.
    Value(String),
    /// `secret_env = "VAR"`: read from the worker's environment at each attempt.
    Env(String),
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookSecret::Value(_) => f.write_str("Value(****)"),
            WebhookSecret::Env(v) => write!(f, "Env({v:?})"),
        }
    }
}

/// `handler = "command"`: a program run without a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSettings {
    pub argv: Vec<String>,
}

/// `handler = "sql"`: a function called in the tenant's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlSettings {
    pub function: FunctionName,
}

/// A function's name as `name` (found on the tenant's search_path) or `schema.name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionName {
    pub schema: Option<Ident>,
    pub name: Ident,
}

impl FunctionName {
    /// The quoted name for SQL text: `"process_job"` or `"app"."process_job"`.
    pub fn sql(&self) -> String {
        match &self.schema {
            Some(s) => format!("{}.{}", s.sql(), self.name.sql()),
            None => self.name.sql(),
        }
    }
}

impl fmt::Display for FunctionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => write!(f, "{}", self.name),
        }
    }
}

/// `handler = "mail"`: the application's templates rendered and sent over SMTP. The built-in
/// kind `mail` has one without a template of its own: its jobs name theirs in the payload
/// (`{"template": "welcome", "to": "...", "query": "..."}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailKindSettings {
    /// Template name in `mail.templates_dir`: `NAME.txt` and/or `NAME.html`, and
    /// `NAME.subject` unless `subject` is given. `None`: the payload's `template`.
    pub template: Option<String>,
    /// Recipients, a template (`{{ payload.email }}`); commas separate several.
    pub to: String,
    /// The subject as a template, instead of the file `NAME.subject`.
    pub subject: Option<String>,
    /// From and Reply-To as templates, over `mail.from` / `mail.reply_to` / `notify.from`.
    pub from: Option<String>,
    pub reply_to: Option<String>,
    /// The name of a read-only query, the file `NAME.sql` in `mail.templates_dir`, run in the
    /// tenant's schema; its rows are `rows` in the templates. `None`: the payload's `query`,
    /// if any.
    pub query: Option<String>,
    /// More rows than this fail the job instead of mailing a partial list.
    pub max_rows: u32,
}

/// The waits between attempts of a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backoff {
    /// `backoff = ["10s", "1m"]`: the n-th retry waits the n-th delay; the last one repeats.
    Delays(Vec<Duration>),
    /// `backoff = { base = "3s", factor = 3, max = "1d" }`: `base × factor^(n-1)`, at most
    /// `max`.
    Exponential {
        base: Duration,
        factor: u32,
        max: Duration,
    },
}

/// The plan's schedule: 3 s, 9 s, 27 s, 81 s, 243 s.
pub const DEFAULT_BACKOFF: Backoff = Backoff::Exponential {
    base: Duration::from_secs(3),
    factor: 3,
    max: Duration::from_secs(24 * 3600),
};

/// Runs in all when neither `max_attempts` nor a list of delays says: the first and the
/// plan's five retries.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 6;

/// The most attempts a kind may ask for.
pub const MAX_ATTEMPTS_LIMIT: u32 = 1000;

/// The longest timeout of one attempt, and the longest wait a backoff may schedule.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// The kinds tenantctl runs itself; an application's kind cannot take their names (except
/// `[jobs.kinds.mail]` with `handler = "mail"`, which tunes the built-in mail kind).
pub const BUILT_IN_KINDS: &[&str] = &["provision", "backup", "restore", "domain_check", "mail"];

/// The built-in kind that sends the application's mail, its template named by each job.
pub const MAIL_KIND: &str = "mail";

impl KindSettings {
    /// The built-in `mail` kind as it is when the file does not tune it: template, recipients
    /// and query from each job's payload.
    pub fn built_in_mail() -> KindSettings {
        KindSettings {
            name: MAIL_KIND.to_string(),
            handler: HandlerSettings::Mail(MailKindSettings {
                template: None,
                to: "{{ payload.to }}".to_string(),
                subject: None,
                from: None,
                reply_to: None,
                query: None,
                max_rows: DEFAULT_MAX_ROWS,
            }),
            timeout: default_timeout("mail"),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            backoff: DEFAULT_BACKOFF,
        }
    }
}

/// Rows a mail's query may return by default.
pub const DEFAULT_MAX_ROWS: u32 = 1000;

impl Backoff {
    /// The wait before the run after run number `runs_done` (1: the first run failed), before
    /// jitter (the worker's).
    pub fn delay_after(&self, runs_done: u32) -> Duration {
        let n = runs_done.max(1);
        match self {
            Backoff::Delays(list) => {
                let i = usize::try_from(n - 1)
                    .unwrap_or(usize::MAX)
                    .min(list.len().saturating_sub(1));
                list.get(i).copied().unwrap_or_default()
            }
            Backoff::Exponential { base, factor, max } => {
                let mut d = *base;
                for _ in 1..n {
                    d = d.saturating_mul(*factor);
                    if d >= *max {
                        return *max;
                    }
                }
                d.min(*max)
            }
        }
    }
}

impl KindSettings {
    /// The wait before the run after run number `runs_done`, or `None` when that was the last
    /// run this kind allows.
    pub fn retry_delay(&self, runs_done: u32) -> Option<Duration> {
        (runs_done < self.max_attempts).then(|| self.backoff.delay_after(runs_done))
    }

    /// [`retry_delay`](Self::retry_delay) with equal jitter, as
    /// [`RetryPolicy::jittered_delay_after`](crate::rules::RetryPolicy::jittered_delay_after)
    /// has it: half the wait, plus `unit` (a random number in 0..1) times the other half.
    pub fn jittered_delay_after(&self, runs_done: u32, unit: f64) -> Option<Duration> {
        self.retry_delay(runs_done)
            .map(|d| d / 2 + (d / 2).mul_f64(unit.clamp(0.0, 1.0)))
    }

    /// Runs a job of this kind may have in all, as the queue's `max_attempts` column takes it.
    pub fn total_runs(&self) -> i32 {
        i32::try_from(self.max_attempts).unwrap_or(i32::MAX)
    }
}

/// The default timeout of one attempt, per handler.
pub fn default_timeout(handler: &str) -> Duration {
    match handler {
        "webhook" => Duration::from_secs(30),
        "command" => Duration::from_secs(600),
        "sql" => Duration::from_secs(300),
        _ => Duration::from_secs(60),
    }
}

/// Parse every `[jobs.kinds.NAME]` of the file `file` (shown in errors).
pub fn parse_all(table: &toml::Table, file: &str) -> Result<BTreeMap<String, KindSettings>> {
    let mut out = BTreeMap::new();
    for (name, v) in table {
        let at = |what: String| {
            Error::Config(format!(
                "`jobs.kinds.{name}` in config file `{file}`: {what}"
            ))
        };
        let toml::Value::Table(t) = v else {
            return Err(at(
                "expected a table (`[jobs.kinds.NAME]` with `handler = ...`)".into(),
            ));
        };
        let tunes_mail =
            name == MAIL_KIND && t.get("handler").and_then(|h| h.as_str()) == Some("mail");
        if !tunes_mail {
            check_kind_name(name).map_err(at)?;
        }
        out.insert(name.clone(), parse_kind(name, t).map_err(at)?);
    }
    Ok(out)
}

/// A kind's name: the queue's rule for a kind ([`naming::validate_job_kind`]), and none of
/// the kinds tenantctl runs itself.
pub fn check_kind_name(name: &str) -> std::result::Result<(), String> {
    naming::validate_job_kind(name).map_err(|e| e.to_string())?;
    if BUILT_IN_KINDS.contains(&name) {
        return Err(format!(
            "`{name}` is a kind tenantctl runs itself (built in: {}); choose another name",
            BUILT_IN_KINDS.join(", ")
        ));
    }
    Ok(())
}

const COMMON: &[&str] = &["handler", "timeout", "max_attempts", "backoff"];

fn fields_of(handler: &str) -> &'static [&'static str] {
    match handler {
        "webhook" => &["url", "secret", "secret_env"],
        "command" => &["argv"],
        "sql" => &["function"],
        "mail" => &[
            "template", "to", "subject", "from", "reply_to", "query", "max_rows",
        ],
        _ => &[],
    }
}

type Parsed<T> = std::result::Result<T, String>;

fn parse_kind(name: &str, t: &toml::Table) -> Parsed<KindSettings> {
    let handler = match t.get("handler") {
        Some(toml::Value::String(h)) => h.as_str(),
        Some(_) => return Err("`handler` must be a string: webhook, command, sql or mail".into()),
        None => return Err("`handler` is missing: webhook, command, sql or mail".into()),
    };
    if !matches!(handler, "webhook" | "command" | "sql" | "mail") {
        return Err(format!(
            "unknown handler `{}`: expected webhook, command, sql or mail",
            handler.escape_debug()
        ));
    }
    let own = fields_of(handler);
    for key in t.keys() {
        if !COMMON.contains(&key.as_str()) && !own.contains(&key.as_str()) {
            return Err(format!(
                "unknown field `{key}` for a {handler} handler (its fields: {}, {})",
                COMMON.join(", "),
                own.join(", ")
            ));
        }
    }
    let timeout = match t.get("timeout") {
        None => default_timeout(handler),
        Some(v) => duration(v, "timeout")?,
    };
    if timeout.is_zero() || timeout > MAX_TIMEOUT {
        return Err(format!(
            "`timeout` must be more than 0s and at most {}",
            humantime::format_duration(MAX_TIMEOUT)
        ));
    }
    let backoff = match t.get("backoff") {
        None => DEFAULT_BACKOFF,
        Some(v) => backoff(v)?,
    };
    let max_attempts = match (t.get("max_attempts"), &backoff) {
        (Some(toml::Value::Integer(n)), _) if (1..=i64::from(MAX_ATTEMPTS_LIMIT)).contains(n) => {
            *n as u32
        }
        (Some(_), _) => {
            return Err(format!(
                "`max_attempts` must be a whole number from 1 to {MAX_ATTEMPTS_LIMIT} (runs in all, the first included)"
            ));
        }
        (None, Backoff::Delays(list)) => u32::try_from(list.len() + 1).unwrap_or(u32::MAX),
        (None, Backoff::Exponential { .. }) => DEFAULT_MAX_ATTEMPTS,
    };
    let handler =
        match handler {
            "webhook" => HandlerSettings::Webhook(webhook(t)?),
            "command" => HandlerSettings::Command(command(t)?),
            "sql" => HandlerSettings::Sql(SqlSettings {
                function: function_name(&string(t, "function")?.ok_or(
                    "`function` is missing: the function to call, `name` or `schema.name`",
                )?)?,
            }),
            _ => HandlerSettings::Mail(mail(name, t)?),
        };
    Ok(KindSettings {
        name: name.to_string(),
        handler,
        timeout,
        max_attempts,
        backoff,
    })
}

fn string(t: &toml::Table, key: &str) -> Parsed<Option<String>> {
    match t.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Some(toml::Value::String(_)) => Err(format!("`{key}` must not be empty")),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

fn duration(v: &toml::Value, key: &str) -> Parsed<Duration> {
    match v {
        toml::Value::String(s) => humantime::parse_duration(s).map_err(|e| {
            format!(
                "`{key}`: invalid duration `{}` ({e}): expected a duration such as 30s, 10m, 24h or 7d",
                s.escape_debug()
            )
        }),
        _ => Err(format!(
            "`{key}` must be a duration string such as \"30s\", \"10m\" or \"1h\""
        )),
    }
}

fn backoff(v: &toml::Value) -> Parsed<Backoff> {
    let too_long = |d: Duration| {
        (d > MAX_TIMEOUT).then(|| {
            format!(
                "`backoff`: a wait of {} is longer than the limit, {}",
                humantime::format_duration(d),
                humantime::format_duration(MAX_TIMEOUT)
            )
        })
    };
    match v {
        toml::Value::Array(items) => {
            if items.is_empty() {
                return Err("`backoff` must list at least one delay (or set max_attempts = 1 for no retry)".into());
            }
            let list = items
                .iter()
                .map(|i| duration(i, "backoff"))
                .collect::<Parsed<Vec<_>>>()?;
            if let Some(e) = list.iter().find_map(|d| too_long(*d)) {
                return Err(e);
            }
            Ok(Backoff::Delays(list))
        }
        toml::Value::Table(t) => {
            if let Some(k) = t
                .keys()
                .find(|k| !matches!(k.as_str(), "base" | "factor" | "max"))
            {
                return Err(format!(
                    "unknown field `backoff.{k}` (its fields: base, factor, max)"
                ));
            }
            let Backoff::Exponential {
                base: d_base,
                factor: d_factor,
                max: d_max,
            } = DEFAULT_BACKOFF
            else {
                unreachable!("the default backoff is exponential")
            };
            let base = t
                .get("base")
                .map(|v| duration(v, "backoff.base"))
                .transpose()?
                .unwrap_or(d_base);
            let factor = match t.get("factor") {
                None => d_factor,
                Some(toml::Value::Integer(f)) if (1..=100).contains(f) => *f as u32,
                Some(_) => {
                    return Err("`backoff.factor` must be a whole number from 1 to 100".into());
                }
            };
            let max = t
                .get("max")
                .map(|v| duration(v, "backoff.max"))
                .transpose()?
                .unwrap_or(d_max);
            if let Some(e) = too_long(base).or_else(|| too_long(max)) {
                return Err(e);
            }
            if max < base {
                return Err("`backoff.max` must not be shorter than `backoff.base`".into());
            }
            Ok(Backoff::Exponential { base, factor, max })
        }
        _ => Err(
            "`backoff` must be a list of delays ([\"10s\", \"1m\"]) or a table ({ base = \"3s\", factor = 3, max = \"1h\" })"
                .into(),
        ),
    }
}

/// The shortest secret a webhook may be signed with.
pub const MIN_SECRET_BYTES: usize = 16;

fn webhook(t: &toml::Table) -> Parsed<WebhookSettings> {
    let url = string(t, "url")?.ok_or("`url` is missing: where the job is POSTed")?;
    let parsed = url::Url::parse(&url).map_err(|e| {
        format!(
            "`url`: `{}` is not a URL ({e})",
            crate::config::mask_secret(&url)
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || !parsed.has_host() {
        return Err(format!(
            "`url`: `{}` must be an http:// or https:// URL with a host",
            crate::config::mask_secret(&url)
        ));
    }
    let secret = match (string(t, "secret")?, string(t, "secret_env")?) {
        (Some(_), Some(_)) => return Err("give `secret` or `secret_env`, not both".into()),
        (None, None) => {
            return Err(
                "`secret` or `secret_env` is missing: every webhook is signed, so the receiver can tell it came from tenantctl".into(),
            );
        }
        (Some(s), None) if s.len() < MIN_SECRET_BYTES => {
            return Err(format!(
                "`secret` is too short: at least {MIN_SECRET_BYTES} bytes (e.g. `openssl rand -hex 32`)"
            ));
        }
        (Some(s), None) => WebhookSecret::Value(s),
        (None, Some(var)) => {
            let ok = var.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
                && var
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(format!(
                    "`secret_env`: `{}` is not an environment variable name (A-Z, 0-9 and `_`, not starting with a digit)",
                    var.escape_debug()
                ));
            }
            WebhookSecret::Env(var)
        }
    };
    Ok(WebhookSettings { url, secret })
}

fn command(t: &toml::Table) -> Parsed<CommandSettings> {
    let Some(v) = t.get("argv") else {
        return Err(
            "`argv` is missing: the program and its arguments, e.g. [\"/usr/local/bin/app\", \"job\"] (no shell runs it)".into(),
        );
    };
    let toml::Value::Array(items) = v else {
        return Err("`argv` must be a list of strings (no shell runs it)".into());
    };
    let argv = items
        .iter()
        .map(|i| match i {
            toml::Value::String(s) if !s.contains('\0') => Ok(s.clone()),
            _ => Err("`argv` must be a list of strings without NUL".to_string()),
        })
        .collect::<Parsed<Vec<_>>>()?;
    if argv.first().is_none_or(|p| p.trim().is_empty()) {
        return Err("`argv` must start with the program to run".into());
    }
    Ok(CommandSettings { argv })
}

/// `name` or `schema.name`, each part an unquoted PostgreSQL identifier in lower case (what
/// psql would find without quotes), so the name in the file is the name in the catalog.
pub fn function_name(raw: &str) -> Parsed<FunctionName> {
    let bad = |why: &str| {
        format!(
            "`function`: invalid function name `{}`: {why}",
            raw.escape_debug()
        )
    };
    let parts: Vec<&str> = raw.split('.').collect();
    if parts.len() > 2 {
        return Err(bad("expected `name` or `schema.name`"));
    }
    let mut idents = Vec::new();
    for p in &parts {
        let ok = p.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(bad(
                "each part must start with a-z or `_` and contain only a-z, 0-9 and `_`",
            ));
        }
        idents.push(Ident::parse(p).map_err(|e| bad(&e.to_string()))?);
    }
    let name = idents.pop().expect("one part at least");
    Ok(FunctionName {
        schema: idents.pop(),
        name,
    })
}

/// A template name: `welcome` or `account/welcome`, never leaving `mail.templates_dir`.
/// (Also the rule for a query's name, the file `NAME.sql` beside the templates.)
pub fn check_template_name(name: &str) -> Parsed<()> {
    let ok = !name.is_empty()
        && name.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                && !seg.starts_with('.')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`template`: invalid template name `{}`: path segments of a-z, A-Z, 0-9, `_`, `-` and `.` separated by `/`, inside mail.templates_dir",
            name.escape_debug()
        ))
    }
}

fn mail(name: &str, t: &toml::Table) -> Parsed<MailKindSettings> {
    let built_in = name == MAIL_KIND;
    let template = string(t, "template")?;
    match &template {
        Some(tpl) => check_template_name(tpl)?,
        None if built_in => {}
        None => {
            return Err(
                "`template` is missing: the name of NAME.txt / NAME.html in mail.templates_dir"
                    .into(),
            );
        }
    }
    let to = match string(t, "to")? {
        Some(to) => to,
        None if built_in => "{{ payload.to }}".to_string(),
        None => {
            return Err(
                "`to` is missing: the recipients, a template such as \"{{ payload.email }}\""
                    .into(),
            );
        }
    };
    let query = string(t, "query")?;
    if let Some(q) = &query {
        check_template_name(q).map_err(|e| e.replacen("`template`", "`query`", 1))?;
    }
    let max_rows = match t.get("max_rows") {
        None => DEFAULT_MAX_ROWS,
        Some(toml::Value::Integer(n)) if (1..=100_000).contains(n) => *n as u32,
        Some(_) => return Err("`max_rows` must be a whole number from 1 to 100000".into()),
    };
    Ok(MailKindSettings {
        template,
        to,
        subject: string(t, "subject")?,
        from: string(t, "from")?,
        reply_to: string(t, "reply_to")?,
        query,
        max_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<BTreeMap<String, KindSettings>> {
        let t: toml::Table = toml::from_str(text).unwrap();
        parse_all(&t, "t.toml")
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn each_handler_parses_with_its_defaults() {
        let k = parse(
            r#"
            [hook]
            handler = "webhook"
            url = "https://app.example/jobs"
            secret_env = "APP_JOB_SECRET"
            [run]
            handler = "command"
            argv = ["/usr/bin/app", "job"]
            timeout = "2m"
            [fn]
            handler = "sql"
            function = "app.process_job"
            backoff = ["10s", "1m"]
            [welcome]
            handler = "mail"
            template = "account/welcome"
            to = "{{ payload.email }}"
            query = "communities"
            max_attempts = 2
            backoff = { base = "1s", factor = 2, max = "5s" }
            "#,
        )
        .unwrap();
        let hook = &k["hook"];
        assert_eq!(hook.timeout, Duration::from_secs(30));
        assert_eq!(hook.max_attempts, 6);
        assert_eq!(
            hook.handler,
            HandlerSettings::Webhook(WebhookSettings {
                url: "https://app.example/jobs".into(),
                secret: WebhookSecret::Env("APP_JOB_SECRET".into())
            })
        );
        let secs = |v: &[u64]| {
            v.iter()
                .map(|s| Duration::from_secs(*s))
                .collect::<Vec<_>>()
        };
        let waits = |k: &KindSettings| {
            (1..=k.max_attempts)
                .map_while(|n| k.retry_delay(n))
                .collect::<Vec<_>>()
        };
        assert_eq!(waits(hook), secs(&[3, 9, 27, 81, 243]));
        assert_eq!(k["run"].timeout, Duration::from_secs(120));
        let f = &k["fn"];
        assert_eq!(f.max_attempts, 3, "a list of delays sets the attempts");
        assert_eq!(waits(f), secs(&[10, 60]));
        assert_eq!(f.total_runs(), 3);
        assert_eq!(
            f.jittered_delay_after(2, 0.0),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            f.jittered_delay_after(2, 1.0),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            f.jittered_delay_after(3, 0.5),
            None,
            "no retry after the last run"
        );
        let HandlerSettings::Sql(s) = &f.handler else {
            panic!()
        };
        assert_eq!(s.function.sql(), "\"app\".\"process_job\"");
        let w = &k["welcome"];
        assert_eq!(waits(w), secs(&[1]));
        assert_eq!(
            Backoff::Exponential {
                base: Duration::from_secs(1),
                factor: 2,
                max: Duration::from_secs(5)
            }
            .delay_after(10),
            Duration::from_secs(5)
        );
        let HandlerSettings::Mail(m) = &w.handler else {
            panic!()
        };
        assert_eq!(m.query.as_deref(), Some("communities"));
        assert_eq!(m.template.as_deref(), Some("account/welcome"));
        assert_eq!(m.max_rows, 1000);
        // The built-in mail kind may be tuned; its template then comes from each job.
        let k = parse("[mail]\nhandler = \"mail\"\nmax_attempts = 2\n").unwrap();
        let HandlerSettings::Mail(m) = &k["mail"].handler else {
            panic!()
        };
        assert_eq!(m.template, None);
        assert_eq!(m.to, "{{ payload.to }}");
        // The last delay of a list repeats when max_attempts asks for more.
        let k = parse("[x]\nhandler = \"sql\"\nfunction = \"f\"\nbackoff = [\"1s\", \"7s\"]\nmax_attempts = 5\n").unwrap();
        assert_eq!(waits(&k["x"]), secs(&[1, 7, 7, 7]));
    }

    #[test]
    fn bad_kinds_name_the_kind_the_field_and_the_rule() {
        assert_eq!(
            err("[Hook]\nhandler = \"webhook\"\n"),
            "`jobs.kinds.Hook` in config file `t.toml`: invalid job kind `Hook`: must start with a lowercase letter a-z"
        );
        assert!(
            err("[provision]\nhandler = \"sql\"\nfunction = \"f\"\n")
                .contains("a kind tenantctl runs itself")
        );
        assert_eq!(
            err("[x]\nhandler = \"smtp\"\n"),
            "`jobs.kinds.x` in config file `t.toml`: unknown handler `smtp`: expected webhook, command, sql or mail"
        );
        assert!(err("[x]\nurl = \"http://a\"\n").contains("`handler` is missing"));
        assert!(
            err("[x]\nhandler = \"mail\"\ntemplate = \"w\"\nto = \"a@b\"\ntempalte = \"w\"\n")
                .contains("unknown field `tempalte` for a mail handler")
        );
        assert!(
            err("[x]\nhandler = \"sql\"\nfunction = \"f\"\nurl = \"http://a\"\n")
                .contains("unknown field `url` for a sql handler")
        );
        assert!(
            err("[x]\nhandler = \"sql\"\nfunction = \"f\"\ntimeout = \"soon\"\n")
                .contains("`timeout`: invalid duration `soon`")
        );
        assert!(
            err("[x]\nhandler = \"sql\"\nfunction = \"f\"\ntimeout = \"0s\"\n")
                .contains("more than 0s")
        );
        assert!(
            err("[x]\nhandler = \"sql\"\nfunction = \"f\"\nmax_attempts = 0\n")
                .contains("from 1 to 1000")
        );
        assert!(
            err("[x]\nhandler = \"sql\"\nfunction = \"f\"\nbackoff = []\n")
                .contains("at least one delay")
        );
        assert!(
            err(
                "[x]\nhandler = \"sql\"\nfunction = \"f\"\nbackoff = { base = \"1s\", grow = 2 }\n"
            )
            .contains("unknown field `backoff.grow`")
        );
        assert!(
            err("[x]\nhandler = \"sql\"\nfunction = \"f\"\nbackoff = \"3s\"\n")
                .contains("list of delays")
        );
        assert!(err("[x]\nhandler = \"sql\"\n").contains("`function` is missing"));
        assert!(
            err("[x]\nhandler = \"sql\"\nfunction = \"drop table x; f\"\n")
                .contains("invalid function name")
        );
        assert!(
            err("[x]\nhandler = \"sql\"\nfunction = \"a.b.c\"\n")
                .contains("`name` or `schema.name`")
        );
        assert!(
            err("[x]\nhandler = \"sql\"\nfunction = \"Process\"\n")
                .contains("invalid function name")
        );
        assert!(
            err("[x]\nhandler = \"command\"\nargv = \"app job\"\n").contains("list of strings")
        );
        assert!(err("[x]\nhandler = \"command\"\nargv = []\n").contains("start with the program"));
        assert!(
            err("[x]\nhandler = \"webhook\"\nurl = \"ftp://a/x\"\nsecret_env = \"S\"\n")
                .contains("http:// or https://")
        );
        assert!(
            err("[x]\nhandler = \"webhook\"\nurl = \"https://a/x\"\n")
                .contains("every webhook is signed")
        );
        assert!(
            err("[x]\nhandler = \"webhook\"\nurl = \"https://a/x\"\nsecret = \"short\"\n")
                .contains("too short")
        );
        assert!(
            err("[x]\nhandler = \"webhook\"\nurl = \"https://a/x\"\nsecret_env = \"my-var\"\n")
                .contains("not an environment variable name")
        );
        assert!(
            err("[x]\nhandler = \"mail\"\ntemplate = \"../etc/passwd\"\nto = \"a@b\"\n")
                .contains("invalid template name")
        );
        assert!(err("[x]\nhandler = \"mail\"\ntemplate = \"w\"\n").contains("`to` is missing"));
        assert!(
            err("[x]\nhandler = \"mail\"\ntemplate = \"w\"\nto = \"a@b\"\nquery = \"select 1\"\n")
                .contains("`query`: invalid template name")
        );
        assert!(err("[x]\nhandler = \"mail\"\nto = \"a@b\"\n").contains("`template` is missing"));
        assert!(
            err("[mail]\nhandler = \"sql\"\nfunction = \"f\"\n")
                .contains("a kind tenantctl runs itself")
        );
        assert!(err("x = 1\n").contains("expected a table"));
    }

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let k = parse("[x]\nhandler = \"webhook\"\nurl = \"https://a/x\"\nsecret = \"0123456789abcdef-very-secret\"\n").unwrap();
        let shown = format!("{k:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
    }
}
