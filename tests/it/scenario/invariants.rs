//! Invariants of a release in the sandbox that must hold after every run, whatever failed:
//! checked by the chaos and race tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use convoy::github::store::ManifestStore;
use convoy::model::ids::RepoName;
use convoy::model::manifest::{HistoryEntry, Phase, ReleaseManifest};

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
    // Staging is exclusive: never two releases holding the staging branch of one repo at once.
    let holds = |m: &ReleaseManifest| {
        matches!(
            m.phase,
            Phase::Staging | Phase::Validation | Phase::Shipping
        )
    };
    for (i, a) in stored.iter().enumerate() {
        for b in stored.iter().skip(i + 1) {
            if !holds(a) || !holds(b) {
                continue;
            }
            for ra in &a.repos {
                if b.repos
                    .iter()
                    .any(|rb| rb.name == ra.name && rb.staging == ra.staging)
                {
                    bad.push(format!(
                        "{} ({}) and {} ({}) both hold {} of {}",
                        a.id,
                        a.phase.as_str(),
                        b.id,
                        b.phase.as_str(),
                        ra.staging,
                        ra.name
                    ));
                }
            }
        }
    }
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
    bad
}
