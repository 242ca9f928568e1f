//! The executor: carries out planned actions, each idempotently — it looks for the action's
//! effect first and acts only when the effect is missing, so a crash, a duplicated event or a
//! re-run converges instead of duplicating work.
//!
//! Actions run in plan order; an action whose `after` actions did not succeed is skipped (a repo
//! never merges before its dependencies). A failed action does not stop the others: the next run
//! plans it again.
//!
//! Looking costs a read, never a write: a commit status is read (`GET …/commits/{sha}/status`)
//! before it is set and set only when its state or description differs, once per commit and
//! context per execution (`KnownStatuses`); the tracking issue is read before it is edited and
//! edited only when its title or body differs.

use std::collections::BTreeMap;

use super::client::{GhError, GitHub};
use super::facts;
use super::lookup::open_pull;
use super::methods::{MergeAnswer, merge_allowed};
use super::observe::{TRACKING_LABEL, comment_markers, find_run};
use super::rest::statuses::state_word;
use super::rest::{MergeError, MergeRefusal};
use super::revert::{Revert, revert_merge};
use crate::lifecycle::action::{Action, ActionOutcome, Executed, PlannedAction};
use crate::lifecycle::observed::StatusState;
use crate::model::config::MergeMethod;
use crate::model::ids::{BranchName, RepoName, Sha};
use crate::model::numbers::{IssueNumber, PullNumber};

/// Runs `actions`; with `dry_run`, only reports what would be done.
pub async fn execute(gh: &GitHub, actions: &[PlannedAction], dry_run: bool) -> Vec<Executed> {
    let mut done: BTreeMap<usize, bool> = BTreeMap::new();
    let mut known = KnownStatuses::default();
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
            match run(gh, &planned.action, &mut known).await {
                Ok(o) => o,
                Err(e) => ActionOutcome::Failed {
                    error: e.to_string(),
                },
            }
        };
        let ok = outcome.succeeded();
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

/// The outcome of each class of merge refusal; `None`: the merge failed (the error stands).
///
/// Required checks that have not reported or not finished (named or counted), a transient "Base
/// branch was modified" and unknown texts that say "expected", "in progress" or "pending" are
/// "not yet": the next run tries again, nothing is escalated. Missing approving reviews are a
/// wait for people ([`ActionOutcome::NeedsReview`]). Everything else needs a person; the reason
/// then says what they must do. A 409 (the head moved) fails the merge.
pub(super) fn merge_outcome(refusal: &MergeRefusal, message: &str) -> Option<ActionOutcome> {
    let waiting = |reason: String| Some(ActionOutcome::Waiting { reason });
    let refused = |advice: &str| {
        Some(ActionOutcome::Refused {
            reason: format!("{message} ({advice})"),
        })
    };
    match refusal {
        MergeRefusal::RequiredChecksPending { .. } => waiting(message.to_owned()),
        MergeRefusal::BaseModified => waiting(format!(
            "{message} (the base moved while GitHub merged; convoy tries again on its next run)"
        )),
        MergeRefusal::ReviewRequired { .. } => Some(ActionOutcome::NeedsReview {
            reason: message.to_owned(),
        }),
        MergeRefusal::RequiredCheckFailing { check } => refused(&format!(
            "make `{check}` pass on the pull request's head: re-run it, or fix the cause with a commit on the head branch, which is then validated again"
        )),
        MergeRefusal::MergeQueueRequired => refused(
            "convoy puts the pull request in the branch's merge queue itself, pinned to the validated SHA; this refusal stands only where it could not",
        ),
        MergeRefusal::MergeMethodNotAllowed { method } => refused(&format!(
            "the repository does not allow `{}`: allow it in the repository's settings, or set `ship.merge_method` to a method it allows",
            method.as_str()
        )),
        MergeRefusal::LinearHistoryRequired => refused(
            "the branch requires a linear history: set `ship.merge_method` to `squash` or `rebase`, or let convoy's App bypass the rule",
        ),
        MergeRefusal::NotMergeable => refused(
            "GitHub cannot merge it: resolve the conflict on its head branch, or reopen it if it was closed",
        ),
        MergeRefusal::PermissionMissing { grant } => refused(&grant.to_string()),
        MergeRefusal::Other(_) if reads_as_not_yet(message) => waiting(message.to_owned()),
        MergeRefusal::Other(_) => refused("a person must remove the cause GitHub names"),
        MergeRefusal::HeadMoved => None,
    }
}

