//! `convoy doctor`: before the first release, what the token can see and do in every repository
//! of `convoy.json`, what convoy will do with each rule it finds there, and what will stop a
//! release, with the fix. Exit 0 when nothing will, 2 when something will.
//!
//! On the command line it reads a local `convoy.json`; in the Action (`command: doctor`) it reads
//! the config from the control repo, as a run does, prints the report to the job log (each
//! blocker also as an `::error` annotation) and writes it to the step summary.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::args::{CredentialArgs, Credentials};
use super::error::{CliError, read_config};
use crate::doctor::{Report, TokenFacts, render};
use crate::github::client::{ClientConfig, GitHub};
use crate::github::store::ManifestStore;
use crate::model::config::Config;
use crate::model::ids::{BranchName, RepoName};
use crate::shell::workflow_commands::escape_data;
use crate::shell::{Secret, WorkflowEnv, mask};

/// Arguments of `convoy doctor`.
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// The config file.
    #[arg(long, default_value = "convoy.json")]
    pub config: PathBuf,
    /// The control repo when the config does not name one.
    #[arg(long, env = "GITHUB_REPOSITORY")]
    pub control_repo: Option<String>,
    /// The control repo's branch for release manifests (the Action's `state-branch` input).
    /// Default: its default branch.
    #[arg(long)]
    pub state_branch: Option<String>,
    /// How to reach GitHub: the token convoy acts with, or the App's id and key (the report then
    /// also checks the App's permissions).
    #[command(flatten)]
    pub auth: CredentialArgs,
    /// How to print the report: `text` for people, `json` for machines, `github` for a step
    /// summary (markdown).
    #[arg(long, value_enum, default_value_t = DoctorFormat::Text)]
    pub format: DoctorFormat,
}

/// How `doctor` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DoctorFormat {
    /// A short section per repository.
    Text,
    /// The findings as JSON.
    Json,
    /// Markdown, as the Action writes to the step summary.
    Github,
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(e.into()))
}

fn parse_config(text: &str, source: &str) -> Result<Config, CliError> {
    crate::validate::config_from_str(text).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| format!("{source}: {p}")).collect();
        CliError::Invalid(lines.join("\n"))
    })
}

fn state_branch(name: Option<&str>, source: &str) -> Result<Option<BranchName>, CliError> {
    name.map(|b| {
        BranchName::parse(b).map_err(|e| CliError::Invalid(format!("{source} `{b}`: {e}")))
    })
    .transpose()
}

/// The client and what is known of its token: a token as given, or one minted for the App
/// (masked first when `in_action`: the runner does not know that secret).
async fn connect(
    api_url: &str,
    credentials: &Credentials,
    control: &RepoName,
    in_action: bool,
) -> Result<(GitHub, TokenFacts), CliError> {
    let (token, facts) = match credentials {
        Credentials::App(app_id, key) => {
            let grant = crate::github::app::installation_grant(api_url, *app_id, key, control)
                .await
                .map_err(CliError::Failure)?;
            // A minted token is a new secret: mask it before anything else can print it.
            if in_action {
                out!("{}", mask(&Secret::new(grant.token.as_str())));
            }
            (
                grant.token,
                TokenFacts::App {
                    permissions: grant.permissions,
                },
            )
        }
        Credentials::Token(t) => (t.clone(), TokenFacts::Given),
    };
    let gh =
        GitHub::new(ClientConfig::new(api_url.to_owned(), token)).map_err(CliError::Failure)?;
    Ok((gh, facts))
}

/// Reads and judges; logs how many requests it took.
async fn examine(
    gh: &GitHub,
    token: &TokenFacts,
    config: &Config,
    control: &RepoName,
    state: Option<&BranchName>,
    config_file: Option<&str>,
) -> Report {
    let scope = crate::doctor::scope(config, control, state, config_file);
    let facts = crate::github::doctor::read(gh, &scope).await;
    tracing::info!(
        "{} requests to GitHub for {} repositories",
        gh.requests(),
        scope.repos.len()
    );
    crate::doctor::judge(&scope, token, &facts)
}

