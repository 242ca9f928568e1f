//! Several releases and sprints in the pure core: staging exclusivity through
//! `Observed::staging_holders`, carry-over at creation, deferral notices on open pull requests,
//! retargeting carried pull requests, and milestone changes.

use crate::support;

use convoy::lifecycle::action::Action;
use convoy::lifecycle::observed::{ObservedComment, ObservedStatus, StagingHold, StatusState};
use convoy::lifecycle::{Decision, Owner, decide};
use convoy::model::config::Directive;
use convoy::model::create::{CreateRequest, carried_tasks};
use convoy::model::history::HistoryEvent;
use convoy::model::ids::{IssueRef, ReleaseId};
use convoy::model::manifest::{Phase, ReleaseManifest, TaskStatus};
use convoy::model::numbers::{IssueNumber, PullNumber};
use convoy::rehearse::World;
use convoy::signal::{Command, CreateArgs, IssueChange, Signal};
use support::{branch, command, config, login, reconcile, release, repo, t0, world};

fn issue(s: &str) -> IssueRef {
    IssueRef::parse(s).unwrap()
}

/// Applies every action of `d` to `w` and returns the manifest.
fn apply(w: &mut World, d: Decision) -> ReleaseManifest {
    for a in &d.actions {
        w.apply(&a.action).unwrap();
    }
    d.manifest
}

/// One reconcile, applied to the world.
fn step(w: &mut World, m: &ReleaseManifest) -> ReleaseManifest {
    let d = decide(m, &w.observed, &reconcile(), t0());
    apply(w, d)
}

/// An auto release in development with its RC branches cut.
fn developing() -> (ReleaseManifest, World) {
    let m = release(Directive::Auto);
    let mut w = world(&m);
    let mut m = step(&mut w, &m);
    for _ in 0..3 {
        m = step(&mut w, &m);
    }
    assert_eq!(m.phase, Phase::Development);
    (m, w)
}

fn hold(release: &str, phase: Phase) -> StagingHold {
    StagingHold {
        release: ReleaseId::parse(release).unwrap(),
        repo: repo("acme/api"),
        branch: branch("staging"),
        phase,
        locked: false,
    }
}

#[test]
fn a_release_ready_for_staging_waits_while_another_holds_it() {
    let (m, mut w) = developing();
    w.land_open_tasks(&m);
    w.observed.staging_holders = vec![hold("2026.11.0", Phase::Validation)];
    let d = decide(&m, &w.observed, &reconcile(), t0());
    assert_eq!(d.manifest.phase, Phase::Development);
    let why = "staging of acme/api is held by release 2026.11.0 (validation); this release moves on when it ships or stops";
    assert!(
        d.waits.iter().any(|x| x.who == Owner::Ci && x.what == why),
        "{:#?}",
        d.waits
    );
    assert!(
        d.actions
            .iter()
            .all(|a| !matches!(a.action, Action::OpenPullRequest { .. }))
    );
    let again = decide(&d.manifest, &w.observed, &reconcile(), t0());
    let held = again
        .manifest
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::StagingHeld)
        .count();
    assert_eq!(held, 1, "the wait is recorded once");

    // Holders that do not count: this release itself, one in development, another branch.
    let mut other_branch = hold("2026.11.0", Phase::Shipping);
    other_branch.branch = branch("staging-eu");
    w.observed.staging_holders = vec![
        hold(m.id.as_str(), Phase::Staging),
        hold("2026.11.1", Phase::Development),
        other_branch,
    ];
    let d = decide(&again.manifest, &w.observed, &reconcile(), t0());
    assert_eq!(d.manifest.phase, Phase::Staging, "{:#?}", d.waits);
}