/// An unknown 405 that says a check has not reported yet (or is still running) means "not yet".
fn reads_as_not_yet(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("is expected") || lower.contains("in progress") || lower.contains("pending")
}

fn done(detail: impl Into<String>) -> ActionOutcome {
    ActionOutcome::Done {
        detail: Some(detail.into()),
    }
}

async fn run(
    gh: &GitHub,
    action: &Action,
    known: &mut KnownStatuses,
) -> Result<ActionOutcome, GhError> {
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
        Action::EnqueuePullRequest {
            repo,
            number,
            sha,
            method,
        } => enqueue(gh, repo, *number, sha, *method, None).await,
        Action::RequestReviewers {
            repo,
            number,
            reviewers,
        } => {
            gh.repo(repo).request_reviewers(*number, reviewers).await?;
            let who: Vec<String> = reviewers.iter().map(|r| format!("@{r}")).collect();
            Ok(done(format!("asked {}", who.join(", "))))
        }
        Action::UpdatePullBranch { repo, number, head } => {
            let api = gh.repo(repo);
            let pr = api.pull(*number).await?;
            if !pr.is_open() || pr.head_sha() != Some(head.as_str()) {
                return Ok(ActionOutcome::AlreadyDone);
            }
            match api.update_pull_branch(*number, head).await {
                Ok(()) => Ok(done(format!("#{number} brought up to date"))),
                // The head moved, or the base has nothing new: nothing left to do.
                Err(GhError::Unprocessable { .. }) => Ok(ActionOutcome::AlreadyDone),
                Err(e) => Err(e),
            }
        }
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
        } => set_status(gh, known, repo, sha, context, *state, description).await,
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
        Action::CloseIssue {
            repo,
            issue,
            reason,
        } => {
            let api = gh.repo(repo);
            if api
                .issue(*issue)
                .await?
                .is_some_and(|i| i.state.as_deref() == Some("closed"))
            {
                return Ok(ActionOutcome::AlreadyDone);
            }
            api.close_issue(*issue, reason.as_str()).await?;
            Ok(done(format!("closed #{issue} ({})", reason.as_str())))
        }
        Action::React {
            repo,
            comment_id,
            content,
        } => {
            gh.repo(repo).react(*comment_id, content.as_str()).await?;
            Ok(done(content.as_str()))
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
        Action::Deploy {
            repo,
            stage,
            environment,
            sha,
            state,
            deployment,
            release,
            description,
            log_url,
        } => {
            let d = super::deploy::Deploy {
                repo,
                stage: *stage,
                environment,
                sha,
                state: *state,
                deployment: *deployment,
                release,
                description,
                log_url: log_url.as_deref(),
            };
            super::deploy::deploy(gh, &d).await
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
            landed,
            method,
        } => {
            let r = Revert {
                repo,
                branch,
                merge_sha,
                revert_branch,
                title,
                landed,
                method: *method,
            };
            revert_merge(gh, &r).await
        }
        Action::RetargetPullRequest { repo, number, base } => {
            retarget(gh, repo, *number, base).await
        }
    }
}

/// The latest status of each context on each commit, as this execution read or set it.
///
/// A plan may set two statuses on one commit and context (pending while a dependency merges,
/// then success once it merged): the second is not read again. Only what this execution saw is
/// kept, so another run's status is still read before convoy sets its own; a status whose write
/// failed is forgotten and read again.
#[derive(Debug, Default)]
struct KnownStatuses(BTreeMap<(RepoName, Sha, String), Option<(String, String)>>);

