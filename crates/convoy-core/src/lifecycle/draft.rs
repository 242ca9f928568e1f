//! [`Draft`]: the decision being built, and the operations every step of `decide` shares
//! (planning an action, logging history, moving the phase, waiting, opening gates, escalating).

use std::collections::BTreeSet;

use super::action::{Action, PlannedAction};
use super::command_table;
use super::decision::{Decision, Wait};
use super::observed::Observed;
use super::table::{self, DirectivePolicy, Owner};
use crate::graph::DependencyGraph;
use crate::model::ids::RepoName;
use crate::model::manifest::{
    EscalationRecord, Gate, HistoryEntry, HistoryEvent, Phase, ReleaseManifest,
};
use crate::model::marker::Marker;
use crate::model::time::Timestamp;

/// The decision being built.
pub(crate) struct Draft<'a> {
    pub m: ReleaseManifest,
    pub o: &'a Observed,
    pub now: Timestamp,
    pub graph: DependencyGraph<RepoName>,
    pub actions: Vec<PlannedAction>,
    pub waits: Vec<Wait>,
    pub notes: Vec<String>,
    /// Escalation keys whose cause still holds in this decision.
    pub live_escalations: BTreeSet<String>,
}

impl<'a> Draft<'a> {
    pub fn new(m: &ReleaseManifest, o: &'a Observed, now: Timestamp) -> Self {
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

    /// Plans `action` unless its effect already holds (or the same action is already planned),
    /// or its repository is out of convoy's reach this run (it would only get a 404: the
    /// release waits for the fix instead, [`Draft::wait_for_unreachable`]); returns its id when
    /// planned. An action not planned is never `after` another, so what depends on a held
    /// repository waits for it, as the graph says.
    pub fn act(
        &mut self,
        action: Action,
        reason: impl Into<String>,
        after: Vec<usize>,
    ) -> Option<usize> {
        if action.effect_holds(self.o)
            || self.actions.iter().any(|a| a.action == action)
            || self.unreachable(action.repo())
        {
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

    /// Whether convoy cannot see `repo` this run ([`Observed::unreachable`]).
    pub fn unreachable(&self, repo: &RepoName) -> bool {
        self.o.unreachable(repo).is_some()
    }

    /// The entries of the member repos convoy cannot see, to put back after `sync`: nothing was
    /// read of them, so no absence of a branch or pull request is news about them.
    pub fn freeze_unreachable(&self) -> Vec<(usize, crate::model::manifest::ReleaseRepo)> {
        self.m
            .repos
            .iter()
            .enumerate()
            .filter(|(_, r)| self.unreachable(&r.name))
            .map(|(i, r)| (i, r.clone()))
            .collect()
    }

    /// Puts back what [`Draft::freeze_unreachable`] kept.
    pub fn thaw(&mut self, frozen: Vec<(usize, crate::model::manifest::ReleaseRepo)>) {
        for (i, r) in frozen {
            if let Some(slot) = self.m.repos.get_mut(i) {
                *slot = r;
            }
        }
    }

    /// `root` and every member repo that depends on it, directly or through others, in
    /// promotion order.
    pub fn held_by(&self, root: &RepoName) -> Vec<RepoName> {
        let mut held = vec![root.clone()];
        for name in self.promotion_order() {
            if !held.contains(&name) && self.graph.dependencies_of(&name).any(|d| held.contains(d))
            {
                held.push(name);
            }
        }
        held
    }

    /// One wait per repository convoy cannot see, naming the fix and what it holds (the
    /// repository and its dependents): a person must act, but nothing failed, so nothing is
    /// escalated and no action on it is planned.
    pub fn wait_for_unreachable(&mut self) {
        for u in self.o.unreachable.clone() {
            let held: Vec<String> = self
                .held_by(&u.repo)
                .iter()
                .map(|r| format!("`{r}`"))
                .collect();
            let what = if held.len() > 1 {
                format!("{}; {} are held until then", u.fix(), held.join(", "))
            } else {
                format!("{}; it is held until then", u.fix())
            };
            self.wait(Owner::Human, what);
        }
    }

    /// Appends a history entry.
    pub fn log(
        &mut self,
        actor: &str,
        event: HistoryEvent,
        from: Option<String>,
        to: Option<String>,
        detail: impl Into<String>,
    ) {
        self.m.history.push(HistoryEntry {
            at: self.now,
            actor: actor.to_owned(),
            event,
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
        // A new end (a rollback after shipping) gets its own final summary.
        self.m.summed_up = false;
        self.log(
            actor,
            HistoryEvent::PhaseChanged,
            Some(from.as_str().to_owned()),
            Some(to.as_str().to_owned()),
            why,
        );
    }

    /// Records that the release waits for `who` to do `what`, since the phase began.
    pub fn wait(&mut self, who: Owner, what: impl Into<String>) {
        let since = self.phase_entered_at();
        self.wait_since(who, what, since);
    }

    /// Records that the release waits for `who` to do `what`, since `since`.
    pub fn wait_since(&mut self, who: Owner, what: impl Into<String>, since: Timestamp) {
        self.wait_until(who, what, since, None);
    }

    /// Records that the release waits for `who` to do `what`, since `since`, until `until` when
    /// the clock knows.
    pub fn wait_until(
        &mut self,
        who: Owner,
        what: impl Into<String>,
        since: Timestamp,
        until: Option<Timestamp>,
    ) {
        let what = what.into();
        if !self.waits.iter().any(|w| w.who == who && w.what == what) {
            self.waits.push(Wait {
                who,
                what,
                since,
                until,
            });
        }
    }

    /// The approver's `/convoy ship --now` that lifts the clock's hold on shipping: one given
    /// in validation since the phase was (last) entered.
    pub fn ship_now(&self) -> Option<&crate::model::manifest::ShipNow> {
        if self.m.phase != Phase::Validation {
            return None;
        }
        let since = self.phase_entered_at();
        self.m.ship_now.iter().rev().find(|s| s.at >= since)
    }

    /// When the current phase was (last) entered.
    pub fn phase_entered_at(&self) -> Timestamp {
        self.m.phase_entered_at()
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

    /// The gate guarding the way out of the current phase ([`table::gate_out_of`]).
    pub fn exit_gate(&self) -> Option<Gate> {
        table::gate_out_of(self.m.phase)
    }

    /// Whether the way out of the current phase is open: no gate guards it, or its gate is open.
    pub fn exit_gate_open(&self) -> bool {
        self.exit_gate().is_none_or(|gate| self.gate_open(gate))
    }

    /// Whether the gate out of the current phase waits for a human under the directive.
    pub fn exit_gate_is_human(&self) -> bool {
        self.exit_gate()
            .is_some_and(|gate| self.policy().gate_mode(gate) == table::GateMode::Human)
    }

    /// Calls a human about `key` (once per cause): a comment mentioning the escalation list on
    /// the tracking issue and its label.
    pub fn escalate(&mut self, key: String, reason: String, who: Owner) {
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
                self.log(
                    "convoy",
                    HistoryEvent::Escalated,
                    None,
                    None,
                    reason.clone(),
                );
                self.m.escalations.len() - 1
            }
        };
        let since = self.m.escalations[i].at;
        self.wait_since(who, reason.clone(), since);
        if let Some(issue) = self.m.tracking_issue {
            let control = self.m.control_repo.clone();
            let label = self.m.policy.escalation.label.clone();
            // The call is planned once, in the decision that records it as made: that decision
            // changes the manifest, so of two runs at once only the one whose write lands posts.
            if !self.m.escalations[i].notified {
                self.m.escalations[i].notified = true;
                let mentions = self.m.policy.escalation.mention.join(" ");
                let marker = Marker::Escalation(key);
                // Only what the command table accepts in this phase is offered.
                let answer = command_table::offer(self.m.phase)
                    .map(|o| format!("\n\nAnswer with {o}."))
                    .unwrap_or_default();
                let body = format!("{marker}\n{mentions} convoy needs a human: {reason}{answer}");
                self.act(
                    Action::Comment {
                        repo: control.clone(),
                        issue,
                        marker: marker.content(),
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
    pub fn settle_escalations(&mut self) {
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
                HistoryEvent::EscalationResolved,
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

    pub fn finish(mut self, input: &ReleaseManifest) -> Decision {
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
