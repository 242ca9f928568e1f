//! `releases/<id>/manifest.json`: the state of one release, written by convoy.
//!
//! The manifest is the ledger: everything convoy knows about a release that GitHub does not
//! already say. It snapshots the policy it was created with ([`Policy`]), so editing
//! `convoy.json` never silently changes a release in flight. `history` is append-only.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::history::{HistoryEntry, HistoryEvent};

pub use super::calendar::ShipNow;
use super::calendar::{Calendar, Soak};
use super::config::{
    Approvers, AutoFix, Directive, Escalation, MergeMethod, ReviewPolicy, ShipPolicy, TierConfig,
    TierPhase,
};
use super::deployment::{DeploymentRecord, Deployments};
use super::ids::{BranchName, IssueRef, Login, ReleaseId, RepoName, Reviewer, Sha, TierName};
use super::numbers::{IssueNumber, PullNumber, RunId};
use super::time::Timestamp;

/// The manifest schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// One release's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "convoy release manifest (releases/<id>/manifest.json)")]
pub struct ReleaseManifest {
    /// The manifest format version; this build reads and writes 1.
    pub schema_version: u32,
    /// The release id; names the RC branches and this manifest's folder.
    pub id: ReleaseId,
    /// A human title, shown in the tracking issue and the GitHub releases.
    pub title: String,
    /// The version tagged when shipping (default: the release id).
    pub version: String,
    /// The tag created in every member repo, rendered from `policy.ship.tag`.
    pub tag: String,
    /// The directive in force for this release.
    pub directive: Directive,
    /// Where the release is in its lifecycle.
    pub phase: Phase,
    /// The repository holding this manifest and the tracking issue.
    pub control_repo: RepoName,
    /// The tracking issue's number in the control repo, once opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_issue: Option<IssueNumber>,
    /// Milestone titles whose issues are this release's tasks.
    #[serde(default)]
    pub sprints: Vec<String>,
    /// The policy snapshot taken from `convoy.json` when the release was created.
    pub policy: Policy,
    /// The member repositories and their state in this release.
    pub repos: Vec<ReleaseRepo>,
    /// The units of work the release carries.
    #[serde(default)]
    pub tasks: Vec<ReleaseTask>,
    /// Why repositories must promote in a given order.
    #[serde(default)]
    pub dependencies: Vec<CrossRepoDependency>,
    /// Every tier and auto-fix run convoy dispatched, oldest first.
    #[serde(default)]
    pub tier_runs: Vec<TierRun>,
    /// Human approvals of gates.
    #[serde(default)]
    pub approvals: Vec<Approval>,
    /// Times convoy called a human.
    #[serde(default)]
    pub escalations: Vec<EscalationRecord>,
    /// Approvers' `/convoy ship --now`: each let the release ship, in the validation phase it
    /// was given in, whatever the ship windows, freezes and soak said.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ship_now: Vec<ShipNow>,
    /// Tier results callers claimed (`convoy.tier-completed`) that GitHub has not borne out:
    /// held while the run they name is going, or rejected (and noted on the tracking issue
    /// once). A claim never counts as a result: results come from the runs GitHub shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<super::claim::TierClaim>,
    /// Ids of `/convoy` comments whose commands were carried out, so a redelivered comment is
    /// never carried out twice (the latest 500).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handled_comments: Vec<u64>,
    /// The markers of the answers convoy planned to commands (`convoy:reply:<comment>:<index>`
    /// for a `/convoy` line it refused or could not read, `convoy:ticked:<edit>:<key>` for a
    /// ticked box), each recorded by the decision that plans it: of several runs handling one
    /// comment or edit at once only the one whose manifest write lands posts it, and an edit
    /// whose answer was planned is never carried out again (the latest 500).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answered: Vec<String>,
    /// Whether the final summary of the ended release was planned (set in the decision that
    /// plans it, so of two runs at once only the one whose manifest write lands posts it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub summed_up: bool,
    /// What happened, oldest first. Append-only.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    /// Incremented on every write; a compare-and-swap token besides the blob sha.
    pub revision: u64,
    /// When the release was created.
    pub created_at: Timestamp,
    /// When the manifest last changed.
    pub updated_at: Timestamp,
}

