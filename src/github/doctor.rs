//! `convoy doctor`, the reading half: what the token can see of every repository a release
//! touches, as [`crate::doctor::facts`]. The judgement is pure ([`crate::doctor::judge`]).
//!
//! Every repository is read in parallel (the client bounds the reads in flight), in at most
//! three rounds: `GET /repos/{o}/{r}`; then, at once, each branch convoy works on
//! (`GET …/branches/{b}` and `GET …/rules/branches/{b}`), each workflow it dispatches (the
//! Contents API on the workflow's ref) and the control repo's config file; then each ruleset
//! that restricts those branches (`GET …/rulesets/{id}`, for whether the token bypasses it).
//! A member costs five requests (plus its rulesets), a tier repo one plus one per workflow; an
//! installation token, whose permissions `GET /repos` leaves out, one more for all of them.
//! Nothing here fails the whole report: a failed read becomes a fact ([`Read::Failed`]), a 404
//! a missing one.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures::future::join_all;

use super::client::{GhError, GitHub};
use super::rest::Repo;
use super::rest::checkup::{Branch, RepoOverview, RuleDetail};
use super::rest::contents::Contents;
use crate::doctor::facts::{
    Access, BranchFacts, BranchSeen, Bypass, Read, RepoFacts, RepoSeen, Rules, WorkflowFacts,
};
use crate::doctor::scope::{RepoScope, Scope};
use crate::doctor::workflow;
use crate::model::config::MergeMethod;
use crate::model::ids::BranchName;

/// Reads every repository of `scope`, in parallel. Where `GET /repos` shows no permissions (it
/// leaves them out for an installation token), they are read once for all repositories from
/// `GET /installation/repositories`.
pub async fn read(gh: &GitHub, scope: &Scope) -> Vec<RepoFacts> {
    let mut facts = join_all(scope.repos.iter().map(|r| read_repo(gh, r))).await;
    let unknown = |f: &RepoFacts| matches!(&f.repository, Read::Found(s) if s.access.is_none());
    if !facts.iter().any(unknown) {
        return facts;
    }
    let reached = match gh.installation_repositories().await {
        Ok(list) => list,
        Err(e) => {
            tracing::info!("the token's permissions per repository are not shown: {e}");
            return facts;
        }
    };
    for f in facts.iter_mut() {
        if let Read::Found(seen) = &mut f.repository
            && seen.access.is_none()
        {
            seen.access = reached
                .iter()
                .find(|r| {
                    r.full_name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(f.repo.as_str()))
                })
                .and_then(|r| r.permissions)
                .map(access);
        }
    }
    facts
}

fn access(p: super::rest::checkup::Permissions) -> Access {
    Access {
        admin: p.admin,
        maintain: p.maintain,
        push: p.push,
        triage: p.triage,
        pull: p.pull,
    }
}

fn failed<T>(e: &GhError) -> Read<T> {
    Read::Failed(e.to_string())
}

fn read_of<T, U>(answer: Result<Option<T>, GhError>, f: impl FnOnce(T) -> U) -> Read<U> {
    match answer {
        Ok(Some(v)) => Read::Found(f(v)),
        Ok(None) => Read::Missing,
        Err(e) => failed(&e),
    }
}

async fn read_repo(gh: &GitHub, r: &RepoScope) -> RepoFacts {
    let api = gh.repo(&r.repo);
    let repository = read_of(api.overview().await, seen);
    let Read::Found(seen) = repository else {
        return RepoFacts::new(r.repo.clone(), repository);
    };
    let mut branches = r.branches();
    let state = r.control.as_ref().and_then(|c| {
        c.state_branch
            .clone()
            .or_else(|| seen.default_branch.clone())
    });
    if let Some(b) = &state
        && !branches.contains(b)
    {
        branches.push(b.clone());
    }
    let branch_reads = join_all(branches.iter().map(|b| read_branch(&api, b)));
    let workflow_reads = join_all(r.workflows.iter().map(|w| async {
        WorkflowFacts {
            file: w.file.clone(),
            git_ref: w.git_ref.clone(),
            read: read_workflow(&api, &w.file, w.git_ref.as_ref()).await,
        }
    }));
    let config_read = async {
        let file = r.control.as_ref().and_then(|c| c.config_file.as_deref())?;
        Some(read_of(api.contents(file, state.as_ref()).await, |_| ()))
    };
    let (read_branches, workflows, config_file) =
        futures::join!(branch_reads, workflow_reads, config_read);
    let bypass = bypasses(&api, &read_branches).await;
    let branches = branches
        .into_iter()
        .zip(read_branches)
        .map(|(name, (branch, rules))| {
            let rules = match rules {
                Ok(details) => Read::Found(fold(&details, &bypass)),
                Err(e) => failed(&e),
            };
            (name, BranchFacts { branch, rules })
        })
        .collect();
    RepoFacts {
        repo: r.repo.clone(),
        repository: Read::Found(seen),
        branches,
        workflows,
        config_file,
    }
}

