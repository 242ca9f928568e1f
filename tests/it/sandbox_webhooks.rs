//! The events the sandbox queues validate against GitHub's webhook payload schemas
//! (`tests/fixtures/openapi/webhook-subset.json`, made by `scripts/extract-webhook-schemas.py`).

use crate::sandbox_support;

use std::collections::BTreeSet;

use convoy::sandbox::{Sandbox, Seed};
use octocrab::models::IssueState;
use sandbox_support::{call, client, push};
use serde_json::{Value, json};

const WEBHOOKS: &str = include_str!("../fixtures/openapi/webhook-subset.json");

#[tokio::test]
async fn event_payloads_match_webhook_schemas() {
    let mut seed = Seed::demo();
    let web = seed
        .repos
        .iter_mut()
        .find(|r| r.name == "acme/web")
        .unwrap();
    web.protection.insert(
        "main".into(),
        convoy::sandbox::protection::BranchProtection {
            required_checks: vec!["ci".into()],
            merge_queue: true,
            ..Default::default()
        },
    );
    seed.teams.push(convoy::sandbox::seed::SeedTeam {
        org: "acme".into(),
        slug: "release".into(),
        name: Some("Release".into()),
        description: None,
        members: vec!["alice".into()],
        permission: convoy::sandbox::seed::Permission::Write,
    });
    let sandbox = Sandbox::start(seed, None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");

    // Pull request lifecycle (push, opened, synchronize, edited, closed, reopened, closed+merged).
    push(
        &octo,
        "acme/api",
        "feat/wh",
        json!({"wh.txt": "1\n"}),
        "wh 1",
    )
    .await;
    let pulls = octo.pulls("acme", "api");
    let pr = pulls
        .create("Webhooks", "feat/wh", "staging")
        .body("b")
        .send()
        .await
        .unwrap();
    let head = push(
        &octo,
        "acme/api",
        "feat/wh",
        json!({"wh.txt": "2\n"}),
        "wh 2",
    )
    .await;
    // Review requests of a user and of a team (`requested_team`); the team stays requested in
    // the pull request of every later event.
    let asked = call(
        &octo,
        "POST",
        &format!("/repos/acme/api/pulls/{}/requested_reviewers", pr.number),
        Some(json!({"reviewers": ["bob"], "team_reviewers": ["release"]})),
    )
    .await;
    assert_eq!(asked.status, 201, "{:#}", asked.body);
    pulls
        .update(pr.number)
        .title("Webhooks!")
        .send()
        .await
        .unwrap();
    pulls
        .update(pr.number)
        .state(octocrab::params::pulls::State::Closed)
        .send()
        .await
        .unwrap();
    pulls
        .update(pr.number)
        .state(octocrab::params::pulls::State::Open)
        .send()
        .await
        .unwrap();
    pulls.merge(pr.number).send().await.unwrap();

    // Runs.
    let d = call(
        &octo,
        "POST",
        "/repos/acme/e2e/actions/workflows/e2e.yml/dispatches",
        Some(
            json!({"ref": "main", "inputs": {"correlation_id": "wh"}, "return_run_details": true}),
        ),
    )
    .await;
    let id = d.body["workflow_run_id"].as_u64().unwrap();
    call(&octo, "POST", &format!("/_sandbox/runs/{id}/start"), None).await;
    call(
        &octo,
        "POST",
        &format!("/_sandbox/runs/{id}/complete"),
        Some(json!({"conclusion": "success"})),
    )
    .await;
    octo.repos("acme", "control")
        .create_dispatch("tier-done")
        .send()
        .await
        .unwrap();

    // Statuses and checks.
    let repos = octo.repos("acme", "api");
    repos
        .create_status(head.clone(), octocrab::models::StatusState::Success)
        .context("ci".to_owned())
        .target("https://ci.example/1".to_owned())
        .send()
        .await
        .unwrap();
    let check = octo
        .checks("acme", "api")
        .create_check_run("convoy", head.clone())
        .send()
        .await
        .unwrap();
    octo.checks("acme", "api")
        .update_check_run(check.id)
        .conclusion(octocrab::params::checks::CheckRunConclusion::Success)
        .send()
        .await
        .unwrap();

    // Issues and comments.
    let issues = octo.issues("acme", "api");
    let issue = issues.create("Release r1").body("x").send().await.unwrap();
    issues
        .update(issue.number)
        .body("y")
        .milestone(1u64)
        .send()
        .await
        .unwrap();
    call(
        &octo,
        "PATCH",
        &format!("/repos/acme/api/issues/{}", issue.number),
        Some(json!({"milestone": null})),
    )
    .await;
    issues
        .update(issue.number)
        .state(IssueState::Closed)
        .send()
        .await
        .unwrap();
    issues
        .update(issue.number)
        .state(IssueState::Open)
        .send()
        .await
        .unwrap();
    let c = issues.create_comment(issue.number, "hi").await.unwrap();
    issues.update_comment(c.id, "hi!").await.unwrap();
    call(
        &octo,
        "POST",
        &format!("/_sandbox/repos/acme/api/issues/{}/comments", issue.number),
        Some(json!({"user": "alice", "body": "/convoy approve"})),
    )
    .await;

    merge_queue(&octo).await;

    // A deployment (a string payload, delivered as the object it encodes) and its status.
    let d = call(
        &octo,
        "POST",
        "/repos/acme/schema/deployments",
        Some(json!({"ref": "main", "environment": "staging", "payload": "{\"r\": 1}"})),
    )
    .await;
    assert_eq!(d.status, 201, "{:#}", d.body);
    let s = call(
        &octo,
        "POST",
        &format!("/repos/acme/schema/deployments/{}/statuses", d.body["id"]),
        Some(
            json!({"state": "success", "log_url": "https://ci.example/d",
                    "environment_url": "https://staging.example/"}),
        ),
    )
    .await;
    assert_eq!(s.status, 201, "{:#}", s.body);

    let events = call(&octo, "GET", "/_sandbox/events", None).await.body;
    let spec: Value = serde_json::from_str(WEBHOOKS).unwrap();
    let wanted: BTreeSet<String> = spec["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect();
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    for e in events.as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        let action = e["payload"]["action"].as_str();
        let by_action = action.map(|a| format!("{name}${a}"));
        let def = match by_action.filter(|d| spec["definitions"].get(d).is_some()) {
            Some(d) => d,
            None => format!("{name}$event"),
        };
        assert!(spec["definitions"].get(&def).is_some(), "no schema {def}");
        let root =
            json!({"definitions": spec["definitions"], "$ref": format!("#/definitions/{def}")});
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(&root)
            .unwrap();
        let errs: Vec<String> = v
            .iter_errors(&e["payload"])
            .take(12)
            .map(|x| {
                let m = x.to_string();
                format!(
                    "{} at {}",
                    m.chars()
                        .rev()
                        .take(250)
                        .collect::<String>()
                        .chars()
                        .rev()
                        .collect::<String>(),
                    x.instance_path()
                )
            })
            .collect();
        if !errs.is_empty() {
            failures.push(format!("{def}: {}", errs.join("; ")));
        }
        seen.insert(def);
    }
    let delivered = |name: &str| {
        events
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["payload"].clone())
            .unwrap()
    };
    assert_eq!(
        delivered("deployment")["deployment"]["payload"],
        json!({"r": 1})
    );
    assert_eq!(
        delivered("deployment_status")["deployment_status"]["state"],
        "success"
    );
    let missing: Vec<_> = wanted.difference(&seen).collect();
    assert!(missing.is_empty(), "events never produced: {missing:?}");
    assert!(
        failures.is_empty(),
        "{} payloads fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The merge queue of acme/web's `main`: two pull requests queued (`enqueued`, `checks_requested`),
/// the first group failing (`destroyed` `dequeued`, `dequeued`, `destroyed` `invalidated`), the
/// rebuilt second group passing (`destroyed` `merged`).
async fn merge_queue(octo: &octocrab::Octocrab) {
    let mut numbers = Vec::new();
    for branch in ["queue/a", "queue/b"] {
        push(
            octo,
            "acme/web",
            branch,
            json!({format!("{branch}.txt"): "q\n"}),
            "q",
        )
        .await;
        let body = json!({"title": branch, "head": branch, "base": "main"});
        let pr = call(octo, "POST", "/repos/acme/web/pulls", Some(body)).await;
        let n = pr.body["number"].as_u64().unwrap();
        let a = call(
            octo,
            "PUT",
            &format!("/repos/acme/web/pulls/{n}/merge-async"),
            Some(json!({})),
        )
        .await;
        assert_eq!(a.status, 202);
        numbers.push(n);
    }
    // Acting as CI without draining the deliveries: the groups' refs name their pull requests.
    let group = |n: u64| async move {
        let refs = call(
            octo,
            "GET",
            "/repos/acme/web/git/matching-refs/heads/gh-readonly-queue/",
            None,
        )
        .await;
        let found = refs
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ref"].as_str().unwrap().contains(&format!("/pr-{n}-")))
            .map(|r| r["object"]["sha"].as_str().unwrap().to_owned());
        found.unwrap()
    };
    for (n, state) in [(numbers[0], "failure"), (numbers[1], "success")] {
        let sha = group(n).await;
        let body = json!({"state": state, "context": "ci"});
        call(
            octo,
            "POST",
            &format!("/repos/acme/web/statuses/{sha}"),
            Some(body),
        )
        .await;
    }
    let pr = call(
        octo,
        "GET",
        &format!("/repos/acme/web/pulls/{}", numbers[1]),
        None,
    )
    .await;
    assert_eq!(pr.body["merged"], true);
}
