//! Every active release on one line each: its phase, what it waits for and who must act (a
//! person, developers, CI, the clock of a ship window, freeze or soak: the [`Wait`]'s owner, and
//! until when for the clock). `/convoy status` without a release,
//! the `convoy status` command and the scheduled run's step summary show it. Pure.

use std::fmt::Write as _;

use super::decision::Wait;
use super::markdown::{escape, serde_state};
use crate::model::manifest::ReleaseManifest;
use crate::model::time::Timestamp;

/// How a line is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Markdown, for GitHub: text from people escaped, the release in bold.
    Markdown,
    /// Plain text, for a terminal.
    Text,
}

/// One release on one line: `r1 · validation · waits for human: approve the ship gate (since
/// 2026-12-01 09:00 UTC, 3 h)`; with several waits, the first and how many more.
pub fn release_line(m: &ReleaseManifest, waits: &[Wait], now: Timestamp, style: Style) -> String {
    let text = |t: &str| match style {
        Style::Markdown => escape(t),
        Style::Text => t
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
    };
    let id = match style {
        Style::Markdown => format!("**{}**", m.id),
        Style::Text => m.id.to_string(),
    };
    let waiting = match waits.first() {
        None if m.phase.is_active() => "waits for nothing: the next run carries on".to_owned(),
        None => "has ended".to_owned(),
        Some(w) => {
            let more = match waits.len() - 1 {
                0 => String::new(),
                n => format!(" (and {n} more)"),
            };
            // A wait on the clock (a ship window, a freeze, a soak) says until when.
            let until = w
                .until
                .map(|t| format!(", until {}", t.human()))
                .unwrap_or_default();
            format!(
                "waits for {}: {} (since {}, {}{until}){more}",
                serde_state(&w.who),
                text(&w.what),
                w.since.human(),
                w.since.age_at(now)
            )
        }
    };
    format!(
        "{id} ({}) · {} · {waiting}",
        text(&m.title),
        m.phase.as_str()
    )
}

/// Every release of `releases` on its own line (a markdown list, or plain lines), or a sentence
/// saying there is none.
pub fn releases_list(
    releases: &[(&ReleaseManifest, &[Wait])],
    now: Timestamp,
    style: Style,
) -> String {
    if releases.is_empty() {
        return "No release is active.\n".to_owned();
    }
    let mut s = String::new();
    for (m, waits) in releases {
        let line = release_line(m, waits, now, style);
        let _ = match style {
            Style::Markdown => writeln!(s, "- {line}"),
            Style::Text => writeln!(s, "{line}"),
        };
    }
    s
}

/// The answer to `/convoy status` without a release: every active release, one line each, under
/// a heading.
pub fn status_reply(releases: &[(&ReleaseManifest, &[Wait])], now: Timestamp) -> String {
    let mut s = format!("**Active releases** ({}):\n\n", releases.len());
    s.push_str(&releases_list(releases, now, Style::Markdown));
    s
}
