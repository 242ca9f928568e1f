//! Whole releases of the example config played on the in-memory world: every directive, waves,
//! re-validation when SHAs move, dependency statuses.

use crate::support;

use convoy::lifecycle::action::Action;
use convoy::lifecycle::decide;
use convoy::model::config::Directive;
use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Phase, RepoState, RunKind};
use convoy::rehearse::rehearse;
use convoy::signal::Command;
use support::*;

#[test]
fn careful_release_ships_through_every_phase_in_order() {
    let m = release(Directive::Careful);
    let r = play(&m, 200, false);
    assert_eq!(r.manifest.phase, Phase::Shipped, "{:#?}", r.steps.last());
    assert_eq!(
        phases_visited(&r.manifest),
        [
            "planning",
            "development",
            "staging",
            "validation",
            "shipping",
            "shipped"
        ]
    );
    // Three human gates were approved under careful.
    let gates: Vec<_> = r
        .manifest
        .approvals
        .iter()
        .map(|a| a.gate.as_str())
        .collect();
    assert_eq!(gates, ["plan", "promote", "ship"]);
    for repo in &r.manifest.repos {
        assert_eq!(repo.state, RepoState::Shipped, "{}", repo.name);
        let shipped = repo.shas.shipped.as_ref().unwrap();
        assert_eq!(r.world.observed.head(&repo.name, &repo.base), Some(shipped));
        assert_eq!(
            r.world.observed.head(&repo.name, &repo.staging),
            Some(shipped)
        );
        assert!(
            r.world
                .observed
                .releases
                .iter()
                .any(|x| x.repo == repo.name && x.tag == "v2026.12.0")
        );
    }
    assert!(
        r.steps.iter().all(|s| s.refused.is_empty()),
        "GitHub refused an action"
    );
    // Every tier ran (careful: all tiers must pass), once each on the final SHAs.
    let tiers: Vec<_> = r
        .manifest
        .tier_runs
        .iter()
        .map(|t| t.tier.as_str())
        .collect();
    assert_eq!(tiers, ["smoke", "e2e-full", "perf"]);
}

