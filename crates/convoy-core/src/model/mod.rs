//! The release model: identifiers, the config people write and the manifest convoy writes.
//! Pure data; no I/O.

pub mod config;
pub mod create;
pub mod history;
pub mod ids;
pub mod manifest;
pub mod numbers;
pub(crate) mod open_enum;
pub mod schema;
pub mod template;
pub mod time;
