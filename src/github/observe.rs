//! The observer: reads what `decide` needs into an [`Observed`], with as few requests as the
//! phase allows, reads in parallel (the client bounds how many at once).
//!
//! Per member repo: one `matching-refs/heads/` request gives every branch head; during
//! development, staging and shipping one pulls list gives the pull requests (a pull request's
//! `mergeable` needs its own GET, made only for open promotion pull requests). Per release: the
//! tracking issue, the runs still in flight, the releases of shipped repos, and the permission of
//! whoever gave a command.

use futures::future::try_join_all;
use serde_json::Value;

use super::client::{GhError, GitHub};
use super::path;
use crate::lifecycle::observed::{
    Observed, ObservedBranch, ObservedComment, ObservedIssue, ObservedPermission, ObservedPull,
    ObservedRelease, ObservedRun, PullState,
};
use crate::model::config::Permission;
use crate::model::ids::{BranchName, Login, RepoName, Sha};
use crate::model::manifest::{Conclusion, Phase, ReleaseManifest, RunStatus};
use crate::signal::Signal;

/// The label convoy puts on tracking issues (and finds them by).
pub const TRACKING_LABEL: &str = "convoy:release";

/// Reads the GitHub state `decide` needs for `m`, given the `signal` being handled.
pub async fn observe(
    gh: &GitHub,
    m: &ReleaseManifest,
    signal: &Signal,
) -> Result<Observed, GhError> {
    let phase = m.phase;
    // Validation looks at branch heads and runs only: no pull requests needed.
    let want_pulls = matches!(
        phase,
        Phase::Development | Phase::Staging | Phase::Shipping | Phase::Aborted | Phase::RolledBack
    );
    let repos = try_join_all(
        m.repos
            .iter()
            .map(|r| observe_repo(gh, m, &r.name, want_pulls)),
    );
    let runs = try_join_all(
        m.tier_runs
            .iter()
            .filter(|r| r.status != RunStatus::Completed)
            .map(|r| observe_run(gh, &r.repo, r.run_id, &r.workflow, &r.correlation_id)),
    );
    let releases = try_join_all(
        m.repos
            .iter()
            .filter(|r| r.shas.shipped.is_some())
            .map(|r| observe_release(gh, &r.name, &m.tag)),
    );
    let (repos, runs, releases, issue, permission) = futures::try_join!(
        repos,
        runs,
        releases,
        observe_tracking_issue(gh, m),
        observe_permission(gh, m, signal)
    )?;
    let mut o = Observed::default();
    for (branches, pulls) in repos {
        o.branches.extend(branches);
        o.pulls.extend(pulls);
    }
    o.runs = runs.into_iter().flatten().collect();
    o.releases = releases.into_iter().flatten().collect();
    if let Some((issue, comments)) = issue {
        o.issues.push(issue);
        o.comments = comments;
    }
    o.permissions = permission.into_iter().collect();
    Ok(o)
}

async fn observe_repo(
    gh: &GitHub,
    m: &ReleaseManifest,
    repo: &RepoName,
    want_pulls: bool,
) -> Result<(Vec<ObservedBranch>, Vec<ObservedPull>), GhError> {
    let refs_url = format!("{}/git/matching-refs/heads/", path::repo(repo));
    let refs = gh.get_all(&refs_url, None, 10);
    let pulls = async {
        if want_pulls {
            gh.get_all(
                &format!(
                    "{}/pulls?state=all&sort=updated&direction=desc",
                    path::repo(repo)
                ),
                None,
                1,
            )
            .await
        } else {
            Ok(Vec::new())
        }
    };
    let (refs, pulls) = futures::try_join!(refs, pulls)?;
    let branches: Vec<ObservedBranch> = refs
        .iter()
        .filter_map(|r| {
            let name = r.get("ref")?.as_str()?.strip_prefix("refs/heads/")?;
            Some(ObservedBranch {
                repo: repo.clone(),
                branch: BranchName::parse(name).ok()?,
                sha: Sha::parse(r.pointer("/object/sha")?.as_str()?).ok()?,
            })
        })
        .collect();
    let mut out = Vec::new();
    let release_repo = m.repo(repo);
    for p in &pulls {
        let Some(mut pull) = parse_pull(repo, p) else {
            continue;
        };
        // GitHub computes mergeability only for a single pull request; ask for the open
        // promotion pull requests convoy is about to merge.
        let promotion = release_repo.is_some_and(|r| {
            (pull.head == r.rc_branch && pull.base == r.staging)
                || (pull.head == r.staging && pull.base == r.base)
        });
        if pull.state == PullState::Open && promotion {
            let full = gh
                .get(&format!("{}/pulls/{}", path::repo(repo), pull.number))
                .await?;
            if let Some(fresh) = parse_pull(repo, &full) {
                pull = fresh;
            }
            if pull.mergeable == Some(false)
                && let Some(base_sha) = full.pointer("/base/sha").and_then(Value::as_str)
            {
                pull.conflict_files =
                    conflict_files(gh, repo, base_sha, pull.head_sha.as_str()).await?;
            }
        }
        out.push(pull);
    }
    Ok((branches, out))
}

