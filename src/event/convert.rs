//! One function per event: payload fields → [`Signal`].

use serde_json::Value;

use super::chatops::{self, COMMAND_NAMES};
use super::payload::{self, ActionOnly};
use super::{EventError, de};
use crate::model::ids::{BranchName, Login, ReleaseId, Sha};
use crate::signal::{
    Command, CommandSignal, CommandSource, CommentSignal, IssueChange, PullRequestAction,
    PullRequestSignal, Signal, WorkflowRunSignal,
};

/// Most `/convoy` lines read from one comment; the rest are answered with one error.
pub const MAX_COMMANDS_PER_COMMENT: usize = 10;

/// Dispatches on the event name.
pub fn signal(name: &str, v: &Value) -> Result<Signal, EventError> {
    match name {
        "workflow_dispatch" => workflow_dispatch(v),
        "repository_dispatch" => repository_dispatch(v),
        "pull_request" => pull_request(v),
        "pull_request_review" => pull_request_review(v),
        "issue_comment" => issue_comment(v),
        "issues" => issues(v),
        "workflow_run" => workflow_run(v),
        "check_suite" => check_suite(v),
        "check_run" => check_run(v),
        "status" => status(v),
        "push" => push(v),
        "schedule" => Ok(Signal::Schedule),
        "milestone" => milestone(v),
        other => Ok(ignored(format!(
            "event `{}` is not one convoy follows",
            clip(other)
        ))),
    }
}

fn ignored(reason: String) -> Signal {
    Signal::Ignored { reason }
}

/// A value quoted in a reason: at most 60 characters, no control characters or backticks.
fn clip(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(60)
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// The reason for an action convoy does not follow.
fn ignored_action(event: &str, action: &str) -> Signal {
    ignored(format!(
        "`{event}` action `{}` is not one convoy follows",
        clip(action)
    ))
}

/// Reads the `action` field.
fn action(v: &Value) -> Result<String, EventError> {
    de::<ActionOnly>(v).map(|a| a.action)
}

/// An optional release id from a string input: absent or blank is `None`.
fn optional_release(raw: Option<String>, field: &str) -> Result<Option<ReleaseId>, EventError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => ReleaseId::parse(s)
            .map(Some)
            .map_err(|e| EventError::InvalidField {
                field: field.to_owned(),
                reason: e.to_string(),
            }),
    }
}

/// Builds a command from a name and its arguments; an unknown name is reported on `name_field`,
/// bad arguments on `args_field`. `create` needs a release, reported on `release_field`.
fn command(
    name: &str,
    args: &str,
    release: &Option<ReleaseId>,
    fields: [&str; 3],
) -> Result<Command, EventError> {
    let [name_field, args_field, release_field] = fields;
    let lower = name.to_ascii_lowercase();
    if !COMMAND_NAMES.contains(&lower.as_str()) {
        return Err(EventError::InvalidField {
            field: name_field.to_owned(),
            reason: chatops::unknown_command(name),
        });
    }
    let command =
        chatops::parse_command(&lower, args).map_err(|reason| EventError::InvalidField {
            field: args_field.to_owned(),
            reason,
        })?;
    if matches!(command, Command::Create(_)) && release.is_none() {
        return Err(EventError::InvalidField {
            field: release_field.to_owned(),
            reason: "`create` needs the id of the release to create, like `2026.12.0`".to_owned(),
        });
    }
    Ok(command)
}

fn workflow_dispatch(v: &Value) -> Result<Signal, EventError> {
    let p: payload::WorkflowDispatch = de(v)?;
    let inputs = p.inputs.unwrap_or_default();
    let name = inputs
        .command
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("reconcile");
    let release = optional_release(inputs.release, "/inputs/release")?;
    let args = inputs.args.unwrap_or_default();
    let command = command(
        name,
        &args,
        &release,
        ["/inputs/command", "/inputs/args", "/inputs/release"],
    )?;
    Ok(Signal::Command(CommandSignal {
        command,
        release,
        actor: p.sender.login,
        source: CommandSource::WorkflowDispatch,
    }))
}

