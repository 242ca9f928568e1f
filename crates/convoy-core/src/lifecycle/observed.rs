//! [`Observed`]: what GitHub showed this run, as plain data.
//!
//! The observer (GitHub I/O) fills it; `decide` only reads it. Tests and `convoy plan --observed`
//! build it by hand, and the rehearsal simulator (`crate::rehearse::World`) evolves it the way
//! GitHub would.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::config::{MergeMethod, Permission};
use crate::model::ids::{BranchName, Login, ReleaseId, RepoName, Sha};
use crate::model::manifest::{Conclusion, Phase, ReleaseTask, RunStatus};
use crate::model::marker::Marker;
use crate::model::numbers::{IssueNumber, PullNumber, RunId};

/// Everything `decide` knows about GitHub's current state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    /// Branch heads.
    #[serde(default)]
    pub branches: Vec<ObservedBranch>,
    /// Pull requests convoy may care about (promotion PRs, task PRs into RC branches, reverts).
    #[serde(default)]
    pub pulls: Vec<ObservedPull>,
    /// Workflow runs of the tier and auto-fix workflows.
    #[serde(default)]
    pub runs: Vec<ObservedRun>,
    /// Commit statuses convoy set.
    #[serde(default)]
    pub statuses: Vec<ObservedStatus>,
    /// Permissions of the people who gave commands, on the control repo.
    #[serde(default)]
    pub permissions: Vec<ObservedPermission>,
    /// GitHub releases by tag.
    #[serde(default)]
    pub releases: Vec<ObservedRelease>,
    /// Issues: the tracking issue (found by its marker).
    #[serde(default)]
    pub issues: Vec<ObservedIssue>,
    /// Comments convoy posted (found by their markers).
    #[serde(default)]
    pub comments: Vec<ObservedComment>,
    /// Other releases holding the staging branch of one of this release's member repos (read
    /// from their manifests only when this release is ready to leave development): staging is
    /// exclusive, so this release stays in development while any is listed.
    #[serde(default)]
    pub staging_holders: Vec<StagingHold>,
    /// Where people read GitHub, for the links in what convoy writes (the tracking issue).
    #[serde(default)]
    pub web: WebLinks,
    /// What member repos allow their pull requests to merge with: read once per release, for the
    /// repos whose method the manifest does not record yet.
    #[serde(default)]
    pub merge_methods: Vec<ObservedMergeMethods>,
    /// Where the merges convoy put in merge queues stand (read by their UUIDs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queued: Vec<ObservedQueued>,
    /// Repositories of the release convoy cannot see this run, and why: nothing was read of
    /// them, so `decide` holds them (and what depends on them) and waits for the fix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreachable: Vec<Unreachable>,
}

/// A repository of the release convoy cannot see: GitHub answers 404 to its token there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unreachable {
    /// The repository.
    pub repo: RepoName,
    /// Why, as far as convoy's credentials tell.
    pub why: UnreachableWhy,
}

/// Why convoy cannot see a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnreachableWhy {
    /// convoy acts as a GitHub App that is not installed on the repository's owner (an
    /// installation token reaches one owner only).
    NotInstalled,
    /// The App's installation on the owner reaches selected repositories, not this one.
    NotSelected,
    /// GitHub answers 404 to convoy's token: the repository does not exist, or the token cannot
    /// see it.
    NotFound,
}

impl Unreachable {
    /// What a person must do, as an imperative sentence naming the owner or repository.
    pub fn fix(&self) -> String {
        let (repo, owner) = (&self.repo, self.repo.owner());
        match self.why {
            UnreachableWhy::NotInstalled => {
                format!("install the App on `{owner}`: convoy cannot see `{repo}`")
            }
            UnreachableWhy::NotSelected => format!(
                "grant the App access to `{repo}`: its installation on `{owner}` does not include it"
            ),
            UnreachableWhy::NotFound => format!(
                "give convoy's token access to `{repo}`, or check its name: GitHub answers 404"
            ),
        }
    }
}

/// Where people read GitHub: the server's address and the branch the manifests are kept on. Not
/// read from GitHub's answers: the shell passes them in (`GITHUB_SERVER_URL`, the state branch),
/// so the core builds links without reading the environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebLinks {
    /// The web address of the GitHub server, without a trailing `/`
    /// (default `https://github.com`).
    #[serde(default = "github_com")]
    pub server: String,
    /// The branch of the control repo holding `releases/<id>/manifest.json` (`None`: its
    /// default branch).
    #[serde(default)]
    pub state_branch: Option<BranchName>,
}

