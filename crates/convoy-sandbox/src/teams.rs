//! Teams of organisations, as GitHub has them, kept minimal: seeded (the seed's `teams`), asked
//! to review a pull request (`team_reviewers`, by slug, of the repository's owner organisation),
//! shown as `requested_teams` in GitHub's team shape, and giving their members the team's
//! permission on every repository of the organisation. A review by a member answers the team's
//! request.

use anyhow::{Result, bail};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::json::node_id;
use crate::seed::{Permission, SeedUser};
use crate::state::State;

/// A team of an organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedTeam {
    /// The organisation (the owner of its repositories), e.g. `acme`.
    pub org: String,
    /// The team's slug: lowercase letters, digits and hyphens, e.g. `release` (asked for as
    /// `team_reviewers: ["release"]`, mentioned as `@acme/release`).
    pub slug: String,
    /// The team's name. Default: the slug.
    #[serde(default)]
    pub name: Option<String>,
    /// The team's description. Default: none.
    #[serde(default)]
    pub description: Option<String>,
    /// Logins of its members; each must be a seeded user. Default: none.
    #[serde(default)]
    pub members: Vec<String>,
    /// The permission its members get on every repository of `org` (joined with their own).
    /// Default: `read`.
    #[serde(default = "default_permission")]
    pub permission: Permission,
}

fn default_permission() -> Permission {
    Permission::Read
}

/// Refuses seeded teams GitHub could not have: a bad slug, a team twice, a member who is not a
/// seeded user.
pub fn check(teams: &[SeedTeam], users: &[SeedUser]) -> Result<()> {
    for (i, t) in teams.iter().enumerate() {
        let slug_ok = !t.slug.is_empty()
            && t.slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if t.org.is_empty() || t.org.contains('/') || !slug_ok {
            bail!(
                "seed team {}/{}: the org must be a login and the slug lowercase letters, digits and hyphens",
                t.org,
                t.slug
            );
        }
        if teams[i + 1..]
            .iter()
            .any(|u| u.org.eq_ignore_ascii_case(&t.org) && u.slug == t.slug)
        {
            bail!("seed team {}/{} appears twice", t.org, t.slug);
        }
        if let Some(m) = t
            .members
            .iter()
            .find(|m| !users.iter().any(|u| u.login.eq_ignore_ascii_case(m)))
        {
            bail!(
                "seed team {}/{}: member {m} is not a seeded user",
                t.org,
                t.slug
            );
        }
    }
    Ok(())
}

/// The team `slug` of organisation `org` (GitHub matches slugs case-insensitively).
pub fn find<'a>(st: &'a State, org: &str, slug: &str) -> Option<&'a SeedTeam> {
    st.teams
        .iter()
        .find(|t| t.org.eq_ignore_ascii_case(org) && t.slug.eq_ignore_ascii_case(slug))
}

/// Whether `login` is a member of `team`.
pub fn is_member(team: &SeedTeam, login: &str) -> bool {
    team.members.iter().any(|m| m.eq_ignore_ascii_case(login))
}

/// The strongest permission `login`'s teams give on the repositories of `org`.
pub fn permission(st: &State, login: &str, org: &str) -> Permission {
    st.teams
        .iter()
        .filter(|t| t.org.eq_ignore_ascii_case(org) && is_member(t, login))
        .map(|t| t.permission)
        .max()
        .unwrap_or(Permission::None)
}

/// GitHub's word for a team's repository permission (`pull`, `triage`, `push`, `maintain`,
/// `admin`).
fn team_permission(p: Permission) -> &'static str {
    match p {
        Permission::None | Permission::Read => "pull",
        Permission::Triage => "triage",
        Permission::Write => "push",
        Permission::Maintain => "maintain",
        Permission::Admin => "admin",
    }
}

/// The team `slug` of `org` in GitHub's REST shape (`team`, which also satisfies
/// `team-simple`), or `None` for a team the sandbox does not have.
pub fn json(base: &str, st: &State, org: &str, slug: &str) -> Option<Value> {
    let i = st
        .teams
        .iter()
        .position(|t| t.org.eq_ignore_ascii_case(org) && t.slug.eq_ignore_ascii_case(slug))?;
    let t = &st.teams[i];
    let id = 1 + i as u64;
    let org_id = st.user_id(&t.org);
    let url = format!("{base}/organizations/{org_id}/team/{id}");
    let p = t.permission;
    Some(json!({
        "id": id,
        "node_id": node_id("Team", id),
        "url": url,
        "html_url": format!("{base}/orgs/{}/teams/{}", t.org, t.slug),
        "name": t.name.as_deref().unwrap_or(&t.slug),
        "slug": t.slug,
        "description": t.description,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": team_permission(p),
        "permissions": {
            "pull": p >= Permission::Read,
            "triage": p >= Permission::Triage,
            "push": p >= Permission::Write,
            "maintain": p >= Permission::Maintain,
            "admin": p >= Permission::Admin,
        },
        "members_url": format!("{url}/members{{/member}}"),
        "repositories_url": format!("{url}/repos"),
        "type": "organization",
        "organization_id": org_id,
        "parent": null,
    }))
}

/// Whether a JSON object is a team in its REST shape (from [`json`]).
pub fn is_team(o: &serde_json::Map<String, Value>) -> bool {
    o.contains_key("slug") && o.contains_key("members_url") && o.contains_key("repositories_url")
}

/// A team in its webhook shape: the fields GitHub's webhook `team` schema allows.
pub fn webhook_team(o: &mut serde_json::Map<String, Value>) {
    const KEEP: [&str; 13] = [
        "name",
        "id",
        "node_id",
        "slug",
        "description",
        "privacy",
        "url",
        "html_url",
        "members_url",
        "repositories_url",
        "permission",
        "parent",
        "notification_setting",
    ];
    o.retain(|k, _| KEEP.contains(&k.as_str()));
}
