//! The `mail` handler: the application's templates (`mail.templates_dir`, minijinja) rendered
//! for one tenant and sent through the configured SMTP server (`notify.smtp_*`).
//!
//! A template `NAME` is up to three files: `NAME.subject` (one line; or the kind's `subject`),
//! `NAME.txt` and `NAME.html` (at least one; both make a multipart/alternative mail; `.html` is
//! HTML-escaped). They see `platform` (`id`, `name`, `schema`, `domain`: its own address,
//! `url`: the base of its links there, no trailing `/`), `payload` (the job's), `job` (`id`,
//! `kind`, `attempt`) and `rows`: the rows of the named read-only query `QUERY.sql` from the
//! same directory, run in a `READ ONLY` transaction in the tenant's schema with the kind's
//! timeout as `statement_timeout` (the payload is `current_setting('tenantctl.payload')`).
//!
//! To, From and Reply-To are templates too: the kind's `from`/`reply_to` over `mail.from`/
//! `mail.reply_to` over `notify.from`, so each platform can send as itself. Every header value
//! is checked after rendering: a line break or another control character in a subject, name or
//! address (from the payload, the platform or a row) discards the job instead of splitting a
//! header. The Message-ID is the job's, the same on every attempt, so a mail sent twice (a worker
//! killed between sending and recording) is one message to the reader's client.
//!
//! SMTP answers: a permanent refusal (5xx) discards the job; anything else retries it.

use super::{TenantTx, schema_of, sql_error};
use crate::config::job_kinds::{MailKindSettings, check_template_name};
use crate::config::{NotifySettings, Settings};
use crate::jobs::handler::{Attempt, Handler, Outcome};
use crate::rules::SchemaName;
use async_trait::async_trait;
use lettre::AsyncTransport;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value as Jv};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The most recipients one mail job may have.
pub const MAX_RECIPIENTS: usize = 50;

pub struct Mail {
    kind: MailKindSettings,
    templates_dir: Option<PathBuf>,
    from: String,
    reply_to: Option<String>,
    notify: NotifySettings,
    extension_schema: Option<SchemaName>,
}

impl Mail {
    pub fn new(m: &MailKindSettings, settings: &Settings) -> Mail {
        Mail {
            kind: m.clone(),
            templates_dir: settings.mail.templates_dir.clone(),
            from: m
                .from
                .clone()
                .or_else(|| settings.mail.from.clone())
                .unwrap_or_else(|| settings.notify.from.clone()),
            reply_to: m
                .reply_to
                .clone()
                .or_else(|| settings.mail.reply_to.clone()),
            notify: settings.notify.clone(),
            extension_schema: settings.extension_schema.clone(),
        }
    }
}

fn retry(error: String) -> Outcome {
    Outcome::Retry { error, after: None }
}

fn discard(error: String) -> Outcome {
    Outcome::Discard { error }
}

/// A JSON value as a template value.
pub fn to_template(v: &Value) -> Jv {
    match v {
        Value::Null => Jv::from(()),
        Value::Bool(b) => Jv::from(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Jv::from(i),
            (_, Some(u), _) => Jv::from(u),
            (_, _, Some(f)) => Jv::from(f),
            _ => Jv::from(n.to_string()),
        },
        Value::String(s) => Jv::from(s.as_str()),
        Value::Array(a) => Jv::from(a.iter().map(to_template).collect::<Vec<_>>()),
        Value::Object(o) => Jv::from(
            o.iter()
                .map(|(k, v)| (k.clone(), to_template(v)))
                .collect::<BTreeMap<String, Jv>>(),
        ),
    }
}

/// A rendered header value, trimmed, or why it cannot be one: a line break (or any other
/// control character) would end the header and start another.
pub fn header_text(what: &str, rendered: &str) -> Result<String, String> {
    let v = rendered.trim();
    if let Some(c) = v
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        let which = if matches!(c, '\r' | '\n' | '\u{2028}' | '\u{2029}') {
            "a line break".to_string()
        } else {
            format!("the control character {}", c.escape_unicode())
        };
        return Err(format!(
            "the {what} contains {which}, which could inject mail headers: refused"
        ));
    }
    Ok(v.to_string())
}

/// Rendered addresses (commas separate several) as mailboxes.
pub fn mailboxes(what: &str, rendered: &str) -> Result<Vec<Mailbox>, String> {
    let text = header_text(what, rendered)?;
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        out.push(
            part.parse::<Mailbox>()
                .map_err(|e| format!("the {what} `{part}` is not a mail address: {e}"))?,
        );
    }
    Ok(out)
}

/// A template's error with its name and line, in minijinja's words.
fn template_error(e: &minijinja::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

/// Whether the payload's value for `key` names a template or query, and which.
fn payload_name(payload: &Value, key: &str) -> Result<Option<String>, String> {
    match payload.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            check_template_name(s).map_err(|e| format!("the payload's {key}: {e}"))?;
            Ok(Some(s.clone()))
        }
        Some(_) => Err(format!("the payload's `{key}` must be a string")),
    }
}