fn seen(o: RepoOverview) -> RepoSeen {
    RepoSeen {
        default_branch: o
            .settings
            .default_branch
            .as_deref()
            .and_then(|b| BranchName::parse(b).ok()),
        access: o.permissions.map(access),
        allowed_methods: o.settings.merge_methods(),
        delete_branch_on_merge: o.delete_branch_on_merge.unwrap_or(false),
        archived: o.archived.unwrap_or(false),
        has_issues: o.has_issues,
    }
}

/// A branch as read: the branch itself, and its rules as GitHub sent them.
type BranchRead = (Read<BranchSeen>, Result<Vec<RuleDetail>, GhError>);

async fn read_branch(api: &Repo<'_>, b: &BranchName) -> BranchRead {
    let (branch, rules) = futures::join!(api.branch(b), api.branch_rule_details(b));
    (read_of(branch, branch_seen), rules)
}

fn branch_seen(b: Branch) -> BranchSeen {
    let checks = b.protection.and_then(|p| p.required_status_checks);
    let enforced = checks
        .as_ref()
        .is_some_and(|c| c.enforcement_level.as_deref() != Some("off"));
    BranchSeen {
        protected: b.protected.unwrap_or(false),
        classic_checks: checks
            .as_ref()
            .filter(|_| enforced)
            .and_then(|c| c.contexts.clone())
            .unwrap_or_default(),
        classic_strict: checks.and_then(|c| c.strict).unwrap_or(false),
    }
}

/// The rule types whose ruleset's bypass matters to convoy: they hold merges or refuse pushes.
const RESTRICTING: [&str; 5] = [
    "pull_request",
    "required_status_checks",
    "merge_queue",
    "non_fast_forward",
    "update",
];

/// Whether the token bypasses each ruleset that restricts the branches read.
async fn bypasses(api: &Repo<'_>, branches: &[BranchRead]) -> BTreeMap<u64, Bypass> {
    let ids: BTreeSet<u64> = branches
        .iter()
        .filter_map(|(_, rules)| rules.as_ref().ok())
        .flatten()
        .filter(|rule| {
            rule.kind
                .as_deref()
                .is_some_and(|k| RESTRICTING.contains(&k))
        })
        .filter_map(|rule| rule.ruleset_id)
        .collect();
    let reads = ids.into_iter().map(|id| async move {
        let bypass = match api.ruleset(id).await {
            Ok(Some(set)) => match set.current_user_can_bypass.as_deref() {
                Some("always" | "exempt") => Bypass::Always,
                Some("pull_requests_only") => Bypass::PullRequests,
                Some("never") => Bypass::Never,
                _ => Bypass::Unknown,
            },
            Ok(None) | Err(_) => Bypass::Unknown,
        };
        (id, bypass)
    });
    join_all(reads).await.into_iter().collect()
}

