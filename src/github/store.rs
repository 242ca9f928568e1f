//! The manifest store: `releases/<id>/manifest.json` in the control repo, read and written
//! through the Contents API with compare-and-swap on the blob SHA.
//!
//! A write carries the SHA of the blob it replaces; GitHub refuses it (409) when another run
//! wrote first, and the caller reloads, re-observes and decides again. An invalid manifest is
//! never written. Files over 1 MB are read through the Git blobs API (the Contents API leaves
//! their content out).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::client::{GhError, GitHub};
use super::path;
use crate::model::ids::{BranchName, ReleaseId, RepoName};
use crate::model::manifest::ReleaseManifest;
use crate::validate::{self, Problem};

/// A manifest as stored, with the blob SHA a write must replace.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The manifest.
    pub manifest: ReleaseManifest,
    /// The blob SHA of the file it was read from.
    pub blob_sha: String,
}

/// Why loading or saving failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another run wrote the manifest first (compare-and-swap lost): reload and decide again.
    #[error("releases/{0}/manifest.json changed since it was read")]
    Stale(ReleaseId),
    /// The manifest is invalid (as read, or as about to be written).
    #[error("releases/{id}/manifest.json is invalid: {}", render(.problems))]
    Invalid {
        /// The release.
        id: ReleaseId,
        /// What is wrong.
        problems: Vec<Problem>,
    },
    /// GitHub refused or failed.
    #[error(transparent)]
    GitHub(#[from] GhError),
    /// The file is not what convoy wrote (not base64, not UTF-8), or GitHub's answer lacks a
    /// field.
    #[error("{file} in the control repo cannot be read: {message}")]
    Unreadable {
        /// The file's path in the control repo.
        file: String,
        /// Why.
        message: String,
    },
}

/// Decodes the base64 `content` of a Contents or blobs answer into text.
fn decode(file: &str, encoded: &str) -> Result<String, StoreError> {
    let unreadable = |message: String| StoreError::Unreadable {
        file: file.to_owned(),
        message,
    };
    let cleaned: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD
        .decode(cleaned)
        .map_err(|e| unreadable(format!("not base64: {e}")))?;
    String::from_utf8(bytes).map_err(|e| unreadable(format!("not UTF-8: {e}")))
}

