//! Staging exclusivity through GitHub: the other releases' manifests, then the staging locks
//! (the pure part, names, claims and lapsing: [`crate::model::staging_lock`]).
//!
//! A release about to enter staging ([`enter`]) first reads the other manifests (a release in
//! `staging`, `validation` or `shipping` holds its staging branches), then takes one lock per
//! staging branch it needs, in the order every release takes them: it creates the lock branch
//! in the control repo (`POST …/git/refs`), which GitHub refuses with 422 "Reference already
//! exists" when another run created it first, or it hands over a lapsed lock (or renews its own
//! old one) with a commit on top of it, a fast-forward GitHub refuses (422 "Update is not a
//! fast forward") when another run moved it first. Nothing is written while a lock stands for
//! another release, nor on a dry run. Of several runs taking a lock at once exactly one
//! succeeds; the others report its holder, and their release waits.
//!
//! The run that takes a release out of `staging`, `validation` or `shipping` deletes its locks
//! right after that round's actions ([`release`]), after the manifest saying so was written. A
//! lock left behind (the run crashed) lapses and is handed over by the next release to need it.

use std::collections::BTreeMap;

use super::client::{GhError, GitHub};
use super::others::staging_holders;
use super::store::{ManifestStore, StoreError};
use crate::lifecycle::observed::StagingHold;
use crate::model::ids::{BranchName, ReleaseId, RepoName, Sha};
use crate::model::manifest::{Phase, ReleaseManifest};
use crate::model::staging_lock::{LOCK_PREFIX, LockClaim, StagingKey, may_release};
use crate::model::time::Timestamp;

/// Git's empty tree: lock commits hold no files, only their message.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// How often one run tries a lock that keeps changing hands under it.
const ATTEMPTS: usize = 3;

/// Why taking or releasing a staging lock failed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Reading the manifests, or GitHub, failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// GitHub refused a write of a lock branch (a rule covering it, a missing permission).
    #[error(
        "convoy cannot {what} its staging lock {branch} in {repo}: {source}; let convoy create, move and delete branches under {LOCK_PREFIX} in the control repo (a ruleset or branch protection covering them must let convoy's App bypass it)"
    )]
    Refused {
        /// `create`, `move` or `delete`.
        what: &'static str,
        /// The lock branch.
        branch: BranchName,
        /// The control repo.
        repo: RepoName,
        /// GitHub's answer.
        source: GhError,
    },
    /// The lock changed hands each time this run tried it.
    #[error(
        "the staging lock {branch} in {repo} changed hands {ATTEMPTS} times during this run; the next run tries again"
    )]
    Contended {
        /// The lock branch.
        branch: BranchName,
        /// The control repo.
        repo: RepoName,
    },
}

impl From<GhError> for LockError {
    fn from(e: GhError) -> Self {
        LockError::Store(StoreError::GitHub(e))
    }
}

/// The releases holding a staging branch `m` needs, from the other manifests and then the
/// locks; when there is none, `m`'s locks are taken (unless `dry_run`) and the answer is empty:
/// `m` may enter staging.
pub async fn enter(
    gh: &GitHub,
    store: &ManifestStore,
    m: &ReleaseManifest,
    now: Timestamp,
    dry_run: bool,
) -> Result<Vec<StagingHold>, LockError> {
    let holds = staging_holders(gh, store, m).await?;
    if !holds.is_empty() {
        return Ok(holds);
    }
    let mut taker = Taker {
        gh,
        store,
        m,
        now,
        keys: StagingKey::of(m),
        holders: BTreeMap::new(),
        made: Vec::new(),
        claims: Claims::default(),
    };
    taker.take(dry_run).await
}

/// Deletes the locks `m` holds, after the run that ended its hold on staging (at `ended_at`)
/// acted; nothing once half of the lapse time has passed (another release may have been handed
/// them). Returns how many it deleted; when a lock could not be deleted, the others still are,
/// and the first error is returned.
pub async fn release(
    gh: &GitHub,
    control: &RepoName,
    m: &ReleaseManifest,
    ended_at: Timestamp,
    now: Timestamp,
) -> Result<usize, LockError> {
    if !may_release(ended_at, now) {
        return Ok(0);
    }
    let heads = lock_heads(gh, control).await?;
    let mut claims = Claims::default();
    let mut released = 0;
    let mut failed = None;
    for key in StagingKey::of(m) {
        let branch = key.lock_branch();
        let Some(sha) = heads.get(&branch) else {
            continue;
        };
        if claims
            .of(gh, control, sha)
            .await?
            .is_none_or(|c| c.release != m.id)
        {
            continue;
        }
        // A lock that cannot be deleted does not keep the others: each is tried.
        match delete(gh, control, &branch).await {
            Ok(true) => released += 1,
            Ok(false) => {}
            Err(e) => failed = failed.or(Some(e)),
        }
    }
    failed.map_or(Ok(released), Err)
}

