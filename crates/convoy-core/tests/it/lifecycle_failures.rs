//! What goes wrong and how convoy answers: refused commands, flaky and broken tiers, auto-fix,
//! escalation, abort, rollback, deferral.

use crate::support;

use convoy::lifecycle::action::Action;
use convoy::lifecycle::{Owner, decide};
use convoy::model::config::Directive;
use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Conclusion, Phase, RepoState, RunKind};
use convoy::model::numbers::IssueNumber;
use convoy::signal::Command;
use support::*;

#[test]
fn careful_waits_for_an_approver_and_refuses_others() {
    let mut w = world(&release(Directive::Careful));
    // The tracking issue exists; convoy learned its number.
    let d = planning_with_tracking_issue(&mut w);
    assert_eq!(d.manifest.tracking_issue, Some(IssueNumber::new(1)));
    assert_eq!(d.manifest.phase, Phase::Planning);
    assert!(d.waits.iter().any(|w| w.who == Owner::Human));

    // "dev" has write permission but is no approver; "guest" can only read.
    for (who, why) in [
        (
            "dev",
            "@dev cannot approve: only the people in `approvers.users`",
        ),
        (
            "guest",
            "@guest cannot approve: only people with write permission",
        ),
    ] {
        let refused = decide(
            &d.manifest,
            &w.observed,
            &comment(who, 1, 99, vec![Ok(Command::Approve)]),
            t0(),
        );
        assert_eq!(refused.manifest.phase, Phase::Planning);
        assert!(refused.manifest.approvals.is_empty());
        assert_eq!(
            refused.manifest.history, d.manifest.history,
            "a refusal changes nothing"
        );
        let reply = refused.actions.iter().find_map(|a| match &a.action {
            Action::Comment { body, .. } => Some(body.clone()),
            _ => None,
        });
        assert!(
            reply.as_deref().unwrap_or("").contains(why),
            "{who}: {reply:?}"
        );
    }
    // maria holds maintain (the min_permission): accepted, the plan gate opens.
    let ok = decide(
        &d.manifest,
        &w.observed,
        &command("maria", Command::Approve),
        t0(),
    );
    assert_eq!(ok.manifest.phase, Phase::Development);
    assert_eq!(ok.manifest.approvals[0].by.as_str(), "maria");
    // `ship` is refused at the plan gate even for an approver: no skipping ahead.
    let early = decide(
        &d.manifest,
        &w.observed,
        &command("maria", Command::Ship),
        t0(),
    );
    assert_eq!(early.manifest.phase, Phase::Planning);
    assert!(
        early.notes[0]
            .contains("cannot ship now: shipping is approved only at the end of validation"),
        "{:?}",
        early.notes
    );
}

#[test]
fn a_flaky_tier_passes_on_retry() {
    // Play up to the staging tier, fail it once: the second attempt runs and passes.
    let m = release(Directive::Quick);
    let mut w = world(&m);
    let mut cur = m;
    let mut now = t0();
    let mut failed_once = false;
    for _ in 0..60 {
        let d = decide(&cur, &w.observed, &reconcile(), now);
        for a in &d.actions {
            w.apply(&a.action).unwrap();
        }
        cur = d.manifest;
        now = convoy::model::time::Timestamp::from_unix_seconds(now.unix_seconds() + 60).unwrap();
        if d.actions.is_empty() {
            if d.waits.iter().any(|x| x.who == Owner::Developers) {
                w.land_open_tasks(&cur);
            } else {
                let c = if failed_once {
                    Conclusion::Success
                } else {
                    Conclusion::Failure
                };
                failed_once |= w.complete_runs(c) > 0;
            }
        }
        if cur.phase >= Phase::Validation {
            break;
        }
    }
    let smoke: Vec<_> = cur
        .tier_runs
        .iter()
        .filter(|t| t.tier.as_str() == "smoke")
        .collect();
    assert_eq!(smoke.len(), 2, "{smoke:#?}");
    assert_eq!(smoke[0].conclusion, Some(Conclusion::Failure));
    assert_eq!(smoke[1].attempt, 2);
    assert_eq!(smoke[1].conclusion, Some(Conclusion::Success));
    assert!(cur.phase >= Phase::Validation, "{:?}", cur.phase);
}

