//! Git references: branch heads, and creating, moving and deleting branches.

use serde::{Deserialize, Serialize};

use super::repo::Repo;
use super::{de, path};
use crate::github::client::GhError;
use crate::model::ids::{BranchName, Sha};

/// A reference as the Git refs API shows it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct GitRef {
    /// `refs/heads/…`.
    #[serde(rename = "ref", deserialize_with = "de::lenient")]
    name: Option<String>,
    /// What it points at.
    #[serde(deserialize_with = "de::lenient")]
    object: Option<RefObject>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct RefObject {
    #[serde(deserialize_with = "de::lenient")]
    sha: Option<String>,
}

impl GitRef {
    fn sha(&self) -> Option<Sha> {
        let sha = self.object.as_ref()?.sha.as_deref()?;
        Sha::parse(sha).ok()
    }
}

/// A branch and the commit it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchHead {
    /// The branch.
    pub branch: BranchName,
    /// Its head.
    pub sha: Sha,
}

#[derive(Serialize)]
struct NewRef<'a> {
    #[serde(rename = "ref")]
    name: String,
    sha: &'a str,
}

#[derive(Serialize)]
struct MoveRef<'a> {
    sha: &'a str,
    force: bool,
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/git/ref/heads/{branch}`: the branch's head, `None` when the branch
    /// does not exist (or the answer holds no readable SHA).
    pub async fn branch_head(&self, branch: &BranchName) -> Result<Option<Sha>, GhError> {
        let found = self.gh.get_opt(&path::head_ref(self.repo, branch)).await?;
        Ok(found.and_then(|v| de::object::<GitRef>(v).sha()))
    }

    /// `GET /repos/{o}/{r}/git/matching-refs/heads/` (up to 10 pages): every branch head; refs
    /// that are not readable branches are left out.
    pub async fn branch_heads(&self) -> Result<Vec<BranchHead>, GhError> {
        let refs: Vec<GitRef> = de::objects(self.get_all("/git/matching-refs/heads/", 10).await?);
        Ok(refs
            .iter()
            .filter_map(|r| {
                let name = r.name.as_deref()?.strip_prefix("refs/heads/")?;
                Some(BranchHead {
                    branch: BranchName::parse(name).ok()?,
                    sha: r.sha()?,
                })
            })
            .collect())
    }

    /// `GET /repos/{o}/{r}/git/matching-refs/heads/{prefix}` (up to 10 pages): the heads of the
    /// branches whose names start with `prefix` (`convoy/staging-lock/`).
    pub async fn branch_heads_under(&self, prefix: &str) -> Result<Vec<BranchHead>, GhError> {
        let parts: Vec<String> = prefix.split('/').map(path::enc).collect();
        let tail = format!("/git/matching-refs/heads/{}", parts.join("/"));
        let refs: Vec<GitRef> = de::objects(self.get_all(&tail, 10).await?);
        Ok(refs
            .iter()
            .filter_map(|r| {
                let name = r.name.as_deref()?.strip_prefix("refs/heads/")?;
                Some(BranchHead {
                    branch: BranchName::parse(name).ok()?,
                    sha: r.sha()?,
                })
            })
            .filter(|h| h.branch.as_str().starts_with(prefix))
            .collect())
    }

    /// `POST /repos/{o}/{r}/git/refs`: creates `branch` at `sha`.
    pub async fn create_branch(&self, branch: &BranchName, sha: &Sha) -> Result<(), GhError> {
        let body = NewRef {
            name: format!("refs/heads/{branch}"),
            sha: sha.as_str(),
        };
        self.post("/git/refs", &body).await.map(drop)
    }

    /// `PATCH /repos/{o}/{r}/git/refs/heads/{branch}`: moves `branch` to `sha`.
    pub async fn move_branch(
        &self,
        branch: &BranchName,
        sha: &Sha,
        force: bool,
    ) -> Result<(), GhError> {
        let url = path::heads_ref(self.repo, branch);
        let body = MoveRef {
            sha: sha.as_str(),
            force,
        };
        let body = super::repo::request_body(&url, &body)?;
        self.gh.patch(&url, &body).await.map(drop)
    }

    /// `DELETE /repos/{o}/{r}/git/refs/heads/{branch}`.
    pub async fn delete_branch(&self, branch: &BranchName) -> Result<(), GhError> {
        self.gh
            .delete(&path::heads_ref(self.repo, branch))
            .await
            .map(drop)
    }
}
