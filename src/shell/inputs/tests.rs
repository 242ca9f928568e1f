//! Unit tests of the environment rules.

use std::collections::HashMap;

use super::*;

fn base() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("GITHUB_EVENT_NAME", "workflow_dispatch"),
        ("GITHUB_EVENT_PATH", "/github/workflow/event.json"),
        ("GITHUB_REPOSITORY", "acme/release-control"),
        ("GITHUB_ACTOR", "maria"),
        ("GITHUB_OUTPUT", "/github/file_commands/set_output"),
        ("GITHUB_TOKEN", "ghs_workflow"),
        // The runner sets every declared input, empty when not given.
        ("INPUT_TOKEN", ""),
        ("INPUT_COMMAND", ""),
        ("INPUT_RELEASE", ""),
        ("INPUT_ARGS", ""),
        ("INPUT_CONFIG", ""),
        ("INPUT_CONTROL-REPO", ""),
        ("INPUT_STATE-BRANCH", ""),
        ("INPUT_DRY-RUN", ""),
        ("INPUT_LOG-LEVEL", ""),
        ("INPUT_APP-ID", ""),
        ("INPUT_PRIVATE-KEY", ""),
    ])
}

fn read(vars: &HashMap<&'static str, &'static str>) -> Result<WorkflowEnv, EnvError> {
    WorkflowEnv::from_vars(|k| vars.get(k).map(|v| (*v).to_owned()))
}

fn with(pairs: &[(&'static str, &'static str)]) -> Result<WorkflowEnv, EnvError> {
    let mut v = base();
    v.extend(pairs.iter().copied());
    read(&v)
}

#[test]
fn defaults_apply_when_inputs_are_empty() {
    let e = read(&base()).unwrap();
    assert_eq!(e.api_url, DEFAULT_API_URL);
    assert_eq!(e.config, "convoy.json");
    assert_eq!(e.control_repo.as_str(), "acme/release-control");
    assert_eq!(e.state_branch, None);
    assert!(!e.dry_run);
    assert_eq!(e.log_level, LogLevel::Info);
    assert_eq!(e.command, None);
    assert_eq!(e.release, None);
    assert_eq!(e.write_gap_ms, None);
    assert_eq!(e.step_summary_file, None);
    assert_eq!(e.token.as_ref().map(Secret::expose), Some("ghs_workflow"));
    assert_eq!(e.app, None);
}

#[test]
fn inputs_are_read_with_hyphens_kept() {
    let e = with(&[
        ("INPUT_COMMAND", "create"),
        ("INPUT_RELEASE", "2026.12.0"),
        ("INPUT_ARGS", "version=2026.12.0 title=\"Winter\""),
        ("INPUT_CONFIG", "ops/convoy.json"),
        ("INPUT_CONTROL-REPO", "acme/artefacts"),
        ("INPUT_STATE-BRANCH", "convoy-state"),
        ("INPUT_DRY-RUN", "true"),
        ("INPUT_LOG-LEVEL", "debug"),
        ("INPUT_WRITE-GAP-MS", "0"),
        ("GITHUB_API_URL", "http://127.0.0.1:8080/"),
    ])
    .unwrap();
    assert_eq!(e.command.as_deref(), Some("create"));
    assert_eq!(e.release.unwrap().as_str(), "2026.12.0");
    assert_eq!(
        e.args.as_deref(),
        Some("version=2026.12.0 title=\"Winter\"")
    );
    assert_eq!(e.config, "ops/convoy.json");
    assert_eq!(e.control_repo.as_str(), "acme/artefacts");
    assert_eq!(e.state_branch.unwrap().as_str(), "convoy-state");
    assert!(e.dry_run);
    assert_eq!(e.log_level, LogLevel::Debug);
    assert_eq!(e.write_gap_ms, Some(0));
    assert_eq!(e.api_url, "http://127.0.0.1:8080");
}

#[test]
fn token_input_wins_over_github_token() {
    let e = with(&[("INPUT_TOKEN", "ghp_input")]).unwrap();
    assert_eq!(e.token.unwrap().expose(), "ghp_input");
}

