//! convoy's pure core: what a release is and how it moves, with no I/O.
//!
//! The path of one run, in module names: a GitHub event → [`event`] → [`signal`] →
//! [`lifecycle`] (`decide`) → [`plan`] → (execute and write, in the `convoy` crate).
//! [`model`] holds the config and the manifest, [`validate`] checks what people write, [`graph`]
//! orders repos, [`report`] renders what a person reads.
//!
//! This crate's `Cargo.toml` has no async runtime, HTTP client or server: the compiler keeps the
//! core pure. Time comes in as an argument; nothing here reads a clock or draws a random number.

pub mod event;
pub mod graph;
pub mod lifecycle;
pub mod model;
pub mod plan;
pub mod rehearse;
pub mod report;
pub mod signal;
pub mod validate;
