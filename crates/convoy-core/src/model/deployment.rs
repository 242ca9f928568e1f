//! GitHub deployments: where convoy records each member repo's promotion, so the repository's
//! environments page shows where every release stands.
//!
//! `deployments` in `convoy.json` names the two environments ([`Deployments`]); the manifest
//! keeps, per member repo, the deployments convoy made and the status it last gave each
//! ([`DeploymentRecord`]). Pure data: the lifecycle decides the states
//! (`lifecycle::deployments`), the GitHub edge creates the deployments and their statuses.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ids::{IdError, Sha, string_id};

/// A GitHub environment's name (`staging`, `production`, `eu-production`): 1 to 255
/// characters, no control characters, no leading or trailing space. GitHub compares environment
/// names without regard to case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnvironmentName(String);

impl EnvironmentName {
    /// Parses an environment name.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const KIND: &str = "environment name";
        if s.is_empty() || s.chars().count() > 255 {
            return Err(IdError::new(KIND, s, "it must have 1 to 255 characters"));
        }
        if s.chars().any(char::is_control) || s.trim() != s {
            return Err(IdError::new(
                KIND,
                s,
                "it holds a control character or starts or ends with a space",
            ));
        }
        Ok(EnvironmentName(s.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `other` names the same environment (GitHub ignores case).
    pub fn same(&self, other: &EnvironmentName) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }

    fn named(s: &str) -> Self {
        EnvironmentName(s.to_owned())
    }
}

string_id!(
    EnvironmentName,
    "EnvironmentName",
    json_schema!({
        "type": "string",
        "description": "A GitHub environment's name.",
        "minLength": 1,
        "maxLength": 255
    })
);

/// `deployments` in `convoy.json`: record each member repo's promotion as a GitHub deployment
/// of the SHA that moved. Absent: convoy makes no deployments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployments {
    /// The environment a repo's staged SHA (staging's head holding the RC) is deployed to while
    /// the tiers run on it. Default `staging`.
    #[serde(default = "default_staging")]
    pub staging: EnvironmentName,
    /// The environment a repo's shipped merge is deployed to (a production environment on
    /// GitHub). Default `production`.
    #[serde(default = "default_production")]
    pub production: EnvironmentName,
}

impl Default for Deployments {
    fn default() -> Self {
        Deployments {
            staging: default_staging(),
            production: default_production(),
        }
    }
}

fn default_staging() -> EnvironmentName {
    EnvironmentName::named("staging")
}

fn default_production() -> EnvironmentName {
    EnvironmentName::named("production")
}

impl Deployments {
    /// The environment of `stage`.
    pub fn environment(&self, stage: Stage) -> &EnvironmentName {
        match stage {
            Stage::Staging => &self.staging,
            Stage::Production => &self.production,
        }
    }
}

/// Which promotion a deployment records.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// RC → staging: the staged SHA, in the `deployments.staging` environment.
    Staging,
    /// staging → base: the shipped merge, in the `deployments.production` environment.
    Production,
}

impl Stage {
    /// The word (`staging`, `production`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Staging => "staging",
            Stage::Production => "production",
        }
    }
}

/// A deployment status convoy gives, as GitHub spells it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentState {
    /// Staged and being tested, or merged into base and not yet released.
    InProgress,
    /// Every required tier passed on it (staging), or it shipped (production).
    Success,
    /// A tier failed on it.
    Failure,
    /// No longer where the release stands: aborted, rolled back, or replaced by a newer staged
    /// SHA.
    Inactive,
}

impl DeploymentState {
    /// GitHub's word (`in_progress`, `success`, `failure`, `inactive`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentState::InProgress => "in_progress",
            DeploymentState::Success => "success",
            DeploymentState::Failure => "failure",
            DeploymentState::Inactive => "inactive",
        }
    }
}

impl fmt::Display for DeploymentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One deployment convoy made of a member repo, in the manifest.
///
/// Written ahead like every effect: the decision that plans a status records it with
/// `reported: false`; once GitHub has it, `reported` turns true (with the deployment's id). A
/// status GitHub refused is kept with its `refusal` and not sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentRecord {
    /// Which promotion it records.
    pub stage: Stage,
    /// The environment it was made in.
    pub environment: EnvironmentName,
    /// The SHA deployed.
    pub sha: Sha,
    /// The latest status convoy planned for it.
    pub state: DeploymentState,
    /// Whether GitHub holds that status.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reported: bool,
    /// GitHub's id of the deployment, once made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// GitHub's answer when it refused the deployment or its status (then convoy records no more
    /// statuses for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_names_are_checked() {
        assert!(EnvironmentName::parse("eu production").is_ok());
        let long = "e".repeat(256);
        for bad in ["", " staging", "prod\n", long.as_str()] {
            let e = EnvironmentName::parse(bad).err();
            assert!(e.is_some(), "{bad:?} should be refused");
        }
        let a = EnvironmentName::parse("Production").ok();
        let b = EnvironmentName::parse("production").ok();
        assert!(matches!((a, b), (Some(a), Some(b)) if a.same(&b)));
    }

    #[test]
    fn defaults_name_staging_and_production() {
        let d: Deployments = serde_json::from_str("{}").expect("all fields default");
        assert_eq!(d.staging.as_str(), "staging");
        assert_eq!(d.production.as_str(), "production");
        let e = serde_json::from_str::<Deployments>(r#"{"stagin": "x"}"#);
        assert!(e.is_err(), "unknown fields are refused");
    }
}
