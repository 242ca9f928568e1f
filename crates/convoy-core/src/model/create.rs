//! Creating a release: a manifest from `convoy.json`, an id and the `create` arguments
//! ([`CreateArgs`], which [`crate::signal::Command::Create`] carries).

use serde::{Deserialize, Serialize};

use super::config::{Config, Directive, rc_branch_for, tag_for};
use super::history::HistoryEvent;
use super::ids::{IssueRef, Login, ReleaseId, RepoName};
use super::manifest::{
    CarriedFrom, CrossRepoDependency, DependencyKind, HistoryEntry, Phase, Policy, ReleaseManifest,
    ReleaseRepo, ReleaseTask, RepoPrs, RepoShas, RepoState, SCHEMA_VERSION, TaskRole, TaskStatus,
};
use super::time::Timestamp;
use crate::graph::{CycleError, DependencyGraph};

/// Arguments of `create`: `version=… title="…" directive=auto tasks=a/b#1,a/c#2 carry_over=<id>
/// sprints="Sprint 42,Sprint 43"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateArgs {
    /// The version to tag (default: the release id).
    pub version: Option<String>,
    /// A human title (default: `Release <id>`).
    pub title: Option<String>,
    /// Overrides the config's directive.
    pub directive: Option<Directive>,
    /// Explicit tasks, in addition to those gathered from sprints.
    pub tasks: Vec<IssueRef>,
    /// Carry over deferred and unfinished tasks of this earlier release.
    pub carry_over: Option<ReleaseId>,
    /// The sprints (milestone titles) of this release, instead of the config's `sprints`; `None`:
    /// the config's. Never empty, no name empty or given twice (the `create` grammar checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprints: Option<Vec<String>>,
}

/// Everything `create` needs besides the config.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// The new release's id.
    pub id: ReleaseId,
    /// The repository that will hold the manifest and the tracking issue.
    pub control_repo: RepoName,
    /// Who created it.
    pub actor: Login,
    /// The current time (passed in: the core never reads the clock).
    pub now: Timestamp,
    /// The `create` command's arguments.
    pub args: CreateArgs,
    /// Tasks gathered from the sprints' milestones (explicit `args.tasks` are added to these).
    pub gathered: Vec<ReleaseTask>,
    /// Closed issues of the sprints' milestones: not planned work, left out of the release and
    /// named in its `created` history entry.
    pub left_out: Vec<ClosedIssue>,
}

/// An issue of the sprints' milestones that is closed, so not planned work: closed as completed
/// (its work landed, in an earlier release or straight on the base branch), or as not planned
/// or a duplicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedIssue {
    /// The issue.
    pub issue: IssueRef,
    /// Why GitHub says it was closed (its `state_reason`).
    pub reason: CloseReason,
}

/// GitHub's `state_reason` of a closed issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// `completed`: the work is done.
    Completed,
    /// `not_planned`: it will not be done.
    NotPlanned,
    /// `duplicate`: another issue holds the work.
    Duplicate,
    /// `null` (closed before GitHub recorded reasons) or a reason convoy does not know.
    Unknown,
}

impl CloseReason {
    /// From GitHub's `state_reason` of a closed issue.
    pub fn from_state_reason(reason: Option<&str>) -> CloseReason {
        match reason {
            Some("completed") => CloseReason::Completed,
            Some("not_planned") => CloseReason::NotPlanned,
            Some("duplicate") => CloseReason::Duplicate,
            _ => CloseReason::Unknown,
        }
    }

    /// How a history entry says it: `closed as completed`, `closed as not planned`, ….
    pub fn as_text(self) -> &'static str {
        match self {
            CloseReason::Completed => "closed as completed",
            CloseReason::NotPlanned => "closed as not planned",
            CloseReason::Duplicate => "closed as a duplicate",
            CloseReason::Unknown => "closed",
        }
    }
}

/// Why a release could not be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateError {
    /// The RC branch or tag template does not render to a valid name for this release.
    #[error("{0}")]
    Template(String),
    /// A task names a repository that is not a member of the release.
    #[error("task {task} is in {repo}, which is not a member repo of this config")]
    TaskOutsideRelease {
        /// The task.
        task: IssueRef,
        /// Its repository.
        repo: RepoName,
    },
    /// The repo and task dependencies form a cycle.
    #[error(transparent)]
    Cycle(#[from] CycleError<RepoName>),
}

