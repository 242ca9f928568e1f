//! Why a command did not succeed, and the two ways the commands meet the outside: stdout
//! (a closed pipe ends quietly) and the files a person names.

use std::path::Path;

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

/// Reads a file a person named; a missing or unreadable file is invalid input.
pub(crate) fn read_input(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Invalid(format!("{}: cannot read it: {e}", path.display())))
}

/// Reads the config file a command names with `--config` (default `convoy.json` in the current
/// directory); a missing file is invalid input that says how to name another.
pub(crate) fn read_config(path: &Path) -> Result<String, CliError> {
    match std::fs::read_to_string(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(CliError::Invalid(format!(
            "{}: no such config file; name it with --config FILE (default: convoy.json in the current directory)",
            path.display()
        ))),
        other => {
            other.map_err(|e| CliError::Invalid(format!("{}: cannot read it: {e}", path.display())))
        }
    }
}
