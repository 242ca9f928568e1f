//! One installation token per owner, from GitHub App credentials.
//!
//! An installation token reaches one installation, and an installation is one owner's (a user
//! or an organisation): a release whose repositories belong to `acme` and `beta` needs a token
//! for each, and a token of `acme`'s installation gets 404 on `beta`'s repositories. So with App
//! credentials the client ([`GitHub::with_app`]) holds an [`AppTokens`]: on the first request
//! for an owner (by the `/repos/{owner}/…` of its path; any other path is the control repo
//! owner's) it lists the App's installations (`GET /app/installations`, once per run), mints a
//! token for that owner's installation (`POST /app/installations/{id}/access_tokens`, once per
//! owner per run; the token lives an hour, longer than any run), hands it to the mint hook
//! (which masks it) before any use, and, when the installation reaches selected repositories
//! only, lists them (`GET /installation/repositories`). [`GitHub::reach`] then says, without a
//! request of its own, whether the App reaches a repository: what the observer reports as
//! unreachable, with the fix.
//!
//! Lazily rather than up front: the owners are known only once the manifest (in the control
//! repo) is read, a run reads only the owners its release concerns, and a run that fails early
//! mints nothing more.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use octocrab::Octocrab;
use octocrab::models::AppId;
use tokio::sync::OnceCell;

use super::client::{ClientConfig, Credentials, GhError, GitHub, build_octocrab};
use super::rest::installations;
use crate::model::ids::RepoName;

/// Called with every token minted, before it is used (the Action masks it there).
pub type MintHook = Box<dyn Fn(&str) + Send + Sync>;

/// GitHub App credentials, and the owner whose token serves paths of no repository.
pub struct AppAuth {
    /// The App's id (`app-id`).
    pub app_id: u64,
    /// The App's private key in PEM (`private-key`).
    pub private_key: String,
    /// The control repo's owner.
    pub home: String,
    /// Called with each minted token before its first use.
    pub on_mint: Option<MintHook>,
}

impl std::fmt::Debug for AppAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppAuth")
            .field("app_id", &self.app_id)
            .field("private_key", &"***")
            .field("home", &self.home)
            .finish_non_exhaustive()
    }
}

/// Whether convoy can reach a repository, as far as its credentials say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A token was given, not App credentials: only GitHub's answers tell.
    Unknown,
    /// The App's installation on its owner reaches it.
    Reachable,
    /// The App is not installed on its owner.
    NotInstalled,
    /// The App's installation on its owner reaches selected repositories, not this one.
    NotSelected,
}

/// What the App has on one owner, once looked at.
#[derive(Clone)]
enum Access {
    /// No installation: the App cannot reach anything of the owner.
    NotInstalled,
    /// An installation, its token's client, and (for a selection) the repositories it reaches,
    /// lower-cased; `None`: all of the owner's.
    Installed {
        octo: Box<Octocrab>,
        reached: Option<BTreeSet<String>>,
    },
}

/// An installation, as listed.
#[derive(Clone, Copy)]
struct Listed {
    id: u64,
    selected: bool,
}

/// How long one signed JWT is used for the App's requests (it is valid 9 minutes).
const JWT_REUSE: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// The installation tokens of one run, per owner (see the module's documentation).
pub struct AppTokens {
    app_id: u64,
    api_url: String,
    key: octocrab::EncodingKey,
    /// A client sending one signed JWT, and when it was signed: an RSA signature per run (or
    /// per five minutes), not per request.
    jwt: Mutex<Option<(std::time::Instant, Octocrab)>>,
    home: String,
    on_mint: Option<MintHook>,
    installations: OnceCell<BTreeMap<String, Listed>>,
    owners: Mutex<BTreeMap<String, Arc<OnceCell<Access>>>>,
    minted: AtomicU64,
}

