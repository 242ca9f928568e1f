//! The rules on a member's base and staging branches (rulesets, classic protection): what each
//! one makes convoy do with its pull requests (wait for reviews or checks, join a merge queue,
//! merge by squash or rebase), or that none applies.

use super::text::{code, codes, list};
use crate::doctor::facts::{BranchFacts, BranchSeen, Read, Rules};
use crate::doctor::finding::Finding;
use crate::doctor::scope::{MemberRole, RepoScope, Scope};
use crate::model::ids::BranchName;

/// The rules of a branch, with what classic protection shows folded in.
pub(super) fn effective_rules(b: &BranchFacts) -> Rules {
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
pub(super) fn classic_only(b: &BranchFacts) -> bool {
    let rules_shown = b.rules.found().is_some_and(Rules::any);
    b.branch.found().is_some_and(|s: &BranchSeen| s.protected) && !rules_shown
}

/// The findings about the rules of `branch` (`is_base`: the base, else staging).
pub(super) fn rules_of(
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
