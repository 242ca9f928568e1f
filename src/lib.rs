//! convoy ships one release across many GitHub repositories as a unit.
//!
//! The path of one run is visible in the module names:
//! GitHub event → [`event`] → [`signal`] → [`lifecycle`] (`decide`) → plan → execute → write.
//! The pure core ([`model`], [`validate`], [`graph`], [`lifecycle`]) does no I/O.

pub mod model;
pub mod sandbox;
pub mod signal;