/// Deletes the lock `branch` of the control repo: `true` when this call deleted it, `false`
/// when it was gone. A server error or a dropped connection is tried again (up to
/// [`ATTEMPTS`] times in all): a lock left behind holds staging from the next release until it
/// lapses. A repeated delete is safe — a lost answer shows as "Reference does not exist" —
/// and the lock is still this release's, since no other release takes it before it lapses.
async fn delete(gh: &GitHub, control: &RepoName, branch: &BranchName) -> Result<bool, LockError> {
    let mut tries = 0;
    loop {
        tries += 1;
        match gh.repo(control).delete_branch(branch).await {
            Ok(()) => return Ok(true),
            Err(GhError::Unprocessable { message, .. }) if message.contains("does not exist") => {
                return Ok(false);
            }
            Err(e @ (GhError::Server { .. } | GhError::Transport { .. })) if tries < ATTEMPTS => {
                tracing::info!("deleting the staging lock {branch} failed ({e}); trying again");
            }
            Err(e) => return Err(refused("delete", branch, control, e)),
        }
    }
}

/// The claims of the lock commits read so far in a run (most locks of a release share one).
#[derive(Default)]
struct Claims(BTreeMap<Sha, Option<LockClaim>>);

impl Claims {
    /// What the commit `sha` of the control repo claims (`None`: it is no claim), read once.
    async fn of(
        &mut self,
        gh: &GitHub,
        control: &RepoName,
        sha: &Sha,
    ) -> Result<Option<LockClaim>, GhError> {
        if let Some(claim) = self.0.get(sha) {
            return Ok(claim.clone());
        }
        let claim = gh
            .repo(control)
            .git_commit_opt(sha.as_str())
            .await?
            .and_then(|c| LockClaim::parse(c.message()));
        self.0.insert(sha.clone(), claim.clone());
        Ok(claim)
    }
}

/// The lock branches in the control repo and their heads.
async fn lock_heads(gh: &GitHub, control: &RepoName) -> Result<BTreeMap<BranchName, Sha>, GhError> {
    Ok(gh
        .repo(control)
        .branch_heads_under(LOCK_PREFIX)
        .await?
        .into_iter()
        .map(|h| (h.branch, h.sha))
        .collect())
}

/// A refusal of a write as [`LockError::Refused`]; other failures (a server error, a lost
/// answer) as they are.
fn refused(what: &'static str, branch: &BranchName, repo: &RepoName, e: GhError) -> LockError {
    match e {
        GhError::Unprocessable { .. }
        | GhError::Denied { .. }
        | GhError::PermissionMissing { .. } => LockError::Refused {
            what,
            branch: branch.clone(),
            repo: repo.clone(),
            source: e,
        },
        other => other.into(),
    }
}

/// What stands on one lock branch, as read.
enum Found {
    /// No branch.
    Free,
    /// This release's claim, at `sha`.
    Mine {
        /// The lock commit.
        sha: Sha,
        /// What it says.
        claim: LockClaim,
    },
    /// Another release's claim that stands.
    Held(StagingHold),
    /// A claim that lapsed, or a commit that is no claim: handed over on top of `sha`.
    Lapsed {
        /// The lock commit.
        sha: Sha,
    },
}

/// One run taking a release's locks.
struct Taker<'a> {
    gh: &'a GitHub,
    store: &'a ManifestStore,
    m: &'a ReleaseManifest,
    now: Timestamp,
    /// The release's staging branches, in the order locks are taken.
    keys: Vec<StagingKey>,
    /// Other releases' manifests (`None`: none), read once per run.
    holders: BTreeMap<ReleaseId, Option<ReleaseManifest>>,
    /// The lock commits this run made, by parent (`None`: a first commit).
    made: Vec<(Option<Sha>, Sha)>,
    /// The lock commits read.
    claims: Claims,
}

