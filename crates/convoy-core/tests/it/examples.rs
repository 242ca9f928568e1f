//! The example files are valid, parse, agree with the schemas both ways, and say what the README
//! says they say. `CONVOY_BLESS=1 cargo test -p convoy-core --test it examples::` regenerates
//! `examples/release-manifest.json` from a rehearsal of `examples/convoy.json`.

use crate::support;

use convoy::model::config::Directive;
use convoy::model::manifest::{Phase, ReleaseManifest};
use convoy::model::schema::Document;
use convoy::validate;
use support::*;

const EXAMPLE_MANIFEST: &str = include_str!("../../../../examples/release-manifest.json");

/// A careful release of the example config, played until it waits at the ship gate.
fn mid_validation() -> ReleaseManifest {
    let m = release(Directive::Careful);
    let full = play(&m, 200, false);
    let at = full
        .steps
        .iter()
        .position(|s| s.from == Phase::Validation && s.signal == "approve")
        .expect("the rehearsal reaches the ship gate");
    play(&m, at, false).manifest
}

#[test]
fn example_manifest_is_a_release_in_flight_mid_validation() {
    if std::env::var_os("CONVOY_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&mid_validation()).unwrap() + "\n";
        std::fs::write(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../examples/release-manifest.json"
            ),
            text,
        )
        .unwrap();
        return;
    }
    let m = validate::manifest_from_str(EXAMPLE_MANIFEST).expect("the example manifest is valid");
    assert_eq!(m.phase, Phase::Validation);
    assert!(m.repos.len() >= 4 && !m.tier_runs.is_empty() && !m.history.is_empty());
}

#[test]
fn example_config_is_realistic() {
    let c = config();
    assert!(c.repos.len() >= 4 && c.tiers.len() >= 2);
}

/// Values the types serialize validate against the schemas; the examples validate and parse.
#[test]
fn types_and_schemas_agree_both_ways() {
    let m = mid_validation();
    let value = serde_json::to_value(&m).unwrap();
    assert!(validate::schema::check(Document::Manifest, &value).is_empty());
    let back: ReleaseManifest = serde_json::from_value(value).unwrap();
    assert_eq!(back, m);

    let c = config();
    let value = serde_json::to_value(&c).unwrap();
    assert!(
        validate::schema::check(Document::Config, &value).is_empty(),
        "{:?}",
        validate::schema::check(Document::Config, &value)
    );
    let raw: serde_json::Value = serde_json::from_str(EXAMPLE_CONFIG).unwrap();
    assert!(validate::schema::check(Document::Config, &raw).is_empty());
    let raw: serde_json::Value = serde_json::from_str(EXAMPLE_MANIFEST).unwrap();
    assert!(validate::schema::check(Document::Manifest, &raw).is_empty());
}
