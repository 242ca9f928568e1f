//! Reverting a merge through the Git data API: a commit whose tree is the tree before the merge
//! (the merge's first parent's, or after a rebase the base head the commits landed on, so every
//! landed commit is undone at once), on its own branch, merged through a pull request with a
//! method the repository allows. Idempotent like every action: each
//! step looks for its effect first.

use super::client::{GhError, GitHub};
use super::facts;
use super::lookup::open_pull;
use super::methods::{MergeAnswer, merge_allowed};
use super::rest::{MergeError, MergeRefusal};
use crate::lifecycle::action::{ActionOutcome, Landed};
use crate::lifecycle::observed::PullState;
use crate::model::config::MergeMethod;
use crate::model::ids::{BranchName, RepoName, Sha};
use crate::model::numbers::PullNumber;

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
    /// What the merge landed (one commit, or rebased commits since a base head).
    pub landed: &'a Landed,
    /// How the revert pull request merges.
    pub method: MergeMethod,
}

/// How far back a rebase's landed commits are looked for from its last commit.
const MAX_REBASED: usize = 250;

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
        landed,
        method,
    } = *r;
    let api = gh.repo(repo);
    let pulls = api.pulls_between(revert_branch, branch).await?;
    let merged = pulls
        .iter()
        .filter_map(|p| facts::pull(repo, p))
        .any(|p| &p.head == revert_branch && &p.base == branch && p.state == PullState::Merged);
    if merged {
        return Ok(ActionOutcome::AlreadyDone);
    }

    let merge = api.git_commit(merge_sha.as_str()).await?;
    let restore = match landed {
        Landed::OneCommit => match merge.parents().first() {
            Some(parent) => parent.clone(),
            None => {
                return Ok(failed(format!(
                    "{repo}: {} has no parent, so there is nothing to revert to; revert it by hand",
                    merge_sha.short()
                )));
            }
        },
        Landed::Rebased { onto } => {
            if !first_parent_reaches(&api, merge_sha, onto).await? {
                return Ok(failed(format!(
                    "{repo}: {} on {branch} is not among the first {MAX_REBASED} first parents of \
                     {}, so convoy cannot tell which rebased commits the release landed; revert \
                     them on {branch} by hand",
                    onto.short(),
                    merge_sha.short()
                )));
            }
            onto.as_str().to_owned()
        }
    };
    let first_parent = &restore;
    let before = api.git_commit(first_parent).await?;
    let head = api.branch_head(branch).await?;
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
    let existing = api.branch_head(revert_branch).await?;
    let mut reuse = None;
    if let Some(h) = &existing {
        let c = api.git_commit(h.as_str()).await?;
        if c.parents() == [merge_sha.as_str().to_owned()] && c.tree() == before.tree() {
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
                merge.subject(),
                merge_sha.as_str()
            );
            let made = api
                .create_git_commit(&message, &before.tree(), &[merge_sha.as_str()])
                .await?;
            let Some(sha) = made else {
                return Ok(failed(format!(
                    "{repo}: creating the revert commit gave no SHA"
                )));
            };
            api.create_branch(revert_branch, &sha).await?;
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
            api.create_pull(title, revert_branch, branch, &body)
                .await?
                .unwrap_or(PullNumber::new(0))
        }
    };
    match merge_allowed(&api, number, &revert_sha, method).await {
        Ok(MergeAnswer::Merged(_)) => Ok(ActionOutcome::Done {
            detail: Some(format!("reverted in #{number}")),
        }),
        Ok(MergeAnswer::Switched { method, reason, .. }) => {
            Ok(ActionOutcome::MergedInstead { method, reason })
        }
        // The base's protection answers the revert as it answers a promotion: checks not yet
        // reported and reviews are waits (the revert is planned on every run until it merged),
        // anything else is a refusal saying what a person must do.
        // A base with a merge queue: the revert goes through it, pinned; each run asks again
        // (GitHub answers a repeated request with the one it has) until it merged.
        Err(MergeError::Refused {
            refusal: MergeRefusal::MergeQueueRequired,
            ..
        }) => {
            use super::rest::merge_queue::AsyncMerge;
            Ok(match api.enqueue_pull(number, &revert_sha, method).await? {
                AsyncMerge::Queued { .. } => ActionOutcome::Waiting {
                    reason: format!(
                        "the revert {repo}#{number} is in {branch}'s merge queue; convoy looks again on its next run"
                    ),
                },
                AsyncMerge::Merged { .. } => ActionOutcome::Done {
                    detail: Some(format!("reverted in #{number} through the merge queue")),
                },
                AsyncMerge::Failed { message } => ActionOutcome::Refused {
                    reason: format!(
                        "{message} (the revert {repo}#{number} cannot go through {branch}'s merge queue; a person must remove the cause GitHub names)"
                    ),
                },
            })
        }
        Err(MergeError::Refused { refusal, error }) => {
            let message = error.message().unwrap_or_default().to_owned();
            match super::execute::merge_outcome(&refusal, &message) {
                Some(ActionOutcome::NeedsReview { reason }) => Ok(ActionOutcome::Waiting {
                    reason: format!(
                        "{reason} (the revert {repo}#{number} needs an approving review by someone with write access)"
                    ),
                }),
                Some(outcome) => Ok(outcome),
                None => Err(error),
            }
        }
        Err(MergeError::Failed(error)) => Err(error),
    }
}

/// Whether `onto` is `from` or one of its first `MAX_REBASED` first parents (one read each).
async fn first_parent_reaches(
    api: &super::rest::Repo<'_>,
    from: &Sha,
    onto: &Sha,
) -> Result<bool, GhError> {
    let mut at = from.as_str().to_owned();
    for _ in 0..=MAX_REBASED {
        if at == onto.as_str() {
            return Ok(true);
        }
        match api.git_commit(&at).await?.parents().first() {
            Some(parent) => at = parent.clone(),
            None => return Ok(false),
        }
    }
    Ok(false)
}
