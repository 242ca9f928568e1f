//! What `convoy doctor` reads beyond what a run needs: a repository with the token's
//! permissions on it, one branch as anyone with read access sees it, the rules of a branch with
//! their parameters, and whether the token may bypass a ruleset.

use serde::Deserialize;

use super::repo::Repo;
use super::repos::Repository;
use super::{de, path};
use crate::github::client::{GhError, GitHub};
use crate::model::ids::BranchName;

/// A repository with what the token may do there.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RepoOverview {
    /// Its default branch and merge settings.
    #[serde(flatten)]
    pub settings: Repository,
    /// The token's permissions (`admin`, `maintain`, `push`, `triage`, `pull`), when GitHub
    /// sends them.
    #[serde(deserialize_with = "de::lenient")]
    pub permissions: Option<Permissions>,
    /// "Automatically delete head branches".
    #[serde(deserialize_with = "de::lenient")]
    pub delete_branch_on_merge: Option<bool>,
    /// Archived (read-only).
    #[serde(deserialize_with = "de::lenient")]
    pub archived: Option<bool>,
    /// Issues enabled.
    #[serde(deserialize_with = "de::lenient")]
    pub has_issues: Option<bool>,
}

/// The `permissions` object of a repository.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct Permissions {
    /// Admin.
    pub admin: bool,
    /// Maintain.
    pub maintain: bool,
    /// Push (write).
    pub push: bool,
    /// Triage.
    pub triage: bool,
    /// Pull (read).
    pub pull: bool,
}

/// A branch as `GET …/branches/{b}` shows it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Branch {
    /// Under branch protection or a ruleset.
    #[serde(deserialize_with = "de::lenient")]
    pub protected: Option<bool>,
    /// What classic protection shows to readers.
    #[serde(deserialize_with = "de::lenient")]
    pub protection: Option<BranchProtection>,
}

/// `protection` of a branch.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BranchProtection {
    /// Its required status checks.
    #[serde(deserialize_with = "de::lenient")]
    pub required_status_checks: Option<RequiredChecks>,
}

/// Required status checks of classic protection.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequiredChecks {
    /// `off`, `non_admins` or `everyone`.
    #[serde(deserialize_with = "de::lenient")]
    pub enforcement_level: Option<String>,
    /// The contexts.
    #[serde(deserialize_with = "de::lenient")]
    pub contexts: Option<Vec<String>>,
    /// Strict mode (sent by `…/protection`, not by the branch).
    #[serde(deserialize_with = "de::lenient")]
    pub strict: Option<bool>,
}

/// One rule that applies to a branch, with its parameters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RuleDetail {
    /// `pull_request`, `required_status_checks`, `required_linear_history`, `merge_queue`,
    /// `non_fast_forward`, `update`, `deletion`, …
    #[serde(rename = "type", deserialize_with = "de::lenient")]
    pub kind: Option<String>,
    /// The ruleset it comes from.
    #[serde(deserialize_with = "de::lenient")]
    pub ruleset_id: Option<u64>,
    /// Its parameters.
    #[serde(deserialize_with = "de::lenient")]
    pub parameters: Option<RuleParameters>,
}

/// The parameters convoy reads of a rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RuleParameters {
    /// `pull_request`: approvals needed.
    #[serde(deserialize_with = "de::lenient")]
    pub required_approving_review_count: Option<u32>,
    /// `pull_request`: a code owner must approve.
    #[serde(deserialize_with = "de::lenient")]
    pub require_code_owner_review: Option<bool>,
    /// `pull_request`: the merge methods allowed (`merge`, `squash`, `rebase`).
    #[serde(deserialize_with = "de::lenient")]
    pub allowed_merge_methods: Option<Vec<String>>,
    /// `required_status_checks`: the checks.
    #[serde(deserialize_with = "de::items")]
    pub required_status_checks: Vec<StatusCheck>,
    /// `required_status_checks`: the head must be up to date.
    #[serde(deserialize_with = "de::lenient")]
    pub strict_required_status_checks_policy: Option<bool>,
}

/// A required status check of a rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StatusCheck {
    /// Its context.
    #[serde(deserialize_with = "de::lenient")]
    pub context: Option<String>,
}

/// A ruleset, as far as doctor reads it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Ruleset {
    /// `always`, `pull_requests_only`, `never` or `exempt`: whether the caller bypasses it.
    #[serde(deserialize_with = "de::lenient")]
    pub current_user_can_bypass: Option<String>,
}

/// A repository an installation token reaches, with the token's permissions there.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReachedRepo {
    /// `owner/name`.
    #[serde(deserialize_with = "de::lenient")]
    pub full_name: Option<String>,
    /// The token's permissions.
    #[serde(deserialize_with = "de::lenient")]
    pub permissions: Option<Permissions>,
}

impl GitHub {
    /// `GET /installation/repositories` (up to 10 pages): the repositories an installation token
    /// reaches, with its permissions on each (`GET /repos` leaves them out for such a token).
    /// Any other token gets a refusal.
    pub async fn installation_repositories(&self) -> Result<Vec<ReachedRepo>, GhError> {
        let items = self
            .get_all("/installation/repositories", Some("repositories"), 10)
            .await?;
        Ok(de::objects(items))
    }
}

impl Repo<'_> {
    /// `GET /repos/{o}/{r}` with the token's permissions; `None` on 404 (not there, or not
    /// visible to the token).
    pub async fn overview(&self) -> Result<Option<RepoOverview>, GhError> {
        Ok(self.get_opt("").await?.map(de::object))
    }

    /// `GET /repos/{o}/{r}/branches/{branch}`; `None` when the branch does not exist.
    pub async fn branch(&self, branch: &BranchName) -> Result<Option<Branch>, GhError> {
        let url = format!("/branches/{}", path::enc(branch.as_str()));
        Ok(self.get_opt(&url).await?.map(de::object))
    }

    /// `GET /repos/{o}/{r}/rules/branches/{branch}` with each rule's parameters, every page (up
    /// to 5 of 100); none on 404.
    pub async fn branch_rule_details(
        &self,
        branch: &BranchName,
    ) -> Result<Vec<RuleDetail>, GhError> {
        let found = self.get_all_opt(&Repo::rules_tail(branch), 5).await?;
        Ok(found.map(de::objects).unwrap_or_default())
    }

    /// `GET /repos/{o}/{r}/rulesets/{id}`; `None` on 404.
    pub async fn ruleset(&self, id: u64) -> Result<Option<Ruleset>, GhError> {
        Ok(self
            .get_opt(&format!("/rulesets/{id}"))
            .await?
            .map(de::object))
    }
}
