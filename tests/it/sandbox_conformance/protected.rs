//! Conformance of what protected organisations use: branch protection, the rules that apply to
//! a branch, reviews, review requests (of users and of a team) and `update-branch`, on
//! acme/api's protected `prod`.

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
