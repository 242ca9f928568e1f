//! Gathering a release's tasks from its sprints: the issues of the sprints' milestones, in every
//! member repo, each with a role read from its labels.
//!
//! Only open issues are planned work. A closed issue is left out whatever its `state_reason`:
//! closed as completed, its work already landed (it shipped with an earlier release, or went
//! straight to the base branch, which the RC branch is cut from); closed as not planned or as a
//! duplicate, there is no work. The release's history names the issues left out.
//!
//! Also here: reading the milestone an issue holds now, for an `issues` `demilestoned` event that
//! does not name the milestone it left ([`read_unnamed_milestone`]).

use super::client::{GhError, GitHub};
use super::rest::issues::Issue;
use super::tokens::Reach;
use crate::model::config::Config;
use crate::model::create::{CloseReason, ClosedIssue};
use crate::model::ids::IssueRef;
use crate::model::manifest::{ReleaseTask, TaskRole, TaskStatus};
use crate::signal::{IssueChange, Signal};

/// For an issue taken out of a milestone the event does not name
/// ([`IssueChange::DemilestonedUnnamed`]: GitHub Enterprise Server's `demilestoned`), the signal
/// with the milestone the issue holds now, read from GitHub with one request
/// ([`IssueChange::MilestoneRead`]); every release that holds the issue as a task then judges
/// it against its sprints. `None` for every other signal, and for an issue GitHub no longer
/// has (the signal then stays as it came, and `decide` notes it).
pub async fn read_unnamed_milestone(
    gh: &GitHub,
    signal: &Signal,
) -> Result<Option<Signal>, GhError> {
    let Signal::Issue {
        repo,
        number,
        change: IssueChange::DemilestonedUnnamed,
        actor,
    } = signal
    else {
        return Ok(None);
    };
    let Some(issue) = gh.repo(repo).issue(*number).await? else {
        return Ok(None);
    };
    Ok(Some(Signal::Issue {
        repo: repo.clone(),
        number: *number,
        change: IssueChange::MilestoneRead {
            milestone: issue.milestone.and_then(|m| m.title),
        },
        actor: actor.clone(),
    }))
}

/// What the sprints' milestones hold for a new release.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    /// Their open issues, as planned tasks.
    pub tasks: Vec<ReleaseTask>,
    /// Their closed issues, left out.
    pub left_out: Vec<ClosedIssue>,
    /// The sprints that no member repo has a milestone for, in the order given.
    pub missing: Vec<String>,
}

/// The issues of the milestones titled `sprints` (exactly), in every member repo of `config`
/// convoy can see: open ones as planned tasks, closed ones left out.
pub async fn gather_sprint_tasks(
    gh: &GitHub,
    config: &Config,
    sprints: &[String],
) -> Result<Gathered, GhError> {
    let mut out = Gathered::default();
    if sprints.is_empty() {
        return Ok(out);
    }
    let mut found: Vec<&str> = Vec::new();
    for repo in &config.repos {
        let api = gh.repo(&repo.name);
        // A repo convoy cannot see gives no tasks now; the release reports it (and waits for the
        // fix) from its first run on.
        if matches!(
            gh.reach(&repo.name).await?,
            Reach::NotInstalled | Reach::NotSelected
        ) {
            tracing::warn!(
                "{}: out of reach; its sprint issues are not read",
                repo.name
            );
            continue;
        }
        let milestones = match api.milestones().await {
            Err(GhError::NotFound { .. }) => {
                tracing::warn!(
                    "{}: not found (404); its sprint issues are not read",
                    repo.name
                );
                continue;
            }
            other => other?,
        };
        for m in milestones {
            let title = m.title.as_deref().unwrap_or_default();
            let Some(number) = m.number else {
                continue;
            };
            let Some(sprint) = sprints.iter().find(|s| *s == title) else {
                continue;
            };
            if !found.contains(&sprint.as_str()) {
                found.push(sprint);
            }
            let issues = api.milestone_issues(number).await?;
            for i in issues.iter().filter(|i| !i.is_pull_request) {
                let Some(n) = i.number else {
                    continue;
                };
                let issue = IssueRef::new(repo.name.clone(), n);
                if i.state.as_deref() == Some("closed") {
                    out.left_out.push(ClosedIssue {
                        issue,
                        reason: CloseReason::from_state_reason(i.state_reason.as_deref()),
                    });
                    continue;
                }
                out.tasks.push(ReleaseTask {
                    issue,
                    repo: repo.name.clone(),
                    title: i.title.clone(),
                    pull_requests: Vec::new(),
                    role: role_from_labels(i),
                    order: 0,
                    status: TaskStatus::Planned,
                    depends_on: Vec::new(),
                    carried_from: None,
                });
            }
        }
    }
    out.missing = sprints
        .iter()
        .filter(|s| !found.contains(&s.as_str()))
        .cloned()
        .collect();
    Ok(out)
}

/// A task's role from its issue's labels (the names of label objects, in any case): `bug` or
/// `fix` → fix, `migration`, `docs` or `documentation` → docs, `chore`; else a feature.
pub fn role_from_labels(issue: &Issue) -> TaskRole {
    let labels: Vec<&str> = issue
        .labels
        .iter()
        .filter_map(|l| l.name.as_deref())
        .collect();
    let has = |w: &str| labels.iter().any(|l| l.eq_ignore_ascii_case(w));
    if has("bug") || has("fix") {
        TaskRole::Fix
    } else if has("migration") {
        TaskRole::Migration
    } else if has("docs") || has("documentation") {
        TaskRole::Docs
    } else if has("chore") {
        TaskRole::Chore
    } else {
        TaskRole::Feature
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issue(labels: serde_json::Value) -> Issue {
        crate::github::rest::de::object(json!({"number": 1, "labels": labels}))
    }

    #[test]
    fn roles_come_from_label_objects() {
        assert_eq!(
            role_from_labels(&issue(json!([{"name": "Bug"}]))),
            TaskRole::Fix
        );
        assert_eq!(
            role_from_labels(&issue(json!([{"name": "migration"}]))),
            TaskRole::Migration
        );
        assert_eq!(
            role_from_labels(&issue(json!([{"name": "documentation"}]))),
            TaskRole::Docs
        );
        assert_eq!(
            role_from_labels(&issue(json!([{"name": "chore"}]))),
            TaskRole::Chore
        );
        assert_eq!(role_from_labels(&issue(json!(["bug"]))), TaskRole::Feature);
        assert_eq!(role_from_labels(&issue(json!(null))), TaskRole::Feature);
    }
}
