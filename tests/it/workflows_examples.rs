//! The Action's shell files agree with the code: action.yml declares the inputs convoy reads and
//! the outputs it writes and names the image of this version; the example workflows in
//! `examples/workflows/` declare the inputs convoy dispatches tiers and auto-fixes with, echo the
//! correlation id in their run name, and send the events and payloads convoy parses; none lists
//! repositories by hand (convoy.json is the one list, `convoy repos` prints it), and every
//! variable they read is one the README tells an admin to set.

use crate::support;

use std::collections::BTreeSet;

use convoy::event::chatops::{COMMAND_NAMES, CREATE_KEYS};
use convoy::event::parse_event;
use convoy::lifecycle::Action;
use convoy::model::config::Directive;
use convoy::model::numbers::RunId;
use convoy::sandbox::workflow;
use convoy::signal::{Command, CommandSignal, CommandSource, Signal};
use serde_norway::Value;
use support::*;

const ACTION: &str = include_str!("../../action.yml");
const CONTROL: &str = include_str!("../../examples/workflows/convoy-control.yml");
const MEMBER: &str = include_str!("../../examples/workflows/convoy-member.yml");
const TIER: &str = include_str!("../../examples/workflows/e2e-tier.yml");
const AUTO_FIX: &str = include_str!("../../examples/workflows/auto-fix.yml");
const CONFIG: &str = include_str!("../../examples/convoy.json");
const README: &str = include_str!("../../README.md");
const INPUTS_RS: &str = include_str!("../../src/shell/inputs.rs");
const RUN_RS: &str = include_str!("../../src/cli/run.rs");

