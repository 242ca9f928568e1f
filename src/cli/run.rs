//! `convoy run`: the container's entrypoint, as the Actions runner calls it.
//!
//! Reads the runner's environment and the action's inputs ([`crate::shell::WorkflowEnv`]), turns
//! the inputs (a command) or the event payload into a signal, runs it
//! ([`crate::runner::Runner`]), and reports through `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY` and
//! `$GITHUB_ENV`. Secrets are masked before anything else is printed.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;

use super::error::CliError;
use crate::github::client::GitHub;
use crate::github::execute::execute;
use crate::github::store::ManifestStore;
use crate::lifecycle::WebLinks;
use crate::lifecycle::action::ActionOutcome;
use crate::lifecycle::action::refused_dispatches;
use crate::model::time::Timestamp;
use crate::runner::memory::Memory;
use crate::runner::{ReleaseRun, RunError, Runner};
use crate::shell::cache::CacheFile;
use crate::shell::status::{ReleaseState, about_every_release, releases_summary, status_answer};
use crate::shell::workflow_commands::escape_data;
use crate::shell::{
    WorkflowEnv, export_env, mask, run_summary, would_create_summary, write_outputs,
};
use crate::signal::{Command, CommandSignal, CommandSource, Signal};

pub(super) fn run() -> Result<ExitCode, CliError> {
    let env = WorkflowEnv::from_process_env().map_err(|e| {
        outln_error(&e.to_string());
        CliError::Invalid(e.to_string())
    })?;
    for secret in env.secrets() {
        out!("{}", mask(secret));
    }
    if super::doctor::wanted(&env) {
        return super::doctor::action(&env);
    }
    if super::verify::wanted(&env) {
        return super::verify::action(&env);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(e.into()))?;
    let signal = signal(&env)?;
    let runs = runtime.block_on(run_async(&env, &signal))?;
    report(&env, &signal, &runs)?;
    // A dispatch GitHub refused needs a person: the run fails, with GitHub's reason.
    let refused: Vec<String> = runs
        .iter()
        .flat_map(|r| refused_dispatches(&r.executed))
        .collect();
    for message in &refused {
        outln_error(message);
    }
    Ok(if refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn outln_error(message: &str) {
    println!("::error title=convoy::{}", escape_data(message));
}

/// The signal of this run: the `command` input when given, else the event payload.
fn signal(env: &WorkflowEnv) -> Result<Signal, CliError> {
    if let Some(name) = &env.command {
        let command =
            crate::event::chatops::parse_command(name, env.args.as_deref().unwrap_or_default())
                .map_err(|e| CliError::Invalid(format!("the `command` input: {e}")))?;
        return Ok(Signal::Command(CommandSignal {
            command,
            release: env.release.clone(),
            actor: env.actor.clone(),
            source: CommandSource::WorkflowDispatch,
        }));
    }
    let payload = std::fs::read(&env.event_path).map_err(|e| {
        CliError::Invalid(format!(
            "GITHUB_EVENT_PATH {}: {e}",
            env.event_path.display()
        ))
    })?;
    let mut signal = crate::event::parse_event(&env.event_name, &payload)
        .map_err(|e| CliError::Invalid(format!("the {} event: {e}", env.event_name)))?;
    // The `release` input names the release when the event does not.
    if let (Signal::Command(c), Some(r)) = (&mut signal, &env.release)
        && c.release.is_none()
    {
        c.release = Some(r.clone());
    }
    Ok(signal)
}

async fn run_async(env: &WorkflowEnv, signal: &Signal) -> Result<Vec<ReleaseRun>, CliError> {
    if let Signal::Ignored { reason } = signal {
        tracing::info!("nothing to do: {reason}");
        return Ok(Vec::new());
    }
    let gh = super::action_client::client(env)?;
    let cache = env.cache_file.as_deref().map(CacheFile::load);
    let (gh, memory) = match cache {
        Some(c) => {
            let (etags, memory) = c.into_parts();
            (gh.with_etags(etags), memory)
        }
        None => (gh, Memory::default()),
    };
    let store = ManifestStore {
        repo: env.control_repo.clone(),
        branch: env.state_branch.clone(),
    };
    let runner = Runner::new(&gh, store, env.config.clone())
        .with_dry_run(env.dry_run)
        .with_server_url(env.server_url.clone())
        .with_memory(memory);
    let handled = runner.handle(signal).await;
    if let Some(path) = &env.cache_file {
        // Even after a failure: what was read is still good to revalidate.
        match CacheFile::of(gh.etags(), runner.memory()).save(path) {
            Ok(()) => tracing::info!("cache saved to {}", path.display()),
            Err(e) => tracing::warn!("the cache was not saved: {e:#}"),
        }
    }
    let runs = handled.map_err(|e| {
        outln_error(&e.to_string());
        match e {
            RunError::NoSuchRelease(_)
            | RunError::NoRelease(_)
            | RunError::Config { .. }
            | RunError::Create(_)
            | RunError::NoCarryOver(_)
            | RunError::UnknownSprints(_) => CliError::Invalid(e.to_string()),
            other => CliError::Failure(other.into()),
        }
    })?;
    answer_status(&gh, env, signal, &runs).await;
    let etags = gh.etags().stats();
    tracing::info!(
        "{} requests to GitHub ({} answered 304 Not Modified, free of the rate limit; {} installation tokens minted)",
        gh.requests(),
        etags.not_modified,
        gh.minted()
    );
    Ok(runs)
}

/// Every release as the run left it: its manifest and what its last decision waits for.
fn states(runs: &[ReleaseRun]) -> (Vec<ReleaseState<'_>>, Timestamp) {
    let states = runs
        .iter()
        .filter_map(|r| Some((&r.manifest, r.decisions.last()?.waits.as_slice())))
        .collect();
    let now = runs
        .iter()
        .filter_map(|r| r.decisions.last().map(|d| d.at))
        .max()
        .unwrap_or_else(crate::clock::now);
    (states, now)
}

/// A `/convoy status` comment on an issue of the control repo is answered there with every
/// active release, one line each, once: the run that answers first claims the comment with a
/// 👀 reaction, which GitHub creates (201) for one run only, however many handle the comment at
/// once; the answer also carries the command's reply marker, looked for before posting.
async fn answer_status(gh: &GitHub, env: &WorkflowEnv, signal: &Signal, runs: &[ReleaseRun]) {
    let (states, now) = states(runs);
    let Some(answer) = status_answer(signal, &env.control_repo, &states, now) else {
        return;
    };
    if let (Signal::Comment(c), false) = (signal, env.dry_run) {
        match gh.repo(&c.repo).react_first(c.comment_id, "eyes").await {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!("another run answers this /convoy status");
                return;
            }
            Err(error) => {
                tracing::warn!("answering /convoy status failed: {error}");
                return;
            }
        }
    }
    for e in execute(gh, std::slice::from_ref(&answer), env.dry_run).await {
        if let ActionOutcome::Failed { error } = &e.outcome {
            tracing::warn!("answering /convoy status failed: {error}");
        }
    }
}

fn report(env: &WorkflowEnv, signal: &Signal, runs: &[ReleaseRun]) -> Result<(), CliError> {
    let ids: Vec<String> = runs.iter().map(|r| r.release.to_string()).collect();
    let phases: Vec<&str> = runs.iter().map(|r| r.manifest.phase.as_str()).collect();
    let plan = json!(
        runs.iter()
            .map(|r| {
                let mut entry = json!({"release": r.release, "phase": r.manifest.phase, "executed": r.executed});
                if let Some(would) = &r.would_create {
                    entry["would_create"] = json!(would);
                }
                entry
            })
            .collect::<Vec<_>>()
    );
    if env.dry_run {
        outln!(
            "{}",
            serde_json::to_string_pretty(&plan).context("the plan")?
        );
    }
    if let Some(path) = &env.output_file {
        let outputs = [
            ("release", ids.join(",")),
            ("phase", phases.join(",")),
            ("changed", runs.iter().any(|r| r.changed).to_string()),
            ("plan", plan.to_string()),
        ];
        write_outputs(path, &outputs).map_err(|e| CliError::Failure(e.into()))?;
    }
    if let Some(path) = &env.step_summary_file {
        let web = WebLinks::new(&env.server_url, env.state_branch.clone());
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        let asked = matches!(signal, Signal::Comment(c) if c.commands.iter().any(|x| matches!(x, Ok(Command::Status))));
        if about_every_release(signal) || asked {
            let (states, now) = states(runs);
            writeln!(file, "{}", releases_summary(&states, now))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        for run in runs {
            if let Some(summary) = run_summary(&run.manifest, &run.rounds(), &web) {
                writeln!(file, "{summary}")
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            if let Some(would) = &run.would_create {
                writeln!(file, "{}", would_create_summary(&run.manifest, would))
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
    }
    if let (Some(path), [run]) = (&env.env_file, runs) {
        let m = &run.manifest;
        let refs: serde_json::Map<String, serde_json::Value> = m
            .repos
            .iter()
            .filter_map(|r| {
                r.shas
                    .staged
                    .as_ref()
                    .or(r.shas.rc_head.as_ref())
                    .map(|s| (r.name.to_string(), json!(s)))
            })
            .collect();
        let rc = m
            .repos
            .first()
            .map(|r| r.rc_branch.to_string())
            .unwrap_or_default();
        let vars = [
            ("CONVOY_RELEASE", m.id.to_string()),
            ("CONVOY_PHASE", m.phase.as_str().to_owned()),
            ("CONVOY_RC_BRANCH", rc),
            ("CONVOY_REFS", serde_json::Value::Object(refs).to_string()),
        ];
        export_env(path, &vars).map_err(|e| CliError::Failure(e.into()))?;
    }
    Ok(())
}
