//! Deferring a task (`/convoy defer owner/repo#N`, or a milestone change that takes the task out
//! of the release's sprints).

use super::refusal::Refusal;
use crate::lifecycle::draft::Draft;
use crate::model::ids::IssueRef;
use crate::model::manifest::TaskStatus;

/// Defers the task of `issue`: an unmerged task simply leaves the release; a merged one is
/// reverted on the RC branch by the development phase. Deferring a deferred or dropped task
/// changes nothing (`Ok(None)`). The command table accepts it during planning and development
/// only.
pub(super) fn defer(d: &mut Draft<'_>, issue: &IssueRef) -> Result<Option<String>, Refusal> {
    let Some(i) = d.m.tasks.iter().position(|t| &t.issue == issue) else {
        return Err(Refusal::NotATask {
            task: issue.clone(),
            release: d.m.id.clone(),
        });
    };
    let task = d.m.tasks[i].clone();
    match task.status {
        TaskStatus::Deferred | TaskStatus::Dropped => Ok(None),
        TaskStatus::Merged => {
            // The revert pull request on the RC branch is planned by the development phase on
            // every run until it merged (see `phases::plan_deferral_reverts`).
            let rc =
                d.m.repo(&task.repo)
                    .map(|r| r.rc_branch.to_string())
                    .unwrap_or_default();
            d.m.tasks[i].status = TaskStatus::Deferred;
            Ok(Some(format!(
                "deferred {issue}; its merge is reverted on {rc}"
            )))
        }
        _ => {
            d.m.tasks[i].status = TaskStatus::Deferred;
            Ok(Some(format!("deferred {issue}")))
        }
    }
}
