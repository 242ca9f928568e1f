//! Commit statuses, the combined status of a ref, and check runs.

use crate::sandbox_support;

use octocrab::params::repos::{Commitish, Reference};
use sandbox_support::{call, client, push, shared};
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

/// As on GitHub, a status description is at most 140 characters (counted as characters, not
/// bytes): a longer one is refused with 422 and GitHub's words, and nothing is recorded.
#[tokio::test]
async fn a_status_description_over_140_characters_is_refused() {
    let octo = client(shared(), "t-bot");
    let sha = push(
        &octo,
        "acme/schema",
        "checks/long",
        json!({"l.txt": "l\n"}),
        "long descriptions",
    )
    .await;
    let path = format!("/repos/acme/schema/statuses/{sha}");
    let post = |description: String| {
        let octo = octo.clone();
        let path = path.clone();
        async move {
            call(
                &octo,
                "POST",
                &path,
                Some(json!({"state": "pending", "context": "convoy/long", "description": description})),
            )
            .await
        }
    };
    let at_limit = post("é".repeat(140)).await;
    assert_eq!(at_limit.status, 201, "{:#}", at_limit.body);
    let over = post("x".repeat(141)).await;
    assert_eq!(over.status, 422, "{:#}", over.body);
    assert_eq!(
        over.body["errors"][0]["message"], "description is too long (maximum is 140 characters)",
        "{:#}",
        over.body
    );
    let list = call(
        &octo,
        "GET",
        &format!("/repos/acme/schema/commits/{sha}/statuses"),
        None,
    )
    .await;
    let ours: Vec<_> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["context"] == "convoy/long")
        .collect();
    assert_eq!(ours.len(), 1, "only the accepted status: {ours:#?}");
}
