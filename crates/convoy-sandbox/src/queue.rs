//! Merge queues, as GitHub runs them on a branch whose protection requires one.
//!
//! `PUT …/pulls/{n}/merge-async` puts a pull request in its base's queue ([`admit`]). Each entry
//! gets a **merge group**: a real commit landing the pull request (with the queue's merge
//! method) on the base's tip plus the groups ahead of it, under
//! `refs/heads/gh-readonly-queue/{base}/pr-{n}-{parent}`, announced by `merge_group`
//! `checks_requested`. CI reports the base's required checks on the group's SHA (commit statuses
//! or check runs); the first entry whose checks all pass merges by fast-forwarding the base to
//! its group commit. A failing required check ejects its entry, and the entries behind it are
//! rebuilt on the new chain (`merge_group` `destroyed` `invalidated`, then `checks_requested`).
//!
//! Everything happens in [`reconcile`], which the sandbox calls after anything that can move a
//! queue: a ref moved ([`crate::ops::set_ref`]), a status or check run reported, a pull request
//! closed, retargeted or merged past the queue. It loops until nothing changes, so it is
//! idempotent.

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::gate::CheckState;
use crate::merge::{self, Landing};
use crate::ops;
use crate::protection;
use crate::state::State;
use crate::{json, webhooks};

/// `GET …/merge-async/{uuid}` while the pull request waits in the queue (GitHub's text).
pub const ENQUEUED: &str = "Pull request is in the merge queue.";
/// `merge_action: merge_queue` on a base without a merge queue (GitHub's GraphQL text).
pub const NO_QUEUE: &str = "Merge queue is not enabled for this branch.";
/// The group commit conflicts (GitHub's example text for a failed asynchronous merge).
pub const CONFLICT: &str = "Merge conflict: the pull request could not be merged.";
/// The head moved after the request (the text of `PUT …/merge`'s 409).
pub const HEAD_MODIFIED: &str = "Head branch was modified. Review and try the merge again.";
/// The pull request was closed while queued.
pub const CLOSED: &str = "Pull request is closed.";
/// The pull request was retargeted to another base while queued.
pub const RETARGETED: &str = "The base branch of the pull request was changed.";
/// A merged result.
pub const MERGED: &str = "Pull request was merged.";

/// The failure text when required check `context` fails on a merge group.
pub fn check_failed(context: &str) -> String {
    format!("Required status check \"{context}\" failed in the merge queue.")
}

/// A pull request waiting in a merge queue.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The asynchronous merge request's uuid.
    pub uuid: String,
    /// The pull request.
    pub number: u64,
    /// The head the pull request must keep (`sha` of the request, else its head then).
    pub head_sha: String,
    /// `merge`, `squash` or `rebase`: the queue's merge method.
    pub method: String,
    /// `merge_action` of the request (`default` or `merge_queue`).
    pub action: String,
    /// Who queued it: the sender of the queue's events and the one who merges.
    pub by: String,
    /// Its merge group, once built.
    pub group: Option<Group>,
}

impl Entry {
    /// The `details` of a request for this entry (`message`, `uuid`, `merge_method`,
    /// `merge_action`, `expected_head_sha`).
    pub fn details(&self, message: &str) -> Value {
        json!({
            "message": message,
            "uuid": self.uuid,
            "merge_method": self.method,
            "merge_action": self.action,
            "expected_head_sha": self.head_sha,
        })
    }
}

/// A merge group: the commit an entry would merge as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group commit.
    pub head_sha: String,
    /// Its parent: the base's tip or the group ahead of it.
    pub base_sha: String,
    /// `refs/heads/gh-readonly-queue/{base}/pr-{n}-{base_sha}`.
    pub refname: String,
}

/// Why an entry leaves its queue without merging.
enum Removal {
    /// Merged past the queue (by a bypass actor).
    Merged(String),
    Closed,
    Retargeted,
    HeadMoved,
    Conflict,
    /// A required check failed on the group.
    Failed(String),
}

