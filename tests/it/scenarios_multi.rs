//! Several releases and sprints through the sandbox: staging is exclusive (a second release
//! waits in development and proceeds when the first ships); deferring a merged task reverts it
//! on the RC branch; deferring an unmerged task marks its pull request, and the next release
//! carries it over and retargets the pull request; a milestone change defers a task.

use crate::scenario;

use convoy::lifecycle::Owner;
use convoy::model::history::HistoryEvent;
use convoy::model::ids::{IssueRef, RepoName};
use convoy::model::manifest::{Phase, ReleaseManifest, TaskStatus};
use convoy::model::numbers::PullNumber;
use scenario::{Scenario, add_sprint_42, pass, seed_repo, seed_with};
use serde_json::json;

fn name(s: &str) -> RepoName {
    RepoName::parse(s).unwrap()
}

fn task_status(m: &ReleaseManifest, issue: &str) -> TaskStatus {
    m.task(&IssueRef::parse(issue).unwrap())
        .unwrap_or_else(|| panic!("{issue} is a task of {}", m.id))
        .status
}

fn rc(m: &ReleaseManifest, repo: &str) -> String {
    m.repo(&name(repo)).unwrap().rc_branch.to_string()
}

/// When `m` entered `phase` (the last time).
fn entered(m: &ReleaseManifest, phase: Phase) -> convoy::model::time::Timestamp {
    m.history
        .iter()
        .rev()
        .find(|h| h.event == HistoryEvent::PhaseChanged && h.to.as_deref() == Some(phase.as_str()))
        .unwrap_or_else(|| panic!("{} never entered {}", m.id, phase.as_str()))
        .at
}

/// The demo seed plus a second sprint, "Sprint 42", with one issue per member repo, and an
/// issue without a milestone in acme/api (#14).
fn two_sprints() -> convoy::sandbox::Seed {
    seed_with(
        |_| {},
        |s| {
            add_sprint_42(s);
            seed_repo(s, "acme/api")["issues"]
                .as_array_mut()
                .unwrap()
                .push(json!({"number": 14, "title": "Unplanned", "state": "open"}));
        },
    )
}

