//! `convoy demo --protected`: the demo's world as a protected organisation sets it up, and the
//! people and CI that such an organisation has.
//!
//! - `acme/schema`: `main` requires the `ci` check, strict (branches up to date); `staging`
//!   takes changes only through pull requests, which need `ci` too.
//! - `acme/api`: `main` requires one approving review by someone with write access.
//! - `acme/web`: squash merges only, head branches deleted after merge; `main` takes changes
//!   only through its merge queue (squashing), which requires `ci` on each merge group.
//!
//! CI (`ci-bot`) reports `ci` on every open pull request's head that a required check waits
//! for, and on every merge group a queue builds (its `gh-readonly-queue/…` branch), through the
//! statuses API; a reviewer (`bob`) approves the promotion pull requests that
//! a required review holds, through the reviews API. Neither knows convoy: they act on what
//! GitHub shows, as the people and CI of a real organisation would.

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::github::client::GitHub;
use crate::sandbox::Seed;
use crate::sandbox::protection::{BranchProtection, QueueMergeMethod, RepoSettings};
use crate::sandbox::seed::{Permission, SeedUser, UserKind};

/// The member repositories the protected world protects.
const MEMBERS: [&str; 3] = ["acme/schema", "acme/api", "acme/web"];

/// The demo's seed with a protected organisation's settings, and its CI account.
pub fn seed() -> anyhow::Result<Seed> {
    let mut seed = super::seed()?;
    seed.users.push(SeedUser {
        login: "ci-bot".to_owned(),
        kind: UserKind::Bot,
        token: Some("t-ci".to_owned()),
        permissions: [("*".to_owned(), Permission::Write)].into_iter().collect(),
    });
    for repo in &mut seed.repos {
        match repo.name.as_str() {
            "acme/schema" => {
                repo.protection.insert(
                    "main".to_owned(),
                    BranchProtection {
                        required_checks: vec!["ci".to_owned()],
                        strict: true,
                        ..BranchProtection::default()
                    },
                );
                repo.protection.insert(
                    "staging".to_owned(),
                    BranchProtection {
                        required_checks: vec!["ci".to_owned()],
                        pull_request_only: true,
                        ..BranchProtection::default()
                    },
                );
            }
            "acme/api" => {
                repo.protection.insert(
                    "main".to_owned(),
                    BranchProtection {
                        required_approving_reviews: 1,
                        ..BranchProtection::default()
                    },
                );
            }
            "acme/web" => {
                repo.settings = RepoSettings {
                    allow_merge_commit: false,
                    allow_rebase_merge: false,
                    delete_branch_on_merge: true,
                    ..RepoSettings::default()
                };
                repo.protection.insert(
                    "main".to_owned(),
                    BranchProtection {
                        required_checks: vec!["ci".to_owned()],
                        merge_queue: true,
                        merge_queue_method: QueueMergeMethod::Squash,
                        ..BranchProtection::default()
                    },
                );
            }
            _ => {}
        }
    }
    Ok(seed)
}

/// What the protected world's CI and reviewer do now; returns whether they did anything.
pub async fn act(
    ci: &GitHub,
    reviewer: &GitHub,
    say: &mut (dyn FnMut(String) + Send),
) -> anyhow::Result<bool> {
    let mut acted = false;
    for repo in MEMBERS {
        acted |= check_merge_groups(ci, repo, say).await?;
        let pulls = ci.get(&format!("/repos/{repo}/pulls?state=open")).await?;
        for pr in pulls.as_array().into_iter().flatten() {
            let number = pr
                .get("number")
                .and_then(Value::as_u64)
                .context("a pull request number")?;
            let head = str_at(pr, &["head", "sha"]).context("a head sha")?;
            let base = str_at(pr, &["base", "ref"]).context("a base branch")?;
            let rules = ci
                .get(&format!("/repos/{repo}/rules/branches/{base}"))
                .await?;
            for context in required_checks(&rules) {
                if reported(ci, repo, &head, &context).await? {
                    continue;
                }
                ci.post(
                    &format!("/repos/{repo}/statuses/{head}"),
                    &json!({"state": "success", "context": context, "description": "build and unit tests passed"}),
                )
                .await?;
                say(format!(
                    "  ci: `{context}` passes on {repo}#{number} ({})",
                    short(&head)
                ));
                acted = true;
            }
            if required_reviews(&rules) > 0 && !approved(reviewer, repo, number, &head).await? {
                reviewer
                    .post(
                        &format!("/repos/{repo}/pulls/{number}/reviews"),
                        &json!({"event": "APPROVE", "body": "Reviewed for the release."}),
                    )
                    .await?;
                say(format!("  bob approves {repo}#{number} ({})", short(&head)));
                acted = true;
            }
        }
    }
    Ok(acted)
}

