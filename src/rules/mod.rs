//! The ground floor's pure rules: no I/O and no import from anywhere else in the crate, so every
//! room above may use them and none of them points back up.
//!
//! - [`naming`]: what a platform name, subdomain, domain and schema name may be, and the
//!   [`ValidationError`] that names the rule an input broke.
//! - [`ident`]: the validated identifier types ([`SchemaName`], [`Ident`]), the one place an
//!   identifier is quoted for SQL text.
//! - [`prefixes`]: the prefixes of the schema names tenantctl makes itself, in one list, and
//!   which of them are reserved; [`names`]: those names made and recognised again (scratch, old,
//!   aside and pool schemas).
//! - [`backoff`]: the retry schedule ([`RetryPolicy`]) of anything tried again.
//! - [`schedule`]: `[jobs.schedules.NAME]` checked, and the slots every worker derives alike.
//!
//! Each is unit tested here; whatever reads the configuration or the database lives above.

pub mod backoff;
pub mod ident;
pub mod names;
pub mod naming;
pub mod prefixes;
pub mod schedule;

pub use backoff::RetryPolicy;
pub use ident::{Ident, SchemaName};
pub use naming::ValidationError;
