//! The staging lock: which release holds a member repo's staging branch, kept where GitHub makes
//! taking it atomic.
//!
//! Each staging branch a release can hold (one member repo, its staging branch: a
//! [`StagingKey`]) has one lock, a branch in the control repo named by
//! [`StagingKey::lock_branch`] (`convoy/staging-lock/<repo>-<branch>-<digest>`). Creating a
//! branch that exists fails (GitHub's 422 "Reference already exists"), so of several runs taking
//! the same lock at once exactly one succeeds. The branch points at a commit whose message names
//! the holder and when it took the lock ([`LockClaim`]); a commit on top of it (a fast-forward,
//! refused when another run moved the branch first) hands a lapsed lock over.
//!
//! This module is the pure part: names, the commit message and its reading, and when a claim
//! lapses. The runner takes and releases the locks (`convoy::github::staging_lock`).
//!
//! **Lapsing.** A claim stands while its release is in `staging`, `validation` or `shipping`.
//! Otherwise (its run took the lock and then crashed or lost its manifest write, or the release
//! ended and its run did not get to delete the lock) it lapses [`LAPSE_MINUTES`] after the later
//! of the time it was taken and the time the holder entered its phase; a claim whose release has
//! no manifest has lapsed. The holder's own runs delete the lock only within half of that time
//! after the release ended ([`may_release`]), and reuse their own claim only while it is younger
//! than half of it ([`LockClaim::needs_refresh`]), so a run that hands a lapsed lock over never
//! races a holder still using it.

use sha2::{Digest as _, Sha256};

use super::ids::{BranchName, ReleaseId, RepoName};
use super::manifest::{Phase, ReleaseManifest};
use super::time::Timestamp;

/// Where the lock branches live in the control repo.
pub const LOCK_PREFIX: &str = "convoy/staging-lock/";

/// Minutes after which a claim whose release does not hold staging (by its manifest) lapses.
pub const LAPSE_MINUTES: i64 = 30;

/// The phases in which a release holds the staging branches of its repos.
pub fn holds_staging(phase: Phase) -> bool {
    matches!(phase, Phase::Staging | Phase::Validation | Phase::Shipping)
}

/// One staging branch of one member repo: what one lock guards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagingKey {
    /// The member repo.
    pub repo: RepoName,
    /// Its staging branch.
    pub branch: BranchName,
}

impl StagingKey {
    /// The staging branches `m` holds while in staging, validation or shipping, in the order
    /// locks are taken (by lock branch name, the same for every release, so two releases never
    /// wait on each other's half-taken sets).
    pub fn of(m: &ReleaseManifest) -> Vec<StagingKey> {
        let mut keys: Vec<StagingKey> = Vec::new();
        for r in &m.repos {
            let key = StagingKey {
                repo: r.name.clone(),
                branch: r.staging.clone(),
            };
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys.sort_by_cached_key(|k| k.lock_branch().as_str().to_owned());
        keys
    }

    /// The lock's branch in the control repo: `convoy/staging-lock/` then the repo and branch
    /// made safe for a branch name (for people), then 12 hex digits of the SHA-256 of the
    /// repository's name in lower case (GitHub's names ignore case), a newline and the branch
    /// (so distinct keys never share a lock). One path component: no two lock branches can
    /// clash as a file and a folder.
    pub fn lock_branch(&self) -> BranchName {
        let repo = self.repo.as_str().to_ascii_lowercase();
        let digest = Sha256::digest(format!("{repo}\n{}", self.branch).as_bytes());
        let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        let readable: String = format!("{repo}-{}", self.branch)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(60)
            .collect();
        // After the prefix, one part of [a-z0-9_-] characters ending in a hex digit, under
        // 100 characters in all: always a valid branch name.
        BranchName::known_valid(format!("{LOCK_PREFIX}{readable}-{hex}"))
    }

    /// `acme/api (staging)`, for people.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.repo, self.branch)
    }
}

/// What a lock's commit says: the release holding the lock, since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockClaim {
    /// The release holding the lock.
    pub release: ReleaseId,
    /// When it took the lock (the taking run's clock).
    pub taken_at: Timestamp,
}

impl LockClaim {
    /// The commit message of a lock on `keys` held by this claim's release. Its `release:` and
    /// `taken:` lines are what [`LockClaim::parse`] reads.
    pub fn message(&self, keys: &[StagingKey]) -> String {
        let staging: Vec<String> = keys.iter().map(StagingKey::describe).collect();
        format!(
            "convoy: release {id} holds staging\n\n\
             release: {id}\n\
             taken: {at}\n\
             staging: {staging}\n\n\
             convoy's staging lock: this branch says which release holds the staging branches \
             above. convoy deletes it when the release ships, aborts or is rolled back, and \
             hands it to another release when it lapses ({LAPSE_MINUTES} minutes after the \
             holder ended or stopped needing it). Deleting it by hand lets another release take \
             staging in a race (docs/security.md).\n",
            id = self.release,
            at = self.taken_at,
            staging = staging.join(", "),
        )
    }

    /// Reads a claim from a lock commit's message; `None` when it is not convoy's.
    pub fn parse(message: &str) -> Option<LockClaim> {
        let field = |name: &str| {
            message
                .lines()
                .find_map(|l| l.strip_prefix(name).map(str::trim))
        };
        Some(LockClaim {
            release: ReleaseId::parse(field("release: ")?).ok()?,
            taken_at: Timestamp::parse(field("taken: ")?).ok()?,
        })
    }

