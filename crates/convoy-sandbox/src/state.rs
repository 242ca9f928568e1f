//! The sandbox's in-memory state beside its git repositories: pull requests, issues, runs,
//! statuses, comments, the event queue, faults and the request log.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::faults::Fault;
use super::git::{self, CommitInfo};
use super::seed::{Permission, SeedUser, UserKind};

/// 2026-01-01T00:00:00Z: the logical clock's origin.
pub const EPOCH: i64 = 1_767_225_600;

/// Shared by all requests.
pub struct App {
    /// `http://HOST:PORT`, no trailing slash.
    pub base: String,
    /// Where the bare repositories live.
    pub data_dir: PathBuf,
    /// Everything behind one lock: requests are served one at a time, which keeps git and
    /// memory consistent.
    pub state: tokio::sync::Mutex<State>,
    /// Faults, latency and the request log (touched by the middleware).
    pub control: std::sync::Mutex<Control>,
}

/// Faults, latency and the request log.
#[derive(Debug, Default)]
pub struct Control {
    /// Injected faults, first match wins.
    pub faults: Vec<Fault>,
    /// Extra latency for every API request.
    pub latency_ms: u64,
    /// API requests served, oldest first.
    pub requests: Vec<RequestRecord>,
    /// Play an older GitHub Enterprise Server that refuses `return_run_details`.
    pub legacy_dispatch: bool,
    /// The status of that refusal: 422 (GitHub Enterprise Server 3.20 and older) or 400.
    pub legacy_dispatch_status: u16,
    /// Seeded random faults, when on.
    pub chaos: Option<super::chaos::Chaos>,
}

/// One served API request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path and query as sent.
    pub path: String,
    /// Status code returned.
    pub status: u16,
    /// Time to serve, in milliseconds.
    pub ms: u64,
    /// Who sent it (the login its token authenticated as); `None` when it was not
    /// authenticated, or a fault answered it first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
}

/// One webhook delivery GitHub would have made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// Event name (`X-GitHub-Event`), e.g. `pull_request`.
    pub name: String,
    /// The repository whose workflows would receive it (`owner/name`).
    pub repo: String,
    /// The webhook payload.
    pub payload: serde_json::Value,
}

/// Mutable sandbox state.
pub struct State {
    /// Logical clock, seconds since the Unix epoch; advanced by [`State::now`].
    pub clock: i64,
    /// Next id for objects with global ids.
    pub next_id: u64,
    /// Seeded users.
    pub users: Vec<SeedUser>,
    /// Seeded teams (see [`crate::teams`]).
    pub teams: Vec<super::teams::SeedTeam>,
    /// GitHub Apps and their installations (see [`crate::apps`]).
    pub apps: Vec<super::apps::SeedApp>,
    /// Installation tokens minted, by token.
    pub minted: BTreeMap<String, super::apps::Minted>,
    /// Repositories by lower-cased `owner/name`.
    pub repos: BTreeMap<String, Repo>,
    /// Workflow runs by id.
    pub runs: BTreeMap<u64, Run>,
    /// Check runs by id.
    pub check_runs: BTreeMap<u64, CheckRun>,
    /// Issue comments by id.
    pub comments: BTreeMap<u64, Comment>,
    /// Reactions to issue comments, oldest first.
    pub reactions: Vec<Reaction>,
    /// Undelivered events, oldest first.
    pub events: Vec<Event>,
    /// Asynchronous merge results by request uuid: (repository key, pull number, result).
    pub async_merges: BTreeMap<String, (String, u64, serde_json::Value)>,
    /// Parsed commits by id (commits never change).
    pub commits: HashMap<String, CommitInfo>,
    /// How many reads of a pull request answer `mergeable: null` after its head or base moved
    /// (GitHub computes mergeability in the background). Default 0: computed at once.
    pub mergeable_lag: u32,
}

