//! Milestone changes on task issues. A release's tasks are the issues of its sprints
//! (`sprints`, milestone titles), so an issue that leaves them leaves the release:
//!
//! - demilestoned from one of the sprints, milestoned into a milestone that is not one of them,
//!   or found in no milestone (a forwarded hint read from GitHub) → its task is deferred, exactly as `/convoy defer` would (a merged task is reverted on
//!   the RC branch; an open pull request gets a failing `convoy/release` status and a comment);
//! - milestoned into one of the sprints while not yet a task → it becomes a planned task;
//! - demilestoned by a payload that names no milestone (GitHub Enterprise Server): the runner
//!   reads the issue and passes its milestone now ([`IssueChange::MilestoneRead`]), judged as a
//!   move into that milestone, or out of every sprint when it has none;
//! - after development, a milestone change changes nothing and is only noted.

use super::deferral::defer;
use crate::lifecycle::draft::Draft;
use crate::model::history::HistoryEvent;
use crate::model::ids::{IssueRef, Login, RepoName};
use crate::model::manifest::{Phase, ReleaseTask, TaskRole, TaskStatus};
use crate::model::numbers::IssueNumber;
use crate::signal::IssueChange;

/// Applies a milestone change on `repo#number`, made by `actor` (when known).
pub(super) fn apply(
    d: &mut Draft<'_>,
    repo: &RepoName,
    number: IssueNumber,
    change: &IssueChange,
    actor: Option<&Login>,
) {
    let (leaves, joins, reason) = match change {
        IssueChange::Demilestoned { milestone } => (
            d.m.sprints.contains(milestone),
            false,
            format!("moved out of {milestone}"),
        ),
        IssueChange::Milestoned { milestone }
        | IssueChange::MilestoneRead {
            milestone: Some(milestone),
        } => {
            let sprint = d.m.sprints.contains(milestone);
            (
                !sprint && !d.m.sprints.is_empty(),
                sprint,
                format!("moved to {milestone}"),
            )
        }
        // Read from GitHub: in no milestone now, so in none of the sprints.
        IssueChange::MilestoneRead { milestone: None } => (
            !d.m.sprints.is_empty(),
            false,
            "moved out of its milestone".to_owned(),
        ),
        IssueChange::DemilestonedUnnamed => {
            if d.m.task(&IssueRef::new(repo.clone(), number)).is_some() {
                d.notes.push(format!(
                    "{repo}#{number} was taken out of a milestone the event does not name, and its milestone now was not read from GitHub; its task is left as it is"
                ));
            }
            return;
        }
        IssueChange::Edited => return,
    };
    let issue = IssueRef::new(repo.clone(), number);
    let who = actor.map_or("convoy", Login::as_str).to_owned();
    let developing = matches!(d.m.phase, Phase::Planning | Phase::Development);
    let task = d.m.task(&issue).map(|t| t.status);
    match task {
        Some(status) if leaves => {
            if matches!(status, TaskStatus::Deferred | TaskStatus::Dropped) {
                return;
            }
            if !developing {
                note_too_late(d, &issue, &reason);
                return;
            }
            // `defer` refuses only an issue that is no task, and this one is.
            if let Ok(Some(detail)) = defer(d, &issue) {
                d.log(
                    &who,
                    HistoryEvent::TaskDeferred,
                    None,
                    None,
                    format!("{detail}: {reason} (milestone change on {issue})"),
                );
            }
        }
        None if joins => {
            if !developing {
                note_too_late(d, &issue, &reason);
                return;
            }
            if d.m.repo(repo).is_none() {
                d.notes.push(format!(
                    "{issue} was {reason}, but {repo} is not a member repo of release {}; it is not added",
                    d.m.id
                ));
                return;
            }
            let order = d.m.tasks.iter().map(|t| t.order).max().unwrap_or(0) + 1;
            d.m.tasks.push(ReleaseTask {
                issue: issue.clone(),
                repo: repo.clone(),
                title: None,
                pull_requests: Vec::new(),
                role: TaskRole::Feature,
                order,
                status: TaskStatus::Planned,
                depends_on: Vec::new(),
                carried_from: None,
            });
            d.log(
                &who,
                HistoryEvent::TaskAdded,
                None,
                None,
                format!("added {issue}: {reason} (milestone change on {issue})"),
            );
        }
        _ => {}
    }
}

fn note_too_late(d: &mut Draft<'_>, issue: &IssueRef, reason: &str) {
    d.notes.push(format!(
        "{issue} was {reason}, but release {} is in {}: after development a milestone change does not change the release's tasks (`/convoy abort` stops it)",
        d.m.id,
        d.m.phase.as_str()
    ));
}
