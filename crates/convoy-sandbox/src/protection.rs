//! What a protected organisation sets on its repositories, and what GitHub answers because of
//! it: the merge methods a repository allows, automatic head-branch deletion, and per-branch
//! protection (required checks, strict mode, required reviews, linear history, merge queue,
//! pull-request-only, bypass actors).
//!
//! The seed names these settings (`settings`, `protection`); this module holds them, renders
//! them in GitHub's two forms (classic branch protection and the ruleset rules that apply to a
//! branch) and words GitHub's refusals. The texts are GitHub's, word for word, as its REST API
//! sends them; callers branch on nothing but the status code, as a client of GitHub would.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Repository settings that change what a merge may do. Default: GitHub's defaults (every merge
/// method allowed, head branches kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepoSettings {
    /// Merge commits allowed. Default: true.
    #[serde(default = "yes")]
    pub allow_merge_commit: bool,
    /// Squash merges allowed. Default: true.
    #[serde(default = "yes")]
    pub allow_squash_merge: bool,
    /// Rebase merges allowed. Default: true.
    #[serde(default = "yes")]
    pub allow_rebase_merge: bool,
    /// "Automatically delete head branches": a merged pull request's head branch is deleted.
    /// Default: false.
    #[serde(default)]
    pub delete_branch_on_merge: bool,
}

fn yes() -> bool {
    true
}

impl Default for RepoSettings {
    fn default() -> Self {
        Self {
            allow_merge_commit: true,
            allow_squash_merge: true,
            allow_rebase_merge: true,
            delete_branch_on_merge: false,
        }
    }
}

impl RepoSettings {
    /// GitHub's 405 text when `method` is not allowed here, `None` when it is.
    pub fn refusal(&self, method: &str) -> Option<&'static str> {
        match method {
            "merge" if !self.allow_merge_commit => {
                Some("Merge commits are not allowed on this repository.")
            }
            "squash" if !self.allow_squash_merge => {
                Some("Squash merges are not allowed on this repository.")
            }
            "rebase" if !self.allow_rebase_merge => {
                Some("Rebase merges are not allowed on this repository.")
            }
            _ => None,
        }
    }
}

/// The protection of one branch (classic branch protection or a ruleset targeting it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchProtection {
    /// Status-check contexts (commit statuses or check-run names) that must pass on a pull
    /// request's head before it merges into the branch. Default: none.
    #[serde(default)]
    pub required_checks: Vec<String>,
    /// "Require branches to be up to date before merging": a pull request whose head does not
    /// contain the branch's tip has its required checks expected until it is updated
    /// (`PUT …/pulls/{n}/update-branch`). Default: false.
    #[serde(default)]
    pub strict: bool,
    /// Approving reviews (by users with write access, on the current head) a pull request needs.
    /// Default: 0.
    #[serde(default)]
    pub required_approving_reviews: u32,
    /// Reviews by code owners required. Accepted and reported; the sandbox does not read
    /// CODEOWNERS. Default: false.
    #[serde(default)]
    pub code_owner_reviews: bool,
    /// No merge commits may land on the branch. Default: false.
    #[serde(default)]
    pub linear_history: bool,
    /// Changes land only through the branch's merge queue: the plain merge is refused and
    /// `PUT …/pulls/{n}/merge-async` queues the pull request. Default: false.
    #[serde(default)]
    pub merge_queue: bool,
    /// How the merge queue lands pull requests (its rule's `merge_method`). Default: `merge`.
    #[serde(default)]
    pub merge_queue_method: QueueMergeMethod,
    /// Changes only through pull requests: ref updates, deletions and contents writes are
    /// refused (422 on the refs API, 409 on the contents API). Default: false.
    #[serde(default)]
    pub pull_request_only: bool,
    /// Logins that bypass the protection (as a ruleset's bypass list does for the merge API
    /// and for pushes). Default: none.
    #[serde(default)]
    pub bypass: Vec<String>,
}

