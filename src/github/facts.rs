//! What GitHub's answers mean to the lifecycle: the typed REST answers ([`super::rest`]) turned
//! into the observed facts `decide` reads. Pure; an answer lacking what a fact needs gives no
//! fact (the observer skips it).

use super::rest::actions::Run;
use super::rest::issues::Issue;
use super::rest::pulls::Pull;
use crate::lifecycle::observed::{ObservedIssue, ObservedPull, ObservedRun, PullState};
use crate::model::ids::{BranchName, RepoName, Sha};
use crate::model::manifest::{Conclusion, RunStatus};

/// A pull request of `repo`; pull requests from forks are left out.
pub fn pull(repo: &RepoName, p: &Pull) -> Option<ObservedPull> {
    if p.from_fork(repo) {
        return None;
    }
    let merged = p.is_merged();
    let state = if merged {
        PullState::Merged
    } else if p.is_open() {
        PullState::Open
    } else {
        PullState::Closed
    };
    Some(ObservedPull {
        repo: repo.clone(),
        number: p.number?,
        head: BranchName::parse(p.head_branch()?).ok()?,
        base: BranchName::parse(p.base_branch()?).ok()?,
        head_sha: Sha::parse(p.head_sha()?).ok()?,
        state,
        mergeable: p.mergeable,
        behind: p.mergeable_state.as_deref() == Some("behind"),
        merge_commit_sha: if merged {
            p.merge_commit_sha
                .as_deref()
                .and_then(|s| Sha::parse(s).ok())
        } else {
            None
        },
        conflict_files: Vec::new(),
        body: p.body.clone().unwrap_or_default(),
        approvals: Vec::new(),
    })
}

/// A workflow run of `repo`.
pub fn run(repo: &RepoName, r: &Run) -> Option<ObservedRun> {
    let status = match r.status.as_deref()? {
        "completed" => RunStatus::Completed,
        "in_progress" => RunStatus::InProgress,
        "requested" => RunStatus::Requested,
        _ => RunStatus::Queued,
    };
    Some(ObservedRun {
        repo: repo.clone(),
        run_id: r.id?,
        title: r.title().unwrap_or_default().to_owned(),
        status,
        conclusion: r.conclusion.as_deref().and_then(Conclusion::parse),
        url: r.html_url.clone(),
        path: r.path.clone(),
        event: r.event.clone(),
        head_branch: r.head_branch.clone(),
    })
}

/// An issue of `repo`.
pub fn issue(repo: &RepoName, i: &Issue) -> Option<ObservedIssue> {
    Some(ObservedIssue {
        repo: repo.clone(),
        number: i.number?,
        title: i.title.clone()?,
        body: i.body.clone().unwrap_or_default(),
        labels: i
            .labels
            .iter()
            .filter_map(|l| l.name.clone().or_else(|| l.bare.clone()))
            .collect(),
        open: i.state.as_deref() != Some("closed"),
    })
}
