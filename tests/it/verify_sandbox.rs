//! `convoy verify` through GitHub's API: a release shipped in the sandbox holds; a commit pushed
//! to a base, a tier result tampered with in the lock or the manifest, and bad input do not.
//! Through the library, the command line and the Action (`command: verify`).

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use convoy::demo::{demo_store, play, sandbox_client, start_sandbox};
use convoy::github::GitHub;
use convoy::model::config::Directive;
use convoy::model::ids::ReleaseId;
use convoy::model::lock::{Lock, LockDigest};
use convoy::verify::{CheckKind, Options, Outcome, Report};
use serde_json::{Value, json};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `convoy ARGS` with only `GITHUB_TOKEN` (t-bot) and `env` in its environment.
async fn convoy(args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_convoy"));
    cmd.args(args).env_clear().env("GITHUB_TOKEN", "t-bot");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `convoy verify demo-1` against the sandbox at `url`, with `extra` arguments.
async fn verify_cli(url: &str, extra: &[&str]) -> Out {
    let mut args = vec![
        "verify",
        "demo-1",
        "--control-repo",
        "acme/control",
        "--api-url",
        url,
    ];
    args.extend_from_slice(extra);
    convoy(&args, &[]).await
}

async fn verify(gh: &GitHub, options: Options) -> Report {
    let id = ReleaseId::parse("demo-1").unwrap();
    convoy::cli::verify(gh, &demo_store().unwrap(), &id, options)
        .await
        .unwrap()
}

/// Short and full SHAs, digests and the sandbox's port replaced, for snapshots.
fn redact(text: &str, url: &str) -> String {
    let text = text.replace(url, "http://SANDBOX");
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let hex = word
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
        let digit = word.chars().any(|c| c.is_ascii_digit());
        match word.len() {
            7 | 12 | 40 | 64 if hex && digit => out.push_str(&"#".repeat(word.len())),
            _ => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Replaces `file` in the control repo with `text`, as a person with write access would.
async fn put_control_file(gh: &GitHub, file: &str, text: &str) {
    let path = format!("/repos/acme/control/contents/{file}");
    let now = gh.get(&path).await.unwrap();
    gh.put(
        &path,
        &json!({"message": "edited by hand", "content": STANDARD.encode(text),
                "sha": now["sha"]}),
    )
    .await
    .unwrap();
}

async fn control_file(gh: &GitHub, file: &str) -> String {
    let now = gh
        .get(&format!("/repos/acme/control/contents/{file}"))
        .await
        .unwrap();
    let b64: String = now["content"]
        .as_str()
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("verify")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `convoy run` with `command: verify`, as the control workflow's step would run it.
async fn verify_action(url: &str, name: &str, args: &str) -> (Out, String) {
    let dir = scratch(name);
    let event = dir.join("event.json");
    std::fs::write(&event, "{}").unwrap();
    let summary = dir.join("summary.md");
    let (event, summary_path) = (event.display().to_string(), summary.display().to_string());
    let out = convoy(
        &["run"],
        &[
            ("GITHUB_EVENT_NAME", "workflow_dispatch"),
            ("GITHUB_EVENT_PATH", &event),
            ("GITHUB_REPOSITORY", "acme/control"),
            ("GITHUB_API_URL", url),
            ("GITHUB_ACTOR", "alice"),
            ("GITHUB_STEP_SUMMARY", &summary_path),
            ("INPUT_COMMAND", "verify"),
            ("INPUT_RELEASE", "demo-1"),
            ("INPUT_ARGS", args),
        ],
    )
    .await;
    (out, std::fs::read_to_string(summary).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shipped_release_holds_until_a_commit_is_pushed_to_a_base() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let shipped = play(&url, Directive::Careful, &mut |_| {}).await.unwrap();
    let m = &shipped.manifest;
    let gh = sandbox_client(&url, "t-bob").unwrap();

    // The lock beside the manifest is the manifest's record, and every member repo's release
    // carries its digest and a link to it.
    let text = control_file(&gh, "releases/demo-1/lock.json").await;
    let digest = LockDigest::of(text.as_bytes());
    assert_eq!(shipped.lock.as_ref(), Some(&digest));
    let lock: Lock = serde_json::from_str(&text).unwrap();
    assert_eq!(Some(&lock), Lock::of(m).as_ref());
    assert_eq!(lock.tiers.len(), 2, "smoke and e2e admitted the release");
    for r in &m.repos {
        let release = gh
            .get(&format!("/repos/{}/releases/tags/{}", r.name, m.tag))
            .await
            .unwrap();
        let body = release["body"].as_str().unwrap();
        assert_eq!(Lock::stamped_digest(body, &m.id).as_ref(), Some(&digest));
        assert!(
            body.contains(&format!(
                "]({url}/acme/control/blob/HEAD/releases/demo-1/lock.json)"
            )),
            "{body}"
        );
    }

    let report = verify(&gh, Options::default()).await;
    assert!(report.holds, "{}", convoy::verify::render::text(&report));
    let count = |kind: CheckKind| report.checks.iter().filter(|c| c.check == kind).count();
    assert_eq!(
        [
            CheckKind::Base,
            CheckKind::Ship,
            CheckKind::Tree,
            CheckKind::Tier,
            CheckKind::Stamp
        ]
        .map(count),
        [3, 3, 3, 2, 3]
    );
    let out = verify_cli(&url, &["--format", "json"]).await;
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["holds"], true);
    assert_eq!(json["digest"], digest.as_str());
    let (action, summary) = verify_action(&url, "holds", "").await;
    assert_eq!(action.code, 0, "{}{}", action.stdout, action.stderr);
    assert!(summary.contains("**Holds.**"), "{summary}");

    // bob pushes a hotfix straight to acme/api's main.
    gh.post(
        "/_sandbox/repos/acme/api/commits",
        &json!({"branch": "main", "message": "Hotfix", "files": {"src/hotfix.txt": "x\n"},
                "author": "bob"}),
    )
    .await
    .unwrap();
    let out = verify_cli(&url, &[]).await;
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    insta::assert_snapshot!("later_push_first_break", {
        let last = out.stdout.lines().last().unwrap_or_default();
        redact(last, &url)
    });
    let out = verify_cli(&url, &["--format", "json"]).await;
    assert_eq!(out.code, 1);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let first = &json["first_break"];
    assert_eq!(
        (&first["check"], &first["repo"], &first["outcome"]),
        (&json!("base"), &json!("acme/api"), &json!("break"))
    );
    assert!(
        first["expected"]
            .as_str()
            .unwrap()
            .contains("(the ship commit)")
    );
    assert!(first["found"].as_str().unwrap().contains("1 commit after"));
    let (action, summary) = verify_action(&url, "later", "").await;
    assert_eq!(action.code, 1);
    assert!(
        action
            .stdout
            .contains("::error title=convoy verify::base acme/api: main has 1 commit pushed"),
        "{}",
        action.stdout
    );
    assert!(
        summary.contains("**Broken.** First break: base acme/api"),
        "{summary}"
    );

    // Accepted on request, on the command line and in the Action.
    let out = verify_cli(&url, &["--allow-later-commits"]).await;
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("accepted"), "{}", out.stdout);
    let (action, _) = verify_action(&url, "allowed", "--allow-later-commits").await;
    assert_eq!(action.code, 0, "{}{}", action.stdout, action.stderr);
}

/// Dispatches the e2e workflow outside the release and completes it with `conclusion`: a real
/// run of the tier's workflow, on no release's SHAs. Its id.
async fn unrelated_run(gh: &GitHub, conclusion: &str) -> u64 {
    let answer = gh
        .post(
            "/repos/acme/e2e/actions/workflows/e2e.yml/dispatches",
            &json!({"ref": "main", "return_run_details": true, "inputs": {
                "release": "demo-1", "tier": "e2e", "attempt": "1",
                "correlation_id": "by-hand", "refs": "{}"}}),
        )
        .await
        .unwrap();
    let id = answer.body["workflow_run_id"].as_u64().unwrap();
    gh.post(&format!("/_sandbox/runs/{id}/start"), &json!({}))
        .await
        .unwrap();
    gh.post(
        &format!("/_sandbox/runs/{id}/complete"),
        &json!({"conclusion": conclusion}),
    )
    .await
    .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tier_result_tampered_with_in_the_lock_or_the_manifest_breaks() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    play(&url, Directive::Auto, &mut |_| {}).await.unwrap();
    let gh = sandbox_client(&url, "t-bob").unwrap();
    assert!(verify(&gh, Options::default()).await.holds);
    let lock_file = "releases/demo-1/lock.json";
    let original = control_file(&gh, lock_file).await;
    let lock: Value = serde_json::from_str(&original).unwrap();
    let e2e = lock["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .position(|t| t["name"] == "e2e")
        .unwrap();
    let edit_lock = |edit: &dyn Fn(&mut Value)| {
        let mut v = lock.clone();
        edit(&mut v);
        serde_json::to_string_pretty(&v).unwrap() + "\n"
    };

    // The lock names a failed run of the e2e workflow instead of the one that passed.
    let failed = unrelated_run(&gh, "failure").await;
    let swapped = edit_lock(&|v| v["tiers"][e2e]["run"]["run_id"] = json!(failed));
    put_control_file(&gh, lock_file, &swapped).await;
    let report = verify(&gh, Options::default()).await;
    let first = report.first_break.clone().unwrap();
    assert_eq!(
        (first.check, first.tier.as_ref().map(|t| t.as_str())),
        (CheckKind::Tier, Some("e2e"))
    );
    assert_eq!(
        (first.expected.as_deref(), first.found.as_deref()),
        (Some("success"), Some("failure"))
    );
    let out = verify_cli(&url, &[]).await;
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("swapped_run_first_break", {
        let last = out.stdout.lines().last().unwrap_or_default();
        redact(last, &url).replace(&failed.to_string(), "RUN")
    });
    // …and the lock no longer matches the manifest, nor the stamps.
    for kind in [CheckKind::Lock, CheckKind::Stamp] {
        assert!(
            report
                .checks
                .iter()
                .any(|c| c.check == kind && c.outcome == Outcome::Break),
            "{kind:?}"
        );
    }

    // A passing run, but not the one dispatched for these SHAs (its title lacks the id).
    let other = unrelated_run(&gh, "success").await;
    let swapped = edit_lock(&|v| v["tiers"][e2e]["run"]["run_id"] = json!(other));
    put_control_file(&gh, lock_file, &swapped).await;
    let first = verify(&gh, Options::default()).await.first_break.unwrap();
    assert!(
        first.what.contains("its title lacks the correlation id"),
        "{first:?}"
    );

    // The conclusion edited in the lock.
    let edited = edit_lock(&|v| v["tiers"][e2e]["run"]["conclusion"] = json!("neutral"));
    put_control_file(&gh, lock_file, &edited).await;
    let first = verify(&gh, Options::default()).await.first_break.unwrap();
    assert_eq!(first.check, CheckKind::Tier);
    assert!(
        first.what.contains("as neutral, GitHub as success"),
        "{first:?}"
    );

    // The lock restored: it holds again.
    put_control_file(&gh, lock_file, &original).await;
    assert!(verify(&gh, Options::default()).await.holds);

    // The manifest edited instead: its e2e run recorded as failed. The lock still names the
    // run that passed, and no longer matches the manifest.
    let manifest_file = "releases/demo-1/manifest.json";
    let mut manifest: Value =
        serde_json::from_str(&control_file(&gh, manifest_file).await).unwrap();
    for run in manifest["tier_runs"].as_array_mut().unwrap() {
        if run["tier"] == "e2e" {
            run["conclusion"] = json!("failure");
        }
    }
    let text = serde_json::to_string_pretty(&manifest).unwrap() + "\n";
    put_control_file(&gh, manifest_file, &text).await;
    let first = verify(&gh, Options::default()).await.first_break.unwrap();
    assert_eq!(first.check, CheckKind::Lock, "{first:?}");
    assert!(
        first
            .what
            .contains("differs from what the manifest records"),
        "{first:?}"
    );
    let out = verify_cli(&url, &[]).await;
    assert_eq!(out.code, 1);
    let passed = lock["tiers"][e2e]["run"]["run_id"].to_string();
    insta::assert_snapshot!("edited_manifest_first_break", {
        let last = out.stdout.lines().last().unwrap_or_default();
        redact(last, &url).replace(&passed, "RUN")
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_exit_2() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let bad_id = verify_cli_with(&url, "not an id").await;
    let missing = verify_cli_with(&url, "nope").await;
    let no_control = convoy(&["verify", "demo-1", "--api-url", &url], &[]).await;
    let no_token = {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_convoy"));
        cmd.args(["verify", "demo-1", "--control-repo", "acme/control"])
            .env_clear();
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for (code, stderr) in [
        (bad_id.code, &bad_id.stderr),
        (missing.code, &missing.stderr),
        (no_control.code, &no_control.stderr),
        (no_token.0, &no_token.1),
    ] {
        assert_eq!(code, 2, "{stderr}");
    }
    insta::assert_snapshot!(
        "bad_input",
        [bad_id.stderr, missing.stderr, no_control.stderr, no_token.1].join("")
    );
    // In the Action, a missing release is an annotation.
    let dir = scratch("no-release");
    let event = dir.join("event.json");
    std::fs::write(&event, "{}").unwrap();
    let out = convoy(
        &["run"],
        &[
            ("GITHUB_EVENT_NAME", "workflow_dispatch"),
            ("GITHUB_EVENT_PATH", &event.display().to_string()),
            ("GITHUB_REPOSITORY", "acme/control"),
            ("GITHUB_API_URL", &url),
            ("GITHUB_ACTOR", "alice"),
            ("INPUT_COMMAND", "verify"),
        ],
    )
    .await;
    assert_eq!(out.code, 2);
    assert!(
        out.stdout
            .contains("::error title=convoy verify::`verify` needs a release"),
        "{}",
        out.stdout
    );
}

async fn verify_cli_with(url: &str, release: &str) -> Out {
    convoy(
        &[
            "verify",
            release,
            "--control-repo",
            "acme/control",
            "--api-url",
            url,
        ],
        &[],
    )
    .await
}

/// In a protected organisation `acme/web` ships by squash through its merge queue: the lock
/// says squash, and the squash commit's tree is the validated tree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_squashed_through_a_merge_queue_holds() {
    let seed = convoy::demo::protected::seed().unwrap();
    let sandbox = convoy::sandbox::Sandbox::start(seed, None).await.unwrap();
    let url = sandbox.url();
    let out = convoy::demo::play_in(
        &url,
        Directive::Careful,
        convoy::demo::World::Protected,
        None,
        None,
        &mut |_| {},
    )
    .await
    .unwrap();
    let lock = Lock::of(&out.manifest).unwrap();
    let web = lock
        .repos
        .iter()
        .find(|r| r.name.as_str() == "acme/web")
        .unwrap();
    assert_eq!(web.ship.method, convoy::model::lock::ShipMethod::Squash);
    let gh = sandbox_client(&url, "t-bob").unwrap();
    let report = verify(&gh, Options::default()).await;
    assert!(report.holds, "{}", convoy::verify::render::text(&report));
    let tree = report
        .checks
        .iter()
        .find(|c| c.check == CheckKind::Tree && c.repo.as_ref() == Some(&web.name))
        .unwrap();
    assert!(
        tree.what.contains("is the tree of the validated"),
        "{tree:?}"
    );
}