/// How a merge queue lands a pull request: the merge method of its group commit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueueMergeMethod {
    /// A merge commit (the default).
    #[default]
    Merge,
    /// One squashed commit.
    Squash,
    /// The head's commits replayed on the base.
    Rebase,
}

impl QueueMergeMethod {
    /// `merge`, `squash` or `rebase`: the REST API's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Merge => "merge",
            Self::Squash => "squash",
            Self::Rebase => "rebase",
        }
    }

    /// `MERGE`, `SQUASH` or `REBASE`: the ruleset's word.
    pub fn rule_word(self) -> &'static str {
        match self {
            Self::Merge => "MERGE",
            Self::Squash => "SQUASH",
            Self::Rebase => "REBASE",
        }
    }
}

/// GitHub's text for a ref update refused by a pull-request-only branch.
pub const PULL_REQUEST_ONLY: &str = "Changes must be made through a pull request.";
/// GitHub's 405 text for a plain merge into a branch that requires a merge queue.
pub const MERGE_QUEUE_REQUIRED: &str = "Changes must be made through the merge queue.";
/// GitHub's 405 text for a merge commit into a branch that requires linear history.
pub const LINEAR_HISTORY: &str = "This branch must not contain merge commits.";
/// GitHub's transient 405 text when the base moved while the merge was being made.
pub const BASE_MODIFIED: &str = "Base branch was modified. Review and try the merge again.";

/// GitHub's body for a contents write refused by a rule (409).
pub fn rule_violation_message() -> String {
    format!("Repository rule violations found\n\n{PULL_REQUEST_ONLY}\n\n")
}

/// GitHub's 405 text for too few approving reviews.
pub fn reviews_required(count: u32) -> String {
    if count == 1 {
        "At least 1 approving review is required by reviewers with write access.".to_owned()
    } else {
        format!("At least {count} approving reviews are required by reviewers with write access.")
    }
}

impl BranchProtection {
    /// Whether anything protects the branch.
    pub fn is_protected(&self) -> bool {
        *self != Self::default()
    }

    /// Whether a push, ref update or deletion of the branch by `login` is refused.
    pub fn refuses_push(&self, login: &str) -> bool {
        self.pull_request_only && !self.bypassed_by(login)
    }

    /// Whether `login` bypasses the rules.
    pub fn bypassed_by(&self, login: &str) -> bool {
        self.bypass.iter().any(|b| b.eq_ignore_ascii_case(login))
    }

    /// `GET …/branches/{b}/protection` (classic form).
    pub fn classic_json(&self, url: &str) -> Value {
        let mut v = json!({
            "url": url,
            "enforce_admins": {"url": format!("{url}/enforce_admins"), "enabled": false},
            "required_linear_history": {"enabled": self.linear_history},
            "allow_force_pushes": {"enabled": false},
            "allow_deletions": {"enabled": false},
        });
        if !self.required_checks.is_empty() || self.strict {
            v["required_status_checks"] = json!({
                "url": format!("{url}/required_status_checks"),
                "strict": self.strict,
                "contexts": self.required_checks,
                "checks": self.required_checks.iter()
                    .map(|c| json!({"context": c, "app_id": null})).collect::<Vec<_>>(),
                "contexts_url": format!("{url}/required_status_checks/contexts"),
            });
        }
        if self.required_approving_reviews > 0 || self.code_owner_reviews || self.pull_request_only
        {
            v["required_pull_request_reviews"] = json!({
                "url": format!("{url}/required_pull_request_reviews"),
                "dismiss_stale_reviews": true,
                "require_code_owner_reviews": self.code_owner_reviews,
                "required_approving_review_count": self.required_approving_reviews,
            });
        }
        v
    }

