//! The application's kinds of job (`[jobs.kinds.NAME]`, issue 25): looking a kind up by the
//! `kind` of a job row, and building the handler that runs its jobs. The settings themselves are
//! parsed and checked with the rest of the configuration (`config::job_kinds`); the handlers
//! live in `handlers/`.
//!
//! May import the configuration, the handlers and the handler shape (`handler`).

use super::handler::Handler;
use super::handlers;
use crate::config::Settings;
pub use crate::config::job_kinds::{
    Backoff, CommandSettings, FunctionName, HandlerSettings, KindSettings, MAIL_KIND,
    MailKindSettings, SqlSettings, WebhookSecret, WebhookSettings,
};
use std::sync::LazyLock;

static BUILT_IN_MAIL: LazyLock<KindSettings> = LazyLock::new(KindSettings::built_in_mail);

/// The settings of the kind `name`: a `[jobs.kinds.NAME]` of the file, or the built-in `mail`
/// kind (whose jobs name their template). `None`: no such kind of the application's (the
/// worker then leaves the job to the kinds tenantctl runs itself, or discards it as unknown).
pub fn kind_settings<'a>(settings: &'a Settings, name: &str) -> Option<&'a KindSettings> {
    settings
        .job_kinds
        .get(name)
        .or_else(|| (name == MAIL_KIND).then(|| &*BUILT_IN_MAIL))
}

/// The handler that runs the jobs of `kind`. Building it does no I/O; each attempt reads what
/// it needs (a secret from the environment, the templates) when it runs, so an operator's fix
/// reaches the next attempt without a restart of the worker.
pub fn handler_for(kind: &KindSettings, settings: &Settings) -> Box<dyn Handler> {
    match &kind.handler {
        HandlerSettings::Webhook(w) => Box::new(handlers::webhook::Webhook::new(w)),
        HandlerSettings::Command(c) => Box::new(handlers::command::Command::new(c, settings)),
        HandlerSettings::Sql(s) => Box::new(handlers::sql::Sql::new(s, settings)),
        HandlerSettings::Mail(m) => Box::new(handlers::mail::Mail::new(m, settings)),
    }
}
