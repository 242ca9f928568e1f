//! The tracking issue as the release's dashboard: the body of a three-repo release, the offers
//! that follow the command table, the final summary.

use crate::support;

use convoy::lifecycle::action::Action;
use convoy::lifecycle::{Decision, WebLinks, decide};
use convoy::model::config::Directive;
use convoy::model::ids::BranchName;
use convoy::model::manifest::{Conclusion, Phase, ReleaseManifest};
use convoy::model::time::Timestamp;
use support::*;

/// The example release without `acme/worker`: `acme/schema` ← `acme/api` ← `acme/web`.
fn three_repos(directive: Directive) -> ReleaseManifest {
    let mut m = release(directive);
    m.repos.retain(|r| r.name.as_str() != "acme/worker");
    m
}

fn later(t: Timestamp, minutes: i64) -> Timestamp {
    Timestamp::from_unix_seconds(t.unix_seconds() + minutes * 60).unwrap()
}

/// The body of the tracking issue `d` writes.
fn body(d: &Decision) -> String {
    d.actions
        .iter()
        .find_map(|a| match &a.action {
            Action::UpsertTrackingIssue { body, .. } => Some(body.clone()),
            _ => None,
        })
        .expect("the tracking issue is kept current")
}

/// A careful three-repo release in validation whose `e2e-full` tier failed every attempt: it
/// waits for a human. Returns the world and the decision that escalated.
fn failing_in_validation() -> (convoy::rehearse::World, Decision) {
    let m = three_repos(Directive::Careful);
    let mut w = world(&m);
    w.observed.web = WebLinks::new(
        "https://github.example.com/",
        Some(BranchName::parse("convoy-state").unwrap()),
    );
    let mut d = drive(m, &mut w, Conclusion::Success, |d| {
        d.manifest.phase == Phase::Validation
    });
    for _ in 0..40 {
        if !d.manifest.escalations.is_empty() {
            return (w, d);
        }
        w.complete_runs(Conclusion::Failure);
        d = decide(&d.manifest, &w.observed, &reconcile(), later(d.at, 1));
        for a in &d.actions {
            w.apply(&a.action).unwrap();
        }
    }
    panic!("no escalation: {:#?}", d.manifest.tier_runs);
}

#[test]
fn the_tracking_issue_of_a_three_repo_release_is_a_dashboard() {
    let (w, d) = failing_in_validation();
    assert_eq!(d.manifest.phase, Phase::Validation);
    // Three hours on, the body says how long the release has waited.
    let now = later(d.at, 180);
    let next = decide(&d.manifest, &w.observed, &reconcile(), now);
    let body = body(&next);
    assert!(body.contains("(3 h)"), "{body}");
    assert!(!body.contains(" #"), "no bare references: {body}");
    insta::assert_snapshot!(body);
}

#[test]
fn escalations_offer_only_what_the_phase_accepts() {
    let (_, d) = failing_in_validation();
    let call = d
        .actions
        .iter()
        .find_map(|a| match &a.action {
            Action::Comment { body, marker, .. } if marker.starts_with("convoy:tier:") => {
                Some(body.clone())
            }
            _ => None,
        })
        .expect("the escalation is posted");
    assert!(call.contains("`/convoy retry [tier]`"), "{call}");
    assert!(call.contains("`/convoy abort`"), "{call}");
    assert!(
        !call.contains("defer"),
        "defer is refused in validation: {call}"
    );
    let body = body(&d);
    assert!(body.contains("Who acts"), "{body}");
    assert!(!body.contains("defer"), "{body}");
}
