//! `convoy sandbox serve`: the sandbox as a process.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{Sandbox, Seed};

/// Arguments of `convoy sandbox serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: String,
    /// Directory for the bare repositories. Default: a temporary directory removed on exit.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Seed file (JSON, see `schemas/sandbox-seed.schema.json`). Default: the world of
    /// `convoy demo` (a control repo with `convoy.json`, a tier repo, three members), which
    /// `convoy run` and `convoy sandbox play` can drive by hand (docs/sandbox.md).
    #[arg(long)]
    pub seed: Option<PathBuf>,
}

/// Runs the sandbox until killed; prints `listening on http://HOST:PORT` first on stdout.
/// Without `--seed` it starts from `default_seed` (the caller's world; [`Seed::demo`] is the
/// sandbox's own small test seed).
pub fn run_serve(args: ServeArgs, default_seed: Seed) -> Result<()> {
    let seed = match &args.seed {
        Some(path) => Seed::from_file(path)?,
        None => default_seed,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    runtime.block_on(async move {
        let handle = Sandbox::start_on(&args.addr, seed, args.data_dir.clone()).await?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", handle.url())?;
        out.flush()?;
        drop(out);
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("installing the SIGTERM handler")?;
        // On Ctrl-C or SIGTERM the handle drops, which removes a temporary data dir.
        tokio::select! {
            r = handle.wait() => r,
            _ = tokio::signal::ctrl_c() => Ok(()),
            _ = term.recv() => Ok(()),
        }
    })
}
