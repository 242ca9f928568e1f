//! Per-phase facts, transitions and actions.
//!
//! `sync` reads what GitHub showed into the manifest (which repos are staged, shipped, …);
//! `advance` takes one step along the lifecycle when the exit criteria hold and the gate is open;
//! `plan` lists the actions of the phase reached.

use super::Draft;
use super::action::Action;
use super::observed::{PullState, StatusState};
use super::table::{GateMode, Owner};
use super::tiers;
use crate::model::config::{MergeMethod, TierPhase};
use crate::model::ids::{BranchName, IssueRef, RepoName};
use crate::model::manifest::{Gate, Phase, RepoState, TaskStatus};
use crate::report;

/// Absorbs the facts the current phase depends on.
pub(super) fn sync(d: &mut Draft<'_>) {
    sync_tracking_issue(d);
    match d.m.phase {
        Phase::Planning => {}
        Phase::Development => sync_development(d),
        Phase::Staging | Phase::Validation => sync_staging(d),
        Phase::Shipping => sync_shipping(d),
        Phase::Shipped | Phase::Aborted | Phase::RolledBack => sync_reverts(d),
    }
}

/// Takes at most one step along the lifecycle; returns whether the phase changed.
pub(super) fn advance(d: &mut Draft<'_>) -> bool {
    let before = d.m.phase;
    match before {
        Phase::Planning => {
            if d.gate_open(Gate::Plan) {
                d.set_phase(
                    Phase::Development,
                    "convoy",
                    "the plan is valid and approved",
                );
            }
        }
        Phase::Development => {
            if development_done(d) && d.gate_open(Gate::Promote) {
                enter_staging(d);
            }
        }
        Phase::Staging => {
            if all_repos(d, RepoState::Staged) && tiers::all_passed(d, TierPhase::Staging) {
                d.set_phase(
                    Phase::Validation,
                    "convoy",
                    "every staging branch holds its RC head and the staging tiers passed",
                );
            }
        }
        Phase::Validation => {
            if !all_repos(d, RepoState::Staged) {
                d.set_phase(
                    Phase::Staging,
                    "convoy",
                    "an RC branch moved after staging; promoting it again",
                );
            } else if tiers::all_passed(d, TierPhase::Staging)
                && tiers::all_passed(d, TierPhase::Validation)
                && d.gate_open(Gate::Ship)
            {
                d.set_phase(
                    Phase::Shipping,
                    "convoy",
                    "every required tier passed on the staged SHAs",
                );
            }
        }
        Phase::Shipping => {
            if d.m.repos.iter().all(|r| r.state == RepoState::Shipped) {
                d.set_phase(
                    Phase::Shipped,
                    "convoy",
                    "every repo merged, tagged and released",
                );
            }
        }
        Phase::Shipped | Phase::Aborted | Phase::RolledBack => {}
    }
    d.m.phase != before
}

/// Plans the actions of the current phase.
pub(super) fn plan(d: &mut Draft<'_>) {
    match d.m.phase {
        Phase::Planning => {
            if d.policy().gate_mode(Gate::Plan) == GateMode::Human {
                d.wait(
                    Owner::Human,
                    "an approver to approve the plan: `/convoy approve`",
                );
            }
        }
        Phase::Development => plan_development(d),
        Phase::Staging => {
            plan_staging(d);
            if all_repos(d, RepoState::Staged) {
                tiers::plan(d, TierPhase::Staging);
            }
        }
        Phase::Validation => {
            // A staging head that moved during validation invalidates the staging tiers too.
            tiers::plan(d, TierPhase::Staging);
            tiers::plan(d, TierPhase::Validation);
            if tiers::all_passed(d, TierPhase::Validation) && !d.gate_open(Gate::Ship) {
                d.wait(
                    Owner::Human,
                    "an approver to approve shipping: `/convoy ship` or `/convoy approve`",
                );
            }
        }
        Phase::Shipping => plan_shipping(d),
        Phase::Shipped => {}
        Phase::Aborted | Phase::RolledBack => plan_undo(d),
    }
}

fn all_repos(d: &Draft<'_>, state: RepoState) -> bool {
    d.m.repos.iter().all(|r| r.state == state)
}

