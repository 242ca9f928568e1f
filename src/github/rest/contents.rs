//! Files through the Contents API (read, list a directory, create or replace with the blob SHA
//! it replaces), and Git blobs for files the Contents API leaves the content out of.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::repo::Repo;
use super::{de, path};
use crate::github::client::GhError;
use crate::model::ids::BranchName;

/// What the Contents API answers for a path.
#[derive(Debug, Clone)]
pub enum Contents {
    /// A file.
    File(File),
    /// A directory's entries.
    Dir(Vec<DirEntry>),
}

/// A file as the Contents API shows it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct File {
    /// Its blob SHA.
    #[serde(deserialize_with = "de::lenient")]
    pub sha: Option<String>,
    /// Its content, base64 (empty or absent over 1 MB).
    #[serde(deserialize_with = "de::lenient")]
    pub content: Option<String>,
    /// `base64`, or `none` when the content is left out.
    #[serde(deserialize_with = "de::lenient")]
    pub encoding: Option<String>,
    /// Its size in bytes.
    #[serde(deserialize_with = "de::lenient")]
    pub size: Option<u64>,
}

/// An entry of a directory.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DirEntry {
    /// `file`, `dir`, `symlink` or `submodule`.
    #[serde(rename = "type", deserialize_with = "de::lenient")]
    pub kind: Option<String>,
    /// Its name.
    #[serde(deserialize_with = "de::lenient")]
    pub name: Option<String>,
}

/// A file write: the commit message, the base64 content, the blob it replaces (none to
/// create), the branch (none for the default branch).
#[derive(Debug, Clone, Serialize)]
pub struct PutFile<'a> {
    /// The commit message.
    pub message: String,
    /// The new content, base64.
    pub content: String,
    /// The blob SHA the write replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha: Option<&'a str>,
    /// The branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<&'a str>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Written {
    #[serde(deserialize_with = "de::lenient")]
    content: Option<File>,
}

/// A Git blob.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Blob {
    /// Its content, base64.
    #[serde(deserialize_with = "de::lenient")]
    pub content: Option<String>,
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/contents/{file}[?ref={branch}]`; `None` when there is nothing there.
    pub async fn contents(
        &self,
        file: &str,
        branch: Option<&BranchName>,
    ) -> Result<Option<Contents>, GhError> {
        let mut url = path::contents(self.repo, file);
        if let Some(b) = branch {
            url = format!("{url}?ref={}", path::enc(b.as_str()));
        }
        let found = self.gh.get_opt(&url).await?;
        Ok(found.map(|v| match v {
            Value::Array(entries) => Contents::Dir(de::objects(entries)),
            other => Contents::File(de::object(other)),
        }))
    }

    /// `PUT /repos/{o}/{r}/contents/{file}`: the new blob SHA, when the answer gives it.
    pub async fn put_file(&self, file: &str, put: &PutFile<'_>) -> Result<Option<String>, GhError> {
        let url = path::contents(self.repo, file);
        let body = super::repo::request_body(&url, put)?;
        let answer = self.gh.put(&url, &body).await?;
        Ok(de::object::<Written>(answer.body)
            .content
            .and_then(|c| c.sha))
    }

    /// `GET /repos/{o}/{r}/git/blobs/{sha}`.
    pub async fn blob(&self, sha: &str) -> Result<Blob, GhError> {
        Ok(de::object(
            self.get(&format!("/git/blobs/{}", path::enc(sha))).await?,
        ))
    }
}
