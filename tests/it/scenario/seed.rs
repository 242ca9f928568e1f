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

/// The seed repo entry named `name`.
pub fn seed_repo<'a>(seed: &'a mut Value, name: &str) -> &'a mut Value {
    seed["repos"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["name"] == name)
        .unwrap()
}
