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
