//! The domain view of "what just happened": a [`Signal`].
//!
//! GitHub event payloads are turned into signals at the edge (see [`crate::event`]); the lifecycle
//! engine ([`crate::lifecycle::decide`]) only ever sees signals. A signal says what happened, never
//! what to do about it: authorisation, routing to releases and policy all live in the core.
//!
//! The states and conclusions GitHub reports (runs, checks, commit statuses, reviews) are parsed
//! into enums at the edge ([`CheckStatus`], [`CheckConclusion`], [`CommitState`],
//! [`ReviewState`]); a value GitHub adds later is kept verbatim in their `Other` variant.

pub mod checkbox;
mod states;

use serde::{Deserialize, Serialize};

pub use checkbox::Checkbox;
pub use states::{CheckConclusion, CheckStatus, CommitState, ReviewState};

pub use crate::model::create::CreateArgs;
use crate::model::ids::{BranchName, IssueRef, Login, ReleaseId, RepoName, Sha, TierName};
use crate::model::numbers::{IssueNumber, PullNumber, RunId};

/// One thing that happened, as convoy understands it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signal {
    /// A person (or pipeline) asked convoy to do something: `workflow_dispatch` inputs, a
    /// `/convoy …` comment line, or a `convoy.<command>` repository_dispatch.
    Command(CommandSignal),
    /// Another pipeline reports a task done (`convoy.task-completed`).
    TaskCompleted {
        /// The release the task belongs to.
        release: ReleaseId,
        /// The task's issue.
        task: IssueRef,
    },
    /// A tier workflow in another repository reports its result (`convoy.tier-completed`).
    /// Anyone who can write to the control repo can send one, so it is a claim, never a
    /// result: convoy reads the run it names from GitHub, takes the result GitHub shows, and
    /// notes a claim GitHub does not bear out.
    TierCompleted {
        /// The release the tier ran for.
        release: ReleaseId,
        /// The tier that ran.
        tier: TierName,
        /// The correlation id convoy dispatched it with.
        correlation_id: String,
        /// The run that reports, when known.
        run_id: Option<RunId>,
        /// The run's conclusion (`success`, `failure`, …).
        conclusion: CheckConclusion,
        /// Who sent it (the `repository_dispatch` event's sender), when known.
        #[serde(default)]
        sender: Option<Login>,
    },
    /// A pull request changed.
    PullRequest(PullRequestSignal),
    /// A review was submitted, edited or dismissed on a pull request.
    PullRequestReview {
        /// Where the pull request lives.
        repo: RepoName,
        /// Its number.
        number: PullNumber,
        /// `approved`, `changes_requested`, `commented` or `dismissed`.
        state: ReviewState,
        /// Who reviewed.
        reviewer: Login,
    },
    /// A comment on an issue or pull request that holds no `/convoy` line is ignored at the edge;
    /// one that does becomes this signal.
    Comment(CommentSignal),
    /// An issue changed in a way that can affect a task.
    Issue {
        /// Where the issue lives.
        repo: RepoName,
        /// Its number.
        number: IssueNumber,
        /// What happened.
        change: IssueChange,
        /// Who changed it (the event's sender), when known.
        #[serde(default)]
        actor: Option<Login>,
    },
    /// A workflow run was requested, started or completed.
    WorkflowRun(WorkflowRunSignal),
    /// A check suite or check run reported on a commit.
    Check {
        /// Where the commit lives.
        repo: RepoName,
        /// The commit.
        sha: Sha,
        /// The check run's name, or `None` for a whole suite.
        name: Option<String>,
        /// `queued`, `in_progress` or `completed`.
        status: CheckStatus,
        /// The conclusion once completed.
        conclusion: Option<CheckConclusion>,
    },
    /// A commit status was set.
    Status {
        /// Where the commit lives.
        repo: RepoName,
        /// The commit.
        sha: Sha,
        /// The status context, e.g. `ci/build`.
        context: String,
        /// `pending`, `success`, `failure` or `error`.
        state: CommitState,
    },
    /// Commits were pushed to a branch (or a branch was created or deleted).
    Push {
        /// Where.
        repo: RepoName,
        /// The branch (tags are ignored at the edge).
        branch: BranchName,
        /// The head before the push (`None` when the branch was created).
        before: Option<Sha>,
        /// The head after the push (`None` when the branch was deleted).
        after: Option<Sha>,
    },
    /// A milestone was created, edited, closed, opened or deleted.
    Milestone {
        /// Where.
        repo: RepoName,
        /// The webhook action.
        action: String,
        /// The milestone's title.
        title: String,
    },
    /// The scheduled safety-net run: reconcile every active release.
    Schedule,
    /// Something changed in a member repository (a pull request into or out of an RC branch or
    /// staging, a review, a check or status): its workflow forwarded `convoy.changed` naming the
    /// repository, and the release when the event named its RC branch. convoy reads that
    /// repository afresh; the hint itself says nothing else, so it cannot forge anything.
    Changed {
        /// The member repository.
        repo: RepoName,
        /// The release, when the forwarded event named its RC branch; else every active one.
        #[serde(default)]
        release: Option<ReleaseId>,
    },
    /// A member repository's workflow forwarded an event that happened there (GitHub delivers
    /// a repository's events only to its own workflows): a hint naming the object, whose facts
    /// convoy reads from GitHub itself before deciding anything
    /// ([`Forwarded`]; the runner turns it into the signal those facts make).
    Forwarded(Forwarded),
    /// A well-formed event that concerns no release (wrong action, a bot's comment, a tag push…).
    Ignored {
        /// Why it was ignored, for the log.
        reason: String,
    },
}

