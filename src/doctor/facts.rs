//! What `convoy doctor` saw on GitHub, per repository, in convoy's words: filled in by
//! [`crate::github::doctor`], judged by [`super::judge`]. Plain data, no I/O.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::workflow::WorkflowFile;
use crate::model::config::MergeMethod;
use crate::model::ids::{BranchName, RepoName};

/// The answer to one read: what GitHub showed, nothing there (404), or a failure (its text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "read", content = "value", rename_all = "snake_case")]
pub enum Read<T> {
    /// GitHub answered.
    Found(T),
    /// GitHub answered 404: not there, or not visible to the token.
    Missing,
    /// The read failed otherwise (403, 5xx after retries, no connection): GitHub's words.
    Failed(String),
}

impl<T> Read<T> {
    /// The value, when GitHub answered.
    pub fn found(&self) -> Option<&T> {
        match self {
            Read::Found(v) => Some(v),
            _ => None,
        }
    }
}

/// Everything read about one repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepoFacts {
    /// The repository.
    pub repo: RepoName,
    /// `GET /repos/{o}/{r}`: whether the token sees it, and its settings.
    pub repository: Read<RepoSeen>,
    /// The branches convoy works on here (base, staging, the control repo's state branch).
    pub branches: BTreeMap<BranchName, BranchFacts>,
    /// The workflow files convoy dispatches here, by file name and ref (`None`: the default
    /// branch).
    pub workflows: Vec<WorkflowFacts>,
    /// The control repo's config file on its state branch, when checked.
    pub config_file: Option<Read<()>>,
}

impl RepoFacts {
    /// Facts of a repository nothing more is known of than `repository`.
    pub fn new(repo: RepoName, repository: Read<RepoSeen>) -> Self {
        RepoFacts {
            repo,
            repository,
            branches: BTreeMap::new(),
            workflows: Vec::new(),
            config_file: None,
        }
    }
}

/// A repository as the token sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RepoSeen {
    /// Its default branch.
    pub default_branch: Option<BranchName>,
    /// What the token may do there (`permissions` of `GET /repos`), when GitHub says.
    pub access: Option<Access>,
    /// The merge methods its settings allow.
    pub allowed_methods: Vec<MergeMethod>,
    /// "Automatically delete head branches".
    pub delete_branch_on_merge: bool,
    /// Archived (read-only).
    pub archived: bool,
    /// Issues are enabled (`has_issues`), when GitHub says.
    pub has_issues: Option<bool>,
}

/// The token's permission on a repository, as `GET /repos` shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Access {
    /// Admin.
    pub admin: bool,
    /// Maintain.
    pub maintain: bool,
    /// Write (push).
    pub push: bool,
    /// Triage.
    pub triage: bool,
    /// Read.
    pub pull: bool,
}

impl Access {
    /// The highest level, as GitHub names roles.
    pub fn level(&self) -> &'static str {
        if self.admin {
            "admin"
        } else if self.maintain {
            "maintain"
        } else if self.push {
            "write"
        } else if self.triage {
            "triage"
        } else if self.pull {
            "read"
        } else {
            "none"
        }
    }
}

/// One branch: whether it exists, and the rules that apply to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BranchFacts {
    /// `GET …/branches/{b}`.
    pub branch: Read<BranchSeen>,
    /// `GET …/rules/branches/{b}`, folded, with the bypass read from the rulesets.
    pub rules: Read<Rules>,
}

/// A branch as `GET …/branches/{b}` shows it to anyone who can read the repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BranchSeen {
    /// Under classic branch protection or a ruleset.
    pub protected: bool,
    /// The status checks classic protection requires (visible without admin rights).
    pub classic_checks: Vec<String>,
    /// Classic protection's strict mode, when shown.
    pub classic_strict: bool,
}

/// The rules that apply to a branch (every ruleset's, folded into one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rules {
    /// Approving reviews a pull request needs.
    pub required_reviews: u32,
    /// Code owners must approve.
    pub code_owner_reviews: bool,
    /// Status checks that must pass.
    pub required_checks: BTreeSet<String>,
    /// The head must be up to date with the branch.
    pub strict: bool,
    /// No merge commits.
    pub linear_history: bool,
    /// Changes land only through a merge queue.
    pub merge_queue: bool,
    /// Changes only through pull requests (a `pull_request` rule): direct pushes, fast-forwards
    /// included, are refused.
    pub pull_request: bool,
    /// Force pushes are refused (`non_fast_forward`).
    pub no_force_push: bool,
    /// Only bypass actors may update the branch (`update`).
    pub restrict_updates: bool,
    /// The merge methods a `pull_request` rule allows, when it restricts them.
    pub allowed_methods: Option<Vec<MergeMethod>>,
    /// Whether the token bypasses the rulesets that restrict pushes or require a merge queue.
    pub bypass: Bypass,
}

impl Rules {
    /// Whether anything applies.
    pub fn any(&self) -> bool {
        self != &Rules {
            bypass: self.bypass,
            ..Rules::default()
        }
    }

    /// Whether pushes that are not pull request merges are refused (fast-forwards included).
    pub fn refuses_pushes(&self) -> bool {
        self.pull_request || self.restrict_updates
    }

    /// Whether a forced update (a reset that is not a fast-forward) is refused.
    pub fn refuses_force(&self) -> bool {
        self.refuses_pushes() || self.no_force_push
    }
}

/// Whether the token may bypass a ruleset (`current_user_can_bypass` of
/// `GET /repos/{o}/{r}/rulesets/{id}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bypass {
    /// Every relevant ruleset lets the token through.
    Always,
    /// Through pull requests only: merges pass, pushes do not.
    PullRequests,
    /// A relevant ruleset does not let the token through.
    Never,
    /// Not known: no ruleset to read (classic protection, or nothing), or GitHub did not say.
    #[default]
    Unknown,
}

impl Bypass {
    /// The bypass of several rulesets together: the least any of them grants (`Unknown` when
    /// there are none, or one is not known and none refuses).
    pub fn fold(each: &[Bypass]) -> Bypass {
        if each.is_empty() || (each.contains(&Bypass::Unknown) && !each.contains(&Bypass::Never)) {
            Bypass::Unknown
        } else if each.contains(&Bypass::Never) {
            Bypass::Never
        } else if each.contains(&Bypass::PullRequests) {
            Bypass::PullRequests
        } else {
            Bypass::Always
        }
    }

    /// Whether the token's pull request merges pass the rules.
    pub fn merges(self) -> bool {
        matches!(self, Bypass::Always | Bypass::PullRequests)
    }

    /// Whether the token's pushes (ref updates, forced or not) pass the rules.
    pub fn pushes(self) -> bool {
        self == Bypass::Always
    }
}

/// One workflow file convoy dispatches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowFacts {
    /// Its file name in `.github/workflows/`.
    pub file: String,
    /// The ref it was read on (`None`: the default branch).
    pub git_ref: Option<BranchName>,
    /// The file, read, and parsed (`Err`: why it does not read as a workflow).
    pub read: Read<Result<WorkflowFile, String>>,
}

/// What is known of the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TokenFacts {
    /// An installation token convoy minted from the App's id and key: the installation's
    /// permissions (`contents` → `write`, …).
    App {
        /// Permission name → `read` or `write`.
        permissions: BTreeMap<String, String>,
    },
    /// A token given as it is (`token` input, `--token`, `GITHUB_TOKEN`): its permissions
    /// show only per repository.
    Given,
}
