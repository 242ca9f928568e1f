//! `releases/<id>/lock.json`: what a release shipped, pinned, and the tier runs that admitted it.
//!
//! The manifest is convoy's working ledger; the lock is the part of it that a release's claim
//! rests on, once it shipped: per member repo the base SHA its RC branch was cut from, the RC
//! head, the validated (staged) SHA and the commit that landed it on the base (with the merge
//! method), and per tier the run that passed on exactly those SHAs. It is built purely from the
//! manifest ([`Lock::of`]), so anyone can rebuild it and compare; convoy writes it beside the
//! manifest when the release ships, and again when a rollback changes it, and stamps its digest
//! into each member repo's GitHub release ([`Lock::stamp`]). `convoy verify` checks it against
//! GitHub.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::config::{Directive, MergeMethod, TierConfig, TierPhase};
use super::ids::{BranchName, ReleaseId, RepoName, Sha, TierName};
use super::manifest::{Conclusion, Phase, ReleaseManifest, RunKind, RunStatus, TierRun};
use super::numbers::{PullNumber, RunId};
use super::time::Timestamp;

/// The lock format version this build writes and reads.
pub const LOCK_VERSION: u32 = 1;

/// A release's lock: what shipped, and the evidence that admitted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "convoy release lock (releases/<id>/lock.json)")]
pub struct Lock {
    /// The lock format version; this build reads and writes 1.
    pub lock_version: u32,
    /// The release id (the folder the lock and the manifest live in).
    pub release: ReleaseId,
    /// The version the release shipped as.
    pub version: String,
    /// The tag created in every member repo (at `repos[].ship.sha`).
    pub tag: String,
    /// The directive the release ran under: it decides which tiers had to pass.
    pub directive: Directive,
    /// The repository holding the manifest and this lock.
    pub control_repo: RepoName,
    /// `shipped`, or `rolled_back` when a rollback followed (then `repos[].reverted` says which
    /// repos' ship merges were reverted so far).
    pub status: LockStatus,
    /// When the release entered `shipped`.
    pub shipped_at: Timestamp,
    /// When the release was rolled back, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_at: Option<Timestamp>,
    /// Every member repo, in the manifest's order.
    pub repos: Vec<LockedRepo>,
    /// Every tier that passed on the shipped SHAs, in the policy's order, with the run that
    /// admitted the release. Tiers the directive did not select were not run and are absent.
    #[serde(default)]
    pub tiers: Vec<LockedTier>,
}

/// Whether the release stands as shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LockStatus {
    /// Shipped; nothing reverted it.
    Shipped,
    /// Shipped, then rolled back (its ship merges reverted through revert pull requests).
    RolledBack,
}

impl LockStatus {
    /// The status as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            LockStatus::Shipped => "shipped",
            LockStatus::RolledBack => "rolled_back",
        }
    }
}

/// One member repo: the SHAs its release went through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockedRepo {
    /// The repository.
    pub name: RepoName,
    /// Its base branch, where the release shipped.
    pub base: BranchName,
    /// Its staging branch.
    pub staging: BranchName,
    /// The release's RC branch.
    pub rc_branch: BranchName,
    /// The base head the RC branch was cut from (absent when the manifest did not record it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_from: Option<Sha>,
    /// The RC head promoted to staging (absent when the manifest did not record it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rc_head: Option<Sha>,
    /// The validated SHA: the staging head the tiers ran on and the ship merge was pinned to.
    pub staged: Sha,
    /// How the validated SHA landed on the base.
    pub ship: LockedShip,
    /// Whether a rollback's revert of the ship merge has merged into the base.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reverted: bool,
}

/// The commit that landed a repo's validated SHA on its base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockedShip {
    /// The commit on the base that shipped (tagged): the merge commit, the squash commit, the
    /// last rebased commit, or the validated SHA itself when the base already held it.
    pub sha: Sha,
    /// How it was made.
    pub method: ShipMethod,
    /// The base head the ship merge was made onto, when convoy saw it before the merge (a
    /// rebase's replayed commits start after it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onto: Option<Sha>,
    /// The staging → base pull request, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<PullNumber>,
}

/// How a validated SHA landed on its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShipMethod {
    /// A merge commit whose parents are the base head before it and the validated SHA.
    Merge,
    /// One commit holding the merged tree, on the base head before it.
    Squash,
    /// The validated SHA's commits replayed on the base head before them.
    Rebase,
    /// Nothing was merged: the base already held the validated SHA (its head was that commit).
    AlreadyOnBase,
}

impl ShipMethod {
    /// The method as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ShipMethod::Merge => "merge",
            ShipMethod::Squash => "squash",
            ShipMethod::Rebase => "rebase",
            ShipMethod::AlreadyOnBase => "already_on_base",
        }
    }
}

impl From<MergeMethod> for ShipMethod {
    fn from(m: MergeMethod) -> Self {
        match m {
            MergeMethod::Merge => ShipMethod::Merge,
            MergeMethod::Squash => ShipMethod::Squash,
            MergeMethod::Rebase => ShipMethod::Rebase,
        }
    }
}

