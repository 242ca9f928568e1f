//! A member repository's findings: its base and staging branches, the merge method convoy will
//! use there (from its settings, its rules and convoy.json), and what its branches' rules and
//! settings make convoy do.

use super::rules::rules_of;
use super::staging::staging_resets;
use super::text::{code, list, method_names};
use crate::doctor::facts::{BranchFacts, Read, RepoFacts, RepoSeen, Rules};
use crate::doctor::finding::Finding;
use crate::doctor::scope::{MemberRole, RepoScope, Scope};
use crate::model::config::MergeMethod;

/// The findings about `r` as a member: its base and staging branches, the merge method, the
/// rules on both branches, staging resets and head branch deletion.
pub(super) fn member_findings(
    scope: &Scope,
    r: &RepoScope,
    m: &MemberRole,
    seen: &RepoSeen,
    f: &RepoFacts,
    out: &mut Vec<Finding>,
) {
    let name = &r.repo;
    let none = BranchFacts {
        branch: Read::Failed("not read".to_owned()),
        rules: Read::Failed("not read".to_owned()),
    };
    let base = f.branches.get(&m.base).unwrap_or(&none);
    let staging = f.branches.get(&m.staging).unwrap_or(&none);
    let default = seen.default_branch.as_ref();

    // The base branch.
    let base_subject = format!("{} (base)", code(m.base.as_str()));
    match &base.branch {
        Read::Found(_) => out.push(Finding::fine(
            base_subject,
            match default {
                Some(d) if d == &m.base => "exists; the default branch".to_owned(),
                Some(d) => format!("exists; the default branch is {}", code(d.as_str())),
                None => "exists".to_owned(),
            },
            format!(
                "convoy cuts {} from it and ships the release to it",
                code(&scope.rc_branch)
            ),
        )),
        Read::Missing => out.push(Finding::blocker(
            base_subject,
            format!("{} does not exist in {name}", code(m.base.as_str())),
            format!(
                "convoy cuts {} from it and ships to it: the release cannot start",
                code(&scope.rc_branch)
            ),
            format!(
                "create {} in {name}, or set `repos[].base` in convoy.json to the branch {name} releases to{}",
                code(m.base.as_str()),
                default.map_or_else(String::new, |d| format!(
                    " (its default branch is {})",
                    code(d.as_str())
                ))
            ),
        )),
        Read::Failed(message) => out.push(Finding::note(
            base_subject,
            format!("could not be read: {message}"),
            "convoy needs it to cut the RC branch and to ship",
            None,
        )),
    }

    // The staging branch.
    let staging_subject = format!("{} (staging)", code(m.staging.as_str()));
    match &staging.branch {
        Read::Found(_) => out.push(Finding::fine(
            staging_subject,
            "exists",
            format!(
                "convoy merges {} into it, then it into {}",
                code(&scope.rc_branch),
                code(m.base.as_str())
            ),
        )),
        Read::Missing => out.push(Finding::note(
            staging_subject,
            format!("{} does not exist yet", code(m.staging.as_str())),
            format!(
                "convoy creates it from {} when the release enters staging",
                code(m.base.as_str())
            ),
            None,
        )),
        Read::Failed(message) => out.push(Finding::note(
            staging_subject,
            format!("could not be read: {message}"),
            "convoy creates it when missing",
            None,
        )),
    }

    let method = merge_method(scope, r, m, seen, base, staging, out);
    rules_of(scope, r, m, &m.base, base, true, out);
    rules_of(scope, r, m, &m.staging, staging, false, out);
    if let Some(method) = method {
        staging_resets(r, m, staging, method, out);
    }
    if seen.delete_branch_on_merge {
        out.push(Finding::note(
            "automatically delete head branches",
            format!("{name} deletes a merged pull request's head branch"),
            format!(
                "GitHub deletes {} once it has shipped to {}: convoy does not wait for it and creates it again from {} for the next release",
                code(m.staging.as_str()),
                code(m.base.as_str()),
                code(m.base.as_str())
            ),
            None,
        ));
    }
}

