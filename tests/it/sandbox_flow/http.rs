//! HTTP behaviour: authentication schemes, Link-header pagination, conditional requests.

use crate::sandbox_support;

use sandbox_support::{call, client, push, shared, status_of};
use serde_json::json;

#[tokio::test]
async fn authentication_schemes() {
    let octo = client(shared(), "t-bot");
    // Bearer works like token; no header at all is 401.
    let bearer = octocrab::Octocrab::builder()
        .base_uri(shared())
        .unwrap()
        .add_header(axum::http::header::AUTHORIZATION, "Bearer t-bob".to_owned())
        .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
        .build()
        .unwrap();
    bearer.repos("acme", "api").get().await.unwrap();
    let anon = octocrab::Octocrab::builder()
        .base_uri(shared())
        .unwrap()
        .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
        .build()
        .unwrap();
    let e = anon.repos("acme", "api").get().await.unwrap_err();
    assert_eq!(status_of(&e), 401);
    // Alice is admin on control only: writes elsewhere are hidden (404).
    let alice = client(shared(), "t-alice");
    alice.repos("acme", "control").get().await.unwrap();
    let e = alice
        .issues("acme", "api")
        .create("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&e), 404);
    let _ = octo;
}

#[tokio::test]
async fn pagination_follows_link_headers() {
    let octo = client(shared(), "t-bot");
    let issues = octo.issues("acme", "web");
    let issue = issues.create("Paged").send().await.unwrap();
    for i in 0..5 {
        issues
            .create_comment(issue.number, format!("comment {i}"))
            .await
            .unwrap();
    }
    let first = issues
        .list_comments(issue.number)
        .per_page(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    assert!(first.next.is_some() && first.last.is_some());
    let all = octo.all_pages(first).await.unwrap();
    let bodies: Vec<_> = all.iter().map(|c| c.body.clone().unwrap()).collect();
    assert_eq!(
        bodies,
        (0..5).map(|i| format!("comment {i}")).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn conditional_requests_answer_304() {
    let octo = client(shared(), "t-bot");
    push(&octo, "acme/web", "etag/x", json!({"e.txt": "1\n"}), "e1").await;
    let first = call(&octo, "GET", "/repos/acme/web/branches/etag/x", None).await;
    let etag = first.headers.get("etag").unwrap().clone();
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("if-none-match", etag.clone());
    let again = octo
        ._get_with_headers("/repos/acme/web/branches/etag/x", Some(headers.clone()))
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert_eq!(again.headers().get("etag"), Some(&etag));
    push(&octo, "acme/web", "etag/x", json!({"e.txt": "2\n"}), "e2").await;
    let changed = octo
        ._get_with_headers("/repos/acme/web/branches/etag/x", Some(headers))
        .await
        .unwrap();
    assert_eq!(changed.status().as_u16(), 200);
    assert_ne!(changed.headers().get("etag"), Some(&etag));
}
