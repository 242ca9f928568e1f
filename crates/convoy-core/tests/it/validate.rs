//! What `convoy.json` and manifest errors say: convoy's words with the pointer, near-miss
//! suggestions, values never cut, every problem of a file in one run, positions in the text.
//! The texts are under snapshot.

use convoy::validate::{self, Position, Problem};
use serde_json::{Value, json};

const CONFIG: &str = include_str!("../../../../examples/convoy.json");
const MANIFEST: &str = include_str!("../../../../examples/release-manifest.json");

/// The example config with `edit` applied, as pretty JSON text.
fn config_with(edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(CONFIG).unwrap();
    edit(&mut v);
    serde_json::to_string_pretty(&v).unwrap()
}

fn config_problems(text: &str) -> Vec<Problem> {
    validate::config_from_str(text).expect_err("the config is refused")
}

fn lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{p}\n"))
        .collect::<String>()
}

type Edit = fn(&mut Value);

#[test]
fn config_schema_errors_are_in_convoys_words() {
    let cases: Vec<(&str, Edit)> = vec![
        ("integer as a string", |v| {
            v["tiers"][0]["timeout_minutes"] = json!("3")
        }),
        ("fraction", |v| v["tiers"][0]["max_attempts"] = json!(2.5)),
        ("boolean as a string", |v| {
            v["tiers"][0]["required"] = json!("false")
        }),
        ("string as a number", |v| v["rc_branch"] = json!(7)),
        ("list as a string", |v| {
            v["repos"][1]["depends_on"] = json!("acme/schema")
        }),
        ("object as a list", |v| v["ship"] = json!([])),
        ("optional as a number", |v| v["control_repo"] = json!(3)),
        ("optional of the wrong form", |v| {
            v["control_repo"] = json!("release-control")
        }),
        ("list or null", |v| {
            v["tiers"][2]["covers"] = json!("acme/api")
        }),
        ("missing field", |v| {
            v["tiers"][1].as_object_mut().unwrap().remove("phase");
        }),
        ("missing repos", |v| {
            v.as_object_mut().unwrap().remove("repos");
        }),
        ("typo", |v| {
            let deps = v["repos"][1].as_object_mut().unwrap().remove("depends_on");
            v["repos"][1]["depend_on"] = deps.unwrap();
        }),
        ("typo at the top", |v| v["tier"] = json!([])),
        ("unknown field", |v| v["repos"][2]["colour"] = json!("blue")),
        ("two unknown fields", |v| {
            v["ship"]["tags"] = json!("v1");
            v["ship"]["merge"] = json!("squash");
        }),
        ("choice with a typo", |v| v["directive"] = json!("carefull")),
        ("choice", |v| v["tiers"][1]["phase"] = json!("deploy")),
        ("choice not a string", |v| {
            v["approvers"]["min_permission"] = json!(3)
        }),
        ("pattern", |v| v["repos"][3]["name"] = json!("acme")),
        ("pattern of a tier name", |v| {
            v["tiers"][0]["name"] = json!("smoke test")
        }),
        ("minimum", |v| v["tiers"][0]["max_attempts"] = json!(0)),
        ("maximum", |v| {
            v["tiers"][0]["timeout_minutes"] = json!(5000)
        }),
        ("empty branch", |v| v["repos"][0]["base"] = json!("")),
        ("huge value", |v| {
            v["repos"][0]["name"] = json!("x".repeat(10_000))
        }),
    ];
    let mut report = String::new();
    for (name, edit) in cases {
        let problems = config_problems(&config_with(edit));
        report.push_str(&format!("## {name}\n{}", lines(&problems)));
    }
    insta::assert_snapshot!("config_schema_errors", report);
}

