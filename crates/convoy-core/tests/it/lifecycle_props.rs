//! Properties of `decide`, over random sequences of what people, CI and GitHub do (1,000 cases
//! each run):
//! - idempotence: once a decision's actions took effect, deciding again on the same signal
//!   never repeats one of them; a quiet release converges to no actions at all;
//! - no phase is left while its gate is unmet;
//! - history only grows; every manifest written is schema-valid and semantically valid;
//! - every action names the repository it affects, and every merge is pinned to the recorded SHA.

use crate::support;

use convoy::lifecycle::action::Action;
use convoy::lifecycle::{Decision, TierVerdict, decide, tier_verdicts};
use convoy::model::config::{Directive, TierPhase};
use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Conclusion, Gate, Phase, ReleaseManifest, TaskStatus};
use convoy::model::time::Timestamp;
use convoy::rehearse::World;
use convoy::signal::{Command, CommandSignal, CommandSource, Signal};
use proptest::prelude::*;
use support::*;

#[derive(Debug, Clone)]
enum Op {
    Reconcile,
    Command(usize, Command),
    Runs(bool),
    LandTasks,
    PushRc(usize),
    Redeliver,
}

const PEOPLE: [&str; 4] = ["release-captain", "maria", "dev", "guest"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => Just(Op::Reconcile),
        6 => (0..4usize).prop_map(|p| Op::Command(p, Command::Approve)),
        3 => (0..4usize).prop_map(|p| Op::Command(p, Command::Promote)),
        3 => (0..4usize).prop_map(|p| Op::Command(p, Command::Ship)),
        1 => (0..4usize).prop_map(|p| Op::Command(
            p,
            Command::ShipNow {
                reason: Some("urgent".to_owned())
            }
        )),
        3 => (0..4usize).prop_map(|p| Op::Command(p, Command::Retry { tier: None })),
        3 => (0..4usize).prop_map(|p| Op::Command(p, Command::Validate)),
        9 => any::<bool>().prop_map(Op::Runs),
        6 => Just(Op::LandTasks),
        3 => (0..4usize).prop_map(Op::PushRc),
        3 => Just(Op::Redeliver),
        1 => (0..4usize).prop_map(|p| Op::Command(p, Command::Abort)),
        1 => (0..4usize).prop_map(|p| Op::Command(p, Command::Rollback)),
    ]
}

fn directive() -> impl Strategy<Value = Directive> {
    prop_oneof![
        Just(Directive::Careful),
        Just(Directive::Auto),
        Just(Directive::Quick)
    ]
}

fn signal(person: usize, command: Command) -> Signal {
    Signal::Command(CommandSignal {
        command,
        release: None,
        actor: login(PEOPLE[person]),
        source: CommandSource::WorkflowDispatch,
    })
}

/// Whether `gate` was approved since the phase it guards was (last) entered before `index`.
fn approved(m: &ReleaseManifest, gate: Gate, index: usize) -> bool {
    let phase = match gate {
        Gate::Plan => "planning",
        Gate::Promote => "development",
        Gate::Ship => "validation",
    };
    let entered = m.history[..index]
        .iter()
        .rev()
        .find(|h| {
            h.to.as_deref() == Some(phase)
                && (h.event == HistoryEvent::PhaseChanged || h.event == HistoryEvent::Created)
        })
        .map_or(m.created_at, |h| h.at);
    m.approvals
        .iter()
        .any(|a| a.gate == gate && a.at >= entered)
}

fn tiers_passed(m: &ReleaseManifest, phase: TierPhase) -> bool {
    tier_verdicts(m, phase)
        .iter()
        .all(|(_, v)| *v == TierVerdict::Passed)
}

/// Checks one decision against the manifest it came from.
fn check_step(prev: &ReleaseManifest, d: &Decision) -> Result<(), TestCaseError> {
    let next = &d.manifest;
    // History only grows.
    prop_assert!(next.history.len() >= prev.history.len());
    prop_assert_eq!(&next.history[..prev.history.len()], &prev.history[..]);
    prop_assert_eq!(next.revision, prev.revision + u64::from(d.changed));
    // Valid, always.
    let problems = convoy::validate::check_manifest_value(next);
    prop_assert!(problems.is_empty(), "invalid manifest: {problems:?}");
    // No gate skipped.
    let careful = next.directive == Directive::Careful;
    for (index, h) in next.history.iter().enumerate().skip(prev.history.len()) {
        if h.event != HistoryEvent::PhaseChanged {
            continue;
        }
        match (h.from.as_deref(), h.to.as_deref()) {
            (Some("planning"), Some("development")) => {
                prop_assert!(!careful || approved(next, Gate::Plan, index))
            }
            (Some("development"), Some("staging")) => {
                prop_assert!(!careful || approved(next, Gate::Promote, index));
                prop_assert!(next.tasks.iter().all(|t| t.status.is_settled()));
                prop_assert!(next.repos.iter().all(|r| r.shas.cut_from.is_some()));
            }
            (Some("staging"), Some("validation")) => {
                prop_assert!(next.repos.iter().all(|r| r.shas.staged.is_some()));
                prop_assert!(tiers_passed(next, TierPhase::Staging));
            }
            (Some("validation"), Some("shipping")) => {
                prop_assert!(!careful || approved(next, Gate::Ship, index));
                prop_assert!(tiers_passed(next, TierPhase::Validation));
                prop_assert!(tiers_passed(next, TierPhase::Staging));
            }
            (Some("shipping"), Some("shipped")) => {
                prop_assert!(next.repos.iter().all(|r| r.shas.shipped.is_some()));
            }
            (_, Some("staging" | "validation" | "aborted" | "rolled_back")) => {}
            other => prop_assert!(false, "unexpected transition {other:?}"),
        }
    }
    // Every action names its repo; merges are pinned to the SHA convoy recorded.
    for a in &d.actions {
        prop_assert!(a.action.target().contains(a.action.repo().as_str()));
        prop_assert!(a.after.iter().all(|x| *x < a.id));
        if let Action::MergePullRequest { repo, sha, .. } = &a.action {
            let r = next.repo(repo).expect("a member repo");
            match next.phase {
                Phase::Staging => prop_assert_eq!(Some(sha), r.shas.rc_head.as_ref()),
                Phase::Shipping => {
                    prop_assert_eq!(Some(sha), r.shas.staged.as_ref());
                    prop_assert!(tiers_passed(next, TierPhase::Validation));
                }
                other => prop_assert!(false, "merge planned in {other:?}"),
            }
        }
    }
    Ok(())
}