fn yaml(text: &str) -> Value {
    serde_norway::from_str(text).unwrap()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_sequence()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// The `on:` mapping (a YAML 1.1 reader would make the key `true`; serde_norway keeps `on`).
fn on(doc: &Value) -> &Value {
    doc.get("on").unwrap()
}

#[test]
fn action_yml_declares_every_input_convoy_reads() {
    // Every `INPUT_<NAME>` that src/shell/inputs.rs reads (in code, not in doc comments).
    let read: BTreeSet<String> = INPUTS_RS
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .flat_map(|l| l.split("var(\"INPUT_").skip(1))
        .map(|rest| rest.split('"').next().unwrap().to_ascii_lowercase())
        .collect();
    assert!(
        read.contains("token") && read.contains("write-gap-ms"),
        "{read:?}"
    );
    let doc = yaml(ACTION);
    let declared = keys(&doc["inputs"]);
    assert_eq!(declared, read, "action.yml inputs vs src/shell/inputs.rs");
    for (name, input) in doc["inputs"].as_mapping().unwrap() {
        assert!(
            input["description"].as_str().is_some_and(|d| d.len() > 20),
            "input {name:?} needs a description"
        );
        assert_eq!(input["required"], Value::Bool(false), "{name:?}");
    }
    assert_eq!(doc["inputs"]["config"]["default"], "convoy.json");
    assert_eq!(doc["inputs"]["dry-run"]["default"], "false");
    assert_eq!(doc["inputs"]["log-level"]["default"], "info");
}

#[test]
fn action_yml_declares_the_outputs_convoy_writes_and_this_versions_image() {
    let doc = yaml(ACTION);
    let outputs = keys(&doc["outputs"]);
    for name in ["release", "phase", "changed", "plan"] {
        assert!(outputs.contains(name), "output {name}");
        assert!(
            RUN_RS.contains(&format!("(\"{name}\", ")),
            "run.rs writes {name}"
        );
    }
    assert_eq!(outputs.len(), 4);
    assert_eq!(doc["runs"]["using"], "docker");
    assert_eq!(
        doc["runs"]["image"].as_str().unwrap(),
        format!(
            "docker://ghcr.io/convoy-dev/convoy:{}",
            env!("CARGO_PKG_VERSION")
        ),
        "action.yml's image tag is the crate's version (bump both together)"
    );
}

/// `examples/convoy.json` names its schema by a URL, not a relative path, so a copy in another
/// repository is still checked by editors: the file in convoy's repository at the major-version
/// tag that `uses: convoy-dev/convoy@v<major>` runs (release.yml moves that tag).
#[test]
fn example_config_names_the_published_schema_of_this_major_version() {
    use convoy::model::schema::{Document, SCHEMA_BASE_URL};
    let config: serde_json::Value = serde_json::from_str(CONFIG).unwrap();
    let url = config["$schema"].as_str().unwrap();
    assert_eq!(url, Document::Config.url());
    let major = env!("CARGO_PKG_VERSION").split('.').next().unwrap();
    let prefix = format!("https://raw.githubusercontent.com/convoy-dev/convoy/v{major}/");
    assert!(
        SCHEMA_BASE_URL.starts_with(&prefix),
        "{SCHEMA_BASE_URL} is at tag v{major}"
    );
    let path = url.strip_prefix(&prefix).unwrap();
    assert!(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(path)
            .is_file(),
        "{path} exists in the repository"
    );
    let committed: serde_json::Value =
        serde_json::from_str(Document::Config.schema_text()).unwrap();
    assert_eq!(committed["$id"], url, "the schema's $id is the same URL");
    // The release workflow moves exactly that tag.
    assert!(
        include_str!("../../.github/workflows/release.yml")
            .contains(&format!("major tag (v{major})")),
        "release.yml moves the major tag"
    );
}

/// The inputs of every tier dispatch in a rehearsal of the example config.
fn tier_dispatches() -> Vec<std::collections::BTreeMap<String, String>> {
    let rehearsal = play(&release(Directive::Careful), 200, false);
    let inputs: Vec<_> = rehearsal
        .steps
        .iter()
        .flat_map(|s| &s.actions)
        .filter_map(|a| match &a.action {
            // Tier runs; an auto-fix dispatch adds `run_url`.
            Action::DispatchWorkflow { inputs, .. } if !inputs.contains_key("run_url") => {
                Some(inputs.clone())
            }
            _ => None,
        })
        .collect();
    assert!(!inputs.is_empty(), "the rehearsal dispatches tiers");
    inputs
}

#[test]
fn the_tier_example_declares_exactly_the_inputs_convoy_sends() {
    let wf = workflow::parse("e2e.yml", TIER).unwrap();
    let declared = wf.dispatch.expect("the tier can be dispatched");
    for inputs in tier_dispatches() {
        let sent: BTreeSet<&String> = inputs.keys().collect();
        let names: BTreeSet<&String> = declared.keys().collect();
        // GitHub refuses a dispatch with an undeclared input, and a required one left out.
        assert_eq!(sent, names, "e2e-tier.yml inputs vs what convoy dispatches");
        let run_name = workflow::render(
            wf.run_name.as_deref().expect("a run-name"),
            &inputs
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
        );
        assert!(run_name.contains(&inputs["correlation_id"]), "{run_name}");
        // refs is the JSON the tier's fetch step reads with jq.
        let refs: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&inputs["refs"]).unwrap();
        assert!(!refs.is_empty());
    }
}

#[test]
fn the_tier_example_reports_a_payload_convoy_parses() {
    // What the report job's jq builds, with GitHub's repository_dispatch envelope around it.
    let inputs = &tier_dispatches()[0];
    assert!(TIER.contains("event_type: \"convoy.tier-completed\""));
    for key in ["release", "tier", "correlation_id", "run_id", "conclusion"] {
        assert!(TIER.contains(&format!("--arg {key} ")), "{key}");
        assert!(
            TIER.contains(&format!("{key}: ${key}"))
                || TIER.contains(&format!("{key}: (${key} | tonumber)")),
            "{key}"
        );
    }
    for conclusion in ["success", "failure", "cancelled", "skipped"] {
        let payload = serde_json::json!({
            "action": "convoy.tier-completed",
            "client_payload": {
                "release": inputs["release"],
                "tier": inputs["tier"],
                "correlation_id": inputs["correlation_id"],
                "run_id": 123456789,
                "conclusion": conclusion,
            },
            "sender": {"login": "convoy-app[bot]", "type": "Bot"},
        });
        let signal = parse_event("repository_dispatch", payload.to_string().as_bytes()).unwrap();
        let Signal::TierCompleted {
            correlation_id,
            run_id,
            conclusion: c,
            ..
        } = signal
        else {
            panic!("{signal:?}")
        };
        assert_eq!(correlation_id, inputs["correlation_id"]);
        assert_eq!(run_id, Some(RunId::new(123456789)));
        assert!(
            convoy::model::manifest::Conclusion::parse(c.as_str()).is_some(),
            "{c}"
        );
    }
}

