//! What convoy saw of each release the last time it decided, and at which manifest revision:
//! the part of an observation a run about one repo does not read again ([`Scope`]).
//!
//! It is only ever used while the manifest is still at the revision it was recorded for: any
//! other run's write (or a cache file restored from an older run) makes it useless, and the run
//! reads everything. A repo convoy acted on after observing it is marked stale, so the next run
//! reads it afresh whatever its event.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::lifecycle::{Observed, Scope};
use crate::model::ids::{ReleaseId, RepoName};
use crate::model::manifest::ReleaseManifest;
use crate::signal::Signal;

/// What convoy last saw of one release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    /// The manifest revision the observation is good for.
    pub revision: u64,
    /// The observation (its always-read parts left out).
    pub observed: Observed,
    /// Member repos convoy acted on after observing them: read afresh next time.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub stale: BTreeSet<RepoName>,
}

/// What convoy last saw of each release.
#[derive(Debug, Default)]
pub struct Memory {
    releases: Mutex<BTreeMap<ReleaseId, Seen>>,
}

impl Memory {
    /// A memory holding `releases` (from a cache file).
    pub fn from_entries(releases: BTreeMap<ReleaseId, Seen>) -> Self {
        Memory {
            releases: Mutex::new(releases),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<ReleaseId, Seen>> {
        // Every update is one insert or remove: a panic elsewhere leaves the map whole.
        self.releases
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What a run handling `signal` for `m` reads afresh, and what it takes the rest from:
    /// the signal's scope (plus the repos convoy acted on since) when convoy saw `m` at its
    /// current revision, else everything.
    pub fn scope(&self, m: &ReleaseManifest, signal: &Signal) -> (Scope, Option<Observed>) {
        let releases = self.lock();
        match releases.get(&m.id) {
            Some(seen) if seen.revision == m.revision => {
                let scope = Scope::of(signal, m).with(&seen.stale);
                match scope {
                    Scope::All => (Scope::All, None),
                    narrow => (narrow, Some(seen.observed.clone())),
                }
            }
            _ => (Scope::All, None),
        }
    }

    /// Records what the run saw of release `id`, good for manifest `revision`; `stale` are the
    /// repos it acted on after observing them.
    pub fn record(
        &self,
        id: &ReleaseId,
        revision: u64,
        observed: &Observed,
        stale: BTreeSet<RepoName>,
    ) {
        let mut observed = observed.clone();
        // Read every run, whatever the scope: never carried.
        observed.permissions.clear();
        observed.staging_holders.clear();
        self.lock().insert(
            id.clone(),
            Seen {
                revision,
                observed,
                stale,
            },
        );
    }

    /// Forgets release `id` (its manifest changed in a way this run cannot vouch for).
    pub fn forget(&self, id: &ReleaseId) {
        self.lock().remove(id);
    }

    /// Everything remembered, for the cache file.
    pub fn entries(&self) -> BTreeMap<ReleaseId, Seen> {
        self.lock().clone()
    }
}
