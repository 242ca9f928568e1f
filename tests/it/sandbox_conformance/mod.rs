//! Conformance: every body the sandbox returns for the endpoints it serves validates against
//! that operation's response schema in GitHub's OpenAPI description, and every request body it
//! accepts against the request schema. Schemas: `tests/fixtures/openapi/github-subset.json`
//! (made by `scripts/extract-openapi.py`).
//!
//! `checker` holds the checker; the other modules hold the phases of the one walk through the
//! API that `responses_and_requests_match_github_openapi` makes, in order.

pub(crate) mod apps;
mod checker;
mod ci;
mod deployments;
mod issues;
mod protected;
mod pulls;
mod repos;

use crate::sandbox_support;

use std::collections::{BTreeMap, BTreeSet};

use convoy::sandbox::{Sandbox, Seed};
use sandbox_support::client;
use serde_json::{Value, json};

use checker::{Checker, SUBSET};

#[tokio::test]
async fn responses_and_requests_match_github_openapi() {
    let mut seed = Seed::demo();
    let api = seed
        .repos
        .iter_mut()
        .find(|r| r.name == "acme/api")
        .unwrap();
    api.branches.insert("prod".into(), "main".into());
    api.protection.insert(
        "prod".into(),
        convoy::sandbox::protection::BranchProtection {
            required_checks: vec!["ci".into()],
            strict: true,
            required_approving_reviews: 1,
            linear_history: true,
            ..Default::default()
        },
    );
    api.branches.insert("queue".into(), "main".into());
    api.protection.insert(
        "queue".into(),
        convoy::sandbox::protection::BranchProtection {
            required_checks: vec!["ci".into()],
            merge_queue: true,
            ..Default::default()
        },
    );
    seed.teams.push(convoy::sandbox::seed::SeedTeam {
        org: "acme".into(),
        slug: "release".into(),
        name: Some("Release".into()),
        description: Some("Ships releases".into()),
        members: vec!["alice".into()],
        permission: convoy::sandbox::seed::Permission::Write,
    });
    // The fixture App, allowed to deploy (`deployments` checks the App's permission).
    let mut app = apps::test_app();
    app.permissions.insert(
        "deployments".into(),
        convoy::sandbox::seed::AccessLevel::Write,
    );
    seed.apps.push(app);
    let sandbox = Sandbox::start(seed, None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let spec: Value = serde_json::from_str(SUBSET).unwrap();
    let mut c = Checker {
        spec,
        octo: octo.clone(),
        covered: BTreeSet::new(),
        failures: Vec::new(),
    };
    let r = "/repos/acme/api";

    let main_sha = repos::refs(&mut c, r).await;
    let head_sha = repos::contents_and_commits(&mut c, r, &main_sha).await;
    let n = pulls::pulls_and_merges(&mut c, r, &main_sha, &head_sha).await;
    ci::actions(&mut c, r).await;
    ci::statuses_and_checks(&mut c, r, &head_sha).await;
    issues::issues_and_comments(&mut c, r, n).await;
    repos::collaborators_and_releases(&mut c, r).await;
    protected::protection_and_reviews(&mut c, r).await;
    protected::merge_queue(&mut c, r).await;
    apps::apps(&mut c, &sandbox.url()).await;
    deployments::deployments(&mut c, &sandbox.url()).await;

    let all: BTreeSet<String> = c.spec["operations"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let missing: Vec<_> = all.difference(&c.covered).collect();
    assert!(
        missing.is_empty(),
        "operations never exercised: {missing:?}"
    );
    assert!(
        c.failures.is_empty(),
        "{} conformance failures:\n{}",
        c.failures.len(),
        c.failures.join("\n")
    );
}

#[test]
fn the_checker_is_not_vacuous() {
    // A pull request without `number` and with a string `id` must fail; so must a bad date.
    let spec: Value = serde_json::from_str(SUBSET).unwrap();
    let schema = spec["operations"]["pulls/get"]["responses"]["200"].clone();
    let root = json!({"definitions": spec["definitions"], "allOf": [schema]});
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&root)
        .unwrap();
    assert!(!v.is_valid(&json!({"id": "x"})));
    let schema = spec["operations"]["git/get-ref"]["responses"]["200"].clone();
    let root = json!({"definitions": spec["definitions"], "allOf": [schema]});
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&root)
        .unwrap();
    let good = json!({"ref": "refs/heads/main", "node_id": "x", "url": "http://h/r",
                      "object": {"type": "commit", "sha": "a".repeat(40), "url": "http://h/c"}});
    assert!(v.is_valid(&good));
    let mut bad = good.clone();
    bad["object"]["sha"] = json!(1);
    assert!(!v.is_valid(&bad));
    let ops: BTreeMap<String, Value> = serde_json::from_value(spec["operations"].clone()).unwrap();
    assert_eq!(ops.len(), 65);
}
