//! Conformance of what protected organisations use: branch protection, the rules that apply to
//! a branch, reviews, review requests (of users and of a team) and `update-branch`, on
//! acme/api's protected `prod`; the merge queue of acme/api's `queue`.

use crate::sandbox_support;

use serde_json::json;

use super::checker::Checker;

/// Protection and rules of `prod` (protected) and `main` (not); a pull request into `prod`
/// reviewed and updated.
pub(super) async fn protection_and_reviews(c: &mut Checker, r: &str) {
    let p = c
        .ex(
            "repos/get-branch-protection",
            "GET",
            &format!("{r}/branches/prod/protection"),
            None,
            200,
        )
        .await;
    assert_eq!(p["required_status_checks"]["strict"], true);
    c.ex(
        "repos/get-branch-protection",
        "GET",
        &format!("{r}/branches/main/protection"),
        None,
        404,
    )
    .await;
    let rules = c
        .ex(
            "repos/get-branch-rules",
            "GET",
            &format!("{r}/rules/branches/prod"),
            None,
            200,
        )
        .await;
    assert!(rules.as_array().is_some_and(|a| a.len() >= 3));
    c.ex(
        "repos/get-branch-rules",
        "GET",
        &format!("{r}/rules/branches/main"),
        None,
        200,
    )
    .await;
    sandbox_support::push(
        &c.octo,
        "acme/api",
        "feat/reviewed",
        json!({"reviewed.txt": "r\n"}),
        "reviewed",
    )
    .await;
    let pr = c
        .ex(
            "pulls/create",
            "POST",
            &format!("{r}/pulls"),
            Some(json!({"title": "reviewed", "head": "feat/reviewed", "base": "prod"})),
            201,
        )
        .await;
    let n = pr["number"].as_u64().unwrap();
    c.ex(
        "pulls/request-reviewers",
        "POST",
        &format!("{r}/pulls/{n}/requested_reviewers"),
        Some(json!({"reviewers": ["bob"]})),
        201,
    )
    .await;
    // A team (`requested_teams` in GitHub's team shapes: `team` in the answer and in lists,
    // `team-simple` in a pull request read).
    let asked = c
        .ex(
            "pulls/request-reviewers",
            "POST",
            &format!("{r}/pulls/{n}/requested_reviewers"),
            Some(json!({"team_reviewers": ["release"]})),
            201,
        )
        .await;
    assert_eq!(asked["requested_teams"][0]["slug"], "release");
    let pull = c
        .ex("pulls/get", "GET", &format!("{r}/pulls/{n}"), None, 200)
        .await;
    assert_eq!(pull["requested_teams"][0]["name"], "Release");
    let open = c
        .ex(
            "pulls/list",
            "GET",
            &format!("{r}/pulls?base=prod"),
            None,
            200,
        )
        .await;
    assert_eq!(open[0]["requested_teams"][0]["slug"], "release");
    // (Its 422 has no documented body; the flow tests check its text.)
    c.ex(
        "pulls/create-review",
        "POST",
        &format!("{r}/pulls/{n}/reviews"),
        Some(json!({"event": "COMMENT", "body": "looks fine"})),
        200,
    )
    .await;
    c.ex(
        "pulls/create-review",
        "POST",
        &format!("{r}/pulls/{n}/reviews"),
        Some(json!({"event": "APPROVE"})),
        422,
    )
    .await;
    c.ex(
        "pulls/list-reviews",
        "GET",
        &format!("{r}/pulls/{n}/reviews"),
        None,
        200,
    )
    .await;
    c.ex(
        "pulls/update-branch",
        "PUT",
        &format!("{r}/pulls/{n}/update-branch"),
        Some(json!({})),
        422,
    )
    .await;
    sandbox_support::push(
        &c.octo,
        "acme/api",
        "prod",
        json!({"prod.txt": "p\n"}),
        "prod moved",
    )
    .await;
    c.ex(
        "pulls/update-branch",
        "PUT",
        &format!("{r}/pulls/{n}/update-branch"),
        Some(json!({})),
        202,
    )
    .await;
}

/// A pull request into `queue` (which requires a merge queue and `ci`) queued by `merge-async`,
/// asked again (409), polled while queued, merged once CI passes its merge group, asked again
/// (200 `merged`); a draft refused (400).
pub(super) async fn merge_queue(c: &mut Checker, r: &str) {
    let head = sandbox_support::push(
        &c.octo,
        "acme/api",
        "feat/queued",
        json!({"queued.txt": "q\n"}),
        "queued",
    )
    .await;
    let pr = c
        .ex(
            "pulls/create",
            "POST",
            &format!("{r}/pulls"),
            Some(json!({"title": "queued", "head": "feat/queued", "base": "queue"})),
            201,
        )
        .await;
    let n = pr["number"].as_u64().unwrap();
    let path = format!("{r}/pulls/{n}/merge-async");
    let body = json!({"merge_action": "merge_queue", "sha": head, "merge_method": "merge"});
    let accepted = c
        .ex("pulls/merge-async", "PUT", &path, Some(body), 202)
        .await;
    let uuid = accepted["details"]["uuid"].as_str().unwrap().to_owned();
    let again = c
        .ex("pulls/merge-async", "PUT", &path, Some(json!({})), 409)
        .await;
    assert_eq!(again["details"]["uuid"], uuid.as_str());
    let result = format!("{path}/{uuid}");
    let queued = c
        .ex("pulls/get-merge-async-result", "GET", &result, None, 200)
        .await;
    assert_eq!(queued["status"], "enqueued");
    // CI reports on the merge group, found by its ref.
    let refs = c
        .ex(
            "git/list-matching-refs",
            "GET",
            &format!("{r}/git/matching-refs/heads/gh-readonly-queue/queue/pr-{n}-"),
            None,
            200,
        )
        .await;
    let group = refs[0]["object"]["sha"].as_str().unwrap().to_owned();
    c.ex(
        "repos/create-commit-status",
        "POST",
        &format!("{r}/statuses/{group}"),
        Some(json!({"state": "success", "context": "ci"})),
        201,
    )
    .await;
    let done = c
        .ex("pulls/get-merge-async-result", "GET", &result, None, 200)
        .await;
    assert_eq!(done["details"]["sha"], group.as_str());
    c.ex("pulls/merge-async", "PUT", &path, Some(json!({})), 200)
        .await;

    sandbox_support::push(
        &c.octo,
        "acme/api",
        "feat/draft",
        json!({"draft.txt": "d\n"}),
        "draft",
    )
    .await;
    let draft = c
        .ex(
            "pulls/create",
            "POST",
            &format!("{r}/pulls"),
            Some(json!({"title": "draft", "head": "feat/draft", "base": "queue", "draft": true})),
            201,
        )
        .await;
    let d = draft["number"].as_u64().unwrap();
    let path = format!("{r}/pulls/{d}/merge-async");
    c.ex("pulls/merge-async", "PUT", &path, Some(json!({})), 400)
        .await;
}
