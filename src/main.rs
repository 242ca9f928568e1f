use clap::{Parser, Subcommand};

/// convoy: ship one release across many GitHub repositories as a unit.
#[derive(Parser)]
#[command(name = "convoy", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// A local GitHub-compatible sandbox.
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
}

#[derive(Subcommand)]
enum SandboxCommand {
    /// Serve the sandbox until killed.
    Serve(convoy::sandbox::cli::ServeArgs),
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    match Cli::parse().command {
        Some(Command::Sandbox {
            command: SandboxCommand::Serve(args),
        }) => convoy::sandbox::cli::run_serve(args),
        None => Ok(()),
    }
}
