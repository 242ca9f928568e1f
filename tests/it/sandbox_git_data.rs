//! The Git data API of the sandbox: reading and creating commit objects.

use crate::sandbox_support;

use sandbox_support::{call, client, push, shared};
use serde_json::json;

#[tokio::test]
async fn commits_are_read_and_created_through_the_git_data_api() {
    let octo = client(shared(), "t-bot");
    let bob = client(shared(), "t-bob");
    let before = call(&octo, "GET", "/repos/acme/web/git/ref/heads/main", None).await;
    let base = before.body["object"]["sha"].as_str().unwrap().to_owned();
    let pushed = push(
        &bob,
        "acme/web",
        "git-data",
        json!({"notes/git-data.txt": "hello\n"}),
        "Add notes",
    )
    .await;

    let got = call(
        &octo,
        "GET",
        &format!("/repos/acme/web/git/commits/{pushed}"),
        None,
    )
    .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body["sha"], pushed.as_str());
    assert_eq!(got.body["message"], "Add notes");
    assert_eq!(got.body["parents"][0]["sha"], base.as_str());
    assert_eq!(got.body["parents"].as_array().unwrap().len(), 1);
    let base_commit = call(
        &octo,
        "GET",
        &format!("/repos/acme/web/git/commits/{base}"),
        None,
    )
    .await;
    let base_tree = base_commit.body["tree"]["sha"].as_str().unwrap().to_owned();
    assert_ne!(got.body["tree"]["sha"], base_tree.as_str());

    // A commit restoring the base tree on top of the pushed one, as a revert makes it.
    let body = json!({"message": "Revert \"Add notes\"", "tree": base_tree, "parents": [pushed]});
    let made = call(
        &octo,
        "POST",
        "/repos/acme/web/git/commits",
        Some(body.clone()),
    )
    .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let sha = made.body["sha"].as_str().unwrap().to_owned();
    assert_eq!(made.body["tree"]["sha"], base_tree.as_str());
    assert_eq!(made.body["parents"][0]["sha"], pushed.as_str());
    assert_eq!(made.body["message"], "Revert \"Add notes\"");
    assert_eq!(made.body["committer"]["name"], "GitHub");
    assert_eq!(
        made.body["author"]["email"],
        "convoy-bot@users.noreply.sandbox"
    );
    // It is a real commit: readable, and a ref can point at it.
    let again = call(
        &octo,
        "GET",
        &format!("/repos/acme/web/git/commits/{sha}"),
        None,
    )
    .await;
    assert_eq!(again.body["tree"]["sha"], base_tree.as_str());
    let refd = call(
        &octo,
        "POST",
        "/repos/acme/web/git/refs",
        Some(json!({"ref": "refs/heads/git-data-revert", "sha": sha})),
    )
    .await;
    assert_eq!(refd.status, 201, "{:?}", refd.body);
    // No ref moved by creating the commit itself.
    let branch = call(&octo, "GET", "/repos/acme/web/git/ref/heads/git-data", None).await;
    assert_eq!(branch.body["object"]["sha"], pushed.as_str());

    // Errors as on GitHub.
    let missing = call(
        &octo,
        "GET",
        "/repos/acme/web/git/commits/0123456789012345678901234567890123456789",
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
    let short = call(
        &octo,
        "GET",
        &format!("/repos/acme/web/git/commits/{}", &pushed[..7]),
        None,
    )
    .await;
    assert_eq!(short.status, 404);
    let bad_tree = call(
        &octo,
        "POST",
        "/repos/acme/web/git/commits",
        Some(json!({"message": "x", "tree": pushed, "parents": []})),
    )
    .await;
    assert_eq!(bad_tree.status, 422, "a commit id is not a tree");
    let bad_parent = call(
        &octo,
        "POST",
        "/repos/acme/web/git/commits",
        Some(json!({"message": "x", "tree": base_tree, "parents": [base_tree]})),
    )
    .await;
    assert_eq!(bad_parent.status, 422, "a tree id is not a parent");
    let reader = client(shared(), "t-nobody");
    let denied = reader
        ._post("/repos/acme/web/git/commits", Some(&body))
        .await
        .unwrap();
    assert_eq!(denied.status().as_u16(), 401);
}
