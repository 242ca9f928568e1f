//! Tier results callers claim (`convoy.tier-completed`), decided on what GitHub showed: a claim
//! never completes a run; one GitHub contradicts is noted once; one about a run still going is
//! held until GitHub shows it completed.

use crate::support;

use convoy::lifecycle::action::{Action, ActionOutcome, Executed};
use convoy::lifecycle::{Decision, decide, settle};
use convoy::model::claim::ClaimVerdict;
use convoy::model::config::Directive;
use convoy::model::manifest::{Conclusion, Phase, ReleaseManifest, RunStatus, TierRun};
use convoy::model::numbers::RunId;
use convoy::rehearse::World;
use convoy::signal::Signal;
use support::*;

/// An auto release in staging whose smoke run GitHub shows going (run id recorded).
fn going() -> (ReleaseManifest, World) {
    let m = release(Directive::Auto);
    let mut w = world(&m);
    let d = drive(m, &mut w, Conclusion::Success, |d| {
        d.manifest
            .tier_runs
            .iter()
            .any(|r| r.status != RunStatus::Completed && r.run_id.is_some())
    });
    assert_eq!(d.manifest.phase, Phase::Staging);
    assert!(d.manifest.tracking_issue.is_some());
    (d.manifest, w)
}

fn smoke(m: &ReleaseManifest) -> TierRun {
    m.tier_runs
        .iter()
        .find(|r| r.tier.as_str() == "smoke")
        .cloned()
        .unwrap()
}

fn claim(m: &ReleaseManifest, correlation_id: &str, run: Option<u64>, conclusion: &str) -> Signal {
    Signal::TierCompleted {
        release: m.id.clone(),
        tier: "smoke".parse().unwrap(),
        correlation_id: correlation_id.to_owned(),
        run_id: run.map(RunId::new),
        conclusion: conclusion.into(),
        sender: Some(login("dev")),
    }
}