/// The tasks of `previous` that `create carry_over=<previous>` brings into a release of
/// `config`: deferred tasks always; planned and in-progress ones once `previous` has left
/// development (before that they are still its own work); only those whose repo is a member of
/// `config`. They start as `planned`, keep their pull requests, and remember where they came
/// from so their pull requests can be retargeted.
pub fn carried_tasks(config: &Config, previous: &ReleaseManifest) -> Vec<ReleaseTask> {
    let still_developing = matches!(previous.phase, Phase::Planning | Phase::Development);
    previous
        .tasks
        .iter()
        .filter(|t| match t.status {
            TaskStatus::Deferred => true,
            TaskStatus::Planned | TaskStatus::InProgress => !still_developing,
            TaskStatus::Merged | TaskStatus::Dropped => false,
        })
        .filter(|t| config.repo(&t.repo).is_some())
        .filter_map(|t| {
            let rc_branch = previous.repo(&t.repo)?.rc_branch.clone();
            Some(ReleaseTask {
                order: 0,
                status: TaskStatus::Planned,
                carried_from: Some(CarriedFrom {
                    release: previous.id.clone(),
                    rc_branch,
                }),
                ..t.clone()
            })
        })
        .collect()
}

/// Adds `carried` to `tasks`: a task already gathered or named keeps its place and gains the
/// carried task's pull requests and origin. A carried task's dependencies on tasks that are not
/// in the new release are dropped (they shipped, or stayed behind). Returns the issues carried.
fn merge_carried(tasks: &mut Vec<ReleaseTask>, carried: Vec<ReleaseTask>) -> Vec<IssueRef> {
    let mut issues = Vec::new();
    for c in carried {
        issues.push(c.issue.clone());
        match tasks.iter_mut().find(|t| t.issue == c.issue) {
            Some(t) => {
                for n in &c.pull_requests {
                    if !t.pull_requests.contains(n) {
                        t.pull_requests.push(*n);
                    }
                }
                if t.carried_from.is_none() {
                    t.carried_from = c.carried_from;
                }
            }
            None => tasks.push(c),
        }
    }
    let known: Vec<IssueRef> = tasks.iter().map(|t| t.issue.clone()).collect();
    for t in tasks.iter_mut().filter(|t| t.carried_from.is_some()) {
        t.depends_on.retain(|d| known.contains(d));
    }
    issues
}

impl ReleaseManifest {
    /// A new release in `planning`, snapshotting the policy of `config`.
    pub fn create(config: &Config, req: CreateRequest) -> Result<ReleaseManifest, CreateError> {
        Self::create_carrying(config, req, None)
    }

