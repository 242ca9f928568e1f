//! The executor: carries out planned actions, each idempotently — it looks for the action's
//! effect first and acts only when the effect is missing, so a crash, a duplicated event or a
//! re-run converges instead of duplicating work.
//!
//! Actions run in plan order; an action whose `after` actions did not succeed is skipped (a repo
//! never merges before its dependencies). A failed action does not stop the others: the next run
//! plans it again.

use std::collections::BTreeMap;

use super::client::{GhError, GitHub};
use super::facts;
use super::lookup::open_pull;
use super::observe::{TRACKING_LABEL, comment_markers, find_run};
use super::rest::statuses::state_word;
use super::rest::{MergeError, MergeRefusal};
use super::revert::{Revert, revert_merge};
use crate::lifecycle::action::{Action, ActionOutcome, Executed, PlannedAction};
use crate::model::config::MergeMethod;
use crate::model::ids::{BranchName, RepoName, Sha};
use crate::model::numbers::{IssueNumber, PullNumber};

/// Runs `actions`; with `dry_run`, only reports what would be done.
pub async fn execute(gh: &GitHub, actions: &[PlannedAction], dry_run: bool) -> Vec<Executed> {
    let mut done: BTreeMap<usize, bool> = BTreeMap::new();
    let mut out = Vec::with_capacity(actions.len());
    for planned in actions {
        let blocked: Vec<usize> = planned
            .after
            .iter()
            .copied()
            .filter(|id| done.get(id) != Some(&true))
            .collect();
        let outcome = if dry_run {
            ActionOutcome::Skipped {
                reason: "dry run".to_owned(),
            }
        } else if !blocked.is_empty() {
            let ids: Vec<String> = blocked.iter().map(|i| format!("#{i}")).collect();
            ActionOutcome::Skipped {
                reason: format!("waits for {} which did not succeed", ids.join(", ")),
            }
        } else {
            match run(gh, &planned.action).await {
                Ok(o) => o,
                Err(e) => ActionOutcome::Failed {
                    error: e.to_string(),
                },
            }
        };
        let ok = matches!(
            outcome,
            ActionOutcome::Done { .. } | ActionOutcome::AlreadyDone
        );
        match &outcome {
            // One line: an error that quotes GitHub or people must not start a line of the log
            // with `::`, which the runner would read as a workflow command.
            ActionOutcome::Failed { error } => tracing::warn!(
                "{} {}: {}",
                planned.action.kind(),
                planned.action.target(),
                error.replace(['\r', '\n'], " ")
            ),
            other => tracing::info!(
                "{} {}: {}",
                planned.action.kind(),
                planned.action.target(),
                other.to_string().replace(['\r', '\n'], " ")
            ),
        }
        done.insert(planned.id, ok);
        out.push(Executed {
            planned: planned.clone(),
            outcome,
        });
    }
    out
}

/// Today's outcome of each class of merge refusal; `None`: the merge failed (the error stands).
///
/// These are exactly the outcomes convoy had when it read GitHub's 405 text by substring ("is
/// expected", "in progress" or "pending", in any case, meant "not yet"; every other 405 needed a
/// person; a 409 failed). Which class should do what is for a later issue to decide.
fn merge_outcome(refusal: &MergeRefusal, message: &str) -> Option<ActionOutcome> {
    let waiting = match refusal {
        // `Required status check "ci" is expected.` or `… is in progress.`: not yet.
        MergeRefusal::RequiredChecksPending { pending: None, .. } => true,
        // `2 of 3 required status checks are expected.` does not say "is expected", so it has
        // always been refused; kept so until a later issue decides.
        MergeRefusal::RequiredChecksPending {
            pending: Some(_), ..
        } => false,
        // Texts that quote names (a check, code owners) or are unknown: the names may hold the
        // words, so the old reading of the text decides, as it always has.
        MergeRefusal::RequiredCheckFailing { .. }
        | MergeRefusal::ReviewRequired { .. }
        | MergeRefusal::Other(_) => reads_as_not_yet(message),
        // Fixed texts without those words: refused.
        MergeRefusal::MergeQueueRequired
        | MergeRefusal::MergeMethodNotAllowed { .. }
        | MergeRefusal::LinearHistoryRequired
        | MergeRefusal::BaseModified
        | MergeRefusal::NotMergeable => false,
        // The 409: the merge fails.
        MergeRefusal::HeadMoved => return None,
    };
    let reason = message.to_owned();
    Some(if waiting {
        ActionOutcome::Waiting { reason }
    } else {
        ActionOutcome::Refused { reason }
    })
}

/// The old substring reading of a 405: a required check that has not reported yet (or is still
/// running) means "not yet".
fn reads_as_not_yet(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("is expected") || lower.contains("in progress") || lower.contains("pending")
}

