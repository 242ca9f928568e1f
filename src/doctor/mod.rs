//! `convoy doctor`, the pure half: what to check ([`scope`], from `convoy.json`), what GitHub
//! showed ([`facts`], read by [`crate::github::doctor`]), what it means for a release
//! ([`judge`] → [`finding`]), and the report as text, markdown or JSON ([`render`]). Workflow
//! files are read by [`workflow`]. Nothing here does I/O.
//!
//! For every repository a release touches, the report says what the token can see and do
//! there, what convoy will do with each rule and setting (waits for a review, merges by squash,
//! recreates a branch: a note), and what will stop a release (a blocker), with the fix in words
//! a release manager can act on.

pub mod facts;
pub mod finding;
pub mod judge;
pub mod render;
pub mod scope;
pub mod workflow;

pub use facts::{RepoFacts, TokenFacts};
pub use finding::{Finding, RepoReport, Report, Verdict};
pub use judge::judge;
pub use scope::{Scope, scope};
