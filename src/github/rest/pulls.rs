//! Pull requests: list, get, create, close and retarget (merging is [`super::merge`]).
//!
//! Lists are asked for by what convoy needs (`head=owner:branch`, `base=`), never as "the
//! latest pull requests" of a repository, where a busy repository's other pull requests would
//! crowd the release's out; each is read to its last page (up to [`MAX_PAGES`]).

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::repo::Repo;
use super::{de, path};
use crate::github::client::GhError;
use crate::model::ids::{BranchName, RepoName};
use crate::model::numbers::PullNumber;

/// A pull request, with the fields convoy reads (each absent when GitHub leaves it out).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Pull {
    /// Its number.
    #[serde(deserialize_with = "de::lenient")]
    pub number: Option<PullNumber>,
    /// `open` or `closed`.
    #[serde(deserialize_with = "de::lenient")]
    pub state: Option<String>,
    /// Whether it merged (only in a single pull request's answer).
    #[serde(deserialize_with = "de::lenient")]
    pub merged: Option<bool>,
    /// When it merged; present and not `null` once merged.
    merged_at: Option<IgnoredAny>,
    /// Whether GitHub can merge it (only in a single pull request's answer; `null` while
    /// GitHub computes it).
    #[serde(deserialize_with = "de::lenient")]
    pub mergeable: Option<bool>,
    /// GitHub's word for what stands between it and its merge (`clean`, `behind`, `blocked`,
    /// `dirty`, `unknown`, …; only in a single pull request's answer).
    #[serde(deserialize_with = "de::lenient")]
    pub mergeable_state: Option<String>,
    /// The merge commit (meaningful once merged).
    #[serde(deserialize_with = "de::lenient")]
    pub merge_commit_sha: Option<String>,
    /// Its description.
    #[serde(deserialize_with = "de::lenient")]
    pub body: Option<String>,
    /// The branch it comes from.
    #[serde(deserialize_with = "de::lenient")]
    pub head: Option<PullEnd>,
    /// The branch it goes into.
    #[serde(deserialize_with = "de::lenient")]
    pub base: Option<PullEnd>,
}

/// One end of a pull request (`head` or `base`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PullEnd {
    /// The branch name.
    #[serde(rename = "ref", deserialize_with = "de::lenient")]
    pub branch: Option<String>,
    /// The commit.
    #[serde(deserialize_with = "de::lenient")]
    pub sha: Option<String>,
    /// The repository the branch is in.
    #[serde(deserialize_with = "de::lenient")]
    pub repo: Option<PullRepo>,
}

/// The repository of a pull request's branch.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PullRepo {
    /// `owner/name`.
    #[serde(deserialize_with = "de::lenient")]
    pub full_name: Option<String>,
}

impl Pull {
    /// Whether it merged: `merged_at` is set, or `merged` is `true`.
    pub fn is_merged(&self) -> bool {
        self.merged_at.is_some() || self.merged == Some(true)
    }

    /// Whether its head branch lives in another repository than `repo` (a fork).
    pub fn from_fork(&self, repo: &RepoName) -> bool {
        self.head
            .as_ref()
            .and_then(|h| h.repo.as_ref())
            .and_then(|r| r.full_name.as_deref())
            .is_some_and(|h| !h.eq_ignore_ascii_case(repo.as_str()))
    }

    /// The head branch's name.
    pub fn head_branch(&self) -> Option<&str> {
        self.head.as_ref()?.branch.as_deref()
    }

    /// The head commit.
    pub fn head_sha(&self) -> Option<&str> {
        self.head.as_ref()?.sha.as_deref()
    }

    /// The base branch's name.
    pub fn base_branch(&self) -> Option<&str> {
        self.base.as_ref()?.branch.as_deref()
    }

    /// The base commit (the base branch's head when GitHub last looked).
    pub fn base_sha(&self) -> Option<&str> {
        self.base.as_ref()?.sha.as_deref()
    }