fn github_com() -> String {
    "https://github.com".to_owned()
}

impl Default for WebLinks {
    fn default() -> Self {
        WebLinks {
            server: github_com(),
            state_branch: None,
        }
    }
}

impl WebLinks {
    /// Links on `server` (a trailing `/` is dropped; an empty one means `https://github.com`),
    /// with manifests on `state_branch`.
    pub fn new(server: &str, state_branch: Option<BranchName>) -> Self {
        let server = server.trim().trim_end_matches('/');
        WebLinks {
            server: if server.is_empty() {
                github_com()
            } else {
                server.to_owned()
            },
            state_branch,
        }
    }

    /// A repository's page.
    pub fn repo(&self, repo: &RepoName) -> String {
        format!("{}/{repo}", self.server)
    }

    /// A commit's page.
    pub fn commit(&self, repo: &RepoName, sha: &Sha) -> String {
        format!("{}/commit/{sha}", self.repo(repo))
    }

    /// An issue's page.
    pub fn issue(&self, repo: &RepoName, number: impl std::fmt::Display) -> String {
        format!("{}/issues/{number}", self.repo(repo))
    }

    /// A pull request's page.
    pub fn pull(&self, repo: &RepoName, number: PullNumber) -> String {
        format!("{}/pull/{number}", self.repo(repo))
    }

    /// A workflow run's page.
    pub fn run(&self, repo: &RepoName, run_id: RunId) -> String {
        format!("{}/actions/runs/{run_id}", self.repo(repo))
    }

    /// A file's page in the control repo, on the state branch (`HEAD`: the default branch).
    pub fn control_file(&self, control: &RepoName, path: &str) -> String {
        let branch = self.state_branch.as_ref().map_or("HEAD", |b| b.as_str());
        format!("{}/blob/{branch}/{path}", self.repo(control))
    }
}

/// The merge methods a repository allows: its settings (`allow_merge_commit`,
/// `allow_squash_merge`, `allow_rebase_merge`) and the rules of its staging and base branches
/// (`required_linear_history` forbids merge commits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedMergeMethods {
    /// The repository.
    pub repo: RepoName,
    /// The methods its settings allow, in GitHub's order (merge, squash, rebase).
    pub allowed: Vec<MergeMethod>,
    /// Its branches (of staging and base) whose rules require linear history.
    #[serde(default)]
    pub linear_history: Vec<BranchName>,
    /// Its branches (of staging and base) whose rules require a merge queue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merge_queue: Vec<BranchName>,
}

/// Where a merge convoy put in a merge queue stands
/// (`GET /repos/{o}/{r}/pulls/{n}/merge-async/{uuid}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedQueued {
    /// The repository.
    pub repo: RepoName,
    /// The request's UUID.
    pub uuid: String,
    /// What GitHub says.
    pub state: QueueState,
}

/// What GitHub says of a queued merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum QueueState {
    /// Requested, or waiting in the queue.
    Queued,
    /// Merged (the pull request shows it merged too).
    Merged,
    /// The queue removed it or it cannot merge: GitHub's reason.
    Failed {
        /// GitHub's message.
        message: String,
    },
    /// GitHub no longer knows the request (results are kept 24 hours).
    Unknown,
}

impl ObservedMergeMethods {
    /// The methods a promotion pull request may merge with: those the settings allow, without
    /// `merge` when a branch requires linear history.
    pub fn usable(&self) -> Vec<MergeMethod> {
        self.allowed
            .iter()
            .copied()
            .filter(|m| *m != MergeMethod::Merge || self.linear_history.is_empty())
            .collect()
    }

    /// The method to merge with: `preferred` when usable, else the first usable one (GitHub
    /// allows at least one), else `preferred` (GitHub will say why not).
    pub fn choose(&self, preferred: MergeMethod) -> MergeMethod {
        let usable = self.usable();
        if usable.contains(&preferred) {
            preferred
        } else {
            MergeMethod::ALL
                .into_iter()
                .find(|m| usable.contains(m))
                .unwrap_or(preferred)
        }
    }
}

