//! The event edge: a GitHub Actions event (its name and JSON payload) becomes a [`Signal`].
//!
//! [`parse_event`] is the only entry point the run needs. It never panics, whatever the bytes:
//! a payload that is not a JSON object is [`EventError::Malformed`]; a field convoy needs that is
//! missing or does not hold what it must is [`EventError::MissingField`] or
//! [`EventError::InvalidField`], named by its JSON pointer (`/pull_request/head/sha`). A
//! well-formed event convoy does not follow (another event, another action, a tag push, a
//! comment without `/convoy`) is `Ok(Signal::Ignored { reason })`.
//!
//! | event | actions turned into signals | signal |
//! |---|---|---|
//! | `workflow_dispatch` | — | `Command` (inputs `command`, `release`, `args`) |
//! | `repository_dispatch` | `convoy.task-completed`, `convoy.tier-completed`, `convoy.<command>` | `TaskCompleted`, `TierCompleted`, `Command` |
//! | `pull_request` | opened, edited, synchronize, reopened, closed, labeled (not from forks) | `PullRequest` |
//! | `pull_request_review` | submitted, edited, dismissed | `PullRequestReview` |
//! | `issue_comment` | created, with at least one `/convoy` line | `Comment` |
//! | `issues` | edited, when it ticks a checkbox of a tracking issue (not by a bot) | `Command` (source `Checkbox`) |
//! | `issues` | milestoned, demilestoned (the milestone read from `milestone`, else `issue.milestone`; GitHub Enterprise Server's `demilestoned` names none) | `Issue` |
//! | `workflow_run` | requested, in_progress, completed | `WorkflowRun` |
//! | `check_suite` | requested, rerequested, completed | `Check` (no name) |
//! | `check_run` | created, rerequested, requested_action, completed | `Check` |
//! | `status` | — | `Status` |
//! | `push` | to `refs/heads/…` | `Push` |
//! | `schedule` | — | `Schedule` |
//! | `milestone` | created, edited, opened, closed, deleted | `Milestone` |
//!
//! The ChatOps grammar lives in [`chatops`]; the payload fields read in `payload`.

pub mod chatops;
mod ci;
mod collab;
mod convert;
mod error;
mod payload;
mod read;
mod ticked;

use serde_json::Value;

use crate::signal::Signal;

pub use chatops::{parse_command_line, parse_create_args};
pub use collab::comment_signal;
pub use error::EventError;

/// Turns a GitHub Actions event into a [`Signal`].
///
/// `name` is the event's name as in `GITHUB_EVENT_NAME` (`pull_request`, `issue_comment`, …) and
/// `payload` the bytes of the file at `GITHUB_EVENT_PATH`. Events and actions convoy does not
/// follow give `Ok(Signal::Ignored { reason })`; the payload must still be a JSON object.
pub fn parse_event(name: &str, payload: &[u8]) -> Result<Signal, EventError> {
    let object: serde_json::Map<String, Value> =
        serde_json::from_slice(payload).map_err(|e| EventError::Malformed {
            detail: e.to_string(),
        })?;
    let value = Value::Object(object);
    convert::signal(name, &value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_objects_are_malformed_with_a_position() {
        let e = parse_event("push", b"[1]").unwrap_err();
        assert!(matches!(e, EventError::Malformed { ref detail } if detail.contains("line 1")));
        let e = parse_event("push", b"{\"a\": ").unwrap_err();
        assert!(matches!(e, EventError::Malformed { ref detail } if detail.contains("column")));
    }
}
