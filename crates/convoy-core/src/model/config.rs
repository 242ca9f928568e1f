//! `convoy.json`: the policy people write in the control repo.
//!
//! Every field is documented here; the doc comments become the `description`s of
//! `schemas/convoy-config.schema.json`, so the schema and these types cannot drift apart. Unknown
//! fields are errors (`deny_unknown_fields`): a typo must never silently turn a policy off.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::calendar::{Calendar, Soak};
use super::deployment::Deployments;
use super::ids::{BranchName, Login, ReleaseId, RepoName, Reviewer, TierName};

/// The whole `convoy.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "convoy configuration (convoy.json)")]
pub struct Config {
    /// The JSON Schema this file follows (ignored by convoy; editors use it).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The repository that holds this file and the release manifests. Default: the repository
    /// whose workflow runs convoy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_repo: Option<RepoName>,
    /// The member repositories that ship together. At least one.
    pub repos: Vec<RepoConfig>,
    /// The RC branch name template; `{release}` is replaced by the release id. Default
    /// `rc/{release}`.
    #[serde(default = "default_rc_branch")]
    pub rc_branch: String,
    /// How strict every gate is. Default `careful`.
    #[serde(default)]
    pub directive: Directive,
    /// The end-to-end test workflows that gate the staging and validation phases. Default: none.
    #[serde(default)]
    pub tiers: Vec<TierConfig>,
    /// Who may answer a human gate (`/convoy approve`). Default: anyone with `maintain`.
    #[serde(default)]
    pub approvers: Approvers,
    /// The workflow convoy dispatches to try to fix a failing tier. Default: none (escalate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_fix: Option<AutoFix>,
    /// Who is called, and how, when convoy needs a human.
    #[serde(default)]
    pub escalation: Escalation,
    /// How convoy ships.
    #[serde(default)]
    pub ship: ShipPolicy,
    /// Milestone titles that scope a release: their issues become its tasks. Default: none
    /// (tasks are listed explicitly).
    #[serde(default)]
    pub sprints: Vec<String>,
    /// How convoy waits for the approving reviews a protected branch requires.
    #[serde(default)]
    pub reviews: ReviewPolicy,
    /// When releases may ship: the ship windows and the freezes, in one time zone. Default: any
    /// time.
    #[serde(default, skip_serializing_if = "Calendar::is_default")]
    pub calendar: Calendar,
    /// How long a release stays in staging or validation once it is ready to leave it. Default:
    /// no soak.
    #[serde(default, skip_serializing_if = "Soak::is_default")]
    pub soak: Soak,
    /// Record each repo's promotion as a GitHub deployment of the SHA that moved, with the
    /// deployment statuses of the release (`in_progress`, `success`, `failure`, `inactive`), in
    /// the two environments named here. Default: no deployments. Convoy's token needs the
    /// `deployments: write` permission in every member repo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployments: Option<Deployments>,
}

/// How convoy waits for required reviews on its promotion pull requests: a normal wait, with
/// reminders, escalated only after a timeout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewPolicy {
    /// Hours between reminders (a comment on the pull request) while a review is missing.
    /// Default 24.
    #[serde(default = "default_remind_hours")]
    #[schemars(range(min = 1, max = 720))]
    pub remind_every_hours: u32,
    /// Hours a promotion pull request may wait for its reviews before convoy calls a human.
    /// Default 72.
    #[serde(default = "default_escalate_hours")]
    #[schemars(range(min = 1, max = 2160))]
    pub escalate_after_hours: u32,
    /// Where the ship gate waits for a person (`careful`): open every staging → base pull
    /// request as soon as the validation tiers pass, and let approving reviews from approvers
    /// on all of them, at the staged heads, open the gate (as `/convoy ship` does). Default
    /// `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approve_ship: bool,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        ReviewPolicy {
            remind_every_hours: default_remind_hours(),
            escalate_after_hours: default_escalate_hours(),
            approve_ship: false,
        }
    }
}

impl ReviewPolicy {
    /// Whether every field has its default.
    pub fn is_default(&self) -> bool {
        *self == ReviewPolicy::default()
    }
}

fn default_remind_hours() -> u32 {
    24
}

fn default_escalate_hours() -> u32 {
    72
}

fn default_rc_branch() -> String {
    "rc/{release}".to_owned()
}

