//! Markdown that convoy writes for people: the tracking issue (its checkbox controls and
//! timeline), release notes, and every active release on one line each. Pure.
//!
//! Text that came from people (titles) is escaped so it cannot break the tables or inject HTML.
//!
//! The lifecycle engine plans these texts into its actions (the tracking issue's body, a
//! GitHub release's notes), so they are rendered inside it, in `lifecycle::markdown`; this
//! module is their public face, for the step summary and the rehearsal. It
//! depends on the engine, never the other way round.

pub use crate::lifecycle::controls::{controls_section, offered as offered_controls};
pub use crate::lifecycle::markdown::{commit_link, escape, pull_link, release_notes};
pub use crate::lifecycle::markdown::{gates_table, repos_table, tiers_table, waits_list};
pub use crate::lifecycle::overview::{Style, release_line, releases_list, status_reply};
pub use crate::lifecycle::timeline::{Detail as TimelineDetail, gantt, timeline_section};
pub use crate::lifecycle::tracking::{
    BODY_BUDGET, GITHUB_BODY_LIMIT, final_comment, tracking_body, tracking_title,
};