    /// `GET …/rules/branches/{b}`: the rules that apply, in ruleset form.
    pub fn rules_json(&self) -> Vec<Value> {
        let mut rules = Vec::new();
        if self.pull_request_only || self.required_approving_reviews > 0 || self.code_owner_reviews
        {
            rules.push(json!({"type": "pull_request", "parameters": {
                "required_approving_review_count": self.required_approving_reviews,
                "require_code_owner_review": self.code_owner_reviews,
                "dismiss_stale_reviews_on_push": true,
                "require_last_push_approval": false,
                "required_review_thread_resolution": false,
                "allowed_merge_methods": ["merge", "squash", "rebase"],
            }}));
        }
        if !self.required_checks.is_empty() {
            rules.push(json!({"type": "required_status_checks", "parameters": {
                "strict_required_status_checks_policy": self.strict,
                "required_status_checks": self.required_checks.iter()
                    .map(|c| json!({"context": c})).collect::<Vec<_>>(),
            }}));
        }
        if self.linear_history {
            rules.push(json!({"type": "required_linear_history"}));
        }
        if self.merge_queue {
            rules.push(json!({"type": "merge_queue", "parameters": {
                "check_response_timeout_minutes": 60,
                "grouping_strategy": "ALLGREEN",
                "max_entries_to_build": 5,
                "max_entries_to_merge": 5,
                "merge_method": self.merge_queue_method.rule_word(),
                "min_entries_to_merge": 1,
                "min_entries_to_merge_wait_minutes": 5,
            }}));
        }
        if self.pull_request_only {
            rules.push(json!({"type": "non_fast_forward"}));
            rules.push(json!({"type": "deletion"}));
        }
        // Every rule says where it comes from, as GitHub's answer does.
        for r in &mut rules {
            r["ruleset_source_type"] = json!("Repository");
            r["ruleset_id"] = json!(1);
        }
        rules
    }
}

/// Protection per branch, as a repository holds it.
pub type Protections = BTreeMap<String, BranchProtection>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_githubs_texts() {
        let s = RepoSettings {
            allow_merge_commit: false,
            allow_squash_merge: false,
            allow_rebase_merge: false,
            delete_branch_on_merge: false,
        };
        assert_eq!(
            s.refusal("merge"),
            Some("Merge commits are not allowed on this repository.")
        );
        assert_eq!(
            s.refusal("squash"),
            Some("Squash merges are not allowed on this repository.")
        );
        assert_eq!(
            s.refusal("rebase"),
            Some("Rebase merges are not allowed on this repository.")
        );
        assert_eq!(RepoSettings::default().refusal("merge"), None);
        assert_eq!(
            reviews_required(1),
            "At least 1 approving review is required by reviewers with write access."
        );
        assert_eq!(
            reviews_required(2),
            "At least 2 approving reviews are required by reviewers with write access."
        );
    }

    #[test]
    fn rules_name_each_protection() {
        let p = BranchProtection {
            required_checks: vec!["ci".into()],
            strict: true,
            required_approving_reviews: 1,
            linear_history: true,
            merge_queue: true,
            pull_request_only: true,
            ..Default::default()
        };
        let types: Vec<String> = p
            .rules_json()
            .iter()
            .map(|r| r["type"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            types,
            [
                "pull_request",
                "required_status_checks",
                "required_linear_history",
                "merge_queue",
                "non_fast_forward",
                "deletion"
            ]
        );
        assert!(BranchProtection::default().rules_json().is_empty());
        let squash = BranchProtection {
            merge_queue: true,
            merge_queue_method: QueueMergeMethod::Squash,
            ..Default::default()
        };
        assert_eq!(
            squash.rules_json()[0]["parameters"]["merge_method"],
            "SQUASH"
        );
        assert_eq!(QueueMergeMethod::default().as_str(), "merge");
        assert_eq!(QueueMergeMethod::Rebase.as_str(), "rebase");
        let p = BranchProtection {
            bypass: vec!["convoy-bot".into()],
            ..p
        };
        assert!(p.bypassed_by("Convoy-Bot"));
        assert!(!p.bypassed_by("alice"));
    }
}