impl AppTokens {
    /// The App's client for `api_url`; nothing is sent yet.
    pub fn new(api_url: &str, auth: AppAuth) -> anyhow::Result<Self> {
        let key = octocrab::EncodingKey::from_rsa_pem(auth.private_key.as_bytes())
            .context("the `private-key` input is not an RSA private key in PEM form (GitHub's \"Generate a private key\" downloads one: paste the whole file, with its BEGIN and END lines)")?;
        Ok(AppTokens {
            app_id: auth.app_id,
            api_url: api_url.to_owned(),
            key,
            jwt: Mutex::new(None),
            home: auth.home.to_ascii_lowercase(),
            on_mint: auth.on_mint,
            installations: OnceCell::new(),
            owners: Mutex::new(BTreeMap::new()),
            minted: AtomicU64::new(0),
        })
    }

    /// A client authenticated as the App: a JWT (RS256, `iss` the App's id, issued a minute
    /// back for clock drift, expiring in nine minutes), signed again after five minutes.
    fn app(&self) -> Result<Octocrab, GhError> {
        let mut cached = self
            .jwt
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, octo)) = cached.as_ref()
            && at.elapsed() < JWT_REUSE
        {
            return Ok(octo.clone());
        }
        let what = format!("the GitHub App {}", self.app_id);
        let jwt = octocrab::auth::create_jwt(AppId(self.app_id), &self.key).map_err(|e| {
            GhError::App {
                what: what.clone(),
                message: format!("signing its JWT with `private-key` failed: {e}"),
            }
        })?;
        let octo = build_octocrab(&self.api_url, jwt).map_err(|e| GhError::Transport {
            what,
            message: format!("{e:#}"),
        })?;
        *cached = Some((std::time::Instant::now(), octo.clone()));
        Ok(octo)
    }

    /// Tokens minted so far.
    pub fn minted(&self) -> u64 {
        self.minted.load(Ordering::Relaxed)
    }

    /// The client for a request to `path`: the installation token of its owner; for an owner
    /// without installation, the control repo owner's (GitHub answers 404, as it would).
    async fn client_of(&self, gh: &GitHub, path: &str) -> Result<Octocrab, GhError> {
        let owner = owner_of(path).unwrap_or_else(|| self.home.clone());
        if let Access::Installed { octo, .. } = self.access(gh, &owner).await? {
            return Ok(*octo);
        }
        match self.access(gh, &self.home).await? {
            Access::Installed { octo, .. } => Ok(*octo),
            Access::NotInstalled => Err(GhError::App {
                what: format!("the GitHub App {}", self.app_id),
                message: format!(
                    "it is not installed on {}, which owns the control repo; install the App on {} (Settings → GitHub Apps, or the App's public page → Install)",
                    self.home, self.home
                ),
            }),
        }
    }

    /// Whether the App reaches `repo` (see [`Reach`]).
    pub(crate) async fn reach(&self, gh: &GitHub, repo: &RepoName) -> Result<Reach, GhError> {
        Ok(
            match self.access(gh, &repo.owner().to_ascii_lowercase()).await? {
                Access::NotInstalled => Reach::NotInstalled,
                Access::Installed { reached: None, .. } => Reach::Reachable,
                Access::Installed {
                    reached: Some(set), ..
                } => {
                    if set.contains(&repo.as_str().to_ascii_lowercase()) {
                        Reach::Reachable
                    } else {
                        Reach::NotSelected
                    }
                }
            },
        )
    }

    /// What the App has on `owner` (lower-cased), looked at once: concurrent first requests for
    /// one owner wait for one mint.
    async fn access(&self, gh: &GitHub, owner: &str) -> Result<Access, GhError> {
        let cell = {
            let mut owners = self
                .owners
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            owners.entry(owner.to_owned()).or_default().clone()
        };
        cell.get_or_try_init(|| self.open(gh, owner)).await.cloned()
    }

    /// Lists the App's installations (once), mints a token for `owner`'s, and lists what a
    /// selection reaches.
    async fn open(&self, gh: &GitHub, owner: &str) -> Result<Access, GhError> {
        let listed = self
            .installations
            .get_or_try_init(|| async {
                let all = installations::list(gh, &self.app()?)
                    .await
                    .map_err(|e| self.refused(e))?;
                Ok::<_, GhError>(
                    all.iter()
                        .filter_map(|i| {
                            Some((
                                i.owner()?.to_ascii_lowercase(),
                                Listed {
                                    id: i.id?,
                                    selected: i.selected(),
                                },
                            ))
                        })
                        .collect::<BTreeMap<_, _>>(),
                )
            })
            .await?;
        let Some(installation) = listed.get(owner).copied() else {
            tracing::info!("the GitHub App {} is not installed on {owner}", self.app_id);
            return Ok(Access::NotInstalled);
        };
        let minted = installations::mint(gh, &self.app()?, installation.id)
            .await
            .map_err(|e| self.refused(e))?;
        let what = format!("POST /app/installations/{}/access_tokens", installation.id);
        let token = minted.token.ok_or_else(|| GhError::Unexpected {
            what: what.clone(),
            message: "the answer holds no token".to_owned(),
        })?;
        // A new secret: shown to the hook (masked) before anything can print or send it.
        if let Some(hook) = &self.on_mint {
            hook(&token);
        }
        self.minted.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            "minted an installation token for {owner} (installation {}, expires {})",
            installation.id,
            minted.expires_at.as_deref().unwrap_or("in an hour")
        );
        let octo = build_octocrab(&self.api_url, token).map_err(|e| GhError::Transport {
            what,
            message: format!("{e:#}"),
        })?;
        let reached = if installation.selected {
            let names = installations::reached(gh, &octo).await?;
            Some(names.iter().map(|n| n.to_ascii_lowercase()).collect())
        } else {
            None
        };
        Ok(Access::Installed {
            octo: Box::new(octo),
            reached,
        })
    }

    /// An App request GitHub refused for its credentials (401): said with what to check.
    fn refused(&self, e: GhError) -> GhError {
        match e {
            GhError::Denied {
                what,
                status: 401,
                message,
            } => GhError::App {
                what,
                message: format!(
                    "{message}: GitHub refused the App's credentials; check that `app-id` is {}'s id and `private-key` one of its private keys, and that the runner's clock is right (a JWT lives 10 minutes)",
                    self.app_id
                ),
            },
            other => other,
        }
    }
}

