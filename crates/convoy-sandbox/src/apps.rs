//! GitHub Apps, as GitHub has them, kept to what installation tokens need: an App (its id, its
//! RSA public key, its permissions), installed on owners with a repository selection (`all`, or
//! listed repositories); a JWT the App signs (RS256, `iss` = its id) authenticates as the App,
//! and an installation token it mints with it (`POST /app/installations/{id}/access_tokens`)
//! authenticates as the installation: the App's `<slug>[bot]`, on its owner's selected
//! repositories only, for an hour of the sandbox's clock.
//!
//! JWTs are checked against the wall clock (clients sign them with theirs, as GitHub checks them
//! against its own); installation tokens expire by the sandbox's logical clock, which the tests
//! move (`POST /_sandbox/clock`).

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use axum::http::StatusCode;
use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::seed::{Permission, SeedRepo};

/// How long an installation token lives, in seconds of the sandbox's clock (GitHub: one hour).
pub const TOKEN_LIFETIME: i64 = 3600;

/// The longest a JWT may live: its `exp` at most ten minutes ahead (GitHub's rule).
pub const JWT_MAX_SECONDS: i64 = 600;

/// A GitHub App of the sandbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedApp {
    /// The App's id: the `iss` of the JWTs it signs (the `app-id` input of convoy).
    pub id: u64,
    /// The App's slug; it acts as `<slug>[bot]` (a `Bot`).
    pub slug: String,
    /// The App's name. Default: the slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The App's RSA public key in PEM (`-----BEGIN PUBLIC KEY-----`): JWTs must be signed with
    /// its private key.
    pub public_key: String,
    /// The matching private key in PEM. The sandbox never reads it: it is kept beside the public
    /// key so whoever plays convoy against this seed can sign JWTs (a test key, never a real
    /// App's). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// The App's permissions (`contents` → `write`, …); its installation tokens get the
    /// strongest role these imply on each repository they reach (`administration: write` →
    /// admin, any other `write` → write, else read). Default: none (read).
    #[serde(default)]
    pub permissions: BTreeMap<String, AccessLevel>,
    /// Where the App is installed: one installation per owner. Default: nowhere.
    #[serde(default)]
    pub installations: Vec<SeedInstallation>,
}

/// A permission's level, as GitHub spells it in an App's permissions.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum AccessLevel {
    /// Read.
    Read,
    /// Read and write.
    Write,
}

impl AccessLevel {
    /// GitHub's word.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Read => "read",
            AccessLevel::Write => "write",
        }
    }
}

/// An installation of an App on an owner (a user or an organisation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedInstallation {
    /// The installation's id (`POST /app/installations/{id}/access_tokens`).
    pub id: u64,
    /// The owner it is installed on, e.g. `acme`.
    pub account: String,
    /// The repositories it reaches: `"all"` of the owner's, or a list of `owner/name`.
    /// Default: `"all"`.
    #[serde(default)]
    pub repositories: Repositories,
}

/// The repositories an installation reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Repositories {
    /// Every repository of the owner (`"all"`).
    All(AllRepositories),
    /// Only these, as `owner/name` (GitHub's "Only select repositories").
    Selected(Vec<String>),
}

/// The word `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AllRepositories {
    /// Every repository of the owner.
    #[serde(rename = "all")]
    All,
}

impl Default for Repositories {
    fn default() -> Self {
        Repositories::All(AllRepositories::All)
    }
}

impl Repositories {
    /// GitHub's `repository_selection`: `all` or `selected`.
    pub fn selection(&self) -> &'static str {
        match self {
            Repositories::All(_) => "all",
            Repositories::Selected(_) => "selected",
        }
    }

    /// Whether `full_name` (of the installation's owner) is among them.
    pub fn includes(&self, full_name: &str) -> bool {
        match self {
            Repositories::All(_) => true,
            Repositories::Selected(list) => list.iter().any(|r| r.eq_ignore_ascii_case(full_name)),
        }
    }
}

impl SeedApp {
    /// The login the App acts as: `<slug>[bot]`.
    pub fn bot_login(&self) -> String {
        format!("{}[bot]", self.slug)
    }

    /// The repository role its permissions imply ([`SeedApp::permissions`]).
    pub fn role(permissions: &BTreeMap<String, AccessLevel>) -> Permission {
        if permissions.get("administration") == Some(&AccessLevel::Write) {
            Permission::Admin
        } else if permissions.values().any(|l| *l == AccessLevel::Write) {
            Permission::Write
        } else {
            Permission::Read
        }
    }

    /// Its installation on `owner`.
    pub fn installation_on(&self, owner: &str) -> Option<&SeedInstallation> {
        self.installations
            .iter()
            .find(|i| i.account.eq_ignore_ascii_case(owner))
    }
}

/// An installation token the sandbox minted.
#[derive(Debug, Clone)]
pub struct Minted {
    /// The App.
    pub app: u64,
    /// The installation.
    pub installation: u64,
    /// The repositories the token was narrowed to (`repositories` of the request), if any.
    pub repositories: Option<Vec<String>>,
    /// Its permissions (the App's, or the narrower ones asked for).
    pub permissions: BTreeMap<String, AccessLevel>,
    /// When it stops working, in the sandbox's clock (seconds since the epoch).
    pub expires: i64,
}

