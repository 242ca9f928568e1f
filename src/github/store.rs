//! The manifest store: `releases/<id>/manifest.json` in the control repo, read and written
//! through the Contents API with compare-and-swap on the blob SHA; and beside it, once the release
//! shipped, its lock, `releases/<id>/lock.json` ([`Lock`]).
//!
//! Saving a manifest whose lock differs from the stored one first stamps the lock's digest into
//! each member repo's GitHub release ([`super::stamp`]), then writes the lock, then the manifest:
//! when any step fails the manifest is not written, so the next run decides again and does the
//! rest. A shipped manifest in the control repo therefore always has its lock beside it.
//!
//! A write carries the SHA of the blob it replaces; GitHub refuses it (409) when another run
//! wrote first, and the caller reloads, re-observes and decides again. An invalid manifest is
//! never written. Files over 1 MB are read through the Git blobs API (the Contents API leaves
//! their content out).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::client::{GhError, GitHub};
use super::rest::contents::{Contents, File, PutFile};
use super::stamp::stamp_releases;
use crate::model::ids::{BranchName, ReleaseId, RepoName};
use crate::model::lock::{Lock, LockDigest, LockStatus};
use crate::model::manifest::ReleaseManifest;
use crate::validate::{self, Problem};

/// The most entries GitHub's Contents API lists of a directory.
const DIR_LIMIT: usize = 1000;

/// A manifest as stored, with the blob SHA a write must replace.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The manifest.
    pub manifest: ReleaseManifest,
    /// The blob SHA of the file it was read from.
    pub blob_sha: String,
}

/// A release's lock as stored: the file's text (what its digest is of) and its blob SHA.
#[derive(Debug, Clone)]
pub struct StoredLock {
    /// The file's text.
    pub text: String,
    /// The blob SHA of the file.
    pub blob_sha: String,
}

