//! `convoy verify`, the pure half: a shipped release's lock and manifest, and what GitHub shows
//! ([`facts`], read by [`crate::github::verify`]), judged into a [`Report`] ([`judge`]) and
//! written as text, JSON or markdown ([`render`]). Nothing here does I/O.
//!
//! The claim checked is "what is on each base branch is what shipped, and what shipped is what
//! the tiers validated": each base still holds its ship commit, each ship commit lands exactly
//! the validated SHA (its tree is the validated tree), every tier the directive required passed
//! on exactly those SHAs in the run the lock names, and the lock is the manifest's record,
//! stamped on every member repo's GitHub release. The checks run in that order; the first that
//! does not hold is the report's [`Report::first_break`].

pub mod facts;
pub mod judge;
pub mod render;
pub mod report;

pub use facts::Facts;
pub use judge::judge;
pub use report::{Check, CheckKind, Options, Outcome, Report};
