//! Conformance of deployments, deployment statuses and environments (in `acme/schema`, which no
//! other phase touches): creation with its 409s (failed status checks, auto-merge conflicts)
//! and 202 (auto-merged), the list's filters and pages, statuses with `auto_inactive` and a
//! change of environment, deletion's 422, and the App permission's 403s.

use serde_json::{Value, json};

use super::apps::app_client;
use super::checker::Checker;
use crate::sandbox_support::{call, client, push};

const R: &str = "/repos/acme/schema";

async fn deploy(c: &mut Checker, body: Value, expect: u16) -> Value {
    c.ex(
        "repos/create-deployment",
        "POST",
        &format!("{R}/deployments"),
        Some(body),
        expect,
    )
    .await
}

async fn report(c: &mut Checker, id: &Value, body: Value, expect: u16) -> Value {
    c.ex(
        "repos/create-deployment-status",
        "POST",
        &format!("{R}/deployments/{id}/statuses"),
        Some(body),
        expect,
    )
    .await
}

async fn states(c: &mut Checker, id: &Value) -> Vec<String> {
    let list = c
        .ex(
            "repos/list-deployment-statuses",
            "GET",
            &format!("{R}/deployments/{id}/statuses"),
            None,
            200,
        )
        .await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap().to_owned())
        .collect()
}

/// The whole walk; `url` is the sandbox's (for the App's tokens).
pub(super) async fn deployments(c: &mut Checker, url: &str) {
    let main = c
        .ex(
            "repos/get-branch",
            "GET",
            &format!("{R}/branches/main"),
            None,
            200,
        )
        .await;
    let main_sha = main["commit"]["sha"].as_str().unwrap().to_owned();

    // Created with GitHub's defaults: task, auto_merge, payload, production_environment.
    let staged = deploy(
        c,
        json!({"ref": "main", "environment": "staging", "payload": {"release": "r1"},
               "description": "Stage r1", "required_contexts": []}),
        201,
    )
    .await;
    assert_eq!(staged["sha"], main_sha.as_str());
    assert_eq!(staged["task"], "deploy");
    assert_eq!(staged["original_environment"], "staging");
    assert_eq!(staged["production_environment"], false);
    assert_eq!(staged["transient_environment"], false);
    assert_eq!(staged["payload"], json!({"release": "r1"}));
    assert_eq!(staged["creator"]["login"], "convoy-bot");
    assert_eq!(staged["performed_via_github_app"], Value::Null);
    let shipped = deploy(c, json!({"ref": "main", "payload": "{\"v\": 1}"}), 201).await;
    assert_eq!(shipped["environment"], "production");
    assert_eq!(shipped["production_environment"], true);
    assert_eq!(
        shipped["payload"], "{\"v\": 1}",
        "a string payload comes back as given"
    );
    let refused = deploy(c, json!({"ref": "nope"}), 422).await;
    assert_eq!(refused["message"], "No ref found for: nope");
    // `ref` is required (a request the description's schema refuses: sent raw).
    let a = call(
        &c.octo,
        "POST",
        &format!("{R}/deployments"),
        Some(json!({})),
    )
    .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(
        a.body["message"],
        "Invalid request.\n\n\"ref\" wasn't supplied."
    );

    // Status checks: every reported context by default, or the required ones.
    let ci_sha = push(
        &c.octo,
        "acme/schema",
        "deploy/ci",
        json!({"ci.txt": "1\n"}),
        "ci",
    )
    .await;
    let status = json!({"state": "failure", "context": "ci"});
    call(
        &c.octo,
        "POST",
        &format!("{R}/statuses/{ci_sha}"),
        Some(status),
    )
    .await;
    let failed = deploy(c, json!({"ref": "deploy/ci"}), 409).await;
    assert_eq!(
        failed["message"],
        "Conflict: Commit status checks failed for deploy/ci."
    );
    assert_eq!(
        failed["errors"][0]["contexts"],
        json!([{"context": "ci", "state": "failure"}])
    );
    assert_eq!(failed["errors"][0]["field"], "required_contexts");
    let failed = deploy(
        c,
        json!({"ref": "deploy/ci", "required_contexts": ["lint"]}),
        409,
    )
    .await;
    assert_eq!(
        failed["errors"][0]["contexts"],
        json!([{"context": "lint", "state": "pending"}])
    );
    let status = json!({"state": "success", "context": "ci"});
    call(
        &c.octo,
        "POST",
        &format!("{R}/statuses/{ci_sha}"),
        Some(status),
    )
    .await;
    let qa = deploy(c, json!({"ref": "deploy/ci", "environment": "qa"}), 201).await;
    assert_eq!(qa["sha"], ci_sha.as_str());

    // Auto-merge: a branch behind the default branch takes a merge (202, no deployment); one
    // that conflicts is refused, and so is a SHA behind it; `auto_merge: false` deploys as is.
    push(
        &c.octo,
        "acme/schema",
        "deploy/clash",
        json!({"clash.txt": "branch\n"}),
        "b",
    )
    .await;
    push(
        &c.octo,
        "acme/schema",
        "main",
        json!({"clash.txt": "main\n"}),
        "m",
    )
    .await;
    let merged = deploy(c, json!({"ref": "deploy/ci", "required_contexts": []}), 202).await;
    assert_eq!(
        merged["message"],
        "Auto-merged main into deploy/ci on deployment."
    );
    let branch = call(&c.octo, "GET", &format!("{R}/branches/deploy/ci"), None).await;
    assert_eq!(
        branch.body["commit"]["parents"].as_array().unwrap().len(),
        2
    );
    deploy(c, json!({"ref": "deploy/ci", "required_contexts": []}), 201).await;
    let clash = deploy(
        c,
        json!({"ref": "deploy/clash", "required_contexts": []}),
        409,
    )
    .await;
    assert_eq!(clash["message"], "Conflict merging main into deploy/clash");
    let clash = deploy(c, json!({"ref": main_sha, "required_contexts": []}), 409).await;
    assert_eq!(
        clash["message"],
        format!("Conflict merging main into {main_sha}")
    );
    let as_is = json!({"ref": main_sha, "auto_merge": false, "environment": "staging",
                       "required_contexts": []});
    let staged2 = deploy(c, as_is, 201).await;

    lists(c, &main_sha).await;
    statuses(c, (&staged, &staged2, &shipped, &qa)).await;
    environments_and_deletion(c, (&staged, &staged2)).await;
    app_permissions(c, url).await;
}

