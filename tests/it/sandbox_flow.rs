//! Issues, actions, events, faults and latency, through octocrab.

use crate::sandbox_support;

use std::time::{Duration, Instant};

use convoy::sandbox::{Sandbox, Seed};
use octocrab::models::{IssueState, RunId};
use sandbox_support::{call, client, push, shared, status_of};
use serde_json::{Value, json};

#[tokio::test]
async fn issues_comments_labels_milestones() {
    let octo = client(shared(), "t-bot");
    let issues = octo.issues("acme", "api");
    let seeded = issues.get(12).await.unwrap();
    assert_eq!(seeded.title, "Add endpoint");
    assert_eq!(seeded.milestone.as_ref().unwrap().title, "Sprint 41");
    let milestones = issues.list_milestones().send().await.unwrap();
    assert_eq!(milestones.items.len(), 1);
    let ms = milestones.items[0].number;

    let issue = issues
        .create("Release r1")
        .body("tracking")
        .milestone(Some(ms as u64))
        .labels(vec!["convoy".to_owned()])
        .send()
        .await
        .unwrap();
    assert!(issue.number > 12);
    let listed = issues
        .list()
        .labels(&["convoy".to_owned()])
        .send()
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    let by_ms = issues
        .list()
        .milestone(ms as u64)
        .state(octocrab::params::State::All)
        .send()
        .await
        .unwrap();
    assert!(
        by_ms.items.iter().any(|i| i.number == 12)
            && by_ms.items.iter().any(|i| i.number == issue.number)
    );

    let labels = issues
        .add_labels(issue.number, &["release".to_owned(), "r1".to_owned()])
        .await
        .unwrap();
    assert_eq!(labels.len(), 3);
    let labels = issues.remove_label(issue.number, "r1").await.unwrap();
    assert_eq!(labels.len(), 2);
    assert_eq!(
        status_of(&issues.remove_label(issue.number, "r1").await.unwrap_err()),
        404
    );

    let c = issues
        .create_comment(issue.number, "<!-- convoy:status --> planning")
        .await
        .unwrap();
    let c2 = issues
        .update_comment(c.id, "<!-- convoy:status --> shipping")
        .await
        .unwrap();
    assert_eq!(c2.body.as_deref(), Some("<!-- convoy:status --> shipping"));
    let comments = issues.list_comments(issue.number).send().await.unwrap();
    assert_eq!(comments.items.len(), 1);

    let updated = issues
        .update(issue.number)
        .title("Release r1 (shipped)")
        .state(IssueState::Closed)
        .labels(&["release".to_owned()])
        .send()
        .await
        .unwrap();
    assert_eq!(updated.state, IssueState::Closed);
    assert_eq!(updated.labels.len(), 1);
    assert_eq!(status_of(&issues.get(9999).await.unwrap_err()), 404);
}

