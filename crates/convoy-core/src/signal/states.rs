//! What GitHub reports about runs, checks, commit statuses and reviews, as enums.
//!
//! The event edge parses the payload's strings into these once; nothing after it compares the
//! spellings. GitHub adds values to these vocabularies from time to time, so each has a last
//! variant keeping an unknown value verbatim: an event with a new value still parses, and prints
//! back as it came.

use crate::model::manifest::Conclusion;
use crate::model::open_enum::open_enum;

open_enum! {
    /// The progress of a workflow run, check run or check suite.
    pub enum CheckStatus {
        /// Requested, not yet queued.
        Requested => "requested",
        /// Queued.
        Queued => "queued",
        /// Waiting (for a deployment protection rule, a concurrency group, …).
        Waiting => "waiting",
        /// Pending.
        Pending => "pending",
        /// Running.
        InProgress => "in_progress",
        /// Finished; see the conclusion.
        Completed => "completed",
        @other
        /// A value this build does not know, as GitHub spelled it.
        Other,
    }
}

open_enum! {
    /// How a workflow run, check run or check suite ended (also the `conclusion` a tier reports
    /// with `convoy.tier-completed`).
    pub enum CheckConclusion {
        /// Passed.
        Success => "success",
        /// Failed.
        Failure => "failure",
        /// Neutral.
        Neutral => "neutral",
        /// Cancelled.
        Cancelled => "cancelled",
        /// Skipped.
        Skipped => "skipped",
        /// Ran past its time limit.
        TimedOut => "timed_out",
        /// Needs an action.
        ActionRequired => "action_required",
        /// Stale.
        Stale => "stale",
        /// The workflow could not start.
        StartupFailure => "startup_failure",
        @other
        /// A value this build does not know, as GitHub (or the tier) spelled it.
        Other,
    }
}

impl CheckConclusion {
    /// The conclusion as the manifest records it, when it is one the manifest knows
    /// (`startup_failure` and unknown values are not).
    pub fn recorded(&self) -> Option<Conclusion> {
        Some(match self {
            CheckConclusion::Success => Conclusion::Success,
            CheckConclusion::Failure => Conclusion::Failure,
            CheckConclusion::Neutral => Conclusion::Neutral,
            CheckConclusion::Cancelled => Conclusion::Cancelled,
            CheckConclusion::Skipped => Conclusion::Skipped,
            CheckConclusion::TimedOut => Conclusion::TimedOut,
            CheckConclusion::ActionRequired => Conclusion::ActionRequired,
            CheckConclusion::Stale => Conclusion::Stale,
            CheckConclusion::StartupFailure | CheckConclusion::Other(_) => return None,
        })
    }
}

open_enum! {
    /// The state of a commit status.
    pub enum CommitState {
        /// Pending.
        Pending => "pending",
        /// Success.
        Success => "success",
        /// Failure.
        Failure => "failure",
        /// Error.
        Error => "error",
        @other
        /// A value this build does not know, as GitHub spelled it.
        Other,
    }
}

open_enum! {
    /// The state of a pull request review (lower case; `dismissed` also for the `dismissed`
    /// action).
    pub enum ReviewState {
        /// Approved.
        Approved => "approved",
        /// Changes requested.
        ChangesRequested => "changes_requested",
        /// Commented.
        Commented => "commented",
        /// Dismissed.
        Dismissed => "dismissed",
        /// Pending (not yet submitted).
        Pending => "pending",
        @other
        /// A value this build does not know, as GitHub spelled it.
        Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_conclusion_the_manifest_records_maps_to_itself() {
        for name in CheckConclusion::KNOWN {
            let edge = CheckConclusion::from(*name);
            assert_eq!(
                edge.recorded(),
                Conclusion::parse(name),
                "{name}: the edge and the manifest must agree"
            );
        }
        assert_eq!(CheckConclusion::from("brand_new").recorded(), None);
    }

    #[test]
    fn unknown_states_are_kept_verbatim() {
        let state = ReviewState::from("escalated");
        assert_eq!(state, ReviewState::Other("escalated".to_owned()));
        assert_eq!(serde_json::to_value(&state).unwrap(), "escalated");
        assert_eq!(CheckStatus::from("in_progress"), CheckStatus::InProgress);
        assert_eq!(CommitState::from("error").as_str(), "error");
    }
}
