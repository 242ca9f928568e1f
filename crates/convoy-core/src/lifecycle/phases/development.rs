//! Development: cutting RC branches, tracking task pull requests, `convoy/depends-on`
//! statuses, deferral reverts, and the step into staging.

use crate::lifecycle::action::{Action, Landed};
use crate::lifecycle::draft::Draft;
use crate::lifecycle::observed::{PullState, StatusState, mentions};
use crate::lifecycle::table::Owner;
use crate::model::history::HistoryEvent;
use crate::model::ids::{BranchName, IssueRef};
use crate::model::manifest::{Phase, RepoState, TaskStatus};
use crate::model::numbers::PullNumber;

pub(super) fn sync_development(d: &mut Draft<'_>) {
    for i in 0..d.m.repos.len() {
        let r = &d.m.repos[i];
        if let Some(head) = d.o.head(&r.name, &r.rc_branch).cloned() {
            let r = &mut d.m.repos[i];
            if r.state == RepoState::Pending {
                r.state = RepoState::RcCut;
                if r.shas.cut_from.is_none() {
                    r.shas.cut_from = Some(head.clone());
                }
            }
            r.shas.rc_head = Some(head);
        }
    }
    sync_tasks(d);
}

/// Links task pull requests into the RC branches and moves task statuses forward.
fn sync_tasks(d: &mut Draft<'_>) {
    for t in 0..d.m.tasks.len() {
        let task = &d.m.tasks[t];
        if matches!(task.status, TaskStatus::Deferred | TaskStatus::Dropped) {
            continue;
        }
        let Some(repo) = d.m.repo(&task.repo) else {
            continue;
        };
        let issue_short = format!("#{}", task.issue.number());
        let linked: Vec<(PullNumber, PullState)> =
            d.o.pulls
                .iter()
                .filter(|p| p.repo == task.repo && p.base == repo.rc_branch)
                .filter(|p| {
                    task.pull_requests.contains(&p.number)
                        || mentions(&p.body, task.issue.as_str())
                        || (task.issue.repo() == &task.repo && mentions(&p.body, &issue_short))
                })
                .map(|p| (p.number, p.state))
                .collect();
        let status = if !linked.is_empty()
            && linked.iter().all(|(_, s)| *s != PullState::Open)
            && linked.iter().any(|(_, s)| *s == PullState::Merged)
        {
            TaskStatus::Merged
        } else if linked.iter().any(|(_, s)| *s == PullState::Open) {
            TaskStatus::InProgress
        } else {
            task.status
        };
        let before = task.status;
        let issue = task.issue.clone();
        let task = &mut d.m.tasks[t];
        for (n, _) in &linked {
            if !task.pull_requests.contains(n) {
                task.pull_requests.push(*n);
            }
        }
        if status != before && before != TaskStatus::Merged {
            task.status = status;
            d.log(
                "convoy",
                HistoryEvent::TaskStatus,
                Some(status_name(before)),
                Some(status_name(status)),
                format!("task {issue}"),
            );
        }
    }
}