/// Newest first, the filters, a page and its `Link`; one deployment, and 404.
async fn lists(c: &mut Checker, main_sha: &str) {
    let path = |q: &str| format!("{R}/deployments{q}");
    let all = c
        .ex("repos/list-deployments", "GET", &path(""), None, 200)
        .await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 5, "{all:?}");
    assert!(
        all[0]["id"].as_u64() > all[1]["id"].as_u64(),
        "newest first"
    );
    for (q, n) in [
        ("?environment=staging", 2),
        ("?ref=deploy/ci", 2),
        (&*format!("?sha={main_sha}"), 3),
        ("?task=deploy&environment=qa", 1),
        ("?task=migrate", 0),
    ] {
        let got = c
            .ex("repos/list-deployments", "GET", &path(q), None, 200)
            .await;
        assert_eq!(got.as_array().unwrap().len(), n, "{q}");
    }
    let a = call(&c.octo, "GET", &path("?per_page=2&page=2"), None).await;
    assert_eq!(a.body.as_array().unwrap().len(), 2);
    let link = a.headers["link"].to_str().unwrap();
    assert!(
        link.contains("rel=\"next\"") && link.contains("rel=\"prev\""),
        "{link}"
    );
    let one = &all[0]["id"];
    c.ex(
        "repos/get-deployment",
        "GET",
        &format!("{R}/deployments/{one}"),
        None,
        200,
    )
    .await;
    let missing = c
        .ex(
            "repos/get-deployment",
            "GET",
            &format!("{R}/deployments/999999"),
            None,
            404,
        )
        .await;
    assert_eq!(missing["message"], "Not Found");
}

