//! The seed: users, tokens, permissions and repositories a sandbox starts with.
//!
//! Written by hand as JSON (schema: `schemas/sandbox-seed.schema.json`); [`Seed::demo`] is the
//! sandbox's own small seed for its API tests. (`convoy demo` and `convoy sandbox serve` start
//! from convoy's demo world instead: `src/demo/seed.json`, with a `convoy.json`.)

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::apps::{AccessLevel, AllRepositories, Repositories, SeedApp, SeedInstallation};
use crate::protection::{BranchProtection, Protections, RepoSettings};
pub use crate::teams::SeedTeam;

/// Everything a sandbox starts with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Users and bots, with their tokens and repository permissions. Default: none.
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// Repositories, created in order. Default: none.
    #[serde(default)]
    pub repos: Vec<SeedRepo>,
    /// Teams of organisations: members, and the permission they give on the organisation's
    /// repositories. Default: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<SeedTeam>,
    /// GitHub Apps: their keys, permissions and installations (`POST
    /// /app/installations/{id}/access_tokens` mints tokens scoped to one installation). Default:
    /// none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apps: Vec<SeedApp>,
}

/// A user (or bot) of the sandbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    /// Login, e.g. `alice`.
    pub login: String,
    /// `User` or `Bot`. Default: `User`.
    #[serde(rename = "type", default)]
    pub kind: UserKind,
    /// The API token that authenticates as this user (`Authorization: token T` or `Bearer T`).
    /// Default: none (the user can only act through control endpoints).
    #[serde(default)]
    pub token: Option<String>,
    /// Permission per repository (`owner/name`, or `*` for every repository). Default: none.
    #[serde(default)]
    pub permissions: BTreeMap<String, Permission>,
}

/// The kind of account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum UserKind {
    /// A human account.
    #[default]
    User,
    /// A bot or GitHub App account.
    Bot,
}

impl UserKind {
    /// GitHub's `type` word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Bot => "Bot",
        }
    }
}

/// A repository role, weakest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// No access: the repository answers 404.
    None,
    /// Read.
    Read,
    /// Triage (issues and pull requests, no push).
    Triage,
    /// Write (push, merge).
    Write,
    /// Maintain.
    Maintain,
    /// Admin.
    Admin,
}

impl Permission {
    /// The role name (`role_name` on GitHub).
    pub fn role_name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Read => "read",
            Self::Triage => "triage",
            Self::Write => "write",
            Self::Maintain => "maintain",
            Self::Admin => "admin",
        }
    }

    /// The legacy `permission` word GitHub reports (`admin`, `write`, `read` or `none`).
    pub fn legacy(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Read | Self::Triage => "read",
            Self::Write | Self::Maintain => "write",
            Self::Admin => "admin",
        }
    }
}

/// A repository of the sandbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedRepo {
    /// `owner/name`.
    pub name: String,
    /// The default branch. Default: `main`.
    #[serde(default = "default_branch")]
    pub default_branch: String,
    /// Extra branches: branch name → the branch it starts from. Default: none.
    #[serde(default)]
    pub branches: BTreeMap<String, String>,
    /// Files of the initial commit on the default branch: path → UTF-8 content. Default: a
    /// `README.md` naming the repository.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Branch protection: branch → status-check contexts (commit statuses or check-run names)
    /// that must pass on a pull request's head before it can merge into that branch. A shorthand
    /// for `protection.<branch>.required_checks` (the two lists are joined). Default: none.
    #[serde(default)]
    pub required_checks: BTreeMap<String, Vec<String>>,
    /// Repository settings: allowed merge methods, automatic deletion of head branches.
    /// Default: GitHub's defaults (every method allowed, head branches kept).
    #[serde(default)]
    pub settings: RepoSettings,
    /// Branch protection: branch → what protects it (required checks, strict mode, reviews,
    /// linear history, merge queue, pull-request-only, bypass actors). Default: none.
    #[serde(default)]
    pub protection: BTreeMap<String, BranchProtection>,
    /// Labels that exist in the repository. Default: none.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Open milestones, by title (numbered from 1 in order). Default: none.
    #[serde(default)]
    pub milestones: Vec<String>,
    /// Issues. Default: none.
    #[serde(default)]
    pub issues: Vec<SeedIssue>,
}

impl SeedRepo {
    /// The protection of every branch: `protection` with the `required_checks` shorthand
    /// joined in.
    pub fn protections(&self) -> Protections {
        let mut all = self.protection.clone();
        for (branch, checks) in &self.required_checks {
            let p = all.entry(branch.clone()).or_default();
            for c in checks {
                if !p.required_checks.contains(c) {
                    p.required_checks.push(c.clone());
                }
            }
        }
        all
    }
}

fn default_branch() -> String {
    "main".to_owned()
}

