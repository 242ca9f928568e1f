//! [`World`]: a pure, in-memory stand-in for GitHub that applies [`Action`]s to an [`Observed`]
//! state the way GitHub would (new SHAs for merges, PR numbers, runs for dispatches).

use crate::lifecycle::action::Action;
use crate::lifecycle::observed::{
    Observed, ObservedBranch, ObservedComment, ObservedIssue, ObservedPull, ObservedRelease,
    ObservedRun, ObservedStatus, PullState,
};
use crate::model::ids::{BranchName, RepoName, Sha};
use crate::model::manifest::{Conclusion, RunStatus};
use crate::model::numbers::{IssueNumber, PullNumber, RunId};

/// Why GitHub would refuse an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 404: the thing is not there.
    #[error("not found: {0}")]
    NotFound(String),
    /// 405: the pull request cannot be merged.
    #[error("not mergeable: {0}")]
    NotMergeable(String),
    /// 409: the head moved (a pinned merge with a stale SHA).
    #[error("head moved: {0}")]
    HeadMoved(String),
    /// 422: the request is invalid (e.g. a non-fast-forward update without force).
    #[error("unprocessable: {0}")]
    Unprocessable(String),
}

/// An in-memory GitHub.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// What `decide` will observe.
    pub observed: Observed,
    counter: u64,
    /// Parent of each commit the world made (for fast-forward checks).
    parents: Vec<(Sha, Vec<Sha>)>,
}

impl World {
    /// A world showing `observed`.
    pub fn new(observed: Observed) -> Self {
        World {
            observed,
            counter: 0,
            parents: Vec::new(),
        }
    }

    /// The GitHub a manifest describes: every branch at the SHA the manifest recorded, the runs
    /// it dispatched in the state it recorded, its tracking issue. Where the manifest recorded
    /// nothing (no base head yet), the branch gets a fresh SHA.
    pub fn from_manifest(m: &crate::model::manifest::ReleaseManifest) -> Self {
        let mut w = World::default();
        for r in &m.repos {
            let base = r.shas.shipped.clone().or(r.shas.cut_from.clone());
            match base {
                Some(sha) => w.set_head(&r.name, &r.base, sha),
                None => {
                    w.push(&r.name, &r.base);
                }
            }
            if let Some(rc) = r.shas.rc_head.clone().or(r.shas.cut_from.clone())
                && r.state != crate::model::manifest::RepoState::Pending
            {
                w.set_head(&r.name, &r.rc_branch, rc);
            }
            let staging = r
                .shas
                .staged
                .clone()
                .or(r.shas.staging_before.clone())
                .or_else(|| w.observed.head(&r.name, &r.base).cloned());
            if let Some(sha) = staging {
                w.set_head(&r.name, &r.staging, sha);
            }
        }
        for run in &m.tier_runs {
            w.observed.runs.push(ObservedRun {
                repo: run.repo.clone(),
                run_id: run.run_id.unwrap_or(RunId::new(0)),
                title: run.correlation_id.clone(),
                status: run.status,
                conclusion: run.conclusion,
                url: run.url.clone(),
                path: Some(format!(".github/workflows/{}", run.workflow)),
                event: Some("workflow_dispatch".to_owned()),
                head_branch: crate::lifecycle::evidence::dispatched_ref(m, run)
                    .map(|b| b.to_string()),
            });
        }
        if let Some(number) = m.tracking_issue {
            w.observed.issues.push(ObservedIssue {
                repo: m.control_repo.clone(),
                number,
                title: crate::report::tracking_title(m),
                body: crate::model::marker::Marker::Release(m.id.clone()).to_string(),
                labels: Vec::new(),
                open: true,
            });
        }
        w
    }

    /// A fresh, deterministic SHA.
    pub fn fresh_sha(&mut self, salt: &str) -> Sha {
        self.counter += 1;
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ self.counter;
        for b in salt.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let hex = format!(
            "{h:016x}{:016x}{:08x}",
            h.rotate_left(17) ^ self.counter,
            self.counter
        );
        Sha::parse(&hex[..40]).unwrap_or_else(|_| unreachable!("40 hex digits"))
    }

    /// A developer pushes one commit to `branch` (created from nothing if absent).
    pub fn push(&mut self, repo: &RepoName, branch: &BranchName) -> Sha {
        let parent = self.observed.head(repo, branch).cloned();
        let sha = self.fresh_sha(&format!("{repo}:{branch}"));
        self.parents
            .push((sha.clone(), parent.into_iter().collect()));
        self.set_head(repo, branch, sha.clone());
        sha
    }

