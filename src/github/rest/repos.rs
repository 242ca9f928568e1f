//! A repository itself, and a person's permission on it.

use serde::Deserialize;

use super::repo::Repo;
use super::{de, path};
use crate::github::client::GhError;
use crate::model::config::Permission;
use crate::model::ids::Login;

/// A repository.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Repository {
    /// Its default branch.
    #[serde(deserialize_with = "de::lenient")]
    pub default_branch: Option<String>,
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