/// What a member repository's workflow forwards: only where to look, never the facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Forwarded {
    /// A comment was written (`convoy.comment`): convoy reads its body, author and issue.
    Comment {
        /// Where it was written.
        repo: RepoName,
        /// The comment's id.
        comment_id: u64,
    },
    /// An issue's milestone changed (`convoy.issue`): convoy reads the issue's milestone.
    Issue {
        /// Where the issue lives.
        repo: RepoName,
        /// Its number.
        number: IssueNumber,
    },
}

/// A command to convoy and who gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandSignal {
    /// The command.
    pub command: Command,
    /// The release it names, when the source names one (input, `client_payload.release`).
    pub release: Option<ReleaseId>,
    /// Who asked.
    pub actor: Login,
    /// Where the command came from.
    pub source: CommandSource,
}

/// Where a command came from (authorisation and replies depend on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CommandSource {
    /// The `workflow_dispatch` buttons of the control repo's workflow.
    WorkflowDispatch,
    /// A `convoy.<command>` repository_dispatch event.
    RepositoryDispatch,
    /// A `/convoy` line in a comment.
    Comment {
        /// Where the comment was written.
        repo: RepoName,
        /// The issue or pull request it was written on.
        issue: IssueNumber,
        /// The comment's id (replies quote it; an edited comment is never run again).
        comment_id: u64,
    },
    /// A checkbox of the tracking issue ticked (an `issues` `edited` event of the control
    /// repo): the command is the box's, the actor who edited the issue.
    Checkbox {
        /// The repository of the issue (the control repo).
        repo: RepoName,
        /// The issue whose box was ticked (the release's tracking issue, or the box is ignored).
        issue: IssueNumber,
        /// The box.
        checkbox: Checkbox,
        /// When the edit was made (the issue's `updated_at`, Unix seconds): the reply's marker
        /// holds it, so an edit delivered twice is carried out once.
        edit: u64,
        /// Other boxes ticked in the same edit, which are not run (one box per edit).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        others: Vec<Checkbox>,
    },
}

/// A `/convoy` comment: its commands in order, with who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentSignal {
    /// Where the comment was written.
    pub repo: RepoName,
    /// The issue or pull request number.
    pub issue: IssueNumber,
    /// The comment id.
    pub comment_id: u64,
    /// Who wrote it.
    pub author: Login,
    /// Whether the author is a bot (its commands are never run).
    pub author_is_bot: bool,
    /// The commands, one per `/convoy` line, in order; a line that does not parse is kept as an
    /// error so convoy can answer it.
    pub commands: Vec<Result<Command, String>>,
}

