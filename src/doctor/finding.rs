//! What `convoy doctor` concludes: per repository, findings that each name a rule or setting,
//! what GitHub shows, what convoy does with it, and (for what needs a person) the fix.

use serde::Serialize;

use crate::model::ids::RepoName;

/// How much a finding matters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "severity", rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing to do: convoy works with it as it is.
    Fine,
    /// convoy adapts (waits for a review, merges by squash, recreates a branch); `fix`, when
    /// given, is advice that makes the release smoother.
    Note {
        /// What a person may do about it.
        #[serde(skip_serializing_if = "Option::is_none")]
        fix: Option<String>,
    },
    /// It will stop a release until a person does `fix`.
    Blocker {
        /// What a person must do.
        fix: String,
    },
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What it is about: `access`, `main: required reviews`, `.github/workflows/e2e.yml`.
    pub subject: String,
    /// What GitHub shows.
    pub seen: String,
    /// What convoy does with it.
    pub convoy: String,
    /// How much it matters, and the fix.
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl Finding {
    /// Nothing to do.
    pub fn fine(
        subject: impl Into<String>,
        seen: impl Into<String>,
        convoy: impl Into<String>,
    ) -> Self {
        Finding {
            subject: subject.into(),
            seen: seen.into(),
            convoy: convoy.into(),
            verdict: Verdict::Fine,
        }
    }

    /// convoy adapts; `fix` is optional advice.
    pub fn note(
        subject: impl Into<String>,
        seen: impl Into<String>,
        convoy: impl Into<String>,
        fix: Option<String>,
    ) -> Self {
        Finding {
            subject: subject.into(),
            seen: seen.into(),
            convoy: convoy.into(),
            verdict: Verdict::Note { fix },
        }
    }

    /// It will stop a release until `fix` is done.
    pub fn blocker(
        subject: impl Into<String>,
        seen: impl Into<String>,
        convoy: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding {
            subject: subject.into(),
            seen: seen.into(),
            convoy: convoy.into(),
            verdict: Verdict::Blocker { fix: fix.into() },
        }
    }

    /// Whether it will stop a release.
    pub fn is_blocker(&self) -> bool {
        matches!(self.verdict, Verdict::Blocker { .. })
    }

    /// Whether it is a note.
    pub fn is_note(&self) -> bool {
        matches!(self.verdict, Verdict::Note { .. })
    }

    /// The fix or advice, when there is one.
    pub fn fix(&self) -> Option<&str> {
        match &self.verdict {
            Verdict::Fine => None,
            Verdict::Note { fix } => fix.as_deref(),
            Verdict::Blocker { fix } => Some(fix),
        }
    }

    /// `ok`, `note` or `blocker`.
    pub fn label(&self) -> &'static str {
        match self.verdict {
            Verdict::Fine => "ok",
            Verdict::Note { .. } => "note",
            Verdict::Blocker { .. } => "blocker",
        }
    }
}

/// The findings of one repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepoReport {
    /// The repository.
    pub repo: RepoName,
    /// The parts it plays (`control repo`, `member`, `tier e2e`, `auto-fix`).
    pub roles: Vec<String>,
    /// Its findings, in the order they are shown.
    pub findings: Vec<Finding>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// How many findings will stop a release.
    pub blockers: usize,
    /// How many notes.
    pub notes: usize,
    /// About the token itself (its permissions, where they are known).
    pub token: Vec<Finding>,
    /// Per repository, in the config's order: the control repo, the members, the workflow repos.
    pub repos: Vec<RepoReport>,
}

impl Report {
    /// A report of these findings (the counts are computed).
    pub fn new(token: Vec<Finding>, repos: Vec<RepoReport>) -> Self {
        let all = || token.iter().chain(repos.iter().flat_map(|r| &r.findings));
        Report {
            blockers: all().filter(|f| f.is_blocker()).count(),
            notes: all().filter(|f| f.is_note()).count(),
            token,
            repos,
        }
    }

    /// Whether something will stop a release (the exit code is then 2).
    pub fn will_stop(&self) -> bool {
        self.blockers > 0
    }
}
