//! Promotion through the sandbox when GitHub says no: a conflicting promotion pull request
//! escalates and resumes once a human resolves it; a merge waiting for a required check waits;
//! a partial ship failure rolls back or holds as `ship.on_partial` says.

use crate::scenario;

use convoy::model::history::HistoryEvent;
use convoy::model::ids::RepoName;
use convoy::model::manifest::{Phase, RepoState};
use scenario::{Scenario, open_escalations, pass, seed_repo, seed_with};
use serde_json::json;

fn repo(name: &str) -> RepoName {
    RepoName::parse(name).unwrap()
}

/// The demo with `ci/build` required on `main` of `member`, and `on_partial`.
fn protected(member: &'static str, on_partial: &'static str) -> convoy::sandbox::Seed {
    seed_with(
        |c| c["ship"] = json!({"on_partial": on_partial}),
        |s| seed_repo(s, member)["required_checks"] = json!({"main": ["ci/build"]}),
    )
}

async fn post_status(s: &Scenario, member: &str, sha: &str, state: &str) {
    s.bob
        .post(
            &format!("/repos/{member}/statuses/{sha}"),
            &json!({"state": state, "context": "ci/build", "description": format!("build {state}")}),
        )
        .await
        .unwrap();
}

/// The latest `convoy/release` status on `sha`.
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

/// acme/api's RC and staging branches change the same file differently: the RC → staging pull
/// request cannot merge. convoy marks the repo `conflict`, comments the conflicting file on the
/// pull request, sets a failing `convoy/release` status and calls a human; once bob resolves it
/// on the RC branch, convoy promotes the new head and the release ships by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promotion_conflict_escalates_and_resumes_once_resolved() {
    let mut s = Scenario::demo().await;
    s.create("r1", "directive=auto").await;
    let m = s.manifest("r1").await;
    let rc = m.repo(&repo("acme/api")).unwrap().rc_branch.to_string();
    s.push("acme/api", "staging", "src/lib.txt", "hotfix on staging\n")
        .await;
    s.push("acme/api", &rc, "src/lib.txt", "the release's version\n")
        .await;
    s.drive_until("r1", Phase::Staging, pass).await;
    s.tick().await;
    s.tick().await;

    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Staging);
    let api = m.repo(&repo("acme/api")).unwrap();
    assert_eq!(api.state, RepoState::Conflict);
    let pr = api.prs.staging.unwrap();
    assert!(
        api.note.as_deref().unwrap().contains("`src/lib.txt`"),
        "{:?}",
        api.note
    );
    let escalations = open_escalations(&m);
    assert_eq!(escalations.len(), 1, "{escalations:#?}");
    assert!(escalations[0].contains("src/lib.txt") && escalations[0].contains(&rc));
    let on_pr: Vec<String> = s
        .comments("acme/api", pr.into())
        .await
        .into_iter()
        .filter(|c| c.contains("has conflicts"))
        .collect();
    assert_eq!(
        on_pr.len(),
        1,
        "one comment on the pull request: {on_pr:#?}"
    );
    assert!(on_pr[0].contains("`src/lib.txt`"), "{}", on_pr[0]);
    let head = s.head("acme/api", &rc).await;
    let (state, _) = release_status(&s, "acme/api", &head).await.unwrap();
    assert_eq!(state, "failure");
    let issue = m.tracking_issue.unwrap();
    assert!(
        s.labels("acme/control", issue)
            .await
            .contains(&"convoy:needs-human".to_owned())
    );
    // Nothing merged into api's staging meanwhile.
    assert!(api.shas.staged.is_none());

    // bob resolves it on the RC branch: the same content as staging.
    let fixed = s
        .push("acme/api", &rc, "src/lib.txt", "hotfix on staging\n")
        .await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped, "{:#?}", s.waits("r1"));
    let api = m.repo(&repo("acme/api")).unwrap();
    assert_eq!(api.shas.rc_head.as_ref().unwrap().as_str(), fixed);
    assert_eq!(api.note, None);
    assert!(open_escalations(&m).is_empty());
    assert!(
        !s.labels("acme/control", issue)
            .await
            .contains(&"convoy:needs-human".to_owned())
    );
    let (state, _) = release_status(&s, "acme/api", &fixed).await.unwrap();
    assert_eq!(state, "success", "the resolved head was promoted");
}

/// `ci/build` is required on acme/api's main and has not reported: GitHub answers the ship merge
/// with 405 "expected". convoy waits — no failure, no escalation, acme/web (which depends on
/// api) not merged — and ships once the check passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_waiting_for_a_required_check_waits_then_ships() {
    let mut s = Scenario::start(protected("acme/api", "hold")).await;
    s.create("r1", "directive=auto").await;
    s.drive_until("r1", Phase::Shipping, pass).await;
    s.tick().await;
    s.tick().await;
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Shipping);
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
    assert!(open_escalations(&m).is_empty(), "{:#?}", m.escalations);
    let api = m.repo(&repo("acme/api")).unwrap();
    assert_eq!(api.state, RepoState::Shipping);
    assert!(
        api.note.as_deref().unwrap().contains("ci/build"),
        "{:?}",
        api.note
    );
    assert!(m.repo(&repo("acme/schema")).unwrap().shas.shipped.is_some());
    assert!(m.repo(&repo("acme/web")).unwrap().shas.shipped.is_none());
    // The ship pull request's head says convoy is ready to ship it.
    let staged = api.shas.staged.clone().unwrap();
    let (state, description) = release_status(&s, "acme/api", staged.as_str())
        .await
        .unwrap();
    assert_eq!(state, "success");
    assert!(description.contains("validated"), "{description}");

    post_status(&s, "acme/api", staged.as_str(), "success").await;
    s.deliver().await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert!(s.failures.is_empty(), "{:#?}", s.failures);
}

