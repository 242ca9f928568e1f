//! One-event benchmark (not a timed test): what convoy spends on one event about one repo of a
//! release of 10, 30 and 60 repos — a task pull request merged in `svc07`, forwarded by its
//! member workflow as `convoy.changed` — with the cache the last run left (warm: ETags and what
//! it saw) and without any (cold, as with no `cache-file`).
//!
//! Run: `cargo bench --bench event` (`CONVOY_BENCH_REPOS=60` picks the sizes).
//! Target: at most 6 counted requests with a warm cache, whatever the number of repos.

use convoy::demo::{demo_clock, sandbox_client};
use convoy::github::store::ManifestStore;
use convoy::model::ids::{Login, ReleaseId, RepoName};
use convoy::model::manifest::{Phase, TaskStatus};
use convoy::runner::Runner;
use convoy::sandbox::Sandbox;
use convoy::signal::{Command, CommandSignal, CommandSource, CreateArgs, Signal};
use serde_json::json;

mod support;

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    println!("| repos | cache | requests | counted | member repos read | cache file |");
    println!("|---|---|---|---|---|---|");
    for n in support::sizes("CONVOY_BENCH_REPOS", &[10, 30, 60]) {
        for warm in [true, false] {
            rt.block_on(one_event(n, warm))?;
        }
    }
    Ok(())
}

async fn one_event(n: usize, warm: bool) -> anyhow::Result<()> {
    let sandbox = Sandbox::start(support::lifecycle_seed(n), None).await?;
    let url = sandbox.url();
    let gh = sandbox_client(&url, "t-bot")?;
    let bob = sandbox_client(&url, "t-bob")?;
    let clock = demo_clock();
    let store = || -> anyhow::Result<ManifestStore> {
        Ok(ManifestStore {
            repo: RepoName::parse("acme/control")?,
            branch: None,
        })
    };
    let runner = Runner::new(&gh, store()?, "convoy.json").with_clock(&clock);
    let id = ReleaseId::parse("bench")?;
    runner
        .handle(&Signal::Command(CommandSignal {
            command: Command::Create(CreateArgs::default()),
            release: Some(id.clone()),
            actor: Login::parse("alice")?,
            source: CommandSource::WorkflowDispatch,
        }))
        .await?;
    let run = runner.reconcile(&id, &Signal::Schedule).await?;
    anyhow::ensure!(
        run.manifest.phase == Phase::Development,
        "not in development"
    );
    let x = RepoName::parse("acme/svc07")?;
    bob.post(&format!("/_sandbox/repos/{x}/commits"), &json!({"branch": "task-8", "message": "Work", "files": {"src/w.txt": "done\n"}, "author": "bob"})).await?;
    let pr = bob
        .post(
            &format!("/repos/{x}/pulls"),
            &json!({"title": "Work", "head": "task-8", "base": "rc/bench", "body": "Closes #8"}),
        )
        .await?;
    let number = pr.body["number"].as_u64().unwrap_or_default();
    bob.put(
        &format!("/repos/{x}/pulls/{number}/merge"),
        &json!({"merge_method": "merge"}),
    )
    .await?;
    gh.delete("/_sandbox/requests").await?;
    let signal = Signal::Changed {
        repo: x.clone(),
        release: Some(id.clone()),
    };
    let cold_gh = sandbox_client(&url, "t-bot")?;
    let runs = if warm {
        runner.handle(&signal).await?
    } else {
        let cold = Runner::new(&cold_gh, store()?, "convoy.json").with_clock(&clock);
        cold.handle(&signal).await?
    };
    let merged = runs.first().is_some_and(|r| {
        r.manifest
            .tasks
            .iter()
            .any(|t| t.repo == x && t.status == TaskStatus::Merged)
    });
    anyhow::ensure!(merged, "the task did not merge");
    let log = support::request_log(&url).await?;
    let counted = log.iter().filter(|r| r.counted()).count();
    let mut members: Vec<String> = log
        .iter()
        .filter_map(|r| r.path.strip_prefix("/repos/acme/svc"))
        .map(|rest| rest.chars().take(2).collect())
        .collect();
    members.sort();
    members.dedup();
    // What the Action's cache file would hold after this run.
    let file = if warm {
        let bytes = serde_json::to_vec(&convoy::shell::cache::CacheFile::of(
            gh.etags(),
            runner.memory(),
        ))?;
        format!("{} KB", bytes.len() / 1024)
    } else {
        "–".to_owned()
    };
    println!(
        "| {n} | {} | {} | {counted} | {} | {file} |",
        if warm { "warm" } else { "none" },
        log.len(),
        members.len()
    );
    if std::env::var_os("CONVOY_BENCH_BREAKDOWN").is_some() {
        support::print_breakdown(&log);
    }
    Ok(())
}
