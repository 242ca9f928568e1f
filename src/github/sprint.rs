//! Gathering a release's tasks from its sprints: the issues of the config's sprint milestones,
//! in every member repo, each with a role read from its labels.

use super::client::{GhError, GitHub};
use super::rest::issues::Issue;
use crate::model::config::Config;
use crate::model::ids::IssueRef;
use crate::model::manifest::{ReleaseTask, TaskRole, TaskStatus};

/// Issues of the config's sprint milestones, in every member repo, as tasks.
pub async fn gather_sprint_tasks(
    gh: &GitHub,
    config: &Config,
) -> Result<Vec<ReleaseTask>, GhError> {
    if config.sprints.is_empty() {
        return Ok(Vec::new());
    }
    let mut tasks = Vec::new();
    for repo in &config.repos {
        let api = gh.repo(&repo.name);
        for m in api.milestones().await? {
            let title = m.title.as_deref().unwrap_or_default();
            let Some(number) = m.number else {
                continue;
            };
            if !config.sprints.iter().any(|s| s == title) {
                continue;
            }
            let issues = api.milestone_issues(number).await?;
            for i in issues.iter().filter(|i| !i.is_pull_request) {
                let Some(n) = i.number else {
                    continue;
                };
                tasks.push(ReleaseTask {
                    issue: IssueRef::new(repo.name.clone(), n),
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
    Ok(tasks)
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
