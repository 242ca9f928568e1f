//! The GitHub Actions shell: the environment as the runner sets it, outputs as the runner reads them, and
//! the step summary of runs at several points of a release (snapshots).

use crate::support;

use std::collections::HashMap;

use convoy::lifecycle::action::{ActionOutcome, Executed};
use convoy::lifecycle::{Decision, decide};
use convoy::model::config::Directive;
use convoy::model::manifest::{Conclusion, Phase};
use convoy::model::time::Timestamp;
use convoy::rehearse::rehearse;
use convoy::shell::{EnvError, WorkflowEnv, export_env, mask, step_summary, write_outputs};
use convoy::signal::Command;
use support::*;

/// Gives each planned action an outcome, cycling through every kind.
fn outcomes(d: &Decision) -> Vec<Executed> {
    d.actions
        .iter()
        .enumerate()
        .map(|(i, a)| Executed {
            planned: a.clone(),
            outcome: match i % 4 {
                0 => ActionOutcome::Done {
                    detail: Some(format!("#{}", 40 + i)),
                },
                1 => ActionOutcome::AlreadyDone,
                2 => ActionOutcome::Failed {
                    error: "GitHub answered 502 <html>|bad gateway".to_owned(),
                },
                _ => ActionOutcome::Skipped {
                    reason: "an action it waits for failed".to_owned(),
                },
            },
        })
        .collect()
}

fn hostile_release(directive: Directive) -> convoy::model::manifest::ReleaseManifest {
    let mut m = release(directive);
    m.title = "Winter <b>orders</b> | ping @everyone\nsecond line".to_owned();
    m
}

#[test]
fn summary_at_planning_with_a_refused_command() {
    let m = hostile_release(Directive::Careful);
    let w = world(&m);
    // A guest cannot approve: the decision carries a note and still waits for a human.
    let d = decide(&m, &w.observed, &command("guest", Command::Approve), t0());
    assert!(!d.notes.is_empty());
    let md = step_summary(&d.manifest, &d, &outcomes(&d));
    assert!(!md.contains("<b>"), "{md}");
    assert!(!md.contains("@everyone"), "{md}");
    insta::assert_snapshot!("planning_refused_approve", md);
}

#[test]
fn summary_of_a_dry_run_shows_the_plan() {
    let m = release(Directive::Auto);
    let w = world(&m);
    let d = decide(&m, &w.observed, &reconcile(), t0());
    assert!(!d.actions.is_empty());
    let md = step_summary(&d.manifest, &d, &[]);
    assert!(md.contains("Nothing was executed. The plan:"));
    insta::assert_snapshot!("dry_run_plan", md);
}

#[test]
fn summary_in_validation_with_tiers_running() {
    let m = release(Directive::Careful);
    let mut w = world(&m);
    let d = drive(m, &mut w, Conclusion::Success, |d| {
        d.manifest.phase == Phase::Validation
    });
    assert_eq!(d.manifest.phase, Phase::Validation);
    let md = step_summary(&d.manifest, &d, &outcomes(&d));
    assert!(md.contains("```mermaid\nflowchart LR\n"));
    insta::assert_snapshot!("validation", md);
}

#[test]
fn summary_of_a_shipped_release_with_nothing_to_do() {
    let m = release(Directive::Auto);
    let r = rehearse(
        m.clone(),
        world(&m),
        &login("release-captain"),
        t0(),
        200,
        false,
    );
    assert_eq!(r.manifest.phase, Phase::Shipped);
    let later = Timestamp::parse("2026-12-01T09:00:00Z").unwrap();
    let d = decide(&r.manifest, &r.world.observed, &reconcile(), later);
    assert!(d.actions.is_empty() && !d.changed);
    let md = step_summary(&d.manifest, &d, &[]);
    assert!(md.contains("Nothing to do"));
    insta::assert_snapshot!("shipped_idle", md);
}

