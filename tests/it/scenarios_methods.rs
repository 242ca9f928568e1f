//! Merge methods per repository through the sandbox: a mixed estate (a squash-only repo, a
//! rebase-only repo, a base requiring linear history) ships with each repo's own method,
//! discovered once per release; staging is realigned with the base after a squash or rebase ship
//! so the next release does not conflict; a method GitHub refuses is switched, not blocked; a
//! rollback reverts every commit a rebase landed and merges the revert the way the repo allows.

use crate::scenario;

use convoy::model::config::MergeMethod;
use convoy::model::history::HistoryEvent;
use convoy::model::ids::RepoName;
use convoy::model::manifest::{Phase, ReleaseManifest, RepoState};
use scenario::{Scenario, pass, seed_repo, seed_with};
use serde_json::{Value, json};

fn repo(name: &str) -> RepoName {
    RepoName::parse(name).unwrap()
}

/// schema allows only squash merges, api only rebase merges, web's `main` requires linear
/// history; `edit` changes the config.
fn mixed_estate(edit: impl FnOnce(&mut Value)) -> convoy::sandbox::Seed {
    seed_with(edit, |s| {
        seed_repo(s, "acme/schema")["settings"] =
            json!({"allow_merge_commit": false, "allow_rebase_merge": false});
        seed_repo(s, "acme/api")["settings"] =
            json!({"allow_merge_commit": false, "allow_squash_merge": false});
        seed_repo(s, "acme/web")["protection"] = json!({"main": {"linear_history": true}});
    })
}

fn method(m: &ReleaseManifest, name: &str) -> Option<MergeMethod> {
    m.repo(&repo(name)).unwrap().merge_method
}

fn no_escalations(m: &ReleaseManifest) {
    assert!(m.escalations.is_empty(), "{:#?}", m.escalations);
    assert!(
        !m.history
            .iter()
            .any(|h| h.event == HistoryEvent::MergeRefused),
        "{:#?}",
        m.history
    );
}

/// Requests in the sandbox log whose path contains `part`.
async fn requests_to(s: &Scenario, part: &str) -> usize {
    let log = s.get("/_sandbox/requests").await;
    log.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.contains(part)))
        .count()
}

/// Creates `id` and changes `src/shared.txt` on the RC branches of schema and api to `content`
/// (the same lines every release), then drives it until it ships.
async fn ship_changing_shared(s: &mut Scenario, id: &str, content: &str) -> ReleaseManifest {
    s.create(id, "directive=auto").await;
    let m = s.manifest(id).await;
    for name in ["acme/schema", "acme/api"] {
        let rc = m.repo(&repo(name)).unwrap().rc_branch.to_string();
        s.push(name, &rc, "src/shared.txt", content).await;
        s.push(name, &rc, "src/second.txt", &format!("{id}\n"))
            .await;
    }
    let m = s.drive_until(id, Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", m.history);
    m
}

/// Each repo merges with what it allows (the release prefers `merge`): schema squashes, api
/// rebases, web squashes because its base forbids merge commits. The methods are read once per
/// release. After shipping, every staging equals its base; a second release that changes the
/// same lines ships without a conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_estate_ships_each_repo_its_own_way_release_after_release() {
    let mut s = Scenario::start(mixed_estate(|_| {})).await;
    s.bot.delete("/_sandbox/requests").await.unwrap();
    let m = ship_changing_shared(&mut s, "r1", "first\n").await;
    no_escalations(&m);
    assert_eq!(method(&m, "acme/schema"), Some(MergeMethod::Squash));
    assert_eq!(method(&m, "acme/api"), Some(MergeMethod::Rebase));
    assert_eq!(method(&m, "acme/web"), Some(MergeMethod::Squash));
    let chosen: Vec<&str> = m
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::MergeMethod)
        .map(|h| h.detail.as_str())
        .collect();
    assert_eq!(chosen.len(), 3, "{chosen:#?}");
    assert!(
        chosen
            .iter()
            .any(|d| d.contains("acme/web") && d.contains("linear history")),
        "{chosen:#?}"
    );
    // Once per release: two rules reads (staging and base) per repo, however many runs.
    assert_eq!(requests_to(&s, "/rules/branches/").await, 6);
    for name in ["acme/schema", "acme/api", "acme/web"] {
        let r = m.repo(&repo(name)).unwrap();
        assert_eq!(r.state, RepoState::Shipped, "{name}");
        assert_eq!(
            s.head(name, "staging").await,
            s.head(name, "main").await,
            "{name}: staging realigned with main"
        );
    }

    let m = ship_changing_shared(&mut s, "r2", "second\n").await;
    no_escalations(&m);
    assert!(
        !m.history.iter().any(|h| h.detail.contains("conflict")),
        "{:#?}",
        m.history
    );
    for name in ["acme/schema", "acme/api"] {
        let file = s.file(name, "src/shared.txt", "main").await.unwrap();
        assert!(file["content"].is_string(), "{name}");
        assert_eq!(
            s.head(name, "staging").await,
            s.head(name, "main").await,
            "{name}"
        );
    }
}

