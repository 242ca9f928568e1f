//! The lifecycle engine: `decide(manifest, observed, signal, now) → Decision`.
//!
//! Pure: no I/O, no clock, no randomness. One call reconciles the whole release:
//! 1. the signal is applied (commands, approvals, callbacks) — [`commands`];
//! 2. facts are absorbed from what GitHub showed (task PRs merged, runs finished, repos staged);
//! 3. the phase advances while its exit criteria hold and its gate is open — [`table`] says which
//!    gate and how each directive treats it;
//! 4. the actions of the phase reached are planned, skipping every action whose effect already
//!    holds — [`action`].
//!
//! The result is the next manifest plus the actions, each with its reason and the actions it must
//! wait for (waves), and what the release now waits for.

pub mod action;
mod commands;
pub mod observed;
mod phases;
pub mod simulate;
pub mod table;
mod tiers;

use std::collections::BTreeSet;

use serde::Serialize;

pub use action::{Action, PlannedAction};
pub use observed::Observed;
pub use phases::RELEASE_CONTEXT;
pub use table::{DirectivePolicy, Owner};
pub use tiers::{LOST_DISPATCH_MINUTES, TierVerdict, tier_verdicts, tiers_report};

use crate::graph::DependencyGraph;
use crate::model::ids::RepoName;
use crate::model::manifest::{
    EscalationRecord, Gate, HistoryEntry, Phase, ReleaseManifest, RepoState,
};
use crate::model::time::Timestamp;
use crate::signal::Signal;

/// What one `decide` call concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The manifest to write (equal to the input when nothing changed).
    pub manifest: ReleaseManifest,
    /// What to do on GitHub, in order; `after` links make the waves explicit.
    pub actions: Vec<PlannedAction>,
    /// What the release now waits for, and who must act.
    pub waits: Vec<Wait>,
    /// Messages for the person who triggered the run (refused commands, …).
    pub notes: Vec<String>,
    /// Whether the manifest changed.
    pub changed: bool,
    /// When the decision was made (the manifest's clock: never before its last write).
    pub at: Timestamp,
}

/// Something the release waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wait {
    /// Who must act.
    pub who: Owner,
    /// What they must do, as a sentence.
    pub what: String,
}

/// Decides what to do about `signal` for the release in `manifest`, given what GitHub showed.
pub fn decide(
    manifest: &ReleaseManifest,
    observed: &Observed,
    signal: &Signal,
    now: Timestamp,
) -> Decision {
    let mut d = Draft::new(manifest, observed, now);
    commands::apply_signal(&mut d, signal);
    tiers::sync_runs(&mut d);
    for _ in 0..Phase::ALL.len() {
        phases::sync(&mut d);
        if !phases::advance(&mut d) {
            break;
        }
    }
    phases::plan(&mut d);
    d.settle_escalations();
    phases::plan_tracking_issue(&mut d);
    d.finish(manifest)
}

/// The decision being built.
pub(crate) struct Draft<'a> {
    pub m: ReleaseManifest,
    pub o: &'a Observed,
    pub now: Timestamp,
    pub graph: DependencyGraph,
    pub actions: Vec<PlannedAction>,
    pub waits: Vec<Wait>,
    pub notes: Vec<String>,
    /// Escalation keys whose cause still holds in this decision.
    pub live_escalations: BTreeSet<String>,
}

impl<'a> Draft<'a> {
    fn new(m: &ReleaseManifest, o: &'a Observed, now: Timestamp) -> Self {
        // A manifest with a cycle never passes validation; should one reach here anyway, the
        // repos promote one at a time in listed order rather than panicking.
        let graph = m.graph().unwrap_or_else(|_| {
            DependencyGraph::new(m.repos.iter().map(|r| &r.name), std::iter::empty())
                .unwrap_or_else(|_| unreachable!("a graph without edges has no cycle"))
        });
        // The manifest's clock never goes backwards: a run whose clock is behind the last write
        // (runners' clocks differ) uses the last write's time, so history stays ordered and an
        // approval never predates the phase it approves.
        let now = now.max(m.updated_at);
        Draft {
            m: m.clone(),
            o,
            now,
            graph,
            actions: Vec::new(),
            waits: Vec::new(),
            notes: Vec::new(),
            live_escalations: BTreeSet::new(),
        }
    }

