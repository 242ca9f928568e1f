//! The control repository's findings: issues for the tracking issue, the config file, and
//! whether convoy may write release manifests to the state branch.

use super::text::code;
use crate::doctor::facts::{Bypass, Read, RepoFacts, RepoSeen};
use crate::doctor::finding::Finding;
use crate::doctor::scope::RepoScope;

/// The findings about `r` as the control repository (nothing when it is not).
pub(super) fn control(r: &RepoScope, seen: &RepoSeen, f: &RepoFacts, out: &mut Vec<Finding>) {
    let name = &r.repo;
    let Some(role) = &r.control else {
        return;
    };
    if seen.has_issues == Some(false) {
        out.push(Finding::blocker(
            "issues",
            format!("issues are disabled in {name}"),
            "convoy shows each release in a tracking issue there and takes `/convoy` commands on it: it cannot create one",
            format!("enable Issues in {name} (Settings → General → Features)"),
        ));
    }
    let state = role
        .state_branch
        .clone()
        .or_else(|| seen.default_branch.clone());
    let where_ = match (&role.state_branch, &state) {
        (Some(b), _) => format!("the state branch {}", code(b.as_str())),
        (None, Some(b)) => format!("the default branch {}", code(b.as_str())),
        (None, None) => "the default branch".to_owned(),
    };
    match (&f.config_file, &role.config_file) {
        (Some(Read::Found(())), Some(file)) => out.push(Finding::fine(
            code(file),
            format!("on {where_}"),
            "the Action reads the config there",
        )),
        (Some(Read::Missing), Some(file)) => out.push(Finding::note(
            code(file),
            format!("not found on {where_}"),
            "the Action reads the config from the control repo (its `config` input, default `convoy.json`); without it every run stops",
            Some(format!(
                "commit convoy.json to {name} on {where_}, or name its path with the Action's `config` input"
            )),
        )),
        (Some(Read::Failed(message)), Some(file)) => out.push(Finding::note(
            code(file),
            format!("could not be read: {message}"),
            "the Action reads the config from the control repo",
            None,
        )),
        _ => {}
    }
    let Some(branch) = state else {
        return;
    };
    let Some(facts) = f.branches.get(&branch) else {
        return;
    };
    let subject = format!("{}: manifests", code(branch.as_str()));
    if role.state_branch.is_some() && facts.branch == Read::Missing {
        out.push(Finding::blocker(
            subject,
            format!("{} does not exist in {name}", code(branch.as_str())),
            "convoy writes releases/<id>/manifest.json to the state branch: every write fails",
            format!(
                "create {} in {name} from its default branch",
                code(branch.as_str())
            ),
        ));
        return;
    }
    match &facts.rules {
        Read::Found(rules) => {
            let refuses = rules.refuses_pushes() || !rules.required_checks.is_empty();
            if refuses && !rules.bypass.pushes() {
                let why = if rules.refuses_pushes() {
                    "takes changes only through pull requests"
                } else {
                    "requires status checks on every commit pushed to it"
                };
                let unknown = if rules.bypass == Bypass::Unknown {
                    " (whether the token may bypass the rule does not show)"
                } else {
                    ""
                };
                out.push(Finding::blocker(
                    subject,
                    format!("{} {why}{unknown}", code(branch.as_str())),
                    "convoy writes releases/<id>/manifest.json straight to it: GitHub refuses the write (\"Repository rule violations found\") and every run stops",
                    "create a branch no rule protects (for instance `convoy-state`) and give it to convoy as the `state-branch` input (check it with `convoy doctor --state-branch convoy-state`), or add the convoy App to the rule's bypass list",
                ));
            } else if refuses {
                out.push(Finding::fine(
                    subject,
                    format!(
                        "{} is protected; the token bypasses the rule",
                        code(branch.as_str())
                    ),
                    "convoy writes releases/<id>/manifest.json to it",
                ));
            } else {
                out.push(Finding::fine(
                    subject,
                    format!(
                        "no rule keeps convoy from writing to {}",
                        code(branch.as_str())
                    ),
                    "convoy writes releases/<id>/manifest.json to it, with compare-and-swap",
                ));
            }
        }
        Read::Missing => {}
        Read::Failed(message) => out.push(Finding::note(
            subject,
            format!("its rules could not be read: {message}"),
            "convoy stops with GitHub's refusal if a rule keeps it from writing manifests",
            None,
        )),
    }
}
