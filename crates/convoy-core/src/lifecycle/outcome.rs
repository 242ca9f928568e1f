//! [`ActionOutcome`]: what came of a planned action when the executor took it, and
//! [`Executed`], the pair the runner hands to `settle`.

use serde::{Deserialize, Serialize};

use super::action::{Action, PlannedAction};
use crate::model::config::MergeMethod;
use crate::model::numbers::RunId;

/// What happened when the executor took (or did not take) a planned action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ActionOutcome {
    /// Done now.
    Done {
        /// What it produced, when worth saying (`#12`, a SHA, a run id).
        detail: Option<String>,
    },
    /// Its effect already held (found on looking before acting): nothing was done.
    AlreadyDone,
    /// Not attempted because an action it waits for did not succeed, or the run is a dry run.
    Skipped {
        /// Why.
        reason: String,
    },
    /// GitHub answered "not yet" (a required check has not reported): not a failure; the next
    /// run tries again.
    Waiting {
        /// GitHub's reason.
        reason: String,
    },
    /// GitHub will merge once the pull request has the approving reviews its base branch
    /// requires: a normal wait for people, not a failure; the next run tries again.
    NeedsReview {
        /// GitHub's reason.
        reason: String,
    },
    /// GitHub refused for a reason only a person can fix (a failing required check, a missing
    /// review; a dispatch answered with a 4xx). A refused merge is tried again by the next run;
    /// a refused dispatch waits for `/convoy retry`. The release records and escalates both.
    Refused {
        /// GitHub's reason.
        reason: String,
    },
    /// A merge done with another method than planned, because GitHub refused the planned one
    /// (the repository does not allow it, or the base requires linear history); the release
    /// records the method for the repo from now on.
    MergedInstead {
        /// The method the merge used.
        method: MergeMethod,
        /// GitHub's refusal of the planned method.
        reason: String,
    },
    /// In a merge queue (just added, or already there): not merged yet, so nothing planned
    /// `after` it goes ahead; the release follows the request by its UUID across runs.
    Enqueued {
        /// GitHub's UUID for the request (absent when GitHub only says it is in the queue).
        uuid: Option<String>,
        /// The branch whose queue it is in, when the queue was learnt from GitHub's refusal of
        /// a plain merge.
        learnt: Option<String>,
    },
    /// A workflow dispatched now, GitHub answering with the new run's id (`return_run_details`):
    /// the release follows that run, and no other, from now on.
    Dispatched {
        /// The run GitHub started.
        run: RunId,
    },
    /// A deployment has the status planned; `id` is GitHub's id of the deployment.
    Deployed {
        /// The deployment's id.
        id: u64,
    },
    /// Attempted and failed; the next run will try again.
    Failed {
        /// The error, as a sentence.
        error: String,
    },
}

/// In plain words, for logs: `done: #12`, `already done`, `skipped: dry run`, `failed: …`.
impl std::fmt::Display for ActionOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionOutcome::Done { detail: None } => f.write_str("done"),
            ActionOutcome::Done {
                detail: Some(detail),
            } => write!(f, "done: {detail}"),
            ActionOutcome::AlreadyDone => f.write_str("already done"),
            ActionOutcome::Skipped { reason } => write!(f, "skipped: {reason}"),
            ActionOutcome::Waiting { reason } => write!(f, "waiting: {reason}"),
            ActionOutcome::NeedsReview { reason } => write!(f, "waiting for a review: {reason}"),
            ActionOutcome::Refused { reason } => write!(f, "refused: {reason}"),
            ActionOutcome::MergedInstead { method, reason } => {
                write!(f, "done: merged with {} ({reason})", method.as_str())
            }
            ActionOutcome::Enqueued { .. } => f.write_str("in the merge queue"),
            ActionOutcome::Dispatched { run } => write!(f, "done: run {run}"),
            ActionOutcome::Deployed { id } => write!(f, "done: deployment {id}"),
            ActionOutcome::Failed { error } => write!(f, "failed: {error}"),
        }
    }
}

impl ActionOutcome {
    /// Whether the action's effect now holds (done now, already done, or merged with another
    /// method).
    pub fn succeeded(&self) -> bool {
        matches!(
            self,
            ActionOutcome::Done { .. }
                | ActionOutcome::AlreadyDone
                | ActionOutcome::MergedInstead { .. }
                | ActionOutcome::Dispatched { .. }
                | ActionOutcome::Deployed { .. }
        )
    }
}

/// A planned action and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Executed {
    /// The action as planned.
    pub planned: PlannedAction,
    /// What came of it.
    pub outcome: ActionOutcome,
}

/// The dispatches GitHub refused among `executed`, one sentence each (for `::error` lines; a run
/// that got one fails).
pub fn refused_dispatches(executed: &[Executed]) -> Vec<String> {
    executed
        .iter()
        .filter_map(|e| match (&e.planned.action, &e.outcome) {
            (
                Action::DispatchWorkflow {
                    repo,
                    workflow,
                    correlation_id,
                    ..
                },
                ActionOutcome::Refused { reason },
            ) => Some(format!(
                "GitHub refused to dispatch {workflow} in {repo} ({correlation_id}): {reason}"
            )),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ActionOutcome;

    #[test]
    fn outcomes_read_as_plain_words() {
        let shown: Vec<String> = [
            ActionOutcome::Done {
                detail: Some("#12".to_owned()),
            },
            ActionOutcome::Done { detail: None },
            ActionOutcome::AlreadyDone,
            ActionOutcome::Skipped {
                reason: "dry run".to_owned(),
            },
            ActionOutcome::Failed {
                error: "boom".to_owned(),
            },
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            shown,
            [
                "done: #12",
                "done",
                "already done",
                "skipped: dry run",
                "failed: boom"
            ]
        );
    }
}
