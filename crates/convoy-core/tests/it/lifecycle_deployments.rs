//! Deployments in `decide`: with `deployments` in the policy, each repo's staged SHA is deployed
//! to staging and its shipped merge to production, with statuses that follow the release
//! (in progress, success, failure after a failed tier, inactive after a rollback); each status
//! is written ahead once and given once GitHub has it (`settle`), and a refusal is recorded and
//! not sent again.

use crate::support;

use convoy::lifecycle::action::{ActionOutcome, Executed};
use convoy::lifecycle::{Action, Decision, decide, settle};
use convoy::model::config::Directive;
use convoy::model::deployment::{DeploymentState, Deployments, Stage};
use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Conclusion, Phase, ReleaseManifest};
use convoy::model::time::Timestamp;
use convoy::rehearse::World;
use convoy::signal::{Command, Signal};
use support::*;

/// One deployment status given: (repo, stage, state).
type Given = (String, Stage, DeploymentState);

/// Decides on `signal`, lets the world apply the actions (deployments answered with `answer`),
/// and settles: the manifest to go on with, the decision, and the statuses given.
fn step(
    cur: &ReleaseManifest,
    w: &mut World,
    signal: &Signal,
    now: Timestamp,
    answer: &dyn Fn(&Action) -> ActionOutcome,
) -> (ReleaseManifest, Decision, Vec<Given>) {
    let d = decide(cur, &w.observed, signal, now);
    let mut executed = Vec::new();
    let mut given = Vec::new();
    for a in &d.actions {
        w.apply(&a.action).unwrap();
        let outcome = match &a.action {
            Action::Deploy {
                repo, stage, state, ..
            } => {
                let o = answer(&a.action);
                if o.succeeded() {
                    given.push((repo.to_string(), *stage, *state));
                }
                o
            }
            _ => ActionOutcome::Done { detail: None },
        };
        executed.push(Executed {
            planned: a.clone(),
            outcome,
        });
    }
    let next = settle(&d, cur, &executed);
    (next, d, given)
}

fn deployed(a: &Action) -> ActionOutcome {
    let Action::Deploy { sha, stage, .. } = a else {
        unreachable!("only deployments are answered here")
    };
    // A stable id per (SHA, stage): what GitHub would give the one deployment.
    let id = u64::from(sha.as_str().as_bytes()[0]) * 10 + *stage as u64;
    ActionOutcome::Deployed { id }
}

/// Drives an auto release until `stop` holds, approving when a person is waited for, landing
/// work, finishing runs with `conclusion`.
fn drive_until(
    mut cur: ReleaseManifest,
    w: &mut World,
    conclusion: Conclusion,
    stop: impl Fn(&ReleaseManifest) -> bool,
) -> (ReleaseManifest, Vec<Given>, Timestamp) {
    let mut now = t0();
    let mut all = Vec::new();
    let mut idle = 0;
    while !stop(&cur) {
        let (next, d, given) = step(&cur, w, &reconcile(), now, &deployed);
        all.extend(given);
        now = Timestamp::from_unix_seconds(now.unix_seconds() + 60).unwrap();
        if d.actions.is_empty() && next == cur {
            idle += 1;
            assert!(idle < 5, "stuck in {:?}: {:#?}", cur.phase, d.waits);
            if d.waits
                .iter()
                .any(|x| x.who == convoy::lifecycle::Owner::Developers)
            {
                w.land_open_tasks(&next);
            } else {
                w.complete_runs(conclusion);
            }
        } else {
            idle = 0;
        }
        cur = next;
    }
    (cur, all, now)
}

fn with_deployments() -> ReleaseManifest {
    let mut m = release(Directive::Auto);
    m.policy.deployments = Some(Deployments::default());
    m
}

fn of(given: &[Given], repo: &str, stage: Stage) -> Vec<DeploymentState> {
    given
        .iter()
        .filter(|(r, s, _)| r == repo && *s == stage)
        .map(|(_, _, state)| *state)
        .collect()
}

