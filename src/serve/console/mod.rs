//! The web console (to come): server-rendered pages on the host platform's address only,
//! sessions in the registry database, CSRF on every POST, a strict CSP, assets in the binary.
//!
//! Its handlers live here and only [`super::router`] routes them. It may import serve's state
//! ([`super::state::App`]) and replies ([`super::reply`]) and the library the CLI calls (long
//! actions become jobs for `tenantctl worker`); nothing else in serve imports it.
