//! A GitHub sandbox: a GitHub-compatible REST API server over real git repositories.
//!
//! It speaks enough of GitHub's REST API (paths, status codes, JSON shapes) for convoy's
//! octocrab-based client to run against it unchanged, with real SHAs, three-way merges and
//! conflicts from bare git repositories. Control endpoints under `/_sandbox/` play the rest of
//! the world: pushes, workflow runs finishing, humans commenting, faults and latency.
//! See `docs/sandbox.md`.

pub mod apps;
pub mod chaos;
pub mod cli;
pub mod deployments;
pub mod error;
pub mod faults;
pub mod gate;
pub mod git;
pub mod json;
pub mod merge;
pub mod middleware;
pub mod ops;
pub mod protection;
pub mod queue;
pub mod routes;
pub mod runs;
pub mod seed;
pub mod shapes;
pub mod state;
pub mod teams;
pub mod webhooks;
pub mod workflow;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use tokio::net::TcpListener;

pub use seed::Seed;

use ops::{author_ident, committer_ident};
use state::{App, EPOCH, Issue, Label, Milestone, Repo, State};

/// Starts sandboxes.
pub struct Sandbox;

/// A running sandbox; stops when dropped.
pub struct SandboxHandle {
    addr: SocketAddr,
    data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    task: tokio::task::JoinHandle<()>,
}

impl SandboxHandle {
    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the bare repositories live (`OWNER/NAME.git`).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Serves until the server task ends (it ends only on error or abort).
    pub async fn wait(mut self) -> Result<()> {
        (&mut self.task).await.context("sandbox server task")
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The login of GitHub Actions' workflow token (`GITHUB_TOKEN`), which every sandbox knows.
pub const ACTIONS_LOGIN: &str = "github-actions[bot]";

/// The token that acts as [`ACTIONS_LOGIN`]: a workflow's `GITHUB_TOKEN` in the sandbox.
pub const ACTIONS_TOKEN: &str = "t-github-actions";

impl Sandbox {
    /// Starts a sandbox on a random loopback port. Without `data_dir` the repositories live in
    /// a temporary directory removed when the handle drops.
    pub async fn start(seed: Seed, data_dir: Option<PathBuf>) -> Result<SandboxHandle> {
        Self::start_on("127.0.0.1:0", seed, data_dir).await
    }

    /// Starts a sandbox on `addr`.
    pub async fn start_on(
        addr: &str,
        seed: Seed,
        data_dir: Option<PathBuf>,
    ) -> Result<SandboxHandle> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let addr = listener.local_addr()?;
        let (temp, dir) = match data_dir {
            Some(d) => (None, d),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("convoy-sandbox-")
                    .tempdir()?;
                let d = t.path().to_path_buf();
                (Some(t), d)
            }
        };
        let base = format!("http://{addr}");
        let state = build_state(&seed, &dir).await?;
        let app = Arc::new(App {
            base,
            data_dir: dir.clone(),
            state: tokio::sync::Mutex::new(state),
            control: std::sync::Mutex::new(state::Control::default()),
        });
        let router = routes::router(app);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!("sandbox server stopped: {e}");
            }
        });
        tracing::info!(
            "sandbox listening on http://{addr}, data in {}",
            dir.display()
        );
        Ok(SandboxHandle {
            addr,
            data_dir: dir,
            _temp: temp,
            task,
        })
    }
}

