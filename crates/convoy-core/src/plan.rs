//! The offline execution plan (`convoy plan`): the phases ahead and their gates, the waves of
//! repos, the actions the next run would take with their reasons grouped into parallel groups,
//! and a rehearsal of the rest of the release in the in-memory world. Pure.

use std::fmt::Write as _;

use serde::Serialize;

use crate::lifecycle::observed::{Observed, ObservedPermission};
use crate::lifecycle::table::{GateMode, PHASES};
use crate::lifecycle::{DirectivePolicy, PlannedAction, Wait, decide};
use crate::model::config::Permission;
use crate::model::ids::{Login, RepoName};
use crate::model::manifest::{Phase, ReleaseManifest};
use crate::model::time::Timestamp;
use crate::rehearse::{World, rehearse};
use crate::signal::{Command, CommandSignal, CommandSource, Signal};

/// One phase still ahead of the release.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseAhead {
    /// The phase.
    pub phase: Phase,
    /// Who owns it.
    pub owners: Vec<String>,
    /// What convoy does on entry.
    pub on_entry: String,
    /// When it may be left.
    pub exit_criteria: String,
    /// The gate out of it under this release's directive: `human approval (gate)`,
    /// `automatic` or `none`.
    pub gate: String,
}

/// A set of actions that may run together: each waits only for earlier groups.
#[derive(Debug, Clone, Serialize)]
pub struct ActionGroup {
    /// 1-based group number.
    pub group: usize,
    /// The actions.
    pub actions: Vec<PlannedAction>,
}

/// One step of the rehearsal, summarised.
#[derive(Debug, Clone, Serialize)]
pub struct RehearsedStep {
    /// What was delivered (`reconcile`, `approve`).
    pub signal: String,
    /// Phase before → after.
    pub from: Phase,
    /// Phase after.
    pub to: Phase,
    /// `kind target` of each action.
    pub actions: Vec<String>,
}

/// The whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The release.
    pub release: String,
    /// Its directive.
    pub directive: String,
    /// The phase it is in.
    pub phase: Phase,
    /// Promotion waves, dependencies first.
    pub waves: Vec<Vec<RepoName>>,
    /// The phases from the current one on.
    pub phases: Vec<PhaseAhead>,
    /// What the next run would do.
    pub next_run: Vec<ActionGroup>,
    /// What the release then waits for.
    pub waits: Vec<Wait>,
    /// The rest of the release, played out with every person and tier doing their part.
    pub rehearsal: Vec<RehearsedStep>,
    /// How the rehearsal ended.
    pub rehearsal_ends_in: Phase,
}

/// Builds the plan of `manifest` given `observed` (or, when `None`, the GitHub the manifest
/// describes — see [`World::from_manifest`] — with an approver at hand).
pub fn plan(manifest: &ReleaseManifest, observed: Option<&Observed>, now: Timestamp) -> Plan {
    let approver = approver(manifest);
    let world = match observed {
        Some(o) => World::new(o.clone()),
        None => with_approver(World::from_manifest(manifest), &approver),
    };
    let land_work = observed.is_none() && manifest.phase <= Phase::Development;
    plan_in(manifest, world, &approver, land_work, now)
}

/// The plan of a release not created yet (a dry run of `create`): `manifest` as it would be
/// created, `observed` what GitHub shows now. As in the offline plan, the rehearsal has an
/// approver at hand and the release's work lands.
pub fn plan_new(manifest: &ReleaseManifest, observed: &Observed, now: Timestamp) -> Plan {
    let approver = approver(manifest);
    let world = with_approver(World::new(observed.clone()), &approver);
    plan_in(manifest, world, &approver, true, now)
}

/// Who approves in the rehearsal: the first listed approver, else a stand-in.
fn approver(manifest: &ReleaseManifest) -> Login {
    manifest
        .policy
        .approvers
        .users
        .first()
        .cloned()
        .unwrap_or_else(|| {
            Login::parse("approver").unwrap_or_else(|_| unreachable!("a valid login"))
        })
}

/// `world`, where `approver` may approve.
fn with_approver(mut world: World, approver: &Login) -> World {
    if !world
        .observed
        .permissions
        .iter()
        .any(|p| &p.login == approver)
    {
        world.observed.permissions.push(ObservedPermission {
            login: approver.clone(),
            permission: Permission::Admin,
        });
    }
    world
}

