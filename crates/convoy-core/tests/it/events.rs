//! The event edge on real webhook payloads (tests/fixtures/webhooks: GitHub.com's from
//! @octokit/webhooks-examples, GitHub Enterprise Server's in ghes-3.5/ from octokit/webhooks) and
//! on hostile ones. The submodules in tests/events/ hold the error texts, the ChatOps parser and
//! the property tests.

use std::path::{Path, PathBuf};

#[path = "events/chatops.rs"]
mod chatops;
#[path = "events/checkbox.rs"]
mod checkbox;
#[path = "events/commands.rs"]
mod commands;
#[path = "events/errors.rs"]
mod errors;
#[path = "events/props.rs"]
mod props;

use convoy::event::{EventError, parse_event};
use convoy::model::numbers::{IssueNumber, PullNumber, RunId};
use convoy::signal::{Command, IssueChange, PullRequestAction, Signal};
use serde_json::{Value, json};

/// Every event name convoy handles, and one it does not.
pub const EVENTS: [&str; 14] = [
    "workflow_dispatch",
    "repository_dispatch",
    "pull_request",
    "pull_request_review",
    "issue_comment",
    "issues",
    "workflow_run",
    "check_suite",
    "check_run",
    "status",
    "push",
    "schedule",
    "milestone",
    "deployment",
];

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/webhooks")
}

/// Every fixture, GitHub.com's and GitHub Enterprise Server's (in subfolders such as
/// `ghes-3.5/`), as (file name relative to the fixtures folder, event name, payload), sorted by
/// file name.
pub fn all_fixtures() -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    let mut dirs = vec![(String::new(), fixtures_dir())];
    while let Some((prefix, dir)) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                dirs.push((format!("{prefix}{name}/"), path));
                continue;
            }
            if !name.ends_with(".json") {
                continue;
            }
            let event = name.split('.').next().unwrap().to_owned();
            let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            out.push((format!("{prefix}{name}"), event, value));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub fn fixture(file: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixtures_dir().join(file)).unwrap()).unwrap()
}

pub fn parse(event: &str, value: &Value) -> Result<Signal, EventError> {
    parse_event(event, &serde_json::to_vec(value).unwrap())
}

