//! Conformance of issues: milestones, create, get, update, list, comments, reactions and labels.

use serde_json::json;

use super::checker::Checker;

/// Issues, and pull request `n` read as an issue.
pub(super) async fn issues_and_comments(c: &mut Checker, r: &str, n: u64) {
    // Issues.
    c.ex(
        "issues/list-milestones",
        "GET",
        &format!("{r}/milestones"),
        None,
        200,
    )
    .await;
    let issue = c
        .ex(
            "issues/create",
            "POST",
            &format!("{r}/issues"),
            Some(json!({"title": "Release r1", "body": "x", "labels": ["convoy"], "milestone": 1})),
            201,
        )
        .await;
    let i = issue["number"].as_u64().unwrap();
    c.ex("issues/get", "GET", &format!("{r}/issues/{i}"), None, 200)
        .await;
    c.ex("issues/get", "GET", &format!("{r}/issues/{n}"), None, 200)
        .await;
    c.ex("issues/update", "PATCH", &format!("{r}/issues/{i}"), Some(json!({"title": "Release r1 (done)", "state": "closed", "labels": ["release"], "milestone": null})), 200).await;
    c.ex(
        "issues/update",
        "PATCH",
        &format!("{r}/issues/{i}"),
        Some(json!({"state": "open"})),
        200,
    )
    .await;
    c.ex(
        "issues/update",
        "PATCH",
        &format!("{r}/issues/{i}"),
        Some(json!({"state": "closed", "state_reason": "not_planned"})),
        200,
    )
    .await;
    c.ex(
        "issues/list-for-repo",
        "GET",
        &format!("{r}/issues?state=all&labels=release"),
        None,
        200,
    )
    .await;
    c.ex(
        "issues/list-for-repo",
        "GET",
        &format!("{r}/issues?milestone=1&state=all"),
        None,
        200,
    )
    .await;
    let cm = c
        .ex(
            "issues/create-comment",
            "POST",
            &format!("{r}/issues/{i}/comments"),
            Some(json!({"body": "hello"})),
            201,
        )
        .await;
    let cm_id = cm["id"].as_u64().unwrap();
    c.ex(
        "issues/update-comment",
        "PATCH",
        &format!("{r}/issues/comments/{cm_id}"),
        Some(json!({"body": "hello!"})),
        200,
    )
    .await;
    for code in [201, 200] {
        c.ex(
            "reactions/create-for-issue-comment",
            "POST",
            &format!("{r}/issues/comments/{cm_id}/reactions"),
            Some(json!({"content": "+1"})),
            code,
        )
        .await;
    }
    c.ex(
        "reactions/list-for-issue-comment",
        "GET",
        &format!("{r}/issues/comments/{cm_id}/reactions"),
        None,
        200,
    )
    .await;
    c.ex(
        "issues/update",
        "PATCH",
        &format!("{r}/issues/{i}"),
        Some(json!({"state": "closed", "state_reason": "not_planned"})),
        200,
    )
    .await;
    c.ex(
        "issues/list-comments",
        "GET",
        &format!("{r}/issues/{i}/comments"),
        None,
        200,
    )
    .await;
    c.ex(
        "issues/add-labels",
        "POST",
        &format!("{r}/issues/{i}/labels"),
        Some(json!({"labels": ["a", "b"]})),
        200,
    )
    .await;
    c.ex(
        "issues/remove-label",
        "DELETE",
        &format!("{r}/issues/{i}/labels/a"),
        None,
        200,
    )
    .await;
    c.ex(
        "issues/create",
        "POST",
        &format!("{r}/issues"),
        Some(json!({"title": "bad", "milestone": 99})),
        422,
    )
    .await;
}
