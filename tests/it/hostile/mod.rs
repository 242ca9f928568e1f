//! Hostile input: the parsers at convoy's edges (config, manifest, event payloads, ChatOps) fed
//! random, mutated and oversized input, and the text convoy echoes back (tracking issue, replies,
//! step summary, release notes) fed injection attempts.
//!
//! Properties: nothing panics; structurally invalid input is refused with an error that names
//! the field (a JSON pointer or the field's name); echoed text is neutralised.
//!
//! Case counts are modest by default so `cargo test` stays fast. For a long run:
//! `CONVOY_FUZZ_CASES=100000 cargo test --release --test it hostile::` (see docs/security.md).

mod chatops;
mod claims;
mod common;
mod documents;
mod echoed;
mod edges;
mod payloads;
mod strategies;