/// A careful release through its plan gate into development, RC branches cut.
async fn into_development(s: &mut Scenario, id: &str, args: &str) -> ReleaseManifest {
    s.create(id, args).await;
    s.say(id, "alice", "/convoy approve").await;
    let m = s.manifest(id).await;
    assert_eq!(m.phase, Phase::Development, "{:#?}", m.history);
    for r in &m.repos {
        s.head(r.name.as_str(), r.rc_branch.as_str()).await;
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_release_waits_for_staging_and_proceeds_when_the_first_ships() {
    let mut s = Scenario::start(two_sprints()).await;
    s.create("r1", "directive=auto").await;
    let r1 = s.drive_until("r1", Phase::Validation, pass).await;
    assert_eq!(r1.phase, Phase::Validation);

    // The next sprint's release: its tasks come from Sprint 42.
    s.edit_config(|c| c["sprints"] = json!(["Sprint 42"])).await;
    into_development(&mut s, "r2", "").await;
    let m = s.manifest("r2").await;
    let issues: Vec<String> = m.tasks.iter().map(|t| t.issue.to_string()).collect();
    assert_eq!(issues, ["acme/schema#4", "acme/api#13", "acme/web#8"]);
    s.land_tasks("r2").await;
    s.say("r2", "alice", "/convoy promote").await;
    s.tick().await;

    // Every task merged, leaving development approved, but r1 holds staging.
    let r2 = s.manifest("r2").await;
    assert_eq!(r2.phase, Phase::Development, "{:#?}", r2.history);
    assert!(r2.tasks.iter().all(|t| t.status == TaskStatus::Merged));
    let why = "staging of acme/schema, acme/api, acme/web is held by release r1 (validation); this release moves on when it ships or stops";
    assert!(
        s.waits("r2").contains(&(Owner::Ci, why.to_owned())),
        "{:#?}",
        s.waits("r2")
    );
    let held: Vec<_> = r2
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::StagingHeld)
        .collect();
    assert_eq!(held.len(), 1, "recorded once: {held:#?}");
    assert_eq!(held[0].detail, why);
    let tracking = s
        .get(&format!(
            "/repos/acme/control/issues/{}",
            r2.tracking_issue.unwrap()
        ))
        .await;
    assert!(
        tracking["body"].as_str().unwrap().contains(why),
        "{}",
        tracking["body"]
    );
    // Staging holds none of r2's work: no promotion PR was opened.
    for (r, n) in r2.repos.iter().zip([4, 13, 8]) {
        assert_eq!(r.prs.staging, None, "{}", r.name);
        assert!(
            s.file(r.name.as_str(), &format!("src/r2-task-{n}.txt"), "staging")
                .await
                .is_none()
        );
    }

    // r1 ships; a run later r2 enters staging by itself and ships too.
    let r1 = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(r1.phase, Phase::Shipped, "{:#?}", r1.history);
    s.tick().await;
    let r2 = s.manifest("r2").await;
    assert!(r2.phase >= Phase::Staging, "{:#?}", s.waits("r2"));
    assert!(
        entered(&r2, Phase::Staging) >= entered(&r1, Phase::Shipped),
        "r2 promoted to staging only after r1 shipped"
    );
    let r2 = s.drive_until("r2", Phase::Shipped, pass).await;
    assert_eq!(r2.phase, Phase::Shipped, "{:#?}", r2.history);
    let r1 = s.manifest("r1").await;
    assert_eq!(r1.phase, Phase::Shipped);
    // Every staging PR of r2 was opened after r1 shipped; main holds both releases' work.
    for r in &r2.repos {
        let pr = s
            .pull(r.name.as_str(), r.prs.staging.expect("a staging PR"))
            .await;
        assert_eq!(pr["merged"], true);
        assert_eq!(pr["head"]["ref"], r.rc_branch.as_str());
    }
    for (repo, a, b) in [
        ("acme/schema", 3, 4),
        ("acme/api", 12, 13),
        ("acme/web", 7, 8),
    ] {
        for (id, n) in [("r1", a), ("r2", b)] {
            assert!(
                s.file(repo, &format!("src/{id}-task-{n}.txt"), "main")
                    .await
                    .is_some(),
                "{repo} main has {id}'s task {n}"
            );
        }
    }
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferring_a_merged_task_reverts_it_on_the_rc_branch() {
    let mut s = Scenario::demo().await;
    into_development(&mut s, "r1", "").await;
    s.land_tasks("r1").await;
    let m = s.manifest("r1").await;
    assert_eq!(task_status(&m, "acme/api#12"), TaskStatus::Merged);
    let rc = rc(&m, "acme/api");
    assert!(
        s.file("acme/api", "src/r1-task-12.txt", &rc)
            .await
            .is_some()
    );

    s.say("r1", "alice", "/convoy defer acme/api#12").await;
    let m = s.manifest("r1").await;
    assert_eq!(task_status(&m, "acme/api#12"), TaskStatus::Deferred);
    let entry = m
        .history
        .iter()
        .find(|h| h.event == HistoryEvent::CommandDefer)
        .unwrap();
    assert_eq!(entry.actor, "alice");
    assert!(
        entry.detail.contains("its merge is reverted on"),
        "{entry:?}"
    );
    // The revert went through a pull request on the RC branch, merged.
    let pulls = s
        .get(&format!("/repos/acme/api/pulls?state=all&base={rc}"))
        .await;
    let revert = pulls
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["head"]["ref"]
                .as_str()
                .is_some_and(|h| h.starts_with("convoy/defer-r1-pr"))
        })
        .unwrap_or_else(|| panic!("a revert PR: {pulls:#}"));
    assert_eq!(revert["title"], "convoy r1: defer acme/api#12");
    assert!(revert["merged_at"].is_string(), "{revert:#}");
    assert!(
        s.file("acme/api", "src/r1-task-12.txt", &rc)
            .await
            .is_none(),
        "the RC tree no longer has the deferred task's file"
    );
    assert!(s.file("acme/api", "src/lib.txt", &rc).await.is_some());

    // The release ships without it.
    s.say("r1", "alice", "/convoy promote").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", m.history);
    assert!(
        s.file("acme/api", "src/r1-task-12.txt", "main")
            .await
            .is_none()
    );
    assert!(
        s.file("acme/web", "src/r1-task-7.txt", "main")
            .await
            .is_some()
    );
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_open_pull_request_is_marked_then_carried_over_and_retargeted() {
    let mut s = Scenario::demo().await;
    let m = into_development(&mut s, "r1", "").await;
    let r1_rc = rc(&m, "acme/api");
    let (pr, head) = s.open_task_pull("r1", "acme/api", 12).await;
    let pr = PullNumber::new(pr);
    assert_eq!(
        task_status(&s.manifest("r1").await, "acme/api#12"),
        TaskStatus::InProgress
    );

    s.say("r1", "alice", "/convoy defer acme/api#12").await;
    s.tick().await;
    s.tick().await;
    let m = s.manifest("r1").await;
    assert_eq!(task_status(&m, "acme/api#12"), TaskStatus::Deferred);
    let latest = s
        .statuses("acme/api", &head)
        .await
        .into_iter()
        .find(|(c, _, _)| c == "convoy/release")
        .expect("a convoy/release status");
    assert_eq!(
        latest,
        (
            "convoy/release".to_owned(),
            "failure".to_owned(),
            "deferred from release r1".to_owned()
        )
    );
    let notes: Vec<String> = s
        .comments("acme/api", pr.into())
        .await
        .into_iter()
        .filter(|c| c.contains("was deferred from release r1"))
        .collect();
    assert_eq!(notes.len(), 1, "one comment, however many runs: {notes:#?}");
    assert!(notes[0].contains("carry_over=r1"), "{}", notes[0]);
    assert_eq!(s.pull("acme/api", pr).await["state"], "open");

    // A carry-over from a release that does not exist is refused, saying so.
    let err = s.try_create("r2", "carry_over=r0").await.unwrap_err();
    assert!(
        err.contains("cannot carry over from release r0") && err.contains("does not exist"),
        "{err}"
    );

    // The next release carries the deferred task (its sprint tasks stay r1's) and moves the
    // pull request to its own RC branch once that exists.
    s.edit_config(|c| c["sprints"] = json!([])).await;
    s.create("r2", "carry_over=r1 directive=auto").await;
    s.tick().await;
    let r2 = s.manifest("r2").await;
    let issues: Vec<String> = r2.tasks.iter().map(|t| t.issue.to_string()).collect();
    assert_eq!(issues, ["acme/api#12"], "only the deferred task carries");
    let task = &r2.tasks[0];
    assert_eq!(task.pull_requests, [pr]);
    let from = task.carried_from.as_ref().unwrap();
    assert_eq!(
        (from.release.as_str(), from.rc_branch.as_str()),
        ("r1", r1_rc.as_str())
    );
    let carried = r2
        .history
        .iter()
        .find(|h| h.event == HistoryEvent::CarriedOver)
        .unwrap();
    assert_eq!(carried.detail, "carried over 1 task from r1: acme/api#12");
    assert_eq!(carried.actor, "alice");

    assert_eq!(r2.phase, Phase::Development, "{:#?}", r2.history);
    let r2_rc = rc(&r2, "acme/api");
    assert_ne!(r2_rc, r1_rc);
    let moved = s.pull("acme/api", pr).await;
    assert_eq!(moved["base"]["ref"], r2_rc.as_str(), "{moved:#}");
    assert_eq!(moved["state"], "open");
    assert_eq!(task_status(&r2, "acme/api#12"), TaskStatus::InProgress);
    let latest = s
        .statuses("acme/api", &head)
        .await
        .into_iter()
        .find(|(c, _, _)| c == "convoy/release")
        .unwrap();
    assert_eq!(latest.1, "success", "{latest:?}");
    assert_eq!(latest.2, "carried over from release r1 into release r2");
    // r1 no longer claims it.
    let r1 = s.manifest("r1").await;
    assert_eq!(task_status(&r1, "acme/api#12"), TaskStatus::Deferred);

    // Merged into r2's RC, the carried task is done there.
    s.bob
        .put(
            &format!("/repos/acme/api/pulls/{pr}/merge"),
            &json!({"merge_method": "merge"}),
        )
        .await
        .unwrap();
    s.deliver().await;
    let r2 = s.manifest("r2").await;
    assert_eq!(task_status(&r2, "acme/api#12"), TaskStatus::Merged);
    assert!(
        s.file("acme/api", "src/r1-task-12.txt", &r2_rc)
            .await
            .is_some()
    );
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_milestone_change_defers_a_task() {
    let mut s = Scenario::start(two_sprints()).await;
    into_development(&mut s, "r1", "").await;

    // Moved to the next sprint, and taken out of any milestone: both deferred. The member
    // repository's workflow forwards only which issue changed; convoy reads its milestone from
    // GitHub (which does not say who moved it), so the history names convoy.
    s.set_milestone("acme/api", 12, Some("Sprint 42")).await;
    s.set_milestone("acme/schema", 3, None).await;
    // Put into the release's sprint: it becomes a task.
    s.set_milestone("acme/api", 14, Some("Sprint 41")).await;
    let m = s.manifest("r1").await;
    assert_eq!(task_status(&m, "acme/api#12"), TaskStatus::Deferred);
    assert_eq!(task_status(&m, "acme/schema#3"), TaskStatus::Deferred);
    assert_eq!(task_status(&m, "acme/web#7"), TaskStatus::Planned);
    assert_eq!(task_status(&m, "acme/api#14"), TaskStatus::Planned);
    let deferred: Vec<(&str, &str)> = m
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::TaskDeferred)
        .map(|h| (h.actor.as_str(), h.detail.as_str()))
        .collect();
    assert_eq!(
        deferred,
        [
            (
                "convoy",
                "deferred acme/api#12: moved to Sprint 42 (milestone change on acme/api#12)"
            ),
            (
                "convoy",
                "deferred acme/schema#3: moved out of its milestone (milestone change on acme/schema#3)"
            )
        ]
    );
    let added = m
        .history
        .iter()
        .find(|h| h.event == HistoryEvent::TaskAdded)
        .unwrap();
    assert_eq!(added.actor, "convoy");
    assert!(added.detail.contains("moved to Sprint 41"), "{added:?}");

    // The rest lands and the release moves on; past development a milestone change is only noted.
    s.land_tasks("r1").await;
    s.say("r1", "alice", "/convoy promote").await;
    let m = s.drive_until("r1", Phase::Validation, pass).await;
    assert_eq!(m.phase, Phase::Validation);
    s.set_milestone("acme/web", 7, None).await;
    let after = s.manifest("r1").await;
    assert_eq!(task_status(&after, "acme/web#7"), TaskStatus::Merged);
    let noted = s
        .runs
        .iter()
        .rev()
        .flat_map(|r| r.decisions.iter())
        .flat_map(|d| d.notes.iter())
        .any(|n| {
            n.contains("acme/web#7 was moved out of its milestone, but release r1 is in validation")
        });
    assert!(noted, "the change is noted");
    assert_eq!(
        after.tasks, m.tasks,
        "a milestone change after development changes no task"
    );
    assert!(
        s.file("acme/schema", "src/r1-task-3.txt", "staging")
            .await
            .is_none(),
        "the deferred task never reached staging"
    );
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}