#[test]
fn abort_resets_staging_and_closes_promotion_prs() {
    let m = release(Directive::Auto);
    let r = play(&m, 200, false);
    let until = r
        .steps
        .iter()
        .position(|s| s.to == Phase::Validation)
        .unwrap();
    let mid = play(&m, until + 1, false);
    assert_eq!(mid.manifest.phase, Phase::Validation);
    let mut w = mid.world.clone();
    let d = decide(
        &mid.manifest,
        &w.observed,
        &command("maria", Command::Abort),
        t0(),
    );
    assert_eq!(d.manifest.phase, Phase::Aborted);
    for a in &d.actions {
        w.apply(&a.action).unwrap();
    }
    for repo in &d.manifest.repos {
        assert_eq!(
            w.observed.head(&repo.name, &repo.staging),
            repo.shas.staging_before.as_ref(),
            "{} staging is reset",
            repo.name
        );
    }
    let again = decide(&d.manifest, &w.observed, &reconcile(), t0());
    assert_ended(&mut w, &again);
}

/// Once a release ended and nothing is left to do, convoy sums it up on the tracking issue and
/// closes it; then nothing is left at all.
fn assert_ended(w: &mut convoy::rehearse::World, d: &convoy::lifecycle::Decision) {
    let kinds: Vec<&str> = d.actions.iter().map(|a| a.action.kind()).collect();
    // A release rolled back after shipping finds its issue closed already.
    assert!(
        kinds == ["comment", "close_issue"] || kinds == ["comment"],
        "{:#?}",
        d.actions
    );
    for a in &d.actions {
        w.apply(&a.action).unwrap();
    }
    let quiet = decide(&d.manifest, &w.observed, &reconcile(), t0());
    assert!(
        quiet.actions.is_empty() && !quiet.changed,
        "{:#?}",
        quiet.actions
    );
}

#[test]
fn a_tier_failing_past_its_retries_escalates_and_retry_runs_it_again() {
    let m = release(Directive::Careful);
    let mut w = world(&m);
    let d = drive(m, &mut w, Conclusion::Failure, |d| {
        !d.manifest.escalations.is_empty()
    });
    let smoke: Vec<_> = d
        .manifest
        .tier_runs
        .iter()
        .filter(|t| t.tier.as_str() == "smoke")
        .collect();
    assert_eq!(smoke.len(), 2, "careful: one retry, then a human");
    assert!(
        smoke
            .iter()
            .all(|t| t.conclusion == Some(Conclusion::Failure))
    );
    assert!(
        d.manifest.escalations[0]
            .reason
            .contains("tier smoke failed 2 time(s)")
    );
    let kinds: Vec<_> = d.actions.iter().map(|a| a.action.kind()).collect();
    assert!(
        kinds.contains(&"comment") && kinds.contains(&"add_label"),
        "{kinds:?}"
    );
    let mention = d.actions.iter().find_map(|a| match &a.action {
        Action::Comment { body, .. } => Some(body.clone()),
        _ => None,
    });
    assert!(mention.unwrap().contains("@acme/release-team"));
    // Escalating again on the next run adds nothing.
    let again = decide(&d.manifest, &w.observed, &reconcile(), t0());
    assert_eq!(again.manifest.escalations.len(), 1);
    assert!(again.actions.is_empty(), "{:#?}", again.actions);

    // `/convoy retry smoke` sets the failed runs aside: attempt 1 runs again.
    let retry = decide(
        &d.manifest,
        &w.observed,
        &command(
            "dev",
            Command::Retry {
                tier: Some(convoy::model::ids::TierName::parse("smoke").unwrap()),
            },
        ),
        t0(),
    );
    let fresh = retry.manifest.tier_runs.last().unwrap();
    assert_eq!(
        (fresh.tier.as_str(), fresh.attempt, fresh.superseded),
        ("smoke", 1, false)
    );
    assert!(
        retry
            .manifest
            .history
            .iter()
            .any(|h| h.event == HistoryEvent::CommandRetry && h.actor == "dev")
    );
}

