//! The executor's part for [`Action::Deploy`](crate::lifecycle::action::Action::Deploy): give a
//! deployment of a SHA the status the release calls for, making the deployment first when
//! convoy has none of it yet.
//!
//! Idempotent as every action: without a known id, the deployment made for this release of
//! that SHA in that environment is looked for (by its payload) before one is made. Giving the
//! same status twice only adds a line to the deployment's history on GitHub.

use serde_json::json;

use super::client::{GhError, GitHub};
use super::rest::deployments::{NewDeployment, PAYLOAD_KEY};
use crate::lifecycle::action::ActionOutcome;
use crate::model::deployment::{DeploymentState, EnvironmentName, Stage};
use crate::model::ids::{ReleaseId, RepoName, Sha};

/// One deployment status to give.
pub(super) struct Deploy<'a> {
    pub repo: &'a RepoName,
    pub stage: Stage,
    pub environment: &'a EnvironmentName,
    pub sha: &'a Sha,
    pub state: DeploymentState,
    pub deployment: Option<u64>,
    pub release: &'a ReleaseId,
    pub description: &'a str,
    pub log_url: Option<&'a str>,
}

/// Gives the status; GitHub's refusals (a 403 for a token without `deployments: write`, a 409
/// or 422) are [`ActionOutcome::Refused`], which the release records and does not send again.
pub(super) async fn deploy(gh: &GitHub, d: &Deploy<'_>) -> Result<ActionOutcome, GhError> {
    let api = gh.repo(d.repo);
    let known = d.deployment;
    let id = match known {
        Some(id) => id,
        None => match find_or_make(gh, d).await {
            Ok(id) => id,
            Err(e) => return refused(e),
        },
    };
    let give = |id| api.create_deployment_status(id, d.state.as_str(), d.description, d.log_url);
    match give(id).await {
        Ok(()) => Ok(ActionOutcome::Deployed { id }),
        // Someone deleted the deployment convoy knew: find or make it again.
        Err(GhError::NotFound { .. }) if known.is_some() => {
            let id = match find_or_make(gh, d).await {
                Ok(id) => id,
                Err(e) => return refused(e),
            };
            match give(id).await {
                Ok(()) => Ok(ActionOutcome::Deployed { id }),
                Err(e) => refused(e),
            }
        }
        Err(e) => refused(e),
    }
}

/// The deployment made for this release of the SHA in the environment, else a new one.
async fn find_or_make(gh: &GitHub, d: &Deploy<'_>) -> Result<u64, GhError> {
    let api = gh.repo(d.repo);
    let env = d.environment.as_str();
    if let Some(id) = api
        .release_deployment(d.sha, env, d.release)
        .await?
        .and_then(|x| x.id)
    {
        return Ok(id);
    }
    let new = NewDeployment {
        git_ref: d.sha.as_str(),
        environment: env,
        description: d.description,
        auto_merge: false,
        required_contexts: Vec::new(),
        production_environment: d.stage == Stage::Production,
        payload: json!({ PAYLOAD_KEY: d.release.as_str() }),
    };
    api.create_deployment(&new)
        .await?
        .ok_or_else(|| GhError::Unexpected {
            what: format!("POST /repos/{}/deployments", d.repo),
            message: "GitHub made no deployment (its answer has no id)".to_owned(),
        })
}

/// A refusal only a person can lift becomes the outcome; anything else stays an error (tried
/// again by the next run).
fn refused(e: GhError) -> Result<ActionOutcome, GhError> {
    match e {
        GhError::Conflict { .. } | GhError::Unprocessable { .. } => Ok(ActionOutcome::Refused {
            reason: e.to_string(),
        }),
        // The first request is a read, whose refusal names only `read`: say what convoy needs.
        GhError::Denied { .. } | GhError::PermissionMissing { .. } => Ok(ActionOutcome::Refused {
            reason: format!(
                "{e} (recording deployments needs `Deployments: write` in the repository)"
            ),
        }),
        e => Err(e),
    }
}
