//! `convoy run` as the Actions runner calls the container: environment and `INPUT_*` variables
//! in, outputs, step summary and exported variables out — against the sandbox.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use convoy::demo::{sandbox_client, start_sandbox};
use serde_json::json;

pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) outputs: String,
    pub(crate) summary: String,
    pub(crate) env: String,
}

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("action-run")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) async fn convoy_run(
    dir: &Path,
    url: &str,
    event: &str,
    payload: serde_json::Value,
    inputs: &[(&str, &str)],
) -> Run {
    let event_path = dir.join("event.json");
    std::fs::write(&event_path, payload.to_string()).unwrap();
    let files: BTreeMap<&str, PathBuf> = [
        ("GITHUB_OUTPUT", "out"),
        ("GITHUB_STEP_SUMMARY", "summary"),
        ("GITHUB_ENV", "env"),
    ]
    .into_iter()
    .map(|(k, f)| (k, dir.join(f)))
    .collect();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_convoy"));
    cmd.arg("run")
        .env_clear()
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_REPOSITORY", "acme/control")
        .env("GITHUB_API_URL", url)
        .env("GITHUB_ACTOR", "alice")
        .env("INPUT_TOKEN", "t-bot")
        .env("INPUT_WRITE-GAP-MS", "0")
        .env("INPUT_CONFIG", "convoy.json");
    for (k, p) in &files {
        cmd.env(k, p);
    }
    for (k, v) in inputs {
        cmd.env(format!("INPUT_{}", k.to_uppercase()), v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let read = |k: &str| std::fs::read_to_string(&files[k]).unwrap_or_default();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs: read("GITHUB_OUTPUT"),
        summary: read("GITHUB_STEP_SUMMARY"),
        env: read("GITHUB_ENV"),
    }
}

fn dispatch(inputs: serde_json::Value) -> serde_json::Value {
    json!({"inputs": inputs, "ref": "refs/heads/main", "repository": {"full_name": "acme/control", "name": "control", "owner": {"login": "acme"}}, "sender": {"login": "alice", "type": "User"}, "workflow": ".github/workflows/convoy.yml"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_then_reconcile_like_a_workflow_run() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let dir = scratch("create");
    let run = convoy_run(
        &dir,
        &url,
        "workflow_dispatch",
        dispatch(json!({"command": "create", "release": "r1"})),
        &[
            ("command", "create"),
            ("release", "r1"),
            ("args", "directive=auto title=\"Winter\""),
            ("log-level", "info"),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // The log says what came of each action in plain words, not in Rust's debug notation.
    assert!(
        run.stderr.contains("create_branch acme/api rc/r1 ← ")
            && run.stderr.contains(": done: rc/r1 at "),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("Done {") && !run.stderr.contains("Some("),
        "{}",
        run.stderr
    );
    // Several rounds: a heading per round, actions numbered from 1 in each.
    assert!(
        run.summary.contains("#### Round 1 of ") && run.summary.contains("#### Round 2 of "),
        "{}",
        run.summary
    );
    assert!(!run.summary.contains("| 0 |"), "{}", run.summary);
    assert!(
        run.stdout.starts_with("::add-mask::t-bot\n"),
        "the token is masked first: {}",
        run.stdout
    );
    assert!(
        !run.stderr.contains("t-bot"),
        "the token never reaches the log"
    );
    assert!(
        run.outputs.contains("release<<") && run.outputs.contains("\nr1\n"),
        "{}",
        run.outputs
    );
    assert!(
        run.outputs.contains("\ndevelopment\n"),
        "auto: planning → development at once: {}",
        run.outputs
    );
    assert!(run.outputs.contains("changed<<") && run.outputs.contains("\ntrue\n"));
    assert!(
        run.summary.contains("r1") && run.summary.contains("create_branch"),
        "{}",
        run.summary
    );
    assert!(
        run.env.contains("CONVOY_RELEASE<<")
            && run.env.contains("CONVOY_RC_BRANCH<<")
            && run.env.contains("rc/r1"),
        "{}",
        run.env
    );
    let gh = sandbox_client(&url, "t-bot").unwrap();
    let rc = gh.get("/repos/acme/api/git/ref/heads/rc/r1").await.unwrap();
    assert!(rc["object"]["sha"].is_string());

    // A dry run decides and reports, and writes nothing.
    gh.delete("/_sandbox/requests").await.unwrap();
    let dir = scratch("dry");
    let dry = convoy_run(
        &dir,
        &url,
        "schedule",
        json!({"schedule": "*/15 * * * *"}),
        &[("dry-run", "true")],
    )
    .await;
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let log = gh.get("/_sandbox/requests").await.unwrap();
    assert!(
        log.as_array().unwrap().iter().all(|r| r["method"] == "GET"),
        "a dry run only reads: {log:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_an_annotation() {
    let sandbox = start_sandbox(None).await.unwrap();
    let dir = scratch("bad");
    let run = convoy_run(
        &dir,
        &sandbox.url(),
        "workflow_dispatch",
        dispatch(json!({})),
        &[("command", "deploy")],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown command `deploy`"),
        "{}",
        run.stderr
    );
    let missing = convoy_run(
        &dir,
        &sandbox.url(),
        "workflow_dispatch",
        dispatch(json!({})),
        &[("command", "approve"), ("release", "nope")],
    )
    .await;
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stdout
            .contains("::error title=convoy::release nope does not exist"),
        "{}",
        missing.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_create_shows_the_plan_and_writes_nothing() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let gh = sandbox_client(&url, "t-bot").unwrap();
    gh.delete("/_sandbox/requests").await.unwrap();
    let dir = scratch("dry-create");
    let inputs = [
        ("command", "create"),
        ("release", "r2"),
        ("args", "directive=careful title=\"Winter\""),
    ];
    let run = convoy_run(
        &dir,
        &url,
        "workflow_dispatch",
        dispatch(json!({"command": "create", "release": "r2", "dry_run": "true"})),
        &[inputs.as_slice(), &[("dry-run", "true")]].concat(),
    )
    .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("does not exist; create it first"));

    // Nothing written: only reads, no manifest, no branch, no tracking issue.
    let log = gh.get("/_sandbox/requests").await.unwrap();
    let log = log.as_array().unwrap();
    assert!(!log.is_empty());
    assert!(
        log.iter().all(|r| r["method"] == "GET"),
        "a dry create only reads: {log:#?}"
    );
    let manifest = gh
        .get_opt("/repos/acme/control/contents/releases/r2/manifest.json")
        .await
        .unwrap();
    assert!(manifest.is_none(), "{manifest:?}");
    assert!(
        gh.get_opt("/repos/acme/api/git/ref/heads/rc/r2")
            .await
            .unwrap()
            .is_none()
    );
    let issues = gh
        .get("/repos/acme/control/issues?state=all")
        .await
        .unwrap();
    assert_eq!(issues.as_array().map(Vec::len), Some(0), "{issues:#}");

    // The plan: in the step summary, on stdout and in the `plan` output.
    let s = &run.summary;
    for want in [
        "## convoy · release r2: Winter",
        "**Directive:** careful",
        "Dry run: the release `create` would make",
        "wrote nothing to GitHub",
        // the tasks it would gather from the sprint's milestone
        "| acme/schema#3 | Add the orders table | feature | planned |",
        "| acme/api#12 | Add the /v2/orders endpoint |",
        "| acme/web#7 | Show orders from /v2/orders |",
        // phases and gates, repos and waves, the first round's actions
        "**Phases ahead:**",
        "human approval (`plan` gate)",
        "| plan | a human approves | needs approval: `/convoy approve` |",
        "acme_schema --> acme_api",
        "`upsert_tracking_issue`",
        "skipped: dry run",
        "as <code>convoy plan</code> shows it",
        "Rehearsal (in memory",
    ] {
        assert!(s.contains(want), "summary lacks {want:?}:\n{s}");
    }
    assert!(
        run.stdout.contains("\"would_create\"") && run.stdout.contains("\"rehearsal\""),
        "{}",
        run.stdout
    );
    assert!(
        run.outputs.contains("\nr2\n") && run.outputs.contains("would_create"),
        "{}",
        run.outputs
    );

    // Invalid arguments fail under dry run as they do for a real create, and write nothing.
    gh.delete("/_sandbox/requests").await.unwrap();
    for (args, error) in [
        (
            "tasks=acme/billing#4",
            "::error title=convoy::cannot create the release: task acme/billing#4 is in acme/billing, which is not a member repo",
        ),
        (
            "carry_over=r0",
            "::error title=convoy::cannot carry over from release r0",
        ),
    ] {
        for dry in ["true", "false"] {
            let bad = convoy_run(
                &dir,
                &url,
                "workflow_dispatch",
                dispatch(json!({"command": "create", "release": "r3"})),
                &[
                    ("command", "create"),
                    ("release", "r3"),
                    ("args", args),
                    ("dry-run", dry),
                ],
            )
            .await;
            assert_eq!(
                bad.code, 2,
                "{args} dry={dry}: {}{}",
                bad.stdout, bad.stderr
            );
            assert!(
                bad.stdout.contains(error),
                "{args} dry={dry}: {}",
                bad.stdout
            );
        }
    }
    let log = gh.get("/_sandbox/requests").await.unwrap();
    assert!(
        log.as_array().unwrap().iter().all(|r| r["method"] == "GET"),
        "{log:#}"
    );
}

/// A dispatch GitHub refuses fails the run: an `::error` line with GitHub's message, exit 1, and
/// the step summary says so. Here `/convoy retry e2e` is asked before the workflow was fixed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_dispatch_fails_the_run_with_githubs_message() {
    use crate::scenario::{Scenario, pass, seed_repo, seed_with};
    let no_inputs = "name: e2e\non:\n  workflow_dispatch:\njobs: {}\n";
    let mut s = Scenario::start(seed_with(
        |_| {},
        |s| {
            seed_repo(s, "acme/e2e")["files"][".github/workflows/e2e.yml"] = json!(no_inputs);
        },
    ))
    .await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", convoy::model::manifest::Phase::Validation, pass)
        .await;
    s.tick().await;
    let dir = scratch("refused");
    let inputs = [("command", "retry"), ("release", "r1"), ("args", "e2e")];
    let run = convoy_run(
        &dir,
        &s.url,
        "workflow_dispatch",
        dispatch(json!({"command": "retry", "release": "r1", "args": "e2e"})),
        &inputs,
    )
    .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let message =
        r#"Unexpected inputs provided: ["attempt", "correlation_id", "refs", "release", "tier"]"#;
    assert!(
        run.stdout
            .contains("::error title=convoy::GitHub refused to dispatch e2e.yml in acme/e2e")
            && run.stdout.contains(message),
        "{}",
        run.stdout
    );
    assert!(
        run.summary
            .contains(&format!("| e2e | refused by GitHub: {message} |")),
        "{}",
        run.summary
    );
    let m = s.manifest("r1").await;
    let refused = m
        .tier_runs
        .iter()
        .filter(|r| r.refusal.as_deref() == Some(message))
        .count();
    assert_eq!(refused, 2, "the first dispatch and the one after the retry");
    let open = m
        .escalations
        .iter()
        .filter(|e| e.resolved_at.is_none())
        .count();
    assert_eq!(open, 1, "{:#?}", m.escalations);
}

/// `sprints=` in the `args` input: a malformed list or a sprint no member repo has ends the run
/// with exit 2 and an error naming what is wrong, before anything is written (dry or not).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_sprints_argument_is_refused_before_anything_is_written() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let gh = sandbox_client(&url, "t-bot").unwrap();
    gh.delete("/_sandbox/requests").await.unwrap();
    let dir = scratch("bad-sprints");
    for (args, error) in [
        (
            r#"sprints="Sprint 41,,Sprint 42""#,
            "sprint 2 is empty; write the list like `sprints=\"Sprint 42,Sprint 43\"`",
        ),
        (
            r#"sprints="Sprint 41,Sprint 41""#,
            "sprint `Sprint 41` is listed twice; keep one",
        ),
        (
            "sprints=Sprint 41",
            "`41` follows `sprints=Sprint`: a value that holds spaces must be quoted",
        ),
        (
            r#"sprints="Sprint 41,Sprint 14""#,
            "::error title=convoy::cannot create the release: no member repo has a milestone titled `Sprint 14`",
        ),
    ] {
        for dry in ["true", "false"] {
            let run = convoy_run(
                &dir,
                &url,
                "workflow_dispatch",
                dispatch(json!({"command": "create", "release": "r1"})),
                &[
                    ("command", "create"),
                    ("release", "r1"),
                    ("args", args),
                    ("dry-run", dry),
                ],
            )
            .await;
            let all = format!("{}{}", run.stdout, run.stderr);
            assert_eq!(run.code, 2, "{args} dry={dry}: {all}");
            assert!(all.contains(error), "{args} dry={dry}: {all}");
        }
    }
    let log = gh.get("/_sandbox/requests").await.unwrap();
    assert!(
        log.as_array().unwrap().iter().all(|r| r["method"] == "GET"),
        "{log:#}"
    );

    // A good list creates the release with those sprints.
    let run = convoy_run(
        &dir,
        &url,
        "workflow_dispatch",
        dispatch(json!({"command": "create", "release": "r1"})),
        &[
            ("command", "create"),
            ("release", "r1"),
            ("args", r#"sprints="Sprint 41""#),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let text = gh
        .get("/repos/acme/control/contents/releases/r1/manifest.json")
        .await
        .unwrap();
    assert!(text["content"].is_string(), "{text:#}");
}

/// The control repo's default branch takes changes only through pull requests: GitHub refuses
/// the manifest write with 409 and the rule's words. `create` fails, naming the rule and the
/// `state-branch` input, and writes nothing (no manifest, no branch, no issue).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_control_branch_fails_create_naming_the_rule_and_state_branch() {
    use convoy::sandbox::protection::BranchProtection;
    let mut seed = convoy::sandbox::Seed::from_json(convoy::demo::SEED).unwrap();
    let control = seed
        .repos
        .iter_mut()
        .find(|r| r.name == "acme/control")
        .unwrap();
    control.protection.insert(
        "main".into(),
        BranchProtection {
            pull_request_only: true,
            ..Default::default()
        },
    );
    let sandbox = convoy::sandbox::Sandbox::start(seed, None).await.unwrap();
    let url = sandbox.url();
    let gh = sandbox_client(&url, "t-bot").unwrap();
    let dir = scratch("protected-control");
    let run = convoy_run(
        &dir,
        &url,
        "workflow_dispatch",
        dispatch(json!({"command": "create", "release": "r1"})),
        &[("command", "create"), ("release", "r1")],
    )
    .await;
    let all = format!("{}{}", run.stdout, run.stderr);
    assert_ne!(run.code, 0, "{all}");
    for want in [
        "::error",
        "Changes must be made through a pull request.",
        "`state-branch`",
        "acme/control",
    ] {
        assert!(all.contains(want), "{want:?} in {all}");
    }
    assert!(
        gh.get_opt("/repos/acme/control/contents/releases/r1/manifest.json")
            .await
            .unwrap()
            .is_none()
    );
    let log = gh.get("/_sandbox/requests").await.unwrap();
    let writes: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] != "GET")
        .collect();
    assert_eq!(
        writes.len(),
        1,
        "the refused manifest write only: {writes:#?}"
    );
    let issues = gh
        .get("/repos/acme/control/issues?state=all")
        .await
        .unwrap();
    assert_eq!(issues.as_array().map(Vec::len), Some(0), "{issues:#}");
}

/// The `cache-file` input: the run writes the cache, the next run reads it and has its repeated
/// reads answered 304; a corrupt cache is ignored with a warning, and the run does the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_file_carries_etags_from_one_run_to_the_next() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let dir = scratch("cache");
    let cache = dir.join(".convoy/cache.json");
    let cache_path = cache.to_str().unwrap().to_owned();
    let create = convoy_run(
        &dir,
        &url,
        "workflow_dispatch",
        dispatch(json!({"command": "create", "release": "r1"})),
        &[
            ("command", "create"),
            ("release", "r1"),
            ("args", "directive=auto"),
            ("cache-file", &cache_path),
            ("log-level", "info"),
        ],
    )
    .await;
    assert_eq!(create.code, 0, "{}", create.stderr);
    assert!(
        create.stderr.contains("this run reads everything"),
        "{}",
        create.stderr
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert_eq!(saved["version"], 1);
    assert!(saved["etags"].as_object().unwrap().len() > 3, "{saved}");
    assert!(
        saved["seen"]["r1"]["revision"].as_u64().unwrap() > 0,
        "{saved}"
    );

    let schedule = json!({"schedule": "*/15 * * * *"});
    let reconcile = |dir: PathBuf| {
        let url = url.clone();
        let cache_path = cache_path.clone();
        let schedule = schedule.clone();
        async move {
            convoy_run(
                &dir,
                &url,
                "schedule",
                schedule,
                &[("cache-file", &cache_path), ("log-level", "info")],
            )
            .await
        }
    };
    let warm = reconcile(scratch("cache-warm")).await;
    assert_eq!(warm.code, 0, "{}", warm.stderr);
    let not_modified = |stderr: &str| -> u64 {
        let at = stderr
            .find(" answered 304")
            .unwrap_or_else(|| panic!("{stderr}"));
        let before = &stderr[..at];
        before[before.rfind('(').unwrap() + 1..].parse().unwrap()
    };
    assert!(not_modified(&warm.stderr) > 3, "{}", warm.stderr);

    std::fs::write(&cache, "{not json").unwrap();
    let cold = reconcile(scratch("cache-cold")).await;
    assert_eq!(cold.code, 0, "{}", cold.stderr);
    assert!(cold.stderr.contains("is not convoy's"), "{}", cold.stderr);
    assert_eq!(cold.outputs, warm.outputs, "the same outcome, cache or not");
    // And the run saved a good cache again.
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert_eq!(saved["version"], 1);
}
