//! Merging a pull request, pinned to the head SHA that passed; a refusal comes back classified
//! ([`MergeError::Refused`] with a [`MergeRefusal`]).

use serde::{Deserialize, Serialize};

use super::de;
use super::refusal::MergeRefusal;
use super::repo::Repo;
use crate::github::client::GhError;
use crate::model::config::MergeMethod;
use crate::model::ids::Sha;
use crate::model::numbers::PullNumber;

/// A merge GitHub made.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Merged {
    /// The merge commit (or the squashed or rebased head).
    #[serde(deserialize_with = "de::lenient")]
    pub sha: Option<String>,
}

/// Why a merge request failed: GitHub refused it (classified), or it failed like any request.
/// Both show as the underlying [`GhError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// GitHub refused the merge (405, or 409 when the head moved).
    #[error("{error}")]
    Refused {
        /// Why, as data.
        refusal: MergeRefusal,
        /// GitHub's answer.
        error: GhError,
    },
    /// Anything else (not found, denied, rate limited, server or transport error…).
    #[error(transparent)]
    Failed(GhError),
}

impl MergeError {
    /// Classifies a failed merge request.
    pub fn from_error(error: GhError) -> MergeError {
        match MergeRefusal::from_error(&error) {
            Some(refusal) => MergeError::Refused { refusal, error },
            None => MergeError::Failed(error),
        }
    }

    /// The refusal, when GitHub refused.
    pub fn refusal(&self) -> Option<&MergeRefusal> {
        match self {
            MergeError::Refused { refusal, .. } => Some(refusal),
            MergeError::Failed(_) => None,
        }
    }
}

impl From<MergeError> for GhError {
    fn from(e: MergeError) -> GhError {
        match e {
            MergeError::Refused { error, .. } | MergeError::Failed(error) => error,
        }
    }
}

#[derive(Serialize)]
struct MergeRequest<'a> {
    sha: &'a str,
    merge_method: &'static str,
}

impl Repo<'_> {
    /// `PUT /repos/{o}/{r}/pulls/{number}/merge`, pinned to `sha`: GitHub refuses (409) when the
    /// head moved.
    pub async fn merge_pull(
        &self,
        number: PullNumber,
        sha: &Sha,
        method: MergeMethod,
    ) -> Result<Merged, MergeError> {
        let body = MergeRequest {
            sha: sha.as_str(),
            merge_method: method.as_str(),
        };
        match self.put(&format!("/pulls/{number}/merge"), &body).await {
            Ok(answer) => Ok(de::object(answer.body)),
            Err(e) => Err(MergeError::from_error(e)),
        }
    }
}
