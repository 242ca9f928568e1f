//! What a protected branch asks of a pull request before it merges: reviews requested from
//! people, and a head brought up to date with its base (strict required checks).

use serde::Serialize;

use super::repo::Repo;
use crate::github::client::GhError;
use crate::model::ids::{Login, Sha};
use crate::model::numbers::PullNumber;

#[derive(Serialize)]
struct Reviewers<'a> {
    reviewers: Vec<&'a str>,
}

#[derive(Serialize)]
struct UpdateBranch<'a> {
    expected_head_sha: &'a str,
}

impl Repo<'_> {
    /// `POST /repos/{o}/{r}/pulls/{number}/requested_reviewers`: asks `reviewers` to review.
    /// GitHub keeps a request already made; asking again notifies nobody twice.
    pub async fn request_reviewers(
        &self,
        number: PullNumber,
        reviewers: &[Login],
    ) -> Result<(), GhError> {
        let body = Reviewers {
            reviewers: reviewers.iter().map(Login::as_str).collect(),
        };
        self.post(&format!("/pulls/{number}/requested_reviewers"), &body)
            .await
            .map(drop)
    }

    /// `PUT /repos/{o}/{r}/pulls/{number}/update-branch`, pinned to `head`: merges the base
    /// into the head branch, which gets a new head commit (GitHub answers 202 and does it; 422
    /// when the head is no longer `head`, or the base has nothing new).
    pub async fn update_pull_branch(&self, number: PullNumber, head: &Sha) -> Result<(), GhError> {
        let body = UpdateBranch {
            expected_head_sha: head.as_str(),
        };
        self.put(&format!("/pulls/{number}/update-branch"), &body)
            .await
            .map(drop)
    }
}