/// The notes on the tracking issue a decision plans: `(marker, body)`.
fn notes(d: &Decision) -> Vec<(String, String)> {
    d.actions
        .iter()
        .filter_map(|a| match &a.action {
            Action::Comment { marker, body, .. } if marker.starts_with("convoy:claim:") => {
                Some((marker.clone(), body.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Lets the world carry out `d` and returns the manifest to decide on next.
fn carry_out(w: &mut World, before: &ReleaseManifest, d: &Decision) -> ReleaseManifest {
    for a in &d.actions {
        w.apply(&a.action).unwrap();
    }
    settle(d, before, &done(d))
}

fn done(d: &Decision) -> Vec<Executed> {
    d.actions
        .iter()
        .map(|a| Executed {
            planned: a.clone(),
            outcome: ActionOutcome::Done { detail: None },
        })
        .collect()
}

#[test]
fn a_forged_pass_for_a_made_up_run_changes_nothing_and_is_noted_once() {
    let (m, mut w) = going();
    let run = smoke(&m);
    let forged = claim(&m, &run.correlation_id, Some(999_999), "success");
    let d = decide(&m, &w.observed, &forged, t0());
    // The run stays what GitHub shows: going.
    assert_eq!(d.manifest.tier_runs, m.tier_runs);
    assert_eq!(d.manifest.phase, Phase::Staging);
    assert_eq!(d.manifest.history, m.history);
    let [c] = d.manifest.claims.as_slice() else {
        panic!("{:#?}", d.manifest.claims)
    };
    assert_eq!(c.verdict, ClaimVerdict::Rejected);
    assert!(c.noted);
    let reason = c.reason.clone().unwrap();
    assert!(
        reason.contains("run 999999 of acme/e2e is not the run convoy dispatched")
            && reason.contains(&format!("convoy follows run {}", run.run_id.unwrap())),
        "{reason}"
    );
    let planned = notes(&d);
    assert_eq!(planned.len(), 1, "{planned:#?}");
    assert_eq!(planned[0].0, format!("convoy:claim:{}", c.key));
    assert!(
        planned[0]
            .1
            .contains("claimed `success` of tier `smoke` (correlation id"),
        "{}",
        planned[0].1
    );
    assert!(planned[0].1.contains("sent by `dev`"), "{}", planned[0].1);

    // Sent again, and on every later run: not noted again.
    let next = carry_out(&mut w, &m, &d);
    for signal in [forged.clone(), reconcile()] {
        let again = decide(&next, &w.observed, &signal, t0());
        assert!(notes(&again).is_empty(), "{:#?}", again.actions);
        assert_eq!(again.manifest.claims, next.claims);
        assert_eq!(again.manifest.tier_runs, next.tier_runs);
    }
}

#[test]
fn a_note_not_posted_is_planned_again() {
    let (m, w) = going();
    let forged = claim(&m, &smoke(&m).correlation_id, Some(999_999), "success");
    let d = decide(&m, &w.observed, &forged, t0());
    let failed: Vec<Executed> = d
        .actions
        .iter()
        .map(|a| Executed {
            planned: a.clone(),
            outcome: ActionOutcome::Failed {
                error: "502".to_owned(),
            },
        })
        .collect();
    let next = settle(&d, &m, &failed);
    assert!(!next.claims[0].noted);
    let again = decide(&next, &w.observed, &reconcile(), t0());
    assert_eq!(notes(&again).len(), 1);
    assert!(again.manifest.claims[0].noted);
}

#[test]
fn a_pass_claimed_for_the_real_run_while_it_runs_is_held_then_rejected_when_it_fails() {
    let (m, mut w) = going();
    let run = smoke(&m);
    let early = claim(
        &m,
        &run.correlation_id,
        run.run_id.map(RunId::get),
        "success",
    );
    let d = decide(&m, &w.observed, &early, t0());
    assert_eq!(d.manifest.tier_runs, m.tier_runs, "still going");
    assert_eq!(d.manifest.claims[0].verdict, ClaimVerdict::Held);
    assert!(notes(&d).is_empty());
    let mut next = carry_out(&mut w, &m, &d);
    // A run of the world that changes nothing keeps the claim held.
    let idle = decide(&next, &w.observed, &reconcile(), t0());
    assert_eq!(idle.manifest.claims, next.claims);

    // GitHub shows it failed: the failure counts, the claim is rejected and noted once.
    w.complete_runs(Conclusion::Failure);
    let d = decide(&next, &w.observed, &reconcile(), t0());
    let smoke_now = smoke(&d.manifest);
    assert_eq!(smoke_now.conclusion, Some(Conclusion::Failure));
    assert_eq!(d.manifest.claims[0].verdict, ClaimVerdict::Rejected);
    let reason = d.manifest.claims[0].reason.clone().unwrap();
    assert!(
        reason.contains("completed with `failure`, not `success`"),
        "{reason}"
    );
    assert_eq!(notes(&d).len(), 1);
    // The retry is dispatched as if no claim had come.
    assert!(d.manifest.tier_runs.iter().any(|r| r.attempt == 2));
    next = carry_out(&mut w, &next, &d);
    let later = decide(&next, &w.observed, &reconcile(), t0());
    assert!(notes(&later).is_empty());
}

#[test]
fn a_claim_for_the_real_run_that_ends_as_claimed_leaves_nothing_behind() {
    let (m, mut w) = going();
    let run = smoke(&m);
    // The tier's own report, a moment before its run ends.
    let own = claim(
        &m,
        &run.correlation_id,
        run.run_id.map(RunId::get),
        "success",
    );
    let d = decide(&m, &w.observed, &own, t0());
    let next = carry_out(&mut w, &m, &d);
    w.complete_runs(Conclusion::Success);
    let d = decide(&next, &w.observed, &reconcile(), t0());
    assert_eq!(smoke(&d.manifest).conclusion, Some(Conclusion::Success));
    assert!(d.manifest.claims.is_empty());
    assert!(notes(&d).is_empty());

    // Once GitHub shows it completed, the same report agrees at once: nothing is kept.
    let after = carry_out(&mut w, &next, &d);
    let d = decide(&after, &w.observed, &own, t0());
    assert!(d.manifest.claims.is_empty());
    assert!(notes(&d).is_empty());
}

#[test]
fn claims_that_name_no_run_of_this_release_or_another_tier_are_rejected() {
    let (m, w) = going();
    let run = smoke(&m);
    let mut other_tier = claim(&m, &run.correlation_id, None, "success");
    if let Signal::TierCompleted { tier, .. } = &mut other_tier {
        *tier = "e2e-full".parse().unwrap();
    }
    for (signal, why) in [
        (
            claim(&m, "convoy-2026.11.0-smoke-1-0a1b2c3d", None, "success"),
            "release 2026.12.0 dispatched no run as `convoy-2026.11.0-smoke-1-0a1b2c3d`",
        ),
        (other_tier, "is a run of tier smoke, not of tier `e2e-full`"),
    ] {
        let d = decide(&m, &w.observed, &signal, t0());
        assert_eq!(d.manifest.tier_runs, m.tier_runs);
        let reason = d.manifest.claims[0].reason.clone().unwrap_or_default();
        assert!(reason.contains(why), "{reason}");
        assert_eq!(notes(&d).len(), 1);
    }
    // A claim for another release is that release's to judge.
    let mut elsewhere = claim(&m, &run.correlation_id, None, "success");
    if let Signal::TierCompleted { release, .. } = &mut elsewhere {
        *release = "2026.11.0".parse().unwrap();
    }
    let d = decide(&m, &w.observed, &elsewhere, t0());
    assert!(d.manifest.claims.is_empty());
}

#[test]
fn hostile_text_in_a_claim_is_quoted_inert() {
    let (m, w) = going();
    let hostile = "x` <!-- convoy:release=r9 --> @everyone [link](https://evil)\nnext";
    let d = decide(
        &m,
        &w.observed,
        &claim(&m, hostile, None, "success`<b>"),
        t0(),
    );
    let (_, body) = notes(&d).pop().unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines[0].starts_with("<!-- convoy:claim:"), "{body}");
    // Every quoted value stays inside its code span: backticks cannot close it.
    assert!(body.contains("`x' <!-- convoy:release=r9 --> @everyone [link](https://evil) next`"));
    assert!(body.contains("`success'<b>`"), "{body}");
    assert_eq!(body.matches('\n').count(), 3, "{body}");
}

/// A dispatch GitHub answered with its run's id (`return_run_details`): the release follows that
/// run from the round that dispatched it. A run someone else started with the same correlation
/// id — newer, listed first, and passed — is never taken for it; the dispatched run's failure
/// is what counts.
#[test]
fn the_run_a_dispatch_answer_names_is_the_only_one_followed() {
    let m = release(Directive::Auto);
    let mut w = world(&m);
    let d = drive(m, &mut w, Conclusion::Success, |d| {
        d.actions
            .iter()
            .any(|a| matches!(a.action, Action::DispatchWorkflow { .. }))
    });
    let before = d.manifest.clone();
    let mut executed = done(&d);
    let mut dispatched = Vec::new();
    for e in &mut executed {
        if let Action::DispatchWorkflow { correlation_id, .. } = &e.planned.action {
            let seen = w
                .observed
                .runs
                .iter()
                .find(|r| &r.title == correlation_id)
                .cloned()
                .expect("the world started the run");
            e.outcome = ActionOutcome::Dispatched { run: seen.run_id };
            dispatched.push(seen);
        }
    }
    let m = settle(&d, &before, &executed);
    for seen in &dispatched {
        let r = m
            .tier_runs
            .iter()
            .find(|r| r.correlation_id == seen.title)
            .unwrap();
        assert_eq!(r.run_id, Some(seen.run_id), "recorded from the answer");
    }

    // Someone starts the same workflow with the first run's correlation id; it passes at once.
    let ours = dispatched[0].clone();
    let mut theirs = ours.clone();
    theirs.run_id = RunId::new(99_000);
    theirs.status = RunStatus::Completed;
    theirs.conclusion = Some(Conclusion::Success);
    w.observed.runs.insert(0, theirs);
    let d = decide(&m, &w.observed, &reconcile(), t0());
    let r = d
        .manifest
        .tier_runs
        .iter()
        .find(|r| r.correlation_id == ours.title)
        .unwrap();
    assert_eq!(r.run_id, Some(ours.run_id));
    assert_ne!(r.status, RunStatus::Completed, "{r:#?}");

    // The dispatched run fails: that is the result.
    let real = w
        .observed
        .runs
        .iter_mut()
        .find(|r| r.run_id == ours.run_id)
        .unwrap();
    real.status = RunStatus::Completed;
    real.conclusion = Some(Conclusion::Failure);
    let d = decide(&m, &w.observed, &reconcile(), t0());
    let r = d
        .manifest
        .tier_runs
        .iter()
        .find(|r| r.correlation_id == ours.title)
        .unwrap();
    assert_eq!(r.conclusion, Some(Conclusion::Failure));
}
