//! Conformance of CI: workflows, dispatches and runs, repository dispatches, commit statuses
//! and check runs.

use serde_json::json;

use super::checker::Checker;

/// Workflows, dispatches (with and without run details), runs, cancel; a repository dispatch.
pub(super) async fn actions(c: &mut Checker, r: &str) {
    // Actions.
    let e = "/repos/acme/e2e";
    c.ex(
        "actions/list-repo-workflows",
        "GET",
        &format!("{e}/actions/workflows"),
        None,
        200,
    )
    .await;
    let d = c
        .ex(
            "actions/create-workflow-dispatch",
            "POST",
            &format!("{e}/actions/workflows/e2e.yml/dispatches"),
            Some(json!({"ref": "main", "inputs": {"correlation_id": "c1"}, "return_run_details": true})),
            200,
        )
        .await;
    let run = d["workflow_run_id"].as_u64().unwrap();
    c.ex(
        "actions/create-workflow-dispatch",
        "POST",
        &format!("{e}/actions/workflows/e2e.yml/dispatches"),
        Some(json!({"ref": "main", "inputs": {"correlation_id": "c2"}})),
        204,
    )
    .await;
    c.ex(
        "actions/list-workflow-runs",
        "GET",
        &format!(
            "{e}/actions/workflows/e2e.yml/runs?event=workflow_dispatch&branch=main&status=queued"
        ),
        None,
        200,
    )
    .await;
    c.ex(
        "actions/get-workflow-run",
        "GET",
        &format!("{e}/actions/runs/{run}"),
        None,
        200,
    )
    .await;
    c.ex(
        "actions/cancel-workflow-run",
        "POST",
        &format!("{e}/actions/runs/{run}/cancel"),
        None,
        202,
    )
    .await;
    c.ex(
        "actions/cancel-workflow-run",
        "POST",
        &format!("{e}/actions/runs/{run}/cancel"),
        None,
        409,
    )
    .await;
    c.ex(
        "repos/create-dispatch-event",
        "POST",
        &format!("{r}/dispatches"),
        Some(json!({"event_type": "tier-done", "client_payload": {"a": 1}})),
        204,
    )
    .await;
}

/// Commit statuses, the combined status, check runs on `head_sha`.
pub(super) async fn statuses_and_checks(c: &mut Checker, r: &str, head_sha: &str) {
    // Statuses and checks.
    c.ex("repos/create-commit-status", "POST", &format!("{r}/statuses/{head_sha}"), Some(json!({"state": "success", "context": "ci", "description": "ok", "target_url": "https://ci.example/1"})), 201).await;
    c.ex(
        "repos/list-commit-statuses-for-ref",
        "GET",
        &format!("{r}/commits/{head_sha}/statuses"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/get-combined-status-for-ref",
        "GET",
        &format!("{r}/commits/staging/status"),
        None,
        200,
    )
    .await;
    let check = c
        .ex(
            "checks/create",
            "POST",
            &format!("{r}/check-runs"),
            Some(json!({"name": "convoy", "head_sha": head_sha, "status": "in_progress"})),
            201,
        )
        .await;
    let check_id = check["id"].as_u64().unwrap();
    c.ex(
        "checks/update",
        "PATCH",
        &format!("{r}/check-runs/{check_id}"),
        Some(json!({"conclusion": "success", "output": {"title": "t", "summary": "s"}})),
        200,
    )
    .await;
    c.ex(
        "checks/list-for-ref",
        "GET",
        &format!("{r}/commits/{head_sha}/check-runs"),
        None,
        200,
    )
    .await;
}
