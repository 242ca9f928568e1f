//! What one `decide` call concludes ([`Decision`], [`Wait`]), and the manifest to write once its
//! actions ran ([`settle`]).

use serde::Serialize;

use super::action::{self, Action, PlannedAction};
use super::table::Owner;
use crate::model::history::HistoryEvent;
use crate::model::manifest::{
    Conclusion, HistoryEntry, ReleaseManifest, RepoState, ReviewWait, RunKind, RunStatus,
};
use crate::model::marker::Marker;
use crate::model::time::Timestamp;

/// What one `decide` call concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The manifest to write (equal to the input when nothing changed).
    pub manifest: ReleaseManifest,
    /// What to do on GitHub, in order; `after` links make the waves explicit.
    pub actions: Vec<PlannedAction>,
    /// What the release now waits for, and who must act.
    pub waits: Vec<Wait>,
    /// Messages for the person who triggered the run (refused commands, …).
    pub notes: Vec<String>,
    /// Whether the manifest changed.
    pub changed: bool,
    /// When the decision was made (the manifest's clock: never before its last write).
    pub at: Timestamp,
}

/// Something the release waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wait {
    /// Who must act.
    pub who: Owner,
    /// What they must do, as a sentence.
    pub what: String,
    /// Since when: the escalation's time for a call for a human, else when the phase began.
    pub since: Timestamp,
    /// When the clock lets the release on, for a wait on the clock (a ship window, the end of a
    /// freeze or of a soak).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
}