fn status_name(s: TaskStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(super) fn development_done(d: &Draft<'_>) -> bool {
    d.m.repos.iter().all(|r| r.state >= RepoState::RcCut)
        && d.m.tasks.iter().all(|t| t.status.is_settled())
}

pub(super) fn enter_staging(d: &mut Draft<'_>) {
    for i in 0..d.m.repos.len() {
        let (name, staging, rc) = {
            let r = &d.m.repos[i];
            (r.name.clone(), r.staging.clone(), r.rc_branch.clone())
        };
        let staging_head = d.o.head(&name, &staging).cloned();
        let rc_head = d.o.head(&name, &rc).cloned();
        let r = &mut d.m.repos[i];
        r.shas.staging_before = staging_head;
        if rc_head.is_some() {
            r.shas.rc_head = rc_head;
        }
        r.state = RepoState::Promoting;
    }
    d.set_phase(
        Phase::Staging,
        "convoy",
        "every task is merged or deferred and leaving development is approved",
    );
}

/// `Depends-On: owner/repo#N[, owner/repo#M]` lines of a pull request body.
fn depends_on_lines(body: &str) -> Vec<IssueRef> {
    body.lines()
        .filter_map(|l| {
            let l = l.trim();
            let (key, rest) = l.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case("depends-on")
                .then_some(rest)
        })
        .flat_map(|rest| rest.split([',', ' ']).filter(|x| !x.is_empty()))
        .filter_map(|x| IssueRef::parse(x.trim()).ok())
        .collect()
}

/// `convoy/depends-on` on every open task pull request into an RC branch: pending until every
/// task it depends on (in the manifest, or by a `Depends-On:` line) is merged into its RC.
fn plan_dependency_statuses(d: &mut Draft<'_>) {
    for task in d.m.tasks.clone() {
        if task.status.is_settled() {
            continue;
        }
        let Some(repo) = d.m.repo(&task.repo).cloned() else {
            continue;
        };
        for number in &task.pull_requests {
            let Some(pr) = d.o.pull(&task.repo, *number).cloned() else {
                continue;
            };
            if pr.state != PullState::Open || pr.base != repo.rc_branch {
                continue;
            }
            let mut deps = task.depends_on.clone();
            for dep in depends_on_lines(&pr.body) {
                if !deps.contains(&dep) && dep != task.issue {
                    deps.push(dep);
                }
            }
            if deps.is_empty() {
                continue;
            }
            let waiting: Vec<String> = deps
                .iter()
                .filter(|dep| d.m.task(dep).is_none_or(|t| t.status != TaskStatus::Merged))
                .map(|dep| dep.to_string())
                .collect();
            let (state, description) = if waiting.is_empty() {
                (
                    StatusState::Success,
                    "every dependency is merged into its RC branch".to_owned(),
                )
            } else {
                (
                    StatusState::Pending,
                    super::status_line(&format!("waiting for {}", waiting.join(", "))),
                )
            };
            d.act(
                Action::SetCommitStatus {
                    repo: task.repo.clone(),
                    sha: pr.head_sha.clone(),
                    context: "convoy/depends-on".to_owned(),
                    state,
                    description,
                },
                format!(
                    "tell {}#{} whether its dependencies landed",
                    task.repo, pr.number
                ),
                vec![],
            );
        }
    }
}

/// A deferred task whose pull request already merged into the RC branch is backed out with a
/// revert pull request on that branch (history is never rewritten). Planned on every run until
/// the revert merged, so a failed attempt is retried.
fn plan_deferral_reverts(d: &mut Draft<'_>) {
    for task in d.m.tasks.clone() {
        if task.status != TaskStatus::Deferred {
            continue;
        }
        let Some(repo) = d.m.repo(&task.repo).cloned() else {
            continue;
        };
        for number in &task.pull_requests {
            let Some(pr) = d.o.pull(&task.repo, *number) else {
                continue;
            };
            let (PullState::Merged, Some(merge_sha)) = (pr.state, pr.merge_commit_sha.clone())
            else {
                continue;
            };
            if pr.base != repo.rc_branch {
                continue;
            }
            let Ok(revert_branch) =
                BranchName::parse(&format!("convoy/defer-{}-pr{number}", d.m.id))
            else {
                continue;
            };
            d.act(
                Action::RevertMerge {
                    repo: task.repo.clone(),
                    branch: repo.rc_branch.clone(),
                    merge_sha,
                    revert_branch,
                    title: format!("convoy {}: defer {}", d.m.id, task.issue),
                    landed: Landed::OneCommit,
                    method: d.m.merge_method(&repo),
                },
                format!(
                    "{} was deferred after it merged; revert {}#{number} on {}",
                    task.issue, task.repo, repo.rc_branch
                ),
                vec![],
            );
        }
    }
}

pub(super) fn plan_development(d: &mut Draft<'_>) {
    plan_dependency_statuses(d);
    plan_deferral_reverts(d);
    super::carry::plan_deferral_notices(d);
    super::carry::plan_retargets(d);
    for i in 0..d.m.repos.len() {
        let r = d.m.repos[i].clone();
        // Out of reach: its base is not missing, only unseen (the release waits for the fix).
        if r.state != RepoState::Pending || d.unreachable(&r.name) {
            continue;
        }
        let Some(base_head) = d.o.head(&r.name, &r.base).cloned() else {
            d.escalate(
                format!("missing-base:{}", r.name),
                format!(
                    "{} has no branch `{}` to cut `{}` from",
                    r.name, r.base, r.rc_branch
                ),
                Owner::Human,
            );
            continue;
        };
        let from = r.shas.cut_from.clone().unwrap_or(base_head);
        d.m.repos[i].shas.cut_from = Some(from.clone());
        d.act(
            Action::CreateBranch {
                repo: r.name.clone(),
                branch: r.rc_branch.clone(),
                sha: from.clone(),
            },
            format!("cut {} from {} at {}", r.rc_branch, r.base, from.short()),
            vec![],
        );
    }
    let open: Vec<String> =
        d.m.tasks
            .iter()
            .filter(|t| !t.status.is_settled())
            .map(|t| t.issue.to_string())
            .collect();
    if !open.is_empty() {
        d.wait(
            Owner::Developers,
            format!(
                "tasks to merge into their RC branches (or be deferred): {}",
                open.join(", ")
            ),
        );
    } else if d.exit_gate_is_human() && !d.exit_gate_open() {
        d.wait(Owner::Human, "an approver to promote the RC branches to staging: `/convoy promote` or `/convoy approve`");
        // A freeze holds it too: the approval is remembered and takes effect when it ends.
        if development_done(d)
            && let Some(hold) = super::clock::out_of_development(d)
        {
            super::clock::wait(d, hold);
        }
    } else if development_done(d) {
        if let Some(hold) = super::clock::out_of_development(d) {
            super::clock::wait(d, hold);
        }
        let held = super::exclusive::held(d);
        super::exclusive::wait_for_staging(d, held);
    }
}
