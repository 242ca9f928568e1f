//! The tracking issue's checkbox controls: the boxes a release offers now, and their section of
//! the body. Pure.
//!
//! The boxes follow the command table (`command_table`): the gate the release waits at when a
//! human must approve it, then the remedies the phase offers — a box per failed tier to retry,
//! per task still open to defer, `abort`, `rollback`. A box is offered only where its command is
//! accepted, so ticking one never meets the table's refusal unless the release moved on since.

use std::fmt::Write as _;

use super::command_table;
use super::table::{DirectivePolicy, GateMode, gate_out_of};
use super::tiers::{TierVerdict, tier_verdicts};
use crate::model::config::TierPhase;
use crate::model::manifest::{Phase, ReleaseManifest, TaskStatus};
use crate::signal::Checkbox;

/// At most this many `defer` boxes are offered (the first tasks, in the manifest's order); the
/// others are named by the command to comment.
pub const MAX_DEFER_BOXES: usize = 60;

/// The boxes `m` offers now, each with what it does (from the command table), and how many
/// tasks have no `defer` box (past [`MAX_DEFER_BOXES`]).
pub fn offered(m: &ReleaseManifest) -> (Vec<(Checkbox, &'static str)>, usize) {
    let mut out = Vec::new();
    let approve = command_table::spec(&crate::signal::Command::Approve);
    if let Some(gate) = waiting_gate(m)
        && approve.accepted_in(m.phase)
    {
        out.push((Checkbox::Approve(gate), approve.does));
    }
    let mut left_out = 0;
    for spec in command_table::remedies(m.phase) {
        match spec.name {
            "retry" => out.extend(failed_tiers(m).into_iter().map(|b| (b, spec.does))),
            "defer" => {
                let open: Vec<_> = m
                    .tasks
                    .iter()
                    .filter(|t| matches!(t.status, TaskStatus::Planned | TaskStatus::InProgress))
                    .collect();
                left_out = open.len().saturating_sub(MAX_DEFER_BOXES);
                out.extend(
                    open.into_iter()
                        .take(MAX_DEFER_BOXES)
                        .map(|t| (Checkbox::Defer(t.issue.clone()), spec.does)),
                );
            }
            "abort" => out.push((Checkbox::Abort, spec.does)),
            "rollback" => out.push((Checkbox::Rollback, spec.does)),
            _ => {}
        }
    }
    (out, left_out)
}

/// The human gate out of the phase that nobody approved since the phase began.
fn waiting_gate(m: &ReleaseManifest) -> Option<crate::model::manifest::Gate> {
    let gate = gate_out_of(m.phase)?;
    if DirectivePolicy::of(m.directive).gate_mode(gate) != GateMode::Human {
        return None;
    }
    let since = m.phase_entered_at();
    let approved = m.approvals.iter().any(|a| a.gate == gate && a.at >= since);
    (!approved).then_some(gate)
}

/// The tiers of the phase whose every attempt failed, or whose dispatch GitHub refused: a person
/// must say to run them again.
fn failed_tiers(m: &ReleaseManifest) -> Vec<Checkbox> {
    let phase = match m.phase {
        Phase::Staging => TierPhase::Staging,
        Phase::Validation => TierPhase::Validation,
        _ => return Vec::new(),
    };
    tier_verdicts(m, phase)
        .into_iter()
        .filter(|(_, v)| {
            matches!(
                v,
                TierVerdict::Exhausted { .. } | TierVerdict::Refused { .. }
            )
        })
        .map(|(tier, _)| Checkbox::Retry(tier))
        .collect()
}

/// The body's *Controls* section (heading included), or an empty string when the phase offers
/// nothing.
pub fn controls_section(m: &ReleaseManifest) -> String {
    let (boxes, left_out) = offered(m);
    if boxes.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "### Controls\n\nTick a box to run its command, as if you had commented it here: the same \
         permissions apply. convoy unticks it and answers in a comment.\n\n",
    );
    for (b, does) in &boxes {
        let _ = writeln!(s, "{}", b.line(does));
    }
    if left_out > 0 {
        let usage = command_table::COMMANDS
            .iter()
            .find(|spec| spec.name == "defer")
            .map_or("/convoy defer owner/repo#N", |spec| spec.usage);
        let _ = writeln!(
            s,
            "\n{left_out} more open tasks have no box: comment `{usage}` to defer one."
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_box_runs_a_command_its_phase_accepts() {
        for spec in command_table::COMMANDS {
            for phase in spec.offered {
                assert!(spec.accepted_in(*phase), "{} in {phase:?}", spec.name);
            }
        }
        for b in [Checkbox::Abort, Checkbox::Rollback] {
            let spec = command_table::spec(&b.command());
            assert!(!spec.offered.is_empty(), "{b}");
        }
    }
}
