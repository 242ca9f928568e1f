//! Markdown that convoy writes for people: the tracking issue and release notes. Pure.
//!
//! Text that came from people (titles) is escaped so it cannot break the tables or inject HTML.
//!
//! The lifecycle engine plans these texts into its actions (the tracking issue's body, a
//! GitHub release's notes), so they are rendered inside it, in `lifecycle::markdown`; this
//! module is their public face, for the step summary and the rehearsal. It
//! depends on the engine, never the other way round.

pub use crate::lifecycle::markdown::{escape, release_notes, tracking_body, tracking_title};
pub use crate::lifecycle::markdown::{repos_table, tiers_table, waits_list};
