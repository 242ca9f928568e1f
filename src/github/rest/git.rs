//! Git commits through the Git data API: reading one, and creating one from a tree.

use serde::{Deserialize, Serialize};

use super::de;
use super::repo::Repo;
use crate::github::client::GhError;
use crate::model::ids::Sha;

/// A commit as the Git data API shows it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GitCommit {
    /// Its tree.
    #[serde(deserialize_with = "de::lenient")]
    tree: Option<ShaOnly>,
    /// Its parents.
    #[serde(deserialize_with = "de::items")]
    parents: Vec<ShaOnly>,
    /// Its message.
    #[serde(deserialize_with = "de::lenient")]
    message: Option<String>,
}

/// An object named by its SHA.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ShaOnly {
    #[serde(deserialize_with = "de::lenient")]
    sha: Option<String>,
}

impl GitCommit {
    /// Its tree's SHA (empty when the answer lacks it).
    pub fn tree(&self) -> String {
        self.tree
            .as_ref()
            .and_then(|t| t.sha.clone())
            .unwrap_or_default()
    }

    /// Its parents' SHAs, first parent first.
    pub fn parents(&self) -> Vec<String> {
        self.parents.iter().filter_map(|p| p.sha.clone()).collect()
    }

    /// Its whole message.
    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or_default()
    }

    /// The first line of its message.
    pub fn subject(&self) -> String {
        self.message
            .as_deref()
            .and_then(|m| m.lines().next())
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Serialize)]
struct NewCommit<'a> {
    message: &'a str,
    tree: &'a str,
    parents: &'a [&'a str],
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/git/commits/{sha}`.
    pub async fn git_commit(&self, sha: &str) -> Result<GitCommit, GhError> {
        Ok(de::object(self.get(&format!("/git/commits/{sha}")).await?))
    }

    /// [`Repo::git_commit`]; `None` when the repository has no such commit (404).
    pub async fn git_commit_opt(&self, sha: &str) -> Result<Option<GitCommit>, GhError> {
        let found = self.get_opt(&format!("/git/commits/{sha}")).await?;
        Ok(found.map(de::object))
    }

    /// `POST /repos/{o}/{r}/git/commits`: a commit of `tree` on `parents`; its SHA, when the
    /// answer gives a valid one.
    pub async fn create_git_commit(
        &self,
        message: &str,
        tree: &str,
        parents: &[&str],
    ) -> Result<Option<Sha>, GhError> {
        let body = NewCommit {
            message,
            tree,
            parents,
        };
        let answer = self.post("/git/commits", &body).await?;
        let made: ShaOnly = de::object(answer.body);
        Ok(made.sha.and_then(|s| Sha::parse(&s).ok()))
    }
}
