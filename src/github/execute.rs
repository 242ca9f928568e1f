//! The executor: carries out planned actions, each idempotently — it looks for the action's
//! effect first and acts only when the effect is missing, so a crash, a duplicated event or a
//! re-run converges instead of duplicating work.
//!
//! Actions run in plan order; an action whose `after` actions did not succeed is skipped (a repo
//! never merges before its dependencies). A failed action does not stop the others: the next run
//! plans it again.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::client::{GhError, GitHub};
use super::observe::{TRACKING_LABEL, comment_markers, parse_issue, parse_pull, parse_run};
use super::path;
use super::revert::{Revert, revert_merge};
use crate::lifecycle::action::{Action, ActionOutcome, Executed, PlannedAction};
use crate::model::ids::{BranchName, RepoName, Sha};

/// Runs `actions`; with `dry_run`, only reports what would be done.
pub async fn execute(gh: &GitHub, actions: &[PlannedAction], dry_run: bool) -> Vec<Executed> {
    let mut done: BTreeMap<usize, bool> = BTreeMap::new();
    let mut out = Vec::with_capacity(actions.len());
    for planned in actions {
        let blocked: Vec<usize> = planned
            .after
            .iter()
            .copied()
            .filter(|id| done.get(id) != Some(&true))
            .collect();
        let outcome = if dry_run {
            ActionOutcome::Skipped {
                reason: "dry run".to_owned(),
            }
        } else if !blocked.is_empty() {
            let ids: Vec<String> = blocked.iter().map(|i| format!("#{i}")).collect();
            ActionOutcome::Skipped {
                reason: format!("waits for {} which did not succeed", ids.join(", ")),
            }
        } else {
            match run(gh, &planned.action).await {
                Ok(o) => o,
                Err(e) => ActionOutcome::Failed {
                    error: e.to_string(),
                },
            }
        };
        let ok = matches!(
            outcome,
            ActionOutcome::Done { .. } | ActionOutcome::AlreadyDone
        );
        match &outcome {
            // One line: an error that quotes GitHub or people must not start a line of the log
            // with `::`, which the runner would read as a workflow command.
            ActionOutcome::Failed { error } => tracing::warn!(
                "{} {}: {}",
                planned.action.kind(),
                planned.action.target(),
                error.replace(['\r', '\n'], " ")
            ),
            other => tracing::info!(
                "{} {}: {other:?}",
                planned.action.kind(),
                planned.action.target()
            ),
        }
        done.insert(planned.id, ok);
        out.push(Executed {
            planned: planned.clone(),
            outcome,
        });
    }
    out
}

/// GitHub's 405 on a merge: a required check that has not reported yet (or is still running)
/// means "not yet"; anything else (a failing check, a missing review, conflicts) needs a person.
fn merge_refusal(message: String) -> ActionOutcome {
    let lower = message.to_ascii_lowercase();
    if lower.contains("is expected") || lower.contains("in progress") || lower.contains("pending") {
        ActionOutcome::Waiting { reason: message }
    } else {
        ActionOutcome::Refused { reason: message }
    }
}

fn done(detail: impl Into<String>) -> ActionOutcome {
    ActionOutcome::Done {
        detail: Some(detail.into()),
    }
}

