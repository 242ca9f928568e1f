//! What one release needs to know beyond its own repos' branches and pull requests, read only
//! when it matters:
//!
//! - [`staging_holders`]: the other releases holding a staging branch this release shares,
//!   read from their manifests only when this release is about to enter staging;
//! - [`observe_task_pulls`]: during development, the `convoy/release` statuses and convoy's
//!   comment markers on the open pull requests of deferred and carried-over tasks, so `decide`
//!   plans those notices only while they are missing.

use futures::future::try_join_all;

use super::client::{GhError, GitHub};
use super::observe::comment_markers;
use super::store::{ManifestStore, StoreError};
use crate::lifecycle::observed::{Observed, ObservedStatus, StagingHold};
use crate::model::ids::{RepoName, Sha};
use crate::model::manifest::{Phase, ReleaseManifest, TaskStatus};
use crate::model::numbers::PullNumber;

/// The releases other than `m` in `staging`, `validation` or `shipping` that share a repo and
/// its staging branch with `m`: one list request and one load per other release.
pub async fn staging_holders(
    gh: &GitHub,
    store: &ManifestStore,
    m: &ReleaseManifest,
) -> Result<Vec<StagingHold>, StoreError> {
    let ids: Vec<_> = store
        .list(gh)
        .await?
        .into_iter()
        .filter(|id| id != &m.id)
        .collect();
    let others = try_join_all(ids.iter().map(|id| store.load(gh, id))).await?;
    let mut holds = Vec::new();
    for other in others.into_iter().flatten().map(|s| s.manifest) {
        if !matches!(
            other.phase,
            Phase::Staging | Phase::Validation | Phase::Shipping
        ) {
            continue;
        }
        for r in &other.repos {
            if m.repos
                .iter()
                .any(|mine| mine.name == r.name && mine.staging == r.staging)
            {
                holds.push(StagingHold {
                    release: other.id.clone(),
                    repo: r.name.clone(),
                    branch: r.staging.clone(),
                    phase: other.phase,
                    locked: false,
                });
            }
        }
    }
    Ok(holds)
}

/// During development, adds to `o` the latest `convoy/release` status of the head of every open
/// pull request of a deferred or carried-over task (into this release's RC branch), and the
/// convoy comment markers on those of deferred tasks.
pub async fn observe_task_pulls(
    gh: &GitHub,
    m: &ReleaseManifest,
    o: &mut Observed,
) -> Result<(), GhError> {
    if m.phase != Phase::Development {
        return Ok(());
    }
    let mut heads: Vec<(RepoName, Sha)> = Vec::new();
    let mut commented: Vec<(RepoName, PullNumber)> = Vec::new();
    for task in &m.tasks {
        let deferred = task.status == TaskStatus::Deferred;
        if !deferred && task.carried_from.is_none() {
            continue;
        }
        let Some(rc) = m.repo(&task.repo).map(|r| &r.rc_branch) else {
            continue;
        };
        for p in o.open_task_pulls(task, rc) {
            let head = (p.repo.clone(), p.head_sha.clone());
            if !heads.contains(&head) {
                heads.push(head);
            }
            if deferred && !commented.contains(&(p.repo.clone(), p.number)) {
                commented.push((p.repo.clone(), p.number));
            }
        }
    }
    let statuses = try_join_all(
        heads
            .iter()
            .map(|(repo, sha)| latest_status(gh, repo, sha, crate::lifecycle::RELEASE_CONTEXT)),
    );
    let comments = try_join_all(
        commented
            .iter()
            .map(|(repo, n)| comment_markers(gh, repo, (*n).into())),
    );
    let (statuses, comments) = futures::try_join!(statuses, comments)?;
    for s in statuses.into_iter().flatten() {
        if !o.statuses.contains(&s) {
            o.statuses.push(s);
        }
    }
    for c in comments.into_iter().flatten() {
        if !o.comments.contains(&c) {
            o.comments.push(c);
        }
    }
    Ok(())
}

/// The latest status of `context` on `sha`.
async fn latest_status(
    gh: &GitHub,
    repo: &RepoName,
    sha: &Sha,
    context: &str,
) -> Result<Option<ObservedStatus>, GhError> {
    let latest = gh.repo(repo).latest_status(sha, context).await?;
    Ok(latest.and_then(|s| {
        Some(ObservedStatus {
            repo: repo.clone(),
            sha: sha.clone(),
            context: context.to_owned(),
            state: s.known_state()?,
            description: s.description.clone().unwrap_or_default(),
        })
    }))
}
