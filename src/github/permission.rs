//! Which permission convoy's token lacks, read from GitHub's refusal: [`Grant`], classified once,
//! here at the edge, from a 401/403/422 answer's `message`, its `X-Accepted-GitHub-Permissions`
//! header and the request refused.
//!
//! The texts GitHub is known to send (quoted in issue threads of projects that met them):
//!
//! - `refusing to allow a GitHub App to create or update workflow `.github/workflows/x.yml`
//!   without `workflows` permission` (a push, a merge or a ref update that lands a change under
//!   `.github/workflows/`; GraphQL prefixes it, e.g. `Pull request refusing …`) → the App's
//!   `Workflows: write`;
//! - `refusing to allow an OAuth App to create or update workflow … without `workflow` scope`
//!   → the classic token's `workflow` scope;
//! - `Resource not accessible by integration` (an App's installation token, or a workflow's
//!   `GITHUB_TOKEN`) and `Resource not accessible by personal access token` (a fine-grained
//!   token): the permission is the one the header names (`contents=write`; alternatives
//!   separated by `;`), else the one the endpoint needs (the README's permissions table). GitHub
//!   answers a merge that lands a change under `.github/workflows/` with this text too, so a
//!   request that lands commits also names `Workflows: write`.
//!
//! A text convoy does not know, or an endpoint it cannot place, gives no grant: the error stays
//! a plain denial with GitHub's words.

use std::fmt;

/// What to grant convoy's token so that GitHub stops refusing a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// GitHub App permissions, as the App's settings name them (a fine-grained personal access
    /// token's carry the same names).
    Permissions {
        /// The permissions, e.g. `Contents: write`.
        permissions: Vec<String>,
        /// Whether the refused request lands commits: GitHub refuses those with the same words
        /// when they change files under `.github/workflows/` and the App lacks
        /// `Workflows: write`.
        or_workflows: bool,
    },
    /// A scope of a classic personal access token or an OAuth App's token, e.g. `workflow`.
    Scope(String),
}

/// The App permission GitHub asks for before it lets an App change workflow files.
pub const WORKFLOWS_WRITE: &str = "Workflows: write";

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::Permissions {
                permissions,
                or_workflows,
            } => {
                let named: Vec<String> = permissions.iter().map(|p| format!("`{p}`")).collect();
                write!(f, "grant the convoy App {}", named.join(" and "))?;
                if *or_workflows {
                    write!(
                        f,
                        ", and `{WORKFLOWS_WRITE}` if the change touches `.github/workflows/`"
                    )?;
                }
                Ok(())
            }
            Grant::Scope(scope) => write!(f, "give convoy's token the `{scope}` scope"),
        }
    }
}

/// The grant a refusal asks for: `what` is the request (`PUT /repos/o/r/pulls/1/merge`),
/// `message` GitHub's, `accepted` the `X-Accepted-GitHub-Permissions` header when GitHub sent
/// one. `None` when the refusal names no permission convoy can place.
pub fn grant(what: &str, message: &str, accepted: Option<&str>) -> Option<Grant> {
    let lower = message.to_ascii_lowercase();
    if lower.contains("without `workflows` permission") {
        return Some(Grant::Permissions {
            permissions: vec![WORKFLOWS_WRITE.to_owned()],
            or_workflows: false,
        });
    }
    if lower.contains("without `workflow` scope") {
        return Some(Grant::Scope("workflow".to_owned()));
    }
    let not_accessible = ["by integration", "by personal access token"]
        .iter()
        .any(|by| lower.contains(&format!("resource not accessible {by}")));
    if !not_accessible {
        return None;
    }
    let (method, path) = what.split_once(' ').unwrap_or(("GET", what));
    let need = endpoint(method, path);
    let mut permissions = accepted.map(from_header).unwrap_or_default();
    if permissions.is_empty() {
        permissions = need.as_ref()?.permissions.clone();
    }
    let or_workflows = need.is_some_and(|n| n.lands_commits)
        && !permissions.iter().any(|p| p.starts_with("Workflows:"));
    Some(Grant::Permissions {
        permissions,
        or_workflows,
    })
}

/// The first permission set of an `X-Accepted-GitHub-Permissions` header (`contents=write,
/// pull_requests=read; issues=write`), by the App's names.
fn from_header(header: &str) -> Vec<String> {
    let first = header.split(';').next().unwrap_or_default();
    first
        .split(',')
        .filter_map(|pair| {
            let (name, level) = pair.trim().split_once('=')?;
            let (name, level) = (name.trim(), level.trim());
            (!name.is_empty() && !level.is_empty()).then(|| format!("{}: {level}", title(name)))
        })
        .collect()
}