impl StoredLock {
    /// The digest of the file's bytes.
    pub fn digest(&self) -> LockDigest {
        LockDigest::of(self.text.as_bytes())
    }
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
    /// A rule of the branch the manifests are kept on refuses convoy's writes (GitHub's 409 or
    /// 422 "Repository rule violations found"): no retry helps; an admin must point convoy at
    /// another branch or let it through the rule.
    #[error(
        "the control repo {repo} refuses convoy's write of {file} to {}: a rule protects that branch ({rule}). Give convoy an existing branch no rule protects with the `state-branch` input (action.yml), for instance `convoy-state`, or let convoy's App bypass the rule",
        branch_words(.branch.as_ref())
    )]
    RuleViolation {
        /// The control repo.
        repo: RepoName,
        /// The branch written to (`None`: the repository's default branch).
        branch: Option<BranchName>,
        /// The file convoy wrote.
        file: String,
        /// The rule, in GitHub's words ("Changes must be made through a pull request.").
        rule: String,
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

fn branch_words(branch: Option<&BranchName>) -> String {
    branch.map_or_else(
        || "its default branch".to_owned(),
        |b| format!("the branch `{b}`"),
    )
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

    /// What the Contents API shows at `file` on the store's branch.
    async fn contents(&self, gh: &GitHub, file: &str) -> Result<Option<Contents>, GhError> {
        gh.repo(&self.repo)
            .contents(file, self.branch.as_ref())
            .await
    }

    /// Reads a release's manifest; `None` when it does not exist.
    pub async fn load(&self, gh: &GitHub, id: &ReleaseId) -> Result<Option<Stored>, StoreError> {
        let Some(found) = self.contents(gh, &Self::file(id)).await? else {
            return Ok(None);
        };
        let unreadable = |message: String| StoreError::Unreadable {
            file: Self::file(id),
            message,
        };
        let blob_sha = match &found {
            Contents::File(File { sha: Some(sha), .. }) => sha.clone(),
            _ => return Err(unreadable("no sha in the contents answer".into())),
        };
        let text = self.content(gh, &Self::file(id), &found).await?;
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
        // The lock first (and its stamps): a failure leaves the manifest unwritten, so the next
        // run decides again and writes both.
        self.save_lock(gh, manifest).await?;
        let text = serde_json::to_string_pretty(manifest).map_err(|e| StoreError::Unreadable {
            file: Self::file(&manifest.id),
            message: e.to_string(),
        })? + "\n";
        let put = PutFile {
            message: format!("convoy({}): {what} [skip ci]", manifest.id),
            content: STANDARD.encode(text.as_bytes()),
            sha: replaces,
            branch: self.branch.as_ref().map(BranchName::as_str),
        };
        match gh
            .repo(&self.repo)
            .put_file(&Self::file(&manifest.id), &put)
            .await
        {
            Ok(sha) => sha.ok_or_else(|| StoreError::Unreadable {
                file: Self::file(&manifest.id),
                message: "the write's answer has no content sha".into(),
            }),
            Err(e) => Err(self.refusal(
                e,
                Self::file(&manifest.id),
                &manifest.id,
                replaces.is_none(),
            )),
        }
    }

    /// Why a write of `file` (of release `id`) was refused: a branch rule (GitHub answers it
    /// with 409, as it answers a stale sha), another run that wrote first, or something else.
    fn refusal(&self, e: GhError, file: String, id: &ReleaseId, creating: bool) -> StoreError {
        if let Some(rule) = e.rule_violation() {
            return StoreError::RuleViolation {
                repo: self.repo.clone(),
                branch: self.branch.clone(),
                file,
                rule,
            };
        }
        match e {
            GhError::Conflict { .. } => StoreError::Stale(id.clone()),
            // Creating a file that another run created meanwhile: GitHub wants its sha.
            GhError::Unprocessable { message, .. } if creating && message.contains("sha") => {
                StoreError::Stale(id.clone())
            }
            e => e.into(),
        }
    }

    /// Reads a release's lock; `None` when it has none.
    pub async fn load_lock(
        &self,
        gh: &GitHub,
        id: &ReleaseId,
    ) -> Result<Option<StoredLock>, StoreError> {
        let file = Lock::file(id);
        let Some(found) = self.contents(gh, &file).await? else {
            return Ok(None);
        };
        let blob_sha = match &found {
            Contents::File(File { sha: Some(sha), .. }) => sha.clone(),
            _ => {
                return Err(StoreError::Unreadable {
                    file,
                    message: "no sha in the contents answer".into(),
                });
            }
        };
        let text = self.content(gh, &file, &found).await?;
        Ok(Some(StoredLock { text, blob_sha }))
    }

    /// Once `manifest`'s release has shipped: when its lock ([`Lock::of`]) differs from the
    /// stored one, stamps the new digest into every member repo's GitHub release, then writes
    /// the lock. Nothing (and no request) before the release shipped; one read of the lock
    /// after, when nothing changed.
    async fn save_lock(&self, gh: &GitHub, manifest: &ReleaseManifest) -> Result<(), StoreError> {
        let Some(lock) = Lock::of(manifest) else {
            return Ok(());
        };
        let text = lock.to_text();
        let stored = self.load_lock(gh, &manifest.id).await?;
        if stored.as_ref().is_some_and(|s| s.text == text) {
            return Ok(());
        }
        let digest = LockDigest::of(text.as_bytes());
        stamp_releases(gh, &lock, &digest, self.branch.as_ref()).await?;
        let what = match lock.status {
            LockStatus::Shipped => "lock what shipped",
            LockStatus::RolledBack => "the lock after the rollback",
        };
        let replaces = stored.as_ref().map(|s| s.blob_sha.as_str());
        let put = PutFile {
            message: format!("convoy({}): {what} [skip ci]", manifest.id),
            content: STANDARD.encode(text.as_bytes()),
            sha: replaces,
            branch: self.branch.as_ref().map(BranchName::as_str),
        };
        let file = Lock::file(&manifest.id);
        match gh.repo(&self.repo).put_file(&file, &put).await {
            Ok(_) => {
                tracing::info!("wrote {file} ({digest})");
                Ok(())
            }
            Err(e) => Err(self.refusal(e, file, &manifest.id, replaces.is_none())),
        }
    }

    /// The ids of every release with a manifest (for the scheduled reconcile of active ones).
    pub async fn list(&self, gh: &GitHub) -> Result<Vec<ReleaseId>, StoreError> {
        let Some(Contents::Dir(entries)) = self.contents(gh, "releases").await? else {
            return Ok(Vec::new());
        };
        if entries.len() >= DIR_LIMIT {
            tracing::warn!(
                "{}: releases/ lists {} entries, GitHub's most for a directory; releases past them are not reconciled by schedule",
                self.repo,
                entries.len()
            );
        }
        Ok(entries
            .iter()
            .filter(|e| e.kind.as_deref() == Some("dir"))
            .filter_map(|e| e.name.as_deref())
            .filter_map(|n| ReleaseId::parse(n).ok())
            .collect())
    }

    /// Reads `convoy.json` (or another file) from the control repo.
    pub async fn read_text(&self, gh: &GitHub, file: &str) -> Result<Option<String>, StoreError> {
        let Some(found) = self.contents(gh, file).await? else {
            return Ok(None);
        };
        self.content(gh, file, &found).await.map(Some)
    }

    /// The text of a file from its Contents API answer. Over 1 MB GitHub leaves the content out
    /// (`content` empty, `encoding` `none`); then it is read through the Git blobs API, which
    /// serves blobs up to 100 MB.
    async fn content(
        &self,
        gh: &GitHub,
        file: &str,
        answer: &Contents,
    ) -> Result<String, StoreError> {
        let unreadable = |message: String| StoreError::Unreadable {
            file: file.to_owned(),
            message,
        };
        let answer = match answer {
            Contents::Dir(_) => {
                return Err(unreadable(
                    "it is a directory; give the path of a file".to_owned(),
                ));
            }
            Contents::File(f) => f,
        };
        let inline = answer.content.as_deref();
        let omitted = answer.encoding.as_deref() == Some("none")
            || (inline.is_some_and(str::is_empty) && answer.size.unwrap_or(0) > 0);
        let encoded = match inline {
            Some(c) if !omitted => c.to_owned(),
            _ => {
                let blob_sha = answer.sha.as_deref().ok_or_else(|| {
                    unreadable("the contents answer has neither content nor sha".to_owned())
                })?;
                let blob = gh.repo(&self.repo).blob(blob_sha).await?;
                blob.content.unwrap_or_default()
            }
        };
        decode(file, &encoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_violation_is_told_from_a_stale_sha() {
        let rule = GhError::Conflict {
            what: "PUT x".into(),
            message: "Repository rule violations found\n\nChanges must be made through a pull request.\n\n".into(),
        };
        assert_eq!(
            rule.rule_violation().as_deref(),
            Some("Changes must be made through a pull request.")
        );
        let stale = GhError::Conflict {
            what: "PUT x".into(),
            message: "releases/r1/manifest.json does not match 1234".into(),
        };
        assert_eq!(stale.rule_violation(), None);
        let bare = GhError::Unprocessable {
            what: "PUT x".into(),
            message: "Repository rule violations found".into(),
        };
        assert_eq!(
            bare.rule_violation().as_deref(),
            Some("Repository rule violations found")
        );
        let err = StoreError::RuleViolation {
            repo: RepoName::parse("acme/control").unwrap(),
            branch: None,
            file: "releases/r1/manifest.json".into(),
            rule: "Changes must be made through a pull request.".into(),
        };
        let text = err.to_string();
        assert!(text.contains("`state-branch`"), "{text}");
        assert!(text.contains("its default branch"), "{text}");
    }
}
