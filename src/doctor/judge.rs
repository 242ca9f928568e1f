//! Facts → findings: what convoy will do with each rule and setting GitHub showed, and what will
//! stop a release, with the fix. Pure: no I/O, no clock.
//!
//! This is the entry point, [`judge`]: the token's findings (`token`), then per repository its
//! access (`access`) and the parts it plays: control repo (`control`), member (`member`,
//! with its branches' rules in `rules` and staging resets in `staging`), and the workflows
//! convoy dispatches there (`dispatch`). `text` quotes and lists what findings name.

mod access;
mod control;
mod dispatch;
mod member;
mod rules;
mod staging;
mod text;
mod token;

use super::facts::{RepoFacts, TokenFacts};
use super::finding::{Finding, RepoReport, Report};
use super::scope::{RepoScope, Scope};
use control::control;
use dispatch::workflow;
use member::member_findings;
pub use text::code;
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

#[cfg(test)]
mod tests;
