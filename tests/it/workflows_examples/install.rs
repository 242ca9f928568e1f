//! Installing across many repositories: the member, tier and auto-fix examples take the
//! control repo and the RC prefix from organisation variables, the control example feeds
//! `convoy repos` (convoy.json) to its token step, and the auto-fix example accepts what convoy
//! dispatches, through the sandbox.

use std::collections::BTreeSet;

use convoy::lifecycle::Action;
use convoy::sandbox::workflow;
use serde_norway::Value;

use super::{AUTO_FIX, CONFIG, CONTROL, MEMBER, README, TIER, on, tier_dispatches, yaml};
use crate::scenario;
use convoy::event::parse_event;
use convoy::signal::Signal;

/// The member example's forwarding step run by bash for a pull request into `base_ref`, with
/// the repository variables `vars` (a stand-in `gh` records its arguments): the exit code and
/// the arguments `gh` got.
fn forward(base_ref: &str, vars: &[(&str, &str)]) -> (i32, Vec<String>) {
    let doc = yaml(MEMBER);
    let step = &doc["jobs"]["forward"]["steps"][1];
    let dir = tempfile::tempdir().unwrap();
    let gh = dir.path().join("gh");
    std::fs::write(&gh, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$GH_ARGS\"\n").unwrap();
    std::fs::set_permissions(&gh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let args = dir.path().join("args");
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["-eo", "pipefail", "-c", step["run"].as_str().unwrap()])
        .env(
            "PATH",
            format!(
                "{}:{}",
                dir.path().display(),
                std::env::var("PATH").unwrap()
            ),
        )
        .env("GH_ARGS", &args)
        .env("GITHUB_REPOSITORY_OWNER", "acme");
    // The step's env, with `${{ … }}` evaluated for what the examples use.
    for (name, value) in step["env"].as_mapping().unwrap() {
        let value = expression(value.as_str().unwrap(), vars, base_ref);
        cmd.env(name.as_str().unwrap(), value);
    }
    let out = cmd.output().unwrap();
    let got = std::fs::read_to_string(&args).unwrap_or_default();
    (
        out.status.code().unwrap_or(-1),
        got.lines().map(str::to_owned).collect(),
    )
}

