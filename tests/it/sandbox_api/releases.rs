//! Releases (and their tags) and repository dispatches.

use crate::sandbox_support;

use octocrab::params::repos::Reference;
use sandbox_support::{client, shared, status_of};
use serde_json::json;

#[tokio::test]
async fn releases_and_repository_dispatch() {
    let octo = client(shared(), "t-bot");
    let rel = octo
        .repos("acme", "schema")
        .releases()
        .create("v1.0.0")
        .name("v1.0.0")
        .body("notes")
        .send()
        .await
        .unwrap();
    assert_eq!(rel.tag_name, "v1.0.0");
    let got = octo
        .repos("acme", "schema")
        .releases()
        .get_by_tag("v1.0.0")
        .await
        .unwrap();
    assert_eq!(got.id, rel.id);
    let tag = octo
        .repos("acme", "schema")
        .get_ref(&Reference::Tag("v1.0.0".into()))
        .await
        .unwrap();
    assert_eq!(tag.ref_field, "refs/tags/v1.0.0");
    let dup = octo
        .repos("acme", "schema")
        .releases()
        .create("v1.0.0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&dup), 422);
    let missing = octo
        .repos("acme", "schema")
        .releases()
        .get_by_tag("v9")
        .await
        .unwrap_err();
    assert_eq!(status_of(&missing), 404);
    octo.repos("acme", "control")
        .create_dispatch("convoy-tier-done")
        .client_payload(json!({"release": "r1"}))
        .send()
        .await
        .unwrap();
}
