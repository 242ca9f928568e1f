//! Branch protection: required status checks block merges until they pass.

use crate::sandbox_support;

use convoy::sandbox::{Sandbox, Seed};
use sandbox_support::{call, client, push};
use serde_json::json;

#[tokio::test]
async fn required_checks_block_merges() {
    let mut seed = Seed::demo();
    let web = seed
        .repos
        .iter_mut()
        .find(|r| r.name == "acme/web")
        .unwrap();
    web.required_checks
        .insert("main".into(), vec!["ci".into(), "convoy/e2e".into()]);
    let sandbox = Sandbox::start(seed, None).await.unwrap();
    let octo = client(&sandbox.url(), "t-bot");
    let branch = octo
        .repos("acme", "web")
        .branches()
        .get("main")
        .await
        .unwrap();
    assert!(branch.protected);
    let head = push(
        &octo,
        "acme/web",
        "feat/gated",
        json!({"g.txt": "g\n"}),
        "gated",
    )
    .await;
    let pulls = octo.pulls("acme", "web");
    let pr = pulls
        .create("Gated", "feat/gated", "main")
        .send()
        .await
        .unwrap();
    let raw = call(
        &octo,
        "GET",
        &format!("/repos/acme/web/pulls/{}", pr.number),
        None,
    )
    .await;
    assert_eq!(raw.body["mergeable"], true);
    assert_eq!(raw.body["mergeable_state"], "blocked");
    let msg = |e: octocrab::Error| match e {
        octocrab::Error::GitHub { source, .. } => (source.status_code.as_u16(), source.message),
        other => panic!("{other:?}"),
    };
    // Two required checks missing: GitHub counts them.
    let e = pulls.merge(pr.number).send().await.unwrap_err();
    assert_eq!(
        msg(e),
        (
            405,
            "2 of 2 required status checks are expected.".to_owned()
        )
    );

    let repos = octo.repos("acme", "web");
    repos
        .create_status(head.clone(), octocrab::models::StatusState::Failure)
        .context("ci".to_owned())
        .send()
        .await
        .unwrap();
    let e = pulls.merge(pr.number).send().await.unwrap_err();
    assert_eq!(
        msg(e),
        (405, "Required status check \"ci\" is failing.".to_owned())
    );
    repos
        .create_status(head.clone(), octocrab::models::StatusState::Success)
        .context("ci".to_owned())
        .send()
        .await
        .unwrap();
    let check = octo
        .checks("acme", "web")
        .create_check_run("convoy/e2e", head.clone())
        .send()
        .await
        .unwrap();
    let e = pulls.merge(pr.number).send().await.unwrap_err();
    assert_eq!(
        msg(e),
        (
            405,
            "Required status check \"convoy/e2e\" is in progress.".to_owned()
        )
    );
    octo.checks("acme", "web")
        .update_check_run(check.id)
        .conclusion(octocrab::params::checks::CheckRunConclusion::Success)
        .send()
        .await
        .unwrap();
    let raw = call(
        &octo,
        "GET",
        &format!("/repos/acme/web/pulls/{}", pr.number),
        None,
    )
    .await;
    assert_eq!(raw.body["mergeable_state"], "clean");
    assert!(pulls.merge(pr.number).send().await.unwrap().merged);
}
