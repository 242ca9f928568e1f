//! The `/convoy` line parser and the `create` arguments.

use convoy::event::{parse_command_line, parse_create_args};
use convoy::model::config::Directive;
use convoy::signal::Command;

#[test]
fn chatops_lines_and_quotes() {
    assert_eq!(parse_command_line("/convoy approve"), Ok(Command::Approve));
    assert_eq!(parse_command_line("  /convoy   SHIP  "), Ok(Command::Ship));
    assert_eq!(parse_command_line("/convoy\tstatus"), Ok(Command::Status));
    assert_eq!(
        parse_command_line("/convoy retry"),
        Ok(Command::Retry { tier: None })
    );
    for (line, want) in [
        ("/convoy plan", Command::Plan),
        ("/convoy promote", Command::Promote),
        ("/convoy validate", Command::Validate),
        ("/convoy abort", Command::Abort),
        ("/convoy rollback", Command::Rollback),
        ("/convoy reconcile", Command::Reconcile),
    ] {
        assert_eq!(parse_command_line(line), Ok(want), "{line}");
    }
    let Ok(Command::Create(args)) = parse_command_line(
        r#"/convoy create version=2.0.0 title="Winter \"cold\" release" carry_over=2026.11.0"#,
    ) else {
        panic!("create did not parse");
    };
    assert_eq!(args.version.as_deref(), Some("2.0.0"));
    assert_eq!(args.title.as_deref(), Some(r#"Winter "cold" release"#));
    assert_eq!(args.carry_over.unwrap().as_str(), "2026.11.0");
    assert_eq!(args.directive, None);
    assert!(args.tasks.is_empty());
}

#[test]
fn create_args() {
    assert_eq!(parse_create_args(""), Ok(Default::default()));
    assert_eq!(parse_create_args("   "), Ok(Default::default()));
    let args = parse_create_args("tasks=acme/api#1,acme/api#1 directive=quick").unwrap();
    assert_eq!(args.tasks.len(), 1, "duplicates collapse");
    assert_eq!(args.directive, Some(Directive::Quick));
    let args = parse_create_args(r#"tasks="acme/api#1, acme/web#2""#).unwrap();
    assert_eq!(
        args.tasks.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        ["acme/api#1", "acme/web#2"]
    );
    let args = parse_create_args(r#"title="; rm -rf / $(reboot) `x`""#).unwrap();
    assert_eq!(
        args.title.as_deref(),
        Some("; rm -rf / $(reboot) `x`"),
        "kept as text, never run"
    );
    let args = parse_create_args(r#"title="back\\slash \n""#).unwrap();
    assert_eq!(args.title.as_deref(), Some(r"back\slash \n"));
    for bad in [
        "title=\"a\\",
        "title=\"a\\\"",
        "directive=Careful",
        "version=v1..2",
        "tasks=acme/api",
        "carry_over=",
        "a=b=c",
        "\"title\"=x",
    ] {
        assert!(parse_create_args(bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn create_sprints_replace_the_configs() {
    assert_eq!(parse_create_args("").unwrap().sprints, None);
    let args = parse_create_args(r#"sprints="Sprint 42, Sprint 43" directive=auto"#).unwrap();
    assert_eq!(
        args.sprints.as_deref(),
        Some(&["Sprint 42".to_owned(), "Sprint 43".to_owned()][..])
    );
    let args = parse_create_args("sprints=S42").unwrap();
    assert_eq!(args.sprints, Some(vec!["S42".to_owned()]));
    let too_many = format!(
        "sprints=\"{}\"",
        (1..=21)
            .map(|i| format!("S{i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let long = format!("sprints={}", "x".repeat(256));
    for (bad, says) in [
        ("sprints=", "`sprints` needs a value"),
        (r#"sprints="  ""#, "`sprints` needs a value"),
        (r#"sprints="Sprint 42,,Sprint 43""#, "sprint 2 is empty"),
        ("sprints=S42,", "sprint 2 is empty"),
        (
            r#"sprints="Sprint 42, Sprint 42""#,
            "sprint `Sprint 42` is listed twice",
        ),
        ("sprints=\"a\tb\"", "cannot hold control characters"),
        (
            "sprints=Sprint 42",
            "must be quoted, like `sprints=\"Sprint …\"`",
        ),
        ("sprints=a sprints=b", "key `sprints` is given twice"),
        (
            too_many.as_str(),
            "21 sprints are listed; a release takes at most 20",
        ),
        (long.as_str(), "longer than 255 characters"),
    ] {
        let e = parse_create_args(bad).unwrap_err();
        assert!(e.contains(says), "{bad}: {e}");
    }
}

#[test]
fn errors_quote_what_was_written_but_not_too_much() {
    let long = format!("/convoy {}", "x".repeat(500));
    let e = parse_command_line(&long).unwrap_err();
    assert!(e.len() < 300, "{e}");
    assert!(e.contains('…'), "{e}");
    let e = parse_command_line("/convoy a`b").unwrap_err();
    assert!(e.starts_with("unknown command `a'b`"), "{e}");
}

#[test]
fn ship_now_takes_the_rest_of_the_line_as_its_reason() {
    assert_eq!(
        parse_command_line("/convoy ship --now"),
        Ok(Command::ShipNow { reason: None })
    );
    assert_eq!(
        parse_command_line("/convoy ship --NOW   the fix for #12 cannot wait  "),
        Ok(Command::ShipNow {
            reason: Some("the fix for #12 cannot wait".to_owned())
        })
    );
    let long = format!("/convoy ship --now {}", "x".repeat(500));
    let Ok(Command::ShipNow { reason: Some(r) }) = parse_command_line(&long) else {
        panic!("ship --now did not parse");
    };
    assert_eq!(
        r.chars().count(),
        200,
        "the reason is cut at 200 characters"
    );
    for (bad, says) in [
        ("/convoy ship now", "did you mean `--now`?"),
        ("/convoy ship —now", "did you mean `--now`?"),
        (
            "/convoy ship later",
            "`ship` takes nothing, or `--now` and a reason",
        ),
    ] {
        let e = parse_command_line(bad).unwrap_err();
        assert!(e.contains(says), "{bad}: {e}");
    }
}
