//! Each repository's access: whether the token sees it, whether it may write there (archived, read
//! only), and, when not, what convoy cannot do there and which permissions to give.

use super::text::{code, list};
use crate::doctor::facts::{Read, RepoFacts, RepoSeen};
use crate::doctor::finding::Finding;
use crate::doctor::scope::{RepoScope, Scope};

/// The repository as the token sees it, or the one finding that says why it cannot be judged
/// (GitHub answers 404, or the read failed).
pub(super) fn seen<'a>(
    scope: &Scope,
    r: &RepoScope,
    f: &'a RepoFacts,
) -> Result<&'a RepoSeen, Finding> {
    let name = &r.repo;
    match &f.repository {
        Read::Missing => {
            let mut fix = format!(
                "install the convoy App on {name} (or add {name} to the token's repositories), and check the name in convoy.json"
            );
            if r.control.is_some() {
                fix.push_str(" (`control_repo`, or the workflow's repository)");
            }
            Err(Finding::blocker(
                "access",
                format!("GitHub answers 404: the token cannot see {name}, or it does not exist"),
                consequences(r, &scope.rc_branch),
                fix,
            ))
        }
        Read::Failed(message) => Err(Finding::blocker(
            "access",
            format!("reading it failed: {message}"),
            "doctor could not check this repository",
            format!(
                "check the token (a 401 or 403 names it) and its access to {name}, then run convoy doctor again"
            ),
        )),
        Read::Found(seen) => Ok(seen),
    }
}

/// Whether the token can write to the repository, which convoy needs for every part it plays.
pub(super) fn access(r: &RepoScope, seen: &RepoSeen, scope: &Scope, out: &mut Vec<Finding>) {
    let name = &r.repo;
    if seen.archived {
        out.push(Finding::blocker(
            "access",
            format!("{name} is archived (read-only)"),
            format!(
                "GitHub refuses every write there: {}",
                consequences(r, &scope.rc_branch)
            ),
            format!("unarchive {name}, or remove it from convoy.json"),
        ));
        return;
    }
    match seen.access {
        Some(a) if a.push => out.push(Finding::fine(
            "access",
            format!("the token can see and write to it ({} access)", a.level()),
            "convoy can act here",
        )),
        Some(a) => out.push(Finding::blocker(
            "access",
            format!("the token has {} access only", a.level()),
            consequences(r, &scope.rc_branch),
            format!(
                "give the convoy App (or the token) {} on {name}",
                needed_permissions(r)
            ),
        )),
        None => out.push(Finding::note(
            "access",
            "GitHub does not show the token's permission on this repository",
            "convoy learns it at its first write here; a permission missing then stops that write",
            Some(format!(
                "check that the App's installation (or the token) covers {name} with {}",
                needed_permissions(r)
            )),
        )),
    }
}

/// The permissions a repository's parts need, as the App's settings name them.
fn needed_permissions(r: &RepoScope) -> String {
    let mut names: Vec<&str> = Vec::new();
    if r.control.is_some() || r.member.is_some() {
        names.push("Contents");
    }
    if r.member.is_some() {
        names.push("Pull requests");
    }
    if r.control.is_some() || r.member.is_some() {
        names.push("Issues");
    }
    if r.member.is_some() {
        names.push("Commit statuses");
    }
    if !r.workflows.is_empty() {
        names.push("Actions");
    }
    let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
    format!("{}: read and write", list(&names))
}

/// What convoy cannot do in a repository it cannot use, per part.
fn consequences(r: &RepoScope, rc_branch: &str) -> String {
    let mut out = Vec::new();
    if r.control.is_some() {
        out.push("read convoy.json, write release manifests or keep the tracking issue".to_owned());
    }
    if r.member.is_some() {
        out.push(format!(
            "cut {}, promote or ship this repository",
            code(rc_branch)
        ));
    }
    if !r.workflows.is_empty() {
        let labels: Vec<String> = r
            .workflows
            .iter()
            .flat_map(|w| &w.uses)
            .map(|u| u.label.clone())
            .collect();
        out.push(format!("dispatch {}", list(&labels)));
    }
    format!("convoy cannot {}", list(&out))
}
