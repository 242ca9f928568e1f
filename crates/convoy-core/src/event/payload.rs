//! The fields of GitHub's webhook payloads that convoy reads, and nothing more.
//!
//! GitHub adds fields over time, so unknown fields are accepted (no `deny_unknown_fields`).
//! A field that GitHub sends as `null` or leaves out in some payloads is an `Option` (or has a
//! default); every other field is required, and its absence is reported with its JSON pointer.
//! Identifiers deserialize straight into the validated newtypes, so a bad SHA or login is reported
//! at its path too.

use serde::{Deserialize, Deserializer};

use crate::model::ids::{IssueRef, Login, ReleaseId, RepoName, Sha, TierName};
use crate::model::numbers::{IssueNumber, PullNumber, RunId};

/// Just the `action` of an event, read before the rest so an action convoy ignores needs no
/// other field.
#[derive(Debug, Deserialize)]
pub struct ActionOnly {
    /// The webhook action (`opened`, `completed`, …; the event type for repository_dispatch).
    pub action: String,
}

/// `repository`: where the event happened.
#[derive(Debug, Deserialize)]
pub struct Repository {
    /// `owner/name`.
    pub full_name: RepoName,
}

/// A user, bot or organisation.
#[derive(Debug, Deserialize)]
pub struct User {
    /// The login.
    pub login: Login,
    /// `User`, `Bot` or `Organization`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// `workflow_dispatch`.
#[derive(Debug, Deserialize)]
pub struct WorkflowDispatch {
    /// The inputs as strings (GitHub sends every input as a string; absent when none).
    #[serde(default)]
    pub inputs: Option<DispatchInputs>,
    /// Who pressed the button.
    pub sender: User,
}

/// The inputs of convoy's `workflow_dispatch`.
#[derive(Debug, Default, Deserialize)]
pub struct DispatchInputs {
    /// The command (default `reconcile`).
    #[serde(default)]
    pub command: Option<String>,
    /// The release id (empty means none).
    #[serde(default)]
    pub release: Option<String>,
    /// The command's arguments (`key=value` pairs for `create`, a tier for `retry`, …).
    #[serde(default)]
    pub args: Option<String>,
}

/// `repository_dispatch` with a `convoy.<command>` type.
#[derive(Debug, Deserialize)]
pub struct RepositoryDispatchCommand {
    /// The payload the sender chose.
    #[serde(default)]
    pub client_payload: Option<CommandPayload>,
    /// Who sent it (the token's owner).
    pub sender: User,
}

/// `client_payload` of a `convoy.<command>` repository dispatch.
#[derive(Debug, Default, Deserialize)]
pub struct CommandPayload {
    /// The release (empty means none).
    #[serde(default)]
    pub release: Option<String>,
    /// The command's arguments.
    #[serde(default)]
    pub args: Option<String>,
}

/// `repository_dispatch` `convoy.task-completed`.
#[derive(Debug, Deserialize)]
pub struct TaskCompleted {
    /// What the sender reports.
    pub client_payload: TaskCompletedPayload,
}

/// `client_payload` of `convoy.task-completed`.
#[derive(Debug, Deserialize)]
pub struct TaskCompletedPayload {
    /// The release.
    pub release: ReleaseId,
    /// The task's issue.
    pub task: IssueRef,
}

/// `repository_dispatch` `convoy.comment` or `convoy.issue`: a member repository's workflow
/// names an object there.
#[derive(Debug, Deserialize)]
pub struct ForwardedHint {
    /// Where to look.
    pub client_payload: ForwardedHintPayload,
}

/// `client_payload` of `convoy.comment` / `convoy.issue`.
#[derive(Debug, Deserialize)]
pub struct ForwardedHintPayload {
    /// The repository the event happened in.
    pub repo: RepoName,
    /// The comment (`convoy.comment`).
    #[serde(default)]
    pub comment_id: Option<u64>,
    /// The issue (`convoy.issue`).
    #[serde(default)]
    pub issue: Option<IssueNumber>,
}

/// `repository_dispatch` `convoy.changed`: a member repository's workflow says something
/// changed there.
#[derive(Debug, Deserialize)]
pub struct Changed {
    /// Where.
    pub client_payload: ChangedPayload,
}

/// `client_payload` of `convoy.changed`.
#[derive(Debug, Deserialize)]
pub struct ChangedPayload {
    /// The repository the event happened in.
    pub repo: RepoName,
    /// The release, when the event named its RC branch (an empty string counts as none: a
    /// shell step that sends `release=` with nothing in it).
    #[serde(default)]
    pub release: Option<String>,
}

/// `repository_dispatch` `convoy.tier-completed`.
#[derive(Debug, Deserialize)]
pub struct TierCompleted {
    /// What the tier workflow reports.
    pub client_payload: TierCompletedPayload,
    /// Who sent it (the token's owner), as GitHub says.
    #[serde(default)]
    pub sender: Option<User>,
}

/// `client_payload` of `convoy.tier-completed`.
#[derive(Debug, Deserialize)]
pub struct TierCompletedPayload {
    /// The release.
    pub release: ReleaseId,
    /// The tier.
    pub tier: TierName,
    /// The correlation id convoy dispatched the tier with.
    pub correlation_id: String,
    /// The reporting run's id: a number, or a string of digits (`${{ github.run_id }}` is often
    /// quoted in YAML).
    #[serde(default, deserialize_with = "run_id")]
    pub run_id: Option<RunId>,
    /// `success`, `failure`, …
    pub conclusion: String,
}

/// Accepts a run id as a number, a string of digits, `null` or an empty string.
fn run_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RunId>, D::Error> {
    use serde_json::Value;
    let bad = |shown: String| {
        serde::de::Error::custom(format!(
            "{shown} is not a run id; expected a number such as 123456789"
        ))
    };
    let id: Option<u64> = match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| bad(n.to_string())),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| bad(format!("`{}`", s.chars().take(40).collect::<String>()))),
        Some(other) => Err(bad(format!("a JSON {}", json_kind(&other)))),
    }?;
    Ok(id.map(RunId::new))
}