/// One member repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepoConfig {
    /// The repository, `owner/name`.
    pub name: RepoName,
    /// The branch releases ship to. Default `main`.
    #[serde(default = "default_base")]
    pub base: BranchName,
    /// The branch a release is staged on before it ships. Default `staging`.
    #[serde(default = "default_staging")]
    pub staging: BranchName,
    /// Member repositories that must be promoted before this one. Default: none.
    #[serde(default)]
    pub depends_on: Vec<RepoName>,
    /// How this repository's promotion and revert pull requests are merged, overriding what
    /// convoy discovers from its settings and branch rules. Default: discovered (the release-wide
    /// `ship.merge_method` when the repository allows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_method: Option<MergeMethod>,
    /// People (`bob`) and teams of the repository's organisation (`acme/release`) convoy asks
    /// (once) to review its promotion pull requests when the branch they merge into requires
    /// approving reviews. Default: none (GitHub's CODEOWNERS requests, if any; convoy then only
    /// waits and reminds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviewers: Vec<Reviewer>,
}

fn default_base() -> BranchName {
    BranchName::parse("main").unwrap_or_else(|_| unreachable!("`main` is a valid branch name"))
}

fn default_staging() -> BranchName {
    BranchName::parse("staging")
        .unwrap_or_else(|_| unreachable!("`staging` is a valid branch name"))
}

/// How strict the gates are (see the directive table in docs/release-strategy.md).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Directive {
    /// A human approves the plan, leaving development and shipping; every tier must pass.
    #[default]
    Careful,
    /// Gates open by themselves when their criteria hold; required tiers must pass.
    Auto,
    /// Like `auto`, but only tiers marked `quick` must pass.
    Quick,
}

impl Directive {
    /// The directive's name as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Directive::Careful => "careful",
            Directive::Auto => "auto",
            Directive::Quick => "quick",
        }
    }
}

/// The phase a tier gates.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TierPhase {
    /// Runs once the RC branches are merged into staging; must pass to leave staging.
    Staging,
    /// Runs in the validation phase; must pass before shipping.
    Validation,
}

/// One E2E tier: a workflow convoy dispatches with `workflow_dispatch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierConfig {
    /// The tier's name, unique in the file.
    pub name: TierName,
    /// The repository holding the workflow; may be outside the member repos (an E2E repo).
    pub repo: RepoName,
    /// The workflow's file name in `.github/workflows/`, e.g. `e2e.yml`.
    pub workflow: String,
    /// The ref to run the workflow on. Default: that repository's default branch.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<BranchName>,
    /// The phase this tier gates.
    pub phase: TierPhase,
    /// Whether the tier must pass under the `auto` directive. Default `true`.
    #[serde(default = "yes")]
    pub required: bool,
    /// Whether the tier must pass under the `quick` directive. Default `false`.
    #[serde(default)]
    pub quick: bool,
    /// Attempts before a failure counts (the first run plus retries) under the `auto` directive;
    /// `careful` and `quick` allow 2 whatever this says. Default 2.
    #[serde(default = "default_max_attempts")]
    #[schemars(range(min = 1, max = 10))]
    pub max_attempts: u32,
    /// Minutes after which a run still going is cancelled and counts as failed. Default 60.
    #[serde(default = "default_timeout")]
    #[schemars(range(min = 1, max = 4320))]
    pub timeout_minutes: u32,
    /// The member repositories whose SHAs this tier tests. Default: all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<Vec<RepoName>>,
}

fn yes() -> bool {
    true
}

fn default_max_attempts() -> u32 {
    2
}

fn default_timeout() -> u32 {
    60
}

/// Who may answer human gates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approvers {
    /// Logins that may approve regardless of their permission. Default: none.
    #[serde(default)]
    pub users: Vec<Login>,
    /// Anyone with at least this permission on the control repo may approve. Default `maintain`.
    #[serde(default = "default_min_permission")]
    pub min_permission: Permission,
}

impl Approvers {
    /// Whether `login`, holding `permission` on the control repo, may approve a gate: listed,
    /// or holding at least `min_permission`.
    pub fn admits(&self, login: &Login, permission: Permission) -> bool {
        self.users.contains(login) || permission >= self.min_permission
    }
}

impl Default for Approvers {
    fn default() -> Self {
        Approvers {
            users: Vec::new(),
            min_permission: default_min_permission(),
        }
    }
}