    pub fn policy(&self) -> &'static DirectivePolicy {
        DirectivePolicy::of(self.m.directive)
    }

    /// Plans `action` unless its effect already holds (or the same action is already planned);
    /// returns its id when planned.
    pub fn act(
        &mut self,
        action: Action,
        reason: impl Into<String>,
        after: Vec<usize>,
    ) -> Option<usize> {
        if action.effect_holds(self.o) || self.actions.iter().any(|a| a.action == action) {
            return None;
        }
        let id = self.actions.len();
        self.actions.push(PlannedAction {
            id,
            action,
            reason: reason.into(),
            after,
        });
        Some(id)
    }

    /// Appends a history entry.
    pub fn log(
        &mut self,
        actor: &str,
        event: &str,
        from: Option<String>,
        to: Option<String>,
        detail: impl Into<String>,
    ) {
        self.m.history.push(HistoryEntry {
            at: self.now,
            actor: actor.to_owned(),
            event: event.to_owned(),
            from,
            to,
            detail: detail.into(),
        });
    }

    /// Moves to `to`, recording why.
    pub fn set_phase(&mut self, to: Phase, actor: &str, why: impl Into<String>) {
        let from = self.m.phase;
        if from == to {
            return;
        }
        self.m.phase = to;
        self.log(
            actor,
            "phase_changed",
            Some(from.as_str().to_owned()),
            Some(to.as_str().to_owned()),
            why,
        );
    }

    /// Records that the release waits for `who` to do `what`.
    pub fn wait(&mut self, who: Owner, what: impl Into<String>) {
        let what = what.into();
        if !self.waits.iter().any(|w| w.who == who && w.what == what) {
            self.waits.push(Wait { who, what });
        }
    }

    /// When the current phase was (last) entered.
    pub fn phase_entered_at(&self) -> Timestamp {
        let phase = self.m.phase.as_str();
        self.m
            .history
            .iter()
            .rev()
            .find(|h| {
                (h.event == "phase_changed" || h.event == "created")
                    && h.to.as_deref() == Some(phase)
            })
            .map_or(self.m.created_at, |h| h.at)
    }

    /// Whether `gate` is open: automatic under the directive, or approved since the phase began.
    pub fn gate_open(&self, gate: Gate) -> bool {
        match self.policy().gate_mode(gate) {
            table::GateMode::Automatic => true,
            table::GateMode::Human => {
                let since = self.phase_entered_at();
                self.m
                    .approvals
                    .iter()
                    .any(|a| a.gate == gate && a.at >= since)
            }
        }
    }

    /// Calls a human about `key` (once per cause): a comment mentioning the escalation list on
    /// the tracking issue and its label.
    pub fn escalate(&mut self, key: String, reason: String, who: Owner) {
        self.wait(who, reason.clone());
        self.live_escalations.insert(key.clone());
        let open = self
            .m
            .escalations
            .iter()
            .position(|e| e.key == key && e.resolved_at.is_none());
        let i = match open {
            Some(i) => i,
            None => {
                self.m.escalations.push(EscalationRecord {
                    key: key.clone(),
                    reason: reason.clone(),
                    at: self.now,
                    resolved_at: None,
                    notified: false,
                });
                self.log("convoy", "escalated", None, None, reason.clone());
                self.m.escalations.len() - 1
            }
        };
        if let Some(issue) = self.m.tracking_issue {
            let control = self.m.control_repo.clone();
            let label = self.m.policy.escalation.label.clone();
            // The call is planned once, in the decision that records it as made: that decision
            // changes the manifest, so of two runs at once only the one whose write lands posts.
            if !self.m.escalations[i].notified {
                self.m.escalations[i].notified = true;
                let mentions = self.m.policy.escalation.mention.join(" ");
                let body = format!(
                    "<!-- convoy:{key} -->\n{mentions} convoy needs a human: {reason}\n\nAnswer with `/convoy retry [tier]`, `/convoy defer owner/repo#N`, `/convoy abort` or `/convoy rollback`."
                );
                self.act(
                    Action::Comment {
                        repo: control.clone(),
                        issue,
                        marker: format!("convoy:{key}"),
                        body,
                    },
                    "tell the people on call what is blocked",
                    vec![],
                );
            }
            self.act(
                Action::AddLabel {
                    repo: control,
                    issue,
                    label,
                },
                "mark the release as needing a human",
                vec![],
            );
        }
    }

    /// Resolves escalations whose cause went away; takes the label off when none is left.
    fn settle_escalations(&mut self) {
        let now = self.now;
        let mut resolved = Vec::new();
        for e in &mut self.m.escalations {
            if e.resolved_at.is_none() && !self.live_escalations.contains(&e.key) {
                e.resolved_at = Some(now);
                resolved.push(e.key.clone());
            }
        }
        for key in resolved {
            self.log(
                "convoy",
                "escalation_resolved",
                None,
                None,
                format!("{key} no longer blocks the release"),
            );
        }
        if self.live_escalations.is_empty()
            && let Some(issue) = self.m.tracking_issue
        {
            let action = Action::RemoveLabel {
                repo: self.m.control_repo.clone(),
                issue,
                label: self.m.policy.escalation.label.clone(),
            };
            self.act(action, "nothing needs a human any more", vec![]);
        }
    }

    fn finish(mut self, input: &ReleaseManifest) -> Decision {
        let changed = self.m != *input;
        if changed {
            self.m.revision = input.revision + 1;
            self.m.updated_at = self.now;
        }
        Decision {
            manifest: self.m,
            actions: self.actions,
            waits: self.waits,
            notes: self.notes,
            changed,
            at: self.now,
        }
    }

    /// The repos in promotion order.
    pub fn promotion_order(&self) -> Vec<RepoName> {
        self.graph.promotion_order()
    }
}

