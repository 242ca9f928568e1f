//! Footprint benchmark (not a timed test): start-up of `convoy validate` on a 50-repo config,
//! and the peak memory (max RSS, from `/usr/bin/time`) of `convoy validate` and of a whole
//! `convoy run` process — a scheduled no-op reconcile of a 50-repo release against the sandbox,
//! exactly as the Action runs it (environment, event file, outputs).
//!
//! Run: `cargo bench --bench footprint` (targets: validate start-up under 20 ms; peak RSS under
//! 30 MB). Needs `/usr/bin/time` (Debian's `time` package) for the memory figures.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use convoy::demo::{demo_clock, sandbox_client};
use convoy::github::store::ManifestStore;
use convoy::model::ids::{Login, ReleaseId, RepoName};
use convoy::runner::Runner;
use convoy::sandbox::Sandbox;
use convoy::signal::{Command as Cmd, CommandSignal, CommandSource, CreateArgs, Signal};

mod support;

const CONVOY: &str = env!("CARGO_BIN_EXE_convoy");

/// Max RSS in MB and wall seconds of `cmd` under `/usr/bin/time`, if available.
fn measured(cmd: &mut Command) -> anyhow::Result<Option<(f64, f64)>> {
    if !Path::new("/usr/bin/time").exists() {
        return Ok(None);
    }
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(ToOwned::to_owned).collect();
    let envs: Vec<_> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
        .collect();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("@@ %M %e")
        .arg(program)
        .args(args)
        .envs(envs)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "the command failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("@@ "))
        .unwrap_or_default();
    let mut parts = line.split_whitespace().skip(1);
    let kb: f64 = parts.next().unwrap_or("0").parse().unwrap_or(0.0);
    let secs: f64 = parts.next().unwrap_or("0").parse().unwrap_or(0.0);
    Ok(Some((kb / 1024.0, secs)))
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("convoy.json");
    std::fs::write(&config, serde_json::to_string_pretty(&support::config(50))?)?;

    // Start-up: the whole process, 30 times.
    let mut times = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        let out = Command::new(CONVOY)
            .arg("validate")
            .arg("--config")
            .arg(&config)
            .output()?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(out.status.success(), "convoy validate failed");
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| `convoy validate` on a 50-repo config, wall time (30 runs) | mean {mean:.1} ms, median {:.1} ms, min {:.1} ms |",
        times[times.len() / 2],
        times[0]
    );
    if let Some((mb, _)) = measured(
        Command::new(CONVOY)
            .arg("validate")
            .arg("--config")
            .arg(&config),
    )? {
        println!("| `convoy validate` peak RSS | {mb:.1} MB |");
    }

    // A whole `convoy run` process: a scheduled reconcile of a 50-repo release.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let sandbox = Sandbox::start(support::seed(50), None).await?;
        let url = sandbox.url();
        let gh = sandbox_client(&url, "t-bot")?;
        let clock = demo_clock();
        let store = ManifestStore {
            repo: RepoName::parse("acme/control")?,
            branch: None,
        };
        let runner = Runner::new(&gh, store, "convoy.json")
            .with_clock(&clock)
            .with_max_rounds(8);
        let id = ReleaseId::parse("bench")?;
        runner
            .handle(&Signal::Command(CommandSignal {
                command: Cmd::Create(CreateArgs::default()),
                release: Some(id.clone()),
                actor: Login::parse("convoy-bot")?,
                source: CommandSource::WorkflowDispatch,
            }))
            .await?;
        for _ in 0..6 {
            let run = runner.reconcile(&id, &Signal::Schedule).await?;
            if run.manifest.phase == convoy::model::manifest::Phase::Validation {
                break;
            }
        }
        let event = dir.path().join("event.json");
        std::fs::write(&event, r#"{"schedule": "*/15 * * * *"}"#)?;
        let (output, summary) = (dir.path().join("output"), dir.path().join("summary"));
        let mut cmd = Command::new(CONVOY);
        cmd.arg("run")
            .env("GITHUB_EVENT_NAME", "schedule")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", "acme/control")
            .env("GITHUB_API_URL", &url)
            .env("GITHUB_ACTOR", "convoy-bot")
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("INPUT_TOKEN", "t-bot")
            .env("INPUT_WRITE-GAP-MS", "0");
        let result = tokio::task::spawn_blocking(move || measured(&mut cmd)).await??;
        if let Some((mb, secs)) = result {
            println!(
                "| `convoy run` (scheduled no-op reconcile, 50 repos) peak RSS | {mb:.1} MB ({secs:.2} s) |"
            );
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(())
}