/// Evaluates the `${{ … }}` expressions the example workflows use in `env:`: `vars.X || 'd'`,
/// `github.repository_owner`, the pull request's base ref, and a step's token.
fn expression(text: &str, vars: &[(&str, &str)], base_ref: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").unwrap() + start;
        let expr = rest[start + 3..end].trim();
        let value = match expr {
            "github.repository_owner" => "acme".to_owned(),
            "github.event.pull_request.base.ref" => base_ref.to_owned(),
            "steps.app.outputs.token" => "t-app".to_owned(),
            // A pull request event of acme/api: no comment or issue in it.
            "github.event_name" => "pull_request".to_owned(),
            "github.repository" => "acme/api".to_owned(),
            "github.event.comment.id" | "github.event.issue.number" => String::new(),
            _ => {
                let (var, default) = expr.split_once("||").unwrap_or((expr, "''"));
                let name = var
                    .trim()
                    .strip_prefix("vars.")
                    .unwrap_or_else(|| panic!("{expr}"));
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
                    .unwrap_or_else(|| default.trim().trim_matches('\'').to_owned())
            }
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_member_example_forwards_an_event_that_reconciles_the_release() {
    let doc = yaml(MEMBER);
    // No branch filter on the trigger (it cannot read a variable): the job picks the pull
    // requests into an RC branch by the prefix variable, whose default is convoy.json's.
    assert!(on(&doc)["pull_request"].get("branches").is_none());
    let default = convoy::validate::config_from_str(r#"{"repos": [{"name": "acme/api"}]}"#)
        .unwrap()
        .rc_branch;
    let prefix = default.split("{release}").next().unwrap();
    assert_eq!(prefix, "rc/");
    let condition = doc["jobs"]["forward"]["if"].as_str().unwrap();
    assert!(
        condition.contains(&format!(
            "startsWith(github.event.pull_request.base.ref, vars.CONVOY_RC_PREFIX || '{prefix}')"
        )),
        "{condition}"
    );
    assert!(MEMBER.contains(&format!("vars.CONVOY_RC_PREFIX || '{prefix}'")));
    let filter = workflow::parse("convoy.yml", MEMBER)
        .unwrap()
        .pull_request
        .unwrap();
    assert!(filter.matches("rc/2026.12.0") && filter.matches("release/2026.12.0"));

    // The default names, then an organisation that renamed both.
    let (code, args) = forward("rc/2026.12.0", &[]);
    assert_eq!(code, 0, "{args:?}");
    assert!(
        args.contains(&"repos/acme/release-control/dispatches".to_owned()),
        "{args:?}"
    );
    assert!(
        args.contains(&"event_type=convoy.changed".to_owned()),
        "{args:?}"
    );
    assert!(
        args.contains(&"client_payload[release]=2026.12.0".to_owned()),
        "{args:?}"
    );
    assert!(
        args.contains(&"client_payload[repo]=acme/api".to_owned()),
        "{args:?}"
    );
    let id = convoy::model::ids::ReleaseId::parse("2026.12.0").unwrap();
    let custom = convoy::model::config::rc_branch_for("release/{release}", &id).unwrap();
    let renamed = [
        ("CONVOY_CONTROL_REPO", "shipping"),
        ("CONVOY_RC_PREFIX", "release/"),
    ];
    let (code, args) = forward(custom.as_str(), &renamed);
    assert_eq!(code, 0, "{args:?}");
    assert!(
        args.contains(&"repos/acme/shipping/dispatches".to_owned()),
        "{args:?}"
    );
    assert!(
        args.contains(&"client_payload[release]=2026.12.0".to_owned()),
        "{args:?}"
    );
    // A pull request into another branch (staging → main, which the job's `if` lets through)
    // names no release: every release reconciles and finds its own.
    let (code, args) = forward("main", &renamed);
    assert_eq!(code, 0, "{args:?}");
    assert!(
        args.contains(&"event_type=convoy.changed".to_owned()),
        "{args:?}"
    );
    assert!(
        !args
            .iter()
            .any(|a| a.starts_with("client_payload[release]")),
        "{args:?}"
    );
    // The token step asks for the same control repo.
    let token = &doc["jobs"]["forward"]["steps"][0]["with"]["repositories"];
    assert_eq!(
        expression(token.as_str().unwrap(), &renamed, "release/x"),
        "shipping"
    );

    // `gh api -f client_payload[release]=…` sends this; the App's bot is the sender.
    let payload = serde_json::json!({
        "action": "convoy.changed",
        "client_payload": {"repo": "acme/api", "release": "2026.12.0"},
        "sender": {"login": "convoy-app[bot]", "type": "Bot"},
    });
    let signal = parse_event("repository_dispatch", payload.to_string().as_bytes()).unwrap();
    let Signal::Changed { repo, release } = signal else {
        panic!("{signal:?}")
    };
    assert_eq!(repo.as_str(), "acme/api");
    assert_eq!(release.unwrap().to_string(), "2026.12.0");
}

/// Every step of `doc` that uses `action` (by name, before `@`).
fn steps_using<'a>(doc: &'a Value, action: &str) -> Vec<&'a Value> {
    doc["jobs"]
        .as_mapping()
        .unwrap()
        .values()
        .flat_map(|job| job["steps"].as_sequence().unwrap())
        .filter(|step| {
            step.get("uses")
                .and_then(Value::as_str)
                .is_some_and(|u| u.split('@').next() == Some(action))
        })
        .collect()
}

#[test]
fn no_example_workflow_lists_repositories_by_hand() {
    // The repositories come from convoy.json (`convoy repos`), from `refs`, or from the
    // CONVOY_CONTROL_REPO variable: never a list to keep in step by hand.
    let mut vars = BTreeSet::new();
    for (file, text) in [
        ("convoy-control.yml", CONTROL),
        ("convoy-member.yml", MEMBER),
        ("e2e-tier.yml", TIER),
        ("auto-fix.yml", AUTO_FIX),
    ] {
        let doc = yaml(text);
        for step in steps_using(&doc, "actions/create-github-app-token") {
            let repos = step["with"]["repositories"].as_str().unwrap_or_default();
            assert!(
                repos.starts_with("${{") && repos.ends_with("}}"),
                "{file}: `repositories: {repos}` is a list kept by hand"
            );
        }
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            assert!(
                !line.contains("release-control") || line.contains("|| 'release-control'"),
                "{file} hard-codes the control repo: {line}"
            );
            vars.extend(
                line.split("vars.")
                    .skip(1)
                    .map(|r| {
                        r.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                            .next()
                    })
                    .map(|v| v.unwrap().to_owned()),
            );
        }
    }
    // Every variable the examples read is one the README's adoption steps tell an admin to set.
    assert!(vars.contains("CONVOY_CONTROL_REPO") && vars.contains("CONVOY_RC_PREFIX"));
    for var in &vars {
        assert!(
            README.contains(&format!("`{var}`")),
            "README does not name {var}"
        );
    }
}

