//! Deferring a task (`/convoy defer owner/repo#N`, or a milestone change that takes the task out
//! of the release's sprints).

use crate::lifecycle::draft::Draft;
use crate::model::ids::IssueRef;
use crate::model::manifest::{Phase, TaskStatus};

/// Defers the task of `issue`: an unmerged task simply leaves the release; a merged one is
/// reverted on the RC branch by the development phase. Deferring a deferred or dropped task
/// changes nothing (`Ok(None)`); outside planning and development it is refused.
pub(super) fn defer(d: &mut Draft<'_>, issue: &IssueRef) -> Result<Option<String>, String> {
    if !matches!(d.m.phase, Phase::Planning | Phase::Development) {
        return Err(format!(
            "tasks can be deferred during planning and development; the release is in {}",
            d.m.phase.as_str()
        ));
    }
    let Some(i) = d.m.tasks.iter().position(|t| &t.issue == issue) else {
        return Err(format!("{issue} is not a task of release {}", d.m.id));
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
