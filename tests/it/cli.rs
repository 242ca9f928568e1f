//! The `convoy` binary as people use it: exit codes, and error texts under snapshot tests.

use std::path::PathBuf;
use std::process::Command;

fn convoy(args: &[&str]) -> (i32, String, String) {
    convoy_in(env!("CARGO_MANIFEST_DIR").as_ref(), args)
}

/// `convoy ARGS` run in `dir`.
fn convoy_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_convoy"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_REPOSITORY")
        .output()
        .expect("convoy runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `text` to a scratch file named `name` and returns its path.
fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The example config with `edit` applied to its JSON.
fn config_with(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../examples/convoy.json")).unwrap();
    edit(&mut v);
    scratch(name, &serde_json::to_string_pretty(&v).unwrap())
}

fn validate_config(path: &std::path::Path) -> (i32, String) {
    let (code, out, _) = convoy(&["validate", "--config", path.to_str().unwrap()]);
    // Scratch paths differ per machine: show only the part after the file name.
    let out = out
        .lines()
        .map(|l| l.split_once(": ").map_or(l, |(_, rest)| rest))
        .collect::<Vec<_>>()
        .join("\n");
    (code, out)
}

#[test]
fn a_correct_config_is_accepted() {
    let (code, out, _) = convoy(&["validate", "--config", "examples/convoy.json"]);
    assert_eq!((code, out.as_str()), (0, "examples/convoy.json: ok\n"));
    let (code, out, _) = convoy(&["validate", "examples/release-manifest.json"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "examples/release-manifest.json: ok\n")
    );
}

#[test]
fn config_errors_name_the_pointer_and_exit_2() {
    let cases: Vec<(&str, PathBuf)> = vec![
        (
            "cycle",
            config_with("cycle.json", |v| {
                v["repos"][0]["depends_on"] = serde_json::json!(["acme/web"]);
            }),
        ),
        (
            "unknown-dependency",
            config_with("unknown-dep.json", |v| {
                v["repos"][1]["depends_on"] = serde_json::json!(["acme/nope"]);
            }),
        ),
        (
            "unknown-field",
            config_with("unknown-field.json", |v| {
                v["repos"][2]["colour"] = serde_json::json!("blue");
            }),
        ),
        (
            "duplicate-repo",
            config_with("duplicate.json", |v| {
                let first = v["repos"][0].clone();
                v["repos"].as_array_mut().unwrap().push(first);
            }),
        ),
        (
            "unknown-phase",
            config_with("phase.json", |v| {
                v["tiers"][1]["phase"] = serde_json::json!("deploy");
            }),
        ),
        (
            "bad-repo-name",
            config_with("repo-name.json", |v| {
                v["repos"][3]["name"] = serde_json::json!("acme");
            }),
        ),
        (
            "typo",
            config_with("typo.json", |v| {
                v["repos"][1]["depend_on"] = serde_json::json!(["acme/schema"]);
            }),
        ),
        (
            "number-in-quotes",
            config_with("quoted-number.json", |v| {
                v["tiers"][0]["timeout_minutes"] = serde_json::json!("3");
            }),
        ),
        (
            "all-at-once",
            config_with("all-at-once.json", |v| {
                v["tiers"][0]["timeout_minutes"] = serde_json::json!("3");
                v["tiers"][0]["workflow"] = serde_json::json!(".github/workflows/smoke.yml");
                v["repos"][1]["depends_on"] = serde_json::json!(["acme/nope"]);
            }),
        ),
        ("not-json", scratch("not-json.json", "{ \"repos\": [ }")),
    ];
    let mut report = String::new();
    for (name, path) in &cases {
        let (code, out) = validate_config(path);
        assert_eq!(code, 2, "{name}: {out}");
        report.push_str(&format!("## {name}\n{out}\n"));
    }
    insta::assert_snapshot!("config_errors", report);
    let cycle = validate_config(&cases[0].1).1;
    assert!(
        cycle.starts_with(
            "/repos/1/depends_on/0: dependency cycle: acme/api → acme/schema → acme/web → acme/api"
        ),
        "{cycle}"
    );
}

#[test]
fn unsafe_release_ids_are_rejected_with_their_pointer() {
    let manifest: serde_json::Value =
        serde_json::from_str(include_str!("../../examples/release-manifest.json")).unwrap();
    let mut report = String::new();
    for (i, id) in ["../x", "a..b", "x.lock", "with space"].iter().enumerate() {
        let mut m = manifest.clone();
        m["id"] = serde_json::json!(id);
        let path = scratch(
            &format!("manifest-{i}.json"),
            &serde_json::to_string(&m).unwrap(),
        );
        let (code, out, _) = convoy(&["validate", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{id}: {out}");
        let line = out
            .split_once(": ")
            .map_or(out.as_str(), |(_, rest)| rest)
            .trim_end()
            .to_owned();
        assert!(line.starts_with("/id: "), "{line}");
        report.push_str(&line);
        report.push('\n');
    }
    insta::assert_snapshot!("unsafe_release_ids", report);
}

#[test]
fn github_format_prints_annotations() {
    let path = config_with("gh.json", |v| {
        v["repos"][1]["depends_on"] = serde_json::json!(["acme/nope"]);
    });
    let (code, out, _) = convoy(&[
        "validate",
        "--format",
        "github",
        "--config",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(out.starts_with("::error file="), "{out}");
    assert!(
        out.contains(
            "title=convoy validate /repos/1/depends_on/0::`acme/nope` is not a member repo"
        ),
        "{out}"
    );
}

/// The line and column of the value a problem points at, 1-based, as GitHub annotations take
/// them; for text that is not JSON, where the parser stopped.
#[test]
fn github_annotations_give_the_line_and_column_of_the_value() {
    let path = config_with("gh-line.json", |v| {
        v["repos"][1]["depends_on"] = serde_json::json!(["acme/nope"]);
        v["tiers"][1]["timeout_minutes"] = serde_json::json!("90");
    });
    let text = std::fs::read_to_string(&path).unwrap();
    // Where a value starts in the pretty-printed file: (line, col), 1-based.
    let at = |needle: &str| {
        text.lines()
            .enumerate()
            .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, c + 1)))
            .unwrap()
    };
    let (code, out, _) = convoy(&[
        "validate",
        "--format",
        "github",
        "--config",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let (line, col) = at("\"acme/nope\"");
    assert!(
        lines[0].contains(&format!(
            ",line={line},col={col},title=convoy validate /repos/1/depends_on/0::"
        )),
        "{out}"
    );
    let (line, col) = at("\"90\"");
    assert!(
        lines[1].contains(&format!(
            ",line={line},col={col},title=convoy validate /tiers/1/timeout_minutes::must be a whole number"
        )),
        "{out}"
    );

    let path = scratch("gh-not-json.json", "{\n  \"repos\": [\n}\n");
    let (_, out, _) = convoy(&[
        "validate",
        "--format",
        "github",
        "--config",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.contains(",line=3,col=1,title=convoy validate /::"),
        "{out}"
    );
}

#[test]
fn validate_without_arguments_reads_convoy_json_here() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-default");
    std::fs::create_dir_all(&dir).unwrap();
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_convoy"))
            .arg("validate")
            .current_dir(&dir)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    std::fs::write(
        dir.join("convoy.json"),
        include_str!("../../examples/convoy.json"),
    )
    .unwrap();
    assert_eq!(run(), (Some(0), "convoy.json: ok\n".to_owned()));
    std::fs::write(dir.join("convoy.json"), r#"{"repos": [{"name": "acme"}]}"#).unwrap();
    assert_eq!(
        run(),
        (
            Some(2),
            "convoy.json: /repos/0/name: must be a GitHub repository as `owner/name` (got the \
             string \"acme\")\n"
                .to_owned()
        )
    );
}

#[test]
fn missing_files_and_no_arguments_are_invalid_input() {
    let (code, _, err) = convoy(&["validate", "--config", "nope.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope.json: cannot read it"), "{err}");
    // The tests run at the repository's root, which holds no convoy.json.
    let (code, _, err) = convoy(&["validate"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("there is no convoy.json in this directory")
            && err.contains("convoy validate --config path/to/convoy.json"),
        "{err}"
    );
}

#[test]
fn schema_prints_the_embedded_schemas() {
    for which in ["config", "manifest"] {
        let (code, out, _) = convoy(&["schema", which]);
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    }
}

#[test]
fn graph_prints_waves_in_three_formats() {
    let (code, out, _) = convoy(&["graph", "--config", "examples/convoy.json"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "wave 1: acme/schema\nwave 2: acme/api, acme/worker\nwave 3: acme/web\n"
    );
    let (_, mermaid, _) = convoy(&[
        "graph",
        "--config",
        "examples/convoy.json",
        "--format",
        "mermaid",
    ]);
    assert!(mermaid.starts_with("flowchart LR") && mermaid.contains("acme_schema --> acme_api"));
    let (_, dot, _) = convoy(&[
        "graph",
        "--config",
        "examples/convoy.json",
        "--format",
        "dot",
    ]);
    assert!(dot.contains("\"acme/api\" -> \"acme/web\";"));
}

#[test]
fn event_prints_the_signal_or_why_it_is_ignored() {
    let (code, out, _) = convoy(&[
        "event",
        "pull_request",
        "tests/fixtures/webhooks/pull_request.closed.json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"kind\": \"pull_request\""), "{out}");
    let (code, out, _) = convoy(&[
        "event",
        "watch",
        "tests/fixtures/webhooks/pull_request.closed.json",
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with("ignored: "), "{out}");
    let bad = scratch("bad-event.json", "{\"action\": ");
    let (code, _, err) = convoy(&["event", "pull_request", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("line 1"), "{err}");
}

#[test]
fn event_prints_a_comments_commands_as_plain_json() {
    let payload = serde_json::json!({
        "action": "created",
        "comment": {"id": 5, "body": "/convoy approve\n/convoy frobnicate", "user": {"login": "alice", "type": "User"}, "author_association": "OWNER"},
        "issue": {"number": 1, "title": "Release 1.0: Winter"},
        "repository": {"full_name": "acme/control", "name": "control", "owner": {"login": "acme"}},
        "sender": {"login": "alice", "type": "User"}
    });
    let file = scratch("comment-event.json", &payload.to_string());
    let (code, out, err) = convoy(&["event", "issue_comment", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("\"Ok\"") && !out.contains("\"Err\""), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "comment");
    assert_eq!(v["commands"][0], serde_json::json!({"name": "approve"}));
    assert!(
        v["commands"][1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("unknown command `frobnicate`")),
        "{out}"
    );
}

#[test]
fn event_on_an_unreadable_payload_says_so_and_exits_2() {
    let (code, out, err) = convoy(&["event", "push", "no/such/payload.json"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "no/such/payload.json: cannot read the event payload: No such file or directory (os error 2)\n"
    );
    let empty = scratch("empty-event.json", "");
    let (code, _, err) = convoy(&["event", "push", empty.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("the event payload is not a JSON object"),
        "{err}"
    );
}

#[test]
fn graph_plan_and_repos_read_convoy_json_by_default() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    for args in [
        &["graph"][..],
        &["plan", "--now", "2026-11-26T10:00:00Z"][..],
        &["repos"][..],
    ] {
        let (code, out, err) = convoy_in(&examples, args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("acme/api"), "{args:?}: {out}");
    }
    let empty = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-no-config");
    std::fs::create_dir_all(&empty).unwrap();
    for command in ["graph", "plan", "repos"] {
        let (code, _, err) = convoy_in(&empty, &[command]);
        assert_eq!(code, 2, "{command}");
        assert_eq!(
            err,
            "convoy.json: no such config file; name it with --config FILE (default: convoy.json in the current directory)\n",
            "{command}"
        );
    }
}

#[test]
fn plan_and_repos_ask_for_the_control_repo_alike() {
    let config = config_with("no-control.json", |v| {
        v.as_object_mut().unwrap().remove("control_repo");
    });
    let path = config.to_str().unwrap();
    let (_, _, plan) = convoy(&["plan", "--config", path]);
    let (_, _, repos) = convoy(&["repos", "--config", path]);
    assert_eq!(plan, repos);
    assert!(plan.contains("give --control-repo OWNER/NAME"), "{plan}");
    let (_, _, plan) = convoy(&["plan", "--config", path, "--control-repo", "nope"]);
    let (_, _, repos) = convoy(&["repos", "--config", path, "--control-repo", "nope"]);
    assert_eq!(plan, repos);
}

/// The webhook fixtures in `folder` (under tests/fixtures/webhooks) as (event name, path).
fn webhook_fixtures(folder: &str) -> Vec<(String, PathBuf)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/webhooks")
        .join(folder);
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let file = path.file_name().unwrap().to_str().unwrap();
            (file.split('.').next().unwrap().to_owned(), path)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn event_accepts_every_fixture() {
    // GitHub.com's examples, then GitHub Enterprise Server's.
    for (folder, at_least) in [("", 100), ("ghes-3.5", 30)] {
        let fixtures = webhook_fixtures(folder);
        for (name, path) in &fixtures {
            let (code, out, err) = convoy(&["event", name, path.to_str().unwrap()]);
            assert_eq!(code, 0, "{}: {out}{err}", path.display());
        }
        assert!(
            fixtures.len() >= at_least,
            "only {} fixtures",
            fixtures.len()
        );
    }
}

#[test]
fn event_issues_accepts_every_issues_example_of_github_com_and_enterprise_server() {
    let mut followed = 0;
    for folder in ["", "ghes-3.5"] {
        let examples: Vec<PathBuf> = webhook_fixtures(folder)
            .into_iter()
            .filter(|(name, _)| name == "issues")
            .map(|(_, path)| path)
            .collect();
        assert!(!examples.is_empty(), "no issues examples in {folder:?}");
        for path in examples {
            let (code, out, err) = convoy(&["event", "issues", path.to_str().unwrap()]);
            assert_eq!(code, 0, "{}: {out}{err}", path.display());
            if out.contains("\"kind\": \"issue\"") {
                followed += 1;
            }
        }
    }
    // milestoned ×2 and demilestoned ×2 on GitHub.com; milestoned and demilestoned on GitHub
    // Enterprise Server. Their `edited` examples tick no tracking issue's checkbox: ignored.
    assert_eq!(followed, 6);
}

#[test]
fn plan_on_a_fresh_config_prints_the_whole_phase_plan() {
    let (code, out, err) = convoy(&[
        "plan",
        "--config",
        "examples/convoy.json",
        "--release",
        "2026.12.0",
        "--now",
        "2026-11-26T10:00:00Z",
    ]);
    assert_eq!(code, 0, "{err}");
    for phase in [
        "planning",
        "development",
        "staging",
        "validation",
        "shipping",
        "shipped",
    ] {
        assert!(
            out.contains(&format!(". {phase} (owner")),
            "{phase} missing:\n{out}"
        );
    }
    assert!(out.contains("wave 2: acme/api, acme/worker"));
    assert!(out.contains("gate: human approval (`plan` gate)"));
    assert!(out.contains("ends in shipped"), "{out}");
    insta::assert_snapshot!("plan_fresh_config", out);

    let (code, json, _) = convoy(&[
        "plan",
        "--config",
        "examples/convoy.json",
        "--manifest",
        "examples/release-manifest.json",
        "--format",
        "json",
        "--now",
        "2026-11-26T12:00:00Z",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["phase"], "validation");
    assert_eq!(v["rehearsal_ends_in"], "shipped");
}

#[test]
fn demo_ships_under_every_directive() {
    for directive in ["careful", "auto", "quick"] {
        let (code, out, err) = convoy(&["demo", "--directive", directive]);
        assert_eq!(code, 0, "{directive}: {err}");
        assert!(out.contains("phase: planning → development"), "{out}");
        assert!(out.contains("phase: validation → shipping"), "{out}");
        assert!(out.contains("  waiting for: "), "{out}");
        if directive == "quick" {
            assert!(out.contains("| e2e | not run under quick |"), "{out}");
        }
        assert!(
            out.contains("every base branch holds its validated merge, tagged vdemo-1"),
            "{out}"
        );
    }
}

/// `convoy demo --protected` ships in a protected organisation: CI reports the required check
/// through the statuses API, a reviewer approves the pull request a required review holds, the
/// squash-only repository ships through its merge queue (CI checks the merge group), and
/// nothing is escalated.
#[test]
fn demo_ships_in_a_protected_organisation() {
    let (code, out, err) = convoy(&["demo", "--protected"]);
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(out.contains("in a protected organisation"), "{out}");
    assert!(out.contains("  ci: `ci` passes on acme/schema#"), "{out}");
    assert!(out.contains("  bob approves acme/api#"), "{out}");
    assert!(out.contains("    enqueue_pull_request acme/web#"), "{out}");
    assert!(
        out.contains("  ci: `ci` passes on acme/web's merge group for #"),
        "{out}"
    );
    // The pull request the queue took was never merged directly.
    let queued = out
        .split("enqueue_pull_request acme/web#")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    assert!(
        !out.contains(&format!("merge_pull_request acme/web#{queued} ")),
        "{out}"
    );
    assert!(!out.contains("Needs a human"), "{out}");
    assert!(
        out.contains("every base branch holds its validated merge, tagged vdemo-1"),
        "{out}"
    );
}