#[test]
fn the_control_example_feeds_convoy_repos_to_the_token_step() {
    let doc = yaml(CONTROL);
    let steps = doc["jobs"]["convoy"]["steps"].as_sequence().unwrap();
    let repos = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("docker://ghcr.io/convoy-dev/convoy:"))
        })
        .expect("a step runs convoy's image");
    assert_eq!(repos["with"]["entrypoint"], "/convoy");
    let id = repos["id"].as_str().unwrap();
    let args: Vec<&str> = repos["with"]["args"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect();
    let output = args[args.iter().position(|a| *a == "--github-output").unwrap() + 1];
    let config = args[args.iter().position(|a| *a == "--config").unwrap() + 1];
    let token = steps_using(&doc, "actions/create-github-app-token")[0];
    assert_eq!(
        token["with"]["repositories"],
        format!("${{{{ steps.{id}.outputs.{output} }}}}")
    );
    // The checkout fetches exactly the config the step reads.
    let checkout = steps_using(&doc, "actions/checkout")[0];
    assert_eq!(checkout["with"]["sparse-checkout"], config);
    assert_eq!(checkout["with"]["persist-credentials"], Value::Bool(false));

    // The step's own arguments, run against the example config as the runner would.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(config), CONFIG).unwrap();
    let out_file = dir.path().join("output");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_convoy"))
        .args(&args)
        .current_dir(dir.path())
        .env("GITHUB_OUTPUT", &out_file)
        .env("GITHUB_REPOSITORY", "acme/release-control")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let names = "release-control,schema,api,worker,web,e2e,perf-lab";
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{names}\n"));
    let written = std::fs::read_to_string(&out_file).unwrap();
    let mut lines = written.lines();
    assert!(lines.next().unwrap().starts_with(&format!("{output}<<")));
    assert_eq!(lines.next(), Some(names), "{written}");
}