/// `calendar` and `soak`: each mistake in convoy's words, with the fix or a near name.
#[test]
fn calendar_and_soak_errors_are_in_convoys_words() {
    let calendar = |v: &mut Value| {
        v["calendar"] = json!({
            "time_zone": "Europe/Berlin",
            "ship_windows": [{"days": ["mon", "tue"], "from": "10:00", "until": "16:00"}],
            "freezes": [{"from": "2026-12-21T00:00", "until": "2027-01-04T00:00", "reason": "holidays"}]
        });
        v["soak"] = json!({"validation": "2h"});
    };
    assert!(validate::config_from_str(&config_with(calendar)).is_ok());
    let cases: Vec<(&str, Edit)> = vec![
        ("a zone near a known one", |v| {
            v["calendar"] = json!({"time_zone": "Europe/Berln"})
        }),
        ("a zone nobody knows", |v| {
            v["calendar"] = json!({"time_zone": "Mars/Olympus_Mons"})
        }),
        ("not a zone name", |v| {
            v["calendar"] = json!({"time_zone": "Central European Time"})
        }),
        (
            "a typo of a weekday",
            |v| {
                v["calendar"] =
                    json!({"ship_windows": [{"days": ["tues"], "from": "10:00", "until": "16:00"}]})
            },
        ),
        (
            "no weekday",
            |v| {
                v["calendar"] =
                    json!({"ship_windows": [{"days": [], "from": "10:00", "until": "16:00"}]})
            },
        ),
        (
            "a weekday twice",
            |v| v["calendar"] = json!({"ship_windows": [{"days": ["mon", "fri", "mon"], "from": "10:00", "until": "16:00"}]}),
        ),
        (
            "not a time of day",
            |v| {
                v["calendar"] =
                    json!({"ship_windows": [{"days": ["mon"], "from": "9am", "until": "16:00"}]})
            },
        ),
        (
            "a window that closes when it opens",
            |v| {
                v["calendar"] =
                    json!({"ship_windows": [{"days": ["mon"], "from": "10:00", "until": "10:00"}]})
            },
        ),
        (
            "a window that opens at midnight's end",
            |v| {
                v["calendar"] =
                    json!({"ship_windows": [{"days": ["mon"], "from": "24:00", "until": "02:00"}]})
            },
        ),
        (
            "a typo of a field",
            |v| {
                v["calendar"] =
                    json!({"ship_windows": [{"days": ["mon"], "from": "10:00", "untill": "16:00"}]})
            },
        ),
        ("a typo of the calendar", |v| v["calender"] = json!({})),
        (
            "a freeze that ends before it begins",
            |v| v["calendar"] = json!({"freezes": [{"from": "2027-01-04T00:00", "until": "2026-12-21T00:00", "reason": "holidays"}]}),
        ),
        (
            "a freeze bound without a time",
            |v| v["calendar"] = json!({"freezes": [{"from": "2026-12-21", "until": "2027-01-04T00:00", "reason": "holidays"}]}),
        ),
        (
            "a freeze bound on no day",
            |v| v["calendar"] = json!({"freezes": [{"from": "2026-02-30T00:00", "until": "2027-01-04T00:00", "reason": "holidays"}]}),
        ),
        (
            "a freeze without a reason",
            |v| v["calendar"] = json!({"freezes": [{"from": "2026-12-21T00:00", "until": "2027-01-04T00:00", "reason": "  "}]}),
        ),
        (
            "a freeze missing its end",
            |v| {
                v["calendar"] =
                    json!({"freezes": [{"from": "2026-12-21T00:00", "reason": "holidays"}]})
            },
        ),
        ("a soak in words", |v| {
            v["soak"] = json!({"validation": "2 hours"})
        }),
        ("a soak of nothing", |v| {
            v["soak"] = json!({"validation": "0m"})
        }),
        ("a soak too long", |v| v["soak"] = json!({"staging": "45d"})),
        ("a soak of a phase that has none", |v| {
            v["soak"] = json!({"shipping": "1h"})
        }),
    ];
    let mut report = String::new();
    for (name, edit) in cases {
        let problems = config_problems(&config_with(edit));
        report.push_str(&format!("## {name}\n{}", lines(&problems)));
    }
    insta::assert_snapshot!("calendar_errors", report);
}

#[test]
fn manifest_schema_errors_are_in_convoys_words() {
    let cases: Vec<(&str, Edit)> = vec![
        ("integer as a string", |v| v["schema_version"] = json!("1")),
        ("choice", |v| v["phase"] = json!("shiped")),
        ("unknown field", |v| v["tital"] = json!("x")),
        ("missing field", |v| {
            v.as_object_mut().unwrap().remove("control_repo");
        }),
    ];
    let mut report = String::new();
    for (name, edit) in cases {
        let mut v: Value = serde_json::from_str(MANIFEST).unwrap();
        edit(&mut v);
        let problems = validate::manifest_from_str(&v.to_string()).expect_err(name);
        report.push_str(&format!("## {name}\n{}", lines(&problems)));
    }
    insta::assert_snapshot!("manifest_schema_errors", report);
}

#[test]
fn a_type_error_says_what_to_write() {
    let problems = config_problems(&config_with(|v| {
        v["tiers"][0]["timeout_minutes"] = json!("3")
    }));
    assert_eq!(
        lines(&problems),
        "/tiers/0/timeout_minutes: must be a whole number (got the string \"3\"); write 3 without quotes\n"
    );
}

#[test]
fn a_typo_of_a_field_gets_a_suggestion() {
    let problems = config_problems(&config_with(|v| {
        v["repos"][1]["depend_on"] = json!([]);
    }));
    assert_eq!(
        lines(&problems),
        "/repos/1/depend_on: unknown field `depend_on`; did you mean `depends_on`?\n"
    );
    let problems = config_problems(&config_with(|v| v["repos"][1]["colour"] = json!(1)));
    assert_eq!(
        lines(&problems),
        "/repos/1/colour: unknown field `colour`; expected one of `name`, `base`, `staging`, `depends_on`, `merge_method`, `reviewers`\n"
    );
}