fn done(detail: impl Into<String>) -> ActionOutcome {
    ActionOutcome::Done {
        detail: Some(detail.into()),
    }
}

async fn run(gh: &GitHub, action: &Action) -> Result<ActionOutcome, GhError> {
    match action {
        Action::CreateBranch { repo, branch, sha } => create_branch(gh, repo, branch, sha).await,
        Action::UpdateBranch {
            repo,
            branch,
            sha,
            force,
        } => {
            let api = gh.repo(repo);
            if api.branch_head(branch).await?.as_ref() == Some(sha) {
                return Ok(ActionOutcome::AlreadyDone);
            }
            match api.move_branch(branch, sha, *force).await {
                Ok(()) => Ok(done(sha.short())),
                // A rule (a pull-request-only branch) refuses the move: sent again, it would be
                // refused again; the decision records it and does not wait for the move.
                Err(e) => match e.rule_violation() {
                    Some(rule) => Ok(ActionOutcome::Refused { reason: rule }),
                    None => Err(e),
                },
            }
        }
        Action::DeleteBranch { repo, branch } => match gh.repo(repo).delete_branch(branch).await {
            Ok(()) => Ok(done("deleted")),
            Err(GhError::NotFound { .. } | GhError::Unprocessable { .. }) => {
                Ok(ActionOutcome::AlreadyDone)
            }
            Err(e) => Err(e),
        },
        Action::OpenPullRequest {
            repo,
            head,
            base,
            title,
            body,
        } => {
            if let Some(n) = open_pull(gh, repo, head, base).await? {
                return Ok(ActionOutcome::Done {
                    detail: Some(format!("adopted #{n}")),
                });
            }
            match gh.repo(repo).create_pull(title, head, base, body).await {
                Ok(number) => Ok(done(format!("#{}", number.map_or(0, PullNumber::get)))),
                // Opened meanwhile by another run: adopt it.
                Err(GhError::Unprocessable { .. })
                    if open_pull(gh, repo, head, base).await?.is_some() =>
                {
                    Ok(ActionOutcome::AlreadyDone)
                }
                Err(e) => Err(e),
            }
        }
        Action::MergePullRequest {
            repo,
            number,
            sha,
            method,
        } => merge(gh, repo, *number, sha, *method).await,
        Action::ClosePullRequest { repo, number } => {
            let api = gh.repo(repo);
            if !api.pull(*number).await?.is_open() {
                return Ok(ActionOutcome::AlreadyDone);
            }
            api.close_pull(*number).await?;
            Ok(done(format!("closed #{number}")))
        }
        Action::DispatchWorkflow {
            repo,
            workflow,
            git_ref,
            correlation_id,
            inputs,
        } => dispatch(gh, repo, workflow, git_ref.as_ref(), correlation_id, inputs)
            .await
            .or_else(|e| dispatch_refusal(&e, repo, workflow).ok_or(e)),
        Action::CancelRun { repo, run_id } => match gh.repo(repo).cancel_run(*run_id).await {
            Ok(()) => Ok(done(format!("cancelled run {run_id}"))),
            Err(GhError::Conflict { .. }) => Ok(ActionOutcome::AlreadyDone),
            Err(e) => Err(e),
        },
        Action::SetCommitStatus {
            repo,
            sha,
            context,
            state,
            description,
        } => {
            let api = gh.repo(repo);
            let statuses = api.statuses(sha).await?;
            let state_word = state_word(*state);
            // Statuses are newest first; the latest of a context is the one that counts.
            let latest = statuses
                .iter()
                .find(|s| s.context.as_deref() == Some(context));
            if latest.is_some_and(|s| {
                s.state.as_deref() == Some(state_word)
                    && s.description.as_deref() == Some(description)
            }) {
                return Ok(ActionOutcome::AlreadyDone);
            }
            api.set_status(sha, *state, context, description).await?;
            Ok(done(format!("{context}: {state_word}")))
        }
        Action::UpsertTrackingIssue {
            repo,
            number,
            title,
            body,
        } => upsert_issue(gh, repo, *number, title, body).await,
        Action::Comment {
            repo,
            issue,
            marker,
            body,
        } => {
            if comment_markers(gh, repo, *issue)
                .await?
                .iter()
                .any(|c| &c.marker == marker)
            {
                return Ok(ActionOutcome::AlreadyDone);
            }
            gh.repo(repo).comment(*issue, body).await?;
            Ok(done(format!("commented on #{issue}")))
        }
        Action::AddLabel { repo, issue, label } => {
            gh.repo(repo).add_label(*issue, label).await?;
            Ok(done(label.clone()))
        }
        Action::RemoveLabel { repo, issue, label } => {
            match gh.repo(repo).remove_label(*issue, label).await {
                Ok(()) => Ok(done(label.clone())),
                Err(GhError::NotFound { .. }) => Ok(ActionOutcome::AlreadyDone),
                Err(e) => Err(e),
            }
        }
        Action::CreateRelease {
            repo,
            tag,
            sha,
            name,
            body,
        } => {
            let api = gh.repo(repo);
            if api.release_by_tag(tag).await?.is_some() {
                return Ok(ActionOutcome::AlreadyDone);
            }
            match api.create_release(tag, sha, name, body).await {
                Ok(()) => Ok(done(format!("{tag} at {}", sha.short()))),
                // Another run created it between the look and the write.
                Err(e @ GhError::Unprocessable { .. }) => match api.release_by_tag(tag).await? {
                    Some(_) => Ok(ActionOutcome::AlreadyDone),
                    None => Err(e),
                },
                Err(e) => Err(e),
            }
        }
        Action::RevertMerge {
            repo,
            branch,
            merge_sha,
            revert_branch,
            title,
        } => {
            let r = Revert {
                repo,
                branch,
                merge_sha,
                revert_branch,
                title,
            };
            revert_merge(gh, &r).await
        }
        Action::RetargetPullRequest { repo, number, base } => {
            retarget(gh, repo, *number, base).await
        }
    }
}

