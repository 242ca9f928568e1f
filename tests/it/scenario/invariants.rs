//! Invariants of a release in the sandbox that must hold after every run, whatever failed:
//! checked by the chaos and race tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use convoy::github::store::ManifestStore;
use convoy::model::ids::RepoName;
use convoy::model::manifest::{HistoryEntry, Phase, ReleaseManifest};
use convoy::model::staging_lock::holds_staging;

use super::Scenario;

/// The member repos of the demo.
pub const MEMBERS: [&str; 3] = ["acme/schema", "acme/api", "acme/web"];

/// The releases the invariants look at (those that exist).
pub const RELEASES: [&str; 2] = ["r1", "r2"];

/// What each release's stored history held when last looked at.
pub type Seen = Mutex<BTreeMap<String, Vec<HistoryEntry>>>;

/// The invariants that must hold after every run.
pub async fn invariants(s: &Scenario, last: &Seen) -> Vec<String> {
    let mut bad = Vec::new();
    let store = ManifestStore {
        repo: RepoName::parse("acme/control").unwrap(),
        branch: None,
    };
    let mut stored = Vec::new();
    for id in RELEASES {
        let Some(text) = store
            .read_text(&s.bob, &format!("releases/{id}/manifest.json"))
            .await
            .unwrap()
        else {
            continue;
        };
        match convoy::validate::manifest_from_str(&text) {
            Err(problems) => bad.push(format!(
                "{id}: the stored manifest is invalid: {problems:?}"
            )),
            Ok(m) => {
                let mut seen = last.lock().unwrap();
                let prev = seen.entry(id.to_owned()).or_default();
                if !m.history.starts_with(prev) {
                    bad.push(format!(
                        "{id}: history was rewritten: {} entries before, {} now",
                        prev.len(),
                        m.history.len()
                    ));
                }
                *prev = m.history.clone();
                stored.push(m);
            }
        }
    }
    // Staging is exclusive: `staging_exclusive`, below, over every stored release.
    for repo in MEMBERS {
        let open = s
            .get(&format!("/repos/{repo}/pulls?state=open&per_page=100"))
            .await;
        let mut seen: BTreeMap<(String, String), u64> = BTreeMap::new();
        for p in open.as_array().unwrap() {
            let key = (
                p["head"]["ref"].as_str().unwrap().to_owned(),
                p["base"]["ref"].as_str().unwrap().to_owned(),
            );
            *seen.entry(key).or_default() += 1;
        }
        for ((head, base), n) in seen {
            if n > 1 {
                bad.push(format!("{repo}: {n} open pull requests {head} → {base}"));
            }
        }
    }
    let runs = s.get("/repos/acme/e2e/actions/runs?per_page=100").await;
    let mut per_id: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_shas: BTreeMap<String, u64> = BTreeMap::new();
    for r in runs["workflow_runs"].as_array().unwrap() {
        let title = r["display_title"].as_str().unwrap_or_default();
        let Some(id) = title.split_whitespace().find(|w| {
            RELEASES
                .iter()
                .any(|r| w.starts_with(&format!("convoy-{r}-")))
        }) else {
            continue;
        };
        *per_id.entry(id.to_owned()).or_default() += 1;
        // convoy-<release>-<tier>-<seq>-<fingerprint>: attempts of one tier on one set of SHAs.
        let parts: Vec<&str> = id.split('-').collect();
        if !id.contains("-fix-") && parts.len() == 5 {
            *per_shas
                .entry(format!("{}: {}@{}", parts[1], parts[2], parts[4]))
                .or_default() += 1;
        }
    }
    for (id, n) in per_id {
        if n > 1 {
            bad.push(format!("{id} was dispatched {n} times"));
        }
    }
    for (tier, n) in per_shas {
        if n > 2 {
            bad.push(format!("tier {tier} ran {n} times (max_attempts 2)"));
        }
    }
    bad.extend(staging_exclusive(s).await);
    bad
}

/// Staging is exclusive now: no two stored manifests in `staging`, `validation` or `shipping`
/// share a repository and its staging branch.
pub async fn staging_exclusive(s: &Scenario) -> Vec<String> {
    let store = ManifestStore {
        repo: RepoName::parse("acme/control").unwrap(),
        branch: None,
    };
    let mut holding: Vec<ReleaseManifest> = Vec::new();
    for id in store.list(&s.bob).await.unwrap() {
        if let Some(stored) = store.load(&s.bob, &id).await.unwrap()
            && holds_staging(stored.manifest.phase)
        {
            holding.push(stored.manifest);
        }
    }
    let mut bad = Vec::new();
    for (i, a) in holding.iter().enumerate() {
        for b in &holding[i + 1..] {
            let shared: Vec<String> = a
                .repos
                .iter()
                .filter(|r| {
                    b.repos
                        .iter()
                        .any(|o| o.name == r.name && o.staging == r.staging)
                })
                .map(|r| r.name.to_string())
                .collect();
            if !shared.is_empty() {
                bad.push(format!(
                    "releases {} ({}) and {} ({}) both hold the staging of {}",
                    a.id,
                    a.phase.as_str(),
                    b.id,
                    b.phase.as_str(),
                    shared.join(", ")
                ));
            }
        }
    }
    bad
}

/// Staging was exclusive at every manifest write so far: replays the phase changes of every
/// release from the commits of the control repo's state branch (`convoy(<id>): <from> → <to>`,
/// one commit per write, in the order GitHub took them) and reports each commit after which two
/// releases held staging at once. Every release of the demo shares its three member repos.
pub fn staging_history(s: &Scenario) -> Vec<String> {
    let git = s.sandbox.data_dir().join("acme/control.git");
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(&git)
        .args(["log", "--first-parent", "--reverse", "--format=%s", "main"])
        .output()
        .unwrap();
    assert!(out.status.success(), "git log: {out:?}");
    let log = String::from_utf8(out.stdout).unwrap();
    let mut phases: BTreeMap<String, Phase> = BTreeMap::new();
    let mut bad = Vec::new();
    for subject in log.lines() {
        let Some((id, what)) = subject
            .strip_prefix("convoy(")
            .and_then(|r| r.split_once("): "))
        else {
            continue;
        };
        let what = what.trim_end_matches(" [skip ci]");
        if what == "create the release" {
            phases.insert(id.to_owned(), Phase::Planning);
        } else if let Some(to) = what.split_once(" → ").and_then(|(_, to)| Phase::parse(to)) {
            phases.insert(id.to_owned(), to);
        }
        let holders: Vec<&String> = phases
            .iter()
            .filter(|(_, p)| holds_staging(**p))
            .map(|(id, _)| id)
            .collect();
        if holders.len() > 1 {
            bad.push(format!("after `{subject}`: {holders:?} hold staging"));
        }
    }
    bad
}