/// Another release that holds a staging branch the release being decided needs (same
/// repository, same staging branch): its manifest says it is in `staging`, `validation` or
/// `shipping`, or it holds that branch's staging lock (`locked`, in any phase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StagingHold {
    /// The release holding staging.
    pub release: ReleaseId,
    /// The repository.
    pub repo: RepoName,
    /// The staging branch it holds.
    pub branch: BranchName,
    /// The holder's phase.
    pub phase: Phase,
    /// Whether the holder holds the branch's staging lock (`model::staging_lock`): then it
    /// holds staging whatever its phase (a run of it took the lock and is entering staging, or
    /// it ended and its lock is not released yet).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub locked: bool,
}

/// A branch and its head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedBranch {
    /// The repository.
    pub repo: RepoName,
    /// The branch.
    pub branch: BranchName,
    /// Its head commit.
    pub sha: Sha,
}

/// A pull request's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PullState {
    /// Open.
    Open,
    /// Closed without merging.
    Closed,
    /// Merged.
    Merged,
}

/// A pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedPull {
    /// The repository.
    pub repo: RepoName,
    /// Its number.
    pub number: PullNumber,
    /// The head branch.
    pub head: BranchName,
    /// The base branch.
    pub base: BranchName,
    /// The head commit.
    pub head_sha: Sha,
    /// Open, closed or merged.
    pub state: PullState,
    /// GitHub's mergeability (`None` while GitHub computes it).
    #[serde(default)]
    pub mergeable: Option<bool>,
    /// Whether GitHub says the head is behind its base (`mergeable_state: behind`): under
    /// "require branches to be up to date" it cannot merge until its branch is updated.
    #[serde(default)]
    pub behind: bool,
    /// The merge commit, once merged.
    #[serde(default)]
    pub merge_commit_sha: Option<Sha>,
    /// Files in conflict, when known (from the compare API).
    #[serde(default)]
    pub conflict_files: Vec<String>,
    /// The body (for issue links and `Depends-On:` lines).
    #[serde(default)]
    pub body: String,
    /// Approving reviews standing on it (each reviewer's latest review, when it approves), read
    /// only where an approval can open a gate (`reviews.approve_ship`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ObservedApproval>,
}

/// An approving review on a pull request: who gave it, on which head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedApproval {
    /// The reviewer.
    pub by: Login,
    /// The head commit the review approved.
    pub commit: Sha,
}

/// A workflow run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedRun {
    /// The repository it runs in.
    pub repo: RepoName,
    /// The run id.
    pub run_id: RunId,
    /// The run's title (holds convoy's correlation id).
    pub title: String,
    /// Progress.
    pub status: RunStatus,
    /// How it ended.
    #[serde(default)]
    pub conclusion: Option<Conclusion>,
    /// Its page.
    #[serde(default)]
    pub url: Option<String>,
    /// The workflow file it runs (`.github/workflows/e2e.yml`), as GitHub says (`path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What started it (`workflow_dispatch` for convoy's dispatches), as GitHub says (`event`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The branch it runs on (the ref it was dispatched on), as GitHub says (`head_branch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_branch: Option<String>,
}

/// A commit status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedStatus {
    /// The repository.
    pub repo: RepoName,
    /// The commit.
    pub sha: Sha,
    /// The context, e.g. `convoy/release`.
    pub context: String,
    /// The state.
    pub state: StatusState,
    /// The one-line description.
    #[serde(default)]
    pub description: String,
}

/// A commit status state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusState {
    /// Pending.
    Pending,
    /// Success.
    Success,
    /// Failure.
    Failure,
    /// Error.
    Error,
}

/// A person's permission on the control repo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedPermission {
    /// The login.
    pub login: Login,
    /// Their permission.
    pub permission: Permission,
}

/// A GitHub release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedRelease {
    /// The repository.
    pub repo: RepoName,
    /// The tag.
    pub tag: String,
}

/// An issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedIssue {
    /// The repository.
    pub repo: RepoName,
    /// The number.
    pub number: IssueNumber,
    /// The title.
    pub title: String,
    /// The body.
    #[serde(default)]
    pub body: String,
    /// Label names.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Whether it is open.
    #[serde(default = "open")]
    pub open: bool,
}

fn open() -> bool {
    true
}

