//! The `convoy` command line: parsing, logging setup, exit codes.
//!
//! Exit codes: 0 ok, 1 failure, 2 invalid input (a file or argument a person must fix).
//! Machine output goes to stdout; logs to stderr.

/// `println!` to stdout that ends the command quietly when the reader went away (`| head`).
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*), true)? };
}

/// `print!` to stdout, like [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_out(format_args!($($arg)*), false)? };
}

mod demo;
mod help;
mod inspect;
mod play;
mod repos;
mod run;
mod validate;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

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
        /// `full`: one `owner/name` per line; `names`: `name,name,…` without the owner, as
        /// actions/create-github-app-token's `repositories` input takes them (one owner only).
        #[arg(long, value_enum, default_value_t = ReposFormat::Full)]
        format: ReposFormat,
        /// Also write the list as this step output (to the file in `$GITHUB_OUTPUT`).
        #[arg(long, value_name = "NAME")]
        github_output: Option<String>,
    },
    /// Check a config and/or manifests: schema plus semantic checks.
    Validate {
        /// The config file (`convoy.json`).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Manifest files (`releases/<id>/manifest.json`).
        manifests: Vec<PathBuf>,
        /// `human` text, or `github` workflow-command annotations.
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
        #[arg(long)]
        config: PathBuf,
        /// `text` (waves), `mermaid` or `dot`.
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
    },
    /// Parse a GitHub event payload and print the signal convoy sees.
    Event {
        /// The event name (`GITHUB_EVENT_NAME`), e.g. `pull_request`.
        name: String,
        /// The payload file (`GITHUB_EVENT_PATH`).
        file: PathBuf,
    },
    /// Print the execution plan: phases ahead, gates, waves, and what the next run would do.
    Plan {
        /// The config file.
        #[arg(long)]
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
        /// `text` or `json`.
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

/// Why a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Input a person must fix (exit 2). The text is complete and printed as is.
    #[error("{0}")]
    Invalid(String),
    /// Anything else (exit 1).
    #[error(transparent)]
    Failure(#[from] anyhow::Error),
    /// Whoever read stdout stopped reading (exit 0: not our failure).
    #[error("stdout closed")]
    Closed,
}

/// Writes to stdout; a closed pipe becomes [`CliError::Closed`].
pub(crate) fn write_out(args: std::fmt::Arguments<'_>, newline: bool) -> Result<(), CliError> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let result = stdout
        .write_fmt(args)
        .and_then(|()| {
            if newline {
                stdout.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| stdout.flush());
    result.map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => CliError::Closed,
        _ => CliError::Failure(anyhow::Error::new(e).context("writing to stdout")),
    })
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // In the Action, the `log-level` input sets the level.
    let level = match (&cli.command, std::env::var("INPUT_LOG-LEVEL")) {
        (CliCommand::Run, Ok(l)) if !l.trim().is_empty() => l.trim().to_owned(),
        _ => cli.log_level.clone(),
    };
    init_logging(&level);
    let result = match cli.command {
        CliCommand::Demo { directive, keep } => demo::run(
            match directive {
                DemoDirective::Careful => crate::model::config::Directive::Careful,
                DemoDirective::Auto => crate::model::config::Directive::Auto,
                DemoDirective::Quick => crate::model::config::Directive::Quick,
            },
            keep,
        ),
        CliCommand::Sandbox {
            command: SandboxCommand::Serve(args),
        } => crate::demo::seed()
            .and_then(|seed| crate::sandbox::cli::run_serve(args, seed))
            .map(|()| ExitCode::SUCCESS)
            .map_err(CliError::Failure),
        CliCommand::Sandbox {
            command: SandboxCommand::Play(args),
        } => play::run(&args, &level),
        CliCommand::Run => run::run(),
        CliCommand::Repos {
            config,
            control_repo,
            format,
            github_output,
        } => repos::run(&repos::ReposArgs {
            config: &config,
            control_repo: control_repo.as_deref(),
            format,
            github_output: github_output.as_deref(),
        }),
        CliCommand::Validate {
            config,
            manifests,
            format,
        } => validate::run(config.as_deref(), &manifests, format),
        CliCommand::Schema { which } => inspect::schema(which),
        CliCommand::Graph { config, format } => inspect::graph(&config, format),
        CliCommand::Event { name, file } => inspect::event(&name, &file),
        CliCommand::Plan {
            config,
            manifest,
            observed,
            release,
            control_repo,
            now,
            format,
        } => inspect::plan(inspect::PlanArgs {
            config: &config,
            manifest: manifest.as_deref(),
            observed: observed.as_deref(),
            release: &release,
            control_repo: control_repo.as_deref(),
            now: now.as_deref(),
            format,
        }),
    };
    match result {
        Ok(code) => code,
        Err(CliError::Invalid(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
        Err(CliError::Closed) => ExitCode::SUCCESS,
        Err(CliError::Failure(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .try_init();
}

/// Reads a file a person named; a missing or unreadable file is invalid input.
pub(crate) fn read_input(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Invalid(format!("{}: cannot read it: {e}", path.display())))
}