/// Creates the seeded repositories and state.
async fn build_state(seed: &Seed, dir: &Path) -> Result<State> {
    let mut st = State {
        clock: EPOCH,
        next_id: 1000,
        users: seed.users.clone(),
        teams: seed.teams.clone(),
        apps: seed.apps.clone(),
        minted: BTreeMap::new(),
        repos: BTreeMap::new(),
        runs: BTreeMap::new(),
        check_runs: BTreeMap::new(),
        comments: BTreeMap::new(),
        reactions: Vec::new(),
        events: Vec::new(),
        async_merges: BTreeMap::new(),
        mergeable_lag: 0,
        commits: HashMap::new(),
    };
    for (i, u) in seed.users.iter().enumerate() {
        let later = &seed.users[i + 1..];
        if later.iter().any(|v| v.login.eq_ignore_ascii_case(&u.login)) {
            bail!("seed user {} appears twice", u.login);
        }
        if u.token.is_some() && later.iter().any(|v| v.token == u.token) {
            bail!("seed users {} and another share a token", u.login);
        }
    }
    // GitHub Actions' own identity: what a workflow's `GITHUB_TOKEN` acts as (a member repo's
    // forwarding workflow, a tier workflow reporting back), unless the seed names it itself.
    if !st
        .users
        .iter()
        .any(|u| u.login.eq_ignore_ascii_case(ACTIONS_LOGIN))
    {
        st.users.push(seed::SeedUser {
            login: ACTIONS_LOGIN.to_owned(),
            kind: seed::UserKind::Bot,
            token: Some(ACTIONS_TOKEN.to_owned()),
            permissions: [("*".to_owned(), seed::Permission::Write)]
                .into_iter()
                .collect(),
        });
    }
    teams::check(&seed.teams, &seed.users)?;
    apps::check(&seed.apps, &seed.repos)?;
    let first_user = seed
        .users
        .first()
        .map_or_else(|| "sandbox".to_owned(), |u| u.login.clone());
    for sr in &seed.repos {
        let Some((owner, name)) = sr.name.split_once('/') else {
            bail!("seed repository {:?} is not OWNER/NAME", sr.name);
        };
        if owner.is_empty()
            || name.is_empty()
            || name.contains('/')
            || owner.starts_with('.')
            || name.starts_with('.')
        {
            bail!("seed repository {:?} is not OWNER/NAME", sr.name);
        }
        let key = state::key(owner, name);
        if st.repos.contains_key(&key) {
            bail!("seed repository {} appears twice", sr.name);
        }
        let repo_dir = dir.join(owner).join(format!("{name}.git"));
        // A data dir is laid anew from the seed: an earlier run's bare repository is replaced.
        if repo_dir.join("HEAD").is_file() {
            tokio::fs::remove_dir_all(&repo_dir)
                .await
                .with_context(|| format!("clearing {}", repo_dir.display()))?;
        }
        let git = git::Repo::init(repo_dir).await?;
        let mut files = sr.files.clone();
        if files.is_empty() {
            files.insert("README.md".into(), format!("# {name}\n"));
        }
        if let Some(bad) = files
            .keys()
            .find(|p| !git::valid_path(p.trim_start_matches('/')))
        {
            bail!("seed repository {}: {bad:?} is not a valid path", sr.name);
        }
        if let Some(bad) = std::iter::once(&sr.default_branch)
            .chain(sr.branches.keys())
            .find(|b| !git::valid_ref_name(b))
        {
            bail!(
                "seed repository {}: {bad:?} is not a valid branch name",
                sr.name
            );
        }
        let mut changes = Vec::new();
        for (path, content) in &files {
            changes.push((
                path.trim_start_matches('/').to_owned(),
                Some(git.write_blob(content.as_bytes()).await?),
            ));
        }
        let tree = git.tree_with(None, &changes).await?;
        let now = st.now();
        let sha = git
            .commit_tree(
                &tree,
                &[],
                "Initial commit",
                &author_ident(&first_user, now),
                &committer_ident(now),
            )
            .await?;
        let mut refs = BTreeMap::new();
        refs.insert(format!("refs/heads/{}", sr.default_branch), sha.clone());
        // Branches may start from other seeded branches: resolve until no progress.
        let mut pending: Vec<(&String, &String)> = sr.branches.iter().collect();
        while !pending.is_empty() {
            let before = pending.len();
            pending.retain(|(branch, from)| {
                match refs.get(&format!("refs/heads/{from}")).cloned() {
                    Some(s) => {
                        refs.insert(format!("refs/heads/{branch}"), s);
                        false
                    }
                    None => true,
                }
            });
            if pending.len() == before {
                bail!(
                    "seed repository {}: branch {} starts from unknown branch {}",
                    sr.name,
                    pending[0].0,
                    pending[0].1
                );
            }
        }
        for (refname, s) in &refs {
            git.update_ref(refname, s).await?;
        }
        git.update_ref("HEAD", &sha).await.ok();
        let id = 2000 + st.repos.len() as u64;
        let mut repo = Repo {
            id,
            owner: owner.to_owned(),
            name: name.to_owned(),
            default_branch: sr.default_branch.clone(),
            git,
            refs,
            issues: BTreeMap::new(),
            labels: BTreeMap::new(),
            milestones: Vec::new(),
            settings: sr.settings.clone(),
            protection: sr.protections(),
            statuses: Vec::new(),
            releases: Vec::new(),
            queues: BTreeMap::new(),
            deployments: deployments::Deployments::default(),
            created: now,
            pushed: now,
        };
        let mut label_names: Vec<String> = sr.labels.clone();
        label_names.extend(sr.issues.iter().flat_map(|i| i.labels.clone()));
        for l in label_names {
            if !repo.labels.contains_key(&l) {
                let lid = st.id();
                repo.labels.insert(
                    l.clone(),
                    Label {
                        id: lid,
                        name: l,
                        color: "ededed".into(),
                    },
                );
            }
        }
        for (i, title) in sr.milestones.iter().enumerate() {
            let mid = st.id();
            repo.milestones.push(Milestone {
                id: mid,
                number: i as u64 + 1,
                title: title.clone(),
            });
        }
        for si in &sr.issues {
            let number = si.number.unwrap_or_else(|| repo.next_number());
            if repo.issues.contains_key(&number) {
                bail!("seed repository {}: issue #{number} appears twice", sr.name);
            }
            let milestone = match &si.milestone {
                Some(t) => Some(
                    repo.milestones
                        .iter()
                        .find(|m| &m.title == t)
                        .map(|m| m.number)
                        .with_context(|| {
                            format!("seed repository {}: unknown milestone {t}", sr.name)
                        })?,
                ),
                None => None,
            };
            let (iid, t) = (st.id(), st.now());
            let closed = si.state == seed::IssueState::Closed;
            repo.issues.insert(
                number,
                Issue {
                    id: iid,
                    number,
                    title: si.title.clone(),
                    body: si.body.clone(),
                    state: if closed { "closed" } else { "open" }.into(),
                    state_reason: closed.then(|| "completed".into()),
                    user: si.user.clone().unwrap_or_else(|| first_user.clone()),
                    labels: si.labels.clone(),
                    milestone,
                    comments: 0,
                    created: t,
                    updated: t,
                    closed: closed.then_some(t),
                    pull: None,
                },
            );
        }
        st.repos.insert(key, repo);
    }
    Ok(st)
}
