//! Merging through each repository's own merge queue, pinned to the validated SHA.
//!
//! Where a repo's staging or base takes changes only through a merge queue (read once from its
//! rules, or learnt from GitHub's refusal of a plain merge: `repos[].merge_queue`), a promotion
//! pull request whose dependencies merged is enqueued (`merge-async`, `merge_action:
//! "merge_queue"`, `sha` = the validated head) instead of merged. The request's UUID is kept in
//! the manifest (`repos[].queued`) and read on every run: the queue builds a merge group, CI
//! checks it, and the queue merges it; the pull request then shows merged with the group's commit,
//! which the promotion records like any merge. A dependent is enqueued only once its
//! dependencies have merged (an enqueue is no merge: nothing waits `after` it in a plan).
//!
//! When the queue removes the pull request (a failed check on the merge group), convoy enqueues
//! it once more — an ejection can be transient (a flaky check, an entry ahead that failed) — and
//! then calls a human with GitHub's reason; `/convoy retry` clears the count once they fixed it.
//! A request GitHub no longer knows (results are kept 24 hours) is asked again: GitHub answers a
//! repeated request with the existing UUID, or with the merge.

use crate::lifecycle::action::Action;
use crate::lifecycle::draft::Draft;
use crate::lifecycle::observed::{PullState, QueueState};
use crate::lifecycle::table::Owner;
use crate::model::config::MergeMethod;
use crate::model::history::HistoryEvent;
use crate::model::ids::{BranchName, Sha};
use crate::model::manifest::{QueuedMerge, ReleaseRepo};
use crate::model::numbers::PullNumber;

/// Times the queue may remove a pull request before convoy calls a human.
pub const QUEUE_EJECTIONS: u32 = 2;

/// Whether `r`'s `branch` takes changes only through its merge queue.
pub(super) fn required(r: &ReleaseRepo, branch: &BranchName) -> bool {
    r.merge_queue.contains(branch)
}

/// Forgets the queued merges whose pull request merged or closed: nothing more to follow.
pub(super) fn forget_landed(d: &mut Draft<'_>) {
    for i in 0..d.m.repos.len() {
        let Some(q) = d.m.repos[i].queued.clone() else {
            continue;
        };
        let name = d.m.repos[i].name.clone();
        if d.o
            .pull(&name, q.pull)
            .is_some_and(|p| p.state != PullState::Open)
        {
            d.m.repos[i].queued = None;
        }
    }
}

/// Plans what pull request `number` of `r`, ready to merge into `branch` at `pin`, needs this
/// run in its branch's merge queue: enqueue it (again), wait for the queue, or call a human.
/// `after` holds the actions the enqueue waits for (its `convoy/release` status).
pub(super) fn through_queue(
    d: &mut Draft<'_>,
    r: &ReleaseRepo,
    number: PullNumber,
    branch: &BranchName,
    pin: &Sha,
    after: Vec<usize>,
) {
    let Some(i) = d.m.repos.iter().position(|x| x.name == r.name) else {
        return;
    };
    let method = d.m.merge_method(r);
    let pr = format!("{}#{number}", r.name);
    let entry = r
        .queued
        .clone()
        .filter(|q| q.pull == number && &q.branch == branch && &q.sha == pin);
    let Some(q) = entry else {
        d.m.repos[i].queued = Some(QueuedMerge {
            pull: number,
            branch: branch.clone(),
            sha: pin.clone(),
            uuid: None,
            since: d.now,
            ejections: 0,
            reason: None,
        });
        enqueue(d, r, number, branch, pin, method, after);
        return;
    };
    let state = q
        .uuid
        .as_deref()
        .and_then(|u| d.o.queue_state(&r.name, u).cloned());
    match (q.uuid.as_deref(), state) {
        // Never answered, or GitHub forgot the request: ask (again); a repeated request is
        // answered with the existing UUID.
        (None, _) | (Some(_), Some(QueueState::Unknown)) => {
            if let Some(x) = d.m.repos[i].queued.as_mut() {
                x.uuid = None;
            }
            if q.ejections >= QUEUE_EJECTIONS {
                call_human(d, r, number, branch, &q);
            } else {
                enqueue(d, r, number, branch, pin, method, after);
            }
        }
        (Some(_), Some(QueueState::Failed { message })) => {
            let ejections = q.ejections + 1;
            if let Some(x) = d.m.repos[i].queued.as_mut() {
                x.uuid = None;
                x.ejections = ejections;
                x.reason = Some(message.clone());
                x.since = d.now;
            }
            d.log(
                "convoy",
                HistoryEvent::QueueEjected,
                None,
                Some(r.name.to_string()),
                format!("{pr} left {branch}'s merge queue ({ejections} of {QUEUE_EJECTIONS}): {message}"),
            );
            let Some(x) = d.m.repos[i].queued.clone() else {
                return;
            };
            if ejections >= QUEUE_EJECTIONS {
                call_human(d, r, number, branch, &x);
            } else {
                enqueue(d, r, number, branch, pin, method, after);
            }
        }
        (Some(_), _) => d.wait_since(
            Owner::Ci,
            format!(
                "{pr} to merge through {branch}'s merge queue (its checks run on the merge group), pinned to {}",
                pin.short()
            ),
            q.since,
        ),
    }
}

fn enqueue(
    d: &mut Draft<'_>,
    r: &ReleaseRepo,
    number: PullNumber,
    branch: &BranchName,
    pin: &Sha,
    method: MergeMethod,
    after: Vec<usize>,
) {
    d.act(
        Action::EnqueuePullRequest {
            repo: r.name.clone(),
            number,
            sha: pin.clone(),
            method,
        },
        format!(
            "put {}#{number} in {branch}'s merge queue, pinned to {}",
            r.name,
            pin.short()
        ),
        after,
    );
    d.wait(
        Owner::Ci,
        format!(
            "{}#{number} to merge through {branch}'s merge queue, pinned to {}",
            r.name,
            pin.short()
        ),
    );
}

/// The queue removed the pull request too often: a person must look at why.
fn call_human(
    d: &mut Draft<'_>,
    r: &ReleaseRepo,
    number: PullNumber,
    branch: &BranchName,
    q: &QueuedMerge,
) {
    let reason = q
        .reason
        .clone()
        .unwrap_or_else(|| "GitHub did not say why".to_owned());
    d.escalate(
        format!("queue:{}:{number}:{}", r.name, q.sha.short()),
        format!(
            "{}#{number} left {branch}'s merge queue {} times; GitHub says: \"{reason}\". Make the failing check pass on the merge group (re-run it, or fix the cause with a commit on the pull request's head branch, which convoy then validates again), then `/convoy retry` puts it back in the queue",
            r.name, q.ejections
        ),
        Owner::Human,
    );
}

/// `/convoy retry`: the pull requests the queue removed too often are enqueued again.
pub(crate) fn retry_ejected(m: &mut crate::model::manifest::ReleaseManifest) -> usize {
    let mut n = 0;
    for r in &mut m.repos {
        if r.queued
            .as_ref()
            .is_some_and(|q| q.ejections >= QUEUE_EJECTIONS)
        {
            r.queued = None;
            n += 1;
        }
    }
    n
}
