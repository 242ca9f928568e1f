//! Operations shared by API and control endpoints: moving refs (with push and `synchronize`
//! events), committing files, computing pull-request facts.

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::git::{Ident, MergeOutcome};
use super::json;
use super::runs;
use super::shapes::{self, PullFacts};
use super::state::State;
use super::webhooks::emit;

/// The identity commits made through the sandbox are attributed to.
pub fn author_ident(login: &str, time: i64) -> Ident {
    Ident {
        name: login.to_owned(),
        email: format!("{login}@users.noreply.sandbox"),
        time,
    }
}

/// GitHub's web-flow committer.
pub fn committer_ident(time: i64) -> Ident {
    Ident {
        name: "GitHub".to_owned(),
        email: "noreply@github.com".to_owned(),
        time,
    }
}

/// Points `refname` at `new` (or deletes it with `None`), in memory and in git, emits the
/// `push` event and `pull_request.synchronize` for open pull requests whose head moved, then
/// lets the repository's merge queues catch up (a moved head leaves its queue, a moved base
/// rebuilds the groups).
pub async fn set_ref(
    base: &str,
    st: &mut State,
    key: &str,
    refname: &str,
    new: Option<&str>,
    sender: &str,
) -> Result<()> {
    move_ref(base, st, key, refname, new, sender).await?;
    super::queue::reconcile(base, st, key).await
}

/// [`set_ref`] without the merge queues: what the queue itself uses to move refs.
pub async fn move_ref(
    base: &str,
    st: &mut State,
    key: &str,
    refname: &str,
    new: Option<&str>,
    sender: &str,
) -> Result<()> {
    let repo = st.repos.get(key).context("unknown repository")?;
    let git = repo.git.clone();
    let old = repo.refs.get(refname).cloned();
    match new {
        Some(sha) => git.update_ref(refname, sha).await?,
        None => git.delete_ref(refname).await?,
    }
    let now = st.now();
    if let Some(r) = st.repos.get_mut(key) {
        match new {
            Some(sha) => r.refs.insert(refname.to_owned(), sha.to_owned()),
            None => r.refs.remove(refname),
        };
        r.pushed = now;
    }
    let zero = "0000000000000000000000000000000000000000";
    let mut commits = Vec::new();
    if let Some(sha) = new {
        let shas = match &old {
            Some(o) => git.commits_between(o, sha).await?,
            None => vec![sha.to_owned()],
        };
        for c in shas.iter().rev().take(20).rev() {
            let info = st.commit(key, c).await?;
            let mut v = json::simple_commit(&info);
            v["url"] = json!(format!("{base}/{}/commit/{c}", key));
            v["distinct"] = json!(true);
            v["added"] = json!([]);
            v["removed"] = json!([]);
            v["modified"] = json!([]);
            commits.push(v);
        }
    }
    let forced = match (&old, new) {
        (Some(o), Some(n)) => !git.is_ancestor(o, n).await?,
        _ => false,
    };
    let head_commit = commits.last().cloned().unwrap_or(Value::Null);
    let payload = json!({
        "ref": refname,
        "before": old.clone().unwrap_or_else(|| zero.to_owned()),
        "after": new.unwrap_or(zero),
        "created": old.is_none(),
        "deleted": new.is_none(),
        "forced": forced,
        "base_ref": null,
        "compare": format!("{base}/{key}/compare/{}...{}", old.as_deref().unwrap_or(zero), new.unwrap_or(zero)),
        "commits": commits,
        "head_commit": head_commit,
        "pusher": {"name": sender, "email": format!("{sender}@users.noreply.sandbox")},
    });
    emit(base, st, key, "push", sender, payload);
    if let Some(branch) = refname.strip_prefix("refs/heads/") {
        let lag = st.mergeable_lag;
        if let Some(r) = st.repos.get_mut(key) {
            for p in r.issues.values_mut().filter_map(|i| i.pull.as_mut()) {
                if p.head_ref == branch || p.base_ref == branch {
                    p.unknown_reads = lag;
                }
            }
        }
    }
    if let (Some(branch), Some(sha)) = (refname.strip_prefix("refs/heads/"), new) {
        runs::on_push(base, st, key, branch, sha, sender).await?;
        let moved: Vec<u64> = st.repos.get(key).map_or_else(Vec::new, |r| {
            r.issues
                .values()
                .filter(|i| i.state == "open")
                .filter(|i| {
                    i.pull
                        .as_ref()
                        .is_some_and(|p| p.head_ref == branch && p.head_sha != sha)
                })
                .map(|i| i.number)
                .collect()
        });
        for number in moved {
            let before = if let Some(i) = st
                .repos
                .get_mut(key)
                .and_then(|r| r.issues.get_mut(&number))
            {
                i.updated = now;
                i.pull
                    .as_mut()
                    .map(|p| std::mem::replace(&mut p.head_sha, sha.to_owned()))
            } else {
                None
            };
            let pr = pull_json(base, st, key, number).await?;
            let payload = json!({"action": "synchronize", "number": number, "before": before, "after": sha, "pull_request": pr});
            emit(base, st, key, "pull_request", sender, payload);
            runs::on_pull_request(base, st, key, number, sender).await?;
        }
    }
    Ok(())
}

