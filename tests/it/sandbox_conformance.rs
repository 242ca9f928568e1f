//! Conformance: every body the sandbox returns for the endpoints it serves validates against
//! that operation's response schema in GitHub's OpenAPI description, and every request body it
//! accepts against the request schema. Schemas: `tests/fixtures/openapi/github-subset.json`
//! (made by `scripts/extract-openapi.py`).

use crate::sandbox_support;

use std::collections::{BTreeMap, BTreeSet};

use convoy::sandbox::{Sandbox, Seed};
use octocrab::Octocrab;
use sandbox_support::{call, client};
use serde_json::{Value, json};

const SUBSET: &str = include_str!("../fixtures/openapi/github-subset.json");

struct Checker {
    spec: Value,
    octo: Octocrab,
    covered: BTreeSet<String>,
    failures: Vec<String>,
}

impl Checker {
    fn validate(&mut self, what: &str, schema: &Value, instance: &Value) {
        let root = json!({"definitions": self.spec["definitions"], "allOf": [schema]});
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("{what}: bad schema: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            self.failures.push(format!("{what}: {}", errors.join("; ")));
        }
    }

    /// Sends one request for operation `op`, checks the status and validates both bodies.
    async fn ex(
        &mut self,
        op: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        expect: u16,
    ) -> Value {
        let spec = self.spec["operations"][op].clone();
        assert!(spec.is_object(), "unknown operation {op}");
        assert_eq!(spec["method"], method, "{op} method");
        if let Some(b) = &body {
            let schema = spec["request"].clone();
            assert!(!schema.is_null(), "{op} takes no body");
            self.validate(&format!("{op} request"), &schema, b);
        }
        let a = call(&self.octo, method, path, body).await;
        assert_eq!(a.status, expect, "{op} {method} {path}: {}", a.body);
        let code = a.status.to_string();
        match spec["responses"].get(&code) {
            Some(Value::Null) => assert!(a.body.is_null(), "{op} {code} should have no body"),
            Some(schema) => {
                let schema = schema.clone();
                self.validate(&format!("{op} {code} response"), &schema, &a.body);
            }
            None => self
                .failures
                .push(format!("{op}: status {code} is not documented")),
        }
        if a.status < 300 {
            self.covered.insert(op.to_owned());
        }
        a.body
    }
}

