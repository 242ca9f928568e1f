//! The verification's result: each [`Check`] (what it is about, how it came out, expected and
//! found), the [`Report`] of a release with its first break, and the [`Options`] that accept
//! what the strict claim does not.

use serde::Serialize;

use crate::model::ids::{ReleaseId, RepoName, TierName};
use crate::model::lock::LockDigest;

/// What `convoy verify` accepts besides the strict claim.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Accept commits that reached a base branch without going through the release: pushed
    /// after its ship merge, or already on the base when the release merged (then the shipped
    /// tree also holds them, untested, and is not proven). Reported as `accepted`.
    pub allow_later_commits: bool,
}

/// What a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// The release stands as shipped (not rolled back).
    Status,
    /// A base branch still holds its ship commit.
    Base,
    /// A ship commit is the merge of the validated SHA the lock says it is.
    Ship,
    /// A ship commit's tree is the validated tree.
    Tree,
    /// A required tier passed on the shipped SHAs in the run the lock names.
    Tier,
    /// The lock file is the manifest's record.
    Lock,
    /// A member repo's GitHub release carries the lock's digest.
    Stamp,
}

impl CheckKind {
    /// The kind as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Status => "status",
            CheckKind::Base => "base",
            CheckKind::Ship => "ship",
            CheckKind::Tree => "tree",
            CheckKind::Tier => "tier",
            CheckKind::Lock => "lock",
            CheckKind::Stamp => "stamp",
        }
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The claim holds.
    Holds,
    /// It does not hold strictly, and an [`Options`] flag accepts that.
    Accepted,
    /// It does not hold.
    Break,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What it is about.
    pub check: CheckKind,
    /// The member repo it is about, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<RepoName>,
    /// The tier it is about, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<TierName>,
    /// How it came out.
    pub outcome: Outcome,
    /// What was found, as a sentence.
    pub what: String,
    /// What the claim expects, when it does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What GitHub (or the control repo) shows instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// What a person can do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    /// A check that holds.
    pub(super) fn holds(check: CheckKind, what: impl Into<String>) -> Check {
        Check {
            check,
            repo: None,
            tier: None,
            outcome: Outcome::Holds,
            what: what.into(),
            expected: None,
            found: None,
            fix: None,
        }
    }

    /// A check that does not hold: what, expected, found.
    pub(super) fn broken(
        check: CheckKind,
        what: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Check {
        Check {
            outcome: Outcome::Break,
            expected: Some(expected.into()),
            found: Some(found.into()),
            ..Check::holds(check, what)
        }
    }

    pub(super) fn of_repo(self, repo: &RepoName) -> Check {
        Check {
            repo: Some(repo.clone()),
            ..self
        }
    }

    pub(super) fn of_tier(self, tier: &TierName) -> Check {
        Check {
            tier: Some(tier.clone()),
            ..self
        }
    }

    pub(super) fn with_fix(self, fix: impl Into<String>) -> Check {
        Check {
            fix: Some(fix.into()),
            ..self
        }
    }

    /// Accepted by an option rather than broken.
    pub(super) fn accepted(self) -> Check {
        Check {
            outcome: Outcome::Accepted,
            ..self
        }
    }

    /// Who the check is about, for people: `acme/api`, `tier e2e`, or nothing.
    pub fn subject(&self) -> String {
        match (&self.repo, &self.tier) {
            (Some(r), _) => r.to_string(),
            (None, Some(t)) => format!("tier {t}"),
            (None, None) => String::new(),
        }
    }
}

/// The whole verification of one release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The release.
    pub release: ReleaseId,
    /// Its tag.
    pub tag: String,
    /// The control repo.
    pub control_repo: RepoName,
    /// The lock file's path in the control repo.
    pub lock: String,
    /// The digest of the lock file as stored (absent when there is none).
    pub digest: Option<LockDigest>,
    /// Whether every check holds (or is accepted).
    pub holds: bool,
    /// The first check that does not hold.
    pub first_break: Option<Check>,
    /// Every check, in the order they were made.
    pub checks: Vec<Check>,
}

impl Report {
    /// The report of these checks.
    pub fn new(
        release: ReleaseId,
        tag: String,
        control_repo: RepoName,
        digest: Option<LockDigest>,
        checks: Vec<Check>,
    ) -> Report {
        let first_break = checks.iter().find(|c| c.outcome == Outcome::Break).cloned();
        Report {
            lock: crate::model::lock::Lock::file(&release),
            release,
            tag,
            control_repo,
            digest,
            holds: first_break.is_none(),
            first_break,
            checks,
        }
    }
}
