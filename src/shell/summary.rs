//! The step summary (`$GITHUB_STEP_SUMMARY`): one run of convoy, for people. Pure.
//!
//! Sections: the phase and directive; the repos table; gates and tier results; a mermaid graph of
//! repos and waves; what this run did and why; what the release now waits for; its timeline (a
//! mermaid Gantt chart); notes. Text that
//! came from people (titles, reasons, errors) is escaped with [`crate::report::escape`].

use std::fmt::Write as _;

use crate::lifecycle::action::{ActionOutcome, Executed};
use crate::lifecycle::table::phase_spec;
use crate::lifecycle::{Decision, PlannedAction, WebLinks};
use crate::model::history::HistoryEvent;
use crate::model::manifest::{Phase, ReleaseManifest};
use crate::plan::Plan;
use crate::report::{
    TimelineDetail, escape, gates_table, repos_table, tiers_table, timeline_section, waits_list,
};

/// One round of a run (observe → decide → execute), as the step summary shows it.
#[derive(Debug, Clone)]
pub struct Round<'a> {
    /// The round's decision: its planned actions, waits and notes.
    pub decision: &'a Decision,
    /// The phase changes the decision made, `(from, to)`, in order.
    pub moves: Vec<(Phase, Phase)>,
    /// What the executor did with the decision's actions (empty: nothing was executed).
    pub executed: &'a [Executed],
}

/// The markdown summary of a run of one round, linking to pages on github.com
/// ([`step_summary_linked`] with the default [`WebLinks`]).
pub fn step_summary(m: &ReleaseManifest, d: &Decision, executed: &[Executed]) -> String {
    step_summary_linked(m, d, executed, &WebLinks::default())
}

/// The markdown summary of a run of one round, its commits and pull requests linked to their
/// pages on `web`'s server.
///
/// `m` is the manifest as it stands at the end of the run (normally `d.manifest`, with whatever
/// execution recorded); `d` supplies the planned actions, waits and notes; `executed` is what the
/// executor did with `d.actions` (empty on a dry run: the plan is shown instead).
pub fn step_summary_linked(
    m: &ReleaseManifest,
    d: &Decision,
    executed: &[Executed],
    web: &WebLinks,
) -> String {
    let round = Round {
        decision: d,
        moves: phase_moves(m, d),
        executed,
    };
    run_summary(m, std::slice::from_ref(&round), web).unwrap_or_default()
}

