//! Seed files: schema, parsing, determinism, and `convoy sandbox serve` as a process.

use crate::sandbox_support;

use std::process::Command;

use convoy::sandbox::{Sandbox, Seed};
use sandbox_support::{call, client, push};
use serde_json::{Value, json};

const SCHEMA_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/schemas/sandbox-seed.schema.json"
);

const ISSUE_EXAMPLE: &str = r#"{
  "users": [
    {"login": "alice", "token": "t-alice", "permissions": {"acme/control": "admin", "acme/api": "write"}},
    {"login": "convoy-bot", "type": "Bot", "token": "t-bot", "permissions": {"*": "admin"}}
  ],
  "repos": [
    {"name": "acme/api", "default_branch": "main", "branches": {"staging": "main", "rc/r1": "staging"},
     "files": {"README.md": "api\n", ".github/workflows/smoke.yml": "name: smoke\non:\n  workflow_dispatch:\n    inputs:\n      release:\n        required: true\njobs: {}\n"},
     "milestones": ["Sprint 41"],
     "issues": [{"number": 12, "title": "Add endpoint", "milestone": "Sprint 41", "state": "open"}]}
  ]
}"#;

#[test]
fn committed_schema_is_current() {
    let generated = serde_json::to_string_pretty(&Seed::json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(SCHEMA_PATH, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/sandbox-seed.schema.json is stale: run UPDATE_SCHEMAS=1 cargo test --test it sandbox_seed::"
    );
}

#[test]
fn seeds_validate_against_the_schema() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(SCHEMA_PATH).unwrap()).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    assert!(v.is_valid(&serde_json::to_value(Seed::demo()).unwrap()));
    let example: Value = serde_json::from_str(ISSUE_EXAMPLE).unwrap();
    assert!(v.is_valid(&example));
    assert!(!v.is_valid(&json!({"repos": [{"name": "a/b", "colour": "red"}]})));
    let err = Seed::from_json(r#"{"users": [{"login": "x", "permissions": {"a/b": "owner"}}]}"#)
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("users[0].permissions"),
        "{err:#}"
    );
}

#[tokio::test]
async fn seeded_example_serves_and_is_deterministic() {
    let seed = Seed::from_json(ISSUE_EXAMPLE).unwrap();
    let a = Sandbox::start(seed.clone(), None).await.unwrap();
    let b = Sandbox::start(seed, None).await.unwrap();
    let (ca, cb) = (client(&a.url(), "t-bot"), client(&b.url(), "t-bot"));
    let rc = ca
        .repos("acme", "api")
        .branches()
        .get("rc/r1")
        .await
        .unwrap();
    let main_b = cb
        .repos("acme", "api")
        .branches()
        .get("main")
        .await
        .unwrap();
    assert_eq!(rc.commit.sha, main_b.commit.sha, "same seed, same SHAs");
    let sa = push(&ca, "acme/api", "staging", json!({"f.txt": "1\n"}), "same").await;
    let sb = push(&cb, "acme/api", "staging", json!({"f.txt": "1\n"}), "same").await;
    assert_eq!(sa, sb, "same operations, same SHAs");
    assert!(a.data_dir().join("acme/api.git/HEAD").exists());
    let issue = ca.issues("acme", "api").get(12).await.unwrap();
    assert_eq!(issue.milestone.unwrap().title, "Sprint 41");
    let d = call(
        &ca,
        "POST",
        "/repos/acme/api/actions/workflows/smoke.yml/dispatches",
        Some(json!({"ref": "rc/r1", "inputs": {"release": "r1"}, "return_run_details": true})),
    )
    .await;
    assert_eq!(d.status, 200);
    let run = call(
        &ca,
        "GET",
        &format!("/repos/acme/api/actions/runs/{}", d.body["workflow_run_id"]),
        None,
    )
    .await;
    assert_eq!(run.body["display_title"], "smoke");
    assert_eq!(run.body["head_branch"], "rc/r1");
    // Alice may write to acme/api but is no admin there; she cannot see other repositories.
    let alice = client(&a.url(), "t-alice");
    alice
        .issues("acme", "api")
        .create("hello")
        .send()
        .await
        .unwrap();
}