/// One repository.
pub struct Repo {
    /// Numeric id.
    pub id: u64,
    /// Owner login.
    pub owner: String,
    /// Name.
    pub name: String,
    /// Default branch.
    pub default_branch: String,
    /// The bare repository.
    pub git: git::Repo,
    /// Full ref name → commit id (the authority; mirrored into git).
    pub refs: BTreeMap<String, String>,
    /// Issues and pull requests by number (they share numbers, as on GitHub).
    pub issues: BTreeMap<u64, Issue>,
    /// Labels by name.
    pub labels: BTreeMap<String, Label>,
    /// Milestones, numbered from 1.
    pub milestones: Vec<Milestone>,
    /// Merge methods allowed, automatic head-branch deletion.
    pub settings: crate::protection::RepoSettings,
    /// Protection per branch (a branch not in the map is unprotected).
    pub protection: crate::protection::Protections,
    /// Commit statuses, oldest first.
    pub statuses: Vec<Status>,
    /// Releases, oldest first.
    pub releases: Vec<Release>,
    /// Merge queues: base branch → its entries, first to merge first.
    pub queues: BTreeMap<String, Vec<crate::queue::Entry>>,
    /// Deployments, their statuses and environments (see [`crate::deployments`]).
    pub deployments: crate::deployments::Deployments,
    /// Creation time.
    pub created: i64,
    /// Last push time.
    pub pushed: i64,
}

impl Repo {
    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The commit a branch points at.
    pub fn branch(&self, name: &str) -> Option<&String> {
        self.refs.get(&format!("refs/heads/{name}"))
    }

    /// Resolves a branch name, tag name, full ref or (abbreviated) commit id known to a ref.
    pub async fn resolve(&self, rev: &str) -> Result<Option<String>> {
        for candidate in [
            format!("refs/heads/{rev}"),
            format!("refs/tags/{rev}"),
            format!("refs/{rev}"),
            rev.to_owned(),
        ] {
            if let Some(sha) = self.refs.get(&candidate) {
                return Ok(Some(sha.clone()));
            }
        }
        if rev.len() >= 4 && rev.chars().all(|c| c.is_ascii_hexdigit()) {
            return self.git.resolve_commit(rev).await;
        }
        Ok(None)
    }

    /// Next free issue/pull number.
    pub fn next_number(&self) -> u64 {
        self.issues.keys().next_back().copied().unwrap_or(0) + 1
    }
}

/// An issue or pull request.
#[derive(Debug, Clone)]
pub struct Issue {
    /// Global id.
    pub id: u64,
    /// Number in its repository.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Body.
    pub body: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    /// `completed`, `not_planned`, `reopened` or none.
    pub state_reason: Option<String>,
    /// Author login.
    pub user: String,
    /// Label names.
    pub labels: Vec<String>,
    /// Milestone number.
    pub milestone: Option<u64>,
    /// Number of comments.
    pub comments: u64,
    /// Creation time.
    pub created: i64,
    /// Last update time.
    pub updated: i64,
    /// Close time.
    pub closed: Option<i64>,
    /// Pull request data when this is a pull request.
    pub pull: Option<Pull>,
}

/// Pull-request specifics.
#[derive(Debug, Clone)]
pub struct Pull {
    /// Head branch (in the same repository).
    pub head_ref: String,
    /// Base branch.
    pub base_ref: String,
    /// The head commit (last known, kept after the branch is deleted).
    pub head_sha: String,
    /// Whether it is a draft (drafts cannot be merged).
    pub draft: bool,
    /// Whether it was merged.
    pub merged: bool,
    /// The merge (or squash/rebase result) commit.
    pub merge_commit_sha: Option<String>,
    /// Merge time.
    pub merged_at: Option<i64>,
    /// Who merged it.
    pub merged_by: Option<String>,
    /// Reviews, oldest first.
    pub reviews: Vec<Review>,
    /// Users asked to review and not yet reviewing.
    pub requested_reviewers: Vec<String>,
    /// Slugs of the teams (of the repository's owner) asked to review, until a member reviews.
    pub requested_teams: Vec<String>,
    /// Reads left that answer `mergeable: null` (see [`State::mergeable_lag`]).
    pub unknown_reads: u32,
}

