//! Facts → findings: what convoy will do with each rule and setting GitHub showed, and what will
//! stop a release, with the fix. Pure: no I/O, no clock.

mod access;
mod control;
mod dispatch;
mod text;
mod token;

use super::facts::{BranchFacts, BranchSeen, Bypass, Read, RepoFacts, RepoSeen, Rules, TokenFacts};
use super::finding::{Finding, RepoReport, Report};
use super::scope::{MemberRole, RepoScope, Scope};
use crate::model::config::MergeMethod;
use crate::model::ids::BranchName;
use control::control;
use dispatch::workflow;
pub use text::code;
use text::{codes, list, method_names};
use token::judge_token;

/// Judges what was read: one report, the token's findings first, then each repository's in the
/// scope's order. A repository without facts counts as not read.
pub fn judge(scope: &Scope, token: &TokenFacts, facts: &[RepoFacts]) -> Report {
    let repos = scope
        .repos
        .iter()
        .map(|r| {
            let findings = match facts.iter().find(|f| f.repo == r.repo) {
                Some(f) => judge_repo(scope, r, f),
                None => vec![Finding::blocker(
                    "access",
                    "not read",
                    "doctor could not check this repository",
                    "run convoy doctor again",
                )],
            };
            RepoReport {
                repo: r.repo.clone(),
                roles: r.roles(),
                findings,
            }
        })
        .collect();
    Report::new(judge_token(scope, token), repos)
}

/// One repository's findings, in the order they are shown: access, then the parts it plays
/// (control repo, member, workflows).
fn judge_repo(scope: &Scope, r: &RepoScope, f: &RepoFacts) -> Vec<Finding> {
    let seen = match access::seen(scope, r, f) {
        Ok(seen) => seen,
        Err(finding) => return vec![finding],
    };
    let mut out = Vec::new();
    access::access(r, seen, scope, &mut out);
    if r.control.is_some() {
        control(r, seen, f, &mut out);
    }
    if let Some(member) = &r.member {
        member_findings(scope, r, member, seen, f, &mut out);
    }
    for w in &r.workflows {
        workflow(r, w, seen, &f.workflows, &mut out);
    }
    out
}

/// The rules of a branch, with what classic protection shows folded in.
fn effective_rules(b: &BranchFacts) -> Rules {
    let mut rules = b.rules.found().cloned().unwrap_or_default();
    if let Some(seen) = b.branch.found() {
        rules
            .required_checks
            .extend(seen.classic_checks.iter().cloned());
        rules.strict |= seen.classic_strict;
    }
    rules
}

/// Whether classic branch protection applies that the rules endpoint does not show.
fn classic_only(b: &BranchFacts) -> bool {
    let rules_shown = b.rules.found().is_some_and(Rules::any);
    b.branch.found().is_some_and(|s: &BranchSeen| s.protected) && !rules_shown
}

