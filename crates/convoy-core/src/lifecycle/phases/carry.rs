//! Deferred and carried-over tasks' pull requests during development.
//!
//! - A deferred task whose pull request into the RC branch is still open: the pull request's
//!   head gets a failing `convoy/release` status and the pull request a comment saying what to
//!   do (merged ones are reverted instead: `development::plan_deferral_reverts`).
//! - A task carried over from an earlier release (`create carry_over=<id>`): once this
//!   release's RC branch exists, its open pull requests into the earlier release's RC branch are
//!   retargeted to this one's, and their `convoy/release` status says they are back in a release.

use crate::lifecycle::action::Action;
use crate::lifecycle::draft::Draft;
use crate::lifecycle::observed::{ObservedPull, StatusState};
use crate::model::manifest::{ReleaseTask, TaskStatus};
use crate::model::marker::Marker;

/// The status context convoy uses for a pull request's standing in a release.
pub const RELEASE_CONTEXT: &str = "convoy/release";

fn open_pulls_into(
    d: &Draft<'_>,
    task: &ReleaseTask,
    base: &crate::model::ids::BranchName,
) -> Vec<ObservedPull> {
    d.o.open_task_pulls(task, base)
        .into_iter()
        .cloned()
        .collect()
}

/// A failing `convoy/release` status and a comment on every open pull request of a deferred
/// task into this release's RC branch.
pub(super) fn plan_deferral_notices(d: &mut Draft<'_>) {
    for task in d.m.tasks.clone() {
        if task.status != TaskStatus::Deferred {
            continue;
        }
        let Some(rc) = d.m.repo(&task.repo).map(|r| r.rc_branch.clone()) else {
            continue;
        };
        for pr in open_pulls_into(d, &task, &rc) {
            let id = d.m.id.clone();
            d.act(
                Action::SetCommitStatus {
                    repo: task.repo.clone(),
                    sha: pr.head_sha.clone(),
                    context: RELEASE_CONTEXT.to_owned(),
                    state: StatusState::Failure,
                    description: super::status_line(&format!("deferred from release {id}")),
                },
                format!(
                    "{} was deferred: keep {}#{} out of {rc}",
                    task.issue, task.repo, pr.number
                ),
                vec![],
            );
            let marker = Marker::Deferred {
                release: id.clone(),
                pull: pr.number,
            };
            let body = format!(
                "{marker}\n{issue} was deferred from release {id}: this pull request will not ship with it, so do not merge it into `{rc}`.\n\nIt stays open. When the next release is created with `carry_over={id}`, {issue} is carried over and this pull request is retargeted to that release's RC branch. To drop the work instead, close it.",
                issue = task.issue
            );
            d.act(
                Action::Comment {
                    repo: task.repo.clone(),
                    issue: pr.number.into(),
                    marker: marker.content(),
                    body,
                },
                format!(
                    "tell {}#{} that its task was deferred",
                    task.repo, pr.number
                ),
                vec![],
            );
        }
    }
}

/// Retargets the open pull requests of carried-over tasks to this release's RC branch once it
/// exists, and clears the earlier release's failing `convoy/release` status on them.
pub(super) fn plan_retargets(d: &mut Draft<'_>) {
    for task in d.m.tasks.clone() {
        let Some(from) = task.carried_from.clone() else {
            continue;
        };
        if task.status.is_settled() {
            continue;
        }
        let Some(rc) = d.m.repo(&task.repo).map(|r| r.rc_branch.clone()) else {
            continue;
        };
        if rc == from.rc_branch || d.o.head(&task.repo, &rc).is_none() {
            continue;
        }
        for pr in open_pulls_into(d, &task, &from.rc_branch) {
            d.act(
                Action::RetargetPullRequest {
                    repo: task.repo.clone(),
                    number: pr.number,
                    base: rc.clone(),
                },
                format!(
                    "{} was carried over from release {}: move {}#{} from {} to {rc}",
                    task.issue, from.release, task.repo, pr.number, from.rc_branch
                ),
                vec![],
            );
        }
        for pr in open_pulls_into(d, &task, &rc) {
            let failing = d.o.statuses.iter().any(|s| {
                s.repo == task.repo
                    && s.sha == pr.head_sha
                    && s.context == RELEASE_CONTEXT
                    && s.state == StatusState::Failure
            });
            if !failing {
                continue;
            }
            d.act(
                Action::SetCommitStatus {
                    repo: task.repo.clone(),
                    sha: pr.head_sha.clone(),
                    context: RELEASE_CONTEXT.to_owned(),
                    state: StatusState::Success,
                    description: super::status_line(&format!(
                        "carried over from release {} into release {}",
                        from.release, d.m.id
                    )),
                },
                format!("{}#{} is back in a release", task.repo, pr.number),
                vec![],
            );
        }
    }
}
