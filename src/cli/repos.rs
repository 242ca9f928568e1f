//! `convoy repos`: every repository a release of a config touches, from `convoy.json` alone.
//!
//! The control workflow feeds this list to the step that mints the GitHub App token
//! (`actions/create-github-app-token`'s `repositories:` takes the names without the owner,
//! comma- or newline-separated), so `convoy.json` is the one place that lists the repositories.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

use super::args::ReposFormat;
use super::error::{CliError, read_config};
use crate::model::config::Config;
use crate::model::ids::RepoName;

/// Arguments of `convoy repos`.
pub(super) struct ReposArgs<'a> {
    pub config: &'a Path,
    pub control_repo: Option<&'a str>,
    pub format: ReposFormat,
    pub github_output: Option<&'a str>,
}

/// The repositories a release of `config` touches, each once: the control repo, the members,
/// the repositories of the tier workflows and of the auto-fix workflow.
pub fn release_repos(config: &Config, control_repo: &RepoName) -> Vec<RepoName> {
    let mut all: Vec<RepoName> = Vec::new();
    let named = std::iter::once(control_repo)
        .chain(config.repos.iter().map(|r| &r.name))
        .chain(config.tiers.iter().map(|t| &t.repo))
        .chain(config.auto_fix.iter().map(|f| &f.repo));
    for repo in named {
        if !all.contains(repo) {
            all.push(repo.clone());
        }
    }
    all
}

/// The control repo: the config's `control_repo`, else `--control-repo` (which defaults to
/// `GITHUB_REPOSITORY`). `repos` and `plan` share it.
pub(super) fn control_repo(
    config: &Config,
    flag: Option<&str>,
    config_path: &Path,
) -> Result<RepoName, CliError> {
    match (&config.control_repo, flag) {
        (Some(repo), _) => Ok(repo.clone()),
        (None, Some(name)) => RepoName::parse(name).map_err(|e| {
            CliError::Invalid(format!(
                "--control-repo (or GITHUB_REPOSITORY) `{name}`: {e}"
            ))
        }),
        (None, None) => Err(CliError::Invalid(format!(
            "{}: names no `control_repo`; give --control-repo OWNER/NAME (in a workflow, GITHUB_REPOSITORY gives it)",
            config_path.display()
        ))),
    }
}

pub(super) fn run(args: &ReposArgs<'_>) -> Result<ExitCode, CliError> {
    let text = read_config(args.config)?;
    let config = crate::validate::config_from_str(&text).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {p}", args.config.display()))
            .collect();
        CliError::Invalid(lines.join("\n"))
    })?;
    let control = control_repo(&config, args.control_repo, args.config)?;
    let repos = release_repos(&config, &control);
    let text = match args.format {
        ReposFormat::Full => repos
            .iter()
            .map(RepoName::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        ReposFormat::Names => {
            let owners: BTreeSet<&str> = repos.iter().map(RepoName::owner).collect();
            if owners.len() > 1 {
                return Err(CliError::Invalid(format!(
                    "{}: the release's repositories belong to {} owners ({}): an installation token covers one owner; give convoy `app-id` and `private-key` instead (it mints a token per owner), or use --format full",
                    args.config.display(),
                    owners.len(),
                    owners.into_iter().collect::<Vec<_>>().join(", ")
                )));
            }
            repos
                .iter()
                .map(RepoName::name)
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    if let Some(name) = args.github_output {
        let path = std::env::var_os("GITHUB_OUTPUT").ok_or_else(|| {
            CliError::Invalid(
                "--github-output needs GITHUB_OUTPUT, the file GitHub Actions gives a step"
                    .to_owned(),
            )
        })?;
        crate::shell::write_outputs(Path::new(&path), &[(name, text.clone())])
            .map_err(|e| CliError::Invalid(e.to_string()))?;
    }
    outln!("{text}");
    Ok(ExitCode::SUCCESS)
}
