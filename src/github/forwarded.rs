//! Forwarded events: a member repository's workflow tells the control repo where something
//! happened (`convoy.comment`, `convoy.issue`), and convoy reads what happened from GitHub with
//! its own token. The forwarded payload names the object and nothing else, so a member
//! repository's workflow cannot forge a command, its author, or a milestone.

use super::client::{GhError, GitHub};
use crate::event::comment_signal;
use crate::model::ids::Login;
use crate::signal::{Forwarded, IssueChange, Signal};

/// The signal the forwarded object makes, read from GitHub; `Ignored` (saying why) when the
/// object does not exist or says nothing to convoy.
pub async fn resolve(gh: &GitHub, hint: &Forwarded) -> Result<Signal, GhError> {
    match hint {
        Forwarded::Comment { repo, comment_id } => {
            let ignored = |why: String| Signal::Ignored { reason: why };
            let Some(c) = gh.repo(repo).issue_comment(*comment_id).await? else {
                return Ok(ignored(format!(
                    "a forwarded comment {comment_id} of {repo} does not exist on GitHub: nothing to do"
                )));
            };
            let author = c
                .user
                .as_ref()
                .and_then(|u| u.login.as_deref())
                .and_then(|l| Login::parse(l).ok());
            let (Some(author), Some(issue)) = (author, c.issue_number()) else {
                return Ok(ignored(format!(
                    "GitHub's answer for comment {comment_id} of {repo} names no author or issue"
                )));
            };
            Ok(comment_signal(
                repo.clone(),
                issue,
                *comment_id,
                author,
                c.by_bot(),
                c.body.as_deref().unwrap_or_default(),
            ))
        }
        Forwarded::Issue { repo, number } => {
            let Some(issue) = gh.repo(repo).issue(*number).await? else {
                return Ok(Signal::Ignored {
                    reason: format!(
                        "a forwarded issue {repo}#{number} does not exist on GitHub: nothing to do"
                    ),
                });
            };
            let change = IssueChange::MilestoneRead {
                milestone: issue.milestone_title().map(str::to_owned),
            };
            Ok(Signal::Issue {
                repo: repo.clone(),
                number: *number,
                change,
                actor: None,
            })
        }
    }
}
