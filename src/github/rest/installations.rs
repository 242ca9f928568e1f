//! GitHub App installations: which installation of an App serves a repository. Called with an
//! App client (authenticated by the App's JWT), not with [`crate::github::GitHub`].

use octocrab::Octocrab;
use serde::Deserialize;

use super::{de, path};
use crate::model::ids::RepoName;

/// An App's installation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Installation {
    /// Its id.
    #[serde(deserialize_with = "de::lenient")]
    pub id: Option<u64>,
    /// The permissions granted to the installation (`contents` → `write`, …).
    #[serde(deserialize_with = "de::lenient")]
    pub permissions: Option<std::collections::BTreeMap<String, String>>,
}

/// `GET /repos/{o}/{r}/installation`: the installation of the App (whose client `app` is) on
/// `repo`.
pub async fn repo_installation(
    app: &Octocrab,
    repo: &RepoName,
) -> Result<Installation, octocrab::Error> {
    let url = format!("{}/installation", path::repo(repo));
    let answer: serde_json::Value = app.get(url, None::<&()>).await?;
    Ok(de::object(answer))
}
