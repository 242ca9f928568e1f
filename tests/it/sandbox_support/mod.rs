//! Helpers shared by the sandbox test files.
#![allow(dead_code)]

use std::sync::OnceLock;

use convoy::sandbox::{Sandbox, Seed};
use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;
use serde_json::Value;

/// The URL of one sandbox shared by all tests of a test binary. It runs on its own thread
/// and runtime, so it outlives each test's runtime.
pub fn shared() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async move {
                let handle = Sandbox::start(Seed::demo(), None).await.unwrap();
                tx.send(handle.url()).unwrap();
                std::future::pending::<()>().await;
                drop(handle);
            });
        });
        rx.recv().unwrap()
    })
}

/// An octocrab client for `url` with `token`, retries off (call inside a tokio runtime).
pub fn client(url: &str, token: &str) -> Octocrab {
    Octocrab::builder()
        .base_uri(url)
        .unwrap()
        .personal_token(token.to_owned())
        .add_retry_config(RetryConfig::None)
        .build()
        .unwrap()
}

/// A raw answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

/// Sends a raw request through octocrab's raw methods.
pub async fn call(octo: &Octocrab, method: &str, path: &str, body: Option<Value>) -> Answer {
    let resp = match method {
        "GET" => octo._get(path).await,
        "POST" => octo._post(path, body.as_ref()).await,
        "PUT" => octo._put(path, body.as_ref()).await,
        "PATCH" => octo._patch(path, body.as_ref()).await,
        "DELETE" => octo._delete(path, body.as_ref()).await,
        other => panic!("method {other}"),
    }
    .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = octo.body_to_string(resp).await.unwrap();
    let body = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// The HTTP status of an octocrab error (panics on non-GitHub errors).
pub fn status_of(err: &octocrab::Error) -> u16 {
    match err {
        octocrab::Error::GitHub { source, .. } => source.status_code.as_u16(),
        other => panic!("not a GitHub error: {other:?}"),
    }
}

/// Pushes a commit through the control endpoint; returns its SHA.
pub async fn push(
    octo: &Octocrab,
    repo: &str,
    branch: &str,
    files: Value,
    message: &str,
) -> String {
    let a = call(
        octo,
        "POST",
        &format!("/_sandbox/repos/{repo}/commits"),
        Some(serde_json::json!({"branch": branch, "message": message, "files": files, "author": "bob"})),
    )
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    a.body["sha"].as_str().unwrap().to_owned()
}

/// Starts `convoy sandbox serve --addr 127.0.0.1:0` with `args` after it; returns the child and
/// the URL from its first stdout line (`listening on URL`).
pub fn serve_convoy(args: &[&std::ffi::OsStr]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_convoy"))
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    (child, url)
}

/// A merge group CI was asked to check (`merge_group` `checks_requested`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeGroup {
    /// `owner/name` of the repository.
    pub repo: String,
    /// The pull request it merges (from `head_ref`, `…/pr-{n}-{sha}`).
    pub number: u64,
    /// The group commit: where CI reports.
    pub head_sha: String,
    /// `refs/heads/gh-readonly-queue/{base}/pr-{n}-{base_sha}`.
    pub head_ref: String,
    /// The group's parent (the base's tip or the group ahead).
    pub base_sha: String,
}

/// The merge groups of `repo` awaiting checks in drained deliveries (`GET /_sandbox/events`):
/// each `merge_group` `checks_requested` not followed by a `destroyed` of the same group.
pub fn merge_groups_awaiting_checks(events: &[Value], repo: &str) -> Vec<MergeGroup> {
    let mut groups: Vec<MergeGroup> = Vec::new();
    for e in events
        .iter()
        .filter(|e| e["name"] == "merge_group" && e["repo"] == repo)
    {
        let g = &e["payload"]["merge_group"];
        let head_sha = g["head_sha"].as_str().unwrap_or_default().to_owned();
        match e["payload"]["action"].as_str() {
            Some("checks_requested") => {
                let head_ref = g["head_ref"].as_str().unwrap_or_default().to_owned();
                let number = head_ref
                    .rsplit_once("/pr-")
                    .and_then(|(_, rest)| rest.split('-').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                groups.push(MergeGroup {
                    repo: repo.to_owned(),
                    number,
                    head_sha,
                    head_ref,
                    base_sha: g["base_sha"].as_str().unwrap_or_default().to_owned(),
                });
            }
            Some("destroyed") => groups.retain(|x| x.head_sha != head_sha),
            _ => {}
        }
    }
    groups
}

/// Acts as CI on deliveries already drained (a harness that drains `GET /_sandbox/events`
/// itself passes them here): on every merge group of `repo` awaiting checks in `events`, posts
/// the commit status `decide` returns for it (`success`, `failure`, `error`, `pending`; `None`
/// reports nothing) with `context`, as `octo`'s user. Returns the groups reported on.
pub async fn report_merge_group_checks(
    octo: &Octocrab,
    events: &[Value],
    repo: &str,
    context: &str,
    decide: impl Fn(&MergeGroup) -> Option<&'static str>,
) -> Vec<MergeGroup> {
    let mut reported = Vec::new();
    for g in merge_groups_awaiting_checks(events, repo) {
        let Some(state) = decide(&g) else { continue };
        let a = call(
            octo,
            "POST",
            &format!("/repos/{repo}/statuses/{}", g.head_sha),
            Some(serde_json::json!({"state": state, "context": context})),
        )
        .await;
        assert_eq!(
            a.status, 201,
            "status on merge group {}: {:?}",
            g.head_ref, a.body
        );
        reported.push(g);
    }
    reported
}

/// Acts as CI for the merge groups of `repo`: drains the webhook deliveries once
/// (`GET /_sandbox/events`) and reports on them with [`report_merge_group_checks`]. Returns the
/// drained deliveries (for the test to inspect) and the groups reported on. Statuses can move
/// the queue (merge, eject, rebuild): call it again for the groups that produces.
pub async fn act_as_merge_group_ci(
    octo: &Octocrab,
    repo: &str,
    context: &str,
    decide: impl Fn(&MergeGroup) -> Option<&'static str>,
) -> (Vec<Value>, Vec<MergeGroup>) {
    let events = call(octo, "GET", "/_sandbox/events", None).await.body;
    let events = events.as_array().cloned().unwrap_or_default();
    let reported = report_merge_group_checks(octo, &events, repo, context, decide).await;
    (events, reported)
}
