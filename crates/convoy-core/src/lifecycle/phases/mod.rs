//! Per-phase facts, transitions and actions.
//!
//! `sync` reads what GitHub showed into the manifest (which repos are staged, shipped, …);
//! `advance` takes one step along the lifecycle when the exit criteria hold and the gate is open
//! (the gate out of each phase comes from the table: `table::gate_out_of`); `plan` lists the
//! actions of the phase reached.

mod carry;
mod clock;
mod development;
mod exclusive;
mod methods;
mod promotion;
mod protected;
mod queue;
mod ship_reviews;
mod undo;

pub use carry::RELEASE_CONTEXT;
pub(crate) use queue::retry_ejected;
pub use undo::revert_branch;

use super::action::{Action, CloseReason};
use super::draft::Draft;
use super::table::Owner;
use super::tiers;
use super::tracking;
use crate::model::config::TierPhase;
use crate::model::ids::RepoName;
use crate::model::manifest::{Phase, RepoState, TaskStatus};
use crate::model::marker::Marker;
use crate::model::numbers::IssueNumber;
/// Absorbs the facts the current phase depends on.
pub(super) fn sync(d: &mut Draft<'_>) {
    sync_tracking_issue(d);
    methods::sync_merge_methods(d);
    match d.m.phase {
        Phase::Planning => {}
        Phase::Development => development::sync_development(d),
        Phase::Staging | Phase::Validation => promotion::sync_staging(d),
        Phase::Shipping => promotion::sync_shipping(d),
        Phase::Shipped | Phase::Aborted | Phase::RolledBack => undo::sync_reverts(d),
    }
}

/// Takes at most one step along the lifecycle; returns whether the phase changed.
pub(super) fn advance(d: &mut Draft<'_>) -> bool {
    let before = d.m.phase;
    match before {
        Phase::Planning => {
            if d.exit_gate_open() {
                d.set_phase(
                    Phase::Development,
                    "convoy",
                    "the plan is valid and approved",
                );
            }
        }
        Phase::Development => {
            // Staging promotes every repo and ships them together: not while one is out of
            // reach (nor is shipping entered then, below).
            if development::development_done(d)
                && d.exit_gate_open()
                && d.o.unreachable.is_empty()
                && clock::out_of_development(d).is_none()
                && exclusive::held(d).is_empty()
            {
                development::enter_staging(d);
            }
        }
        Phase::Staging => {
            if all_repos(d, RepoState::Staged)
                && tiers::all_passed(d, TierPhase::Staging)
                && clock::out_of_staging(d).is_none()
            {
                d.set_phase(
                    Phase::Validation,
                    "convoy",
                    "every staging branch holds its RC head and the staging tiers passed",
                );
            }
        }
        Phase::Validation => {
            if !all_repos(d, RepoState::Staged) {
                d.set_phase(
                    Phase::Staging,
                    "convoy",
                    "an RC branch moved after staging; promoting it again",
                );
            } else if tiers::all_passed(d, TierPhase::Staging)
                && tiers::all_passed(d, TierPhase::Validation)
            {
                ship_reviews::open_gate(d);
                if d.exit_gate_open()
                    && d.o.unreachable.is_empty()
                    && clock::out_of_validation(d).is_none()
                {
                    d.set_phase(
                        Phase::Shipping,
                        "convoy",
                        "every required tier passed on the staged SHAs",
                    );
                }
            }
        }
        Phase::Shipping => {
            if promotion::partial_ship_rollback(d) {
                // Undo planning takes over.
            } else if d.m.repos.iter().all(|r| r.state == RepoState::Shipped) {
                d.set_phase(
                    Phase::Shipped,
                    "convoy",
                    "every repo merged, tagged and released",
                );
            }
        }
        Phase::Shipped | Phase::Aborted | Phase::RolledBack => {}
    }
    d.m.phase != before
}