/// The lifecycle phases, in order, then the two ends a release can stop at early.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Gathering tasks; the plan is checked and (careful) approved.
    Planning,
    /// RC branches are cut; task work lands on them.
    Development,
    /// RC branches are merged into staging, wave by wave; staging tiers run.
    Staging,
    /// Validation tiers run against the staged SHAs.
    Validation,
    /// Staging is merged into each base branch and tagged.
    Shipping,
    /// Every repo shipped. Final (a rollback may still follow).
    Shipped,
    /// Stopped before shipping; staging was reset. Final.
    Aborted,
    /// What shipped (or staged) was reverted. Final.
    RolledBack,
}

impl Phase {
    /// Every phase, in lifecycle order.
    pub const ALL: [Phase; 8] = [
        Phase::Planning,
        Phase::Development,
        Phase::Staging,
        Phase::Validation,
        Phase::Shipping,
        Phase::Shipped,
        Phase::Aborted,
        Phase::RolledBack,
    ];

    /// The phase's name as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Planning => "planning",
            Phase::Development => "development",
            Phase::Staging => "staging",
            Phase::Validation => "validation",
            Phase::Shipping => "shipping",
            Phase::Shipped => "shipped",
            Phase::Aborted => "aborted",
            Phase::RolledBack => "rolled_back",
        }
    }

    /// The phase written as `name` in JSON (`rolled_back`, …), if it is one.
    pub fn parse(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Whether the release can still move (not shipped, aborted or rolled back).
    pub fn is_active(self) -> bool {
        !matches!(self, Phase::Shipped | Phase::Aborted | Phase::RolledBack)
    }
}

/// The policy a release was created with (a snapshot of `convoy.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The RC branch template the RC branch names were rendered from.
    pub rc_branch: String,
    /// The tiers that gate staging and validation.
    #[serde(default)]
    pub tiers: Vec<TierConfig>,
    /// Who may approve human gates.
    pub approvers: Approvers,
    /// The auto-fix workflow, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_fix: Option<AutoFix>,
    /// How humans are called.
    pub escalation: Escalation,
    /// How the release ships.
    pub ship: ShipPolicy,
    /// How required reviews are waited for (left out when it is the default).
    #[serde(default, skip_serializing_if = "ReviewPolicy::is_default")]
    pub reviews: ReviewPolicy,
    /// When the release may ship: its ship windows and freezes (left out when there are none).
    #[serde(default, skip_serializing_if = "Calendar::is_default")]
    pub calendar: Calendar,
    /// How long it stays in staging or validation once ready to leave (left out when it does
    /// not soak).
    #[serde(default, skip_serializing_if = "Soak::is_default")]
    pub soak: Soak,
    /// The environments its promotions are recorded in as GitHub deployments (left out when it
    /// makes none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployments: Option<Deployments>,
}

/// One member repository in a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRepo {
    /// The repository.
    pub name: RepoName,
    /// Its base branch (where the release ships).
    pub base: BranchName,
    /// Its staging branch.
    pub staging: BranchName,
    /// The RC branch of this release.
    pub rc_branch: BranchName,
    /// Member repos that promote before this one.
    #[serde(default)]
    pub depends_on: Vec<RepoName>,
    /// Where this repo is in the release.
    pub state: RepoState,
    /// The SHAs convoy recorded for this repo.
    #[serde(default)]
    pub shas: RepoShas,
    /// The pull requests convoy opened for this repo.
    #[serde(default)]
    pub prs: RepoPrs,
    /// A line a person can act on when the repo needs attention (e.g. conflicting files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// How convoy merges this repo's promotion and revert pull requests: the config's
    /// `repos[].merge_method`, else discovered once from the repository's settings and its
    /// staging and base rules (the release-wide `ship.merge_method` when allowed), and switched
    /// when GitHub refuses it. Absent until known (then `ship.merge_method` is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_method: Option<MergeMethod>,
    /// Who convoy asks to review its promotion pull requests (`repos[].reviewers`): logins and
    /// `org/team-slug` teams.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviewers: Vec<Reviewer>,
    /// The review a promotion pull request waits for, while it does (state `awaiting_review`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewWait>,
    /// This repo's branches (staging, base) that take changes only through their merge queue:
    /// read once from their rules, or learnt from GitHub's refusal of a plain merge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merge_queue: Vec<BranchName>,
    /// The promotion pull request convoy put in a merge queue, until it lands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<QueuedMerge>,
    /// The GitHub deployments convoy made of this repo's staged and shipped SHAs (with
    /// `deployments` in the policy), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<DeploymentRecord>,
}

