//! A run reads what its event concerns: an event about one repo of a 20-repo release reads
//! nothing of the other nineteen, and a missing or stale cache (ETags, or what convoy saw last)
//! costs requests but changes no decision.

use convoy::demo::{demo_clock, sandbox_client};
use convoy::github::etags::Etags;
use convoy::github::store::ManifestStore;
use convoy::lifecycle::Decision;
use convoy::model::ids::{Login, ReleaseId, RepoName};
use convoy::model::manifest::{Phase, TaskStatus};
use convoy::model::time::Timestamp;
use convoy::runner::Runner;
use convoy::runner::memory::Memory;
use convoy::sandbox::{Sandbox, Seed};
use convoy::signal::{Command, CommandSignal, CommandSource, CreateArgs, Signal};
use serde_json::json;

const N: usize = 20;

fn member(i: usize) -> String {
    format!("acme/svc{i:02}")
}

/// A control repo, an E2E repo and `N` members (`svc00` first, the rest depending on it), each
/// with one issue in the sprint.
fn seed() -> Seed {
    let members: Vec<String> = (0..N).map(member).collect();
    let config = json!({
        "control_repo": "acme/control",
        "repos": members.iter().enumerate().map(|(i, m)| if i == 0 { json!({"name": m}) } else { json!({"name": m, "depends_on": [members[0]]}) }).collect::<Vec<_>>(),
        "directive": "auto",
        "sprints": ["Sprint 41"],
        "tiers": [{"name": "e2e", "repo": "acme/e2e", "workflow": "e2e.yml", "phase": "validation"}]
    });
    let workflow = "name: e2e\nrun-name: \"e2e ${{ inputs.correlation_id }}\"\non:\n  workflow_dispatch:\n    inputs:\n      release: {}\n      tier: {}\n      attempt: {}\n      correlation_id: {}\n      refs: {}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
    let mut repos = vec![
        json!({"name": "acme/control", "files": {"convoy.json": config.to_string()}, "labels": ["convoy:release"]}),
        json!({"name": "acme/e2e", "files": {".github/workflows/e2e.yml": workflow}}),
    ];
    repos.extend(members.iter().map(|m| json!({"name": m, "branches": {"staging": "main"}, "milestones": ["Sprint 41"], "issues": [{"number": 1, "title": format!("Work in {m}"), "milestone": "Sprint 41", "state": "open"}]})));
    let seed = json!({"users": [
        {"login": "bob", "token": "t-bob", "permissions": {"*": "write"}},
        {"login": "convoy-bot", "type": "Bot", "token": "t-bot", "permissions": {"*": "admin"}}
    ], "repos": repos});
    Seed::from_json(&seed.to_string()).unwrap()
}

fn store() -> ManifestStore {
    ManifestStore {
        repo: RepoName::parse("acme/control").unwrap(),
        branch: None,
    }
}

/// convoy's requests in the sandbox's log since it was last cleared.
async fn convoy_requests(gh: &convoy::github::GitHub) -> Vec<(String, String, u16)> {
    let log = gh.get("/_sandbox/requests").await.unwrap();
    log.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["caller"] == "convoy-bot")
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_owned(),
                r["path"].as_str().unwrap().to_owned(),
                r["status"].as_u64().unwrap() as u16,
            )
        })
        .filter(|(_, p, _)| !p.starts_with("/_sandbox"))
        .collect()
}