/// A tier that passed on the shipped SHAs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockedTier {
    /// The tier.
    pub name: TierName,
    /// The phase it gated.
    pub phase: TierPhase,
    /// The repository its workflow runs in.
    pub repo: RepoName,
    /// The workflow file.
    pub workflow: String,
    /// The ref the workflow ran on (absent: that repository's default branch).
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<BranchName>,
    /// The run that passed on the shipped SHAs.
    pub run: LockedRun,
}

/// One tier run, as the manifest recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockedRun {
    /// GitHub's run id (absent when GitHub never showed the run and a callback completed it
    /// without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<RunId>,
    /// The run's page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The id convoy dispatched it with, echoed in the run's title; it ends with the
    /// fingerprint of `shas`.
    pub correlation_id: String,
    /// 1 for the first run on these SHAs, then 2, 3, …
    pub attempt: u32,
    /// The member repo SHAs it ran on (the `refs` input it was dispatched with).
    pub shas: BTreeMap<RepoName, Sha>,
    /// How it ended.
    pub conclusion: Conclusion,
    /// When convoy saw it complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
}

/// A lock's SHA-256 digest, written `sha256:<64 hex digits>`: the digest of the file's bytes
/// (`sha256sum releases/<id>/lock.json` prints the same digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LockDigest(String);

impl LockDigest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> LockDigest {
        let hash = Sha256::digest(bytes);
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        LockDigest(format!("sha256:{hex}"))
    }

    /// Parses `sha256:` and 64 lower-case hexadecimal digits.
    pub fn parse(s: &str) -> Option<LockDigest> {
        let hex = s.strip_prefix("sha256:")?;
        (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| LockDigest(s.to_owned()))
    }

    /// The digest as written (`sha256:…`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `sha256:` and the first 12 digits, for people.
    pub fn short(&self) -> &str {
        // `sha256:` is 7 ASCII bytes and 64 digits follow (see `of` and `parse`).
        &self.0[..19]
    }
}

impl fmt::Display for LockDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for LockDigest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// What opens the lock's stamp in a release body (a hidden marker of the `convoy:` family; the
/// `=` keeps it apart from escalation keys).
const STAMP_OPEN: &str = "<!-- convoy:lock=";
/// What closes the stamp.
const STAMP_CLOSE: &str = "<!-- /convoy:lock -->";