/// Merges pull request `number`, pinned to `sha`, unless it merged already; a refusal becomes
/// today's outcome of its class ([`merge_outcome`]).
async fn merge(
    gh: &GitHub,
    repo: &RepoName,
    number: PullNumber,
    sha: &Sha,
    method: MergeMethod,
) -> Result<ActionOutcome, GhError> {
    let api = gh.repo(repo);
    if api.pull(number).await?.merged == Some(true) {
        return Ok(ActionOutcome::AlreadyDone);
    }
    match api.merge_pull(number, sha, method).await {
        Ok(merged) => {
            let commit = merged.sha.unwrap_or_default();
            Ok(done(format!(
                "merged as {}",
                commit.chars().take(7).collect::<String>()
            )))
        }
        Err(MergeError::Refused { refusal, error }) => {
            match merge_outcome(&refusal, error.message().unwrap_or_default()) {
                Some(outcome) => Ok(outcome),
                None => Err(error),
            }
        }
        Err(MergeError::Failed(error)) => Err(error),
    }
}

/// Moves an open pull request to `base`, looking first: already there is done; a pull request
/// that is no longer open is not moved.
async fn retarget(
    gh: &GitHub,
    repo: &RepoName,
    number: PullNumber,
    base: &BranchName,
) -> Result<ActionOutcome, GhError> {
    let api = gh.repo(repo);
    let pr = api.pull(number).await?;
    if pr.base_branch() == Some(base.as_str()) {
        return Ok(ActionOutcome::AlreadyDone);
    }
    if !pr.is_open() {
        return Ok(ActionOutcome::Failed {
            error: format!("{repo}#{number} is no longer open; convoy does not retarget it"),
        });
    }
    api.retarget_pull(number, base).await?;
    Ok(done(format!("#{number} now into {base}")))
}

async fn create_branch(
    gh: &GitHub,
    repo: &RepoName,
    branch: &BranchName,
    sha: &Sha,
) -> Result<ActionOutcome, GhError> {
    let api = gh.repo(repo);
    match api.branch_head(branch).await? {
        Some(at) if &at == sha => return Ok(ActionOutcome::AlreadyDone),
        Some(at) => {
            return Ok(ActionOutcome::Failed {
                error: format!(
                    "{repo} already has `{branch}` at {}, not at {}; convoy will not move it",
                    at.short(),
                    sha.short()
                ),
            });
        }
        None => {}
    }
    match api.create_branch(branch, sha).await {
        Ok(()) => Ok(done(format!("{branch} at {}", sha.short()))),
        Err(GhError::Unprocessable { .. })
            if api.branch_head(branch).await?.as_ref() == Some(sha) =>
        {
            Ok(ActionOutcome::AlreadyDone)
        }
        Err(e) => Err(e),
    }
}

async fn dispatch(
    gh: &GitHub,
    repo: &RepoName,
    workflow: &str,
    git_ref: Option<&BranchName>,
    correlation: &str,
    inputs: &BTreeMap<String, String>,
) -> Result<ActionOutcome, GhError> {
    let api = gh.repo(repo);
    let runs = api.dispatched_runs(workflow).await?;
    if let Some(run) = find_run(repo, &runs, correlation) {
        return Ok(ActionOutcome::Done {
            detail: Some(format!("adopted run {}", run.run_id)),
        });
    }
    let git_ref = match git_ref {
        Some(r) => r.as_str().to_owned(),
        None => api
            .repository()
            .await?
            .default_branch
            .unwrap_or_else(|| "main".to_owned()),
    };
    match api.dispatch(workflow, &git_ref, inputs, true).await {
        Ok(run) => Ok(match run {
            Some(id) => done(format!("run {id}")),
            None => done("dispatched"),
        }),
        // Older GitHub Enterprise Server refuses the field (3.20 and older with 422, some with
        // 400: `"return_run_details" is not a permitted key.`): dispatch without it; the run is
        // found later by the correlation id in its title.
        Err(GhError::BadRequest { message, .. } | GhError::Unprocessable { message, .. })
            if message.contains("return_run_details") =>
        {
            api.dispatch(workflow, &git_ref, inputs, false).await?;
            Ok(done("dispatched (run found by correlation id)"))
        }
        Err(e) => Err(e),
    }
}

