//! Applying a signal: commands (with their authorisation), approvals and callbacks.
//!
//! A refused command changes nothing but the reply. Accepted commands are recorded in history
//! with who gave them and how.

mod deferral;
mod milestones;

use super::action::Action;
use super::draft::Draft;
use super::tiers;
use crate::model::config::Permission;
use crate::model::history::HistoryEvent;
use crate::model::ids::Login;
use crate::model::manifest::{Approval, Conclusion, Gate, Phase, RunStatus};
use crate::model::marker::Marker;
use crate::model::numbers::IssueNumber;
use crate::signal::{Command, CommandSource, Signal};
use deferral::defer;

/// Applies `signal` to the draft.
pub(super) fn apply_signal(d: &mut Draft<'_>, signal: &Signal) {
    match signal {
        Signal::Command(c) if c.release.as_ref().is_none_or(|r| r == &d.m.id) => {
            run_command(d, &c.command, &c.actor, &c.source, 0);
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
            for (i, cmd) in c.commands.iter().enumerate() {
                match cmd {
                    Ok(cmd) => run_command(d, cmd, &c.author, &source, i),
                    Err(e) => reply(
                        d,
                        &source,
                        i,
                        &format!("@{} I could not read that command: {e}", c.author),
                    ),
                }
            }
            // Carried out: never again, however often GitHub delivers the comment.
            if d.m.history.len() > history {
                d.m.handled_comments.push(c.comment_id);
                let excess = d.m.handled_comments.len().saturating_sub(500);
                d.m.handled_comments.drain(..excess);
            }
        }
        Signal::TierCompleted {
            release,
            correlation_id,
            run_id,
            conclusion,
            ..
        } if release == &d.m.id => {
            let conclusion = conclusion.recorded().unwrap_or(Conclusion::Failure);
            if !tiers::complete_by_callback(d, correlation_id, *run_id, conclusion) {
                d.notes.push(format!(
                    "no run of release {} has correlation id `{correlation_id}`; ignored",
                    d.m.id
                ));
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

fn run_command(
    d: &mut Draft<'_>,
    cmd: &Command,
    actor: &Login,
    source: &CommandSource,
    index: usize,
) {
    if let Err(why) = authorize(d, cmd, actor) {
        reply(
            d,
            source,
            index,
            &format!("@{actor} `{}` was refused: {why}", name(cmd)),
        );
        return;
    }
    let how = match source {
        CommandSource::WorkflowDispatch => "workflow_dispatch".to_owned(),
        CommandSource::RepositoryDispatch => "repository_dispatch".to_owned(),
        CommandSource::Comment { repo, issue, .. } => format!("comment on {repo}#{issue}"),
    };
    let outcome = match cmd {
        Command::Approve => waiting_gate(d)
            .ok_or_else(|| {
                format!(
                    "nothing waits for approval in the {} phase",
                    d.m.phase.as_str()
                )
            })
            .and_then(|g| approve(d, g, actor, &how)),
        Command::Promote => at_gate(d, Gate::Promote).and_then(|g| approve(d, g, actor, &how)),
        Command::Ship => at_gate(d, Gate::Ship).and_then(|g| approve(d, g, actor, &how)),
        Command::Retry { tier } => retry(d, tier.as_ref(), false),
        Command::Validate => {
            if matches!(d.m.phase, Phase::Staging | Phase::Validation) {
                retry(d, None, true)
            } else {
                Err(format!(
                    "tiers run in the staging and validation phases; the release is in {}",
                    d.m.phase.as_str()
                ))
            }
        }
        Command::Defer { task } => defer(d, task),
        Command::Abort => stop(d, Phase::Aborted),
        Command::Rollback => stop(d, Phase::RolledBack),
        Command::Create(_) => Err(format!("release {} already exists", d.m.id)),
        Command::Plan | Command::Status | Command::Reconcile => Ok(None),
    };
    match outcome {
        Ok(Some(detail)) => {
            if let Some(event) = history_event(cmd) {
                d.log(
                    actor.as_str(),
                    event,
                    None,
                    None,
                    format!("{detail} (via {how})"),
                );
            }
        }
        Ok(None) => {}
        Err(why) => reply(
            d,
            source,
            index,
            &format!("@{actor} `{}` was refused: {why}", name(cmd)),
        ),
    }
}

/// Every command needs write permission on the control repo; approving also needs to be an
/// approver (listed, or holding `approvers.min_permission`).
fn authorize(d: &Draft<'_>, cmd: &Command, actor: &Login) -> Result<(), String> {
    if matches!(cmd, Command::Plan | Command::Status) {
        return Ok(());
    }
    let control = &d.m.control_repo;
    let Some(perm) = d.o.permission(actor) else {
        return Err(format!(
            "convoy could not read @{actor}'s permission on {control}"
        ));
    };
    if perm < Permission::Write {
        return Err(format!(
            "commands need write permission on {control}; @{actor} has {}",
            perm_name(perm)
        ));
    }
    if matches!(cmd, Command::Approve | Command::Promote | Command::Ship) {
        let approvers = &d.m.policy.approvers;
        if !approvers.users.contains(actor) && perm < approvers.min_permission {
            return Err(format!(
                "approving needs to be listed in approvers.users or to hold {} permission on {control}; @{actor} has {}",
                perm_name(approvers.min_permission),
                perm_name(perm)
            ));
        }
    }
    Ok(())
}

fn perm_name(p: Permission) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The human gate the release now waits at, if any: the gate out of its phase.
fn waiting_gate(d: &Draft<'_>) -> Option<Gate> {
    d.exit_gate()
}

fn at_gate(d: &Draft<'_>, gate: Gate) -> Result<Gate, String> {
    if waiting_gate(d) == Some(gate) {
        Ok(gate)
    } else {
        Err(format!(
            "the {} gate is not the one the release waits at (phase {})",
            gate.as_str(),
            d.m.phase.as_str()
        ))
    }
}

fn approve(
    d: &mut Draft<'_>,
    gate: Gate,
    actor: &Login,
    how: &str,
) -> Result<Option<String>, String> {
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

/// Sets failed runs aside so the tier runs again (`retry`), or every run of the phase's tiers
/// (`validate`).
fn retry(
    d: &mut Draft<'_>,
    tier: Option<&crate::model::ids::TierName>,
    all: bool,
) -> Result<Option<String>, String> {
    if let Some(t) = tier
        && d.m.tier(t).is_none()
    {
        return Err(format!("`{t}` is not a tier of this release"));
    }
    // `validate` re-runs the tiers of the phase the release is in, never an earlier gate's.
    let phase = match d.m.phase {
        Phase::Staging => Some(crate::model::config::TierPhase::Staging),
        Phase::Validation => Some(crate::model::config::TierPhase::Validation),
        _ => None,
    };
    let mut count = 0;
    for r in &mut d.m.tier_runs {
        let matches_tier = tier.is_none_or(|t| &r.tier == t) && (!all || Some(r.phase) == phase);
        let settled = r.status == RunStatus::Completed;
        let failed = !r.conclusion.is_some_and(Conclusion::passed);
        if matches_tier && settled && !r.superseded && (all || failed) {
            r.superseded = true;
            count += 1;
        }
    }
    if count == 0 {
        return Err(match tier {
            Some(t) => format!("tier {t} has no finished run to set aside"),
            None => "no tier has a finished run to set aside".to_owned(),
        });
    }
    Ok(Some(format!("set {count} run(s) aside to run again")))
}

fn stop(d: &mut Draft<'_>, to: Phase) -> Result<Option<String>, String> {
    let phase = d.m.phase;
    let rollback_after_shipping = phase == Phase::Shipped && to == Phase::RolledBack;
    if !phase.is_active() && !rollback_after_shipping {
        return Err(format!("the release already ended ({})", phase.as_str()));
    }
    if to == Phase::Aborted && matches!(phase, Phase::Shipping) {
        return Err("shipping has begun; use `rollback` to revert what merged".to_owned());
    }
    d.set_phase(
        to,
        "convoy",
        format!(
            "{} requested",
            if to == Phase::Aborted {
                "abort"
            } else {
                "rollback"
            }
        ),
    );
    Ok(Some(format!("stopped the release in {}", phase.as_str())))
}

fn reply(d: &mut Draft<'_>, source: &CommandSource, index: usize, text: &str) {
    d.notes.push(text.to_owned());
    if let CommandSource::Comment {
        repo,
        issue,
        comment_id,
    } = source
    {
        let marker = Marker::Reply {
            comment_id: *comment_id,
            index,
        };
        d.act(
            Action::Comment {
                repo: repo.clone(),
                issue: *issue,
                marker: marker.content(),
                body: format!("{marker}\n{text}"),
            },
            "answer the command",
            vec![],
        );
    }
}

fn name(cmd: &Command) -> &'static str {
    match cmd {
        Command::Create(_) => "create",
        Command::Plan => "plan",
        Command::Approve => "approve",
        Command::Promote => "promote",
        Command::Validate => "validate",
        Command::Ship => "ship",
        Command::Retry { .. } => "retry",
        Command::Defer { .. } => "defer",
        Command::Abort => "abort",
        Command::Rollback => "rollback",
        Command::Status => "status",
        Command::Reconcile => "reconcile",
    }
}

/// The history kind a carried-out command is recorded as (`command_<name>`); `None` for the
/// commands that never change a release (`create` refers to a release that already exists;
/// `plan`, `status` and `reconcile` only read).
fn history_event(cmd: &Command) -> Option<HistoryEvent> {
    match cmd {
        Command::Approve => Some(HistoryEvent::CommandApprove),
        Command::Promote => Some(HistoryEvent::CommandPromote),
        Command::Ship => Some(HistoryEvent::CommandShip),
        Command::Validate => Some(HistoryEvent::CommandValidate),
        Command::Retry { .. } => Some(HistoryEvent::CommandRetry),
        Command::Defer { .. } => Some(HistoryEvent::CommandDefer),
        Command::Abort => Some(HistoryEvent::CommandAbort),
        Command::Rollback => Some(HistoryEvent::CommandRollback),
        Command::Create(_) | Command::Plan | Command::Status | Command::Reconcile => None,
    }
}