    /// Whether it is open.
    pub fn is_open(&self) -> bool {
        self.state.as_deref() == Some("open")
    }
}

/// The most pages of 100 convoy reads of one pull request list (GitHub's filtered lists stop
/// at 1,000 results too).
const MAX_PAGES: usize = 10;

#[derive(Serialize)]
struct NewPull<'a> {
    title: &'a str,
    head: &'a str,
    base: &'a str,
    body: &'a str,
}

#[derive(Serialize)]
struct Close {
    state: &'static str,
}

#[derive(Serialize)]
struct Retarget<'a> {
    base: &'a str,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Created {
    #[serde(deserialize_with = "de::lenient")]
    number: Option<PullNumber>,
}

impl Repo<'_> {
    /// `?head=owner:head&base=base`, both encoded.
    fn between(&self, head: &BranchName, base: &BranchName) -> String {
        format!(
            "head={}&base={}",
            path::enc(&format!("{}:{head}", self.repo.owner())),
            path::enc(base.as_str())
        )
    }

    /// `GET /repos/{o}/{r}/pulls/{number}`.
    pub async fn pull(&self, number: PullNumber) -> Result<Pull, GhError> {
        Ok(de::object(self.get(&format!("/pulls/{number}")).await?))
    }

    /// `GET /repos/{o}/{r}/pulls?state=open&head=…&base=…`: the open pull requests from `head`
    /// into `base` (GitHub keeps at most one).
    pub async fn open_pulls(
        &self,
        head: &BranchName,
        base: &BranchName,
    ) -> Result<Vec<Pull>, GhError> {
        let url = format!("/pulls?state=open&{}", self.between(head, base));
        Ok(de::objects(self.get_all(&url, MAX_PAGES).await?))
    }

    /// `GET /repos/{o}/{r}/pulls?state=all&head=…&base=…`, every page: every pull request from
    /// `head` into `base`, whatever its state (a staging → base pair gathers one per release).
    pub async fn pulls_between(
        &self,
        head: &BranchName,
        base: &BranchName,
    ) -> Result<Vec<Pull>, GhError> {
        let url = format!("/pulls?state=all&{}", self.between(head, base));
        Ok(de::objects(self.get_all(&url, MAX_PAGES).await?))
    }

    /// `GET /repos/{o}/{r}/pulls?state={state}&base=…`, every page: the pull requests into
    /// `base` (an RC branch's task pull requests), `open` or `all`.
    pub async fn pulls_into(&self, base: &BranchName, state: &str) -> Result<Vec<Pull>, GhError> {
        let url = format!(
            "/pulls?state={}&base={}",
            path::enc(state),
            path::enc(base.as_str())
        );
        Ok(de::objects(self.get_all(&url, MAX_PAGES).await?))
    }

    /// `POST /repos/{o}/{r}/pulls`: opens a pull request; its number when GitHub gives it.
    pub async fn create_pull(
        &self,
        title: &str,
        head: &BranchName,
        base: &BranchName,
        body: &str,
    ) -> Result<Option<PullNumber>, GhError> {
        let new = NewPull {
            title,
            head: head.as_str(),
            base: base.as_str(),
            body,
        };
        let answer = self.post("/pulls", &new).await?;
        Ok(de::object::<Created>(answer.body).number)
    }

    /// `PATCH /repos/{o}/{r}/pulls/{number}` with `state: closed`.
    pub async fn close_pull(&self, number: PullNumber) -> Result<(), GhError> {
        let body = Close { state: "closed" };
        self.patch(&format!("/pulls/{number}"), &body)
            .await
            .map(drop)
    }

    /// `PATCH /repos/{o}/{r}/pulls/{number}` with a new `base`.
    pub async fn retarget_pull(
        &self,
        number: PullNumber,
        base: &BranchName,
    ) -> Result<(), GhError> {
        let body = Retarget {
            base: base.as_str(),
        };
        self.patch(&format!("/pulls/{number}"), &body)
            .await
            .map(drop)
    }
}