/// The JSON type of a value, for messages.
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `pull_request`.
#[derive(Debug, Deserialize)]
pub struct PullRequestEvent {
    /// The label added, for `labeled`.
    #[serde(default)]
    pub label: Option<Label>,
    /// The pull request.
    pub pull_request: PullRequest,
    /// Where it lives.
    pub repository: Repository,
}

/// A label.
#[derive(Debug, Deserialize)]
pub struct Label {
    /// Its name.
    pub name: String,
}

/// A pull request.
#[derive(Debug, Deserialize)]
pub struct PullRequest {
    /// Its number.
    pub number: PullNumber,
    /// The body (`null` when empty).
    #[serde(default)]
    pub body: Option<String>,
    /// Who opened it.
    pub user: User,
    /// The head.
    pub head: Branch,
    /// The base.
    pub base: Branch,
    /// Whether it was merged (absent in some older payloads).
    #[serde(default)]
    pub merged: Option<bool>,
    /// The merge commit once merged (a test merge before).
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
}

/// The head or base of a pull request.
#[derive(Debug, Deserialize)]
pub struct Branch {
    /// The branch name.
    #[serde(rename = "ref")]
    pub name: String,
    /// The commit.
    pub sha: Sha,
    /// The repository (`null` when a fork was deleted).
    #[serde(default)]
    pub repo: Option<Repository>,
}

/// `pull_request_review`.
#[derive(Debug, Deserialize)]
pub struct PullRequestReviewEvent {
    /// The review.
    pub review: Review,
    /// The pull request (only its number is read).
    pub pull_request: Numbered<PullNumber>,
    /// Where it lives.
    pub repository: Repository,
}

/// A review.
#[derive(Debug, Deserialize)]
pub struct Review {
    /// `approved`, `changes_requested`, `commented` or `dismissed` (any case).
    pub state: String,
    /// The reviewer.
    pub user: User,
}

/// Anything with a number (an issue, a pull request), read as `N`.
#[derive(Debug, Deserialize)]
pub struct Numbered<N> {
    /// The number.
    pub number: N,
}

/// `issue_comment`.
#[derive(Debug, Deserialize)]
pub struct IssueCommentEvent {
    /// The comment.
    pub comment: Comment,
    /// The issue or pull request it is on.
    pub issue: Numbered<IssueNumber>,
    /// Where it lives.
    pub repository: Repository,
}

/// A comment.
#[derive(Debug, Deserialize)]
pub struct Comment {
    /// Its id.
    pub id: u64,
    /// Its text.
    #[serde(default)]
    pub body: Option<String>,
    /// Who wrote it.
    pub user: User,
}