/// A promotion pull request in its branch's merge queue, followed across runs by the UUID
/// GitHub gave the request (`GET …/merge-async/{uuid}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueuedMerge {
    /// The pull request.
    pub pull: PullNumber,
    /// The branch whose queue it is in.
    pub branch: BranchName,
    /// The head it was enqueued at (the validated SHA; GitHub cancels the merge if it moves).
    pub sha: Sha,
    /// GitHub's UUID for the request, once it answered (absent: ask again; GitHub answers a
    /// repeated request with the existing UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// When convoy (last) enqueued it.
    pub since: Timestamp,
    /// How many times the queue removed it (a failed check on the merge group); convoy
    /// enqueues again once, then calls a human.
    #[serde(default)]
    pub ejections: u32,
    /// Why the queue last removed it, in GitHub's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A promotion pull request GitHub will not merge until it has approving reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewWait {
    /// The pull request.
    pub pull: PullNumber,
    /// What GitHub asks for, in its words (`At least 1 approving review is required …`).
    pub needs: String,
    /// When convoy first saw the merge wait for reviews.
    pub since: Timestamp,
    /// Whether convoy asked `reviewers` to review it.
    #[serde(default)]
    pub requested: bool,
    /// When convoy last reminded the reviewers (a comment on the pull request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminded_at: Option<Timestamp>,
}

/// A member repo's state in the release.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RepoState {
    /// Nothing done yet.
    #[default]
    Pending,
    /// The RC branch exists.
    RcCut,
    /// The RC → staging pull request is open.
    Promoting,
    /// Staging holds the RC head.
    Staged,
    /// A promotion pull request cannot merge; a human must resolve it.
    Conflict,
    /// GitHub refused to merge a promotion pull request for a reason a person must fix (a
    /// failing required check, a merge rule convoy cannot satisfy); convoy tries again on every
    /// run.
    Blocked,
    /// A promotion pull request waits for the approving reviews its base branch requires: a
    /// normal wait (convoy requests and reminds), escalated only after `reviews.escalate_after_hours`.
    AwaitingReview,
    /// The staging → base pull request is open.
    Shipping,
    /// Merged into base, not yet tagged.
    Merged,
    /// Merged, tagged and released.
    Shipped,
    /// Reverted by a rollback.
    Reverted,
}

/// SHAs convoy recorded for a repo. Evidence is tied to these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepoShas {
    /// The base head the RC branch was cut from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_from: Option<Sha>,
    /// The RC head being promoted (the SHA the RC → staging merge is pinned to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rc_head: Option<Sha>,
    /// The staging head before this release touched it (what `abort` resets staging to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staging_before: Option<Sha>,
    /// The staging head holding the RC: the SHA tiers validate and shipping is pinned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged: Option<Sha>,
    /// The base branch's merge commit once shipped (what is tagged; after a rebase, the last
    /// commit it landed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped: Option<Sha>,
    /// The base head the release ships onto, recorded while shipping until it merges: a rollback
    /// of a rebase ship restores this tree, undoing every rebased commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_onto: Option<Sha>,
}

/// Pull requests convoy opened for a repo.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepoPrs {
    /// The RC → staging pull request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staging: Option<PullNumber>,
    /// The staging → base pull request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship: Option<PullNumber>,
}