fn default_min_permission() -> Permission {
    Permission::Maintain
}

/// A repository permission level, weakest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// No access.
    None,
    /// Read.
    Read,
    /// Triage.
    Triage,
    /// Write (push).
    Write,
    /// Maintain.
    Maintain,
    /// Admin.
    Admin,
}

/// The auto-fix workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoFix {
    /// The repository holding the workflow.
    pub repo: RepoName,
    /// The workflow's file name.
    pub workflow: String,
    /// Fix attempts per tier before a human is called. Default 1.
    #[serde(default = "one")]
    #[schemars(range(min = 0, max = 10))]
    pub max_attempts: u32,
}

fn one() -> u32 {
    1
}

/// How convoy calls a human.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// Users (`@alice`) or teams (`@acme/release`) mentioned in the escalation comment. Default:
    /// none.
    #[serde(default)]
    pub mention: Vec<String>,
    /// The label put on the tracking issue while a human is needed. Default `convoy:needs-human`.
    #[serde(default = "default_label")]
    pub label: String,
}

impl Default for Escalation {
    fn default() -> Self {
        Escalation {
            mention: Vec::new(),
            label: default_label(),
        }
    }
}

fn default_label() -> String {
    "convoy:needs-human".to_owned()
}

/// How convoy ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipPolicy {
    /// What to do when some repos merged to their base and another cannot: `hold` (keep them,
    /// escalate, keep retrying) or `rollback` (revert the merged ones). Default `hold`.
    #[serde(default)]
    pub on_partial: OnPartial,
    /// The tag template; `{version}` and `{release}` are replaced. Default `v{version}`.
    #[serde(default = "default_tag")]
    pub tag: String,
    /// How promotion pull requests are merged where a repository allows it (the preferred
    /// method; `repos[].merge_method` overrides it per repository). Default `merge`.
    #[serde(default)]
    pub merge_method: MergeMethod,
}

impl Default for ShipPolicy {
    fn default() -> Self {
        ShipPolicy {
            on_partial: OnPartial::default(),
            tag: default_tag(),
            merge_method: MergeMethod::default(),
        }
    }
}

fn default_tag() -> String {
    "v{version}".to_owned()
}

/// What to do on a partial shipping failure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnPartial {
    /// Keep what merged, escalate, retry the failed repo.
    #[default]
    Hold,
    /// Revert what merged, in reverse dependency order.
    Rollback,
}

/// GitHub's merge methods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MergeMethod {
    /// A merge commit.
    #[default]
    Merge,
    /// One squashed commit.
    Squash,
    /// The commits rebased onto the base.
    Rebase,
}

impl MergeMethod {
    /// Every method, in the order convoy falls back through them.
    pub const ALL: [MergeMethod; 3] =
        [MergeMethod::Merge, MergeMethod::Squash, MergeMethod::Rebase];

    /// The name GitHub's merge API takes.
    pub fn as_str(self) -> &'static str {
        match self {
            MergeMethod::Merge => "merge",
            MergeMethod::Squash => "squash",
            MergeMethod::Rebase => "rebase",
        }
    }
}

impl Config {
    /// The member repository with this name.
    pub fn repo(&self, name: &RepoName) -> Option<&RepoConfig> {
        self.repos.iter().find(|r| &r.name == name)
    }
}

impl Config {
    /// The RC branch name of `release` rendered from `rc_branch`.
    pub fn rc_branch_for(&self, release: &ReleaseId) -> Result<BranchName, String> {
        rc_branch_for(&self.rc_branch, release)
    }
}

/// Renders an RC branch template for `release` and checks the result is a branch name.
pub fn rc_branch_for(template: &str, release: &ReleaseId) -> Result<BranchName, String> {
    let name = super::template::render(template, &[("release", release.as_str())])?;
    BranchName::parse(&name).map_err(|e| e.to_string())
}

/// Renders the tag template for a release.
pub fn tag_for(template: &str, version: &str, release: &ReleaseId) -> Result<String, String> {
    let tag = super::template::render(
        template,
        &[("version", version), ("release", release.as_str())],
    )?;
    BranchName::parse(&tag)
        .map(|b| b.as_str().to_owned())
        .map_err(|e| e.to_string().replace("branch name", "tag"))
}
