//! The report as people and machines read it: text for a terminal, markdown for the step
//! summary, JSON. Pure.

use std::fmt::Write as _;

use super::finding::{Finding, Report};

/// The report as text: per repository a short section, one line per finding (and its fix), and
/// the verdict last.
pub fn text(report: &Report) -> String {
    let mut s = String::new();
    let section = |s: &mut String, title: &str, findings: &[Finding]| {
        let _ = writeln!(s, "{title}");
        for f in findings {
            let _ = writeln!(
                s,
                "  {:<8} {}: {} → {}",
                f.label(),
                plain(&f.subject),
                plain(&f.seen),
                plain(&f.convoy)
            );
            if let Some(fix) = f.fix() {
                let _ = writeln!(s, "  {:<8} fix: {}", "", plain(fix));
            }
        }
        s.push('\n');
    };
    section(&mut s, "token", &report.token);
    for r in &report.repos {
        section(
            &mut s,
            &format!("{} ({})", r.repo, r.roles.join(", ")),
            &r.findings,
        );
    }
    s.push_str(&verdict(report));
    s.push('\n');
    s
}

/// The verdict in one sentence.
pub fn verdict(report: &Report) -> String {
    let notes = match report.notes {
        0 => String::new(),
        1 => " 1 note says how convoy adapts.".to_owned(),
        n => format!(" {n} notes say how convoy adapts."),
    };
    match report.blockers {
        0 => format!("Nothing will stop a release.{notes}"),
        1 => format!("1 blocker will stop a release: fix it and run convoy doctor again.{notes}"),
        n => format!(
            "{n} blockers will stop a release: fix them and run convoy doctor again.{notes}"
        ),
    }
}

/// The report as markdown, for `$GITHUB_STEP_SUMMARY`: the verdict, then a table per
/// repository.
pub fn markdown(report: &Report) -> String {
    let mut s = String::from("## convoy doctor\n\n");
    let _ = writeln!(s, "**{}**\n", cell(&verdict(report)));
    let table = |s: &mut String, title: &str, findings: &[Finding]| {
        let _ = writeln!(s, "### {}\n", cell(title));
        s.push_str("| | what | GitHub shows | convoy | fix |\n|---|---|---|---|---|\n");
        for f in findings {
            let label = match f.label() {
                "blocker" => "**blocker**",
                other => other,
            };
            let _ = writeln!(
                s,
                "| {label} | {} | {} | {} | {} |",
                cell(&f.subject),
                cell(&f.seen),
                cell(&f.convoy),
                f.fix().map(cell).unwrap_or_default()
            );
        }
        s.push('\n');
    };
    table(&mut s, "Token", &report.token);
    for r in &report.repos {
        table(
            &mut s,
            &format!("{} · {}", r.repo, r.roles.join(", ")),
            &r.findings,
        );
    }
    s
}

/// The report as JSON (pretty).
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Text on one line: control characters become spaces.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Text for a markdown table cell: one line, no HTML, no table break, no mention. Code spans
/// (between backticks) are kept as they are, but for `|`: inside them nothing renders, and
/// entities would show as written. With an odd number of backticks every backtick becomes `'`
/// and everything is escaped.
fn cell(text: &str) -> String {
    let mut text = plain(text);
    if text.matches('`').count() % 2 == 1 {
        text = text.replace('`', "'");
    }
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '|' => out.push_str("\\|"),
            '&' if !in_code => out.push_str("&amp;"),
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            '@' if !in_code => out.push_str("@\u{200b}"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::finding::RepoReport;
    use crate::model::ids::RepoName;

    fn report() -> Report {
        Report::new(
            vec![Finding::note(
                "Workflows permission",
                "unknown",
                "refuses",
                None,
            )],
            vec![RepoReport {
                repo: RepoName::parse("acme/e2e").unwrap(),
                roles: vec!["tier e2e".to_owned()],
                findings: vec![Finding::blocker(
                    "`.github/workflows/e2e.yml`",
                    "has no `workflow_dispatch` trigger | <b>@team\nx",
                    "GitHub refuses it",
                    "add it",
                )],
            }],
        )
    }

    #[test]
    fn text_and_markdown_name_the_verdict_and_escape() {
        let r = report();
        assert_eq!(r.blockers, 1);
        assert_eq!(r.notes, 1);
        let t = text(&r);
        assert!(
            t.contains("acme/e2e (tier e2e)\n  blocker  `.github/workflows/e2e.yml`: has no"),
            "{t}"
        );
        assert!(t.contains("fix: add it"), "{t}");
        assert!(t.ends_with("1 blocker will stop a release: fix it and run convoy doctor again. 1 note says how convoy adapts.\n"), "{t}");
        let m = markdown(&r);
        assert!(m.contains("\\| &lt;b&gt;@\u{200b}team x"), "{m}");
        assert_eq!(
            cell("`rc/<id>` <b> | `a|b`"),
            "`rc/<id>` &lt;b&gt; \\| `a\\|b`"
        );
        assert_eq!(cell("`odd <b>"), "'odd &lt;b&gt;");
        assert!(m.contains("| **blocker** |"), "{m}");
        let j: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
        assert_eq!(j["repos"][0]["findings"][0]["severity"], "blocker");
        assert_eq!(j["repos"][0]["findings"][0]["fix"], "add it");
        assert_eq!(j["token"][0]["severity"], "note");
        assert!(j["token"][0].get("fix").is_none());
    }
}
