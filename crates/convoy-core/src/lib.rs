//! convoy's pure core: what a release is and how it moves, with no I/O.
//!
//! The core's part of one run, in module names: a GitHub event → [`event`] → [`signal`] →
//! [`lifecycle`] (`decide`: the next manifest and the planned `Action`s); observing GitHub,
//! writing the manifest and executing the actions happen in the `convoy` crate. [`plan`] and
//! [`rehearse`] play the same path offline.
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