async fn run(gh: &GitHub, action: &Action) -> Result<ActionOutcome, GhError> {
    match action {
        Action::CreateBranch { repo, branch, sha } => create_branch(gh, repo, branch, sha).await,
        Action::UpdateBranch {
            repo,
            branch,
            sha,
            force,
        } => {
            if branch_head(gh, repo, branch).await?.as_ref() == Some(sha) {
                return Ok(ActionOutcome::AlreadyDone);
            }
            gh.patch(
                &path::heads_ref(repo, branch),
                &json!({"sha": sha.as_str(), "force": force}),
            )
            .await?;
            Ok(done(sha.short()))
        }
        Action::DeleteBranch { repo, branch } => {
            match gh.delete(&path::heads_ref(repo, branch)).await {
                Ok(_) => Ok(done("deleted")),
                Err(GhError::NotFound { .. } | GhError::Unprocessable { .. }) => {
                    Ok(ActionOutcome::AlreadyDone)
                }
                Err(e) => Err(e),
            }
        }
        Action::OpenPullRequest {
            repo,
            head,
            base,
            title,
            body,
        } => {
            if let Some(n) = open_pull(gh, repo, head, base).await? {
                return Ok(ActionOutcome::Done {
                    detail: Some(format!("adopted #{n}")),
                });
            }
            let created = gh.post(&format!("{}/pulls", path::repo(repo)), &json!({"title": title, "head": head.as_str(), "base": base.as_str(), "body": body})).await;
            match created {
                Ok(a) => Ok(done(format!(
                    "#{}",
                    a.body.get("number").and_then(Value::as_u64).unwrap_or(0)
                ))),
                // Opened meanwhile by another run: adopt it.
                Err(GhError::Unprocessable { .. })
                    if open_pull(gh, repo, head, base).await?.is_some() =>
                {
                    Ok(ActionOutcome::AlreadyDone)
                }
                Err(e) => Err(e),
            }
        }
        Action::MergePullRequest {
            repo,
            number,
            sha,
            method,
        } => {
            let url = format!("{}/pulls/{number}", path::repo(repo));
            let pr = gh.get(&url).await?;
            if pr.get("merged").and_then(Value::as_bool) == Some(true) {
                return Ok(ActionOutcome::AlreadyDone);
            }
            let merged = match gh
                .put(
                    &format!("{url}/merge"),
                    &json!({"sha": sha.as_str(), "merge_method": method.as_str()}),
                )
                .await
            {
                Ok(merged) => merged,
                Err(GhError::NotAllowed { message, .. }) => return Ok(merge_refusal(message)),
                Err(e) => return Err(e),
            };
            let commit = merged
                .body
                .get("sha")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Ok(done(format!(
                "merged as {}",
                commit.chars().take(7).collect::<String>()
            )))
        }
        Action::ClosePullRequest { repo, number } => {
            let url = format!("{}/pulls/{number}", path::repo(repo));
            let pr = gh.get(&url).await?;
            if pr.get("state").and_then(Value::as_str) != Some("open") {
                return Ok(ActionOutcome::AlreadyDone);
            }
            gh.patch(&url, &json!({"state": "closed"})).await?;
            Ok(done(format!("closed #{number}")))
        }
        Action::DispatchWorkflow {
            repo,
            workflow,
            git_ref,
            correlation_id,
            inputs,
        } => dispatch(gh, repo, workflow, git_ref.as_ref(), correlation_id, inputs).await,
        Action::CancelRun { repo, run_id } => match gh
            .post(
                &format!("{}/actions/runs/{run_id}/cancel", path::repo(repo)),
                &json!({}),
            )
            .await
        {
            Ok(_) => Ok(done(format!("cancelled run {run_id}"))),
            Err(GhError::Conflict { .. }) => Ok(ActionOutcome::AlreadyDone),
            Err(e) => Err(e),
        },
        Action::SetCommitStatus {
            repo,
            sha,
            context,
            state,
            description,
        } => {
            let statuses = gh
                .get(&format!(
                    "{}/commits/{}/statuses?per_page=100",
                    path::repo(repo),
                    sha.as_str()
                ))
                .await?;
            let state_word = serde_json::to_value(state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            // Statuses are newest first; the latest of a context is the one that counts.
            let latest = statuses
                .as_array()
                .into_iter()
                .flatten()
                .find(|s| s.get("context").and_then(Value::as_str) == Some(context));
            if latest.is_some_and(|s| {
                s.get("state").and_then(Value::as_str) == Some(&state_word)
                    && s.get("description").and_then(Value::as_str) == Some(description)
            }) {
                return Ok(ActionOutcome::AlreadyDone);
            }
            gh.post(
                &format!("{}/statuses/{}", path::repo(repo), sha.as_str()),
                &json!({"state": state_word, "context": context, "description": description}),
            )
            .await?;
            Ok(done(format!("{context}: {state_word}")))
        }
        Action::UpsertTrackingIssue {
            repo,
            number,
            title,
            body,
        } => upsert_issue(gh, repo, *number, title, body).await,
        Action::Comment {
            repo,
            issue,
            marker,
            body,
        } => {
            if comment_markers(gh, repo, *issue)
                .await?
                .iter()
                .any(|c| &c.marker == marker)
            {
                return Ok(ActionOutcome::AlreadyDone);
            }
            gh.post(
                &format!("{}/issues/{issue}/comments", path::repo(repo)),
                &json!({"body": body}),
            )
            .await?;
            Ok(done(format!("commented on #{issue}")))
        }
        Action::AddLabel { repo, issue, label } => {
            gh.post(
                &format!("{}/issues/{issue}/labels", path::repo(repo)),
                &json!({"labels": [label]}),
            )
            .await?;
            Ok(done(label.clone()))
        }
        Action::RemoveLabel { repo, issue, label } => match gh
            .delete(&format!(
                "{}/issues/{issue}/labels/{}",
                path::repo(repo),
                path::enc(label)
            ))
            .await
        {
            Ok(_) => Ok(done(label.clone())),
            Err(GhError::NotFound { .. }) => Ok(ActionOutcome::AlreadyDone),
            Err(e) => Err(e),
        },
        Action::CreateRelease {
            repo,
            tag,
            sha,
            name,
            body,
        } => {
            if gh
                .get_opt(&format!(
                    "{}/releases/tags/{}",
                    path::repo(repo),
                    path::enc(tag)
                ))
                .await?
                .is_some()
            {
                return Ok(ActionOutcome::AlreadyDone);
            }
            let url = format!("{}/releases/tags/{}", path::repo(repo), path::enc(tag));
            match gh.post(&format!("{}/releases", path::repo(repo)), &json!({"tag_name": tag, "target_commitish": sha.as_str(), "name": name, "body": body})).await {
                Ok(_) => Ok(done(format!("{tag} at {}", sha.short()))),
                // Another run created it between the look and the write.
                Err(e @ GhError::Unprocessable { .. }) => match gh.get_opt(&url).await? {
                    Some(_) => Ok(ActionOutcome::AlreadyDone),
                    None => Err(e),
                },
                Err(e) => Err(e),
            }
        }
        Action::RevertMerge {
            repo,
            branch,
            merge_sha,
            revert_branch,
            title,
        } => {
            let r = Revert {
                repo,
                branch,
                merge_sha,
                revert_branch,
                title,
            };
            revert_merge(gh, &r).await
        }
        Action::RetargetPullRequest { repo, number, base } => {
            retarget(gh, repo, *number, base).await
        }
    }
}

/// Moves an open pull request to `base`, looking first: already there is done; a pull request
/// that is no longer open is not moved.
async fn retarget(
    gh: &GitHub,
    repo: &RepoName,
    number: u64,
    base: &BranchName,
) -> Result<ActionOutcome, GhError> {
    let url = format!("{}/pulls/{number}", path::repo(repo));
    let pr = gh.get(&url).await?;
    if pr.pointer("/base/ref").and_then(Value::as_str) == Some(base.as_str()) {
        return Ok(ActionOutcome::AlreadyDone);
    }
    if pr.get("state").and_then(Value::as_str) != Some("open") {
        return Ok(ActionOutcome::Failed {
            error: format!("{repo}#{number} is no longer open; convoy does not retarget it"),
        });
    }
    gh.patch(&url, &json!({"base": base.as_str()})).await?;
    Ok(done(format!("#{number} now into {base}")))
}

pub(super) async fn branch_head(
    gh: &GitHub,
    repo: &RepoName,
    branch: &BranchName,
) -> Result<Option<Sha>, GhError> {
    Ok(gh
        .get_opt(&path::head_ref(repo, branch))
        .await?
        .and_then(|r| {
            r.pointer("/object/sha")
                .and_then(Value::as_str)
                .and_then(|s| Sha::parse(s).ok())
        }))
}

async fn create_branch(
    gh: &GitHub,
    repo: &RepoName,
    branch: &BranchName,
    sha: &Sha,
) -> Result<ActionOutcome, GhError> {
    match branch_head(gh, repo, branch).await? {
        Some(at) if &at == sha => return Ok(ActionOutcome::AlreadyDone),
        Some(at) => {
            return Ok(ActionOutcome::Failed {
                error: format!(
                    "{repo} already has `{branch}` at {}, not at {}; convoy will not move it",
                    at.short(),
                    sha.short()
                ),
            });
        }
        None => {}
    }
    match gh
        .post(
            &format!("{}/git/refs", path::repo(repo)),
            &json!({"ref": format!("refs/heads/{branch}"), "sha": sha.as_str()}),
        )
        .await
    {
        Ok(_) => Ok(done(format!("{branch} at {}", sha.short()))),
        Err(GhError::Unprocessable { .. })
            if branch_head(gh, repo, branch).await?.as_ref() == Some(sha) =>
        {
            Ok(ActionOutcome::AlreadyDone)
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn open_pull(
    gh: &GitHub,
    repo: &RepoName,
    head: &BranchName,
    base: &BranchName,
) -> Result<Option<u64>, GhError> {
    let url = format!(
        "{}/pulls?state=open&head={}&base={}",
        path::repo(repo),
        path::enc(&format!("{}:{head}", repo.owner())),
        path::enc(base.as_str())
    );
    let list = gh.get(&url).await?;
    Ok(list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| parse_pull(repo, p))
        .find(|p| &p.head == head && &p.base == base)
        .map(|p| p.number))
}

async fn dispatch(
    gh: &GitHub,
    repo: &RepoName,
    workflow: &str,
    git_ref: Option<&BranchName>,
    correlation: &str,
    inputs: &BTreeMap<String, String>,
) -> Result<ActionOutcome, GhError> {
    let runs_url = format!(
        "{}/actions/workflows/{}/runs?event=workflow_dispatch&per_page=50",
        path::repo(repo),
        path::enc(workflow)
    );
    let find = || async {
        let runs = gh.get(&runs_url).await?;
        Ok::<_, GhError>(
            runs.get("workflow_runs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| parse_run(repo, r))
                .find(|r| r.title.contains(correlation)),
        )
    };
    if let Some(run) = find().await? {
        return Ok(ActionOutcome::Done {
            detail: Some(format!("adopted run {}", run.run_id)),
        });
    }
    let git_ref = match git_ref {
        Some(r) => r.as_str().to_owned(),
        None => gh
            .get(&path::repo(repo))
            .await?
            .get("default_branch")
            .and_then(Value::as_str)
            .unwrap_or("main")
            .to_owned(),
    };
    let url = format!(
        "{}/actions/workflows/{}/dispatches",
        path::repo(repo),
        path::enc(workflow)
    );
    let mut body = json!({"ref": git_ref, "inputs": inputs, "return_run_details": true});
    match gh.post(&url, &body).await {
        Ok(a) => Ok(
            match a.body.get("workflow_run_id").and_then(Value::as_u64) {
                Some(id) => done(format!("run {id}")),
                None => done("dispatched"),
            },
        ),
        // Older GitHub Enterprise Server refuses the field: dispatch without it; the run is found
        // later by the correlation id in its title.
        Err(GhError::BadRequest { message, .. })
            if message.contains("return_run_details") || message.contains("Invalid request") =>
        {
            if let Some(map) = body.as_object_mut() {
                map.remove("return_run_details");
            }
            gh.post(&url, &body).await?;
            Ok(done("dispatched (run found by correlation id)"))
        }
        Err(e) => Err(e),
    }
}

async fn upsert_issue(
    gh: &GitHub,
    repo: &RepoName,
    number: Option<u64>,
    title: &str,
    body: &str,
) -> Result<ActionOutcome, GhError> {
    let existing = match number {
        Some(n) => {
            gh.get_opt(&format!("{}/issues/{n}", path::repo(repo)))
                .await?
        }
        None => {
            let marker = body.lines().next().unwrap_or_default().to_owned();
            let list = gh
                .get_all(
                    &format!(
                        "{}/issues?state=all&labels={}",
                        path::repo(repo),
                        path::enc(TRACKING_LABEL)
                    ),
                    None,
                    3,
                )
                .await?;
            list.into_iter().find(|i| {
                !marker.is_empty()
                    && i.get("body")
                        .and_then(Value::as_str)
                        .is_some_and(|b| b.contains(&marker))
            })
        }
    };
    match existing.and_then(|i| parse_issue(repo, &i)) {
        Some(issue) if issue.title == title && issue.body == body => Ok(ActionOutcome::AlreadyDone),
        Some(issue) => {
            gh.patch(
                &format!("{}/issues/{}", path::repo(repo), issue.number),
                &json!({"title": title, "body": body}),
            )
            .await?;
            Ok(done(format!("updated #{}", issue.number)))
        }
        None => {
            let created = gh
                .post(
                    &format!("{}/issues", path::repo(repo)),
                    &json!({"title": title, "body": body, "labels": [TRACKING_LABEL]}),
                )
                .await?;
            Ok(done(format!(
                "opened #{}",
                created
                    .body
                    .get("number")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            )))
        }
    }
}