#[test]
fn deployments_follow_a_release_through_shipping_and_rollback() {
    let m = with_deployments();
    let repos: Vec<String> = m.repos.iter().map(|r| r.name.to_string()).collect();
    let mut w = world(&m);
    let (shipped, given, now) = drive_until(m, &mut w, Conclusion::Success, |m| {
        m.phase == Phase::Shipped
    });
    use DeploymentState::*;
    for r in &repos {
        assert_eq!(of(&given, r, Stage::Staging), [InProgress, Success], "{r}");
        assert_eq!(
            of(&given, r, Stage::Production),
            [InProgress, Success],
            "{r}"
        );
    }
    for r in &shipped.repos {
        assert_eq!(r.deployments.len(), 2, "{}", r.name);
        assert!(r.deployments.iter().all(|x| x.reported && x.id.is_some()));
        let production = r
            .deployments
            .iter()
            .find(|x| x.stage == Stage::Production)
            .unwrap();
        assert_eq!(Some(&production.sha), r.shas.shipped.as_ref());
        assert_eq!(production.environment.as_str(), "production");
    }
    // Nothing more to give once every status is reported.
    let (_, again, _) = step(&shipped, &mut w, &reconcile(), now, &deployed);
    assert!(
        again
            .actions
            .iter()
            .all(|a| !matches!(a.action, Action::Deploy { .. }))
    );

    // A rollback retires both deployments of every repo.
    let rolled = command("maria", Command::Rollback);
    let (mut cur, _, mut given) = step(&shipped, &mut w, &rolled, now, &deployed);
    for _ in 0..20 {
        let (next, _, more) = step(&cur, &mut w, &reconcile(), now, &deployed);
        given.extend(more);
        if next == cur {
            break;
        }
        cur = next;
    }
    assert_eq!(cur.phase, Phase::RolledBack);
    for r in &repos {
        assert_eq!(of(&given, r, Stage::Staging), [Inactive], "{r}");
        assert_eq!(of(&given, r, Stage::Production), [Inactive], "{r}");
    }
}

#[test]
fn a_failed_tier_fails_the_staging_deployment_until_a_retry_passes() {
    let m = with_deployments();
    let first = m.repos[0].name.to_string();
    let mut w = world(&m);
    let (failed, given, now) = drive_until(m, &mut w, Conclusion::Failure, |m| {
        m.repos.iter().any(|r| {
            r.deployments
                .iter()
                .any(|x| x.state == DeploymentState::Failure && x.reported)
        })
    });
    use DeploymentState::*;
    assert_eq!(of(&given, &first, Stage::Staging), [InProgress, Failure]);
    // A retry that passes: in progress again, then success once it ships.
    let retry = command("maria", Command::Retry { tier: None });
    let (cur, _, mut more) = step(&failed, &mut w, &retry, now, &deployed);
    let (_, rest, _) = drive_until(cur, &mut w, Conclusion::Success, |m| {
        m.phase == Phase::Shipped
    });
    more.extend(rest);
    assert_eq!(of(&more, &first, Stage::Staging), [InProgress, Success]);
}

#[test]
fn a_refused_deployment_is_recorded_once_and_not_sent_again() {
    let m = with_deployments();
    let mut w = world(&m);
    let refuse = |_: &Action| ActionOutcome::Refused {
        reason: "POST /repos/acme/api/deployments: 403: Resource not accessible by integration"
            .to_owned(),
    };
    // Up to staging with deployments given; then every deployment is refused.
    let (staged, _, now) = drive_until(m, &mut w, Conclusion::Success, |m| {
        m.repos.iter().all(|r| r.shas.staged.is_some())
    });
    let (next, d, _) = step(&staged, &mut w, &reconcile(), now, &refuse);
    let refused: Vec<&Action> = d
        .actions
        .iter()
        .map(|a| &a.action)
        .filter(|a| matches!(a, Action::Deploy { .. }))
        .collect();
    if refused.is_empty() {
        // Every staged SHA's deployment was already given on the way: refuse the next ones.
        let (shipped, _, _) = drive_until(next, &mut w, Conclusion::Success, |m| {
            m.phase == Phase::Shipping
        });
        let (after, d2, _) = step(&shipped, &mut w, &reconcile(), now, &refuse);
        assert!(
            d2.actions
                .iter()
                .any(|a| matches!(a.action, Action::Deploy { .. }))
        );
        check_refused(&after, &mut w, now);
    } else {
        check_refused(&next, &mut w, now);
    }
}

fn check_refused(m: &ReleaseManifest, w: &mut World, now: Timestamp) {
    let refusals = m
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::DeploymentRefused)
        .count();
    assert!(refusals > 0);
    let records: Vec<_> = m
        .repos
        .iter()
        .flat_map(|r| &r.deployments)
        .filter(|x| x.refusal.is_some())
        .collect();
    assert_eq!(records.len(), refusals);
    assert!(
        records[0]
            .refusal
            .as_deref()
            .unwrap()
            .contains("Resource not accessible")
    );
    // The next decision sends none of them again.
    let again = decide(m, &w.observed, &reconcile(), now);
    for a in &again.actions {
        if let Action::Deploy {
            repo, sha, stage, ..
        } = &a.action
        {
            assert!(
                !records.iter().any(|x| &x.sha == sha && x.stage == *stage),
                "{repo} {sha} was refused and is sent again"
            );
        }
    }
}

#[test]
fn without_deployments_in_the_policy_none_are_made() {
    let m = release(Directive::Auto);
    let mut w = world(&m);
    let (shipped, given, _) = drive_until(m, &mut w, Conclusion::Success, |m| {
        m.phase == Phase::Shipped
    });
    assert!(given.is_empty());
    assert!(shipped.repos.iter().all(|r| r.deployments.is_empty()));
}
