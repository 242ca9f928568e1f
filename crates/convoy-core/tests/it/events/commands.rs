//! Commands from `workflow_dispatch` inputs and `repository_dispatch` types.

use convoy::model::config::Directive;
use convoy::model::numbers::RunId;
use convoy::signal::{Command, CommandSource, Signal};
use serde_json::json;

use super::{fixture, kind, parse};

#[test]
fn workflow_dispatch_inputs_become_a_command() {
    let mut p = fixture("workflow_dispatch.1.json");
    let Signal::Command(c) = parse("workflow_dispatch", &p).unwrap() else {
        panic!("not a command");
    };
    assert_eq!(
        c.command,
        Command::Reconcile,
        "no command input means reconcile"
    );
    assert_eq!(
        (c.release, c.source),
        (None, CommandSource::WorkflowDispatch)
    );

    p["inputs"] = json!({
        "command": "create",
        "release": "2026.12.0",
        "args": "title=\"Winter release\" directive=auto tasks=acme/api#1,acme/web#2"
    });
    let Signal::Command(c) = parse("workflow_dispatch", &p).unwrap() else {
        panic!("not a command");
    };
    assert_eq!(c.release.unwrap().as_str(), "2026.12.0");
    let Command::Create(args) = c.command else {
        panic!("not create");
    };
    assert_eq!(args.title.as_deref(), Some("Winter release"));
    assert_eq!(args.directive, Some(Directive::Auto));
    assert_eq!(args.tasks.len(), 2);
}

#[test]
fn repository_dispatch_types() {
    let mut p = fixture("repository_dispatch.on-demand-test.json");
    p["action"] = json!("convoy.tier-completed");
    p["client_payload"] = json!({
        "release": "2026.12.0", "tier": "e2e-full", "correlation_id": "cv-1a2b",
        "run_id": "123456", "conclusion": "failure"
    });
    assert_eq!(
        parse("repository_dispatch", &p).unwrap(),
        Signal::TierCompleted {
            release: "2026.12.0".parse().unwrap(),
            tier: "e2e-full".parse().unwrap(),
            correlation_id: "cv-1a2b".into(),
            run_id: Some(RunId::new(123_456)),
            conclusion: "failure".into(),
            sender: Some("Codertocat".parse().unwrap()),
        }
    );

    p["action"] = json!("convoy.task-completed");
    p["client_payload"] = json!({"release": "2026.12.0", "task": "acme/api#7"});
    assert_eq!(
        kind(&parse("repository_dispatch", &p).unwrap()),
        "task_completed"
    );

    p["action"] = json!("convoy.retry");
    p["client_payload"] = json!({"release": "2026.12.0", "args": "e2e-full"});
    let Signal::Command(c) = parse("repository_dispatch", &p).unwrap() else {
        panic!("not a command");
    };
    assert_eq!(c.source, CommandSource::RepositoryDispatch);
    assert!(matches!(c.command, Command::Retry { tier: Some(_) }));

    p["action"] = json!("convoy.dance");
    assert_eq!(kind(&parse("repository_dispatch", &p).unwrap()), "ignored");
}
