//! The job queue and the worker that runs it: the rows of `tenantctl.jobs` and their SQL
//! (`queue`), the worker loop that claims them and hands each to its kind (`worker`), the kinds'
//! shape (`kind`), recovery of abandoned and stuck work (`recovery`), and the work the worker does on a clock instead of from a row (`domains`: the
//! check of custom domains not verified yet). Operators' commands on the queue (`manage`), its
//! figures (`stats`) and the schedules that enqueue on a clock (`schedules`) sit beside them.
//!
//! A kind of job is implemented by the room that owns its work (provisioning:
//! [`crate::provision::Provisioning`]), so this room imports none of them: it may import the
//! registry, the database helpers, the pure rules (the retry schedule is
//! [`crate::rules::RetryPolicy`]), the configuration and the error, and the rooms above it
//! (provision, the CLI; later backup, restore, mail and the application's kinds) import it.

pub mod domains;
pub mod handler;
pub mod handlers;
pub mod kind;
pub mod kinds;
pub mod manage;
pub mod queue;
pub mod recovery;
pub mod schedules;
pub mod stats;
pub mod worker;

pub use kind::{End, Kind, Run};
pub use recovery::stuck_platforms;
