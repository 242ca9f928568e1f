//! The command line's grammar: the clap types of every subcommand and its flags.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::{doctor, help, play, status, verify};

/// convoy ships one release across many GitHub repositories as a unit.
#[derive(Debug, Parser)]
#[command(name = "convoy", version, about, long_about = None)]
pub struct Cli {
    /// Log level for stderr (error, warn, info, debug, trace).
    #[arg(long, global = true, env = "CONVOY_LOG", default_value = "warn")]
    pub log_level: String,
    /// What to do.
    #[command(subcommand)]
    pub command: CliCommand,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Play a whole release in the sandbox, driven as GitHub Actions would drive convoy.
    Demo {
        /// The directive to play it under.
        #[arg(long, value_enum, default_value_t = DemoDirective::Careful)]
        directive: DemoDirective,
        /// Play it in a protected organisation: required checks (strict), a required review, a
        /// squash-only repository, a staging that takes only pull requests; CI and a reviewer
        /// act through the API.
        #[arg(long)]
        protected: bool,
        /// Keep the sandbox's git repositories in this directory to inspect them.
        #[arg(long)]
        keep: Option<PathBuf>,
    },
    /// A local GitHub-compatible sandbox over real git repositories.
    Sandbox {
        /// What to do with it.
        #[command(subcommand)]
        command: SandboxCommand,
    },
    /// The GitHub Action's entrypoint: handle this workflow run's event (reads the runner's
    /// environment and the `INPUT_*` variables).
    #[command(after_help = help::RUN_ENV)]
    Run,
    /// Print every repository a release touches (control repo, members, tier and auto-fix
    /// repositories), from convoy.json: the list the App token step needs.
    Repos {
        /// The config file.
        #[arg(long, default_value = "convoy.json")]
        config: PathBuf,
        /// The control repo when the config does not name one.
        #[arg(long, env = "GITHUB_REPOSITORY")]
        control_repo: Option<String>,
        /// How to print the list. `full`: one `owner/name` per line; `names`: `name,name,…`
        /// without the owner, as
        /// actions/create-github-app-token's `repositories` input takes them (one owner only).
        #[arg(long, value_enum, default_value_t = ReposFormat::Full)]
        format: ReposFormat,
        /// Also write the list as this step output (to the file in `$GITHUB_OUTPUT`).
        #[arg(long, value_name = "NAME")]
        github_output: Option<String>,
    },
    /// Before the first release: what the token can see and do in every repository of
    /// convoy.json, what convoy will do with each rule there, and what would stop a release,
    /// with the fix (exit 2 then). Changes nothing.
    Doctor(doctor::DoctorArgs),
    /// After a release shipped: check, reading GitHub alone, that each member repo's base
    /// branch still holds what shipped and that what shipped is what the tiers validated (the
    /// release's lock, releases/<id>/lock.json). Exit 0 when it holds, 1 naming the first
    /// break, 2 on bad input.
    Verify(verify::VerifyArgs),
    /// Every active release of the control repo on one line each: its phase, what it waits for
    /// and who must act (reads GitHub with GITHUB_TOKEN, changes nothing).
    Status(status::StatusArgs),
    /// Check a config and/or manifests: schema, types and semantic checks, every problem of a
    /// file in one run. Without arguments: `./convoy.json`.
    Validate {
        /// The config file. Default, when no manifest is named either: `convoy.json` in the
        /// current directory.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Manifest files (`releases/<id>/manifest.json`).
        manifests: Vec<PathBuf>,
        /// `human` text, or `github` workflow-command annotations (with `line` and `col`).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Print an embedded JSON Schema.
    Schema {
        /// Which document.
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Print the dependency graph of a config with its promotion waves.
    Graph {
        /// The config file.
        #[arg(long, default_value = "convoy.json")]
        config: PathBuf,
        /// How to print the graph: `text` (one line per wave), `mermaid` or `dot`.
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
    },
    /// Parse a GitHub event payload and print the signal convoy sees, as JSON (or why convoy
    /// ignores the event).
    Event {
        /// The event name (`GITHUB_EVENT_NAME`), e.g. `pull_request`.
        name: String,
        /// The payload file (`GITHUB_EVENT_PATH`): the webhook's JSON body.
        file: PathBuf,
    },
    /// Print the execution plan: phases ahead, gates, waves, and what the next run would do.
    Plan {
        /// The config file.
        #[arg(long, default_value = "convoy.json")]
        config: PathBuf,
        /// The release's manifest (default: a release about to be created from the config).
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// What GitHub shows, as JSON (default: every base and staging branch exists).
        #[arg(long)]
        observed: Option<PathBuf>,
        /// The id of the release to plan when no manifest is given.
        #[arg(long, default_value = "next")]
        release: String,
        /// The control repo when the config does not name one.
        #[arg(long, env = "GITHUB_REPOSITORY")]
        control_repo: Option<String>,
        /// The time to plan at (RFC 3339); default now.
        #[arg(long)]
        now: Option<String>,
        /// How to print the plan: `text` for people, `json` for machines.
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
}

/// How `validate` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `FILE: /pointer: message` lines.
    Human,
    /// `::error file=…,title=…::…` workflow commands.
    Github,
}

/// `convoy sandbox …`.
#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox on loopback until killed; the first stdout line is `listening on URL`.
    Serve(crate::sandbox::cli::ServeArgs),
    /// Play the sandbox's pending webhook deliveries through `convoy run`, one line per
    /// delivery, until none is left.
    Play(play::PlayArgs),
}

/// How `repos` prints the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReposFormat {
    /// One `owner/name` per line.
    Full,
    /// Names without the owner, comma-separated.
    Names,
}