/// A permission's name as the App's settings show it: `pull_requests` → `Pull requests`.
fn title(name: &str) -> String {
    match name {
        "statuses" => "Commit statuses".to_owned(),
        other => {
            let spaced = other.replace('_', " ");
            let mut chars = spaced.chars();
            match chars.next() {
                Some(c) => c.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

/// What an endpoint convoy calls needs.
struct Need {
    permissions: Vec<String>,
    lands_commits: bool,
}

/// The permissions `method path` needs (the README's permissions table), for the endpoints
/// convoy calls under `/repos/{owner}/{repo}`.
fn endpoint(method: &str, path: &str) -> Option<Need> {
    let path = path.split('?').next().unwrap_or_default();
    let rest = path.strip_prefix("/repos/").or_else(|| {
        path.find("/repos/")
            .and_then(|at| path.get(at + "/repos/".len()..))
    })?;
    let mut parts = rest.splitn(3, '/');
    let (_owner, _repo) = (parts.next()?, parts.next()?);
    let tail = format!("/{}", parts.next().unwrap_or_default());
    let level = if method.eq_ignore_ascii_case("GET") {
        "read"
    } else {
        "write"
    };
    let writes = level == "write";
    let segments: Vec<&str> = tail.split('/').filter(|s| !s.is_empty()).collect();
    let one = |name: &str| vec![format!("{name}: {level}")];
    let (permissions, lands_commits) = match segments.as_slice() {
        [] => (one("Metadata"), false),
        ["pulls", _, action, ..] if action.starts_with("merge") => (one("Contents"), writes),
        ["pulls", _, "update-branch"] => (
            vec![
                format!("Pull requests: {level}"),
                format!("Contents: {level}"),
            ],
            writes,
        ),
        ["pulls", ..] => (one("Pull requests"), false),
        ["contents", ".github", "workflows", ..] if writes => (
            vec!["Contents: write".to_owned(), WORKFLOWS_WRITE.to_owned()],
            false,
        ),
        ["git", "refs" | "ref", ..] | ["merges"] => (one("Contents"), writes),
        ["git" | "contents" | "releases" | "tags" | "compare", ..] | ["dispatches"] => {
            (one("Contents"), false)
        }
        ["issues" | "labels" | "milestones", ..] => (one("Issues"), false),
        ["statuses", ..] | ["commits", _, "status" | "statuses"] => (one("Commit statuses"), false),
        ["actions", ..] => (one("Actions"), false),
        ["deployments" | "environments", ..] => (one("Deployments"), false),
        ["collaborators" | "branches" | "rules" | "rulesets", ..] => {
            (vec!["Metadata: read".to_owned()], false)
        }
        _ => return None,
    };
    Some(Need {
        permissions,
        lands_commits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(permissions: &[&str], or_workflows: bool) -> Option<Grant> {
        Some(Grant::Permissions {
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            or_workflows,
        })
    }

    /// GitHub's words, as quoted in issue threads (peter-evans/create-pull-request#1713,
    /// KeisukeYamashita/auto-pull-request-merge#481, cli/cli#11493, chdsbd/kodiak#641,
    /// drdoctr/doctr#377, nvti/action-emoji#8, apple/pkl-project-commons#63).
    #[test]
    fn githubs_texts_name_the_permission_to_grant() {
        let workflows = "refusing to allow a GitHub App to create or update workflow \
                         `.github/workflows/check_make_vtadmin_authz_testgen.yml` without \
                         `workflows` permission";
        let merge = "PUT /repos/acme/api/pulls/7/merge";
        assert_eq!(
            grant(merge, workflows, None),
            app(&[WORKFLOWS_WRITE], false)
        );
        // GraphQL's form, with its prefix and the mutation's name.
        let graphql = "Pull request refusing to allow a GitHub App to create or update workflow \
                       `.github/workflows/release.yml` without `workflows` permission \
                       (enablePullRequestAutoMerge)";
        assert_eq!(grant(merge, graphql, None), app(&[WORKFLOWS_WRITE], false));
        let oauth = "Pull request refusing to allow an OAuth App to create or update workflow \
                     `.github/workflows/build.yml` without `workflow` scope \
                     (enablePullRequestAutoMerge)";
        assert_eq!(
            grant(merge, oauth, None),
            Some(Grant::Scope("workflow".into()))
        );

        // A merge of a pull request that changes a workflow file, answered 403 like this.
        let integration = "Resource not accessible by integration";
        assert_eq!(
            grant(merge, integration, None),
            app(&["Contents: write"], true)
        );
        assert_eq!(
            grant(merge, integration, Some("contents=write")),
            app(&["Contents: write"], true)
        );
        assert_eq!(
            grant(
                "PATCH /repos/acme/api/pulls/3",
                integration,
                Some("pull_requests=write")
            ),
            app(&["Pull requests: write"], false)
        );
        assert_eq!(
            grant(
                "POST /repos/acme/api/actions/workflows/e2e.yml/dispatches",
                integration,
                None
            ),
            app(&["Actions: write"], false)
        );
        assert_eq!(
            grant(
                "POST /repos/acme/api/statuses/abc",
                "Resource not accessible by personal access token",
                None
            ),
            app(&["Commit statuses: write"], false)
        );
    }

    #[test]
    fn the_header_wins_and_its_first_set_is_taken() {
        let g = grant(
            "POST /repos/acme/control/issues/4/comments",
            "Resource not accessible by integration",
            Some("issues=write, pull_requests=read; pull_requests=write"),
        );
        assert_eq!(g, app(&["Issues: write", "Pull requests: read"], false));
        assert_eq!(
            g.map(|g| g.to_string()).as_deref(),
            Some("grant the convoy App `Issues: write` and `Pull requests: read`")
        );
    }

    #[test]
    fn endpoints_convoy_calls_have_their_permission() {
        let cases = [
            ("GET /repos/acme/api", &["Metadata: read"][..], false),
            (
                "PATCH /repos/acme/api/git/refs/heads/staging",
                &["Contents: write"],
                true,
            ),
            ("POST /repos/acme/api/git/refs", &["Contents: write"], true),
            (
                "POST /repos/acme/api/git/commits",
                &["Contents: write"],
                false,
            ),
            (
                "PUT /repos/acme/api/pulls/2/merge-async",
                &["Contents: write"],
                true,
            ),
            (
                "PUT /repos/acme/api/pulls/2/update-branch",
                &["Pull requests: write", "Contents: write"],
                true,
            ),
            (
                "POST /repos/acme/api/pulls/2/requested_reviewers",
                &["Pull requests: write"],
                false,
            ),
            (
                "PUT /repos/acme/control/contents/releases/r1/manifest.json",
                &["Contents: write"],
                false,
            ),
            (
                "PUT /repos/acme/api/contents/.github/workflows/ci.yml",
                &["Contents: write", WORKFLOWS_WRITE],
                false,
            ),
            ("POST /repos/acme/api/releases", &["Contents: write"], false),
            (
                "POST /repos/acme/api/deployments/7/statuses",
                &["Deployments: write"],
                false,
            ),
            (
                "POST /repos/acme/control/dispatches",
                &["Contents: write"],
                false,
            ),
            ("POST /repos/acme/api/labels", &["Issues: write"], false),
            (
                "GET /repos/acme/api/commits/abc/statuses?per_page=100",
                &["Commit statuses: read"],
                false,
            ),
            (
                "GET /repos/acme/control/collaborators/bob/permission",
                &["Metadata: read"],
                false,
            ),
        ];
        for (what, permissions, or_workflows) in cases {
            assert_eq!(
                grant(what, "Resource not accessible by integration", None),
                app(permissions, or_workflows),
                "{what}"
            );
        }
    }

    #[test]
    fn texts_and_endpoints_it_cannot_place_give_no_grant() {
        for (what, message) in [
            ("PUT /repos/acme/api/pulls/1/merge", "Bad credentials"),
            (
                "PUT /repos/acme/api/pulls/1/merge",
                "Must have admin rights to Repository.",
            ),
            ("POST /graphql", "Resource not accessible by integration"),
            (
                "GET /repos/acme/api/installation",
                "Resource not accessible by integration",
            ),
            ("GET /user", "Resource not accessible by integration"),
        ] {
            assert_eq!(grant(what, message, None), None, "{what}: {message}");
        }
    }

    #[test]
    fn the_advice_names_the_permission() {
        assert_eq!(
            app(&[WORKFLOWS_WRITE], false).unwrap().to_string(),
            "grant the convoy App `Workflows: write`"
        );
        assert_eq!(
            app(&["Contents: write"], true).unwrap().to_string(),
            "grant the convoy App `Contents: write`, and `Workflows: write` if the change touches `.github/workflows/`"
        );
        assert_eq!(
            Grant::Scope("workflow".into()).to_string(),
            "give convoy's token the `workflow` scope"
        );
    }
}
