//! The GitHub client, store and executor against the sandbox's faults: retries of reads,
//! rate limits honoured, writes never blindly repeated, compare-and-swap on the manifest.

use std::time::{Duration, Instant};

use convoy::demo::{sandbox_client, start_sandbox};
use convoy::github::GhError;
use convoy::github::execute::execute;
use convoy::github::store::{ManifestStore, StoreError};
use convoy::lifecycle::action::{Action, ActionOutcome, PlannedAction};
use convoy::model::ids::{BranchName, RepoName, Sha};
use serde_json::json;

fn requests(log: &serde_json::Value, method: &str, path: &str) -> usize {
    log.as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["method"] == method && r["path"].as_str().unwrap_or_default().starts_with(path)
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_retry_server_errors_and_writes_do_not() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    gh.post(
        "/_sandbox/faults",
        &json!({"method": "GET", "path": "/repos/acme/api", "status": 502, "times": 2}),
    )
    .await
    .unwrap();
    let before = gh.requests();
    let repo = gh.get("/repos/acme/api").await.unwrap();
    assert_eq!(repo["full_name"], "acme/api");
    assert_eq!(gh.requests() - before, 3, "two 502s, then the answer");

    gh.post(
        "/_sandbox/faults",
        &json!({"method": "POST", "path": "/repos/acme/api/issues", "status": 500, "times": 1}),
    )
    .await
    .unwrap();
    let before = gh.requests();
    let err = gh
        .post("/repos/acme/api/issues", &json!({"title": "x"}))
        .await
        .unwrap_err();
    assert!(matches!(err, GhError::Server { status: 500, .. }), "{err}");
    assert_eq!(gh.requests() - before, 1, "a write is not repeated blindly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_wait_for_retry_after() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    gh.post("/_sandbox/faults", &json!({"method": "POST", "path": "/repos/acme/api/issues", "status": 403, "times": 1, "retry_after": 1})).await.unwrap();
    let started = Instant::now();
    let created = gh
        .post(
            "/repos/acme/api/issues",
            &json!({"title": "after the limit"}),
        )
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for retry-after"
    );
    assert_eq!(created.body["title"], "after the limit");
    // A limit that resets later than convoy waits in one run ends the run with a clear error.
    let mut cfg = convoy::github::ClientConfig::new(sandbox.url(), "t-bot");
    cfg.max_wait = Duration::from_secs(5);
    let patient = convoy::github::GitHub::new(cfg).unwrap();
    gh.post(
        "/_sandbox/faults",
        &json!({"method": "GET", "path": "/repos/acme/web", "status": 403, "times": 1}),
    )
    .await
    .unwrap();
    let err = patient.get("/repos/acme/web").await.unwrap_err();
    assert!(
        matches!(err, GhError::RateLimited { seconds, .. } if seconds > 5),
        "{err}"
    );
    // An unknown token is a denial, never retried.
    let stranger = sandbox_client(&sandbox.url(), "t-nobody").unwrap();
    assert!(matches!(
        stranger.get("/repos/acme/web").await.unwrap_err(),
        GhError::Denied { status: 401, .. }
    ));
    assert_eq!(stranger.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_executor_looks_before_it_acts() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    let repo = RepoName::parse("acme/api").unwrap();
    let main = gh.get("/repos/acme/api/git/ref/heads/main").await.unwrap();
    let sha = Sha::parse(main["object"]["sha"].as_str().unwrap()).unwrap();
    let create = PlannedAction {
        id: 0,
        action: Action::CreateBranch {
            repo: repo.clone(),
            branch: BranchName::parse("rc/x").unwrap(),
            sha: sha.clone(),
        },
        reason: "test".into(),
        after: vec![],
    };
    let open = PlannedAction {
        id: 1,
        action: Action::OpenPullRequest {
            repo: repo.clone(),
            head: BranchName::parse("rc/x").unwrap(),
            base: BranchName::parse("staging").unwrap(),
            title: "t".into(),
            body: "b".into(),
        },
        reason: "test".into(),
        after: vec![0],
    };
    // The branch creation fails once (a 502 on the write): the dependent PR is skipped.
    gh.post(
        "/_sandbox/faults",
        &json!({"method": "POST", "path": "/repos/acme/api/git/refs", "status": 502, "times": 1}),
    )
    .await
    .unwrap();
    let first = execute(&gh, &[create.clone(), open.clone()], false).await;
    assert!(
        matches!(first[0].outcome, ActionOutcome::Failed { .. }),
        "{:?}",
        first[0].outcome
    );
    assert!(matches!(first[1].outcome, ActionOutcome::Skipped { .. }));
    // The next run: the branch is created; a third run finds it and does nothing.
    let second = execute(&gh, std::slice::from_ref(&create), false).await;
    assert!(
        matches!(second[0].outcome, ActionOutcome::Done { .. }),
        "{:?}",
        second[0].outcome
    );
    gh.delete("/_sandbox/requests").await.unwrap();
    let third = execute(&gh, &[create], false).await;
    assert_eq!(third[0].outcome, ActionOutcome::AlreadyDone);
    let log = gh.get("/_sandbox/requests").await.unwrap();
    assert_eq!(
        requests(&log, "POST", "/repos/acme/api/git/refs"),
        0,
        "no second creation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manifest_writes_are_compare_and_swap() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    let config =
        convoy::validate::config_from_str(include_str!("../../src/demo/convoy.json")).unwrap();
    let m = convoy::model::manifest::ReleaseManifest::create(
        &config,
        convoy::model::create::CreateRequest {
            id: convoy::model::ids::ReleaseId::parse("cas").unwrap(),
            control_repo: RepoName::parse("acme/control").unwrap(),
            actor: convoy::model::ids::Login::parse("alice").unwrap(),
            now: convoy::model::time::Timestamp::parse("2026-12-01T09:00:00Z").unwrap(),
            args: Default::default(),
            gathered: vec![],
            left_out: Vec::new(),
        },
    )
    .unwrap();
    let store = ManifestStore {
        repo: RepoName::parse("acme/control").unwrap(),
        branch: None,
    };
    let first = store.save(&gh, &m, None, "create").await.unwrap();
    // Creating it again without its sha: another run created it first.
    assert!(matches!(
        store.save(&gh, &m, None, "create").await,
        Err(StoreError::Stale(_))
    ));
    let mut a = m.clone();
    a.title = "one".into();
    let mut b = m.clone();
    b.title = "two".into();
    store.save(&gh, &a, Some(&first), "a").await.unwrap();
    assert!(
        matches!(
            store.save(&gh, &b, Some(&first), "b").await,
            Err(StoreError::Stale(_))
        ),
        "the second writer loses"
    );
    let loaded = store.load(&gh, &m.id).await.unwrap().unwrap();
    assert_eq!(loaded.manifest.title, "one");
    // An invalid manifest is never written.
    let mut bad = loaded.manifest.clone();
    bad.schema_version = 9;
    assert!(matches!(
        store.save(&gh, &bad, Some(&loaded.blob_sha), "bad").await,
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(
        store
            .load(&gh, &m.id)
            .await
            .unwrap()
            .unwrap()
            .manifest
            .title,
        "one"
    );
}

/// Older GitHub Enterprise Server refuses `return_run_details`: convoy dispatches without it and
/// finds the run by the correlation id in its title.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatch_falls_back_to_the_correlation_id_on_older_servers() {
    // GitHub Enterprise Server 3.20 and older answer 422; some answer 400.
    for status in [422, 400] {
        dispatch_falls_back_when_refused_with(status).await;
    }
}

async fn dispatch_falls_back_when_refused_with(status: u16) {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    gh.put(
        "/_sandbox/compat",
        &json!({"return_run_details": false, "status": status}),
    )
    .await
    .unwrap();
    let e2e = RepoName::parse("acme/e2e").unwrap();
    let inputs: std::collections::BTreeMap<String, String> = [
        ("release", "r1"),
        ("tier", "smoke"),
        ("attempt", "1"),
        ("correlation_id", "convoy-r1-smoke-1-abcd"),
        ("refs", "{}"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let dispatch = PlannedAction {
        id: 0,
        action: Action::DispatchWorkflow {
            repo: e2e.clone(),
            workflow: "smoke.yml".into(),
            git_ref: None,
            correlation_id: "convoy-r1-smoke-1-abcd".into(),
            inputs,
        },
        reason: "test".into(),
        after: vec![],
    };
    let done = execute(&gh, std::slice::from_ref(&dispatch), false).await;
    assert_eq!(
        done[0].outcome,
        ActionOutcome::Done {
            detail: Some("dispatched (run found by correlation id)".into())
        }
    );
    // Looking again finds the run by its title instead of dispatching twice.
    let again = execute(&gh, &[dispatch], false).await;
    assert!(
        matches!(&again[0].outcome, ActionOutcome::Done { detail: Some(d) } if d.starts_with("adopted run")),
        "{:?}",
        again[0].outcome
    );
    let runs = gh
        .get("/repos/acme/e2e/actions/workflows/smoke.yml/runs")
        .await
        .unwrap();
    assert_eq!(runs["total_count"], 1);
}

/// GitHub's refusals that name a permission (its exact words, from issue threads of projects
/// that met them) come back saying which permission to grant; other denials stay denials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_for_want_of_a_permission_say_which_to_grant() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    // Not rate limits: the sandbox's 403 is one unless the rule says how many requests remain.
    let refuse = |method: &str, path: &str, status: u16, message: &str| {
        json!({"method": method, "path": path, "status": status, "times": 1,
               "body": {"message": message, "documentation_url": "https://docs.github.com/rest"},
               "headers": {"x-ratelimit-remaining": "4999"}})
    };
    let faults = [
        refuse(
            "PUT",
            "/repos/acme/api/pulls/1/merge",
            403,
            "Resource not accessible by integration",
        ),
        refuse(
            "PATCH",
            "/repos/acme/api/git/refs/heads/staging",
            422,
            "refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission",
        ),
        {
            // The header names the permission the endpoint takes.
            let mut f = refuse(
                "POST",
                "/repos/acme/api/statuses/*",
                403,
                "Resource not accessible by integration",
            );
            f["headers"]["x-accepted-github-permissions"] = json!("statuses=write");
            f
        },
        refuse(
            "DELETE",
            "/repos/acme/api",
            403,
            "Must have admin rights to Repository.",
        ),
    ];
    for f in &faults {
        gh.post("/_sandbox/faults", f).await.unwrap();
    }
    let merge = gh
        .put(
            "/repos/acme/api/pulls/1/merge",
            &json!({"sha": "0".repeat(40)}),
        )
        .await
        .unwrap_err();
    let refs = gh
        .patch(
            "/repos/acme/api/git/refs/heads/staging",
            &json!({"sha": "0".repeat(40), "force": false}),
        )
        .await
        .unwrap_err();
    let status = gh
        .post(
            &format!("/repos/acme/api/statuses/{}", "0".repeat(40)),
            &json!({"state": "success", "context": "convoy/release"}),
        )
        .await
        .unwrap_err();
    let admin = gh.delete("/repos/acme/api").await.unwrap_err();
    for e in [&merge, &refs, &status] {
        assert!(matches!(e, GhError::PermissionMissing { .. }), "{e}");
    }
    assert!(
        matches!(admin, GhError::Denied { status: 403, .. }),
        "{admin}"
    );
    let texts = [merge, refs, status, admin]
        .map(|e| e.to_string())
        .join("\n");
    insta::assert_snapshot!("permission_refusals", texts);
}

/// A merge GitHub refuses for want of a permission is recorded as refused (the release records
/// and escalates it, and tries again next run), with the permission to grant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_refused_for_a_permission_names_it() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    let pushed = gh
        .post(
            "/_sandbox/repos/acme/api/commits",
            &json!({"branch": "rc/x", "message": "Change ci", "files": {".github/workflows/ci.yml": "on: push\n"}, "author": "bob"}),
        )
        .await
        .unwrap();
    let sha = Sha::parse(pushed.body["sha"].as_str().unwrap()).unwrap();
    let pr = gh
        .post(
            "/repos/acme/api/pulls",
            &json!({"title": "rc", "head": "rc/x", "base": "main", "body": ""}),
        )
        .await
        .unwrap();
    let number = convoy::model::numbers::PullNumber::new(pr.body["number"].as_u64().unwrap());
    gh.post(
        "/_sandbox/faults",
        &json!({"method": "PUT", "path": "/repos/acme/api/pulls/*/merge", "status": 403, "times": 1,
                "body": {"message": "Resource not accessible by integration"},
                "headers": {"x-ratelimit-remaining": "4999", "x-accepted-github-permissions": "contents=write"}}),
    )
    .await
    .unwrap();
    let merge = PlannedAction {
        id: 0,
        action: Action::MergePullRequest {
            repo: RepoName::parse("acme/api").unwrap(),
            number,
            sha,
            method: convoy::model::config::MergeMethod::Merge,
        },
        reason: "test".into(),
        after: vec![],
    };
    let out = execute(&gh, std::slice::from_ref(&merge), false).await;
    assert_eq!(
        out[0].outcome,
        ActionOutcome::Refused {
            reason: "Resource not accessible by integration (grant the convoy App `Contents: write`, and `Workflows: write` if the change touches `.github/workflows/`)".into()
        }
    );
    // Granted: the next run merges.
    let again = execute(&gh, &[merge], false).await;
    assert!(
        matches!(again[0].outcome, ActionOutcome::Done { .. }),
        "{:?}",
        again[0].outcome
    );
}

/// GitHub's text for a secondary rate limit.
const SECONDARY: &str = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:5A4D:B0C5:1.";

/// A 403 or 429 that says only in its message that it is a secondary rate limit (no
/// `retry-after`, no exhausted `x-ratelimit-remaining`) asks for at least a minute: beyond
/// `max_wait` it ends the run as rate limited, not as a denial, without sleeping. A 403 whose
/// message refuses a permission is a denial, whatever its headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secondary_rate_limits_are_told_from_permission_refusals() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    let mut cfg = convoy::github::ClientConfig::new(sandbox.url(), "t-bot");
    cfg.max_wait = Duration::from_secs(5);
    let patient = convoy::github::GitHub::new(cfg).unwrap();
    for (status, headers) in [(403, "none"), (429, "none"), (403, "ordinary")] {
        gh.post(
            "/_sandbox/faults",
            &json!({"method": "GET", "path": "/repos/acme/web", "status": status, "times": 1,
                    "rate_limit_headers": headers, "body": {"message": SECONDARY}}),
        )
        .await
        .unwrap();
        let (before, started) = (patient.requests(), Instant::now());
        let err = patient.get("/repos/acme/web").await.unwrap_err();
        assert!(
            matches!(err, GhError::RateLimited { seconds: 60, .. }),
            "{status} {headers}: {err}"
        );
        assert_eq!(patient.requests() - before, 1);
        assert!(started.elapsed() < Duration::from_secs(5), "no sleep");
    }
    for message in [
        "Resource not accessible by integration",
        "Must have admin rights to Repository.",
    ] {
        gh.post(
            "/_sandbox/faults",
            &json!({"method": "GET", "path": "/repos/acme/web", "status": 403, "times": 1,
                    "rate_limit_headers": "ordinary", "body": {"message": message}}),
        )
        .await
        .unwrap();
        let before = patient.requests();
        let err = patient.get("/repos/acme/web").await.unwrap_err();
        // A denial, never a rate limit: one that names a permission says which to grant.
        assert!(
            matches!(
                &err,
                GhError::Denied { status: 403, .. }
                    | GhError::PermissionMissing { status: 403, .. }
            ),
            "{err:?}"
        );
        assert_eq!(err.message(), Some(message));
        assert_eq!(patient.requests() - before, 1, "a denial is not retried");
    }
}