/// Statuses: URLs, auto_inactive (not on production, not when turned off), a change of
/// environment, GitHub's 422s, one status, and 404s.
async fn statuses(
    c: &mut Checker,
    (staged, staged2, shipped, qa): (&Value, &Value, &Value, &Value),
) {
    let (a, b) = (&staged["id"], &staged2["id"]);
    let ok = report(
        c,
        a,
        json!({"state": "success", "log_url": "https://ci.example/1",
               "environment_url": "https://staging.example/", "description": "Staged"}),
        201,
    )
    .await;
    assert_eq!(
        ok["target_url"], "https://ci.example/1",
        "log_url sets target_url"
    );
    assert_eq!(ok["environment"], "staging");
    report(c, b, json!({"state": "in_progress"}), 201).await;
    assert_eq!(states(c, a).await, ["success"], "only a success supersedes");
    report(
        c,
        b,
        json!({"state": "success", "target_url": "https://ci.example/2"}),
        201,
    )
    .await;
    assert_eq!(states(c, a).await, ["inactive", "success"]);
    assert_eq!(states(c, b).await, ["success", "in_progress"]);
    // Production deployments are never made inactive.
    let p = &shipped["id"];
    report(
        c,
        p,
        json!({"state": "success", "log_url": "https://ci.example/3"}),
        201,
    )
    .await;
    let p2 = deploy(c, json!({"ref": "main", "required_contexts": []}), 201).await;
    report(
        c,
        &p2["id"],
        json!({"state": "success", "log_url": "https://ci.example/4"}),
        201,
    )
    .await;
    assert_eq!(states(c, p).await, ["success"]);
    // auto_inactive off.
    let s3 = deploy(
        c,
        json!({"ref": "main", "environment": "staging", "required_contexts": []}),
        201,
    )
    .await;
    let off =
        json!({"state": "success", "log_url": "https://ci.example/5", "auto_inactive": false});
    report(c, &s3["id"], off, 201).await;
    assert_eq!(states(c, b).await, ["success", "in_progress"]);
    // A status moves its deployment to another environment.
    let moved =
        json!({"state": "queued", "environment": "preview", "log_url": "https://ci.example/6"});
    let q = report(c, &qa["id"], moved, 201).await;
    assert_eq!(q["environment"], "preview");
    let d = c
        .ex(
            "repos/get-deployment",
            "GET",
            &format!("{R}/deployments/{}", qa["id"]),
            None,
            200,
        )
        .await;
    assert_eq!(d["environment"], "preview");
    assert_eq!(d["original_environment"], "qa");
    c.ex(
        "repos/get-deployment-status",
        "GET",
        &format!("{R}/deployments/{}/statuses/{}", qa["id"], q["id"]),
        None,
        200,
    )
    .await;
    c.ex(
        "repos/get-deployment-status",
        "GET",
        &format!("{R}/deployments/{}/statuses/{}", staged["id"], q["id"]),
        None,
        404,
    )
    .await;
    c.ex(
        "repos/list-deployment-statuses",
        "GET",
        &format!("{R}/deployments/999999/statuses"),
        None,
        404,
    )
    .await;
    // GitHub's 422s, and 404 for a deployment that does not exist.
    // (A state the description's schema refuses: sent raw.)
    let path = format!("{R}/deployments/{a}/statuses");
    let bad = call(&c.octo, "POST", &path, Some(json!({"state": "done"}))).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["errors"][0]["field"], "state", "{}", bad.body);
    let long = "x".repeat(141);
    let bad = report(c, a, json!({"state": "error", "description": long}), 422).await;
    assert_eq!(
        bad["errors"][0]["message"],
        "description is too long (maximum is 140 characters)"
    );
    let bad = report(
        c,
        a,
        json!({"state": "error", "environment_url": "ftp://x"}),
        422,
    )
    .await;
    assert_eq!(
        bad["errors"][0]["message"],
        "environment_url must use http(s) scheme"
    );
    c.ex_error(
        "repos/create-deployment-status",
        "POST",
        &format!("{R}/deployments/999999/statuses"),
        Some(json!({"state": "success"})),
        404,
    )
    .await;
}

