//! `Repo`: one repository's REST API, the handle every area module adds its typed operations
//! to, and the raw verbs they share (paths under `/repos/{owner}/{repo}`, JSON request bodies).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{de, path};
use crate::github::client::{Answer, GhError, GitHub};
use crate::model::ids::RepoName;

/// One repository's REST API: the typed operations of every area (see the area modules).
#[derive(Debug, Clone, Copy)]
pub struct Repo<'a> {
    pub(super) gh: &'a GitHub,
    pub(super) repo: &'a RepoName,
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
    pub(super) fn url(&self, tail: &str) -> String {
        format!("{}{tail}", path::repo(self.repo))
    }

    /// GET `tail` under the repository.
    pub(super) async fn get(&self, tail: &str) -> Result<Value, GhError> {
        self.gh.get(&self.url(tail)).await
    }

    /// GET `tail` under the repository; a 404 is `None`.
    pub(super) async fn get_opt(&self, tail: &str) -> Result<Option<Value>, GhError> {
        self.gh.get_opt(&self.url(tail)).await
    }

    /// GET every page (up to `max_pages`) of the list at `tail`.
    pub(super) async fn get_all(
        &self,
        tail: &str,
        max_pages: usize,
    ) -> Result<Vec<Value>, GhError> {
        self.gh.get_all(&self.url(tail), None, max_pages).await
    }

    /// GET every page (up to `max_pages`) of the list at `tail`; a 404 is `None`.
    pub(super) async fn get_all_opt(
        &self,
        tail: &str,
        max_pages: usize,
    ) -> Result<Option<Vec<Value>>, GhError> {
        match self.get_all(tail, max_pages).await {
            Ok(items) => Ok(Some(items)),
            Err(GhError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `/rules/branches/{branch}`, each part of the branch name encoded.
    pub(super) fn rules_tail(branch: &crate::model::ids::BranchName) -> String {
        let parts: Vec<String> = branch.as_str().split('/').map(path::enc).collect();
        format!("/rules/branches/{}", parts.join("/"))
    }

    /// GET the pages of the list at `tail` (the array under `key`, or the answer itself) until
    /// one holds an item that reads as a `T` for which `found` holds, else to the last page (up
    /// to `max_pages`): the items read.
    pub(super) async fn find_in_pages<T: DeserializeOwned>(
        &self,
        tail: &str,
        key: Option<&str>,
        max_pages: usize,
        found: impl Fn(&T) -> bool,
    ) -> Result<Vec<T>, GhError> {
        let items = self
            .gh
            .get_until(&self.url(tail), key, max_pages, |page| {
                de::objects::<T>(page.to_vec()).iter().any(&found)
            })
            .await?;
        Ok(de::objects(items))
    }

    /// POST `body` to `tail`.
    pub(super) async fn post(&self, tail: &str, body: &impl Serialize) -> Result<Answer, GhError> {
        let url = self.url(tail);
        self.gh.post(&url, &request_body(&url, body)?).await
    }

    /// PUT `body` to `tail`.
    pub(super) async fn put(&self, tail: &str, body: &impl Serialize) -> Result<Answer, GhError> {
        let url = self.url(tail);
        self.gh.put(&url, &request_body(&url, body)?).await
    }

    /// PUT `body` to `tail`, taking the statuses in `accept` as answers
    /// ([`GitHub::put_accepting`](crate::github::client::GitHub::put_accepting)).
    pub(super) async fn put_accepting(
        &self,
        tail: &str,
        body: &impl Serialize,
        accept: &[u16],
    ) -> Result<Answer, GhError> {
        let url = self.url(tail);
        self.gh
            .put_accepting(&url, &request_body(&url, body)?, accept)
            .await
    }

    /// PATCH `tail` with `body`.
    pub(super) async fn patch(&self, tail: &str, body: &impl Serialize) -> Result<Answer, GhError> {
        let url = self.url(tail);
        self.gh.patch(&url, &request_body(&url, body)?).await
    }

    /// DELETE `tail`.
    pub(super) async fn delete(&self, tail: &str) -> Result<Answer, GhError> {
        self.gh.delete(&self.url(tail)).await
    }
}

/// A request body as JSON. The bodies are plain structs of strings, numbers and maps, which
/// always serialize; the error path is kept rather than assumed away.
pub(super) fn request_body(url: &str, body: &impl Serialize) -> Result<Value, GhError> {
    serde_json::to_value(body).map_err(|e| GhError::Unexpected {
        what: url.to_owned(),
        message: format!("the request body does not serialize: {e}"),
    })
}
