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
    let _ = HistoryEvent::RepoShipped;
    let _ = seed_repo;
}