    /// Whether `ancestor` is `sha` or one of its ancestors (as far as this world knows).
    fn descends(&self, sha: &Sha, ancestor: &Sha) -> bool {
        let mut stack = vec![sha.clone()];
        let mut seen = 0;
        while let Some(s) = stack.pop() {
            if &s == ancestor {
                return true;
            }
            seen += 1;
            if seen > 100_000 {
                return false;
            }
            if let Some((_, ps)) = self.parents.iter().find(|(c, _)| c == &s) {
                stack.extend(ps.iter().cloned());
            }
        }
        false
    }

    /// Moves a branch (creating it) and the head of open pull requests from it.
    pub fn set_head(&mut self, repo: &RepoName, branch: &BranchName, sha: Sha) {
        match self
            .observed
            .branches
            .iter_mut()
            .find(|b| &b.repo == repo && &b.branch == branch)
        {
            Some(b) => b.sha = sha.clone(),
            None => self.observed.branches.push(ObservedBranch {
                repo: repo.clone(),
                branch: branch.clone(),
                sha: sha.clone(),
            }),
        }
        for p in &mut self.observed.pulls {
            if &p.repo == repo && &p.head == branch && p.state == PullState::Open {
                p.head_sha = sha.clone();
            }
        }
    }

    /// Opens a pull request (as a developer would) and returns its number.
    pub fn open_pull(
        &mut self,
        repo: &RepoName,
        head: &BranchName,
        base: &BranchName,
        body: &str,
    ) -> Result<PullNumber, Refusal> {
        let head_sha = self
            .observed
            .head(repo, head)
            .cloned()
            .ok_or_else(|| Refusal::NotFound(format!("{repo} branch {head}")))?;
        if self.observed.open_pull(repo, head, base).is_some() {
            return Err(Refusal::Unprocessable(format!(
                "a pull request for {head} → {base} exists"
            )));
        }
        let number = PullNumber::new(self.next_number());
        self.observed.pulls.push(ObservedPull {
            repo: repo.clone(),
            number,
            head: head.clone(),
            base: base.clone(),
            head_sha,
            state: PullState::Open,
            mergeable: Some(true),
            behind: false,
            merge_commit_sha: None,
            conflict_files: Vec::new(),
            body: body.to_owned(),
            approvals: Vec::new(),
        });
        Ok(number)
    }

    /// Merges a pull request the way GitHub does: a new merge commit on the base.
    pub fn merge_pull(
        &mut self,
        repo: &RepoName,
        number: PullNumber,
        pin: Option<&Sha>,
    ) -> Result<Sha, Refusal> {
        let pr = self
            .observed
            .pull(repo, number)
            .cloned()
            .ok_or_else(|| Refusal::NotFound(format!("{repo}#{number}")))?;
        if pr.state != PullState::Open {
            return Err(Refusal::NotMergeable(format!(
                "{repo}#{number} is not open"
            )));
        }
        if pin.is_some_and(|s| s != &pr.head_sha) {
            return Err(Refusal::HeadMoved(format!(
                "{repo}#{number} head is {}",
                pr.head_sha
            )));
        }
        if pr.mergeable == Some(false) {
            return Err(Refusal::NotMergeable(format!(
                "{repo}#{number} has conflicts"
            )));
        }
        let base_head = self.observed.head(repo, &pr.base).cloned();
        let merge = self.fresh_sha(&format!("merge {repo}#{number}"));
        self.parents.push((
            merge.clone(),
            base_head.into_iter().chain([pr.head_sha.clone()]).collect(),
        ));
        self.set_head(repo, &pr.base, merge.clone());
        if let Some(p) = self
            .observed
            .pulls
            .iter_mut()
            .find(|p| &p.repo == repo && p.number == number)
        {
            p.state = PullState::Merged;
            p.merge_commit_sha = Some(merge.clone());
        }
        Ok(merge)
    }

    /// Completes every run still going with `conclusion`.
    pub fn complete_runs(&mut self, conclusion: Conclusion) -> usize {
        let mut n = 0;
        for r in &mut self.observed.runs {
            if r.status != RunStatus::Completed {
                r.status = RunStatus::Completed;
                r.conclusion = Some(conclusion);
                n += 1;
            }
        }
        n
    }