/// The manifest to write once the decision's actions ran.
///
/// - A dispatch that did not happen (failed, or skipped) is taken back out, so the next run
///   dispatches it again instead of waiting for a run that does not exist. A dispatch GitHub
///   refused (a 4xx) stays, as `refused` with GitHub's message: sent again, it would be refused
///   again, so the next decision escalates it and waits for a person.
/// - GitHub's answer to a promotion merge is recorded on the repo: "not yet" (a required check
///   has not reported, a transient refusal) as a note; missing approving reviews as the
///   `awaiting_review` state (a normal wait: requested, reminded, escalated only after a
///   timeout); a refusal only a person can fix as the `blocked` state, which the next decision
///   escalates (and, during shipping, hands to `ship.on_partial`).
///
/// Everything else in the decision stands: it records facts that do not depend on the actions'
/// success.
pub fn settle(
    decision: &Decision,
    before: &ReleaseManifest,
    executed: &[action::Executed],
) -> ReleaseManifest {
    let mut m = decision.manifest.clone();
    record_merge_answers(&mut m, executed, decision.at);
    record_queued(&mut m, executed, decision.at);
    record_switched_methods(&mut m, executed, decision.at);
    record_refused_dispatches(&mut m, executed, decision.at);
    record_dispatched_runs(&mut m, executed);
    record_kept_staging(&mut m, executed, decision.at);
    super::deployments::record(&mut m, executed, decision.at);
    // A call that was not posted is planned again by the next decision, and so is the note of
    // a rejected tier claim.
    for e in executed {
        if let (Action::Comment { marker, .. }, false) = (&e.planned.action, e.outcome.succeeded())
            && let Some(Marker::Claim(key)) = Marker::parse_content(marker)
            && let Some(claim) = m.claims.iter_mut().find(|c| c.key == key)
        {
            claim.noted = false;
        }
    }
    for e in executed {
        if let (Action::Comment { marker, .. }, false) = (
            &e.planned.action,
            e.outcome.succeeded(),
        ) && let Some(rec) = m
            .escalations
            .iter_mut()
            .find(|r| {
                r.resolved_at.is_none()
                    && matches!(Marker::parse_content(marker), Some(Marker::Escalation(key)) if key == r.key)
            })
        {
            rec.notified = false;
        }
    }
    let missing: Vec<&str> = executed
        .iter()
        .filter(|e| {
            !(e.outcome.succeeded() || matches!(e.outcome, action::ActionOutcome::Refused { .. }))
        })
        .filter_map(|e| match &e.planned.action {
            Action::DispatchWorkflow { correlation_id, .. } => Some(correlation_id.as_str()),
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        let recorded_before = |c: &str| before.tier_runs.iter().any(|r| r.correlation_id == c);
        m.tier_runs.retain(|r| {
            !missing.contains(&r.correlation_id.as_str()) || recorded_before(&r.correlation_id)
        });
        let keep = before.history.len();
        let mut i = 0;
        m.history.retain(|h| {
            i += 1;
            i <= keep
                || !(h.event == HistoryEvent::RunDispatched
                    && h.to.as_deref().is_some_and(|c| missing.contains(&c)))
        });
    }
    // The revision and clock move once per write, whichever step changed the manifest.
    let mut unchanged = m.clone();
    unchanged.revision = before.revision;
    unchanged.updated_at = before.updated_at;
    if unchanged == *before {
        return unchanged;
    }
    m.revision = before.revision + 1;
    m.updated_at = decision.at;
    m
}

/// Records the run GitHub started for a dispatch, when it said which (`return_run_details`):
/// from now on the release follows that run and no other ([`super::evidence::mismatch`]), so
/// a run someone else started with the same correlation id is never taken for it.
fn record_dispatched_runs(m: &mut ReleaseManifest, executed: &[action::Executed]) {
    for e in executed {
        let (
            Action::DispatchWorkflow { correlation_id, .. },
            action::ActionOutcome::Dispatched { run },
        ) = (&e.planned.action, &e.outcome)
        else {
            continue;
        };
        if let Some(r) = m.tier_runs.iter_mut().find(|r| {
            &r.correlation_id == correlation_id
                && r.status != RunStatus::Completed
                && r.run_id.is_none()
        }) {
            r.run_id = Some(*run);
        }
    }
}

/// Records a dispatch GitHub refused (a 4xx) on its run: completed, conclusion `refused`, with
/// GitHub's message. The next decision escalates it instead of dispatching again.
fn record_refused_dispatches(
    m: &mut ReleaseManifest,
    executed: &[action::Executed],
    at: Timestamp,
) {
    for e in executed {
        let (
            Action::DispatchWorkflow { correlation_id, .. },
            action::ActionOutcome::Refused { reason },
        ) = (&e.planned.action, &e.outcome)
        else {
            continue;
        };
        let Some(r) = m
            .tier_runs
            .iter_mut()
            .find(|r| &r.correlation_id == correlation_id && r.status != RunStatus::Completed)
        else {
            continue;
        };
        r.status = RunStatus::Completed;
        r.conclusion = Some(Conclusion::Refused);
        r.refusal = Some(reason.clone());
        r.completed_at = Some(at);
        let what = match r.kind {
            RunKind::Tier => format!("tier {} attempt {}", r.tier, r.attempt),
            RunKind::AutoFix => format!("auto-fix {} for tier {}", r.attempt, r.tier),
        };
        m.history.push(HistoryEntry {
            at,
            actor: "convoy".to_owned(),
            event: HistoryEvent::RunCompleted,
            from: None,
            to: Some("refused".to_owned()),
            detail: format!("{what} refused by GitHub: {reason}"),
        });
    }
}

/// Records a staging branch that a rule (a protected staging) kept from following the shipped
/// merge: history `staging_kept`, once per repo. Shipping then does not wait for that move.
fn record_kept_staging(m: &mut ReleaseManifest, executed: &[action::Executed], at: Timestamp) {
    for e in executed {
        let (
            Action::UpdateBranch {
                repo,
                branch,
                force: false,
                ..
            },
            action::ActionOutcome::Refused { reason },
        ) = (&e.planned.action, &e.outcome)
        else {
            continue;
        };
        let Some(r) = m
            .repos
            .iter()
            .find(|r| &r.name == repo && &r.staging == branch)
        else {
            continue;
        };
        if staging_kept(m, repo) {
            continue;
        }
        let detail = format!(
            "{} {} refuses updates ({reason}): it keeps its commits, and the next release brings it up to date through its {} → {} pull request",
            r.name, r.staging, r.rc_branch, r.staging
        );
        m.history.push(HistoryEntry {
            at,
            actor: "convoy".to_owned(),
            event: HistoryEvent::StagingKept,
            from: None,
            to: Some(repo.to_string()),
            detail,
        });
    }
}

/// Whether a rule kept `repo`'s staging from following the shipped merge (history
/// `staging_kept` names the repo in `to`).
pub(crate) fn staging_kept(m: &ReleaseManifest, repo: &crate::model::ids::RepoName) -> bool {
    m.history.iter().any(|h| {
        h.event == HistoryEvent::StagingKept
            && h.to
                .as_deref()
                .is_some_and(|t| crate::model::ids::RepoName::parse(t).is_ok_and(|n| &n == repo))
    })
}

/// Records GitHub's "not yet", "waiting for a review" and "no" to promotion merges on the repos
/// they concern. "Not yet" after a review or a refusal puts the repo back to waiting for its
/// merge: the cause went away.
fn record_merge_answers(m: &mut ReleaseManifest, executed: &[action::Executed], at: Timestamp) {
    for e in executed {
        if let (Action::RequestReviewers { repo, number, .. }, outcome) =
            (&e.planned.action, &e.outcome)
            && !matches!(
                outcome,
                action::ActionOutcome::Done { .. } | action::ActionOutcome::AlreadyDone
            )
            && let Some(w) = m
                .repos
                .iter_mut()
                .find(|r| &r.name == repo)
                .and_then(|r| r.review.as_mut())
                .filter(|w| w.pull == *number)
        {
            // Not requested: the next decision asks again.
            w.requested = false;
        }
        let (Action::MergePullRequest { repo, number, .. }
        | Action::EnqueuePullRequest { repo, number, .. }) = &e.planned.action
        else {
            continue;
        };
        let Some(r) = m.repos.iter_mut().find(|r| &r.name == repo) else {
            continue;
        };
        let open_state = if r.prs.staging == Some(*number) {
            RepoState::Promoting
        } else if r.prs.ship == Some(*number) {
            RepoState::Shipping
        } else {
            continue;
        };
        match &e.outcome {
            action::ActionOutcome::Waiting { reason } => {
                r.note = Some(format!("#{number} waits: {reason}"));
                if matches!(r.state, RepoState::Blocked | RepoState::AwaitingReview) {
                    r.state = open_state;
                }
                r.review = None;
            }
            action::ActionOutcome::NeedsReview { reason } => {
                let from = if r.reviewers.is_empty() {
                    String::new()
                } else {
                    let who: Vec<String> = r.reviewers.iter().map(|l| format!("@{l}")).collect();
                    format!(" from {}", who.join(" or "))
                };
                let note = format!("#{number} waits for an approving review{from}: {reason}");
                let same = r.review.as_ref().is_some_and(|w| w.pull == *number);
                if !same {
                    r.review = Some(ReviewWait {
                        pull: *number,
                        needs: reason.clone(),
                        since: at,
                        requested: false,
                        reminded_at: None,
                    });
                } else if let Some(w) = r.review.as_mut() {
                    w.needs = reason.clone();
                }
                if r.state != RepoState::AwaitingReview || !same {
                    r.state = RepoState::AwaitingReview;
                    let name = r.name.clone();
                    m.history.push(HistoryEntry {
                        at,
                        actor: "convoy".to_owned(),
                        event: HistoryEvent::ReviewAwaited,
                        from: None,
                        to: None,
                        detail: format!("{name}: {note}"),
                    });
                }
                r.note = Some(note);
            }
            action::ActionOutcome::Refused { reason } => {
                let note = format!("#{number} cannot merge: {reason}");
                r.review = None;
                if r.state != RepoState::Blocked || r.note.as_deref() != Some(&note) {
                    r.state = RepoState::Blocked;
                    r.note = Some(note.clone());
                    let name = r.name.clone();
                    m.history.push(HistoryEntry {
                        at,
                        actor: "convoy".to_owned(),
                        event: HistoryEvent::MergeRefused,
                        from: None,
                        to: None,
                        detail: format!("{name}: {note}"),
                    });
                }
            }
            _ => {}
        }
    }
}

/// Records a pull request GitHub put in a merge queue: the UUID to follow it by, and, when a
/// plain merge was refused for it, that its branch takes changes only through its queue.
fn record_queued(m: &mut ReleaseManifest, executed: &[action::Executed], at: Timestamp) {
    for e in executed {
        let action::ActionOutcome::Enqueued { uuid, learnt } = &e.outcome else {
            continue;
        };
        let (Action::MergePullRequest {
            repo, number, sha, ..
        }
        | Action::EnqueuePullRequest {
            repo, number, sha, ..
        }) = &e.planned.action
        else {
            continue;
        };
        let Some(r) = m.repos.iter_mut().find(|r| &r.name == repo) else {
            continue;
        };
        let learnt = learnt
            .as_deref()
            .and_then(|b| crate::model::ids::BranchName::parse(b).ok());
        if let Some(branch) = &learnt
            && !r.merge_queue.contains(branch)
        {
            r.merge_queue.push(branch.clone());
            let detail = format!(
                "{}: `{branch}` takes changes only through its merge queue (GitHub refused a plain merge of #{number}); convoy enqueues its pull requests, pinned",
                r.name
            );
            m.history.push(HistoryEntry {
                at,
                actor: "convoy".to_owned(),
                event: HistoryEvent::MergeMethod,
                from: None,
                to: Some("merge_queue".to_owned()),
                detail,
            });
        }
        let follows = r
            .queued
            .as_ref()
            .is_some_and(|q| q.pull == *number && &q.sha == sha);
        match (r.queued.as_mut(), learnt) {
            (Some(q), _) if follows && uuid.is_some() => q.uuid = uuid.clone(),
            (Some(_), _) if follows => {}
            (_, Some(branch)) => {
                r.queued = Some(crate::model::manifest::QueuedMerge {
                    pull: *number,
                    branch,
                    sha: sha.clone(),
                    uuid: uuid.clone(),
                    since: at,
                    ejections: 0,
                    reason: None,
                });
            }
            _ => {}
        }
    }
}

/// Records the method a merge switched to after GitHub refused the planned one
/// ([`action::ActionOutcome::MergedInstead`]): the repo merges with it from now on.
fn record_switched_methods(m: &mut ReleaseManifest, executed: &[action::Executed], at: Timestamp) {
    for e in executed {
        let (
            Action::MergePullRequest { repo, .. } | Action::RevertMerge { repo, .. },
            action::ActionOutcome::MergedInstead { method, reason },
        ) = (&e.planned.action, &e.outcome)
        else {
            continue;
        };
        let Some(r) = m.repos.iter_mut().find(|r| &r.name == repo) else {
            continue;
        };
        if r.merge_method == Some(*method) {
            continue;
        }
        r.merge_method = Some(*method);
        let what = match &e.planned.action {
            Action::MergePullRequest { number, .. } => format!("#{number}"),
            _ => "the revert".to_owned(),
        };
        m.history.push(HistoryEntry {
            at,
            actor: "convoy".to_owned(),
            event: HistoryEvent::MergeMethod,
            from: None,
            to: Some(method.as_str().to_owned()),
            detail: format!(
                "{repo}: GitHub refused the planned method ({reason}); {what} merged with {} and the repo merges so from now on",
                method.as_str()
            ),
        });
    }
}
