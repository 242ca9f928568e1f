//! Everything that talks to GitHub: the client, the typed REST layer, the manifest store, the
//! observer and the executor. The only module that does network I/O (besides the sandbox, which
//! serves it).
//!
//! Layers: [`client`] is the transport; [`rest`] the typed operations on it (the only code that
//! reads GitHub's answers); [`facts`] turns answers into the lifecycle's observed facts; the
//! rest ([`observe`], [`others`], [`forwarded`], [`execute`], [`revert`], [`methods`], [`store`],
//! [`sprint`], [`app`], and [`doctor`], which reads what `convoy doctor` judges) use those;
//! [`stamp`] stamps a release lock's digest into the member repos' GitHub releases, for the
//! store, [`verify`] reads what `convoy verify` judges, and [`staging_lock`] takes and releases
//! the staging locks (staging exclusivity across concurrent runs);
//! [`permission`] reads which permission a refusal asks for; [`tokens`] holds the installation
//! tokens per owner of a client made with GitHub App credentials.

pub mod app;
pub mod client;
mod deploy;
pub mod doctor;
pub mod error;
pub mod etags;
pub mod execute;
pub mod facts;
pub mod forwarded;
mod limits;
pub mod lookup;
pub mod methods;
pub mod observe;
pub mod others;
pub mod permission;
pub mod rest;
pub mod revert;
pub mod runs;
pub mod sprint;
pub mod staging_lock;
pub mod stamp;
pub mod store;
pub mod tokens;
pub mod verify;

pub use client::{ClientConfig, GhError, GitHub};
/// Path building, at its old place (it lives in the typed layer, [`rest::path`]).
pub use rest::path;
