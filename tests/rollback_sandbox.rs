//! Rolling back a shipped release through GitHub's API: `/convoy rollback` after `shipped`
//! opens revert pull requests on the base branches and merges them in reverse dependency order.

use convoy::demo::{demo_clock, demo_runner, play, sandbox_client, start_sandbox};
use convoy::model::config::Directive;
use convoy::model::ids::Login;
use convoy::model::manifest::{Phase, RepoState};
use convoy::signal::{Command, CommandSignal, CommandSource, Signal};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_after_shipping_reverts_every_repo_in_reverse_order() {
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let out = play(&url, Directive::Auto, &mut |_| {}).await.unwrap();
    assert_eq!(out.manifest.phase, Phase::Shipped);
    let id = out.manifest.id.clone();
    let gh = sandbox_client(&url, "t-bot").unwrap();
    gh.delete("/_sandbox/requests").await.unwrap();

    let clock = demo_clock();
    let runner = demo_runner(&gh, &clock).unwrap();
    let rollback = Signal::Command(CommandSignal {
        command: Command::Rollback,
        release: Some(id.clone()),
        actor: Login::parse("alice").unwrap(),
        source: CommandSource::WorkflowDispatch,
    });
    let mut runs = runner.handle(&rollback).await.unwrap();
    for _ in 0..4 {
        runs.push(runner.reconcile(&id, &Signal::Schedule).await.unwrap());
    }
    let m = &runs.last().unwrap().manifest;
    let failures: Vec<String> = runs
        .iter()
        .flat_map(|r| &r.executed)
        .filter_map(|e| match &e.outcome {
            convoy::lifecycle::action::ActionOutcome::Failed { error } => Some(error.clone()),
            _ => None,
        })
        .collect();
    assert!(failures.is_empty(), "failed actions: {failures:#?}");
    assert_eq!(m.phase, Phase::RolledBack);

    let revert = format!("convoy/revert-{id}");
    for r in &m.repos {
        let repo = r.name.as_str();
        assert_eq!(r.state, RepoState::Reverted, "{repo}");
        // The base branch holds the tree it had before the release.
        let cut = r.shas.cut_from.as_ref().unwrap();
        let before = gh
            .get(&format!("/repos/{repo}/git/commits/{}", cut.as_str()))
            .await
            .unwrap();
        let head = gh
            .get(&format!("/repos/{repo}/git/ref/heads/{}", r.base))
            .await
            .unwrap();
        let head_sha = head["object"]["sha"].as_str().unwrap();
        let now = gh
            .get(&format!("/repos/{repo}/git/commits/{head_sha}"))
            .await
            .unwrap();
        assert_eq!(now["tree"]["sha"], before["tree"]["sha"], "{repo}");
        assert_ne!(
            head_sha,
            cut.as_str(),
            "{repo}: reverted forward, not reset"
        );
        // Through a merged revert pull request, whose branch is gone.
        let pulls = gh
            .get(&format!(
                "/repos/{repo}/pulls?state=closed&head=acme:{revert}&base={}",
                r.base
            ))
            .await
            .unwrap();
        let merged = pulls
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| !p["merged_at"].is_null())
            .count();
        assert_eq!(merged, 1, "{repo}: one merged revert pull request");
        assert!(
            gh.get_opt(&format!("/repos/{repo}/git/ref/heads/{revert}"))
                .await
                .unwrap()
                .is_none(),
            "{repo}: the revert branch was deleted"
        );
    }

    // Reverse dependency order: web, then api, then schema.
    let log = gh.get("/_sandbox/requests").await.unwrap();
    let merges: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "PUT" && r["status"] == 200)
        .filter_map(|r| r["path"].as_str())
        .filter(|p| p.ends_with("/merge"))
        .map(|p| p.split('/').nth(3).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(merges, ["web", "api", "schema"], "{log:#?}");
    let deletes = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["method"] == "DELETE"
                && r["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("convoy/revert-") || p.contains("convoy%2Frevert-"))
        })
        .count();
    assert_eq!(deletes, 3, "each revert branch deleted once");
}
