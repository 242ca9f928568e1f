//! `convoy doctor` through the sandbox: on the command line against the protected demo (every
//! rule named with what convoy does, exit 0) and against a world a release cannot get through
//! (a tier without `workflow_dispatch`, a member the token cannot see: exit 2 with the fixes),
//! and as the Action's `command: doctor`, which writes the step summary.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use convoy::doctor::scope::TIER_INPUTS;
use convoy::lifecycle::Action;
use convoy::model::config::Directive;
use convoy::sandbox::seed::Permission;
use convoy::sandbox::{Sandbox, Seed};
use serde_json::Value;

const DEMO_CONFIG: &str = include_str!("../../src/demo/convoy.json");

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("doctor")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn run(cmd: std::process::Command) -> Output {
    let mut cmd = cmd;
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `convoy doctor` with the demo's convoy.json, against the sandbox at `url`, as `convoy-bot`.
async fn doctor(dir: &Path, url: &str, extra: &[&str]) -> Output {
    let config = dir.join("convoy.json");
    std::fs::write(&config, DEMO_CONFIG).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_convoy"));
    cmd.arg("doctor")
        .arg("--config")
        .arg(&config)
        .args(["--api-url", url])
        .args(extra)
        .env_clear()
        .env("GITHUB_TOKEN", "t-bot")
        .env("CONVOY_LOG", "info");
    run(cmd).await
}

/// `convoy run` as the Actions runner calls it: with `command: doctor`, or (`button`) for the
/// control workflow's *Run workflow* button with `doctor` chosen.
async fn action_doctor(dir: &Path, url: &str, button: bool) -> (Output, String) {
    let summary = dir.join("summary");
    let event = dir.join("event.json");
    let payload = serde_json::json!({
        "inputs": {"command": "doctor", "release": "", "args": "", "dry_run": "false"},
        "sender": {"login": "alice", "type": "User"},
    });
    std::fs::write(&event, payload.to_string()).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_convoy"));
    cmd.arg("run")
        .env_clear()
        .env("GITHUB_EVENT_NAME", "workflow_dispatch")
        .env(
            "GITHUB_EVENT_PATH",
            if button {
                event.as_path()
            } else {
                Path::new("/dev/null")
            },
        )
        .env("GITHUB_REPOSITORY", "acme/control")
        .env("GITHUB_API_URL", url)
        .env("GITHUB_ACTOR", "alice")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("INPUT_TOKEN", "t-bot")
        .env("INPUT_CONFIG", "convoy.json");
    if !button {
        cmd.env("INPUT_COMMAND", "doctor");
    }
    let out = run(cmd).await;
    let summary = std::fs::read_to_string(&summary).unwrap_or_default();
    (out, summary)
}

/// The demo's world with the e2e tier's workflow triggered by pushes only, and `acme/web`
/// invisible to convoy's token.
fn broken_seed() -> Seed {
    let mut seed = convoy::demo::seed().unwrap();
    let e2e = seed
        .repos
        .iter_mut()
        .find(|r| r.name == "acme/e2e")
        .unwrap();
    e2e.files.insert(
        ".github/workflows/e2e.yml".to_owned(),
        "name: e2e\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo test\n".to_owned(),
    );
    let bot = seed
        .users
        .iter_mut()
        .find(|u| u.login == "convoy-bot")
        .unwrap();
    bot.permissions
        .insert("acme/web".to_owned(), Permission::None);
    seed
}

/// The requests of the sandbox's log, by repository.
async fn requests_per_repo(url: &str) -> BTreeMap<String, usize> {
    let gh = convoy::demo::sandbox_client(url, "t-bot").unwrap();
    let log = gh.get("/_sandbox/requests").await.unwrap();
    let mut per_repo = BTreeMap::new();
    for entry in log.as_array().unwrap() {
        let path = entry["path"].as_str().unwrap();
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() > 3 && parts[1] == "repos" {
            *per_repo
                .entry(format!("{}/{}", parts[2], parts[3]))
                .or_insert(0) += 1;
        }
    }
    per_repo
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_each_rule_of_the_protected_demo_and_exits_0() {
    let sandbox = Sandbox::start(convoy::demo::protected::seed().unwrap(), None)
        .await
        .unwrap();
    let url = sandbox.url();
    let dir = scratch("protected");
    let out = doctor(&dir, &url, &[]).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // Each rule of the protected organisation, named with what convoy does with it.
    for expected in [
        "acme/schema (member)",
        "`main`: required checks: `ci` must pass; strict: the head must be up to date → the `staging` → `main` pull request waits for them",
        "`update-branch`",
        "`staging`: required checks: `ci` must pass",
        "`staging`: forced updates: `staging` takes changes only through pull requests",
        "`main`: required reviews: 1 approving review required",
        "fix: name who reviews release pull requests of acme/api in `repos[].reviewers`",
        "merge method: its settings allow only squash → convoy merges promotion and revert pull requests by squash",
        "automatically delete head branches",
        "`.github/workflows/e2e.yml`: on the default branch `main`: dispatchable",
        "Nothing will stop a release.",
    ] {
        assert!(out.stdout.contains(expected), "{expected}\n{}", out.stdout);
    }
    insta::assert_snapshot!("doctor_protected", out.stdout);
    // A few requests per repository, read in parallel.
    let per_repo = requests_per_repo(&url).await;
    for (repo, n) in &per_repo {
        assert!(*n <= 7, "{repo}: {n} requests: {per_repo:?}");
    }
    assert!(
        out.stderr.contains("requests to GitHub for 5 repositories"),
        "{}",
        out.stderr
    );

    let json = doctor(&dir, &url, &["--format", "json"]).await;
    assert_eq!(json.code, 0);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["blockers"], 0);
    assert_eq!(report["repos"].as_array().unwrap().len(), 5);
    let markdown = doctor(&dir, &url, &["--format", "github"]).await;
    assert!(
        markdown
            .stdout
            .starts_with("## convoy doctor\n\n**Nothing will stop a release."),
        "{}",
        markdown.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_the_repo_and_the_fix_of_what_stops_a_release_and_exits_2() {
    let sandbox = Sandbox::start(broken_seed(), None).await.unwrap();
    let url = sandbox.url();
    let dir = scratch("broken");
    let out = doctor(&dir, &url, &[]).await;
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let section = |repo: &str| {
        out.stdout
            .split("\n\n")
            .find(|s| s.starts_with(repo))
            .unwrap_or_else(|| panic!("{repo}\n{}", out.stdout))
            .to_owned()
    };
    let web = section("acme/web (member)");
    assert!(
        web.contains("blocker  access: GitHub answers 404: the token cannot see acme/web"),
        "{web}"
    );
    assert!(
        web.contains("fix: install the convoy App on acme/web"),
        "{web}"
    );
    let e2e = section("acme/e2e (tier smoke, tier e2e)");
    assert!(
        e2e.contains("blocker  `.github/workflows/e2e.yml`: has no `workflow_dispatch` trigger"),
        "{e2e}"
    );
    assert!(
        e2e.contains(
            "fix: add `workflow_dispatch:` under `on:` in .github/workflows/e2e.yml of acme/e2e"
        ),
        "{e2e}"
    );
    assert!(
        e2e.contains("ok       `.github/workflows/smoke.yml`"),
        "{e2e}"
    );
    assert!(out.stdout.ends_with("2 blockers will stop a release: fix them and run convoy doctor again. 1 note says how convoy adapts.\n"), "{}", out.stdout);
    insta::assert_snapshot!("doctor_broken", out.stdout);

    let json = doctor(&dir, &url, &["--format", "json"]).await;
    assert_eq!(json.code, 2);
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["blockers"], 2);
    let blocked: BTreeSet<&str> = report["repos"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["severity"] == "blocker")
        })
        .map(|r| r["repo"].as_str().unwrap())
        .collect();
    assert_eq!(blocked, BTreeSet::from(["acme/web", "acme/e2e"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_action_writes_the_doctors_report_to_the_step_summary() {
    let sandbox = Sandbox::start(convoy::demo::protected::seed().unwrap(), None)
        .await
        .unwrap();
    let dir = scratch("action-protected");
    let (out, summary) = action_doctor(&dir, &sandbox.url(), false).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.starts_with("::add-mask::t-bot\n"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("::error"), "{}", out.stdout);
    assert!(out.stdout.contains("acme/api (member)"), "{}", out.stdout);
    assert!(
        summary.starts_with("## convoy doctor\n\n**Nothing will stop a release."),
        "{summary}"
    );
    assert!(summary.contains("### acme/schema · member\n"), "{summary}");
    assert!(
        summary.contains("| note | `main`: required reviews | 1 approving review required"),
        "{summary}"
    );

    // Nothing was written: no push, issue or pull request made a webhook delivery.
    let gh = convoy::demo::sandbox_client(&sandbox.url(), "t-bot").unwrap();
    assert_eq!(
        gh.get("/_sandbox/events").await.unwrap(),
        serde_json::json!([])
    );

    let broken = Sandbox::start(broken_seed(), None).await.unwrap();
    let dir = scratch("action-broken");
    let (out, summary) = action_doctor(&dir, &broken.url(), false).await;
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("::error title=convoy doctor::acme/web: access: GitHub answers 404"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("::error title=convoy doctor::acme/e2e: `.github/workflows/e2e.yml`: has no `workflow_dispatch` trigger"),
        "{}",
        out.stdout
    );
    assert!(
        summary.contains("**2 blockers will stop a release"),
        "{summary}"
    );
    assert!(
        summary.contains("| **blocker** | access | GitHub answers 404"),
        "{summary}"
    );

    // The control workflow's button with `doctor` chosen: the same report, nothing changed.
    let dir = scratch("action-button");
    let (out, button_summary) = action_doctor(&dir, &broken.url(), true).await;
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert_eq!(button_summary, summary);
}

#[test]
fn doctor_checks_the_inputs_convoy_dispatches_tiers_with() {
    let m = support::release(Directive::Careful);
    let rehearsal = support::play(&m, 200, false);
    let expected: BTreeSet<&str> = TIER_INPUTS.into_iter().collect();
    let mut seen = 0;
    for a in rehearsal.steps.iter().flat_map(|s| &s.actions) {
        if let Action::DispatchWorkflow { inputs, .. } = &a.action
            && !inputs.contains_key("run_url")
        {
            let sent: BTreeSet<&str> = inputs.keys().map(String::as_str).collect();
            assert_eq!(sent, expected);
            seen += 1;
        }
    }
    assert!(seen > 0, "the rehearsal dispatches tiers");
}

/// With the App's id and key, doctor knows the installation's permissions: they come with the
/// installation convoy mints its token for (a stand-in for GitHub's App endpoints).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minting_for_the_app_gives_the_installations_permissions() {
    use axum::Router;
    use axum::routing::{get, post};
    let dir = scratch("app");
    let key_path = dir.join("key.pem");
    let generated = std::process::Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&key_path)
        .arg("2048")
        .output();
    if !generated.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: `openssl genrsa` is not available to make a test App key");
        return;
    }
    let key = std::fs::read_to_string(&key_path).unwrap();
    let permissions = serde_json::json!({"contents": "write", "pull_requests": "write", "workflows": "read", "metadata": "read"});
    let installation =
        serde_json::json!({"id": 7, "account": {"login": "acme"}, "permissions": permissions});
    let app = Router::new()
        .route(
            "/repos/acme/control/installation",
            get(move || async move { axum::Json(installation) }),
        )
        .route(
            "/app/installations/7/access_tokens",
            post(|| async {
                (
                    axum::http::StatusCode::CREATED,
                    axum::Json(serde_json::json!({"token": "ghs_doctor", "expires_at": "2099-01-01T00:00:00Z", "permissions": {"contents": "write"}})),
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let control = convoy::model::ids::RepoName::parse("acme/control").unwrap();
    let grant = convoy::github::app::installation_grant(&url, 12345, &key, &control)
        .await
        .unwrap();
    server.abort();
    assert_eq!(grant.token, "ghs_doctor");
    assert_eq!(grant.permissions["workflows"], "read");
    assert_eq!(grant.permissions["pull_requests"], "write");
    assert!(
        !format!("{grant:?}").contains("ghs_doctor"),
        "Debug hides the token"
    );
}

/// `GET /repos` leaves the permissions out for an installation token: doctor then reads them
/// once for every repository from `GET /installation/repositories` (played here by faults that
/// answer as GitHub does for such a token).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installation_tokens_permissions_come_from_its_repository_list() {
    let sandbox = convoy::demo::start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let gh = convoy::demo::sandbox_client(&url, "t-bot").unwrap();
    let repo = serde_json::json!({"full_name": "acme/api", "default_branch": "main",
        "allow_merge_commit": true, "allow_squash_merge": true, "allow_rebase_merge": true});
    for fault in [
        serde_json::json!({"method": "GET", "path": "/repos/acme/api", "status": 200, "body": repo}),
        serde_json::json!({"method": "GET", "path": "/installation/repositories", "status": 200,
            "body": {"total_count": 1, "repositories": [
                {"full_name": "acme/api", "permissions": {"admin": false, "maintain": false, "push": true, "triage": true, "pull": true}}]}}),
    ] {
        gh.post("/_sandbox/faults", &fault).await.unwrap();
    }
    let dir = scratch("installation");
    let out = doctor(&dir, &url, &[]).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "acme/api (member)\n  ok       access: the token can see and write to it (write access)"
        ),
        "{}",
        out.stdout
    );
}
