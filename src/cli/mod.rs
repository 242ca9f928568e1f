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

mod action_client;
mod args;
mod demo;
mod doctor;
mod error;
mod help;
mod inspect;
mod play;
mod repos;
mod run;
mod status;
mod validate;
mod verify;

use std::process::ExitCode;

use clap::Parser;

pub use args::{
    Cli, CliCommand, DemoDirective, Format, GraphFormat, PlanFormat, ReposFormat, SandboxCommand,
    SchemaKind,
};
pub use error::CliError;
pub(crate) use error::write_out;
pub use verify::{VerifyArgs, VerifyFormat, verify};

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
        CliCommand::Demo {
            directive,
            protected,
            keep,
        } => demo::run(
            match directive {
                DemoDirective::Careful => crate::model::config::Directive::Careful,
                DemoDirective::Auto => crate::model::config::Directive::Auto,
                DemoDirective::Quick => crate::model::config::Directive::Quick,
            },
            protected,
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
        CliCommand::Doctor(args) => doctor::run(&args),
        CliCommand::Verify(args) => verify::run(&args),
        CliCommand::Status(args) => status::run(&args),
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
