//! The release's timeline so far as a mermaid Gantt chart, built from the manifest alone: its
//! phases (from the history), its tier and auto-fix runs with their attempts, and the waits for
//! people (a human gate until someone approved it, an escalation until its cause went away).
//! Pure: nothing here reads a clock; what is still going is drawn up to the release's last
//! recorded event, so the chart changes only when the manifest records something.
//!
//! Mermaid reads a task line as `name :tags, start, end`: names are kept free of `:`, `#` and
//! `;` (and never start with a keyword such as `section`), dates are written in the chart's
//! `dateFormat` (`YYYY-MM-DD HH:mm`, UTC), and a task lasts at least a minute.

use std::fmt::Write as _;

use super::table::{DirectivePolicy, GateMode, gate_out_of, guarded_phase};
use crate::model::manifest::{Conclusion, Phase, ReleaseManifest, RunKind, RunStatus, TierRun};
use crate::model::time::Timestamp;

/// How much of the release the chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Phases, the newest [`MAX_RUNS`] runs and the newest [`MAX_WAITS`] waits.
    Full,
    /// Phases and the newest few runs only (a body that must stay short).
    Compact,
}

/// At most this many runs are drawn (the newest).
pub const MAX_RUNS: usize = 30;
/// At most this many waits for people are drawn (the newest).
pub const MAX_WAITS: usize = 20;
/// Runs drawn in a compact chart.
const COMPACT_RUNS: usize = 5;

/// One bar of the chart.
struct Bar {
    name: String,
    tags: &'static str,
    start: i64,
    end: i64,
}

/// The chart's text (`gantt` … without the code fence).
pub fn gantt(m: &ReleaseManifest, detail: Detail) -> String {
    let end = last_change(m);
    let mut s = String::from("gantt\n");
    let _ = writeln!(s, "    title {}", label(&format!("Release {}", m.id)));
    s.push_str("    dateFormat YYYY-MM-DD HH:mm\n    axisFormat %m-%d %H:%M\n");
    let sections = [
        ("Phases", phases(m, end)),
        (
            "Tier runs",
            runs(
                m,
                end,
                if detail == Detail::Full {
                    MAX_RUNS
                } else {
                    COMPACT_RUNS
                },
            ),
        ),
        (
            "Waiting for people",
            if detail == Detail::Full {
                waits(m, end)
            } else {
                Vec::new()
            },
        ),
    ];
    for (title, bars) in sections {
        if bars.is_empty() {
            continue;
        }
        let _ = writeln!(s, "    section {title}");
        for b in bars {
            let tags = if b.tags.is_empty() {
                String::new()
            } else {
                format!("{}, ", b.tags)
            };
            let _ = writeln!(
                s,
                "    {} :{tags}{}, {}",
                b.name,
                minute(b.start),
                minute(b.end.max(b.start + 1))
            );
        }
    }
    s
}

/// The *Timeline* section of the tracking issue and the step summary: a heading and the chart
/// in a `mermaid` code block.
pub fn timeline_section(m: &ReleaseManifest, detail: Detail) -> String {
    format!("### Timeline\n\n```mermaid\n{}```\n", gantt(m, detail))
}

/// The release's last recorded event, in minutes since the epoch: where what is still going
/// ends. Read from what the decision being made records too (history, runs, approvals,
/// escalations), never from `updated_at`, which moves only after the body is rendered: so the
/// chart a decision writes is the one the next decision would write.
fn last_change(m: &ReleaseManifest) -> i64 {
    let runs = m
        .tier_runs
        .iter()
        .flat_map(|r| [Some(r.dispatched_at), r.completed_at])
        .flatten();
    let escalations = m
        .escalations
        .iter()
        .flat_map(|e| [Some(e.at), e.resolved_at])
        .flatten();
    let latest = m
        .history
        .iter()
        .map(|h| h.at)
        .chain(runs)
        .chain(escalations)
        .chain(m.approvals.iter().map(|a| a.at))
        .fold(m.created_at, Timestamp::max);
    minutes(latest)
}

