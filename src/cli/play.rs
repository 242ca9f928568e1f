//! `convoy sandbox play`: feed the sandbox's pending webhook deliveries to `convoy run`.
//!
//! On GitHub each delivery starts a workflow run whose convoy step is `convoy run`. Against the
//! sandbox nothing starts runs, so this command plays the runner's part: it drains
//! `GET /_sandbox/events`, and for each delivery writes the payload to a file and starts this
//! very binary as `convoy run` with the variables a workflow run of the control repo would have
//! (`GITHUB_EVENT_NAME`, `GITHUB_EVENT_PATH`, `GITHUB_REPOSITORY`, `GITHUB_ACTOR`, …). Every
//! delivery is played, whichever repository it was for, as if the member repositories'
//! forwarding workflows relayed theirs. It prints one line per delivery and drains again until
//! the queue is empty (convoy's own writes queue new deliveries).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use anyhow::Context as _;
use serde_json::Value;

use super::error::CliError;
use crate::lifecycle::action::{ActionOutcome, Executed};
use crate::signal::Signal;

/// Arguments of `convoy sandbox play`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlayArgs {
    /// The sandbox's URL, as `convoy sandbox serve` prints it (`listening on URL`).
    #[arg(long)]
    pub url: String,
    /// The token convoy acts with (in the default seed, the bot `convoy-bot`'s).
    #[arg(long, default_value = "t-bot")]
    pub token: String,
    /// The control repo: the repository each `convoy run` runs in (it is given to each run as
    /// `GITHUB_REPOSITORY`; the default is the demo seed's, as this command plays the sandbox).
    #[arg(long, default_value = "acme/control")]
    pub control_repo: String,
    /// Drain the queue once, instead of again until it is empty.
    #[arg(long)]
    pub once: bool,
}

/// Drains after the first batch at most this often: a release writes a bounded number of
/// times per delivery, so a queue that keeps refilling means something loops.
const MAX_ROUNDS: usize = 50;

/// One delivery of `GET /_sandbox/events`.
struct Delivery {
    name: String,
    repo: String,
    payload: Value,
}

impl Delivery {
    /// `name.action repo`, e.g. `pull_request.closed acme/api`.
    fn label(&self) -> String {
        match self.payload.get("action").and_then(Value::as_str) {
            Some(action) => format!("{}.{action} {}", self.name, self.repo),
            None => format!("{} {}", self.name, self.repo),
        }
    }
}

/// Tallies of a play.
#[derive(Default)]
struct Tally {
    ran: usize,
    ignored: usize,
    failed: usize,
}

