//! Commit statuses, the combined status of a ref, and check runs.

use crate::sandbox_support;

use octocrab::params::repos::{Commitish, Reference};
use sandbox_support::{client, push, shared};
use serde_json::json;

#[tokio::test]
async fn statuses_and_checks() {
    let octo = client(shared(), "t-bot");
    let sha = push(
        &octo,
        "acme/schema",
        "checks/x",
        json!({"c.txt": "c\n"}),
        "checks",
    )
    .await;
    let repos = octo.repos("acme", "schema");
    repos
        .create_status(sha.clone(), octocrab::models::StatusState::Pending)
        .context("convoy/e2e".to_owned())
        .send()
        .await
        .unwrap();
    let s = repos
        .create_status(sha.clone(), octocrab::models::StatusState::Success)
        .context("convoy/e2e".to_owned())
        .description("all good".to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(s.state, octocrab::models::StatusState::Success);
    let list = repos.list_statuses(sha.clone()).send().await.unwrap();
    assert_eq!(list.items.len(), 2);
    let combined = repos
        .combined_status_for_ref(&Reference::Branch("checks/x".into()))
        .await
        .unwrap();
    assert_eq!(combined.state, octocrab::models::StatusState::Success);
    assert_eq!(combined.total_count, 1);

    let checks = octo.checks("acme", "schema");
    let run = checks
        .create_check_run("convoy", sha.clone())
        .status(octocrab::params::checks::CheckRunStatus::InProgress)
        .send()
        .await
        .unwrap();
    let done = checks
        .update_check_run(run.id)
        .conclusion(octocrab::params::checks::CheckRunConclusion::Success)
        .send()
        .await
        .unwrap();
    assert_eq!(done.conclusion.as_deref(), Some("success"));
    let listed = checks
        .list_check_runs_for_git_ref(Commitish(sha.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, 1);
    assert_eq!(listed.check_runs[0].id, run.id);
    let fetched = checks.get_check_run(run.id).send().await.unwrap();
    assert_eq!(fetched.name, "convoy");
}