#[test]
fn auto_fix_runs_before_a_human_is_called() {
    let m = release(Directive::Auto);
    let mut w = world(&m);
    let d = drive(m, &mut w, Conclusion::Failure, |d| {
        !d.manifest.escalations.is_empty()
    });
    let kinds: Vec<_> = d
        .manifest
        .tier_runs
        .iter()
        .map(|t| (t.tier.as_str(), t.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("smoke", RunKind::Tier),
            ("smoke", RunKind::Tier),
            ("smoke", RunKind::AutoFix)
        ],
        "two attempts (max_attempts 2), one auto-fix, then escalation"
    );
    assert!(
        d.manifest.escalations[0]
            .reason
            .contains("auto-fix did not help")
    );
}

#[test]
fn rollback_after_shipping_reverts_in_reverse_dependency_order() {
    let m = release(Directive::Auto);
    let r = play(&m, 200, true);
    assert_eq!(r.manifest.phase, Phase::Shipped);
    let mut w = r.world.clone();
    let d = decide(
        &r.manifest,
        &w.observed,
        &command("maria", Command::Rollback),
        t0(),
    );
    assert_eq!(d.manifest.phase, Phase::RolledBack);
    let reverts: Vec<_> = d
        .actions
        .iter()
        .filter_map(|a| match &a.action {
            Action::RevertMerge { repo, .. } => Some((a.id, repo.to_string(), a.after.clone())),
            _ => None,
        })
        .collect();
    let order: Vec<&str> = reverts.iter().map(|(_, r, _)| r.as_str()).collect();
    assert_eq!(
        order,
        ["acme/web", "acme/api", "acme/worker", "acme/schema"]
    );
    for pair in reverts.windows(2) {
        assert_eq!(
            pair[1].2,
            [pair[0].0],
            "each revert waits for the one before"
        );
    }
    for a in &d.actions {
        w.apply(&a.action).unwrap();
    }
    let after = decide(&d.manifest, &w.observed, &reconcile(), t0());
    assert!(
        after
            .manifest
            .repos
            .iter()
            .all(|r| r.state == RepoState::Reverted)
    );
    let deletes = after
        .actions
        .iter()
        .filter(|a| a.action.kind() == "delete_branch")
        .count();
    assert_eq!(deletes, 4, "convoy cleans up its revert branches");
    for a in &after.actions {
        w.apply(&a.action).unwrap();
    }
    let ended = decide(&after.manifest, &w.observed, &reconcile(), t0());
    assert_ended(&mut w, &ended);
}

#[test]
fn deferring_a_merged_task_reverts_it_on_the_rc_until_the_revert_merged() {
    let m = release(Directive::Careful);
    let mut w = world(&m);
    let mut d = decide(&m, &w.observed, &command("maria", Command::Approve), t0());
    for a in &d.actions {
        w.apply(&a.action).unwrap();
    }
    w.land_open_tasks(&d.manifest);
    d = decide(&d.manifest, &w.observed, &reconcile(), t0());
    let api12 = convoy::model::ids::IssueRef::parse("acme/api#12").unwrap();
    assert_eq!(
        d.manifest.task(&api12).unwrap().status,
        convoy::model::manifest::TaskStatus::Merged
    );

    let defer = decide(
        &d.manifest,
        &w.observed,
        &command(
            "dev",
            Command::Defer {
                task: api12.clone(),
            },
        ),
        t0(),
    );
    assert_eq!(
        defer.manifest.task(&api12).unwrap().status,
        convoy::model::manifest::TaskStatus::Deferred
    );
    let revert = |d: &convoy::lifecycle::Decision| {
        d.actions.iter().any(|a| matches!(&a.action, Action::RevertMerge { repo, branch, .. } if repo.as_str() == "acme/api" && branch.as_str() == "rc/2026.12.0"))
    };
    assert!(revert(&defer));
    // The executor failed: the next run plans the revert again.
    let retry = decide(&defer.manifest, &w.observed, &reconcile(), t0());
    assert!(revert(&retry));
    for a in &retry.actions {
        w.apply(&a.action).unwrap();
    }
    let done = decide(&retry.manifest, &w.observed, &reconcile(), t0());
    assert!(!revert(&done), "the revert merged; nothing more to do");
}

#[test]
fn comments_elsewhere_do_not_command_the_release() {
    let mut w = world(&release(Directive::Careful));
    let d = planning_with_tracking_issue(&mut w);
    let elsewhere = comment("maria", 42, 7, vec![Ok(Command::Approve)]);
    let ignored = decide(&d.manifest, &w.observed, &elsewhere, t0());
    assert!(ignored.manifest.approvals.is_empty());
    assert!(ignored.actions.is_empty(), "{:#?}", ignored.actions);
}