fn sync_tracking_issue(d: &mut Draft<'_>) {
    if d.m.tracking_issue.is_none()
        && let Some(issue) =
            d.o.issue_with_marker(&d.m.control_repo, &report::marker(&d.m.id))
    {
        d.m.tracking_issue = Some(issue.number);
    }
}

fn sync_development(d: &mut Draft<'_>) {
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
        let linked: Vec<(u64, PullState)> =
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
                "task_status",
                Some(status_name(before)),
                Some(status_name(status)),
                format!("task {issue}"),
            );
        }
    }
}

/// Whether `body` mentions `reference` as a whole token (`#12` does not match `#123`).
fn mentions(body: &str, reference: &str) -> bool {
    body.match_indices(reference).any(|(i, _)| {
        let next = body[i + reference.len()..].chars().next();
        let prev = body[..i].chars().next_back();
        !next.is_some_and(|c| c.is_ascii_alphanumeric())
            && !prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '/')
    })
}

fn status_name(s: TaskStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn development_done(d: &Draft<'_>) -> bool {
    d.m.repos.iter().all(|r| r.state >= RepoState::RcCut)
        && d.m.tasks.iter().all(|t| t.status.is_settled())
}

fn enter_staging(d: &mut Draft<'_>) {
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
                    format!("waiting for {}", waiting.join(", ")),
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

fn plan_development(d: &mut Draft<'_>) {
    plan_dependency_statuses(d);
    plan_deferral_reverts(d);
    for i in 0..d.m.repos.len() {
        let r = d.m.repos[i].clone();
        if r.state != RepoState::Pending {
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
    } else if d.policy().gate_mode(Gate::Promote) == GateMode::Human && !d.gate_open(Gate::Promote)
    {
        d.wait(Owner::Human, "an approver to promote the RC branches to staging: `/convoy promote` or `/convoy approve`");
    }
}

fn sync_staging(d: &mut Draft<'_>) {
    for i in 0..d.m.repos.len() {
        let r = d.m.repos[i].clone();
        let rc_now = d.o.head(&r.name, &r.rc_branch).cloned();
        let staging_now = d.o.head(&r.name, &r.staging).cloned();
        let moved = rc_now.is_some() && rc_now != r.shas.rc_head;
        let repo = &mut d.m.repos[i];
        if moved {
            let from = repo.shas.rc_head.as_ref().map(|s| s.to_string());
            repo.shas.rc_head = rc_now.clone();
            repo.shas.staged = None;
            repo.state = RepoState::Promoting;
            let to = rc_now.as_ref().map(|s| s.to_string());
            d.log(
                "convoy",
                "rc_moved",
                from,
                to,
                format!(
                    "{} {} has new commits; it is promoted and validated again",
                    r.name, r.rc_branch
                ),
            );
            continue;
        }
        if repo.state == RepoState::Staged {
            if staging_now.is_some() && staging_now != repo.shas.staged {
                let from = repo.shas.staged.as_ref().map(|s| s.to_string());
                repo.shas.staged = staging_now.clone();
                let to = staging_now.as_ref().map(|s| s.to_string());
                d.log(
                    "convoy",
                    "staging_moved",
                    from,
                    to,
                    format!(
                        "{} {} moved; tiers run again on its new head",
                        r.name, r.staging
                    ),
                );
            }
            continue;
        }
        let Some(rc_head) = r.shas.rc_head.clone() else {
            continue;
        };
        let merged =
            d.o.pulls_between(&r.name, &r.rc_branch, &r.staging)
                .find(|p| p.state == PullState::Merged && p.head_sha == rc_head)
                .map(|p| (p.number, p.merge_commit_sha.clone()));
        if let Some((number, merge_sha)) = merged {
            repo.prs.staging = Some(number);
            repo.shas.staged = merge_sha.or(staging_now);
            repo.state = RepoState::Staged;
        } else if staging_now.as_ref() == Some(&rc_head) {
            repo.shas.staged = Some(rc_head.clone());
            repo.state = RepoState::Staged;
        } else if let Some(pr) = d.o.open_pull(&r.name, &r.rc_branch, &r.staging) {
            repo.prs.staging = Some(pr.number);
            repo.state = if pr.mergeable == Some(false) {
                RepoState::Conflict
            } else {
                RepoState::Promoting
            };
        } else {
            repo.state = RepoState::Promoting;
        }
        if repo.state == RepoState::Staged {
            let staged = repo.shas.staged.as_ref().map(|s| s.to_string());
            d.log(
                "convoy",
                "repo_staged",
                None,
                staged,
                format!(
                    "{} {} holds {} {}",
                    r.name,
                    r.staging,
                    r.rc_branch,
                    rc_head.short()
                ),
            );
        }
    }
}

/// Opens and merges RC → staging pull requests, wave by wave.
fn plan_staging(d: &mut Draft<'_>) {
    let method = d.m.policy.ship.merge_method;
    promote(d, Promotion::Staging, method);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Promotion {
    Staging,
    Ship,
}

/// Plans the pull requests of one promotion for every repo not done yet: open when missing,
/// merge (pinned) once the repo's dependencies are done or merge in this same plan.
fn promote(d: &mut Draft<'_>, kind: Promotion, method: MergeMethod) {
    let mut merging: Vec<(RepoName, usize)> = Vec::new();
    for name in d.promotion_order() {
        let Some(r) = d.m.repo(&name).cloned() else {
            continue;
        };
        let (head, base, pin, done) = match kind {
            Promotion::Staging => (
                r.rc_branch.clone(),
                r.staging.clone(),
                r.shas.rc_head.clone(),
                r.state == RepoState::Staged,
            ),
            Promotion::Ship => (
                r.staging.clone(),
                r.base.clone(),
                r.shas.staged.clone(),
                r.shas.shipped.is_some(),
            ),
        };
        if done {
            continue;
        }
        let Some(pin) = pin else { continue };
        if d.o.head(&r.name, &base).is_none() {
            if kind == Promotion::Staging
                && let Some(base_head) = d.o.head(&r.name, &r.base).cloned()
            {
                d.act(
                    Action::CreateBranch {
                        repo: r.name.clone(),
                        branch: base.clone(),
                        sha: base_head,
                    },
                    format!(
                        "{} has no `{}` branch yet; create it from `{}`",
                        r.name, base, r.base
                    ),
                    vec![],
                );
            }
            continue;
        }
        let mut after = Vec::new();
        let mut deps_ready = true;
        for dep in d.graph.dependencies_of(&name).cloned().collect::<Vec<_>>() {
            let dep_done = d.m.repo(&dep).is_some_and(|x| match kind {
                Promotion::Staging => x.state == RepoState::Staged,
                Promotion::Ship => x.shas.shipped.is_some(),
            });
            if dep_done {
                continue;
            }
            match merging.iter().find(|(n, _)| n == &dep) {
                Some((_, id)) => after.push(*id),
                None => deps_ready = false,
            }
        }
        let step = if kind == Promotion::Staging {
            "staging"
        } else {
            "its base"
        };
        match d.o.open_pull(&r.name, &head, &base).cloned() {
            None => {
                d.act(
                    Action::OpenPullRequest {
                        repo: r.name.clone(),
                        head: head.clone(),
                        base: base.clone(),
                        title: format!("convoy {}: promote {head} to {base}", d.m.id),
                        body: format!("{}\n\nRelease **{}**: promotes `{head}` ({}) to `{base}`. Opened by convoy; it merges this pull request itself, pinned to the validated SHA.", report::marker(&d.m.id), d.m.title, pin.short()),
                    },
                    format!("promote {} to {step}", r.name),
                    vec![],
                );
                d.wait(
                    Owner::Ci,
                    format!(
                        "the {head} → {base} pull request of {} to open and be merged",
                        r.name
                    ),
                );
            }
            Some(pr) if pr.mergeable == Some(false) => {
                let files = if pr.conflict_files.is_empty() {
                    String::from("see the pull request")
                } else {
                    pr.conflict_files.join(", ")
                };
                d.escalate(
                    format!("conflict:{}:{}", r.name, pr.number),
                    format!("{}#{} ({head} → {base}) has conflicts ({files}); resolve them on `{head}` and convoy resumes by itself", r.name, pr.number),
                    Owner::Human,
                );
            }
            Some(pr) if pr.head_sha != pin => {
                d.wait(
                    Owner::Ci,
                    format!(
                        "{}#{} to show head {} (it shows {})",
                        r.name,
                        pr.number,
                        pin.short(),
                        pr.head_sha.short()
                    ),
                );
            }
            Some(pr) => {
                if !deps_ready {
                    d.wait(
                        Owner::Ci,
                        format!("{} to merge after its dependencies", r.name),
                    );
                    continue;
                }
                let id = d.act(
                    Action::MergePullRequest {
                        repo: r.name.clone(),
                        number: pr.number,
                        sha: pin.clone(),
                        method,
                    },
                    format!("merge {} into {step}, pinned to {}", r.name, pin.short()),
                    after,
                );
                if let Some(id) = id {
                    merging.push((name.clone(), id));
                }
            }
        }
    }
}

fn sync_shipping(d: &mut Draft<'_>) {
    let any_shipped = d.m.repos.iter().any(|r| r.shas.shipped.is_some());
    for i in 0..d.m.repos.len() {
        let r = d.m.repos[i].clone();
        if r.shas.shipped.is_none() && !any_shipped {
            let rc_now = d.o.head(&r.name, &r.rc_branch);
            let staging_now = d.o.head(&r.name, &r.staging);
            if rc_now.is_some() && rc_now != r.shas.rc_head.as_ref() {
                d.m.repos[i].state = RepoState::Promoting;
                d.m.repos[i].shas.staged = None;
                d.set_phase(
                    Phase::Staging,
                    "convoy",
                    format!(
                        "{} {} moved after validation; shipping waits until it is validated again",
                        r.name, r.rc_branch
                    ),
                );
                return;
            }
            if staging_now.is_some() && staging_now != r.shas.staged.as_ref() {
                d.set_phase(
                    Phase::Validation,
                    "convoy",
                    format!(
                        "{} {} moved after validation; shipping waits until it is validated again",
                        r.name, r.staging
                    ),
                );
                return;
            }
        }
        let Some(staged) = r.shas.staged.clone() else {
            continue;
        };
        let repo = &mut d.m.repos[i];
        if repo.shas.shipped.is_none() {
            let merged =
                d.o.pulls_between(&r.name, &r.staging, &r.base)
                    .find(|p| p.state == PullState::Merged && p.head_sha == staged)
                    .map(|p| (p.number, p.merge_commit_sha.clone()));
            let base_now = d.o.head(&r.name, &r.base).cloned();
            if base_now.as_ref() == Some(&staged) {
                repo.shas.shipped = base_now;
                repo.state = RepoState::Merged;
                d.log(
                    "convoy",
                    "repo_merged",
                    None,
                    Some(staged.to_string()),
                    format!(
                        "{} {} already holds the validated {}",
                        r.name,
                        r.base,
                        staged.short()
                    ),
                );
            } else if let Some((number, sha)) = merged {
                repo.prs.ship = Some(number);
                repo.shas.shipped = sha.or_else(|| d.o.head(&r.name, &r.base).cloned());
                repo.state = RepoState::Merged;
                let to = repo.shas.shipped.as_ref().map(|s| s.to_string());
                d.log(
                    "convoy",
                    "repo_merged",
                    None,
                    to,
                    format!("{} {} merged into {}", r.name, r.staging, r.base),
                );
            } else if let Some(pr) = d.o.open_pull(&r.name, &r.staging, &r.base) {
                repo.prs.ship = Some(pr.number);
                repo.state = if pr.mergeable == Some(false) {
                    RepoState::Conflict
                } else {
                    RepoState::Shipping
                };
            }
        }
        let repo = &mut d.m.repos[i];
        if let Some(shipped) = &repo.shas.shipped {
            let released =
                d.o.releases
                    .iter()
                    .any(|x| x.repo == r.name && x.tag == d.m.tag);
            let fast_forwarded = d.m.policy.ship.merge_method != MergeMethod::Merge
                || d.o.head(&r.name, &r.staging) == Some(shipped);
            if released && fast_forwarded && repo.state != RepoState::Shipped {
                repo.state = RepoState::Shipped;
                d.log(
                    "convoy",
                    "repo_shipped",
                    None,
                    Some(d.m.tag.clone()),
                    format!("{} tagged {} and released", r.name, d.m.tag),
                );
            }
        }
    }
}

fn plan_shipping(d: &mut Draft<'_>) {
    let method = d.m.policy.ship.merge_method;
    promote(d, Promotion::Ship, method);
    for r in d.m.repos.clone() {
        let Some(shipped) = r.shas.shipped.clone() else {
            continue;
        };
        let notes = report::release_notes(&d.m, &r.name);
        let tag = d.m.tag.clone();
        let release = d.act(
            Action::CreateRelease {
                repo: r.name.clone(),
                tag: tag.clone(),
                sha: shipped.clone(),
                name: format!("{} {}", d.m.title, tag),
                body: notes,
            },
            format!("tag {} {} and publish its release", r.name, tag),
            vec![],
        );
        if method == MergeMethod::Merge {
            d.act(
                Action::UpdateBranch {
                    repo: r.name.clone(),
                    branch: r.staging.clone(),
                    sha: shipped,
                    force: false,
                },
                format!("fast-forward {} {} to the shipped merge", r.name, r.staging),
                release.into_iter().collect(),
            );
        }
    }
}

/// Aborted or rolled back: close promotion PRs, reset staging, revert what shipped.
fn plan_undo(d: &mut Draft<'_>) {
    let mut previous: Option<usize> = None;
    for name in d.graph.rollback_order() {
        let Some(r) = d.m.repo(&name).cloned() else {
            continue;
        };
        for (head, base) in [(&r.rc_branch, &r.staging), (&r.staging, &r.base)] {
            if let Some(pr) = d.o.open_pull(&r.name, head, base) {
                let number = pr.number;
                d.act(
                    Action::ClosePullRequest {
                        repo: r.name.clone(),
                        number,
                    },
                    format!("the release stopped; close {}#{number}", r.name),
                    vec![],
                );
            }
        }
        if let Some(shipped) = r.shas.shipped.clone() {
            let revert = revert_branch(&d.m.id);
            if r.state == RepoState::Reverted && d.o.head(&r.name, &revert).is_some() {
                d.act(
                    Action::DeleteBranch {
                        repo: r.name.clone(),
                        branch: revert,
                    },
                    format!(
                        "the revert of {} merged; its branch is no longer needed",
                        r.name
                    ),
                    vec![],
                );
            } else if d.m.phase == Phase::RolledBack && r.state != RepoState::Reverted {
                let id = d.act(
                    Action::RevertMerge {
                        repo: r.name.clone(),
                        branch: r.base.clone(),
                        merge_sha: shipped,
                        revert_branch: revert_branch(&d.m.id),
                        title: format!("convoy {}: revert the release on {}", d.m.id, r.base),
                    },
                    format!("roll back {} in reverse dependency order", r.name),
                    previous.into_iter().collect(),
                );
                previous = id.or(previous);
            }
        } else if let Some(before) = r.shas.staging_before.clone() {
            d.act(
                Action::UpdateBranch {
                    repo: r.name.clone(),
                    branch: r.staging.clone(),
                    sha: before.clone(),
                    force: true,
                },
                format!(
                    "reset {} {} to {} (its head before the release)",
                    r.name,
                    r.staging,
                    before.short()
                ),
                vec![],
            );
        }
    }
}

fn sync_reverts(d: &mut Draft<'_>) {
    if d.m.phase != Phase::RolledBack {
        return;
    }
    let branch = revert_branch(&d.m.id);
    for i in 0..d.m.repos.len() {
        let r = &d.m.repos[i];
        if r.shas.shipped.is_some()
            && r.state != RepoState::Reverted
            && d.o
                .pulls_between(&r.name, &branch, &r.base)
                .any(|p| p.state == PullState::Merged)
        {
            let name = r.name.clone();
            d.m.repos[i].state = RepoState::Reverted;
            d.log(
                "convoy",
                "repo_reverted",
                None,
                None,
                format!("{name}: the release was reverted"),
            );
        }
    }
}

/// The branch revert pull requests of a release come from.
pub(super) fn revert_branch(id: &crate::model::ids::ReleaseId) -> BranchName {
    BranchName::parse(&format!("convoy/revert-{id}"))
        .unwrap_or_else(|_| unreachable!("a release id is a safe ref component"))
}

/// Keeps the tracking issue's body equal to the release's current report.
pub(super) fn plan_tracking_issue(d: &mut Draft<'_>) {
    let body = report::tracking_body(&d.m, &d.waits);
    let title = report::tracking_title(&d.m);
    d.act(
        Action::UpsertTrackingIssue {
            repo: d.m.control_repo.clone(),
            number: d.m.tracking_issue,
            title,
            body,
        },
        "keep the tracking issue current",
        vec![],
    );
}
