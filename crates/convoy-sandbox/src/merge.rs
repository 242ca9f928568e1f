//! Landing a pull request: the commit that lands it on a given commit (`merge`, `squash` or
//! `rebase`) and recording it as merged. `PUT …/pulls/{n}/merge` lands a pull request on its
//! base's tip; the merge queue lands it on the group ahead of it (see [`crate::queue`]).

use anyhow::{Context, Result};
use serde_json::json;

use crate::git::MergeOutcome;
use crate::ops::{self, author_ident, committer_ident};
use crate::state::State;
use crate::webhooks;

/// How to land a pull request.
#[derive(Debug, Clone, Copy)]
pub struct Landing<'a> {
    /// `merge`, `squash` or `rebase` (anything else lands as `merge`).
    pub method: &'a str,
    /// Title of the merge or squash commit (GitHub's default when `None`).
    pub title: Option<&'a str>,
    /// Message body of the merge or squash commit (GitHub's default when `None`).
    pub message: Option<&'a str>,
    /// Who lands it (the author of a merge commit).
    pub login: &'a str,
}

/// Builds the commit that lands pull request `n` of repository `k` on commit `onto` and returns
/// it with its logical time, or `None` when the head conflicts with `onto`. No ref moves. A merge commit has the
/// parents `onto` and the head; a squash commit has `onto` alone and the pull request's author;
/// a rebase replays each head commit on `onto` and returns the last.
pub async fn land_commit(
    st: &mut State,
    k: &str,
    n: u64,
    onto: &str,
    how: &Landing<'_>,
) -> Result<Option<(String, i64)>> {
    let repo = st.repos.get(k).context("unknown repository")?;
    let git = repo.git.clone();
    let owner = repo.owner.clone();
    let issue = repo
        .issues
        .get(&n)
        .cloned()
        .context("unknown pull request")?;
    let p = issue.pull.clone().context("not a pull request")?;
    let MergeOutcome::Clean(tree) = git.merge_tree(onto, &p.head_sha, None).await? else {
        return Ok(None);
    };
    let now = st.now();
    let web = committer_ident(now);
    let sha = match how.method {
        "squash" => {
            let title = how
                .title
                .map_or_else(|| format!("{} (#{n})", issue.title), str::to_owned);
            let message = format!("{title}\n\n{}", how.message.unwrap_or_default());
            git.commit_tree(
                &tree,
                &[onto],
                message.trim_end(),
                &author_ident(&issue.user, now),
                &web,
            )
            .await?
        }
        "rebase" => {
            let mut tip = onto.to_owned();
            for sha in git.commits_between(onto, &p.head_sha).await? {
                let info = st.commit(k, &sha).await?;
                let parent = info.parents.first().cloned().unwrap_or_default();
                let MergeOutcome::Clean(t) = git.merge_tree(&tip, &sha, Some(&parent)).await?
                else {
                    return Ok(None);
                };
                tip = git
                    .commit_tree(&t, &[&tip], &info.message, &info.author, &web)
                    .await?;
            }
            tip
        }
        _ => {
            let title = how.title.map_or_else(
                || format!("Merge pull request #{n} from {owner}/{}", p.head_ref),
                str::to_owned,
            );
            let message = format!("{title}\n\n{}", how.message.unwrap_or(&issue.title));
            git.commit_tree(
                &tree,
                &[onto, &p.head_sha],
                message.trim_end(),
                &author_ident(how.login, now),
                &web,
            )
            .await?
        }
    };
    Ok(Some((sha, now)))
}

/// Records pull request `n` as merged by `login` at time `at` into commit `sha` (closed,
/// `merged`, `merge_commit_sha`), emits `pull_request` `closed`, and deletes its head branch when the
/// repository deletes head branches on merge. The base ref is the caller's to move.
pub async fn record_merged(
    base: &str,
    st: &mut State,
    k: &str,
    n: u64,
    sha: &str,
    login: &str,
    at: i64,
) -> Result<()> {
    let now = at;
    let mut head = None;
    if let Some(i) = st.repos.get_mut(k).and_then(|r| r.issues.get_mut(&n)) {
        i.state = "closed".into();
        i.closed = Some(now);
        i.updated = now;
        if let Some(p) = i.pull.as_mut() {
            p.merged = true;
            p.merged_at = Some(now);
            p.merge_commit_sha = Some(sha.to_owned());
            p.merged_by = Some(login.to_owned());
            head = Some(p.head_ref.clone());
        }
    }
    let pr = ops::pull_json(base, st, k, n).await?;
    let payload = json!({"action": "closed", "number": n, "pull_request": pr});
    webhooks::emit(base, st, k, "pull_request", login, payload);
    if let Some(head) = head {
        delete_merged_head(base, st, k, &head, login).await?;
    }
    Ok(())
}

/// "Automatically delete head branches": after a merge, GitHub deletes the head branch unless
/// it is the default branch or protected.
async fn delete_merged_head(
    base: &str,
    st: &mut State,
    k: &str,
    head: &str,
    login: &str,
) -> Result<()> {
    let repo = st.repos.get(k).context("unknown repository")?;
    let refname = format!("refs/heads/{head}");
    if !repo.settings.delete_branch_on_merge
        || head == repo.default_branch
        || repo.protection.get(head).is_some_and(|p| p.is_protected())
        || !repo.refs.contains_key(&refname)
    {
        return Ok(());
    }
    ops::move_ref(base, st, k, &refname, None, login).await
}
