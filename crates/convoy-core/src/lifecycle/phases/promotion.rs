//! Promotion: RC → staging and staging → base pull requests, merged wave by wave and pinned;
//! tags, releases and the staging fast-forward.

use super::protected;
use super::queue;
use super::status_line;
use crate::lifecycle::action::Action;
use crate::lifecycle::draft::Draft;
use crate::lifecycle::markdown;
use crate::lifecycle::observed::{PullState, StatusState};
use crate::lifecycle::table::Owner;
use crate::model::config::OnPartial;
use crate::model::history::HistoryEvent;
use crate::model::ids::RepoName;
use crate::model::manifest::{Phase, RepoState};
use crate::model::marker::Marker;
use crate::model::numbers::PullNumber;

/// The commit status convoy sets on promotion pull request heads: pending, naming the
/// dependencies it waits for, while any of them has not merged (even one convoy is merging in
/// the same run: its merge may be refused); success only when convoy is about to merge it, once
/// its dependencies merged (the validated SHA for a ship); failure while it conflicts. Branch
/// protection can require it so that only convoy's validated SHAs merge, in dependency order.
pub const RELEASE_STATUS: &str = "convoy/release";

pub(super) fn sync_staging(d: &mut Draft<'_>) {
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
                HistoryEvent::RcMoved,
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
                    HistoryEvent::StagingMoved,
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
            track_open_pull(repo, pr, RepoState::Promoting);
        } else {
            repo.state = RepoState::Promoting;
        }
        if repo.state == RepoState::Staged {
            repo.note = None;
            repo.review = None;
            let staged = repo.shas.staged.as_ref().map(|s| s.to_string());
            d.log(
                "convoy",
                HistoryEvent::RepoStaged,
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

/// The state of a repo whose promotion pull request `pr` is open: in conflict while GitHub says
/// it cannot merge (the note lists the files); still blocked after a refused merge, or awaiting
/// review, until it merges or GitHub answers otherwise (convoy retries on every run); otherwise
/// `open_state`.
fn track_open_pull(
    repo: &mut crate::model::manifest::ReleaseRepo,
    pr: &crate::lifecycle::observed::ObservedPull,
    open_state: RepoState,
) {
    if pr.mergeable == Some(false) {
        repo.state = RepoState::Conflict;
        repo.note = Some(format!(
            "#{} has conflicts with `{}`{}",
            pr.number,
            pr.base,
            conflict_list(&pr.conflict_files)
        ));
    } else if !matches!(repo.state, RepoState::Blocked | RepoState::AwaitingReview) {
        repo.state = open_state;
        if repo
            .note
            .as_deref()
            .is_some_and(|n| n.contains("conflicts"))
        {
            repo.note = None;
        }
    }
}

fn conflict_list(files: &[String]) -> String {
    if files.is_empty() {
        String::new()
    } else {
        format!(
            " in {}",
            files
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Opens and merges RC → staging pull requests, wave by wave.
pub(super) fn plan_staging(d: &mut Draft<'_>) {
    promote(d, Promotion::Staging);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Promotion {
    Staging,
    Ship,
}

/// Plans the pull requests of one promotion for every repo not done yet: open when missing,
/// merge (pinned) once the repo's dependencies are done or merge in this same plan.
fn promote(d: &mut Draft<'_>, kind: Promotion) {
    queue::forget_landed(d);
    let mut merging: Vec<(RepoName, usize)> = Vec::new();
    let shipped_any = d.m.repos.iter().any(|r| r.shas.shipped.is_some());
    // A ship pull request that must be brought up to date gets a new head, which is validated
    // again before anything ships: no repo merges meanwhile, so none is left half-shipped.
    let updating = kind == Promotion::Ship && !shipped_any && protected::any_ship_behind(d);
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
        let mut unmerged: Vec<String> = Vec::new();
        for dep in d.graph.dependencies_of(&name).cloned().collect::<Vec<_>>() {
            let dep_done = d.m.repo(&dep).is_some_and(|x| match kind {
                Promotion::Staging => x.state == RepoState::Staged,
                Promotion::Ship => x.shas.shipped.is_some(),
            });
            if dep_done {
                continue;
            }
            unmerged.push(dep.to_string());
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
                        body: format!("{}\n\nRelease **{}**: promotes `{head}` ({}) to `{base}`. Opened by convoy; it merges this pull request itself, pinned to the validated SHA.", Marker::Release(d.m.id.clone()), markdown::escape(&d.m.title), pin.short()),
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
                let files = conflict_list(&pr.conflict_files);
                let short = pr.head_sha.short();
                let marker = Marker::conflict(&pr.head_sha);
                d.act(
                    Action::SetCommitStatus {
                        repo: r.name.clone(),
                        sha: pr.head_sha.clone(),
                        context: RELEASE_STATUS.to_owned(),
                        state: StatusState::Failure,
                        description: status_line(&format!(
                            "conflicts with {base}; resolve them on {head}"
                        )),
                    },
                    format!("{}#{} cannot merge", r.name, pr.number),
                    vec![],
                );
                d.act(
                    Action::Comment {
                        repo: r.name.clone(),
                        issue: pr.number.into(),
                        marker: marker.content(),
                        body: format!(
                            "{marker}\nThis pull request ({head} → {base}, head {short}) has conflicts{files}.\n\nResolve them with a commit on `{head}` (for instance, merge `{base}` into `{head}` and fix the files). convoy sees the new head, promotes it and resumes by itself."
                        ),
                    },
                    format!("tell {} which files conflict", r.name),
                    vec![],
                );
                d.escalate(
                    format!("conflict:{}:{}", r.name, pr.number),
                    format!("{}#{} ({head} → {base}) has conflicts{files}; resolve them on `{head}` and convoy resumes by itself", r.name, pr.number),
                    Owner::Human,
                );
            }
            Some(pr) if pr.behind && pr.head_sha == pin => {
                let validated_again = kind == Promotion::Staging || !shipped_any;
                protected::behind(d, &r, &pr, validated_again);
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
                // Pending while a dependency has not merged, even one merging in this plan:
                // its merge may be refused, and a person must not merge this one first.
                if !unmerged.is_empty() {
                    d.act(
                        Action::SetCommitStatus {
                            repo: r.name.clone(),
                            sha: pin.clone(),
                            context: RELEASE_STATUS.to_owned(),
                            state: StatusState::Pending,
                            description: status_line(&format!(
                                "waits for {} to merge into {}",
                                unmerged.join(", "),
                                if kind == Promotion::Staging {
                                    "staging"
                                } else {
                                    "their base"
                                }
                            )),
                        },
                        format!("{}#{} waits for {}", r.name, pr.number, unmerged.join(", ")),
                        vec![],
                    );
                }
                if !deps_ready {
                    d.wait(
                        Owner::Ci,
                        format!("{} to merge after {}", r.name, unmerged.join(", ")),
                    );
                    continue;
                }
                if updating {
                    d.wait(
                        Owner::Ci,
                        format!(
                            "{} to merge once every ship pull request is up to date and validated",
                            r.name
                        ),
                    );
                    continue;
                }
                if r.state == RepoState::Blocked {
                    blocked(d, &r, pr.number);
                }
                if r.state == RepoState::AwaitingReview
                    && let Some(i) = d.m.repos.iter().position(|x| x.name == r.name)
                {
                    protected::awaiting_review(d, i, pr.number);
                }
                let description = status_line(&match kind {
                    Promotion::Staging => format!("convoy promotes {} to {base}", pin.short()),
                    Promotion::Ship => format!("validated on {}; convoy ships it", pin.short()),
                });
                // Success only once every dependency merged: `after` their merges.
                let status = d.act(
                    Action::SetCommitStatus {
                        repo: r.name.clone(),
                        sha: pin.clone(),
                        context: RELEASE_STATUS.to_owned(),
                        state: StatusState::Success,
                        description,
                    },
                    format!("{}#{} may merge", r.name, pr.number),
                    after.clone(),
                );
                after.extend(status);
                if queue::required(&r, &base) {
                    queue::through_queue(d, &r, pr.number, &base, &pin, after);
                    continue;
                }
                let method = d.m.merge_method(&r);
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

/// A refused merge: escalated (once per cause), saying what a person must do, while convoy
/// keeps trying the merge on every run.
/// During shipping with other repos already merged, this is a partial ship; `ship.on_partial:
/// rollback` takes over in [`partial_ship_rollback`] before planning gets here.
fn blocked(d: &mut Draft<'_>, r: &crate::model::manifest::ReleaseRepo, number: PullNumber) {
    let why = r
        .note
        .clone()
        .unwrap_or_else(|| format!("#{number} cannot merge"));
    let merged: Vec<String> =
        d.m.repos
            .iter()
            .filter(|x| x.shas.shipped.is_some())
            .map(|x| x.name.to_string())
            .collect();
    let reason = if d.m.phase == Phase::Shipping && !merged.is_empty() {
        format!(
            "shipping stopped partway: {} merged, but {} {why}. ship.on_partial is hold: convoy keeps what merged and tries {} again on every run; a person must remove the cause GitHub names (convoy cannot), or answer `/convoy rollback`",
            merged.join(", "),
            r.name,
            r.name
        )
    } else {
        format!(
            "{} {why}. A person must remove the cause GitHub names (convoy cannot); convoy tries the merge again on every run and carries on once GitHub accepts it",
            r.name
        )
    };
    d.escalate(format!("blocked:{}:{number}", r.name), reason, Owner::Human);
}

/// With `ship.on_partial: rollback`, a repo that cannot merge while others already merged turns
/// the release to `rolled_back`: what merged is reverted in reverse dependency order and the
/// rest is reset. Returns whether it did.
pub(super) fn partial_ship_rollback(d: &mut Draft<'_>) -> bool {
    if d.m.policy.ship.on_partial != OnPartial::Rollback {
        return false;
    }
    let merged: Vec<String> =
        d.m.repos
            .iter()
            .filter(|r| r.shas.shipped.is_some())
            .map(|r| r.name.to_string())
            .collect();
    let stuck: Vec<String> =
        d.m.repos
            .iter()
            .filter(|r| matches!(r.state, RepoState::Blocked | RepoState::Conflict))
            .map(|r| {
                format!(
                    "{} ({})",
                    r.name,
                    r.note.as_deref().unwrap_or("cannot merge")
                )
            })
            .collect();
    if merged.is_empty() || stuck.is_empty() {
        return false;
    }
    d.set_phase(
        Phase::RolledBack,
        "convoy",
        format!(
            "shipping stopped partway: {} merged, but {} cannot; ship.on_partial is rollback, so what merged is reverted",
            merged.join(", "),
            stuck.join(", ")
        ),
    );
    true
}

pub(super) fn sync_shipping(d: &mut Draft<'_>) {
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
                    HistoryEvent::RepoMerged,
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
                    HistoryEvent::RepoMerged,
                    None,
                    to,
                    format!("{} {} merged into {}", r.name, r.staging, r.base),
                );
            } else if let Some(pr) = d.o.open_pull(&r.name, &r.staging, &r.base) {
                repo.prs.ship = Some(pr.number);
                repo.shas.shipped_onto = base_now;
                track_open_pull(repo, pr, RepoState::Shipping);
            }
        }
        if d.m.repos[i].state == RepoState::Merged {
            d.m.repos[i].note = None;
            d.m.repos[i].review = None;
        }
        let now = d.m.repos[i].clone();
        if let Some(shipped) = &now.shas.shipped {
            let released =
                d.o.releases
                    .iter()
                    .any(|x| x.repo == r.name && x.tag == d.m.tag);
            let reconciled = super::methods::staging_reconciled(d, &now, shipped);
            let repo = &mut d.m.repos[i];
            if released && reconciled && repo.state != RepoState::Shipped {
                repo.state = RepoState::Shipped;
                d.log(
                    "convoy",
                    HistoryEvent::RepoShipped,
                    None,
                    Some(d.m.tag.clone()),
                    format!("{} tagged {} and released", r.name, d.m.tag),
                );
            }
        }
    }
}

pub(super) fn plan_shipping(d: &mut Draft<'_>) {
    promote(d, Promotion::Ship);
    for r in d.m.repos.clone() {
        let Some(shipped) = r.shas.shipped.clone() else {
            continue;
        };
        let notes = markdown::release_notes(&d.m, &r.name);
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
        super::methods::plan_realign_staging(d, &r, release.into_iter().collect());
    }
}
