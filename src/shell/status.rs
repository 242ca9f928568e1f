//! Every active release on one line each, where a run that is about every release shows them:
//! the step summary of the scheduled run and of `status` (or `reconcile`, `plan`) without a
//! release, and the answer to a `/convoy status` comment on any issue of the control repo. Pure:
//! the lines come from [`crate::report::releases_list`]; the runs' manifests and last waits come
//! in.

use crate::lifecycle::Wait;
use crate::lifecycle::action::{Action, PlannedAction};
use crate::model::ids::RepoName;
use crate::model::manifest::ReleaseManifest;
use crate::model::marker::Marker;
use crate::model::time::Timestamp;
use crate::report::{Style, releases_list, status_reply};
use crate::signal::{Command, Signal};

/// One release as a run left it: its manifest and what it waits for.
pub type ReleaseState<'a> = (&'a ReleaseManifest, &'a [Wait]);

/// Whether `signal` is about every release rather than one: the schedule, and `status`,
/// `reconcile` or `plan` given without a release.
pub fn about_every_release(signal: &Signal) -> bool {
    match signal {
        Signal::Schedule => true,
        Signal::Command(c) => {
            c.release.is_none()
                && matches!(
                    c.command,
                    Command::Status | Command::Reconcile | Command::Plan
                )
        }
        _ => false,
    }
}

/// The step summary's section listing every active release, one line each.
pub fn releases_summary(releases: &[ReleaseState<'_>], now: Timestamp) -> String {
    let active: Vec<ReleaseState<'_>> = releases
        .iter()
        .filter(|(m, _)| m.phase.is_active())
        .copied()
        .collect();
    format!(
        "## convoy · active releases ({})\n\n{}",
        active.len(),
        releases_list(&active, now, Style::Markdown)
    )
}

/// The answer to each `/convoy status` line of a comment on an issue of the control repo
/// `control`: every active release on one line each, posted on that issue under the line's
/// reply marker. `None` for any other signal, or a comment by a bot.
pub fn status_answer(
    signal: &Signal,
    control: &RepoName,
    releases: &[ReleaseState<'_>],
    now: Timestamp,
) -> Option<PlannedAction> {
    let Signal::Comment(c) = signal else {
        return None;
    };
    if c.author_is_bot || &c.repo != control {
        return None;
    }
    let index = c
        .commands
        .iter()
        .position(|cmd| matches!(cmd, Ok(Command::Status)))?;
    let active: Vec<ReleaseState<'_>> = releases
        .iter()
        .filter(|(m, _)| m.phase.is_active())
        .copied()
        .collect();
    let marker = Marker::Reply {
        comment_id: c.comment_id,
        index,
    };
    Some(PlannedAction {
        id: 0,
        action: Action::Comment {
            repo: c.repo.clone(),
            issue: c.issue,
            marker: marker.content(),
            body: format!("{marker}\n{}", status_reply(&active, now)),
        },
        reason: "answer `/convoy status`".to_owned(),
        after: Vec::new(),
    })
}
