//! Cross-tenant operations: the read-only fan-out runner of `report query` ([`query`]), faithful
//! result values and `--aggregate` sums ([`value`]), how results are shown ([`present`]), the
//! built-in reports ([`builtin`]), the fleet status behind `status` ([`fleet`]) and its
//! Prometheus exposition ([`metrics`], also for `serve`'s `/metrics`).

pub mod builtin;
pub mod fleet;
pub mod metrics;
pub mod present;
pub mod query;
pub mod value;
