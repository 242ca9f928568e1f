//! `issues` `edited`: a ticked checkbox of a tracking issue becomes its command, given by whoever
//! edited the issue; every other edit is ignored before a run reads anything.

use convoy::model::manifest::Gate;
use convoy::signal::{Checkbox, Command, CommandSource, Signal};
use serde_json::{Value, json};

use super::parse;

const BEFORE: &str = "<!-- convoy:release=2026.12.0 -->\n**Phase:** planning\n\n### Controls\n\n\
- [ ] **approve the plan gate**: approve the gate the release waits at <!-- convoy:box=approve:plan -->\n\
- [ ] **defer acme/api#12**: take a task out of the release <!-- convoy:box=defer:acme/api#12 -->\n\
- [ ] **abort**: stop before shipping; staging is reset <!-- convoy:box=abort -->\n";

fn edit(from: Option<&str>, to: &str, sender: Value) -> Value {
    let mut p = json!({
        "action": "edited",
        "issue": {"number": 7, "body": to, "updated_at": "2026-12-01T09:30:05Z"},
        "repository": {"full_name": "acme/release-control"},
        "sender": sender,
    });
    if let Some(from) = from {
        p["changes"] = json!({"body": {"from": from}});
    }
    p
}

fn alice() -> Value {
    json!({"login": "alice", "type": "User"})
}

fn ticked(line: &str) -> String {
    BEFORE.replace(&format!("- [ ] **{line}"), &format!("- [x] **{line}"))
}

#[test]
fn a_ticked_box_is_its_command_given_by_the_editor() {
    let after = ticked("approve the plan gate");
    let Signal::Command(c) = parse("issues", &edit(Some(BEFORE), &after, alice())).unwrap() else {
        panic!("not a command");
    };
    assert_eq!(c.command, Command::Approve);
    assert_eq!(c.release.unwrap().as_str(), "2026.12.0");
    assert_eq!(c.actor.as_str(), "alice");
    let CommandSource::Checkbox {
        repo,
        issue,
        checkbox,
        edit: at,
        others,
    } = c.source
    else {
        panic!("not a checkbox: {:?}", c.source);
    };
    assert_eq!(repo.as_str(), "acme/release-control");
    assert_eq!(issue.get(), 7);
    assert_eq!(checkbox, Checkbox::Approve(Gate::Plan));
    assert_eq!(at, 1_796_117_405);
    assert!(others.is_empty());

    // The defer box names its task; two boxes at once run the first and name the other.
    let both = ticked("defer acme/api#12").replace("- [ ] **abort", "- [x] **abort");
    let Signal::Command(c) = parse("issues", &edit(Some(BEFORE), &both, alice())).unwrap() else {
        panic!("not a command");
    };
    assert_eq!(c.command, Command::Abort);
    let CommandSource::Checkbox { others, .. } = c.source else {
        panic!("not a checkbox");
    };
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].key(), "defer:acme/api#12");
}

#[test]
fn every_other_edit_is_ignored() {
    let after = ticked("abort");
    let ignored = |p: Value| match parse("issues", &p).unwrap() {
        Signal::Ignored { reason } => reason,
        other => panic!("not ignored: {other:?}"),
    };
    // convoy's own update (and any bot's).
    let bot = json!({"login": "convoy-app[bot]", "type": "Bot"});
    assert!(ignored(edit(Some(BEFORE), &after, bot)).contains("bot"));
    let bot_by_name = json!({"login": "convoy-app[bot]"});
    assert!(ignored(edit(Some(BEFORE), &after, bot_by_name)).contains("bot"));
    // A title edit: the body did not change.
    assert!(ignored(edit(None, &after, alice())).contains("body"));
    // A box ticked already, a text edit, an untick.
    assert!(ignored(edit(Some(&after), &after, alice())).contains("no convoy checkbox"));
    let text = BEFORE.replace("planning", "planning (edited)");
    assert!(ignored(edit(Some(BEFORE), &text, alice())).contains("no convoy checkbox"));
    assert!(ignored(edit(Some(&after), BEFORE, alice())).contains("no convoy checkbox"));
    // An issue that is no tracking issue, whatever boxes it holds.
    let foreign_before = BEFORE.replace("<!-- convoy:release=2026.12.0 -->\n", "Notes\n");
    let foreign_after = after.replace("<!-- convoy:release=2026.12.0 -->\n", "Notes\n");
    assert!(
        ignored(edit(Some(&foreign_before), &foreign_after, alice()))
            .contains("no release's tracking issue")
    );
}

#[test]
fn a_ticked_box_needs_the_edits_time() {
    let mut p = edit(Some(BEFORE), &ticked("abort"), alice());
    p["issue"].as_object_mut().unwrap().remove("updated_at");
    let e = parse("issues", &p).unwrap_err();
    assert!(e.to_string().contains("/issue/updated_at"), "{e}");
}