/// Sets `context` on `sha` to `state` with `description` unless it already says so: GitHub keeps
/// every status ever set on a commit (up to a limit per context), so an unchanged one is not set
/// again.
async fn set_status(
    gh: &GitHub,
    known: &mut KnownStatuses,
    repo: &RepoName,
    sha: &Sha,
    context: &str,
    state: StatusState,
    description: &str,
) -> Result<ActionOutcome, GhError> {
    let api = gh.repo(repo);
    let key = (repo.clone(), sha.clone(), context.to_owned());
    let word = state_word(state);
    let latest = match known.0.get(&key) {
        Some(latest) => latest.clone(),
        None => {
            // The latest status of a context is the one that counts.
            let read = api.latest_status(sha, context).await?.map(|s| {
                (
                    s.state.unwrap_or_default(),
                    s.description.unwrap_or_default(),
                )
            });
            known.0.insert(key.clone(), read.clone());
            read
        }
    };
    if latest.is_some_and(|(s, d)| s == word && d == description) {
        return Ok(ActionOutcome::AlreadyDone);
    }
    known.0.remove(&key);
    api.set_status(sha, state, context, description).await?;
    known
        .0
        .insert(key, Some((word.to_owned(), description.to_owned())));
    Ok(done(format!("{context}: {word}")))
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
    let mut pr = api.pull(number).await?;
    if pr.merged == Some(true) {
        return Ok(ActionOutcome::AlreadyDone);
    }
    // GitHub answers `mergeable: null` while it computes it (after a push to either side): a
    // merge now would be refused for no lasting reason. Ask again briefly, then wait a run.
    for _ in 0..MERGEABLE_READS {
        if !pr.is_open() || pr.mergeable.is_some() {
            break;
        }
        tokio::time::sleep(MERGEABLE_PAUSE).await;
        pr = api.pull(number).await?;
    }
    if pr.is_open() && pr.mergeable.is_none() {
        return Ok(ActionOutcome::Waiting {
            reason: format!(
                "GitHub is still computing whether #{number} can merge; convoy tries again on its next run"
            ),
        });
    }
    let mut attempts = 0;
    loop {
        attempts += 1;
        match merge_allowed(&api, number, sha, method).await {
            Ok(MergeAnswer::Merged(merged)) => {
                let commit = merged.sha.unwrap_or_default();
                return Ok(done(format!(
                    "merged as {}",
                    commit.chars().take(7).collect::<String>()
                )));
            }
            Ok(MergeAnswer::Switched { method, reason, .. }) => {
                return Ok(ActionOutcome::MergedInstead { method, reason });
            }
            // Transient: the base moved under the merge. One more try in this run.
            Err(MergeError::Refused {
                refusal: MergeRefusal::BaseModified,
                ..
            }) if attempts < 2 => tokio::time::sleep(MERGEABLE_PAUSE).await,
            // The branch takes changes only through its merge queue: enqueue instead, and
            // the release learns it for the next merges.
            Err(MergeError::Refused {
                refusal: MergeRefusal::MergeQueueRequired,
                ..
            }) => {
                let branch = pr.base_branch().unwrap_or_default().to_owned();
                return enqueue(gh, repo, number, sha, method, Some(branch)).await;
            }
            Err(MergeError::Refused { refusal, error }) => {
                return match merge_outcome(&refusal, error.message().unwrap_or_default()) {
                    Some(outcome) => Ok(outcome),
                    None => Err(error),
                };
            }
            Err(MergeError::Failed(error)) => return Err(error),
        }
    }
}

