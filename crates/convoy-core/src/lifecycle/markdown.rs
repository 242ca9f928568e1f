//! The markdown the engine writes on GitHub for people: release notes, the tables the tracking
//! issue (`tracking`) shares with the step summary (repos, gates, tiers, waits), and the escaping
//! of text that came from people. Pure.
//!
//! `decide` plans these texts into its actions, so they are rendered here, inside the engine;
//! [`crate::report`] is their public face (the step summary shares the tables).
//!
//! Text that came from people (titles) is escaped so it cannot break the tables or inject HTML.

use std::fmt::Write as _;

use super::decision::Wait;
use super::observed::WebLinks;
use super::table::{DirectivePolicy, GateMode, guarded_phase};
use super::tiers::tier_results;
use crate::model::ids::{RepoName, Sha};
use crate::model::manifest::{Gate, Phase, ReleaseManifest, TaskStatus};
use crate::model::numbers::PullNumber;
use crate::model::time::Timestamp;

/// The notes of the GitHub release in `repo`: the release's tasks and pull requests there.
pub fn release_notes(m: &ReleaseManifest, repo: &RepoName) -> String {
    let mut s = format!(
        "{}\n\nShipped by convoy as part of release {}.\n",
        escape(&m.title),
        m.id
    );
    let tasks: Vec<_> = m
        .tasks
        .iter()
        .filter(|t| &t.repo == repo && t.status == TaskStatus::Merged)
        .collect();
    if !tasks.is_empty() {
        s.push_str("\n## Tasks\n\n");
        for t in tasks {
            let prs: Vec<String> = t.pull_requests.iter().map(|n| format!("#{n}")).collect();
            let _ = writeln!(
                s,
                "- {}{}{}",
                t.issue,
                t.title
                    .as_ref()
                    .map(|x| format!(" {}", escape(x)))
                    .unwrap_or_default(),
                if prs.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", prs.join(", "))
                }
            );
        }
    }
    if let Some(r) = m.repo(repo) {
        let prs: Vec<String> = [r.prs.staging, r.prs.ship]
            .iter()
            .flatten()
            .map(|n| format!("#{n}"))
            .collect();
        if !prs.is_empty() {
            let _ = writeln!(s, "\nPromotion pull requests: {}", prs.join(", "));
        }
    }
    s
}

/// A pull request as a qualified reference linked to its page: `[acme/api#13](…/pull/13)`.
pub fn pull_link(web: &WebLinks, repo: &RepoName, n: PullNumber) -> String {
    format!("[{repo}#{n}]({})", web.pull(repo, n))
}

/// A commit as its short SHA linked to its page: ``[`abc1234`](…/commit/<sha>)``.
pub fn commit_link(web: &WebLinks, repo: &RepoName, sha: &Sha) -> String {
    format!("[`{}`]({})", sha.short(), web.commit(repo, sha))
}

/// The repos table (markdown, header included): state, RC head, staged and shipped SHAs, PRs;
/// commits and pull requests linked to their pages.
pub fn repos_table(m: &ReleaseManifest, web: &WebLinks) -> String {
    let mut s = String::new();
    s.push_str("| repo | state | RC head | staged | shipped | PRs |\n|---|---|---|---|---|---|\n");
    for r in &m.repos {
        let sha = |x: &Option<Sha>| {
            x.as_ref()
                .map_or("–".to_owned(), |s| commit_link(web, &r.name, s))
        };
        let prs: Vec<String> = [r.prs.staging, r.prs.ship]
            .iter()
            .flatten()
            .map(|n| pull_link(web, &r.name, *n))
            .collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r.name,
            serde_state(&r.state),
            sha(&r.shas.rc_head),
            sha(&r.shas.staged),
            sha(&r.shas.shipped),
            if prs.is_empty() {
                "–".to_owned()
            } else {
                prs.join(" ")
            }
        );
    }
    s
}

/// The tiers table (markdown, header included) of every tier: its verdict on the current SHAs,
/// or that the directive does not run it; empty when the release has no tier.
pub fn tiers_table(m: &ReleaseManifest) -> String {
    let mut s = String::new();
    let results = tier_results(m);
    if !results.is_empty() {
        s.push_str("| tier | result |\n|---|---|\n");
        for (tier, result) in results {
            let _ = writeln!(s, "| {tier} | {result} |");
        }
    }
    s
}

/// What the release waits for at `now`, one bullet per wait: who (bold), what, and since when
/// (`waiting since 2026-11-30 10:00 UTC (3 h)`).
pub fn waits_list(waits: &[Wait], now: Timestamp) -> String {
    let mut s = String::new();
    for w in waits {
        let _ = writeln!(
            s,
            "- **{}**: {} — waiting since {} ({})",
            serde_state(&w.who),
            escape(&w.what),
            w.since.human(),
            w.since.age_at(now)
        );
    }
    s
}

/// The gates table (markdown, header included): one row per gate, how it opens under the
/// directive and where it stands.
pub fn gates_table(m: &ReleaseManifest) -> String {
    let policy = DirectivePolicy::of(m.directive);
    let entered = m.phase_entered_at();
    let mut s = String::from("| gate | opens | state |\n|---|---|---|\n");
    for gate in [Gate::Plan, Gate::Promote, Gate::Ship] {
        let mode = policy.gate_mode(gate);
        let guarded = guarded_phase(gate);
        let approval = m.approvals.iter().rev().find(|a| a.gate == gate);
        let approved =
            approval.map(|a| format!("approved by `{}` at {} ({})", a.by, a.at, escape(&a.via)));
        let state = match (mode, m.phase) {
            (_, p) if p == guarded => match mode {
                GateMode::Automatic => "open: opens as soon as the exit criteria hold".to_owned(),
                GateMode::Human => match approval {
                    Some(a) if a.at >= entered => approved.unwrap_or_default(),
                    _ => "needs approval: `/convoy approve`".to_owned(),
                },
            },
            (_, p) if p.is_active() && p < guarded => "not reached".to_owned(),
            (GateMode::Automatic, Phase::Aborted | Phase::RolledBack) => "–".to_owned(),
            (GateMode::Automatic, _) => "passed".to_owned(),
            (GateMode::Human, _) => approved.unwrap_or_else(|| "–".to_owned()),
        };
        // An approver's `/convoy ship --now` in this validation phase lifts the clock's hold.
        let now = m
            .ship_now
            .iter()
            .rev()
            .find(|s| gate == Gate::Ship && m.phase == guarded && s.at >= entered);
        let state = match now {
            Some(s) => format!(
                "{state}; `--now` by `{}`: ships whatever the ship windows, freezes and soak say",
                s.by
            ),
            None => state,
        };
        let opens = match mode {
            GateMode::Human => "a human approves",
            GateMode::Automatic => "automatically",
        };
        let _ = writeln!(s, "| {} | {opens} | {state} |", gate.as_str());
    }
    s
}

/// A serde enum's JSON spelling (`rc_cut`, `human`, …).
pub(crate) fn serde_state<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Escapes text from people for a markdown table cell: no HTML, no table breaks, one line.
pub fn escape(text: &str) -> String {
    one_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('@', "@\u{200b}")
}

/// Text on one line (control characters become spaces), at most 200 characters.
pub(crate) fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}
