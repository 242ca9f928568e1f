//! Step outputs (`$GITHUB_OUTPUT`), variables for later steps (`$GITHUB_ENV`) and log masks.
//!
//! The runner reads both files as a sequence of `name<<DELIMITER`, value lines, `DELIMITER`
//! entries. convoy always uses that multi-line form, with a delimiter that does not occur in the
//! value, so no value (a JSON plan, a title with newlines, a line reading `EOF`) can end its entry
//! early or smuggle in another variable. Files are appended to, never truncated: other steps and
//! earlier writes of this step share them.

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::inputs::Secret;
use super::workflow_commands::escape_data;

/// Why an entry could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The name cannot be written in the runner's file format.
    #[error(
        "`{name}` cannot name an output or variable: use letters, digits, `_` and `-` (no `=`, `<<`, spaces or line breaks)"
    )]
    BadName {
        /// The refused name (shortened).
        name: String,
    },
    /// The file could not be opened or appended to.
    #[error("cannot append to {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Appends step outputs to the `$GITHUB_OUTPUT` file at `path`.
pub fn write_outputs(path: &Path, outputs: &[(&str, String)]) -> Result<(), OutputError> {
    append(path, outputs)
}

/// Appends variables for the job's later steps to the `$GITHUB_ENV` file at `path`.
pub fn export_env(path: &Path, vars: &[(&str, String)]) -> Result<(), OutputError> {
    append(path, vars)
}

/// The workflow commands that mask `secret` in the log: one `::add-mask::` line (ending in `\n`)
/// per non-blank line of the secret, since the runner masks line by line. Print them to stdout
/// before anything else.
pub fn mask(secret: &Secret) -> String {
    let mut out = String::new();
    for line in secret.expose().lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let _ = writeln!(out, "::add-mask::{}", escape_data(line));
    }
    out
}

/// The entries for `pairs`, in the runner's multi-line format.
fn render(pairs: &[(&str, String)]) -> Result<String, OutputError> {
    let mut out = String::new();
    for (n, (name, value)) in pairs.iter().enumerate() {
        check_name(name)?;
        let delimiter = delimiter(name, value, n as u64);
        let _ = write!(out, "{name}<<{delimiter}\n{value}\n{delimiter}\n");
    }
    Ok(out)
}

fn check_name(name: &str) -> Result<(), OutputError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(OutputError::BadName {
            name: name.chars().take(80).collect(),
        })
    }
}

/// A delimiter derived from `name`, `value` and `salt` that does not occur in `value`.
///
/// Deterministic (no clock, no randomness): a 64-bit FNV-1a hash of the entry and a counter,
/// bumped until the delimiter is absent from the value. A value cannot hold every candidate, so
/// the loop ends.
fn delimiter(name: &str, value: &str, salt: u64) -> String {
    let mut counter = salt;
    loop {
        let mut h = Fnv::new();
        h.write(name.as_bytes());
        h.write(&[0]);
        h.write(value.as_bytes());
        h.write(&counter.to_le_bytes());
        let candidate = format!("convoy_{:016x}", h.0);
        if !value.contains(&candidate) {
            return candidate;
        }
        counter = counter.wrapping_add(1);
    }
}

/// 64-bit FNV-1a.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn append(path: &Path, pairs: &[(&str, String)]) -> Result<(), OutputError> {
    let text = render(pairs)?;
    let io = |source| OutputError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads entries back the way the runner does: `name<<DELIM`, lines, `DELIM`.
    fn parse(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut lines = text.split('\n');
        while let Some(line) = lines.next() {
            if line.is_empty() {
                continue;
            }
            let (name, delim) = line.split_once("<<").unwrap();
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.push((name.to_owned(), value.join("\n")));
        }
        out
    }

    #[test]
    fn values_with_newlines_and_eof_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        let tricky = "line one\nEOF\nconvoy_0000000000000000\nphase<<EOF\n".to_owned();
        write_outputs(
            &path,
            &[
                ("release", "2026.12.0".to_owned()),
                ("plan", tricky.clone()),
                ("empty", String::new()),
            ],
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            parse(&text),
            [
                ("release".to_owned(), "2026.12.0".to_owned()),
                ("plan".to_owned(), tricky),
                ("empty".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn appends_never_truncates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("env");
        std::fs::write(&path, "EARLIER<<X\nkept\nX\n").unwrap();
        export_env(&path, &[("CONVOY_PHASE", "staging".to_owned())]).unwrap();
        export_env(&path, &[("CONVOY_RELEASE", "1.0".to_owned())]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let names: Vec<_> = parse(&text).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["EARLIER", "CONVOY_PHASE", "CONVOY_RELEASE"]);
    }

    #[test]
    fn the_delimiter_never_occurs_in_the_value() {
        let first = delimiter("plan", "x", 0);
        // A value that holds the delimiter it would have got still gets one it does not hold.
        let hostile = format!("a\n{first}\nb");
        let d = delimiter("plan", &hostile, 0);
        assert!(!hostile.contains(&d));
        // Deterministic.
        assert_eq!(delimiter("plan", "x", 0), first);
    }

    #[test]
    fn bad_names_are_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        for name in ["", "a=b", "a<<b", "a\nb", "a b"] {
            let err = write_outputs(&path, &[("ok", "1".to_owned()), (name, "v".to_owned())]);
            assert!(matches!(err, Err(OutputError::BadName { .. })), "{name:?}");
        }
        assert!(!path.exists());
    }

    #[test]
    fn a_missing_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/file");
        let err = write_outputs(&path, &[("a", "b".to_owned())]).unwrap_err();
        assert!(err.to_string().starts_with("cannot append to "), "{err}");
    }

    #[test]
    fn mask_covers_every_line_and_escapes() {
        let key = Secret::new("-----BEGIN KEY-----\nab%cd\r\n\n-----END KEY-----\n");
        assert_eq!(
            mask(&key),
            "::add-mask::-----BEGIN KEY-----\n::add-mask::ab%25cd\n::add-mask::-----END KEY-----\n"
        );
        assert_eq!(mask(&Secret::new("")), "");
    }
}
