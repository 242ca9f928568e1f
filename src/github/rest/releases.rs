//! Releases: finding one by its tag, and creating one.

use serde::{Deserialize, Serialize};

use super::repo::Repo;
use super::{de, path};
use crate::github::client::GhError;
use crate::model::ids::Sha;

/// A release (convoy only needs to know it exists).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Release {
    /// Its tag.
    #[serde(deserialize_with = "de::lenient")]
    pub tag_name: Option<String>,
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
}
