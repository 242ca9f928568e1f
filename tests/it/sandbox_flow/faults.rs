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

/// A secondary rate limit as GitHub may answer it: 403 or 429 whose message alone says what
/// it is, without `retry-after` or any `x-ratelimit-*` header; by a fault rule, or drawn by
/// chaos with `bare_secondary`.
#[tokio::test]
async fn secondary_rate_limits_can_come_bare() {
    let sandbox = Sandbox::start(Seed::demo(), None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let message =
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
    let rule = json!({"path": "/repos/acme/api", "status": 429, "times": 1,
                      "rate_limit_headers": "none", "body": {"message": message}});
    call(&octo, "POST", "/_sandbox/faults", Some(rule)).await;
    let raw = call(&octo, "GET", "/repos/acme/api", None).await;
    assert_eq!(raw.status, 429);
    assert_eq!(raw.body["message"], message);
    let names: Vec<&str> = raw.headers.keys().map(|k| k.as_str()).collect();
    assert!(
        !names
            .iter()
            .any(|n| *n == "retry-after" || n.starts_with("x-ratelimit-")),
        "{names:?}"
    );
    // `ordinary`: the headers every answer carries, the primary limit far from used up.
    let rule = json!({"path": "/repos/acme/api", "status": 403, "times": 1,
                      "rate_limit_headers": "ordinary",
                      "body": {"message": "Resource not accessible by integration"}});
    call(&octo, "POST", "/_sandbox/faults", Some(rule)).await;
    let raw = call(&octo, "GET", "/repos/acme/api", None).await;
    assert_eq!(raw.status, 403);
    assert_eq!(raw.headers.get("x-ratelimit-remaining").unwrap(), "4999");

    let chaos = json!({"seed": 7, "rate": 1.0, "token": "t-bot", "bare_secondary": true});
    assert_eq!(
        call(&octo, "PUT", "/_sandbox/chaos", Some(chaos))
            .await
            .status,
        200
    );
    let mut seen = 0;
    for _ in 0..60 {
        let raw = call(&octo, "GET", "/repos/acme/api", None).await;
        if raw.body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("You have exceeded a secondary rate limit."))
        {
            seen += 1;
            assert!(matches!(raw.status, 403 | 429), "{}", raw.status);
            assert!(
                raw.headers
                    .keys()
                    .all(|k| k != "retry-after" && !k.as_str().starts_with("x-ratelimit-")),
                "{:?}",
                raw.headers
            );
        }
    }
    assert!(
        seen > 0,
        "chaos drew no secondary rate limit in 60 requests"
    );
    call(&octo, "DELETE", "/_sandbox/chaos", None).await;
}
