//! The runner's words: the manifest commits' messages and the debug log's view of a signal.

use crate::model::manifest::ReleaseManifest;
use crate::signal::Signal;

/// `convoy(<id>): <what changed>` — the phase change, or the latest history entries.
pub(super) fn commit_message(before: &ReleaseManifest, after: &ReleaseManifest) -> String {
    if before.phase != after.phase {
        return format!("{} → {}", before.phase.as_str(), after.phase.as_str());
    }
    let new: Vec<&str> = after.history[before.history.len().min(after.history.len())..]
        .iter()
        .map(|h| h.event.as_str())
        .collect();
    if new.is_empty() {
        "update the manifest".to_owned()
    } else {
        new.join(", ")
    }
}

/// The signal's kind and subject, for the debug log.
pub(super) fn signal_kind(signal: &Signal) -> String {
    let s = format!("{signal:?}");
    s.chars().take(120).collect()
}