#[test]
fn no_credentials_is_an_error() {
    let mut v = base();
    v.remove("GITHUB_TOKEN");
    assert_eq!(read(&v), Err(EnvError::NoCredentials));
}

#[test]
fn app_credentials_need_both_inputs() {
    let e = with(&[
        ("INPUT_APP-ID", "12345"),
        (
            "INPUT_PRIVATE-KEY",
            "-----BEGIN RSA PRIVATE KEY-----\nabc\n",
        ),
    ])
    .unwrap();
    let app = e.app.unwrap();
    assert_eq!(app.app_id, 12345);
    assert_eq!(
        app.private_key.expose(),
        "-----BEGIN RSA PRIVATE KEY-----\nabc"
    );
    assert!(matches!(
        with(&[("INPUT_APP-ID", "12345")]),
        Err(EnvError::HalfApp {
            set: "INPUT_APP-ID",
            ..
        })
    ));
    assert!(matches!(
        with(&[("INPUT_PRIVATE-KEY", "key")]),
        Err(EnvError::HalfApp {
            set: "INPUT_PRIVATE-KEY",
            ..
        })
    ));
    assert!(matches!(
        with(&[("INPUT_APP-ID", "my-app"), ("INPUT_PRIVATE-KEY", "key")]),
        Err(EnvError::BadValue {
            var: "INPUT_APP-ID",
            ..
        })
    ));
}

#[test]
fn app_alone_is_enough() {
    let mut v = base();
    v.remove("GITHUB_TOKEN");
    v.insert("INPUT_APP-ID", "7");
    v.insert("INPUT_PRIVATE-KEY", "pem");
    let e = read(&v).unwrap();
    assert_eq!(e.token, None);
    assert_eq!(e.secrets().len(), 1);
}

#[test]
fn dry_run_accepts_only_true_or_false() {
    assert!(!with(&[("INPUT_DRY-RUN", "false")]).unwrap().dry_run);
    let err = with(&[("INPUT_DRY-RUN", "yes")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "INPUT_DRY-RUN is `yes`: write `true` or `false`"
    );
}

#[test]
fn missing_runner_variables_are_named() {
    for var in [
        "GITHUB_EVENT_NAME",
        "GITHUB_EVENT_PATH",
        "GITHUB_REPOSITORY",
        "GITHUB_ACTOR",
    ] {
        let mut v = base();
        v.insert(var, "");
        let err = read(&v).unwrap_err();
        assert!(err.to_string().starts_with(&format!("{var} is not set")));
    }
}

#[test]
fn identifiers_are_validated() {
    for (var, value) in [
        ("GITHUB_REPOSITORY", "no-slash"),
        ("GITHUB_ACTOR", "not a login"),
        ("INPUT_RELEASE", "../etc"),
        ("INPUT_CONTROL-REPO", "acme/"),
        ("INPUT_STATE-BRANCH", "a..b"),
    ] {
        let err = with(&[(var, value)]).unwrap_err();
        assert!(
            matches!(&err, EnvError::BadId { var: v, .. } if *v == var),
            "{var}: {err}"
        );
        assert!(err.to_string().starts_with(&format!("{var}: `")), "{err}");
    }
}

#[test]
fn bad_values_are_refused() {
    for (var, value) in [
        ("INPUT_LOG-LEVEL", "loud"),
        ("INPUT_WRITE-GAP-MS", "1s"),
        ("GITHUB_API_URL", "api.github.com"),
    ] {
        let err = with(&[(var, value)]).unwrap_err();
        assert!(
            matches!(&err, EnvError::BadValue { var: v, .. } if *v == var),
            "{var}: {err}"
        );
    }
}

#[test]
fn secrets_never_print() {
    let e = with(&[
        ("INPUT_TOKEN", "ghp_secret"),
        ("INPUT_APP-ID", "1"),
        ("INPUT_PRIVATE-KEY", "pem-secret"),
    ])
    .unwrap();
    let shown = format!("{e:?} {}", e.secrets()[0]);
    assert!(!shown.contains("ghp_secret") && !shown.contains("pem-secret"));
    assert!(shown.contains("***"));
}
