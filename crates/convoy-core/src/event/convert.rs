//! One function per event: payload fields → [`Signal`]. This file holds the dispatch on the
//! event name and the command events; [`super::collab`] and [`super::ci`] the others, and
//! [`super::read`] the helpers they share.

use serde_json::Value;

use super::chatops::{self, COMMAND_NAMES};
use super::error::{EventError, de};
use super::payload;
use super::read::{action, clip, ignored};
use super::{ci, collab};
use crate::model::ids::ReleaseId;
use crate::signal::{Command, CommandSignal, CommandSource, Forwarded, Signal};

/// Dispatches on the event name.
pub fn signal(name: &str, v: &Value) -> Result<Signal, EventError> {
    match name {
        "workflow_dispatch" => workflow_dispatch(v),
        "repository_dispatch" => repository_dispatch(v),
        "pull_request" => collab::pull_request(v),
        "pull_request_review" => collab::pull_request_review(v),
        "issue_comment" => collab::issue_comment(v),
        "issues" => collab::issues(v),
        "milestone" => collab::milestone(v),
        "workflow_run" => ci::workflow_run(v),
        "check_suite" => ci::check_suite(v),
        "check_run" => ci::check_run(v),
        "status" => ci::status(v),
        "push" => ci::push(v),
        "schedule" => Ok(Signal::Schedule),
        other => Ok(ignored(format!(
            "event `{}` is not one convoy follows",
            clip(other)
        ))),
    }
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

/// The `workflow_dispatch` event: inputs `command` (default `reconcile`), `release`, `args`.
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

/// The `repository_dispatch` event: `convoy.task-completed`, `convoy.tier-completed`, the
/// forwarded hints (`convoy.changed`, `convoy.comment`, `convoy.issue`) or `convoy.<command>`.
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
                conclusion: c.conclusion.into(),
                sender: p.sender.map(|s| s.login),
            })
        }
        "convoy.changed" => {
            let p: payload::Changed = de(v)?;
            let c = p.client_payload;
            Ok(Signal::Changed {
                repo: c.repo,
                release: optional_release(c.release, "/client_payload/release")?,
            })
        }
        "convoy.comment" | "convoy.issue" => {
            let p: payload::ForwardedHint = de(v)?;
            let c = p.client_payload;
            let missing = |field: &str| EventError::InvalidField {
                field: format!("/client_payload/{field}"),
                reason: format!("`{kind}` names the {field} to read"),
            };
            let hint = if kind == "convoy.comment" {
                Forwarded::Comment {
                    repo: c.repo,
                    comment_id: c.comment_id.ok_or_else(|| missing("comment_id"))?,
                }
            } else {
                Forwarded::Issue {
                    repo: c.repo,
                    number: c.issue.ok_or_else(|| missing("issue"))?,
                }
            };
            Ok(Signal::Forwarded(hint))
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
                 convoy.task-completed, convoy.tier-completed, convoy.changed, convoy.comment, convoy.issue or convoy.<command> with one of {}",
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
