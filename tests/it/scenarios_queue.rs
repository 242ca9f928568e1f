//! Shipping through each member's own merge queue, in dependency waves, through the sandbox:
//! where `main` requires a queue, convoy enqueues the promotion pull request (`merge-async`,
//! pinned to the validated SHA) instead of merging it, follows the request across runs, and a
//! dependent enqueues only once its dependencies merged. An ejection is retried once, then a
//! person is called with GitHub's reason; a rollback's reverts go through the queue too.

use crate::scenario;

use convoy::model::history::HistoryEvent;
use convoy::model::ids::RepoName;
use convoy::model::manifest::Phase;
use scenario::{Scenario, open_escalations, pass, seed_repo, seed_with};
use serde_json::{Value, json};

fn repo(name: &str) -> RepoName {
    RepoName::parse(name).unwrap()
}

/// The demo (acme/schema ← acme/api ← acme/web) with a merge queue on acme/api's and
/// acme/web's `main`, each requiring `ci`.
fn queued_seed() -> convoy::sandbox::Seed {
    seed_with(
        |_| {},
        |s| {
            for name in ["acme/api", "acme/web"] {
                seed_repo(s, name)["protection"] =
                    json!({"main": {"merge_queue": true, "required_checks": ["ci"]}});
            }
        },
    )
}

/// The sandbox's request log, as `METHOD path` lines.
async fn request_log(s: &Scenario) -> Vec<String> {
    let log: Value = s.get("/_sandbox/requests").await;
    log.as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap_or_default(),
                r["path"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

fn position(log: &[String], pred: impl Fn(&str) -> bool) -> Option<usize> {
    log.iter().position(|l| pred(l))
}

/// Two of three members require a merge queue: the release ships through both queues, in
/// dependency order, pinned to the validated SHAs, with no plain merge request on those repos;
/// a rollback then reverts through the queues too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_ship_through_their_queues_in_dependency_order() {
    let mut s = Scenario::start(queued_seed()).await;
    s.merge_group_ci = Some(Box::new(|_| Some("success")));
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r1"));
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
    assert!(open_escalations(&m).is_empty(), "{:#?}", m.escalations);

    let log = request_log(&s).await;
    for name in ["acme/api", "acme/web"] {
        let r = m.repo(&repo(name)).unwrap();
        assert_eq!(r.merge_queue.len(), 1, "{name}: {:?}", r.merge_queue);
        assert_eq!(r.merge_queue[0].as_str(), "main");
        assert!(r.queued.is_none(), "{name}: {:?}", r.queued);
        let ship = r.prs.ship.unwrap();
        // No plain merge of the ship pull request: it went through the queue.
        assert!(
            !log.iter()
                .any(|l| l == &format!("PUT /repos/{name}/pulls/{ship}/merge")),
            "{name}: {log:#?}"
        );
        assert!(
            log.iter()
                .any(|l| l == &format!("PUT /repos/{name}/pulls/{ship}/merge-async")),
            "{name}: {log:#?}"
        );
        // What merged is the validated head, landed by the queue's group commit.
        let pull = s.pull(name, ship).await;
        assert_eq!(pull["merged"], true);
        assert_eq!(
            pull["head"]["sha"].as_str(),
            r.shas.staged.as_ref().map(|x| x.as_str())
        );
        assert_eq!(
            pull["merge_commit_sha"].as_str(),
            r.shas.shipped.as_ref().map(|x| x.as_str())
        );
        assert_eq!(
            s.head(name, "main").await,
            r.shas.shipped.as_ref().unwrap().as_str()
        );
    }
    // acme/schema has no queue: a plain merge.
    let schema = m.repo(&repo("acme/schema")).unwrap();
    assert!(schema.merge_queue.is_empty());
    let schema_ship = schema.prs.ship.unwrap();
    assert!(log.contains(&format!("PUT /repos/acme/schema/pulls/{schema_ship}/merge")));
    // Waves: acme/web was enqueued only after acme/api's group merged (the status that merged
    // it came first), and acme/api only after acme/schema merged.
    let api_ship = m.repo(&repo("acme/api")).unwrap().prs.ship.unwrap();
    let web_ship = m.repo(&repo("acme/web")).unwrap().prs.ship.unwrap();
    let schema_merged = position(&log, |l| {
        l == format!("PUT /repos/acme/schema/pulls/{schema_ship}/merge")
    })
    .unwrap();
    let api_enqueued = position(&log, |l| {
        l == format!("PUT /repos/acme/api/pulls/{api_ship}/merge-async")
    })
    .unwrap();
    let web_enqueued = position(&log, |l| {
        l == format!("PUT /repos/acme/web/pulls/{web_ship}/merge-async")
    })
    .unwrap();
    assert!(schema_merged < api_enqueued, "{log:#?}");
    let api_group_status = log
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("POST /repos/acme/api/statuses/"))
        .map(|(i, _)| i)
        .filter(|i| *i > api_enqueued)
        .min()
        .unwrap();
    assert!(api_group_status < web_enqueued, "{log:#?}");
    let merged_order: Vec<String> = m
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::RepoMerged)
        .map(|h| h.detail.clone())
        .collect();
    let at = |name: &str| merged_order.iter().position(|d| d.contains(name)).unwrap();
    assert!(at("acme/schema") < at("acme/api") && at("acme/api") < at("acme/web"));

    // A rollback after shipping: the reverts of acme/api and acme/web go through their queues.
    s.dispatch("alice", "rollback", "r1", "").await;
    let m = s.drive_until("r1", Phase::RolledBack, pass).await;
    for _ in 0..6 {
        s.tick().await;
    }
    let m2 = s.manifest("r1").await;
    assert_eq!(m2.phase, Phase::RolledBack, "{:#?}", s.waits("r1"));
    let log = request_log(&s).await;
    for name in ["acme/api", "acme/web"] {
        let shipped = m.repo(&repo(name)).unwrap().shas.shipped.clone().unwrap();
        let main = s.head(name, "main").await;
        assert_ne!(
            main,
            shipped.as_str(),
            "{name}'s main still holds the release"
        );
        let reverts: Vec<&String> = log
            .iter()
            .filter(|l| {
                l.starts_with(&format!("PUT /repos/{name}/pulls/")) && l.ends_with("/merge-async")
            })
            .filter(|l| {
                !l.contains(&format!(
                    "/pulls/{}/",
                    m.repo(&repo(name)).unwrap().prs.ship.unwrap()
                ))
            })
            .collect();
        assert!(
            !reverts.is_empty(),
            "{name}: the revert went through the queue: {log:#?}"
        );
    }
    assert!(
        m2.history
            .iter()
            .any(|h| h.event == HistoryEvent::RepoReverted),
        "{:#?}",
        m2.history
    );
}