/// Runs the `run:` script of the step with id `id` in `doc`'s job `job` with `env`; its
/// `$GITHUB_OUTPUT` afterwards.
fn run_step(doc: &Value, job: &str, id: &str, env: &[(&str, &str)]) -> String {
    let step = doc["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    let out = std::process::Command::new("bash")
        .args(["-eo", "pipefail", "-c", step["run"].as_str().unwrap()])
        .envs(env.iter().copied())
        .env("GITHUB_OUTPUT", &output)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    std::fs::read_to_string(output).unwrap()
}

#[test]
fn the_tier_and_auto_fix_examples_ask_a_token_for_the_repositories_under_test() {
    // The refs convoy sends name the repositories: the token step gets their names.
    let refs = &tier_dispatches()[0]["refs"];
    let members: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(refs)
            .unwrap()
            .keys()
            .map(|k| k.split('/').nth(1).unwrap().to_owned())
            .collect();
    for (text, job) in [(TIER, "test"), (AUTO_FIX, "fix")] {
        let doc = yaml(text);
        let output = run_step(&doc, job, "repos", &[("REFS", refs)]);
        assert_eq!(output.trim(), format!("names={}", members.join(",")));
        let token = &steps_using(&doc, "actions/create-github-app-token")[0];
        assert_eq!(
            token["with"]["repositories"],
            "${{ steps.repos.outputs.names }}"
        );
    }
}

/// The demo world with the auto-fix example as convoy.json's `auto_fix` (in the control repo)
/// and `e2e` given one attempt.
fn auto_fix_world() -> convoy::sandbox::Seed {
    scenario::seed_with(
        |c| {
            c["auto_fix"] = serde_json::json!(
                {"repo": "acme/control", "workflow": "auto-fix.yml", "max_attempts": 1}
            );
            c["tiers"][1]["max_attempts"] = serde_json::json!(1);
        },
        |s| {
            scenario::seed_repo(s, "acme/control")["files"][".github/workflows/auto-fix.yml"] =
                serde_json::Value::String(AUTO_FIX.to_owned());
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_auto_fix_example_accepts_what_convoy_dispatches() {
    use convoy::model::manifest::{Phase, RunKind};
    use scenario::{Scenario, pass};

    let mut s = Scenario::start(auto_fix_world()).await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    // e2e fails its one attempt: convoy dispatches the auto-fix workflow. (A dispatch GitHub
    // refuses is tried again on every delivery, so a refusal shows as a time-out here.)
    let failed = s.finish_runs("r1", |_| Some("failure"));
    assert!(
        tokio::time::timeout(std::time::Duration::from_secs(120), failed)
            .await
            .is_ok(),
        "convoy kept dispatching the auto-fix: does auto-fix.yml declare every input it sends?"
    );
    let m = s.manifest("r1").await;
    let fixes = Scenario::runs_of(&m, "e2e", RunKind::AutoFix);
    assert_eq!(fixes.len(), 1, "{:#?}", m.tier_runs);
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
    // The sandbox refuses a dispatch with an input the workflow does not declare, or without a
    // required one, as GitHub does: this one made a run, titled with the correlation id.
    let run_id = fixes[0].run_id.expect("the dispatch was accepted");
    let run = s
        .get(&format!("/repos/acme/control/actions/runs/{run_id}"))
        .await;
    assert_eq!(run["name"], "auto-fix");
    assert!(
        run["display_title"]
            .as_str()
            .unwrap()
            .contains(&fixes[0].correlation_id),
        "{run:#}"
    );
    // And it declares exactly what convoy sends.
    let sent: Vec<BTreeSet<String>> = s
        .runs
        .iter()
        .flat_map(|r| &r.executed)
        .filter_map(|e| match &e.planned.action {
            Action::DispatchWorkflow { inputs, .. } if inputs.contains_key("run_url") => {
                Some(inputs.keys().cloned().collect())
            }
            _ => None,
        })
        .collect();
    let declared: BTreeSet<String> = workflow::parse("auto-fix.yml", AUTO_FIX)
        .unwrap()
        .dispatch
        .unwrap()
        .into_keys()
        .collect();
    assert!(!sent.is_empty());
    for inputs in sent {
        assert_eq!(
            inputs, declared,
            "auto-fix.yml inputs vs what convoy dispatches"
        );
    }
    // Its report is the tier callback, which convoy matches to the auto-fix.
    for key in ["release", "tier", "correlation_id", "run_id", "conclusion"] {
        assert!(AUTO_FIX.contains(&format!("--arg {key} ")), "{key}");
    }
    assert!(AUTO_FIX.contains("event_type: \"convoy.tier-completed\""));
}

#[test]
fn convoy_repos_lists_each_repository_once_and_refuses_what_a_token_cannot_cover() {
    let dir = tempfile::tempdir().unwrap();
    let repos = |config: &serde_json::Value, args: &[&str]| {
        let path = dir.path().join("convoy.json");
        std::fs::write(&path, config.to_string()).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_convoy"))
            .arg("repos")
            .args(args)
            .current_dir(dir.path())
            .env_remove("GITHUB_REPOSITORY")
            .env_remove("GITHUB_OUTPUT")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let mut config: serde_json::Value = serde_json::from_str(CONFIG).unwrap();
    let (code, out, err) = repos(&config, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "acme/release-control\nacme/schema\nacme/api\nacme/worker\nacme/web\nacme/e2e\nacme/perf-lab\n"
    );
    // Without `control_repo`, GITHUB_REPOSITORY (or --control-repo) names it.
    config.as_object_mut().unwrap().remove("control_repo");
    let (code, _, err) = repos(&config, &["--format", "names"]);
    assert_eq!(code, 2);
    assert!(err.contains("--control-repo"), "{err}");
    let (code, out, _) = repos(
        &config,
        &["--format", "names", "--control-repo", "acme/ctl"],
    );
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "ctl,schema,api,worker,web,e2e,perf-lab,release-control\n"
        )
    );
    // One installation token covers one owner.
    config["tiers"][2]["repo"] = serde_json::json!("perf-org/perf-lab");
    let (code, _, err) = repos(
        &config,
        &["--format", "names", "--control-repo", "acme/ctl"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("2 owners (acme, perf-org)"), "{err}");
    // --github-output outside a workflow step says what it needs.
    let (code, _, err) = repos(
        &config,
        &["--control-repo", "acme/ctl", "--github-output", "x"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("GITHUB_OUTPUT"), "{err}");
}