fn runner_env<'a>() -> HashMap<&'a str, &'a str> {
    HashMap::from([
        ("GITHUB_EVENT_NAME", "issue_comment"),
        ("GITHUB_EVENT_PATH", "/github/workflow/event.json"),
        ("GITHUB_REPOSITORY", "acme/release-control"),
        ("GITHUB_API_URL", "https://ghes.example.com/api/v3"),
        ("GITHUB_ACTOR", "maria"),
        ("GITHUB_TOKEN", "ghs_abc"),
        ("INPUT_TOKEN", ""),
        ("INPUT_DRY-RUN", ""),
        ("INPUT_APP-ID", ""),
        ("INPUT_PRIVATE-KEY", ""),
    ])
}

fn env_with(pairs: &[(&str, &str)]) -> Result<WorkflowEnv, EnvError> {
    let mut v = runner_env();
    v.extend(pairs.iter().copied());
    WorkflowEnv::from_vars(|k| v.get(k).map(|s| (*s).to_owned()))
}

#[test]
fn env_error_texts() {
    let cases: &[&[(&str, &str)]] = &[
        &[("GITHUB_REPOSITORY", "")],
        &[("GITHUB_REPOSITORY", "acme")],
        &[("GITHUB_ACTOR", "two words")],
        &[("GITHUB_API_URL", "ghes.example.com")],
        &[("GITHUB_TOKEN", "")],
        &[("INPUT_APP-ID", "123")],
        &[("INPUT_PRIVATE-KEY", "-----BEGIN KEY-----")],
        &[("INPUT_APP-ID", "app"), ("INPUT_PRIVATE-KEY", "k")],
        &[("INPUT_RELEASE", "rc/1")],
        &[("INPUT_CONTROL-REPO", "acme/a b")],
        &[("INPUT_STATE-BRANCH", "-state")],
        &[("INPUT_DRY-RUN", "TRUE")],
        &[("INPUT_LOG-LEVEL", "verbose")],
        &[("INPUT_WRITE-GAP-MS", "-1")],
    ];
    let texts: Vec<String> = cases
        .iter()
        .map(|pairs| match env_with(pairs) {
            Ok(_) => panic!("{pairs:?} should be refused"),
            Err(e) => e.to_string(),
        })
        .collect();
    let joined = texts.join("\n");
    assert!(!joined.contains("-----BEGIN"), "a secret reached an error");
    insta::assert_snapshot!("env_errors", joined);
}

#[test]
fn outputs_and_env_round_trip_through_files() {
    let env = env_with(&[("INPUT_RELEASE", "2026.12.0")]).unwrap();
    assert_eq!(env.control_repo, env.repository);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("output");
    let plan = "{\n  \"actions\": []\n}\nEOF".to_owned();
    write_outputs(
        &out,
        &[("release", "2026.12.0".to_owned()), ("plan", plan.clone())],
    )
    .unwrap();
    write_outputs(&out, &[("changed", "false".to_owned())]).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    // Each entry is `name<<D`, the value, `D`, and D is not in the value.
    let header = text.lines().find(|l| l.starts_with("plan<<")).unwrap();
    let (_, delim) = header.split_once("<<").unwrap();
    assert!(!plan.contains(delim));
    assert!(text.contains(&format!("plan<<{delim}\n{plan}\n{delim}\n")));
    assert!(text.ends_with("\n") && text.contains("changed<<"));

    let genv = dir.path().join("env");
    export_env(&genv, &[("CONVOY_PHASE", "staging".to_owned())]).unwrap();
    assert!(
        std::fs::read_to_string(&genv)
            .unwrap()
            .starts_with("CONVOY_PHASE<<convoy_")
    );

    let masks: String = env.secrets().into_iter().map(mask).collect();
    assert_eq!(masks, "::add-mask::ghs_abc\n");
    assert!(!format!("{env:?}").contains("ghs_abc"));
}
