//! Look-ups the executor and the revert share.

use super::client::{GhError, GitHub};
use super::facts;
use crate::model::ids::{BranchName, RepoName};
use crate::model::numbers::PullNumber;

/// The number of the open pull request from `head` into `base` in `repo` (not from a fork).
pub async fn open_pull(
    gh: &GitHub,
    repo: &RepoName,
    head: &BranchName,
    base: &BranchName,
) -> Result<Option<PullNumber>, GhError> {
    let list = gh.repo(repo).open_pulls(head, base).await?;
    Ok(list
        .iter()
        .filter_map(|p| facts::pull(repo, p))
        .find(|p| &p.head == head && &p.base == base)
        .map(|p| p.number))
}
