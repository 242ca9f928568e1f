//! Lists longer than one page, through the sandbox: convoy still finds what it needs when the
//! pull request, run or status it looks for is the oldest of more than a page of others.
//!
//! Seeded through the API (the sandbox pages as GitHub does: `per_page` at most 100, `Link`):
//! closed pull requests reuse one head branch, so no push is needed per pull request.

use convoy::demo::{sandbox_client, start_sandbox};
use convoy::github::GitHub;
use convoy::github::execute::execute;
use convoy::github::observe::observe;
use convoy::lifecycle::action::{Action, ActionOutcome, PlannedAction};
use convoy::lifecycle::observed::{PullState, StatusState};
use convoy::model::ids::{RepoName, Sha};
use convoy::model::manifest::{Phase, ReleaseManifest};
use convoy::model::numbers::PullNumber;
use convoy::signal::Signal;
use serde_json::{Value, json};

/// More than one page of 100.
const CROWD: usize = 120;

fn manifest(phase: Phase) -> ReleaseManifest {
    let config =
        convoy::validate::config_from_str(include_str!("../../src/demo/convoy.json")).unwrap();
    let mut m = ReleaseManifest::create(
        &config,
        convoy::model::create::CreateRequest {
            id: convoy::model::ids::ReleaseId::parse("lists").unwrap(),
            control_repo: RepoName::parse("acme/control").unwrap(),
            actor: convoy::model::ids::Login::parse("alice").unwrap(),
            now: convoy::model::time::Timestamp::parse("2026-12-01T09:00:00Z").unwrap(),
            args: Default::default(),
            gathered: vec![],
            left_out: Vec::new(),
        },
    )
    .unwrap();
    m.phase = phase;
    m
}

/// Pushes a commit to `branch` (created from the default branch when absent).
async fn push(gh: &GitHub, repo: &str, branch: &str, file: &str) -> String {
    let pushed = gh
        .post(
            &format!("/_sandbox/repos/{repo}/commits"),
            &json!({"branch": branch, "message": file, "files": {file: file}}),
        )
        .await
        .unwrap();
    pushed.body["sha"].as_str().unwrap().to_owned()
}

/// Opens a pull request; its number.
async fn open(gh: &GitHub, repo: &str, head: &str, base: &str) -> u64 {
    let url = format!("/repos/{repo}/pulls");
    let body = json!({"title": format!("{head} into {base}"), "head": head, "base": base});
    let opened = gh.post(&url, &body).await.unwrap();
    opened.body["number"].as_u64().unwrap()
}

async fn merge(gh: &GitHub, repo: &str, number: u64) {
    gh.put(&format!("/repos/{repo}/pulls/{number}/merge"), &json!({}))
        .await
        .unwrap();
}

/// `n` pull requests from `head` into `base`, each closed unmerged right after it opened.
async fn closed_crowd(gh: &GitHub, repo: &str, head: &str, base: &str, n: usize) {
    for _ in 0..n {
        let number = open(gh, repo, head, base).await;
        let url = format!("/repos/{repo}/pulls/{number}");
        gh.patch(&url, &json!({"state": "closed"})).await.unwrap();
    }
}

/// The request log's `GET`s whose path starts with `prefix`.
async fn gets(gh: &GitHub, prefix: &str) -> Vec<String> {
    let log = gh.get("/_sandbox/requests").await.unwrap();
    log.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "GET")
        .filter_map(|r| r["path"].as_str())
        .filter(|p| p.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

/// During development: a task's merged pull request is the oldest of 120 into the RC branch.
/// The list into the RC branch is read to its second page, and the task counts as merged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_pull_request_older_than_a_page_of_others_is_found() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    let mut m = manifest(Phase::Development);
    let api = RepoName::parse("acme/api").unwrap();
    let rc = m.repo(&api).unwrap().rc_branch.to_string();
    push(&gh, "acme/api", &rc, "rc.txt").await;
    push(&gh, "acme/api", "feature", "feature.txt").await;
    let task_pull = open(&gh, "acme/api", "feature", &rc).await;
    merge(&gh, "acme/api", task_pull).await;
    push(&gh, "acme/api", "busy", "busy.txt").await;
    closed_crowd(&gh, "acme/api", "busy", &rc, CROWD).await;
    m.tasks.push(
        serde_json::from_value(json!({
            "issue": "acme/api#1", "repo": "acme/api", "pull_requests": [task_pull]
        }))
        .unwrap(),
    );
    gh.delete("/_sandbox/requests").await.unwrap();

    let o = observe(&gh, &m, &Signal::Schedule).await.unwrap();
    let number = PullNumber::new(task_pull);
    let found = o
        .pull(&api, number)
        .expect("the task's pull request is observed");
    assert_eq!(found.state, PullState::Merged);
    let pages = gets(&gh, "/repos/acme/api/pulls?").await;
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[1].contains("page=2"), "{pages:?}");
    let decision = convoy::lifecycle::decide(&m, &o, &Signal::Schedule, m.created_at);
    assert_eq!(
        decision.manifest.tasks[0].status,
        convoy::model::manifest::TaskStatus::Merged
    );
}