impl Removal {
    /// `reason` of `pull_request` `dequeued` (GitHub's removal reasons).
    fn reason(&self) -> &'static str {
        match self {
            Self::Merged(_) => "ALREADY_MERGED",
            Self::Closed | Self::Retargeted | Self::HeadMoved => "MANUAL",
            Self::Conflict => "MERGE_CONFLICT",
            Self::Failed(_) => "CI_FAILURE",
        }
    }

    /// The request's final result.
    fn result(&self) -> Value {
        let failed = |m: &str| outcome("failed", json!({"message": m}));
        match self {
            Self::Merged(sha) => outcome("merged", json!({"message": MERGED, "sha": sha})),
            Self::Closed => failed(CLOSED),
            Self::Retargeted => failed(RETARGETED),
            Self::HeadMoved => failed(HEAD_MODIFIED),
            Self::Conflict => failed(CONFLICT),
            Self::Failed(context) => failed(&check_failed(context)),
        }
    }
}

/// A `pull-request-merge-async-result`.
pub fn outcome(status: &str, details: Value) -> Value {
    json!({"status": status, "details": details})
}

/// The queue entry of pull request `n` of repository `k`, if it is queued.
pub fn entry<'a>(st: &'a State, k: &str, n: u64) -> Option<&'a Entry> {
    st.repos
        .get(k)?
        .queues
        .values()
        .flatten()
        .find(|e| e.number == n)
}

/// Whether `branch` of repository `k` requires a merge queue; its merge method if so.
pub fn queue_method(st: &State, k: &str, branch: &str) -> Option<&'static str> {
    let p = st.repos.get(k)?.protection.get(branch)?;
    p.merge_queue.then(|| p.merge_queue_method.as_str())
}

/// Puts pull request `entry.number` in its base's queue, or refuses: `Some(text)` when the
/// head is not `entry.head_sha` or the base's required approving reviews are missing (the
/// queue does not honour bypass actors). Records the request's result under its uuid, emits
/// `pull_request` `enqueued` and builds its merge group.
pub async fn admit(base: &str, st: &mut State, k: &str, entry: Entry) -> Result<Option<String>> {
    let repo = st.repos.get(k).context("unknown repository")?;
    let issue = repo.issues.get(&entry.number).context("unknown pull")?;
    let p = issue.pull.as_ref().context("not a pull request")?;
    let branch = p.base_ref.clone();
    let refusal = if !p.head_sha.eq_ignore_ascii_case(&entry.head_sha) {
        Some(HEAD_MODIFIED.to_owned())
    } else {
        let required = repo
            .protection
            .get(&branch)
            .map_or(0, |b| b.required_approving_reviews);
        (st.approvals(k, entry.number) < required).then(|| protection::reviews_required(required))
    };
    let (uuid, n, by) = (entry.uuid.clone(), entry.number, entry.by.clone());
    if let Some(text) = &refusal {
        let failed = outcome("failed", json!({"message": text}));
        st.async_merges.insert(uuid, (k.to_owned(), n, failed));
        return Ok(refusal);
    }
    let enqueued = outcome("enqueued", json!({"message": ENQUEUED}));
    st.async_merges.insert(uuid, (k.to_owned(), n, enqueued));
    if let Some(r) = st.repos.get_mut(k) {
        r.queues.entry(branch).or_default().push(entry);
    }
    let pr = ops::pull_json(base, st, k, n).await?;
    let payload = json!({"action": "enqueued", "number": n, "pull_request": pr});
    webhooks::emit(base, st, k, "pull_request", &by, payload);
    reconcile(base, st, k).await?;
    Ok(None)
}

/// Brings every merge queue of repository `k` up to date: drops entries whose pull request was
/// closed, merged, retargeted or pushed; (re)builds merge groups whose parent is no longer the
/// chain's; ejects entries with a failing required check; merges the first entry while its
/// required checks all pass.
pub async fn reconcile(base: &str, st: &mut State, k: &str) -> Result<()> {
    let Some(repo) = st.repos.get(k) else {
        return Ok(());
    };
    let branches: Vec<String> = repo
        .queues
        .iter()
        .filter(|(_, q)| !q.is_empty())
        .map(|(b, _)| b.clone())
        .collect();
    for branch in branches {
        settle(base, st, k, &branch).await?;
    }
    Ok(())
}

