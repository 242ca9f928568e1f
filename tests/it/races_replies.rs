//! Replies once: one `/convoy` comment (or one edit ticking a box) delivered to several runs at
//! once, as GitHub does when it redelivers or a workflow is re-run while the first run is still
//! going. The decision that plans an answer records it in the manifest (`answered`), so only
//! the run whose manifest write lands posts it; an accepted command's 👍 and a `/convoy status`
//! answer are made once too.

use crate::action_run::{convoy_run, scratch};
use crate::scenario;

use convoy::model::history::HistoryEvent;
use convoy::model::numbers::IssueNumber;
use scenario::Scenario;
use serde_json::{Value, json};

/// How many runs handle one delivery at once.
const RUNS: usize = 6;

/// The webhook deliveries GitHub made since the last drain, of the control repo only.
async fn drain(s: &Scenario, name: &str) -> Value {
    let events = s.bot.get("/_sandbox/events").await.unwrap();
    events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name && e["repo"] == "acme/control")
        .unwrap_or_else(|| panic!("GitHub delivers the {name} event: {events:#?}"))["payload"]
        .clone()
}

/// `user` comments `body` on the tracking issue of `id`; GitHub's delivery, not handled yet, and
/// the comment's id.
async fn comment(s: &Scenario, id: &str, user: &str, body: &str) -> (Value, u64) {
    let issue = s.manifest(id).await.tracking_issue.unwrap();
    s.bot
        .post(
            &format!("/_sandbox/repos/acme/control/issues/{issue}/comments"),
            &json!({"user": user, "body": body}),
        )
        .await
        .unwrap();
    let payload = drain(s, "issue_comment").await;
    let comment_id = payload["comment"]["id"].as_u64().unwrap();
    (payload, comment_id)
}

/// The comments on `id`'s tracking issue whose first line is `<!-- convoy:<marker> -->`.
async fn answers(s: &Scenario, id: &str, marker: &str) -> Vec<String> {
    let issue = s.manifest(id).await.tracking_issue.unwrap();
    s.comments("acme/control", issue)
        .await
        .into_iter()
        .filter(|c| c.starts_with(&format!("<!-- convoy:{marker} -->")))
        .collect()
}

/// Every run handles `payload` (a `name` event) at once.
async fn at_once(s: &mut Scenario, name: &str, payload: &Value) {
    let events = vec![(name.to_owned(), payload.clone()); RUNS];
    s.race_all(&events, 0).await;
    s.deliver().await;
}

/// bob's comment holds two commands convoy refuses (bob is no approver; the second line is not
/// a command), delivered to six runs at once, then once more: one reply to each line, and the
/// manifest records both as answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_command_delivered_to_many_runs_at_once_is_answered_once() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    let (payload, id) = comment(&s, "r1", "bob", "/convoy approve\n/convoy frobnicate").await;
    at_once(&mut s, "issue_comment", &payload).await;
    s.redeliver("issue_comment", &payload).await;

    let first = answers(&s, "r1", &format!("reply:{id}:0")).await;
    assert_eq!(first.len(), 1, "{first:#?}");
    assert!(first[0].contains("@bob cannot approve"), "{}", first[0]);
    let second = answers(&s, "r1", &format!("reply:{id}:1")).await;
    assert_eq!(second.len(), 1, "{second:#?}");
    assert!(
        second[0].contains("convoy could not read that command"),
        "{}",
        second[0]
    );
    let m = s.manifest("r1").await;
    assert_eq!(
        m.answered,
        [
            format!("convoy:reply:{id}:0"),
            format!("convoy:reply:{id}:1")
        ]
    );
    assert!(m.approvals.is_empty(), "{:#?}", m.approvals);
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// alice's accepted `/convoy approve`, delivered to six runs at once: carried out once (one
/// history entry), acknowledged with one 👍.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_command_delivered_to_many_runs_at_once_is_acknowledged_once() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    let (payload, id) = comment(&s, "r1", "alice", "/convoy approve").await;
    at_once(&mut s, "issue_comment", &payload).await;

    let m = s.manifest("r1").await;
    let approvals = m
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::CommandApprove)
        .count();
    assert_eq!(approvals, 1, "{:#?}", m.history);
    assert!(m.handled_comments.contains(&id));
    let reactions = s
        .get(&format!(
            "/repos/acme/control/issues/comments/{id}/reactions"
        ))
        .await;
    let thumbs: Vec<&Value> = reactions
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["content"] == "+1")
        .collect();
    assert_eq!(thumbs.len(), 1, "{reactions:#?}");
    assert_eq!(thumbs[0]["user"]["login"], "convoy-bot");
    assert!(answers(&s, "r1", &format!("reply:{id}:0")).await.is_empty());
}

/// bob ticks the plan gate's box, which he may not approve; the edit is delivered to six runs
/// at once: one answer, the refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_ticked_box_delivered_to_many_runs_at_once_is_answered_once() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    let issue = s.manifest("r1").await.tracking_issue.unwrap();
    let bob = convoy::demo::sandbox_client(&s.url, "t-bob").unwrap();
    convoy::demo::controls::tick(&bob, "acme/control", issue, "approve:plan")
        .await
        .unwrap();
    let payload = drain(&s, "issues").await;
    at_once(&mut s, "issues", &payload).await;

    let said: Vec<String> = s
        .comments("acme/control", issue)
        .await
        .into_iter()
        .filter(|c| c.starts_with("<!-- convoy:ticked:"))
        .collect();
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(said[0].contains("@bob cannot approve"), "{}", said[0]);
    let m = s.manifest("r1").await;
    assert_eq!(m.answered.len(), 1, "{:#?}", m.answered);
    assert!(m.approvals.is_empty());
}

/// `/convoy status` on an issue of the control repo is answered by `convoy run` itself, outside
/// any release: four workflow runs of one comment at once post one answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_comment_delivered_to_four_runs_at_once_is_answered_once() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    let issue = s
        .bob
        .post(
            "/repos/acme/control/issues",
            &json!({"title": "Where are we?", "body": ""}),
        )
        .await
        .unwrap()
        .body["number"]
        .as_u64()
        .unwrap();
    s.bot
        .post(
            &format!("/_sandbox/repos/acme/control/issues/{issue}/comments"),
            &json!({"user": "bob", "body": "/convoy status"}),
        )
        .await
        .unwrap();
    let payload = drain(&s, "issue_comment").await;
    // Every request takes a while, as on GitHub: the runs overlap for most of their length.
    s.bot
        .put("/_sandbox/latency", &json!({"ms": 40}))
        .await
        .unwrap();
    let dirs: Vec<_> = (0..4)
        .map(|i| scratch(&format!("status-race-{i}")))
        .collect();
    let runs = futures::future::join_all(
        dirs.iter()
            .map(|dir| convoy_run(dir, &s.url, "issue_comment", payload.clone(), &[])),
    )
    .await;
    for run in &runs {
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let said: Vec<String> = s
        .comments("acme/control", IssueNumber::new(issue))
        .await
        .into_iter()
        .filter(|c| c.contains("Active releases"))
        .collect();
    assert_eq!(said.len(), 1, "{said:#?}");
}
