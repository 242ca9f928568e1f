//! What GitHub showed `convoy verify`, read by [`crate::github::verify`]: per member repo its
//! base head, the shipped and validated commits (tree, parents), how they relate, and its GitHub
//! release's body; per tier the run the lock names; and the lock file itself.

use crate::model::ids::{RepoName, Sha, TierName};
use crate::model::lock::{LockedShip, ShipMethod};
use crate::model::numbers::RunId;

/// Everything read.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `releases/<id>/lock.json` as stored: its text, or `None` when there is none.
    pub lock_text: Option<String>,
    /// Per member repo of the lock, in its order.
    pub repos: Vec<RepoFacts>,
    /// Per tier of the lock that names a run id.
    pub runs: Vec<RunFacts>,
}

/// A commit as the Git data API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitFacts {
    /// Its tree's SHA.
    pub tree: String,
    /// Its parents, first parent first.
    pub parents: Vec<String>,
}

/// How two commits relate: `GET …/compare/{base}...{head}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// `identical`, `ahead` (head descends from base), `behind` or `diverged`.
    pub status: String,
    /// Commits in head that base lacks.
    pub ahead_by: u64,
    /// Commits in base that head lacks.
    pub behind_by: u64,
}

impl Relation {
    /// Whether base is head or an ancestor of it.
    pub fn head_contains_base(&self) -> bool {
        matches!(self.status.as_str(), "identical" | "ahead")
    }
}

/// One member repo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoFacts {
    /// The repository.
    pub name: RepoName,
    /// Its base branch's head; `None` when GitHub shows no such branch.
    pub base_head: Option<Sha>,
    /// `compare/{shipped}...{base head}`; `None` when GitHub relates no such commits.
    pub shipped_to_base: Option<Relation>,
    /// The shipped commit; `None` when GitHub has no such commit in the repository.
    pub shipped: Option<CommitFacts>,
    /// The validated commit; `None` when GitHub has no such commit in the repository.
    pub staged: Option<CommitFacts>,
    /// The base head the ship merge was made onto, as far as GitHub shows it
    /// ([`base_before`]).
    pub base_before: Option<String>,
    /// `compare/{base before}...{staged}`: whether the validated SHA held everything the base
    /// held when the release merged.
    pub before_to_staged: Option<Relation>,
    /// The body of the repository's GitHub release of the lock's tag: `None` when there is no
    /// such release, `Some("")` for an empty body.
    pub release_body: Option<String>,
}

/// The run the lock names for a tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFacts {
    /// The tier.
    pub tier: TierName,
    /// The repository the run is in.
    pub repo: RepoName,
    /// Its id.
    pub run_id: RunId,
    /// What GitHub shows of it; `None` when there is no such run.
    pub seen: Option<RunSeen>,
}

/// A workflow run as GitHub shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSeen {
    /// `queued`, `in_progress`, `completed`, …
    pub status: String,
    /// `success`, `failure`, … once completed.
    pub conclusion: Option<String>,
    /// Its title (the workflow's `run-name`).
    pub title: Option<String>,
}

/// The base head a ship commit was made onto, as GitHub shows it: a merge or squash commit's
/// first parent; for a rebase the base head convoy recorded before the merge (`onto`), else
/// `fallback` (the merge base of the validated and shipped commits); nothing when no merge was
/// made (`already_on_base`).
pub fn base_before(
    ship: &LockedShip,
    shipped: Option<&CommitFacts>,
    fallback: Option<&str>,
) -> Option<String> {
    match ship.method {
        ShipMethod::AlreadyOnBase => None,
        ShipMethod::Merge | ShipMethod::Squash => shipped?.parents.first().cloned(),
        ShipMethod::Rebase => ship
            .onto
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .or_else(|| fallback.map(str::to_owned)),
    }
}
