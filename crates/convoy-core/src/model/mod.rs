//! The release model: identifiers, the config people write, the manifest convoy writes and the
//! hidden markers it tags its texts on GitHub with. Pure data; no I/O.

pub mod calendar;
pub mod claim;
pub mod config;
pub mod create;
pub mod deployment;
pub mod history;
pub mod id_error;
pub mod ids;
pub mod lock;
pub mod manifest;
pub mod marker;
pub mod numbers;
pub(crate) mod open_enum;
pub mod schema;
pub mod staging_lock;
pub mod template;
pub mod time;
