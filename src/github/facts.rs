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

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> RepoName {
        RepoName::parse("acme/e2e").unwrap()
    }

    fn answer(status: &str, conclusion: Option<&str>) -> Run {
        serde_json::from_value(serde_json::json!({
            "id": 7, "status": status, "conclusion": conclusion,
            "display_title": "e2e [convoy-r1-e2e-1-0a1b2c3d]",
            "path": ".github/workflows/e2e.yml", "event": "workflow_dispatch",
            "head_branch": "main",
        }))
        .unwrap()
    }

    #[test]
    fn every_run_status_github_documents_reads_as_one_convoy_knows() {
        for (status, read) in [
            ("requested", RunStatus::Requested),
            ("queued", RunStatus::Queued),
            ("waiting", RunStatus::Queued),
            ("pending", RunStatus::Queued),
            ("in_progress", RunStatus::InProgress),
            ("completed", RunStatus::Completed),
        ] {
            let seen = run(&repo(), &answer(status, None)).unwrap();
            assert_eq!(seen.status, read, "{status}");
            assert_eq!(seen.conclusion, None);
            assert_eq!(seen.path.as_deref(), Some(".github/workflows/e2e.yml"));
            assert_eq!(seen.event.as_deref(), Some("workflow_dispatch"));
            assert_eq!(seen.head_branch.as_deref(), Some("main"));
        }
    }

    #[test]
    fn every_conclusion_github_documents_reads_as_the_manifest_records_it() {
        for (conclusion, read) in [
            ("success", Some(Conclusion::Success)),
            ("failure", Some(Conclusion::Failure)),
            ("neutral", Some(Conclusion::Neutral)),
            ("cancelled", Some(Conclusion::Cancelled)),
            ("skipped", Some(Conclusion::Skipped)),
            ("timed_out", Some(Conclusion::TimedOut)),
            ("action_required", Some(Conclusion::ActionRequired)),
            ("stale", Some(Conclusion::Stale)),
            // Not one the manifest spells: recorded as a failure when the run completes.
            ("startup_failure", None),
            ("refused", None),
        ] {
            let seen = run(&repo(), &answer("completed", Some(conclusion))).unwrap();
            assert_eq!(seen.conclusion, read, "{conclusion}");
        }
    }
}
