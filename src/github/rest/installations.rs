//! GitHub App installations: which installations an App has, which one serves a repository, a
//! token for one, and what that token reaches. Called with an App client (sending the App's
//! JWT) or an installation's client, through the transport of a [`GitHub`] (counted, retried).

use octocrab::Octocrab;
use serde::Deserialize;
use serde_json::Value;

use super::{de, path};
use crate::github::client::{GhError, GitHub, Method};
use crate::model::ids::RepoName;

/// An App's installation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Installation {
    /// Its id.
    #[serde(deserialize_with = "de::lenient")]
    pub id: Option<u64>,
    /// The owner it is installed on.
    #[serde(deserialize_with = "de::lenient")]
    pub account: Option<Account>,
    /// `all` or `selected`.
    #[serde(deserialize_with = "de::lenient")]
    pub repository_selection: Option<String>,
    /// The permissions granted to the installation (`contents` → `write`, …).
    #[serde(deserialize_with = "de::lenient")]
    pub permissions: Option<std::collections::BTreeMap<String, String>>,
}

/// The account an installation is on.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Account {
    /// Its login.
    #[serde(deserialize_with = "de::lenient")]
    pub login: Option<String>,
}

impl Installation {
    /// The owner's login, when GitHub says.
    pub fn owner(&self) -> Option<&str> {
        self.account.as_ref()?.login.as_deref()
    }

    /// Whether it reaches only the repositories selected for it.
    pub fn selected(&self) -> bool {
        self.repository_selection.as_deref() == Some("selected")
    }
}

/// An installation token, as `POST …/access_tokens` answers.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct AccessToken {
    /// The token.
    #[serde(deserialize_with = "de::lenient")]
    pub token: Option<String>,
    /// When it expires (RFC 3339).
    #[serde(deserialize_with = "de::lenient")]
    pub expires_at: Option<String>,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"***")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A repository an installation token reaches.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Reached {
    /// `owner/name`.
    #[serde(deserialize_with = "de::lenient")]
    pub full_name: Option<String>,
}

/// `GET /repos/{o}/{r}/installation`: the installation of the App (whose client `app` is) on
/// `repo`. Sent by octocrab itself (for `convoy doctor`, which mints one token).
pub async fn repo_installation(
    app: &Octocrab,
    repo: &RepoName,
) -> Result<Installation, octocrab::Error> {
    let url = format!("{}/installation", path::repo(repo));
    let answer: Value = app.get(url, None::<&()>).await?;
    Ok(de::object(answer))
}

/// Every page of a list the App (or an installation) reads with `octo`, up to `max_pages`;
/// `key` names the array in an object answer.
async fn pages(
    gh: &GitHub,
    octo: &Octocrab,
    first: &str,
    key: Option<&str>,
    max_pages: usize,
) -> Result<Vec<Value>, GhError> {
    let mut url = first.to_owned();
    let mut out = Vec::new();
    for _ in 0..max_pages.max(1) {
        let answer = gh.send_as(octo, Method::Get, &url, None).await?;
        let items = match key {
            Some(k) => answer.body.get(k).cloned().unwrap_or(Value::Null),
            None => answer.body,
        };
        if let Value::Array(a) = items {
            out.extend(a);
        }
        match answer.next {
            Some(next) => url = gh.relative(&next),
            None => break,
        }
    }
    Ok(out)
}

/// `GET /app/installations` (as the App, up to 10 pages of 100): where it is installed.
pub async fn list(gh: &GitHub, app: &Octocrab) -> Result<Vec<Installation>, GhError> {
    let all = pages(gh, app, "/app/installations?per_page=100", None, 10).await?;
    Ok(de::objects(all))
}

/// `POST /app/installations/{id}/access_tokens` (as the App): a token for installation `id`,
/// with the installation's permissions on its repositories, valid an hour.
pub async fn mint(gh: &GitHub, app: &Octocrab, id: u64) -> Result<AccessToken, GhError> {
    let url = format!("/app/installations/{id}/access_tokens");
    let answer = gh
        .send_as(app, Method::Post, &url, Some(&serde_json::json!({})))
        .await?;
    Ok(de::object(answer.body))
}

/// `GET /installation/repositories` (as the installation, up to 10 pages of 100): the
/// repositories its token reaches, as `owner/name`.
pub async fn reached(gh: &GitHub, installation: &Octocrab) -> Result<Vec<String>, GhError> {
    let all = pages(
        gh,
        installation,
        "/installation/repositories?per_page=100",
        Some("repositories"),
        10,
    )
    .await?;
    Ok(de::objects::<Reached>(all)
        .into_iter()
        .filter_map(|r| r.full_name)
        .collect())
}
