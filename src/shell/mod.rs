//! The GitHub Actions shell: what GitHub Actions gives a container step and what it takes back.
//!
//! [`inputs`] reads and validates the environment (`GITHUB_*` and `INPUT_*`), [`outputs`] appends
//! to `$GITHUB_OUTPUT` and `$GITHUB_ENV` and masks secrets, [`summary`] renders the markdown for
//! `$GITHUB_STEP_SUMMARY` ([`status`]: every active release on one line each), and
//! [`workflow_commands`] escapes what goes into the workflow
//! commands printed to stdout. No network here: values in, files and text out.

pub mod cache;
pub mod inputs;
pub mod outputs;
pub mod status;
pub mod summary;
pub mod workflow_commands;

pub use inputs::{AppCredentials, EnvError, LogLevel, Secret, WorkflowEnv};
pub use outputs::{OutputError, export_env, mask, write_outputs};
pub use summary::{Round, run_summary, step_summary, step_summary_linked, would_create_summary};