/// `issues`.
#[derive(Debug, Deserialize)]
pub struct IssuesEvent {
    /// The issue.
    pub issue: IssueOfEvent,
    /// The milestone set or removed, for `milestoned` and `demilestoned` on GitHub.com. GitHub
    /// Enterprise Server leaves it out: its `milestoned` names the milestone only under
    /// `issue.milestone`, its `demilestoned` nowhere.
    #[serde(default)]
    pub milestone: Option<Milestone>,
    /// Where it lives.
    pub repository: Repository,
    /// Who changed it.
    #[serde(default)]
    pub sender: Option<User>,
    /// What an `edited` changed: the body before, when the body changed.
    #[serde(default)]
    pub changes: Option<IssueChanges>,
}

/// The issue of an `issues` event.
#[derive(Debug, Deserialize)]
pub struct IssueOfEvent {
    /// Its number.
    pub number: IssueNumber,
    /// Its milestone after the change (`null` when it has none).
    #[serde(default)]
    pub milestone: Option<Milestone>,
    /// Its body after the change (`null` when empty).
    #[serde(default)]
    pub body: Option<String>,
    /// When it last changed: for `edited`, when the edit was made.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `changes` of an `issues` `edited` event.
#[derive(Debug, Deserialize)]
pub struct IssueChanges {
    /// The body before the edit, when the body changed.
    #[serde(default)]
    pub body: Option<ChangedFrom>,
}

/// A changed field's value before the change.
#[derive(Debug, Deserialize)]
pub struct ChangedFrom {
    /// The value before (`null` when it was empty).
    #[serde(default)]
    pub from: Option<String>,
}

/// A milestone.
#[derive(Debug, Deserialize)]
pub struct Milestone {
    /// Its title.
    pub title: String,
}

/// `milestone`.
#[derive(Debug, Deserialize)]
pub struct MilestoneEvent {
    /// The milestone.
    pub milestone: Milestone,
    /// Where it lives.
    pub repository: Repository,
}

/// `workflow_run`.
#[derive(Debug, Deserialize)]
pub struct WorkflowRunEvent {
    /// The run.
    pub workflow_run: WorkflowRun,
    /// Where it runs.
    pub repository: Repository,
}

/// A workflow run.
#[derive(Debug, Deserialize)]
pub struct WorkflowRun {
    /// Its id.
    pub id: RunId,
    /// The workflow file (absent in payloads from before 2021).
    #[serde(default)]
    pub path: Option<String>,
    /// The run's title (absent in payloads from before 2022).
    #[serde(default)]
    pub display_title: Option<String>,
    /// The workflow's name, the title's stand-in when there is none.
    #[serde(default)]
    pub name: Option<String>,
    /// The commit.
    pub head_sha: Sha,
    /// `requested`, `queued`, `in_progress`, `completed`, …
    pub status: String,
    /// Set once completed.
    #[serde(default)]
    pub conclusion: Option<String>,
    /// The run's page.
    pub html_url: String,
}

/// `check_suite`.
#[derive(Debug, Deserialize)]
pub struct CheckSuiteEvent {
    /// The suite.
    pub check_suite: CheckSuite,
    /// Where the commit lives.
    pub repository: Repository,
}

/// A check suite.
#[derive(Debug, Deserialize)]
pub struct CheckSuite {
    /// The commit.
    pub head_sha: Sha,
    /// `queued`, `in_progress`, `completed`, … (`null` in some payloads).
    #[serde(default)]
    pub status: Option<String>,
    /// Set once completed.
    #[serde(default)]
    pub conclusion: Option<String>,
}

/// `check_run`.
#[derive(Debug, Deserialize)]
pub struct CheckRunEvent {
    /// The run.
    pub check_run: CheckRun,
    /// Where the commit lives.
    pub repository: Repository,
}

/// A check run.
#[derive(Debug, Deserialize)]
pub struct CheckRun {
    /// Its name.
    pub name: String,
    /// The commit.
    pub head_sha: Sha,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// Set once completed.
    #[serde(default)]
    pub conclusion: Option<String>,
}

/// `status`.
#[derive(Debug, Deserialize)]
pub struct StatusEvent {
    /// The commit.
    pub sha: Sha,
    /// The context, e.g. `ci/build`.
    pub context: String,
    /// `pending`, `success`, `failure` or `error`.
    pub state: String,
    /// Where the commit lives.
    pub repository: Repository,
}

/// `push`.
#[derive(Debug, Deserialize)]
pub struct PushEvent {
    /// The full ref, e.g. `refs/heads/main`.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The head before (all zeros when the ref was created).
    pub before: Sha,
    /// The head after (all zeros when the ref was deleted).
    pub after: Sha,
    /// Where.
    pub repository: Repository,
}