/// A comment convoy posted, known by its marker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedComment {
    /// The repository.
    pub repo: RepoName,
    /// The issue or pull request.
    pub issue: IssueNumber,
    /// The hidden marker (`<!-- convoy:… -->` content).
    pub marker: String,
}

impl Observed {
    /// Why convoy cannot see `repo` this run, when it cannot.
    pub fn unreachable(&self, repo: &RepoName) -> Option<&Unreachable> {
        self.unreachable.iter().find(|u| &u.repo == repo)
    }

    /// The head of `branch` in `repo`.
    pub fn head(&self, repo: &RepoName, branch: &BranchName) -> Option<&Sha> {
        self.branches
            .iter()
            .find(|b| &b.repo == repo && &b.branch == branch)
            .map(|b| &b.sha)
    }

    /// Pull requests from `head` into `base` in `repo`, newest (highest number) first.
    pub fn pulls_between<'a>(
        &'a self,
        repo: &'a RepoName,
        head: &'a BranchName,
        base: &'a BranchName,
    ) -> impl Iterator<Item = &'a ObservedPull> + 'a {
        let mut found: Vec<&ObservedPull> = self
            .pulls
            .iter()
            .filter(|p| &p.repo == repo && &p.head == head && &p.base == base)
            .collect();
        found.sort_by_key(|p| std::cmp::Reverse(p.number));
        found.into_iter()
    }

    /// The open pull request from `head` into `base`.
    pub fn open_pull(
        &self,
        repo: &RepoName,
        head: &BranchName,
        base: &BranchName,
    ) -> Option<&ObservedPull> {
        self.pulls
            .iter()
            .filter(|p| &p.repo == repo && &p.head == head && &p.base == base)
            .filter(|p| p.state == PullState::Open)
            .max_by_key(|p| p.number)
    }

    /// A pull request by number.
    pub fn pull(&self, repo: &RepoName, number: PullNumber) -> Option<&ObservedPull> {
        self.pulls
            .iter()
            .find(|p| &p.repo == repo && p.number == number)
    }

    /// The run whose title holds `correlation_id` (as a whole word).
    pub fn run_by_correlation(
        &self,
        repo: &RepoName,
        correlation_id: &str,
    ) -> Option<&ObservedRun> {
        self.runs
            .iter()
            .find(|r| &r.repo == repo && super::evidence::holds(&r.title, correlation_id))
    }

    /// `login`'s permission on the control repo (`None` when not observed).
    pub fn permission(&self, login: &Login) -> Option<crate::model::config::Permission> {
        self.permissions
            .iter()
            .find(|p| &p.login == login)
            .map(|p| p.permission)
    }

    /// What GitHub says of the queued merge `uuid` of `repo`, when read this run.
    pub fn queue_state(&self, repo: &RepoName, uuid: &str) -> Option<&QueueState> {
        self.queued
            .iter()
            .find(|q| &q.repo == repo && q.uuid == uuid)
            .map(|q| &q.state)
    }

    /// The issue holding `marker`'s tag in its body.
    pub fn issue_with_marker(&self, repo: &RepoName, marker: &Marker) -> Option<&ObservedIssue> {
        let tag = marker.tag();
        self.issues
            .iter()
            .find(|i| &i.repo == repo && i.body.contains(&tag))
    }

    /// The open pull requests of `task` into `base`: those the task lists, and those whose body
    /// names its issue (`owner/repo#N`, or `#N` in the issue's own repo).
    pub fn open_task_pulls(&self, task: &ReleaseTask, base: &BranchName) -> Vec<&ObservedPull> {
        let short = format!("#{}", task.issue.number());
        self.pulls
            .iter()
            .filter(|p| p.repo == task.repo && &p.base == base && p.state == PullState::Open)
            .filter(|p| {
                task.pull_requests.contains(&p.number)
                    || mentions(&p.body, task.issue.as_str())
                    || (task.issue.repo() == &task.repo && mentions(&p.body, &short))
            })
            .collect()
    }
}

/// Whether `body` mentions `reference` as a whole token (`#12` does not match `#123`).
pub fn mentions(body: &str, reference: &str) -> bool {
    body.match_indices(reference).any(|(i, _)| {
        let next = body[i + reference.len()..].chars().next();
        let prev = body[..i].chars().next_back();
        !next.is_some_and(|c| c.is_ascii_alphanumeric())
            && !prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '/')
    })
}