/// Puts pull request `number` in its base's merge queue, pinned to `sha`
/// ([`Action::EnqueuePullRequest`]); `learnt` names the branch when GitHub's refusal of a plain
/// merge told convoy it has a queue. Already merged is done; a pull request GitHub says cannot
/// merge (closed, a draft, a head that moved) is refused with its words.
async fn enqueue(
    gh: &GitHub,
    repo: &RepoName,
    number: PullNumber,
    sha: &Sha,
    method: MergeMethod,
    learnt: Option<String>,
) -> Result<ActionOutcome, GhError> {
    use super::rest::merge_queue::AsyncMerge;
    Ok(
        match gh.repo(repo).enqueue_pull(number, sha, method).await? {
            AsyncMerge::Queued { uuid } => ActionOutcome::Enqueued { uuid, learnt },
            AsyncMerge::Merged { sha: Some(commit) } => done(format!(
                "merged as {}",
                commit.chars().take(7).collect::<String>()
            )),
            AsyncMerge::Merged { sha: None } => ActionOutcome::AlreadyDone,
            AsyncMerge::Failed { message } => ActionOutcome::Refused {
                reason: format!(
                    "{message} (GitHub will not put it in the merge queue; a person must remove the cause it names)"
                ),
            },
        },
    )
}

/// Extra reads of a pull request whose `mergeable` is still `null` before a merge.
const MERGEABLE_READS: usize = 2;
/// The pause before each extra read, and before retrying a merge refused as "Base branch was
/// modified".
const MERGEABLE_PAUSE: std::time::Duration = std::time::Duration::from_millis(300);

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
    let runs = api.dispatched_runs(workflow, correlation).await?;
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
            Some(run) => ActionOutcome::Dispatched { run },
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
        GhError::PermissionMissing { message, grant, .. } => format!("{message} ({grant})"),
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
            match crate::model::marker::Marker::leading(body).map(|m| m.tag()) {
                Some(tag) => api.labelled_issue_with(TRACKING_LABEL, &tag).await?,
                None => None,
            }
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

    fn kind(outcome: &ActionOutcome) -> &'static str {
        match outcome {
            ActionOutcome::Waiting { .. } => "waiting",
            ActionOutcome::NeedsReview { .. } => "review",
            ActionOutcome::Refused { .. } => "refused",
            _ => "other",
        }
    }

    #[test]
    fn each_class_has_its_outcome() {
        let cases = [
            ("Required status check \"ci\" is expected.", "waiting"),
            ("Required status check \"ci\" is in progress.", "waiting"),
            ("2 of 3 required status checks are expected.", "waiting"),
            ("2 of 3 required status checks are in progress.", "waiting"),
            ("Required status check \"ci\" is failing.", "refused"),
            (
                "At least 1 approving review is required by reviewers with write access.",
                "review",
            ),
            (
                "Waiting on code owner review from @acme/api-owners.",
                "review",
            ),
            ("Changes must be made through the merge queue.", "refused"),
            (
                "Merge commits are not allowed on this repository.",
                "refused",
            ),
            ("This branch must not contain merge commits.", "refused"),
            (
                "Base branch was modified. Review and try the merge again.",
                "waiting",
            ),
            ("Pull Request is not mergeable", "refused"),
            ("Merging is pending for a while.", "waiting"),
            ("Something GitHub says one day", "refused"),
        ];
        for (text, expected) in cases {
            let class = MergeRefusal::classify(text);
            let outcome = merge_outcome(&class, text).unwrap();
            assert_eq!(kind(&outcome), expected, "{text}: {outcome:?}");
        }
        assert_eq!(
            merge_outcome(&MergeRefusal::HeadMoved, "Head branch was modified."),
            None
        );
    }

    #[test]
    fn refusals_say_what_a_person_must_do() {
        let linear = "This branch must not contain merge commits.";
        let Some(ActionOutcome::Refused { reason }) =
            merge_outcome(&MergeRefusal::classify(linear), linear)
        else {
            panic!("linear history is a refusal");
        };
        assert!(reason.contains("`squash` or `rebase`"), "{reason}");
        assert!(reason.contains("bypass"), "{reason}");
        for text in [linear, "Changes must be made through the merge queue."] {
            let outcome = merge_outcome(&MergeRefusal::classify(text), text);
            assert!(
                !format!("{outcome:?}").contains("retries by itself"),
                "{outcome:?}"
            );
        }
    }
}
