//! Repositories, branches and permissions; refs with slashes: create, fast-forward, force, delete.

use crate::sandbox_support;

use octocrab::params::repos::Reference;
use sandbox_support::{call, client, push, shared, status_of};
use serde_json::{Value, json};

#[tokio::test]
async fn repo_branch_and_permissions() {
    let octo = client(shared(), "t-bot");
    let repo = octo.repos("acme", "api").get().await.unwrap();
    assert_eq!(repo.full_name.as_deref(), Some("acme/api"));
    assert_eq!(repo.default_branch.as_deref(), Some("main"));
    let main = octo
        .repos("acme", "schema")
        .branches()
        .get("main")
        .await
        .unwrap();
    let staging = octo
        .repos("acme", "schema")
        .branches()
        .get("staging")
        .await
        .unwrap();
    assert_eq!(main.commit.sha, staging.commit.sha);
    assert_eq!(main.commit.sha.len(), 40);

    let perm = octo
        .repos("acme", "control")
        .get_contributor_permission("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(perm.permission, octocrab::params::teams::Permission::Admin);
    assert_eq!(perm.role_name, "admin");
    // octocrab 0.54 types `permission` as pull/push/admin/maintain/triage, but GitHub answers
    // the legacy admin/write/read/none: a write user fails typed parsing, so read it raw.
    let bob = call(
        &octo,
        "GET",
        "/repos/acme/api/collaborators/bob/permission",
        None,
    )
    .await;
    assert_eq!(bob.body["permission"], "write");
    assert_eq!(bob.body["role_name"], "write");
    assert!(
        octo.repos("acme", "api")
            .get_contributor_permission("bob")
            .send()
            .await
            .is_err()
    );

    // Unknown token: 401; a user without access: 404; read-less writes: 403/404.
    let stranger = client(shared(), "t-nobody");
    assert_eq!(
        status_of(&stranger.repos("acme", "api").get().await.unwrap_err()),
        401
    );
    let alice = client(shared(), "t-alice");
    assert_eq!(
        status_of(&alice.repos("acme", "api").get().await.unwrap_err()),
        404
    );
    assert_eq!(
        status_of(&octo.repos("acme", "nope").get().await.unwrap_err()),
        404
    );
}

#[tokio::test]
async fn refs_with_slashes() {
    let octo = client(shared(), "t-bot");
    let repos = octo.repos("acme", "web");
    let main = repos
        .get_ref(&Reference::Branch("main".into()))
        .await
        .unwrap();
    let octocrab::models::repos::Object::Commit { sha, .. } = main.object else {
        panic!()
    };
    let created = repos
        .create_ref(&Reference::Branch("rc/r1".into()), sha.clone())
        .await
        .unwrap();
    assert_eq!(created.ref_field, "refs/heads/rc/r1");
    let again = repos
        .create_ref(&Reference::Branch("rc/r1".into()), sha.clone())
        .await
        .unwrap_err();
    assert_eq!(status_of(&again), 422);

    // Branch GETs with encoded and plain slashes, contents with ?ref=rc/r1.
    let b = repos.branches().get("rc%2Fr1").await.unwrap();
    assert_eq!(b.name, "rc/r1");
    let b = repos.branches().get("rc/r1").await.unwrap();
    assert_eq!(b.commit.sha, sha);
    let items = repos
        .get_content()
        .path("README.md")
        .r#ref("rc/r1")
        .send()
        .await
        .unwrap();
    assert_eq!(items.items[0].decoded_content().as_deref(), Some("# web\n"));

    let matching = repos.list_matching_refs("heads/rc/").await.unwrap();
    assert_eq!(matching.len(), 1);

    // Fast-forward only without force.
    let new = push(&octo, "acme/web", "rc/r1", json!({"a.txt": "a\n"}), "add a").await;
    let side = push(
        &octo,
        "acme/web",
        "side/x",
        json!({"b.txt": "b\n"}),
        "add b",
    )
    .await;
    let updated = repos
        .update_ref(&Reference::Branch("rc/r1".into()), side.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&updated), 422);
    let forced = repos
        .update_ref(&Reference::Branch("rc/r1".into()), side.clone())
        .force(true)
        .send()
        .await
        .unwrap();
    let octocrab::models::repos::Object::Commit { sha: now, .. } = forced.object else {
        panic!()
    };
    assert_eq!(now, side);
    assert_ne!(new, side);
    repos
        .delete_ref(&Reference::Branch("rc/r1".into()))
        .await
        .unwrap();
    assert_eq!(
        status_of(
            &repos
                .get_ref(&Reference::Branch("rc/r1".into()))
                .await
                .unwrap_err()
        ),
        404
    );
    assert_eq!(
        status_of(
            &repos
                .delete_ref(&Reference::Branch("rc/r1".into()))
                .await
                .unwrap_err()
        ),
        422
    );
}