#[test]
fn the_control_example_has_every_command_and_dispatch_type() {
    let doc = yaml(CONTROL);
    let on = on(&doc);
    let commands: BTreeSet<String> = COMMAND_NAMES.iter().map(|c| c.to_string()).collect();
    let dispatch = &on["workflow_dispatch"]["inputs"];
    // The release commands, and `doctor` and `verify`, which `convoy run` hands to `convoy
    // doctor` and `convoy verify`.
    let mut options = commands.clone();
    options.insert("doctor".to_owned());
    options.insert("verify".to_owned());
    assert_eq!(strings(&dispatch["command"]["options"]), options);
    assert_eq!(dispatch["command"]["default"], "reconcile");
    for input in ["release", "args"] {
        assert!(dispatch.get(input).is_some(), "{input}");
    }
    let mut types: BTreeSet<String> = commands.iter().map(|c| format!("convoy.{c}")).collect();
    types.insert("convoy.task-completed".to_owned());
    types.insert("convoy.tier-completed".to_owned());
    types.insert("convoy.changed".to_owned());
    types.insert("convoy.comment".to_owned());
    types.insert("convoy.issue".to_owned());
    assert_eq!(strings(&on["repository_dispatch"]["types"]), types);
    // The demo and the tests deliver the control repo's events the workflow runs on, no more.
    let subscribed: BTreeSet<String> = keys(on);
    let delivered: BTreeSet<String> = convoy::demo::forward::CONTROL_EVENTS
        .iter()
        .map(|e| (*e).to_owned())
        .collect();
    assert_eq!(subscribed, delivered);
    assert_eq!(strings(&on["issue_comment"]["types"]).len(), 1);
    // Checkbox controls: issue edits only, a person's (the job's `if` names the bot and the
    // box marker convoy renders), each in its own concurrency group (its command is in its
    // event, like a comment's).
    assert_eq!(
        strings(&on["issues"]["types"]),
        BTreeSet::from(["edited".to_owned()])
    );
    let condition = doc["jobs"]["convoy"]["if"].as_str().unwrap();
    assert!(
        condition.contains("github.event.sender.type != 'Bot'"),
        "{condition}"
    );
    let marker = convoy::model::marker::Marker::Box("abort".to_owned()).tag();
    let prefix = marker.trim_end_matches("abort -->");
    assert!(
        condition.contains(&format!(
            "contains(github.event.changes.body.from, '{prefix}')"
        )),
        "{condition}"
    );
    let group = doc["concurrency"]["group"].as_str().unwrap();
    assert!(group.contains("github.event_name == 'issues'"), "{group}");
    assert_eq!(on["schedule"][0]["cron"], "*/15 * * * *");
    assert!(doc["concurrency"]["group"].as_str().is_some());

    // Each button press is an event convoy turns into that command.
    for command in COMMAND_NAMES {
        let args = match command {
            "defer" => "acme/api#12",
            "create" => "version=2026.12.0 directive=auto",
            _ => "",
        };
        let payload = serde_json::json!({
            "inputs": {"command": command, "release": "2026.12.0", "args": args, "dry_run": "false"},
            "sender": {"login": "release-captain", "type": "User"},
        });
        let signal = parse_event("workflow_dispatch", payload.to_string().as_bytes()).unwrap();
        assert!(
            matches!(&signal, Signal::Command(c) if c.source == CommandSource::WorkflowDispatch),
            "{command}: {signal:?}"
        );
    }
}