/// Commits `files` (path → content, `None` deletes) on `branch` (created from the default
/// branch when absent) and moves the branch; returns the new commit id.
pub async fn commit_files(
    base: &str,
    st: &mut State,
    key: &str,
    branch: &str,
    files: &[(String, Option<Vec<u8>>)],
    message: &str,
    author: &str,
) -> Result<String> {
    let repo = st.repos.get(key).context("unknown repository")?;
    let git = repo.git.clone();
    let parent = match repo.branch(branch) {
        Some(sha) => sha.clone(),
        None => repo
            .branch(&repo.default_branch)
            .cloned()
            .context("default branch missing")?,
    };
    let parent_info = st.commit(key, &parent).await?;
    let mut changes = Vec::new();
    for (path, content) in files {
        let blob = match content {
            Some(bytes) => Some(git.write_blob(bytes).await?),
            None => None,
        };
        changes.push((path.trim_start_matches('/').to_owned(), blob));
    }
    let tree = git.tree_with(Some(&parent_info.tree), &changes).await?;
    let now = st.now();
    let sha = git
        .commit_tree(
            &tree,
            &[&parent],
            message,
            &author_ident(author, now),
            &committer_ident(now),
        )
        .await?;
    set_ref(
        base,
        st,
        key,
        &format!("refs/heads/{branch}"),
        Some(&sha),
        author,
    )
    .await?;
    Ok(sha)
}

/// Computes `mergeable`, `mergeable_state` and diff counts of a pull request.
pub async fn pull_facts(st: &mut State, key: &str, number: u64) -> Result<PullFacts> {
    let r = st.repos.get(key).context("unknown repository")?;
    let i = r.issues.get(&number).context("unknown pull request")?;
    let p = i.pull.as_ref().context("not a pull request")?;
    let git = r.git.clone();
    let head = p.head_sha.clone();
    let base_sha = r.branch(&p.base_ref).cloned();
    let base_ref = p.base_ref.clone();
    let (open, merged, draft) = (i.state == "open", p.merged, p.draft);
    let mut facts = PullFacts {
        mergeable_state: "unknown".to_owned(),
        ..PullFacts::default()
    };
    let Some(base_sha) = base_sha else {
        return Ok(facts);
    };
    if let Some(mb) = git.merge_base(&base_sha, &head).await? {
        let files = git.diff(&mb, &head).await?;
        facts.changed_files = files.len() as u64;
        facts.additions = files.iter().map(|f| f.additions).sum();
        facts.deletions = files.iter().map(|f| f.deletions).sum();
        facts.commits = git.commits_between(&base_sha, &head).await?.len() as u64;
    }
    if open && !merged {
        match git.merge_tree(&base_sha, &head, None).await? {
            MergeOutcome::Clean(_) => {
                facts.mergeable = Some(true);
                let behind = !git.is_ancestor(&base_sha, &head).await?;
                let strict = st.repos[key]
                    .protection
                    .get(&base_ref)
                    .is_some_and(|p| p.strict && !p.required_checks.is_empty());
                facts.mergeable_state = if draft {
                    "draft".to_owned()
                } else if behind && strict {
                    "behind".to_owned()
                } else if ["merge", "squash", "rebase"]
                    .iter()
                    .all(|m| st.merge_refusal(key, number, "", m, behind).is_some())
                {
                    // Blocked only when no merge method the repository allows would go through.
                    "blocked".to_owned()
                } else {
                    "clean".to_owned()
                };
            }
            MergeOutcome::Conflict(_) => {
                facts.mergeable = Some(false);
                facts.mergeable_state = "dirty".to_owned();
            }
        }
    }
    Ok(facts)
}

/// The full `pull-request` JSON of a pull request.
pub async fn pull_json(base: &str, st: &mut State, key: &str, number: u64) -> Result<Value> {
    let facts = pull_facts(st, key, number).await?;
    let r = st.repos.get(key).context("unknown repository")?;
    let i = r.issues.get(&number).context("unknown pull request")?;
    Ok(shapes::pull(base, st, r, i, Some(&facts)))
}
