//! Identifier newtypes that validate when they are parsed.
//!
//! Every identifier convoy reads from people or from GitHub goes through one of these types, so
//! code past the parsing edge never holds an invalid repository name, release id or SHA. Each type
//! parses from a string (`FromStr`), (de)serializes as a plain JSON string, and describes itself in
//! the JSON Schemas.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

pub use super::id_error::IdError;
pub use super::numbers::{IssueNumber, PullNumber, RunId};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Implements `Display`, `FromStr`, `AsRef<str>`, serde and `JsonSchema` for a string newtype whose
/// `parse` function validates.
macro_rules! string_id {
    ($ty:ident, $schema_name:literal, $schema:expr) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $ty {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                $ty::parse(s)
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Cow::<'de, str>::deserialize(d)?;
                $ty::parse(&s).map_err(serde::de::Error::custom)
            }
        }
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $schema_name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

pub(crate) use string_id;

/// A repository as `owner/name`, the way GitHub spells it in URLs.
///
/// Owner: 1–39 letters, digits or hyphens, not starting or ending with a hyphen. Name: 1–100
/// letters, digits, `.`, `_` or `-`, and not `.` or `..`.
///
/// GitHub's owner and repository names are case-insensitive (`Acme/API` and `acme/api` are one
/// repository; GitHub answers with the canonical `full_name`). So a `RepoName` keeps the text
/// it was parsed from — it displays, serializes and builds URLs with it, so a manifest
/// round-trips byte for byte — while equality, hashing and ordering ignore ASCII case: the name
/// `convoy.json` writes and the name GitHub answers with are equal, whichever case each uses.
#[derive(Debug, Clone)]
pub struct RepoName(String);

impl RepoName {
    /// The bytes equality, hashing and ordering look at: the text, ASCII-lowercased.
    fn folded(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.bytes().map(|b| b.to_ascii_lowercase())
    }
}

impl PartialEq for RepoName {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for RepoName {}

impl std::hash::Hash for RepoName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for b in self.folded() {
            state.write_u8(b);
        }
        state.write_u8(0xff);
    }
}

impl Ord for RepoName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.folded().cmp(other.folded())
    }
}

