//! `reviews.approve_ship`: approving reviews on the staging → base pull requests as the ship gate.
//!
//! Where the ship gate waits for a person (`careful`) and the config sets
//! `reviews.approve_ship`, convoy opens every repo's staging → base pull request as soon as the
//! validation tiers passed, instead of when shipping begins. An approving review from an
//! approver (listed in `approvers.users`, or holding `approvers.min_permission` on the control
//! repo) on every one of them, on the staged head, opens the gate as `/convoy ship` would; the
//! approval is recorded with the reviews it came from. `/convoy ship` still works. A review on
//! an older head counts for nothing: evidence stays bound to the SHAs that ship.

use crate::lifecycle::action::Action;
use crate::lifecycle::draft::Draft;
use crate::lifecycle::markdown;
use crate::lifecycle::observed::ObservedPull;
use crate::lifecycle::table::Owner;
use crate::model::config::Permission;
use crate::model::history::HistoryEvent;
use crate::model::ids::{Login, Sha};
use crate::model::manifest::{Approval, Gate, Phase};
use crate::model::marker::Marker;

/// Whether approving reviews can open the ship gate now: the option is set, the release is in
/// validation and its ship gate waits for a person.
fn active(d: &Draft<'_>) -> bool {
    d.m.policy.reviews.approve_ship
        && d.m.phase == Phase::Validation
        && d.exit_gate_is_human()
        && !d.exit_gate_open()
}

/// Whether `login` may approve gates: listed, or holding the approvers' minimum permission on
/// the control repo (as observed this run).
fn is_approver(d: &Draft<'_>, login: &Login) -> bool {
    let permission = d.o.permission(login).unwrap_or(Permission::None);
    d.m.policy.approvers.admits(login, permission)
}

/// The approver whose approving review stands on `pr` at `staged`, if any.
fn approved_by<'a>(d: &Draft<'_>, pr: &'a ObservedPull, staged: &Sha) -> Option<&'a Login> {
    if &pr.head_sha != staged {
        return None;
    }
    pr.approvals
        .iter()
        .find(|a| &a.commit == staged && is_approver(d, &a.by))
        .map(|a| &a.by)
}

/// Plans, once the validation tiers passed and the ship gate is closed: the staging → base pull
/// requests that are missing, and the wait naming the ones still to approve. Returns whether it
/// took over the gate's wait (the option is active).
pub(super) fn plan(d: &mut Draft<'_>) -> bool {
    if !active(d) {
        return false;
    }
    let mut pending = Vec::new();
    for r in d.m.repos.clone() {
        let Some(staged) = r.shas.staged.clone() else {
            continue;
        };
        match d.o.open_pull(&r.name, &r.staging, &r.base).cloned() {
            None => {
                let marker = Marker::Release(d.m.id.clone());
                let body = format!(
                    "{marker}\n\nRelease **{}**: promotes `{}` ({}) to `{}`. Opened by convoy for review: an approving review from an approver on this head (and on the other repositories' pull requests of the release) approves shipping. convoy then merges it itself, pinned to the validated SHA.",
                    markdown::escape(&d.m.title),
                    r.staging,
                    staged.short(),
                    r.base
                );
                d.act(
                    Action::OpenPullRequest {
                        repo: r.name.clone(),
                        head: r.staging.clone(),
                        base: r.base.clone(),
                        title: format!("convoy {}: promote {} to {}", d.m.id, r.staging, r.base),
                        body,
                    },
                    format!(
                        "open {}'s {} → {} pull request for review",
                        r.name, r.staging, r.base
                    ),
                    vec![],
                );
                pending.push(format!(
                    "{}'s {} → {} pull request",
                    r.name, r.staging, r.base
                ));
            }
            Some(pr) => {
                if approved_by(d, &pr, &staged).is_none() {
                    pending.push(format!("{}#{} at {}", r.name, pr.number, staged.short()));
                }
            }
        }
    }
    d.wait(
        Owner::Human,
        format!(
            "an approver to approve {} with an approving review (`reviews.approve_ship`), or to approve shipping: `/convoy ship`",
            if pending.is_empty() {
                "the release pull requests".to_owned()
            } else {
                pending.join(", ")
            }
        ),
    );
    true
}

/// Opens the ship gate when every repo's staging → base pull request carries an approver's
/// approving review on its staged head, recording the approval and the reviews it came from.
pub(super) fn open_gate(d: &mut Draft<'_>) {
    if !active(d) || d.m.repos.is_empty() {
        return;
    }
    let mut reviews: Vec<(String, Login)> = Vec::new();
    for r in &d.m.repos {
        let Some(staged) = &r.shas.staged else { return };
        let Some(pr) = d.o.open_pull(&r.name, &r.staging, &r.base) else {
            return;
        };
        let Some(by) = approved_by(d, pr, staged) else {
            return;
        };
        reviews.push((format!("{}#{}", r.name, pr.number), by.clone()));
    }
    let Some((_, first)) = reviews.first().cloned() else {
        return;
    };
    let via = format!(
        "approving reviews: {}",
        reviews
            .iter()
            .map(|(pr, by)| format!("{pr} by {by}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    d.m.approvals.push(Approval {
        gate: Gate::Ship,
        by: first.clone(),
        at: d.now,
        via: via.clone(),
    });
    d.log(
        first.as_str(),
        HistoryEvent::ReviewsApproved,
        None,
        None,
        format!("the ship gate opened by {via}"),
    );
}
