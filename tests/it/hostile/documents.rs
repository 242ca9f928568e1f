//! Config and manifest parsers: random, mutated and truncated documents, hostile release ids
//! and branch names are refused (never a panic) with an error that names the field.

use convoy::event::chatops::parse_create_args;
use convoy::model::ids::{BranchName, ReleaseId};
use convoy::validate::{Problem, config_from_str, manifest_from_str};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::common::{CONFIG, MANIFEST, config};
use super::strategies::{arb_mutation, mutate};

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