    /// Whether this claim no longer stands at `now`, given its release's manifest (`None`: the
    /// manifest does not exist): see the module's "Lapsing".
    pub fn lapsed(&self, holder: Option<&ReleaseManifest>, now: Timestamp) -> bool {
        let Some(m) = holder else {
            return true;
        };
        if m.id != self.release {
            return true;
        }
        if holds_staging(m.phase) {
            return false;
        }
        let since = self.taken_at.max(m.phase_entered_at());
        now.minutes_since(since) >= LAPSE_MINUTES
    }

    /// Whether the holder's own run, about to enter staging on this claim, must renew it first
    /// (it is half-way to lapsing): a renewal is a fast-forward, so it and another release's
    /// hand-over cannot both succeed.
    pub fn needs_refresh(&self, now: Timestamp) -> bool {
        now.minutes_since(self.taken_at) >= LAPSE_MINUTES / 2
    }
}

/// Whether the run that ended a release (at `ended_at`) may still delete its locks at `now`:
/// within half of [`LAPSE_MINUTES`]; later, another release may have been handed a lapsed lock,
/// and the lock is left to lapse.
pub fn may_release(ended_at: Timestamp, now: Timestamp) -> bool {
    now.minutes_since(ended_at) < LAPSE_MINUTES / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(repo: &str, branch: &str) -> StagingKey {
        StagingKey {
            repo: RepoName::parse(repo).unwrap(),
            branch: BranchName::parse(branch).unwrap(),
        }
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn lock_branches_are_valid_distinct_and_ignore_the_repos_case() {
        let api = key("acme/api", "staging");
        assert!(
            api.lock_branch()
                .as_str()
                .starts_with("convoy/staging-lock/acme-api-staging-"),
            "{}",
            api.lock_branch()
        );
        assert_eq!(
            api.lock_branch(),
            key("Acme/API", "staging").lock_branch(),
            "GitHub's names ignore case"
        );
        let odd = [
            key("acme/.github", "staging"),
            key("acme/x.lock", "release/staging"),
            key("acme/api", "staging/eu"),
            key("acme/api", "Staging"),
            key("acme/api-staging", "x"),
            key("acme/api", "staging-x"),
        ];
        let mut names: Vec<String> = odd.iter().map(|k| k.lock_branch().to_string()).collect();
        names.push(api.lock_branch().to_string());
        for n in &names {
            let tail = n.strip_prefix(LOCK_PREFIX).unwrap();
            assert!(!tail.contains('/') && !tail.starts_with('.'), "{n}");
            assert!(!n.ends_with(".lock"), "{n}");
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), odd.len() + 1, "{names:#?}");
    }

    #[test]
    fn a_claim_reads_back_from_its_message() {
        let claim = LockClaim {
            release: ReleaseId::parse("2026.12.0").unwrap(),
            taken_at: at("2026-12-01T09:00:00Z"),
        };
        let message = claim.message(&[key("acme/api", "staging"), key("acme/web", "staging")]);
        assert!(message.starts_with("convoy: release 2026.12.0 holds staging\n"));
        assert!(message.contains("staging: acme/api (staging), acme/web (staging)"));
        assert_eq!(LockClaim::parse(&message), Some(claim));
        assert_eq!(LockClaim::parse("Initial commit"), None);
        assert_eq!(
            LockClaim::parse("release: ../x\ntaken: 2026-12-01T09:00:00Z"),
            None
        );
    }

    #[test]
    fn a_claim_stands_while_its_release_holds_staging_and_lapses_after_it_stopped() {
        let taken = at("2026-12-01T09:00:00Z");
        let claim = LockClaim {
            release: ReleaseId::parse("r1").unwrap(),
            taken_at: taken,
        };
        let mut m: ReleaseManifest =
            serde_json::from_str(include_str!("../../../../examples/release-manifest.json"))
                .unwrap();
        m.id = claim.release.clone();
        let later = |minutes: i64| {
            Timestamp::from_unix_seconds(taken.unix_seconds() + minutes * 60).unwrap()
        };
        assert!(claim.lapsed(None, taken), "no manifest: lapsed at once");
        m.phase = Phase::Validation;
        assert!(!claim.lapsed(Some(&m), later(10_000)));
        // Taken by a run that did not get to write the manifest: it lapses after a while.
        m.phase = Phase::Development;
        assert!(!claim.lapsed(Some(&m), later(LAPSE_MINUTES - 1)));
        assert!(claim.lapsed(Some(&m), later(LAPSE_MINUTES)));
        // Ended: lapses that long after it ended.
        m.phase = Phase::Shipped;
        m.history.push(crate::model::manifest::HistoryEntry {
            at: later(20),
            actor: "convoy".to_owned(),
            event: crate::model::history::HistoryEvent::PhaseChanged,
            from: Some("shipping".to_owned()),
            to: Some("shipped".to_owned()),
            detail: "shipped".to_owned(),
        });
        assert!(!claim.lapsed(Some(&m), later(20 + LAPSE_MINUTES - 1)));
        assert!(claim.lapsed(Some(&m), later(20 + LAPSE_MINUTES)));
        // Another release's manifest under the id: not the holder.
        let mut other = m.clone();
        other.id = ReleaseId::parse("r2").unwrap();
        assert!(claim.lapsed(Some(&other), taken));
        assert!(!claim.needs_refresh(later(LAPSE_MINUTES / 2 - 1)));
        assert!(claim.needs_refresh(later(LAPSE_MINUTES / 2)));
        assert!(may_release(taken, later(LAPSE_MINUTES / 2 - 1)));
        assert!(!may_release(taken, later(LAPSE_MINUTES / 2)));
    }
}
