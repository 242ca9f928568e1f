//! What protected branches ask of a promotion pull request, met as waits.
//!
//! Strict required checks: a pull request `behind` its base is brought up to date through the
//! API, which makes a new head that is validated again before it merges ([`behind`]).
//!
//! Required reviews as a normal wait: a promotion pull request GitHub will not merge until it is
//! approved puts its repo in `awaiting_review`. convoy asks the repo's `reviewers` once, reminds
//! them on the pull request at most once per `reviews.remind_every_hours`, and calls a human
//! only after `reviews.escalate_after_hours`. The merge is tried on every run; it lands as soon
//! as GitHub accepts it.

use crate::lifecycle::action::Action;
use crate::lifecycle::draft::Draft;
use crate::lifecycle::observed::ObservedPull;
use crate::lifecycle::table::Owner;
use crate::model::manifest::{ReleaseRepo, RepoState};
use crate::model::marker::Marker;
use crate::model::numbers::PullNumber;

/// Who must review `r`'s pull requests, for people: the configured reviewers, or whoever the
/// branch's rules accept.
pub(super) fn who_reviews(r: &ReleaseRepo) -> String {
    if r.reviewers.is_empty() {
        "a reviewer with write access (code owners, when the repository has a CODEOWNERS file)"
            .to_owned()
    } else {
        r.reviewers
            .iter()
            .map(|l| format!("@{l}"))
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

/// Plans what a repo waiting for reviews on pull request `number` needs this run: the wait as
/// the tracking issue names it, the review request (once), a reminder when one is due, and the
/// escalation once the wait is too long. Records in the manifest what it planned.
pub(super) fn awaiting_review(d: &mut Draft<'_>, name_index: usize, number: PullNumber) {
    let r = d.m.repos[name_index].clone();
    let Some(wait) = r.review.clone().filter(|w| w.pull == number) else {
        return;
    };
    if r.state != RepoState::AwaitingReview {
        return;
    }
    let who = who_reviews(&r);
    let pr = format!("{}#{number}", r.name);
    d.wait(
        Owner::Human,
        format!(
            "{who} to review {pr} with an approving review: GitHub says \"{}\"",
            wait.needs
        ),
    );
    if !wait.requested && !r.reviewers.is_empty() {
        let planned = d.act(
            Action::RequestReviewers {
                repo: r.name.clone(),
                number,
                reviewers: r.reviewers.clone(),
            },
            format!("ask {who} to review {pr}"),
            vec![],
        );
        if planned.is_some()
            && let Some(w) = d.m.repos[name_index].review.as_mut()
        {
            w.requested = true;
        }
    }
    let policy = d.m.policy.reviews.clone();
    let remind = i64::from(policy.remind_every_hours) * 60;
    let waited = d.now.minutes_since(wait.since);
    let last = wait.reminded_at.unwrap_or(wait.since);
    if remind > 0 && d.now.minutes_since(last) >= remind {
        let round = waited / remind;
        let marker = Marker::Escalation(format!("review-reminder:{}:{number}:{round}", r.name));
        let hours = waited / 60;
        let body = format!(
            "{marker}\n{who}: this release pull request has waited {hours} h for an approving review. GitHub says: \"{}\". Once it has an approving review convoy merges it on its next run, pinned to the head it validated.",
            wait.needs
        );
        d.act(
            Action::Comment {
                repo: r.name.clone(),
                issue: number.into(),
                marker: marker.content(),
                body,
            },
            format!("remind {who} to review {pr}"),
            vec![],
        );
        if let Some(w) = d.m.repos[name_index].review.as_mut() {
            w.reminded_at = Some(d.now);
        }
    }
    if waited >= i64::from(policy.escalate_after_hours) * 60 {
        d.escalate(
            format!("review:{}:{number}", r.name),
            format!(
                "{pr} has waited {} h for an approving review (GitHub says: \"{}\"). A person must give it an approving review ({who}), or change the branch's review rule; convoy merges it on the first run after GitHub accepts it",
                waited / 60,
                wait.needs
            ),
            Owner::Human,
        );
    }
}

/// Whether an unshipped repo's staging → base pull request is behind its base, at the head
/// convoy validated.
pub(super) fn any_ship_behind(d: &Draft<'_>) -> bool {
    d.m.repos.iter().any(|r| {
        r.shas.shipped.is_none()
            && d.o
                .open_pull(&r.name, &r.staging, &r.base)
                .is_some_and(|p| p.behind && Some(&p.head_sha) == r.shas.staged.as_ref())
    })
}

/// Promotion pull request `pr` of `r` is behind its base under strict required checks: GitHub
/// merges only a head that holds the base's tip. With `validated_again` (nothing shipped yet, or
/// an RC → staging pull request), convoy updates the branch: the new head is seen by the next
/// sync as a moved RC or staging head, promoted and validated again before it merges.
/// Otherwise (repos already shipped, so the new head could not be validated before them) a
/// person decides.
pub(super) fn behind(d: &mut Draft<'_>, r: &ReleaseRepo, pr: &ObservedPull, validated_again: bool) {
    let (head, base) = (&pr.head, &pr.base);
    let at = format!("{}#{}", r.name, pr.number);
    if !validated_again {
        d.escalate(
            format!("behind:{}:{}", r.name, pr.number),
            format!(
                "{at} is behind `{base}` (it moved during shipping) and the branch's strict required checks hold it. convoy does not update it now: the new head could not be validated before the repos already shipped. A person must either answer `/convoy rollback`, or let this merge through (relax \"require branches to be up to date\" on `{base}`, or let convoy's App bypass it); convoy tries the merge again on every run"
            ),
            Owner::Human,
        );
        return;
    }
    d.act(
        Action::UpdatePullBranch {
            repo: r.name.clone(),
            number: pr.number,
            head: pr.head_sha.clone(),
        },
        format!(
            "{at} is behind `{base}` and its required checks must run on an up-to-date branch: update `{head}` (the new head is validated again before it merges)"
        ),
        vec![],
    );
    d.wait(
        Owner::Ci,
        format!("{at} to be brought up to date with `{base}` and validated again"),
    );
}