fn minutes(t: Timestamp) -> i64 {
    t.unix_seconds().div_euclid(60)
}

/// `2026-12-01 09:05`: a minute in the chart's `dateFormat` (UTC).
fn minute(m: i64) -> String {
    let text = Timestamp::from_unix_seconds(m * 60)
        .map(Timestamp::human)
        .unwrap_or_default();
    text.trim_end_matches(" UTC").to_owned()
}

/// A task or title name mermaid reads as written: no `:`, `#` or `;` (they end a name or start
/// a comment), no backtick (a fence could close), no HTML, no mention, one line, no run of
/// spaces, at most 60 characters.
fn label(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            ':' | '#' | ';' | '%' | '`' | '<' | '>' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .take(60)
        .collect();
    // No mention either: `@` is followed by a zero-width space, as in `escape`.
    cleaned
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('@', "@\u{200b}")
}

/// The phases, each from when it was entered to when the next was; the one the release is in
/// runs to the last change, and an end (shipped, aborted, rolled back) is a milestone.
fn phases(m: &ReleaseManifest, end: i64) -> Vec<Bar> {
    let mut entered: Vec<(Phase, i64)> = m
        .history
        .iter()
        .filter_map(|h| Some((h.entered()?, minutes(h.at))))
        .collect();
    if entered.is_empty() {
        entered.push((Phase::Planning, minutes(m.created_at)));
    }
    let mut bars = Vec::new();
    for (i, (phase, start)) in entered.iter().enumerate() {
        let next = entered.get(i + 1).map(|(_, at)| *at);
        let (tags, stop) = match next {
            Some(at) => ("done", at),
            None if phase.is_active() => ("active", end),
            None => ("milestone", *start),
        };
        bars.push(Bar {
            name: label(phase.as_str()),
            tags,
            start: *start,
            end: stop,
        });
    }
    bars
}

/// The newest `max` tier and auto-fix runs: failed ones in red (`crit`), those still going to
/// the last change (`active`).
fn runs(m: &ReleaseManifest, end: i64, max: usize) -> Vec<Bar> {
    let skip = m.tier_runs.len().saturating_sub(max);
    m.tier_runs
        .iter()
        .skip(skip)
        .map(|r| run_bar(r, end))
        .collect()
}

fn run_bar(r: &TierRun, end: i64) -> Bar {
    let what = match r.kind {
        RunKind::Tier => format!("tier {} attempt {}", r.tier, r.attempt),
        RunKind::AutoFix => format!("tier {} auto-fix {}", r.tier, r.attempt),
    };
    let (tags, outcome) = match (r.status, r.conclusion) {
        (RunStatus::Completed, Some(c)) if c.passed() => ("done", "passed"),
        (RunStatus::Completed, Some(Conclusion::Refused)) => ("crit, done", "refused"),
        (RunStatus::Completed, Some(Conclusion::Cancelled)) => ("done", "cancelled"),
        (RunStatus::Completed, _) => ("crit, done", "failed"),
        _ => ("active", "running"),
    };
    let aside = if r.superseded { ", set aside" } else { "" };
    let start = minutes(r.dispatched_at);
    Bar {
        name: label(&format!("{what} ({outcome}{aside})")),
        tags,
        start,
        end: r.completed_at.map_or(end, minutes),
    }
}

