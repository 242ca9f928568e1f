//! Applying a signal: commands (with their authorisation) and approvals. (A tier's callback is
//! a claim, judged against GitHub in `claims`.)
//!
//! A refused command changes nothing but the reply, which the decision planning it records
//! (`answered`: posted by the one run whose manifest write lands, once). Accepted commands are
//! recorded in history with who gave them and how.

mod checkbox;
mod deferral;
mod milestones;
pub(crate) mod refusal;

use super::action::{Action, Reaction};
use super::command_table;
use super::draft::Draft;
use crate::model::config::Permission;
use crate::model::history::HistoryEvent;
use crate::model::ids::Login;
use crate::model::manifest::{Approval, Conclusion, Gate, Phase, RunStatus, ShipNow};
use crate::model::marker::Marker;
use crate::model::numbers::IssueNumber;
use crate::signal::{Command, CommandSource, Signal};
use deferral::defer;
use refusal::Refusal;

/// Applies `signal` to the draft.
pub(super) fn apply_signal(d: &mut Draft<'_>, signal: &Signal) {
    match signal {
        Signal::Command(c) if c.release.as_ref().is_none_or(|r| r == &d.m.id) => {
            if let CommandSource::Checkbox { .. } = c.source {
                checkbox::apply(d, c);
            } else {
                run_command(d, &c.command, &c.actor, &c.source, 0);
            }
        }
        Signal::Comment(c) => {
            if c.author_is_bot
                || c.author.is_bot()
                || !concerns(d, c)
                || d.m.handled_comments.contains(&c.comment_id)
            {
                return;
            }
            let history = d.m.history.len();
            let source = CommandSource::Comment {
                repo: c.repo.clone(),
                issue: c.issue,
                comment_id: c.comment_id,
            };
            let mut accepted = false;
            for (i, cmd) in c.commands.iter().enumerate() {
                match cmd {
                    Ok(cmd) => accepted |= run_command(d, cmd, &c.author, &source, i),
                    Err(e) => {
                        let spec = command_table::spec(&Command::Status);
                        let text = Refusal::Unreadable(e.clone()).sentence(&c.author, spec);
                        reply(d, &source, i, &text);
                    }
                }
            }
            // Carried out: never again, however often GitHub delivers the comment.
            if d.m.history.len() > history {
                d.m.handled_comments.push(c.comment_id);
                let excess = d.m.handled_comments.len().saturating_sub(500);
                d.m.handled_comments.drain(..excess);
            }
            if accepted {
                // A 👍 says "done". Planned only while the comment is not handled yet (a
                // redelivered comment that changed the release stops above); GitHub keeps one
                // reaction per person and content, so posting it again changes nothing.
                d.act(
                    Action::React {
                        repo: c.repo.clone(),
                        comment_id: c.comment_id,
                        content: Reaction::PlusOne,
                    },
                    "acknowledge the command",
                    vec![],
                );
            }
        }
        Signal::Issue {
            repo,
            number,
            change,
            actor,
        } => milestones::apply(d, repo, *number, change, actor.as_ref()),
        _ => {}
    }
}

/// Whether a comment was written where this release listens: its tracking issue, or one of its
/// promotion pull requests.
fn concerns(d: &Draft<'_>, c: &crate::signal::CommentSignal) -> bool {
    let tracking = c.repo == d.m.control_repo && Some(c.issue) == d.m.tracking_issue;
    let promotion = d.m.repos.iter().any(|r| {
        r.name == c.repo
            && [r.prs.staging, r.prs.ship]
                .into_iter()
                .flatten()
                .any(|pr| IssueNumber::from(pr) == c.issue)
    });
    tracking || promotion
}