#[tokio::test]
async fn dispatch_runs_and_cancel() {
    let octo = client(shared(), "t-bot");
    let wf = octo.workflows("acme", "e2e").list().send().await.unwrap();
    assert_eq!(wf.items.len(), 1);
    assert_eq!(wf.items[0].name, "e2e");

    // Typed dispatch (204) with a correlation id echoed in run-name.
    octo.actions()
        .create_workflow_dispatch("acme", "e2e", "e2e.yml", "main")
        .inputs(json!({"correlation_id": "corr-typed"}))
        .send()
        .await
        .unwrap();
    let runs = octo
        .workflows("acme", "e2e")
        .list_runs("e2e.yml")
        .event("workflow_dispatch")
        .branch("main")
        .send()
        .await
        .unwrap();
    assert!(
        runs.items
            .iter()
            .all(|r| r.event == "workflow_dispatch" && r.head_branch == "main")
    );
    // octocrab 0.54's `Run` has no `display_title`: read it raw to find the correlation id.
    let raw = call(
        &octo,
        "GET",
        "/repos/acme/e2e/actions/workflows/e2e.yml/runs?event=workflow_dispatch",
        None,
    )
    .await;
    let run = raw.body["workflow_runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["display_title"] == "e2e corr-typed");
    let run = run.expect("run with correlation id");
    assert_eq!(run["status"], "queued");
    assert!(
        runs.items
            .iter()
            .any(|r| r.id.0 == run["id"].as_u64().unwrap())
    );

    // return_run_details: 200 with the run id (raw: octocrab's builder lacks the field).
    let a = call(
        &octo,
        "POST",
        "/repos/acme/e2e/actions/workflows/e2e.yml/dispatches",
        Some(json!({"ref": "main", "inputs": {"correlation_id": "corr-raw"}, "return_run_details": true})),
    )
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let id = a.body["workflow_run_id"].as_u64().unwrap();
    let got = octo.workflows("acme", "e2e").get(RunId(id)).await.unwrap();
    assert_eq!(got.id.0, id);
    let raw = call(
        &octo,
        "GET",
        &format!("/repos/acme/e2e/actions/runs/{id}"),
        None,
    )
    .await;
    assert_eq!(raw.body["display_title"], "e2e corr-raw");
    assert_eq!(got.head_branch, "main");

    let queued = octo
        .workflows("acme", "e2e")
        .list_runs("e2e.yml")
        .status("queued")
        .send()
        .await
        .unwrap();
    assert!(queued.items.iter().any(|r| r.id.0 == id));
    octo.actions()
        .cancel_workflow_run("acme", "e2e", RunId(id))
        .await
        .unwrap();
    let cancelled = octo.workflows("acme", "e2e").get(RunId(id)).await.unwrap();
    assert_eq!(cancelled.status, "completed");
    assert_eq!(cancelled.conclusion.as_deref(), Some("cancelled"));
    assert_eq!(
        status_of(
            &octo
                .actions()
                .cancel_workflow_run("acme", "e2e", RunId(id))
                .await
                .unwrap_err()
        ),
        409
    );

    // Errors as on GitHub.
    let unknown = octo
        .actions()
        .create_workflow_dispatch("acme", "e2e", "nope.yml", "main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&unknown), 404);
    let push_only = octo
        .actions()
        .create_workflow_dispatch("acme", "api", "ci.yml", "main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&push_only), 422);
    let missing_input = octo
        .actions()
        .create_workflow_dispatch("acme", "e2e", "e2e.yml", "main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&missing_input), 422);
    let bad_ref = octo
        .actions()
        .create_workflow_dispatch("acme", "e2e", "e2e.yml", "nope")
        .inputs(json!({"correlation_id": "x"}))
        .send()
        .await
        .unwrap_err();
    assert_eq!(status_of(&bad_ref), 422);
}

fn names(events: &Value) -> Vec<String> {
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn events_are_delivered_as_webhooks() {
    let sandbox = Sandbox::start(Seed::demo(), None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    call(&octo, "GET", "/_sandbox/events", None).await; // drain

    // Dispatch, start and complete a run: workflow_dispatch, workflow_run requested/in_progress/completed.
    let a = call(
        &octo,
        "POST",
        "/repos/acme/e2e/actions/workflows/e2e.yml/dispatches",
        Some(
            json!({"ref": "main", "inputs": {"correlation_id": "c-9"}, "return_run_details": true}),
        ),
    )
    .await;
    let id = a.body["workflow_run_id"].as_u64().unwrap();
    assert_eq!(
        call(&octo, "POST", &format!("/_sandbox/runs/{id}/start"), None)
            .await
            .status,
        200
    );
    let done = call(
        &octo,
        "POST",
        &format!("/_sandbox/runs/{id}/complete"),
        Some(json!({"conclusion": "failure"})),
    )
    .await;
    assert_eq!(done.status, 200);
    let events = call(&octo, "GET", "/_sandbox/events", None).await.body;
    assert_eq!(
        names(&events),
        [
            "workflow_dispatch",
            "workflow_run",
            "workflow_run",
            "workflow_run"
        ]
    );
    let completed = &events[3];
    assert_eq!(completed["repo"], "acme/e2e");
    assert_eq!(completed["payload"]["action"], "completed");
    assert_eq!(completed["payload"]["workflow_run"]["id"], id);
    assert_eq!(
        completed["payload"]["workflow_run"]["conclusion"],
        "failure"
    );
    assert_eq!(
        completed["payload"]["workflow_run"]["display_title"],
        "e2e c-9"
    );
    assert_eq!(completed["payload"]["repository"]["full_name"], "acme/e2e");
    assert_eq!(completed["payload"]["sender"]["login"], "convoy-bot");
    assert_eq!(
        call(&octo, "GET", "/_sandbox/events", None).await.body,
        json!([])
    );

    // Pull request lifecycle: opened, synchronize on push, closed with merged.
    push(
        &octo,
        "acme/api",
        "feat/ev",
        json!({"ev.txt": "1\n"}),
        "ev 1",
    )
    .await;
    let pr = octo
        .pulls("acme", "api")
        .create("Ev", "feat/ev", "main")
        .send()
        .await
        .unwrap();
    push(
        &octo,
        "acme/api",
        "feat/ev",
        json!({"ev.txt": "2\n"}),
        "ev 2",
    )
    .await;
    octo.pulls("acme", "api")
        .merge(pr.number)
        .send()
        .await
        .unwrap();
    let events = call(&octo, "GET", "/_sandbox/events", None).await.body;
    let pr_events: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "pull_request")
        .collect();
    let actions: Vec<&str> = pr_events
        .iter()
        .map(|e| e["payload"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["opened", "synchronize", "closed"]);
    assert_eq!(pr_events[2]["payload"]["pull_request"]["merged"], true);
    assert_eq!(names(&events).iter().filter(|n| *n == "push").count(), 3);

    // A human comment, an issue edit, a status, a check run, a repository dispatch.
    let c = call(
        &octo,
        "POST",
        "/_sandbox/repos/acme/control/issues/1/comments",
        Some(json!({"user": "alice", "body": "/convoy approve"})),
    )
    .await;
    assert_eq!(c.status, 404, "no issue 1 yet");
    let issue = octo
        .issues("acme", "control")
        .create("Release r1")
        .send()
        .await
        .unwrap();
    let c = call(
        &octo,
        "POST",
        &format!(
            "/_sandbox/repos/acme/control/issues/{}/comments",
            issue.number
        ),
        Some(json!({"user": "alice", "body": "/convoy approve"})),
    )
    .await;
    assert_eq!(c.status, 201);
    octo.issues("acme", "control")
        .update(issue.number)
        .body("edited")
        .send()
        .await
        .unwrap();
    let sha = octo
        .repos("acme", "control")
        .branches()
        .get("main")
        .await
        .unwrap()
        .commit
        .sha;
    octo.repos("acme", "control")
        .create_status(sha.clone(), octocrab::models::StatusState::Success)
        .send()
        .await
        .unwrap();
    octo.checks("acme", "control")
        .create_check_run("convoy", sha)
        .send()
        .await
        .unwrap();
    octo.repos("acme", "control")
        .create_dispatch("tier-done")
        .send()
        .await
        .unwrap();
    let events = call(&octo, "GET", "/_sandbox/events", None).await.body;
    assert_eq!(
        names(&events),
        [
            "issues",
            "issue_comment",
            "issues",
            "status",
            "check_run",
            "repository_dispatch"
        ]
    );
    assert_eq!(events[1]["payload"]["comment"]["user"]["login"], "alice");
    assert_eq!(events[1]["payload"]["comment"]["body"], "/convoy approve");
    assert_eq!(events[2]["payload"]["action"], "edited");
    assert_eq!(events[5]["payload"]["action"], "tier-done");
}

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

#[tokio::test]
async fn required_checks_block_merges() {
    let mut seed = Seed::demo();
    let web = seed
        .repos
        .iter_mut()
        .find(|r| r.name == "acme/web")
        .unwrap();
    web.required_checks
        .insert("main".into(), vec!["ci".into(), "convoy/e2e".into()]);
    let sandbox = Sandbox::start(seed, None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let branch = octo
        .repos("acme", "web")
        .branches()
        .get("main")
        .await
        .unwrap();
    assert!(branch.protected);
    let head = push(
        &octo,
        "acme/web",
        "feat/gated",
        json!({"g.txt": "g\n"}),
        "gated",
    )
    .await;
    let pulls = octo.pulls("acme", "web");
    let pr = pulls
        .create("Gated", "feat/gated", "main")
        .send()
        .await
        .unwrap();
    let raw = call(
        &octo,
        "GET",
        &format!("/repos/acme/web/pulls/{}", pr.number),
        None,
    )
    .await;
    assert_eq!(raw.body["mergeable"], true);
    assert_eq!(raw.body["mergeable_state"], "blocked");
    let msg = |e: octocrab::Error| match e {
        octocrab::Error::GitHub { source, .. } => (source.status_code.as_u16(), source.message),
        other => panic!("{other:?}"),
    };
    let e = pulls.merge(pr.number).send().await.unwrap_err();
    assert_eq!(
        msg(e),
        (405, "Required status check \"ci\" is expected.".to_owned())
    );

    let repos = octo.repos("acme", "web");
    repos
        .create_status(head.clone(), octocrab::models::StatusState::Failure)
        .context("ci".to_owned())
        .send()
        .await
        .unwrap();
    let e = pulls.merge(pr.number).send().await.unwrap_err();
    assert_eq!(
        msg(e),
        (405, "Required status check \"ci\" is failing.".to_owned())
    );
    repos
        .create_status(head.clone(), octocrab::models::StatusState::Success)
        .context("ci".to_owned())
        .send()
        .await
        .unwrap();
    let check = octo
        .checks("acme", "web")
        .create_check_run("convoy/e2e", head.clone())
        .send()
        .await
        .unwrap();
    let e = pulls.merge(pr.number).send().await.unwrap_err();
    assert_eq!(
        msg(e),
        (
            405,
            "Required status check \"convoy/e2e\" is in progress.".to_owned()
        )
    );
    octo.checks("acme", "web")
        .update_check_run(check.id)
        .conclusion(octocrab::params::checks::CheckRunConclusion::Success)
        .send()
        .await
        .unwrap();
    let raw = call(
        &octo,
        "GET",
        &format!("/repos/acme/web/pulls/{}", pr.number),
        None,
    )
    .await;
    assert_eq!(raw.body["mergeable_state"], "clean");
    assert!(pulls.merge(pr.number).send().await.unwrap().merged);
}

#[tokio::test]
async fn legacy_dispatch_refuses_run_details() {
    let sandbox = Sandbox::start(Seed::demo(), None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let path = "/repos/acme/e2e/actions/workflows/e2e.yml/dispatches";
    let compat = call(
        &octo,
        "PUT",
        "/_sandbox/compat",
        Some(json!({"return_run_details": false})),
    )
    .await;
    assert_eq!(compat.status, 200);
    let body = json!({"ref": "main", "inputs": {"correlation_id": "c-legacy"}, "return_run_details": true});
    let refused = call(&octo, "POST", path, Some(body)).await;
    assert_eq!(refused.status, 400);
    // The fallback: dispatch without the field, find the run by its correlation id.
    let body = json!({"ref": "main", "inputs": {"correlation_id": "c-legacy"}});
    assert_eq!(call(&octo, "POST", path, Some(body)).await.status, 204);
    let runs = call(
        &octo,
        "GET",
        "/repos/acme/e2e/actions/workflows/e2e.yml/runs?event=workflow_dispatch",
        None,
    )
    .await;
    let found = runs.body["workflow_runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["display_title"] == "e2e c-legacy")
        .count();
    assert_eq!(found, 1);
    call(
        &octo,
        "PUT",
        "/_sandbox/compat",
        Some(json!({"return_run_details": true})),
    )
    .await;
    let body =
        json!({"ref": "main", "inputs": {"correlation_id": "c-new"}, "return_run_details": true});
    assert_eq!(call(&octo, "POST", path, Some(body)).await.status, 200);

    let many: serde_json::Map<String, Value> =
        (0..26).map(|i| (format!("i{i}"), json!("x"))).collect();
    let body = json!({"ref": "main", "inputs": many});
    assert_eq!(call(&octo, "POST", path, Some(body)).await.status, 422);
}

#[tokio::test]
async fn pushes_and_pull_requests_start_workflow_runs() {
    let mut seed = Seed::demo();
    let web = seed
        .repos
        .iter_mut()
        .find(|r| r.name == "acme/web")
        .unwrap();
    web.files.insert(
        ".github/workflows/pr.yml".into(),
        "name: pr-checks\non:\n  pull_request:\n    branches: [staging]\njobs: {}\n".into(),
    );
    let sandbox = Sandbox::start(seed, None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");

    // acme/api's ci.yml runs on pushes to main only.
    push(
        &octo,
        "acme/api",
        "feat/no-ci",
        json!({"n.txt": "n\n"}),
        "not main",
    )
    .await;
    let sha = push(
        &octo,
        "acme/api",
        "main",
        json!({"m.txt": "m\n"}),
        "Ship it\n\nbody",
    )
    .await;
    let runs = octo
        .workflows("acme", "api")
        .list_runs("ci.yml")
        .send()
        .await
        .unwrap();
    assert_eq!(runs.items.len(), 1);
    assert_eq!(runs.items[0].event, "push");
    assert_eq!(runs.items[0].head_sha, sha);
    assert_eq!(runs.items[0].head_branch, "main");
    let raw = call(
        &octo,
        "GET",
        &format!("/repos/acme/api/actions/runs/{}", runs.items[0].id),
        None,
    )
    .await;
    assert_eq!(raw.body["display_title"], "Ship it");

    // acme/web's pr.yml runs for pull requests into staging, on open and on each push.
    push(&octo, "acme/web", "feat/p", json!({"p.txt": "1\n"}), "p1").await;
    let pr = octo
        .pulls("acme", "web")
        .create("Add p", "feat/p", "staging")
        .send()
        .await
        .unwrap();
    octo.pulls("acme", "web")
        .create("Add p to main", "feat/p", "main")
        .send()
        .await
        .unwrap();
    push(&octo, "acme/web", "feat/p", json!({"p.txt": "2\n"}), "p2").await;
    let runs = octo
        .workflows("acme", "web")
        .list_runs("pr.yml")
        .event("pull_request")
        .send()
        .await
        .unwrap();
    assert_eq!(
        runs.items.len(),
        2,
        "opened and synchronize, not the PR into main"
    );
    assert!(runs.items.iter().all(|r| r.head_branch == "feat/p"));
    let raw = call(
        &octo,
        "GET",
        &format!("/repos/acme/web/actions/runs/{}", runs.items[0].id),
        None,
    )
    .await;
    assert_eq!(raw.body["display_title"], "Add p");
    let _ = pr;

    // Each queued run produced a workflow_run.requested event for its repository.
    let events = call(&octo, "GET", "/_sandbox/events", None).await.body;
    let requested: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "workflow_run" && e["payload"]["action"] == "requested")
        .map(|e| e["repo"].as_str().unwrap())
        .collect();
    assert_eq!(requested, ["acme/api", "acme/web", "acme/web"]);
}