impl PartialOrd for RepoName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl RepoName {
    /// Parses `owner/name`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const KIND: &str = "repository name";
        let Some((owner, name)) = s.split_once('/') else {
            return Err(IdError::new(KIND, s, "write it as `owner/name`"));
        };
        if owner.is_empty() || owner.len() > 39 {
            return Err(IdError::new(
                KIND,
                s,
                "the owner must have 1 to 39 characters",
            ));
        }
        if !owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            || owner.starts_with('-')
            || owner.ends_with('-')
        {
            return Err(IdError::new(
                KIND,
                s,
                "the owner may hold only letters, digits and inner hyphens",
            ));
        }
        if name.is_empty() || name.len() > 100 {
            return Err(IdError::new(
                KIND,
                s,
                "the name must have 1 to 100 characters",
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            || name == "."
            || name == ".."
        {
            return Err(IdError::new(
                KIND,
                s,
                "the name may hold only letters, digits, `.`, `_` and `-`",
            ));
        }
        Ok(RepoName(s.to_owned()))
    }

    /// The whole `owner/name`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The owner (user or organisation).
    pub fn owner(&self) -> &str {
        self.0.split_once('/').map_or("", |(o, _)| o)
    }

    /// The repository's name without its owner.
    pub fn name(&self) -> &str {
        self.0.split_once('/').map_or("", |(_, n)| n)
    }
}

string_id!(
    RepoName,
    "RepoName",
    json_schema!({
        "type": "string",
        "description": "A GitHub repository as `owner/name`.",
        "pattern": "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[A-Za-z0-9._-]{1,100}$",
        "examples": ["acme/api"]
    })
);

/// A release id such as `2026.12.0`: it names the RC branch (`rc/<id>`) and the manifest folder,
/// so it must be a safe git ref component.
///
/// Rules: 1–64 characters; no `..`, `/`, `\`, `~`, `^`, `:`, `?`, `*`, `[`, `@{`, `<`, `>`,
/// `` ` ``, `|`, `"`, spaces or control characters; must not start with `-` or `.`, nor end with
/// `.` or `.lock`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReleaseId(String);

impl ReleaseId {
    /// Parses and checks a release id.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const KIND: &str = "release id";
        let err = |reason: &str| Err(IdError::new(KIND, s, reason));
        if s.is_empty() {
            return err("it is empty; use something like `2026.12.0`");
        }
        if s.chars().count() > 64 {
            return err("it is longer than 64 characters");
        }
        if let Some(c) = s.chars().find(|c| c.is_control()) {
            return Err(IdError::new(
                KIND,
                s,
                format!("it holds the control character U+{:04X}", c as u32),
            ));
        }
        if s.chars().any(char::is_whitespace) {
            return err("it holds a space; use `.`, `-` or `_` instead");
        }
        if s.contains("..") {
            return err("it holds `..`, which git refuses in a branch name");
        }
        if s.contains("@{") {
            return err("it holds `@{`, which git refuses in a branch name");
        }
        if let Some(c) = s
            .chars()
            .find(|c| matches!(c, '/' | '\\' | '~' | '^' | ':' | '?' | '*' | '['))
        {
            return Err(IdError::new(
                KIND,
                s,
                format!("it holds `{c}`, which cannot stand in a single git ref component"),
            ));
        }
        // The id is written into markdown and into convoy's hidden `<!-- convoy:release=… -->`
        // markers: nothing in it may end a comment, open a tag, close a code span or break a
        // table.
        if let Some(c) = s.chars().find(|c| matches!(c, '<' | '>' | '`' | '|' | '"')) {
            let shown = if c == '`' {
                "a backtick".to_owned()
            } else {
                format!("`{c}`")
            };
            return Err(IdError::new(
                KIND,
                s,
                format!(
                    "it holds {shown}, which would break the markdown convoy writes; use letters, digits, `.`, `-` or `_`"
                ),
            ));
        }
        if s.starts_with('-') || s.starts_with('.') {
            return err("it starts with `-` or `.`; start with a letter or digit");
        }
        if s.ends_with('.') {
            return err("it ends with `.`, which git refuses");
        }
        if s.ends_with(".lock") {
            return err("it ends with `.lock`, which git reserves");
        }
        Ok(ReleaseId(s.to_owned()))
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_id!(
    ReleaseId,
    "ReleaseId",
    json_schema!({
        "type": "string",
        "description": "A release id such as `2026.12.0`; a safe git ref component: 1-64 characters, no `..`, `/`, `\\`, `~`, `^`, `:`, `?`, `*`, `[`, `@{`, `<`, `>`, backticks, `|`, `\"`, spaces or control characters, not starting with `-` or `.`, not ending with `.` or `.lock`.",
        "minLength": 1,
        "maxLength": 64,
        "examples": ["2026.12.0"]
    })
);

/// A full git commit SHA-1: 40 lowercase hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha(String);

impl Sha {
    /// Parses a 40-digit hexadecimal SHA; upper-case digits are folded to lower case.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.len() != 40 || !s.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(IdError::new(
                "commit SHA",
                s,
                "expected the full 40 hexadecimal digits of a commit",
            ));
        }
        Ok(Sha(s.to_ascii_lowercase()))
    }

    /// The full SHA.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 7 digits, as GitHub shows them.
    pub fn short(&self) -> &str {
        &self.0[..7]
    }
}

string_id!(
    Sha,
    "Sha",
    json_schema!({
        "type": "string",
        "description": "A full commit SHA: 40 hexadecimal digits.",
        "pattern": "^[0-9a-fA-F]{40}$"
    })
);

/// An issue or pull request in a repository: `owner/repo#N`.
///
/// Equal, hashed and ordered by its repository (whose case does not count, see [`RepoName`])
/// and number; it displays as it was written.
#[derive(Debug, Clone)]
pub struct IssueRef {
    text: String,
    repo: RepoName,
    number: IssueNumber,
}

