//! Deployments through the sandbox: with `deployments` in `convoy.json`, each member repo's
//! environments page follows the release — the staged SHA in `staging` (in progress while the
//! tiers run, failure when one fails on it, success once shipped), the shipped merge in
//! `production` (in progress, then success), both inactive after a rollback — and a token
//! without the `deployments` permission changes nothing but a recorded refusal.

use std::sync::{Arc, Mutex};

use crate::sandbox_conformance::apps::test_app;
use crate::scenario::{Scenario, pass, seed_with};
use crate::scenarios_owners::as_app;

use convoy::model::deployment::Stage;
use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Phase, ReleaseManifest};
use serde_json::{Value, json};

async fn with_deployments() -> Scenario {
    Scenario::start(seed_with(
        |c| c["deployments"] = json!({"production": "prod"}),
        |_| {},
    ))
    .await
}

/// The deployments of `repo` (newest first) as (environment, sha, id).
async fn deployments(s: &Scenario, repo: &str) -> Vec<(String, String, u64)> {
    let list = s.get(&format!("/repos/{repo}/deployments")).await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["environment"].as_str().unwrap().to_owned(),
                d["sha"].as_str().unwrap().to_owned(),
                d["id"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The states of a deployment's statuses, oldest first.
async fn states(s: &Scenario, repo: &str, id: u64) -> Vec<String> {
    let list = s
        .get(&format!("/repos/{repo}/deployments/{id}/statuses"))
        .await;
    let mut out: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|st| st["state"].as_str().unwrap().to_owned())
        .collect();
    out.reverse();
    out
}

/// The one deployment of `repo` in `environment`: (sha, id).
async fn the_one(s: &Scenario, repo: &str, environment: &str) -> (String, u64) {
    let all = deployments(s, repo).await;
    let mine: Vec<_> = all.iter().filter(|d| d.0 == environment).collect();
    assert_eq!(mine.len(), 1, "{repo}: {all:#?}");
    (mine[0].1.clone(), mine[0].2)
}

fn members(m: &ReleaseManifest) -> Vec<String> {
    m.repos.iter().map(|r| r.name.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_follow_a_release_through_shipping_and_rollback() {
    let mut s = with_deployments().await;
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r1"));
    // A few scheduled runs more change nothing on the deployments.
    for _ in 0..2 {
        s.tick().await;
    }
    let m = s.manifest("r1").await;
    let issue = m.tracking_issue.unwrap();
    for name in members(&m) {
        let r = m.repo(&name.parse().unwrap()).unwrap();
        let (staged, sid) = the_one(&s, &name, "staging").await;
        let (shipped, pid) = the_one(&s, &name, "prod").await;
        assert_eq!(
            Some(staged.as_str()),
            r.shas.staged.as_ref().map(|x| x.as_str())
        );
        assert_eq!(
            Some(shipped.as_str()),
            r.shas.shipped.as_ref().map(|x| x.as_str())
        );
        assert_eq!(
            states(&s, &name, sid).await,
            ["in_progress", "success"],
            "{name}"
        );
        assert_eq!(
            states(&s, &name, pid).await,
            ["in_progress", "success"],
            "{name}"
        );
        let d = s.get(&format!("/repos/{name}/deployments/{pid}")).await;
        assert_eq!(d["production_environment"], true);
        assert_eq!(d["payload"]["convoy_release"], "r1");
        let latest = &s
            .get(&format!("/repos/{name}/deployments/{pid}/statuses"))
            .await[0];
        assert!(
            latest["log_url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/acme/control/issues/{issue}")),
            "{latest}"
        );
        assert_eq!(latest["description"], "Release r1 shipped as vr1");
        let envs = s.get(&format!("/repos/{name}/environments")).await;
        let names: Vec<&str> = envs["environments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"staging") && names.contains(&"prod"),
            "{names:?}"
        );
        assert!(r.deployments.iter().all(|x| x.reported && x.id.is_some()));
    }

    s.dispatch("alice", "rollback", "r1", "").await;
    for _ in 0..8 {
        s.tick().await;
    }
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::RolledBack);
    for name in members(&m) {
        let (_, sid) = the_one(&s, &name, "staging").await;
        let (_, pid) = the_one(&s, &name, "prod").await;
        let staging = states(&s, &name, sid).await;
        let production = states(&s, &name, pid).await;
        assert_eq!(staging.last().unwrap(), "inactive", "{name}: {staging:?}");
        assert_eq!(
            production.last().unwrap(),
            "inactive",
            "{name}: {production:?}"
        );
        assert_eq!(production.len(), 3, "{name}: {production:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_tier_marks_the_staged_deployment_failed() {
    let mut s = with_deployments().await;
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Validation, pass).await;
    let failing = |_: &convoy::model::manifest::TierRun| Some("failure");
    for _ in 0..4 {
        s.finish_runs("r1", failing).await;
        s.tick().await;
    }
    let after = s.manifest("r1").await;
    assert!(after.phase.is_active());
    for name in members(&m) {
        let (_, sid) = the_one(&s, &name, "staging").await;
        let st = states(&s, &name, sid).await;
        assert_eq!(st.last().unwrap(), "failure", "{name}: {st:?}");
        assert!(!deployments(&s, &name).await.iter().any(|d| d.0 == "prod"));
    }
    let records: Vec<_> = after.repos.iter().flat_map(|r| &r.deployments).collect();
    assert!(records.iter().all(|x| x.stage == Stage::Staging));
}

/// The fixture App without the `deployments` permission: GitHub answers 403 "Resource not
/// accessible by integration"; convoy records the refusal once per deployment and ships.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_permission_the_release_ships_and_records_the_refusal() {
    let seed = seed_with(
        |c| c["deployments"] = json!({}),
        |s| {
            let mut app = serde_json::to_value(test_app()).unwrap();
            app["permissions"]
                .as_object_mut()
                .unwrap()
                .remove("deployments");
            s["apps"] = json!([app]);
        },
    );
    let mut s = Scenario::start(seed).await;
    // Each run connects as the App; `runs` gets one mint counter per run.
    let runs = Arc::new(Mutex::new(Vec::new()));
    s.connect = Some(as_app(runs.clone()));
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert!(
        !runs.lock().unwrap().is_empty(),
        "the runs acted as the App"
    );
    let refused: Vec<&str> = m
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::DeploymentRefused)
        .map(|h| h.detail.as_str())
        .collect();
    // One refusal per deployment convoy tried: each repo's staged SHA (whose later statuses are
    // not sent) and its shipped merge.
    assert_eq!(refused.len(), 2 * m.repos.len(), "{refused:#?}");
    assert!(
        refused
            .iter()
            .all(|d| d.contains("Resource not accessible by integration")
                && d.contains("Deployments: write")),
        "{refused:#?}"
    );
    for r in &m.repos {
        let list: Value = s.get(&format!("/repos/{}/deployments", r.name)).await;
        assert_eq!(list.as_array().unwrap().len(), 0);
    }
}