/// One unit of work: an issue and the pull requests that implement it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseTask {
    /// The issue, `owner/repo#N`.
    pub issue: IssueRef,
    /// The member repo the work lands in.
    pub repo: RepoName,
    /// The issue's title, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Pull request numbers (in `repo`) that implement it.
    #[serde(default)]
    pub pull_requests: Vec<PullNumber>,
    /// What kind of work it is.
    #[serde(default)]
    pub role: TaskRole,
    /// Position in the release (lower lands first when order matters).
    #[serde(default)]
    pub order: u32,
    /// Where the task stands.
    #[serde(default)]
    pub status: TaskStatus,
    /// Tasks that must be merged before this one.
    #[serde(default)]
    pub depends_on: Vec<IssueRef>,
    /// The earlier release this task was carried over from (`create carry_over=<id>`); its
    /// open pull requests into that release's RC branch are retargeted to this release's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<CarriedFrom>,
}

/// Where a carried-over task came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CarriedFrom {
    /// The earlier release.
    pub release: ReleaseId,
    /// Its RC branch in the task's repo (pull requests based on it are retargeted).
    pub rc_branch: BranchName,
}

/// The kind of work a task is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskRole {
    /// New behaviour.
    #[default]
    Feature,
    /// A bug fix.
    Fix,
    /// A data or schema migration.
    Migration,
    /// Maintenance.
    Chore,
    /// Documentation.
    Docs,
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Not started.
    #[default]
    Planned,
    /// A pull request is open.
    InProgress,
    /// Every pull request merged into the RC branch.
    Merged,
    /// Moved out of this release (may carry over to the next).
    Deferred,
    /// Dropped for good.
    Dropped,
}

impl TaskStatus {
    /// Whether the task no longer holds development open.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            TaskStatus::Merged | TaskStatus::Deferred | TaskStatus::Dropped
        )
    }
}

/// Why one repository must promote before another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrossRepoDependency {
    /// The repository that depends.
    pub from: RepoName,
    /// The repository it depends on (promoted first).
    pub to: RepoName,
    /// Where the dependency comes from.
    pub kind: DependencyKind,
    /// A sentence saying why.
    pub reason: String,
    /// The tasks that cause it (for `task` dependencies).
    #[serde(default)]
    pub tasks: Vec<IssueRef>,
}

/// Where a dependency comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DependencyKind {
    /// `depends_on` in `convoy.json`.
    Declared,
    /// A task depending on a task in another repo.
    Task,
}

/// Whether a dispatched run is a tier or an auto-fix attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// An E2E tier.
    Tier,
    /// The auto-fix workflow, fixing a tier.
    AutoFix,
}

/// A run's progress, as GitHub reports it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Dispatched; GitHub has not shown the run yet.
    Requested,
    /// Queued or waiting.
    Queued,
    /// Running.
    InProgress,
    /// Finished; see the conclusion.
    Completed,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// Passed.
    Success,
    /// Failed.
    Failure,
    /// Cancelled.
    Cancelled,
    /// Ran past its time limit (GitHub's, or the tier's `timeout_minutes`).
    TimedOut,
    /// Skipped.
    Skipped,
    /// Neutral (counts as passed, as on GitHub).
    Neutral,
    /// Needs an action (counts as failed).
    ActionRequired,
    /// Stale (counts as failed).
    Stale,
    /// convoy's own: GitHub refused the dispatch (a 4xx such as 422 "Unexpected inputs
    /// provided"), so no run exists; `refusal` holds GitHub's message. Not an attempt: the tier
    /// waits for a person (`/convoy retry <tier>`), it is not dispatched again by itself.
    Refused,
}

impl Conclusion {
    /// Parses GitHub's spelling (`success`, `timed_out`, …).
    pub fn parse(s: &str) -> Option<Conclusion> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .ok()
            .filter(|c| *c != Conclusion::Refused)
    }

    /// Whether the run counts as passed.
    pub fn passed(self) -> bool {
        matches!(self, Conclusion::Success | Conclusion::Neutral)
    }
}