/// Carries out `cmd` unless it is refused (then answers why); returns whether it was accepted.
fn run_command(
    d: &mut Draft<'_>,
    cmd: &Command,
    actor: &Login,
    source: &CommandSource,
    index: usize,
) -> bool {
    let spec = command_table::spec(cmd);
    if let Err(why) = authorize(d, cmd, actor) {
        reply(d, source, index, &why.sentence(actor, spec));
        return false;
    }
    let how = match source {
        CommandSource::WorkflowDispatch => "workflow_dispatch".to_owned(),
        CommandSource::RepositoryDispatch => "repository_dispatch".to_owned(),
        CommandSource::Comment { repo, issue, .. } => format!("comment on {repo}#{issue}"),
        CommandSource::Checkbox { repo, issue, .. } => format!("checkbox on {repo}#{issue}"),
    };
    let outcome = if let Command::Create(_) = cmd {
        Err(Refusal::AlreadyExists {
            release: d.m.id.clone(),
        })
    } else if !spec.accepted_in(d.m.phase) {
        // The command table says where each command is accepted (and what is offered).
        Err(Refusal::WrongPhase {
            release: d.m.id.clone(),
            phase: d.m.phase,
        })
    } else {
        match cmd {
            Command::Approve => waiting_gate(d)
                .ok_or(Refusal::NothingToApprove { phase: d.m.phase })
                .and_then(|g| approve(d, g, actor, &how)),
            Command::Promote => at_gate(d, Gate::Promote).and_then(|g| approve(d, g, actor, &how)),
            Command::Ship => at_gate(d, Gate::Ship).and_then(|g| approve(d, g, actor, &how)),
            Command::ShipNow { reason } => {
                at_gate(d, Gate::Ship).and_then(|_| ship_now(d, actor, &how, reason.as_deref()))
            }
            Command::Retry { tier } => retry(d, tier.as_ref(), false),
            Command::Validate => retry(d, None, true),
            Command::Defer { task } => defer(d, task),
            Command::Abort => Ok(Some(stop(d, Phase::Aborted))),
            Command::Rollback => Ok(Some(stop(d, Phase::RolledBack))),
            Command::Create(_) | Command::Plan | Command::Status | Command::Reconcile => Ok(None),
        }
    };
    match outcome {
        Ok(Some(detail)) => {
            if let Some(event) = history_event(cmd) {
                // `ship --now` is told from a plain `ship` by its `to`.
                let to = matches!(cmd, Command::ShipNow { .. }).then(|| "now".to_owned());
                d.log(
                    actor.as_str(),
                    event,
                    None,
                    to,
                    format!("{detail} (via {how})"),
                );
            }
            checkbox::answer_done(d, source, actor, Some(&detail));
            true
        }
        Ok(None) => {
            checkbox::answer_done(d, source, actor, None);
            true
        }
        Err(why) => {
            reply(d, source, index, &why.sentence(actor, spec));
            false
        }
    }
}

/// Every command needs write permission on the control repo; approving also needs to be an
/// approver (listed, or holding `approvers.min_permission`).
fn authorize(d: &Draft<'_>, cmd: &Command, actor: &Login) -> Result<(), Refusal> {
    if matches!(cmd, Command::Plan | Command::Status) {
        return Ok(());
    }
    let control = d.m.control_repo.clone();
    let Some(perm) = d.o.permission(actor) else {
        return Err(Refusal::PermissionUnknown { control });
    };
    if perm < Permission::Write {
        return Err(Refusal::BelowWrite { control, has: perm });
    }
    if matches!(
        cmd,
        Command::Approve | Command::Promote | Command::Ship | Command::ShipNow { .. }
    ) {
        let approvers = &d.m.policy.approvers;
        if !approvers.admits(actor, perm) {
            return Err(Refusal::NotApprover {
                control,
                min: approvers.min_permission,
                has: perm,
            });
        }
    }
    Ok(())
}

/// The human gate the release now waits at, if any: the gate out of its phase.
fn waiting_gate(d: &Draft<'_>) -> Option<Gate> {
    d.exit_gate()
}

fn at_gate(d: &Draft<'_>, gate: Gate) -> Result<Gate, Refusal> {
    if waiting_gate(d) == Some(gate) {
        Ok(gate)
    } else {
        Err(Refusal::NotAtGate {
            gate,
            phase: d.m.phase,
        })
    }
}

fn approve(
    d: &mut Draft<'_>,
    gate: Gate,
    actor: &Login,
    how: &str,
) -> Result<Option<String>, Refusal> {
    let since = d.phase_entered_at();
    if d.m
        .approvals
        .iter()
        .any(|a| a.gate == gate && &a.by == actor && a.at >= since)
    {
        return Ok(None);
    }
    d.m.approvals.push(Approval {
        gate,
        by: actor.clone(),
        at: d.now,
        via: how.to_owned(),
    });
    Ok(Some(format!("approved the {} gate", gate.as_str())))
}

/// `ship --now`: approves the ship gate and records the override that lets the release ship
/// whatever its ship windows, freezes and soak say, once (in this validation phase).
fn ship_now(
    d: &mut Draft<'_>,
    actor: &Login,
    how: &str,
    reason: Option<&str>,
) -> Result<Option<String>, Refusal> {
    approve(d, Gate::Ship, actor, how)?;
    if d.ship_now().is_some_and(|s| &s.by == actor) {
        return Ok(None);
    }
    d.m.ship_now.push(ShipNow {
        by: actor.clone(),
        at: d.now,
        via: how.to_owned(),
        reason: reason.map(str::to_owned),
    });
    let why = reason.map_or_else(|| "no reason given".to_owned(), |r| format!("\"{r}\""));
    Ok(Some(format!(
        "approved the ship gate and shipping now, whatever the ship windows, freezes and soak say: {why}"
    )))
}