fn render(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where manifests live.
#[derive(Debug, Clone)]
pub struct ManifestStore {
    /// The control repo.
    pub repo: RepoName,
    /// The branch manifests are kept on (`None`: the repository's default branch).
    pub branch: Option<BranchName>,
}

impl ManifestStore {
    /// The file path of a release's manifest.
    pub fn file(id: &ReleaseId) -> String {
        format!("releases/{id}/manifest.json")
    }

    fn with_ref(&self, path: String) -> String {
        match &self.branch {
            Some(b) => format!("{path}?ref={}", path::enc(b.as_str())),
            None => path,
        }
    }

    /// Reads a release's manifest; `None` when it does not exist.
    pub async fn load(&self, gh: &GitHub, id: &ReleaseId) -> Result<Option<Stored>, StoreError> {
        let url = self.with_ref(path::contents(&self.repo, &Self::file(id)));
        let Some(file) = gh.get_opt(&url).await? else {
            return Ok(None);
        };
        let unreadable = |message: String| StoreError::Unreadable {
            file: Self::file(id),
            message,
        };
        let blob_sha = file
            .get("sha")
            .and_then(Value::as_str)
            .ok_or_else(|| unreadable("no sha in the contents answer".into()))?
            .to_owned();
        let text = self.content(gh, &Self::file(id), &file).await?;
        let manifest =
            validate::manifest_from_str(&text).map_err(|problems| StoreError::Invalid {
                id: id.clone(),
                problems,
            })?;
        Ok(Some(Stored { manifest, blob_sha }))
    }

    /// Writes `manifest`, replacing the blob `replaces` (or creating the file when `None`).
    /// Returns the new blob SHA. Refuses to write an invalid manifest.
    pub async fn save(
        &self,
        gh: &GitHub,
        manifest: &ReleaseManifest,
        replaces: Option<&str>,
        what: &str,
    ) -> Result<String, StoreError> {
        let problems = validate::check_manifest_value(manifest);
        if !problems.is_empty() {
            return Err(StoreError::Invalid {
                id: manifest.id.clone(),
                problems,
            });
        }
        let text = serde_json::to_string_pretty(manifest).map_err(|e| StoreError::Unreadable {
            file: Self::file(&manifest.id),
            message: e.to_string(),
        })? + "\n";
        let mut body = json!({
            "message": format!("convoy({}): {what} [skip ci]", manifest.id),
            "content": STANDARD.encode(text.as_bytes()),
        });
        if let Some(sha) = replaces {
            body["sha"] = json!(sha);
        }
        if let Some(b) = &self.branch {
            body["branch"] = json!(b.as_str());
        }
        let url = path::contents(&self.repo, &Self::file(&manifest.id));
        match gh.put(&url, &body).await {
            Ok(answer) => answer
                .body
                .pointer("/content/sha")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| StoreError::Unreadable {
                    file: Self::file(&manifest.id),
                    message: "the write's answer has no content sha".into(),
                }),
            Err(GhError::Conflict { .. }) => Err(StoreError::Stale(manifest.id.clone())),
            // Creating a file that another run created meanwhile: GitHub wants its sha.
            Err(GhError::Unprocessable { message, .. })
                if replaces.is_none() && message.contains("sha") =>
            {
                Err(StoreError::Stale(manifest.id.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The ids of every release with a manifest (for the scheduled reconcile of active ones).
    pub async fn list(&self, gh: &GitHub) -> Result<Vec<ReleaseId>, StoreError> {
        let url = self.with_ref(path::contents(&self.repo, "releases"));
        let Some(Value::Array(entries)) = gh.get_opt(&url).await? else {
            return Ok(Vec::new());
        };
        Ok(entries
            .iter()
            .filter(|e| e.get("type").and_then(Value::as_str) == Some("dir"))
            .filter_map(|e| e.get("name").and_then(Value::as_str))
            .filter_map(|n| ReleaseId::parse(n).ok())
            .collect())
    }

    /// Reads `convoy.json` (or another file) from the control repo.
    pub async fn read_text(&self, gh: &GitHub, file: &str) -> Result<Option<String>, StoreError> {
        let url = self.with_ref(path::contents(&self.repo, file));
        let Some(v) = gh.get_opt(&url).await? else {
            return Ok(None);
        };
        self.content(gh, file, &v).await.map(Some)
    }

    /// The text of a file from its Contents API answer. Over 1 MB GitHub leaves the content out
    /// (`content` empty, `encoding` `none`); then it is read through the Git blobs API, which
    /// serves blobs up to 100 MB.
    async fn content(&self, gh: &GitHub, file: &str, answer: &Value) -> Result<String, StoreError> {
        let unreadable = |message: String| StoreError::Unreadable {
            file: file.to_owned(),
            message,
        };
        if answer.is_array() {
            return Err(unreadable(
                "it is a directory; give the path of a file".to_owned(),
            ));
        }
        let inline = answer.get("content").and_then(Value::as_str);
        let omitted = answer.get("encoding").and_then(Value::as_str) == Some("none")
            || (inline.is_some_and(str::is_empty)
                && answer.get("size").and_then(Value::as_u64).unwrap_or(0) > 0);
        let encoded = match inline {
            Some(c) if !omitted => c.to_owned(),
            _ => {
                let blob_sha = answer.get("sha").and_then(Value::as_str).ok_or_else(|| {
                    unreadable("the contents answer has neither content nor sha".to_owned())
                })?;
                let blob = gh
                    .get(&format!(
                        "{}/git/blobs/{}",
                        path::repo(&self.repo),
                        path::enc(blob_sha)
                    ))
                    .await?;
                blob.get("content")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            }
        };
        decode(file, &encoded)
    }
}
