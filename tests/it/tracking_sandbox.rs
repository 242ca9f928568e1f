//! The tracking issue through the sandbox: closed with a final summary when the release ends, a
//! 👍 on an accepted command exactly once however often GitHub delivers it, escalations that
//! offer only what the phase accepts, refusals that read as sentences.

use crate::scenario;

use convoy::model::manifest::{Phase, RunKind};
use convoy::model::numbers::IssueNumber;
use scenario::{Scenario, pass};
use serde_json::{Value, json};

async fn issue(s: &Scenario, n: IssueNumber) -> Value {
    s.get(&format!("/repos/acme/control/issues/{n}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shipped_release_is_summed_up_and_its_issue_closed() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    let n = m.tracking_issue.unwrap();
    let i = issue(&s, n).await;
    assert_eq!(i["state"], "closed", "{i:#}");
    assert_eq!(i["state_reason"], "completed");
    // A later run (a comment on the closed issue, the schedule) changes nothing.
    s.tick().await;
    let finals: Vec<String> = s
        .comments("acme/control", n)
        .await
        .into_iter()
        .filter(|c| c.starts_with("<!-- convoy:ended:shipped -->"))
        .collect();
    assert_eq!(finals.len(), 1, "{finals:#?}");
    assert!(
        finals[0].contains("Release r1 shipped") && finals[0].contains("releases/r1/manifest.json"),
        "{}",
        finals[0]
    );
    // The body stays the dashboard: the manifest link, linked commits, no bare references.
    let body = i["body"].as_str().unwrap();
    assert!(
        body.contains("/acme/control/blob/HEAD/releases/r1/manifest.json"),
        "{body}"
    );
    assert!(body.contains("/acme/api/commit/"), "{body}");
    assert!(!body.contains(" #"), "{body}");
}

/// Task pull requests go into the RC branch, where `Closes #12` closes nothing: the shipped
/// release closes its merged tasks' issues as completed, so the next release of the same sprint
/// does not gather them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shipped_release_closes_its_tasks_issues_as_completed() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    let merged: Vec<_> = m
        .tasks
        .iter()
        .filter(|t| t.status == convoy::model::manifest::TaskStatus::Merged)
        .collect();
    assert!(!merged.is_empty(), "the demo's tasks merged");
    for t in &merged {
        let i = s
            .get(&format!(
                "/repos/{}/issues/{}",
                t.issue.repo(),
                t.issue.number()
            ))
            .await;
        assert_eq!(
            (i["state"].as_str(), i["state_reason"].as_str()),
            (Some("closed"), Some("completed")),
            "{}",
            t.issue
        );
    }
    // The next release of the same sprint gathers none of them.
    s.tick().await;
    s.create("r2", "directive=auto").await;
    let r2 = s.manifest("r2").await;
    for t in &merged {
        assert!(
            r2.tasks.iter().all(|x| x.issue != t.issue),
            "{} is planned again",
            t.issue
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aborted_release_closes_its_issue_as_not_planned() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    s.say("r1", "alice", "/convoy abort").await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Aborted);
    let n = m.tracking_issue.unwrap();
    let i = issue(&s, n).await;
    assert_eq!(i["state"], "closed", "{i:#}");
    assert_eq!(i["state_reason"], "not_planned");
    let comments = s.comments("acme/control", n).await;
    assert_eq!(
        comments
            .iter()
            .filter(|c| c.starts_with("<!-- convoy:ended:aborted -->"))
            .count(),
        1,
        "{comments:#?}"
    );
}

/// GitHub may deliver a webhook twice: the command is carried out once and acknowledged once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_command_is_acknowledged_once_over_two_deliveries() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Planning, "the demo's directive is careful");
    let n = m.tracking_issue.unwrap();
    let posted = s
        .bot
        .post(
            &format!("/_sandbox/repos/acme/control/issues/{n}/comments"),
            &json!({"user": "alice", "body": "/convoy approve"}),
        )
        .await
        .unwrap();
    let comment_id = posted.body["id"].as_u64().unwrap();
    let events = s.get("/_sandbox/events").await;
    let events = events.as_array().unwrap().clone();
    assert!(!events.is_empty());
    for _ in 0..2 {
        for e in &events {
            s.race(e["name"].as_str().unwrap(), &e["payload"], 1).await;
        }
    }
    s.deliver().await;
    let reactions = s
        .get(&format!(
            "/repos/acme/control/issues/comments/{comment_id}/reactions"
        ))
        .await;
    let reactions = reactions.as_array().unwrap();
    assert_eq!(reactions.len(), 1, "{reactions:#?}");
    assert_eq!(reactions[0]["content"], "+1");
    let posts = s
        .get("/_sandbox/requests")
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["method"] == "POST"
                && r["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(&format!("/comments/{comment_id}/reactions")))
        })
        .count();
    assert_eq!(posts, 1, "acknowledged once");
    let m = s.manifest("r1").await;
    assert_eq!(m.approvals.len(), 1, "{:#?}", m.approvals);
    assert_ne!(m.phase, Phase::Planning);
}