/// One queue until nothing changes: every turn removes an entry or ends.
async fn settle(base: &str, st: &mut State, k: &str, branch: &str) -> Result<()> {
    loop {
        if let Some((i, why)) = stale(st, k, branch) {
            remove(base, st, k, branch, i, why).await?;
            continue;
        }
        if !build(base, st, k, branch).await? {
            continue;
        }
        if let Some((i, context)) = failing(st, k, branch) {
            remove(base, st, k, branch, i, Removal::Failed(context)).await?;
            continue;
        }
        if front_passes(st, k, branch) {
            land(base, st, k, branch).await?;
            continue;
        }
        return Ok(());
    }
}

fn queue<'a>(st: &'a State, k: &str, branch: &str) -> &'a [Entry] {
    st.repos
        .get(k)
        .and_then(|r| r.queues.get(branch))
        .map_or(&[], Vec::as_slice)
}

fn queue_mut<'a>(st: &'a mut State, k: &str, branch: &str) -> Option<&'a mut Vec<Entry>> {
    st.repos.get_mut(k)?.queues.get_mut(branch)
}

/// The first entry whose pull request no longer belongs in the queue, and why.
fn stale(st: &State, k: &str, branch: &str) -> Option<(usize, Removal)> {
    let repo = st.repos.get(k)?;
    queue(st, k, branch).iter().enumerate().find_map(|(i, e)| {
        let Some(issue) = repo.issues.get(&e.number) else {
            return Some((i, Removal::Closed));
        };
        let p = issue.pull.as_ref()?;
        let why = if p.merged {
            Removal::Merged(p.merge_commit_sha.clone().unwrap_or_default())
        } else if issue.state != "open" {
            Removal::Closed
        } else if p.base_ref != branch {
            Removal::Retargeted
        } else if !p.head_sha.eq_ignore_ascii_case(&e.head_sha) {
            Removal::HeadMoved
        } else {
            return None;
        };
        Some((i, why))
    })
}

/// The required checks of `branch`.
fn required(st: &State, k: &str, branch: &str) -> Vec<String> {
    st.repos
        .get(k)
        .and_then(|r| r.protection.get(branch))
        .map(|p| p.required_checks.clone())
        .unwrap_or_default()
}

/// The first entry with a failing required check on its group, and the check.
fn failing(st: &State, k: &str, branch: &str) -> Option<(usize, String)> {
    let required = required(st, k, branch);
    queue(st, k, branch).iter().enumerate().find_map(|(i, e)| {
        let g = e.group.as_ref()?;
        required
            .iter()
            .find(|c| st.check_state(k, c, &g.head_sha) == CheckState::Failing)
            .map(|c| (i, c.clone()))
    })
}

/// Whether the first entry's group passed every required check.
fn front_passes(st: &State, k: &str, branch: &str) -> bool {
    let Some(g) = queue(st, k, branch).first().and_then(|e| e.group.as_ref()) else {
        return false;
    };
    required(st, k, branch)
        .iter()
        .all(|c| st.check_state(k, c, &g.head_sha) == CheckState::Passed)
}

/// The `merge_group` object of a webhook payload.
async fn group_json(st: &mut State, k: &str, branch: &str, g: &Group) -> Result<Value> {
    let info = st.commit(k, &g.head_sha).await?;
    Ok(json!({
        "head_sha": g.head_sha,
        "head_ref": g.refname,
        "base_sha": g.base_sha,
        "base_ref": format!("refs/heads/{branch}"),
        "head_commit": json::simple_commit(&info),
    }))
}

/// Emits `merge_group` `destroyed` with `reason` and deletes the group's ref.
async fn destroy(
    base: &str,
    st: &mut State,
    k: &str,
    branch: &str,
    g: &Group,
    reason: &str,
    sender: &str,
) -> Result<()> {
    let group = group_json(st, k, branch, g).await?;
    let payload = json!({"action": "destroyed", "reason": reason, "merge_group": group});
    webhooks::emit(base, st, k, "merge_group", sender, payload);
    if st
        .repos
        .get(k)
        .is_some_and(|r| r.refs.contains_key(&g.refname))
    {
        ops::move_ref(base, st, k, &g.refname, None, sender).await?;
    }
    Ok(())
}