fn repository_dispatch(v: &Value) -> Result<Signal, EventError> {
    let kind = action(v)?;
    match kind.as_str() {
        "convoy.task-completed" => {
            let p: payload::TaskCompleted = de(v)?;
            Ok(Signal::TaskCompleted {
                release: p.client_payload.release,
                task: p.client_payload.task,
            })
        }
        "convoy.tier-completed" => {
            let p: payload::TierCompleted = de(v)?;
            let c = p.client_payload;
            Ok(Signal::TierCompleted {
                release: c.release,
                tier: c.tier,
                correlation_id: c.correlation_id,
                run_id: c.run_id,
                conclusion: c.conclusion,
            })
        }
        other => match other.strip_prefix("convoy.") {
            Some(name) if COMMAND_NAMES.contains(&name) => {
                let p: payload::RepositoryDispatchCommand = de(v)?;
                let client = p.client_payload.unwrap_or_default();
                let release = optional_release(client.release, "/client_payload/release")?;
                let args = client.args.unwrap_or_default();
                let command = command(
                    name,
                    &args,
                    &release,
                    ["/action", "/client_payload/args", "/client_payload/release"],
                )?;
                Ok(Signal::Command(CommandSignal {
                    command,
                    release,
                    actor: p.sender.login,
                    source: CommandSource::RepositoryDispatch,
                }))
            }
            Some(name) => Ok(ignored(format!(
                "`repository_dispatch` type `convoy.{}` is not a convoy command; expected \
                 convoy.task-completed, convoy.tier-completed or convoy.<command> with one of {}",
                clip(name),
                COMMAND_NAMES.join(", ")
            ))),
            None => Ok(ignored(format!(
                "`repository_dispatch` type `{}` is not one convoy follows",
                clip(other)
            ))),
        },
    }
}

fn pull_request(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(
        act.as_str(),
        "opened" | "edited" | "synchronize" | "reopened" | "closed" | "labeled"
    ) {
        return Ok(ignored_action("pull_request", &act));
    }
    let p: payload::PullRequestEvent = de(v)?;
    let pr = p.pull_request;
    let repo = p.repository.full_name;
    match &pr.head.repo {
        Some(head) if head.full_name.as_str().eq_ignore_ascii_case(repo.as_str()) => {}
        Some(head) => {
            return Ok(ignored(format!(
                "pull request {repo}#{} comes from the fork `{}`; convoy follows only branches \
                 of the repository itself",
                pr.number, head.full_name
            )));
        }
        None => {
            return Ok(ignored(format!(
                "pull request {repo}#{} comes from a deleted fork; convoy follows only branches \
                 of the repository itself",
                pr.number
            )));
        }
    }
    let mut merge_commit_sha = None;
    let action = match act.as_str() {
        "opened" => PullRequestAction::Opened,
        "edited" => PullRequestAction::Edited,
        "synchronize" => PullRequestAction::Synchronize,
        "reopened" => PullRequestAction::Reopened,
        "closed" if pr.merged == Some(true) => {
            let field = "/pull_request/merge_commit_sha";
            let raw = pr
                .merge_commit_sha
                .as_deref()
                .ok_or_else(|| EventError::MissingField {
                    field: field.to_owned(),
                })?;
            merge_commit_sha = Some(Sha::parse(raw).map_err(|e| EventError::InvalidField {
                field: field.to_owned(),
                reason: e.to_string(),
            })?);
            PullRequestAction::Merged
        }
        "closed" => PullRequestAction::Closed,
        _ => {
            let label = p.label.ok_or_else(|| EventError::MissingField {
                field: "/label".to_owned(),
            })?;
            PullRequestAction::Labeled { label: label.name }
        }
    };
    Ok(Signal::PullRequest(PullRequestSignal {
        repo,
        number: pr.number,
        action,
        head: pr.head.name,
        head_sha: pr.head.sha,
        base: pr.base.name,
        body: pr.body.unwrap_or_default(),
        author: pr.user.login,
        merge_commit_sha,
    }))
}

fn pull_request_review(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(act.as_str(), "submitted" | "edited" | "dismissed") {
        return Ok(ignored_action("pull_request_review", &act));
    }
    let p: payload::PullRequestReviewEvent = de(v)?;
    let state = if act == "dismissed" {
        "dismissed".to_owned()
    } else {
        p.review.state.to_ascii_lowercase()
    };
    Ok(Signal::PullRequestReview {
        repo: p.repository.full_name,
        number: p.pull_request.number,
        state,
        reviewer: p.review.user.login,
    })
}

fn issue_comment(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    match act.as_str() {
        "created" => {}
        "edited" => return Ok(ignored("edited comments are never run again".to_owned())),
        "deleted" => return Ok(ignored("deleted comments are never run".to_owned())),
        _ => return Ok(ignored_action("issue_comment", &act)),
    }
    let p: payload::IssueCommentEvent = de(v)?;
    let body = p.comment.body.unwrap_or_default();
    let lines = chatops::command_lines(&body);
    if lines.is_empty() {
        return Ok(ignored("comment has no /convoy command".to_owned()));
    }
    let mut commands: Vec<Result<Command, String>> = lines
        .iter()
        .take(MAX_COMMANDS_PER_COMMENT)
        .map(|line| chatops::parse_command_line(line))
        .collect();
    if lines.len() > MAX_COMMANDS_PER_COMMENT {
        commands.push(Err(format!(
            "only the first {MAX_COMMANDS_PER_COMMENT} `/convoy` lines of a comment are read; \
             {} more were skipped",
            lines.len() - MAX_COMMANDS_PER_COMMENT
        )));
    }
    let author: Login = p.comment.user.login;
    let author_is_bot = p.comment.user.kind.as_deref() == Some("Bot") || author.is_bot();
    Ok(Signal::Comment(CommentSignal {
        repo: p.repository.full_name,
        issue: p.issue.number,
        comment_id: p.comment.id,
        author,
        author_is_bot,
        commands,
    }))
}