/// One dispatched run of a tier (or of the auto-fix workflow).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierRun {
    /// The tier it ran (or fixed).
    pub tier: TierName,
    /// A tier run or an auto-fix run.
    pub kind: RunKind,
    /// The phase the tier gates.
    pub phase: TierPhase,
    /// 1 for the first run on these SHAs, then 2, 3, …
    pub attempt: u32,
    /// The id convoy dispatched the run with; echoed in the run's title.
    pub correlation_id: String,
    /// The repository the workflow runs in.
    pub repo: RepoName,
    /// The workflow file.
    pub workflow: String,
    /// GitHub's run id, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<RunId>,
    /// The run's page, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The member repo SHAs the run tested: the evidence it gives counts only for these.
    pub shas: BTreeMap<RepoName, Sha>,
    /// The run's progress.
    pub status: RunStatus,
    /// How it ended, once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<Conclusion>,
    /// A `retry`/`validate` command set this run aside: it no longer counts as an attempt.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub superseded: bool,
    /// When convoy dispatched it.
    pub dispatched_at: Timestamp,
    /// When it completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    /// GitHub's message when it refused the dispatch (conclusion `refused`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
}

/// The human gates.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    /// Approving the plan (leaving planning).
    Plan,
    /// Leaving development for staging (`promote`).
    Promote,
    /// Leaving validation for shipping (`ship`).
    Ship,
}

impl Gate {
    /// The gate's name as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Gate::Plan => "plan",
            Gate::Promote => "promote",
            Gate::Ship => "ship",
        }
    }
}

/// A human's approval of a gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// The gate approved.
    pub gate: Gate,
    /// Who approved.
    pub by: Login,
    /// When.
    pub at: Timestamp,
    /// How (`comment acme/control#7`, `workflow_dispatch`, …).
    pub via: String,
}

/// A time convoy called a human.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationRecord {
    /// A stable key for what the escalation is about (e.g. `tier:e2e:<SHA fingerprint>`), so
    /// convoy escalates once per cause.
    pub key: String,
    /// What a human must do, as a sentence.
    pub reason: String,
    /// When convoy escalated.
    pub at: Timestamp,
    /// When the cause went away, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
    /// Whether the comment calling the people on call was posted (set in the decision that
    /// plans it, taken back when posting failed), so that two runs at once never both post it.
    #[serde(default)]
    pub notified: bool,
}

impl ReleaseManifest {
    /// The member repo with this name.
    pub fn repo(&self, name: &RepoName) -> Option<&ReleaseRepo> {
        self.repos.iter().find(|r| &r.name == name)
    }

    /// The task for this issue.
    pub fn task(&self, issue: &IssueRef) -> Option<&ReleaseTask> {
        self.tasks.iter().find(|t| &t.issue == issue)
    }

    /// How `repo`'s pull requests merge: its recorded method, else the release-wide
    /// `ship.merge_method`.
    pub fn merge_method(&self, repo: &ReleaseRepo) -> MergeMethod {
        repo.merge_method.unwrap_or(self.policy.ship.merge_method)
    }

    /// The tier with this name in the policy snapshot.
    pub fn tier(&self, name: &TierName) -> Option<&TierConfig> {
        self.policy.tiers.iter().find(|t| &t.name == name)
    }

    /// Whether runs that are not about this release by name (the schedule, pull requests,
    /// pushes, runs, comments) still reconcile it: while it is active, and after a rollback
    /// while a repo that shipped is not reverted yet (its revert pull request may wait for a
    /// required review or check, and is retried on every run until it merged).
    pub fn wants_runs(&self) -> bool {
        self.phase.is_active()
            || (self.phase == Phase::RolledBack
                && self
                    .repos
                    .iter()
                    .any(|r| r.shas.shipped.is_some() && r.state != RepoState::Reverted))
    }

    /// When the current phase was (last) entered: the time of the latest history entry that
    /// entered it ([`HistoryEntry::entered`]), or the creation time when none did.
    pub fn phase_entered_at(&self) -> Timestamp {
        self.history
            .iter()
            .rev()
            .find(|h| h.entered() == Some(self.phase))
            .map_or(self.created_at, |h| h.at)
    }
}

impl HistoryEntry {
    /// The phase this entry entered: `to` of a phase change, or of the release's creation.
    pub fn entered(&self) -> Option<Phase> {
        match self.event {
            HistoryEvent::PhaseChanged | HistoryEvent::Created => {
                self.to.as_deref().and_then(Phase::parse)
            }
            _ => None,
        }
    }
}