/// Directives for the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoDirective {
    /// Humans approve each gate.
    Careful,
    /// Gates open by themselves.
    Auto,
    /// Only quick tiers gate.
    Quick,
}

/// Which schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// `convoy.json`.
    Config,
    /// The release manifest.
    Manifest,
    /// The release lock.
    Lock,
}

/// Graph output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// One line per wave.
    Text,
    /// A mermaid flowchart.
    Mermaid,
    /// Graphviz dot.
    Dot,
}

/// Plan output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// For people.
    Text,
    /// For machines.
    Json,
}

/// How a command that reads GitHub on the command line (`doctor`, `verify`) authenticates, and
/// where the API is.
#[derive(Debug, Clone, clap::Args)]
pub struct CredentialArgs {
    /// The token to use (an App installation token or a fine-grained token that can read the
    /// release's repositories); better given as GITHUB_TOKEN than on the command line.
    #[arg(long, env = "GITHUB_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Instead of a token: the GitHub App's id, with --private-key (convoy mints installation
    /// tokens; `doctor` then also checks the App's permissions).
    #[arg(long, requires = "private_key")]
    pub app_id: Option<u64>,
    /// The GitHub App's private key (a PEM file), with --app-id.
    #[arg(long, value_name = "FILE", requires = "app_id")]
    pub private_key: Option<PathBuf>,
    /// The REST API's base URL (GitHub Enterprise Server: https://HOST/api/v3; the sandbox: its
    /// URL).
    #[arg(long, env = "GITHUB_API_URL", default_value = "https://api.github.com")]
    pub api_url: String,
}

/// The credentials a [`CredentialArgs`] gives, the private key read from its file.
pub enum Credentials {
    /// A GitHub App's id and private key (PEM).
    App(u64, String),
    /// A token.
    Token(String),
}

impl Credentials {
    /// The App when given (id and key), else the token; an error saying how to give either
    /// when there is neither.
    pub fn pick(
        app: Option<(u64, String)>,
        token: Option<String>,
    ) -> Result<Credentials, super::error::CliError> {
        match (app, token) {
            (Some((app_id, key)), _) => Ok(Credentials::App(app_id, key)),
            (None, Some(token)) => Ok(Credentials::Token(token)),
            (None, None) => Err(super::error::CliError::Invalid(
                "no credentials: set GITHUB_TOKEN (or --token), or give --app-id and --private-key"
                    .to_owned(),
            )),
        }
    }
}

impl CredentialArgs {
    /// The App's id and key when both are given (the key file read), else the token; an error
    /// saying how to give either when there is neither.
    pub fn credentials(&self) -> Result<Credentials, super::error::CliError> {
        let key = self
            .private_key
            .as_deref()
            .map(super::error::read_input)
            .transpose()?;
        Credentials::pick(self.app_id.zip(key), self.token.clone())
    }

    /// The API's base URL without a trailing `/`.
    pub fn api_url(&self) -> &str {
        self.api_url.trim_end_matches('/')
    }
}
