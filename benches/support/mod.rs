//! Shared by the benches: a sandbox seed with N member repos.
#![allow(dead_code)]

use convoy::sandbox::Seed;
use serde_json::json;

/// A control repo (config for `n` members: `svc00` first, every other one depending on it; one
/// validation tier), an E2E repo with the tier's workflow, and the members.
pub fn seed(n: usize) -> Seed {
    let seed = seed_json(n, &config(n));
    Seed::from_json(&seed.to_string()).unwrap_or_else(|e| panic!("bench seed: {e}"))
}

fn seed_json(n: usize, config: &serde_json::Value) -> serde_json::Value {
    let members: Vec<String> = (0..n).map(|i| format!("acme/svc{i:02}")).collect();
    let workflow = "name: e2e\nrun-name: \"e2e ${{ inputs.correlation_id }}\"\non:\n  workflow_dispatch:\n    inputs:\n      release: {}\n      tier: {}\n      attempt: {}\n      correlation_id: {}\n      refs: {}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
    let mut repos = vec![
        json!({"name": "acme/control", "files": {"convoy.json": config.to_string()}, "labels": ["convoy:release"]}),
        json!({"name": "acme/e2e", "files": {".github/workflows/e2e.yml": workflow}}),
    ];
    repos.extend(
        members
            .iter()
            .map(|m| json!({"name": m, "branches": {"staging": "main"}})),
    );
    json!({"users": [{"login": "convoy-bot", "type": "Bot", "token": "t-bot", "permissions": {"*": "admin"}}], "repos": repos})
}

/// The config the seed holds, for `n` members.
pub fn config(n: usize) -> serde_json::Value {
    let members: Vec<String> = (0..n).map(|i| format!("acme/svc{i:02}")).collect();
    json!({
        "control_repo": "acme/control",
        "repos": members.iter().enumerate().map(|(i, m)| if i == 0 { json!({"name": m}) } else { json!({"name": m, "depends_on": [members[0]]}) }).collect::<Vec<_>>(),
        "directive": "auto",
        "tiers": [{"name": "e2e", "repo": "acme/e2e", "workflow": "e2e.yml", "phase": "validation"}]
    })
}

/// [`seed`] plus what a whole release needs: people (alice approves, bob lands work), the
/// sprint milestone and one issue in it per member.
pub fn lifecycle_seed(n: usize) -> Seed {
    let mut cfg = config(n);
    cfg["sprints"] = json!(["Sprint 41"]);
    cfg["approvers"] = json!({"users": ["alice"]});
    let mut s = seed_json(n, &cfg);
    for (i, r) in s["repos"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("acme/svc"))
        })
        .enumerate()
    {
        r["milestones"] = json!(["Sprint 41"]);
        r["issues"] = json!([{"number": i + 1, "title": format!("Work {i}"), "milestone": "Sprint 41", "state": "open"}]);
    }
    s["users"] = json!([
        {"login": "alice", "token": "t-alice", "permissions": {"acme/control": "admin", "*": "write"}},
        {"login": "bob", "token": "t-bob", "permissions": {"*": "write"}},
        {"login": "convoy-bot", "type": "Bot", "token": "t-bot", "permissions": {"*": "admin"}}
    ]);
    Seed::from_json(&s.to_string()).unwrap_or_else(|e| panic!("bench seed: {e}"))
}