impl Taker<'_> {
    /// Reads every lock; when none stands for another release, takes them in order. Returns the
    /// holds found (empty: every lock is this release's).
    async fn take(&mut self, dry_run: bool) -> Result<Vec<StagingHold>, LockError> {
        let heads = lock_heads(self.gh, &self.store.repo).await?;
        let mut holds = Vec::new();
        let mut found = Vec::new();
        for key in self.keys.clone() {
            match self.read(&key, heads.get(&key.lock_branch())).await? {
                Found::Held(h) => holds.push(h),
                other => found.push((key, other)),
            }
        }
        if !holds.is_empty() || dry_run {
            // In the manifest's order of repos, as people read them.
            holds.sort_by_key(|h| self.m.repos.iter().position(|r| r.name == h.repo));
            return Ok(holds);
        }
        for (key, state) in found {
            if let Some(h) = self.claim(&key, state).await? {
                // Taken by another run since the read: the rest is not tried.
                return Ok(vec![h]);
            }
        }
        Ok(Vec::new())
    }

    /// What stands on `key`'s lock, whose branch points at `head`.
    async fn read(&mut self, key: &StagingKey, head: Option<&Sha>) -> Result<Found, LockError> {
        let Some(sha) = head.cloned() else {
            return Ok(Found::Free);
        };
        let claim = self.claims.of(self.gh, &self.store.repo, &sha).await?;
        let Some(claim) = claim else {
            return Ok(Found::Lapsed { sha });
        };
        if claim.release == self.m.id {
            return Ok(Found::Mine { sha, claim });
        }
        self.load_holder(&claim.release).await?;
        let holder = self.holders.get(&claim.release).and_then(Option::as_ref);
        if claim.lapsed(holder, self.now) {
            tracing::info!(
                "the staging lock of {} held by release {} has lapsed; release {} takes it over",
                key.describe(),
                claim.release,
                self.m.id
            );
            return Ok(Found::Lapsed { sha });
        }
        Ok(Found::Held(StagingHold {
            release: claim.release.clone(),
            repo: key.repo.clone(),
            branch: key.branch.clone(),
            phase: holder.map_or(Phase::Staging, |h| h.phase),
            locked: true,
        }))
    }

    /// Reads the manifest of `id` into `holders`, once per run.
    async fn load_holder(&mut self, id: &ReleaseId) -> Result<(), LockError> {
        if !self.holders.contains_key(id) {
            let loaded = self.store.load(self.gh, id).await?.map(|s| s.manifest);
            self.holders.insert(id.clone(), loaded);
        }
        Ok(())
    }

    /// Takes `key`'s lock, found as `state`: `None` once this release holds it, else the hold
    /// of the release that took it first.
    async fn claim(
        &mut self,
        key: &StagingKey,
        mut state: Found,
    ) -> Result<Option<StagingHold>, LockError> {
        let branch = key.lock_branch();
        let control = self.store.repo.clone();
        for _ in 0..ATTEMPTS {
            let parent = match state {
                Found::Held(h) => return Ok(Some(h)),
                Found::Mine { claim, .. } if !claim.needs_refresh(self.now) => return Ok(None),
                Found::Mine { sha, .. } | Found::Lapsed { sha } => Some(sha),
                Found::Free => None,
            };
            let commit = self.commit(parent.as_ref()).await?;
            let repo = self.gh.repo(&control);
            let (what, written) = match &parent {
                None => ("create", repo.create_branch(&branch, &commit).await),
                Some(_) => ("move", repo.move_branch(&branch, &commit, false).await),
            };
            match written {
                Ok(()) => return Ok(None),
                // Another run created or moved it first (or deleted it): read it again.
                Err(GhError::Unprocessable { message, .. }) if lost_race(&message) => {
                    tracing::info!(
                        "the staging lock of {} changed under this run ({message}); reading it again",
                        key.describe()
                    );
                    let head = repo.branch_head(&branch).await?;
                    state = self.read(key, head.as_ref()).await?;
                }
                Err(e) => return Err(refused(what, &branch, &control, e)),
            }
        }
        Err(LockError::Contended {
            branch,
            repo: control,
        })
    }

    /// The lock commit of this release on `parent` (`None`: a first commit), made once per run.
    async fn commit(&mut self, parent: Option<&Sha>) -> Result<Sha, LockError> {
        if let Some((_, sha)) = self.made.iter().find(|(p, _)| p.as_ref() == parent) {
            return Ok(sha.clone());
        }
        let message = LockClaim {
            release: self.m.id.clone(),
            taken_at: self.now,
        }
        .message(&self.keys);
        let parents: Vec<&str> = parent.iter().map(|p| p.as_str()).collect();
        let made = self
            .gh
            .repo(&self.store.repo)
            .create_git_commit(&message, EMPTY_TREE, &parents)
            .await?
            .ok_or_else(|| GhError::Unexpected {
                what: format!("POST /repos/{}/git/commits", self.store.repo),
                message: "the answer names no commit".to_owned(),
            })?;
        self.made.push((parent.cloned(), made.clone()));
        Ok(made)
    }
}

/// Whether a 422 on a lock write says another run got there first: GitHub's answers to
/// creating a branch that exists, to a move that is not a fast-forward (the branch moved), and
/// to moving a branch that is gone.
fn lost_race(message: &str) -> bool {
    [
        "Reference already exists",
        "not a fast forward",
        "Reference does not exist",
    ]
    .iter()
    .any(|m| message.contains(m))
}
