//! A checkbox of the tracking issue ticked: its command runs as the person who ticked it, with
//! the same checks as a comment (`authorize`, the command table), and convoy answers with a
//! comment whatever the outcome. The box itself is unticked by the body's next update, which
//! renders every box unticked.
//!
//! An edit is carried out once: the answer carries [`Marker::Ticked`] with the edit's time and
//! the box, the decision that plans the answer records that marker in the manifest
//! (`answered`), and a delivery of an edit whose answer is on the issue or recorded runs
//! nothing.

use super::refusal::Refusal;
use super::{authorize, reply as reply_to, run_command};
use crate::lifecycle::action::Action;
use crate::lifecycle::command_table;
use crate::lifecycle::draft::Draft;
use crate::model::ids::Login;
use crate::model::marker::Marker;
use crate::signal::{Checkbox, CommandSignal, CommandSource};

/// Runs the command of the box `c` ticked, when it was ticked on this release's tracking issue
/// and not answered yet.
pub(super) fn apply(d: &mut Draft<'_>, c: &CommandSignal) {
    let CommandSource::Checkbox {
        repo,
        issue,
        checkbox,
        edit,
        ..
    } = &c.source
    else {
        return;
    };
    if *repo != d.m.control_repo || Some(*issue) != d.m.tracking_issue {
        d.notes.push(format!(
            "a box was ticked on {repo}#{issue}, which is not the tracking issue of release {}; nothing runs",
            d.m.id
        ));
        return;
    }
    let marker = Marker::Ticked {
        edit: *edit,
        key: checkbox.key(),
    }
    .content();
    let posted =
        d.o.comments
            .iter()
            .any(|x| &x.repo == repo && x.issue == *issue && x.marker == marker);
    if posted || d.m.answered.contains(&marker) {
        // Answered already (or the answer is planned): this edit was delivered before and
        // carried out then.
        return;
    }
    // A box names its gate: ticked on a page that was out of date, it approves nothing else.
    if let Checkbox::Approve(gate) = checkbox
        && authorize(d, &c.command, &c.actor).is_ok()
        && d.exit_gate() != Some(*gate)
    {
        let why = Refusal::NotAtGate {
            gate: *gate,
            phase: d.m.phase,
        };
        let text = why.sentence(&c.actor, command_table::spec(&c.command));
        reply_to(d, &c.source, 0, &text);
        return;
    }
    run_command(d, &c.command, &c.actor, &c.source, 0);
}

/// Answers a box whose command was carried out (`detail`: what it changed; `None`: nothing,
/// it was done already). Nothing for other sources: a comment gets a 👍, a dispatch nothing.
pub(super) fn answer_done(
    d: &mut Draft<'_>,
    source: &CommandSource,
    actor: &Login,
    detail: Option<&str>,
) {
    let CommandSource::Checkbox { checkbox, .. } = source else {
        return;
    };
    let text = match detail {
        Some(detail) => format!("@{actor} ticked **{}**: {detail}.", checkbox.label()),
        None => format!(
            "@{actor} ticked **{}**: nothing changed, it was done already.",
            checkbox.label()
        ),
    };
    reply_to(d, source, 0, &text);
}

/// Posts `text` as the answer to a ticked box, on the tracking issue, under the edit's marker;
/// boxes ticked in the same edit besides the one that ran are named, to tick again one at a
/// time. The planned action's id, when it was planned (`super::reply` records it).
pub(super) fn reply(d: &mut Draft<'_>, source: &CommandSource, text: &str) -> Option<usize> {
    let CommandSource::Checkbox {
        repo,
        issue,
        checkbox,
        edit,
        others,
    } = source
    else {
        return None;
    };
    let marker = Marker::Ticked {
        edit: *edit,
        key: checkbox.key(),
    };
    let mut body = format!("{marker}\n{text}");
    if !others.is_empty() {
        let names: Vec<String> = others
            .iter()
            .map(|b| format!("**{}**", b.label()))
            .collect();
        body.push_str(&format!(
            "\n\nThe same edit ticked {} too, which did not run: one box runs per edit, so tick them again one at a time.",
            names.join(", ")
        ));
    }
    d.act(
        Action::Comment {
            repo: repo.clone(),
            issue: *issue,
            marker: marker.content(),
            body,
        },
        "answer the ticked box",
        vec![],
    )
}
