//! Reading helpers the event conversions share: the `action` field, and ignored signals with
//! reasons that quote payload values safely.

use serde_json::Value;

use super::error::{EventError, de};
use super::payload::ActionOnly;
use crate::signal::Signal;

/// An ignored event with its reason.
pub(super) fn ignored(reason: String) -> Signal {
    Signal::Ignored { reason }
}

/// A value quoted in a reason: at most 60 characters, no control characters or backticks.
pub(super) fn clip(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(60)
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// The reason for an action convoy does not follow.
pub(super) fn ignored_action(event: &str, action: &str) -> Signal {
    ignored(format!(
        "`{event}` action `{}` is not one convoy follows",
        clip(action)
    ))
}

/// Reads the `action` field.
pub(super) fn action(v: &Value) -> Result<String, EventError> {
    de::<ActionOnly>(v).map(|a| a.action)
}
