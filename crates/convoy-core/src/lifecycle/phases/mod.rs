//! Per-phase facts, transitions and actions.
//!
//! `sync` reads what GitHub showed into the manifest (which repos are staged, shipped, …);
//! `advance` takes one step along the lifecycle when the exit criteria hold and the gate is open
//! (the gate out of each phase comes from the table: `table::gate_out_of`); `plan` lists the
//! actions of the phase reached.

mod carry;
mod development;
mod exclusive;
mod promotion;
mod protected;
mod undo;

pub use carry::RELEASE_CONTEXT;

use super::action::Action;
use super::draft::Draft;
use super::markdown;
use super::table::Owner;
use super::tiers;
use crate::model::config::TierPhase;
use crate::model::manifest::{Phase, RepoState};
use crate::model::marker::Marker;
/// Absorbs the facts the current phase depends on.
pub(super) fn sync(d: &mut Draft<'_>) {
    sync_tracking_issue(d);
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
            if development::development_done(d)
                && d.exit_gate_open()
                && exclusive::held(d).is_empty()
            {
                development::enter_staging(d);
            }
        }
        Phase::Staging => {
            if all_repos(d, RepoState::Staged) && tiers::all_passed(d, TierPhase::Staging) {
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
                && d.exit_gate_open()
            {
                d.set_phase(
                    Phase::Shipping,
                    "convoy",
                    "every required tier passed on the staged SHAs",
                );
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
            }
        }
        Phase::Validation => {
            // A staging head that moved during validation invalidates the staging tiers too.
            tiers::plan(d, TierPhase::Staging);
            tiers::plan(d, TierPhase::Validation);
            if tiers::all_passed(d, TierPhase::Validation) && !d.exit_gate_open() {
                d.wait(
                    Owner::Human,
                    "an approver to approve shipping: `/convoy ship` or `/convoy approve`",
                );
            }
        }
        Phase::Shipping => promotion::plan_shipping(d),
        Phase::Shipped => {}
        Phase::Aborted | Phase::RolledBack => undo::plan_undo(d),
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

/// Keeps the tracking issue's body equal to the release's current report.
pub(super) fn plan_tracking_issue(d: &mut Draft<'_>) {
    let body = markdown::tracking_body(&d.m, &d.waits);
    let title = markdown::tracking_title(&d.m);
    d.act(
        Action::UpsertTrackingIssue {
            repo: d.m.control_repo.clone(),
            number: d.m.tracking_issue,
            title,
            body,
        },
        "keep the tracking issue current",
        vec![],
    );
}
