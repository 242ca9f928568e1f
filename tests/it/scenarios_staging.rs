//! A release in a protected organisation, through the sandbox: staging deleted after shipping
//! ("automatically delete head branches") or protected (ref updates refused), repository names
//! written in another case than GitHub's, and `convoy/release` on promotion pull requests.

use crate::scenario;

use convoy::model::history::HistoryEvent;
use convoy::model::ids::RepoName;
use convoy::model::manifest::Phase;
use scenario::{Scenario, pass, seed_repo, seed_with};
use serde_json::json;

fn repo(name: &str) -> RepoName {
    RepoName::parse(name).unwrap()
}

/// `convoy.json` names acme/api `Acme/API` (and web depends on `Acme/API`); GitHub answers
/// with the canonical `acme/api`. convoy knows its own pull requests and ships.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_whose_config_writes_another_case_ships() {
    let seed = seed_with(
        |c| {
            c["repos"] = json!([
                {"name": "acme/schema"},
                {"name": "Acme/API", "depends_on": ["acme/schema"]},
                {"name": "acme/web", "depends_on": ["Acme/API"]}
            ]);
        },
        |_| {},
    );
    let mut s = Scenario::start(seed).await;
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r1"));
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
    let api = m.repo(&repo("acme/api")).unwrap();
    assert_eq!(
        api.name.as_str(),
        "Acme/API",
        "the manifest keeps the config's spelling"
    );
    let open = s.get("/repos/acme/api/pulls?state=open").await;
    assert_eq!(open.as_array().map(Vec::len), Some(0), "{open:#?}");
    let all = s.get("/repos/acme/api/pulls?state=all&per_page=100").await;
    let promotions: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["title"].as_str())
        .filter(|t| t.starts_with("convoy r1: promote"))
        .collect();
    assert_eq!(
        promotions.len(),
        2,
        "one pull request per step: {promotions:#?}"
    );
    assert!(
        s.file("acme/api", "src/r1-task-12.txt", "main")
            .await
            .is_some()
    );
}

/// The latest `convoy/release` status on `sha`: (state, description).
async fn release_status(s: &Scenario, member: &str, sha: &str) -> Option<(String, String)> {
    let list = s
        .get(&format!("/repos/{member}/commits/{sha}/statuses"))
        .await;
    list.as_array()?
        .iter()
        .find(|st| st["context"] == "convoy/release")
        .map(|st| {
            (
                st["state"].as_str().unwrap_or_default().to_owned(),
                st["description"].as_str().unwrap_or_default().to_owned(),
            )
        })
}

/// acme/api's main requires `ci/build`, which has not reported: GitHub does not merge api's ship
/// pull request. acme/web depends on api: its ship pull request shows `convoy/release` pending,
/// naming api, never success, so nobody merges it out of order; once api merges, web's turns
/// success and convoy merges it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependents_release_status_stays_pending_until_its_dependency_merged() {
    let seed = seed_with(
        |_| {},
        |s| seed_repo(s, "acme/api")["required_checks"] = json!({"main": ["ci/build"]}),
    );
    let mut s = Scenario::start(seed).await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Shipping, pass).await;
    s.tick().await;
    s.tick().await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Shipping);
    assert!(m.repo(&repo("acme/api")).unwrap().shas.shipped.is_none());
    let web = m.repo(&repo("acme/web")).unwrap();
    assert!(web.shas.shipped.is_none());
    let web_pin = web.shas.staged.clone().unwrap();
    let (state, description) = release_status(&s, "acme/web", web_pin.as_str())
        .await
        .expect("web's ship pull request has a convoy/release status");
    assert_eq!(state, "pending", "{description}");
    assert!(description.contains("acme/api"), "{description}");
    let pr = web.prs.ship.expect("web's ship pull request is open");
    let raw = s.pull("acme/web", pr).await;
    assert_eq!(raw["merged"], false);

    let api_pin = m
        .repo(&repo("acme/api"))
        .unwrap()
        .shas
        .staged
        .clone()
        .unwrap();
    s.bob
        .post(
            &format!("/repos/acme/api/statuses/{}", api_pin.as_str()),
            &json!({"state": "success", "context": "ci/build"}),
        )
        .await
        .unwrap();
    s.deliver().await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r1"));
    let (state, description) = release_status(&s, "acme/web", web_pin.as_str())
        .await
        .unwrap();
    assert_eq!(state, "success", "{description}");
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

