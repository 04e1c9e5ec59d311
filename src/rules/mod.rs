//! The ground floor's pure rules: no I/O and no import from anywhere else in the crate, so every
//! room above may use them and none of them points back up.
//!
//! - [`naming`]: what a platform name, subdomain, domain and schema name may be, and the
//!   [`ValidationError`] that names the rule an input broke.
//! - [`ident`]: the validated identifier types ([`SchemaName`], [`Ident`]), the one place an
//!   identifier is quoted for SQL text.
//! - [`names`]: the schema names tenantctl makes itself (scratch, old, aside and pool schemas),
//!   their prefixes in one list, and how to recognise them again.
//! - [`backoff`]: the retry schedule ([`RetryPolicy`]) of anything tried again.
//!
//! Each is unit tested here; whatever reads the configuration or the database lives above.

pub mod backoff;
pub mod ident;
pub mod names;
pub mod naming;

pub use backoff::RetryPolicy;
pub use ident::{Ident, SchemaName};
pub use naming::ValidationError;
