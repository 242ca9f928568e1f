//! The walls between the crates are in their manifests: the pure core may not gain an async
//! runtime, an HTTP client or server, or anything of convoy's; the sandbox may not import convoy.
//! The compiler keeps the walls once the manifests are right; this test keeps the manifests.

/// The dependency names of a `[dependencies]` table in a Cargo manifest.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if inside && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.']).next().unwrap_or("").trim();
            names.push(name.to_owned());
        }
    }
    names
}

const CORE: &str = include_str!("../../crates/convoy-core/Cargo.toml");
const SANDBOX: &str = include_str!("../../crates/convoy-sandbox/Cargo.toml");

#[test]
fn the_core_has_no_runtime_no_http_and_nothing_of_convoy() {
    let deps = dependencies(CORE);
    assert!(deps.contains(&"serde".to_owned()), "parsed {deps:?}");
    let forbidden = [
        "tokio",
        "octocrab",
        "axum",
        "hyper",
        "reqwest",
        "http",
        "futures",
        "tempfile",
        "convoy",
        "convoy-sandbox",
        "tracing-subscriber",
    ];
    for name in &deps {
        assert!(
            !forbidden.contains(&name.as_str()),
            "crates/convoy-core depends on `{name}`: the pure core does no I/O"
        );
    }
}

#[test]
fn the_sandbox_imports_nothing_of_convoy() {
    let deps = dependencies(SANDBOX);
    assert!(deps.contains(&"axum".to_owned()), "parsed {deps:?}");
    for name in &deps {
        assert!(
            !name.starts_with("convoy"),
            "crates/convoy-sandbox depends on `{name}`: the sandbox plays GitHub, not convoy"
        );
    }
}