/// Takes entry `i` out of the queue without merging it: its group destroyed (`dequeued`), its
/// request's result final, `pull_request` `dequeued` with the reason.
async fn remove(
    base: &str,
    st: &mut State,
    k: &str,
    branch: &str,
    i: usize,
    why: Removal,
) -> Result<()> {
    let Some(e) = queue_mut(st, k, branch).map(|q| q.remove(i)) else {
        return Ok(());
    };
    if let Some(g) = &e.group {
        destroy(base, st, k, branch, g, "dequeued", &e.by).await?;
    }
    st.async_merges
        .insert(e.uuid.clone(), (k.to_owned(), e.number, why.result()));
    let pr = ops::pull_json(base, st, k, e.number).await?;
    let payload = json!({"action": "dequeued", "number": e.number, "reason": why.reason(),
                         "pull_request": pr});
    webhooks::emit(base, st, k, "pull_request", &e.by, payload);
    Ok(())
}

/// Builds the missing or outdated merge groups along the queue, each on the one ahead of it
/// (the first on the base's tip). `false` when an entry conflicted and was removed.
async fn build(base: &str, st: &mut State, k: &str, branch: &str) -> Result<bool> {
    let Some(mut parent) = st.repos.get(k).and_then(|r| r.branch(branch)).cloned() else {
        return Ok(true);
    };
    for i in 0..queue(st, k, branch).len() {
        let e = queue(st, k, branch)[i].clone();
        if let Some(g) = &e.group {
            if g.base_sha == parent {
                parent.clone_from(&g.head_sha);
                continue;
            }
            destroy(base, st, k, branch, g, "invalidated", &e.by).await?;
            if let Some(q) = queue_mut(st, k, branch) {
                q[i].group = None;
            }
        }
        let how = Landing {
            method: &e.method,
            title: None,
            message: None,
            login: &e.by,
        };
        let Some((sha, _)) = merge::land_commit(st, k, e.number, &parent, &how).await? else {
            remove(base, st, k, branch, i, Removal::Conflict).await?;
            return Ok(false);
        };
        let refname = format!(
            "refs/heads/gh-readonly-queue/{branch}/pr-{}-{parent}",
            e.number
        );
        ops::move_ref(base, st, k, &refname, Some(&sha), &e.by).await?;
        let g = Group {
            head_sha: sha.clone(),
            base_sha: std::mem::replace(&mut parent, sha),
            refname,
        };
        let group = group_json(st, k, branch, &g).await?;
        if let Some(q) = queue_mut(st, k, branch) {
            q[i].group = Some(g);
        }
        let payload = json!({"action": "checks_requested", "merge_group": group});
        webhooks::emit(base, st, k, "merge_group", &e.by, payload);
    }
    Ok(true)
}

/// Merges the first entry: the base fast-forwards to its group commit, which becomes the pull
/// request's `merge_commit_sha`; `pull_request` `closed`, `merge_group` `destroyed` `merged`.
async fn land(base: &str, st: &mut State, k: &str, branch: &str) -> Result<()> {
    let Some(e) = queue_mut(st, k, branch).map(|q| q.remove(0)) else {
        return Ok(());
    };
    let g = e
        .group
        .clone()
        .context("merging an entry without a group")?;
    let base_ref = format!("refs/heads/{branch}");
    ops::move_ref(base, st, k, &base_ref, Some(&g.head_sha), &e.by).await?;
    let now = st.now();
    merge::record_merged(base, st, k, e.number, &g.head_sha, &e.by, now).await?;
    destroy(base, st, k, branch, &g, "merged", &e.by).await?;
    let merged = Removal::Merged(g.head_sha.clone()).result();
    st.async_merges
        .insert(e.uuid.clone(), (k.to_owned(), e.number, merged));
    Ok(())
}