/// What the staging lock rests on, answered as GitHub answers: a commit of git's empty tree
/// with no parent; a branch created once (a second create is 422 "Reference already exists",
/// and of eight creates at once exactly one succeeds); moved only forward without `force`
/// (422 "Update is not a fast forward"); deleted once (then 422 "Reference does not exist", for
/// a delete as for a move).
#[tokio::test]
async fn a_lock_branch_is_created_once_moved_forward_and_deleted_once() {
    let octo = client(shared(), "t-bot");
    let r = "/repos/acme/control";
    let commit = |parents: Value, message: &str| json!({"message": message, "tree": "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "parents": parents});
    let first = call(
        &octo,
        "POST",
        &format!("{r}/git/commits"),
        Some(commit(json!([]), "lock a")),
    )
    .await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["parents"], json!([]));
    let a = first.body["sha"].as_str().unwrap().to_owned();
    let other = call(
        &octo,
        "POST",
        &format!("{r}/git/commits"),
        Some(commit(json!([]), "lock b")),
    )
    .await;
    let b = other.body["sha"].as_str().unwrap().to_owned();
    let child = call(
        &octo,
        "POST",
        &format!("{r}/git/commits"),
        Some(commit(json!([a]), "lock c")),
    )
    .await;
    let c = child.body["sha"].as_str().unwrap().to_owned();

    let name = "refs/heads/convoy/staging-lock/sandbox-test-1";
    let create = |sha: &str| json!({"ref": name, "sha": sha});
    let made = call(&octo, "POST", &format!("{r}/git/refs"), Some(create(&a))).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let again = call(&octo, "POST", &format!("{r}/git/refs"), Some(create(&b))).await;
    assert_eq!(again.status, 422);
    assert_eq!(again.body["message"], "Reference already exists");
    assert_eq!(again.body["status"], "422");

    let path = format!("{r}/git/refs/heads/convoy/staging-lock/sandbox-test-1");
    let sideways = call(
        &octo,
        "PATCH",
        &path,
        Some(json!({"sha": b, "force": false})),
    )
    .await;
    assert_eq!(sideways.status, 422);
    assert_eq!(sideways.body["message"], "Update is not a fast forward");
    let forward = call(
        &octo,
        "PATCH",
        &path,
        Some(json!({"sha": c, "force": false})),
    )
    .await;
    assert_eq!(forward.status, 200, "{:?}", forward.body);
    assert_eq!(forward.body["object"]["sha"], c.as_str());
    assert_eq!(call(&octo, "DELETE", &path, None).await.status, 204);
    let gone = call(&octo, "DELETE", &path, None).await;
    assert_eq!(gone.status, 422);
    assert_eq!(gone.body["message"], "Reference does not exist");
    let moved = call(
        &octo,
        "PATCH",
        &path,
        Some(json!({"sha": c, "force": false})),
    )
    .await;
    assert_eq!(moved.status, 422);
    assert_eq!(moved.body["message"], "Reference does not exist");

    // Eight runs create one lock at once: one wins, seven hear that it exists.
    let race = json!({"ref": "refs/heads/convoy/staging-lock/sandbox-test-2", "sha": b});
    let clients: Vec<_> = (0..8).map(|_| client(shared(), "t-bot")).collect();
    let answers = futures::future::join_all(clients.iter().map(|o| {
        call(
            o,
            "POST",
            "/repos/acme/control/git/refs",
            Some(race.clone()),
        )
    }))
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 422, 422, 422, 422, 422, 422, 422]);
    assert!(
        answers
            .iter()
            .filter(|a| a.status == 422)
            .all(|a| a.body["message"] == "Reference already exists")
    );
    let path = format!("{r}/git/refs/heads/convoy/staging-lock/sandbox-test-2");
    assert_eq!(call(&octo, "DELETE", &path, None).await.status, 204);
}