/// The `kind` tag of a signal (`pull_request`, `ignored`, …).
pub fn kind(signal: &Signal) -> String {
    serde_json::to_value(signal).unwrap()["kind"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The signal kind a fixture must give, from its event and payload.
fn expected_kind(event: &str, payload: &Value) -> &'static str {
    let action = payload["action"].as_str().unwrap_or("");
    let follows = |actions: &[&str]| actions.contains(&action);
    match event {
        "workflow_dispatch" => "command",
        "pull_request"
            if follows(&[
                "opened",
                "edited",
                "synchronize",
                "reopened",
                "closed",
                "labeled",
            ]) =>
        {
            "pull_request"
        }
        "pull_request_review" if follows(&["submitted", "edited", "dismissed"]) => {
            "pull_request_review"
        }
        // An edit runs something only when it ticks a tracking issue's box; the fixtures tick
        // none.
        "issues" if follows(&["milestoned", "demilestoned"]) => "issue",
        "workflow_run" if follows(&["requested", "in_progress", "completed"]) => "workflow_run",
        "check_suite" if follows(&["completed", "requested", "rerequested"]) => "check",
        "check_run" if follows(&["created", "completed", "rerequested", "requested_action"]) => {
            "check"
        }
        "status" => "status",
        "push"
            if payload["ref"]
                .as_str()
                .unwrap_or("")
                .starts_with("refs/heads/") =>
        {
            "push"
        }
        "milestone" => "milestone",
        // repository_dispatch fixtures are not convoy types; issue_comment fixtures hold no
        // `/convoy` line; everything else is an action convoy does not follow.
        _ => "ignored",
    }
}

#[test]
fn every_fixture_parses_to_the_expected_signal() {
    let fixtures = all_fixtures();
    assert!(fixtures.len() >= 100, "only {} fixtures", fixtures.len());
    let mut failures = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    for (file, event, payload) in &fixtures {
        match parse(event, payload) {
            Ok(signal) => {
                let got = kind(&signal);
                let want = expected_kind(event, payload);
                if got != want {
                    failures.push(format!("{file}: got {got}, want {want}: {signal:?}"));
                }
                if let Signal::Ignored { reason } = &signal {
                    assert!(!reason.is_empty(), "{file}: empty reason");
                }
                kinds.insert(got);
            }
            Err(e) => failures.push(format!("{file}: error {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for k in [
        "command",
        "pull_request",
        "pull_request_review",
        "issue",
        "workflow_run",
        "check",
        "status",
        "push",
        "milestone",
        "ignored",
    ] {
        assert!(kinds.contains(k), "no fixture gives {k}");
    }
}

#[test]
fn a_merged_pull_request_gives_merged_with_its_merge_commit() {
    let mut p = fixture("pull_request.closed.json");
    p["pull_request"]["merged"] = json!(true);
    p["pull_request"]["merge_commit_sha"] = json!("C4295BD74FB0F4FDA03689C3DF3F2803B658FD85");
    let Signal::PullRequest(pr) = parse("pull_request", &p).unwrap() else {
        panic!("not a pull request signal");
    };
    assert_eq!(pr.action, PullRequestAction::Merged);
    assert_eq!(
        pr.merge_commit_sha.unwrap().as_str(),
        "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    );
    assert_eq!(
        (pr.repo.as_str(), pr.number),
        ("Codertocat/Hello-World", PullNumber::new(2))
    );
    assert_eq!((pr.head.as_str(), pr.base.as_str()), ("changes", "master"));
    assert_eq!(pr.author.as_str(), "Codertocat");
    assert!(pr.body.starts_with("This is a pretty simple change"));

    let unmerged = parse("pull_request", &fixture("pull_request.closed.json")).unwrap();
    let Signal::PullRequest(pr) = unmerged else {
        panic!("not a pull request signal");
    };
    assert_eq!(pr.action, PullRequestAction::Closed);
    assert_eq!(pr.merge_commit_sha, None, "a test-merge SHA is not a merge");
}

#[test]
fn labeled_and_fork_pull_requests() {
    let Signal::PullRequest(pr) =
        parse("pull_request", &fixture("pull_request.labeled.json")).unwrap()
    else {
        panic!("not a pull request signal");
    };
    assert_eq!(
        pr.action,
        PullRequestAction::Labeled {
            label: "bug".into()
        }
    );

    let mut fork = fixture("pull_request.opened.json");
    fork["pull_request"]["head"]["repo"]["full_name"] = json!("mallory/Hello-World");
    let Signal::Ignored { reason } = parse("pull_request", &fork).unwrap() else {
        panic!("a fork's pull request is not ignored");
    };
    assert!(reason.contains("mallory/Hello-World"), "{reason}");

    let mut deleted = fixture("pull_request.opened.json");
    deleted["pull_request"]["head"]["repo"] = Value::Null;
    assert_eq!(kind(&parse("pull_request", &deleted).unwrap()), "ignored");
}

fn comment_with(body: &str) -> Value {
    let mut p = fixture("issue_comment.created.json");
    p["comment"]["body"] = json!(body);
    p
}

#[test]
fn a_convoy_approve_comment_gives_its_command() {
    let p = comment_with("Looks good to me.\r\n  /convoy approve\r\nThanks!");
    let Signal::Comment(c) = parse("issue_comment", &p).unwrap() else {
        panic!("not a comment signal");
    };
    assert_eq!(c.commands, vec![Ok(Command::Approve)]);
    assert_eq!(
        (c.repo.as_str(), c.issue),
        ("Codertocat/Hello-World", IssueNumber::new(1))
    );
    assert_eq!(c.author.as_str(), "Codertocat");
    assert!(!c.author_is_bot);
    assert_eq!(c.comment_id, p["comment"]["id"].as_u64().unwrap());
}

#[test]
fn comments_keep_bad_lines_as_errors_and_flag_bots() {
    let mut p = comment_with("/convoy retry e2e-full\n/convoy aprove\n/convoy defer acme/api#12");
    p["comment"]["user"]["type"] = json!("Bot");
    let Signal::Comment(c) = parse("issue_comment", &p).unwrap() else {
        panic!("not a comment signal");
    };
    assert!(c.author_is_bot);
    assert_eq!(c.commands.len(), 3);
    assert!(
        matches!(&c.commands[0], Ok(Command::Retry { tier: Some(t) }) if t.as_str() == "e2e-full")
    );
    assert!(matches!(&c.commands[1], Err(m) if m.contains("unknown command `aprove`")));
    assert!(
        matches!(&c.commands[2], Ok(Command::Defer { task }) if task.as_str() == "acme/api#12")
    );

    let mut p = comment_with("/convoy status");
    p["comment"]["user"]["login"] = json!("convoy-bot[bot]");
    let Signal::Comment(c) = parse("issue_comment", &p).unwrap() else {
        panic!("not a comment signal");
    };
    assert!(
        c.author_is_bot,
        "a `[bot]` login is a bot whatever its type"
    );

    let many = "/convoy status\n".repeat(12);
    let Signal::Comment(c) = parse("issue_comment", &comment_with(&many)).unwrap() else {
        panic!("not a comment signal");
    };
    assert_eq!(c.commands.len(), 11);
    assert!(c.commands[10].is_err());
}

#[test]
fn comments_without_commands_and_edited_comments_are_ignored() {
    let ignored = |event: &str, p: &Value| match parse(event, p).unwrap() {
        Signal::Ignored { reason } => reason,
        other => panic!("not ignored: {other:?}"),
    };
    assert_eq!(
        ignored(
            "issue_comment",
            &comment_with("just chatting about /convoy")
        ),
        "comment has no /convoy command"
    );
    let mut edited = comment_with("/convoy approve");
    edited["action"] = json!("edited");
    assert_eq!(
        ignored("issue_comment", &edited),
        "edited comments are never run again"
    );
}

#[test]
fn workflow_run_completed_gives_its_conclusion() {
    let Signal::WorkflowRun(run) =
        parse("workflow_run", &fixture("workflow_run.completed-2.json")).unwrap()
    else {
        panic!("not a workflow run signal");
    };
    assert_eq!(run.status.as_str(), "completed");
    assert_eq!(run.conclusion.as_ref().map(|c| c.as_str()), Some("success"));
    assert_eq!(run.workflow_path, ".github/workflows/test.yml");
    assert_eq!(run.run_id, RunId::new(289_782_451));
    assert_eq!(
        run.head_sha.as_str(),
        "3484a3fb816e0859fd6e1cea078d76385ff50625"
    );
    assert_eq!(run.repo.as_str(), "octo-org/octo-repo");
}

#[test]
fn enterprise_server_milestone_payloads_name_the_milestone_elsewhere_or_not_at_all() {
    // GitHub Enterprise Server's `milestoned` names the milestone only under `issue.milestone`.
    let p = fixture("ghes-3.5/issues.milestoned.json");
    assert!(p.get("milestone").is_none() && p["issue"]["milestone"]["title"] == "v1.0");
    let s = parse("issues", &p).unwrap();
    assert!(matches!(
        s,
        Signal::Issue { number, change: IssueChange::Milestoned { ref milestone }, .. }
            if number == IssueNumber::new(2) && milestone == "v1.0"
    ));
    // Its `demilestoned` names none: the runner reads the issue.
    let p = fixture("ghes-3.5/issues.demilestoned.json");
    assert!(p.get("milestone").is_none() && p["issue"]["milestone"].is_null());
    let s = parse("issues", &p).unwrap();
    assert!(matches!(
        s,
        Signal::Issue { number, change: IssueChange::DemilestonedUnnamed, ref actor, .. }
            if number == IssueNumber::new(2) && actor.as_ref().is_some_and(|a| a.as_str() == "Codertocat")
    ));
    // The top-level milestone wins where both are there; a `milestoned` with neither is
    // missing its milestone.
    let mut both = fixture("issues.milestoned.json");
    both["issue"]["milestone"]["title"] = json!("elsewhere");
    assert!(matches!(
        parse("issues", &both).unwrap(),
        Signal::Issue { change: IssueChange::Milestoned { ref milestone }, .. } if milestone == "v1.0"
    ));
    let mut none = fixture("ghes-3.5/issues.milestoned.json");
    none["issue"]["milestone"] = Value::Null;
    assert_eq!(
        parse("issues", &none).unwrap_err(),
        EventError::MissingField {
            field: "/milestone".into()
        }
    );
}

#[test]
fn issues_push_schedule_and_milestones() {
    let s = parse("issues", &fixture("issues.demilestoned.json")).unwrap();
    assert!(matches!(
        s,
        Signal::Issue { number, change: IssueChange::Demilestoned { ref milestone }, ref actor, .. }
            if number == IssueNumber::new(2) && milestone == "v1.0" && actor.as_ref().is_some_and(|a| a.as_str() == "Codertocat")
    ));

    let Signal::Push {
        branch,
        before,
        after,
        ..
    } = parse("push", &fixture("push.5.json")).unwrap()
    else {
        panic!("not a push signal");
    };
    assert_eq!(branch.as_str(), "master");
    assert_eq!(
        before, None,
        "the all-zero SHA means the branch was created"
    );
    assert_eq!(
        after.unwrap().as_str(),
        "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    );

    assert_eq!(parse_event("schedule", b"{}").unwrap(), Signal::Schedule);
    assert_eq!(
        parse_event("schedule", br#"{"schedule": "17 3 * * *"}"#).unwrap(),
        Signal::Schedule
    );
    assert_eq!(
        parse_event("deployment", b"{}").unwrap(),
        Signal::Ignored {
            reason: "event `deployment` is not one convoy follows".into()
        }
    );
}
