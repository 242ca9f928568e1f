//! GitHub Actions: workflow dispatch (typed, raw, legacy without run details), listing and
//! cancelling runs, and the runs that pushes and pull requests start.

use crate::sandbox_support;

use convoy::sandbox::{Sandbox, Seed};
use octocrab::models::RunId;
use sandbox_support::{call, client, push, shared, status_of};
use serde_json::{Value, json};

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
    let refused = call(&octo, "POST", path, Some(body.clone())).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.body["message"],
        "Invalid request.\n\n\"return_run_details\" is not a permitted key."
    );
    call(
        &octo,
        "PUT",
        "/_sandbox/compat",
        Some(json!({"return_run_details": false, "status": 400})),
    )
    .await;
    assert_eq!(call(&octo, "POST", path, Some(body)).await.status, 400);
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

/// Inputs the workflow file does not declare are refused as GitHub refuses them: 422, the names
/// sorted, as a JSON array; no run starts.
#[tokio::test]
async fn dispatch_with_undeclared_inputs_is_refused_with_githubs_text() {
    let sandbox = Sandbox::start(Seed::demo(), None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let path = "/repos/acme/e2e/actions/workflows/e2e.yml/dispatches";
    let body = json!({"ref": "main", "inputs": {
        "tier": "e2e", "refs": "{}", "correlation_id": "c-undeclared", "attempt": "1",
    }});
    let refused = call(&octo, "POST", path, Some(body)).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(
        refused.body["message"],
        r#"Unexpected inputs provided: ["attempt", "refs", "tier"]"#
    );
    let runs = call(
        &octo,
        "GET",
        "/repos/acme/e2e/actions/workflows/e2e.yml/runs?event=workflow_dispatch",
        None,
    )
    .await;
    assert_eq!(runs.body["total_count"], 0, "{:?}", runs.body);
}