/// Refuses seeded Apps GitHub could not have: ids twice, an installation twice on one owner, a
/// listed repository of another owner or not seeded, a public key that is no RSA key.
pub fn check(apps: &[SeedApp], repos: &[SeedRepo]) -> Result<()> {
    let mut installation_ids = Vec::new();
    for (i, a) in apps.iter().enumerate() {
        if apps[i + 1..].iter().any(|b| b.id == a.id) {
            bail!("seed app {} appears twice", a.id);
        }
        if a.slug.is_empty()
            || !a
                .slug
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            bail!(
                "seed app {}: the slug must be letters, digits and hyphens",
                a.id
            );
        }
        if let Err(e) = jsonwebtoken::DecodingKey::from_rsa_pem(a.public_key.as_bytes()) {
            bail!(
                "seed app {}: public_key is not an RSA public key in PEM: {e}",
                a.id
            );
        }
        for (j, inst) in a.installations.iter().enumerate() {
            if installation_ids.contains(&inst.id) {
                bail!("seed installation {} appears twice", inst.id);
            }
            installation_ids.push(inst.id);
            if a.installations[j + 1..]
                .iter()
                .any(|x| x.account.eq_ignore_ascii_case(&inst.account))
            {
                bail!(
                    "seed app {} is installed on {} twice: one installation per owner",
                    a.id,
                    inst.account
                );
            }
            if let Repositories::Selected(list) = &inst.repositories {
                for r in list {
                    let owner = r.split_once('/').map_or("", |(o, _)| o);
                    if !owner.eq_ignore_ascii_case(&inst.account)
                        || !repos.iter().any(|s| s.name.eq_ignore_ascii_case(r))
                    {
                        bail!(
                            "seed installation {}: {r} is not a seeded repository of {}",
                            inst.id,
                            inst.account
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// The claims of an App's JWT the sandbox reads.
#[derive(Debug, Deserialize)]
struct Claims {
    #[serde(default)]
    iss: Option<serde_json::Value>,
    #[serde(default)]
    iat: Option<serde_json::Value>,
    #[serde(default)]
    exp: Option<serde_json::Value>,
}

/// GitHub's answer to a JWT it cannot read, or signed with another key.
pub const UNDECODABLE: &str = "A JSON web token could not be decoded";
/// GitHub's answer to an expired JWT.
pub const EXPIRED: &str = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
/// GitHub's answer to a JWT that lives longer than ten minutes.
pub const TOO_FAR: &str = "'Expiration time' claim ('exp') is too far in the future";
/// GitHub's answer to a JWT issued in the future (or without `iat`).
pub const BAD_IAT: &str = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, message)
}

/// Whether a bearer token has the form of a JWT (three base64url parts).
pub fn looks_like_jwt(token: &str) -> bool {
    token.split('.').count() == 3 && token.starts_with("eyJ")
}

fn number(v: Option<&serde_json::Value>) -> Option<i64> {
    match v? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Verifies an App's JWT at wall-clock time `now`: RS256, signed with the key of the App its
/// `iss` names, `iat` not ahead of `now` (60 s of drift allowed), `exp` after `now` and at most
/// ten minutes ahead. Returns the App's id, else GitHub's 401 and message.
pub fn verify_jwt(apps: &[SeedApp], token: &str, now: i64) -> Result<u64, ApiError> {
    let payload = token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<Claims>(&b).ok())
        .ok_or_else(|| unauthorized(UNDECODABLE))?;
    let iss = number(payload.iss.as_ref()).ok_or_else(|| unauthorized(UNDECODABLE))?;
    let app = apps
        .iter()
        .find(|a| i64::try_from(a.id).is_ok_and(|id| id == iss))
        .ok_or_else(|| unauthorized(UNDECODABLE))?;
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(app.public_key.as_bytes())
        .map_err(|_| unauthorized(UNDECODABLE))?;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
        .map_err(|_| unauthorized(UNDECODABLE))?;
    let iat = number(payload.iat.as_ref()).ok_or_else(|| unauthorized(BAD_IAT))?;
    if iat > now + 60 {
        return Err(unauthorized(BAD_IAT));
    }
    let exp = number(payload.exp.as_ref()).ok_or_else(|| unauthorized(EXPIRED))?;
    if exp <= now {
        return Err(unauthorized(EXPIRED));
    }
    if exp > now + JWT_MAX_SECONDS {
        return Err(unauthorized(TOO_FAR));
    }
    Ok(app.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_read_as_github_spells_them() {
        let all: Repositories = serde_json::from_str(r#""all""#).unwrap();
        assert_eq!(all.selection(), "all");
        assert!(all.includes("acme/x"));
        let some: Repositories = serde_json::from_str(r#"["beta/x"]"#).unwrap();
        assert_eq!(some.selection(), "selected");
        assert!(some.includes("Beta/X") && !some.includes("beta/y"));
        assert!(serde_json::from_str::<Repositories>(r#""some""#).is_err());
    }

    #[test]
    fn roles_follow_permissions() {
        let p = |pairs: &[(&str, AccessLevel)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect::<BTreeMap<_, _>>()
        };
        assert_eq!(SeedApp::role(&p(&[])), Permission::Read);
        assert_eq!(
            SeedApp::role(&p(&[("contents", AccessLevel::Write)])),
            Permission::Write
        );
        assert_eq!(
            SeedApp::role(&p(&[("administration", AccessLevel::Write)])),
            Permission::Admin
        );
    }

    #[test]
    fn garbage_is_not_a_jwt() {
        assert!(!looks_like_jwt("t-bot"));
        assert!(!looks_like_jwt("ghs_abc"));
        let e = verify_jwt(&[], "eyJ.eyJ.x", 0).unwrap_err();
        assert_eq!(e.message, UNDECODABLE);
    }
}
