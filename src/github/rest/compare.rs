//! Comparing two commits: the files changed between them.

use serde::Deserialize;

use super::de;
use super::repo::Repo;
use crate::github::client::GhError;

/// A comparison of two commits.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Comparison {
    /// The files changed.
    #[serde(deserialize_with = "de::items")]
    files: Vec<ChangedFile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ChangedFile {
    #[serde(deserialize_with = "de::lenient")]
    filename: Option<String>,
}

impl Comparison {
    /// The paths of the files changed.
    pub fn files(&self) -> Vec<String> {
        self.files
            .iter()
            .filter_map(|f| f.filename.clone())
            .collect()
    }
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/compare/{base}...{head}`.
    pub async fn compare(&self, base: &str, head: &str) -> Result<Comparison, GhError> {
        Ok(de::object(
            self.get(&format!("/compare/{base}...{head}")).await?,
        ))
    }
}
