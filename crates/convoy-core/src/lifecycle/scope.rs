//! What a run reads afresh: the repos its event concerns, or everything.
//!
//! A release of sixty repos cannot afford to read all sixty for each of its hundreds of events.
//! An event is about something: a pull request or a push in one repo, a tier run, a comment on
//! the tracking issue. A run reads afresh what its event concerns ([`Scope::of`]) and takes the
//! rest from what convoy saw of the release the last time, at the same manifest revision
//! ([`Observed::carry_over`]). Two rules keep that safe:
//!
//! - what is carried over is exactly what the last decision saw, so deciding on it again changes
//!   nothing about those repos: a lost event stays lost only until the scheduled run, which
//!   reads everything, as it always did;
//! - a decision that would reach beyond the scope ([`Scope::covers`]: the phase moves, an action
//!   on a repo outside it, a dispatch, a comment) is thrown away, and the run reads everything
//!   and decides again: nothing is ever done on the strength of what was carried over.

use std::collections::BTreeSet;

use super::action::Action;
use super::decision::Decision;
use super::observed::Observed;
use crate::model::ids::RepoName;
use crate::model::manifest::ReleaseManifest;
use crate::signal::Signal;

/// What a run reads afresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything the phase needs, of every repo (the schedule, commands, `reconcile`).
    All,
    /// Only these member repos' branches and pull requests (and what hangs off them), the
    /// release's tracking issue, and the tier runs when `runs`.
    Narrow {
        /// The member repos read afresh.
        repos: BTreeSet<RepoName>,
        /// Whether the tier runs in flight are read afresh.
        runs: bool,
    },
}

impl Scope {
    /// The scope of `signal` for release `m`: the member repos it names (its pull request,
    /// push, status, review, issue or milestone), the tier runs for a run's news, nothing but
    /// the tracking issue for a comment there; everything for the schedule and for commands.
    pub fn of(signal: &Signal, m: &ReleaseManifest) -> Scope {
        let repo = |r: &RepoName| Scope::narrow(m, [r], false);
        match signal {
            Signal::PullRequest(p) => repo(&p.repo),
            Signal::PullRequestReview { repo: r, .. }
            | Signal::Issue { repo: r, .. }
            | Signal::Check { repo: r, .. }
            | Signal::Status { repo: r, .. }
            | Signal::Push { repo: r, .. }
            | Signal::Milestone { repo: r, .. } => repo(r),
            Signal::Comment(c) => repo(&c.repo),
            Signal::Changed { repo: r, .. } => repo(r),
            Signal::TaskCompleted { task, .. } => repo(task.repo()),
            Signal::TierCompleted { .. } => Scope::narrow(m, [], true),
            Signal::WorkflowRun(w) => Scope::narrow(m, [&w.repo], true),
            Signal::Command(_)
            | Signal::Schedule
            | Signal::Forwarded(_)
            | Signal::Ignored { .. } => Scope::All,
        }
    }

    /// A narrow scope of the members among `repos`.
    fn narrow<'r>(
        m: &ReleaseManifest,
        repos: impl IntoIterator<Item = &'r RepoName>,
        runs: bool,
    ) -> Scope {
        Scope::Narrow {
            repos: repos
                .into_iter()
                .filter(|r| m.repo(r).is_some())
                .cloned()
                .collect(),
            runs,
        }
    }

    /// Whether `repo`'s branches and pull requests are read afresh.
    pub fn reads(&self, repo: &RepoName) -> bool {
        match self {
            Scope::All => true,
            Scope::Narrow { repos, .. } => repos.contains(repo),
        }
    }

    /// Whether the tier runs in flight are read afresh.
    pub fn reads_runs(&self) -> bool {
        match self {
            Scope::All => true,
            Scope::Narrow { runs, .. } => *runs,
        }
    }

    /// The same scope, also reading `more`.
    #[must_use]
    pub fn with<'r>(self, more: impl IntoIterator<Item = &'r RepoName>) -> Scope {
        match self {
            Scope::All => Scope::All,
            Scope::Narrow { mut repos, runs } => {
                repos.extend(more.into_iter().cloned());
                Scope::Narrow { repos, runs }
            }
        }
    }

    /// Whether `d`, decided on this scope for `before`, stays inside it: the phase does not move
    /// and every action is on a member repo read afresh, or is the tracking issue's update or a
    /// label or reaction in the control repo. Anything else (a dispatch, a comment, a
    /// cancellation, an action on another repo) needs the whole release read afresh first.
    pub fn covers(&self, before: &ReleaseManifest, d: &Decision) -> bool {
        let Scope::Narrow { .. } = self else {
            return true;
        };
        if d.manifest.phase != before.phase || d.manifest.escalations != before.escalations {
            return false;
        }
        d.actions.iter().all(|p| match &p.action {
            Action::UpsertTrackingIssue { .. }
            | Action::React { .. }
            | Action::AddLabel { .. }
            | Action::RemoveLabel { .. } => p.action.repo() == &before.control_repo,
            Action::DispatchWorkflow { .. } | Action::CancelRun { .. } | Action::Comment { .. } => {
                false
            }
            other => before.repo(other.repo()).is_some() && self.reads(other.repo()),
        })
    }
}

impl Observed {
    /// Completes a narrow observation of `m` with what `last` saw of everything outside
    /// `scope`: the branches, pull requests, statuses, releases, task issues, comments, merge
    /// methods, queued merges and unreachability of the member repos not read afresh, and the
    /// tier runs when they were not read. The control repo's objects (the tracking issue, its
    /// comments) are always read afresh, never carried.
    pub fn carry_over(&mut self, last: &Observed, scope: &Scope, m: &ReleaseManifest) {
        let carried = |repo: &RepoName| {
            repo != &m.control_repo && m.repo(repo).is_some() && !scope.reads(repo)
        };
        fn add<T: Clone + PartialEq>(
            to: &mut Vec<T>,
            from: &[T],
            repo: impl Fn(&T) -> &RepoName,
            keep: &impl Fn(&RepoName) -> bool,
        ) {
            for item in from {
                if keep(repo(item)) && !to.contains(item) {
                    to.push(item.clone());
                }
            }
        }
        add(&mut self.branches, &last.branches, |b| &b.repo, &carried);
        add(&mut self.pulls, &last.pulls, |p| &p.repo, &carried);
        add(&mut self.statuses, &last.statuses, |s| &s.repo, &carried);
        add(&mut self.releases, &last.releases, |r| &r.repo, &carried);
        add(&mut self.issues, &last.issues, |i| &i.repo, &carried);
        add(&mut self.comments, &last.comments, |c| &c.repo, &carried);
        add(
            &mut self.merge_methods,
            &last.merge_methods,
            |x| &x.repo,
            &carried,
        );
        add(&mut self.queued, &last.queued, |q| &q.repo, &carried);
        add(
            &mut self.unreachable,
            &last.unreachable,
            |u| &u.repo,
            &carried,
        );
        if !scope.reads_runs() {
            self.runs = last.runs.clone();
        }
    }
}