impl IssueRef {
    /// Parses `owner/repo#N` with N ≥ 1.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const KIND: &str = "issue reference";
        let Some((repo, number)) = s.rsplit_once('#') else {
            return Err(IdError::new(KIND, s, "write it as `owner/repo#123`"));
        };
        let repo = RepoName::parse(repo).map_err(|e| IdError::new(KIND, s, e.reason))?;
        let number: IssueNumber = number.parse().map_err(|_| {
            IdError::new(
                KIND,
                s,
                "the part after `#` must be an issue number such as 12",
            )
        })?;
        Ok(IssueRef::new(repo, number))
    }

    /// Builds a reference from its parts.
    pub fn new(repo: RepoName, number: IssueNumber) -> Self {
        IssueRef {
            text: format!("{repo}#{number}"),
            repo,
            number,
        }
    }

    /// `owner/repo#N`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The repository holding the issue.
    pub fn repo(&self) -> &RepoName {
        &self.repo
    }

    /// The issue number.
    pub fn number(&self) -> IssueNumber {
        self.number
    }
}

impl PartialEq for IssueRef {
    fn eq(&self, other: &Self) -> bool {
        self.repo == other.repo && self.number == other.number
    }
}

impl Eq for IssueRef {}

impl std::hash::Hash for IssueRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.repo.hash(state);
        self.number.hash(state);
    }
}

impl Ord for IssueRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.repo, self.number).cmp(&(&other.repo, other.number))
    }
}

impl PartialOrd for IssueRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

string_id!(
    IssueRef,
    "IssueRef",
    json_schema!({
        "type": "string",
        "description": "An issue or pull request as `owner/repo#N`.",
        "pattern": "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[A-Za-z0-9._-]{1,100}#[1-9][0-9]*$",
        "examples": ["acme/api#12"]
    })
);

/// The name of an E2E tier: 1–64 letters, digits, `.`, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TierName(String);

impl TierName {
    /// Parses a tier name.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if s.is_empty()
            || s.len() > 64
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(IdError::new(
                "tier name",
                s,
                "use 1 to 64 letters, digits, `.`, `_` or `-`",
            ));
        }
        Ok(TierName(s.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_id!(
    TierName,
    "TierName",
    json_schema!({
        "type": "string",
        "description": "A tier name: 1-64 letters, digits, `.`, `_` or `-`.",
        "pattern": "^[A-Za-z0-9._-]{1,64}$"
    })
);

/// A git branch name, checked with git's `check-ref-format` rules for a branch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BranchName(String);

impl BranchName {
    /// Parses a branch name (without `refs/heads/`).
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const KIND: &str = "branch name";
        let bad = |reason: &str| Err(IdError::new(KIND, s, reason));
        if s.is_empty() || s.len() > 255 {
            return bad("it must have 1 to 255 characters");
        }
        if s.chars()
            .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
        {
            return bad("it holds a space, a control character or one of ~ ^ : ? * [ \\");
        }
        if s.contains("..") || s.contains("@{") || s.contains("//") || s == "@" {
            return bad("it holds `..`, `@{` or `//`, or is `@`");
        }
        if s.starts_with('/') || s.ends_with('/') || s.ends_with('.') || s.starts_with('-') {
            return bad("it starts with `/` or `-`, or ends with `/` or `.`");
        }
        if s.split('/')
            .any(|part| part.starts_with('.') || part.ends_with(".lock"))
        {
            return bad("a part between `/` starts with `.` or ends with `.lock`");
        }
        Ok(BranchName(s.to_owned()))
    }

    /// The branch name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A name the caller built from characters and parts [`BranchName::parse`] always accepts
    /// (checked in debug builds).
    pub(crate) fn known_valid(s: String) -> Self {
        debug_assert!(BranchName::parse(&s).is_ok(), "{s}");
        BranchName(s)
    }
}

string_id!(
    BranchName,
    "BranchName",
    json_schema!({
        "type": "string",
        "description": "A git branch name (without `refs/heads/`).",
        "minLength": 1,
        "maxLength": 255
    })
);

/// A GitHub login (user, bot or organisation), e.g. `alice` or `convoy-bot[bot]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Login(String);

impl Login {
    /// Parses a login: 1–39 letters, digits or hyphens, optionally followed by `[bot]`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let base = s.strip_suffix("[bot]").unwrap_or(s);
        if base.is_empty()
            || base.len() > 39
            || !base.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(IdError::new(
                "login",
                s,
                "a GitHub login has 1 to 39 letters, digits or hyphens",
            ));
        }
        Ok(Login(s.to_owned()))
    }

    /// The login.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is an App's bot account (`…[bot]`).
    pub fn is_bot(&self) -> bool {
        self.0.ends_with("[bot]")
    }
}

