//! [`Action`]: the closed set of things convoy asks GitHub to do.
//!
//! Every action names the repository and the branch, pull request or SHA it affects, and can say
//! whether its effect already holds in an [`Observed`] state. `decide` never plans an action whose
//! effect holds, and the executor checks again before acting, which is what makes a repeated run
//! converge instead of duplicating work.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::observed::{Observed, PullState, StatusState};
use crate::model::config::MergeMethod;
use crate::model::deployment::{DeploymentState, EnvironmentName, Stage};
use crate::model::ids::{BranchName, ReleaseId, RepoName, Reviewer, Sha};
use crate::model::numbers::{IssueNumber, PullNumber, RunId};

pub use super::outcome::{ActionOutcome, Executed, refused_dispatches};

/// One thing to do on GitHub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Create `branch` at `sha`.
    CreateBranch {
        /// The repository.
        repo: RepoName,
        /// The new branch.
        branch: BranchName,
        /// Where it starts.
        sha: Sha,
    },
    /// Move `branch` to `sha`; `force` only for the documented staging reset of abort/rollback.
    UpdateBranch {
        /// The repository.
        repo: RepoName,
        /// The branch.
        branch: BranchName,
        /// The new head.
        sha: Sha,
        /// Whether a non-fast-forward move is intended.
        force: bool,
    },
    /// Delete a branch convoy made for itself (a revert branch once its pull request merged).
    DeleteBranch {
        /// The repository.
        repo: RepoName,
        /// The branch.
        branch: BranchName,
    },
    /// Open a pull request from `head` into `base`.
    OpenPullRequest {
        /// The repository.
        repo: RepoName,
        /// The head branch.
        head: BranchName,
        /// The base branch.
        base: BranchName,
        /// Its title.
        title: String,
        /// Its body.
        body: String,
    },
    /// Merge a pull request, pinned: GitHub refuses if the head is not `sha`.
    MergePullRequest {
        /// The repository.
        repo: RepoName,
        /// The pull request.
        number: PullNumber,
        /// The head SHA it must still have.
        sha: Sha,
        /// The merge method.
        method: MergeMethod,
    },
    /// Put a pull request in its base's merge queue, pinned to the head SHA that passed
    /// (`merge-async` with `merge_action: "merge_queue"`); the queue merges it once its checks
    /// pass on the merge group. Succeeds only when it merged; queued is
    /// [`ActionOutcome::Enqueued`].
    EnqueuePullRequest {
        /// The repository.
        repo: RepoName,
        /// The pull request.
        number: PullNumber,
        /// The head SHA it must still have.
        sha: Sha,
        /// The merge method asked for (the queue's own method may prevail).
        method: MergeMethod,
    },
    /// Close a pull request without merging.
    ClosePullRequest {
        /// The repository.
        repo: RepoName,
        /// The pull request.
        number: PullNumber,
    },
    /// Dispatch a workflow (`workflow_dispatch`) with a correlation id among its inputs.
    DispatchWorkflow {
        /// The repository holding the workflow.
        repo: RepoName,
        /// The workflow file.
        workflow: String,
        /// The ref to run on (`None`: the repository's default branch).
        git_ref: Option<BranchName>,
        /// The id the run's title will echo.
        correlation_id: String,
        /// The inputs (the correlation id among them).
        inputs: BTreeMap<String, String>,
    },
    /// Cancel a run (past its tier's timeout).
    CancelRun {
        /// The repository.
        repo: RepoName,
        /// The run.
        run_id: RunId,
    },
    /// Set a commit status.
    SetCommitStatus {
        /// The repository.
        repo: RepoName,
        /// The commit.
        sha: Sha,
        /// The context (`convoy/release`, `convoy/depends-on`).
        context: String,
        /// The state.
        state: StatusState,
        /// One line saying why.
        description: String,
    },
    /// Create or update the release's tracking issue in the control repo.
    UpsertTrackingIssue {
        /// The control repo.
        repo: RepoName,
        /// The issue, once known (otherwise found by its marker or created).
        number: Option<IssueNumber>,
        /// Its title.
        title: String,
        /// Its body (holds the release marker).
        body: String,
    },
    /// Post a comment carrying a hidden marker (never posted twice).
    Comment {
        /// The repository.
        repo: RepoName,
        /// The issue or pull request.
        issue: IssueNumber,
        /// The marker that identifies the comment.
        marker: String,
        /// The text.
        body: String,
    },
    /// Close an issue (the tracking issue of a release that ended), with GitHub's reason.
    CloseIssue {
        /// The repository.
        repo: RepoName,
        /// The issue.
        issue: IssueNumber,
        /// Why: `completed` (shipped) or `not_planned` (aborted, rolled back).
        reason: CloseReason,
    },
    /// React to a comment (a 👍 acknowledges an accepted command). GitHub keeps one reaction
    /// per person and content, so reacting again changes nothing.
    React {
        /// The repository.
        repo: RepoName,
        /// The comment's id.
        comment_id: u64,
        /// The reaction.
        content: Reaction,
    },
    /// Add a label to an issue.
    AddLabel {
        /// The repository.
        repo: RepoName,
        /// The issue.
        issue: IssueNumber,
        /// The label.
        label: String,
    },
    /// Remove a label from an issue.
    RemoveLabel {
        /// The repository.
        repo: RepoName,
        /// The issue.
        issue: IssueNumber,
        /// The label.
        label: String,
    },
    /// Create a tag at `sha` and a GitHub release for it.
    CreateRelease {
        /// The repository.
        repo: RepoName,
        /// The tag.
        tag: String,
        /// The commit tagged.
        sha: Sha,
        /// The release's name.
        name: String,
        /// The release notes.
        body: String,
    },
    /// Revert what a merge landed on `branch` (ending at `merge_sha`) through a pull request from
    /// `revert_branch`, and merge it with `method`.
    RevertMerge {
        /// The repository.
        repo: RepoName,
        /// The branch that holds the merge.
        branch: BranchName,
        /// The merge commit to revert (after a rebase, the last commit it landed).
        merge_sha: Sha,
        /// The branch the revert pull request comes from.
        revert_branch: BranchName,
        /// The pull request's title.
        title: String,
        /// What the merge landed: one commit, or rebased commits since a known base head.
        #[serde(default)]
        landed: Landed,
        /// How the revert pull request merges (the repository's method).
        #[serde(default)]
        method: MergeMethod,
    },
    /// Change a pull request's base branch (a carried-over task's pull request moves to the new
    /// release's RC branch).
    RetargetPullRequest {
        /// The repository.
        repo: RepoName,
        /// The pull request.
        number: PullNumber,
        /// The new base branch.
        base: BranchName,
    },
    /// Ask people and teams to review a pull request (`POST …/pulls/{n}/requested_reviewers`).
    RequestReviewers {
        /// The repository.
        repo: RepoName,
        /// The pull request.
        number: PullNumber,
        /// Their logins, and teams as `org/team-slug`.
        reviewers: Vec<Reviewer>,
    },
    /// Bring a pull request's head branch up to date with its base
    /// (`PUT …/pulls/{n}/update-branch`, pinned: GitHub refuses if the head is no longer
    /// `head`). The head branch gets a new commit, so the evidence bound to the old head no
    /// longer counts.
    UpdatePullBranch {
        /// The repository.
        repo: RepoName,
        /// The pull request.
        number: PullNumber,
        /// The head SHA it must still have.
        head: Sha,
    },
    /// Give a GitHub deployment of `sha` in `environment` the status `state`. The deployment is
    /// `deployment` when known; otherwise the one of this release found by its SHA and
    /// environment, else made now.
    Deploy {
        /// The repository.
        repo: RepoName,
        /// Which promotion it records.
        stage: Stage,
        /// The environment.
        environment: EnvironmentName,
        /// The SHA deployed.
        sha: Sha,
        /// The status to give it.
        state: DeploymentState,
        /// GitHub's id of the deployment, once known.
        deployment: Option<u64>,
        /// The release (kept in the deployment's payload, so it is found again).
        release: ReleaseId,
        /// One line saying why (at most 140 characters).
        description: String,
        /// Where to read more (the tracking issue).
        log_url: Option<String>,
    },
}

