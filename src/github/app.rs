//! GitHub App credentials → an installation token for one repository's owner, with the
//! permissions the installation grants: what `convoy doctor` checks. (`convoy run` mints one
//! token per owner instead, as it goes: [`super::tokens`].)

use std::collections::BTreeMap;

use anyhow::Context as _;
use octocrab::Octocrab;
use octocrab::models::{AppId, InstallationId};

use super::rest::installations::repo_installation;
use crate::model::ids::RepoName;

/// An installation token and the permissions the installation grants.
pub struct Grant {
    /// The token.
    pub token: String,
    /// Permission name → `read` or `write`, as the installation shows them.
    pub permissions: BTreeMap<String, String>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("token", &"***")
            .field("permissions", &self.permissions)
            .finish()
    }
}

/// Mints an installation token for the App installed on `repo`'s owner, with the permissions
/// the installation grants (for `convoy doctor`).
pub async fn installation_grant(
    api_url: &str,
    app_id: u64,
    private_key_pem: &str,
    repo: &RepoName,
) -> anyhow::Result<Grant> {
    let key = octocrab::EncodingKey::from_rsa_pem(private_key_pem.as_bytes())
        .context("the `private-key` input is not an RSA private key in PEM form")?;
    let app = Octocrab::builder()
        .base_uri(api_url)
        .context("the API URL")?
        .app(AppId(app_id), key)
        .build()
        .context("building the App client")?;
    let installation = repo_installation(&app, repo)
        .await
        .with_context(|| format!("the App {app_id} is not installed on {repo}"))?;
    let id = installation.id.context("the installation has no id")?;
    let (_, token) = app
        .installation_and_token(InstallationId(id))
        .await
        .context("minting an installation token")?;
    Ok(Grant {
        token: secrecy::ExposeSecret::expose_secret(&token).to_owned(),
        permissions: installation.permissions.unwrap_or_default(),
    })
}
