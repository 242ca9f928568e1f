//! Everything that talks to GitHub: the client, the manifest store, the observer and the
//! executor. The only module that does network I/O (besides the sandbox, which serves it).

pub mod app;
pub mod client;
pub mod execute;
pub mod observe;
pub mod others;
pub mod path;
pub mod revert;
pub mod store;

pub use client::{ClientConfig, GhError, GitHub};