#[test]
fn a_hint_is_never_cut_inside_a_value() {
    let problems = config_problems(&config_with(|v| {
        v["tiers"][0]["workflow"] = json!(".github/workflows/smoke.yml")
    }));
    assert_eq!(
        lines(&problems),
        "/tiers/0/workflow: `.github/workflows/smoke.yml` is not a workflow file name; give the \
         file name in .github/workflows, e.g. `e2e.yml`\n"
    );
    // A value holding a backtick is quoted so the message's backticks still pair up.
    let problems = config_problems(&config_with(|v| v["tiers"][0]["workflow"] = json!("`id`")));
    assert!(
        problems[0].message.starts_with("\"`id`\" is not"),
        "{problems:?}"
    );
}

#[test]
fn semantic_problems_come_with_schema_problems() {
    let text = config_with(|v| {
        v["tiers"][0]["timeout_minutes"] = json!("3");
        v["tiers"][0]["workflow"] = json!(".github/workflows/smoke.yml");
        v["repos"][1]["depend_on"] = json!([]);
        v["repos"][2]["depends_on"] = json!(["acme/nope"]);
        v["sprints"] = json!(["S1", "S1"]);
    });
    insta::assert_snapshot!(
        "schema_and_semantic_together",
        lines(&config_problems(&text))
    );

    // A part that does not parse at all (a tier without its phase) hides only the checks that
    // need it; the others still run.
    let text = config_with(|v| {
        v["tiers"][1].as_object_mut().unwrap().remove("phase");
        v["tiers"][2]["covers"] = json!(["acme/nope"]);
        v["repos"][2]["depends_on"] = json!(["acme/nope"]);
    });
    let report = lines(&config_problems(&text));
    assert_eq!(
        report,
        "/repos/2/depends_on/0: `acme/nope` is not a member repo; add it to `repos` or remove it here\n\
         /tiers/1: the field `phase` is missing: the phase this tier gates\n"
    );

    // The member list does not parse: no "not a member repo" complaints about the others.
    let text = config_with(|v| {
        v["repos"][0]["name"] = json!("schema");
        v["tiers"][0]["workflow"] = json!("smoke");
    });
    let report = lines(&config_problems(&text));
    assert_eq!(
        report,
        "/repos/0/name: must be a GitHub repository as `owner/name` (got the string \"schema\")\n\
         /tiers/0/workflow: `smoke` is not a workflow file name; give the file name in \
         .github/workflows, e.g. `e2e.yml`\n"
    );
}

#[test]
fn problems_come_in_document_order() {
    let text = config_with(|v| {
        v["sprints"] = json!(["", "S"]);
        v["repos"][10 - 7]["name"] = json!("acme");
        v["directive"] = json!("fast");
        v["repos"][0]["x"] = json!(1);
    });
    let pointers: Vec<String> = config_problems(&text)
        .into_iter()
        .map(|p| p.pointer)
        .collect();
    assert_eq!(
        pointers,
        ["/repos/0/x", "/repos/3/name", "/directive", "/sprints/0"]
    );
}

#[test]
fn positions_name_the_line_and_column_of_the_value() {
    let text = config_with(|v| v["tiers"][1]["timeout_minutes"] = json!("90"));
    let problems = config_problems(&text);
    let at = validate::position_of(&text, &problems[0]).unwrap();
    let line = text.lines().nth(at.line - 1).unwrap();
    let rest: String = line.chars().skip(at.col - 1).collect();
    assert!(rest.starts_with("\"90\""), "{rest}");
    assert!(line.contains("\"timeout_minutes\""));

    let broken = "{\n  \"repos\": [\n}";
    let problems = config_problems(broken);
    assert_eq!(
        validate::position_of(broken, &problems[0]),
        Some(Position { line: 3, col: 1 })
    );
}

#[test]
fn a_review_team_of_another_organisation_is_refused() {
    // GitHub asks only teams of the repository's own organisation: `acme/api` can be reviewed by
    // `acme/release`, not by `platform/release`. Logins and `acme` teams pass.
    let text = config_with(|v| {
        v["repos"][1]["reviewers"] = json!(["api-lead", "acme/release", "platform/release"]);
        v["repos"][3]["reviewers"] = json!(["Acme/web-owners"]);
    });
    let mut report = lines(&config_problems(&text));
    // A reviewer that is neither a login nor a team is refused by the schema.
    let text = config_with(|v| v["repos"][1]["reviewers"] = json!(["@acme/release"]));
    report.push_str(&lines(&config_problems(&text)));
    insta::assert_snapshot!("review_team_of_another_organisation", report);
}
