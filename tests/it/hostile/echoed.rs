//! Echoed text: titles, notes and reasons convoy writes back (tracking issue, release notes,
//! step summary) are neutralised.

use convoy::model::manifest::ReleaseManifest;
use convoy::validate::manifest_from_str;
use proptest::prelude::*;

use super::common::{MANIFEST, config};
use super::strategies::nasty_string;

fn example_manifest() -> ReleaseManifest {
    manifest_from_str(MANIFEST).unwrap()
}

/// Checks markdown convoy writes: one convoy marker, on the first line when `marker_first`; no
/// raw HTML, mention or table break from `hostile`.
fn assert_neutral(what: &str, text: &str, hostile: &str, marker_first: bool) {
    // The tracking issue's checkbox lines end with convoy's own box marker: one each, of a
    // box convoy offers, after text convoy wrote.
    let is_box = |l: &str| {
        l.starts_with("- [ ] **")
            && l.matches("<!--").count() == 1
            && l.rfind("<!-- ").is_some_and(|at| {
                matches!(
                    convoy::model::marker::Marker::parse_tag(&l[at..]),
                    Some(convoy::model::marker::Marker::Box(key))
                        if convoy::signal::Checkbox::parse_key(&key).is_some()
                )
            })
    };
    let markers: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("<!--") && !is_box(l))
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
        let web = convoy::lifecycle::WebLinks::default();
        let body = convoy::report::tracking_body(&m, &[], m.updated_at, &web);
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
