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

    // The lock was kept current: rolled back, every repo reverted, and each release's stamp
    // names the new lock and says so. `convoy verify` breaks first on that.
    let store = convoy::demo::demo_store().unwrap();
    let stored = store.load_lock(&gh, &id).await.unwrap().unwrap();
    let lock: convoy::model::lock::Lock = serde_json::from_str(&stored.text).unwrap();
    assert_eq!(Some(&lock), convoy::model::lock::Lock::of(m).as_ref());
    assert_eq!(lock.status, convoy::model::lock::LockStatus::RolledBack);
    assert!(lock.repos.iter().all(|r| r.reverted));
    for r in &m.repos {
        let release = gh
            .get(&format!("/repos/{}/releases/tags/{}", r.name, m.tag))
            .await
            .unwrap();
        let body = release["body"].as_str().unwrap();
        assert_eq!(
            convoy::model::lock::Lock::stamped_digest(body, &id),
            Some(stored.digest()),
            "{body}"
        );
        assert!(body.contains("**Rolled back** on "), "{body}");
    }
    let report = convoy::cli::verify(&gh, &store, &id, Default::default())
        .await
        .unwrap();
    let first = report.first_break.unwrap();
    assert_eq!(first.check, convoy::verify::CheckKind::Status);
    assert!(first.what.contains("was rolled back"), "{first:?}");
}

fn revert_action(merge: &str) -> convoy::lifecycle::action::PlannedAction {
    use convoy::model::ids::{BranchName, RepoName, Sha};
    convoy::lifecycle::action::PlannedAction {
        id: 0,
        action: convoy::lifecycle::action::Action::RevertMerge {
            repo: RepoName::parse("acme/web").unwrap(),
            branch: BranchName::parse("feature/x").unwrap(),
            merge_sha: Sha::parse(merge).unwrap(),
            revert_branch: BranchName::parse("convoy/revert-x").unwrap(),
            title: "convoy x: revert the release on feature/x".to_owned(),
            landed: convoy::lifecycle::action::Landed::OneCommit,
            method: convoy::model::config::MergeMethod::Merge,
        },
        reason: "test".to_owned(),
        after: vec![],
    }
}

/// The executor alone: it refuses a merge that is no longer the branch head, reverts one that
/// is, and does nothing the second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revert_merge_is_idempotent_and_refuses_a_moved_branch() {
    use convoy::lifecycle::action::ActionOutcome;
    let sandbox = start_sandbox(None).await.unwrap();
    let url = sandbox.url();
    let gh = sandbox_client(&url, "t-bot").unwrap();
    let push = |file: &'static str| {
        let gh = &gh;
        async move {
            let body = serde_json::json!({"branch": "feature/x", "message": format!("Add {file}"), "files": {file: "x\n"}, "author": "bob"});
            let a = gh
                .post("/_sandbox/repos/acme/web/commits", &body)
                .await
                .unwrap();
            a.body["sha"].as_str().unwrap().to_owned()
        }
    };
    let first = push("a.txt").await;
    let second = push("b.txt").await;
    let run = |sha: String| {
        let gh = &gh;
        async move {
            let out = convoy::github::execute::execute(gh, &[revert_action(&sha)], false).await;
            out.into_iter().next().unwrap().outcome
        }
    };

    match run(first.clone()).await {
        ActionOutcome::Failed { error } => assert!(error.contains("by hand"), "{error}"),
        other => panic!("reverted a merge that is not the head: {other:?}"),
    }
    let done = run(second.clone()).await;
    assert!(
        matches!(&done, ActionOutcome::Done { detail: Some(d) } if d.starts_with("reverted in #")),
        "{done:?}"
    );
    let head = gh
        .get("/repos/acme/web/git/ref/heads/feature/x")
        .await
        .unwrap();
    let head = head["object"]["sha"].as_str().unwrap().to_owned();
    let now = gh
        .get(&format!("/repos/acme/web/git/commits/{head}"))
        .await
        .unwrap();
    let before = gh
        .get(&format!("/repos/acme/web/git/commits/{first}"))
        .await
        .unwrap();
    assert_eq!(now["tree"]["sha"], before["tree"]["sha"]);
    let revert_commit = now["parents"][1]["sha"].as_str().unwrap().to_owned();
    let revert = gh
        .get(&format!("/repos/acme/web/git/commits/{revert_commit}"))
        .await
        .unwrap();
    assert_eq!(
        revert["message"],
        format!("Revert \"Add b.txt\"\n\nThis reverts commit {second}.")
    );
    assert_eq!(revert["parents"][0]["sha"], second.as_str());

    gh.delete("/_sandbox/requests").await.unwrap();
    assert_eq!(run(second).await, ActionOutcome::AlreadyDone);
    let log = gh.get("/_sandbox/requests").await.unwrap();
    let writes = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["method"] != "GET"
                && !r["path"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("/_sandbox")
        })
        .count();
    assert_eq!(writes, 0, "{log:#?}");
}
