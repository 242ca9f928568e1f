//! Malformed payloads, missing and invalid fields, and the error texts under snapshot.

use convoy::event::{EventError, parse_command_line, parse_event};
use serde_json::{Value, json};

use super::{fixture, kind, parse};

#[test]
fn malformed_missing_and_invalid_fields() {
    assert!(matches!(
        parse_event("pull_request", b"{not json"),
        Err(EventError::Malformed { .. })
    ));
    assert!(matches!(
        parse_event("schedule", b"null"),
        Err(EventError::Malformed { .. })
    ));
    assert!(matches!(
        parse_event("deployment", b"\xff\xfe"),
        Err(EventError::Malformed { .. })
    ));

    let mut p = fixture("pull_request.opened.json");
    p["pull_request"]["head"]
        .as_object_mut()
        .unwrap()
        .remove("sha");
    assert_eq!(
        parse("pull_request", &p),
        Err(EventError::MissingField {
            field: "/pull_request/head/sha".into()
        })
    );

    let mut p = fixture("pull_request.opened.json");
    p["pull_request"]["head"]["sha"] = json!("not-a-sha");
    let Err(EventError::InvalidField { field, reason }) = parse("pull_request", &p) else {
        panic!("a bad SHA is not an invalid field");
    };
    assert_eq!(field, "/pull_request/head/sha");
    assert!(reason.contains("not a valid commit SHA"), "{reason}");

    let mut p = fixture("pull_request.closed.json");
    p["pull_request"]["merged"] = json!(true);
    p["pull_request"]["merge_commit_sha"] = Value::Null;
    assert_eq!(
        parse("pull_request", &p),
        Err(EventError::MissingField {
            field: "/pull_request/merge_commit_sha".into()
        })
    );

    let mut p = fixture("workflow_dispatch.1.json");
    p["inputs"] = json!({"command": "deploy"});
    assert_eq!(
        parse("workflow_dispatch", &p),
        Err(EventError::InvalidField {
            field: "/inputs/command".into(),
            reason: "unknown command `deploy`; expected one of create, plan, approve, promote, \
                     validate, ship, retry, defer, abort, rollback, status, reconcile"
                .into()
        })
    );
}

/// Parses `base` after `edit` and shows the outcome: the error text, or the signal's kind.
fn outcome(event: &str, base: &Value, edit: &dyn Fn(&mut Value)) -> String {
    let mut v = base.clone();
    edit(&mut v);
    match parse(event, &v) {
        Ok(s) => format!("Ok({})", kind(&s)),
        Err(e) => e.to_string(),
    }
}

/// Error texts a person reads, under snapshot: changing one is a reviewed decision.
#[test]
fn error_texts() {
    let mut out = String::new();
    let mut show = |label: &str, text: String| {
        out.push_str(&format!("{label}\n  → {text}\n"));
    };
    let raw = |bytes: &[u8]| match parse_event("push", bytes) {
        Ok(s) => format!("Ok({})", kind(&s)),
        Err(e) => e.to_string(),
    };
    show("payload `{not json`", raw(b"{not json"));
    show("payload `[1, 2]`", raw(b"[1, 2]"));
    show("payload empty", raw(b""));
    show("payload `{}` then garbage", raw(b"{}\n x"));

    let pr = fixture("pull_request.opened.json");
    show(
        "pull_request without head.sha",
        outcome("pull_request", &pr, &|v| {
            v["pull_request"]["head"]
                .as_object_mut()
                .unwrap()
                .remove("sha");
        }),
    );
    show(
        "pull_request with a short head.sha",
        outcome("pull_request", &pr, &|v| {
            v["pull_request"]["head"]["sha"] = json!("abc123")
        }),
    );
    show(
        "pull_request with a string number",
        outcome("pull_request", &pr, &|v| {
            v["pull_request"]["number"] = json!("2")
        }),
    );
    show(
        "pull_request without action",
        outcome("pull_request", &pr, &|v| {
            v.as_object_mut().unwrap().remove("action");
        }),
    );
    show(
        "pull_request with a null user",
        outcome("pull_request", &pr, &|v| {
            v["pull_request"]["user"] = Value::Null
        }),
    );
    show(
        "pull_request with a bad repository name",
        outcome("pull_request", &pr, &|v| {
            v["repository"]["full_name"] = json!("no-slash")
        }),
    );

    let wd = fixture("workflow_dispatch.1.json");
    show(
        "workflow_dispatch command=deploy",
        outcome("workflow_dispatch", &wd, &|v| {
            v["inputs"] = json!({"command": "deploy"})
        }),
    );
    show(
        "workflow_dispatch create without release",
        outcome("workflow_dispatch", &wd, &|v| {
            v["inputs"] = json!({"command": "create"})
        }),
    );
    show(
        "workflow_dispatch release=../x",
        outcome("workflow_dispatch", &wd, &|v| {
            v["inputs"] = json!({"command": "status", "release": "../x"})
        }),
    );
    show(
        "workflow_dispatch create args=directive=fast",
        outcome(
            "workflow_dispatch",
            &wd,
            &|v| {
                v["inputs"] =
                    json!({"command": "create", "release": "r1", "args": "directive=fast"})
            },
        ),
    );

    let rd = fixture("repository_dispatch.on-demand-test.json");
    show(
        "tier-completed without correlation_id",
        outcome("repository_dispatch", &rd, &|v| {
            v["action"] = json!("convoy.tier-completed");
            v["client_payload"] = json!({"release": "r1", "tier": "e2e", "conclusion": "success"});
        }),
    );
    show(
        "tier-completed with run_id=abc",
        outcome("repository_dispatch", &rd, &|v| {
            v["action"] = json!("convoy.tier-completed");
            v["client_payload"] = json!({"release": "r1", "tier": "e2e", "correlation_id": "c",
                "run_id": "abc", "conclusion": "success"});
        }),
    );
    show(
        "convoy.defer without args",
        outcome("repository_dispatch", &rd, &|v| {
            v["action"] = json!("convoy.defer");
        }),
    );

    for line in [
        "/convoy",
        "/convoy aprove",
        "/convoy approve now",
        "/convoyapprove",
        "convoy approve",
        "/convoy retry a b",
        "/convoy retry e2e/full",
        "/convoy defer",
        "/convoy defer acme/api",
        "/convoy create title=\"Winter release",
        "/convoy create title=\"Winter\"x",
        "/convoy create owner=alice",
        "/convoy create version",
        "/convoy create =1",
        "/convoy create version=",
        "/convoy create version=1 version=2",
        "/convoy create version=\"1 2\"",
        "/convoy create directive=fast",
        "/convoy create tasks=acme/api#1,,acme/web#2",
        "/convoy create tasks=acme/api#1, acme/web#2",
        "/convoy create tasks=acme/api#0",
        "/convoy create carry_over=a..b",
        "/convoy create sprints=Sprint 42",
        "/convoy create title=Winter release",
        "/convoy create sprints=\"Sprint 42,,Sprint 43\"",
        "/convoy create sprints=\"Sprint 42,Sprint 42\"",
        "/convoy create title=a\"b",
    ] {
        let text = match parse_command_line(line) {
            Ok(c) => format!("Ok({c:?})"),
            Err(e) => e,
        };
        show(&format!("line `{line}`"), text);
    }
    // Snapshots live in tests/snapshots/ (this file is in tests/events/).
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!("error_texts", out);
    });
}
