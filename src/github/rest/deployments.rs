//! Deployments: finding the one convoy made of a SHA in an environment for a release, making
//! one, and giving it a status (`/repos/{o}/{r}/deployments…`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::repo::Repo;
use super::{de, path};
use crate::github::client::GhError;
use crate::model::ids::{ReleaseId, Sha};

/// The payload key convoy keeps the release id under, to find its deployment again.
pub const PAYLOAD_KEY: &str = "convoy_release";

/// A deployment: its id and the release it was made for (from its payload).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Deployment {
    /// Its id.
    #[serde(deserialize_with = "de::lenient")]
    pub id: Option<u64>,
    /// Its payload (an object for convoy's; GitHub returns what it was given).
    pub payload: Value,
}

impl Deployment {
    /// Whether convoy made it for `release`.
    pub fn is_for(&self, release: &ReleaseId) -> bool {
        let payload = match &self.payload {
            // GitHub also accepts the payload as a JSON string and may return it so.
            Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            other => other.clone(),
        };
        payload.get(PAYLOAD_KEY).and_then(Value::as_str) == Some(release.as_str())
    }
}

/// What a new deployment is.
#[derive(Debug, Serialize)]
pub struct NewDeployment<'a> {
    /// The SHA deployed (as its `ref`).
    #[serde(rename = "ref")]
    pub git_ref: &'a str,
    /// The environment.
    pub environment: &'a str,
    /// One line.
    pub description: &'a str,
    /// Never merge the default branch into the ref (GitHub's default would): convoy deploys
    /// exactly the SHA that moved.
    pub auto_merge: bool,
    /// No status checks are verified: the release's own gates decided (GitHub's default checks
    /// every context, and answers 409 while one is pending).
    pub required_contexts: Vec<String>,
    /// Whether the environment is a production one.
    pub production_environment: bool,
    /// `{"convoy_release": "<id>"}`.
    pub payload: Value,
}

/// What a new deployment status is.
#[derive(Debug, Serialize)]
struct NewStatus<'a> {
    state: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_url: Option<&'a str>,
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}/deployments?sha=…&environment=…`, newest first: the first made for
    /// `release` (up to 3 pages).
    pub async fn release_deployment(
        &self,
        sha: &Sha,
        environment: &str,
        release: &ReleaseId,
    ) -> Result<Option<Deployment>, GhError> {
        let tail = format!(
            "/deployments?sha={}&environment={}&per_page=100",
            path::enc(sha.as_str()),
            path::enc(environment)
        );
        let found = self
            .find_in_pages::<Deployment>(&tail, None, 3, |d| d.is_for(release))
            .await?;
        Ok(found.into_iter().find(|d| d.is_for(release)))
    }

    /// `POST /repos/{o}/{r}/deployments`: the new deployment's id.
    pub async fn create_deployment(&self, new: &NewDeployment<'_>) -> Result<Option<u64>, GhError> {
        let answer = self.post("/deployments", new).await?;
        Ok(de::object::<Deployment>(answer.body).id)
    }

    /// `POST /repos/{o}/{r}/deployments/{id}/statuses`.
    pub async fn create_deployment_status(
        &self,
        id: u64,
        state: &str,
        description: &str,
        log_url: Option<&str>,
    ) -> Result<(), GhError> {
        let status = NewStatus {
            state,
            description,
            log_url,
        };
        self.post(&format!("/deployments/{id}/statuses"), &status)
            .await
            .map(drop)
    }
}
