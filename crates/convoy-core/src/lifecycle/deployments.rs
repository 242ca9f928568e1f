//! GitHub deployments of each member repo's promotions (with `deployments` in the policy).
//!
//! From the decided manifest, each repo's wanted deployments follow:
//!
//! | promotion | SHA | status |
//! |---|---|---|
//! | staging | the staged SHA | `in_progress` while the tiers run on it, `failure` when the latest tier run on it failed, `success` once the release ships, `inactive` after an abort or a rollback, or once a newer staged SHA replaced it |
//! | production | the shipped merge | `in_progress` until the repo is tagged and released, `success` then, `inactive` after a rollback |
//!
//! A status that differs from the one recorded ([`DeploymentRecord`]) is planned and recorded
//! in the same decision (so it is written ahead: of two runs at once only one gives it), with
//! `reported: false` until GitHub has it ([`record`], from the executed actions). A status not
//! reported yet is planned again by the next decision; one GitHub refused is not.

use super::action::{Action, ActionOutcome, Executed};
use super::draft::Draft;
use super::phases::status_line;
use crate::model::deployment::{DeploymentRecord, DeploymentState, Deployments, Stage};
use crate::model::history::HistoryEvent;
use crate::model::ids::{RepoName, Sha};
use crate::model::manifest::{
    HistoryEntry, Phase, ReleaseManifest, ReleaseRepo, RepoState, RunKind, RunStatus,
};
use crate::model::time::Timestamp;

/// Plans the deployment statuses the release's state calls for.
pub(super) fn plan(d: &mut Draft<'_>) {
    let Some(envs) = d.m.policy.deployments.clone() else {
        return;
    };
    let log_url =
        d.m.tracking_issue
            .map(|n| d.o.web.issue(&d.m.control_repo, n));
    for i in 0..d.m.repos.len() {
        for (stage, sha, state) in wanted(&d.m, &d.m.repos[i]) {
            plan_one(d, &envs, i, stage, &sha, state, log_url.clone());
        }
    }
}

/// The (stage, SHA, status) each of the repo's deployments should have now.
fn wanted(m: &ReleaseManifest, r: &ReleaseRepo) -> Vec<(Stage, Sha, DeploymentState)> {
    let mut out = Vec::new();
    let staged = r.shas.staged.as_ref();
    // Staging deployments of SHAs staging no longer holds for this release are over.
    for old in r.deployments.iter().filter(|x| x.stage == Stage::Staging) {
        if Some(&old.sha) != staged && old.state != DeploymentState::Failure {
            out.push((Stage::Staging, old.sha.clone(), DeploymentState::Inactive));
        }
    }
    if let Some(staged) = staged {
        let state = match m.phase {
            Phase::Aborted | Phase::RolledBack => DeploymentState::Inactive,
            Phase::Shipping | Phase::Shipped => DeploymentState::Success,
            Phase::Planning | Phase::Development | Phase::Staging | Phase::Validation => {
                tier_state(m, &r.name, staged)
            }
        };
        out.push((Stage::Staging, staged.clone(), state));
    }
    if let Some(shipped) = &r.shas.shipped {
        let state = if m.phase == Phase::RolledBack || r.state == RepoState::Reverted {
            DeploymentState::Inactive
        } else if r.state == RepoState::Shipped {
            DeploymentState::Success
        } else {
            DeploymentState::InProgress
        };
        out.push((Stage::Production, shipped.clone(), state));
    }
    out
}

/// `failure` when the latest tier run on the repo's staged SHA failed, else `in_progress`.
fn tier_state(m: &ReleaseManifest, repo: &RepoName, staged: &Sha) -> DeploymentState {
    let latest = m
        .tier_runs
        .iter()
        .filter(|t| t.kind == RunKind::Tier && !t.superseded && t.shas.get(repo) == Some(staged))
        .max_by_key(|t| t.dispatched_at);
    match latest {
        Some(t)
            if t.status == RunStatus::Completed && !t.conclusion.is_some_and(|c| c.passed()) =>
        {
            DeploymentState::Failure
        }
        _ => DeploymentState::InProgress,
    }
}

