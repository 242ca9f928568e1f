//! Releases: finding one by its tag, creating one, and editing its body (the lock's stamp).

use serde::{Deserialize, Serialize};

use super::repo::Repo;
use super::{de, path};
use crate::github::client::GhError;
use crate::model::ids::Sha;

/// A release: that it exists, and its body (where convoy stamps the release lock's digest).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Release {
    /// Its id.
    #[serde(deserialize_with = "de::lenient")]
    pub id: Option<u64>,
    /// Its tag.
    #[serde(deserialize_with = "de::lenient")]
    pub tag_name: Option<String>,
    /// Its text (markdown).
    #[serde(deserialize_with = "de::lenient")]
    pub body: Option<String>,
    /// Its page (`{server}/{owner}/{repo}/releases/tag/{tag}`).
    #[serde(deserialize_with = "de::lenient")]
    pub html_url: Option<String>,
}

impl Release {
    /// The web server its page is on (`https://github.com`): what comes before
    /// `/{owner}/{repo}/releases/` in its `html_url`.
    pub fn server(&self, repo: &crate::model::ids::RepoName) -> Option<&str> {
        let url = self.html_url.as_deref()?;
        let at = url.find(&format!("/{repo}/releases/"))?;
        Some(&url[..at])
    }
}

#[derive(Serialize)]
struct EditBody<'a> {
    body: &'a str,
}

#[derive(Serialize)]
struct NewRelease<'a> {
    tag_name: &'a str,
    target_commitish: &'a str,
    name: &'a str,
    body: &'a str,
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/releases/tags/{tag}`; `None` when there is no release of that tag.
    pub async fn release_by_tag(&self, tag: &str) -> Result<Option<Release>, GhError> {
        let found = self
            .get_opt(&format!("/releases/tags/{}", path::enc(tag)))
            .await?;
        Ok(found.map(de::object))
    }

    /// `POST /repos/{o}/{r}/releases`: a release of `tag`, created at `sha`.
    pub async fn create_release(
        &self,
        tag: &str,
        sha: &Sha,
        name: &str,
        body: &str,
    ) -> Result<(), GhError> {
        let new = NewRelease {
            tag_name: tag,
            target_commitish: sha.as_str(),
            name,
            body,
        };
        self.post("/releases", &new).await.map(drop)
    }

    /// `PATCH /repos/{o}/{r}/releases/{id}` with a new `body` (nothing else changes).
    pub async fn edit_release_body(&self, id: u64, body: &str) -> Result<(), GhError> {
        self.patch(&format!("/releases/{id}"), &EditBody { body })
            .await
            .map(drop)
    }
}