/// During validation `defer` is refused, so a call for a human does not offer it; asked for
/// anyway, the refusal says why in one sentence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalations_during_validation_do_not_offer_defer() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    for _ in 0..6 {
        if s.manifest("r1")
            .await
            .escalations
            .iter()
            .any(|e| e.resolved_at.is_none())
        {
            break;
        }
        s.finish_runs("r1", |_| Some("failure")).await;
    }
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation);
    assert!(!Scenario::runs_of(&m, "e2e", RunKind::Tier).is_empty());
    let n = m.tracking_issue.unwrap();
    let calls: Vec<String> = s
        .comments("acme/control", n)
        .await
        .into_iter()
        .filter(|c| c.contains("convoy needs a human"))
        .collect();
    assert!(!calls.is_empty(), "{:#?}", m.escalations);
    for call in &calls {
        assert!(call.contains("`/convoy retry [tier]`"), "{call}");
        assert!(!call.contains("defer"), "{call}");
    }
    let body = issue(&s, n).await["body"].as_str().unwrap().to_owned();
    assert!(
        body.contains("Who acts") && !body.contains("defer"),
        "{body}"
    );

    s.say("r1", "alice", "/convoy defer acme/api#1").await;
    let replies: Vec<String> = s
        .comments("acme/control", n)
        .await
        .into_iter()
        .filter(|c| c.contains("cannot defer"))
        .collect();
    assert_eq!(replies.len(), 1);
    assert!(
        replies[0].ends_with(
            "@alice cannot defer a task now: tasks can be taken out only during planning and development, and release r1 is in the validation phase."
        ),
        "{}",
        replies[0]
    );
}

/// Commands on the tracking issue of a release that has shipped: `/convoy approve` gets a reply
/// saying why not (nothing changes), and `/convoy rollback` by an approver rolls it back — from
/// a comment, as from the button.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_on_a_shipped_releases_tracking_issue_are_answered_and_obeyed() {
    let mut s = crate::scenario::Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    let m = s
        .drive_until("r1", Phase::Shipped, crate::scenario::pass)
        .await;
    assert_eq!(m.phase, Phase::Shipped);
    let issue = m.tracking_issue.unwrap();

    s.say("r1", "alice", "/convoy approve").await;
    let after = s.manifest("r1").await;
    assert_eq!(after.phase, Phase::Shipped);
    let comments = s.comments("acme/control", issue).await;
    let reply = comments
        .iter()
        .rev()
        .find(|c| c.contains("cannot approve"))
        .unwrap_or_else(|| panic!("a reply to the approve: {comments:#?}"));
    assert!(reply.contains("shipped"), "{reply}");

    s.say("r1", "alice", "/convoy rollback").await;
    let m = s
        .drive_until("r1", Phase::RolledBack, crate::scenario::pass)
        .await;
    for _ in 0..4 {
        s.tick().await;
    }
    let m2 = s.manifest("r1").await;
    assert_eq!(m2.phase, Phase::RolledBack, "{:#?}", m.history);
    assert!(
        m2.history
            .iter()
            .any(|h| h.event == convoy::model::history::HistoryEvent::CommandRollback),
        "{:#?}",
        m2.history
    );
    assert!(
        m2.repos
            .iter()
            .all(|r| r.state == convoy::model::manifest::RepoState::Reverted),
        "{:#?}",
        m2.repos
    );
}