impl Mail {
    /// The rows of the named query in the tenant's schema, as JSON.
    async fn rows(
        &self,
        a: &Attempt<'_>,
        dir: &std::path::Path,
        name: &str,
    ) -> crate::error::Result<Result<Value, Outcome>> {
        let path = dir.join(format!("{name}.sql"));
        let sql = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) => {
                return Ok(Err(retry(format!(
                    "cannot read the query `{name}` ({}): {e}",
                    path.display()
                ))));
            }
        };
        let sql = sql
            .trim()
            .trim_end_matches(|c: char| c == ';' || c.is_whitespace());
        let schema = match schema_of(a.tenant, "mail query") {
            Ok(s) => s,
            Err(o) => return Ok(Err(o)),
        };
        let mut tx = TenantTx::begin(a, &schema, self.extension_schema.as_ref(), true).await?;
        if let Some(refusal) = tx.settings(a, &schema).await? {
            tx.rollback().await?;
            return Ok(Err(retry(refusal)));
        }
        let limit = i64::from(self.kind.max_rows) + 1;
        // NOTE: the operator's query in a subquery, so its rows come back as one JSON array
        // whatever their columns; the limit bounds what one mail holds.
        // language=PostgreSQL
        let wrapped = format!(
            "SELECT coalesce(json_agg(q), '[]'::json)::text FROM (SELECT * FROM (\n{sql}\n) AS q0 LIMIT {limit}) AS q"
        );
        let got: Result<String, sqlx::Error> = sqlx::query_scalar(sqlx::AssertSqlSafe(wrapped))
            .persistent(false)
            .fetch_one(tx.conn())
            .await;
        tx.rollback().await?;
        let text = match got {
            Ok(t) => t,
            Err(e) => {
                return Ok(Err(retry(sql_error(
                    &format!("the query `{name}` in schema {schema}"),
                    &e,
                    a.timeout,
                ))));
            }
        };
        let rows: Value = serde_json::from_str(&text).unwrap_or(Value::Array(Vec::new()));
        if rows.as_array().map_or(0, Vec::len) > self.kind.max_rows as usize {
            return Ok(Err(discard(format!(
                "the query `{name}` returned more than max_rows ({}) rows for platform {} ({})",
                self.kind.max_rows, a.tenant.id, a.tenant.name
            ))));
        }
        Ok(Ok(rows))
    }
}

