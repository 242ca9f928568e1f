//! The demo seed edited for a scenario: its `convoy.json` and its repos.

use convoy::demo::SEED;
use convoy::sandbox::Seed;
use serde_json::Value;

/// The demo seed with `edit` applied to its `convoy.json` (as JSON) and `seed` to the seed.
pub fn seed_with(config: impl FnOnce(&mut Value), seed: impl FnOnce(&mut Value)) -> Seed {
    let mut s: Value = serde_json::from_str(SEED).unwrap();
    let control = s["repos"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["name"] == "acme/control")
        .unwrap();
    let mut cfg: Value = serde_json::from_str(control["files"]["convoy.json"].as_str().unwrap())
        .expect("the demo config is JSON");
    config(&mut cfg);
    control["files"]["convoy.json"] = Value::String(serde_json::to_string_pretty(&cfg).unwrap());
    seed(&mut s);
    Seed::from_json(&s.to_string()).unwrap()
}

/// Adds a second sprint to the demo seed `s`: milestone "Sprint 42" and one open issue in it in
/// each member (acme/schema#4, acme/api#13, acme/web#8).
pub fn add_sprint_42(s: &mut Value) {
    for (repo, number) in [("acme/schema", 4), ("acme/api", 13), ("acme/web", 8)] {
        let r = seed_repo(s, repo);
        r["milestones"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!("Sprint 42"));
        r["issues"].as_array_mut().unwrap().push(serde_json::json!({
            "number": number, "title": format!("Sprint 42 work in {repo}"),
            "milestone": "Sprint 42", "state": "open"
        }));
    }
}

/// The seed repo entry named `name`.
pub fn seed_repo<'a>(seed: &'a mut Value, name: &str) -> &'a mut Value {
    seed["repos"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["name"] == name)
        .unwrap()
}