/// The first decision of a dry run of `signal` at `at`, through a fresh client holding `etags`
/// and a runner remembering `memory`.
async fn dry_decision(
    url: &str,
    etags: Etags,
    memory: Memory,
    id: &ReleaseId,
    signal: &Signal,
    at: Timestamp,
) -> (Decision, u64) {
    let gh = sandbox_client(url, "t-bot").unwrap().with_etags(etags);
    let clock = move || at;
    let runner = Runner::new(&gh, store(), "convoy.json")
        .with_clock(&clock)
        .with_dry_run(true)
        .with_memory(memory);
    let run = runner.reconcile(id, signal).await.unwrap();
    (run.decisions[0].clone(), gh.etags().stats().not_modified)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_about_one_repo_reads_only_that_repo_and_no_cache_changes_a_decision() {
    let sandbox = Sandbox::start(seed(), None).await.unwrap();
    let url = sandbox.url();
    let gh = sandbox_client(&url, "t-bot").unwrap();
    let bob = sandbox_client(&url, "t-bob").unwrap();
    let clock = demo_clock();
    let runner = Runner::new(&gh, store(), "convoy.json").with_clock(&clock);
    let id = ReleaseId::parse("r1").unwrap();
    runner
        .handle(&Signal::Command(CommandSignal {
            command: Command::Create(CreateArgs::default()),
            release: Some(id.clone()),
            actor: Login::parse("convoy-bot").unwrap(),
            source: CommandSource::WorkflowDispatch,
        }))
        .await
        .unwrap();
    let run = runner.reconcile(&id, &Signal::Schedule).await.unwrap();
    assert_eq!(run.manifest.phase, Phase::Development);
    let early_etags = gh.etags().entries();

    // bob lands svc07's task; its member workflow forwards `convoy.changed`.
    let x = RepoName::parse(&member(7)).unwrap();
    bob.post(&format!("/_sandbox/repos/{x}/commits"), &json!({"branch": "task-1", "message": "Work", "files": {"src/w.txt": "done\n"}, "author": "bob"})).await.unwrap();
    let pr = bob
        .post(
            &format!("/repos/{x}/pulls"),
            &json!({"title": "Work", "head": "task-1", "base": "rc/r1", "body": "Closes #1"}),
        )
        .await
        .unwrap();
    let number = pr.body["number"].as_u64().unwrap();
    bob.put(
        &format!("/repos/{x}/pulls/{number}/merge"),
        &json!({"merge_method": "merge"}),
    )
    .await
    .unwrap();
    gh.delete("/_sandbox/requests").await.unwrap();
    let changed = Signal::Changed {
        repo: x.clone(),
        release: Some(id.clone()),
    };
    let runs = runner.handle(&changed).await.unwrap();
    let m = &runs[0].manifest;
    let task = m.tasks.iter().find(|t| t.repo == x).unwrap();
    assert_eq!(task.status, TaskStatus::Merged, "{:?}", task);

    let requests = convoy_requests(&gh).await;
    let others: Vec<&(String, String, u16)> = requests
        .iter()
        .filter(|(_, p, _)| {
            (0..N).filter(|&i| i != 7).any(|i| {
                p.starts_with(&format!("/repos/{}/", member(i)))
                    || p == &format!("/repos/{}", member(i))
            })
        })
        .collect();
    assert!(others.is_empty(), "read unrelated repos: {others:#?}");
    assert!(
        requests
            .iter()
            .any(|(_, p, _)| p.starts_with(&format!("/repos/{x}/git/matching-refs"))),
        "{requests:#?}"
    );
    let counted = requests.iter().filter(|(_, _, s)| *s != 304).count();
    assert!(counted <= 8, "{counted} counted requests: {requests:#?}");

    // A repo no release holds concerns no release.
    let elsewhere = Signal::Changed {
        repo: RepoName::parse("acme/elsewhere").unwrap(),
        release: None,
    };
    assert!(runner.handle(&elsewhere).await.unwrap().is_empty());
    let about_x = Signal::Changed {
        repo: x.clone(),
        release: None,
    };
    assert_eq!(runner.handle(&about_x).await.unwrap().len(), 1);

    // The same decisions with a warm, a stale and no ETag cache, and with and without the memory
    // of the last run: a cache only ever saves requests.
    for signal in [Signal::Schedule, changed.clone()] {
        let at = clock();
        let warm_memory = || Memory::from_entries(runner.memory().entries());
        let (warm, warm_304) = dry_decision(
            &url,
            Etags::from_entries(gh.etags().entries()),
            warm_memory(),
            &id,
            &signal,
            at,
        )
        .await;
        let (stale, _) = dry_decision(
            &url,
            Etags::from_entries(early_etags.clone()),
            warm_memory(),
            &id,
            &signal,
            at,
        )
        .await;
        let (cold, cold_304) =
            dry_decision(&url, Etags::default(), Memory::default(), &id, &signal, at).await;
        assert!(warm_304 > 0 && cold_304 == 0, "{warm_304} / {cold_304}");
        for (name, other) in [("stale", &stale), ("cold", &cold)] {
            assert_eq!(warm.actions, other.actions, "{name} cache, {signal:?}");
            assert_eq!(warm.manifest, other.manifest, "{name} cache, {signal:?}");
            assert_eq!(warm.waits, other.waits, "{name} cache, {signal:?}");
        }
    }
}
