//! `convoy status`: every active release of the control repo on one line each — its phase,
//! what it waits for and who must act — as the scheduled run would see them. Reads GitHub
//! (the manifests, and what each release observes) with the token in `GITHUB_TOKEN`; changes
//! nothing (a dry run of the scheduled run).

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::error::{CliError, read_config};
use crate::github::client::{ClientConfig, GitHub};
use crate::github::store::ManifestStore;
use crate::model::ids::BranchName;
use crate::report::{Style, releases_list};
use crate::runner::{ReleaseRun, Runner};
use crate::shell::status::releases_summary;
use crate::signal::Signal;

/// Arguments of `convoy status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// The config file (for the control repo it names).
    #[arg(long, default_value = "convoy.json")]
    pub config: PathBuf,
    /// The control repo when the config does not name one.
    #[arg(long, env = "GITHUB_REPOSITORY")]
    pub control_repo: Option<String>,
    /// The control repo's branch for release manifests (the Action's `state-branch` input).
    /// Default: its default branch.
    #[arg(long)]
    pub state_branch: Option<String>,
    /// The token to read GitHub with; better given as GITHUB_TOKEN than on the command line.
    #[arg(long, env = "GITHUB_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The REST API's base URL (GitHub Enterprise Server: https://HOST/api/v3; the sandbox: its
    /// URL).
    #[arg(long, env = "GITHUB_API_URL", default_value = "https://api.github.com")]
    pub api_url: String,
    /// How to print: `text`, one line per release; `json` for machines; `github`, markdown as
    /// in a step summary.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
}

/// How `status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    /// One line per release.
    Text,
    /// The releases, their phases and waits as JSON.
    Json,
    /// Markdown, as the scheduled run's step summary lists them.
    Github,
}

/// `convoy status` on the command line.
pub(super) fn run(args: &StatusArgs) -> Result<ExitCode, CliError> {
    let source = args.config.display().to_string();
    let config = crate::validate::config_from_str(&read_config(&args.config)?).map_err(|p| {
        let lines: Vec<String> = p.iter().map(|p| format!("{source}: {p}")).collect();
        CliError::Invalid(lines.join("\n"))
    })?;
    let control = super::repos::control_repo(&config, args.control_repo.as_deref(), &args.config)?;
    let branch = args
        .state_branch
        .as_deref()
        .map(|b| {
            BranchName::parse(b)
                .map_err(|e| CliError::Invalid(format!("--state-branch `{b}`: {e}")))
        })
        .transpose()?;
    let Some(token) = args.token.clone() else {
        return Err(CliError::Invalid(
            "no credentials: set GITHUB_TOKEN (or --token) to a token that can read the control repo and the release's repositories".to_owned(),
        ));
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(e.into()))?;
    let runs = runtime.block_on(async {
        let gh = GitHub::new(ClientConfig::new(args.api_url.clone(), token))
            .map_err(CliError::Failure)?;
        let store = ManifestStore {
            repo: control,
            branch,
        };
        // What the scheduled run would decide, without acting on it.
        let runner =
            Runner::new(&gh, store, crate::shell::inputs::DEFAULT_CONFIG).with_dry_run(true);
        runner
            .handle(&Signal::Schedule)
            .await
            .map_err(|e| CliError::Failure(e.into()))
    })?;
    let states: Vec<_> = runs
        .iter()
        .filter(|r| r.manifest.phase.is_active())
        .filter_map(|r| Some((&r.manifest, r.decisions.last()?.waits.as_slice())))
        .collect();
    let now = runs
        .iter()
        .filter_map(|r| r.decisions.last().map(|d| d.at))
        .max()
        .unwrap_or_else(crate::clock::now);
    match args.format {
        StatusFormat::Text => out!("{}", releases_list(&states, now, Style::Text)),
        StatusFormat::Github => out!("{}", releases_summary(&states, now)),
        StatusFormat::Json => outln!("{}", as_json(&runs)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The active releases as JSON: id, title, phase, and what each waits for.
fn as_json(runs: &[ReleaseRun]) -> serde_json::Value {
    json!(
        runs.iter()
            .filter(|r| r.manifest.phase.is_active())
            .map(|r| json!({
                "release": r.release,
                "title": r.manifest.title,
                "phase": r.manifest.phase,
                "waits": r.decisions.last().map(|d| d.waits.clone()).unwrap_or_default(),
            }))
            .collect::<Vec<_>>()
    )
}