/// CI on merge groups: reports the checks the queue's branch requires on every merge group of
/// `repo` that waits for them (each group is a `gh-readonly-queue/{base}/pr-{n}-{sha}` branch).
async fn check_merge_groups(
    ci: &GitHub,
    repo: &str,
    say: &mut (dyn FnMut(String) + Send),
) -> anyhow::Result<bool> {
    let refs = ci
        .get(&format!(
            "/repos/{repo}/git/matching-refs/heads/gh-readonly-queue/"
        ))
        .await?;
    let mut acted = false;
    for r in refs.as_array().into_iter().flatten() {
        let (Some(name), Some(sha)) = (str_at(r, &["ref"]), str_at(r, &["object", "sha"])) else {
            continue;
        };
        let Some((base, group)) = name
            .strip_prefix("refs/heads/gh-readonly-queue/")
            .and_then(|rest| rest.rsplit_once("/pr-"))
        else {
            continue;
        };
        let number = group.split('-').next().unwrap_or_default();
        let rules = ci
            .get(&format!("/repos/{repo}/rules/branches/{base}"))
            .await?;
        for context in required_checks(&rules) {
            if reported(ci, repo, &sha, &context).await? {
                continue;
            }
            ci.post(
                &format!("/repos/{repo}/statuses/{sha}"),
                &json!({"state": "success", "context": context, "description": "the merge group builds and passes"}),
            )
            .await?;
            say(format!(
                "  ci: `{context}` passes on {repo}'s merge group for #{number} ({})",
                short(&sha)
            ));
            acted = true;
        }
    }
    Ok(acted)
}

/// The merge method a task's pull request can use in `repo` (the first the repository allows).
pub async fn task_merge_method(dev: &GitHub, repo: &str) -> anyhow::Result<&'static str> {
    let r = dev.get(&format!("/repos/{repo}")).await?;
    let allowed = |key: &str| r.get(key).and_then(Value::as_bool).unwrap_or(true);
    Ok(if allowed("allow_merge_commit") {
        "merge"
    } else if allowed("allow_squash_merge") {
        "squash"
    } else {
        "rebase"
    })
}

fn str_at(v: &Value, path: &[&str]) -> Option<String> {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// The status-check contexts the rules of a branch require.
fn required_checks(rules: &Value) -> Vec<String> {
    rules
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r.get("type").and_then(Value::as_str) == Some("required_status_checks"))
        .flat_map(|r| {
            r.pointer("/parameters/required_status_checks")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|c| c.get("context").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// How many approving reviews the rules of a branch require.
fn required_reviews(rules: &Value) -> u64 {
    rules
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r.get("type").and_then(Value::as_str) == Some("pull_request"))
        .filter_map(|r| {
            r.pointer("/parameters/required_approving_review_count")
                .and_then(Value::as_u64)
        })
        .max()
        .unwrap_or(0)
}

async fn reported(ci: &GitHub, repo: &str, sha: &str, context: &str) -> anyhow::Result<bool> {
    let statuses = ci
        .get(&format!("/repos/{repo}/commits/{sha}/statuses"))
        .await?;
    Ok(statuses
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s.get("context").and_then(Value::as_str) == Some(context)))
}

async fn approved(reviewer: &GitHub, repo: &str, number: u64, head: &str) -> anyhow::Result<bool> {
    let reviews = reviewer
        .get(&format!("/repos/{repo}/pulls/{number}/reviews"))
        .await?;
    Ok(reviews.as_array().into_iter().flatten().any(|r| {
        r.get("state").and_then(Value::as_str) == Some("APPROVED")
            && r.get("commit_id").and_then(Value::as_str) == Some(head)
    }))
}