#[test]
fn merges_go_in_dependency_waves() {
    let m = release(Directive::Auto);
    let r = play(&m, 200, false);
    assert_eq!(r.manifest.phase, Phase::Shipped);
    for step in &r.steps {
        let merges: Vec<_> = step
            .actions
            .iter()
            .filter_map(|a| match &a.action {
                Action::MergePullRequest { repo, .. } => {
                    Some((a.id, repo.as_str(), a.after.clone()))
                }
                _ => None,
            })
            .collect();
        for (id, repo, after) in &merges {
            let needs: &[&str] = match *repo {
                "acme/api" | "acme/worker" => &["acme/schema"],
                "acme/web" => &["acme/api"],
                _ => &[],
            };
            for dep in needs {
                if let Some((dep_id, ..)) = merges.iter().find(|(_, r, _)| r == dep) {
                    assert!(
                        after.contains(dep_id),
                        "{repo} merge {id} must wait for {dep}"
                    );
                }
            }
        }
    }
    // Over each promotion, api merges before web. (schema and worker carry no task: their RC
    // equals staging and base, so they need no pull request at all.)
    for phase in [Phase::Staging, Phase::Shipping] {
        let order: Vec<String> = r
            .steps
            .iter()
            .filter(|s| s.from == phase)
            .flat_map(|s| s.actions.iter())
            .filter_map(|a| match &a.action {
                Action::MergePullRequest { repo, .. } => Some(repo.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(order, ["acme/api", "acme/web"], "{phase:?}");
    }
}

#[test]
fn auto_and_quick_open_gates_by_themselves_and_pick_their_tiers() {
    for (directive, tiers) in [
        (Directive::Auto, vec!["smoke", "e2e-full"]),
        (Directive::Quick, vec!["smoke"]),
    ] {
        let m = release(directive);
        let r = play(&m, 200, false);
        assert_eq!(r.manifest.phase, Phase::Shipped, "{directive:?}");
        assert!(
            r.manifest.approvals.is_empty(),
            "{directive:?} needed no human"
        );
        let ran: Vec<_> = r
            .manifest
            .tier_runs
            .iter()
            .map(|t| t.tier.as_str())
            .collect();
        assert_eq!(ran, tiers, "{directive:?}");
    }
}

#[test]
fn a_push_to_an_rc_after_validation_revalidates_only_what_it_covers() {
    let m = release(Directive::Careful);
    let mut w = world(&m);
    let mut cur = m;
    // Play until the ship gate (validation passed, waiting for approval).
    let r = rehearse(
        cur.clone(),
        w.clone(),
        &login("release-captain"),
        t0(),
        200,
        false,
    );
    let until = r
        .steps
        .iter()
        .position(|s| s.signal == "approve" && s.from == Phase::Validation)
        .expect("reached the ship gate");
    let again = rehearse(
        cur.clone(),
        w.clone(),
        &login("release-captain"),
        t0(),
        until,
        false,
    );
    cur = again.manifest;
    w = again.world;
    assert_eq!(cur.phase, Phase::Validation);
    let runs_before = cur.tier_runs.len();

    // A fix lands on acme/worker's RC: perf (covers api and web only) keeps its result.
    let worker = repo("acme/worker");
    w.push(&worker, &branch("rc/2026.12.0"));
    let d = decide(&cur, &w.observed, &reconcile(), t0());
    assert_eq!(d.manifest.phase, Phase::Staging);
    assert!(
        d.manifest
            .history
            .iter()
            .any(|h| h.event == HistoryEvent::RcMoved)
    );
    let replay = rehearse(
        d.manifest.clone(),
        w.clone(),
        &login("release-captain"),
        t0(),
        200,
        false,
    );
    assert_eq!(replay.manifest.phase, Phase::Shipped);
    let rerun: Vec<_> = replay.manifest.tier_runs[runs_before..]
        .iter()
        .filter(|t| t.kind == RunKind::Tier)
        .map(|t| t.tier.as_str())
        .collect();
    assert_eq!(
        rerun,
        ["smoke", "e2e-full"],
        "perf does not cover acme/worker"
    );
}

#[test]
fn task_prs_get_a_depends_on_status() {
    let m = release(Directive::Auto);
    let mut w = world(&m);
    // Into development: RC branches cut.
    let d = decide(&m, &w.observed, &reconcile(), t0());
    for a in &d.actions {
        w.apply(&a.action).unwrap();
    }
    let d = decide(&d.manifest, &w.observed, &reconcile(), t0());
    assert_eq!(d.manifest.phase, Phase::Development);
    // web#7 depends on api#12 (in the manifest); its PR also names acme/worker#3 in its body.
    let web = repo("acme/web");
    let feature = branch("orders-ui");
    w.push(&web, &feature);
    let n = w
        .open_pull(
            &web,
            &feature,
            &branch("rc/2026.12.0"),
            "Closes #7\n\nDepends-On: acme/worker#3",
        )
        .unwrap();
    let d = decide(&d.manifest, &w.observed, &reconcile(), t0());
    let status = d.actions.iter().find_map(|a| match &a.action {
        Action::SetCommitStatus {
            context,
            state,
            description,
            repo,
            ..
        } if context == "convoy/depends-on" => {
            Some((repo.to_string(), *state, description.clone()))
        }
        _ => None,
    });
    let (r, state, description) = status.expect("a depends-on status");
    assert_eq!(r, "acme/web");
    assert_eq!(state, convoy::lifecycle::observed::StatusState::Pending);
    assert_eq!(description, "waiting for acme/api#12, acme/worker#3");
    assert_eq!(
        d.manifest
            .task(&convoy::model::ids::IssueRef::parse("acme/web#7").unwrap())
            .unwrap()
            .pull_requests,
        [n]
    );
}

#[test]
fn a_staging_head_that_moves_during_validation_reruns_the_staging_tiers_too() {
    let m = release(Directive::Careful);
    let full = play(&m, 200, false);
    let until = full
        .steps
        .iter()
        .position(|s| s.signal == "approve" && s.from == Phase::Validation)
        .unwrap();
    let mid = play(&m, until, false);
    assert_eq!(mid.manifest.phase, Phase::Validation);
    let mut w = mid.world.clone();
    let schema = repo("acme/schema");
    let moved = w.push(&schema, &branch("staging"));
    let d = decide(&mid.manifest, &w.observed, &reconcile(), t0());
    assert_eq!(
        d.manifest.repo(&schema).unwrap().shas.staged.as_ref(),
        Some(&moved)
    );
    let dispatched: Vec<_> = d
        .actions
        .iter()
        .filter_map(|a| match &a.action {
            Action::DispatchWorkflow { workflow, .. } => Some(workflow.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        dispatched,
        ["smoke.yml", "e2e.yml"],
        "perf does not cover acme/schema"
    );
    for a in &d.actions {
        w.apply(&a.action).unwrap();
    }
    let end = rehearse(
        d.manifest.clone(),
        w,
        &login("release-captain"),
        t0(),
        200,
        false,
    );
    assert_eq!(end.manifest.phase, Phase::Shipped);
}

#[test]
fn a_runner_clock_behind_the_manifest_never_moves_history_backwards() {
    let m = release(Directive::Careful);
    let w = world(&m);
    let later = convoy::model::time::Timestamp::parse("2026-11-26T12:00:00Z").unwrap();
    let d = decide(&m, &w.observed, &reconcile(), later);
    let earlier = convoy::model::time::Timestamp::parse("2026-11-26T11:59:00Z").unwrap();
    let approved = decide(
        &d.manifest,
        &w.observed,
        &command("maria", Command::Approve),
        earlier,
    );
    assert_eq!(
        approved.manifest.phase,
        Phase::Development,
        "the approval counts"
    );
    assert!(
        approved
            .manifest
            .history
            .windows(2)
            .all(|p| p[0].at <= p[1].at)
    );
    assert!(convoy::validate::check_manifest_value(&approved.manifest).is_empty());
}
