//! Reconcile benchmark (not a timed test): the cost of a run with nothing to do (the scheduled
//! safety net), for a release of N member repos waiting for its validation tier, counted in the
//! sandbox's request log and timed at 0 and 100 ms of injected latency per request: first with no
//! cache (a new client, as a run without `cache-file`), then with the ETags the run before left.
//!
//! Run: `cargo bench --bench reconcile` (targets: ≤ 1 counted request per repo; with a warm
//! cache most reads answered 304; ≤ 4 round trips deep; 50 repos at 100 ms under 1 s).

use std::time::Instant;

use convoy::demo::{demo_clock, sandbox_client};
use convoy::github::store::ManifestStore;
use convoy::model::ids::{Login, ReleaseId, RepoName};
use convoy::runner::Runner;
use convoy::sandbox::Sandbox;
use convoy::signal::{Command, CommandSignal, CommandSource, CreateArgs, Signal};
use serde_json::json;

mod support;
use support::seed;

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    println!(
        "| repos | cache | latency | requests | counted | counted per repo | 304 | wall time | round trips deep |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for n in [5usize, 20, 50] {
        rt.block_on(async {
            let sandbox = Sandbox::start(seed(n), None).await?;
            let gh = sandbox_client(&sandbox.url(), "t-bot")?;
            let clock = demo_clock();
            let store = ManifestStore {
                repo: RepoName::parse("acme/control")?,
                branch: None,
            };
            let runner = Runner::new(&gh, store, "convoy.json")
                .with_clock(&clock)
                .with_max_rounds(8);
            let id = ReleaseId::parse("bench")?;
            let create = Signal::Command(CommandSignal {
                command: Command::Create(CreateArgs::default()),
                release: Some(id.clone()),
                actor: Login::parse("convoy-bot")?,
                source: CommandSource::WorkflowDispatch,
            });
            runner.handle(&create).await?;
            // Drive to validation: the release waits for its tier run.
            for _ in 0..6 {
                let run = runner.reconcile(&id, &Signal::Schedule).await?;
                if run.manifest.phase == convoy::model::manifest::Phase::Validation {
                    break;
                }
            }
            let cold_gh = sandbox_client(&sandbox.url(), "t-bot")?;
            for (cache, latency) in [("none", 0u64), ("warm", 0), ("warm", 100)] {
                let client = if cache == "none" { &cold_gh } else { &gh };
                let runner = Runner::new(
                    client,
                    ManifestStore {
                        repo: RepoName::parse("acme/control")?,
                        branch: None,
                    },
                    "convoy.json",
                )
                .with_clock(&clock);
                gh.put("/_sandbox/latency", &json!({"ms": latency})).await?;
                gh.delete("/_sandbox/requests").await?;
                let started = Instant::now();
                let run = runner.reconcile(&id, &Signal::Schedule).await?;
                let took = started.elapsed();
                gh.put("/_sandbox/latency", &json!({"ms": 0})).await?;
                let log = support::request_log(&sandbox.url()).await?;
                let requests = log.len();
                let counted = log.iter().filter(|r| r.counted()).count();
                assert!(
                    !run.changed && run.executed.is_empty(),
                    "the reconcile had work to do: {:?}",
                    run.executed
                );
                // At 100 ms a request, wall time / latency is how many round trips deep the
                // run went (requests in parallel count once).
                let depth = if latency > 0 {
                    format!("{:.1}", took.as_secs_f64() * 1000.0 / latency as f64)
                } else {
                    "–".to_owned()
                };
                println!(
                    "| {n} | {cache} | {latency} ms | {requests} | {counted} | {:.2} | {} | {:.0} ms | {depth} |",
                    counted as f64 / n as f64,
                    requests - counted,
                    took.as_secs_f64() * 1000.0
                );
            }
            Ok::<_, anyhow::Error>(())
        })?;
    }
    Ok(())
}
