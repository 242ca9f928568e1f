//! An `issues` `edited` event: a checkbox of a tracking issue ticked becomes the box's command,
//! given by whoever edited the issue. Everything else an edit can be is ignored here, before any
//! run reads GitHub: a bot's edit (convoy's own body updates among them), a title or text edit,
//! a box that was already ticked, an issue that is no tracking issue.

use super::error::EventError;
use super::payload::IssuesEvent;
use super::read::ignored;
use crate::model::marker::Marker;
use crate::model::time::Timestamp;
use crate::signal::checkbox::newly_ticked;
use crate::signal::{CommandSignal, CommandSource, Signal};

/// The signal of an edited issue: `Command` (source [`CommandSource::Checkbox`]) for the first
/// box the edit ticked, with the others named so the reply can say they did not run; `Ignored`
/// for any other edit.
pub(super) fn issue_edited(p: IssuesEvent) -> Result<Signal, EventError> {
    let Some(sender) = p.sender else {
        return Ok(ignored(
            "an issue edit that names no sender runs nothing".to_owned(),
        ));
    };
    if sender.kind.as_deref() == Some("Bot") || sender.login.is_bot() {
        return Ok(ignored(
            "an issue edit by a bot runs nothing (convoy's own tracking issue updates among them)"
                .to_owned(),
        ));
    }
    let Some(from) = p.changes.and_then(|c| c.body).map(|b| b.from) else {
        return Ok(ignored(
            "an issue edit that leaves the body as it was ticks no checkbox".to_owned(),
        ));
    };
    let to = p.issue.body.unwrap_or_default();
    let mut ticked = newly_ticked(from.as_deref().unwrap_or_default(), &to).into_iter();
    let Some(first) = ticked.next() else {
        return Ok(ignored(
            "an issue edit that ticks no convoy checkbox runs nothing".to_owned(),
        ));
    };
    let Some(Marker::Release(release)) = Marker::leading(&to) else {
        return Ok(ignored(format!(
            "issue {}#{} is no release's tracking issue (its body does not start with convoy's release marker); its checkboxes run nothing",
            p.repository.full_name, p.issue.number
        )));
    };
    let field = "/issue/updated_at";
    let at = p.issue.updated_at.ok_or_else(|| EventError::MissingField {
        field: field.to_owned(),
    })?;
    let edit = Timestamp::parse(&at)
        .map_err(|_| EventError::InvalidField {
            field: field.to_owned(),
            reason: "not an RFC 3339 time such as 2026-11-26T10:00:00Z".to_owned(),
        })?
        .unix_seconds();
    Ok(Signal::Command(CommandSignal {
        command: first.command(),
        release: Some(release),
        actor: sender.login,
        source: CommandSource::Checkbox {
            repo: p.repository.full_name,
            issue: p.issue.number,
            checkbox: first,
            // Before 1970 only by a clock gone wrong; such an edit is still told apart by its
            // box.
            edit: u64::try_from(edit).unwrap_or_default(),
            others: ticked.collect(),
        },
    }))
}