/// `repos[].merge_method` overrides discovery: api's `rebase` is recorded at creation (nothing
/// read for it). schema is forced to `merge`, which it does not allow: GitHub refuses, convoy
/// reads the settings, merges with squash instead and records it; nothing blocks or escalates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_method_is_switched_not_blocked() {
    let mut s = Scenario::start(mixed_estate(|c| {
        for r in c["repos"].as_array_mut().unwrap() {
            match r["name"].as_str() {
                Some("acme/schema") => r["merge_method"] = json!("merge"),
                Some("acme/api") => r["merge_method"] = json!("rebase"),
                _ => {}
            }
        }
    }))
    .await;
    s.create("r1", "directive=auto").await;
    let m = s.manifest("r1").await;
    assert_eq!(method(&m, "acme/api"), Some(MergeMethod::Rebase));
    assert_eq!(method(&m, "acme/schema"), Some(MergeMethod::Merge));
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", m.history);
    no_escalations(&m);
    assert_eq!(method(&m, "acme/schema"), Some(MergeMethod::Squash));
    let switch = m
        .history
        .iter()
        .find(|h| h.event == HistoryEvent::MergeMethod && h.detail.contains("acme/schema"))
        .expect("the switch is recorded");
    assert!(
        switch
            .detail
            .contains("Merge commits are not allowed on this repository."),
        "{}",
        switch.detail
    );
    assert_eq!(switch.to.as_deref(), Some("squash"));
}

/// After a rebase ship (several commits) and a squash ship, `/convoy rollback` reverts all that
/// landed: each base gets back the tree it had before the release, through revert pull requests
/// merged with a method the repository allows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_reverts_every_commit_a_rebase_landed() {
    let mut s = Scenario::start(mixed_estate(|_| {})).await;
    let m = ship_changing_shared(&mut s, "r1", "first\n").await;
    let mut before = Vec::new();
    for name in ["acme/schema", "acme/api", "acme/web"] {
        let r = m.repo(&repo(name)).unwrap();
        let onto = r
            .shas
            .shipped_onto
            .clone()
            .expect("recorded while shipping");
        let commit = s
            .get(&format!("/repos/{name}/git/commits/{}", onto.as_str()))
            .await;
        before.push((name, commit["tree"]["sha"].clone()));
    }
    s.dispatch("alice", "rollback", "r1", "").await;
    for _ in 0..8 {
        s.tick().await;
    }
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::RolledBack);
    for (name, tree) in before {
        assert_eq!(
            m.repo(&repo(name)).unwrap().state,
            RepoState::Reverted,
            "{name}: {:#?}",
            m.history
        );
        let head = s.head(name, "main").await;
        let now = s.get(&format!("/repos/{name}/git/commits/{head}")).await;
        assert_eq!(
            now["tree"]["sha"], tree,
            "{name}: main has its tree from before"
        );
    }
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}