const MEMBERS: [&str; 3] = ["acme/schema", "acme/api", "acme/web"];

/// Whether `branch` exists in `repo`.
async fn branch_exists(s: &Scenario, repo: &str, branch: &str) -> bool {
    s.bot
        .get_opt(&format!("/repos/{repo}/branches/{branch}"))
        .await
        .unwrap()
        .is_some()
}

/// Every member deletes head branches after a merge: each `staging` is gone once its staging →
/// main pull request merged. The release ships anyway (shipped is the base holding the
/// validated merge), and the next release creates staging again from main and ships too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_staging_does_not_hold_shipping_and_the_next_release_recreates_it() {
    let seed = seed_with(
        |_| {},
        |s| {
            for m in MEMBERS {
                seed_repo(s, m)["settings"] = json!({"delete_branch_on_merge": true});
            }
        },
    );
    let mut s = Scenario::start(seed).await;
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r1"));
    for r in MEMBERS {
        assert!(
            !branch_exists(&s, r, "staging").await,
            "{r} staging deleted"
        );
        let shipped = m.repo(&repo(r)).unwrap().shas.shipped.clone().unwrap();
        assert_eq!(s.head(r, "main").await, shipped.as_str(), "{r}");
    }

    // r1 closed its tasks' issues as it shipped: r2 takes the same work again by name.
    s.create(
        "r2",
        "directive=auto tasks=acme/schema#3,acme/api#12,acme/web#7",
    )
    .await;
    let m = s.drive_until("r2", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r2"));
    for (r, n) in [("acme/schema", 3), ("acme/api", 12), ("acme/web", 7)] {
        let file = format!("src/r2-task-{n}.txt");
        assert!(
            s.file(r, &file, "main").await.is_some(),
            "{r} main has {file}"
        );
    }
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// acme/api's `staging` takes changes only through pull requests: the fast-forward after the
/// ship is refused ("Changes must be made through a pull request."). convoy records it
/// (`staging_kept`) instead of waiting for it, the release ships, and the next release's RC →
/// staging pull request brings staging up to date and ships too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_staging_does_not_hold_shipping_and_the_next_release_ships_through_it() {
    let seed = seed_with(
        |_| {},
        |s| {
            seed_repo(s, "acme/api")["protection"] =
                json!({"staging": {"pull_request_only": true}});
        },
    );
    let mut s = Scenario::start(seed).await;
    s.create("r1", "directive=auto").await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r1"));
    let kept: Vec<_> = m
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::StagingKept)
        .collect();
    assert_eq!(kept.len(), 1, "{kept:#?}");
    assert_eq!(kept[0].to.as_deref(), Some("acme/api"));
    assert!(
        kept[0]
            .detail
            .contains("Changes must be made through a pull request."),
        "{}",
        kept[0].detail
    );
    let api = m.repo(&repo("acme/api")).unwrap();
    let shipped = api.shas.shipped.clone().unwrap();
    assert_eq!(s.head("acme/api", "main").await, shipped.as_str());
    assert_ne!(s.head("acme/api", "staging").await, shipped.as_str());
    // The other members' staging followed the shipped merge as before.
    for r in ["acme/schema", "acme/web"] {
        let shipped = m.repo(&repo(r)).unwrap().shas.shipped.clone().unwrap();
        assert_eq!(s.head(r, "staging").await, shipped.as_str(), "{r}");
    }
    assert!(s.failures.is_empty(), "{:#?}", s.failures);

    // r1 closed its tasks' issues as it shipped: r2 takes the same work again by name.
    s.create(
        "r2",
        "directive=auto tasks=acme/schema#3,acme/api#12,acme/web#7",
    )
    .await;
    let m = s.drive_until("r2", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r2"));
    let api = m.repo(&repo("acme/api")).unwrap();
    let pr = s.pull("acme/api", api.prs.staging.unwrap()).await;
    assert_eq!(pr["merged"], true, "staging moved through a pull request");
    assert!(
        s.file("acme/api", "src/r2-task-12.txt", "main")
            .await
            .is_some()
    );
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}
