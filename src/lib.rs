//! convoy ships one release across many GitHub repositories as a unit.
//!
//! The workspace has three crates, and the compiler keeps their walls:
//!
//! - `convoy-core` (re-exported here as [`model`], [`validate`], [`graph`], [`lifecycle`],
//!   [`event`], [`signal`], [`plan`], [`rehearse`], [`report`]): the pure core. Its
//!   `Cargo.toml` has no async runtime and no HTTP client, so it cannot do I/O.
//! - `convoy-sandbox` (re-exported as [`sandbox`]): a GitHub stand-in over real git repositories
//!   for the tests and the demo; it imports nothing of convoy.
//! - `convoy` (this crate): the GitHub client ([`github`]), the [`runner`] that drives one run,
//!   the GitHub Actions shell ([`shell`]), the [`cli`], the [`demo`], [`doctor`] (what a
//!   release will meet in each repository) and [`verify`] (whether what shipped still stands). (An "action" is always
//!   a planned GitHub mutation, [`lifecycle::action::Action`].)
//!
//! The path of one run is visible in the module names: a GitHub event → [`event`] → [`signal`]
//! → [`runner`] (load the manifest, [`github::observe`]) → [`lifecycle`] (`decide`, pure) →
//! [`github::store`] (write the manifest ahead, compare-and-swap) → [`github::execute`] → settle
//! and report through [`shell`]. [`plan`] shows the same path offline. See
//! `docs/architecture.md`.

pub use convoy_core::{event, graph, lifecycle, model, plan, rehearse, report, signal, validate};
pub use convoy_sandbox as sandbox;

pub mod cli;
pub mod clock;
pub mod demo;
pub mod doctor;
pub mod github;
pub mod runner;
pub mod shell;
pub mod verify;
