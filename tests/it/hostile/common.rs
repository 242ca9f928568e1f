//! Shared by the hostile-input suites: the example documents and the proptest configuration.

use proptest::test_runner::Config as ProptestConfig;

pub(super) const CONFIG: &str = include_str!("../../../examples/convoy.json");
pub(super) const MANIFEST: &str = include_str!("../../../examples/release-manifest.json");

/// Cases per property: `CONVOY_FUZZ_CASES`, else `PROPTEST_CASES`, else `default`.
fn cases(default: u32) -> u32 {
    ["CONVOY_FUZZ_CASES", "PROPTEST_CASES"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse().ok())
        .unwrap_or(default)
}

pub(super) fn config(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(default),
        // A failure prints its minimal input; no regression file is written next to the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
