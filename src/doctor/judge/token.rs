//! The token's own findings: the permissions of the App's installation against what the
//! release's repositories need, and the Workflows permission that promotions of workflow files
//! need.

use super::text::list;
use crate::doctor::facts::TokenFacts;
use crate::doctor::finding::Finding;
use crate::doctor::scope::Scope;

/// What the token needs, by the App's permission names, and what for.
fn token_needs(scope: &Scope) -> Vec<(&'static str, &'static str, &'static str)> {
    let control = scope.repos.iter().any(|r| r.control.is_some());
    let member = scope.repos.iter().any(|r| r.member.is_some());
    let workflows = scope.repos.iter().any(|r| !r.workflows.is_empty());
    let mut needs = Vec::new();
    if control || member {
        needs.push((
            "contents",
            "Contents",
            "manifests, RC and staging branches, merges, tags and releases",
        ));
        needs.push((
            "issues",
            "Issues",
            "the tracking issue, replies, labels, sprint tasks",
        ));
    }
    if member {
        needs.push((
            "pull_requests",
            "Pull requests",
            "promotion and revert pull requests",
        ));
        needs.push((
            "statuses",
            "Commit statuses",
            "`convoy/depends-on` and `convoy/release`",
        ));
    }
    if workflows {
        needs.push((
            "actions",
            "Actions",
            "dispatching tiers, cancelling runs past their timeout",
        ));
    }
    needs
}

/// The findings about the token: what it may do, where that shows.
pub(super) fn judge_token(scope: &Scope, token: &TokenFacts) -> Vec<Finding> {
    let workflows_why = "GitHub refuses to merge a promotion pull request that changes files under `.github/workflows/` without the Workflows permission";
    match token {
        TokenFacts::Given => vec![Finding::note(
            "Workflows permission",
            "the token was given as it is: its Workflows permission cannot be checked (only an installation token convoy mints from `app-id` and `private-key` shows its permissions)",
            workflows_why,
            Some(
                "if releases may change workflow files, give the App (or token) Workflows: read and write (actions/create-github-app-token: `permission-workflows: write`)".to_owned(),
            ),
        )],
        TokenFacts::App { permissions } => {
            let mut out = Vec::new();
            let level = |key: &str| permissions.get(key).map(String::as_str);
            let mut granted = Vec::new();
            for (key, title, what) in token_needs(scope) {
                match level(key) {
                    Some("write" | "admin") => granted.push(title.to_owned()),
                    other => out.push(Finding::blocker(
                        format!("App permission: {title}"),
                        format!(
                            "the App's installation has {title}: {}",
                            other.unwrap_or("none")
                        ),
                        format!("convoy needs {title}: read and write for {what}"),
                        format!(
                            "in the App's settings (Permissions & events) set {title} to Read and write, then approve the new permissions on the installation"
                        ),
                    )),
                }
            }
            if !granted.is_empty() {
                out.insert(
                    0,
                    Finding::fine(
                        "App permissions",
                        format!("the App's installation grants {}: read and write", list(&granted)),
                        "convoy can do what a release needs",
                    ),
                );
            }
            match level("workflows") {
                Some("write") => out.push(Finding::fine(
                    "Workflows permission",
                    "the App's installation grants Workflows: read and write",
                    "releases may change files under `.github/workflows/`",
                )),
                other => out.push(Finding::note(
                    "Workflows permission",
                    format!("the App's installation has Workflows: {}", other.unwrap_or("none")),
                    workflows_why,
                    Some("if releases may change workflow files, give the App Workflows: read and write".to_owned()),
                )),
            }
            out
        }
    }
}