fn play(directive: Directive, ops: &[Op]) -> Result<ReleaseManifest, TestCaseError> {
    let mut m = release(directive);
    let mut w: World = world(&m);
    let mut now = t0();
    let mut last = signal(0, Command::Reconcile);
    for op in ops {
        let sig = match op {
            Op::Reconcile => signal(0, Command::Reconcile),
            Op::Command(p, c) => signal(*p, c.clone()),
            Op::Runs(ok) => {
                w.complete_runs(if *ok {
                    Conclusion::Success
                } else {
                    Conclusion::Failure
                });
                signal(0, Command::Reconcile)
            }
            Op::LandTasks => {
                if m.phase == Phase::Development {
                    w.land_open_tasks(&m);
                }
                signal(0, Command::Reconcile)
            }
            Op::PushRc(i) => {
                let r = &m.repos[i % m.repos.len()];
                if w.observed.head(&r.name, &r.rc_branch).is_some() {
                    w.push(&r.name, &r.rc_branch.clone());
                }
                signal(0, Command::Reconcile)
            }
            Op::Redeliver => last.clone(),
        };
        let d = decide(&m, &w.observed, &sig, now);
        prop_assert_eq!(
            &d,
            &decide(&m, &w.observed, &sig, now),
            "decide is deterministic"
        );
        check_step(&m, &d)?;

        let mut after = w.clone();
        for a in &d.actions {
            prop_assert!(
                !a.action.effect_holds(&w.observed),
                "planned an action already in effect: {:?}",
                a.action
            );
            // GitHub may refuse (e.g. a pinned merge whose head moved); convoy tries again later.
            let _ = after.apply(&a.action);
        }
        // Idempotence: the same signal again, once the effects are visible, repeats nothing.
        let again = decide(&d.manifest, &after.observed, &sig, now);
        for a in &again.actions {
            prop_assert!(
                !d.actions.iter().any(|b| b.action == a.action),
                "repeated {:?} after it took effect",
                a.action
            );
        }
        check_step(&d.manifest, &again)?;
        m = d.manifest;
        w = after;
        last = sig;
        now = Timestamp::from_unix_seconds(now.unix_seconds() + 90).unwrap();
    }
    // Quiet convergence: with nothing else happening, reconciling reaches a fixpoint.
    let mut quiet = 0;
    for _ in 0..20 {
        let d = decide(&m, &w.observed, &signal(0, Command::Reconcile), now);
        if d.actions.is_empty() && !d.changed {
            quiet += 1;
            break;
        }
        for a in &d.actions {
            let _ = w.apply(&a.action);
        }
        m = d.manifest;
    }
    prop_assert_eq!(quiet, 1, "no fixpoint in 20 reconciles ({:?})", m.phase);
    // A task is never both merged and then silently reopened.
    // Past development, every task is settled.
    prop_assert!(
        m.phase <= Phase::Development
            || m.phase > Phase::Shipped
            || m.tasks
                .iter()
                .all(|t| t.status.is_settled() && t.status != TaskStatus::Planned)
    );
    Ok(m)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn decide_holds_its_properties(directive in directive(), ops in prop::collection::vec(op(), 1..30)) {
        play(directive, &ops)?;
    }
}

/// The same properties along the happy path, long enough to ship, so shipping is exercised
/// every time (random sequences reach it only sometimes).
#[test]
fn properties_hold_along_a_whole_release() {
    for directive in [Directive::Careful, Directive::Auto, Directive::Quick] {
        let mut ops = Vec::new();
        for _ in 0..12 {
            ops.extend([
                Op::Reconcile,
                Op::LandTasks,
                Op::Command(1, Command::Approve),
                Op::Runs(true),
            ]);
        }
        let end = play(directive, &ops).unwrap();
        assert_eq!(end.phase, Phase::Shipped, "{directive:?}");
    }
}