/// A pull request review.
#[derive(Debug, Clone)]
pub struct Review {
    /// Global id.
    pub id: u64,
    /// Reviewer login.
    pub user: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED` or `DISMISSED`.
    pub state: String,
    /// Body.
    pub body: String,
    /// The head commit the review was made on.
    pub commit_id: String,
    /// Submission time.
    pub submitted: i64,
}

/// A label.
#[derive(Debug, Clone)]
pub struct Label {
    /// Global id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Hex colour without `#`.
    pub color: String,
}

/// A milestone.
#[derive(Debug, Clone)]
pub struct Milestone {
    /// Global id.
    pub id: u64,
    /// Number in its repository.
    pub number: u64,
    /// Title.
    pub title: String,
}

/// An issue or pull-request comment.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Global id.
    pub id: u64,
    /// Lower-cased `owner/name` of its repository.
    pub repo: String,
    /// Issue number.
    pub issue: u64,
    /// Author login.
    pub user: String,
    /// Body.
    pub body: String,
    /// Creation time.
    pub created: i64,
    /// Last update time.
    pub updated: i64,
}

/// A reaction to an issue comment.
#[derive(Debug, Clone)]
pub struct Reaction {
    /// Global id.
    pub id: u64,
    /// The comment's id.
    pub comment: u64,
    /// Who reacted.
    pub user: String,
    /// `+1`, `-1`, `laugh`, `confused`, `heart`, `hooray`, `rocket` or `eyes`.
    pub content: String,
    /// Creation time.
    pub created: i64,
}

/// A commit status.
#[derive(Debug, Clone)]
pub struct Status {
    /// Global id.
    pub id: u64,
    /// Commit id.
    pub sha: String,
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    /// Context.
    pub context: String,
    /// Description.
    pub description: Option<String>,
    /// Target URL.
    pub target_url: Option<String>,
    /// Creator login.
    pub creator: String,
    /// Creation time.
    pub created: i64,
}

/// A check run.
#[derive(Debug, Clone)]
pub struct CheckRun {
    /// Global id.
    pub id: u64,
    /// Lower-cased `owner/name`.
    pub repo: String,
    /// Name.
    pub name: String,
    /// Commit id.
    pub head_sha: String,
    /// `queued`, `in_progress` or `completed` (and GitHub's newer states).
    pub status: String,
    /// Conclusion when completed.
    pub conclusion: Option<String>,
    /// Details URL.
    pub details_url: Option<String>,
    /// External id.
    pub external_id: Option<String>,
    /// Output title.
    pub title: Option<String>,
    /// Output summary.
    pub summary: Option<String>,
    /// Output text.
    pub text: Option<String>,
    /// Start time.
    pub started: i64,
    /// Completion time.
    pub completed: Option<i64>,
}

/// A release.
#[derive(Debug, Clone)]
pub struct Release {
    /// Global id.
    pub id: u64,
    /// Tag name.
    pub tag_name: String,
    /// Branch or commit the tag was made from.
    pub target_commitish: String,
    /// Name.
    pub name: Option<String>,
    /// Body.
    pub body: Option<String>,
    /// Draft.
    pub draft: bool,
    /// Prerelease.
    pub prerelease: bool,
    /// Author login.
    pub author: String,
    /// Creation time.
    pub created: i64,
}

/// A workflow run.
#[derive(Debug, Clone)]
pub struct Run {
    /// Global id.
    pub id: u64,
    /// Lower-cased `owner/name`.
    pub repo: String,
    /// Workflow id.
    pub workflow_id: u64,
    /// Workflow name.
    pub name: String,
    /// Workflow file path.
    pub path: String,
    /// Title shown for the run (`run-name` with inputs substituted).
    pub display_title: String,
    /// Run number within the workflow.
    pub run_number: u64,
    /// Triggering event, e.g. `workflow_dispatch`.
    pub event: String,
    /// Branch.
    pub head_branch: String,
    /// Commit.
    pub head_sha: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// Conclusion when completed.
    pub conclusion: Option<String>,
    /// Who triggered it.
    pub actor: String,
    /// Dispatch inputs.
    pub inputs: serde_json::Value,
    /// Creation time.
    pub created: i64,
    /// Last update time.
    pub updated: i64,
    /// Start time.
    pub started: Option<i64>,
}

