//! [`EventError`], and reading a payload into typed fields with errors that name the field by its
//! JSON pointer.

use serde::Deserialize;
use serde_json::Value;

/// Why an event payload could not become a [`Signal`](crate::signal::Signal).
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

/// Deserializes `T` from a payload, reporting a failure with the field's JSON pointer.
pub(super) fn de<'a, T: Deserialize<'a>>(value: &'a Value) -> Result<T, EventError> {
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
}