/// The waits for people: each human gate from when its phase was entered to its approval (or
/// to the last change while it waits), and each escalation until its cause went away. The
/// newest [`MAX_WAITS`].
fn waits(m: &ReleaseManifest, end: i64) -> Vec<Bar> {
    let mut bars: Vec<Bar> = Vec::new();
    for a in &m.approvals {
        let guarded = guarded_phase(a.gate);
        let since = m
            .history
            .iter()
            .filter(|h| h.entered() == Some(guarded) && h.at <= a.at)
            .map(|h| h.at)
            .next_back()
            .unwrap_or(m.created_at);
        bars.push(Bar {
            name: label(&format!("{} gate, approved by {}", a.gate.as_str(), a.by)),
            tags: "done",
            start: minutes(since),
            end: minutes(a.at),
        });
    }
    // The gate the release waits at now, while nobody approved it.
    if let Some(gate) = gate_out_of(m.phase)
        && DirectivePolicy::of(m.directive).gate_mode(gate) == GateMode::Human
    {
        let since = m.phase_entered_at();
        if !m.approvals.iter().any(|a| a.gate == gate && a.at >= since) {
            bars.push(Bar {
                name: label(&format!("{} gate, waiting for approval", gate.as_str())),
                tags: "active",
                start: minutes(since),
                end,
            });
        }
    }
    for e in &m.escalations {
        let (tags, stop) = match e.resolved_at {
            Some(at) => ("crit, done", minutes(at)),
            None => ("crit, active", end),
        };
        bars.push(Bar {
            name: label(&format!("escalated {}", e.reason)),
            tags,
            start: minutes(e.at),
            end: stop,
        });
    }
    bars.sort_by_key(|b| b.start);
    let skip = bars.len().saturating_sub(MAX_WAITS);
    bars.drain(..skip);
    bars
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> ReleaseManifest {
        serde_json::from_str(include_str!("../../../../examples/release-manifest.json"))
            .expect("the example manifest parses")
    }

    #[test]
    fn the_example_release_has_a_timeline() {
        let chart = gantt(&example(), Detail::Full);
        insta::assert_snapshot!(chart);
    }

    #[test]
    fn every_task_line_is_one_mermaid_reads() {
        let mut m = example();
        m.escalations
            .push(crate::model::manifest::EscalationRecord {
                key: "tier:e2e:0a1b2c3d".to_owned(),
                reason: "tier e2e: failed #3; see https://x/y".to_owned(),
                at: m.updated_at,
                resolved_at: None,
                notified: true,
            });
        for detail in [Detail::Full, Detail::Compact] {
            let chart = gantt(&m, detail);
            let mut lines = chart.lines();
            assert_eq!(lines.next(), Some("gantt"));
            for line in lines.map(str::trim) {
                if ["title ", "dateFormat ", "axisFormat ", "section "]
                    .iter()
                    .any(|k| line.starts_with(k))
                {
                    assert!(!line.contains('#') && !line.contains(';'), "{line}");
                    continue;
                }
                let (name, data) = line.split_once(" :").expect("a task line");
                assert!(
                    !name.is_empty() && !name.contains([':', '#', ';']),
                    "{line}"
                );
                let fields: Vec<&str> = data.split(", ").collect();
                let dates: Vec<&&str> = fields.iter().rev().take(2).collect();
                for d in dates {
                    assert_eq!(d.len(), "2026-12-01 09:05".len(), "{line}");
                    assert!(
                        Timestamp::parse(&format!("{}:00Z", d.replace(' ', "T"))).is_ok(),
                        "{line}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_task_lasts_at_least_a_minute_and_labels_are_clean() {
        assert_eq!(label("a: b # c; d\n e"), "a b c d e");
        assert_eq!(label("```<b>@everyone</b>"), "b @\u{200b}everyone /b");
        assert_eq!(minute(0), "1970-01-01 00:00");
        let mut m = example();
        m.tier_runs.truncate(1);
        m.tier_runs[0].completed_at = Some(m.tier_runs[0].dispatched_at);
        let chart = gantt(&m, Detail::Compact);
        let line = chart.lines().find(|l| l.contains("attempt")).unwrap();
        let start = minute(minutes(m.tier_runs[0].dispatched_at));
        let end = minute(minutes(m.tier_runs[0].dispatched_at) + 1);
        assert!(line.ends_with(&format!("{start}, {end}")), "{line}");
    }
}