impl Credentials for AppTokens {
    fn client_for<'a>(
        &'a self,
        gh: &'a GitHub,
        path: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<Octocrab, GhError>> {
        Box::pin(self.client_of(gh, path))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl GitHub {
    /// A client that acts with GitHub App credentials: it mints an installation token for each
    /// owner whose repositories it is asked about, once, on first use (`cfg.token` is unused).
    /// Must run inside a Tokio runtime.
    pub fn with_app(cfg: ClientConfig, app: AppAuth) -> anyhow::Result<Self> {
        let apps = AppTokens::new(&cfg.api_url, app)?;
        GitHub::with_credentials(cfg, Box::new(apps))
    }

    /// The App's tokens, when the client was built with App credentials.
    fn app_tokens(&self) -> Option<&AppTokens> {
        self.credentials()?.as_any().downcast_ref()
    }

    /// With App credentials, whether the App can reach `repo` (its installations, read once);
    /// with a token, [`Reach::Unknown`]: only GitHub's answers tell.
    pub async fn reach(&self, repo: &crate::model::ids::RepoName) -> Result<Reach, GhError> {
        match self.app_tokens() {
            None => Ok(Reach::Unknown),
            Some(apps) => apps.reach(self, repo).await,
        }
    }

    /// Installation tokens minted so far (0 with a token).
    pub fn minted(&self) -> u64 {
        self.app_tokens().map_or(0, AppTokens::minted)
    }
}

/// The owner in a `/repos/{owner}/…` path, lower-cased.
fn owner_of(path: &str) -> Option<String> {
    let mut parts = path.trim_start_matches('/').split('/');
    (parts.next()? == "repos")
        .then(|| parts.next())
        .flatten()
        .filter(|o| !o.is_empty())
        .map(str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_come_from_repo_paths() {
        assert_eq!(owner_of("/repos/Beta/x/pulls").as_deref(), Some("beta"));
        assert_eq!(owner_of("/repos/acme/api").as_deref(), Some("acme"));
        assert_eq!(owner_of("/installation/repositories"), None);
        assert_eq!(owner_of("/repos/"), None);
        assert_eq!(owner_of("/search/repos/x"), None);
    }
}
