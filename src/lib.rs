//! convoy ships one release across many GitHub repositories as a unit.
//!
//! The path of one run is visible in the module names:
//! GitHub event → [`event`] → [`signal`] → [`lifecycle`] (`decide`) → plan → execute → write.
//! The pure core ([`model`], [`validate`], [`graph`], [`lifecycle`], [`report`]) does no I/O.

pub mod action;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod event;
pub mod github;
pub mod graph;
pub mod lifecycle;
pub mod model;
pub mod plan;
pub mod rehearse;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod signal;
pub mod validate;
