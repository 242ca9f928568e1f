//! The verification report as people and machines read it: text for a terminal and the job
//! log, JSON for machines, markdown for the step summary.

use super::report::{Check, Outcome, Report};

fn word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Holds => "ok",
        Outcome::Accepted => "accepted",
        Outcome::Break => "BREAK",
    }
}

/// The first break in one line: the check and whom it is about, what, expected and found
/// (`base acme/api: main has 1 commit pushed after the release: … (expected …; found …)`).
pub fn first_break_line(c: &Check) -> String {
    let who = c
        .repo
        .as_ref()
        .map(ToString::to_string)
        .or_else(|| c.tier.as_ref().map(ToString::to_string));
    let mut line = match who {
        Some(who) => format!("{} {who}: {}", c.check.as_str(), c.what),
        None => format!("{}: {}", c.check.as_str(), c.what),
    };
    if let (Some(e), Some(f)) = (&c.expected, &c.found) {
        line.push_str(&format!(" (expected {e}; found {f})"));
    }
    line
}

/// The report as text: a heading line, one line per check (with expected, found and the fix
/// under a break), and the first break again at the end.
pub fn text(r: &Report) -> String {
    let digest = r
        .digest
        .as_ref()
        .map_or_else(|| "no lock file".to_owned(), |d| d.short().to_owned() + "…");
    let verdict = if r.holds { "holds" } else { "broken" };
    let mut out = format!(
        "convoy verify {} ({}; {} {}, {digest}): {verdict}\n",
        r.release, r.tag, r.control_repo, r.lock
    );
    let width = r
        .checks
        .iter()
        .map(|c| c.subject().chars().count())
        .max()
        .unwrap_or(0);
    for c in &r.checks {
        out.push_str(&format!(
            "  {:<8} {:<6} {:<width$}  {}\n",
            word(c.outcome),
            c.check.as_str(),
            c.subject(),
            c.what
        ));
        if c.outcome != Outcome::Holds {
            for (label, value) in [
                ("expected", &c.expected),
                ("found", &c.found),
                ("fix", &c.fix),
            ] {
                if let Some(v) = value {
                    out.push_str(&format!("{:>20}: {v}\n", label));
                }
            }
        }
    }
    match &r.first_break {
        Some(c) => out.push_str(&format!("first break: {}\n", first_break_line(c))),
        None => out.push_str(&format!(
            "every base branch holds what shipped, and what shipped is what the tiers validated ({} checks)\n",
            r.checks.len()
        )),
    }
    out
}

/// The report as JSON (pretty; the shape of [`Report`]).
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Markdown for the step summary: the verdict, the first break, and a table of the checks.
pub fn markdown(r: &Report) -> String {
    let escape = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!(
        "## convoy verify {} ({})\n\n",
        escape(r.release.as_str()),
        escape(&r.tag)
    );
    match &r.first_break {
        Some(c) => out.push_str(&format!(
            "**Broken.** First break: {}\n\n",
            escape(&first_break_line(c))
        )),
        None => out.push_str(
            "**Holds.** Every base branch holds what shipped, and what shipped is what the tiers validated.\n\n",
        ),
    }
    out.push_str("| | check | about | what |\n|---|---|---|---|\n");
    for c in &r.checks {
        let mark = match c.outcome {
            Outcome::Holds => "✅",
            Outcome::Accepted => "☑️",
            Outcome::Break => "❌",
        };
        out.push_str(&format!(
            "| {mark} | {} | {} | {} |\n",
            c.check.as_str(),
            escape(&c.subject()),
            escape(&c.what)
        ));
    }
    out
}