impl State {
    /// Advances the logical clock by a second and returns it.
    pub fn now(&mut self) -> i64 {
        self.clock += 1;
        self.clock
    }

    /// A fresh global id.
    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The seeded user with this token.
    pub fn user_by_token(&self, token: &str) -> Option<&SeedUser> {
        self.users
            .iter()
            .find(|u| u.token.as_deref() == Some(token))
    }

    /// The seeded user with this login.
    pub fn user(&self, login: &str) -> Option<&SeedUser> {
        self.users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
    }

    /// `User` or `Bot` for a login (unknown logins are users; an App's `<slug>[bot]` is a bot).
    pub fn user_kind(&self, login: &str) -> UserKind {
        match self.user(login) {
            Some(u) => u.kind,
            None if self.app_by_bot(login).is_some() => UserKind::Bot,
            None => UserKind::User,
        }
    }

    /// The App acting as `login` (`<slug>[bot]`).
    pub fn app_by_bot(&self, login: &str) -> Option<&super::apps::SeedApp> {
        self.apps
            .iter()
            .find(|a| a.bot_login().eq_ignore_ascii_case(login))
    }

    /// An App and its installation, by the installation's id.
    pub fn installation(
        &self,
        id: u64,
    ) -> Option<(&super::apps::SeedApp, &super::apps::SeedInstallation)> {
        self.apps
            .iter()
            .find_map(|a| a.installations.iter().find(|i| i.id == id).map(|i| (a, i)))
    }

    /// A stable numeric id for a login: its seed position, or a hash for strangers.
    pub fn user_id(&self, login: &str) -> u64 {
        match self
            .users
            .iter()
            .position(|u| u.login.eq_ignore_ascii_case(login))
        {
            Some(i) => 1001 + i as u64,
            None => match self.app_by_bot(login) {
                Some(app) => 40_000_000 + app.id,
                None => 900_000 + fnv(login) % 100_000,
            },
        }
    }

    /// A user's permission on a repository (`owner/name`).
    pub fn permission(&self, login: &str, full_name: &str) -> Permission {
        let Some(user) = self.user(login) else {
            return Permission::None;
        };
        let exact = user
            .permissions
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(full_name))
            .map(|(_, p)| *p);
        let own = exact
            .or_else(|| user.permissions.get("*").copied())
            .unwrap_or(Permission::None);
        let org = full_name.split_once('/').map_or("", |(o, _)| o);
        own.max(super::teams::permission(self, login, org))
    }

    /// Records an event for delivery.
    pub fn emit(&mut self, name: &str, repo: &str, payload: serde_json::Value) {
        self.events.push(Event {
            name: name.to_owned(),
            repo: repo.to_owned(),
            payload,
        });
    }

    /// A commit, parsed once and cached.
    pub async fn commit(&mut self, repo_key: &str, sha: &str) -> Result<CommitInfo> {
        if let Some(c) = self.commits.get(sha) {
            return Ok(c.clone());
        }
        let repo = self
            .repos
            .get(repo_key)
            .ok_or_else(|| anyhow::anyhow!("no repository {repo_key}"))?;
        let info = repo.git.read_commit(sha).await?;
        self.commits.insert(sha.to_owned(), info.clone());
        Ok(info)
    }
}

/// Lower-cased `owner/name`: the key of a repository in [`State::repos`].
pub fn key(owner: &str, repo: &str) -> String {
    format!("{owner}/{repo}").to_ascii_lowercase()
}

/// 64-bit FNV-1a, for stable ids derived from names.
pub fn fnv(s: &str) -> u64 {
    fnv_bytes(s.as_bytes())
}

/// 64-bit FNV-1a of bytes.
pub fn fnv_bytes(bytes: &[u8]) -> u64 {
    bytes.iter().copied().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