/// A 4xx answer to a dispatch (or to looking for its runs) is GitHub saying no: sent again, the
/// same request gets the same answer, so it is not retried blindly but recorded as refused with
/// GitHub's message. Rate limits, 5xx and transport errors stay failures, tried again.
fn dispatch_refusal(e: &GhError, repo: &RepoName, workflow: &str) -> Option<ActionOutcome> {
    let reason = match e {
        GhError::Unprocessable { message, .. }
        | GhError::BadRequest { message, .. }
        | GhError::Denied { message, .. } => message.clone(),
        GhError::NotFound { .. } => {
            format!("workflow {workflow} not found in {repo}, or not visible to convoy's token")
        }
        _ => return None,
    };
    Some(ActionOutcome::Refused { reason })
}

async fn upsert_issue(
    gh: &GitHub,
    repo: &RepoName,
    number: Option<IssueNumber>,
    title: &str,
    body: &str,
) -> Result<ActionOutcome, GhError> {
    let api = gh.repo(repo);
    let existing = match number {
        Some(n) => api.issue(n).await?,
        None => {
            // The body starts with the release's marker; the issue holding it is the one.
            let marker = crate::model::marker::Marker::leading(body).map(|m| m.tag());
            let list = api.labelled_issues(TRACKING_LABEL).await?;
            list.into_iter().find(|i| {
                marker
                    .as_deref()
                    .is_some_and(|m| i.body.as_deref().is_some_and(|b| b.contains(m)))
            })
        }
    };
    match existing.and_then(|i| facts::issue(repo, &i)) {
        Some(issue) if issue.title == title && issue.body == body => Ok(ActionOutcome::AlreadyDone),
        Some(issue) => {
            api.edit_issue(issue.number, title, body).await?;
            Ok(done(format!("updated #{}", issue.number)))
        }
        None => {
            let created = api.create_issue(title, body, TRACKING_LABEL).await?;
            Ok(done(format!(
                "opened #{}",
                created.map_or(0, IssueNumber::get)
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outcome convoy gave each text before refusals were classified.
    fn before(message: &str) -> ActionOutcome {
        let reason = message.to_owned();
        if reads_as_not_yet(message) {
            ActionOutcome::Waiting { reason }
        } else {
            ActionOutcome::Refused { reason }
        }
    }

    #[test]
    fn each_class_keeps_todays_outcome() {
        let waiting = |m: &str| ActionOutcome::Waiting { reason: m.into() };
        let refused = |m: &str| ActionOutcome::Refused { reason: m.into() };
        let cases = [
            waiting("Required status check \"ci\" is expected."),
            waiting("Required status check \"ci\" is in progress."),
            refused("2 of 3 required status checks are expected."),
            refused("Required status check \"ci\" is failing."),
            waiting("Required status check \"pending-ci\" is failing."),
            refused("At least 1 approving review is required by reviewers with write access."),
            refused("Waiting on code owner review from @acme/api-owners."),
            waiting("Waiting on code owner review from @acme/pending-owners."),
            refused("Changes must be made through the merge queue."),
            refused("Merge commits are not allowed on this repository."),
            refused("Squash merges are not allowed on this repository."),
            refused("Rebase merges are not allowed on this repository."),
            refused("This branch must not contain merge commits."),
            refused("Base branch was modified. Review and try the merge again."),
            refused("Pull Request is not mergeable"),
            waiting("Merging is pending for a while."),
            refused("Something GitHub says one day"),
        ];
        for expected in cases {
            let (ActionOutcome::Waiting { reason } | ActionOutcome::Refused { reason }) = &expected
            else {
                unreachable!("only waiting and refused cases");
            };
            let class = MergeRefusal::classify(reason);
            assert_eq!(
                merge_outcome(&class, reason).as_ref(),
                Some(&expected),
                "{class:?}"
            );
            assert_eq!(
                before(reason),
                expected,
                "the outcome before classes: {reason}"
            );
        }
        assert_eq!(
            merge_outcome(&MergeRefusal::HeadMoved, "Head branch was modified."),
            None
        );
    }
}
