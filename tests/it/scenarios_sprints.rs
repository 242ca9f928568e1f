//! Sprints through the sandbox: an issue closed after its release shipped is not planned work for
//! the next release of the same sprint (nor is one closed as not planned); `create
//! sprints="…"` replaces the config's sprints for one release, and a sprint no member repo has
//! is refused before anything is written; GitHub Enterprise Server's milestone events (which
//! name the milestone only under `issue.milestone`, or not at all) defer and add tasks by what
//! the issue holds now.

use crate::scenario;

use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Phase, ReleaseManifest, TaskStatus};
use scenario::{Scenario, add_sprint_42, pass, seed_repo, seed_with};
use serde_json::json;

fn issues(m: &ReleaseManifest) -> Vec<String> {
    m.tasks.iter().map(|t| t.issue.to_string()).collect()
}

/// The `created` history entry's detail.
fn created(m: &ReleaseManifest) -> &str {
    &m.history
        .iter()
        .find(|h| h.event == HistoryEvent::Created)
        .expect("a created entry")
        .detail
}

/// The body of the release's tracking issue.
async fn tracking_body(s: &Scenario, m: &ReleaseManifest) -> String {
    let n = m.tracking_issue.expect("a tracking issue");
    s.get(&format!("/repos/acme/control/issues/{n}")).await["body"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// bob closes `repo#number` with `reason` (`completed`, `not_planned`).
async fn close(s: &mut Scenario, repo: &str, number: u64, reason: &str) {
    let a = s
        .bob
        .patch(
            &format!("/repos/{repo}/issues/{number}"),
            &json!({"state": "closed", "state_reason": reason}),
        )
        .await
        .unwrap();
    assert_eq!(a.body["state_reason"], reason);
    s.deliver().await;
}

/// bob opens an issue in `repo`'s milestone `milestone`; its number.
async fn open_issue(s: &mut Scenario, repo: &str, title: &str, milestone: &str) -> u64 {
    let all = s.get(&format!("/repos/{repo}/milestones?state=all")).await;
    let number = all
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["title"] == milestone)
        .unwrap_or_else(|| panic!("{repo} has no milestone {milestone}"))["number"]
        .clone();
    let a = s
        .bob
        .post(
            &format!("/repos/{repo}/issues"),
            &json!({"title": title, "milestone": number}),
        )
        .await
        .unwrap();
    s.deliver().await;
    a.body["number"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_shipped_and_closed_is_not_planned_again_for_the_same_sprint() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    let r1 = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(r1.phase, Phase::Shipped, "{:#?}", r1.history);
    assert_eq!(issues(&r1), ["acme/schema#3", "acme/api#12", "acme/web#7"]);

    // Its issues are closed as completed once shipped; in the same sprint, one idea is dropped
    // (closed as not planned) and one new issue is opened.
    for (repo, n) in [("acme/schema", 3), ("acme/api", 12), ("acme/web", 7)] {
        close(&mut s, repo, n, "completed").await;
    }
    let dropped = open_issue(&mut s, "acme/web", "A dropped idea", "Sprint 41").await;
    close(&mut s, "acme/web", dropped, "not_planned").await;
    let next = open_issue(&mut s, "acme/api", "Paginate /v2/orders", "Sprint 41").await;

    // The next release of the same sprint plans only the open issue.
    s.create("r2", "directive=auto").await;
    let r2 = s.manifest("r2").await;
    assert_eq!(issues(&r2), [format!("acme/api#{next}")], "{:#?}", r2.tasks);
    assert!(r2.tasks.iter().all(|t| t.status == TaskStatus::Planned));
    let detail = created(&r2);
    for want in [
        "left out 4 closed issues of the sprints: ",
        "acme/schema#3 (closed as completed)",
        "acme/api#12 (closed as completed)",
        "acme/web#7 (closed as completed)",
        &format!("acme/web#{dropped} (closed as not planned)"),
    ] {
        assert!(detail.contains(want), "{want:?} in {detail:?}");
    }
    let body = tracking_body(&s, &r2).await;
    assert!(body.contains(&format!("acme/api#{next}")), "{body}");
    assert!(!body.contains("acme/api#12"), "{body}");

    // Only the new work holds r2's development: it lands, and r2 moves on.
    s.land_tasks("r2").await;
    let r2 = s.drive_until("r2", Phase::Shipped, pass).await;
    assert_eq!(r2.phase, Phase::Shipped, "{:#?}", r2.history);
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// The demo seed plus "Sprint 42" (one issue in each member) and "Sprint 43" (one in acme/web).
fn later_sprints() -> convoy::sandbox::Seed {
    seed_with(
        |_| {},
        |s| {
            add_sprint_42(s);
            let web = seed_repo(s, "acme/web");
            web["milestones"]
                .as_array_mut()
                .unwrap()
                .push(json!("Sprint 43"));
            web["issues"].as_array_mut().unwrap().push(json!({
                "number": 9, "title": "Sprint 43 work", "milestone": "Sprint 43", "state": "open"
            }));
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sprints_argument_replaces_the_configs_sprints_for_one_release() {
    let mut s = Scenario::start(later_sprints()).await;

    // A sprint no member repo has is refused, naming it; nothing is written.
    let err = s
        .try_create("r1", r#"sprints="Sprint 42,Sprint 24""#)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        "cannot create the release: no member repo has a milestone titled `Sprint 24`; check \
         `sprints=` (titles match exactly, in any member repo, open or closed), or leave it out \
         to use the config's sprints"
    );
    assert!(s.manifest_opt("r1").await.is_none());
    let control = s.get("/repos/acme/control/issues?state=all").await;
    assert_eq!(control, json!([]), "no tracking issue");
    let rc = s.bot.get_opt("/repos/acme/api/git/ref/heads/rc/r1").await;
    assert!(matches!(rc, Ok(None)), "{rc:?}");

    // convoy.json says Sprint 41; this release takes Sprints 42 and 43.
    s.create("r1", r#"sprints="Sprint 42,Sprint 43""#).await;
    let m = s.manifest("r1").await;
    assert_eq!(m.sprints, ["Sprint 42", "Sprint 43"]);
    assert_eq!(
        issues(&m),
        ["acme/schema#4", "acme/api#13", "acme/web#8", "acme/web#9"]
    );
    let body = tracking_body(&s, &m).await;
    assert!(!body.contains("acme/api#12"), "{body}");

    // The release keeps its own sprints: moving a task to the config's sprint defers it.
    s.set_milestone("acme/api", 13, Some("Sprint 41")).await;
    let m = s.manifest("r1").await;
    let task = m
        .tasks
        .iter()
        .find(|t| t.issue.to_string() == "acme/api#13");
    assert_eq!(task.map(|t| t.status), Some(TaskStatus::Deferred));

    // The next release without the argument takes convoy.json's sprints again (acme/api#13
    // is in Sprint 41 now).
    s.create("r2", "").await;
    let r2 = s.manifest("r2").await;
    assert_eq!(r2.sprints, ["Sprint 41"]);
    assert_eq!(
        issues(&r2),
        ["acme/schema#3", "acme/api#13", "acme/api#12", "acme/web#7"]
    );
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// bob makes the milestone `moves` (`(repo, issue, milestone title or none)`), then their events
/// are delivered as GitHub Enterprise Server shapes them: `issues` payloads without the
/// top-level `milestone` (its `milestoned` names the milestone only under `issue.milestone`, its
/// `demilestoned` names none).
async fn move_as_on_enterprise_server(s: &mut Scenario, moves: &[(&str, u64, Option<&str>)]) {
    for (repo, number, title) in moves {
        let milestone = match title {
            Some(t) => {
                let all = s.get(&format!("/repos/{repo}/milestones?state=all")).await;
                all.as_array()
                    .unwrap()
                    .iter()
                    .find(|m| m["title"] == *t)
                    .unwrap_or_else(|| panic!("{repo} has no milestone {t}"))["number"]
                    .clone()
            }
            None => serde_json::Value::Null,
        };
        s.bob
            .patch(
                &format!("/repos/{repo}/issues/{number}"),
                &json!({ "milestone": milestone }),
            )
            .await
            .unwrap();
    }
    let events = s.bot.get("/_sandbox/events").await.unwrap();
    for e in events.as_array().cloned().unwrap_or_default() {
        let mut payload = e["payload"].clone();
        if e["name"] == "issues" {
            payload.as_object_mut().unwrap().remove("milestone");
        }
        s.race(e["name"].as_str().unwrap(), &payload, 1).await;
    }
    s.deliver().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enterprise_server_milestone_events_defer_and_add_tasks_by_what_the_issue_holds_now() {
    let mut s = Scenario::start(later_sprints()).await;
    s.create("r1", "").await;
    assert_eq!(
        issues(&s.manifest("r1").await),
        ["acme/schema#3", "acme/api#12", "acme/web#7"]
    );

    // Out of Sprint 41 (the payload does not say which): convoy reads the issue, finds no
    // milestone, and defers the task. Into Sprint 41 (named under `issue.milestone`): a task.
    move_as_on_enterprise_server(
        &mut s,
        &[("acme/api", 12, None), ("acme/api", 13, Some("Sprint 41"))],
    )
    .await;
    let m = s.manifest("r1").await;
    let status = |m: &ReleaseManifest, issue: &str| {
        m.tasks
            .iter()
            .find(|t| t.issue.to_string() == issue)
            .map(|t| t.status)
    };
    assert_eq!(status(&m, "acme/api#12"), Some(TaskStatus::Deferred));
    assert_eq!(status(&m, "acme/api#13"), Some(TaskStatus::Planned));
    let deferred = m
        .history
        .iter()
        .find(|h| h.event == HistoryEvent::TaskDeferred)
        .expect("a deferral");
    assert_eq!(deferred.actor, "bob");
    assert_eq!(
        deferred.detail,
        "deferred acme/api#12: moved out of its milestone (milestone change on acme/api#12)"
    );

    // Taken out and put back before the event is handled: the issue is in the sprint again,
    // and the task stays.
    move_as_on_enterprise_server(
        &mut s,
        &[("acme/web", 7, None), ("acme/web", 7, Some("Sprint 41"))],
    )
    .await;
    let after = s.manifest("r1").await;
    assert_eq!(status(&after, "acme/web#7"), Some(TaskStatus::Planned));
    assert_eq!(after.tasks.len(), m.tasks.len());
    let unread = s
        .runs
        .iter()
        .flat_map(|r| r.decisions.iter())
        .flat_map(|d| d.notes.iter())
        .find(|n| n.contains("the event does not name"));
    assert_eq!(unread, None, "every unnamed demilestone was read");
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}
