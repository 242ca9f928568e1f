//! `convoy verify <release>`: checks, reading GitHub alone, that what is on each member repo's
//! base branch is what the release shipped and that what shipped is what the tiers validated
//! (the release's lock, `releases/<id>/lock.json`). Exit 0 when every check holds, 1 naming the
//! first break, 2 on bad input (an id that is no release id, a release that does not exist or
//! has not shipped, no credentials).
//!
//! On the command line it prints text (or `--format json`) to stdout, logs to stderr; in the
//! Action (`command: verify` with the `release` input) the text goes to the job log, the first
//! break also as an `::error` annotation, and a table to the step summary.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;

use super::args::{CredentialArgs, Credentials};
use super::error::CliError;
use crate::github::client::{ClientConfig, GitHub};
use crate::github::store::{ManifestStore, StoreError};
use crate::github::tokens::AppAuth;
use crate::model::ids::{BranchName, ReleaseId, RepoName};
use crate::model::lock::Lock;
use crate::shell::WorkflowEnv;
use crate::shell::workflow_commands::escape_data;
use crate::verify::{Options, Report, render};

/// Arguments of `convoy verify`.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// The release id (`releases/<id>/` in the control repo), e.g. 2026.12.0.
    pub release: String,
    /// The control repo holding the release's manifest and lock.
    #[arg(long, env = "GITHUB_REPOSITORY")]
    pub control_repo: Option<String>,
    /// The control repo's branch holding `releases/` (the Action's `state-branch` input).
    /// Default: its default branch.
    #[arg(long)]
    pub state_branch: Option<String>,
    /// How to reach GitHub (a token that can read the control repo and every member and tier
    /// repository, or the App's id and key).
    #[command(flatten)]
    pub auth: CredentialArgs,
    /// Accept commits that reached a base branch outside the release (pushed after it shipped,
    /// or on the base when it merged): reported as `accepted`, not as a break.
    #[arg(long)]
    pub allow_later_commits: bool,
    /// How to print the report: `text` for people, `json` for machines.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
    pub format: VerifyFormat,
}

/// How `verify` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    /// One line per check, the first break at the end.
    Text,
    /// The report as JSON.
    Json,
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(e.into()))
}

fn release_id(s: &str, source: &str) -> Result<ReleaseId, CliError> {
    ReleaseId::parse(s.trim()).map_err(|e| CliError::Invalid(format!("{source}: {e}")))
}