pub(super) fn run(args: &PlayArgs, log_level: &str) -> Result<ExitCode, CliError> {
    let convoy = std::env::current_exe().context("finding the convoy binary")?;
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let client = runtime
        .block_on(async { crate::demo::sandbox_client(&args.url, &args.token) })
        .map_err(CliError::Failure)?;
    let mut tally = Tally::default();
    let mut phases: BTreeMap<String, String> = BTreeMap::new();
    let mut n = 0;
    for round in 0.. {
        let drained = runtime
            .block_on(client.get("/_sandbox/events"))
            .with_context(|| format!("draining {}/_sandbox/events", args.url))?;
        let deliveries = deliveries(&drained)?;
        if deliveries.is_empty() {
            break;
        }
        if round == MAX_ROUNDS {
            outln!(
                "stopped after {MAX_ROUNDS} rounds with {} deliveries still queued: something loops",
                deliveries.len()
            );
            tally.failed += 1;
            break;
        }
        for delivery in deliveries {
            n += 1;
            let outcome = play_one(&convoy, scratch.path(), args, log_level, &delivery, n)?;
            let line = match outcome {
                Played::Ignored(reason) => {
                    tally.ignored += 1;
                    format!("ignored: {reason}")
                }
                Played::Failed(why) => {
                    tally.failed += 1;
                    format!("failed: {why}")
                }
                Played::Ran(runs) => {
                    tally.ran += 1;
                    describe(&runs, &mut phases)
                }
            };
            outln!("{n:>3} {}: {line}", delivery.label());
        }
        if args.once {
            break;
        }
    }
    outln!(
        "played {n} deliveries: {} through convoy run, {} ignored, {} failed",
        tally.ran,
        tally.ignored,
        tally.failed
    );
    Ok(if tally.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn deliveries(drained: &Value) -> Result<Vec<Delivery>, CliError> {
    let list = drained.as_array().ok_or_else(|| {
        CliError::Failure(anyhow::anyhow!(
            "/_sandbox/events answered {drained}, not a list: is the URL a convoy sandbox?"
        ))
    })?;
    Ok(list
        .iter()
        .filter_map(|e| {
            Some(Delivery {
                name: e.get("name")?.as_str()?.to_owned(),
                repo: e.get("repo")?.as_str().unwrap_or_default().to_owned(),
                payload: e.get("payload")?.clone(),
            })
        })
        .collect())
}

/// What became of one delivery.
enum Played {
    /// convoy has nothing to do with it (`convoy run` would only say so).
    Ignored(String),
    /// `convoy run` failed; its message.
    Failed(String),
    /// `convoy run` handled it: each release it ran (from the `plan` output).
    Ran(Vec<RunReport>),
}

/// One release of a run's `plan` output.
#[derive(serde::Deserialize)]
struct RunReport {
    release: String,
    phase: String,
    #[serde(default)]
    executed: Vec<Executed>,
}

fn play_one(
    convoy: &Path,
    scratch: &Path,
    args: &PlayArgs,
    log_level: &str,
    delivery: &Delivery,
    n: usize,
) -> Result<Played, CliError> {
    let bytes = serde_json::to_vec(&delivery.payload).context("writing the payload")?;
    match crate::event::parse_event(&delivery.name, &bytes) {
        Err(e) => return Ok(Played::Failed(format!("the payload does not parse: {e}"))),
        Ok(Signal::Ignored { reason }) => return Ok(Played::Ignored(reason)),
        Ok(_) => {}
    }
    let dir = scratch.join(n.to_string());
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let event_path = dir.join("event.json");
    std::fs::write(&event_path, &bytes)
        .with_context(|| format!("writing {}", event_path.display()))?;
    let output = dir.join("output");
    let actor = delivery
        .payload
        .pointer("/sender/login")
        .and_then(Value::as_str)
        .unwrap_or("convoy-bot");
    let mut cmd = Command::new(convoy);
    cmd.arg("run");
    // Only what a workflow run of the control repo would set: nothing of the caller's shell.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("GITHUB_") || name.starts_with("INPUT_") {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd.env("GITHUB_EVENT_NAME", &delivery.name)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_REPOSITORY", &args.control_repo)
        .env("GITHUB_API_URL", &args.url)
        .env("GITHUB_ACTOR", actor)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"))
        .env("GITHUB_ENV", dir.join("env"))
        .env("INPUT_TOKEN", &args.token)
        .env("INPUT_WRITE-GAP-MS", "0")
        .env("INPUT_LOG-LEVEL", log_level)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let out = cmd
        .output()
        .with_context(|| format!("starting {} run", convoy.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let errors: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("::error").and_then(|l| l.split_once("::")))
            .map(|(_, message)| message)
            .collect();
        let code = out
            .status
            .code()
            .map_or_else(|| "a signal".to_owned(), |c| c.to_string());
        return Ok(Played::Failed(if errors.is_empty() {
            format!("convoy run exited with {code}")
        } else {
            format!("convoy run exited with {code}: {}", errors.join("; "))
        }));
    }
    let text = std::fs::read_to_string(&output).unwrap_or_default();
    let plan = read_output(&text, "plan").unwrap_or_else(|| "[]".to_owned());
    let runs: Vec<RunReport> = serde_json::from_str(&plan).context("reading the plan output")?;
    Ok(Played::Ran(runs))
}

/// The value of `name` in a `$GITHUB_OUTPUT` file (`name<<DELIMITER`, lines, `DELIMITER`).
fn read_output(text: &str, name: &str) -> Option<String> {
    let mut lines = text.lines();
    let prefix = format!("{name}<<");
    while let Some(line) = lines.next() {
        if let Some(delimiter) = line.strip_prefix(&prefix) {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
            return Some(value.join("\n"));
        }
    }
    None
}

/// `r1 planning → development: create_branch acme/api rc/r1, …` for each release of a run.
fn describe(runs: &[RunReport], phases: &mut BTreeMap<String, String>) -> String {
    if runs.is_empty() {
        return "no release concerned".to_owned();
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|r| {
            let phase = match phases.insert(r.release.clone(), r.phase.clone()) {
                Some(before) if before != r.phase => format!("{before} → {}", r.phase),
                _ => r.phase.clone(),
            };
            let done: Vec<String> = r
                .executed
                .iter()
                .filter(|e| matches!(e.outcome, ActionOutcome::Done { .. }))
                .map(|e| format!("{} {}", e.planned.action.kind(), e.planned.action.target()))
                .collect();
            if done.is_empty() {
                format!("{} {phase}", r.release)
            } else {
                format!("{} {phase}: {}", r.release, done.join(", "))
            }
        })
        .collect();
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::read_output;

    #[test]
    fn outputs_are_read_back_in_the_runners_format() {
        let text = "release<<ghadelim_1\nr1\nghadelim_1\nplan<<ghadelim_4\n[\n1\n]\nghadelim_4\n";
        assert_eq!(read_output(text, "release").as_deref(), Some("r1"));
        assert_eq!(read_output(text, "plan").as_deref(), Some("[\n1\n]"));
        assert_eq!(read_output(text, "phase"), None);
    }
}