/// Every `create` key is documented where people type it: the `args` input of action.yml and of
/// the control example's button; `sprints=` as its example writes it reaches the command.
#[test]
fn the_create_keys_are_documented_where_args_are_typed() {
    let action = yaml(ACTION);
    let control = yaml(CONTROL);
    let docs = [
        ("action.yml", &action["inputs"]["args"]["description"]),
        (
            "convoy-control.yml",
            &on(&control)["workflow_dispatch"]["inputs"]["args"]["description"],
        ),
    ];
    for (file, description) in docs {
        let text = description.as_str().unwrap();
        for key in CREATE_KEYS {
            assert!(
                text.contains(&format!("{key}=")),
                "{file} args lacks {key}=: {text}"
            );
        }
        assert!(
            text.contains(r#"sprints="Sprint 42,Sprint 43""#),
            "{file}: {text}"
        );
    }
    let payload = serde_json::json!({
        "inputs": {"command": "create", "release": "2026.12.0", "args": r#"sprints="Sprint 42,Sprint 43""#},
        "sender": {"login": "release-captain", "type": "User"},
    });
    let signal = parse_event("workflow_dispatch", payload.to_string().as_bytes()).unwrap();
    let Signal::Command(c) = signal else {
        panic!("{signal:?}")
    };
    let Command::Create(args) = c.command else {
        panic!("{:?}", c.command)
    };
    assert_eq!(
        args.sprints,
        Some(vec!["Sprint 42".to_owned(), "Sprint 43".to_owned()])
    );
}

mod install;

/// The member workflow listens to what `convoy::demo::forward` (the demo's and the tests'
/// delivery) forwards, and what it sends is what convoy reads: `convoy.changed`, and the
/// `convoy.comment` / `convoy.issue` hints, which carry where to look and nothing else.
#[test]
fn the_member_example_forwards_what_convoy_reads() {
    let doc = yaml(MEMBER);
    let events: BTreeSet<String> = keys(on(&doc));
    let expected: BTreeSet<String> = [
        "pull_request",
        "pull_request_review",
        "issue_comment",
        "issues",
        "status",
        "check_suite",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(events, expected);
    let script = doc["jobs"]["forward"]["steps"][1]["run"].as_str().unwrap();
    for kind in ["convoy.changed", "convoy.comment", "convoy.issue"] {
        assert!(script.contains(&format!("event_type={kind}")), "{kind}");
    }
    // What each hint becomes when it reaches the control repo.
    let dispatch = |kind: &str, payload: serde_json::Value| {
        let event = serde_json::json!({"action": kind, "client_payload": payload, "sender": {"login": "convoy[bot]"}, "repository": {"full_name": "acme/control"}});
        parse_event("repository_dispatch", event.to_string().as_bytes()).unwrap()
    };
    assert!(matches!(
        dispatch(
            "convoy.comment",
            serde_json::json!({"repo": "acme/api", "comment_id": 7})
        ),
        Signal::Forwarded(convoy::signal::Forwarded::Comment { comment_id: 7, .. })
    ));
    assert!(matches!(
        dispatch(
            "convoy.issue",
            serde_json::json!({"repo": "acme/api", "issue": 12})
        ),
        Signal::Forwarded(convoy::signal::Forwarded::Issue { .. })
    ));
    assert_eq!(
        dispatch("convoy.changed", serde_json::json!({"repo": "acme/api"})),
        Signal::Changed {
            repo: convoy::model::ids::RepoName::parse("acme/api").unwrap(),
            release: None
        }
    );
    // An old member workflow's `convoy.status` is still a command convoy obeys.
    assert!(matches!(
        dispatch("convoy.status", serde_json::json!({})),
        Signal::Command(CommandSignal {
            command: Command::Status,
            release: None,
            ..
        })
    ));
}