fn plan_in(
    manifest: &ReleaseManifest,
    world: World,
    approver: &Login,
    land_work: bool,
    now: Timestamp,
) -> Plan {
    let signal = Signal::Command(CommandSignal {
        command: Command::Reconcile,
        release: Some(manifest.id.clone()),
        actor: approver.clone(),
        source: CommandSource::WorkflowDispatch,
    });
    let next = decide(manifest, &world.observed, &signal, now);
    let policy = DirectivePolicy::of(manifest.directive);
    let phases = PHASES
        .iter()
        .filter(|s| s.phase >= manifest.phase || !manifest.phase.is_active())
        .filter(|_| manifest.phase.is_active())
        .map(|s| PhaseAhead {
            phase: s.phase,
            owners: s.owners.iter().map(word).collect(),
            on_entry: s.on_entry.to_owned(),
            exit_criteria: s.exit_criteria.to_owned(),
            gate: match s.gate {
                Some(g) => match policy.gate_mode(g) {
                    GateMode::Human => format!("human approval (`{}` gate)", g.as_str()),
                    GateMode::Automatic => "automatic".to_owned(),
                },
                None => "none".to_owned(),
            },
        })
        .collect();
    let rehearsal = rehearse(manifest.clone(), world, approver, now, 400, land_work);
    Plan {
        release: manifest.id.to_string(),
        directive: manifest.directive.as_str().to_owned(),
        phase: manifest.phase,
        waves: manifest
            .graph()
            .map(|g| g.waves().to_vec())
            .unwrap_or_default(),
        phases,
        next_run: groups(&next.actions),
        waits: next.waits,
        rehearsal_ends_in: rehearsal.manifest.phase,
        rehearsal: rehearsal
            .steps
            .into_iter()
            .filter(|s| !s.actions.is_empty() || s.from != s.to)
            .map(|s| RehearsedStep {
                signal: s.signal,
                from: s.from,
                to: s.to,
                actions: s
                    .actions
                    .iter()
                    .map(|a| {
                        let after: Vec<String> = a.after.iter().map(|x| format!("#{x}")).collect();
                        let after = if after.is_empty() {
                            String::new()
                        } else {
                            format!(" (after {})", after.join(", "))
                        };
                        format!("#{} {} {}{after}", a.id, a.action.kind(), a.action.target())
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Groups actions by dependency depth: group 1 needs nothing, group n waits for group n-1.
pub fn groups(actions: &[PlannedAction]) -> Vec<ActionGroup> {
    let mut depth = vec![0usize; actions.len()];
    for a in actions {
        depth[a.id] = a
            .after
            .iter()
            .map(|x| depth.get(*x).copied().unwrap_or(0) + 1)
            .max()
            .unwrap_or(0);
    }
    let max = depth.iter().copied().max().map_or(0, |m| m + 1);
    (0..max)
        .map(|g| ActionGroup {
            group: g + 1,
            actions: actions
                .iter()
                .filter(|a| depth[a.id] == g)
                .cloned()
                .collect(),
        })
        .collect()
}

fn word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl Plan {
    /// The plan as text for people.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Release {} — directive {}, now in {}\n",
            self.release,
            self.directive,
            self.phase.as_str()
        );
        s.push_str(
            "Promotion waves (dependencies first; a wave merges only after the one before):\n",
        );
        for (i, wave) in self.waves.iter().enumerate() {
            let names: Vec<&str> = wave.iter().map(RepoName::as_str).collect();
            let _ = writeln!(s, "  wave {}: {}", i + 1, names.join(", "));
        }
        s.push_str("\nPhases ahead:\n");
        for (i, p) in self.phases.iter().enumerate() {
            let _ = writeln!(
                s,
                "  {}. {} (owner: {})",
                i + 1,
                p.phase.as_str(),
                if p.owners.is_empty() {
                    "-".to_owned()
                } else {
                    p.owners.join(", ")
                }
            );
            let _ = writeln!(s, "     on entry: {}", p.on_entry);
            let _ = writeln!(s, "     leaves when: {}", p.exit_criteria);
            let _ = writeln!(s, "     gate: {}", p.gate);
        }
        s.push_str("\nThe next run would:\n");
        if self.next_run.is_empty() {
            s.push_str("  nothing\n");
        }
        for g in &self.next_run {
            let _ = writeln!(
                s,
                "  group {}{}:",
                g.group,
                if g.group == 1 {
                    ""
                } else {
                    " (after the group before)"
                }
            );
            for a in &g.actions {
                let after = if a.after.is_empty() {
                    String::new()
                } else {
                    format!(
                        " [after {}]",
                        a.after
                            .iter()
                            .map(|x| format!("#{x}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                let _ = writeln!(
                    s,
                    "    #{} {} {} — {}{after}",
                    a.id,
                    a.action.kind(),
                    a.action.target(),
                    a.reason
                );
            }
        }
        if !self.waits.is_empty() {
            s.push_str("\nThen it waits for:\n");
            for w in &self.waits {
                let _ = writeln!(s, "  - {}: {}", word(&w.who), w.what);
            }
        }
        let _ = writeln!(
            s,
            "\nRehearsal (in memory, every person and tier doing their part) — ends in {}:",
            self.rehearsal_ends_in.as_str()
        );
        for (i, step) in self.rehearsal.iter().enumerate() {
            let moved = if step.from == step.to {
                step.to.as_str().to_owned()
            } else {
                format!("{} → {}", step.from.as_str(), step.to.as_str())
            };
            let _ = writeln!(s, "  {:>2}. {:<9} {}", i + 1, step.signal, moved);
            for a in &step.actions {
                let _ = writeln!(s, "        {a}");
            }
        }
        s
    }
}
