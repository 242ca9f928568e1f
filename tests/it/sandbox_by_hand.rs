//! The sandbox driven by hand, as docs/sandbox.md tells a newcomer: `convoy sandbox serve` with
//! its default seed, `convoy run` to create a release, `convoy sandbox play` for the webhook
//! deliveries, `curl` for the people. The walk-through's shell blocks run exactly as written.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use convoy::sandbox::workflow;

const DOC: &str = include_str!("../../docs/sandbox.md");
const TIER_EXAMPLE: &str = include_str!("../../examples/workflows/e2e-tier.yml");

/// The `sh` blocks between the walk-through's markers, in order.
fn walkthrough() -> String {
    let begin = DOC
        .find("<!-- walkthrough: begin -->")
        .expect("docs/sandbox.md marks its walk-through");
    let end = DOC
        .find("<!-- walkthrough: end -->")
        .expect("the walk-through ends");
    let mut script = String::new();
    let mut inside = false;
    for line in DOC[begin..end].lines() {
        match (inside, line.trim_end()) {
            (false, "```sh") => inside = true,
            (true, "```") => inside = false,
            (true, l) => {
                script.push_str(l);
                script.push('\n');
            }
            _ => {}
        }
    }
    script
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `convoy sandbox serve` as the doc starts it, without `--seed`; returns the child and its URL.
fn serve() -> (std::process::Child, String) {
    crate::sandbox_support::serve_convoy(&[])
}

#[test]
fn the_documented_walkthrough_ships_a_release_in_the_default_world() {
    for tool in ["bash", "curl", "jq"] {
        assert!(
            have(tool),
            "docs/sandbox.md's walk-through needs `{tool}`: install it to run this test"
        );
    }
    let script = walkthrough();
    assert!(
        script.contains("convoy run") && script.contains("convoy sandbox play"),
        "{script}"
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_convoy")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (mut server, url) = serve();
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("PATH", path)
        .env("URL", &url)
        .env_remove("GITHUB_REPOSITORY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the walk-through failed:\n{stdout}\n{stderr}"
    );
    // Each `phase` call prints the release's phase: the doc's comments say which.
    let phases: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    assert_eq!(
        phases,
        [
            "planning",
            "development",
            "development",
            "staging",
            "validation",
            "shipped"
        ],
        "{stdout}"
    );
    // One line per delivery; convoy handled every one.
    let played: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("played "))
        .collect();
    assert_eq!(played.len(), 7, "{stdout}");
    assert!(played.iter().all(|l| l.ends_with(" 0 failed")), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.contains(
            "issue_comment.created acme/control: r1 development: react acme/control comment"
        ) && l.contains("create_branch")),
        "{stdout}"
    );
    assert!(
        stdout.contains("create_release acme/api v1.0.0"),
        "{stdout}"
    );
}

#[test]
fn the_default_world_is_one_convoy_can_run_in() {
    let seed = convoy::demo::seed().unwrap();
    let control = seed
        .repos
        .iter()
        .find(|r| r.name == "acme/control")
        .unwrap();
    let config = convoy::validate::config_from_str(&control.files["convoy.json"])
        .expect("the control repo's convoy.json is valid");
    assert_eq!(
        serde_json::to_value(&config).unwrap(),
        serde_json::to_value(
            convoy::validate::config_from_str(include_str!("../../src/demo/convoy.json")).unwrap()
        )
        .unwrap(),
        "src/demo/seed.json's convoy.json is src/demo/convoy.json"
    );
    // Every tier's workflow is on its repo's default branch and declares exactly the inputs of
    // the example tier workflow (those convoy sends: tests/it/workflows_examples.rs).
    let sent: BTreeSet<String> = workflow::parse("e2e.yml", TIER_EXAMPLE)
        .unwrap()
        .dispatch
        .unwrap()
        .into_keys()
        .collect();
    for tier in &config.tiers {
        let repo = seed
            .repos
            .iter()
            .find(|r| r.name == tier.repo.as_str())
            .unwrap_or_else(|| panic!("tier {} names a repo the seed lacks", tier.name));
        let file = &repo.files[&format!(".github/workflows/{}", tier.workflow)];
        let wf = workflow::parse(&tier.workflow, file).unwrap();
        let declared: BTreeSet<String> = wf.dispatch.unwrap().into_keys().collect();
        assert_eq!(declared, sent, "{}", tier.workflow);
        assert!(
            wf.run_name
                .unwrap()
                .contains("${{ inputs.correlation_id }}")
        );
    }
    for member in &config.repos {
        let repo = seed
            .repos
            .iter()
            .find(|r| r.name == member.name.as_str())
            .unwrap();
        assert!(repo.branches.contains_key("staging"), "{}", member.name);
    }
}