/// The manifest to write once the decision's actions ran.
///
/// - A dispatch that did not happen (failed, or skipped) is taken back out, so the next run
///   dispatches it again instead of waiting for a run that does not exist.
/// - GitHub's answer to a promotion merge is recorded on the repo: "not yet" (a required check
///   has not reported) as a note; a refusal only a person can fix as the `blocked` state, which
///   the next decision escalates (and, during shipping, hands to `ship.on_partial`).
///
/// Everything else in the decision stands: it records facts that do not depend on the actions'
/// success.
pub fn settle(
    decision: &Decision,
    before: &ReleaseManifest,
    executed: &[action::Executed],
) -> ReleaseManifest {
    let mut m = decision.manifest.clone();
    record_merge_answers(&mut m, executed, decision.at);
    // A call that was not posted is planned again by the next decision.
    for e in executed {
        if let (Action::Comment { marker, .. }, false) = (
            &e.planned.action,
            matches!(
                e.outcome,
                action::ActionOutcome::Done { .. } | action::ActionOutcome::AlreadyDone
            ),
        ) && let Some(rec) = m
            .escalations
            .iter_mut()
            .find(|r| r.resolved_at.is_none() && marker.strip_prefix("convoy:") == Some(&r.key))
        {
            rec.notified = false;
        }
    }
    let missing: Vec<&str> = executed
        .iter()
        .filter(|e| {
            !matches!(
                e.outcome,
                action::ActionOutcome::Done { .. } | action::ActionOutcome::AlreadyDone
            )
        })
        .filter_map(|e| match &e.planned.action {
            Action::DispatchWorkflow { correlation_id, .. } => Some(correlation_id.as_str()),
            _ => None,
        })
        .collect();
    if !missing.is_empty() {
        let recorded_before = |c: &str| before.tier_runs.iter().any(|r| r.correlation_id == c);
        m.tier_runs.retain(|r| {
            !missing.contains(&r.correlation_id.as_str()) || recorded_before(&r.correlation_id)
        });
        let keep = before.history.len();
        let mut i = 0;
        m.history.retain(|h| {
            i += 1;
            i <= keep
                || !(h.event == "run_dispatched"
                    && h.to.as_deref().is_some_and(|c| missing.contains(&c)))
        });
    }
    // The revision and clock move once per write, whichever step changed the manifest.
    let mut unchanged = m.clone();
    unchanged.revision = before.revision;
    unchanged.updated_at = before.updated_at;
    if unchanged == *before {
        return unchanged;
    }
    m.revision = before.revision + 1;
    m.updated_at = decision.at;
    m
}

/// Records GitHub's "not yet" and "no" to promotion merges on the repos they concern.
fn record_merge_answers(m: &mut ReleaseManifest, executed: &[action::Executed], at: Timestamp) {
    for e in executed {
        let Action::MergePullRequest { repo, number, .. } = &e.planned.action else {
            continue;
        };
        let Some(r) = m.repos.iter_mut().find(|r| &r.name == repo) else {
            continue;
        };
        if r.prs.staging != Some(*number) && r.prs.ship != Some(*number) {
            continue;
        }
        match &e.outcome {
            action::ActionOutcome::Waiting { reason } => {
                r.note = Some(format!("#{number} waits: {reason}"));
            }
            action::ActionOutcome::Refused { reason } => {
                let note = format!("#{number} cannot merge: {reason}");
                if r.state != RepoState::Blocked || r.note.as_deref() != Some(&note) {
                    r.state = RepoState::Blocked;
                    r.note = Some(note.clone());
                    let name = r.name.clone();
                    m.history.push(HistoryEntry {
                        at,
                        actor: "convoy".to_owned(),
                        event: "merge_refused".to_owned(),
                        from: None,
                        to: None,
                        detail: format!("{name}: {note}"),
                    });
                }
            }
            _ => {}
        }
    }
}