fn exit_code(report: &Report) -> ExitCode {
    if report.will_stop() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// `convoy doctor` on the command line.
pub(super) fn run(args: &DoctorArgs) -> Result<ExitCode, CliError> {
    let source = args.config.display().to_string();
    let config = parse_config(&read_config(&args.config)?, &source)?;
    let control = super::repos::control_repo(&config, args.control_repo.as_deref(), &args.config)?;
    let state = state_branch(args.state_branch.as_deref(), "--state-branch")?;
    let credentials = args.auth.credentials()?;
    let runtime = runtime()?;
    let report = runtime.block_on(async {
        let (gh, token) = connect(args.auth.api_url(), &credentials, &control, false).await?;
        let file = crate::shell::inputs::DEFAULT_CONFIG;
        Ok::<_, CliError>(examine(&gh, &token, &config, &control, state.as_ref(), Some(file)).await)
    })?;
    match args.format {
        DoctorFormat::Text => out!("{}", render::text(&report)),
        DoctorFormat::Json => outln!("{}", render::json(&report)),
        DoctorFormat::Github => out!("{}", render::markdown(&report)),
    }
    Ok(exit_code(&report))
}

/// Whether the Action is asked for `doctor`: the `command` input, or, without it, the
/// `command` of a `workflow_dispatch` (the control workflow's *Run workflow* button).
pub(super) fn wanted(env: &WorkflowEnv) -> bool {
    let is_doctor = |c: &str| c.trim().eq_ignore_ascii_case("doctor");
    if let Some(command) = &env.command {
        return is_doctor(command);
    }
    env.event_name == "workflow_dispatch"
        && std::fs::read(&env.event_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .and_then(|payload| {
                payload
                    .pointer("/inputs/command")
                    .and_then(serde_json::Value::as_str)
                    .map(is_doctor)
            })
            .unwrap_or(false)
}

fn annotate(message: &str) {
    println!("::error title=convoy doctor::{}", escape_data(message));
}

/// `command: doctor` in the Action: the config from the control repo, the report to the job
/// log and the step summary.
pub(super) fn action(env: &WorkflowEnv) -> Result<ExitCode, CliError> {
    let runtime = runtime()?;
    let report = runtime.block_on(async {
        let app = env
            .app
            .as_ref()
            .map(|a| (a.app_id, a.private_key.expose().to_owned()));
        let token = env.token.as_ref().map(|t| t.expose().to_owned());
        let credentials = Credentials::pick(app, token)?;
        let (gh, token) = connect(&env.api_url, &credentials, &env.control_repo, true).await?;
        let store = ManifestStore {
            repo: env.control_repo.clone(),
            branch: env.state_branch.clone(),
        };
        let source = format!("{} in {}", env.config, env.control_repo);
        let text = store
            .read_text(&gh, &env.config)
            .await
            .map_err(|e| CliError::Failure(anyhow::Error::new(e)))?
            .ok_or_else(|| {
                CliError::Invalid(format!(
                    "{source}: not found; commit convoy.json there, or name its path with the `config` input"
                ))
            })?;
        let config = parse_config(&text, &source)?;
        Ok::<_, CliError>(
            examine(
                &gh,
                &token,
                &config,
                &env.control_repo,
                env.state_branch.as_ref(),
                None,
            )
            .await,
        )
    });
    let report = report.inspect_err(|e| {
        if let CliError::Invalid(message) = e {
            annotate(message);
        }
    })?;
    out!("{}", render::text(&report));
    for r in &report.repos {
        for f in r.findings.iter().filter(|f| f.is_blocker()) {
            annotate(&format!(
                "{}: {}: {}. Fix: {}",
                r.repo,
                f.subject,
                f.seen,
                f.fix().unwrap_or_default()
            ));
        }
    }
    for f in report.token.iter().filter(|f| f.is_blocker()) {
        annotate(&format!(
            "token: {}: {}. Fix: {}",
            f.subject,
            f.seen,
            f.fix().unwrap_or_default()
        ));
    }
    if let Some(path) = &env.step_summary_file {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        writeln!(file, "{}", render::markdown(&report))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(exit_code(&report))
}
