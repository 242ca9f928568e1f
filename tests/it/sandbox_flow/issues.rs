//! Issues through octocrab: milestones, labels, comments, updates and closing.

use crate::sandbox_support;

use octocrab::models::IssueState;
use sandbox_support::{client, shared, status_of};

#[tokio::test]
async fn issues_comments_labels_milestones() {
    let octo = client(shared(), "t-bot");
    let issues = octo.issues("acme", "api");
    let seeded = issues.get(12).await.unwrap();
    assert_eq!(seeded.title, "Add endpoint");
    assert_eq!(seeded.milestone.as_ref().unwrap().title, "Sprint 41");
    let milestones = issues.list_milestones().send().await.unwrap();
    assert_eq!(milestones.items.len(), 1);
    let ms = milestones.items[0].number;

    let issue = issues
        .create("Release r1")
        .body("tracking")
        .milestone(Some(ms as u64))
        .labels(vec!["convoy".to_owned()])
        .send()
        .await
        .unwrap();
    assert!(issue.number > 12);
    let listed = issues
        .list()
        .labels(&["convoy".to_owned()])
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    let by_ms = issues
        .list()
        .milestone(ms as u64)
        .state(octocrab::params::State::All)
        .send()
        .await
        .unwrap();
    assert!(
        by_ms.items.iter().any(|i| i.number == 12)
            && by_ms.items.iter().any(|i| i.number == issue.number)
    );

    let labels = issues
        .add_labels(issue.number, &["release".to_owned(), "r1".to_owned()])
        .await
        .unwrap();
    assert_eq!(labels.len(), 3);
    let labels = issues.remove_label(issue.number, "r1").await.unwrap();
    assert_eq!(labels.len(), 2);
    assert_eq!(
        status_of(&issues.remove_label(issue.number, "r1").await.unwrap_err()),
        404
    );

    let c = issues
        .create_comment(issue.number, "<!-- convoy:status --> planning")
        .await
        .unwrap();
    let c2 = issues
        .update_comment(c.id, "<!-- convoy:status --> shipping")
        .await
        .unwrap();
    assert_eq!(c2.body.as_deref(), Some("<!-- convoy:status --> shipping"));
    let comments = issues.list_comments(issue.number).send().await.unwrap();
    assert_eq!(comments.items.len(), 1);

    let updated = issues
        .update(issue.number)
        .title("Release r1 (shipped)")
        .state(IssueState::Closed)
        .labels(&["release".to_owned()])
        .send()
        .await
        .unwrap();
    assert_eq!(updated.state, IssueState::Closed);
    assert_eq!(updated.labels.len(), 1);
    assert_eq!(status_of(&issues.get(9999).await.unwrap_err()), 404);
}

/// Closing records why, as GitHub documents for "Update an issue": `state_reason` `completed`
/// (the default), `not_planned` or `duplicate`; reopening sets `reopened`; another reason is a
/// 422; listing by state sees the change.
#[tokio::test]
async fn closing_an_issue_records_its_state_reason() {
    use sandbox_support::call;
    use serde_json::json;

    let octo = client(shared(), "t-bob");
    let new = |title: &'static str| {
        let octo = octo.clone();
        async move {
            let a = call(
                &octo,
                "POST",
                "/repos/acme/web/issues",
                Some(json!({"title": title})),
            )
            .await;
            assert_eq!(a.status, 201, "{}", a.body);
            assert_eq!(a.body["state_reason"], json!(null));
            a.body["number"].as_u64().unwrap()
        }
    };
    let path = |n: u64| format!("/repos/acme/web/issues/{n}");

    let dropped = new("Not doing this").await;
    let a = call(
        &octo,
        "PATCH",
        &path(dropped),
        Some(json!({"state": "closed", "state_reason": "not_planned"})),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["state"], "closed");
    assert_eq!(a.body["state_reason"], "not_planned");
    assert!(a.body["closed_at"].is_string(), "{}", a.body);

    let done = new("Done already").await;
    let a = call(
        &octo,
        "PATCH",
        &path(done),
        Some(json!({"state": "closed"})),
    )
    .await;
    assert_eq!(a.body["state_reason"], "completed", "the default reason");

    let closed = call(&octo, "GET", "/repos/acme/web/issues?state=closed", None).await;
    let reasons: Vec<(u64, &str)> = closed
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| [dropped, done].contains(&i["number"].as_u64().unwrap()))
        .map(|i| {
            (
                i["number"].as_u64().unwrap(),
                i["state_reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(reasons, [(done, "completed"), (dropped, "not_planned")]);
    let open = call(&octo, "GET", "/repos/acme/web/issues?state=open", None).await;
    assert!(
        open.body
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["number"] != dropped && i["number"] != done)
    );

    // A reason is ignored unless the state changes; an unknown one is refused.
    let a = call(
        &octo,
        "PATCH",
        &path(done),
        Some(json!({"state_reason": "not_planned"})),
    )
    .await;
    assert_eq!(a.body["state_reason"], "completed");
    let err = octo
        ._patch(
            path(done),
            Some(&json!({"state": "open", "state_reason": "finished"})),
        )
        .await
        .unwrap();
    assert_eq!(err.status().as_u16(), 422);

    let a = call(
        &octo,
        "PATCH",
        &path(dropped),
        Some(json!({"state": "open"})),
    )
    .await;
    assert_eq!(a.body["state"], "open");
    assert_eq!(a.body["state_reason"], "reopened");
    assert_eq!(a.body["closed_at"], json!(null));
}
