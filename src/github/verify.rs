//! What `convoy verify` reads of GitHub, and nothing else: per member repo of the lock its base
//! head, the ship and validated commits (Git data API), how they relate (compare API) and its
//! GitHub release of the tag; per tier the run the lock names. Five requests per repo as a rule
//! (at most seven) and one per tier, repos in parallel. The judgement is [`crate::verify`].

use futures::future::try_join_all;

use super::client::{GhError, GitHub};
use super::rest::actions::Run;
use super::rest::compare::Comparison;
use super::rest::git::GitCommit;
use crate::model::lock::{Lock, LockedRepo, LockedTier, ShipMethod};
use crate::verify::facts::{
    CommitFacts, Facts, Relation, RepoFacts, RunFacts, RunSeen, base_before,
};

fn commit(c: GitCommit) -> CommitFacts {
    CommitFacts {
        tree: c.tree(),
        parents: c.parents(),
    }
}

fn relation(c: &Comparison) -> Relation {
    Relation {
        status: c.status.clone().unwrap_or_default(),
        ahead_by: c.ahead_by.unwrap_or(0),
        behind_by: c.behind_by.unwrap_or(0),
    }
}

async fn read_repo(gh: &GitHub, lock: &Lock, r: &LockedRepo) -> Result<RepoFacts, GhError> {
    let api = gh.repo(&r.name);
    let ship = r.ship.sha.as_str();
    let staged = r.staged.as_str();
    let base_head = api.branch_head(&r.base).await?;
    let shipped_to_base = match &base_head {
        Some(head) if head.as_str() != ship => api
            .compare_opt(ship, head.as_str())
            .await?
            .map(|c| relation(&c)),
        Some(_) => Some(Relation {
            status: "identical".to_owned(),
            ahead_by: 0,
            behind_by: 0,
        }),
        None => None,
    };
    let shipped = api.git_commit_opt(ship).await?.map(commit);
    let staged_commit = if staged == ship {
        shipped.clone()
    } else {
        api.git_commit_opt(staged).await?.map(commit)
    };
    // A rebase without the recorded base head: the merge base of the validated and shipped
    // commits stands in for it.
    let fallback = match (r.ship.method, &r.ship.onto) {
        (ShipMethod::Rebase, None) => api
            .compare_opt(staged, ship)
            .await?
            .and_then(|c| c.merge_base().map(str::to_owned)),
        _ => None,
    };
    let before = base_before(&r.ship, shipped.as_ref(), fallback.as_deref());
    let before_to_staged = match &before {
        Some(b) if b != staged => api.compare_opt(b, staged).await?.map(|c| relation(&c)),
        Some(_) => Some(Relation {
            status: "identical".to_owned(),
            ahead_by: 0,
            behind_by: 0,
        }),
        None => None,
    };
    let release_body = api
        .release_by_tag(&lock.tag)
        .await?
        .map(|rel| rel.body.unwrap_or_default());
    Ok(RepoFacts {
        name: r.name.clone(),
        base_head,
        shipped_to_base,
        shipped,
        staged: staged_commit,
        base_before: before,
        before_to_staged,
        release_body,
    })
}

fn seen(run: Run) -> RunSeen {
    RunSeen {
        status: run.status.clone().unwrap_or_default(),
        conclusion: run.conclusion.clone(),
        title: run.title().map(str::to_owned),
    }
}

async fn read_run(gh: &GitHub, t: &LockedTier) -> Result<Option<RunFacts>, GhError> {
    let Some(run_id) = t.run.run_id else {
        return Ok(None);
    };
    let found = gh.repo(&t.repo).run(run_id).await?;
    Ok(Some(RunFacts {
        tier: t.name.clone(),
        repo: t.repo.clone(),
        run_id,
        seen: found.map(seen),
    }))
}

/// Reads what GitHub shows of every repo and tier run of `lock` (the lock file's text is the
/// caller's to add).
pub async fn read(gh: &GitHub, lock: &Lock) -> Result<Facts, GhError> {
    let repos = try_join_all(lock.repos.iter().map(|r| read_repo(gh, lock, r))).await?;
    let runs = try_join_all(lock.tiers.iter().map(|t| read_run(gh, t)))
        .await?
        .into_iter()
        .flatten()
        .collect();
    Ok(Facts {
        lock_text: None,
        repos,
        runs,
    })
}
