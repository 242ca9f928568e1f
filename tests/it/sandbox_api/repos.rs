//! Repositories, branches and permissions; refs with slashes: create, fast-forward, force, delete.

use crate::sandbox_support;

use octocrab::params::repos::Reference;
use sandbox_support::{call, client, push, shared, status_of};
use serde_json::json;

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
