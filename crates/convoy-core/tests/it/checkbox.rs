//! The tracking issue's checkbox controls through `decide`: a ticked box runs its command as the
//! person who ticked it, with a comment's checks, is answered once per edit, and the body offers
//! only what the phase accepts.

use crate::support;

use convoy::lifecycle::action::Action;
use convoy::lifecycle::{Decision, decide};
use convoy::model::config::Directive;
use convoy::model::ids::{IssueRef, TierName};
use convoy::model::manifest::{Conclusion, Gate, Phase, TaskStatus};
use convoy::model::marker::Marker;
use convoy::model::time::Timestamp;
use convoy::rehearse::World;
use convoy::signal::{Checkbox, CommandSignal, CommandSource, Signal};
use support::*;

/// `actor` ticked `checkbox` on issue `issue` of the control repo in the edit made at `edit`.
fn tick(actor: &str, checkbox: Checkbox, issue: u64, edit: u64) -> Signal {
    Signal::Command(CommandSignal {
        command: checkbox.command(),
        release: Some(convoy::model::ids::ReleaseId::parse("2026.12.0").unwrap()),
        actor: login(actor),
        source: CommandSource::Checkbox {
            repo: repo("acme/release-control"),
            issue: convoy::model::numbers::IssueNumber::new(issue),
            checkbox,
            edit,
            others: Vec::new(),
        },
    })
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

/// The answers `d` posts to ticked boxes: (marker, text).
fn answers(d: &Decision) -> Vec<(String, String)> {
    d.actions
        .iter()
        .filter_map(|a| match &a.action {
            Action::Comment { marker, body, .. } if marker.starts_with("convoy:ticked:") => {
                Some((marker.clone(), body.clone()))
            }
            _ => None,
        })
        .collect()
}

fn later(t: Timestamp, minutes: i64) -> Timestamp {
    Timestamp::from_unix_seconds(t.unix_seconds() + minutes * 60).unwrap()
}

/// A careful release in planning with its tracking issue (number 1), and its world.
fn planning() -> (World, Decision, u64) {
    let mut w = world(&release(Directive::Careful));
    let d = planning_with_tracking_issue(&mut w);
    let issue = d.manifest.tracking_issue.unwrap().get();
    (w, d, issue)
}

#[test]
fn the_body_offers_the_boxes_the_phase_accepts() {
    let (w, _, _) = planning();
    let b = &w.observed.issues[0].body;
    for key in [
        "approve:plan",
        "defer:acme/api#12",
        "defer:acme/web#7",
        "abort",
    ] {
        assert!(b.contains(&Marker::Box(key.to_owned()).tag()), "{key}: {b}");
    }
    assert!(!b.contains("box=rollback"), "{b}");
    assert!(!b.contains("box=retry"), "{b}");
    assert!(!b.contains("- [x]"), "every box is unticked: {b}");
}

#[test]
fn ticking_approve_approves_as_the_person_who_ticked_and_is_answered_once() {
    let (mut w, d, issue) = planning();
    let signal = tick("maria", Checkbox::Approve(Gate::Plan), issue, 1);
    let next = decide(&d.manifest, &w.observed, &signal, later(d.at, 1));
    assert_eq!(next.manifest.phase, Phase::Development, "{:#?}", next.notes);
    let approval = next.manifest.approvals.last().unwrap();
    assert_eq!(approval.by.as_str(), "maria");
    assert_eq!(
        approval.via,
        format!("checkbox on acme/release-control#{issue}")
    );
    let said = answers(&next);
    assert_eq!(said.len(), 1, "{said:#?}");
    assert_eq!(said[0].0, "convoy:ticked:1:approve:plan");
    assert!(
        said[0]
            .1
            .contains("@maria ticked **approve the plan gate**: approved the plan gate."),
        "{}",
        said[0].1
    );
    // The body offers the next phase's boxes, unticked; the plan gate's box is gone.
    assert!(!body(&next).contains("box=approve:plan"));
    for a in &next.actions {
        w.apply(&a.action).unwrap();
    }
    // The same edit delivered again runs nothing and is not answered again.
    let again = decide(&next.manifest, &w.observed, &signal, later(d.at, 2));
    assert!(answers(&again).is_empty());
    assert_eq!(again.manifest.approvals, next.manifest.approvals);
}

#[test]
fn a_tick_without_permission_changes_nothing_but_the_answer() {
    let (w, d, issue) = planning();
    // guest has read: no command at all.
    let next = decide(
        &d.manifest,
        &w.observed,
        &tick("guest", Checkbox::Abort, issue, 5),
        later(d.at, 1),
    );
    assert_eq!(next.manifest.phase, Phase::Planning);
    assert_eq!(next.manifest.history, d.manifest.history);
    let said = answers(&next);
    assert_eq!(said.len(), 1);
    assert!(
        said[0]
            .1
            .contains("@guest cannot abort: only people with write permission"),
        "{}",
        said[0].1
    );
    // dev has write but is no approver.
    let next = decide(
        &d.manifest,
        &w.observed,
        &tick("dev", Checkbox::Approve(Gate::Plan), issue, 6),
        later(d.at, 1),
    );
    assert!(next.manifest.approvals.is_empty());
    assert!(
        answers(&next)[0].1.contains("@dev cannot approve"),
        "{:?}",
        answers(&next)
    );
}

#[test]
fn a_box_of_another_gate_or_issue_runs_nothing() {
    let (w, d, issue) = planning();
    // Ticked on a page that still showed the promote gate: the plan gate is not approved.
    let next = decide(
        &d.manifest,
        &w.observed,
        &tick("maria", Checkbox::Approve(Gate::Promote), issue, 7),
        later(d.at, 1),
    );
    assert!(next.manifest.approvals.is_empty());
    let said = answers(&next);
    assert!(said[0].1.contains("cannot promote"), "{said:?}");
    // A box ticked on another issue of the control repo (its body copied): nothing, no answer.
    let next = decide(
        &d.manifest,
        &w.observed,
        &tick("maria", Checkbox::Approve(Gate::Plan), issue + 40, 8),
        later(d.at, 1),
    );
    assert!(next.manifest.approvals.is_empty());
    assert!(answers(&next).is_empty());
}

#[test]
fn ticking_defer_and_abort_runs_them() {
    let (w, d, issue) = planning();
    let task = IssueRef::parse("acme/api#12").unwrap();
    let next = decide(
        &d.manifest,
        &w.observed,
        &tick("release-captain", Checkbox::Defer(task.clone()), issue, 9),
        later(d.at, 1),
    );
    assert_eq!(
        next.manifest.task(&task).unwrap().status,
        TaskStatus::Deferred
    );
    assert!(answers(&next)[0].1.contains("deferred acme/api#12"));
    assert!(!body(&next).contains("box=defer:acme/api#12"));
    let next = decide(
        &next.manifest,
        &w.observed,
        &tick("release-captain", Checkbox::Abort, issue, 10),
        later(d.at, 2),
    );
    assert_eq!(next.manifest.phase, Phase::Aborted);
    assert!(
        answers(&next)[0]
            .1
            .contains("stopped the release in planning")
    );
}

#[test]
fn ticking_retry_runs_a_failed_tier_again() {
    let m = release(Directive::Careful);
    let mut w = world(&m);
    let mut d = drive(m, &mut w, Conclusion::Success, |d| {
        d.manifest.phase == Phase::Validation
    });
    for _ in 0..40 {
        if !d.manifest.escalations.is_empty() {
            break;
        }
        w.complete_runs(Conclusion::Failure);
        d = decide(&d.manifest, &w.observed, &reconcile(), later(d.at, 1));
        for a in &d.actions {
            w.apply(&a.action).unwrap();
        }
    }
    let b = body(&d);
    assert!(b.contains("box=retry:e2e-full"), "{b}");
    assert!(b.contains("box=approve:ship"), "{b}");
    let issue = d.manifest.tracking_issue.unwrap().get();
    let tier = TierName::parse("e2e-full").unwrap();
    let next = decide(
        &d.manifest,
        &w.observed,
        &tick("dev", Checkbox::Retry(tier.clone()), issue, 11),
        later(d.at, 1),
    );
    assert!(
        next.manifest
            .tier_runs
            .iter()
            .filter(|r| r.tier == tier)
            .any(|r| r.superseded),
        "the failed runs are set aside"
    );
    assert!(
        answers(&next)[0]
            .1
            .contains("ticked **retry tier e2e-full**: set"),
        "{:?}",
        answers(&next)
    );
}

#[test]
fn the_answer_names_boxes_ticked_in_the_same_edit() {
    let (w, d, issue) = planning();
    let mut signal = tick("release-captain", Checkbox::Abort, issue, 12);
    if let Signal::Command(c) = &mut signal
        && let CommandSource::Checkbox { others, .. } = &mut c.source
    {
        others.push(Checkbox::Approve(Gate::Plan));
    }
    let next = decide(&d.manifest, &w.observed, &signal, later(d.at, 1));
    assert_eq!(next.manifest.phase, Phase::Aborted);
    assert!(next.manifest.approvals.is_empty());
    let said = answers(&next);
    assert!(
        said[0]
            .1
            .contains("ticked **approve the plan gate** too, which did not run"),
        "{}",
        said[0].1
    );
}
