//! Reverting a merge through the Git data API: a commit whose tree is the merge's first parent's
//! tree, on its own branch, merged through a pull request. Idempotent like every action: each
//! step looks for its effect first.

use serde_json::{Value, json};

use super::client::{GhError, GitHub};
use super::execute::{branch_head, open_pull};
use super::observe::parse_pull;
use super::path;
use crate::lifecycle::action::ActionOutcome;
use crate::lifecycle::observed::PullState;
use crate::model::ids::{BranchName, RepoName, Sha};

/// What to revert: the merge `merge_sha` on `branch`, through a pull request from
/// `revert_branch` titled `title`.
pub struct Revert<'a> {
    /// The repository.
    pub repo: &'a RepoName,
    /// The branch that holds the merge.
    pub branch: &'a BranchName,
    /// The merge commit to revert.
    pub merge_sha: &'a Sha,
    /// The branch the revert pull request comes from.
    pub revert_branch: &'a BranchName,
    /// The pull request's title.
    pub title: &'a str,
}

/// A commit as the Git data API shows it.
struct GitCommit {
    tree: String,
    parents: Vec<String>,
    subject: String,
}

async fn git_commit(gh: &GitHub, repo: &RepoName, sha: &str) -> Result<GitCommit, GhError> {
    let v = gh
        .get(&format!("{}/git/commits/{sha}", path::repo(repo)))
        .await?;
    Ok(GitCommit {
        tree: v
            .pointer("/tree/sha")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        parents: v
            .get("parents")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("sha").and_then(Value::as_str).map(str::to_owned))
            .collect(),
        subject: v
            .get("message")
            .and_then(Value::as_str)
            .and_then(|m| m.lines().next())
            .unwrap_or_default()
            .to_owned(),
    })
}

fn failed(error: String) -> ActionOutcome {
    ActionOutcome::Failed { error }
}

/// Reverts the merge; see the module documentation.
pub async fn revert_merge(gh: &GitHub, r: &Revert<'_>) -> Result<ActionOutcome, GhError> {
    let Revert {
        repo,
        branch,
        merge_sha,
        revert_branch,
        title,
    } = *r;
    let pulls = gh
        .get(&format!(
            "{}/pulls?state=all&head={}&base={}&per_page=100",
            path::repo(repo),
            path::enc(&format!("{}:{revert_branch}", repo.owner())),
            path::enc(branch.as_str())
        ))
        .await?;
    let merged = pulls
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| parse_pull(repo, p))
        .any(|p| &p.head == revert_branch && &p.base == branch && p.state == PullState::Merged);
    if merged {
        return Ok(ActionOutcome::AlreadyDone);
    }

    let merge = git_commit(gh, repo, merge_sha.as_str()).await?;
    let Some(first_parent) = merge.parents.first() else {
        return Ok(failed(format!(
            "{repo}: {} has no parent, so there is nothing to revert to; revert it by hand",
            merge_sha.short()
        )));
    };
    let before = git_commit(gh, repo, first_parent).await?;
    let head = branch_head(gh, repo, branch).await?;
    if head.as_ref() != Some(merge_sha) {
        let at = head.map_or_else(|| "nothing".to_owned(), |h| h.short().to_owned());
        return Ok(failed(format!(
            "{repo} {branch} moved on after the release merged ({} is now at {at}, not {}); \
             convoy only reverts a merge that is still the branch head, so please revert {} on \
             {branch} by hand and convoy will see it",
            branch,
            merge_sha.short(),
            merge_sha.short()
        )));
    }

    // Reuse a revert commit left by an earlier run when it is the one we would make; a revert
    // branch holding anything else is someone's work, and convoy does not force refs over it.
    let existing = branch_head(gh, repo, revert_branch).await?;
    let mut reuse = None;
    if let Some(h) = &existing {
        let c = git_commit(gh, repo, h.as_str()).await?;
        if c.parents == [merge_sha.as_str().to_owned()] && c.tree == before.tree {
            reuse = Some(h.clone());
        } else {
            return Ok(failed(format!(
                "{repo} already has `{revert_branch}` at {}, which is not a revert of {};                  delete that branch or revert {} on {branch} by hand through it",
                h.short(),
                merge_sha.short(),
                merge_sha.short()
            )));
        }
    }
    let revert_sha = match reuse {
        Some(sha) => sha,
        None => {
            let message = format!(
                "Revert \"{}\"\n\nThis reverts commit {}.",
                merge.subject,
                merge_sha.as_str()
            );
            let made = gh
                .post(
                    &format!("{}/git/commits", path::repo(repo)),
                    &json!({"message": message, "tree": before.tree, "parents": [merge_sha.as_str()]}),
                )
                .await?;
            let sha = made
                .body
                .get("sha")
                .and_then(Value::as_str)
                .and_then(|s| Sha::parse(s).ok());
            let Some(sha) = sha else {
                return Ok(failed(format!(
                    "{repo}: creating the revert commit gave no SHA"
                )));
            };
            gh.post(
                &format!("{}/git/refs", path::repo(repo)),
                &json!({"ref": format!("refs/heads/{revert_branch}"), "sha": sha.as_str()}),
            )
            .await?;
            sha
        }
    };

    let number = match open_pull(gh, repo, revert_branch, branch).await? {
        Some(n) => n,
        None => {
            let body = format!(
                "convoy rolls the release back: this reverts {} on `{branch}`, restoring the tree \
                 of {}.",
                merge_sha.as_str(),
                first_parent
            );
            let created = gh
                .post(
                    &format!("{}/pulls", path::repo(repo)),
                    &json!({"title": title, "head": revert_branch.as_str(), "base": branch.as_str(), "body": body}),
                )
                .await?;
            created
                .body
                .get("number")
                .and_then(Value::as_u64)
                .unwrap_or(0)
        }
    };
    gh.put(
        &format!("{}/pulls/{number}/merge", path::repo(repo)),
        &json!({"sha": revert_sha.as_str(), "merge_method": "merge"}),
    )
    .await?;
    Ok(ActionOutcome::Done {
        detail: Some(format!("reverted in #{number}")),
    })
}
