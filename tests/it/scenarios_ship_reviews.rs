//! `reviews.approve_ship` under `careful`: the staging → base pull requests open as soon as the
//! validation tiers pass, and approving reviews from approvers on all of them, at the staged
//! heads, open the ship gate — no `/convoy ship` needed. Reviews from someone who is not an
//! approver, or on another head, count for nothing.

use crate::scenario;

use convoy::model::history::HistoryEvent;
use convoy::model::manifest::{Gate, Phase, ReleaseManifest};
use scenario::{Scenario, pass, seed_with};
use serde_json::json;

/// The open staging → main pull request of each member, as `(repo, number, head sha)`.
async fn ship_pulls(s: &Scenario, m: &ReleaseManifest) -> Vec<(String, u64, String)> {
    let mut out = Vec::new();
    for r in &m.repos {
        let pulls = s
            .get(&format!("/repos/{}/pulls?state=open&base=main", r.name))
            .await;
        for p in pulls.as_array().into_iter().flatten() {
            if p["head"]["ref"] == "staging" {
                out.push((
                    r.name.to_string(),
                    p["number"].as_u64().unwrap(),
                    p["head"]["sha"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    out
}

async fn review(s: &Scenario, who: &str, repo: &str, number: u64, commit: &str) {
    let token = match who {
        "alice" => "t-alice",
        _ => "t-bob",
    };
    let client = convoy::demo::sandbox_client(&s.url, token).unwrap();
    client
        .post(
            &format!("/repos/{repo}/pulls/{number}/reviews"),
            &json!({"event": "APPROVE", "commit_id": commit}),
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_reviews_from_approvers_open_the_ship_gate() {
    let seed = seed_with(|c| c["reviews"] = json!({"approve_ship": true}), |_| {});
    let mut s = Scenario::start(seed).await;
    s.create("r1", "").await;
    s.drive_until("r1", Phase::Validation, pass).await;
    // The validation tiers pass; the gate's wait names the pull requests to approve.
    for _ in 0..8 {
        if s.waits("r1")
            .iter()
            .any(|(_, w)| w.contains("reviews.approve_ship") && w.contains("#"))
        {
            break;
        }
        s.finish_runs("r1", pass).await;
        s.tick().await;
    }
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation);
    let pulls = ship_pulls(&s, &m).await;
    assert_eq!(pulls.len(), m.repos.len(), "{pulls:#?}");
    for (repo, _, head) in &pulls {
        let r = m.repos.iter().find(|r| r.name.as_str() == repo).unwrap();
        assert_eq!(
            Some(head.as_str()),
            r.shas.staged.as_ref().map(|s| s.as_str())
        );
    }
    let wait = s
        .waits("r1")
        .into_iter()
        .find(|(_, w)| w.contains("reviews.approve_ship"))
        .unwrap()
        .1;
    for (repo, number, _) in &pulls {
        assert!(wait.contains(&format!("{repo}#{number}")), "{wait}");
    }

    // bob has write access but is no approver (the demo's approvers: alice, or admins).
    for (repo, number, head) in &pulls {
        review(&s, "bob", repo, *number, head).await;
    }
    // alice approves all but the last, and the last on another commit than its staged head.
    let (last, firsts) = pulls.split_last().unwrap();
    for (repo, number, head) in firsts {
        review(&s, "alice", repo, *number, head).await;
    }
    let base = s.head(&last.0, "main").await;
    review(&s, "alice", &last.0, last.1, &base).await;
    s.deliver().await;
    s.tick().await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Validation, "{:#?}", m.approvals);
    assert!(!m.approvals.iter().any(|a| a.gate == Gate::Ship));
    let wait = s
        .waits("r1")
        .into_iter()
        .find(|(_, w)| w.contains("reviews.approve_ship"))
        .unwrap()
        .1;
    assert!(wait.contains(&format!("{}#{}", last.0, last.1)), "{wait}");
    assert!(
        !wait.contains(&format!("{}#{}", firsts[0].0, firsts[0].1)),
        "{wait}"
    );

    // alice approves the last at its staged head: the gate opens, nobody said `/convoy ship`.
    review(&s, "alice", &last.0, last.1, &last.2).await;
    s.deliver().await;
    s.tick().await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    let ship = m
        .approvals
        .iter()
        .find(|a| a.gate == Gate::Ship)
        .expect("the ship gate was approved");
    assert_eq!(ship.by.as_str(), "alice");
    assert!(ship.via.starts_with("approving reviews: "), "{}", ship.via);
    for (repo, number, _) in &pulls {
        assert!(
            ship.via.contains(&format!("{repo}#{number} by alice")),
            "{}",
            ship.via
        );
    }
    assert!(
        m.history
            .iter()
            .any(|h| h.event == HistoryEvent::ReviewsApproved)
    );
    assert!(
        !m.history
            .iter()
            .any(|h| h.event == HistoryEvent::CommandShip)
    );
    // The pull requests approved are the ones that merged.
    for (repo, number, _) in &pulls {
        let r = m.repos.iter().find(|r| r.name.as_str() == repo).unwrap();
        assert_eq!(
            r.prs.ship,
            Some(convoy::model::numbers::PullNumber::new(*number))
        );
        assert_eq!(
            s.get(&format!("/repos/{repo}/pulls/{number}")).await["merged"],
            true
        );
    }
}
