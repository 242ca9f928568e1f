//! A repository itself, and a person's permission on it.

use serde::Deserialize;

use super::repo::Repo;
use super::{de, path};
use crate::github::client::GhError;
use crate::model::config::{MergeMethod, Permission};
use crate::model::ids::{BranchName, Login};

/// A repository.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Repository {
    /// Its default branch.
    #[serde(deserialize_with = "de::lenient")]
    pub default_branch: Option<String>,
    /// Merge commits allowed (GitHub sends the three `allow_*` fields to those who may push).
    #[serde(deserialize_with = "de::lenient")]
    pub allow_merge_commit: Option<bool>,
    /// Squash merges allowed.
    #[serde(deserialize_with = "de::lenient")]
    pub allow_squash_merge: Option<bool>,
    /// Rebase merges allowed.
    #[serde(deserialize_with = "de::lenient")]
    pub allow_rebase_merge: Option<bool>,
}

impl Repository {
    /// The merge methods the repository allows, in GitHub's order; a setting GitHub did not
    /// send counts as allowed (GitHub's default).
    pub fn merge_methods(&self) -> Vec<MergeMethod> {
        [
            (MergeMethod::Merge, self.allow_merge_commit),
            (MergeMethod::Squash, self.allow_squash_merge),
            (MergeMethod::Rebase, self.allow_rebase_merge),
        ]
        .into_iter()
        .filter(|(_, allowed)| allowed.unwrap_or(true))
        .map(|(m, _)| m)
        .collect()
    }
}

/// One rule that applies to a branch (`GET …/rules/branches/{b}`), as far as convoy reads it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BranchRule {
    /// The rule's type (`required_linear_history`, `pull_request`, …).
    #[serde(rename = "type", deserialize_with = "de::lenient")]
    pub kind: Option<String>,
}

impl BranchRule {
    /// Whether it forbids merge commits.
    pub fn requires_linear_history(&self) -> bool {
        self.kind.as_deref() == Some("required_linear_history")
    }

    /// Whether the rule makes the branch take changes only through its merge queue.
    pub fn requires_merge_queue(&self) -> bool {
        self.kind.as_deref() == Some("merge_queue")
    }
}

/// A collaborator's permission on a repository.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CollaboratorPermission {
    /// The role (`admin`, `maintain`, `write`, `triage`, `read`, or a custom role's name).
    #[serde(deserialize_with = "de::lenient")]
    pub role_name: Option<String>,
    /// The legacy level (`admin`, `write`, `read`, `none`).
    #[serde(deserialize_with = "de::lenient")]
    pub permission: Option<String>,
}

impl CollaboratorPermission {
    /// The permission: `role_name` tells maintain and triage apart; `permission` is the legacy
    /// level, read when the role is not one convoy knows; else `none`.
    pub fn level(&self) -> Permission {
        let parse = |s: &Option<String>| s.as_deref().and_then(de::word::<Permission>);
        parse(&self.role_name)
            .or_else(|| parse(&self.permission))
            .unwrap_or(Permission::None)
    }
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}`.
    pub async fn repository(&self) -> Result<Repository, GhError> {
        Ok(de::object(self.gh.get(&path::repo(self.repo)).await?))
    }

    /// `GET /repos/{o}/{r}/rules/branches/{branch}`, every page (up to 5 of 100): the ruleset
    /// rules that apply to `branch`; none when GitHub does not know the branch (404).
    pub async fn branch_rules(&self, branch: &BranchName) -> Result<Vec<BranchRule>, GhError> {
        let found = self.get_all_opt(&Repo::rules_tail(branch), 5).await?;
        Ok(found.map(de::objects).unwrap_or_default())
    }

    /// `GET /repos/{o}/{r}/collaborators/{login}/permission`; `None` when GitHub does not know
    /// `login` there (404).
    pub async fn permission(
        &self,
        login: &Login,
    ) -> Result<Option<CollaboratorPermission>, GhError> {
        let url = format!("/collaborators/{}/permission", path::enc(login.as_str()));
        Ok(self.get_opt(&url).await?.map(de::object))
    }
}