fn plan_one(
    d: &mut Draft<'_>,
    envs: &Deployments,
    i: usize,
    stage: Stage,
    sha: &Sha,
    state: DeploymentState,
    log_url: Option<String>,
) {
    let r = &d.m.repos[i];
    let known = r
        .deployments
        .iter()
        .position(|x| x.stage == stage && &x.sha == sha);
    let record = known.map(|k| &r.deployments[k]);
    if let Some(x) = record
        && (x.refusal.is_some() || (x.state == state && x.reported))
    {
        return;
    }
    // An `inactive` status for a deployment never made would make one just to retire it.
    if record.is_none() && state == DeploymentState::Inactive {
        return;
    }
    let environment = record.map_or_else(
        || envs.environment(stage).clone(),
        |x| x.environment.clone(),
    );
    let action = Action::Deploy {
        repo: r.name.clone(),
        stage,
        environment: environment.clone(),
        sha: sha.clone(),
        state,
        deployment: record.and_then(|x| x.id),
        release: d.m.id.clone(),
        description: status_line(&description(&d.m, r, stage, state)),
        log_url,
    };
    let why = format!(
        "record {} {} of {} as {state}",
        r.name,
        stage.as_str(),
        sha.short()
    );
    if d.act(action, why, vec![]).is_none() {
        return;
    }
    let repo = &mut d.m.repos[i];
    match known {
        Some(k) => {
            let x = &mut repo.deployments[k];
            if x.state != state {
                x.state = state;
                x.reported = false;
            }
        }
        None => repo.deployments.push(DeploymentRecord {
            stage,
            environment,
            sha: sha.clone(),
            state,
            reported: false,
            id: None,
            refusal: None,
        }),
    }
}

/// The status's one line.
fn description(
    m: &ReleaseManifest,
    r: &ReleaseRepo,
    stage: Stage,
    state: DeploymentState,
) -> String {
    let id = &m.id;
    match (stage, state) {
        (Stage::Staging, DeploymentState::InProgress) => {
            format!("Release {id}: staged; the tiers run on this SHA")
        }
        (Stage::Staging, DeploymentState::Failure) => {
            format!("Release {id}: a tier failed on this SHA")
        }
        (Stage::Staging, DeploymentState::Success) => {
            format!("Release {id}: every required tier passed on this SHA")
        }
        (Stage::Production, DeploymentState::InProgress) => {
            format!("Release {id}: merged into {}; tagging {}", r.base, m.tag)
        }
        (Stage::Production, DeploymentState::Success) => {
            format!("Release {id} shipped as {}", m.tag)
        }
        (Stage::Production, DeploymentState::Failure) => {
            format!("Release {id}: shipping failed")
        }
        (_, DeploymentState::Inactive) => match m.phase {
            Phase::Aborted => format!("Release {id} was aborted"),
            Phase::RolledBack => format!("Release {id} was rolled back"),
            _ => format!("Release {id}: replaced by a newer staged SHA"),
        },
    }
}

/// Records what GitHub answered to the deployment statuses given: reported (with the
/// deployment's id), or refused (then no more statuses are given to that deployment).
pub(super) fn record(m: &mut ReleaseManifest, executed: &[Executed], at: Timestamp) {
    for e in executed {
        let Action::Deploy {
            repo,
            stage,
            sha,
            state,
            ..
        } = &e.planned.action
        else {
            continue;
        };
        let Some(r) = m.repos.iter_mut().find(|r| &r.name == repo) else {
            continue;
        };
        let Some(x) = r
            .deployments
            .iter_mut()
            .find(|x| x.stage == *stage && &x.sha == sha)
        else {
            continue;
        };
        if x.state != *state {
            continue;
        }
        match &e.outcome {
            ActionOutcome::Deployed { id } => {
                x.reported = true;
                x.id = Some(*id);
            }
            ActionOutcome::Done { .. } | ActionOutcome::AlreadyDone => x.reported = true,
            ActionOutcome::Refused { reason } => {
                x.refusal = Some(reason.clone());
                let detail = format!(
                    "{repo}: GitHub refused the {} deployment of {} ({reason}); convoy records no more statuses for it",
                    stage.as_str(),
                    sha.short()
                );
                m.history.push(HistoryEntry {
                    at,
                    actor: "convoy".to_owned(),
                    event: HistoryEvent::DeploymentRefused,
                    from: None,
                    to: Some(state.as_str().to_owned()),
                    detail,
                });
            }
            _ => {}
        }
    }
}