/// Why an issue is closed, as GitHub's `state_reason` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// Done (the release shipped).
    Completed,
    /// Not done (the release was aborted or rolled back).
    NotPlanned,
}

impl CloseReason {
    /// GitHub's word (`completed`, `not_planned`).
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Completed => "completed",
            CloseReason::NotPlanned => "not_planned",
        }
    }
}

/// A reaction convoy puts on a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reaction {
    /// 👍 (`+1`).
    #[serde(rename = "+1")]
    PlusOne,
}

impl Reaction {
    /// GitHub's word (`+1`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reaction::PlusOne => "+1",
        }
    }
}

/// An action with why it is taken and what must succeed first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAction {
    /// Its index in the decision's action list.
    pub id: usize,
    /// What to do.
    pub action: Action,
    /// Why, as a sentence.
    pub reason: String,
    /// Actions (by id) that must succeed before this one runs; empty means it may run in the
    /// first group.
    pub after: Vec<usize>,
}

impl Action {
    /// The repository the action affects.
    pub fn repo(&self) -> &RepoName {
        match self {
            Action::CreateBranch { repo, .. }
            | Action::UpdateBranch { repo, .. }
            | Action::DeleteBranch { repo, .. }
            | Action::OpenPullRequest { repo, .. }
            | Action::MergePullRequest { repo, .. }
            | Action::EnqueuePullRequest { repo, .. }
            | Action::ClosePullRequest { repo, .. }
            | Action::DispatchWorkflow { repo, .. }
            | Action::CancelRun { repo, .. }
            | Action::SetCommitStatus { repo, .. }
            | Action::UpsertTrackingIssue { repo, .. }
            | Action::Comment { repo, .. }
            | Action::CloseIssue { repo, .. }
            | Action::React { repo, .. }
            | Action::AddLabel { repo, .. }
            | Action::RemoveLabel { repo, .. }
            | Action::CreateRelease { repo, .. }
            | Action::RevertMerge { repo, .. }
            | Action::RetargetPullRequest { repo, .. }
            | Action::RequestReviewers { repo, .. }
            | Action::UpdatePullBranch { repo, .. }
            | Action::Deploy { repo, .. } => repo,
        }
    }

