//! `convoy run --help` names every environment variable `convoy run` reads, and only those, so
//! the help cannot drift from the Action shell.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use convoy::shell::WorkflowEnv;

/// The variables `WorkflowEnv::from_vars` asks for, given `set` (name → value).
fn asked(set: &[(&str, &str)]) -> BTreeSet<String> {
    let values: BTreeMap<&str, &str> = set.iter().copied().collect();
    let seen = RefCell::new(BTreeSet::new());
    let env = WorkflowEnv::from_vars(|name| {
        seen.borrow_mut().insert(name.to_owned());
        values.get(name).map(|v| (*v).to_owned())
    });
    assert!(env.is_ok(), "{env:?}");
    seen.into_inner()
}

/// Every variable the shell reads: what it asks for with everything set, and with only the
/// required ones and `GITHUB_TOKEN` (asked only when the `token` input is empty).
fn variables_read() -> BTreeSet<String> {
    let required = [
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_EVENT_PATH", "/dev/null"),
        ("GITHUB_REPOSITORY", "acme/control"),
        ("GITHUB_ACTOR", "alice"),
    ];
    let everything = [
        ("GITHUB_API_URL", "http://127.0.0.1:9"),
        ("GITHUB_OUTPUT", "/tmp/out"),
        ("GITHUB_STEP_SUMMARY", "/tmp/summary"),
        ("GITHUB_ENV", "/tmp/env"),
        ("INPUT_TOKEN", "t"),
        ("INPUT_APP-ID", "1"),
        ("INPUT_PRIVATE-KEY", "k"),
        ("INPUT_COMMAND", "status"),
        ("INPUT_RELEASE", "r1"),
        ("INPUT_ARGS", "x"),
        ("INPUT_CONFIG", "convoy.json"),
        ("INPUT_CONTROL-REPO", "acme/control"),
        ("INPUT_STATE-BRANCH", "main"),
        ("INPUT_DRY-RUN", "true"),
        ("INPUT_LOG-LEVEL", "info"),
        ("INPUT_WRITE-GAP-MS", "0"),
    ];
    let mut all: Vec<(&str, &str)> = required.to_vec();
    all.extend(everything);
    let mut read = asked(&all);
    let mut minimal = required.to_vec();
    minimal.push(("GITHUB_TOKEN", "t"));
    read.extend(asked(&minimal));
    read
}

/// The `GITHUB_*` and `INPUT_*` string literals of the Action shell's source .
fn literals_in_source() -> BTreeSet<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/src/shell/inputs.rs"))
        .expect("the Actions shell's inputs.rs");
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            (s.starts_with("GITHUB_") || s.starts_with("INPUT_"))
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn run_help_names_every_variable_convoy_run_reads() {
    let read = variables_read();
    assert!(
        read.contains("GITHUB_ACTOR") && read.contains("GITHUB_TOKEN"),
        "{read:?}"
    );
    let literals = literals_in_source();
    assert!(
        literals.is_subset(&read),
        "inputs.rs names variables it never asked for here: {:?}",
        literals.difference(&read).collect::<Vec<_>>()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_convoy"))
        .args(["run", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    // The help's list: lines `  NAME   what it is`.
    let listed: BTreeSet<String> = help
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| (w.starts_with("GITHUB_") || w.starts_with("INPUT_")) && !w.contains('='))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        listed, read,
        "`convoy run --help` (src/cli/help.rs) vs the variables convoy run reads"
    );
    // `-h` shows the list too.
    let short = Command::new(env!("CARGO_BIN_EXE_convoy"))
        .args(["run", "-h"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&short.stdout).contains("  GITHUB_ACTOR "));
}
