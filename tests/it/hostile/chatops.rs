//! ChatOps parsing: random and huge command lines never panic, and the errors echo nothing that
//! would render.

use convoy::event::chatops::{parse_command, parse_command_line, parse_create_args};
use proptest::prelude::*;

use super::common::config;
use super::strategies::{nasty_fragment, nasty_string};

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
        message.matches('`').count().is_multiple_of(2),
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