/// Plans the actions of the current phase.
pub(super) fn plan(d: &mut Draft<'_>) {
    match d.m.phase {
        Phase::Planning => {
            if d.exit_gate_is_human() {
                d.wait(
                    Owner::Human,
                    "an approver to approve the plan: `/convoy approve`",
                );
            }
        }
        Phase::Development => development::plan_development(d),
        Phase::Staging => {
            promotion::plan_staging(d);
            if all_repos(d, RepoState::Staged) {
                tiers::plan(d, TierPhase::Staging);
                if tiers::all_passed(d, TierPhase::Staging)
                    && let Some(hold) = clock::out_of_staging(d)
                {
                    clock::wait(d, hold);
                }
            }
        }
        Phase::Validation => {
            // A staging head that moved during validation invalidates the staging tiers too.
            tiers::plan(d, TierPhase::Staging);
            tiers::plan(d, TierPhase::Validation);
            if tiers::all_passed(d, TierPhase::Validation)
                && !d.exit_gate_open()
                && !ship_reviews::plan(d)
            {
                d.wait(
                    Owner::Human,
                    "an approver to approve shipping: `/convoy ship` or `/convoy approve`",
                );
            }
            if all_repos(d, RepoState::Staged)
                && tiers::all_passed(d, TierPhase::Staging)
                && tiers::all_passed(d, TierPhase::Validation)
                && let Some(hold) = clock::out_of_validation(d)
            {
                clock::wait(d, hold);
            }
        }
        Phase::Shipping => promotion::plan_shipping(d),
        Phase::Shipped => {}
        Phase::Aborted | Phase::RolledBack => undo::plan_undo(d),
    }
}

/// A commit status description within GitHub's 140 characters, cut with `…` when longer: GitHub
/// refuses a longer one (422 "description is too long (maximum is 140 characters)"), and a
/// refused status would be sent again on every run.
pub(super) fn status_line(text: &str) -> String {
    const MAX: usize = 140;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(MAX - 1).collect();
        cut.push('…');
        cut
    }
}

pub(super) fn all_repos(d: &Draft<'_>, state: RepoState) -> bool {
    d.m.repos.iter().all(|r| r.state == state)
}

fn sync_tracking_issue(d: &mut Draft<'_>) {
    if d.m.tracking_issue.is_none()
        && let Some(issue) =
            d.o.issue_with_marker(&d.m.control_repo, &Marker::Release(d.m.id.clone()))
    {
        d.m.tracking_issue = Some(issue.number);
    }
}

/// Keeps the tracking issue's body equal to the release's current report; once the release has
/// ended and nothing is left to do, posts the final summary and closes the issue.
pub(super) fn plan_tracking_issue(d: &mut Draft<'_>) {
    // Settled: nothing but the dashboard left to do, and nobody to wait for.
    let settled = !d.m.phase.is_active()
        && d.waits.is_empty()
        && d.live_escalations.is_empty()
        && d.actions
            .iter()
            .all(|a| matches!(a.action, Action::RemoveLabel { .. } | Action::React { .. }));
    let body = tracking::tracking_body(&d.m, &d.waits, d.now, &d.o.web);
    let title = tracking::tracking_title(&d.m);
    let upsert = d.act(
        Action::UpsertTrackingIssue {
            repo: d.m.control_repo.clone(),
            number: d.m.tracking_issue,
            title,
            body,
        },
        "keep the tracking issue current",
        vec![],
    );
    let (true, Some(issue), Some(text)) = (
        settled,
        d.m.tracking_issue,
        tracking::final_comment(&d.m, d.now, &d.o.web),
    ) else {
        return;
    };
    let control = d.m.control_repo.clone();
    // Planned once, in the decision that records it as planned: that decision changes the
    // manifest, so of two runs at once only the one whose write lands posts the summary.
    let comment = if d.m.summed_up {
        None
    } else {
        d.m.summed_up = true;
        d.act(
            Action::Comment {
                repo: control.clone(),
                issue,
                marker: Marker::Ended(d.m.phase).content(),
                body: text,
            },
            "sum the release up",
            upsert.into_iter().collect(),
        )
    };
    let reason = if d.m.phase == Phase::Shipped {
        CloseReason::Completed
    } else {
        CloseReason::NotPlanned
    };
    d.act(
        Action::CloseIssue {
            repo: control,
            issue,
            reason,
        },
        "the release has ended",
        upsert.into_iter().chain(comment).collect(),
    );
    close_shipped_tasks(d);
}

/// A shipped release closes its merged tasks' issues as completed: their pull requests went
/// into the RC branch, where GitHub's closing keywords (`Closes #12`) do nothing, and an issue
/// left open would be gathered again by the next release of the same sprint.
fn close_shipped_tasks(d: &mut Draft<'_>) {
    if d.m.phase != Phase::Shipped {
        return;
    }
    let issues: Vec<(RepoName, IssueNumber)> =
        d.m.tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Merged)
            .map(|t| (t.issue.repo().clone(), t.issue.number()))
            .collect();
    let why = format!("release {} shipped it", d.m.id);
    for (repo, issue) in issues {
        d.act(
            Action::CloseIssue {
                repo,
                issue,
                reason: CloseReason::Completed,
            },
            why.clone(),
            vec![],
        );
    }
}