/// A staging lock holds whatever its holder's phase: a release entering staging (its run took
/// the lock and has not written its manifest yet), and one that ended and has not released it.
#[test]
fn a_release_waits_for_a_staging_lock_held_in_any_phase() {
    let (m, mut w) = developing();
    w.land_open_tasks(&m);
    for (phase, why) in [
        (
            Phase::Development,
            "staging of acme/api is locked by release 2026.11.1, which is entering staging (development); this release moves on when it ships or stops, or 30 minutes after it took the lock if it does not enter",
        ),
        (
            Phase::Shipped,
            "staging of acme/api is still locked by release 2026.11.1, which has ended (shipped); this release moves on once the lock is released, at the latest 30 minutes after 2026.11.1 ended",
        ),
    ] {
        let mut locked = hold("2026.11.1", phase);
        locked.locked = true;
        w.observed.staging_holders = vec![locked];
        let d = decide(&m, &w.observed, &reconcile(), t0());
        assert_eq!(d.manifest.phase, Phase::Development);
        assert!(
            d.waits.iter().any(|x| x.who == Owner::Ci && x.what == why),
            "{:#?}",
            d.waits
        );
    }
}

#[test]
fn carry_over_takes_deferred_and_unfinished_tasks_of_member_repos() {
    let mut prev = release(Directive::Careful);
    prev.tasks[0].status = TaskStatus::Deferred;
    prev.tasks[0].pull_requests = vec![PullNumber::new(41)];
    prev.tasks[1].status = TaskStatus::InProgress;
    let mut merged = prev.tasks[1].clone();
    merged.issue = issue("acme/web#8");
    merged.status = TaskStatus::Merged;
    prev.tasks.push(merged);

    // Still in development: its unfinished tasks are its own; only the deferred one carries.
    prev.phase = Phase::Development;
    let carried = carried_tasks(&config(), &prev);
    assert_eq!(carried.len(), 1);
    assert_eq!(carried[0].issue, issue("acme/api#12"));
    assert_eq!(carried[0].status, TaskStatus::Planned);
    assert_eq!(carried[0].pull_requests, [PullNumber::new(41)]);
    let from = carried[0].carried_from.as_ref().unwrap();
    assert_eq!(from.rc_branch.as_str(), "rc/2026.12.0");

    // Aborted: the unfinished one carries too (its dependency on api#12 stays: api#12 carries).
    prev.phase = Phase::Aborted;
    let req = CreateRequest {
        id: ReleaseId::parse("2027.1.0").unwrap(),
        control_repo: repo("acme/release-control"),
        actor: login("release-captain"),
        now: t0(),
        args: CreateArgs {
            tasks: vec![issue("acme/api#12")],
            carry_over: Some(prev.id.clone()),
            ..CreateArgs::default()
        },
        gathered: vec![],
        left_out: Vec::new(),
    };
    let m = ReleaseManifest::create_carrying(&config(), req, Some(&prev)).unwrap();
    let issues: Vec<String> = m.tasks.iter().map(|t| t.issue.to_string()).collect();
    assert_eq!(issues, ["acme/api#12", "acme/web#7"], "de-duplicated");
    assert_eq!(
        m.tasks[0].pull_requests,
        [PullNumber::new(41)],
        "the explicit task gained the PR"
    );
    assert!(m.tasks[0].carried_from.is_some());
    assert_eq!(m.tasks[1].depends_on, [issue("acme/api#12")]);
    assert!(m.tasks.iter().all(|t| t.status == TaskStatus::Planned));
    let h = m.history.last().unwrap();
    assert_eq!(h.event, HistoryEvent::CarriedOver);
    assert_eq!(
        h.detail,
        "carried over 2 tasks from 2026.12.0: acme/api#12, acme/web#7"
    );
    let problems = convoy::validate::check_manifest_value(&m);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_deferred_open_pull_request_gets_a_failing_status_and_a_comment_once() {
    let (m, mut w) = developing();
    let rc = branch("rc/2026.12.0");
    let api = repo("acme/api");
    let head = branch("feat-12");
    let sha = w.push(&api, &head);
    let pr = w.open_pull(&api, &head, &rc, "Closes #12").unwrap();
    let m = step(&mut w, &m);
    let d = decide(
        &m,
        &w.observed,
        &command(
            "dev",
            Command::Defer {
                task: issue("acme/api#12"),
            },
        ),
        t0(),
    );
    let status = d.actions.iter().find_map(|a| match &a.action {
        Action::SetCommitStatus {
            sha: s,
            context,
            state,
            description,
            ..
        } if context == "convoy/release" => Some((s.clone(), *state, description.clone())),
        _ => None,
    });
    assert_eq!(
        status,
        Some((
            sha.clone(),
            StatusState::Failure,
            "deferred from release 2026.12.0".to_owned()
        ))
    );
    let comment = d.actions.iter().find_map(|a| match &a.action {
        Action::Comment {
            issue,
            marker,
            body,
            ..
        } if *issue == pr.into() => Some((marker.clone(), body.clone())),
        _ => None,
    });
    let (marker, body) = comment.expect("a comment on the pull request");
    assert!(body.contains("carry_over=2026.12.0"), "{body}");
    // Once GitHub shows both, nothing more is planned.
    w.observed.statuses.push(ObservedStatus {
        repo: api.clone(),
        sha,
        context: "convoy/release".to_owned(),
        state: StatusState::Failure,
        description: "deferred from release 2026.12.0".to_owned(),
    });
    w.observed.comments.push(ObservedComment {
        repo: api,
        issue: pr.into(),
        marker,
    });
    let quiet = decide(&d.manifest, &w.observed, &reconcile(), t0());
    assert!(
        quiet.actions.iter().all(|a| !matches!(
            a.action,
            Action::SetCommitStatus { .. } | Action::Comment { .. }
        )),
        "{:#?}",
        quiet.actions
    );
}

#[test]
fn a_carried_pull_request_is_retargeted_once_the_rc_branch_exists() {
    let mut prev = release(Directive::Careful);
    prev.phase = Phase::Development;
    prev.tasks[0].status = TaskStatus::Deferred;
    let req = CreateRequest {
        id: ReleaseId::parse("2027.1.0").unwrap(),
        control_repo: repo("acme/release-control"),
        actor: login("release-captain"),
        now: t0(),
        args: CreateArgs {
            directive: Some(Directive::Auto),
            ..CreateArgs::default()
        },
        gathered: vec![],
        left_out: Vec::new(),
    };
    let m = ReleaseManifest::create_carrying(&config(), req, Some(&prev)).unwrap();
    let mut w = world(&m);
    let api = repo("acme/api");
    let old_rc = branch("rc/2026.12.0");
    let main = w.observed.head(&api, &branch("main")).unwrap().clone();
    w.set_head(&api, &old_rc, main);
    let head = branch("feat-12");
    w.push(&api, &head);
    let pr = w.open_pull(&api, &head, &old_rc, "Closes #12").unwrap();

    let retarget = |d: &Decision| {
        d.actions.iter().any(|a| {
            a.action
                == Action::RetargetPullRequest {
                    repo: api.clone(),
                    number: pr,
                    base: branch("rc/2027.1.0"),
                }
        })
    };
    let first = decide(&m, &w.observed, &reconcile(), t0());
    assert!(!retarget(&first), "not before the RC branch exists");
    let mut m = apply(&mut w, first);
    let mut seen = false;
    for _ in 0..4 {
        let d = decide(&m, &w.observed, &reconcile(), t0());
        seen |= retarget(&d);
        m = apply(&mut w, d);
    }
    assert!(seen);
    assert_eq!(
        w.observed.pull(&api, pr).unwrap().base.as_str(),
        "rc/2027.1.0"
    );
    let t = m.task(&issue("acme/api#12")).unwrap();
    assert_eq!(t.status, TaskStatus::InProgress);
    assert_eq!(t.pull_requests, [pr]);
}

fn milestone(change: IssueChange, number: u64) -> Signal {
    Signal::Issue {
        repo: repo("acme/api"),
        number: IssueNumber::new(number),
        change,
        actor: Some(login("dev")),
    }
}

#[test]
fn milestone_changes_defer_add_or_are_only_noted() {
    let (mut m, w) = developing();
    m.sprints = vec!["Sprint 41".to_owned()];
    let out = IssueChange::Demilestoned {
        milestone: "Sprint 41".to_owned(),
    };
    let d = decide(&m, &w.observed, &milestone(out.clone(), 12), t0());
    assert_eq!(
        d.manifest.task(&issue("acme/api#12")).unwrap().status,
        TaskStatus::Deferred
    );
    let h = d.manifest.history.last().unwrap();
    assert_eq!(
        (h.actor.as_str(), &h.event),
        ("dev", &HistoryEvent::TaskDeferred)
    );
    assert!(h.detail.contains("moved out of Sprint 41"), "{h:?}");

    // Another milestone that is not a sprint of the release: out too. Not a task: nothing.
    let later = IssueChange::Milestoned {
        milestone: "Sprint 42".to_owned(),
    };
    let d2 = decide(&m, &w.observed, &milestone(later.clone(), 12), t0());
    assert_eq!(
        d2.manifest.task(&issue("acme/api#12")).unwrap().status,
        TaskStatus::Deferred
    );
    let d3 = decide(&m, &w.observed, &milestone(later, 99), t0());
    assert!(!d3.changed);

    // Into the sprint: a new planned task.
    let into = IssueChange::Milestoned {
        milestone: "Sprint 41".to_owned(),
    };
    let d4 = decide(&m, &w.observed, &milestone(into, 99), t0());
    let added = d4.manifest.task(&issue("acme/api#99")).unwrap();
    assert_eq!(added.status, TaskStatus::Planned);

    // After development: noted, nothing changes.
    let mut v = m.clone();
    v.phase = Phase::Validation;
    let d5 = decide(&v, &w.observed, &milestone(out, 12), t0());
    assert_eq!(d5.manifest.tasks, v.tasks);
    assert!(
        d5.notes
            .iter()
            .any(|n| n.contains("acme/api#12 was moved out of Sprint 41")),
        "{:#?}",
        d5.notes
    );
}

#[test]
fn a_milestone_read_after_an_unnamed_demilestone_is_judged_against_the_sprints() {
    let (mut m, w) = developing();
    m.sprints = vec!["Sprint 41".to_owned()];
    let read = |milestone: Option<&str>| IssueChange::MilestoneRead {
        milestone: milestone.map(str::to_owned),
    };

    // Unread (GitHub Enterprise Server's payload names no milestone): nothing changes, a note.
    let d = decide(
        &m,
        &w.observed,
        &milestone(IssueChange::DemilestonedUnnamed, 12),
        t0(),
    );
    assert_eq!(d.manifest.tasks, m.tasks);
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("acme/api#12 was taken out of a milestone the event does not name")),
        "{:#?}",
        d.notes
    );

    // Read: in no milestone now → out of the sprints, deferred.
    let d = decide(&m, &w.observed, &milestone(read(None), 12), t0());
    assert_eq!(
        d.manifest.task(&issue("acme/api#12")).unwrap().status,
        TaskStatus::Deferred
    );
    let h = d.manifest.history.last().unwrap();
    assert_eq!(
        (h.actor.as_str(), &h.event),
        ("dev", &HistoryEvent::TaskDeferred)
    );
    assert!(h.detail.contains("moved out of its milestone"), "{h:?}");

    // Read: still (or again) in the release's sprint → nothing changes; in another → deferred.
    let d = decide(
        &m,
        &w.observed,
        &milestone(read(Some("Sprint 41")), 12),
        t0(),
    );
    assert!(!d.changed, "{:#?}", d.manifest.history.last());
    let d = decide(
        &m,
        &w.observed,
        &milestone(read(Some("Sprint 42")), 12),
        t0(),
    );
    assert_eq!(
        d.manifest.task(&issue("acme/api#12")).unwrap().status,
        TaskStatus::Deferred
    );

    // A release without sprints keeps its tasks whatever their milestones.
    let mut no_sprints = m.clone();
    no_sprints.sprints.clear();
    let d = decide(&no_sprints, &w.observed, &milestone(read(None), 12), t0());
    assert!(!d.changed);
}