fn member_findings(
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

/// The findings about the rules of `branch` (`is_base`: the base, else staging).
fn rules_of(
    scope: &Scope,
    r: &RepoScope,
    m: &MemberRole,
    branch: &BranchName,
    facts: &BranchFacts,
    is_base: bool,
    out: &mut Vec<Finding>,
) {
    let b = code(branch.as_str());
    let into = if is_base {
        format!("{} → {b}", code(m.staging.as_str()))
    } else {
        format!("{} → {b}", code(&scope.rc_branch))
    };
    if facts.branch == Read::Missing {
        return;
    }
    if let Read::Failed(message) = &facts.rules {
        out.push(Finding::note(
            format!("{b}: rules"),
            format!("could not be read: {message}"),
            "convoy meets the rules as GitHub answers its merges",
            None,
        ));
        return;
    }
    let rules = effective_rules(facts);
    let bypass = rules.bypass.merges();
    let mut any = false;
    if rules.required_reviews > 0 || rules.code_owner_reviews {
        any = true;
        let who = match (rules.required_reviews, rules.code_owner_reviews) {
            (0, _) => "a code owner's approving review".to_owned(),
            (1, false) => "1 approving review".to_owned(),
            (n, false) => format!("{n} approving reviews"),
            (1, true) => "1 approving review, by a code owner".to_owned(),
            (n, true) => format!("{n} approving reviews, one by a code owner"),
        };
        let subject = format!("{b}: required reviews");
        if bypass {
            out.push(Finding::fine(
                subject,
                format!("{who} required; the token bypasses the rule"),
                "convoy merges without waiting for reviews",
            ));
        } else {
            let asks = if m.reviewers.is_empty() {
                "relies on GitHub's review requests (CODEOWNERS)".to_owned()
            } else {
                let names: Vec<String> = m.reviewers.iter().map(|l| l.to_string()).collect();
                format!("asks {} once", list(&names))
            };
            let fix = (m.reviewers.is_empty() && !rules.code_owner_reviews).then(|| {
                format!(
                    "name who reviews release pull requests of {} in `repos[].reviewers` of convoy.json, so convoy asks them",
                    r.repo
                )
            });
            out.push(Finding::note(
                subject,
                format!("{who} required on each pull request into {b}"),
                format!(
                    "the {into} pull request waits for it: convoy {asks}, reminds every {} h and calls the escalation after {} h; it merges on the first run after the approval",
                    scope.reviews.remind_every_hours, scope.reviews.escalate_after_hours
                ),
                fix,
            ));
        }
    }
    if !rules.required_checks.is_empty() {
        any = true;
        let checks = codes(rules.required_checks.iter().map(String::as_str));
        let strict = if rules.strict {
            "; strict: the head must be up to date"
        } else {
            ""
        };
        let subject = format!("{b}: required checks");
        if bypass {
            out.push(Finding::fine(
                subject,
                format!("{checks} must pass{strict}; the token bypasses the rule"),
                "convoy merges without waiting for the checks",
            ));
        } else {
            let behind = if rules.strict {
                "; a pull request behind the branch is brought up to date (`update-branch`) and its tiers run again on the new head"
            } else {
                ""
            };
            out.push(Finding::note(
                subject,
                format!("{checks} must pass{strict}"),
                format!(
                    "the {into} pull request waits for them; a failing check blocks the repo until someone fixes it{behind}"
                ),
                Some(format!(
                    "make sure {checks} {} on pull requests into {b}: convoy's pull requests come from the App, so they start workflows",
                    if rules.required_checks.len() == 1 { "runs" } else { "run" }
                )),
            ));
        }
    }
    if rules.merge_queue {
        any = true;
        let subject = format!("{b}: merge queue");
        if bypass {
            out.push(Finding::fine(
                subject,
                "changes land through a merge queue; the token bypasses the rule",
                "convoy merges directly, pinned to the validated SHA",
            ));
        } else {
            out.push(Finding::note(
                subject,
                "changes land only through a merge queue",
                format!(
                    "convoy puts the {into} pull request in the queue itself (`merge-async`), pinned to the validated SHA, once its dependencies merged, and follows it until the queue merges it; a pull request the queue removes is enqueued once more, then a person is called with GitHub's reason"
                ),
                Some(format!(
                    "make sure the checks {b} requires run on merge groups: add `merge_group:` to the `on:` of the workflows in {} that report them",
                    r.repo
                )),
            ));
        }
    }
    if rules.linear_history {
        any = true;
        out.push(Finding::note(
            format!("{b}: linear history"),
            "no merge commits may land on it",
            "convoy merges by squash or rebase there (see merge method)",
            None,
        ));
    }
    if is_base && rules.refuses_pushes() {
        any = true;
        out.push(Finding::fine(
            format!("{b}: pull requests only"),
            "changes land only through pull requests",
            "convoy changes it only through pull requests (promotions and reverts)",
        ));
    }
    if !is_base && rules.refuses_force() {
        // Judged with the merge method (`staging_resets`).
        any = true;
    }
    if classic_only(facts) {
        out.push(Finding::note(
            format!("{b}: classic protection"),
            "protected by classic branch protection, whose settings beyond required checks need admin rights to read",
            "convoy meets them as GitHub answers: reviews and checks are waits, a refused merge method is switched, a merge queue is joined, restricted pushes stop it",
            None,
        ));
        return;
    }
    if !any {
        out.push(Finding::fine(
            format!("{b}: rules"),
            "no rule applies",
            format!("convoy merges the {into} pull request as soon as it is mergeable"),
        ));
    }
}

/// Whether convoy can reset (force-move) the staging branch, as abort, rollback and a squash or
/// rebase ship need.
fn staging_resets(
    r: &RepoScope,
    m: &MemberRole,
    staging: &BranchFacts,
    method: MergeMethod,
    out: &mut Vec<Finding>,
) {
    let rules = effective_rules(staging);
    let classic = classic_only(staging);
    if !(rules.refuses_force() || classic) {
        return;
    }
    let s = code(m.staging.as_str());
    let subject = format!("{s}: forced updates");
    let refusal = if rules.refuses_pushes() {
        "takes changes only through pull requests"
    } else if rules.no_force_push {
        "refuses force pushes"
    } else {
        "is under classic branch protection, which refuses force pushes unless allowed"
    };
    if rules.bypass.pushes() {
        out.push(Finding::fine(
            subject,
            format!("{s} {refusal}; the token bypasses the rule"),
            "convoy can reset it on abort and rollback and after a squash or rebase ship",
        ));
        return;
    }
    let unknown = if rules.bypass == Bypass::Unknown {
        " (whether the token may bypass it does not show)"
    } else {
        ""
    };
    let fix = format!(
        "let the convoy App force-push to {s} of {}: in a ruleset, add the App to the bypass list; under classic protection, Allow force pushes → Specify who can force push → the App",
        r.repo
    );
    if method == MergeMethod::Merge {
        let after_ship = if rules.refuses_pushes() {
            ", and after shipping convoy fast-forwards it to the shipped merge"
        } else {
            ""
        };
        out.push(Finding::note(
            subject,
            format!("{s} {refusal}{unknown}"),
            format!(
                "abort and rollback reset {s} to where it was before the release{after_ship}: GitHub refuses that, so {s} keeps the release's commits until the next release's promotion pull request brings it up to date"
            ),
            Some(fix),
        ));
        return;
    }
    let convoy = format!(
        "{} ships by {}: after each release convoy resets {s} to the shipped commit; GitHub refuses it, {s} keeps the release's commits, and the next release's promotion into {s} conflicts wherever both releases change the same lines (abort and rollback cannot reset it either)",
        r.repo,
        method.as_str()
    );
    if matches!(rules.bypass, Bypass::Never | Bypass::PullRequests) {
        out.push(Finding::blocker(
            subject,
            format!("{s} {refusal}, and the token may not bypass it"),
            convoy,
            fix,
        ));
    } else {
        out.push(Finding::note(
            subject,
            format!("{s} {refusal}{unknown}"),
            convoy,
            Some(fix),
        ));
    }
}

#[cfg(test)]
mod tests;
