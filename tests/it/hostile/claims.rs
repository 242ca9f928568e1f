//! Forged tier results: a `convoy.tier-completed` with hostile text in every field a caller
//! chooses never completes a run, and the note convoy posts about it echoes nothing that
//! renders (every quoted value stays inside its code span).

use convoy::event::parse_event;
use convoy::lifecycle::action::Action;
use convoy::lifecycle::{Observed, decide};
use convoy::model::time::Timestamp;
use convoy::validate::manifest_from_str;
use proptest::prelude::*;
use serde_json::json;

use super::common::{MANIFEST, config};
use super::strategies::nasty_string;

/// The parts of a line outside its `code spans`.
fn outside_code(text: &str) -> String {
    text.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn a_forged_tier_result_changes_no_run_and_its_note_is_inert(
        correlation in nasty_string(),
        conclusion in prop_oneof![Just("success".to_owned()), nasty_string()],
        run_id in proptest::option::of(1u64..u64::MAX / 2),
    ) {
        let m = manifest_from_str(MANIFEST).unwrap();
        let payload = json!({
            "action": "convoy.tier-completed",
            "client_payload": {"release": m.id.as_str(), "tier": "e2e-full",
                               "correlation_id": correlation, "run_id": run_id,
                               "conclusion": conclusion},
            "sender": {"login": "mallory", "type": "User"},
        });
        let signal = parse_event("repository_dispatch", payload.to_string().as_bytes()).unwrap();
        let at = Timestamp::parse("2026-12-20T09:00:00Z").unwrap();
        let d = decide(&m, &Observed::default(), &signal, at);
        prop_assert_eq!(&d.manifest.tier_runs, &m.tier_runs);
        prop_assert_eq!(d.manifest.phase, m.phase);
        let notes: Vec<&String> = d
            .actions
            .iter()
            .filter_map(|a| match &a.action {
                Action::Comment { marker, body, .. } if marker.starts_with("convoy:claim:") => {
                    Some(body)
                }
                _ => None,
            })
            .collect();
        prop_assert_eq!(notes.len(), 1, "the forged claim is noted");
        for body in notes {
            let lines: Vec<&str> = body.lines().collect();
            prop_assert!(lines[0].starts_with("<!-- convoy:claim:") && lines[0].ends_with(" -->"));
            prop_assert_eq!(lines.len(), 4, "{}", body);
            for line in &lines[1..] {
                prop_assert_eq!(line.matches('`').count() % 2, 0, "an unclosed span: {}", line);
                let outside = outside_code(line);
                for bad in ["<", "@", "\r", "\u{0}", "\u{1b}"] {
                    prop_assert!(!outside.contains(bad), "`{}` outside a code span: {}", bad, line);
                }
            }
            prop_assert!(body.len() < 2_000, "{} bytes", body.len());
        }
    }
}