/// Drives to validation and makes acme/web's `ci/build` fail on the SHA about to ship: schema
/// and api merge, web's merge is refused.
async fn partial_ship(on_partial: &'static str) -> Scenario {
    let mut s = Scenario::start(protected("acme/web", on_partial)).await;
    s.create("r1", "directive=careful").await;
    let m = s.drive_until("r1", Phase::Validation, pass).await;
    let web = m.repo(&repo("acme/web")).unwrap();
    let sha = web.shas.staged.clone().unwrap();
    post_status(&s, "acme/web", sha.as_str(), "failure").await;
    s.deliver().await;
    s
}

/// `ship.on_partial: rollback`: the merged repos are reverted through revert pull requests, in
/// reverse dependency order (api, then schema); web's staging is reset; the release ends
/// `rolled_back`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_ship_failure_rolls_back_in_reverse_order() {
    let mut s = partial_ship("rollback").await;
    s.bot.delete("/_sandbox/requests").await.unwrap();
    let m = s.drive_until("r1", Phase::RolledBack, pass).await;
    assert_eq!(m.phase, Phase::RolledBack, "{:#?}", m.history);
    for _ in 0..3 {
        s.tick().await;
    }
    let m = s.manifest("r1").await;
    assert!(
        m.history
            .iter()
            .any(|h| h.event == HistoryEvent::MergeRefused
                && h.detail.contains("acme/web")
                && h.detail.contains("ci/build")),
        "{:#?}",
        m.history
    );
    let turn = m
        .history
        .iter()
        .find(|h| h.to.as_deref() == Some("rolled_back"))
        .unwrap();
    assert!(
        turn.detail.contains("on_partial is rollback"),
        "{}",
        turn.detail
    );
    for name in ["acme/schema", "acme/api"] {
        let r = m.repo(&repo(name)).unwrap();
        assert_eq!(r.state, RepoState::Reverted, "{name}");
        // main has the tree it had before the release.
        let cut = r.shas.cut_from.as_ref().unwrap();
        let before = s
            .get(&format!("/repos/{name}/git/commits/{}", cut.as_str()))
            .await;
        let head = s.head(name, "main").await;
        let now = s.get(&format!("/repos/{name}/git/commits/{head}")).await;
        assert_eq!(now["tree"]["sha"], before["tree"]["sha"], "{name}");
    }
    let web = m.repo(&repo("acme/web")).unwrap();
    assert!(web.shas.shipped.is_none());
    assert_eq!(
        s.head("acme/web", "staging").await,
        web.shas.staging_before.as_ref().unwrap().as_str(),
        "web's staging is reset"
    );
    let open = s.get("/repos/acme/web/pulls?state=open").await;
    assert_eq!(open.as_array().unwrap().len(), 0, "{open:#}");

    let log = s.get("/_sandbox/requests").await;
    let merges: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "PUT" && r["status"] == 200)
        .filter_map(|r| r["path"].as_str())
        .filter(|p| p.ends_with("/merge"))
        .map(|p| p.split('/').nth(3).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        merges,
        ["schema", "api", "api", "schema"],
        "ship merges, then the reverts in reverse order: {log:#}"
    );
}

/// `ship.on_partial: hold`: what merged stays, convoy escalates (label and mention) and keeps
/// retrying web; when the build is fixed, web merges and the release ships.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_ship_failure_holds_and_escalates_until_fixed() {
    let mut s = partial_ship("hold").await;
    let m = s.drive_until("r1", Phase::Shipping, pass).await;
    assert_eq!(m.phase, Phase::Shipping);
    for _ in 0..3 {
        s.tick().await;
    }
    let m = s.manifest("r1").await;
    assert_eq!(m.phase, Phase::Shipping);
    let web = m.repo(&repo("acme/web")).unwrap();
    assert_eq!(web.state, RepoState::Blocked);
    assert!(m.repo(&repo("acme/api")).unwrap().shas.shipped.is_some());
    let escalations = open_escalations(&m);
    assert_eq!(escalations.len(), 1, "{escalations:#?}");
    assert!(
        escalations[0].contains("on_partial is hold") && escalations[0].contains("ci/build"),
        "{}",
        escalations[0]
    );
    let issue = m.tracking_issue.unwrap();
    assert!(
        s.labels("acme/control", issue)
            .await
            .contains(&"convoy:needs-human".to_owned())
    );
    let calls: Vec<String> = s
        .comments("acme/control", issue)
        .await
        .into_iter()
        .filter(|c| c.contains("shipping stopped partway"))
        .collect();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert!(calls[0].contains("@alice"));
    let refusals = m
        .history
        .iter()
        .filter(|h| h.event == HistoryEvent::MergeRefused)
        .count();
    assert_eq!(
        refusals, 1,
        "retries of the same refusal are not new history"
    );
    let retries = s
        .runs
        .iter()
        .flat_map(|r| &r.executed)
        .filter(|e| {
            matches!(
                e.outcome,
                convoy::lifecycle::action::ActionOutcome::Refused { .. }
            )
        })
        .count();
    assert!(retries >= 3, "convoy kept retrying web ({retries})");

    // The build is fixed: web merges on the next run, the escalation resolves.
    let sha = web.shas.staged.clone().unwrap();
    post_status(&s, "acme/web", sha.as_str(), "success").await;
    s.deliver().await;
    let m = s.drive_until("r1", Phase::Shipped, pass).await;
    assert_eq!(m.phase, Phase::Shipped);
    assert!(open_escalations(&m).is_empty());
}
