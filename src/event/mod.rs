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
//! | `issues` | edited, milestoned, demilestoned | `Issue` |
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
mod payload;

use serde::Deserialize;
use serde_json::Value;

use crate::signal::Signal;

pub use chatops::{parse_command_line, parse_create_args};

/// Why an event payload could not become a [`Signal`].
///
/// Texts are stable (they are under snapshot tests) and name what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The payload is not JSON, or not a JSON object.
    #[error("the event payload is not a JSON object: {detail}")]
    Malformed {
        /// What the JSON parser reported, with the line and column.
        detail: String,
    },
    /// A field convoy needs is missing (or `null`).
    #[error("the event payload has no `{field}`")]
    MissingField {
        /// The field as a JSON pointer, e.g. `/pull_request/head/sha`.
        field: String,
    },
    /// A field holds a value convoy cannot use.
    #[error("the event payload's `{field}` is invalid: {reason}")]
    InvalidField {
        /// The field as a JSON pointer, e.g. `/inputs/command`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

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

/// Deserializes `T` from a payload, reporting a failure with the field's JSON pointer.
fn de<'a, T: Deserialize<'a>>(value: &'a Value) -> Result<T, EventError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = pointer(e.path());
        let message = e.into_inner().to_string();
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            return EventError::MissingField {
                field: format!("{pointer}/{}", escape(field)),
            };
        }
        if message.starts_with("invalid type: null") {
            return EventError::MissingField { field: pointer };
        }
        EventError::InvalidField {
            field: pointer,
            // serde quotes the refused value; a huge one must not come back whole.
            reason: crate::validate::clip_message(&message),
        }
    })
}

/// A serde path as a JSON pointer (RFC 6901): `pull_request.head.sha` → `/pull_request/head/sha`.
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&escape(key));
            }
            Segment::Enum { variant } => {
                out.push('/');
                out.push_str(&escape(variant));
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// Escapes one JSON pointer token: `~` → `~0`, `/` → `~1`.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        let v: Value = serde_json::json!({"a/b": {"c": [1, "x"]}});
        #[derive(Debug, Deserialize)]
        struct Outer {
            #[serde(rename = "a/b")]
            _ab: Inner,
        }
        #[derive(Debug, Deserialize)]
        struct Inner {
            _c: Vec<u64>,
        }
        let e = de::<Outer>(&v).unwrap_err();
        assert_eq!(
            e,
            EventError::MissingField {
                field: "/a~1b/_c".into()
            }
        );
    }

    #[test]
    fn non_objects_are_malformed_with_a_position() {
        let e = parse_event("push", b"[1]").unwrap_err();
        assert!(matches!(e, EventError::Malformed { ref detail } if detail.contains("line 1")));
        let e = parse_event("push", b"{\"a\": ").unwrap_err();
        assert!(matches!(e, EventError::Malformed { ref detail } if detail.contains("column")));
    }
}
