//! The rehearsal simulator: a pure, in-memory GitHub ([`World`]) that applies the engine's
//! actions the way GitHub would, and [`rehearse`], which plays a whole release forward in it.
//!
//! It drives the lifecycle engine from outside, like the runner does: it serves `convoy plan`
//! (rehearsing a release offline), the property and scenario tests of `decide`, and the
//! generated example manifest. It is not the sandbox: the sandbox runs real git and speaks
//! HTTP; this only moves data. Pure: no I/O, no clock.

mod rehearsal;
mod world;

pub use rehearsal::{Rehearsal, RehearsalStep, rehearse};
pub use world::{Refusal, World};