/// The merge method convoy will use for the repo (the finding says which and why); `None` when
/// none is left.
fn merge_method(
    scope: &Scope,
    r: &RepoScope,
    m: &MemberRole,
    seen: &RepoSeen,
    base: &BranchFacts,
    staging: &BranchFacts,
    out: &mut Vec<Finding>,
) -> Option<MergeMethod> {
    let name = &r.repo;
    let rules = [(&m.base, base), (&m.staging, staging)];
    let mut allowed: Vec<MergeMethod> = seen.allowed_methods.clone();
    let mut why: Vec<String> = Vec::new();
    let settings = if seen.allowed_methods.len() == MergeMethod::ALL.len() {
        "its settings allow merge, squash and rebase".to_owned()
    } else {
        format!(
            "its settings allow {}",
            if seen.allowed_methods.is_empty() {
                "no merge method".to_owned()
            } else {
                format!("only {}", method_names(&seen.allowed_methods))
            }
        )
    };
    why.push(settings);
    for (branch, facts) in rules {
        if let Some(Rules {
            allowed_methods: Some(methods),
            ..
        }) = facts.rules.found()
            && methods.len() < MergeMethod::ALL.len()
        {
            allowed.retain(|x| methods.contains(x));
            why.push(format!(
                "the rules of {} allow only {}",
                code(branch.as_str()),
                method_names(methods)
            ));
        }
    }
    let linear: Vec<String> = rules
        .iter()
        .filter(|(_, facts)| facts.rules.found().is_some_and(|x| x.linear_history))
        .map(|(b, _)| code(b.as_str()))
        .collect();
    if !linear.is_empty() {
        allowed.retain(|x| *x != MergeMethod::Merge);
        why.push(format!("{} requires linear history", list(&linear)));
    }
    let seen_text = list(&why);
    let Some(first) = MergeMethod::ALL.into_iter().find(|x| allowed.contains(x)) else {
        out.push(Finding::blocker(
            "merge method",
            seen_text,
            "no merge method is left for convoy: GitHub refuses every promotion merge",
            format!(
                "allow squash or rebase merges in {name}'s settings (Settings → General → Pull Requests), or lift the rule that forbids them"
            ),
        ));
        return None;
    };
    let (chosen, source) = match m.merge_method {
        Some(wanted) if allowed.contains(&wanted) => (wanted, "`repos[].merge_method`".to_owned()),
        Some(wanted) => {
            // The executor switches a refused method to an allowed one, squash first.
            let instead = [MergeMethod::Squash, MergeMethod::Rebase, MergeMethod::Merge]
                .into_iter()
                .find(|x| allowed.contains(x))
                .unwrap_or(first);
            out.push(Finding::note(
                "merge method",
                format!("{seen_text}; convoy.json sets {}", wanted.as_str()),
                format!(
                    "GitHub refuses the first merge by {}; convoy then merges by {} and records it",
                    wanted.as_str(),
                    instead.as_str()
                ),
                Some(format!(
                    "set `repos[].merge_method` of {name} to {} in convoy.json",
                    instead.as_str()
                )),
            ));
            return Some(instead);
        }
        None if allowed.contains(&scope.preferred_method) => {
            (scope.preferred_method, "`ship.merge_method`".to_owned())
        }
        None => (first, "the first method it allows".to_owned()),
    };
    let text = format!(
        "convoy merges promotion and revert pull requests by {} ({source})",
        chosen.as_str()
    );
    if chosen == MergeMethod::Merge {
        out.push(Finding::fine("merge method", seen_text, text));
    } else {
        out.push(Finding::note(
            "merge method",
            seen_text,
            format!(
                "{text}; after each release it resets {} to the shipped commit, since {} holds the release under new SHAs",
                code(m.staging.as_str()),
                code(m.base.as_str())
            ),
            None,
        ));
    }
    Some(chosen)
}
