//! Collaboration events: pull requests, reviews, comments, issues and milestones.

use serde_json::Value;

use super::chatops;
use super::error::{EventError, de};
use super::payload;
use super::read::{action, ignored, ignored_action};
use crate::model::ids::{Login, RepoName, Sha};
use crate::model::numbers::IssueNumber;
use crate::signal::{
    Command, CommentSignal, IssueChange, PullRequestAction, PullRequestSignal, ReviewState, Signal,
};

/// Most `/convoy` lines read from one comment; the rest are answered with one error.
pub const MAX_COMMANDS_PER_COMMENT: usize = 10;

/// The `pull_request` event: same-repository pull requests opened, edited, synchronized,
/// reopened, closed (merged or not) or labeled.
pub fn pull_request(v: &Value) -> Result<Signal, EventError> {
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

/// The `pull_request_review` event: a review submitted, edited or dismissed.
pub fn pull_request_review(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(act.as_str(), "submitted" | "edited" | "dismissed") {
        return Ok(ignored_action("pull_request_review", &act));
    }
    let p: payload::PullRequestReviewEvent = de(v)?;
    let state = if act == "dismissed" {
        ReviewState::Dismissed
    } else {
        ReviewState::from(p.review.state.to_ascii_lowercase())
    };
    Ok(Signal::PullRequestReview {
        repo: p.repository.full_name,
        number: p.pull_request.number,
        state,
        reviewer: p.review.user.login,
    })
}

/// The `issue_comment` event: a new comment with `/convoy` lines.
pub fn issue_comment(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    match act.as_str() {
        "created" => {}
        "edited" => return Ok(ignored("edited comments are never run again".to_owned())),
        "deleted" => return Ok(ignored("deleted comments are never run".to_owned())),
        _ => return Ok(ignored_action("issue_comment", &act)),
    }
    let p: payload::IssueCommentEvent = de(v)?;
    let body = p.comment.body.unwrap_or_default();
    let author_is_bot = p.comment.user.kind.as_deref() == Some("Bot");
    Ok(comment_signal(
        p.repository.full_name,
        p.issue.number,
        p.comment.id,
        p.comment.user.login,
        author_is_bot,
        &body,
    ))
}

/// The signal a comment makes: its `/convoy` lines as commands (at most
/// `MAX_COMMANDS_PER_COMMENT`, the rest answered with one error), or `Ignored` without any. A
/// comment by a bot (`type: Bot`, or a `…[bot]` login) is marked so and never run.
pub fn comment_signal(
    repo: RepoName,
    issue: IssueNumber,
    comment_id: u64,
    author: Login,
    author_is_bot: bool,
    body: &str,
) -> Signal {
    let lines = chatops::command_lines(body);
    if lines.is_empty() {
        return ignored("comment has no /convoy command".to_owned());
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
    let author_is_bot = author_is_bot || author.is_bot();
    Signal::Comment(CommentSignal {
        repo,
        issue,
        comment_id,
        author,
        author_is_bot,
        commands,
    })
}

/// The `issues` event: an issue edited (a checkbox of a tracking issue ticked: see
/// [`super::ticked`]), milestoned or demilestoned.
///
/// The milestone is read from the top-level `milestone` (GitHub.com), else, for `milestoned`,
/// from `issue.milestone` (GitHub Enterprise Server names it only there). A `demilestoned`
/// without a top-level milestone (GitHub Enterprise Server) is
/// [`IssueChange::DemilestonedUnnamed`]: the issue no longer names the milestone it left.
pub fn issues(v: &Value) -> Result<Signal, EventError> {
    let act = action(v)?;
    if !matches!(act.as_str(), "edited" | "milestoned" | "demilestoned") {
        return Ok(ignored_action("issues", &act));
    }
    let p: payload::IssuesEvent = de(v)?;
    if act == "edited" {
        return super::ticked::issue_edited(p);
    }
    let named = p.milestone.map(|m| m.title);
    let change = match act.as_str() {
        "milestoned" => {
            let milestone = named
                .or_else(|| p.issue.milestone.map(|m| m.title))
                .ok_or_else(|| EventError::MissingField {
                    field: "/milestone".to_owned(),
                })?;
            IssueChange::Milestoned { milestone }
        }
        _ => match named {
            Some(milestone) => IssueChange::Demilestoned { milestone },
            None => IssueChange::DemilestonedUnnamed,
        },
    };
    Ok(Signal::Issue {
        repo: p.repository.full_name,
        number: p.issue.number,
        change,
        actor: p.sender.map(|u| u.login),
    })
}

/// The `milestone` event.
pub fn milestone(v: &Value) -> Result<Signal, EventError> {
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
