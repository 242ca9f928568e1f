//! `convoy validate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::args::Format;
use super::error::{CliError, read_input};
use crate::shell::workflow_commands::{escape_data, escape_property};
use crate::validate::{self, Problem};

/// The config `convoy validate` reads when it is given no file.
const DEFAULT_CONFIG: &str = "convoy.json";

/// Validates the config (or `./convoy.json` when no file is given) and the manifests; every
/// problem of each file, exit 2 when there is one.
pub(super) fn run(
    config: Option<&Path>,
    manifests: &[PathBuf],
    format: Format,
) -> Result<ExitCode, CliError> {
    let default = Path::new(DEFAULT_CONFIG);
    let config = match config {
        None if manifests.is_empty() => {
            if !default.is_file() {
                return Err(CliError::Invalid(format!(
                    "there is no {DEFAULT_CONFIG} in this directory to validate; run convoy \
                     validate where it is, or name the file: convoy validate --config \
                     path/to/convoy.json (manifests: convoy validate releases/<id>/manifest.json)"
                )));
            }
            Some(default)
        }
        other => other,
    };
    let mut reports: Vec<(String, String, Vec<Problem>)> = Vec::new();
    if let Some(path) = config {
        let text = read_input(path)?;
        let problems = validate::config_from_str(&text).err().unwrap_or_default();
        reports.push((path.display().to_string(), text, problems));
    }
    for path in manifests {
        let text = read_input(path)?;
        let problems = validate::manifest_from_str(&text).err().unwrap_or_default();
        reports.push((path.display().to_string(), text, problems));
    }
    let mut failed = false;
    for (file, text, problems) in &reports {
        if problems.is_empty() {
            if format == Format::Human {
                outln!("{file}: ok");
            }
            continue;
        }
        failed = true;
        for p in problems {
            match format {
                Format::Human => outln!("{file}: {p}"),
                Format::Github => outln!("{}", annotation(file, text, p)),
            }
        }
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `::error file=…,line=…,col=…,title=convoy validate /pointer::message`: GitHub shows it on
/// the line of the value the pointer names (or where the JSON stops parsing).
fn annotation(file: &str, text: &str, p: &Problem) -> String {
    let at = validate::position_of(text, p)
        .map(|at| format!(",line={},col={}", at.line, at.col))
        .unwrap_or_default();
    let pointer = if p.pointer.is_empty() {
        "/"
    } else {
        &p.pointer
    };
    format!(
        "::error file={}{at},title=convoy validate {}::{}",
        escape_property(file),
        escape_property(pointer),
        escape_data(&p.message)
    )
}