#[test]
fn a_redelivered_comment_is_carried_out_once() {
    let mut w = world(&release(Directive::Careful));
    let d = planning_with_tracking_issue(&mut w);
    let approve = comment("maria", 1, 555, vec![Ok(Command::Approve)]);
    let once = decide(&d.manifest, &w.observed, &approve, t0());
    assert_eq!(once.manifest.phase, Phase::Development);
    assert_eq!(once.manifest.handled_comments, [555]);
    // Delivered again later, at the next gate: it must not approve that one too.
    let again = decide(&once.manifest, &w.observed, &approve, t0());
    assert_eq!(again.manifest.approvals.len(), 1);
    assert_eq!(again.manifest.history, once.manifest.history);
}

#[test]
fn a_refused_dispatch_escalates_once_and_waits_for_retry() {
    use convoy::lifecycle::action::{ActionOutcome, Executed, refused_dispatches};
    use convoy::lifecycle::{TierVerdict, settle, tier_verdicts};
    let m = release(Directive::Careful);
    let mut w = world(&m);
    let is_dispatch = |a: &Action| matches!(a, Action::DispatchWorkflow { .. });
    let d = drive(m, &mut w, Conclusion::Success, |d| {
        d.actions.iter().any(|a| is_dispatch(&a.action))
    });
    let message = r#"Unexpected inputs provided: ["attempt", "refs", "tier"]"#;
    let executed: Vec<Executed> = d
        .actions
        .iter()
        .map(|a| Executed {
            planned: a.clone(),
            outcome: if is_dispatch(&a.action) {
                ActionOutcome::Refused {
                    reason: message.to_owned(),
                }
            } else {
                ActionOutcome::AlreadyDone
            },
        })
        .collect();
    assert_eq!(refused_dispatches(&executed).len(), 1, "the run fails");
    let settled = settle(&d, &d.manifest, &executed);
    let run = settled.tier_runs.last().unwrap().clone();
    assert_eq!(run.conclusion, Some(Conclusion::Refused));
    assert_eq!(run.refusal.as_deref(), Some(message));
    assert!(
        settled
            .history
            .iter()
            .any(|h| h.to.as_deref() == Some("refused"))
    );

    // The next decision escalates it and dispatches nothing.
    let next = decide(&settled, &w.observed, &reconcile(), t0());
    assert!(
        !next.actions.iter().any(|a| is_dispatch(&a.action)),
        "{:#?}",
        next.actions
    );
    let key = format!("refused:{}", run.correlation_id);
    assert!(
        next.manifest
            .escalations
            .iter()
            .any(|e| e.key == key && e.reason.contains(message))
    );
    let kinds: Vec<_> = next.actions.iter().map(|a| a.action.kind()).collect();
    assert!(
        kinds.contains(&"comment") && kinds.contains(&"add_label"),
        "{kinds:?}"
    );
    assert!(
        tier_verdicts(&next.manifest, run.phase)
            .iter()
            .any(|(t, v)| *t == run.tier && matches!(v, TierVerdict::Refused { .. }))
    );
    for a in &next.actions {
        w.apply(&a.action).unwrap();
    }
    // Deciding again changes nothing and does nothing.
    let again = decide(&next.manifest, &w.observed, &reconcile(), t0());
    assert!(
        !again.changed && again.actions.is_empty(),
        "{:#?}",
        again.actions
    );

    // `/convoy retry <tier>` sets the refused run aside and dispatches once more.
    let retry = decide(
        &next.manifest,
        &w.observed,
        &command(
            "dev",
            Command::Retry {
                tier: Some(run.tier.clone()),
            },
        ),
        t0(),
    );
    let fresh = retry.manifest.tier_runs.last().unwrap();
    assert_ne!(fresh.correlation_id, run.correlation_id);
    assert_eq!(fresh.attempt, 1);
    assert!(retry.actions.iter().any(|a| is_dispatch(&a.action)));
    assert!(
        retry
            .manifest
            .escalations
            .iter()
            .all(|e| e.resolved_at.is_some())
    );
}