/// The commands convoy takes (workflow_dispatch `command`, `/convoy <command>`, `convoy.<command>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Command {
    /// Create a release (the id comes from the `release` input).
    Create(CreateArgs),
    /// Show the plan without changing anything.
    Plan,
    /// Answer whichever human gate the release waits at.
    Approve,
    /// Approve leaving development (only at that gate).
    Promote,
    /// Re-run the validation tiers.
    Validate,
    /// Approve shipping (only at that gate).
    Ship,
    /// `ship --now [reason]`: approve shipping and let the release ship at once, whatever its
    /// ship windows, freezes and soak say (only at the ship gate).
    ShipNow {
        /// Why, as written after `--now` (at most 200 characters).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Re-run a failed tier (or every failed tier).
    Retry {
        /// The tier, or `None` for all failed tiers.
        tier: Option<TierName>,
    },
    /// Take a task out of the release.
    Defer {
        /// The task's issue.
        task: IssueRef,
    },
    /// Stop the release and undo staging.
    Abort,
    /// Revert what was shipped (or staged).
    Rollback,
    /// Report the status.
    Status,
    /// Reconcile the release with GitHub.
    Reconcile,
}

/// What happened to a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestSignal {
    /// Where it lives.
    pub repo: RepoName,
    /// Its number.
    pub number: PullNumber,
    /// What happened.
    pub action: PullRequestAction,
    /// The head branch (in the same repository; forks are ignored at the edge).
    pub head: String,
    /// The head commit.
    pub head_sha: Sha,
    /// The base branch.
    pub base: String,
    /// The body (for `Depends-On:` lines).
    pub body: String,
    /// Who opened it.
    pub author: Login,
    /// The merge commit once merged.
    pub merge_commit_sha: Option<Sha>,
}

/// The pull request actions convoy cares about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PullRequestAction {
    /// Opened.
    Opened,
    /// Title or body edited. The event edge no longer gives it: an `issues` `edited` event
    /// either ticks a tracking issue's checkbox (a `Command`) or is ignored.
    Edited,
    /// New commits on the head.
    Synchronize,
    /// Reopened.
    Reopened,
    /// Closed without merging.
    Closed,
    /// Closed by merging.
    Merged,
    /// A label was added.
    Labeled {
        /// The label's name.
        label: String,
    },
}

/// An issue change that can affect a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IssueChange {
    /// Title or body edited. The event edge no longer gives it: an `issues` `edited` event
    /// either ticks a tracking issue's checkbox (a `Command`) or is ignored.
    Edited,
    /// Put in a milestone.
    Milestoned {
        /// The milestone's title.
        milestone: String,
    },
    /// Taken out of a milestone.
    Demilestoned {
        /// The milestone's title.
        milestone: String,
    },
    /// Taken out of a milestone the payload does not name (GitHub Enterprise Server sends
    /// `demilestoned` without one). The runner reads the issue from GitHub and hands `decide`
    /// [`IssueChange::MilestoneRead`] instead; given this one, `decide` changes nothing and notes
    /// why.
    DemilestonedUnnamed,
    /// The issue's milestone as read from GitHub after [`IssueChange::DemilestonedUnnamed`]:
    /// its title, or `None` when it has none now.
    MilestoneRead {
        /// The milestone's title, if it has one.
        milestone: Option<String>,
    },
}

/// A workflow run event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowRunSignal {
    /// Where the run happens.
    pub repo: RepoName,
    /// The run's id.
    pub run_id: RunId,
    /// The workflow file's path, e.g. `.github/workflows/e2e.yml`.
    pub workflow_path: String,
    /// The run's title (convoy's dispatches carry their correlation id in it).
    pub display_title: String,
    /// The commit the run is on.
    pub head_sha: Sha,
    /// `requested`, `in_progress` or `completed`.
    pub status: CheckStatus,
    /// The conclusion once completed.
    pub conclusion: Option<CheckConclusion>,
    /// The run's page.
    pub html_url: String,
}
