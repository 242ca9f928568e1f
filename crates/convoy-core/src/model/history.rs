//! The manifest's history: what happened to a release, oldest first ([`HistoryEntry`]), and
//! the kinds of things that happen ([`HistoryEvent`]).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use super::open_enum::open_enum;
use super::time::Timestamp;

open_enum! {
    /// What kind of thing a history entry records, written as a snake_case string.
    ///
    /// A kind this build does not know (a newer convoy wrote it) is kept as
    /// [`HistoryEvent::Unknown`] and written back unchanged.
    pub enum HistoryEvent {
        /// The release was created (`to`: the first phase).
        Created => "created",
        /// Tasks were carried over from an earlier release (`from`: its id).
        CarriedOver => "carried_over",
        /// The phase changed (`from` → `to`: phase names).
        PhaseChanged => "phase_changed",
        /// convoy called a human.
        Escalated => "escalated",
        /// The cause of an escalation went away.
        EscalationResolved => "escalation_resolved",
        /// GitHub refused to merge a promotion pull request.
        MergeRefused => "merge_refused",
        /// How a repo's pull requests merge was settled: discovered from the repository's
        /// settings and rules, or switched after GitHub refused a method (`to`: the method).
        MergeMethod => "merge_method",
        /// GitHub refused a deployment or its status (`to`: the status); convoy gives that
        /// deployment no more statuses.
        DeploymentRefused => "deployment_refused",
        /// A promotion pull request waits for the approving reviews its base requires.
        ReviewAwaited => "review_awaited",
        /// Approving reviews on every staging → base pull request opened the ship gate
        /// (`reviews.approve_ship`).
        ReviewsApproved => "reviews_approved",
        /// A merge queue removed a promotion pull request convoy put in it (GitHub's reason in
        /// the detail).
        QueueEjected => "queue_ejected",
        /// An RC branch moved after its repo was promoted.
        RcMoved => "rc_moved",
        /// A staging branch moved while its repo was staged.
        StagingMoved => "staging_moved",
        /// Staging is held by another release.
        StagingHeld => "staging_held",
        /// After shipping, a rule refused moving a repo's staging to the shipped merge (a
        /// protected staging): it keeps its commits until the next release promotes into it.
        StagingKept => "staging_kept",
        /// A repo's staging branch holds its RC head.
        RepoStaged => "repo_staged",
        /// A repo merged into its base branch.
        RepoMerged => "repo_merged",
        /// A repo merged, was tagged and released.
        RepoShipped => "repo_shipped",
        /// A repo's shipped merge was reverted.
        RepoReverted => "repo_reverted",
        /// A task's status changed (`from` → `to`).
        TaskStatus => "task_status",
        /// A task joined the release (its issue was milestoned into a sprint).
        TaskAdded => "task_added",
        /// A task left the release (its issue left the sprints).
        TaskDeferred => "task_deferred",
        /// A tier or auto-fix run was dispatched (`to`: its correlation id).
        RunDispatched => "run_dispatched",
        /// A run completed (`to`: how).
        RunCompleted => "run_completed",
        /// `/convoy approve` was carried out.
        CommandApprove => "command_approve",
        /// `/convoy promote` was carried out.
        CommandPromote => "command_promote",
        /// `/convoy ship` was carried out.
        CommandShip => "command_ship",
        /// `/convoy validate` was carried out.
        CommandValidate => "command_validate",
        /// `/convoy retry` was carried out.
        CommandRetry => "command_retry",
        /// `/convoy defer` was carried out.
        CommandDefer => "command_defer",
        /// `/convoy abort` was carried out.
        CommandAbort => "command_abort",
        /// `/convoy rollback` was carried out.
        CommandRollback => "command_rollback",
        @other
        /// A kind this build does not know, kept as written.
        Unknown,
    }
}

impl JsonSchema for HistoryEvent {
    fn schema_name() -> Cow<'static, str> {
        "HistoryEvent".into()
    }

    // Inline: the field stays a plain string in the schema; the known kinds are examples, not
    // an enumeration, so a manifest a newer convoy wrote still validates.
    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "examples": HistoryEvent::KNOWN,
        })
    }
}

/// One line of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    /// When.
    pub at: Timestamp,
    /// Who: a login, or `convoy`.
    pub actor: String,
    /// What kind of thing happened (`created`, `phase_changed`, `command_approve`, …); a kind
    /// this build does not know (written by a newer convoy) is kept as written.
    pub event: HistoryEvent,
    /// The state before, when the event is a change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The state after, when the event is a change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A sentence with the details.
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_kind_is_kept_and_written_back_unchanged() {
        let text =
            r#"{"at":"2026-01-02T03:04:05Z","actor":"convoy","event":"frobnicated","detail":"x"}"#;
        let entry: HistoryEntry = serde_json::from_str(text).unwrap();
        assert_eq!(entry.event, HistoryEvent::Unknown("frobnicated".to_owned()));
        assert_eq!(serde_json::to_string(&entry).unwrap(), text);
    }

    #[test]
    fn known_kinds_are_their_snake_case_names() {
        for name in HistoryEvent::KNOWN {
            let event = HistoryEvent::from(*name);
            assert!(event.is_known(), "{name}");
            assert_eq!(serde_json::to_value(&event).unwrap(), *name);
        }
        assert_eq!(HistoryEvent::PhaseChanged.as_str(), "phase_changed");
        assert_eq!(HistoryEvent::CommandRollback.as_str(), "command_rollback");
    }
}
