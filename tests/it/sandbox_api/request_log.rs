//! The sandbox's request log records API calls.

use crate::sandbox_support;

use sandbox_support::{call, client, shared};

#[tokio::test]
async fn request_log_counts_api_calls() {
    let octo = client(shared(), "t-bot");
    octo.repos("acme", "e2e")
        .branches()
        .get("main")
        .await
        .unwrap();
    let log = call(&octo, "GET", "/_sandbox/requests", None).await;
    let hits = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"] == "/repos/acme/e2e/branches/main")
        .count();
    assert!(hits >= 1);
    let entry = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/repos/acme/e2e/branches/main")
        .unwrap();
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["status"], 200);
    assert!(entry["ms"].is_u64());
}