/// The files a conflicting pull request most likely conflicts in: those changed on both sides
/// since the merge base, from two compare requests (GitHub does not list conflicts itself).
async fn conflict_files(
    gh: &GitHub,
    repo: &RepoName,
    base: &str,
    head: &str,
) -> Result<Vec<String>, GhError> {
    let files = |v: &Value| -> Vec<String> {
        v.get("files")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| f.get("filename").and_then(Value::as_str))
            .map(str::to_owned)
            .collect()
    };
    let ours_url = format!("{}/compare/{base}...{head}", path::repo(repo));
    let theirs_url = format!("{}/compare/{head}...{base}", path::repo(repo));
    let (ours, theirs) = futures::try_join!(gh.get(&ours_url), gh.get(&theirs_url))?;
    let theirs = files(&theirs);
    let mut both: Vec<String> = files(&ours)
        .into_iter()
        .filter(|f| theirs.contains(f))
        .collect();
    both.sort();
    both.dedup();
    Ok(both)
}

/// A pull request from its REST shape; pull requests from forks are left out.
pub fn parse_pull(repo: &RepoName, p: &Value) -> Option<ObservedPull> {
    let head_repo = p.pointer("/head/repo/full_name").and_then(Value::as_str);
    if head_repo.is_some_and(|h| h != repo.as_str()) {
        return None;
    }
    let merged = p.get("merged_at").is_some_and(|v| !v.is_null())
        || p.get("merged").and_then(Value::as_bool) == Some(true);
    let state = match (p.get("state").and_then(Value::as_str), merged) {
        (_, true) => PullState::Merged,
        (Some("open"), _) => PullState::Open,
        _ => PullState::Closed,
    };
    Some(ObservedPull {
        repo: repo.clone(),
        number: p.get("number")?.as_u64()?,
        head: BranchName::parse(p.pointer("/head/ref")?.as_str()?).ok()?,
        base: BranchName::parse(p.pointer("/base/ref")?.as_str()?).ok()?,
        head_sha: Sha::parse(p.pointer("/head/sha")?.as_str()?).ok()?,
        state,
        mergeable: p.get("mergeable").and_then(Value::as_bool),
        merge_commit_sha: if merged {
            p.get("merge_commit_sha")
                .and_then(Value::as_str)
                .and_then(|s| Sha::parse(s).ok())
        } else {
            None
        },
        conflict_files: Vec::new(),
        body: p
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    })
}