    /// The next number in the repository-wide sequence that issues and pull requests share.
    fn next_number(&mut self) -> u64 {
        let pulls = self.observed.pulls.iter().map(|p| p.number.get());
        let issues = self.observed.issues.iter().map(|i| i.number.get());
        pulls.chain(issues).max().unwrap_or(0) + 1
    }

    /// Applies one action as GitHub would.
    pub fn apply(&mut self, action: &Action) -> Result<(), Refusal> {
        match action {
            Action::CreateBranch { repo, branch, sha } => {
                if self.observed.head(repo, branch).is_some() {
                    return Err(Refusal::Unprocessable(format!(
                        "{repo} {branch}: Reference already exists"
                    )));
                }
                self.set_head(repo, branch, sha.clone());
            }
            Action::UpdateBranch {
                repo,
                branch,
                sha,
                force,
            } => {
                let current = self
                    .observed
                    .head(repo, branch)
                    .cloned()
                    .ok_or_else(|| Refusal::NotFound(format!("{repo} {branch}")))?;
                if !force && !self.descends(sha, &current) {
                    return Err(Refusal::Unprocessable(format!(
                        "{repo} {branch}: Update is not a fast forward"
                    )));
                }
                self.set_head(repo, branch, sha.clone());
            }
            Action::DeleteBranch { repo, branch } => {
                let before = self.observed.branches.len();
                self.observed
                    .branches
                    .retain(|b| !(&b.repo == repo && &b.branch == branch));
                if self.observed.branches.len() == before {
                    return Err(Refusal::NotFound(format!("{repo} {branch}")));
                }
            }
            Action::OpenPullRequest {
                repo,
                head,
                base,
                body,
                ..
            } => {
                self.open_pull(repo, head, base, body)?;
            }
            Action::MergePullRequest {
                repo, number, sha, ..
            }
            | Action::EnqueuePullRequest {
                repo, number, sha, ..
            } => {
                self.merge_pull(repo, *number, Some(sha))?;
            }
            Action::ClosePullRequest { repo, number } => {
                if let Some(p) = self
                    .observed
                    .pulls
                    .iter_mut()
                    .find(|p| &p.repo == repo && p.number == *number)
                {
                    if p.state == PullState::Open {
                        p.state = PullState::Closed;
                    }
                } else {
                    return Err(Refusal::NotFound(format!("{repo}#{number}")));
                }
            }
            Action::DispatchWorkflow {
                repo,
                workflow,
                git_ref,
                correlation_id,
                ..
            } => {
                let run_id = RunId::new(1000 + self.observed.runs.len() as u64);
                self.observed.runs.push(ObservedRun {
                    repo: repo.clone(),
                    run_id,
                    title: correlation_id.clone(),
                    status: RunStatus::Queued,
                    conclusion: None,
                    url: Some(format!("https://github.com/{repo}/actions/runs/{run_id}")),
                    path: Some(format!(".github/workflows/{workflow}")),
                    event: Some("workflow_dispatch".to_owned()),
                    head_branch: Some(
                        git_ref
                            .as_ref()
                            .map_or_else(|| "main".to_owned(), ToString::to_string),
                    ),
                });
            }
            Action::CancelRun { repo, run_id } => {
                if let Some(r) = self
                    .observed
                    .runs
                    .iter_mut()
                    .find(|r| &r.repo == repo && r.run_id == *run_id)
                    && r.status != RunStatus::Completed
                {
                    r.status = RunStatus::Completed;
                    r.conclusion = Some(Conclusion::Cancelled);
                }
            }
            Action::SetCommitStatus {
                repo,
                sha,
                context,
                state,
                description,
            } => {
                self.observed
                    .statuses
                    .retain(|s| !(&s.repo == repo && &s.sha == sha && &s.context == context));
                self.observed.statuses.push(ObservedStatus {
                    repo: repo.clone(),
                    sha: sha.clone(),
                    context: context.clone(),
                    state: *state,
                    description: description.clone(),
                });
            }
            Action::UpsertTrackingIssue {
                repo,
                number,
                title,
                body,
            } => {
                let found = self.observed.issues.iter_mut().find(|i| {
                    &i.repo == repo
                        && (Some(i.number) == *number
                            || (number.is_none()
                                && body.lines().next().is_some_and(|m| i.body.contains(m))))
                });
                match found {
                    Some(i) => {
                        i.title = title.clone();
                        i.body = body.clone();
                    }
                    None => {
                        let number = IssueNumber::new(self.next_number());
                        self.observed.issues.push(ObservedIssue {
                            repo: repo.clone(),
                            number,
                            title: title.clone(),
                            body: body.clone(),
                            labels: Vec::new(),
                            open: true,
                        });
                    }
                }
            }
            Action::Comment {
                repo,
                issue,
                marker,
                ..
            } => self.observed.comments.push(ObservedComment {
                repo: repo.clone(),
                issue: *issue,
                marker: marker.clone(),
            }),
            Action::CloseIssue { repo, issue, .. } => {
                match self
                    .observed
                    .issues
                    .iter_mut()
                    .find(|i| &i.repo == repo && i.number == *issue)
                {
                    Some(i) => i.open = false,
                    // A task's issue the world had not shown yet: it is there now, closed.
                    None => self.observed.issues.push(ObservedIssue {
                        repo: repo.clone(),
                        number: *issue,
                        title: String::new(),
                        body: String::new(),
                        labels: Vec::new(),
                        open: false,
                    }),
                }
            }
            // Reactions are not observed.
            // Deployments change nothing the lifecycle reads back.
            Action::React { .. } | Action::Deploy { .. } => {}
            Action::AddLabel { repo, issue, label } => {
                if let Some(i) = self
                    .observed
                    .issues
                    .iter_mut()
                    .find(|i| &i.repo == repo && i.number == *issue)
                    && !i.labels.contains(label)
                {
                    i.labels.push(label.clone());
                }
            }
            Action::RemoveLabel { repo, issue, label } => {
                if let Some(i) = self
                    .observed
                    .issues
                    .iter_mut()
                    .find(|i| &i.repo == repo && i.number == *issue)
                {
                    i.labels.retain(|l| l != label);
                }
            }
            Action::CreateRelease { repo, tag, .. } => {
                if self
                    .observed
                    .releases
                    .iter()
                    .any(|r| &r.repo == repo && &r.tag == tag)
                {
                    return Err(Refusal::Unprocessable(format!(
                        "{repo} release {tag} already exists"
                    )));
                }
                self.observed.releases.push(ObservedRelease {
                    repo: repo.clone(),
                    tag: tag.clone(),
                });
            }
            Action::RevertMerge {
                repo,
                branch,
                revert_branch,
                ..
            } => {
                let base = self
                    .observed
                    .head(repo, branch)
                    .cloned()
                    .ok_or_else(|| Refusal::NotFound(format!("{repo} {branch}")))?;
                let revert = self.fresh_sha(&format!("revert {repo} {branch}"));
                self.parents.push((revert.clone(), vec![base]));
                self.set_head(repo, revert_branch, revert);
                let number = self.open_pull(repo, revert_branch, branch, "revert")?;
                self.merge_pull(repo, number, None)?;
            }
            Action::RetargetPullRequest { repo, number, base } => {
                if self.observed.head(repo, base).is_none() {
                    return Err(Refusal::Unprocessable(format!(
                        "{repo} has no branch {base} to retarget #{number} to"
                    )));
                }
                let p = self
                    .observed
                    .pulls
                    .iter_mut()
                    .find(|p| &p.repo == repo && p.number == *number)
                    .ok_or_else(|| Refusal::NotFound(format!("{repo}#{number}")))?;
                p.base = base.clone();
            }
            Action::RequestReviewers { repo, number, .. } => {
                if self.observed.pull(repo, *number).is_none() {
                    return Err(Refusal::NotFound(format!("{repo}#{number}")));
                }
            }
            Action::UpdatePullBranch { repo, number, head } => {
                let p = self
                    .observed
                    .pull(repo, *number)
                    .cloned()
                    .ok_or_else(|| Refusal::NotFound(format!("{repo}#{number}")))?;
                if &p.head_sha != head {
                    return Err(Refusal::Unprocessable(format!(
                        "{repo}#{number}: expected head sha didn't match current head ref"
                    )));
                }
                let base = self.observed.head(repo, &p.base).cloned();
                let sha = self.push(repo, &p.head);
                if let (Some(base), Some((_, parents))) =
                    (base, self.parents.iter_mut().find(|(c, _)| c == &sha))
                {
                    parents.push(base);
                }
                if let Some(pull) = self
                    .observed
                    .pulls
                    .iter_mut()
                    .find(|x| &x.repo == repo && x.number == *number)
                {
                    pull.behind = false;
                }
            }
        }
        Ok(())
    }
}
