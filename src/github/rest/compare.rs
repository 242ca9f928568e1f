//! Comparing two commits: how they are related (ahead, behind, identical, diverged; their merge
//! base) and the files changed between them.

use serde::Deserialize;

use super::de;
use super::repo::Repo;
use crate::github::client::GhError;

/// A comparison of two commits, `base...head`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Comparison {
    /// The files changed.
    #[serde(deserialize_with = "de::items")]
    files: Vec<ChangedFile>,
    /// `identical`, `ahead` (head descends from base), `behind` (base descends from head) or
    /// `diverged`.
    #[serde(deserialize_with = "de::lenient")]
    pub status: Option<String>,
    /// Commits in head that base lacks.
    #[serde(deserialize_with = "de::lenient")]
    pub ahead_by: Option<u64>,
    /// Commits in base that head lacks.
    #[serde(deserialize_with = "de::lenient")]
    pub behind_by: Option<u64>,
    /// Their merge base.
    #[serde(deserialize_with = "de::lenient")]
    merge_base_commit: Option<CommitRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct CommitRef {
    #[serde(deserialize_with = "de::lenient")]
    sha: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct ChangedFile {
    #[serde(deserialize_with = "de::lenient")]
    filename: Option<String>,
}

impl Comparison {
    /// Whether base is head or an ancestor of it (`identical` or `ahead`).
    pub fn head_contains_base(&self) -> bool {
        matches!(self.status.as_deref(), Some("identical" | "ahead"))
    }

    /// The merge base's SHA, when GitHub gave one.
    pub fn merge_base(&self) -> Option<&str> {
        self.merge_base_commit.as_ref()?.sha.as_deref()
    }

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

    /// [`Repo::compare`]; `None` when GitHub knows no such commits or finds no common ancestor
    /// (404).
    pub async fn compare_opt(&self, base: &str, head: &str) -> Result<Option<Comparison>, GhError> {
        let found = self.get_opt(&format!("/compare/{base}...{head}")).await?;
        Ok(found.map(de::object))
    }
}