/// Starts `convoy sandbox serve` with `seed` and `data` and returns the child and its URL.
fn serve(seed: &std::path::Path, data: &std::path::Path) -> (std::process::Child, String) {
    let (child, url) = sandbox_support::serve_convoy(&[
        "--seed".as_ref(),
        seed.as_os_str(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ]);
    assert!(url.starts_with("http://127.0.0.1:"));
    (child, url)
}

#[test]
fn serve_prints_its_address_first_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let seed_path = dir.path().join("seed.json");
    std::fs::write(&seed_path, ISSUE_EXAMPLE).unwrap();
    let data = dir.path().join("data");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let get = |url: &str| {
        rt.block_on(async {
            let octo = client(url, "t-bot");
            push(&octo, "acme/api", "leftover", json!({"x": "x\n"}), "x").await;
            octo.repos("acme", "api")
                .branches()
                .get("staging")
                .await
                .map(|b| b.name)
        })
    };
    let (child, url) = serve(&seed_path, &data);
    let result = get(&url);
    // SIGTERM ends it cleanly.
    let status = Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let mut child = child;
    assert!(child.wait().unwrap().success());
    assert_eq!(result.unwrap(), "staging");
    assert!(data.join("acme/api.git").is_dir());
    // The same data dir starts again, laid anew from the seed.
    let (mut child, url) = serve(&seed_path, &data);
    let gone = rt.block_on(async {
        client(&url, "t-bot")
            .repos("acme", "api")
            .branches()
            .get("leftover")
            .await
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(gone.is_err());
}

#[tokio::test]
async fn bad_seeds_and_names_are_refused() {
    let mut seed = Seed::demo();
    seed.users[1].token = Some("t-alice".into());
    let err = Sandbox::start(seed, None).await.err().unwrap();
    assert!(format!("{err:#}").contains("share a token"), "{err:#}");
    let mut seed = Seed::demo();
    seed.repos[0].files.insert("../escape".into(), "x".into());
    assert!(Sandbox::start(seed, None).await.is_err());
    let mut seed = Seed::demo();
    seed.repos[0]
        .branches
        .insert("bad..name".into(), "main".into());
    assert!(Sandbox::start(seed, None).await.is_err());

    let sandbox = Sandbox::start(Seed::demo(), None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let main = octo
        .repos("acme", "api")
        .branches()
        .get("main")
        .await
        .unwrap()
        .commit
        .sha;
    let bad_ref = call(
        &octo,
        "POST",
        "/repos/acme/api/git/refs",
        Some(json!({"ref": "refs/heads/a..b", "sha": main})),
    )
    .await;
    assert_eq!(bad_ref.status, 422);
    let bad_path = call(
        &octo,
        "PUT",
        "/repos/acme/api/contents/.git/config",
        Some(json!({"message": "m", "content": "eA=="})),
    )
    .await;
    assert_eq!(bad_path.status, 422);
    let bad_push = call(
        &octo,
        "POST",
        "/_sandbox/repos/acme/api/commits",
        Some(json!({"branch": "x y", "files": {"a": "b"}})),
    )
    .await;
    assert_eq!(bad_push.status, 422);
}

#[tokio::test]
async fn seeded_teams_follow_the_schema_and_name_seeded_members() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(SCHEMA_PATH).unwrap()).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let team = json!({"org": "acme", "slug": "release", "name": "Release",
                      "members": ["alice"], "permission": "write"});
    let seed = json!({"users": [{"login": "alice"}], "teams": [team]});
    assert!(v.is_valid(&seed));
    assert!(!v.is_valid(&json!({"teams": [{"org": "acme", "slug": "r", "colour": "red"}]})));
    assert!(
        Sandbox::start(Seed::from_json(&seed.to_string()).unwrap(), None)
            .await
            .is_ok()
    );
    for (members, slug, why) in [
        (json!(["zed"]), "release", "member zed is not a seeded user"),
        (
            json!([]),
            "Release",
            "the slug lowercase letters, digits and hyphens",
        ),
    ] {
        let seed = json!({"users": [{"login": "alice"}],
                          "teams": [{"org": "acme", "slug": slug, "members": members}]});
        let err = Sandbox::start(Seed::from_json(&seed.to_string()).unwrap(), None)
            .await
            .err()
            .unwrap();
        assert!(format!("{err:#}").contains(why), "{err:#}");
    }
}
