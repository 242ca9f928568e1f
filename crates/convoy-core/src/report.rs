//! Markdown that convoy writes for people: the tracking issue and release notes. Pure.
//!
//! Text that came from people (titles) is escaped so it cannot break the tables or inject HTML.
//!
//! The lifecycle engine plans these texts into its actions (the tracking issue's body, a
//! GitHub release's notes), so they are rendered inside it, in `lifecycle::markdown`; this
//! module is their public face, for the step summary and the rehearsal. It
//! depends on the engine, never the other way round.

pub use crate::lifecycle::markdown::{commit_link, escape, pull_link, release_notes};
pub use crate::lifecycle::markdown::{gates_table, repos_table, tiers_table, waits_list};
pub use crate::lifecycle::tracking::{final_comment, tracking_body, tracking_title};