/// A failing check on acme/api's merge group ejects its pull request: convoy enqueues it once
/// more, then calls a person with GitHub's reason (no rollback, nothing else merges after it);
/// once the check passes, `/convoy retry` puts it back and the release ships.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ejection_is_retried_once_then_escalated_with_githubs_reason() {
    let mut s = Scenario::start(queued_seed()).await;
    s.merge_group_ci = Some(Box::new(|g| {
        Some(if g.repo == "acme/api" {
            "failure"
        } else {
            "success"
        })
    }));
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Shipping, pass).await;
    for _ in 0..8 {
        s.tick().await;
        if !open_escalations(&s.manifest("r1").await).is_empty() {
            break;
        }
    }
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Shipping);
    let ejections: Vec<&String> = m
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::QueueEjected)
        .map(|h| &h.detail)
        .collect();
    assert_eq!(ejections.len(), 2, "{ejections:#?}");
    let calls = open_escalations(&m);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert!(
        calls[0].contains("Required status check \\\"ci\\\" failed in the merge queue.")
            || calls[0].contains("Required status check \"ci\" failed in the merge queue."),
        "{}",
        calls[0]
    );
    assert!(calls[0].contains("`/convoy retry`"), "{}", calls[0]);
    assert!(!calls[0].contains("retries by itself"), "{}", calls[0]);
    let api = m.repo(&repo("acme/api")).unwrap();
    assert!(api.shas.shipped.is_none());
    assert!(m.repo(&repo("acme/web")).unwrap().shas.shipped.is_none());
    assert_eq!(api.queued.as_ref().map(|q| q.ejections), Some(2));
    // Still escalated, not enqueued a third time, on later runs.
    let enqueues = |log: &[String]| {
        log.iter()
            .filter(|l| l.starts_with("PUT /repos/acme/api/pulls/") && l.ends_with("/merge-async"))
            .count()
    };
    let before = enqueues(&request_log(&s).await);
    s.tick().await;
    assert_eq!(enqueues(&request_log(&s).await), before);

    // The check is fixed; `/convoy retry` puts it back in the queue and the release ships.
    s.merge_group_ci = Some(Box::new(|_| Some("success")));
    s.say("r1", "alice", "/convoy retry").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r1"));
    assert!(open_escalations(&m).is_empty(), "{:#?}", m.escalations);
    assert!(
        m.history
            .iter()
            .any(|h| h.event == HistoryEvent::CommandRetry)
    );
}

/// acme/api's `staging` takes changes only through a merge queue: its RC → staging pull request
/// is enqueued, pinned to the RC head, and the release stages, validates and ships.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promotion_into_a_queued_staging_goes_through_its_queue() {
    let seed = seed_with(
        |_| {},
        |s| {
            seed_repo(s, "acme/api")["protection"] =
                json!({"staging": {"merge_queue": true, "required_checks": ["ci"]}});
        },
    );
    let mut s = Scenario::start(seed).await;
    s.merge_group_ci = Some(Box::new(|_| Some("success")));
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r1"));
    assert!(open_escalations(&m).is_empty(), "{:#?}", m.escalations);
    let api = m.repo(&repo("acme/api")).unwrap();
    assert_eq!(api.merge_queue.len(), 1);
    assert_eq!(api.merge_queue[0].as_str(), "staging");
    let staging_pr = api.prs.staging.unwrap();
    let log = request_log(&s).await;
    assert!(
        log.contains(&format!(
            "PUT /repos/acme/api/pulls/{staging_pr}/merge-async"
        )),
        "{log:#?}"
    );
    assert!(
        !log.contains(&format!("PUT /repos/acme/api/pulls/{staging_pr}/merge")),
        "{log:#?}"
    );
    let pull = s.pull("acme/api", staging_pr).await;
    assert_eq!(pull["merged"], true);
    assert_eq!(
        pull["head"]["sha"].as_str(),
        api.shas.rc_head.as_ref().map(|x| x.as_str())
    );
}
