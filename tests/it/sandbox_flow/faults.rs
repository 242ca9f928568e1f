//! Injected faults (errors, rate limits, timeouts), latency and the request log.

use crate::sandbox_support;

use std::time::{Duration, Instant};

use convoy::sandbox::{Sandbox, Seed};
use sandbox_support::{call, client, status_of};
use serde_json::json;

#[tokio::test]
async fn faults_retry_after_and_latency() {
    let sandbox = Sandbox::start(Seed::demo(), None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let rule =
        json!({"method": "GET", "path": "/repos/acme/*/branches/*", "status": 503, "times": 2});
    assert_eq!(
        call(&octo, "POST", "/_sandbox/faults", Some(rule))
            .await
            .status,
        201
    );
    let e = octo
        .repos("acme", "api")
        .branches()
        .get("main")
        .await
        .unwrap_err();
    assert_eq!(status_of(&e), 503);
    let raw = call(&octo, "GET", "/repos/acme/web/branches/main", None).await;
    assert_eq!(raw.status, 503);
    assert_eq!(raw.body["message"], "Service Unavailable");
    // Spent after two: the third succeeds; other paths were never affected.
    octo.repos("acme", "api")
        .branches()
        .get("main")
        .await
        .unwrap();

    let rule = json!({"path": "/repos/acme/api/pulls", "status": 429, "retry_after": 7, "times": 1,
                      "body": {"message": "You have exceeded a secondary rate limit"}});
    call(&octo, "POST", "/_sandbox/faults", Some(rule)).await;
    let raw = call(&octo, "GET", "/repos/acme/api/pulls", None).await;
    assert_eq!(raw.status, 429);
    assert_eq!(raw.headers.get("retry-after").unwrap(), "7");
    assert_eq!(
        raw.body["message"],
        "You have exceeded a secondary rate limit"
    );
    assert_eq!(
        call(&octo, "GET", "/repos/acme/api/pulls", None)
            .await
            .status,
        200
    );

    // A rate-limit answer without retry-after: remaining 0 and a reset a minute ahead.
    let rule = json!({"path": "/repos/acme/api/issues", "status": 403, "times": 1,
                      "body": {"message": "API rate limit exceeded"}});
    call(&octo, "POST", "/_sandbox/faults", Some(rule)).await;
    let raw = call(&octo, "GET", "/repos/acme/api/issues", None).await;
    assert_eq!(raw.status, 403);
    assert_eq!(raw.headers.get("x-ratelimit-remaining").unwrap(), "0");
    let reset: u64 = raw
        .headers
        .get("x-ratelimit-reset")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(reset > now && reset <= now + 61, "{reset} vs {now}");

    // Unlimited until cleared.
    let rule = json!({"method": "PUT", "path": "*", "status": 500});
    call(&octo, "POST", "/_sandbox/faults", Some(rule)).await;
    for _ in 0..3 {
        let e = octo
            .repos("acme", "control")
            .create_file("x.txt", "m", "x")
            .send()
            .await
            .unwrap_err();
        assert_eq!(status_of(&e), 500);
    }
    assert_eq!(
        call(&octo, "DELETE", "/_sandbox/faults", None).await.status,
        204
    );
    octo.repos("acme", "control")
        .create_file("x.txt", "m", "x")
        .send()
        .await
        .unwrap();

    // A delayed fault plays a timeout.
    let rule = json!({"path": "/repos/acme/e2e", "status": 504, "delay_ms": 150, "times": 1});
    call(&octo, "POST", "/_sandbox/faults", Some(rule)).await;
    let t = Instant::now();
    assert_eq!(
        status_of(&octo.repos("acme", "e2e").get().await.unwrap_err()),
        504
    );
    assert!(t.elapsed() >= Duration::from_millis(150));

    // Latency applies to every API call, not to control endpoints.
    assert_eq!(
        call(&octo, "PUT", "/_sandbox/latency", Some(json!({"ms": 120})))
            .await
            .status,
        200
    );
    let t = Instant::now();
    octo.repos("acme", "api").get().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(120),
        "{:?}",
        t.elapsed()
    );
    call(&octo, "PUT", "/_sandbox/latency", Some(json!({"ms": 0}))).await;
    let t = Instant::now();
    octo.repos("acme", "api").get().await.unwrap();
    assert!(t.elapsed() < Duration::from_millis(120));

    // The request log saw the faults, and clears.
    let log = call(&octo, "GET", "/_sandbox/requests", None).await.body;
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert!(statuses.contains(&503) && statuses.contains(&429) && statuses.contains(&504));
    assert_eq!(
        call(&octo, "DELETE", "/_sandbox/requests", None)
            .await
            .status,
        204
    );
    assert_eq!(
        call(&octo, "GET", "/_sandbox/requests", None).await.body,
        json!([])
    );
}