#[tokio::test]
async fn responses_and_requests_match_github_openapi() {
    let sandbox = Sandbox::start(Seed::demo(), None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let spec: Value = serde_json::from_str(SUBSET).unwrap();
    let mut c = Checker {
        spec,
        octo: octo.clone(),
        covered: BTreeSet::new(),
        failures: Vec::new(),
    };
    let r = "/repos/acme/api";

    c.ex("repos/get", "GET", r, None, 200).await;
    let main = c
        .ex(
            "repos/get-branch",
            "GET",
            &format!("{r}/branches/main"),
            None,
            200,
        )
        .await;
    let main_sha = main["commit"]["sha"].as_str().unwrap().to_owned();
    c.ex(
        "git/get-ref",
        "GET",
        &format!("{r}/git/ref/heads/main"),
        None,
        200,
    )
    .await;
    c.ex(
        "git/list-matching-refs",
        "GET",
        &format!("{r}/git/matching-refs/heads/"),
        None,
        200,
    )
    .await;
    c.ex(
        "git/create-ref",
        "POST",
        &format!("{r}/git/refs"),
        Some(json!({"ref": "refs/heads/rc/r1", "sha": main_sha})),
        201,
    )
    .await;
    c.ex(
        "git/create-ref",
        "POST",
        &format!("{r}/git/refs"),
        Some(json!({"ref": "refs/heads/rc/r1", "sha": main_sha})),
        422,
    )
    .await;
    c.ex(
        "repos/get-branch",
        "GET",
        &format!("{r}/branches/rc%2Fr1"),
        None,
        200,
    )
    .await;

    // Contents on rc/r1.
    let put = c
        .ex(
            "repos/create-or-update-file-contents",
            "PUT",
            &format!("{r}/contents/src/lib.rs"),
            Some(
                json!({"message": "add lib", "content": "Zm4gbWFpbigpIHt9Cg==", "branch": "rc/r1"}),
            ),
            201,
        )
        .await;
    let blob = put["content"]["sha"].as_str().unwrap().to_owned();
    c.ex(
        "repos/create-or-update-file-contents",
        "PUT",
        &format!("{r}/contents/src/lib.rs"),
        Some(json!({"message": "edit lib", "content": "Zm4gbWFpbigpIHsgfQo=", "branch": "rc/r1", "sha": blob})),
        200,
    )
    .await;
    c.ex(
        "repos/create-or-update-file-contents",
        "PUT",
        &format!("{r}/contents/src/lib.rs"),
        Some(json!({"message": "stale", "content": "eA==", "branch": "rc/r1", "sha": blob})),
        409,
    )
    .await;
    c.ex(
        "repos/create-or-update-file-contents",
        "PUT",
        &format!("{r}/contents/src/lib.rs"),
        Some(json!({"message": "no sha", "content": "eA==", "branch": "rc/r1"})),
        422,
    )
    .await;
    c.ex(
        "repos/get-content",
        "GET",
        &format!("{r}/contents/src/lib.rs?ref=rc/r1"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/get-content",
        "GET",
        &format!("{r}/contents/src?ref=rc/r1"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/get-content",
        "GET",
        &format!("{r}/contents/missing.txt"),
        None,
        404,
    )
    .await;
    let head = c
        .ex(
            "repos/get-branch",
            "GET",
            &format!("{r}/branches/rc%2Fr1"),
            None,
            200,
        )
        .await;
    let head_sha = head["commit"]["sha"].as_str().unwrap().to_owned();
    c.ex(
        "repos/get-commit",
        "GET",
        &format!("{r}/commits/{head_sha}"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/compare-commits",
        "GET",
        &format!("{r}/compare/main...rc/r1"),
        None,
        200,
    )
    .await;
    c.ex(
        "git/update-ref",
        "PATCH",
        &format!("{r}/git/refs/heads/staging"),
        Some(json!({"sha": head_sha})),
        200,
    )
    .await;
    c.ex(
        "git/update-ref",
        "PATCH",
        &format!("{r}/git/refs/heads/staging"),
        Some(json!({"sha": main_sha})),
        422,
    )
    .await;
    c.ex(
        "git/update-ref",
        "PATCH",
        &format!("{r}/git/refs/heads/staging"),
        Some(json!({"sha": main_sha, "force": true})),
        200,
    )
    .await;

    // Pulls.
    let pr = c
        .ex(
            "pulls/create",
            "POST",
            &format!("{r}/pulls"),
            Some(json!({"title": "r1", "head": "rc/r1", "base": "staging", "body": "b"})),
            201,
        )
        .await;
    let n = pr["number"].as_u64().unwrap();
    c.ex(
        "pulls/create",
        "POST",
        &format!("{r}/pulls"),
        Some(json!({"title": "dup", "head": "rc/r1", "base": "staging"})),
        422,
    )
    .await;
    c.ex(
        "pulls/list",
        "GET",
        &format!("{r}/pulls?state=all&head=acme:rc/r1&base=staging"),
        None,
        200,
    )
    .await;
    c.ex("pulls/get", "GET", &format!("{r}/pulls/{n}"), None, 200)
        .await;
    c.ex(
        "pulls/update",
        "PATCH",
        &format!("{r}/pulls/{n}"),
        Some(json!({"title": "r1!", "body": "bb"})),
        200,
    )
    .await;
    // Retargeting (a carried-over task's pull request moves to the next RC branch).
    let moved = c
        .ex(
            "pulls/update",
            "PATCH",
            &format!("{r}/pulls/{n}"),
            Some(json!({"base": "main"})),
            200,
        )
        .await;
    assert_eq!(moved["base"]["ref"], "main");
    c.ex(
        "pulls/update",
        "PATCH",
        &format!("{r}/pulls/{n}"),
        Some(json!({"base": "no-such-branch"})),
        422,
    )
    .await;
    c.ex(
        "pulls/update",
        "PATCH",
        &format!("{r}/pulls/{n}"),
        Some(json!({"base": "staging"})),
        200,
    )
    .await;
    c.ex(
        "pulls/merge",
        "PUT",
        &format!("{r}/pulls/{n}/merge"),
        Some(json!({"sha": main_sha})),
        409,
    )
    .await;
    c.ex(
        "pulls/merge",
        "PUT",
        &format!("{r}/pulls/{n}/merge"),
        Some(json!({"sha": head_sha, "merge_method": "merge"})),
        200,
    )
    .await;
    c.ex("pulls/get", "GET", &format!("{r}/pulls/{n}"), None, 200)
        .await;
    c.ex(
        "pulls/merge",
        "PUT",
        &format!("{r}/pulls/{n}/merge"),
        Some(json!({})),
        405,
    )
    .await;
    // Asynchronous merge: accepted (202), then the result; a second request sees it merged.
    sandbox_support::push(
        &c.octo,
        "acme/api",
        "feat/async",
        json!({"async.txt": "a\n"}),
        "async",
    )
    .await;
    let pr2 = c
        .ex(
            "pulls/create",
            "POST",
            &format!("{r}/pulls"),
            Some(json!({"title": "async", "head": "feat/async", "base": "main"})),
            201,
        )
        .await;
    let n2 = pr2["number"].as_u64().unwrap();
    let accepted = c
        .ex(
            "pulls/merge-async",
            "PUT",
            &format!("{r}/pulls/{n2}/merge-async"),
            Some(json!({"merge_method": "squash"})),
            202,
        )
        .await;
    let uuid = accepted["details"]["uuid"].as_str().unwrap().to_owned();
    let done = c
        .ex(
            "pulls/get-merge-async-result",
            "GET",
            &format!("{r}/pulls/{n2}/merge-async/{uuid}"),
            None,
            200,
        )
        .await;
    assert_eq!(done["status"], "merged");
    c.ex(
        "pulls/merge-async",
        "PUT",
        &format!("{r}/pulls/{n2}/merge-async"),
        Some(json!({})),
        200,
    )
    .await;
    c.ex(
        "git/delete-ref",
        "DELETE",
        &format!("{r}/git/refs/heads/rc/r1"),
        None,
        204,
    )
    .await;

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

    // Issues.
    c.ex(
        "issues/list-milestones",
        "GET",
        &format!("{r}/milestones"),
        None,
        200,
    )
    .await;
    let issue = c
        .ex(
            "issues/create",
            "POST",
            &format!("{r}/issues"),
            Some(json!({"title": "Release r1", "body": "x", "labels": ["convoy"], "milestone": 1})),
            201,
        )
        .await;
    let i = issue["number"].as_u64().unwrap();
    c.ex("issues/get", "GET", &format!("{r}/issues/{i}"), None, 200)
        .await;
    c.ex("issues/get", "GET", &format!("{r}/issues/{n}"), None, 200)
        .await;
    c.ex("issues/update", "PATCH", &format!("{r}/issues/{i}"), Some(json!({"title": "Release r1 (done)", "state": "closed", "labels": ["release"], "milestone": null})), 200).await;
    c.ex(
        "issues/list-for-repo",
        "GET",
        &format!("{r}/issues?state=all&labels=release"),
        None,
        200,
    )
    .await;
    c.ex(
        "issues/list-for-repo",
        "GET",
        &format!("{r}/issues?milestone=1&state=all"),
        None,
        200,
    )
    .await;
    let cm = c
        .ex(
            "issues/create-comment",
            "POST",
            &format!("{r}/issues/{i}/comments"),
            Some(json!({"body": "hello"})),
            201,
        )
        .await;
    let cm_id = cm["id"].as_u64().unwrap();
    c.ex(
        "issues/update-comment",
        "PATCH",
        &format!("{r}/issues/comments/{cm_id}"),
        Some(json!({"body": "hello!"})),
        200,
    )
    .await;
    c.ex(
        "issues/list-comments",
        "GET",
        &format!("{r}/issues/{i}/comments"),
        None,
        200,
    )
    .await;
    c.ex(
        "issues/add-labels",
        "POST",
        &format!("{r}/issues/{i}/labels"),
        Some(json!({"labels": ["a", "b"]})),
        200,
    )
    .await;
    c.ex(
        "issues/remove-label",
        "DELETE",
        &format!("{r}/issues/{i}/labels/a"),
        None,
        200,
    )
    .await;
    c.ex(
        "issues/create",
        "POST",
        &format!("{r}/issues"),
        Some(json!({"title": "bad", "milestone": 99})),
        422,
    )
    .await;

    // Collaborators, releases.
    c.ex(
        "repos/get-collaborator-permission-level",
        "GET",
        &format!("{r}/collaborators/bob/permission"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/get-collaborator-permission-level",
        "GET",
        &format!("{r}/collaborators/alice/permission"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/create-release",
        "POST",
        &format!("{r}/releases"),
        Some(json!({"tag_name": "v1", "name": "v1", "body": "notes"})),
        201,
    )
    .await;
    c.ex(
        "repos/create-release",
        "POST",
        &format!("{r}/releases"),
        Some(json!({"tag_name": "v1"})),
        422,
    )
    .await;
    c.ex(
        "repos/get-release-by-tag",
        "GET",
        &format!("{r}/releases/tags/v1"),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/get-release-by-tag",
        "GET",
        &format!("{r}/releases/tags/v2"),
        None,
        404,
    )
    .await;

    let all: BTreeSet<String> = c.spec["operations"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let missing: Vec<_> = all.difference(&c.covered).collect();
    assert!(
        missing.is_empty(),
        "operations never exercised: {missing:?}"
    );
    assert!(
        c.failures.is_empty(),
        "{} conformance failures:\n{}",
        c.failures.len(),
        c.failures.join("\n")
    );
}

#[test]
fn the_checker_is_not_vacuous() {
    // A pull request without `number` and with a string `id` must fail; so must a bad date.
    let spec: Value = serde_json::from_str(SUBSET).unwrap();
    let schema = spec["operations"]["pulls/get"]["responses"]["200"].clone();
    let root = json!({"definitions": spec["definitions"], "allOf": [schema]});
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&root)
        .unwrap();
    assert!(!v.is_valid(&json!({"id": "x"})));
    let schema = spec["operations"]["git/get-ref"]["responses"]["200"].clone();
    let root = json!({"definitions": spec["definitions"], "allOf": [schema]});
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&root)
        .unwrap();
    let good = json!({"ref": "refs/heads/main", "node_id": "x", "url": "http://h/r",
                      "object": {"type": "commit", "sha": "a".repeat(40), "url": "http://h/c"}});
    assert!(v.is_valid(&good));
    let mut bad = good.clone();
    bad["object"]["sha"] = json!(1);
    assert!(!v.is_valid(&bad));
    let ops: BTreeMap<String, Value> = serde_json::from_value(spec["operations"].clone()).unwrap();
    assert_eq!(ops.len(), 43);
}