fn exit_code(report: &Report) -> ExitCode {
    if report.holds {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Verifies release `id`: its manifest and lock from the control repo in `store`, everything
/// else from the member and tier repositories.
pub async fn verify(
    gh: &GitHub,
    store: &ManifestStore,
    id: &ReleaseId,
    options: Options,
) -> Result<Report, CliError> {
    let failure = |e: StoreError| CliError::Failure(anyhow::Error::new(e));
    let manifest = store
        .load(gh, id)
        .await
        .map_err(failure)?
        .ok_or_else(|| {
            CliError::Invalid(format!(
                "release {id} does not exist in {}: there is no {} (check the id, the control repo and the state branch)",
                store.repo,
                ManifestStore::file(id)
            ))
        })?
        .manifest;
    let stored = store.load_lock(gh, id).await.map_err(failure)?;
    let stored_lock = stored
        .as_ref()
        .and_then(|s| serde_json::from_str::<Lock>(&s.text).ok());
    let Some(lock) = stored_lock.or_else(|| Lock::of(&manifest)) else {
        return Err(CliError::Invalid(format!(
            "release {id} has not shipped (it is in {}): `convoy verify` checks a release once it shipped",
            manifest.phase.as_str()
        )));
    };
    let mut facts = crate::github::verify::read(gh, &lock)
        .await
        .with_context(|| format!("reading what GitHub shows of release {id}"))?;
    facts.lock_text = stored.map(|s| s.text);
    tracing::info!("{} requests to GitHub", gh.requests());
    Ok(crate::verify::judge(&manifest, &facts, options))
}

/// `convoy verify` on the command line.
pub(super) fn run(args: &VerifyArgs) -> Result<ExitCode, CliError> {
    let id = release_id(&args.release, "the release")?;
    let control = args.control_repo.as_deref().ok_or_else(|| {
        CliError::Invalid(
            "no control repo: name it with --control-repo OWNER/NAME (or set GITHUB_REPOSITORY)"
                .to_owned(),
        )
    })?;
    let control =
        RepoName::parse(control).map_err(|e| CliError::Invalid(format!("--control-repo: {e}")))?;
    let branch = args
        .state_branch
        .as_deref()
        .map(|b| {
            BranchName::parse(b).map_err(|e| CliError::Invalid(format!("--state-branch: {e}")))
        })
        .transpose()?;
    let credentials = args.auth.credentials()?;
    let store = ManifestStore {
        repo: control,
        branch,
    };
    let options = Options {
        allow_later_commits: args.allow_later_commits,
    };
    let api_url = args.auth.api_url().to_owned();
    // The client needs the runtime to exist.
    let report = runtime()?.block_on(async {
        let cfg = ClientConfig::new(api_url, String::new());
        let gh = match credentials {
            Credentials::App(app_id, private_key) => GitHub::with_app(
                cfg,
                AppAuth {
                    app_id,
                    private_key,
                    home: store.repo.owner().to_owned(),
                    on_mint: None,
                },
            ),
            Credentials::Token(token) => GitHub::new(ClientConfig { token, ..cfg }),
        }
        .map_err(CliError::Failure)?;
        verify(&gh, &store, &id, options).await
    })?;
    match args.format {
        VerifyFormat::Text => out!("{}", render::text(&report)),
        VerifyFormat::Json => outln!("{}", render::json(&report)),
    }
    if let Some(first) = &report.first_break {
        tracing::warn!("first break: {}", render::first_break_line(first));
    }
    Ok(exit_code(&report))
}

/// The `command` and `release` of the `workflow_dispatch` payload (the control workflow's
/// *Run workflow* button), when the run has no `command` input.
fn dispatched(env: &WorkflowEnv) -> Option<(String, Option<String>)> {
    if env.event_name != "workflow_dispatch" {
        return None;
    }
    let payload: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&env.event_path).ok()?).ok()?;
    let input = |name: &str| {
        payload
            .pointer(&format!("/inputs/{name}"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    Some((input("command")?, input("release")))
}

/// Whether the Action is asked for `verify`: the `command` input, or, without it, the
/// `command` of a `workflow_dispatch`.
pub(super) fn wanted(env: &WorkflowEnv) -> bool {
    let is_verify = |c: &str| c.trim().eq_ignore_ascii_case("verify");
    match &env.command {
        Some(command) => is_verify(command),
        None => dispatched(env).is_some_and(|(c, _)| is_verify(&c)),
    }
}

fn annotate(message: &str) {
    println!("::error title=convoy verify::{}", escape_data(message));
}

/// `--allow-later-commits` in the `args` input, or nothing.
fn action_options(args: Option<&str>) -> Result<Options, CliError> {
    let mut options = Options::default();
    for word in args.unwrap_or_default().split_whitespace() {
        match word {
            "--allow-later-commits" => options.allow_later_commits = true,
            other => {
                return Err(CliError::Invalid(format!(
                    "the `args` input of `verify`: `{other}` is not an option; `verify` takes `--allow-later-commits` or nothing"
                )));
            }
        }
    }
    Ok(options)
}

/// `command: verify` in the Action: the release from the `release` input (or the button's), the
/// report to the job log and the step summary; the step fails on a break.
pub(super) fn action(env: &WorkflowEnv) -> Result<ExitCode, CliError> {
    let result = (|| {
        let release = match (&env.release, dispatched(env).and_then(|(_, r)| r)) {
            (Some(r), _) => r.clone(),
            (None, Some(r)) if !r.trim().is_empty() => release_id(&r, "the `release` input")?,
            _ => {
                return Err(CliError::Invalid(
                    "`verify` needs a release: give the `release` input (the id of a shipped release)"
                        .to_owned(),
                ));
            }
        };
        let options = action_options(env.args.as_deref())?;
        let store = ManifestStore {
            repo: env.control_repo.clone(),
            branch: env.state_branch.clone(),
        };
        runtime()?.block_on(async {
            let gh = super::action_client::client(env)?;
            verify(&gh, &store, &release, options).await
        })
    })();
    let report = result.inspect_err(|e| {
        if let CliError::Invalid(message) = e {
            annotate(message);
        }
    })?;
    out!("{}", render::text(&report));
    if let Some(first) = &report.first_break {
        annotate(&render::first_break_line(first));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_action_takes_one_option_in_args() {
        assert_eq!(action_options(None).unwrap(), Options::default());
        assert!(
            action_options(Some(" --allow-later-commits "))
                .unwrap()
                .allow_later_commits
        );
        let err = action_options(Some("--force")).unwrap_err().to_string();
        assert!(err.contains("`--force` is not an option"), "{err}");
    }
}