/// While shipping, in a busy repository: the staging → main pull request merged, then 120 other
/// pull requests into main were closed. Convoy asks for staging → main only, so the crowd never
/// hides it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_promotion_is_found_in_a_busy_repository() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    let m = manifest(Phase::Shipping);
    let web = RepoName::parse("acme/web").unwrap();
    let staged = push(&gh, "acme/web", "staging", "staged.txt").await;
    let ship = open(&gh, "acme/web", "staging", "main").await;
    merge(&gh, "acme/web", ship).await;
    push(&gh, "acme/web", "busy", "busy.txt").await;
    closed_crowd(&gh, "acme/web", "busy", "main", CROWD).await;
    let i = m.repos.iter().position(|r| r.name == web).unwrap();

    let o = observe(&gh, &m, &Signal::Schedule).await.unwrap();
    let number = PullNumber::new(ship);
    let found = o.pull(&web, number).expect("the promotion is observed");
    assert_eq!(found.state, PullState::Merged);
    // The latest 100 pull requests of the repository, as convoy read them before, miss it.
    let latest = gh
        .get("/repos/acme/web/pulls?state=all&sort=updated&direction=desc&per_page=100")
        .await
        .unwrap();
    let numbers: Vec<u64> = latest
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["number"].as_u64())
        .collect();
    assert!(!numbers.contains(&ship), "the crowd hides it from one page");
    let staging = &m.repos[i].staging;
    let base = &m.repos[i].base;
    let merged = o
        .pulls_between(&web, staging, base)
        .find(|p| p.state == PullState::Merged)
        .expect("what shipping looks for");
    assert_eq!(
        (merged.number, merged.head_sha.as_str()),
        (number, staged.as_str())
    );
}

