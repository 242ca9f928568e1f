//! Conformance of pull requests: create, list, get, update and retarget, merge (stale, merged,
//! again), asynchronous merge; then the RC branch is deleted.

use crate::sandbox_support;

use serde_json::json;

use super::checker::Checker;

/// Pull requests from rc/r1 (whose head is `head_sha`); returns the first one's number.
pub(super) async fn pulls_and_merges(
    c: &mut Checker,
    r: &str,
    main_sha: &str,
    head_sha: &str,
) -> u64 {
    // Pulls.
    let pr = c
        .ex(
            "pulls/create",
            "POST",
            &format!("{r}/pulls"),
            Some(json!({"title": "r1", "head": "rc/r1", "base": "staging", "body": "b"})),
            201,
        )
        .await;
    let n = pr["number"].as_u64().unwrap();
    c.ex(
        "pulls/create",
        "POST",
        &format!("{r}/pulls"),
        Some(json!({"title": "dup", "head": "rc/r1", "base": "staging"})),
        422,
    )
    .await;
    c.ex(
        "pulls/list",
        "GET",
        &format!("{r}/pulls?state=all&head=acme:rc/r1&base=staging"),
        None,
        200,
    )
    .await;
    c.ex("pulls/get", "GET", &format!("{r}/pulls/{n}"), None, 200)
        .await;
    c.ex(
        "pulls/update",
        "PATCH",
        &format!("{r}/pulls/{n}"),
        Some(json!({"title": "r1!", "body": "bb"})),
        200,
    )
    .await;
    // Retargeting (a carried-over task's pull request moves to the next RC branch).
    let moved = c
        .ex(
            "pulls/update",
            "PATCH",
            &format!("{r}/pulls/{n}"),
            Some(json!({"base": "main"})),
            200,
        )
        .await;
    assert_eq!(moved["base"]["ref"], "main");
    c.ex(
        "pulls/update",
        "PATCH",
        &format!("{r}/pulls/{n}"),
        Some(json!({"base": "no-such-branch"})),
        422,
    )
    .await;
    c.ex(
        "pulls/update",
        "PATCH",
        &format!("{r}/pulls/{n}"),
        Some(json!({"base": "staging"})),
        200,
    )
    .await;
    c.ex(
        "pulls/merge",
        "PUT",
        &format!("{r}/pulls/{n}/merge"),
        Some(json!({"sha": main_sha})),
        409,
    )
    .await;
    c.ex(
        "pulls/merge",
        "PUT",
        &format!("{r}/pulls/{n}/merge"),
        Some(json!({"sha": head_sha, "merge_method": "merge"})),
        200,
    )
    .await;
    c.ex("pulls/get", "GET", &format!("{r}/pulls/{n}"), None, 200)
        .await;
    c.ex(
        "pulls/merge",
        "PUT",
        &format!("{r}/pulls/{n}/merge"),
        Some(json!({})),
        405,
    )
    .await;
    // Asynchronous merge: accepted (202), then the result; a second request sees it merged.
    sandbox_support::push(
        &c.octo,
        "acme/api",
        "feat/async",
        json!({"async.txt": "a\n"}),
        "async",
    )
    .await;
    let pr2 = c
        .ex(
            "pulls/create",
            "POST",
            &format!("{r}/pulls"),
            Some(json!({"title": "async", "head": "feat/async", "base": "main"})),
            201,
        )
        .await;
    let n2 = pr2["number"].as_u64().unwrap();
    let accepted = c
        .ex(
            "pulls/merge-async",
            "PUT",
            &format!("{r}/pulls/{n2}/merge-async"),
            Some(json!({"merge_method": "squash"})),
            202,
        )
        .await;
    let uuid = accepted["details"]["uuid"].as_str().unwrap().to_owned();
    let done = c
        .ex(
            "pulls/get-merge-async-result",
            "GET",
            &format!("{r}/pulls/{n2}/merge-async/{uuid}"),
            None,
            200,
        )
        .await;
    assert_eq!(done["status"], "merged");
    c.ex(
        "pulls/merge-async",
        "PUT",
        &format!("{r}/pulls/{n2}/merge-async"),
        Some(json!({})),
        200,
    )
    .await;
    c.ex(
        "git/delete-ref",
        "DELETE",
        &format!("{r}/git/refs/heads/rc/r1"),
        None,
        204,
    )
    .await;
    n
}