/// The rules of one branch folded into one, with the bypass of the rulesets they come from.
fn fold(details: &[RuleDetail], bypass: &BTreeMap<u64, Bypass>) -> Rules {
    let mut rules = Rules::default();
    let mut bypasses = Vec::new();
    for d in details {
        let Some(kind) = d.kind.as_deref() else {
            continue;
        };
        let p = d.parameters.clone().unwrap_or_default();
        match kind {
            "pull_request" => {
                rules.pull_request = true;
                rules.required_reviews = rules
                    .required_reviews
                    .max(p.required_approving_review_count.unwrap_or(0));
                rules.code_owner_reviews |= p.require_code_owner_review.unwrap_or(false);
                if let Some(methods) = &p.allowed_merge_methods {
                    let parsed: Vec<MergeMethod> = MergeMethod::ALL
                        .into_iter()
                        .filter(|m| methods.iter().any(|x| x == m.as_str()))
                        .collect();
                    rules.allowed_methods = Some(match rules.allowed_methods.take() {
                        Some(before) => before.into_iter().filter(|m| parsed.contains(m)).collect(),
                        None => parsed,
                    });
                }
            }
            "required_status_checks" => {
                rules.required_checks.extend(
                    p.required_status_checks
                        .iter()
                        .filter_map(|c| c.context.clone()),
                );
                rules.strict |= p.strict_required_status_checks_policy.unwrap_or(false);
            }
            "required_linear_history" => rules.linear_history = true,
            "merge_queue" => rules.merge_queue = true,
            "non_fast_forward" => rules.no_force_push = true,
            "update" => rules.restrict_updates = true,
            _ => continue,
        }
        if RESTRICTING.contains(&kind) {
            bypasses.push(
                d.ruleset_id
                    .and_then(|id| bypass.get(&id).copied())
                    .unwrap_or(Bypass::Unknown),
            );
        }
    }
    rules.bypass = Bypass::fold(&bypasses);
    rules
}

/// A workflow file on `git_ref` (the default branch when `None`), parsed.
async fn read_workflow(
    api: &Repo<'_>,
    file: &str,
    git_ref: Option<&BranchName>,
) -> Read<Result<workflow::WorkflowFile, String>> {
    let path = format!(".github/workflows/{file}");
    let found = match api.contents(&path, git_ref).await {
        Ok(Some(Contents::File(f))) => f,
        Ok(Some(Contents::Dir(_))) => {
            return Read::Found(Err("a directory, not a file".to_owned()));
        }
        Ok(None) => return Read::Missing,
        Err(e) => return failed(&e),
    };
    let encoded = match (found.content, found.encoding.as_deref(), found.sha) {
        (Some(c), Some("base64") | None, _) if !c.is_empty() => c,
        (_, _, Some(sha)) => match api.blob(&sha).await {
            Ok(blob) => blob.content.unwrap_or_default(),
            Err(e) => return failed(&e),
        },
        _ => String::new(),
    };
    let cleaned: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let text = match STANDARD.decode(cleaned).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        _ => return Read::Found(Err("its content is not UTF-8 text".to_owned())),
    };
    Read::Found(workflow::parse(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_fold_into_one_with_the_bypass_of_their_rulesets() {
        let details: Vec<RuleDetail> = super::super::rest::de::list(serde_json::json!([
            {"type": "pull_request", "ruleset_id": 1, "parameters": {
                "required_approving_review_count": 2, "require_code_owner_review": true,
                "allowed_merge_methods": ["squash", "rebase"]}},
            {"type": "required_status_checks", "ruleset_id": 2, "parameters": {
                "strict_required_status_checks_policy": true,
                "required_status_checks": [{"context": "ci"}, {"context": "lint"}]}},
            {"type": "required_linear_history", "ruleset_id": 2},
            {"type": "non_fast_forward", "ruleset_id": 2},
            {"type": "creation", "ruleset_id": 3},
        ]));
        let bypass = BTreeMap::from([(1, Bypass::Always), (2, Bypass::PullRequests)]);
        let rules = fold(&details, &bypass);
        assert_eq!(rules.required_reviews, 2);
        assert!(rules.code_owner_reviews && rules.strict && rules.linear_history);
        assert!(rules.pull_request && rules.no_force_push && !rules.merge_queue);
        assert_eq!(
            rules.required_checks.iter().collect::<Vec<_>>(),
            ["ci", "lint"]
        );
        assert_eq!(
            rules.allowed_methods,
            Some(vec![MergeMethod::Squash, MergeMethod::Rebase])
        );
        assert_eq!(rules.bypass, Bypass::PullRequests);
        assert!(rules.bypass.merges() && !rules.bypass.pushes());
        // A ruleset whose bypass did not show leaves it unknown; one that refuses wins.
        assert_eq!(fold(&details, &BTreeMap::new()).bypass, Bypass::Unknown);
        let never = BTreeMap::from([(1, Bypass::Never)]);
        assert_eq!(fold(&details, &never).bypass, Bypass::Never);
        assert_eq!(fold(&[], &bypass), Rules::default());
    }
}
