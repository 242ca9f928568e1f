//! The pure core's integration tests, one binary: lifecycle tables and properties, the
//! event edge on real webhook payloads, the example files. `cargo test -p convoy-core`.

// The core crate is `convoy` to these tests, as to every user of the re-exports.
extern crate convoy_core as convoy;

mod checkbox;
mod events;
mod examples;
mod lifecycle;
mod lifecycle_claims;
mod lifecycle_clock;
mod lifecycle_deployments;
mod lifecycle_failures;
mod lifecycle_multi;
mod lifecycle_props;
mod lifecycle_reach;
mod support;
mod tracking;
mod validate;
