//! Merge methods per repository: the method each repo's pull requests merge with is settled once
//! per release (the config's `repos[].merge_method`, else what the repository allows, read once by
//! the observer), and staging is realigned with the base after a squash or rebase ship.
//!
//! A squash or rebase merge into the base makes new commits, so staging no longer shares
//! history with the base it shipped to: the next release's RC, cut from the base, would conflict
//! with staging on every line both releases touch. The rule: once a repo shipped by squash or
//! rebase, convoy resets its staging branch to the base's shipped commit (a forced update: staging
//! only holds what shipped, which the base now holds under other SHAs), before the release lets
//! go of staging. A staging that someone moved meanwhile is left alone.

use crate::lifecycle::action::{Action, Landed};
use crate::lifecycle::decision::staging_kept;
use crate::lifecycle::draft::Draft;
use crate::model::config::MergeMethod;
use crate::model::history::HistoryEvent;
use crate::model::manifest::ReleaseRepo;

/// Records the merge method of each repo the manifest has none for, from what the observer read
/// (once per release: the observer reads only for repos without one).
pub(super) fn sync_merge_methods(d: &mut Draft<'_>) {
    let preferred = d.m.policy.ship.merge_method;
    for i in 0..d.m.repos.len() {
        if d.m.repos[i].merge_method.is_some() {
            continue;
        }
        let name = d.m.repos[i].name.clone();
        let Some(seen) = d.o.merge_methods.iter().find(|x| x.repo == name) else {
            continue;
        };
        let chosen = seen.choose(preferred);
        let why = if chosen == preferred {
            format!(
                "{name} merges with {} (the repository allows it)",
                chosen.as_str()
            )
        } else if !seen.linear_history.is_empty() && seen.allowed.contains(&preferred) {
            let branches: Vec<String> = seen
                .linear_history
                .iter()
                .map(|b| format!("`{b}`"))
                .collect();
            format!(
                "{name} merges with {}: {} requires linear history, so {} is not allowed",
                chosen.as_str(),
                branches.join(" and "),
                preferred.as_str()
            )
        } else {
            format!(
                "{name} merges with {}: the repository does not allow {}",
                chosen.as_str(),
                preferred.as_str()
            )
        };
        d.m.repos[i].merge_method = Some(chosen);
        for branch in &seen.merge_queue {
            if !d.m.repos[i].merge_queue.contains(branch) {
                d.m.repos[i].merge_queue.push(branch.clone());
            }
        }
        d.log(
            "convoy",
            HistoryEvent::MergeMethod,
            None,
            Some(chosen.as_str().to_owned()),
            why,
        );
    }
}

/// Whether `r`'s staging is reconciled with the base it shipped to: for a merge commit, staging
/// fast-forwarded to it; for squash and rebase, staging reset to it, or moved by someone else
/// (convoy does not force over that) or gone.
pub(super) fn staging_reconciled(
    d: &Draft<'_>,
    r: &ReleaseRepo,
    shipped: &crate::model::ids::Sha,
) -> bool {
    let Some(staging) = d.o.head(&r.name, &r.staging) else {
        // Gone: "automatically delete head branches" deleted it after the staging → base merge;
        // the next release creates it again from the base.
        return true;
    };
    if staging == shipped || staging_kept(&d.m, &r.name) {
        // Holding the shipped commit, or kept by a rule (history `staging_kept`: the next
        // release's RC → staging pull request brings it up to date).
        return true;
    }
    match d.m.merge_method(r) {
        MergeMethod::Merge => false,
        MergeMethod::Squash | MergeMethod::Rebase => Some(staging) != r.shas.staged.as_ref(),
    }
}

/// Plans bringing `r`'s staging to the shipped commit `after` its release: a fast-forward after a
/// merge commit; after a squash or rebase, a reset, only while staging still holds exactly what
/// shipped (the validated `staged` SHA).
pub(super) fn plan_realign_staging(d: &mut Draft<'_>, r: &ReleaseRepo, after: Vec<usize>) {
    let Some(shipped) = r.shas.shipped.clone() else {
        return;
    };
    let staging = d.o.head(&r.name, &r.staging);
    if staging.is_none() || staging_kept(&d.m, &r.name) {
        // Deleted after the merge, or a rule keeps it: nothing to move (see
        // [`staging_reconciled`]).
        return;
    }
    let method = d.m.merge_method(r);
    if method == MergeMethod::Merge {
        d.act(
            Action::UpdateBranch {
                repo: r.name.clone(),
                branch: r.staging.clone(),
                sha: shipped,
                force: false,
            },
            format!("fast-forward {} {} to the shipped merge", r.name, r.staging),
            after,
        );
        return;
    }
    if staging != r.shas.staged.as_ref() {
        return;
    }
    d.act(
        Action::UpdateBranch {
            repo: r.name.clone(),
            branch: r.staging.clone(),
            sha: shipped.clone(),
            force: true,
        },
        format!(
            "reset {} {} to the shipped {} on {} ({} made new commits, so staging cannot fast-forward)",
            r.name,
            r.staging,
            shipped.short(),
            r.base,
            method.as_str()
        ),
        after,
    );
}

/// What `r`'s ship merge landed on its base, for its revert: after a rebase, every commit since
/// the base head it shipped onto; otherwise one commit.
pub(super) fn landed(d: &Draft<'_>, r: &ReleaseRepo) -> Landed {
    match (d.m.merge_method(r), &r.shas.shipped_onto) {
        (MergeMethod::Rebase, Some(onto)) => Landed::Rebased { onto: onto.clone() },
        _ => Landed::OneCommit,
    }
}

#[cfg(test)]
mod tests {
    use crate::lifecycle::observed::ObservedMergeMethods;
    use crate::model::config::MergeMethod::{self, Merge, Rebase, Squash};
    use crate::model::ids::{BranchName, RepoName};

    fn seen(allowed: &[MergeMethod], linear: bool) -> ObservedMergeMethods {
        ObservedMergeMethods {
            repo: RepoName::parse("acme/api").unwrap(),
            allowed: allowed.to_vec(),
            linear_history: if linear {
                vec![BranchName::parse("main").unwrap()]
            } else {
                Vec::new()
            },
            merge_queue: Vec::new(),
        }
    }

    #[test]
    fn the_preferred_method_when_allowed_else_the_first_allowed() {
        assert_eq!(seen(&[Merge, Squash, Rebase], false).choose(Merge), Merge);
        assert_eq!(seen(&[Merge, Squash, Rebase], false).choose(Rebase), Rebase);
        assert_eq!(seen(&[Squash], false).choose(Merge), Squash);
        assert_eq!(seen(&[Rebase], false).choose(Squash), Rebase);
        assert_eq!(seen(&[Merge, Squash, Rebase], true).choose(Merge), Squash);
        assert_eq!(seen(&[Merge, Rebase], true).choose(Merge), Rebase);
        // Nothing usable: the preferred one, and GitHub's refusal says why.
        assert_eq!(seen(&[Merge], true).choose(Merge), Merge);
    }
}
