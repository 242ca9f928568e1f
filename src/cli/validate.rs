//! `convoy validate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::args::Format;
use super::error::{CliError, read_input};
use crate::shell::workflow_commands::{escape_data, escape_property};
use crate::validate::{self, Problem};

pub(super) fn run(
    config: Option<&Path>,
    manifests: &[PathBuf],
    format: Format,
) -> Result<ExitCode, CliError> {
    if config.is_none() && manifests.is_empty() {
        return Err(CliError::Invalid(
            "nothing to validate: give --config FILE and/or manifest files".to_owned(),
        ));
    }
    let mut reports: Vec<(String, Vec<Problem>)> = Vec::new();
    if let Some(path) = config {
        let text = read_input(path)?;
        let problems = validate::config_from_str(&text).err().unwrap_or_default();
        reports.push((path.display().to_string(), problems));
    }
    for path in manifests {
        let text = read_input(path)?;
        let problems = validate::manifest_from_str(&text).err().unwrap_or_default();
        reports.push((path.display().to_string(), problems));
    }
    let mut failed = false;
    for (file, problems) in &reports {
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
                Format::Github => outln!(
                    "::error file={},title=convoy validate {}::{}",
                    escape_property(file),
                    escape_property(if p.pointer.is_empty() {
                        "/"
                    } else {
                        &p.pointer
                    }),
                    escape_data(&p.message)
                ),
            }
        }
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
