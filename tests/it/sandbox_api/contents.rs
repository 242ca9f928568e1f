//! Contents (create, update, stale SHAs, directories) and commits (get, compare).

use crate::sandbox_support;

use sandbox_support::{client, push, shared, status_of};
use serde_json::json;

#[tokio::test]
async fn contents_create_update_and_stale_sha() {
    let octo = client(shared(), "t-bot");
    let repos = octo.repos("acme", "control");
    let created = repos
        .create_file("releases/r1.json", "add manifest [skip ci]", "{\"v\":1}\n")
        .branch("main")
        .send()
        .await
        .unwrap();
    let sha1 = created.content.sha.clone();
    // Missing sha on update: 422; stale sha: 409.
    let missing = repos
        .create_file("releases/r1.json", "again", "{}")
        .branch("main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&missing), 422);
    let updated = repos
        .update_file("releases/r1.json", "bump", "{\"v\":2}\n", sha1.clone())
        .branch("main")
        .send()
        .await
        .unwrap();
    assert_ne!(updated.content.sha, sha1);
    let stale = repos
        .update_file("releases/r1.json", "stale", "{\"v\":3}\n", sha1)
        .branch("main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&stale), 409);

    let file = repos
        .get_content()
        .path("releases/r1.json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        file.items[0].decoded_content().as_deref(),
        Some("{\"v\":2}\n")
    );
    let dir = repos.get_content().path("releases").send().await.unwrap();
    assert_eq!(dir.items.len(), 1);
    assert_eq!(dir.items[0].r#type, "file");
    let root = repos.get_content().send().await.unwrap();
    assert!(
        root.items
            .iter()
            .any(|i| i.name == "releases" && i.r#type == "dir")
    );
    let missing = repos
        .get_content()
        .path("nope.txt")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&missing), 404);
}

#[tokio::test]
async fn commits_and_compare() {
    let octo = client(shared(), "t-bot");
    let base = push(
        &octo,
        "acme/schema",
        "cmp/base",
        json!({"x.txt": "1\n"}),
        "base",
    )
    .await;
    let head = push(
        &octo,
        "acme/schema",
        "cmp/head",
        json!({"y.txt": "y\n"}),
        "head 1",
    )
    .await;
    let head = {
        let _ = head;
        push(
            &octo,
            "acme/schema",
            "cmp/head",
            json!({"z.txt": "z\n"}),
            "head 2",
        )
        .await
    };
    let commit = octo.commits("acme", "schema").get(&base).await.unwrap();
    assert_eq!(commit.sha, base);
    assert_eq!(commit.commit.message, "base");
    let files = commit.files.unwrap();
    assert_eq!(files[0].filename, "x.txt");

    let cmp = octo
        .commits("acme", "schema")
        .compare("cmp/base", "cmp/head")
        .send()
        .await
        .unwrap();
    assert_eq!(cmp.ahead_by, 2);
    assert_eq!(cmp.behind_by, 1);
    assert_eq!(cmp.total_commits, 2);
    assert_eq!(cmp.commits.last().unwrap().sha, head);
    let names: Vec<_> = cmp
        .files
        .unwrap()
        .iter()
        .map(|f| f.filename.clone())
        .collect();
    assert_eq!(names, ["y.txt", "z.txt"]);
}