/// The environments deployments created; deleting an active deployment (422), an inactive one.
async fn environments_and_deletion(c: &mut Checker, (staged, staged2): (&Value, &Value)) {
    let envs = c
        .ex(
            "repos/get-all-environments",
            "GET",
            &format!("{R}/environments"),
            None,
            200,
        )
        .await;
    let names: Vec<&str> = envs["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["staging", "production", "qa", "preview"]);
    assert_eq!(envs["total_count"], 4);
    let refused = c
        .ex(
            "repos/delete-deployment",
            "DELETE",
            &format!("{R}/deployments/{}", staged2["id"]),
            None,
            422,
        )
        .await;
    assert_eq!(
        refused["errors"],
        json!([
            "We cannot delete an active deployment unless it is the only deployment in a given environment."
        ])
    );
    c.ex(
        "repos/delete-deployment",
        "DELETE",
        &format!("{R}/deployments/{}", staged["id"]),
        None,
        204,
    )
    .await;
    c.ex(
        "repos/get-deployment",
        "GET",
        &format!("{R}/deployments/{}", staged["id"]),
        None,
        404,
    )
    .await;
    c.ex(
        "repos/delete-deployment",
        "DELETE",
        &format!("{R}/deployments/{}", staged["id"]),
        None,
        404,
    )
    .await;
}

/// An installation token with `deployments: write` deploys (`performed_via_github_app`); one
/// without the permission gets GitHub's 403, one with `read` reads only; one that does not
/// reach the repository gets 404.
async fn app_permissions(c: &mut Checker, url: &str) {
    let app = app_client(url);
    let mint = |permissions: Value| {
        let app = app.clone();
        async move {
            let body = if permissions.is_null() {
                json!({})
            } else {
                json!({"permissions": permissions})
            };
            let t = call(
                &app,
                "POST",
                "/app/installations/71/access_tokens",
                Some(body),
            )
            .await;
            assert_eq!(t.status, 201, "{}", t.body);
            t.body["token"].as_str().unwrap().to_owned()
        }
    };
    let full = mint(Value::Null).await;
    let contents_only = mint(json!({"contents": "write"})).await;
    let read_only = mint(json!({"deployments": "read"})).await;
    let t = json!({"repositories": ["api"]});
    let t = call(&app, "POST", "/app/installations/71/access_tokens", Some(t)).await;
    let elsewhere = t.body["token"].as_str().unwrap().to_owned();
    let bot = std::mem::replace(&mut c.octo, client(url, &full));
    let d = deploy(c, json!({"ref": "main", "required_contexts": []}), 201).await;
    assert_eq!(d["creator"]["login"], "convoy[bot]");
    assert_eq!(d["performed_via_github_app"]["id"], 4242);
    let s = report(c, &d["id"], json!({"state": "pending"}), 201).await;
    assert_eq!(s["performed_via_github_app"]["slug"], "convoy");

    c.octo = client(url, &contents_only);
    let body = json!({"ref": "main"});
    let denied = c
        .ex_error(
            "repos/create-deployment",
            "POST",
            &format!("{R}/deployments"),
            Some(body),
            403,
        )
        .await;
    assert_eq!(denied["message"], "Resource not accessible by integration");
    c.ex_error(
        "repos/list-deployments",
        "GET",
        &format!("{R}/deployments"),
        None,
        403,
    )
    .await;

    c.octo = client(url, &read_only);
    c.ex(
        "repos/list-deployments",
        "GET",
        &format!("{R}/deployments"),
        None,
        200,
    )
    .await;
    let body = json!({"state": "success"});
    let path = format!("{R}/deployments/{}/statuses", d["id"]);
    let denied = c
        .ex_error(
            "repos/create-deployment-status",
            "POST",
            &path,
            Some(body),
            403,
        )
        .await;
    assert_eq!(denied["message"], "Resource not accessible by integration");

    c.octo = client(url, &elsewhere);
    c.ex_error(
        "repos/list-deployments",
        "GET",
        &format!("{R}/deployments"),
        None,
        404,
    )
    .await;
    c.octo = bot;
}
