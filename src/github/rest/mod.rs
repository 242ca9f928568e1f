//! The typed REST layer: one method per GitHub operation convoy uses, each answering with serde
//! structs that hold only the fields convoy reads, and failing with a [`GhError`] (a merge with
//! a [`MergeError`] that says why GitHub refused it, as a [`MergeRefusal`]).
//!
//! Paths are built here ([`path`]); the [`GitHub`] client underneath is only the transport
//! (retries, rate limits, pagination, request counting). Outside this module no code reads
//! GitHub's JSON answers. Answers are read leniently ([`de`]): a field GitHub leaves out or
//! sends with another type reads as absent, as it always has in convoy.
//!
//! The operations are grouped by area, one file each, as methods of [`Repo`]
//! (`gh.repo(&name).pull(number)`); [`installations`] works on an App client instead.

pub mod actions;
pub mod compare;
pub mod contents;
pub mod de;
pub mod git;
pub mod installations;
pub mod issues;
pub mod merge;
pub mod path;
pub mod pulls;
pub mod refs;
pub mod refusal;
pub mod releases;
pub mod repos;
pub mod statuses;

use serde::Serialize;
use serde_json::Value;

pub use merge::{MergeError, Merged};
pub use refusal::MergeRefusal;

use super::client::{Answer, GhError, GitHub};
use crate::model::ids::RepoName;

/// One repository's REST API: the typed operations of every area (see the area modules).
#[derive(Debug, Clone, Copy)]
pub struct Repo<'a> {
    gh: &'a GitHub,
    repo: &'a RepoName,
}

impl GitHub {
    /// The typed REST API of `repo`.
    pub fn repo<'a>(&'a self, repo: &'a RepoName) -> Repo<'a> {
        Repo { gh: self, repo }
    }
}

impl<'a> Repo<'a> {
    /// The repository.
    pub fn name(&self) -> &'a RepoName {
        self.repo
    }

    /// `/repos/{owner}/{repo}{tail}`.
    fn url(&self, tail: &str) -> String {
        format!("{}{tail}", path::repo(self.repo))
    }

    /// GET `tail` under the repository.
    async fn get(&self, tail: &str) -> Result<Value, GhError> {
        self.gh.get(&self.url(tail)).await
    }

    /// GET `tail` under the repository; a 404 is `None`.
    async fn get_opt(&self, tail: &str) -> Result<Option<Value>, GhError> {
        self.gh.get_opt(&self.url(tail)).await
    }

    /// GET every page (up to `max_pages`) of the list at `tail`.
    async fn get_all(&self, tail: &str, max_pages: usize) -> Result<Vec<Value>, GhError> {
        self.gh.get_all(&self.url(tail), None, max_pages).await
    }

    /// POST `body` to `tail`.
    async fn post(&self, tail: &str, body: &impl Serialize) -> Result<Answer, GhError> {
        let url = self.url(tail);
        self.gh.post(&url, &request_body(&url, body)?).await
    }

    /// PUT `body` to `tail`.
    async fn put(&self, tail: &str, body: &impl Serialize) -> Result<Answer, GhError> {
        let url = self.url(tail);
        self.gh.put(&url, &request_body(&url, body)?).await
    }

    /// PATCH `tail` with `body`.
    async fn patch(&self, tail: &str, body: &impl Serialize) -> Result<Answer, GhError> {
        let url = self.url(tail);
        self.gh.patch(&url, &request_body(&url, body)?).await
    }

    /// DELETE `tail`.
    async fn delete(&self, tail: &str) -> Result<Answer, GhError> {
        self.gh.delete(&self.url(tail)).await
    }
}

/// A request body as JSON. The bodies are plain structs of strings, numbers and maps, which
/// always serialize; the error path is kept rather than assumed away.
fn request_body(url: &str, body: &impl Serialize) -> Result<Value, GhError> {
    serde_json::to_value(body).map_err(|e| GhError::Unexpected {
        what: url.to_owned(),
        message: format!("the request body does not serialize: {e}"),
    })
}
