//! `convoy schema`, `graph`, `event` and `plan`: read-only views.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::args::{GraphFormat, PlanFormat, SchemaKind};
use super::error::{CliError, read_config, read_input};
use crate::lifecycle::observed::Observed;
use crate::model::create::CreateRequest;
use crate::model::ids::{Login, ReleaseId, RepoName};
use crate::model::manifest::ReleaseManifest;
use crate::model::schema::Document;
use crate::model::time::Timestamp;
use crate::signal::{CreateArgs, Signal};
use crate::validate::{self, Problem};

fn invalid(file: &Path, problems: &[Problem]) -> CliError {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {p}", file.display()))
        .collect();
    CliError::Invalid(lines.join("\n"))
}

pub(super) fn schema(which: SchemaKind) -> Result<ExitCode, CliError> {
    let doc = match which {
        SchemaKind::Config => Document::Config,
        SchemaKind::Manifest => Document::Manifest,
        SchemaKind::Lock => Document::Lock,
    };
    out!("{}", doc.schema_text());
    Ok(ExitCode::SUCCESS)
}

fn load_config(path: &Path) -> Result<crate::model::config::Config, CliError> {
    let text = read_config(path)?;
    validate::config_from_str(&text).map_err(|p| invalid(path, &p))
}

pub(super) fn graph(config: &Path, format: GraphFormat) -> Result<ExitCode, CliError> {
    let config = load_config(config)?;
    let edges: Vec<_> = config
        .repos
        .iter()
        .flat_map(|r| r.depends_on.iter().map(move |d| (&r.name, d)))
        .collect();
    let graph = crate::graph::DependencyGraph::new(config.repos.iter().map(|r| &r.name), edges)
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    match format {
        GraphFormat::Text => {
            for (i, wave) in graph.waves().iter().enumerate() {
                let names: Vec<&str> = wave.iter().map(RepoName::as_str).collect();
                outln!("wave {}: {}", i + 1, names.join(", "));
            }
        }
        GraphFormat::Mermaid => out!("{}", graph.to_mermaid()),
        GraphFormat::Dot => out!("{}", graph.to_dot()),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn event(name: &str, file: &Path) -> Result<ExitCode, CliError> {
    let bytes = std::fs::read(file).map_err(|e| {
        CliError::Invalid(format!(
            "{}: cannot read the event payload: {e}",
            file.display()
        ))
    })?;
    let signal = crate::event::parse_event(name, &bytes)
        .map_err(|e| CliError::Invalid(format!("{}: {e}", file.display())))?;
    match signal {
        Signal::Ignored { reason } => outln!("ignored: {reason}"),
        other => outln!(
            "{}",
            serde_json::to_string_pretty(&signal_json(&other).context("printing the signal")?)
                .context("printing the signal")?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// The signal as plain JSON: a comment's commands are listed as commands, a line that does not
/// parse as `{"error": "…"}` (not as Rust's `Ok` and `Err`).
fn signal_json(signal: &Signal) -> serde_json::Result<serde_json::Value> {
    let mut v = serde_json::to_value(signal)?;
    if let Signal::Comment(c) = signal {
        let commands = c
            .commands
            .iter()
            .map(|r| match r {
                Ok(command) => serde_json::to_value(command),
                Err(error) => Ok(serde_json::json!({ "error": error })),
            })
            .collect::<serde_json::Result<Vec<_>>>()?;
        v["commands"] = serde_json::Value::Array(commands);
    }
    Ok(v)
}

/// Arguments of `convoy plan`.
pub(super) struct PlanArgs<'a> {
    pub config: &'a Path,
    pub manifest: Option<&'a Path>,
    pub observed: Option<&'a Path>,
    pub release: &'a str,
    pub control_repo: Option<&'a str>,
    pub now: Option<&'a str>,
    pub format: PlanFormat,
}

pub(super) fn plan(args: PlanArgs<'_>) -> Result<ExitCode, CliError> {
    let config = load_config(args.config)?;
    let now = match args.now {
        Some(t) => Timestamp::parse(t).map_err(|e| CliError::Invalid(format!("--now: {e}")))?,
        None => crate::clock::now(),
    };
    let manifest: ReleaseManifest = match args.manifest {
        Some(path) => {
            let text = read_input(path)?;
            validate::manifest_from_str(&text).map_err(|p| invalid(path, &p))?
        }
        None => {
            let id = ReleaseId::parse(args.release)
                .map_err(|e| CliError::Invalid(format!("--release: {e}")))?;
            let control_repo = super::repos::control_repo(&config, args.control_repo, args.config)?;
            let actor = Login::parse("convoy").map_err(|e| CliError::Failure(e.into()))?;
            ReleaseManifest::create(
                &config,
                CreateRequest {
                    id,
                    control_repo,
                    actor,
                    now,
                    args: CreateArgs::default(),
                    gathered: Vec::new(),
                    left_out: Vec::new(),
                },
            )
            .map_err(|e| CliError::Invalid(e.to_string()))?
        }
    };
    let observed: Option<Observed> = match args.observed {
        Some(path) => {
            let text = read_input(path)?;
            Some(serde_json::from_str(&text).map_err(|e| {
                CliError::Invalid(format!("{}: not an observed state: {e}", path.display()))
            })?)
        }
        None => None,
    };
    let plan = crate::plan::plan(&manifest, observed.as_ref(), now);
    match args.format {
        PlanFormat::Text => out!("{}", plan.render()),
        PlanFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&plan).context("printing the plan")?
        ),
    }
    Ok(ExitCode::SUCCESS)
}