/// A run in flight: by id when known, else by its correlation id among the workflow's runs.
async fn observe_run(
    gh: &GitHub,
    repo: &RepoName,
    run_id: Option<u64>,
    workflow: &str,
    correlation: &str,
) -> Result<Option<ObservedRun>, GhError> {
    if let Some(id) = run_id {
        return Ok(gh
            .get_opt(&format!("{}/actions/runs/{id}", path::repo(repo)))
            .await?
            .and_then(|r| parse_run(repo, &r)));
    }
    let runs = gh
        .get(&format!(
            "{}/actions/workflows/{}/runs?event=workflow_dispatch&per_page=50",
            path::repo(repo),
            path::enc(workflow)
        ))
        .await?;
    Ok(runs
        .get("workflow_runs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| parse_run(repo, r))
        .find(|r| r.title.contains(correlation)))
}

/// A run from its REST shape.
pub fn parse_run(repo: &RepoName, r: &Value) -> Option<ObservedRun> {
    let status = match r.get("status")?.as_str()? {
        "completed" => RunStatus::Completed,
        "in_progress" => RunStatus::InProgress,
        "requested" => RunStatus::Requested,
        _ => RunStatus::Queued,
    };
    Some(ObservedRun {
        repo: repo.clone(),
        run_id: r.get("id")?.as_u64()?,
        title: r
            .get("display_title")
            .or_else(|| r.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        status,
        conclusion: r
            .get("conclusion")
            .and_then(Value::as_str)
            .and_then(Conclusion::parse),
        url: r.get("html_url").and_then(Value::as_str).map(str::to_owned),
    })
}

async fn observe_release(
    gh: &GitHub,
    repo: &RepoName,
    tag: &str,
) -> Result<Option<ObservedRelease>, GhError> {
    let found = gh
        .get_opt(&format!(
            "{}/releases/tags/{}",
            path::repo(repo),
            path::enc(tag)
        ))
        .await?;
    Ok(found.map(|_| ObservedRelease {
        repo: repo.clone(),
        tag: tag.to_owned(),
    }))
}

/// The tracking issue (by number, else by label and marker) and the markers of convoy's comments
/// on it.
async fn observe_tracking_issue(
    gh: &GitHub,
    m: &ReleaseManifest,
) -> Result<Option<(ObservedIssue, Vec<ObservedComment>)>, GhError> {
    let control = &m.control_repo;
    let issue = match m.tracking_issue {
        Some(n) => {
            gh.get_opt(&format!("{}/issues/{n}", path::repo(control)))
                .await?
        }
        None => {
            let marker = crate::report::marker(&m.id);
            let list = gh
                .get_all(
                    &format!(
                        "{}/issues?state=all&labels={}",
                        path::repo(control),
                        path::enc(TRACKING_LABEL)
                    ),
                    None,
                    3,
                )
                .await?;
            list.into_iter().find(|i| {
                i.get("body")
                    .and_then(Value::as_str)
                    .is_some_and(|b| b.contains(&marker))
            })
        }
    };
    let Some(issue) = issue.and_then(|i| parse_issue(control, &i)) else {
        return Ok(None);
    };
    let comments =
        if m.escalations.iter().any(|e| e.resolved_at.is_none()) || !m.escalations.is_empty() {
            comment_markers(gh, control, issue.number).await?
        } else {
            Vec::new()
        };
    Ok(Some((issue, comments)))
}

/// Whether a comment may be one convoy posted, so its marker counts: its author is a bot
/// (`user.type` is `Bot`: the `github-actions[bot]` of `GITHUB_TOKEN` or an App's
/// `<slug>[bot]`), it was posted through a GitHub App, or its author is the repository's owner,
/// a member of its organisation or a collaborator (a machine user behind a personal token).
///
/// Anyone who can comment on a public issue could otherwise write `<!-- convoy:… -->` first and
/// make convoy believe its escalation call or its reply was already posted.
pub fn posted_by_trusted_author(comment: &Value) -> bool {
    let bot = comment.pointer("/user/type").and_then(Value::as_str) == Some("Bot");
    let via_app = comment
        .get("performed_via_github_app")
        .is_some_and(|app| !app.is_null());
    let associated = matches!(
        comment.get("author_association").and_then(Value::as_str),
        Some("OWNER" | "MEMBER" | "COLLABORATOR")
    );
    bot || via_app || associated
}

/// The `<!-- convoy:… -->` markers of the comments on an issue, from comments convoy may have
/// posted ([`posted_by_trusted_author`]); a marker in anyone else's comment is ignored.
pub async fn comment_markers(
    gh: &GitHub,
    repo: &RepoName,
    issue: u64,
) -> Result<Vec<ObservedComment>, GhError> {
    let list = gh
        .get_all(
            &format!("{}/issues/{issue}/comments", path::repo(repo)),
            None,
            10,
        )
        .await?;
    Ok(list
        .iter()
        .filter(|c| posted_by_trusted_author(c))
        .filter_map(|c| c.get("body").and_then(Value::as_str))
        .filter_map(|b| {
            b.strip_prefix("<!-- ")
                .and_then(|rest| rest.split_once(" -->"))
                .map(|(m, _)| m.to_owned())
        })
        .filter(|m| m.starts_with("convoy:"))
        .map(|marker| ObservedComment {
            repo: repo.clone(),
            issue,
            marker,
        })
        .collect())
}

/// An issue from its REST shape.
pub fn parse_issue(repo: &RepoName, i: &Value) -> Option<ObservedIssue> {
    Some(ObservedIssue {
        repo: repo.clone(),
        number: i.get("number")?.as_u64()?,
        title: i.get("title")?.as_str()?.to_owned(),
        body: i
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        labels: i
            .get("labels")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| {
                l.get("name")
                    .and_then(Value::as_str)
                    .or_else(|| l.as_str())
                    .map(str::to_owned)
            })
            .collect(),
        open: i.get("state").and_then(Value::as_str) != Some("closed"),
    })
}

/// The permission on the control repo of whoever gave a command.
async fn observe_permission(
    gh: &GitHub,
    m: &ReleaseManifest,
    signal: &Signal,
) -> Result<Option<ObservedPermission>, GhError> {
    let actor = match signal {
        Signal::Command(c) => Some(c.actor.clone()),
        Signal::Comment(c) if !c.author_is_bot => Some(c.author.clone()),
        _ => None,
    };
    let Some(login) = actor else { return Ok(None) };
    permission_of(gh, &m.control_repo, &login).await.map(|p| {
        Some(ObservedPermission {
            login,
            permission: p,
        })
    })
}

/// `login`'s permission on `repo` (`none` when GitHub does not know them there).
pub async fn permission_of(
    gh: &GitHub,
    repo: &RepoName,
    login: &Login,
) -> Result<Permission, GhError> {
    let url = format!(
        "{}/collaborators/{}/permission",
        path::repo(repo),
        path::enc(login.as_str())
    );
    let Some(v) = gh.get_opt(&url).await? else {
        return Ok(Permission::None);
    };
    // `role_name` tells maintain and triage apart; `permission` is the legacy level.
    let parse = |s: Option<&str>| {
        s.and_then(|s| serde_json::from_value::<Permission>(Value::String(s.to_owned())).ok())
    };
    Ok(parse(v.get("role_name").and_then(Value::as_str))
        .or_else(|| parse(v.get("permission").and_then(Value::as_str)))
        .unwrap_or(Permission::None))
}
