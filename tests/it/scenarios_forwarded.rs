//! Events as GitHub delivers them: a comment on a promotion pull request happens in a member
//! repository, whose events reach only its own workflows. The member workflow forwards a hint
//! (`convoy.comment`: the repository and the comment's id) and convoy reads the comment — its
//! body and author — from GitHub. An approver's `/convoy approve` there is obeyed, anyone
//! else's refused with a reply; a forged hint naming a comment that does not exist, or one
//! that holds no command, changes nothing; nor does a tier result for a run convoy never
//! dispatched.

use crate::scenario;

use convoy::model::manifest::{Gate, Phase, ReleaseManifest};
use convoy::model::numbers::IssueNumber;
use scenario::{Scenario, pass};
use serde_json::json;

/// Drives the careful demo to its ship gate: validation passed, waiting for an approver.
async fn at_the_ship_gate(s: &mut Scenario) -> ReleaseManifest {
    s.create("r1", "").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    for _ in 0..8 {
        if s.waits("r1")
            .iter()
            .any(|(_, w)| w.contains("approve shipping"))
        {
            break;
        }
        s.finish_runs("r1", pass).await;
        s.tick().await;
    }
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation);
    assert!(
        s.waits("r1")
            .iter()
            .any(|(_, w)| w.contains("approve shipping")),
        "{:#?}",
        s.waits("r1")
    );
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_on_a_promotion_pull_request_reaches_convoy_through_the_member_workflow() {
    let mut s = Scenario::demo().await;
    let m = at_the_ship_gate(&mut s).await;
    let api = m
        .repos
        .iter()
        .find(|r| r.name.as_str() == "acme/api")
        .unwrap();
    let pr: IssueNumber = api.prs.staging.unwrap().into();

    // bob has write access but is no approver (the demo: alice, or admins).
    s.comment("acme/api", pr, "bob", "/convoy approve").await;
    let after = s.manifest("r1").await;
    assert_eq!(after.phase, Phase::Validation);
    assert!(!after.approvals.iter().any(|a| a.gate == Gate::Ship));
    let replies = s.comments("acme/api", pr).await;
    assert!(
        replies
            .iter()
            .any(|c| c.contains("@bob cannot approve") && c.contains("approver")),
        "{replies:#?}"
    );

    // alice's approval on the same pull request opens the gate.
    s.comment("acme/api", pr, "alice", "/convoy approve").await;
    let after = s.manifest("r1").await;
    let ship = after
        .approvals
        .iter()
        .find(|a| a.gate == Gate::Ship)
        .expect("alice approved shipping");
    assert_eq!(ship.by.as_str(), "alice");
    assert!(ship.via.contains("acme/api"), "{}", ship.via);
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_hint_changes_nothing() {
    let mut s = Scenario::demo().await;
    let m = at_the_ship_gate(&mut s).await;
    let pr: IssueNumber = m.repos[0].prs.staging.unwrap().into();
    let repo = m.repos[0].name.to_string();
    let forge = |payload: serde_json::Value| json!({"event_type": "convoy.comment", "client_payload": payload});
    // A comment that does not exist.
    s.bob
        .post(
            "/repos/acme/control/dispatches",
            &forge(json!({"repo": repo, "comment_id": 987_654})),
        )
        .await
        .unwrap();
    s.deliver().await;
    // A real comment of alice's that holds no command (a forger cannot make it say one).
    s.comment(&repo, pr, "alice", "Looks good to me.").await;
    let id = s
        .get(&format!("/repos/{repo}/issues/{pr}/comments"))
        .await
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|c| c["body"] == "Looks good to me.")
        .and_then(|c| c["id"].as_u64())
        .unwrap();
    s.bob
        .post(
            "/repos/acme/control/dispatches",
            &forge(json!({"repo": repo, "comment_id": id})),
        )
        .await
        .unwrap();
    s.deliver().await;
    let after = s.manifest("r1").await;
    assert_eq!(after.phase, Phase::Validation);
    assert!(!after.approvals.iter().any(|a| a.gate == Gate::Ship));
    assert_eq!(after.history, m.history, "nothing was recorded");
}

/// A forged tier result: a `convoy.tier-completed` naming a correlation id convoy never
/// dispatched changes nothing (no run of the release carries it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_tier_result_for_a_run_that_does_not_exist_changes_nothing() {
    let mut s = Scenario::demo().await;
    s.create("r1", "").await;
    let m = s.drive_until("r1", Phase::Staging, pass).await;
    assert_eq!(m.phase, Phase::Staging);
    s.bob
        .post(
            "/repos/acme/control/dispatches",
            &json!({"event_type": "convoy.tier-completed", "client_payload": {
                "release": "r1", "tier": "smoke", "correlation_id": "convoy-r1-smoke-forged",
                "run_id": "4242", "conclusion": "success"}}),
        )
        .await
        .unwrap();
    s.deliver().await;
    let after = s.manifest("r1").await;
    assert_eq!(after.phase, Phase::Staging);
    // No tier passed on the forged word, and no run was taken for it.
    assert!(
        !after.tier_runs.iter().any(|r| r.conclusion.is_some()),
        "{:#?}",
        after.tier_runs
    );
    assert!(
        !after
            .tier_runs
            .iter()
            .any(|r| r.run_id.is_some_and(|id| id.to_string() == "4242")),
        "{:#?}",
        after.tier_runs
    );
    assert!(
        !after
            .tier_runs
            .iter()
            .any(|r| r.correlation_id == "convoy-r1-smoke-forged"),
        "{:#?}",
        after.tier_runs
    );
}
