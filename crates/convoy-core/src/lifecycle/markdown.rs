//! The markdown the engine writes on GitHub for people: the tracking issue (its marker, title
//! and body), release notes, and the escaping of text that came from people. Pure.
//!
//! `decide` plans these texts into its actions, so they are rendered here, inside the engine;
//! [`crate::report`] is their public face (the step summary shares the tables).
//!
//! Text that came from people (titles) is escaped so it cannot break the tables or inject HTML.

use std::fmt::Write as _;

use super::decision::Wait;
use super::tiers::tier_results;
use crate::model::ids::RepoName;
use crate::model::manifest::{ReleaseManifest, TaskStatus};
use crate::model::marker::Marker;

/// The tracking issue's title.
pub fn tracking_title(m: &ReleaseManifest) -> String {
    format!("Release {}: {}", m.id, one_line(&m.title))
}

/// The tracking issue's body: phase, repos, tasks, tiers and what the release waits for.
pub fn tracking_body(m: &ReleaseManifest, waits: &[Wait]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", Marker::Release(m.id.clone()));
    let _ = writeln!(
        s,
        "**Phase:** {} · **Directive:** {} · **Tag:** `{}`\n",
        m.phase.as_str(),
        m.directive.as_str(),
        escape(&m.tag)
    );
    s.push_str("### Repositories\n\n");
    s.push_str(&repos_table(m));
    for r in m.repos.iter().filter(|r| r.note.is_some()) {
        let _ = writeln!(
            s,
            "\n- **{}**: {}",
            r.name,
            escape(r.note.as_deref().unwrap_or_default())
        );
    }
    let open: Vec<&str> = m
        .escalations
        .iter()
        .filter(|e| e.resolved_at.is_none())
        .map(|e| e.reason.as_str())
        .collect();
    if !open.is_empty() {
        s.push_str("\n### Needs a human\n\n");
        for reason in &open {
            let _ = writeln!(s, "- {}", escape(reason));
        }
        let who = if m.policy.escalation.mention.is_empty() {
            "an approver or anyone with write access to the control repo".to_owned()
        } else {
            // Escaped: the escalation comment pinged them once; body edits must not.
            escape(&m.policy.escalation.mention.join(", "))
        };
        let _ = writeln!(
            s,
            "\nWho acts: {who}. Answer with a comment here: `/convoy retry [tier]` (run failed tiers again), `/convoy defer owner/repo#N` (take a task out), `/convoy abort` (stop before shipping; staging is reset) or `/convoy rollback` (revert what shipped)."
        );
    }
    if !m.tasks.is_empty() {
        s.push_str("\n### Tasks\n\n| task | status | pull requests |\n|---|---|---|\n");
        for t in &m.tasks {
            let prs: Vec<String> = t.pull_requests.iter().map(|n| format!("#{n}")).collect();
            let _ = writeln!(
                s,
                "| {}{} | {} | {} |",
                t.issue,
                t.title
                    .as_ref()
                    .map(|x| format!(" {}", escape(x)))
                    .unwrap_or_default(),
                serde_state(&t.status),
                prs.join(" ")
            );
        }
    }
    let tiers = tiers_table(m);
    if !tiers.is_empty() {
        s.push_str("\n### Tiers\n\n");
        s.push_str(&tiers);
    }
    if !waits.is_empty() {
        s.push_str("\n### Waiting for\n\n");
        s.push_str(&waits_list(waits));
    }
    s
}

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

/// The repos table (markdown, header included): state, RC head, staged and shipped SHAs, PRs.
pub fn repos_table(m: &ReleaseManifest) -> String {
    let mut s = String::new();
    s.push_str("| repo | state | RC head | staged | shipped | PRs |\n|---|---|---|---|---|---|\n");
    for r in &m.repos {
        let sha = |x: &Option<crate::model::ids::Sha>| {
            x.as_ref()
                .map_or("–".to_owned(), |s| format!("`{}`", s.short()))
        };
        let prs: Vec<String> = [r.prs.staging, r.prs.ship]
            .iter()
            .flatten()
            .map(|n| format!("#{n}"))
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

/// What the release waits for, one bullet per wait: who (bold), then what.
pub fn waits_list(waits: &[Wait]) -> String {
    let mut s = String::new();
    for w in waits {
        let _ = writeln!(s, "- **{}**: {}", serde_state(&w.who), escape(&w.what));
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

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}
