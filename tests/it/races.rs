//! Races: several `convoy run`s at once. Every event of two releases over the same three repos
//! (one waits for staging while the other holds it) is handled by four runs concurrently (each
//! with its own client, as separate workflow runs would be). Compare-and-swap on the manifest
//! and looking before acting must make that equivalent to one run: no lost manifest update, no
//! duplicated side effect, and the invariants (staging held by one release at a time among
//! them) hold after every event.

use crate::scenario;

use std::collections::BTreeMap;
use std::sync::Arc;

use convoy::lifecycle::action::{Action, ActionOutcome};
use convoy::model::history::HistoryEvent;
use convoy::model::manifest::Phase;
use scenario::invariants::{MEMBERS, Seen, invariants};
use scenario::{Scenario, add_sprint_42, pass, seed_with};

/// The demo plus Sprint 42, one issue per member, for the second release.
fn two_sprints() -> convoy::sandbox::Seed {
    seed_with(
        |_| {},
        |s| {
            add_sprint_42(s);
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_runs_at_once_across_two_releases_lose_nothing_and_duplicate_nothing() {
    let mut s = Scenario::start(two_sprints()).await;
    s.create("r1", "directive=auto").await;
    s.create("r2", "directive=auto sprints=\"Sprint 42\"").await;
    s.racers = 4;
    let last = Arc::new(Seen::default());
    s.after_run = Some(Box::new(move |s: &Scenario| {
        let last = last.clone();
        Box::pin(async move { invariants(s, &last).await })
    }));
    let ms = s
        .drive_all(&[("r1", Phase::Shipped), ("r2", Phase::Shipped)], pass)
        .await;
    for m in &ms {
        assert_eq!(m.phase, Phase::Shipped, "{}", m.id);
    }
    assert!(s.failures.is_empty(), "{:#?}", s.failures);

    // No lost update: every side effect a run carried out is in its release's final manifest.
    for run in &s.runs {
        let m = ms.iter().find(|m| m.id == run.release).unwrap();
        for e in &run.executed {
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
                        "{}: {repo}#{number} merged but not recorded: {:?}",
                        m.id,
                        r.prs
                    );
                }
                _ => {}
            }
        }
    }
    // No duplicated side effect: one pull request per promotion (staging → main once per
    // release), one comment per marker, one tracking issue per release.
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
        let want: BTreeMap<(String, String), u32> = [
            (("rc/r1", "staging"), 1),
            (("rc/r2", "staging"), 1),
            (("staging", "main"), 2),
        ]
        .into_iter()
        .map(|((h, b), n)| ((h.to_owned(), b.to_owned()), n))
        .collect();
        assert_eq!(per, want, "{repo}");
    }
    for m in &ms {
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
        assert!(markers.values().all(|n| *n == 1), "{}: {markers:?}", m.id);
    }
    let issues = s
        .get("/repos/acme/control/issues?state=all&per_page=100")
        .await;
    for id in ["r1", "r2"] {
        let tracking = issues
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| {
                i["title"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with(&format!("Release {id}"))
            })
            .count();
        assert_eq!(tracking, 1, "one tracking issue for {id}");
    }
    eprintln!(
        "{} racing runs (4 per event, 2 releases); {} lost every compare-and-swap",
        s.started,
        s.errors.len()
    );
}