impl Lock {
    /// The lock of `m`: `None` until the release has shipped (entered `shipped`); kept for a
    /// release rolled back after shipping, with `status: rolled_back`. A release rolled back
    /// partway through shipping never shipped and has none. `None` too, defensively, when a
    /// repo of a shipped release lacks its staged or shipped SHA (convoy never ships such a
    /// release).
    pub fn of(m: &ReleaseManifest) -> Option<Lock> {
        let (status, shipped_at, rolled_back_at) = match m.phase {
            Phase::Shipped => (LockStatus::Shipped, m.phase_entered_at(), None),
            Phase::RolledBack => {
                let shipped_at = m
                    .history
                    .iter()
                    .rev()
                    .find(|h| h.entered() == Some(Phase::Shipped))?
                    .at;
                (
                    LockStatus::RolledBack,
                    shipped_at,
                    Some(m.phase_entered_at()),
                )
            }
            _ => return None,
        };
        let repos = m
            .repos
            .iter()
            .map(|r| {
                let staged = r.shas.staged.clone()?;
                let sha = r.shas.shipped.clone()?;
                let method = if sha == staged {
                    ShipMethod::AlreadyOnBase
                } else {
                    m.merge_method(r).into()
                };
                Some(LockedRepo {
                    name: r.name.clone(),
                    base: r.base.clone(),
                    staging: r.staging.clone(),
                    rc_branch: r.rc_branch.clone(),
                    cut_from: r.shas.cut_from.clone(),
                    rc_head: r.shas.rc_head.clone(),
                    staged,
                    ship: LockedShip {
                        sha,
                        method,
                        onto: r.shas.shipped_onto.clone(),
                        pull: r.prs.ship,
                    },
                    reverted: r.state == super::manifest::RepoState::Reverted,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let tiers = m
            .policy
            .tiers
            .iter()
            .filter_map(|t| {
                let (run, conclusion) = admitting_run(m, t)?;
                Some(LockedTier {
                    name: t.name.clone(),
                    phase: t.phase,
                    repo: run.repo.clone(),
                    workflow: run.workflow.clone(),
                    git_ref: t.git_ref.clone(),
                    run: LockedRun {
                        run_id: run.run_id,
                        url: run.url.clone(),
                        correlation_id: run.correlation_id.clone(),
                        attempt: run.attempt,
                        shas: run.shas.clone(),
                        conclusion,
                        completed_at: run.completed_at,
                    },
                })
            })
            .collect();
        Some(Lock {
            lock_version: LOCK_VERSION,
            release: m.id.clone(),
            version: m.version.clone(),
            tag: m.tag.clone(),
            directive: m.directive,
            control_repo: m.control_repo.clone(),
            status,
            shipped_at,
            rolled_back_at,
            repos,
            tiers,
        })
    }

    /// The file's path in the control repo: `releases/<id>/lock.json`.
    pub fn file(id: &ReleaseId) -> String {
        format!("releases/{id}/lock.json")
    }

    /// The file's text, as convoy writes it: pretty JSON and a final newline.
    pub fn to_text(&self) -> String {
        // A plain tree of strings, numbers and maps: serializing it cannot fail; the fallback
        // keeps the function total without a panic path.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
            + "\n"
    }

    /// The digest of [`Lock::to_text`].
    pub fn digest(&self) -> LockDigest {
        LockDigest::of(self.to_text().as_bytes())
    }

    /// The member repo with this name.
    pub fn repo(&self, name: &RepoName) -> Option<&LockedRepo> {
        self.repos.iter().find(|r| &r.name == name)
    }

    /// The tier with this name.
    pub fn tier(&self, name: &TierName) -> Option<&LockedTier> {
        self.tiers.iter().find(|t| &t.name == name)
    }

    /// The SHAs `tier` vouches for in this lock: the validated SHA of every repo it covers.
    pub fn covered_shas(&self, tier: &TierConfig) -> BTreeMap<RepoName, Sha> {
        self.repos
            .iter()
            .filter(|r| tier.covers.as_ref().is_none_or(|c| c.contains(&r.name)))
            .map(|r| (r.name.clone(), r.staged.clone()))
            .collect()
    }

    /// The section convoy appends to each member repo's GitHub release: the lock's path (linked
    /// to `link`) and digest, between hidden markers so that a later stamp replaces it.
    pub fn stamp(&self, digest: &LockDigest, link: &str) -> String {
        let file = Lock::file(&self.release);
        let state = match (self.status, self.rolled_back_at) {
            (LockStatus::RolledBack, Some(at)) => format!(
                "\n\n**Rolled back** on {}: the lock records which repos' ship merges were reverted.",
                at.human()
            ),
            _ => String::new(),
        };
        format!(
            "{STAMP_OPEN}{} -->\n---\n**Release lock**: [`{file}`]({link}) in {}, `{digest}`. It pins the validated SHA of every repo, the commit that shipped it and the tier runs that passed on those SHAs; `convoy verify {}` checks them against GitHub.{state}\n{STAMP_CLOSE}",
            self.release, self.control_repo, self.release
        )
    }

    /// `body` with the stamp of this lock (replacing an earlier one, else appended after a blank
    /// line).
    pub fn stamped(&self, body: &str, digest: &LockDigest, link: &str) -> String {
        let stamp = self.stamp(digest, link);
        let open = format!("{STAMP_OPEN}{} -->", self.release);
        if let Some(start) = body.find(&open) {
            let end = body[start..]
                .find(STAMP_CLOSE)
                .map_or(body.len(), |e| start + e + STAMP_CLOSE.len());
            return format!("{}{stamp}{}", &body[..start], &body[end..]);
        }
        let body = body.trim_end();
        if body.is_empty() {
            stamp
        } else {
            format!("{body}\n\n{stamp}")
        }
    }

    /// The digest stamped into a release `body` for `release`, if it carries a stamp.
    pub fn stamped_digest(body: &str, release: &ReleaseId) -> Option<LockDigest> {
        let open = format!("{STAMP_OPEN}{release} -->");
        let start = body.find(&open)? + open.len();
        let section = &body[start..];
        let section = &section[..section.find(STAMP_CLOSE).unwrap_or(section.len())];
        let at = section.find("`sha256:")? + 1;
        let digest = section[at..].split('`').next()?;
        LockDigest::parse(digest)
    }
}

/// The run that admitted the release for `tier`: the first run of the tier, not set aside, that
/// completed with a passing conclusion on exactly the validated SHAs of the repos the tier
/// covers. The same rule as the tier's verdict in `lifecycle::tiers` (a tier passed when such a
/// run exists); written out here because the model sits below the lifecycle.
fn admitting_run<'m>(
    m: &'m ReleaseManifest,
    tier: &TierConfig,
) -> Option<(&'m TierRun, Conclusion)> {
    let shas: BTreeMap<RepoName, Sha> = m
        .repos
        .iter()
        .filter(|r| tier.covers.as_ref().is_none_or(|c| c.contains(&r.name)))
        .map(|r| r.shas.staged.clone().map(|s| (r.name.clone(), s)))
        .collect::<Option<_>>()?;
    m.tier_runs.iter().find_map(|r| {
        let conclusion = r.conclusion.filter(|c| c.passed())?;
        (r.tier == tier.name
            && r.kind == RunKind::Tier
            && !r.superseded
            && r.shas == shas
            && r.status == RunStatus::Completed)
            .then_some((r, conclusion))
    })
}

#[cfg(test)]
mod tests;