string_id!(
    Login,
    "Login",
    json_schema!({
        "type": "string",
        "description": "A GitHub login such as `alice` or `convoy-bot[bot]`.",
        "pattern": "^[A-Za-z0-9-]{1,39}(\\[bot\\])?$"
    })
);

/// Who convoy may ask to review a pull request: a person by login (`bob`) or a team of an
/// organisation as `org/team-slug` (`acme/release`), the way GitHub spells a team in a mention.
///
/// The login form is a [`Login`]; the team form is an organisation login (without `[bot]`), `/`,
/// and the team's slug: 1–100 lowercase letters, digits or hyphens (the team's name as its URL
/// spells it). It displays and serializes as written, so `@{reviewer}` mentions either kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reviewer(String);

impl Reviewer {
    /// Parses a login or an `org/team-slug`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        const KIND: &str = "reviewer";
        if let Some(rest) = s.strip_prefix('@') {
            return Err(IdError::new(
                KIND,
                s,
                format!("write it without the `@`, as `{rest}`"),
            ));
        }
        let Some((org, slug)) = s.split_once('/') else {
            return Login::parse(s)
                .map(|_| Reviewer(s.to_owned()))
                .map_err(|e| {
                    IdError::new(
                        KIND,
                        s,
                        format!("{}, or a team as `org/team-slug`", e.reason),
                    )
                });
        };
        let org_ok = Login::parse(org).is_ok_and(|l| !l.is_bot());
        if !org_ok {
            return Err(IdError::new(
                KIND,
                s,
                "a team is `org/team-slug`, and the organisation before `/` must be a GitHub login (1 to 39 letters, digits or hyphens)",
            ));
        }
        let slug_ok = !slug.is_empty()
            && slug.len() <= 100
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug_ok {
            let hint = if slug.chars().any(|c| c.is_ascii_uppercase()) && !slug.contains(' ') {
                format!("; did you mean `{org}/{}`?", slug.to_ascii_lowercase())
            } else {
                String::new()
            };
            return Err(IdError::new(
                KIND,
                s,
                format!(
                    "a team slug has 1 to 100 lowercase letters, digits or hyphens, as in the team's URL (`github.com/orgs/{org}/teams/<slug>`){hint}"
                ),
            ));
        }
        Ok(Reviewer(s.to_owned()))
    }

    /// The reviewer as written: `bob` or `acme/release`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The person's login, when this reviewer is one.
    pub fn login(&self) -> Option<&str> {
        (!self.0.contains('/')).then_some(self.0.as_str())
    }

    /// The team's organisation and slug, when this reviewer is a team: `("acme", "release")`.
    pub fn team(&self) -> Option<(&str, &str)> {
        self.0.split_once('/')
    }
}

string_id!(
    Reviewer,
    "Reviewer",
    json_schema!({
        "type": "string",
        "description": "A GitHub login such as `bob`, or a team of the repository's organisation as `org/team-slug` such as `acme/release`.",
        "pattern": "^(?:[A-Za-z0-9-]{1,39}(\\[bot\\])?|[A-Za-z0-9-]{1,39}/[a-z0-9-]{1,100})$",
        "examples": ["bob", "acme/release"]
    })
);

#[cfg(test)]
mod tests;
