//! What stands between a pull request and its merge: required checks (strict or not), required
//! approving reviews, the merge methods a repository allows, linear history and merge queues,
//! with GitHub's texts. `PUT …/pulls/{n}/merge` asks [`State::merge_refusal`];
//! `mergeable_state` asks the same questions.

use axum::http::StatusCode;

use crate::protection::{self, LINEAR_HISTORY, MERGE_QUEUE_REQUIRED};
use crate::seed::Permission;
use crate::state::State;

/// Where a required status check stands on a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckState {
    /// A success (status) or a success, neutral or skipped conclusion (check run).
    Passed,
    /// No status or check run reported it.
    Expected,
    /// Reported, not finished.
    InProgress,
    /// Reported as failed.
    Failing,
}

impl State {
    /// Where required check `context` stands on `sha` in repository `key`.
    pub fn check_state(&self, key: &str, context: &str, sha: &str) -> CheckState {
        let Some(repo) = self.repos.get(key) else {
            return CheckState::Expected;
        };
        let status = repo
            .statuses
            .iter()
            .rev()
            .find(|s| s.sha == sha && s.context == context);
        let check = self
            .check_runs
            .values()
            .rev()
            .find(|c| c.repo == key && c.head_sha == sha && c.name == context);
        let passed = status.is_some_and(|s| s.state == "success")
            || check.is_some_and(|c| {
                matches!(
                    c.conclusion.as_deref(),
                    Some("success" | "neutral" | "skipped")
                )
            });
        if passed {
            return CheckState::Passed;
        }
        let failed = status.is_some_and(|s| s.state == "failure" || s.state == "error")
            || check.is_some_and(|c| c.status == "completed");
        if failed {
            CheckState::Failing
        } else if status.is_some() || check.is_some() {
            CheckState::InProgress
        } else {
            CheckState::Expected
        }
    }

    /// GitHub's 405 text when the required checks of `base` do not all pass on `sha`, `None`
    /// when they do (or none are required). `behind`: the head does not contain the base's tip;
    /// under strict protection every required check then counts as expected, whatever ran on
    /// the head, until the branch is updated. One gap is named (`Required status check "ci" is
    /// expected.`); several are counted (`2 of 3 required status checks are expected.`).
    pub fn checks_refusal(&self, key: &str, base: &str, sha: &str, behind: bool) -> Option<String> {
        let protection = self.repos.get(key)?.protection.get(base)?;
        let required = &protection.required_checks;
        let states: Vec<(&String, CheckState)> = required
            .iter()
            .map(|c| {
                let state = if behind && protection.strict {
                    CheckState::Expected
                } else {
                    self.check_state(key, c, sha)
                };
                (c, state)
            })
            .collect();
        if let Some((c, _)) = states.iter().find(|(_, s)| *s == CheckState::Failing) {
            return Some(format!("Required status check \"{c}\" is failing."));
        }
        let gaps: Vec<&(&String, CheckState)> = states
            .iter()
            .filter(|(_, s)| *s != CheckState::Passed)
            .collect();
        match gaps.as_slice() {
            [] => None,
            [(c, CheckState::InProgress)] => {
                Some(format!("Required status check \"{c}\" is in progress."))
            }
            [(c, _)] => Some(format!("Required status check \"{c}\" is expected.")),
            more => {
                let word = if more.iter().any(|(_, s)| *s == CheckState::Expected) {
                    "expected"
                } else {
                    "in progress"
                };
                Some(format!(
                    "{} of {} required status checks are {word}.",
                    more.len(),
                    required.len()
                ))
            }
        }
    }

    /// Approving reviews that count on pull request `n`: each reviewer's latest review is an
    /// approval of the current head (a push makes earlier approvals stale), by someone with
    /// write access who is not the author.
    pub fn approvals(&self, key: &str, n: u64) -> u32 {
        let Some(repo) = self.repos.get(key) else {
            return 0;
        };
        let Some(issue) = repo.issues.get(&n) else {
            return 0;
        };
        let Some(pull) = issue.pull.as_ref() else {
            return 0;
        };
        let full = repo.full_name();
        let mut latest: std::collections::BTreeMap<&str, &crate::state::Review> =
            std::collections::BTreeMap::new();
        for r in pull.reviews.iter().filter(|r| r.state != "COMMENTED") {
            latest.insert(r.user.as_str(), r);
        }
        latest
            .values()
            .filter(|r| {
                r.state == "APPROVED"
                    && r.commit_id == pull.head_sha
                    && r.user != issue.user
                    && self.permission(&r.user, &full) >= Permission::Write
            })
            .count() as u32
    }

    /// Why GitHub would refuse to merge pull request `n` into its base with `method` for
    /// `login` because of the repository's settings or the base's protection, as the status and
    /// text it answers; `None` when nothing does. `behind`: the head does not contain the
    /// base's tip. Conflicts, a closed pull request and a moved head are the caller's.
    pub fn merge_refusal(
        &self,
        key: &str,
        n: u64,
        login: &str,
        method: &str,
        behind: bool,
    ) -> Option<(StatusCode, String)> {
        let repo = self.repos.get(key)?;
        let pull = repo.issues.get(&n)?.pull.as_ref()?;
        let refuse = |text: &str| Some((StatusCode::METHOD_NOT_ALLOWED, text.to_owned()));
        if let Some(text) = repo.settings.refusal(method) {
            return refuse(text);
        }
        let p = repo.protection.get(&pull.base_ref)?;
        if p.bypassed_by(login) {
            return None;
        }
        if p.merge_queue {
            return refuse(MERGE_QUEUE_REQUIRED);
        }
        if p.linear_history && method == "merge" {
            return refuse(LINEAR_HISTORY);
        }
        if self.approvals(key, n) < p.required_approving_reviews {
            return refuse(&protection::reviews_required(p.required_approving_reviews));
        }
        self.checks_refusal(key, &pull.base_ref, &pull.head_sha, behind)
            .map(|text| (StatusCode::METHOD_NOT_ALLOWED, text))
    }
}
