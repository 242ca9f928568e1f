//! Resets of a member's staging branch: abort, rollback and a squash or rebase ship move it
//! back by force, which the branch's rules may refuse; what that costs a release, and the fix.

use super::rules::{classic_only, effective_rules};
use super::text::code;
use crate::doctor::facts::{BranchFacts, Bypass};
use crate::doctor::finding::Finding;
use crate::doctor::scope::{MemberRole, RepoScope};
use crate::model::config::MergeMethod;

/// Whether convoy can reset (force-move) the staging branch, as abort, rollback and a squash or
/// rebase ship need.
pub(super) fn staging_resets(
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