fn dispatch_action(correlation: &str) -> PlannedAction {
    let inputs = [
        ("release", "lists"),
        ("tier", "smoke"),
        ("attempt", "1"),
        ("correlation_id", correlation),
        ("refs", "{}"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    PlannedAction {
        id: 0,
        action: Action::DispatchWorkflow {
            repo: RepoName::parse("acme/e2e").unwrap(),
            workflow: "smoke.yml".into(),
            git_ref: None,
            correlation_id: correlation.into(),
            inputs,
        },
        reason: "test".into(),
        after: vec![],
    }
}

/// A tier's run, dispatched before 120 others of its workflow, is found by its correlation id
/// on the second page: by the observer (its id unknown) and by the executor, which adopts it
/// instead of dispatching again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tier_run_older_than_a_page_of_runs_is_found() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    let ours = "convoy-lists-smoke-1-0001";
    let url = "/repos/acme/e2e/actions/workflows/smoke.yml/dispatches";
    for i in 0..=CROWD {
        let correlation = if i == 0 {
            ours.to_owned()
        } else {
            format!("convoy-other-smoke-{i}-0001")
        };
        let inputs = json!({"correlation_id": correlation, "release": "x", "tier": "smoke",
                            "attempt": "1", "refs": "{}"});
        gh.post(url, &json!({"ref": "main", "inputs": inputs}))
            .await
            .unwrap();
    }
    let mut m = manifest(Phase::Staging);
    m.tier_runs.push(
        serde_json::from_value(json!({
            "tier": "smoke", "kind": "tier", "phase": "staging", "attempt": 1,
            "correlation_id": ours, "repo": "acme/e2e", "workflow": "smoke.yml",
            "shas": {}, "status": "requested", "dispatched_at": "2026-12-01T09:00:00Z"
        }))
        .unwrap(),
    );
    gh.delete("/_sandbox/requests").await.unwrap();

    let o = observe(&gh, &m, &Signal::Schedule).await.unwrap();
    let e2e = RepoName::parse("acme/e2e").unwrap();
    let run = o
        .run_by_correlation(&e2e, ours)
        .expect("the tier's run is observed");
    let pages = gets(&gh, "/repos/acme/e2e/actions/workflows/smoke.yml/runs").await;
    assert_eq!(pages.len(), 2, "{pages:?}");

    let done = execute(&gh, &[dispatch_action(ours)], false).await;
    assert_eq!(
        done[0].outcome,
        ActionOutcome::Done {
            detail: Some(format!("adopted run {}", run.run_id))
        }
    );
    let runs = gh
        .get("/repos/acme/e2e/actions/workflows/smoke.yml/runs")
        .await
        .unwrap();
    assert_eq!(runs["total_count"], CROWD + 1, "not dispatched again");
}

/// A commit with more than a page of statuses (120 contexts after convoy's, and more of one
/// of them): convoy's `convoy/release` status, the oldest, is found through the combined
/// status, so setting it again is seen as done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_older_than_a_page_of_statuses_is_found() {
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    let sha = push(&gh, "acme/api", "feature", "feature.txt").await;
    let url = format!("/repos/acme/api/statuses/{sha}");
    let ours = json!({"state": "failure", "context": "convoy/release", "description": "deferred"});
    gh.post(&url, &ours).await.unwrap();
    for i in 0..CROWD + 30 {
        let context = format!("ci/shard-{}", i % CROWD);
        let status = json!({"state": "success", "context": context});
        gh.post(&url, &status).await.unwrap();
    }
    let all: Value = gh
        .get(&format!(
            "/repos/acme/api/commits/{sha}/statuses?per_page=100"
        ))
        .await
        .unwrap();
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|s| s["context"] != "convoy/release"),
        "one page of statuses does not hold it"
    );
    gh.delete("/_sandbox/requests").await.unwrap();
    let set = PlannedAction {
        id: 0,
        action: Action::SetCommitStatus {
            repo: RepoName::parse("acme/api").unwrap(),
            sha: Sha::parse(&sha).unwrap(),
            context: "convoy/release".into(),
            state: StatusState::Failure,
            description: "deferred".into(),
        },
        reason: "test".into(),
        after: vec![],
    };
    let done = execute(&gh, &[set], false).await;
    assert_eq!(done[0].outcome, ActionOutcome::AlreadyDone);
    let log = gh.get("/_sandbox/requests").await.unwrap();
    assert!(
        log.as_array().unwrap().iter().all(|r| r["method"] == "GET"),
        "{log}"
    );
    assert_eq!(gets(&gh, "/repos/acme/api/commits/").await.len(), 2);
}

/// What a test's tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A list longer than its bound is cut there, with a warning naming it.
#[tokio::test]
async fn a_list_past_its_bound_is_cut_with_a_warning_naming_it() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let sandbox = start_sandbox(None).await.unwrap();
    let gh = sandbox_client(&sandbox.url(), "t-bot").unwrap();
    let sha = push(&gh, "acme/api", "feature", "feature.txt").await;
    for i in 0..5 {
        let status = json!({"state": "success", "context": format!("ci/{i}")});
        gh.post(&format!("/repos/acme/api/statuses/{sha}"), &status)
            .await
            .unwrap();
    }
    let list = format!("/repos/acme/api/commits/{sha}/statuses?per_page=2");
    let read = gh.get_all(&list, None, 2).await.unwrap();
    assert_eq!(read.len(), 4, "two pages of two");
    let said = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        said.contains(&format!(
            "GET {list}: the list goes on past 2 pages; convoy read the first 4 items"
        )),
        "{said}"
    );
    // Within its bound, a list is read to its end, without a warning.
    captured.0.lock().unwrap().clear();
    assert_eq!(gh.get_all(&list, None, 3).await.unwrap().len(), 5);
    assert!(captured.0.lock().unwrap().is_empty());
}