/// The markdown summary of a run of one or more rounds, in order; `None` without rounds.
///
/// `m` is the manifest at the end of the run. The last round supplies what the release waits
/// for; the notes of every round are shown. With several rounds, "What this run did" has one
/// table per round under a `Round n of N` heading; actions are numbered from 1 in each.
/// Commits and pull requests link to their pages on `web`'s server.
pub fn run_summary(m: &ReleaseManifest, rounds: &[Round<'_>], web: &WebLinks) -> Option<String> {
    let d = rounds.last()?.decision;
    let mut s = String::new();
    let _ = writeln!(s, "## convoy · release {}: {}\n", m.id, escape(&m.title));
    let _ = writeln!(
        s,
        "**Phase:** {} · **Directive:** {} · **Tag:** `{}` · **Revision:** {}{}\n",
        m.phase.as_str(),
        m.directive.as_str(),
        escape(&m.tag),
        m.revision,
        if rounds.iter().any(|r| r.decision.changed) {
            " (updated)"
        } else {
            ""
        }
    );
    let moves: Vec<String> = rounds.iter().flat_map(|r| moves_text(&r.moves)).collect();
    if !moves.is_empty() {
        let _ = writeln!(s, "This run moved the release: {}.\n", moves.join(", "));
    }
    if let Some(spec) = phase_spec(m.phase).filter(|spec| spec.next.is_some()) {
        let _ = writeln!(
            s,
            "Leaves {} when {}.\n",
            m.phase.as_str(),
            spec.exit_criteria
        );
    }

    s.push_str("### Repositories\n\n");
    s.push_str(&repos_table(m, web));

    s.push_str("\n### Gates\n\n");
    s.push_str(&gates_table(m));
    let tiers = tiers_table(m);
    s.push_str("\n### Tiers\n\n");
    if tiers.is_empty() {
        s.push_str("This release has no tier.\n");
    } else {
        s.push_str(&tiers);
    }

    s.push_str("\n### Repos and waves\n\n```mermaid\n");
    match m.graph() {
        Ok(g) => s.push_str(&g.to_mermaid()),
        Err(e) => {
            let _ = writeln!(s, "flowchart LR\n  cycle[\"{}\"]", escape(&e.to_string()));
        }
    }
    s.push_str("```\n");

    s.push_str("\n### What this run did\n\n");
    s.push_str(&run_section(rounds));

    s.push_str("\n### Waiting for\n\n");
    if d.waits.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            if m.phase.is_active() {
                "Nothing: the next run continues by itself."
            } else {
                "Nothing: the release has ended."
            }
        );
    } else {
        s.push_str(&waits_list(&d.waits, d.at));
    }

    s.push('\n');
    s.push_str(&timeline_section(m, TimelineDetail::Full));

    let mut notes: Vec<&String> = Vec::new();
    for n in rounds.iter().flat_map(|r| &r.decision.notes) {
        if !notes.contains(&n) {
            notes.push(n);
        }
    }
    if !notes.is_empty() {
        s.push_str("\n### Notes\n\n");
        for n in notes {
            let _ = writeln!(s, "- {}", escape(n));
        }
    }
    Some(s)
}

/// The step summary's section for a dry run of `create`: the release it would create — the tasks
/// it would gather, the phases ahead with their gates, and the whole plan as `convoy plan` shows
/// it. Goes after [`step_summary`] of the release's first round.
pub fn would_create_summary(m: &ReleaseManifest, plan: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### Dry run: the release `create` would make
"
    );
    let _ = writeln!(
        s,
        "Release {} does not exist yet. This dry run wrote nothing to GitHub: no manifest, no \
         tracking issue, no branch, no label. Run `create` again without *dry run* to start it.\n",
        m.id
    );
    if m.tasks.is_empty() {
        s.push_str("**Tasks it would gather:** none (no `tasks=` and no open issue in the sprints' milestones).\n\n");
    } else {
        let _ = writeln!(s, "**Tasks it would gather ({}):**\n", m.tasks.len());
        s.push_str("| task | title | role | status | from |\n|---|---|---|---|---|\n");
        for t in &m.tasks {
            let from = match &t.carried_from {
                Some(c) => format!("carried over from {}", c.release),
                None => "this release".to_owned(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                t.issue.as_str(),
                escape(t.title.as_deref().unwrap_or("–")),
                word(&t.role),
                word(&t.status),
                escape(&from)
            );
        }
        s.push('\n');
    }
    s.push_str("**Phases ahead:**\n\n| # | phase | owner | on entry | leaves when | gate |\n|---|---|---|---|---|---|\n");
    for (i, p) in plan.phases.iter().enumerate() {
        let owners = if p.owners.is_empty() {
            "–".to_owned()
        } else {
            p.owners.join(", ")
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            i + 1,
            p.phase.as_str(),
            escape(&owners),
            escape(&p.on_entry),
            escape(&p.exit_criteria),
            escape(&p.gate)
        );
    }
    let text = plan.render();
    let fence = "`".repeat(longest_backtick_run(&text).max(2) + 1);
    let _ = writeln!(
        s,
        "\n<details><summary>The whole plan, as <code>convoy plan</code> shows it</summary>\n\n{fence}text\n{}\n{fence}\n\n</details>",
        text.trim_end()
    );
    s
}

fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A serde enum's word (`feature`, `planned`).
fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The phase changes a one-round run made (history entries written at the decision's time).
fn phase_moves(m: &ReleaseManifest, d: &Decision) -> Vec<(Phase, Phase)> {
    if !d.changed {
        return Vec::new();
    }
    let at = d.manifest.updated_at;
    m.history
        .iter()
        .filter(|h| h.event == HistoryEvent::PhaseChanged && h.at == at)
        .filter_map(|h| {
            Some((
                Phase::parse(h.from.as_deref()?)?,
                Phase::parse(h.to.as_deref()?)?,
            ))
        })
        .collect()
}

/// Phase changes as `a → b`.
fn moves_text(moves: &[(Phase, Phase)]) -> Vec<String> {
    moves
        .iter()
        .map(|(from, to)| format!("{} → {}", from.as_str(), to.as_str()))
        .collect()
}

/// The "what this run did" section: executed actions with outcomes, one table per round when
/// there were several, else the plan. Actions are numbered from 1.
fn run_section(rounds: &[Round<'_>]) -> String {
    let mut s = String::new();
    let executed: Vec<&Executed> = rounds.iter().flat_map(|r| r.executed).collect();
    if executed.is_empty() {
        let Some(d) = rounds.last().map(|r| r.decision) else {
            return s;
        };
        if d.actions.is_empty() {
            s.push_str("Nothing to do: every planned effect already holds.\n");
        } else {
            s.push_str("Nothing was executed. The plan:\n\n| # | action | target | after | why |\n|---|---|---|---|---|\n");
            for a in &d.actions {
                let _ = writeln!(
                    s,
                    "| {} | `{}` | {} | {} | {} |",
                    a.id + 1,
                    a.action.kind(),
                    escape(&a.action.target()),
                    after(a),
                    escape(&a.reason)
                );
            }
        }
        return s;
    }
    let count = |f: fn(&ActionOutcome) -> bool| executed.iter().filter(|e| f(&e.outcome)).count();
    let _ = writeln!(
        s,
        "{} done · {} already done · {} skipped · {} waiting · {} refused · {} failed{}\n",
        count(|o| matches!(
            o,
            ActionOutcome::Done { .. } | ActionOutcome::MergedInstead { .. }
        )),
        count(|o| matches!(o, ActionOutcome::AlreadyDone)),
        count(|o| matches!(o, ActionOutcome::Skipped { .. })),
        count(|o| matches!(
            o,
            ActionOutcome::Waiting { .. } | ActionOutcome::NeedsReview { .. }
        )),
        count(|o| matches!(o, ActionOutcome::Refused { .. })),
        count(|o| matches!(o, ActionOutcome::Failed { .. })),
        if rounds.len() > 1 {
            format!(" · in {} rounds", rounds.len())
        } else {
            String::new()
        }
    );
    for (i, round) in rounds.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        if rounds.len() > 1 {
            let moves = moves_text(&round.moves);
            let _ = writeln!(
                s,
                "#### Round {} of {}: {}\n",
                i + 1,
                rounds.len(),
                if moves.is_empty() {
                    format!("in {}", round.decision.manifest.phase.as_str())
                } else {
                    moves.join(", ")
                }
            );
        }
        if round.executed.is_empty() {
            s.push_str("Nothing to do: every planned effect already holds.\n");
            continue;
        }
        s.push_str("| # | action | target | outcome | why |\n|---|---|---|---|---|\n");
        for e in round.executed {
            let p = &e.planned;
            let _ = writeln!(
                s,
                "| {} | `{}` | {} | {} | {} |",
                p.id + 1,
                p.action.kind(),
                escape(&p.action.target()),
                outcome(&e.outcome),
                escape(&p.reason)
            );
        }
    }
    s
}

/// The actions (numbered from 1, as the tables show them) that must succeed first, or `–`.
fn after(a: &PlannedAction) -> String {
    if a.after.is_empty() {
        "–".to_owned()
    } else {
        a.after
            .iter()
            .map(|i| (i + 1).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An outcome as a table cell.
fn outcome(o: &ActionOutcome) -> String {
    match o {
        ActionOutcome::Done { detail: None } => "✅ done".to_owned(),
        ActionOutcome::Done {
            detail: Some(detail),
        } => format!("✅ done: {}", escape(detail)),
        ActionOutcome::AlreadyDone => "☑️ already done".to_owned(),
        ActionOutcome::Skipped { reason } => format!("⏭️ skipped: {}", escape(reason)),
        ActionOutcome::Waiting { reason } => format!("⏳ waiting: {}", escape(reason)),
        ActionOutcome::NeedsReview { reason } => {
            format!("⏳ waiting for a review: {}", escape(reason))
        }
        ActionOutcome::Refused { reason } => format!("⛔ refused: {}", escape(reason)),
        ActionOutcome::MergedInstead { method, reason } => format!(
            "✅ done: merged with {} ({})",
            method.as_str(),
            escape(reason)
        ),
        ActionOutcome::Enqueued { .. } => "🚦 in the merge queue".to_owned(),
        ActionOutcome::Dispatched { run } => format!("✅ done: run {run}"),
        ActionOutcome::Deployed { id } => format!("✅ done: deployment {id}"),
        ActionOutcome::Failed { error } => format!("❌ failed: {}", escape(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::Directive;
    use crate::model::create::CreateRequest;
    use crate::model::ids::{Login, ReleaseId, RepoName};
    use crate::model::manifest::{Approval, Gate, Phase};
    use crate::model::time::Timestamp;
    use crate::signal::CreateArgs;

    fn manifest(directive: Directive) -> ReleaseManifest {
        let config =
            crate::validate::config_from_str(include_str!("../../examples/convoy.json")).unwrap();
        ReleaseManifest::create(
            &config,
            CreateRequest {
                id: ReleaseId::parse("1.0").unwrap(),
                control_repo: RepoName::parse("acme/control").unwrap(),
                actor: Login::parse("maria").unwrap(),
                now: Timestamp::parse("2026-11-26T09:00:00Z").unwrap(),
                args: CreateArgs {
                    directive: Some(directive),
                    ..CreateArgs::default()
                },
                gathered: vec![],
                left_out: Vec::new(),
            },
        )
        .unwrap()
    }

    fn gate_rows(m: &ReleaseManifest) -> Vec<String> {
        gates_table(m).lines().skip(2).map(str::to_owned).collect()
    }

    #[test]
    fn human_gates_show_who_approved() {
        let mut m = manifest(Directive::Careful);
        assert_eq!(
            gate_rows(&m)[0],
            "| plan | a human approves | needs approval: `/convoy approve` |"
        );
        assert!(gate_rows(&m)[1].ends_with("| not reached |"));
        m.approvals.push(Approval {
            gate: Gate::Plan,
            by: Login::parse("maria").unwrap(),
            at: Timestamp::parse("2026-11-26T10:00:00Z").unwrap(),
            via: "comment acme/control#1 | <x>".to_owned(),
        });
        assert_eq!(
            gate_rows(&m)[0],
            "| plan | a human approves | approved by `maria` at 2026-11-26T10:00:00Z (comment acme/control#1 \\| &lt;x&gt;) |"
        );
    }

    #[test]
    fn automatic_gates_pass_and_ended_releases_show_no_state() {
        let mut m = manifest(Directive::Quick);
        m.phase = Phase::Shipped;
        assert!(gate_rows(&m).iter().all(|r| r.ends_with("| passed |")));
        m.phase = Phase::Aborted;
        assert!(gate_rows(&m).iter().all(|r| r.ends_with("| – |")));
    }

    #[test]
    fn outcomes_escape_what_people_and_servers_wrote() {
        assert_eq!(
            outcome(&ActionOutcome::Failed {
                error: "boom | <script>\nnext".to_owned()
            }),
            "❌ failed: boom \\| &lt;script&gt; next"
        );
        assert_eq!(outcome(&ActionOutcome::AlreadyDone), "☑️ already done");
    }
}
