//! What a protected branch asks of a pull request before it merges: reviews requested from
//! people, and a head brought up to date with its base (strict required checks).

use serde::{Deserialize, Serialize};

use super::de;
use super::repo::Repo;
use crate::github::client::GhError;
use crate::model::ids::{self, Sha};
use crate::model::numbers::PullNumber;

/// The body of `POST …/requested_reviewers`: logins, and team slugs without their organisation
/// (GitHub takes teams of the repository's own organisation only).
#[derive(Serialize)]
struct Reviewers<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reviewers: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    team_reviewers: Vec<&'a str>,
}

impl<'a> Reviewers<'a> {
    /// Splits convoy's reviewers into GitHub's two lists.
    fn of(reviewers: &'a [ids::Reviewer]) -> Self {
        Reviewers {
            reviewers: reviewers.iter().filter_map(ids::Reviewer::login).collect(),
            team_reviewers: reviewers
                .iter()
                .filter_map(|r| r.team().map(|(_, slug)| slug))
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct UpdateBranch<'a> {
    expected_head_sha: &'a str,
}

/// A review on a pull request, with the fields convoy reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Review {
    /// Who reviewed.
    #[serde(deserialize_with = "de::lenient")]
    pub user: Option<Reviewer>,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`.
    #[serde(deserialize_with = "de::lenient")]
    pub state: Option<String>,
    /// The head commit the review was given on.
    #[serde(deserialize_with = "de::lenient")]
    pub commit_id: Option<String>,
}

/// The account that reviewed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Reviewer {
    /// Its login.
    #[serde(deserialize_with = "de::lenient")]
    pub login: Option<String>,
}

/// The approvals standing on a pull request: each reviewer's latest review that counts
/// (approving or requesting changes; comments change nothing), kept when it approves, as
/// `(login, commit)`.
pub fn standing_approvals(reviews: &[Review]) -> Vec<(String, String)> {
    let mut latest: Vec<(String, &Review)> = Vec::new();
    for r in reviews {
        let Some(login) = r.user.as_ref().and_then(|u| u.login.clone()) else {
            continue;
        };
        if !matches!(
            r.state.as_deref(),
            Some("APPROVED" | "CHANGES_REQUESTED" | "DISMISSED")
        ) {
            continue;
        }
        latest.retain(|(l, _)| l != &login);
        latest.push((login, r));
    }
    latest
        .into_iter()
        .filter(|(_, r)| r.state.as_deref() == Some("APPROVED"))
        .filter_map(|(l, r)| Some((l, r.commit_id.clone()?)))
        .collect()
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/pulls/{number}/reviews`: the reviews, oldest first, every page (up
    /// to 10 of 100: a promotion pull request gathers a handful).
    pub async fn reviews(&self, number: PullNumber) -> Result<Vec<Review>, GhError> {
        let list = self
            .get_all(&format!("/pulls/{number}/reviews"), 10)
            .await?;
        Ok(de::objects(list))
    }

    /// `POST /repos/{o}/{r}/pulls/{number}/requested_reviewers`: asks `reviewers` to review,
    /// people by login (`reviewers`) and teams by slug (`team_reviewers`), in one request.
    /// GitHub keeps a request already made; asking again notifies nobody twice.
    pub async fn request_reviewers(
        &self,
        number: PullNumber,
        reviewers: &[ids::Reviewer],
    ) -> Result<(), GhError> {
        let body = Reviewers::of(reviewers);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn review(login: &str, state: &str, commit: &str) -> Review {
        Review {
            user: Some(Reviewer {
                login: Some(login.to_owned()),
            }),
            state: Some(state.to_owned()),
            commit_id: Some(commit.to_owned()),
        }
    }

    #[test]
    fn logins_and_team_slugs_go_in_one_request() {
        let who: Vec<ids::Reviewer> = ["bob", "acme/release", "carol", "acme/api-owners"]
            .iter()
            .map(|s| ids::Reviewer::parse(s).unwrap())
            .collect();
        assert_eq!(
            serde_json::to_value(Reviewers::of(&who)).unwrap(),
            serde_json::json!({"reviewers": ["bob", "carol"], "team_reviewers": ["release", "api-owners"]})
        );
        let team = [ids::Reviewer::parse("acme/release").unwrap()];
        assert_eq!(
            serde_json::to_value(Reviewers::of(&team)).unwrap(),
            serde_json::json!({"team_reviewers": ["release"]})
        );
    }

    #[test]
    fn each_reviewers_latest_verdict_counts_and_comments_change_nothing() {
        let reviews = [
            review("bob", "APPROVED", "a1"),
            review("carol", "APPROVED", "a1"),
            review("carol", "CHANGES_REQUESTED", "a2"),
            review("bob", "COMMENTED", "a2"),
            review("dave", "APPROVED", "a1"),
            review("dave", "DISMISSED", "a1"),
        ];
        assert_eq!(
            standing_approvals(&reviews),
            vec![("bob".to_owned(), "a1".to_owned())]
        );
    }
}
