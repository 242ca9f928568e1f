//! Rehearsals: a whole release played forward in a [`World`] where every person and tier does
//! their part. Serves `convoy plan`, `convoy demo` and the scenario tests.

use super::world::World;
use crate::model::ids::BranchName;
use crate::model::manifest::Conclusion;

/// One step of a rehearsal: the signal decided on and what came of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RehearsalStep {
    /// What was delivered to `decide`.
    pub signal: String,
    /// The phase before the step.
    pub from: crate::model::manifest::Phase,
    /// The phase after it.
    pub to: crate::model::manifest::Phase,
    /// The actions taken.
    pub actions: Vec<crate::lifecycle::PlannedAction>,
    /// Actions GitHub (the simulation) refused.
    pub refused: Vec<String>,
}

/// A whole release played out in a [`World`] where every person and tier does their part.
#[derive(Debug, Clone)]
pub struct Rehearsal {
    /// The steps, in order.
    pub steps: Vec<RehearsalStep>,
    /// The manifest at the end.
    pub manifest: crate::model::manifest::ReleaseManifest,
    /// The world at the end.
    pub world: World,
}

/// Plays `manifest` forward in `world`: convoy reconciles; when it waits for a human,
/// `approver` approves; when it waits for the clock, the clock moves on to the moment it
/// allows; when it waits for CI, every run succeeds; when it waits for developers,
/// each open task gets a pull request into its RC branch, merged. With `land_work`, developers
/// also push one commit to every RC branch during development. Stops when the release ends,
/// nothing moves, or after `max_steps`.
pub fn rehearse(
    mut manifest: crate::model::manifest::ReleaseManifest,
    mut world: World,
    approver: &crate::model::ids::Login,
    mut now: crate::model::time::Timestamp,
    max_steps: usize,
    land_work: bool,
) -> Rehearsal {
    use crate::lifecycle::{Owner, decide};
    use crate::signal::{Command, CommandSignal, CommandSource, Signal};

    let id = manifest.id.clone();
    let command = |command: Command| {
        Signal::Command(CommandSignal {
            command,
            release: Some(id.clone()),
            actor: approver.clone(),
            source: CommandSource::WorkflowDispatch,
        })
    };
    let mut next = command(Command::Reconcile);
    let mut steps = Vec::new();
    let mut idle = 0;
    let mut worked = !land_work;
    for _ in 0..max_steps {
        let from = manifest.phase;
        let d = decide(&manifest, &world.observed, &next, now);
        let mut refused = Vec::new();
        for a in &d.actions {
            if let Err(e) = world.apply(&a.action) {
                refused.push(format!("{}: {e}", a.action.kind()));
            }
        }
        let label = match &next {
            Signal::Command(c) => format!("{:?}", c.command).to_lowercase(),
            other => format!("{other:?}"),
        };
        manifest = d.manifest;
        let acted = !d.actions.is_empty();
        steps.push(RehearsalStep {
            signal: label,
            from,
            to: manifest.phase,
            actions: d.actions,
            refused,
        });
        now = crate::model::time::Timestamp::from_unix_seconds(now.unix_seconds() + 60)
            .unwrap_or(now);
        next = command(Command::Reconcile);
        if acted || from != manifest.phase {
            idle = 0;
            continue;
        }
        if !manifest.phase.is_active() {
            break;
        }
        idle += 1;
        if idle > 2 {
            break;
        }
        if !worked && manifest.phase == crate::model::manifest::Phase::Development {
            // Developers land a change on every RC branch, as a release with work would.
            for r in &manifest.repos {
                if world.observed.head(&r.name, &r.rc_branch).is_some() {
                    world.push(&r.name, &r.rc_branch);
                }
            }
            worked = true;
            idle = 0;
            continue;
        }
        if d.waits.iter().any(|w| w.who == Owner::Human) {
            next = command(Command::Approve);
        } else if let Some(until) = d
            .waits
            .iter()
            .filter(|w| w.who == Owner::Clock)
            .filter_map(|w| w.until)
            .filter(|until| *until > now)
            .max()
        {
            // A ship window, a freeze or a soak: the clock moves on to it.
            now = until;
            idle = 0;
        } else if world.complete_runs(Conclusion::Success) > 0 {
            // CI finished; reconcile again.
        } else if d.waits.iter().any(|w| w.who == Owner::Developers) {
            world.land_open_tasks(&manifest);
        }
    }
    Rehearsal {
        steps,
        manifest,
        world,
    }
}

impl World {
    /// Developers land every unsettled task: a branch, a commit, a pull request into the RC
    /// branch that closes the issue, merged.
    pub fn land_open_tasks(&mut self, m: &crate::model::manifest::ReleaseManifest) {
        for t in m.tasks.iter().filter(|t| !t.status.is_settled()) {
            let Some(repo) = m.repo(&t.repo) else {
                continue;
            };
            let Ok(branch) = BranchName::parse(&format!("task-{}", t.issue.number())) else {
                continue;
            };
            self.push(&t.repo, &branch);
            if let Ok(n) = self.open_pull(
                &t.repo,
                &branch,
                &repo.rc_branch,
                &format!("Closes {}", t.issue),
            ) {
                let _ = self.merge_pull(&t.repo, n, None);
            }
        }
    }
}