#[async_trait]
impl Handler for Mail {
    async fn perform(&self, a: Attempt<'_>) -> crate::error::Result<Outcome> {
        let Some(dir) = &self.templates_dir else {
            return Ok(retry(
                "mail.templates_dir is not set: the mail handler has no templates".into(),
            ));
        };
        let template = match (&self.kind.template, payload_name(a.payload, "template")) {
            (Some(t), _) => t.clone(),
            (None, Ok(Some(t))) => t,
            (None, Ok(None)) => {
                return Ok(discard(
                    "the payload names no `template` (the mail kind's jobs say which template they send)".into(),
                ));
            }
            (None, Err(e)) => return Ok(discard(e)),
        };
        let query = match (&self.kind.query, payload_name(a.payload, "query")) {
            (Some(q), _) => Some(q.clone()),
            (None, Ok(q)) => q,
            (None, Err(e)) => return Ok(discard(e)),
        };
        let rows = match &query {
            Some(q) => match self.rows(&a, dir, q).await? {
                Ok(r) => r,
                Err(o) => return Ok(o),
            },
            None => Value::Array(Vec::new()),
        };

        let t = a.tenant;
        let mut platform = BTreeMap::new();
        platform.insert("id".to_string(), Jv::from(t.id));
        platform.insert("name".to_string(), Jv::from(t.name.as_str()));
        platform.insert("schema".to_string(), Jv::from(t.schema.clone()));
        platform.insert("domain".to_string(), Jv::from(t.address.clone()));
        platform.insert("url".to_string(), Jv::from(super::base_url(t)));
        let mut job = BTreeMap::new();
        job.insert("id".to_string(), Jv::from(a.job_id));
        job.insert("kind".to_string(), Jv::from(a.kind));
        job.insert("attempt".to_string(), Jv::from(a.attempt));
        let mut ctx = BTreeMap::new();
        ctx.insert("platform".to_string(), Jv::from(platform));
        ctx.insert("job".to_string(), Jv::from(job));
        ctx.insert("payload".to_string(), to_template(a.payload));
        ctx.insert("rows".to_string(), to_template(&rows));
        let ctx = Jv::from(ctx);

        let mut env = Environment::new();
        env.set_loader(minijinja::path_loader(dir));
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        // A template that fails to render is the operator's to fix: retried, so the fix
        // reaches the job.
        let render_file = |name: String| -> Result<Option<String>, String> {
            match env.get_template(&name) {
                Ok(tpl) => tpl
                    .render(&ctx)
                    .map(Some)
                    .map_err(|e| format!("template `{name}`: {}", template_error(&e))),
                Err(e) if e.kind() == ErrorKind::TemplateNotFound => Ok(None),
                Err(e) => Err(format!("template `{name}`: {}", template_error(&e))),
            }
        };
        let render_str = |what: &str, src: &str| -> Result<String, String> {
            env.render_str(src, &ctx)
                .map_err(|e| format!("the {what} template: {}", template_error(&e)))
        };
        let rendered = (|| -> Result<_, String> {
            let subject = match &self.kind.subject {
                Some(s) => render_str("subject", s)?,
                None => render_file(format!("{template}.subject"))?.ok_or_else(|| {
                    format!(
                        "template `{template}.subject` not found in {} (or set the kind's `subject`)",
                        dir.display()
                    )
                })?,
            };
            let text = render_file(format!("{template}.txt"))?;
            let html = render_file(format!("{template}.html"))?;
            if text.is_none() && html.is_none() {
                return Err(format!(
                    "template `{template}`: neither {template}.txt nor {template}.html is in {}",
                    dir.display()
                ));
            }
            let to = render_str("to", &self.kind.to)?;
            let from = render_str("from", &self.from)?;
            let reply_to = self
                .reply_to
                .as_deref()
                .map(|r| render_str("reply_to", r))
                .transpose()?;
            Ok((subject, text, html, to, from, reply_to))
        })();
        let (subject, text, html, to, from, reply_to) = match rendered {
            Ok(r) => r,
            Err(e) => return Ok(retry(e)),
        };

        // What reaches a header comes from the payload, the platform and the rows: checked here,
        // after rendering, whatever the template did with it.
        let headers = (|| -> Result<_, String> {
            let subject = header_text("subject", &subject)?;
            let to = mailboxes("recipient", &to)?;
            if to.is_empty() {
                return Err("the recipients (`to`) rendered empty".into());
            }
            if to.len() > MAX_RECIPIENTS {
                return Err(format!(
                    "{} recipients; one mail job sends to at most {MAX_RECIPIENTS}",
                    to.len()
                ));
            }
            let mut from = mailboxes("From address", &from)?;
            if from.len() != 1 {
                return Err("the From address must be exactly one address".into());
            }
            let reply_to = match reply_to {
                Some(r) => mailboxes("Reply-To address", &r)?,
                None => Vec::new(),
            };
            Ok((subject, to, from.remove(0), reply_to))
        })();
        let (subject, to, from, reply_to) = match headers {
            Ok(h) => h,
            Err(e) => return Ok(discard(e)),
        };

        let id_host = from.email.domain().to_string();
        let mut b = lettre::Message::builder()
            .from(from)
            .subject(subject)
            .message_id(Some(format!("<tenantctl-job-{}@{id_host}>", a.job_id)));
        for r in to {
            b = b.to(r);
        }
        for r in reply_to {
            b = b.reply_to(r);
        }
        let msg = match (text, html) {
            (Some(t), Some(h)) => b.multipart(MultiPart::alternative_plain_html(t, h)),
            (Some(t), None) => b.singlepart(SinglePart::plain(t)),
            (None, Some(h)) => b.singlepart(SinglePart::html(h)),
            (None, None) => unreachable!("checked above"),
        };
        let msg = match msg {
            Ok(m) => m,
            Err(e) => return Ok(discard(format!("cannot build the mail: {e}"))),
        };
        let transport = match crate::notify::smtp_transport(&self.notify, a.timeout) {
            Ok(t) => t,
            Err(e) => return Ok(retry(e)),
        };
        let server = format!(
            "{}:{}",
            self.notify.smtp_host.as_deref().unwrap_or("?"),
            self.notify.smtp_port
        );
        Ok(match transport.send(msg).await {
            Ok(_) => Outcome::Completed,
            Err(e) if e.is_permanent() => {
                discard(format!("the SMTP server {server} refused the mail: {e}"))
            }
            Err(e) => retry(format!("SMTP {server}: {e}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_with_line_breaks_are_refused() {
        assert_eq!(header_text("subject", " Hi \n").unwrap(), "Hi");
        for bad in [
            "Hi\r\nBcc: x@evil.test",
            "Hi\nBcc: x",
            "a\rb",
            "a\u{2028}b",
            "a\0b",
        ] {
            let e = header_text("subject", bad).unwrap_err();
            assert!(e.contains("could inject mail headers"), "{e}");
        }
        assert!(mailboxes("recipient", "a@b.test\r\nBcc: c@d.test").is_err());
        assert!(mailboxes("recipient", "Eve\n <a@b.test>").is_err());
        let m = mailboxes("recipient", "Ann <ann@a.test>, bob@b.test").unwrap();
        assert_eq!(m.len(), 2);
        assert!(mailboxes("recipient", "not an address").is_err());
    }

    #[test]
    fn json_becomes_template_values() {
        let v = serde_json::json!({"n": 3, "f": 1.5, "s": "x", "l": [1, null], "o": {"b": true}});
        let env = Environment::new();
        let out = env
            .render_str(
                "{{ v.n + 1 }} {{ v.f }} {{ v.s }} {{ v.l|length }} {{ v.o.b }}",
                minijinja::context! { v => to_template(&v) },
            )
            .unwrap();
        assert_eq!(out, "4 1.5 x 2 True");
    }
}