fn issues(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(act.as_str(), "edited" | "milestoned" | "demilestoned") {
        return Ok(ignored_action("issues", &act));
    }
    let p: payload::IssuesEvent = de(v)?;
    let change = if act == "edited" {
        IssueChange::Edited
    } else {
        let milestone = p
            .milestone
            .ok_or_else(|| EventError::MissingField {
                field: "/milestone".to_owned(),
            })?
            .title;
        if act == "milestoned" {
            IssueChange::Milestoned { milestone }
        } else {
            IssueChange::Demilestoned { milestone }
        }
    };
    Ok(Signal::Issue {
        repo: p.repository.full_name,
        number: p.issue.number,
        change,
    })
}

fn workflow_run(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(act.as_str(), "requested" | "in_progress" | "completed") {
        return Ok(ignored_action("workflow_run", &act));
    }
    let p: payload::WorkflowRunEvent = de(v)?;
    let run = p.workflow_run;
    Ok(Signal::WorkflowRun(WorkflowRunSignal {
        repo: p.repository.full_name,
        run_id: run.id,
        workflow_path: run.path.unwrap_or_default(),
        display_title: run.display_title.or(run.name).unwrap_or_default(),
        head_sha: run.head_sha,
        status: run.status,
        conclusion: run.conclusion,
        html_url: run.html_url,
    }))
}

fn check_suite(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(act.as_str(), "completed" | "requested" | "rerequested") {
        return Ok(ignored_action("check_suite", &act));
    }
    let p: payload::CheckSuiteEvent = de(v)?;
    let suite = p.check_suite;
    let status = suite.status.unwrap_or_else(|| {
        if act == "completed" {
            "completed".to_owned()
        } else {
            "queued".to_owned()
        }
    });
    Ok(Signal::Check {
        repo: p.repository.full_name,
        sha: suite.head_sha,
        name: None,
        status,
        conclusion: suite.conclusion,
    })
}

fn check_run(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(
        act.as_str(),
        "created" | "completed" | "rerequested" | "requested_action"
    ) {
        return Ok(ignored_action("check_run", &act));
    }
    let p: payload::CheckRunEvent = de(v)?;
    let run = p.check_run;
    Ok(Signal::Check {
        repo: p.repository.full_name,
        sha: run.head_sha,
        name: Some(run.name),
        status: run.status,
        conclusion: run.conclusion,
    })
}

fn status(v: &Value) -> Result<Signal, EventError> {
    let p: payload::StatusEvent = de(v)?;
    Ok(Signal::Status {
        repo: p.repository.full_name,
        sha: p.sha,
        context: p.context,
        state: p.state,
    })
}

/// `None` for the all-zero SHA GitHub sends for "no commit".
fn non_zero(sha: Sha) -> Option<Sha> {
    if sha.as_str().bytes().all(|b| b == b'0') {
        None
    } else {
        Some(sha)
    }
}

fn push(v: &Value) -> Result<Signal, EventError> {
    let p: payload::PushEvent = de(v)?;
    let Some(branch) = p.git_ref.strip_prefix("refs/heads/") else {
        if let Some(tag) = p.git_ref.strip_prefix("refs/tags/") {
            return Ok(ignored(format!(
                "push of the tag `{}`: convoy follows branches only",
                clip(tag)
            )));
        }
        return Ok(ignored(format!(
            "push to `{}`: convoy follows branches only",
            clip(&p.git_ref)
        )));
    };
    let branch = BranchName::parse(branch).map_err(|e| EventError::InvalidField {
        field: "/ref".to_owned(),
        reason: e.to_string(),
    })?;
    Ok(Signal::Push {
        repo: p.repository.full_name,
        branch,
        before: non_zero(p.before),
        after: non_zero(p.after),
    })
}

fn milestone(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(
        act.as_str(),
        "created" | "edited" | "closed" | "opened" | "deleted"
    ) {
        return Ok(ignored_action("milestone", &act));
    }
    let p: payload::MilestoneEvent = de(v)?;
    Ok(Signal::Milestone {
        repo: p.repository.full_name,
        action: act,
        title: p.milestone.title,
    })
}
