//! Webhook events the sandbox emits: workflow runs, pull requests, pushes, issues, comments,
//! statuses, check runs and repository dispatches.

use crate::sandbox_support;

use convoy::sandbox::{Sandbox, Seed};
use sandbox_support::{call, client, push};
use serde_json::{Value, json};

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