    /// What the action touches, for people: `acme/api rc/1.0 ← 1a2b3c4`, `acme/api#7`, …
    pub fn target(&self) -> String {
        match self {
            Action::CreateBranch { repo, branch, sha }
            | Action::UpdateBranch {
                repo, branch, sha, ..
            } => format!("{repo} {branch} ← {}", sha.short()),
            Action::DeleteBranch { repo, branch } => format!("{repo} {branch}"),
            Action::OpenPullRequest {
                repo, head, base, ..
            } => format!("{repo} {head} → {base}"),
            Action::MergePullRequest {
                repo, number, sha, ..
            }
            | Action::EnqueuePullRequest {
                repo, number, sha, ..
            } => format!("{repo}#{number} @ {}", sha.short()),
            Action::ClosePullRequest { repo, number } => format!("{repo}#{number}"),
            Action::DispatchWorkflow {
                repo,
                workflow,
                correlation_id,
                ..
            } => format!("{repo} {workflow} ({correlation_id})"),
            Action::CancelRun { repo, run_id } => format!("{repo} run {run_id}"),
            Action::SetCommitStatus {
                repo, sha, context, ..
            } => format!("{repo} {} {context}", sha.short()),
            Action::UpsertTrackingIssue { repo, number, .. } => match number {
                Some(n) => format!("{repo}#{n}"),
                None => format!("{repo} (new tracking issue)"),
            },
            Action::React {
                repo, comment_id, ..
            } => format!("{repo} comment {comment_id}"),
            Action::Comment { repo, issue, .. }
            | Action::CloseIssue { repo, issue, .. }
            | Action::AddLabel { repo, issue, .. }
            | Action::RemoveLabel { repo, issue, .. } => format!("{repo}#{issue}"),
            Action::CreateRelease { repo, tag, sha, .. } => {
                format!("{repo} {tag} @ {}", sha.short())
            }
            Action::RevertMerge {
                repo,
                branch,
                merge_sha,
                ..
            } => format!("{repo} {branch} revert {}", merge_sha.short()),
            Action::RetargetPullRequest { repo, number, base } => {
                format!("{repo}#{number} → {base}")
            }
            Action::RequestReviewers {
                repo,
                number,
                reviewers,
            } => {
                let who: Vec<String> = reviewers.iter().map(|r| format!("@{r}")).collect();
                format!("{repo}#{number} ({})", who.join(", "))
            }
            Action::UpdatePullBranch { repo, number, head } => {
                format!("{repo}#{number} @ {}", head.short())
            }
            Action::Deploy {
                repo,
                environment,
                sha,
                state,
                ..
            } => format!("{repo} {environment} @ {} ({state})", sha.short()),
        }
    }