    /// [`Self::create`], also carrying over the deferred and unfinished tasks of `previous`
    /// ([`carried_tasks`]); history records how many.
    pub fn create_carrying(
        config: &Config,
        req: CreateRequest,
        previous: Option<&ReleaseManifest>,
    ) -> Result<ReleaseManifest, CreateError> {
        let version = req
            .args
            .version
            .clone()
            .unwrap_or_else(|| req.id.to_string());
        let tag = tag_for(&config.ship.tag, &version, &req.id).map_err(CreateError::Template)?;
        let rc = rc_branch_for(&config.rc_branch, &req.id).map_err(CreateError::Template)?;
        let repos: Vec<ReleaseRepo> = config
            .repos
            .iter()
            .map(|r| ReleaseRepo {
                name: r.name.clone(),
                base: r.base.clone(),
                staging: r.staging.clone(),
                rc_branch: rc.clone(),
                depends_on: r.depends_on.clone(),
                state: RepoState::Pending,
                shas: RepoShas::default(),
                prs: RepoPrs::default(),
                note: None,
                merge_method: r.merge_method,
                reviewers: r.reviewers.clone(),
                review: None,
                merge_queue: Vec::new(),
                queued: None,
                deployments: Vec::new(),
            })
            .collect();

        let mut tasks = req.gathered.clone();
        for issue in &req.args.tasks {
            if tasks.iter().all(|t| &t.issue != issue) {
                tasks.push(ReleaseTask {
                    issue: issue.clone(),
                    repo: issue.repo().clone(),
                    title: None,
                    pull_requests: Vec::new(),
                    role: TaskRole::Feature,
                    order: 0,
                    status: TaskStatus::Planned,
                    depends_on: Vec::new(),
                    carried_from: None,
                });
            }
        }
        let carried = previous.map(|p| {
            (
                p.id.clone(),
                merge_carried(&mut tasks, carried_tasks(config, p)),
            )
        });
        for (i, task) in tasks.iter_mut().enumerate() {
            if task.order == 0 {
                task.order = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
            if config.repo(&task.repo).is_none() {
                return Err(CreateError::TaskOutsideRelease {
                    task: task.issue.clone(),
                    repo: task.repo.clone(),
                });
            }
        }

        let mut manifest = ReleaseManifest {
            schema_version: SCHEMA_VERSION,
            id: req.id.clone(),
            title: req
                .args
                .title
                .clone()
                .unwrap_or_else(|| format!("Release {}", req.id)),
            version,
            tag,
            directive: req.args.directive.unwrap_or(config.directive),
            phase: Phase::Planning,
            control_repo: req.control_repo.clone(),
            tracking_issue: None,
            sprints: req
                .args
                .sprints
                .clone()
                .unwrap_or_else(|| config.sprints.clone()),
            policy: Policy {
                rc_branch: config.rc_branch.clone(),
                tiers: config.tiers.clone(),
                approvers: config.approvers.clone(),
                auto_fix: config.auto_fix.clone(),
                escalation: config.escalation.clone(),
                ship: config.ship.clone(),
                reviews: config.reviews.clone(),
                calendar: config.calendar.clone(),
                soak: config.soak.clone(),
                deployments: config.deployments.clone(),
            },
            repos,
            tasks,
            dependencies: Vec::new(),
            tier_runs: Vec::new(),
            approvals: Vec::new(),
            escalations: Vec::new(),
            ship_now: Vec::new(),
            claims: Vec::new(),
            handled_comments: Vec::new(),
            answered: Vec::new(),
            summed_up: false,
            history: vec![HistoryEntry {
                at: req.now,
                actor: req.actor.to_string(),
                event: HistoryEvent::Created,
                from: None,
                to: Some(Phase::Planning.as_str().to_owned()),
                detail: format!(
                    "release {} created with {} repos and {} tasks under the {} directive",
                    req.id,
                    config.repos.len(),
                    req.gathered.len().max(req.args.tasks.len()),
                    req.args.directive.unwrap_or(config.directive).as_str()
                ),
            }],
            revision: 1,
            created_at: req.now,
            updated_at: req.now,
        };
        if !req.left_out.is_empty() {
            let n = req.left_out.len();
            let list: Vec<String> = req
                .left_out
                .iter()
                .map(|c| format!("{} ({})", c.issue, c.reason.as_text()))
                .collect();
            manifest.history[0].detail.push_str(&format!(
                "; left out {n} closed issue{} of the sprints: {}",
                if n == 1 { "" } else { "s" },
                list.join(", ")
            ));
        }
        if let Some((from, issues)) = carried {
            let list: Vec<String> = issues.iter().map(ToString::to_string).collect();
            manifest.history.push(HistoryEntry {
                at: req.now,
                actor: req.actor.to_string(),
                event: HistoryEvent::CarriedOver,
                from: Some(from.to_string()),
                to: None,
                detail: if list.is_empty() {
                    format!("carried over 0 tasks from {from}: none was deferred or unfinished")
                } else {
                    format!(
                        "carried over {} task{} from {from}: {}",
                        list.len(),
                        if list.len() == 1 { "" } else { "s" },
                        list.join(", ")
                    )
                },
            });
        }
        manifest.dependencies = manifest.derive_dependencies();
        manifest.graph()?;
        Ok(manifest)
    }

    /// The cross-repo dependencies: declared `depends_on`, plus one per pair of repos linked by a
    /// task that depends on a task in another repo.
    pub fn derive_dependencies(&self) -> Vec<CrossRepoDependency> {
        let mut deps: Vec<CrossRepoDependency> = Vec::new();
        for repo in &self.repos {
            for to in &repo.depends_on {
                deps.push(CrossRepoDependency {
                    from: repo.name.clone(),
                    to: to.clone(),
                    kind: DependencyKind::Declared,
                    reason: format!("{} declares depends_on {}", repo.name, to),
                    tasks: Vec::new(),
                });
            }
        }
        for task in &self.tasks {
            for dep in &task.depends_on {
                let Some(other) = self.task(dep) else {
                    continue;
                };
                if other.repo == task.repo {
                    continue;
                }
                let existing = deps.iter_mut().find(|d| {
                    d.from == task.repo && d.to == other.repo && d.kind == DependencyKind::Task
                });
                match existing {
                    Some(d) => {
                        if !d.tasks.contains(&task.issue) {
                            d.tasks.push(task.issue.clone());
                        }
                    }
                    None => deps.push(CrossRepoDependency {
                        from: task.repo.clone(),
                        to: other.repo.clone(),
                        kind: DependencyKind::Task,
                        reason: format!("{} depends on {}", task.issue, other.issue),
                        tasks: vec![task.issue.clone()],
                    }),
                }
            }
        }
        deps
    }

    /// The dependency graph of the release's repos (declared, task-derived and recorded
    /// dependencies together).
    pub fn graph(&self) -> Result<DependencyGraph<RepoName>, CycleError<RepoName>> {
        let derived = self.derive_dependencies();
        let edges = derived
            .iter()
            .chain(self.dependencies.iter())
            .map(|d| (&d.from, &d.to));
        DependencyGraph::new(self.repos.iter().map(|r| &r.name), edges)
    }
}
