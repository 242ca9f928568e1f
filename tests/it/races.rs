//! Races: several `convoy run`s on one release at once. Every event of a whole release is
//! handled by three runs concurrently (each with its own client, as separate workflow runs
//! would be). Compare-and-swap on the manifest and looking before acting must make that
//! equivalent to one run: no lost manifest update, no duplicated side effect.

use crate::scenario;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use convoy::lifecycle::action::{Action, ActionOutcome};
use convoy::model::history::HistoryEvent;
use convoy::model::manifest::Phase;
use scenario::invariants::{MEMBERS, invariants};
use scenario::{Scenario, pass};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_runs_at_once_lose_nothing_and_duplicate_nothing() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    s.racers = 3;
    let last = Arc::new(Mutex::new(Vec::new()));
    s.after_run = Some(Box::new(move |s: &Scenario| {
        let last = last.clone();
        Box::pin(async move { invariants(s, &last).await })
    }));
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert!(s.failures.is_empty(), "{:#?}", s.failures);

    // No lost update: every side effect a run carried out is in the final manifest.
    for e in s.runs.iter().flat_map(|r| &r.executed) {
        if !matches!(e.outcome, ActionOutcome::Done { .. }) {
            continue;
        }
        match &e.planned.action {
            Action::DispatchWorkflow { correlation_id, .. } => assert!(
                m.tier_runs
                    .iter()
                    .any(|r| &r.correlation_id == correlation_id)
                    && m.history
                        .iter()
                        .any(|h| h.event == HistoryEvent::RunDispatched
                            && h.to.as_deref() == Some(correlation_id.as_str())),
                "dispatch {correlation_id} is not recorded"
            ),
            Action::MergePullRequest { repo, number, .. } => {
                let r = m.repo(repo).unwrap();
                assert!(
                    r.prs.staging == Some(*number) || r.prs.ship == Some(*number),
                    "{repo}#{number} merged but not recorded: {:?}",
                    r.prs
                );
            }
            _ => {}
        }
    }
    // No duplicated side effect: one pull request per promotion, one comment per marker.
    for repo in MEMBERS {
        let all = s
            .get(&format!("/repos/{repo}/pulls?state=all&per_page=100"))
            .await;
        let mut per: BTreeMap<(String, String), u32> = BTreeMap::new();
        for p in all.as_array().unwrap() {
            let head = p["head"]["ref"].as_str().unwrap().to_owned();
            if head.starts_with("rc/") || head == "staging" {
                *per.entry((head, p["base"]["ref"].as_str().unwrap().to_owned()))
                    .or_default() += 1;
            }
        }
        assert_eq!(per.len(), 2, "{repo}: {per:?}");
        assert!(per.values().all(|n| *n == 1), "{repo}: {per:?}");
    }
    let issue = m.tracking_issue.unwrap();
    let mut markers: BTreeMap<String, u32> = BTreeMap::new();
    for body in s.comments("acme/control", issue).await {
        if let Some(marker) = body
            .strip_prefix("<!-- ")
            .and_then(|b| b.split_once(" -->"))
        {
            *markers.entry(marker.0.to_owned()).or_default() += 1;
        }
    }
    assert!(markers.values().all(|n| *n == 1), "{markers:?}");
    let issues = s
        .get("/repos/acme/control/issues?state=all&per_page=100")
        .await;
    let tracking = issues
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            i["title"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Release r1")
        })
        .count();
    assert_eq!(tracking, 1, "one tracking issue");
    eprintln!(
        "{} racing runs; {} lost every compare-and-swap",
        s.started,
        s.errors.len()
    );
}
