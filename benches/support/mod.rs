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

/// The sizes to run: `var`'s comma-separated list, else `default`.
pub fn sizes(var: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(var)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

/// One request in the sandbox's log.
#[derive(Debug, serde::Deserialize)]
pub struct Logged {
    /// The method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The answer's status.
    pub status: u16,
    /// Who sent it.
    #[serde(default)]
    pub caller: Option<String>,
}

impl Logged {
    /// Whether GitHub would count it against the primary rate limit: every authenticated
    /// request but a `304 Not Modified`.
    pub fn counted(&self) -> bool {
        self.status != 304
    }

    /// The endpoint, with repositories, numbers and SHAs taken out of the path.
    pub fn endpoint(&self) -> String {
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        let mut parts: Vec<String> = Vec::new();
        let segs: Vec<&str> = path.split('/').collect();
        let mut i = 0;
        while i < segs.len() {
            let s = segs[i];
            if s == "repos" && i + 2 < segs.len() {
                parts.push("repos/{repo}".to_owned());
                i += 3;
                continue;
            }
            let word = if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
                "{n}".to_owned()
            } else if s.len() >= 7 && s.chars().all(|c| c.is_ascii_hexdigit()) {
                "{sha}".to_owned()
            } else {
                s.to_owned()
            };
            parts.push(word);
            i += 1;
        }
        let keys: Vec<&str> = query
            .split('&')
            .filter_map(|p| p.split('=').next())
            .filter(|k| !k.is_empty() && *k != "per_page" && *k != "page")
            .collect();
        let mut e = format!("{} {}", self.method, parts.join("/"));
        if !keys.is_empty() {
            e.push('?');
            e.push_str(&keys.join("&"));
        }
        e
    }
}

/// Every request convoy (`convoy-bot`) made in the sandbox at `url`: the sandbox's own
/// endpoints, and what the world's people, CI and member workflows sent, left out.
pub async fn request_log(url: &str) -> anyhow::Result<Vec<Logged>> {
    let gh = convoy::demo::sandbox_client(url, "t-bot")?;
    let log = gh.get("/_sandbox/requests").await?;
    let all: Vec<Logged> = serde_json::from_value(log)?;
    Ok(all
        .into_iter()
        .filter(|r| !r.path.starts_with("/_sandbox") && r.caller.as_deref() == Some("convoy-bot"))
        .collect())
}

/// The counted requests of `log` by endpoint, most first.
pub fn print_breakdown(log: &[Logged]) {
    let mut by: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for r in log {
        let e = by.entry(r.endpoint()).or_default();
        e.0 += 1;
        if r.counted() {
            e.1 += 1;
        }
    }
    let mut rows: Vec<_> = by.into_iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1.1));
    for (endpoint, (all, counted)) in rows.into_iter().take(25) {
        println!("    {counted:>7} counted {all:>7} sent  {endpoint}");
    }
}
