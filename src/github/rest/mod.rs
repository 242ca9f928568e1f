//! The typed REST layer: one method per GitHub operation convoy uses, each answering with serde
//! structs that hold only the fields convoy reads, and failing with a [`GhError`](crate::github::client::GhError) (a merge with
//! a [`MergeError`] that says why GitHub refused it, as a [`MergeRefusal`]).
//!
//! Paths are built here ([`path`]); the [`GitHub`](crate::github::client::GitHub) client underneath is only the transport
//! (retries, rate limits, pagination, request counting). Outside this module no code reads
//! GitHub's JSON answers. Answers are read leniently ([`de`]): a field GitHub leaves out or
//! sends with another type reads as absent, as it always has in convoy.
//!
//! The operations are grouped by area, one file each, as methods of [`Repo`]
//! (`gh.repo(&name).pull(number)`); [`installations`] works with an App's (or an installation's)
//! client instead.

pub mod actions;
pub mod checkup;
pub mod compare;
pub mod contents;
pub mod de;
pub mod deployments;
pub mod git;
pub mod installations;
pub mod issues;
pub mod merge;
pub mod merge_queue;
pub mod path;
pub mod pulls;
pub mod refs;
pub mod refusal;
pub mod releases;
pub mod repo;
pub mod repos;
pub mod reviews;
pub mod statuses;

pub use merge::{MergeError, Merged};
pub use refusal::MergeRefusal;
pub use repo::Repo;