/// An issue of a seeded repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedIssue {
    /// Issue number. Default: the next free number.
    #[serde(default)]
    pub number: Option<u64>,
    /// Title.
    pub title: String,
    /// Body. Default: none.
    #[serde(default)]
    pub body: Option<String>,
    /// Milestone title (one of the repository's `milestones`). Default: none.
    #[serde(default)]
    pub milestone: Option<String>,
    /// `open` or `closed`. Default: `open`.
    #[serde(default)]
    pub state: IssueState,
    /// Label names. Default: none.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Author login. Default: the first seeded user.
    #[serde(default)]
    pub user: Option<String>,
}

/// Open or closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum IssueState {
    /// Open.
    #[default]
    Open,
    /// Closed.
    Closed,
}

/// The demo's end-to-end workflow: dispatchable, echoing the correlation id in its `run-name`.
pub const DEMO_E2E_WORKFLOW: &str = r#"name: e2e
run-name: "e2e ${{ inputs.correlation_id }}"
on:
  workflow_dispatch:
    inputs:
      correlation_id:
        description: Correlation id echoed in run-name
        required: true
      release:
        description: Release id
        required: false
        default: ""
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: echo "testing ${{ inputs.release }}"
"#;

/// A push-only CI workflow (dispatching it is refused with 422).
pub const DEMO_CI_WORKFLOW: &str = r#"name: ci
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo build
"#;

impl Seed {
    /// Reads and validates a seed file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading seed {}", path.display()))?;
        Self::from_json(&text).with_context(|| format!("parsing seed {}", path.display()))
    }

    /// Parses a seed from JSON text.
    pub fn from_json(text: &str) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_str(text);
        Ok(serde_path_to_error::deserialize(de)?)
    }

    /// The JSON Schema of seed files.
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Seed)).unwrap_or_default()
    }

    /// The built-in demo: `acme/control`, `acme/e2e` (dispatchable `e2e.yml`), members
    /// `acme/schema`, `acme/api`, `acme/web` with `main` and `staging`; users `alice` (admin on
    /// `acme/control`), `bob` (write everywhere) and the bot `convoy-bot` (admin everywhere).
    /// Tokens: `t-alice`, `t-bob`, `t-bot`.
    pub fn demo() -> Self {
        let perms = |pairs: &[(&str, Permission)]| {
            pairs
                .iter()
                .map(|(r, p)| ((*r).to_owned(), *p))
                .collect::<BTreeMap<_, _>>()
        };
        let user = |login: &str, kind, token: &str, permissions| SeedUser {
            login: login.to_owned(),
            kind,
            token: Some(token.to_owned()),
            permissions,
        };
        let files = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
                .collect::<BTreeMap<_, _>>()
        };
        let repo = |name: &str, files: BTreeMap<String, String>, staging: bool| SeedRepo {
            name: name.to_owned(),
            default_branch: default_branch(),
            branches: if staging {
                BTreeMap::from([("staging".to_owned(), "main".to_owned())])
            } else {
                BTreeMap::new()
            },
            files,
            required_checks: BTreeMap::new(),
            settings: RepoSettings::default(),
            protection: BTreeMap::new(),
            labels: Vec::new(),
            milestones: Vec::new(),
            issues: Vec::new(),
        };
        let mut control = repo(
            "acme/control",
            files(&[("README.md", "# control\n")]),
            false,
        );
        control.labels = vec!["convoy".to_owned(), "release".to_owned()];
        control.milestones = vec!["r1".to_owned()];
        let mut api = repo(
            "acme/api",
            files(&[
                ("README.md", "# api\n"),
                (".github/workflows/ci.yml", DEMO_CI_WORKFLOW),
            ]),
            true,
        );
        api.milestones = vec!["Sprint 41".to_owned()];
        api.issues = vec![SeedIssue {
            number: Some(12),
            title: "Add endpoint".to_owned(),
            body: None,
            milestone: Some("Sprint 41".to_owned()),
            state: IssueState::Open,
            labels: Vec::new(),
            user: Some("alice".to_owned()),
        }];
        Self {
            users: vec![
                user(
                    "alice",
                    UserKind::User,
                    "t-alice",
                    perms(&[("acme/control", Permission::Admin)]),
                ),
                user(
                    "bob",
                    UserKind::User,
                    "t-bob",
                    perms(&[("*", Permission::Write)]),
                ),
                user(
                    "convoy-bot",
                    UserKind::Bot,
                    "t-bot",
                    perms(&[("*", Permission::Admin)]),
                ),
            ],
            repos: vec![
                control,
                repo(
                    "acme/e2e",
                    files(&[
                        ("README.md", "# e2e\n"),
                        (".github/workflows/e2e.yml", DEMO_E2E_WORKFLOW),
                    ]),
                    false,
                ),
                repo(
                    "acme/schema",
                    files(&[
                        ("README.md", "# schema\n"),
                        ("schema.sql", "create table t (id int);\n"),
                    ]),
                    true,
                ),
                api,
                repo("acme/web", files(&[("README.md", "# web\n")]), true),
            ],
            teams: Vec::new(),
            apps: Vec::new(),
        }
    }
}
