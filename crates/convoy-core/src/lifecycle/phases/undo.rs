//! Abort and rollback: close promotion pull requests, reset staging, revert what shipped.

use crate::lifecycle::action::Action;
use crate::lifecycle::draft::Draft;
use crate::lifecycle::observed::PullState;
use crate::model::history::HistoryEvent;
use crate::model::ids::BranchName;
use crate::model::manifest::{Phase, RepoState};

/// Aborted or rolled back: close promotion PRs, reset staging, revert what shipped.
pub(super) fn plan_undo(d: &mut Draft<'_>) {
    let mut previous: Option<usize> = None;
    for name in d.graph.rollback_order() {
        let Some(r) = d.m.repo(&name).cloned() else {
            continue;
        };
        for (head, base) in [(&r.rc_branch, &r.staging), (&r.staging, &r.base)] {
            if let Some(pr) = d.o.open_pull(&r.name, head, base) {
                let number = pr.number;
                d.act(
                    Action::ClosePullRequest {
                        repo: r.name.clone(),
                        number,
                    },
                    format!("the release stopped; close {}#{number}", r.name),
                    vec![],
                );
            }
        }
        if let Some(shipped) = r.shas.shipped.clone() {
            let revert = revert_branch(&d.m.id);
            if r.state == RepoState::Reverted && d.o.head(&r.name, &revert).is_some() {
                d.act(
                    Action::DeleteBranch {
                        repo: r.name.clone(),
                        branch: revert,
                    },
                    format!(
                        "the revert of {} merged; its branch is no longer needed",
                        r.name
                    ),
                    vec![],
                );
            } else if d.m.phase == Phase::RolledBack && r.state != RepoState::Reverted {
                let id = d.act(
                    Action::RevertMerge {
                        repo: r.name.clone(),
                        branch: r.base.clone(),
                        merge_sha: shipped,
                        revert_branch: revert_branch(&d.m.id),
                        title: format!("convoy {}: revert the release on {}", d.m.id, r.base),
                        landed: super::methods::landed(d, &r),
                        method: d.m.merge_method(&r),
                    },
                    format!("roll back {} in reverse dependency order", r.name),
                    previous.into_iter().collect(),
                );
                previous = id.or(previous);
            }
        } else if let Some(before) = r.shas.staging_before.clone() {
            d.act(
                Action::UpdateBranch {
                    repo: r.name.clone(),
                    branch: r.staging.clone(),
                    sha: before.clone(),
                    force: true,
                },
                format!(
                    "reset {} {} to {} (its head before the release)",
                    r.name,
                    r.staging,
                    before.short()
                ),
                vec![],
            );
        }
    }
}

pub(super) fn sync_reverts(d: &mut Draft<'_>) {
    if d.m.phase != Phase::RolledBack {
        return;
    }
    let branch = revert_branch(&d.m.id);
    for i in 0..d.m.repos.len() {
        let r = &d.m.repos[i];
        if r.shas.shipped.is_some()
            && r.state != RepoState::Reverted
            && d.o
                .pulls_between(&r.name, &branch, &r.base)
                .any(|p| p.state == PullState::Merged)
        {
            let name = r.name.clone();
            d.m.repos[i].state = RepoState::Reverted;
            d.log(
                "convoy",
                HistoryEvent::RepoReverted,
                None,
                None,
                format!("{name}: the release was reverted"),
            );
        }
    }
}

/// The branch revert pull requests of a release come from.
pub fn revert_branch(id: &crate::model::ids::ReleaseId) -> BranchName {
    BranchName::parse(&format!("convoy/revert-{id}"))
        .unwrap_or_else(|_| unreachable!("a release id is a safe ref component"))
}
