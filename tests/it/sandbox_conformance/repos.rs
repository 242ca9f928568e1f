//! Conformance of repositories, branches, refs, contents, commits (the Git data API's too),
//! collaborators and releases (created, read, edited).

use serde_json::json;

use super::checker::Checker;

/// Repository, branches and refs (create, a duplicate, a name with a slash); returns main's SHA.
pub(super) async fn refs(c: &mut Checker, r: &str) -> String {
    c.ex("repos/get", "GET", r, None, 200).await;
    let main = c
        .ex(
            "repos/get-branch",
            "GET",
            &format!("{r}/branches/main"),
            None,
            200,
        )
        .await;
    let main_sha = main["commit"]["sha"].as_str().unwrap().to_owned();
    c.ex(
        "git/get-ref",
        "GET",
        &format!("{r}/git/ref/heads/main"),
        None,
        200,
    )
    .await;
    c.ex(
        "git/list-matching-refs",
        "GET",
        &format!("{r}/git/matching-refs/heads/"),
        None,
        200,
    )
    .await;
    c.ex(
        "git/create-ref",
        "POST",
        &format!("{r}/git/refs"),
        Some(json!({"ref": "refs/heads/rc/r1", "sha": main_sha})),
        201,
    )
    .await;
    c.ex(
        "git/create-ref",
        "POST",
        &format!("{r}/git/refs"),
        Some(json!({"ref": "refs/heads/rc/r1", "sha": main_sha})),
        422,
    )
    .await;
    c.ex(
        "repos/get-branch",
        "GET",
        &format!("{r}/branches/rc%2Fr1"),
        None,
        200,
    )
    .await;
    main_sha
}

/// Contents on rc/r1 (create, update, stale and missing SHAs, directories), commits, compare
/// and ref updates; returns rc/r1's head SHA.
pub(super) async fn contents_and_commits(c: &mut Checker, r: &str, main_sha: &str) -> String {
    // Contents on rc/r1.
    let put = c
        .ex(
            "repos/create-or-update-file-contents",
            "PUT",
            &format!("{r}/contents/src/lib.rs"),
            Some(
                json!({"message": "add lib", "content": "Zm4gbWFpbigpIHt9Cg==", "branch": "rc/r1"}),
            ),
            201,
        )
        .await;
    let blob = put["content"]["sha"].as_str().unwrap().to_owned();
    c.ex(
        "repos/create-or-update-file-contents",
        "PUT",
        &format!("{r}/contents/src/lib.rs"),
        Some(json!({"message": "edit lib", "content": "Zm4gbWFpbigpIHsgfQo=", "branch": "rc/r1", "sha": blob})),
        200,
    )
    .await;
    c.ex(
        "repos/create-or-update-file-contents",
        "PUT",
        &format!("{r}/contents/src/lib.rs"),
        Some(json!({"message": "stale", "content": "eA==", "branch": "rc/r1", "sha": blob})),
        409,
    )
    .await;
    c.ex(
        "repos/create-or-update-file-contents",
        "PUT",
        &format!("{r}/contents/src/lib.rs"),
        Some(json!({"message": "no sha", "content": "eA==", "branch": "rc/r1"})),
        422,
    )
    .await;
    c.ex(
        "repos/get-content",
        "GET",
        &format!("{r}/contents/src/lib.rs?ref=rc/r1"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/get-content",
        "GET",
        &format!("{r}/contents/src?ref=rc/r1"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/get-content",
        "GET",
        &format!("{r}/contents/missing.txt"),
        None,
        404,
    )
    .await;
    let head = c
        .ex(
            "repos/get-branch",
            "GET",
            &format!("{r}/branches/rc%2Fr1"),
            None,
            200,
        )
        .await;
    let head_sha = head["commit"]["sha"].as_str().unwrap().to_owned();
    c.ex(
        "repos/get-commit",
        "GET",
        &format!("{r}/commits/{head_sha}"),
        None,
        200,
    )
    .await;
    // The Git data API's commit: its tree and parents (what `convoy verify` compares).
    let commit = c
        .ex(
            "git/get-commit",
            "GET",
            &format!("{r}/git/commits/{head_sha}"),
            None,
            200,
        )
        .await;
    assert_eq!(commit["parents"].as_array().map(Vec::len), Some(1));
    assert!(
        commit["tree"]["sha"]
            .as_str()
            .is_some_and(|t| t.len() == 40)
    );
    c.ex(
        "git/get-commit",
        "GET",
        &format!("{r}/git/commits/{}", "0".repeat(40)),
        None,
        404,
    )
    .await;
    c.ex(
        "repos/compare-commits",
        "GET",
        &format!("{r}/compare/main...rc/r1"),
        None,
        200,
    )
    .await;
    c.ex(
        "git/update-ref",
        "PATCH",
        &format!("{r}/git/refs/heads/staging"),
        Some(json!({"sha": head_sha})),
        200,
    )
    .await;
    c.ex(
        "git/update-ref",
        "PATCH",
        &format!("{r}/git/refs/heads/staging"),
        Some(json!({"sha": main_sha})),
        422,
    )
    .await;
    c.ex(
        "git/update-ref",
        "PATCH",
        &format!("{r}/git/refs/heads/staging"),
        Some(json!({"sha": main_sha, "force": true})),
        200,
    )
    .await;
    head_sha
}

/// Collaborator permissions and releases.
pub(super) async fn collaborators_and_releases(c: &mut Checker, r: &str) {
    // Collaborators, releases.
    c.ex(
        "repos/get-collaborator-permission-level",
        "GET",
        &format!("{r}/collaborators/bob/permission"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/get-collaborator-permission-level",
        "GET",
        &format!("{r}/collaborators/alice/permission"),
        None,
        200,
    )
    .await;
    let created = c
        .ex(
            "repos/create-release",
            "POST",
            &format!("{r}/releases"),
            Some(json!({"tag_name": "v1", "name": "v1", "body": "notes"})),
            201,
        )
        .await;
    let id = created["id"].as_u64().unwrap();
    c.ex(
        "repos/create-release",
        "POST",
        &format!("{r}/releases"),
        Some(json!({"tag_name": "v1"})),
        422,
    )
    .await;
    c.ex(
        "repos/get-release-by-tag",
        "GET",
        &format!("{r}/releases/tags/v1"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/get-release-by-tag",
        "GET",
        &format!("{r}/releases/tags/v2"),
        None,
        404,
    )
    .await;
    // Editing a release: its body (what convoy stamps the lock's digest into), an id that is no
    // release.
    let edited = c
        .ex(
            "repos/update-release",
            "PATCH",
            &format!("{r}/releases/{id}"),
            Some(json!({"body": "notes\n\nstamped"})),
            200,
        )
        .await;
    assert_eq!(edited["body"], "notes\n\nstamped");
    assert_eq!(edited["name"], "v1", "a field left out stays");
    let again = c
        .ex(
            "repos/get-release-by-tag",
            "GET",
            &format!("{r}/releases/tags/v1"),
            None,
            200,
        )
        .await;
    assert_eq!(again["body"], "notes\n\nstamped");
    c.ex(
        "repos/update-release",
        "PATCH",
        &format!("{r}/releases/987654321"),
        Some(json!({"body": "x"})),
        404,
    )
    .await;
}