/// Sets failed runs aside so the tier runs again (`retry`), or every run of the phase's tiers
/// (`validate`).
fn retry(
    d: &mut Draft<'_>,
    tier: Option<&crate::model::ids::TierName>,
    all: bool,
) -> Result<Option<String>, Refusal> {
    if let Some(t) = tier
        && d.m.tier(t).is_none()
    {
        return Err(Refusal::UnknownTier {
            tier: t.clone(),
            release: d.m.id.clone(),
        });
    }
    // `validate` re-runs the tiers of the phase the release is in, never an earlier gate's.
    let phase = match d.m.phase {
        Phase::Staging => Some(crate::model::config::TierPhase::Staging),
        Phase::Validation => Some(crate::model::config::TierPhase::Validation),
        _ => None,
    };
    let requeued = if tier.is_none() && !all {
        super::phases::retry_ejected(&mut d.m)
    } else {
        0
    };
    let mut count = 0;
    let tiers_phase = matches!(d.m.phase, Phase::Staging | Phase::Validation);
    for r in d.m.tier_runs.iter_mut().filter(|_| tiers_phase) {
        let matches_tier = tier.is_none_or(|t| &r.tier == t) && (!all || Some(r.phase) == phase);
        let settled = r.status == RunStatus::Completed;
        let failed = !r.conclusion.is_some_and(Conclusion::passed);
        if matches_tier && settled && !r.superseded && (all || failed) {
            r.superseded = true;
            count += 1;
        }
    }
    if count == 0 && requeued == 0 {
        return Err(Refusal::NoFinishedRun {
            tier: tier.cloned(),
        });
    }
    let mut did = Vec::new();
    if count > 0 {
        did.push(format!("set {count} run(s) aside to run again"));
    }
    if requeued > 0 {
        did.push(format!(
            "put {requeued} pull request(s) back in their merge queue"
        ));
    }
    Ok(Some(did.join("; ")))
}

/// Stops the release (`abort`, `rollback`); the command table has checked the phase.
fn stop(d: &mut Draft<'_>, to: Phase) -> String {
    let phase = d.m.phase;
    let what = if to == Phase::Aborted {
        "abort"
    } else {
        "rollback"
    };
    d.set_phase(to, "convoy", format!("{what} requested"));
    format!("stopped the release in {}", phase.as_str())
}

/// Answers the command at `index` of `source` with `text` (a comment for a comment or a ticked
/// box, a note for every source). The answer is planned once: the decision that plans it
/// records its marker in `answered`, so of several runs handling the same comment or edit only
/// the one whose manifest write lands posts it, and a later delivery plans nothing.
fn reply(d: &mut Draft<'_>, source: &CommandSource, index: usize, text: &str) {
    d.notes.push(text.to_owned());
    let Some(marker) = answer_marker(source, index) else {
        return;
    };
    let key = marker.content();
    if d.m.answered.contains(&key) {
        return;
    }
    let planned = match source {
        CommandSource::Comment { repo, issue, .. } => d.act(
            Action::Comment {
                repo: repo.clone(),
                issue: *issue,
                marker: key.clone(),
                body: format!("{marker}\n{text}"),
            },
            "answer the command",
            vec![],
        ),
        _ => checkbox::reply(d, source, text),
    };
    if planned.is_some() {
        d.m.answered.push(key);
        let excess = d.m.answered.len().saturating_sub(500);
        d.m.answered.drain(..excess);
    }
}

/// The marker of the answer to the command at `index` of `source`: a comment's reply, a ticked
/// box's answer; `None` for the sources answered only in the run's output (dispatches).
fn answer_marker(source: &CommandSource, index: usize) -> Option<Marker> {
    match source {
        CommandSource::Comment { comment_id, .. } => Some(Marker::Reply {
            comment_id: *comment_id,
            index,
        }),
        CommandSource::Checkbox { checkbox, edit, .. } => Some(Marker::Ticked {
            edit: *edit,
            key: checkbox.key(),
        }),
        CommandSource::WorkflowDispatch | CommandSource::RepositoryDispatch => None,
    }
}

/// The history kind a carried-out command is recorded as (`command_<name>`); `None` for the
/// commands that never change a release (`create` refers to a release that already exists;
/// `plan`, `status` and `reconcile` only read).
fn history_event(cmd: &Command) -> Option<HistoryEvent> {
    match cmd {
        Command::Approve => Some(HistoryEvent::CommandApprove),
        Command::Promote => Some(HistoryEvent::CommandPromote),
        Command::Ship | Command::ShipNow { .. } => Some(HistoryEvent::CommandShip),
        Command::Validate => Some(HistoryEvent::CommandValidate),
        Command::Retry { .. } => Some(HistoryEvent::CommandRetry),
        Command::Defer { .. } => Some(HistoryEvent::CommandDefer),
        Command::Abort => Some(HistoryEvent::CommandAbort),
        Command::Rollback => Some(HistoryEvent::CommandRollback),
        Command::Create(_) | Command::Plan | Command::Status | Command::Reconcile => None,
    }
}
