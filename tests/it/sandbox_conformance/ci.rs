//! Conformance of CI: workflows, dispatches and runs, repository dispatches, commit statuses
//! and check runs.

use serde_json::json;

use super::checker::Checker;
use crate::sandbox_support;

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
    runs_in_every_state(c, e).await;
    c.ex(
        "repos/create-dispatch-event",
        "POST",
        &format!("{r}/dispatches"),
        Some(json!({"event_type": "tier-done", "client_payload": {"a": 1}})),
        204,
    )
    .await;
}

/// A dispatched run as GitHub shows it in each state convoy reads (queued, in progress,
/// completed with each conclusion GitHub documents): every answer matches the `workflow-run`
/// schema, and carries what convoy checks a run by (`path`, `event`, `head_branch`,
/// `display_title`, `status`, `conclusion`).
async fn runs_in_every_state(c: &mut Checker, e: &str) {
    for conclusion in convoy::sandbox::runs::RUN_CONCLUSIONS {
        let correlation = format!("c-{conclusion}");
        let d = c
            .ex(
                "actions/create-workflow-dispatch",
                "POST",
                &format!("{e}/actions/workflows/e2e.yml/dispatches"),
                Some(json!({"ref": "main", "inputs": {"correlation_id": correlation}, "return_run_details": true})),
                200,
            )
            .await;
        let id = d["workflow_run_id"].as_u64().unwrap();
        let get = format!("{e}/actions/runs/{id}");
        let queued = c
            .ex("actions/get-workflow-run", "GET", &get, None, 200)
            .await;
        assert_eq!(
            (&queued["status"], &queued["conclusion"]),
            (&json!("queued"), &json!(null))
        );
        assert_eq!(queued["path"], ".github/workflows/e2e.yml");
        assert_eq!(queued["event"], "workflow_dispatch");
        assert_eq!(queued["head_branch"], "main");
        assert!(
            queued["display_title"]
                .as_str()
                .unwrap()
                .contains(&correlation),
            "{queued}"
        );
        let control =
            sandbox_support::call(&c.octo, "POST", &format!("/_sandbox/runs/{id}/start"), None)
                .await;
        assert_eq!(control.status, 200, "{}", control.body);
        let going = c
            .ex("actions/get-workflow-run", "GET", &get, None, 200)
            .await;
        assert_eq!(
            (&going["status"], &going["conclusion"]),
            (&json!("in_progress"), &json!(null))
        );
        let done = sandbox_support::call(
            &c.octo,
            "POST",
            &format!("/_sandbox/runs/{id}/complete"),
            Some(json!({"conclusion": conclusion})),
        )
        .await;
        assert_eq!(done.status, 200, "{}", done.body);
        let ended = c
            .ex("actions/get-workflow-run", "GET", &get, None, 200)
            .await;
        assert_eq!(
            (&ended["status"], &ended["conclusion"]),
            (&json!("completed"), &json!(conclusion))
        );
    }
    let listed = c
        .ex(
            "actions/list-workflow-runs",
            "GET",
            &format!("{e}/actions/workflows/e2e.yml/runs?status=completed&per_page=100"),
            None,
            200,
        )
        .await;
    assert!(listed["total_count"].as_u64().unwrap() >= 9, "{listed}");
    // GitHub knows no other conclusion: the sandbox refuses to invent one.
    let made_up = sandbox_support::call(
        &c.octo,
        "POST",
        "/_sandbox/runs/1/complete",
        Some(json!({"conclusion": "passed"})),
    )
    .await;
    assert_eq!(made_up.status, 422, "{}", made_up.body);
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
