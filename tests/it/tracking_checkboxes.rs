//! The tracking issue's checkbox controls through the sandbox, delivered as GitHub delivers
//! them: a person ticks a box on the issue's page (an edit of its body), the control workflow
//! runs on the `issues` `edited` event, convoy runs the box's command as that person with a
//! comment's checks, unticks the box and answers in a comment. A bot's edit starts nothing.

use crate::scenario;

use convoy::model::manifest::{Phase, RunKind, TaskStatus};
use convoy::model::numbers::IssueNumber;
use scenario::{Scenario, pass, seed_with};
use serde_json::{Value, json};

async fn body(s: &Scenario, issue: IssueNumber) -> String {
    s.get(&format!("/repos/acme/control/issues/{issue}")).await["body"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// convoy's answers to ticked boxes on the tracking issue.
async fn answers(s: &Scenario, issue: IssueNumber) -> Vec<String> {
    s.comments("acme/control", issue)
        .await
        .into_iter()
        .filter(|c| c.starts_with("<!-- convoy:ticked:"))
        .collect()
}

/// The demo seed with `tess`, who may triage the control repo (edit its issues) but not write.
async fn with_tess() -> Scenario {
    Scenario::start(seed_with(
        |_| {},
        |seed| {
            seed["users"].as_array_mut().unwrap().push(json!({
                "login": "tess", "token": "t-tess",
                "permissions": {"acme/control": "triage"}
            }));
        },
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticking_approve_then_abort_runs_them_as_the_person_who_ticked() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Planning, "the demo's directive is careful");
    let issue = m.tracking_issue.unwrap();
    let b = body(&s, issue).await;
    assert!(b.contains("### Controls"), "{b}");
    for key in ["approve:plan", "abort", "defer:acme/api#12"] {
        assert!(
            b.contains(&format!("<!-- convoy:box={key} -->")),
            "{key}: {b}"
        );
    }

    let line = s.check_box("r1", "alice", "approve:plan").await;
    assert!(line.contains("approve the plan gate"), "{line}");
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Development);
    let approval = m.approvals.last().unwrap();
    assert_eq!(approval.by.as_str(), "alice");
    assert_eq!(approval.via, format!("checkbox on acme/control#{issue}"));
    // Unticked: the body is re-rendered, the plan gate's box gone, the next gate's there.
    let b = body(&s, issue).await;
    assert!(!b.contains("- [x]"), "{b}");
    assert!(!b.contains("box=approve:plan"), "{b}");
    assert!(b.contains("<!-- convoy:box=approve:promote -->"), "{b}");
    let said = answers(&s, issue).await;
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(
        said[0].contains("@alice ticked **approve the plan gate**: approved the plan gate."),
        "{}",
        said[0]
    );

    s.check_box("r1", "alice", "abort").await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Aborted);
    assert!(
        m.history
            .iter()
            .any(|h| h.actor == "alice" && h.detail.contains("via checkbox on acme/control#")),
        "{:#?}",
        m.history
    );
    let said = answers(&s, issue).await;
    assert_eq!(said.len(), 2, "{said:#?}");
    assert!(said[1].contains("@alice ticked **abort**: stopped the release in development"));
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticking_defer_takes_the_task_out() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    s.check_box("r1", "bob", "defer:acme/api#12").await;
    let m = s.manifest("r1").await;
    let task = m
        .tasks
        .iter()
        .find(|t| t.issue.as_str() == "acme/api#12")
        .unwrap();
    assert_eq!(task.status, TaskStatus::Deferred);
    let issue = m.tracking_issue.unwrap();
    assert!(!body(&s, issue).await.contains("box=defer:acme/api#12"));
    let said = answers(&s, issue).await;
    assert!(
        said.iter()
            .any(|c| c.contains("@bob ticked **defer acme/api#12**: deferred acme/api#12")),
        "{said:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticking_retry_runs_the_failed_tier_again() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    for _ in 0..4 {
        s.finish_runs("r1", |_| Some("failure")).await;
    }
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation);
    let failed = Scenario::runs_of(&m, "e2e", RunKind::Tier).len();
    let issue = m.tracking_issue.unwrap();
    let b = body(&s, issue).await;
    assert!(b.contains("<!-- convoy:box=retry:e2e -->"), "{b}");

    s.check_box("r1", "bob", "retry:e2e").await;
    let m = s.manifest("r1").await;
    let runs = Scenario::runs_of(&m, "e2e", RunKind::Tier);
    assert_eq!(runs.len(), failed + 1, "one more run: {runs:#?}");
    assert!(runs[..failed].iter().all(|r| r.superseded));
    assert!(
        answers(&s, issue)
            .await
            .iter()
            .any(|c| c.contains("@bob ticked **retry tier e2e**: set")),
    );
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unauthorised_tick_runs_nothing_but_the_answer() {
    let mut s = with_tess().await;
    s.create("r1", "").await;
    let before = s.manifest("r1").await;
    let issue = before.tracking_issue.unwrap();
    // bob may write but is no approver.
    s.check_box("r1", "bob", "approve:plan").await;
    // tess may edit the issue but not write to the control repo.
    s.check_box("r1", "tess", "abort").await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Planning);
    assert!(m.approvals.is_empty());
    assert_eq!(m.history, before.history, "nothing was carried out");
    let said = answers(&s, issue).await;
    assert_eq!(said.len(), 2, "{said:#?}");
    assert!(
        said[0].contains("@bob cannot approve: only the people in `approvers.users`"),
        "{}",
        said[0]
    );
    assert!(
        said[1].contains("@tess cannot abort: only people with write permission on acme/control may give commands, and you have triage."),
        "{}",
        said[1]
    );
    // Both boxes are unticked again.
    assert!(!body(&s, issue).await.contains("- [x]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bots_edit_is_ignored_and_an_edit_is_carried_out_once() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    let issue = s.manifest("r1").await.tracking_issue.unwrap();
    // The bot (convoy's own token) ticks abort: GitHub delivers the edit, the workflow's `if`
    // lets no run start, and convoy would ignore it anyway.
    convoy::demo::controls::tick(&s.bot, "acme/control", issue, "abort")
        .await
        .unwrap();
    let events = s.bot.get("/_sandbox/events").await.unwrap();
    let edit = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "issues" && e["payload"]["action"] == "edited")
        .expect("GitHub delivers the edit")
        .clone();
    assert_eq!(edit["payload"]["sender"]["type"], "Bot");
    let routed = convoy::demo::forward::MemberWorkflow::default().route(
        "acme/control",
        "issues",
        "acme/control",
        &edit["payload"],
    );
    assert_eq!(routed, convoy::demo::forward::Routed::Dropped);
    let bytes = serde_json::to_vec(&edit["payload"]).unwrap();
    assert!(matches!(
        convoy::event::parse_event("issues", &bytes).unwrap(),
        convoy::signal::Signal::Ignored { .. }
    ));
    s.redeliver("issues", &edit["payload"]).await;
    assert_eq!(s.manifest("r1").await.phase, Phase::Planning);
    assert!(answers(&s, issue).await.is_empty());
    // convoy puts the body back (unticked) on its next run.
    s.tick().await;
    assert!(!body(&s, issue).await.contains("- [x]"));

    // alice's tick, delivered twice (a redelivery, a re-run workflow): carried out once.
    let alice = convoy::demo::sandbox_client(&s.url, "t-alice").unwrap();
    convoy::demo::controls::tick(&alice, "acme/control", issue, "approve:plan")
        .await
        .unwrap();
    let events = s.bot.get("/_sandbox/events").await.unwrap();
    let edit: Value = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "issues" && e["payload"]["action"] == "edited")
        .expect("GitHub delivers the edit")["payload"]
        .clone();
    s.redeliver("issues", &edit).await;
    let once = s.manifest("r1").await;
    assert_eq!(once.phase, Phase::Development);
    s.redeliver("issues", &edit).await;
    let twice = s.manifest("r1").await;
    assert_eq!(twice.approvals, once.approvals);
    assert_eq!(answers(&s, issue).await.len(), 1);
}