    /// The action's kind as a word (`create_branch`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreateBranch { .. } => "create_branch",
            Action::UpdateBranch { .. } => "update_branch",
            Action::DeleteBranch { .. } => "delete_branch",
            Action::OpenPullRequest { .. } => "open_pull_request",
            Action::MergePullRequest { .. } => "merge_pull_request",
            Action::EnqueuePullRequest { .. } => "enqueue_pull_request",
            Action::ClosePullRequest { .. } => "close_pull_request",
            Action::DispatchWorkflow { .. } => "dispatch_workflow",
            Action::CancelRun { .. } => "cancel_run",
            Action::SetCommitStatus { .. } => "set_commit_status",
            Action::UpsertTrackingIssue { .. } => "upsert_tracking_issue",
            Action::Comment { .. } => "comment",
            Action::CloseIssue { .. } => "close_issue",
            Action::React { .. } => "react",
            Action::AddLabel { .. } => "add_label",
            Action::RemoveLabel { .. } => "remove_label",
            Action::CreateRelease { .. } => "create_release",
            Action::RevertMerge { .. } => "revert_merge",
            Action::RetargetPullRequest { .. } => "retarget_pull_request",
            Action::RequestReviewers { .. } => "request_reviewers",
            Action::UpdatePullBranch { .. } => "update_pull_branch",
            Action::Deploy { .. } => "deploy",
        }
    }

    /// Whether the action's effect already holds in `o` (then it must not be taken again).
    pub fn effect_holds(&self, o: &Observed) -> bool {
        match self {
            Action::CreateBranch { repo, branch, .. } => o.head(repo, branch).is_some(),
            Action::UpdateBranch {
                repo, branch, sha, ..
            } => o.head(repo, branch) == Some(sha),
            Action::DeleteBranch { repo, branch } => o.head(repo, branch).is_none(),
            Action::OpenPullRequest {
                repo, head, base, ..
            } => o.open_pull(repo, head, base).is_some(),
            Action::MergePullRequest { repo, number, .. }
            | Action::EnqueuePullRequest { repo, number, .. } => o
                .pull(repo, *number)
                .is_some_and(|p| p.state == PullState::Merged),
            Action::ClosePullRequest { repo, number } => o
                .pull(repo, *number)
                .is_some_and(|p| p.state != PullState::Open),
            Action::DispatchWorkflow {
                repo,
                correlation_id,
                ..
            } => o.run_by_correlation(repo, correlation_id).is_some(),
            Action::CancelRun { repo, run_id } => o.runs.iter().any(|r| {
                &r.repo == repo
                    && r.run_id == *run_id
                    && r.status == crate::model::manifest::RunStatus::Completed
            }),
            Action::SetCommitStatus {
                repo,
                sha,
                context,
                state,
                description,
            } => o.statuses.iter().any(|s| {
                &s.repo == repo
                    && &s.sha == sha
                    && &s.context == context
                    && &s.state == state
                    && &s.description == description
            }),
            Action::UpsertTrackingIssue {
                repo,
                number,
                title,
                body,
            } => o.issues.iter().any(|i| {
                &i.repo == repo
                    && number.is_none_or(|n| n == i.number)
                    && &i.title == title
                    && &i.body == body
            }),
            Action::Comment {
                repo,
                issue,
                marker,
                ..
            } => o
                .comments
                .iter()
                .any(|c| &c.repo == repo && c.issue == *issue && &c.marker == marker),
            Action::CloseIssue { repo, issue, .. } => o
                .issues
                .iter()
                .any(|i| &i.repo == repo && i.number == *issue && !i.open),
            // Not observed; reacting again is harmless.
            Action::React { .. } => false,
            Action::AddLabel { repo, issue, label } => o
                .issues
                .iter()
                .any(|i| &i.repo == repo && i.number == *issue && i.labels.contains(label)),
            Action::RemoveLabel { repo, issue, label } => !o
                .issues
                .iter()
                .any(|i| &i.repo == repo && i.number == *issue && i.labels.contains(label)),
            Action::CreateRelease { repo, tag, .. } => {
                o.releases.iter().any(|r| &r.repo == repo && &r.tag == tag)
            }
            Action::RevertMerge {
                repo,
                branch,
                revert_branch,
                ..
            } => o
                .pulls_between(repo, revert_branch, branch)
                .any(|p| p.state == PullState::Merged),
            Action::RetargetPullRequest { repo, number, base } => {
                o.pull(repo, *number).is_some_and(|p| &p.base == base)
            }
            // Requests are planned once (the manifest records them); GitHub keeps them.
            Action::RequestReviewers { .. } => false,
            Action::UpdatePullBranch { repo, number, head } => o
                .pull(repo, *number)
                .is_some_and(|p| &p.head_sha != head || p.state != PullState::Open),
            // Not observed: the manifest records what GitHub holds (`DeploymentRecord`), and
            // the executor finds a deployment made before by its SHA and environment.
            Action::Deploy { .. } => false,
        }
    }
}

/// What a merge landed on its branch, so that a revert undoes all of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Landed {
    /// One commit (a merge commit or a squash): its first parent is the branch before it.
    #[default]
    OneCommit,
    /// Commits rebased one by one onto `onto`, the branch head before the merge: the revert
    /// restores `onto`'s tree, undoing every commit between it and the merge's last commit.
    Rebased {
        /// The branch head the commits were rebased onto.
        onto: Sha,
    },
}
