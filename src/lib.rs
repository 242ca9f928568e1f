//! convoy ships one release across many GitHub repositories as a unit.
//!
//! The path of one run is visible in the module names:
//! GitHub event → [`event`] → [`signal`] → [`lifecycle`] (`decide`) → plan → execute → write.
//!
//! The pure core does no I/O: [`graph`], [`model`], [`validate`], [`signal`], [`event`],
//! [`lifecycle`], [`report`], [`rehearse`] (the in-memory GitHub the rehearsals and property
//! tests drive the engine in) and [`plan`]. Its modules are layered, each importing only from
//! the layers before it, never from the shell around it (`github`, `runner`, `action`, `cli`,
//! `sandbox`, `clock`, `demo`):
//!
//! 1. [`graph`]: generic over its nodes, it imports nothing from the crate;
//! 2. [`model`] (→ graph);
//! 3. [`validate`] (→ model, graph) and [`signal`] (→ model);
//! 4. [`event`] (→ signal, validate, model) and [`lifecycle`] (→ signal, model, graph);
//! 5. [`report`] (→ lifecycle: the engine renders the markdown it writes, `report` is its public
//!    face);
//! 6. [`rehearse`] (→ lifecycle, report, signal, model);
//! 7. [`plan`] (→ rehearse, lifecycle, signal, model).
//!
//! Inside a module the same holds between its submodules: no two import each other, and none
//! imports items of the module that declares it.

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
